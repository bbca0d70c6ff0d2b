"""The `veille` command line: options, one call per command, rendering, exit codes.

Every command resolves its config and database, calls one function from a domain module and
renders what comes back. `VeilleError`s become one line on stderr and their exit code
(2 usage/config, 75 locked, 1 failed source); Ctrl-C becomes 130.

The sweep's stages (HTTP, feed parsing, tone models) are imported by the commands that use
them, so the reading commands (`report`, `mentions`, …) start in half the time.

`common` holds the `app` and what the commands share (options, error handling, output);
`sweep` the commands that fetch or judge, `listing` those that read the stored mentions,
`archive` the commands over the item archive (`backtest`, `purge`), `maintenance` those that
keep the database safe (`backup`, `doctor`), `sources` and `alerts`
their sub-commands. They are registered here, in the order
`veille --help` lists them.
"""

from __future__ import annotations

from veille.cli import alerts, archive, listing, maintenance, sources, sweep
from veille.cli.common import VeilleCommand, app, epilog

__all__ = ["app", "main"]

for _command in (
    sweep.init,
    sweep.scan,
    listing.mentions,
    listing.export,
    sweep.preview,
    sweep.tone,
    listing.report,
    listing.search,
    listing.inbox,
    listing.mark,
    archive.backtest,
    archive.purge,
    maintenance.backup,
    maintenance.doctor,
    sweep.cron,
    sweep.demo,
):
    app.command(cls=VeilleCommand, epilog=epilog(_command.__name__))(_command)
app.add_typer(sources.sources_app, name="sources")
app.add_typer(alerts.alerts_app, name="alerts")


def main() -> None:
    """Console-script entry point."""
    app()
