"""Reading mentions: listings, the report's aggregates, the inbox, triage and search."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from veille.errors import UsageError
from veille.store.filters import (
    DATE_COLUMN,
    INBOX_URGENCY,
    LABEL_COLUMNS,
    MENTION_COLUMNS,
    MentionFilter,
    by_date,
    has_flag,
    label_join,
    with_judged,
)
from veille.text import HIGHLIGHT_END, HIGHLIGHT_START
from veille.times import from_stored, offsets, to_stored, utc_now

if TYPE_CHECKING:
    from sqlite_utils import Database


# How many of a period's triaged mentions, newest first, are read for their notes.
TRIAGED_READ = 5000


class Listing:
    """The queries of the listing commands and the report (a part of `Store`).

    They read through the plain connection: a reading command never loads sqlite_utils."""

    conn: sqlite3.Connection
    if TYPE_CHECKING:  # sqlite_utils over `conn`, made when first used (`database.Store.db`)

        @property
        def db(self) -> Database: ...

    def iter_mentions(
        self, filters: MentionFilter = MentionFilter(), *, limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Matching mentions, newest first, streamed row by row (never a full list), each
        with its tone correction: `label` and `judged` (see `filters.with_judged`)."""
        where, params = filters.where()
        sql = (
            f"SELECT {', '.join(MENTION_COLUMNS)}, {LABEL_COLUMNS} FROM mentions "
            f"{label_join('mentions')} WHERE {where} ORDER BY {DATE_COLUMN} DESC, id DESC"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params = [*params, limit]
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield with_judged(dict(zip(names, row, strict=True)))

    def mention(self, mention_id: int) -> dict[str, Any] | None:
        """One mention with its item's full text, the site it was credited to, when it was
        marked and noted (`triaged_at`, `noted_at`) and its tone correction (`label`,
        `judged`); None when no mention has this id."""
        columns = ", ".join(f"m.{column}" for column in MENTION_COLUMNS)
        rows = self._dicts(
            f"SELECT {columns}, coalesce(i.site, '') AS site, r.triaged_at, r.noted_at, "
            f"{LABEL_COLUMNS} FROM mentions AS m JOIN mention_rows AS r ON r.id = m.id "
            f"LEFT JOIN items AS i ON i.id = m.item_id {label_join('m')} WHERE m.id = ?",
            [mention_id],
        )
        return with_judged(rows[0]) if rows else None

    def count_mentions(self, filters: MentionFilter = MentionFilter()) -> int:
        where, params = filters.where()
        return self.conn.execute(
            f"SELECT count(*) FROM mention_rows WHERE {where}", params
        ).fetchone()[0]

    def newest_mention(self, filters: MentionFilter = MentionFilter()) -> tuple[int, str | None]:
        """How many mentions match, and the date of the newest (None when there is none)."""
        where, params = filters.where()
        count, newest = self.conn.execute(
            f"SELECT count(*), max({DATE_COLUMN}) FROM mention_rows WHERE {where}", params
        ).fetchone()
        return count, newest

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
            "sum(status = 'handled') AS handled, sum(status = 'ignored') AS ignored, "
            f"max({DATE_COLUMN}) AS last_seen, "
            "group_concat(DISTINCT domain) AS domains, "
            "group_concat(DISTINCT source_type) AS source_types "
            f"FROM mention_rows {by_date(filters)} WHERE {where} GROUP BY {column} "
            "ORDER BY mentions DESC, last_seen DESC, value LIMIT ?"
        )
        rows = self._dicts(sql, [*params, limit])
        for row in rows:
            for key in ("domains", "source_types"):
                row[key] = sorted(filter(None, (row[key] or "").split(",")))
        return rows

    def daily_counts(
        self, filters: MentionFilter = MentionFilter(), zone: tzinfo = timezone.utc
    ) -> list[dict[str, Any]]:
        """Mentions, and their tones, per day of `zone` and brand, oldest first."""
        where, params = filters.where()
        sql = (
            f"SELECT {self._local_day(filters, zone)} AS day, brand, count(*) AS mentions, "
            "sum(tone = 'positive') AS positive, sum(tone = 'neutral') AS neutral, "
            "sum(tone = 'negative') AS negative "
            f"FROM mention_rows {by_date(filters)} WHERE {where} GROUP BY day, brand "
            "ORDER BY day, brand"
        )
        return self._dicts(sql, params)

    def _local_day(self, filters: MentionFilter, zone: tzinfo) -> str:
        """SQL for the day of `zone` a mention falls on, exact across clock changes.

        SQLite knows offsets, not zones: the zone's offsets over the filtered period are
        written into the query, each from the moment it starts (`times.offsets`). With UTC
        the stored date is the day already.
        """
        since, until = filters.since, filters.until
        if since is None or until is None:
            where, params = filters.where()
            first, last = self.conn.execute(
                f"SELECT min({DATE_COLUMN}), max({DATE_COLUMN}) FROM mention_rows "
                f"{by_date(filters)} WHERE {where}",
                params,
            ).fetchone()
            if first is None:
                return f"substr({DATE_COLUMN}, 1, 10)"
            since, until = since or first, until or last
        changes = offsets(from_stored(since), from_stored(until) + timedelta(seconds=1), zone)
        if len(changes) == 1 and changes[0][1] == 0:
            return f"substr({DATE_COLUMN}, 1, 10)"
        shift = f"'{changes[-1][1]:+d} seconds'"
        if len(changes) > 1:
            cases = " ".join(
                f"WHEN {DATE_COLUMN} < '{to_stored(start)}' THEN '{before:+d} seconds'"
                for (_, before), (start, _) in zip(changes, changes[1:], strict=False)
            )
            shift = f"CASE {cases} ELSE {shift} END"
        return f"date({DATE_COLUMN}, {shift})"

    def needing_attention(
        self, filters: MentionFilter = MentionFilter(), *, limit: int = 10
    ) -> list[dict[str, Any]]:
        """The newest untriaged mentions that want a human: negative, or asking something."""
        where, params = filters.where()
        sql = (
            f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions WHERE {where} "
            f"AND status = 'new' AND (tone = 'negative' OR {has_flag('question')} "
            f"OR {has_flag('complaint')}) "
            f"ORDER BY {DATE_COLUMN} DESC, id DESC LIMIT ?"
        )
        return self._dicts(sql, [*params, limit])

    def dated_triage(self, filters: MentionFilter = MentionFilter()) -> dict[str, dict[str, int]]:
        """Of the mentions whose triage is dated (`triaged_at`), how many were marked handled
        and ignored in the filters' period (`marked`), and how many of those written in it
        are (`written`); the other filters apply as to any listing.

        Both read the few dated rows through their own index, never the period's mentions:
        the report has those counts by status already (`breakdown`)."""
        where, params = replace(filters, since=None, until=None).where()
        bounds = [("triaged_at >= ?", filters.since), ("triaged_at < ?", filters.until)]
        marked = " AND ".join(["triaged_at IS NOT NULL", *(c for c, v in bounds if v)])
        written, written_params = MentionFilter(since=filters.since, until=filters.until).where()
        found = {}
        for key, condition, extra in (
            ("marked", marked, [v for _, v in bounds if v]),
            ("written", f"triaged_at IS NOT NULL AND {written}", written_params),
        ):
            counts = dict(
                self.conn.execute(
                    "SELECT status, count(*) FROM mention_rows INDEXED BY idx_mention_rows_triaged "
                    f"WHERE {where} AND {condition} AND status IN ('handled', 'ignored') "
                    "GROUP BY status",
                    [*params, *extra],
                ).fetchall()
            )
            found[key] = {status: int(counts.get(status, 0)) for status in ("handled", "ignored")}
        return found

    def triaged(
        self, filters: MentionFilter = MentionFilter(), *, limit: int = 10
    ) -> list[dict[str, Any]]:
        """The latest notes written in the period (`noted_at`), whatever the mention's
        status: what was done or said about them, in the words of whoever wrote them, newest
        first. A note written before veille dated notes shows where it did then: on a
        mention marked handled or ignored in the period.

        Undated notes are looked for among the latest TRIAGED_READ triaged mentions of each
        kind (dated, or marked before the date was kept), read in an index alone: a busy
        period's thousands of handled mentions without a note are not read one by one."""
        where, params = replace(filters, since=None, until=None).where()
        bounds = [("noted_at >= ?", filters.since), ("noted_at < ?", filters.until)]
        in_period = " AND ".join(["noted_at IS NOT NULL", *(c for c, v in bounds if v)])
        period_params = [v for _, v in bounds if v]
        noted = (
            "SELECT id FROM mention_rows INDEXED BY idx_mention_rows_noted "
            f"WHERE {where} AND {in_period} ORDER BY noted_at DESC LIMIT ?"
        )
        triaged, triaged_params = _latest_triaged(filters)
        sql = (
            "SELECT id, brand, source, url, title, snippet, author, "
            f"{DATE_COLUMN} AS mentioned_at, triaged_at, noted_at, tone, flags, status, note "
            f"FROM mention_rows WHERE id IN (SELECT * FROM ({noted}) UNION ALL {triaged}) "
            f"AND coalesce(note, '') != '' AND (noted_at IS NULL OR ({in_period})) "
            f"ORDER BY coalesce(noted_at, triaged_at, {DATE_COLUMN}) DESC, id DESC LIMIT ?"
        )
        return self._dicts(
            sql, [*params, *period_params, limit, *triaged_params, *period_params, limit]
        )

    def inbox(
        self, filters: MentionFilter = MentionFilter(), *, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Untriaged mentions that want a human, most urgent first (see INBOX_URGENCY), each
        with its tone correction (`label`, `judged`), as `iter_mentions` gives them."""
        where, params = filters.where()
        sql = (
            f"SELECT {', '.join(MENTION_COLUMNS)}, {INBOX_URGENCY} AS urgency, {LABEL_COLUMNS} "
            f"FROM mentions {label_join('mentions')} "
            f"WHERE {where} AND status = 'new' AND ({INBOX_URGENCY}) < 3 "
            f"ORDER BY urgency, {DATE_COLUMN} DESC, id DESC LIMIT ?"
        )
        return [with_judged(row) for row in self._dicts(sql, [*params, limit])]

    def inbox_count(self, filters: MentionFilter = MentionFilter()) -> int:
        """How many mentions the inbox holds in all, beyond any --limit."""
        where, params = filters.where()
        # The mentions' own rows: the view would join each one's item for nothing.
        sql = (
            f"SELECT count(*) FROM mention_rows "
            f"WHERE {where} AND status = 'new' AND ({INBOX_URGENCY}) < 3"
        )
        return int(self.conn.execute(sql, params).fetchone()[0])

    def mark(
        self,
        ids: Iterable[int],
        status: str | None,
        note: str | None,
        *,
        now: datetime | None = None,
    ) -> int:
        """Set the triage status and/or note of mentions, all or none; returns how many.

        Marking handled or ignored dates the triage (`triaged_at`, `now`); back to new
        clears it. Writing a note dates it (`noted_at`), so the report shows it in the period
        it was written; an empty note is none, and has no date.

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
                    f"SELECT id FROM mention_rows WHERE id IN ({placeholders})", ids
                )
            }
            missing = [i for i in ids if i not in found]
            if missing:
                raise UsageError(
                    f"no mention with id {', '.join(map(str, missing))}; nothing was changed "
                    "(see `veille inbox` or `veille mentions` for ids)"
                )
            moment = to_stored(now or utc_now())
            assignments = [f"{key} = ?" for key in changes]
            values: list[Any] = list(changes.values())
            if note is not None:
                assignments.append("noted_at = ?")
                values.append(moment if note else None)
            if status == "new":
                assignments.append("triaged_at = NULL")
            elif status is not None:
                # Marked again as it was: the first time stands, the day it was dealt with.
                assignments.append(
                    "triaged_at = CASE WHEN status = ? AND triaged_at IS NOT NULL "
                    "THEN triaged_at ELSE ? END"
                )
                values += [status, moment]
            # `status` in the CASE is the row's before this update, as SQL reads it.
            self.db.execute(
                f"UPDATE mention_rows SET {', '.join(assignments)} WHERE id IN ({placeholders})",
                [*values, *ids],
            )
        return len(ids)

    def search(
        self, query: str, filters: MentionFilter = MentionFilter(), *, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Mentions matching an FTS5 query, newest first, with the matched words marked.

        Matches are wrapped in HIGHLIGHT_START/END (control characters that stored text never
        holds). Newest first rather than by rank: on a large base, ranking every match costs
        hundreds of milliseconds where recency reads the index in order. The page is chosen
        first, from the mentions' own rows; only its rows are then read in full (with their
        item's text) and highlighted: a query that matches 50,000 mentions reads 20 texts.
        The query is checked first (`fts.check_query`): FTS5's time grows faster than a
        query's length, and some of its errors are a crash rather than a message.
        """
        from veille.store.fts import check_query, query_error  # search alone reads queries

        check_query(query)
        where, params = filters.where()
        columns = ", ".join(f"m.{column}" for column in MENTION_COLUMNS)
        marks = f"'{HIGHLIGHT_START}', '{HIGHLIGHT_END}'"
        sql = (
            "WITH page AS (SELECT m.id FROM mentions_fts "
            "JOIN mention_rows AS m ON m.id = mentions_fts.rowid "
            f"WHERE mentions_fts MATCH ? AND {where} "
            f"ORDER BY m.{DATE_COLUMN} DESC, m.id DESC LIMIT ?) "
            f"SELECT {columns}, highlight(mentions_fts, 0, {marks}) AS title_marked, "
            f"snippet(mentions_fts, 2, {marks}, '…', 24) AS excerpt_marked "
            "FROM mentions_fts JOIN mentions AS m ON m.id = mentions_fts.rowid "
            "WHERE mentions_fts MATCH ? AND mentions_fts.rowid IN (SELECT id FROM page) "
            f"ORDER BY m.{DATE_COLUMN} DESC, m.id DESC"
        )
        try:
            return self._dicts(sql, [query, *params, limit, query])
        except sqlite3.OperationalError as error:
            refused = query_error(query, error)
            if refused is None:
                raise
            raise refused from None

    def _dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def values_of(self, column: str) -> list[str]:
        """Distinct values of a mention column, to check a filter names something known."""
        if column not in MENTION_COLUMNS or column == "text":
            raise ValueError(column)
        sql = f"SELECT DISTINCT {column} FROM mention_rows WHERE {column} IS NOT NULL"
        return [row[0] for row in self.conn.execute(sql)]


def _latest_triaged(filters: MentionFilter) -> tuple[str, list[Any]]:
    """A query of the ids of the latest TRIAGED_READ mentions marked handled or ignored in
    the filters' period, and of as many marked before veille dated triage (no
    `triaged_at`) that were written in it; the other filters apply as to any listing."""
    where, params = replace(filters, since=None, until=None).where()
    bounds = [("triaged_at >= ?", filters.since), ("triaged_at < ?", filters.until)]
    marked = " AND ".join(["triaged_at IS NOT NULL", *(c for c, v in bounds if v)])
    written, written_params = MentionFilter(since=filters.since, until=filters.until).where()
    settled = f"WHERE {where} AND status IN ('handled', 'ignored')"
    dated = f"SELECT id FROM mention_rows {settled} AND {marked} ORDER BY triaged_at DESC LIMIT ?"
    undated = (
        f"SELECT id FROM mention_rows {by_date(filters)} {settled} AND triaged_at IS NULL "
        f"AND {written} ORDER BY {DATE_COLUMN} DESC LIMIT ?"
    )
    return (
        f"SELECT * FROM ({dated}) UNION ALL SELECT * FROM ({undated})",
        [
            *params,
            *(v for _, v in bounds if v),
            TRIAGED_READ,
            *params,
            *written_params,
            TRIAGED_READ,
        ],
    )
