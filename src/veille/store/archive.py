"""The item archive: reading it for a rematch or a backtest, and what may delete from it.

Items are written with their source's mentions (`database.Store.record_source`). Here they
are read back in pages of ascending id, never all at once, so that matching a million items
holds one page in memory; and removed only by the `keep_items` retention (never an item a
mention refers to) and by `purge`, each in small transactions that a crash leaves whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from veille.models import ItemSelection, Mention
from veille.times import stored_now

if TYPE_CHECKING:
    from sqlite_utils import Database

ITEM_COLUMNS = "id source url published_at found_at author lang links title text site".split()
_BATCH = 2000


@dataclass(frozen=True)
class Removal:
    """What a purge removes (or removed): items and mentions."""

    items: int
    mentions: int


class Archive:
    """The archive's reads and removals (a part of `Store`)."""

    if TYPE_CHECKING:  # sqlite_utils over `conn`, made when first used (`database.Store.db`)

        @property
        def db(self) -> Database: ...

    def _insert_mentions(self, mentions: Sequence[Mention]) -> list[tuple[str, str, int]]:
        raise NotImplementedError

    def _dicts(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError

    # -- the rules each brand's mentions were matched under ------------------------------

    def brand_rules(self) -> dict[str, str]:
        """Each brand's rules fingerprint, as the archive was last matched under it."""
        return dict(self.db.execute("SELECT brand, fingerprint FROM brand_rules").fetchall())

    def record_brand_rules(self, fingerprints: Mapping[str, str], at: str) -> None:
        """The archive has been matched under these brands' rules."""
        with self.db.conn:
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO brand_rules (brand, fingerprint, matched_at) "
                "VALUES (?, ?, ?)",
                [(brand, fingerprint, at) for brand, fingerprint in fingerprints.items()],
            )

    # -- reading -------------------------------------------------------------------------

    def has_items(self) -> bool:
        return bool(self.db.execute("SELECT EXISTS (SELECT 1 FROM items)").fetchone()[0])

    def archive_count(self, since: str | None = None, until: str | None = None) -> int:
        """Archived items, those dated in [since, until) when given."""
        where, params = _period("dated_at", since, until)
        return self.db.execute(f"SELECT count(*) FROM items WHERE 1{where}", params).fetchone()[0]

    def archive_page(
        self, selection: ItemSelection, after: int, limit: int = _BATCH
    ) -> tuple[list[dict[str, Any]], int | None]:
        """The selected items with ids above `after`, in id order, at most about `limit`;
        and the id to continue after, None when the archive is read to its end."""
        sources: list[tuple[str, list[Any]]] = []
        if selection.everything:
            sources.append(("SELECT id FROM items WHERE id > ? ORDER BY id LIMIT ?", [after]))
        else:
            if selection.words:
                sources.append(
                    (
                        "SELECT rowid FROM items_fts WHERE items_fts MATCH ? AND rowid > ? "
                        "ORDER BY rowid LIMIT ?",
                        [selection.words, after],
                    )
                )
            if selection.hosts:
                linked = " OR ".join(
                    "instr(lower(links), ?) > 0 OR instr(url, ?) > 0" for _ in selection.hosts
                )
                sources.append(
                    (
                        f"SELECT id FROM items WHERE id > ? AND ({linked}) ORDER BY id LIMIT ?",
                        [after, *(host for host in selection.hosts for _ in range(2))],
                    )
                )
        ids: set[int] = set()
        upto: int | None = None
        for sql, params in sources:
            found = [row[0] for row in self.db.execute(sql, [*params, limit])]
            ids.update(found)
            if len(found) == limit:  # more beyond: only ids up to here are complete
                upto = found[-1] if upto is None else min(upto, found[-1])
        if upto is not None:
            ids = {i for i in ids if i <= upto}
        if not ids:
            return [], upto
        where, params = _period("dated_at", selection.since, selection.until)
        ordered = sorted(ids)
        rows = self._dicts(
            f"SELECT {', '.join(ITEM_COLUMNS)} FROM items "
            f"WHERE id IN ({', '.join('?' * len(ordered))}){where} ORDER BY id",
            [*ordered, *params],
        )
        return rows, upto

    def stored_pairs(self, brands: Sequence[str], urls: Sequence[str]) -> set[tuple[str, str]]:
        """(brand, url) of the stored mentions among these brands and URLs."""
        if not brands or not urls:
            return set()
        found: set[tuple[str, str]] = set()
        brand_marks = ", ".join("?" * len(brands))
        for chunk in _chunks(urls):
            rows = self.db.execute(
                f"SELECT brand, url FROM mention_rows WHERE brand IN ({brand_marks}) "
                f"AND url IN ({', '.join('?' * len(chunk))})",
                [*brands, *chunk],
            )
            found.update((brand, url) for brand, url in rows)
        return found

    def mentions_on_items(
        self,
        brand: str,
        span: tuple[int, int | None],
        *,
        since: str | None = None,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """A brand's stored mentions whose item ids lie in (after, upto] (upto None: no end),
        dated in [since, until): what a rule tried page by page may no longer find."""
        after, upto = span
        where, params = _period("mentioned_at", since, until)
        if upto is not None:
            where += " AND item_id <= ?"
            params.append(upto)
        # `+brand` keeps the planner on the item index: a range of it per page, where the
        # (brand, url) index would read and sort all of the brand's mentions each time.
        return self._dicts(
            "SELECT id, item_id, url, title, source, status, mentioned_at FROM mention_rows "
            f"WHERE +brand = ? AND item_id > ?{where}",
            [brand, after, *params],
        )

    def items_by_id(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Archived items by id."""
        found: dict[int, dict[str, Any]] = {}
        for chunk in _chunks(ids):
            for row in self._dicts(
                f"SELECT {', '.join(ITEM_COLUMNS)} FROM items "
                f"WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                found[row["id"]] = row
        return found

    def stored_tones(self, brand: str, urls: Sequence[str]) -> dict[str, str]:
        """The stored tone of a brand's mentions at these URLs."""
        tones: dict[str, str] = {}
        for chunk in _chunks(urls):
            rows = self.db.execute(
                "SELECT url, tone FROM mention_rows WHERE brand = ? "
                f"AND url IN ({', '.join('?' * len(chunk))})",
                [brand, *chunk],
            )
            tones.update(rows)
        return tones

    # -- writing what a rematch found ------------------------------------------------------

    def record_archive_mentions(self, mentions: Sequence[Mention]) -> list[tuple[str, str, int]]:
        """Store mentions found in the archive, in one transaction; an existing mention
        (its status, its note) is never touched. The new ones, by (brand, tone)."""
        with self.db.conn:
            return self._insert_mentions(mentions) if mentions else []

    # -- removal ---------------------------------------------------------------------------

    def forget_items(self, found_before: str) -> int:
        """Remove archived items read before `found_before` that no mention refers to, in
        small transactions; how many were removed (the `keep_items` retention)."""
        removed = 0
        while True:
            with self.db.conn:
                count = self.db.execute(
                    "DELETE FROM items WHERE id IN (SELECT id FROM items WHERE found_at < ? "
                    "AND NOT EXISTS (SELECT 1 FROM mention_rows WHERE item_id = items.id) "
                    "LIMIT ?)",
                    [found_before, _BATCH],
                ).rowcount
            removed += count
            if count < _BATCH:
                return removed

    def authors_named(self, name: str) -> list[str]:
        """The stored author names that are `name`, ignoring case and surrounding spaces."""
        wanted = name.strip().casefold()
        rows = self.db.execute(
            "SELECT DISTINCT author FROM items UNION SELECT DISTINCT author FROM mention_rows"
        )
        return sorted(
            author for (author,) in rows if author and author.strip().casefold() == wanted
        )

    def purge_count(self, authors: Sequence[str], before: str | None) -> Removal:
        """What `purge` would remove, without removing it."""
        mentions_where, mentions_params = _purged_mentions(authors, before)
        items_where, items_params = _purged_items(authors, before)
        mentions = self.db.execute(
            f"SELECT count(*) FROM mention_rows WHERE {mentions_where}", mentions_params
        ).fetchone()[0]
        # Items that will be unreferenced once those mentions are gone.
        # Unqualified, the condition's columns are those of `kept`, the innermost table.
        items = self.db.execute(
            f"SELECT count(*) FROM items WHERE {items_where} AND NOT EXISTS (SELECT 1 FROM "
            "mention_rows AS kept WHERE kept.item_id = items.id "
            f"AND NOT coalesce({mentions_where}, 0))",
            [*items_params, *mentions_params],
        ).fetchone()[0]
        return Removal(items=items, mentions=mentions)

    def purge(self, authors: Sequence[str], before: str | None) -> Removal:
        """Remove the mentions and items of these authors, or dated before `before`, from
        every table and both full-text indexes, in small transactions (a crash leaves each
        whole; running it again finishes the job). Deleted cells are overwritten with zeros;
        for an author, the erasure is then finished (`finish_erasure`)."""
        self.db.execute("PRAGMA secure_delete = ON")
        if authors:
            # Recorded first, so that a purge cut short is finished by the next purge or scan
            # even when no row of theirs is left to find.
            with self.db.conn:
                self.db.execute(
                    "INSERT OR IGNORE INTO maintenance (task, since) VALUES ('erasure', ?)",
                    [stored_now()],
                )
        mentions_where, mentions_params = _purged_mentions(authors, before)
        items_where, items_params = _purged_items(authors, before)
        mentions = self._delete_batches(
            f"DELETE FROM mention_rows WHERE id IN (SELECT id FROM mention_rows "
            f"WHERE {mentions_where} LIMIT ?)",
            mentions_params,
        )
        items = self._delete_batches(
            f"DELETE FROM items WHERE id IN (SELECT id FROM items WHERE {items_where} "
            "AND NOT EXISTS (SELECT 1 FROM mention_rows WHERE item_id = items.id) LIMIT ?)",
            items_params,
        )
        self.finish_erasure()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Removal(items=items, mentions=mentions)

    def finish_erasure(self) -> bool:
        """Finish an erasure whose rows are deleted: merge both full-text indexes, so none of
        the person's words stays in an old segment, and rewrite the file (VACUUM), so none
        of their text stays in the free space of a page. Does nothing unless one is pending;
        whether one was. Costs a rewrite of the database: only an erasure asks for it."""
        pending = self.db.execute("SELECT 1 FROM maintenance WHERE task = 'erasure'").fetchone()
        if not pending:
            return False
        self.db.execute("PRAGMA secure_delete = ON")
        with self.db.conn:
            self.db.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('optimize')")
            self.db.execute("INSERT INTO items_fts (items_fts) VALUES ('optimize')")
        self.db.execute("VACUUM")
        with self.db.conn:
            self.db.execute("DELETE FROM maintenance WHERE task = 'erasure'")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    def _delete_batches(self, sql: str, params: list[Any]) -> int:
        removed = 0
        while True:
            with self.db.conn:
                count = self.db.execute(sql, [*params, _BATCH]).rowcount
            removed += count
            if count < _BATCH:
                return removed


def _purged_mentions(authors: Sequence[str], before: str | None) -> tuple[str, list[Any]]:
    """The mentions a purge removes: by those authors, or on their items; or dated before."""
    if authors:
        marks = ", ".join("?" * len(authors))
        return (
            f"(author IN ({marks}) OR item_id IN (SELECT id FROM items WHERE author IN ({marks})))",
            [*authors, *authors],
        )
    return "mentioned_at < ?", [before]


def _purged_items(authors: Sequence[str], before: str | None) -> tuple[str, list[Any]]:
    if authors:
        return f"author IN ({', '.join('?' * len(authors))})", list(authors)
    return "dated_at < ?", [before]


def _period(column: str, since: str | None, until: str | None) -> tuple[str, list[Any]]:
    """` AND …` bounding `column` to [since, until), and its parameters."""
    where, params = "", []
    if since:
        where += f" AND {column} >= ?"
        params.append(since)
    if until:
        where += f" AND {column} < ?"
        params.append(until)
    return where, params


def _chunks(values: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    """Values in lists of at most `size`: few enough for one statement's parameters."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
