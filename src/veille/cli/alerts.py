"""`veille alerts`: deliver the pending alerts without a sweep (`send`), or check an alert's
URLs with a test message (`test`). A scan delivers them too, after its sweep (`sweep.scan`).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from veille.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    VeilleCommand,
    VeilleGroup,
    _console,
    _warn_failed_alerts,
    _zone,
    epilog,
    handles_errors,
)
from veille.errors import ExitCode, UsageError

alerts_app = typer.Typer(
    help="Deliver pending alerts now, or send a test message.",
    no_args_is_help=True,
    cls=VeilleGroup,
)


@alerts_app.command("send", cls=VeilleCommand, epilog=epilog("alerts send"))
@handles_errors
def alerts_send(
    names: Annotated[
        list[str] | None, typer.Argument(help="Only these alerts (default: every one).")
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deliver what is pending for each alert now, as a scan does after its sweep."""
    from veille.alerts import deliver_alerts, pick_alerts
    from veille.config import load_for_command
    from veille.report import alerts_data, alerts_view
    from veille.store import ScanLock, Store
    from veille.times import utc_now

    loaded, db_path = load_for_command(config, db, require_config=True, alert_urls=True)
    assert loaded is not None
    if not loaded.alerts:
        raise UsageError(f"{loaded.path}: no alerts configured; add an `alerts:` section")
    pick_alerts(loaded, names or ())
    with Store(db_path, create=False) as store, ScanLock(db_path):
        outcomes = deliver_alerts(
            loaded, store, now=utc_now(), names=names or (), zone=_zone(loaded)
        )
    if as_json:
        typer.echo(json.dumps(alerts_data(outcomes), ensure_ascii=False, indent=2))
        _warn_failed_alerts(outcomes)
    else:
        _console().print(alerts_view(outcomes))
    if any(outcome.state == "failed" for outcome in outcomes):
        raise typer.Exit(ExitCode.SOURCE_FAILED)


@alerts_app.command("test", cls=VeilleCommand, epilog=epilog("alerts test"))
@handles_errors
def alerts_test(
    name: Annotated[str, typer.Argument(help="The alert's name in sources.yaml.")],
    config: ConfigOption = None,
) -> None:
    """Send a test message to each URL of an alert."""
    from veille.alerts import describe_alert_urls, pick_alerts, send_test
    from veille.config import load_for_command
    from veille.text import clean_text
    from veille.times import utc_now

    loaded, _ = load_for_command(config, None, require_config=True, alert_urls=True)
    assert loaded is not None
    (alert,) = pick_alerts(loaded, [name])
    errors = send_test(alert, now=utc_now(), zone=_zone(loaded))
    for error in errors:
        typer.echo(f"veille: error: alert {clean_text(name)}: {error}", err=True)
    if errors:
        raise typer.Exit(ExitCode.SOURCE_FAILED)
    typer.echo(
        f"Sent a test message for {clean_text(name)} to " + ", ".join(describe_alert_urls(alert))
    )
