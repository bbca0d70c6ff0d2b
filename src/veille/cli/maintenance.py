"""`veille backup` and `veille doctor`: keeping the database safe, and saving a damaged one.

Both read the database without ever writing into it (it may be damaged, or in use by a
scan); what they make is always a new file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import ConfigOption, DbOption, handles_errors


@handles_errors
def backup(
    file: Annotated[Path, typer.Argument(help="The new file to write the copy into.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Copy the database into a new FILE, safely even while a scan runs."""
    from veille.config import load_for_command
    from veille.store.salvage import backup as backup_database
    from veille.store.salvage import open_source

    _, db_path = load_for_command(config, db, require_config=False)
    source = open_source(db_path)
    try:
        size = backup_database(source, db_path, file)
    finally:
        source.close()
    typer.echo(f"Backed up {db_path} to {file} ({size / 1_000_000:.1f} MB).")


@handles_errors
def doctor(
    db: DbOption = None,
    config: ConfigOption = None,
    salvage_to: Annotated[
        Path | None,
        typer.Option(
            "--salvage",
            metavar="NEW.db",
            help="Copy every row that can still be read into this new database.",
        ),
    ] = None,
) -> None:
    """Check the database for damage; with --salvage, save what can be read into a new file.

    Exit 0 when the check finds nothing wrong or a salvage is done, 2 when the database is
    damaged and nothing was saved.
    """
    from veille.config import load_for_command
    from veille.store.opening import damaged
    from veille.store.salvage import integrity_problems, open_source, salvage

    _, db_path = load_for_command(config, db, require_config=False)
    source = open_source(db_path)
    try:
        problems = integrity_problems(source)
        if salvage_to is not None:
            saved = salvage(source, db_path, salvage_to)
    finally:
        source.close()
    if not problems:
        typer.echo(f"{db_path}: no damage found.")
    else:
        typer.echo(f"{db_path}: damaged —")
        for problem in problems:
            typer.echo(f"  {problem}")
    if salvage_to is None:
        if problems:
            raise damaged(db_path, f"{len(problems)} problem(s) found")
        return
    for table in saved:
        skipped = (
            f", {table.skipped} unreadable stretch{'es' if table.skipped > 1 else ''} skipped"
            if table.skipped
            else ""
        )
        typer.echo(f"  {table.table}: {table.rows} rows saved{skipped}")
    typer.echo(
        f"Saved into {salvage_to}: check it (`veille mentions --db {salvage_to}`), then use it "
        f"in place of {db_path.name} (keep the damaged file until you are sure)."
    )
