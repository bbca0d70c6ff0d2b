"""Backing up a database, checking it, and saving what can still be read from a damaged one.

SQLite's `.recover` lives in the sqlite3 shell only; here, a damaged file is read table by
table in rowid order, and an unreadable stretch (a page that no longer parses) is stepped
over by probing further rowids, so every row outside the damaged pages is kept.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from veille.errors import StoreError, UsageError
from veille.store.opening import check_header, connect_for_reading, damaged

# The archive first: a mention's full-text entry takes its text from its item.
_FIRST = ("items",)
_LARGEST_ROWID = 2**63 - 1


@dataclass(frozen=True)
class Saved:
    """What a salvage kept of one table: rows copied, unreadable stretches stepped over."""

    table: str
    rows: int
    skipped: int


def _new_file(target: Path) -> None:
    if target.exists():
        raise UsageError(f"{target}: already exists; give the name of a new file")
    if not target.parent.is_dir():
        raise UsageError(f"{target}: the folder {target.parent} does not exist")


def open_source(path: Path) -> sqlite3.Connection:
    """A read-only connection to a database to check or copy: never written, even to
    migrate it, since it may be damaged."""
    if not path.exists():
        raise StoreError(f"{path}: no such database — pass it with --db")
    check_header(path)
    connection, _ = connect_for_reading(path)
    connection.execute("PRAGMA query_only = ON")
    return connection


def backup(source: sqlite3.Connection, path: Path, target: Path) -> int:
    """Copy the database into the new file `target` with SQLite's online backup, which
    reads one consistent snapshot while a scan may keep writing; the copy is checked, and
    a damaged one removed (a backup of damage is no backup). Returns its size in bytes."""
    _new_file(target)
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)
        problems = [row[0] for row in copy.execute("PRAGMA quick_check(1)")]
    except sqlite3.DatabaseError as error:
        problems = [str(error)]
    finally:
        copy.close()
    if problems != ["ok"]:
        target.unlink(missing_ok=True)
        raise damaged(path, problems[0])
    return target.stat().st_size


def integrity_problems(source: sqlite3.Connection, limit: int = 20) -> list[str]:
    """SQLite's full integrity check: [] when the file is sound, else what is wrong."""
    try:
        found = [row[0] for row in source.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [] if found == ["ok"] else found


def salvage(source: sqlite3.Connection, path: Path, target: Path) -> list[Saved]:
    """Copy every row that can still be read into `target`, a new veille database, and
    say per table what was saved. A mention whose item was lost is kept all the same: its
    snippet, tone and triage are worth more than a reference the damage broke."""
    from veille.store.database import Store

    _new_file(target)
    try:
        tables = _columns_by_table(source)
    except sqlite3.DatabaseError as error:
        raise StoreError(
            f"{path}: its list of tables cannot be read ({error}); nothing can be salvaged "
            "from it — restore a backup"
        ) from None
    with Store(target) as store:
        destination = store.db.conn
        destination.execute("PRAGMA foreign_keys = OFF")
        wanted = _columns_by_table(destination)
        order = [t for t in _FIRST if t in wanted] + sorted(set(wanted) - set(_FIRST))
        saved = []
        for table in order:
            columns = [c for c in wanted[table] if c in tables.get(table, ())]
            if columns:
                saved.append(_copy_table(source, destination, table, columns))
    return saved


def _columns_by_table(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """veille's own tables and their stored columns. Full-text indexes and their shadow
    tables are left out (the new file's triggers index the rows as they are copied), and so
    are generated columns (computed again)."""
    rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    tables = {name: sql or "" for name, sql in rows}
    virtual = [name for name, sql in tables.items() if sql.upper().startswith("CREATE VIRTUAL")]
    names = [
        name
        for name in tables
        if not name.startswith(("sqlite_", "_sqlite_"))
        and not any(name == v or name.startswith(f"{v}_") for v in virtual)
    ]
    return {
        name: [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
        for name in names
    }


def _copy_table(
    source: sqlite3.Connection, destination: sqlite3.Connection, table: str, columns: list[str]
) -> Saved:
    listed = ", ".join(f'"{c}"' for c in columns)
    select = f'SELECT rowid, {listed} FROM "{table}" WHERE rowid >= ? ORDER BY rowid'
    insert = f'INSERT OR IGNORE INTO "{table}" ({listed}) VALUES ({", ".join("?" * len(columns))})'
    rows = skipped = 0
    start = -_LARGEST_ROWID - 1
    with destination:
        while True:
            try:
                for row in source.execute(select, [start]):
                    destination.execute(insert, row[1:])
                    rows += 1
                    start = row[0] + 1
                break
            except sqlite3.DatabaseError:
                pass
            # The cursor reads a row ahead of the one it gives: the rows just before the
            # damage are read one by one, up to it.
            for _ in range(8):
                try:
                    row = source.execute(f"{select} LIMIT 1", [start]).fetchone()
                except sqlite3.DatabaseError:
                    break
                if row is None:
                    return Saved(table=table, rows=rows, skipped=skipped)
                destination.execute(insert, row[1:])
                rows += 1
                start = row[0] + 1
            else:
                continue
            skipped += 1
            found = _next_readable(source, select, start)
            if found is None:
                break
            start = found
    return Saved(table=table, rows=rows, skipped=skipped)


def _next_readable(source: sqlite3.Connection, select: str, first: int) -> int | None:
    """The smallest rowid from `first` on from which rows read again (None: no row past
    the damage), found by doubling the step until a probe reads, then halving back so that
    little is stepped over."""

    def probe(start: int) -> tuple[bool, int | None]:
        try:
            row = source.execute(f"{select} LIMIT 1", [start]).fetchone()
        except sqlite3.DatabaseError:
            return False, None
        return True, None if row is None else int(row[0])

    step, failed = 0, first - 1
    while True:
        if first + step > _LARGEST_ROWID:
            return None
        ok, found = probe(first + step)
        if ok:
            break
        failed, step = first + step, max(1, step * 2)
    low, high = failed, first + step
    while high - low > 1:
        middle = (low + high) // 2
        ok, earlier = probe(middle)
        if ok:
            high, found = middle, earlier
        else:
            low = middle
    return found
