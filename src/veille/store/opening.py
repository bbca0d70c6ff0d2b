"""Opening a database file safely: what is wrong with it, said before anything is written.

A file veille cannot use as asked (read-only, in a read-only folder, damaged, written by a
newer veille, not veille's, on a full disk) is a `StoreError` that names the file, says
which and what to do — never SQLite's own message alone, never a traceback. Reading
commands read what they can: a read-only file or folder is opened read-only.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from veille.errors import (
    DamagedError,
    DiskFullError,
    ExitCode,
    ReadOnlyError,
    StoreError,
    VeilleError,
)

SQLITE_HEADER = b"SQLite format 3\x00"


def damaged(path: Path, detail: str) -> DamagedError:
    return DamagedError(
        f"{path.name} is damaged ({detail}); nothing was written to it — "
        f"`veille doctor --db {path} --salvage NEW.db` copies what can still be read into a "
        "new database (then use it with --db), or restore a backup"
    )


def read_only_file(path: Path) -> ReadOnlyError:
    return ReadOnlyError(
        f"{path}: the database file is read-only; nothing was written — make it "
        "writable (chmod u+w) or pass another file with --db"
    )


def translate(error: sqlite3.Error, path: Path, *, started: bool = True) -> VeilleError | None:
    """The user's error for an SQLite error that says the file cannot be used; None for
    others (a bug, or an error the caller words itself). `started`: work was done and
    committed before it (a scan part-way), which changes a full disk's exit code."""
    message = str(error)
    lowered = message.lower()
    if "malformed" in lowered or "not a database" in lowered:
        return damaged(path, message)
    if "readonly database" in lowered:
        return read_only_file(path)
    if "disk is full" in lowered or "disk i/o error" in lowered:
        kept = "what was stored before is kept" if started else "nothing was written"
        return DiskFullError(
            f"{path}: the disk is full or cannot be written ({message}); {kept} — free some "
            "space and run the command again",
            exit_code=ExitCode.SOURCE_FAILED if started else ExitCode.USAGE,
        )
    return None


def check_header(path: Path) -> None:
    """A non-empty file must start as an SQLite database does: refuse any other file before
    SQLite is given it (it would report it as damaged, or write over it)."""
    with open(path, "rb") as handle:
        head = handle.read(len(SQLITE_HEADER))
    if head and head != SQLITE_HEADER:
        raise StoreError(
            f"{path}: not an SQLite database (nothing was written) — pass veille's database "
            "with --db, or a new file name"
        )


def writable(path: Path) -> bool:
    """Whether the file can be opened for writing, as SQLite will try: the permission bits
    alone do not say (root ignores them; an immutable file or a read-only mount does not)."""
    try:
        os.close(os.open(path, os.O_RDWR))
    except OSError:
        return False
    return True


def folder_writable(path: Path) -> bool:
    """Whether SQLite can create its journal (`-wal`, `-shm`) beside the file."""
    return os.access(path.parent, os.W_OK)


def check_can_write(path: Path) -> None:
    """Refuse to start a command that writes when the file or its folder is read-only."""
    if path.exists() and not writable(path):
        raise read_only_file(path)
    if not folder_writable(path):
        raise ReadOnlyError(
            f"{path}: its folder {path.parent} is read-only, and SQLite writes its journal "
            "there; nothing was written — make the folder writable or move the database"
        )


def connect_for_reading(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A connection for a reading command, and whether it is read-only. A read-only folder
    leaves SQLite unable to create the WAL's shared-memory file: the file is then opened
    read-only, as `immutable` if even that fails (nothing else can be writing into a folder
    no one can write)."""
    if writable(path) and folder_writable(path):
        return sqlite3.connect(str(path), timeout=30), False
    uri = path.resolve().as_uri()
    last: sqlite3.Error | None = None
    for query in ("mode=ro", "immutable=1"):
        connection = sqlite3.connect(f"{uri}?{query}", uri=True, timeout=30)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError as error:
            connection.close()
            last = error
            continue
        return connection, True
    assert last is not None
    raise last


def check_kind(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a database that holds tables but not veille's: migrating it would write
    veille's tables into someone else's file."""
    names = {
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%'"
        )
    }
    if names and "mentions" not in names:
        shown = ", ".join(sorted(names)[:5]) + (", …" if len(names) > 5 else "")
        raise StoreError(
            f"{path}: an SQLite database, but not veille's (its tables: {shown}); nothing "
            "was written — pass veille's database with --db, or a new file name"
        )


def check_version(connection: sqlite3.Connection, path: Path, known: int, *, write: bool) -> int:
    """The file's schema version; a newer one than this veille knows may be read (its
    tables only gain columns) but never written: this veille would not keep what it
    does not know."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > known and write:
        raise StoreError(
            f"{path}: made by a newer veille (schema {version}, this one knows {known}); "
            "nothing was written — upgrade veille (pip install -U veille)"
        )
    return version


def quick_check(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse to write into a damaged file: a write there may lose more than it adds. A
    quick check reads every page once, the price of never spreading damage."""
    problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise damaged(path, problems[0])
