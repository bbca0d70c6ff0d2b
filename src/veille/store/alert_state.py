"""What each alert URL was sent: watermarks, pending mentions, announced spikes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from veille.store.filters import (
    ATTENTION,
    DATE_COLUMN,
    INBOX_URGENCY,
    MENTION_COLUMNS,
    MentionFilter,
)

if TYPE_CHECKING:
    from sqlite_utils import Database


class AlertState:
    """Alert delivery state (a part of `Store`)."""

    if TYPE_CHECKING:  # sqlite_utils over `conn`, made when first used (`database.Store.db`)

        @property
        def db(self) -> Database: ...

    def _dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def last_mention_id(self) -> int:
        """The newest mention's id, 0 for an empty database: what a delivery covers up to."""
        return self.db.execute("SELECT coalesce(max(id), 0) FROM mention_rows").fetchone()[0]

    def alert_watermarks(
        self, alert: str, targets: Sequence[str], *, start_after: str
    ) -> list[int]:
        """The last mention id delivered to each of an alert's URLs, by their keys, in order.

        A URL seen for the first time starts after the mentions found before `start_after`,
        so an alert added to a database with a long history does not replay it (mentions
        found in the archive, which keep the date their item was read, have later ids than
        their date says and are never sent anyway: they are left out here). State kept
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
                    "SELECT coalesce(max(id), 0) FROM mention_rows "
                    "WHERE found_at < ? AND origin = 'sweep'",
                    [start_after],
                ).fetchone()[0]
                self.db.table("alert_state").insert(
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
            f"FROM mention_rows WHERE {where} GROUP BY brand, tone ORDER BY brand, tone"
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
        # Mentions found in the archive after a rule change are history, not news: a brand
        # added today must not flood the team with its past.
        where += " AND id > ? AND id <= ? AND origin = 'sweep'"
        where += f" AND {ATTENTION}" if attention_only else ""
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
