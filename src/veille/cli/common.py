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
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from veille import __version__
from veille.config import load_for_command
from veille.errors import VeilleError
from veille.models import AlertOutcome, Config
from veille.query import build_filter
from veille.report import alert_line
from veille.store import MentionFilter, Store
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


@contextlib.contextmanager
def _listing(
    config: Path | None, db: Path | None, *values: Any
) -> Iterator[tuple[Store, MentionFilter, Config | None]]:
    """The store and the checked filter of a listing command, from its options."""
    loaded, db_path = load_for_command(config, db, require_config=False)
    with Store(db_path, create=False, write=False) as store:
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


def _warn_failed_alerts(outcomes: Iterable[AlertOutcome]) -> None:
    """A failed delivery reaches stderr even with --quiet or --json: cron mails it."""
    for outcome in outcomes:
        if outcome.state == "failed":
            typer.echo(f"veille: alert {clean_text(outcome.name)} {alert_line(outcome)}", err=True)
