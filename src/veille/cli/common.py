"""What every command shares: the Typer `app`, the option types, error handling, output.

The listing helpers turn the filter options (--brand, --since, --tone, …) into one checked
`MentionFilter`, so `mentions`, `export`, `report`, `search` and `inbox` filter alike.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from typer.completion import completion_init
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from veille import __version__
from veille.cli.rich_help import import_rich_help
from veille.cli.values import convert_plainly
from veille.errors import ExitCode, UsageError, VeilleError

# The config (pydantic), the store (sqlite_utils, numpy), the views (Rich) and the text
# cleaner (lxml) are imported where a command uses them: `--help` and `--version` need none.
if TYPE_CHECKING:
    from datetime import tzinfo

    from rich.console import Console

    from veille.models import AlertOutcome, Config
    from veille.store import MentionFilter, Store


def _plain_metavars(params: Iterable[Any]) -> None:
    """Name what each option takes (FILE, N, TEXT), where Typer would print its type names
    (`<bool>`, `<list[str]>`, `<path>`): a flag takes nothing, and an argument's name
    already says what it is."""
    for param in params:
        if isinstance(param, TyperArgument):
            # Typer has no setting for it: the method is replaced on this one argument.
            param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]
        elif isinstance(param, TyperOption) and param.metavar is None:
            descriptor = param.type_descriptor
            if param.is_flag:
                param.metavar = ""
            elif descriptor.is_path:
                param.metavar = "FILE"
            elif descriptor.annotation in (int, float) or descriptor.is_ranged:
                param.metavar = "N"
            else:
                param.metavar = "TEXT"


class _PlainOptions:
    """Help that shows plain metavars (see `_plain_metavars`), and options converted
    without pydantic (see `values`): mixed into Typer's command and group alike."""

    # `ctx` is Typer's own copy of click's Context, which Typer does not export.
    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]  # Typer's class, next in the MRO
        convert_plainly(params)  # --help included
        return params

    def format_help(self, ctx: Any, formatter: Any) -> None:
        import_rich_help()
        _plain_metavars(self.get_params(ctx))
        super().format_help(ctx, formatter)  # type: ignore[misc]  # Typer's class, next in the MRO


class VeilleCommand(_PlainOptions, TyperCommand):
    """A command of veille's (see `_PlainOptions`)."""


class VeilleGroup(_PlainOptions, TyperGroup):
    """A group (`veille`, `veille sources`) of veille's (see `_PlainOptions`)."""


# Shown under each command's help: what a user would type first.
EXAMPLES = {
    "init": ["veille init", "veille init -c ~/veille/sources.yaml"],
    "scan": ["veille scan", "veille scan --source 'Hacker News' --no-alerts", "veille scan -q"],
    "mentions": [
        "veille mentions --brand Acme --since 7d",
        "veille mentions --tone negative -n 10",
    ],
    "export": ["veille export --since 30d -o mentions.csv --excel", "veille export -f jsonl"],
    "preview": [
        "veille preview 'Hacker News'",
        "veille preview https://forum.example/t/1 --type forum",
    ],
    "tone": [
        'veille tone "Service client injoignable"',
        'veille tone "Thanks Acme for nothing" --explain',
        "cut -f2 posts.tsv | veille tone",
    ],
    "tone train": ["veille tone train", "veille tone train --json", "veille tone train --reset"],
    "report": ["veille report", "veille report --since 30d --brand Acme --json"],
    "search": ['veille search "late delivery"', "veille search 'refund OR rembours*' --since 7d"],
    "inbox": ["veille inbox", "veille inbox --brand Acme -n 10"],
    "show": ["veille show 12", "veille show 12 --open", "veille show 12 --json | jq .explain"],
    "mark": ['veille mark 12 15 --handled --note "answered by DM"', "veille mark 7 --new"],
    "label": [
        "veille label 12 15 negative",
        "veille label 12 --flag complaint --no-flag question",
        "veille label --import labelled.csv",
    ],
    "backtest": [
        "veille backtest --brand Acme --since 90d",
        "veille backtest --term Acme --exclude 'Acme anvil'",
    ],
    "purge": ["veille purge --author 'Jane Doe'", "veille purge --before 2025-01-01 --yes"],
    "backup": [
        "veille backup veille-$(date +%F).db",
        "veille backup /mnt/nas/veille.db --db veille.db",
    ],
    "doctor": ["veille doctor", "veille doctor --salvage rescued.db"],
    "cron": ["veille cron", "(crontab -l; veille cron --at 05:30) | crontab -"],
    "sources": ["veille sources", "veille sources --json | jq '.[] | select(.state != \"ok\")'"],
    "sources import": ["veille sources import subscriptions.opml"],
    "sources export": ["veille sources export -o veille.opml"],
    "alerts send": ["veille alerts send", "veille alerts send team"],
    "alerts test": ["veille alerts test team"],
    "demo": ["veille demo", "veille demo --db demo.db && veille inbox --db demo.db"],
    "completion": [
        "veille completion bash > ~/.local/share/bash-completion/completions/veille",
        "veille completion zsh > ~/.zfunc/_veille  # a folder in $fpath",
        "veille completion fish > ~/.config/fish/completions/veille.fish",
    ],
}


def epilog(name: str) -> str:
    """The examples of a command (or `sources import`…), as its help's closing lines."""
    return "Examples:\n\n" + "\n".join(f"  {line}" for line in EXAMPLES[name])


app = typer.Typer(
    name="veille",
    help="Local-first brand monitoring: who talks about your brand, where, in what tone.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=VeilleGroup,
)
# What `veille completion` prints and the Tab requests it makes are Typer's shell scripts and
# their answers, which `add_completion=False` leaves unregistered with --install-completion.
completion_init()

P = ParamSpec("P")
R = TypeVar("R")

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
    list[str] | None, typer.Option("--brand", metavar="NAME", help="Only this brand (repeatable).")
]
SourceOption = Annotated[
    list[str] | None,
    typer.Option("--source", metavar="NAME", help="Only this source (repeatable)."),
]
SinceOption = Annotated[
    str | None, typer.Option("--since", metavar="WHEN", help="From this time: 7d, 24h, 2026-11-01.")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", metavar="WHEN", help="Before this time.")
]
ToneOption = Annotated[
    list[str] | None, typer.Option("--tone", metavar="TONE", help="positive, neutral or negative.")
]
FlagOption = Annotated[
    list[str] | None,
    typer.Option("--flag", metavar="FLAG", help="question, complaint, insult, adult or spam."),
]
StatusOption = Annotated[
    list[str] | None, typer.Option("--status", metavar="STATUS", help="new, handled, ignored.")
]
ReportLangOption = Annotated[
    str | None,
    typer.Option(
        "--lang", metavar="CODE", help="The report's language: fr or en (default: $LANG)."
    ),
]
LangOption = Annotated[
    list[str] | None, typer.Option("--lang", metavar="CODE", help="Language code: fr, en…")
]


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into one stderr line and their exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except VeilleError as error:
            from veille.text import clean_text

            typer.echo(f"veille: error: {clean_text(str(error))}", err=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("veille: interrupted", err=True)
            raise typer.Exit(ExitCode.INTERRUPTED) from None

    return wrapper


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


def builtin_engine(loaded: Config | None) -> bool:
    """Whether the built-in tone engine judges (no config, or one that names it): only then
    does the trained layer judge after it, as in a sweep."""
    from veille.tone.engines import BUILTIN_ENGINE

    return loaded is None or loaded.settings.tone_engine == BUILTIN_ENGINE


def _zone(loaded: Config | None) -> tzinfo:
    """The zone dates are shown and read in: `settings.timezone`, else the machine's (also
    for a command run on a database alone, without a config)."""
    from veille.times import configured_zone

    return configured_zone(loaded.settings.timezone if loaded else None)


@contextlib.contextmanager
def _listing(
    config: Path | None, db: Path | None, *values: Any
) -> Iterator[tuple[Store, MentionFilter, Config | None, tzinfo]]:
    """The store, the checked filter, the config and the zone of a listing command, from its
    options."""
    from veille.config import load_for_command
    from veille.store import Store

    loaded, db_path = load_for_command(config, db, require_config=False)
    zone = _zone(loaded)
    with Store(db_path, create=False, write=False) as store:
        yield store, _listing_filter(loaded, store, zone, *values), loaded, zone


def _listing_filter(
    loaded: Config | None,
    store: Store,
    zone: tzinfo,
    brand: list[str] | None,
    source: list[str] | None,
    since: str | None,
    until: str | None,
    tone: list[str] | None,
    flag: list[str] | None,
    status: list[str] | None,
    lang: list[str] | None,
) -> MentionFilter:
    from veille.query import build_filter

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
        zone=zone,
    )


# A file beside the database that writing over would break it: (suffix, what it is).
_SIDE_FILES = (
    ("", ""),
    ("-wal", "'s write-ahead log"),
    ("-shm", "'s shared memory"),
    ("-journal", "'s journal"),
    (".lock", "'s scan lock"),
)


def check_html_target(
    html: Path | None,
    as_json: bool = False,
    *,
    database: Path | None = None,
    config: Path | None = None,
) -> None:
    """Refuse, before any work, an --html that cannot be honoured: stdout, a folder or a
    device, a missing folder, or one of the files veille works on — the database (whether
    it exists yet or not: `demo --db` makes it later) and its side files, the config —
    which writing the report would destroy."""
    if html is None:
        return
    if str(html) == "-":
        raise UsageError("--html needs a file name: the report is not written to stdout")
    if as_json:
        raise UsageError("--html and --json: choose one")
    if html.exists() and not html.is_file():
        kind = "a folder" if html.is_dir() else "not a regular file"
        raise UsageError(f"{html}: {kind}; --html needs a file to write")
    if not html.parent.is_dir():
        raise UsageError(f"{html}: cannot write (no such folder {html.parent})")
    target = html.resolve()
    kept = [(config, "the config file")] + [
        (database.with_name(database.name + suffix), f"the database{kind}")
        for suffix, kind in _SIDE_FILES
        if database is not None
    ]
    for path, what in kept:
        if path is not None and path.resolve() == target:
            raise UsageError(f"{html}: that is {what}; --html needs another file")


def show_report(figures: dict[str, Any], zone: tzinfo, lang: str, html: Path | None) -> None:
    """The report on the terminal, or written to `html` with one line saying where."""
    from veille.wording import Wording

    words = Wording(lang)
    if html is None:
        from veille.report import report_view

        console = _console()
        console.print(report_view(figures, width=console.width, zone=zone, words=words))
        return
    from veille.report.html import write_html

    try:
        write_html(figures, html, lang=lang, zone=zone)
    except OSError as error:
        raise UsageError(f"{html}: cannot write ({error.strerror or error})") from None
    typer.echo(words("written", path=html))


def _print_json_lines(rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))


def _warn_failed_alerts(outcomes: Iterable[AlertOutcome]) -> None:
    """A failed delivery reaches stderr even with --quiet or --json: cron mails it."""
    from veille.report import alert_line
    from veille.text import clean_text

    for outcome in outcomes:
        if outcome.state == "failed":
            typer.echo(f"veille: alert {clean_text(outcome.name)} {alert_line(outcome)}", err=True)
