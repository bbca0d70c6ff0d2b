"""The store itself: opening and migrating the file, scans, sources and what a sweep writes."""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.errors import ReadOnlyError, StoreError, VeilleError
from veille.migrations import apply_migrations, pending_migrations, schema_version
from veille.models import ITEM_TEXT_LIMIT, ArchivedItem, Mention, Source
from veille.store.alert_state import AlertState
from veille.store.archive import Archive
from veille.store.labels import Labels
from veille.store.listing import Listing
from veille.store.opening import (
    check_can_write,
    check_header,
    check_kind,
    check_version,
    connect_for_reading,
    quick_check,
    translate,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

# ON CONFLICT DO NOTHING keeps a stored mention's triage (status, note) across rescans. The
# item is found by its source and URL: a source's items are written just before its mentions.
_MENTION_ROW_COLUMNS = (
    "brand source source_type domain url title author published_at found_at snippet matched "
    "lang tone tone_score flags status note origin"
).split()
_INSERT_MENTION = (
    f"INSERT INTO mention_rows ({', '.join(_MENTION_ROW_COLUMNS)}, item_id) "
    f"VALUES ({', '.join('?' * len(_MENTION_ROW_COLUMNS))}, "
    "(SELECT id FROM items WHERE source = ? AND url = ?)) "
    "ON CONFLICT (brand, url) DO NOTHING"
)
# A Mention's fields by name, without dataclasses.asdict's deep copy of each value.
_mention_values = attrgetter(*_MENTION_ROW_COLUMNS, "source", "url")
# Items are written once and never changed: the first read of a (source, URL) stays.
_INSERT_ITEM = (
    "INSERT INTO items "
    "(source, url, published_at, found_at, author, lang, links, title, text, site) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, url) DO NOTHING"
)


def _item_values(item: ArchivedItem) -> tuple[Any, ...]:
    return (
        item.source,
        item.url,
        item.published_at,
        item.found_at,
        item.author or "",
        item.lang,
        "\n".join(item.links),
        item.title or "",
        (item.text or "")[:ITEM_TEXT_LIMIT],
        item.site,
    )


def _items_of(mentions: Sequence[Mention]) -> list[ArchivedItem]:
    """The items of mentions given without them (tests, tools): the mentions' own fields."""
    return [
        ArchivedItem(
            source=m.source,
            url=m.url,
            title=m.title,
            text=m.text,
            author=m.author,
            published_at=m.published_at,
            found_at=m.found_at,
            lang=m.lang,
        )
        for m in mentions
    ]


@dataclass(frozen=True)
class SourceState:
    """What the last sweeps learnt about a source: validators for a conditional GET, and how
    long it has been read without error yet yielded nothing."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    empty_sweeps: int = 0
    empty_noticed_on: str | None = None


def _import_sqlite_utils() -> None:
    """Import sqlite_utils with numpy and pandas hidden, unless they are loaded already.

    sqlite_utils imports both, when installed, only to map their scalar types to column
    types; veille declares its tables with Python types and writes Python values, and numpy
    alone would double the start-up of every command that writes the database. They are
    hidden only while sqlite_utils loads: the tone models import numpy as usual afterwards.
    """
    if "sqlite_utils.db" in sys.modules:
        return
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]


class Store(Listing, AlertState, Archive, Labels):
    """Owns the database file: opens, migrates, writes sources' results, answers queries."""

    def __init__(self, path: Path, *, create: bool = True, write: bool = True) -> None:
        """Open (and create, with `create`) the database. With `write` False the command only
        reads: a read-only file or folder is then opened read-only instead of refused.

        Whatever makes the file unusable as asked is said here, before the command fetches or
        writes anything (see `opening`); a write never goes into a damaged file, a newer
        veille's or another program's database.
        """
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such database — run `veille scan` first")
        if not self.path.parent.exists():
            raise StoreError(f"{self.path}: the folder {self.path.parent} does not exist")
        existed = self.path.exists() and self.path.stat().st_size > 0
        if existed:
            check_header(self.path)
        connection: sqlite3.Connection | None = None
        try:
            if write:
                check_can_write(self.path)
                connection = sqlite3.connect(str(self.path), timeout=30)
                self.read_only = False
            else:
                connection, self.read_only = connect_for_reading(self.path)
            self.conn = connection
            check_kind(connection, self.path)
            version = check_version(connection, self.path, schema_version(), write=write)
            # Before anything is written: a reading command upgrades an older schema too.
            upgrading = version < schema_version() and not self.read_only
            if existed and (write or upgrading):
                quick_check(connection, self.path)
            if not self.read_only:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            # As sqlite_utils sets it: a trigger's own writes fire the FTS triggers too.
            connection.execute("PRAGMA recursive_triggers=on")
            if version < schema_version():
                self._migrate()
        except (sqlite3.DatabaseError, VeilleError) as error:
            if connection is not None:
                connection.close()
            if isinstance(error, VeilleError):
                raise
            raise translate(error, self.path, started=False) or StoreError(
                f"{self.path}: not a usable veille database ({error}) — pass another file with --db"
            ) from None

    @functools.cached_property
    def db(self) -> Database:
        """The connection wrapped by sqlite_utils, for what writes and migrates: imported on
        first use, so that a reading command does without it (see `_import_sqlite_utils`)."""
        _import_sqlite_utils()
        from sqlite_utils import Database

        return Database(self.conn)

    def _migrate(self) -> None:
        if self.read_only and pending_migrations(self.db):
            raise ReadOnlyError(
                f"{self.path}: made by an older veille, and read-only, so it cannot be "
                "upgraded; make the file and its folder writable, then run the command again"
            )
        apply_migrations(self.db)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, error: BaseException | None, tb: object) -> None:
        """Close; an SQLite error that says the file cannot be used (damaged, read-only,
        disk full) met while the store was open becomes the user's error for it."""
        try:
            self.close()
        except sqlite3.Error:
            pass  # the error being raised, if any, says more
        if isinstance(error, sqlite3.Error):
            translated = translate(error, self.path)
            if translated is not None:
                raise translated from None

    # -- scans and sources --------------------------------------------------------------

    def begin_scan(self, started_at: str) -> int:
        with self.db.conn:
            # A scan row still "running" belongs to a scan that died (we hold the lock).
            self.db.execute("UPDATE scans SET status = 'crashed' WHERE status = 'running'")
            cursor = self.db.execute(
                "INSERT INTO scans (started_at, status) VALUES (?, 'running')", [started_at]
            )
        assert cursor.lastrowid is not None  # set by every INSERT
        return cursor.lastrowid

    def finish_scan(self, scan_id: int, totals: dict[str, Any]) -> None:
        with self.db.conn:
            self.db.table("scans").update(scan_id, totals)

    def sync_sources(self, sources: Iterable[Source]) -> None:
        """Make sure every configured source has a row; a changed URL forgets validators."""
        with self.db.conn:
            for source in sources:
                row = self.db.execute(
                    "SELECT url FROM sources WHERE name = ?", [source.name]
                ).fetchone()
                if row is None:
                    self.db.table("sources").insert(
                        {"name": source.name, "type": source.type, "url": source.url}
                    )
                elif row[0] != source.url:
                    self.db.table("sources").update(
                        source.name,
                        {
                            "type": source.type,
                            "url": source.url,
                            "etag": None,
                            "last_modified": None,
                            "moved_to": None,
                        },
                    )

    def source_state(self, name: str) -> SourceState:
        row = self.db.execute(
            "SELECT etag, last_modified, failures, empty_sweeps, empty_noticed_on "
            "FROM sources WHERE name = ?",
            [name],
        ).fetchone()
        if row is None:
            return SourceState()
        return SourceState(
            etag=row[0],
            last_modified=row[1],
            failures=row[2] or 0,
            empty_sweeps=row[3] or 0,
            empty_noticed_on=row[4],
        )

    def record_source(
        self,
        name: str,
        health: dict[str, Any],
        mentions: Sequence[Mention] = (),
        *,
        items: Sequence[ArchivedItem] | None = None,
        entries: tuple[str, Sequence[str]] | None = None,
    ) -> list[tuple[str, str, int]]:
        """Store a source's items, its new mentions and its health in one transaction.

        `items` go to the archive (an item already there is kept as first read); without
        them, each mention's own fields stand for its item. `health` holds the `sources`
        columns to set; `failures` is computed here: reset on success, incremented when
        `last_error` is set. `entries`, when given, replaces the source's known entries
        (brands fingerprint, entry fingerprints; see `known_entries`) in the same
        transaction, so they never claim items that were not stored. Returns how many
        mentions were new, by brand and tone: (brand, tone, count), so that a sweep's memory
        holds counts, not rows.
        """
        connection = self.db.conn
        inserted: list[tuple[str, str, int]] = []
        with connection:
            if items is None:
                items = _items_of(mentions)
            if items:
                connection.executemany(_INSERT_ITEM, map(_item_values, items))
            if mentions:
                inserted = self._insert_mentions(mentions)
            if entries is not None:
                brands, fingerprints = entries
                connection.execute(
                    "INSERT OR REPLACE INTO source_entries (source, brands, fingerprints) "
                    "VALUES (?, ?, ?)",
                    [name, brands, " ".join(fingerprints)],
                )
            failures = "failures + 1" if health.get("last_error") else "0"
            assignments = [f"{key} = ?" for key in health] + [f"failures = {failures}"]
            self.db.execute(
                f"UPDATE sources SET {', '.join(assignments)} WHERE name = ?",
                [*health.values(), name],
            )
        return inserted

    def _insert_mentions(self, mentions: Sequence[Mention]) -> list[tuple[str, str, int]]:
        """Insert mentions whose items are stored, inside the caller's transaction; the new
        ones counted by (brand, tone)."""
        # Ids only grow and this transaction is the only writer (the scan lock): the rows
        # past the largest id before the insert are exactly the new mentions.
        before = self.last_mention_id()
        self.db.conn.executemany(_INSERT_MENTION, map(_mention_values, mentions))
        # NOT INDEXED keeps the rowid range: to group, the planner would rather walk the
        # whole (brand, url) index, a cost that grows with the table.
        return self.db.conn.execute(
            "SELECT brand, tone, count(*) FROM mention_rows NOT INDEXED WHERE id > ? "
            "GROUP BY brand, tone ORDER BY brand, tone",
            [before],
        ).fetchall()

    def known_entries(self, source: str, brands: str) -> frozenset[str]:
        """Fingerprints of the entries the source had at its last read, if it was read under
        the same brands (`BrandSet.fingerprint`); none otherwise."""
        row = self.db.execute(
            "SELECT fingerprints FROM source_entries WHERE source = ? AND brands = ?",
            [source, brands],
        ).fetchone()
        return frozenset(row[0].split()) if row and row[0] else frozenset()

    def stored_mentions(self, source: str) -> set[tuple[str, str]]:
        """(brand, url) of the mentions already stored from a source."""
        rows = self.db.execute("SELECT brand, url FROM mention_rows WHERE source = ?", [source])
        return {(brand, url) for brand, url in rows}

    def sources(self) -> list[dict[str, Any]]:
        return self._dicts("SELECT * FROM sources", [])
