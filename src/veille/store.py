"""The SQLite store: the only module that writes the database.

Guarantees, and how they are kept:

- *No duplicate mention*: `UNIQUE(brand, url)` with `INSERT … ON CONFLICT DO NOTHING`; the
  URL is canonical before it gets here. A rescan therefore never touches an existing row,
  which is also what keeps its triage status and note.
- *No half-written source*: each source's mentions and its health row are written in one
  transaction; `kill -9` loses at most the source being written, never part of it.
- *One scan at a time*: an exclusive `flock` on `<db>.lock`, which the kernel releases when
  the holder dies, so a crashed scan never leaves a stale lock. The file holds the pid.
- WAL mode, so readers (`veille mentions`, Datasette) never block a scan.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from veille.errors import LockedError, StoreError, UsageError
from veille.migrations import apply_migrations
from veille.models import Mention, Source
from veille.text import HIGHLIGHT_END, HIGHLIGHT_START

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the lock is then advisory only
    fcntl = None  # type: ignore[assignment]

MENTION_COLUMNS = (
    "id brand source source_type domain url title author published_at found_at snippet text "
    "matched lang tone tone_score flags status note"
).split()
DATE_COLUMN = "mentioned_at"  # generated: published_at, else found_at
_INSERTED_COLUMNS = MENTION_COLUMNS[1:]
# ON CONFLICT DO NOTHING keeps a stored mention's triage (status, note) across rescans.
_INSERT_MENTION = (
    f"INSERT INTO mentions ({', '.join(_INSERTED_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_INSERTED_COLUMNS))}) "
    "ON CONFLICT (brand, url) DO NOTHING"
)
# A Mention's fields by name, without dataclasses.asdict's deep copy of each value.
_mention_values = attrgetter(*_INSERTED_COLUMNS)


def _has_flag(flag: str) -> str:
    return f"(' ' || flags || ' ') LIKE '% {flag} %'"


# 0: someone asks or complains, and waits for an answer; 1: an insult to moderate;
# 2: any other negative mention; 3: nothing to do.
INBOX_URGENCY = (
    f"CASE WHEN {_has_flag('question')} OR {_has_flag('complaint')} THEN 0 "
    f"WHEN {_has_flag('insult')} THEN 1 WHEN tone = 'negative' THEN 2 ELSE 3 END"
)

# A mention that needs a human (the inbox's definition): untriaged and urgent.
ATTENTION = f"(status = 'new' AND ({INBOX_URGENCY}) < 3)"


def _by_date(filters: MentionFilter) -> str:
    """Make a period's aggregate read the date index alone, which covers every column it
    groups on; with a wide period the planner would rather scan another index and read the
    table for each row, several times slower."""
    return "INDEXED BY idx_mentions_date" if filters.since else ""


class ScanLock:
    """Exclusive right to sweep into one database: an `flock` on `<db>.lock`.

    The kernel drops the lock when its holder dies, even by `kill -9`, so a crashed scan never
    leaves a stale lock behind. The file holds the holder's pid for the error message.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path).with_name(Path(db_path).name + ".lock")
        self._handle: Any = None

    def __enter__(self) -> ScanLock:
        try:
            handle = open(self.path, "a+", encoding="ascii")  # held until __exit__
        except OSError as error:
            raise StoreError(
                f"{self.path}: cannot create the scan lock ({error.strerror})"
            ) from None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                handle.close()
                raise LockedError(
                    f"{self.path.with_suffix('')}: another scan (pid {holder}) is running on "
                    "this database; wait for it to finish"
                ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def utc_now() -> str:
    """Now, in the database's time format."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class MentionFilter:
    """Filters shared by every listing command; empty means "no constraint"."""

    brands: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    tones: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()

    def where(self) -> tuple[str, list[Any]]:
        """SQL condition and parameters selecting the matching mentions."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("brand", self.brands),
            ("source", self.sources),
            ("tone", self.tones),
            ("status", self.statuses),
            ("lang", self.langs),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        for flag in self.flags:
            clauses.append("(' ' || flags || ' ') LIKE ?")
            params.append(f"% {flag} %")
        if self.since:
            clauses.append(f"{DATE_COLUMN} >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{DATE_COLUMN} < ?")
            params.append(self.until)
        return (" AND ".join(clauses) or "1"), params


@dataclass(frozen=True)
class SourceState:
    """What the last sweep learnt about a source: validators for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0


class Store:
    """Owns the database file: opens, migrates, writes sources' results, answers queries."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such database — run `veille scan` first")
        if not self.path.parent.exists():
            raise StoreError(f"{self.path}: the folder {self.path.parent} does not exist")
        try:
            connection = sqlite3.connect(str(self.path), timeout=30)
            self.db = Database(connection)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            apply_migrations(self.db)
        except sqlite3.DatabaseError as error:
            raise StoreError(
                f"{self.path}: not a usable veille database ({error}) — pass another file with --db"
            ) from None

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- scans and sources --------------------------------------------------------------

    def begin_scan(self, started_at: str) -> int:
        with self.db.conn:
            # A scan row still "running" belongs to a scan that died (we hold the lock).
            self.db.execute("UPDATE scans SET status = 'crashed' WHERE status = 'running'")
            cursor = self.db.execute(
                "INSERT INTO scans (started_at, status) VALUES (?, 'running')", [started_at]
            )
        return int(cursor.lastrowid)

    def finish_scan(self, scan_id: int, totals: dict[str, Any]) -> None:
        with self.db.conn:
            self.db["scans"].update(scan_id, totals)

    def sync_sources(self, sources: Iterable[Source]) -> None:
        """Make sure every configured source has a row; a changed URL forgets validators."""
        with self.db.conn:
            for source in sources:
                row = self.db.execute(
                    "SELECT url FROM sources WHERE name = ?", [source.name]
                ).fetchone()
                if row is None:
                    self.db["sources"].insert(
                        {"name": source.name, "type": source.type, "url": source.url}
                    )
                elif row[0] != source.url:
                    self.db["sources"].update(
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
            "SELECT etag, last_modified, failures FROM sources WHERE name = ?", [name]
        ).fetchone()
        if row is None:
            return SourceState()
        return SourceState(etag=row[0], last_modified=row[1], failures=row[2] or 0)

    def record_source(
        self,
        name: str,
        health: dict[str, Any],
        mentions: Sequence[Mention] = (),
        *,
        entries: tuple[str, Sequence[str]] | None = None,
    ) -> list[tuple[str, str, int]]:
        """Store a source's new mentions and its health in one transaction.

        `health` holds the `sources` columns to set; `failures` is computed here: reset on
        success, incremented when `last_error` is set. `entries`, when given, replaces the
        source's known entries (brands fingerprint, entry fingerprints; see `known_entries`)
        in the same transaction, so they never claim mentions that were not stored. Returns
        how many mentions were new, by brand and tone: (brand, tone, count), so that a
        sweep's memory holds counts, not rows.
        """
        connection = self.db.conn
        inserted: list[tuple[str, str, int]] = []
        with connection:
            if mentions:
                # Ids only grow and this transaction is the only writer (the scan lock): the
                # rows past the largest id before the insert are exactly the new mentions.
                before = self.last_mention_id()
                connection.executemany(_INSERT_MENTION, map(_mention_values, mentions))
                # NOT INDEXED keeps the rowid range: to group, the planner would rather walk
                # the whole (brand, url) index, a cost that grows with the table.
                inserted = connection.execute(
                    "SELECT brand, tone, count(*) FROM mentions NOT INDEXED WHERE id > ? "
                    "GROUP BY brand, tone ORDER BY brand, tone",
                    [before],
                ).fetchall()
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
        rows = self.db.execute("SELECT brand, url FROM mentions WHERE source = ?", [source])
        return {(brand, url) for brand, url in rows}

    def sources(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.db["sources"].rows]

    # -- queries ------------------------------------------------------------------------

    def iter_mentions(
        self, filters: MentionFilter = MentionFilter(), *, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Matching mentions, newest first, streamed row by row (never a full list)."""
        where, params = filters.where()
        sql = (
            f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions WHERE {where} "
            f"ORDER BY {DATE_COLUMN} DESC, id DESC"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params = [*params, limit]
        cursor = self.db.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row, strict=True))

    def count_mentions(self, filters: MentionFilter = MentionFilter()) -> int:
        where, params = filters.where()
        return self.db.execute(f"SELECT count(*) FROM mentions WHERE {where}", params).fetchone()[0]

    def breakdown(
        self,
        column: str,
        filters: MentionFilter = MentionFilter(),
        *,
        limit: int = 10,
        skip_empty: bool = False,
    ) -> list[dict[str, Any]]:
        """Mentions grouped by a column, most frequent first: tone mix, last seen, where.

        Every column read here is in the report index, so the query never touches the table.
        """
        if column not in MENTION_COLUMNS:
            raise ValueError(column)
        where, params = filters.where()
        if skip_empty:
            where += f" AND {column} != ''"
        sql = (
            f"SELECT {column} AS value, count(*) AS mentions, "
            "sum(tone = 'positive') AS positive, sum(tone = 'neutral') AS neutral, "
            "sum(tone = 'negative') AS negative, "
            f"max({DATE_COLUMN}) AS last_seen, "
            "group_concat(DISTINCT domain) AS domains, "
            "group_concat(DISTINCT source_type) AS source_types "
            f"FROM mentions {_by_date(filters)} WHERE {where} GROUP BY {column} "
            "ORDER BY mentions DESC, last_seen DESC, value LIMIT ?"
        )
        rows = self._dicts(sql, [*params, limit])
        for row in rows:
            for key in ("domains", "source_types"):
                row[key] = sorted(filter(None, (row[key] or "").split(",")))
        return rows

    def daily_counts(self, filters: MentionFilter = MentionFilter()) -> list[dict[str, Any]]:
        """Mentions (and negative ones) per UTC day and brand, oldest first."""
        where, params = filters.where()
        sql = (
            f"SELECT substr({DATE_COLUMN}, 1, 10) AS day, brand, count(*) AS mentions, "
            "sum(tone = 'negative') AS negative "
            f"FROM mentions {_by_date(filters)} WHERE {where} GROUP BY day, brand "
            "ORDER BY day, brand"
        )
        return self._dicts(sql, params)

    def needing_attention(
        self, filters: MentionFilter = MentionFilter(), *, limit: int = 10
    ) -> list[dict[str, Any]]:
        """The newest untriaged mentions that want a human: negative, or asking something."""
        where, params = filters.where()
        sql = (
            f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions WHERE {where} "
            f"AND status = 'new' AND (tone = 'negative' OR {_has_flag('question')} "
            f"OR {_has_flag('complaint')}) "
            f"ORDER BY {DATE_COLUMN} DESC, id DESC LIMIT ?"
        )
        return self._dicts(sql, [*params, limit])

    def inbox(
        self, filters: MentionFilter = MentionFilter(), *, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Untriaged mentions that want a human, most urgent first (see INBOX_URGENCY)."""
        where, params = filters.where()
        sql = (
            f"SELECT {', '.join(MENTION_COLUMNS)}, {INBOX_URGENCY} AS urgency FROM mentions "
            f"WHERE {where} AND status = 'new' AND ({INBOX_URGENCY}) < 3 "
            f"ORDER BY urgency, {DATE_COLUMN} DESC, id DESC LIMIT ?"
        )
        return self._dicts(sql, [*params, limit])

    def mark(self, ids: Iterable[int], status: str | None, note: str | None) -> int:
        """Set the triage status and/or note of mentions, all or none; returns how many.

        Raises UsageError naming the ids that do not exist, without changing anything.
        """
        ids = list(dict.fromkeys(ids))
        changes = {
            key: value for key, value in (("status", status), ("note", note)) if value is not None
        }
        if not changes:
            raise UsageError("say what to do: --handled, --ignored, --new and/or --note TEXT")
        with self.db.conn:
            placeholders = ", ".join("?" * len(ids))
            found = {
                row[0]
                for row in self.db.execute(
                    f"SELECT id FROM mentions WHERE id IN ({placeholders})", ids
                )
            }
            missing = [i for i in ids if i not in found]
            if missing:
                raise UsageError(
                    f"no mention with id {', '.join(map(str, missing))}; nothing was changed "
                    "(see `veille inbox` or `veille mentions` for ids)"
                )
            assignments = ", ".join(f"{key} = ?" for key in changes)
            self.db.execute(
                f"UPDATE mentions SET {assignments} WHERE id IN ({placeholders})",
                [*changes.values(), *ids],
            )
        return len(ids)

    def search(
        self, query: str, filters: MentionFilter = MentionFilter(), *, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Mentions matching an FTS5 query, newest first, with the matched words marked.

        Matches are wrapped in HIGHLIGHT_START/END (control characters that stored text never
        holds). Newest first rather than by rank: on a large base, ranking every match costs
        hundreds of milliseconds where recency reads the index in order.
        """
        where, params = filters.where()
        columns = ", ".join(f"m.{column}" for column in MENTION_COLUMNS)
        marks = f"'{HIGHLIGHT_START}', '{HIGHLIGHT_END}'"
        sql = (
            f"SELECT {columns}, highlight(mentions_fts, 0, {marks}) AS title_marked, "
            f"snippet(mentions_fts, 2, {marks}, '…', 24) AS excerpt_marked "
            "FROM mentions_fts JOIN mentions AS m ON m.id = mentions_fts.rowid "
            f"WHERE mentions_fts MATCH ? AND {where} "
            f"ORDER BY {DATE_COLUMN} DESC, m.id DESC LIMIT ?"
        )
        try:
            return self._dicts(sql, [query, *params, limit])
        except sqlite3.OperationalError as error:
            message = str(error)
            if message.startswith(
                ("fts5:", "no such column", "unknown special query", "unterminated string")
            ):
                raise UsageError(
                    f"search {query!r}: not a valid query ({message}); put words with "
                    'punctuation in double quotes, e.g. "acme-corp", and use AND, OR, NOT, '
                    "prefix* or NEAR(a b)"
                ) from None
            raise

    def _dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def values_of(self, column: str) -> list[str]:
        """Distinct values of a mention column, to check a filter names something known."""
        if column not in MENTION_COLUMNS:
            raise ValueError(column)
        sql = f"SELECT DISTINCT {column} FROM mentions WHERE {column} IS NOT NULL"
        return [row[0] for row in self.db.execute(sql)]

    # -- alerts -------------------------------------------------------------------------

    def last_mention_id(self) -> int:
        """The newest mention's id, 0 for an empty database: what a delivery covers up to."""
        return self.db.execute("SELECT coalesce(max(id), 0) FROM mentions").fetchone()[0]

    def alert_watermarks(
        self, alert: str, targets: Sequence[str], *, start_after: str
    ) -> list[int]:
        """The last mention id delivered to each of an alert's URLs, by their keys, in order.

        A URL seen for the first time starts after the mentions found before `start_after`,
        so an alert added to a database with a long history does not replay it. State kept
        by position ("1", "2": databases from before the keys) is taken over by the URL now
        at that position.
        """
        with self.db.conn:
            known = dict(
                self.db.execute(
                    "SELECT target, last_mention_id FROM alert_state WHERE alert = ?", [alert]
                ).fetchall()
            )
            for position, target in enumerate(targets, start=1):
                if target in known:
                    continue
                legacy = str(position)
                if legacy in known:
                    for table in ("alert_state", "alert_spikes"):
                        self.db.execute(
                            f"UPDATE {table} SET target = ? WHERE alert = ? AND target = ?",
                            [target, alert, legacy],
                        )
                    known[target] = known.pop(legacy)
                    continue
                known[target] = self.db.execute(
                    "SELECT coalesce(max(id), 0) FROM mentions WHERE found_at < ?",
                    [start_after],
                ).fetchone()[0]
                self.db["alert_state"].insert(
                    {"alert": alert, "target": target, "last_mention_id": known[target]}
                )
        return [known[target] for target in targets]

    def pending_counts(
        self, after: int, upto: int, filters: MentionFilter, *, attention_only: bool
    ) -> list[dict[str, Any]]:
        """Mentions with ids in (after, upto] per brand and tone, with how many need
        attention (see ATTENTION), brands in name order."""
        where, params = self._pending(after, upto, filters, attention_only)
        sql = (
            f"SELECT brand, tone, count(*) AS mentions, sum({ATTENTION}) AS attention "
            f"FROM mentions WHERE {where} GROUP BY brand, tone ORDER BY brand, tone"
        )
        return self._dicts(sql, params)

    def pending_mentions(
        self, after: int, upto: int, filters: MentionFilter, *, attention_only: bool, limit: int
    ) -> list[dict[str, Any]]:
        """Mentions with ids in (after, upto]: those that need attention first, most urgent
        first (the inbox's order), then the others; newest first within each."""
        where, params = self._pending(after, upto, filters, attention_only)
        sql = (
            f"SELECT {', '.join(MENTION_COLUMNS)}, "
            f"CASE WHEN {ATTENTION} THEN {INBOX_URGENCY} ELSE 3 END AS urgency "
            f"FROM mentions WHERE {where} ORDER BY urgency, {DATE_COLUMN} DESC, id DESC LIMIT ?"
        )
        return self._dicts(sql, [*params, limit])

    @staticmethod
    def _pending(
        after: int, upto: int, filters: MentionFilter, attention_only: bool
    ) -> tuple[str, list[Any]]:
        where, params = filters.where()
        where += " AND id > ? AND id <= ?" + (f" AND {ATTENTION}" if attention_only else "")
        return where, [*params, after, upto]

    def spikes_announced(
        self, alert: str, target: str, since_day: str
    ) -> set[tuple[str, str, str]]:
        """(brand, day, kind) of the spikes already delivered to a URL, from `since_day` on."""
        rows = self.db.execute(
            "SELECT brand, day, kind FROM alert_spikes WHERE alert = ? AND target = ? AND day >= ?",
            [alert, target, since_day],
        )
        return {(brand, day, kind) for brand, day, kind in rows}

    def record_alert_sent(
        self,
        alert: str,
        target: str,
        *,
        upto: int,
        sent_at: str,
        spikes: Iterable[tuple[str, str, str]] = (),
    ) -> None:
        """A delivery went out: move the URL's watermark and remember its spikes, together."""
        with self.db.conn:
            self.db.execute(
                "UPDATE alert_state SET last_mention_id = max(last_mention_id, ?), "
                "last_sent_at = ?, last_error = NULL, failures = 0 "
                "WHERE alert = ? AND target = ?",
                [upto, sent_at, alert, target],
            )
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO alert_spikes (alert, target, brand, day, kind, sent_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(alert, target, brand, day, kind, sent_at) for brand, day, kind in spikes],
            )

    def record_alert_failure(self, alert: str, target: str, error: str) -> None:
        """A delivery failed: keep the watermark (all is retried) and count the failure.
        `error` must already be free of secrets."""
        with self.db.conn:
            self.db.execute(
                "UPDATE alert_state SET last_error = ?, failures = failures + 1 "
                "WHERE alert = ? AND target = ?",
                [error, alert, target],
            )

    def alert_states(self) -> list[dict[str, Any]]:
        """Every alert URL's delivery state, by alert and URL key."""
        return self._dicts("SELECT * FROM alert_state ORDER BY alert, target", [])
