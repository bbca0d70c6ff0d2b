"""The `veille` command line: options, one call per command, rendering, exit codes.

Every command resolves its config and database, calls one function from a domain module and
renders what comes back. `VeilleError`s become one line on stderr and their exit code
(2 usage/config, 75 locked, 1 failed source); Ctrl-C becomes 130.

The sweep's stages (HTTP, feed parsing, tone models) are imported by the commands that use
them, so the reading commands (`report`, `mentions`, …) start in half the time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from veille import __version__
from veille.config import (
    add_feeds,
    adhoc_source,
    find_config,
    load_for_command,
    write_starter,
)
from veille.cron import cron_line
from veille.errors import LockedError, UsageError, VeilleError
from veille.export import EXPORT_FORMATS, write_export
from veille.figures import build_report, default_since
from veille.health import source_health
from veille.models import AlertOutcome, Config, Settings, SourceOutcome
from veille.opml import read_opml, write_opml
from veille.query import build_filter, parse_when
from veille.report import (
    alert_line,
    alerts_data,
    alerts_view,
    health_table,
    inbox_table,
    mentions_table,
    plain_marked,
    report_view,
    scan_summary,
    scan_summary_data,
    search_results,
    web_text,
)
from veille.store import MentionFilter, ScanLock, Store
from veille.text import clean_text

app = typer.Typer(
    name="veille",
    help="Local-first brand monitoring: who talks about your brand, where, in what tone.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Config file (else $VEILLE_CONFIG, else ./sources.yaml)."),
]
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="SQLite database (else $VEILLE_DB, config `database`, ./veille.db)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print data as JSON.")]
BrandOption = Annotated[
    list[str] | None, typer.Option("--brand", help="Only this brand (repeatable).")
]
SourceOption = Annotated[
    list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="From this time: 7d, 24h, 2026-11-01.")
]
UntilOption = Annotated[str | None, typer.Option("--until", help="Before this time.")]
ToneOption = Annotated[
    list[str] | None, typer.Option("--tone", help="positive, neutral or negative.")
]
FlagOption = Annotated[
    list[str] | None,
    typer.Option("--flag", help="question, complaint, insult, adult or spam."),
]
StatusOption = Annotated[list[str] | None, typer.Option("--status", help="new, handled, ignored.")]
LangOption = Annotated[list[str] | None, typer.Option("--lang", help="Language code: fr, en…")]


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def handles_errors(command: F) -> F:
    """Turn domain errors into one stderr line and their exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except VeilleError as error:
            typer.echo(f"veille: error: {clean_text(str(error))}", err=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("veille: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"veille {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Local-first brand monitoring: who talks about your brand, where, in what tone."""


@app.command()
@handles_errors
def init(
    config: ConfigOption = None,
) -> None:
    """Write a commented sources.yaml starter (never overwrites an existing file)."""
    path = write_starter(config or Path("sources.yaml"))
    typer.echo(f"Wrote {path}: add your brands and sources, then run `veille scan`.")


def _progress_bar(total: int) -> tuple[Progress | None, Callable[[SourceOutcome], None] | None]:
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


@app.command()
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
) -> None:
    """Sweep every source (or the --source/--brand ones), store new mentions, deliver alerts."""
    from veille.scan import ScanInterrupted, plan_scan, run_scan

    loaded, db_path = load_for_command(config, db, require_config=True, alert_urls=not no_alerts)
    assert loaded is not None
    plan = plan_scan(loaded, source or (), brand or ())
    progress, on_progress = (None, None) if quiet or as_json else _progress_bar(len(plan.sources))
    try:
        if progress is not None:
            with progress:
                summary = run_scan(loaded, db_path, plan, progress=on_progress)
        else:
            summary = run_scan(loaded, db_path, plan)
    except ScanInterrupted as interrupted:
        _print_summary(interrupted.summary, quiet=quiet, as_json=as_json)
        raise typer.Exit(130) from None
    if loaded.alerts and not no_alerts:
        summary.alerts = _deliver_after_scan(loaded, db_path)
    _print_summary(summary, quiet=quiet, as_json=as_json)
    if summary.sources_failed:
        raise typer.Exit(1)


def _deliver_after_scan(loaded: Config, db_path: Path) -> list[AlertOutcome]:
    """Deliver the alerts once the sweep is stored. A scan that started in between holds
    the lock and will deliver them itself: they are then reported as held, not failed."""
    from veille.alerts import deliver_alerts

    try:
        with ScanLock(db_path), Store(db_path) as store:
            return deliver_alerts(loaded, store, now=datetime.now(timezone.utc))
    except LockedError:
        reason = "another scan started meanwhile; it delivers them"
        return [AlertOutcome(alert.name, "held", reason=reason) for alert in loaded.alerts]


def _print_summary(summary: Any, *, quiet: bool, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(scan_summary_data(summary), ensure_ascii=False, indent=2))
    elif not quiet or summary.sources_failed or summary.interrupted:
        console = _console()
        console.print(scan_summary(summary, width=console.width))
        return
    _warn_failed_alerts(summary.alerts)


def _warn_failed_alerts(outcomes: Iterable[AlertOutcome]) -> None:
    """A failed delivery reaches stderr even with --quiet or --json: cron mails it."""
    for outcome in outcomes:
        if outcome.state == "failed":
            typer.echo(f"veille: alert {clean_text(outcome.name)} {alert_line(outcome)}", err=True)


@contextlib.contextmanager
def _listing(
    config: Path | None, db: Path | None, *values: Any
) -> Iterator[tuple[Store, MentionFilter, Config | None]]:
    """The store and the checked filter of a listing command, from its options."""
    loaded, db_path = load_for_command(config, db, require_config=False)
    with Store(db_path, create=False) as store:
        yield store, _listing_filter(loaded, store, *values), loaded


def _listing_filter(
    loaded: Config | None,
    store: Store,
    brand: list[str] | None,
    source: list[str] | None,
    since: str | None,
    until: str | None,
    tone: list[str] | None,
    flag: list[str] | None,
    status: list[str] | None,
    lang: list[str] | None,
) -> MentionFilter:
    configured_brands = [b.name for b in loaded.brands] if loaded else []
    configured_sources = [s.name for s in loaded.sources] if loaded else []
    return build_filter(
        brands=brand,
        sources=source,
        since=since,
        until=until,
        tones=tone,
        flags=flag,
        statuses=status,
        langs=lang,
        known_brands=[*configured_brands, *store.values_of("brand")],
        known_sources=[*configured_sources, *store.values_of("source")],
    )


def _print_json_lines(rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))


@app.command()
@handles_errors
def mentions(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    lang: LangOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N mentions.")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per mention per line.")
    ] = False,
) -> None:
    """List stored mentions, newest first."""
    with _listing(config, db, brand, source, since, until, tone, flag, status, lang) as (
        store,
        filters,
        _,
    ):
        rows = store.iter_mentions(filters, limit=limit)
        if as_json:
            _print_json_lines(rows)
        else:
            console = _console()
            console.print(mentions_table(rows, width=console.width))


@app.command()
@handles_errors
def export(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    lang: LangOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE (default: stdout).")
    ] = None,
    excel: Annotated[
        bool, typer.Option("--excel", help="Add a UTF-8 BOM so Excel reads the accents.")
    ] = False,
) -> None:
    """Export mentions as CSV or JSON Lines, streamed."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format {fmt!r}: choose csv or jsonl")
    with _listing(config, db, brand, source, since, until, tone, flag, status, lang) as (
        store,
        filters,
        _,
    ):
        rows = store.iter_mentions(filters)
        if output is None:
            sys.stdout.reconfigure(newline="")  # type: ignore[attr-defined]
            write_export(rows, sys.stdout, fmt, excel=excel)
            return
        try:
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = write_export(rows, handle, fmt, excel=excel)
        except OSError as error:
            raise UsageError(f"{output}: cannot write ({error.strerror})") from None
    _console(stderr=True).print(f"Exported {count} mentions to {output}")


@app.command()
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
        int, typer.Option("--max-pages", min=1, help="Pages to follow (forums).")
    ] = 1,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N items.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per item per line.")
    ] = False,
) -> None:
    """Fetch one source and show the items it yields, without matching or storing."""
    from veille.scan import preview_source

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
    console = _console()
    console.print(web_text(f"{len(harvest.items)} items from {target.url or target.name}"))
    for item in items:
        console.print()
        console.print(web_text(item.title or "(no title)", style="bold"))
        console.print(web_text(f"{item.author or '-'} · {item.published_at or '-'} · {item.url}"))
        console.print(web_text(item.text[:300]), style="dim")


@app.command()
@handles_errors
def tone(
    text: Annotated[
        str | None, typer.Argument(help="Text to judge; without it, each line of stdin.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language code (else detected).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line: text, lang, tone…")
    ] = False,
) -> None:
    """Judge the tone of TEXT, or of each line of stdin."""
    from veille.tone import judge_tone

    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    console = _console()
    for line in lines:
        if not line.strip():
            continue
        judged = judge_tone(line, lang)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "text": line,
                        "lang": judged.lang,
                        "tone": judged.tone,
                        "score": judged.score,
                        "flags": list(judged.flags),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            flags = f" [{' '.join(judged.flags)}]" if judged.flags else ""
            console.print(
                web_text(f"{judged.tone:8} {judged.score:+.3f} {judged.lang}{flags}  "),
                web_text(line),
                sep="",
            )


@app.command()
@handles_errors
def report(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="From this time: 7d, 24h, 2026-11-01 (default: 7 days)."),
    ] = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    lang: LangOption = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows in the who/where tables.")] = 5,
    as_json: JsonOption = False,
) -> None:
    """Who is talking, where, in what tone, what changed, and what needs an answer."""
    now = datetime.now(timezone.utc)
    period_start = since or default_since(now)
    with _listing(config, db, brand, source, period_start, until, tone, flag, status, lang) as (
        store,
        filters,
        loaded,
    ):
        competitors = {b.name for b in loaded.brands if b.competitor} if loaded else set()
        figures = build_report(store, filters, now=now, competitors=competitors, top=top)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        console = _console()
        console.print(report_view(figures, width=console.width))


@app.command()
@handles_errors
def search(
    query: Annotated[
        str, typer.Argument(help='Words to find; FTS5 syntax: AND, OR, NOT, "a phrase", pre*.')
    ],
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    lang: LangOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N mentions.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per mention per line.")
    ] = False,
) -> None:
    """Full-text search over stored mentions, newest first, matched words highlighted."""
    with _listing(config, db, brand, source, since, until, tone, flag, status, lang) as (
        store,
        filters,
        _,
    ):
        rows = store.search(query, filters, limit=limit)
    if as_json:
        _print_json_lines(
            {
                **{k: v for k, v in row.items() if not k.endswith("_marked")},
                "excerpt": plain_marked(row["excerpt_marked"]),
            }
            for row in rows
        )
    else:
        console = _console()
        console.print(search_results(rows, width=console.width))


@app.command()
@handles_errors
def inbox(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    lang: LangOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N mentions.")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per mention per line.")
    ] = False,
) -> None:
    """New mentions that need a human, most urgent first: questions and complaints, then
    insults, then other negative mentions; newest first within each."""
    with _listing(config, db, brand, source, since, until, tone, flag, None, lang) as (
        store,
        filters,
        _,
    ):
        rows = store.inbox(filters, limit=limit)
    if as_json:
        _print_json_lines(rows)
    else:
        console = _console()
        console.print(inbox_table(rows, width=console.width))


@app.command()
@handles_errors
def mark(
    ids: Annotated[list[int], typer.Argument(help="Mention ids, as `inbox` and `mentions` show.")],
    db: DbOption = None,
    config: ConfigOption = None,
    handled: Annotated[bool, typer.Option("--handled", help="Answered or dealt with.")] = False,
    ignored: Annotated[bool, typer.Option("--ignored", help="Nothing to do.")] = False,
    new: Annotated[bool, typer.Option("--new", help="Back to the inbox.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with them.")] = None,
) -> None:
    """Triage mentions: mark them handled, ignored or new again, with an optional note."""
    chosen = [name for name, on in (("handled", handled), ("ignored", ignored), ("new", new)) if on]
    if len(chosen) > 1:
        raise UsageError("choose one of --handled, --ignored, --new")
    _, db_path = load_for_command(config, db, require_config=False)
    with Store(db_path, create=False) as store:
        count = store.mark(ids, chosen[0] if chosen else None, note)
    what = f"marked {chosen[0]}" if chosen else "noted"
    typer.echo(f"{count} mention{'s' if count > 1 else ''} {what}.")


sources_app = typer.Typer(
    help="Each source's health; import or export feeds as OPML.", no_args_is_help=False
)
app.add_typer(sources_app, name="sources")


@sources_app.callback(invoke_without_command=True)
@handles_errors
def sources(
    ctx: typer.Context,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each source's health: last fetch, status, error, failures in a row, moved or gone."""
    if ctx.invoked_subcommand is not None:
        return
    loaded, db_path = load_for_command(config, db, require_config=False)
    rows = []
    if db_path.exists():
        with Store(db_path, create=False) as store:
            rows = store.sources()
    entries = source_health(loaded.sources if loaded else (), rows)
    if as_json:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    console = _console()
    console.print(health_table(entries, width=console.width))


@sources_app.command("import")
@handles_errors
def sources_import(
    opml_file: Annotated[Path, typer.Argument(help="An OPML file exported by a feed reader.")],
    config: ConfigOption = None,
) -> None:
    """Add the feeds of an OPML file to sources.yaml (its comments and order are kept)."""
    path = find_config(config)
    try:
        data = opml_file.read_bytes()
    except OSError as error:
        raise UsageError(f"{opml_file}: cannot read ({error.strerror})") from None
    feeds = read_opml(data, str(opml_file))
    added, skipped = add_feeds(path, ((feed.title, feed.url) for feed in feeds))
    typer.echo(
        f"Added {len(added)} feed{'s' if len(added) != 1 else ''} to {path}"
        + (f"; {len(skipped)} already there" if skipped else "")
        + "."
    )


@sources_app.command("export")
@handles_errors
def sources_export(
    config: ConfigOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE (default: stdout).")
    ] = None,
) -> None:
    """Write the rss sources of sources.yaml as OPML, for a feed reader."""
    loaded, _ = load_for_command(config, None, require_config=True)
    assert loaded is not None
    document = write_opml(loaded.sources)
    if output is None:
        typer.echo(document, nl=False)
        return
    try:
        output.write_text(document, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{output}: cannot write ({error.strerror})") from None


alerts_app = typer.Typer(
    help="Deliver pending alerts now, or send a test message.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("send")
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

    loaded, db_path = load_for_command(config, db, require_config=True, alert_urls=True)
    assert loaded is not None
    if not loaded.alerts:
        raise UsageError(f"{loaded.path}: no alerts configured; add an `alerts:` section")
    pick_alerts(loaded, names or ())
    with Store(db_path, create=False) as store, ScanLock(db_path):
        outcomes = deliver_alerts(loaded, store, now=datetime.now(timezone.utc), names=names or ())
    if as_json:
        typer.echo(json.dumps(alerts_data(outcomes), ensure_ascii=False, indent=2))
        _warn_failed_alerts(outcomes)
    else:
        _console().print(alerts_view(outcomes))
    if any(outcome.state == "failed" for outcome in outcomes):
        raise typer.Exit(1)


@alerts_app.command("test")
@handles_errors
def alerts_test(
    name: Annotated[str, typer.Argument(help="The alert's name in sources.yaml.")],
    config: ConfigOption = None,
) -> None:
    """Send a test message to each URL of an alert."""
    from veille.alerts import describe_alert_urls, pick_alerts, send_test

    loaded, _ = load_for_command(config, None, require_config=True, alert_urls=True)
    assert loaded is not None
    (alert,) = pick_alerts(loaded, [name])
    errors = send_test(alert, now=datetime.now(timezone.utc))
    for error in errors:
        typer.echo(f"veille: error: alert {clean_text(name)}: {error}", err=True)
    if errors:
        raise typer.Exit(1)
    typer.echo(
        f"Sent a test message for {clean_text(name)} to " + ", ".join(describe_alert_urls(alert))
    )


@app.command()
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


@app.command()
@handles_errors
def demo(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Keep the demo database in FILE (default: a temporary one)."),
    ] = None,
) -> None:
    """Scan a bundled sample of feeds from a loopback server and print the report."""
    from veille.demo import DEMO_BRANDS, run_demo

    with tempfile.TemporaryDirectory(prefix="veille-demo-") as scratch:
        db_path = db or Path(scratch) / "demo.db"
        summary = run_demo(db_path)
        console = _console()
        console.print(scan_summary(summary, width=console.width))
        now = datetime.now(timezone.utc)
        with Store(db_path) as store:
            figures = build_report(
                store,
                MentionFilter(since=parse_when(default_since(now), "--since", now)),
                now=now,
                competitors={b.name for b in DEMO_BRANDS if b.competitor},
            )
        console.print(report_view(figures, width=console.width))
    if db is None:
        console.print("Run `veille demo --db demo.db` to keep the database and explore it.")


def veille_command() -> list[str]:
    """How to run this very veille from anywhere: its script, else `python -m veille`."""
    script = Path(sys.argv[0])
    if script.name == "veille" and script.exists():
        return [str(script.resolve())]
    return [sys.executable, "-m", "veille"]


def main() -> None:
    """Console-script entry point."""
    app()
