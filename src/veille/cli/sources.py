"""`veille sources`: each source's health, and the rss sources' feeds to and from OPML.

Alone, `veille sources` prints the health table; `import` adds an OPML file's feeds to
sources.yaml and `export` writes them back out for a feed reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    VeilleCommand,
    VeilleGroup,
    _console,
    _zone,
    epilog,
    handles_errors,
)
from veille.errors import UsageError

sources_app = typer.Typer(
    help="Each source's health; import or export feeds as OPML.",
    no_args_is_help=False,
    cls=VeilleGroup,
    epilog=epilog("sources"),
)


@sources_app.callback(invoke_without_command=True)
@handles_errors
def sources(
    ctx: typer.Context,
    config: ConfigOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Each source's health: last fetch, status, error, failures in a row, moved or gone."""
    from veille.config import load_for_command
    from veille.health import source_health
    from veille.report import health_table
    from veille.store import Store

    if ctx.invoked_subcommand is not None:
        return
    loaded, db_path = load_for_command(config, db, require_config=False)
    rows = []
    if db_path.exists():
        with Store(db_path, create=False, write=False) as store:
            rows = store.sources()
    entries = source_health(loaded.sources if loaded else None, rows)
    if as_json:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    console = _console()
    console.print(health_table(entries, width=console.width, zone=_zone(loaded)))


@sources_app.command("import", cls=VeilleCommand, epilog=epilog("sources import"))
@handles_errors
def sources_import(
    opml_file: Annotated[Path, typer.Argument(help="An OPML file exported by a feed reader.")],
    config: ConfigOption = None,
) -> None:
    """Add the feeds of an OPML file to sources.yaml (its comments and order are kept)."""
    from veille.config import add_feeds, find_config
    from veille.opml import read_opml

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


@sources_app.command("export", cls=VeilleCommand, epilog=epilog("sources export"))
@handles_errors
def sources_export(
    config: ConfigOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE (default: stdout).")
    ] = None,
) -> None:
    """Write the rss sources of sources.yaml as OPML, for a feed reader."""
    from veille.config import load_for_command
    from veille.opml import write_opml

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
