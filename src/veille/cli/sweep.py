"""The commands that set up and run the sweep: `init`, `scan`, `preview`, `cron`, `demo`.

`init` writes the starter sources.yaml; `scan` fetches every source, stores the new mentions
and then delivers the alerts; `preview` runs one stage by hand (a source's items; `veille
tone`, in `cli.tone`, runs another: a text's tone); `cron` prints the line that sweeps every
night; `demo` sweeps bundled samples.
The stages (`veille.scan`, `veille.tone`, `veille.alerts`, …) are imported inside the
functions that use them.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from veille.cli.common import (
    BrandOption,
    ConfigOption,
    DbOption,
    JsonOption,
    ReportLangOption,
    SourceOption,
    _console,
    _print_json_lines,
    _warn_failed_alerts,
    _zone,
    check_html_target,
    handles_errors,
    show_report,
)
from veille.errors import ExitCode, LockedError, UsageError

if TYPE_CHECKING:
    from rich.progress import Progress

    from veille.models import AlertOutcome, Config, SourceOutcome


@handles_errors
def init(
    config: ConfigOption = None,
) -> None:
    """Write a commented sources.yaml starter (never overwrites an existing file)."""
    from veille.config import write_starter

    path = write_starter(config or Path("sources.yaml"))
    typer.echo(f"Wrote {path}: add your brands and sources, then run `veille scan`.")


def _progress_bar(total: int) -> tuple[Progress | None, Callable[[SourceOutcome], None] | None]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = _console(stderr=True)
    if not console.is_terminal:
        return None, None
    progress = Progress(
        TextColumn("Scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("scan", total=total)
    return progress, lambda _outcome: progress.advance(task)


@handles_errors
def scan(
    config: ConfigOption = None,
    db: DbOption = None,
    source: SourceOption = None,
    brand: BrandOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing unless a source failed.")
    ] = False,
    as_json: JsonOption = False,
    no_alerts: Annotated[
        bool, typer.Option("--no-alerts", help="Store only: deliver no alert this time.")
    ] = False,
    rematch: Annotated[
        bool,
        typer.Option(
            "--rematch",
            help="Match the archive again for every brand, not only those whose rules changed.",
        ),
    ] = False,
) -> None:
    """Sweep every source (or the --source/--brand ones), store new mentions, deliver alerts.

    Brands added or whose rules changed are first matched against the items already read."""
    from veille.config import load_for_command
    from veille.report import web_text
    from veille.scan import ScanInterrupted, plan_scan, run_scan

    loaded, db_path = load_for_command(config, db, require_config=True, alert_urls=not no_alerts)
    assert loaded is not None
    plan = plan_scan(loaded, source or (), brand or ())
    progress, on_progress = (None, None) if quiet or as_json else _progress_bar(len(plan.sources))
    try:
        if progress is not None:
            with progress:
                summary = run_scan(
                    loaded,
                    db_path,
                    plan,
                    progress=on_progress,
                    rematch=rematch,
                    on_backfill=lambda names: progress.console.print(
                        web_text(f"Matching the archive for {', '.join(names)}…")
                    ),
                )
        else:
            summary = run_scan(loaded, db_path, plan, rematch=rematch)
    except ScanInterrupted as interrupted:
        _print_summary(interrupted.summary, quiet=quiet, as_json=as_json)
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    if loaded.alerts and not no_alerts:
        summary.alerts = _deliver_after_scan(loaded, db_path)
    _print_summary(summary, quiet=quiet, as_json=as_json)
    if summary.sources_failed:
        raise typer.Exit(ExitCode.SOURCE_FAILED)


def _deliver_after_scan(loaded: Config, db_path: Path) -> list[AlertOutcome]:
    """Deliver the alerts once the sweep is stored. A scan that started in between holds
    the lock and will deliver them itself: they are then reported as held, not failed."""
    from veille.alerts import deliver_alerts
    from veille.models import AlertOutcome
    from veille.store import ScanLock, Store
    from veille.times import utc_now

    try:
        with ScanLock(db_path), Store(db_path) as store:
            return deliver_alerts(loaded, store, now=utc_now(), zone=_zone(loaded))
    except LockedError:
        reason = "another scan started meanwhile; it delivers them"
        return [AlertOutcome(alert.name, "held", reason=reason) for alert in loaded.alerts]


def _print_summary(summary: Any, *, quiet: bool, as_json: bool) -> None:
    from veille.report import scan_summary, scan_summary_data
    from veille.text import clean_text

    if as_json:
        typer.echo(json.dumps(scan_summary_data(summary), ensure_ascii=False, indent=2))
    elif not quiet or summary.sources_failed or summary.interrupted:
        console = _console()
        console.print(scan_summary(summary, width=console.width))
        return
    elif quiet:
        # One line a source, as cron mails it (like a failed alert's).
        for outcome in summary.sources:
            if outcome.notice:
                line = f"{clean_text(outcome.name)}: {clean_text(outcome.notice)}"
                typer.echo(f"veille: warning: {line}", err=True)
    _warn_failed_alerts(summary.alerts)


@handles_errors
def preview(
    source: Annotated[str, typer.Argument(help="A configured source's name, or a URL.")],
    config: ConfigOption = None,
    source_type: Annotated[
        str, typer.Option("--type", help="The URL's source type: rss, forum or blog.")
    ] = "rss",
    engine: Annotated[
        str | None, typer.Option("--engine", help="Forum preset: discourse, phpbb, xenforo…")
    ] = None,
    selectors: Annotated[
        str | None,
        typer.Option("--selectors", help='CSS selectors, e.g. "{post: article.post, …}".'),
    ] = None,
    max_pages: Annotated[
        int, typer.Option("--max-pages", min=1, max=1_000, help="Pages to follow (forums).")
    ] = 1,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1_000_000, help="At most N items.")
    ] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per item per line.")
    ] = False,
) -> None:
    """Fetch one source and show the items it yields, without matching or storing."""
    from veille.config import adhoc_source, load_for_command
    from veille.models import Settings
    from veille.report import web_text
    from veille.scan import preview_source
    from veille.times import show_time

    loaded, _ = load_for_command(config, None, require_config=False)
    configured = {s.name: s for s in loaded.sources} if loaded else {}
    if source in configured:
        target = configured[source]
    elif "://" in source:
        target = adhoc_source(
            source, source_type, engine=engine, selectors=selectors, max_pages=max_pages
        )
    else:
        raise UsageError(f"{source!r} is neither a configured source nor a URL")
    harvest = preview_source(
        target, loaded.settings if loaded else Settings(), loaded.brands if loaded else ()
    )
    items = harvest.items if as_json else harvest.items[:limit]
    if harvest.warning:
        _console(stderr=True).print(web_text(f"warning: {harvest.warning}"))
    if not harvest.items and harvest.empty_reason:
        _console(stderr=True).print(web_text(f"warning: {harvest.empty_reason}"))
    if as_json:
        _print_json_lines(
            {
                "title": item.title,
                "author": item.author,
                "published_at": item.published_at,
                "url": item.url,
                "text": item.text,
            }
            for item in items
        )
        return
    console, zone = _console(), _zone(loaded)
    console.print(web_text(f"{len(harvest.items)} items from {target.url or target.name}"))
    for item in items:
        console.print()
        console.print(web_text(item.title or "(no title)", style="bold"))
        published = show_time(item.published_at, zone) if item.published_at else "-"
        console.print(web_text(f"{item.author or '-'} · {published} · {item.url}"))
        console.print(web_text(item.text[:300]), style="dim")


@handles_errors
def cron(
    config: ConfigOption = None,
    db: DbOption = None,
    at: Annotated[str, typer.Option("--at", help="Local time of the nightly sweep, HH:MM.")] = (
        "06:00"
    ),
    log: Annotated[
        Path | None, typer.Option("--log", help="Log file (default: veille.log by the database).")
    ] = None,
) -> None:
    """Print a crontab line for a nightly sweep that mails only when a source fails."""
    from veille.config import load_for_command
    from veille.cron import cron_line

    loaded, db_path = load_for_command(config, db, require_config=True)
    assert loaded is not None and loaded.path is not None
    database = db_path.resolve()
    line = cron_line(
        veille_command(),
        loaded.path.resolve(),
        database,
        (log or database.with_name("veille.log")).resolve(),
        at,
    )
    typer.echo(line)
    typer.echo("# add it with `crontab -e`, or: (crontab -l; veille cron) | crontab -", err=True)


@handles_errors
def demo(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Keep the demo database in FILE (default: a temporary one)."),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Write the demo's report as one HTML file."),
    ] = None,
    lang: ReportLangOption = None,
) -> None:
    """Scan a bundled sample of feeds from a loopback server and print the report."""
    import tempfile

    from veille.demo import DEMO_BRANDS, run_demo
    from veille.figures import build_report, default_since
    from veille.query import starting
    from veille.report import scan_summary
    from veille.store import MentionFilter, Store
    from veille.times import utc_now
    from veille.wording import Wording, report_language

    language = report_language(lang, os.environ, filters=False)
    check_html_target(html, database=db)
    with tempfile.TemporaryDirectory(prefix="veille-demo-") as scratch:
        db_path = db or Path(scratch) / "demo.db"
        summary = run_demo(db_path)
        console = _console()
        words = Wording(language)
        console.print(scan_summary(summary, width=console.width, words=words))
        now, zone = utc_now(), _zone(None)
        with Store(db_path) as store:
            figures = build_report(
                store,
                starting(MentionFilter(), default_since(now, zone=zone), now, zone),
                now=now,
                zone=zone,
                competitors={b.name for b in DEMO_BRANDS if b.competitor},
            )
        show_report(figures, zone, language, html)
    if db is None:
        console.print(words("demo_keep"))


def veille_command() -> list[str]:
    """How to run this very veille from anywhere: its script, else `python -m veille`."""
    script = Path(sys.argv[0])
    if script.name == "veille" and script.exists():
        return [str(script.resolve())]
    return [sys.executable, "-m", "veille"]
