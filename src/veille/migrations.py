"""The database schema, as ordered migrations. Never edit a shipped migration: add one.

Users read the database with sqlite3 or Datasette, so table and column names are part of the
contract (SPEC.md, Database). `PRAGMA user_version` mirrors the number of applied
migrations so that `sqlite3 veille.db 'pragma user_version'` tells the schema version.

The steps are registered here in order and handed to sqlite_utils' `Migrations` only when a
database needs them checked or applied: a file already at this veille's version is opened
without importing sqlite_utils (see `schema_version`).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from veille.urls import canonical_url, domain_of

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

Step = Callable[["Database"], None]


class _Migrations:
    """The migration set "veille" as sqlite_utils' `Migrations` declares (`@migrations()`) and
    applies it, its table recording each step applied; sqlite_utils is imported only when a
    database is checked or brought up to date, the steps merely listed until then."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.steps: list[Step] = []

    def __call__(self) -> Callable[[Step], Step]:
        def register(step: Step) -> Step:
            self.steps.append(step)
            return step

        return register

    @functools.cached_property
    def _set(self) -> Migrations:
        from sqlite_utils import Migrations

        built = Migrations(self.name)
        for step in self.steps:
            built()(step)
        return built

    def pending(self, db: Database) -> list[Any]:
        return self._set.pending(db)

    def applied(self, db: Database) -> list[Any]:
        return self._set.applied(db)

    def apply(self, db: Database, *, stop_before: str | None = None) -> None:
        self._set.apply(db, stop_before=stop_before)


migrations = _Migrations("veille")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("mentions").create(
        {
            "id": int,
            "brand": str,
            "source": str,
            "source_type": str,
            "domain": str,
            "url": str,
            "title": str,
            "author": str,
            "published_at": str,
            "found_at": str,
            "snippet": str,
            "text": str,
            "matched": str,
            "lang": str,
            "tone": str,
            "tone_score": float,
            "flags": str,
            "status": str,
            "note": str,
        },
        pk="id",
        not_null={"brand", "url", "found_at", "status"},
        defaults={"status": "new", "flags": "", "note": ""},
    )
    # The identity of a mention; a rescan inserts with ON CONFLICT DO NOTHING against it,
    # which is what keeps triage status and notes across rescans.
    db.table("mentions").create_index(["brand", "url"], unique=True)
    db.table("mentions").enable_fts(["title", "snippet", "text", "author"], create_triggers=True)
    db.table("sources").create(
        {
            "name": str,
            "type": str,
            "url": str,
            "etag": str,
            "last_modified": str,
            "last_fetch_at": str,
            "last_status": int,
            "last_error": str,
            "failures": int,
            "items_seen": int,
            "moved_to": str,
        },
        pk="name",
        defaults={"failures": 0, "items_seen": 0},
    )
    db.table("scans").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "sources_ok": int,
            "sources_failed": int,
            "sources_unchanged": int,
            "items_seen": int,
            "mentions_new": int,
            "status": str,
        },
        pk="id",
    )


@migrations()
def m002_listing_indexes(db: Database) -> None:
    # A mention's date is when it was published, else when veille found it. Listings filter
    # and sort on it and the report groups a range of it by brand, tone, source, domain and
    # author. A virtual generated column (computed on read, stored only in the index, left
    # out of PRAGMA table_info) lets one index hold the date with all those columns: the
    # report's queries then read that index alone. With an index on the expression instead,
    # SQLite before 3.41 re-reads the table for every row whose date it selects.
    db.execute(
        "ALTER TABLE mentions ADD COLUMN mentioned_at TEXT "
        "GENERATED ALWAYS AS (coalesce(published_at, found_at)) VIRTUAL"
    )
    db.execute(
        "CREATE INDEX idx_mentions_date ON mentions "
        "(mentioned_at, brand, tone, source, source_type, domain, author, status)"
    )
    db.table("mentions").create_index(["status"], if_not_exists=True)
    db.table("mentions").create_index(["source"], if_not_exists=True)


@migrations()
def m003_alerts(db: Database) -> None:
    # One row per alert and URL (its position in the alert's `urls`, from 1): each URL keeps
    # its own watermark, so a URL that failed gets the mentions again at the next sweep while
    # the ones that accepted them never see them twice. The URL itself is never stored: it
    # may hold a password.
    db.table("alert_state").create(
        {
            "alert": str,
            "target": int,
            "last_mention_id": int,
            "last_sent_at": str,
            "last_error": str,
            "failures": int,
        },
        pk=("alert", "target"),
        not_null={"last_mention_id"},
        defaults={"failures": 0},
    )
    # A spike is announced once per alert, URL, brand, day and kind.
    db.table("alert_spikes").create(
        {"alert": str, "target": int, "brand": str, "day": str, "kind": str, "sent_at": str},
        pk=("alert", "target", "brand", "day", "kind"),
    )


@migrations()
def m004_alert_targets(db: Database) -> None:
    # An alert URL's state follows the URL, not its position in `urls`: reordering or adding
    # URLs must not hand one URL's watermark to another (one would repeat mentions, the other
    # miss them). The key is the URL as veille shows it, service and host, never a secret
    # (see `alerts.target_keys`). Rows written before hold the position as text ("1", "2"),
    # and are renamed to their URL's key at its next delivery.
    db.table("alert_state").transform(types={"target": str})
    db.table("alert_spikes").transform(types={"target": str})


@migrations()
def m005_source_entries(db: Database) -> None:
    # The fingerprints of the entries a feed source had at its last sweep, and of the brands
    # they were matched against: a feed that changed by a few entries has only those cleaned
    # and matched again. One row per source, rewritten with each successful read.
    db.table("source_entries").create(
        {"source": str, "brands": str, "fingerprints": str}, pk="source", not_null={"brands"}
    )


@functools.cache
def _fts_separators() -> str:
    """The characters FTS5's unicode61 tokenizer would join to a word although the matcher
    sees a word boundary there: symbols and emoji newer than its Unicode 6.1 tables
    (`👍🏻Acme`), some punctuation and format characters. Declared as separators, so a
    term the matcher finds is always a token of the archive's index. Left out: private-use
    characters (no text uses them), and combining marks, which the tokenizer always folds
    into the word before (stored text is NFC, so one stands alone only where no letter
    takes it, such as `q́`, and the word after it is then missed by the index). Found by
    asking the tokenizer itself, once, when the index is made."""
    word = re.compile(r"\w")
    candidates = [
        char
        for char in map(chr, range(0x21, 0x30000))
        if not word.match(char) and unicodedata.category(char) not in ("Cs", "Cn", "Co", "Mn")
    ]
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.execute(
            "CREATE VIRTUAL TABLE probe USING fts5 (x, tokenize='unicode61 remove_diacritics 2')"
        )
        scratch.executemany(
            "INSERT INTO probe (rowid, x) VALUES (?, ?)", [(ord(c), f"a{c}b") for c in candidates]
        )
        joined = {
            row[0] for row in scratch.execute("SELECT rowid FROM probe WHERE probe MATCH 'a'")
        }
    finally:
        scratch.close()
    return "".join(char for char in candidates if ord(char) not in joined)


# The columns of a mention, as the `mentions` view shows them, in the order the table had.
_VIEW_COLUMNS = (
    "m.id, m.brand, m.source, m.source_type, m.domain, m.url, m.title, m.author, "
    "m.published_at, m.found_at, m.snippet, i.text, m.matched, m.lang, m.tone, m.tone_score, "
    "m.flags, m.status, m.note, m.mentioned_at, m.origin, m.item_id"
)
_ROW_COLUMNS = (
    "id, brand, source, source_type, domain, url, title, author, published_at, found_at, "
    "snippet, matched, lang, tone, tone_score, flags, status, note"
)


@migrations()
def m006_item_archive(db: Database) -> None:
    # Every item read is kept once per source and canonical URL (`items`), so that a brand
    # added later, or a rule changed, can be matched against what was already read. A
    # mention refers to its item instead of holding a copy of its text; `mentions` becomes
    # a view over `mention_rows` and `items` with the columns the table had, so sqlite3,
    # Datasette and the exports read it unchanged. Small columns come before the text: a
    # scan of `links` or `found_at` then reads each row's first page only.
    db.execute(
        """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            url TEXT NOT NULL,
            published_at TEXT,
            found_at TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            lang TEXT,
            links TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL DEFAULT '',
            dated_at TEXT GENERATED ALWAYS AS (coalesce(published_at, found_at)) VIRTUAL
        )
        """
    )
    db.execute("CREATE UNIQUE INDEX idx_items_source_url ON items (source, url)")
    db.execute("CREATE INDEX idx_items_found ON items (found_at)")
    db.execute(
        "INSERT INTO items (source, url, published_at, found_at, author, lang, title, text) "
        "SELECT coalesce(source, ''), url, published_at, min(found_at), coalesce(author, ''), "
        "lang, coalesce(title, ''), coalesce(text, '') FROM mentions "
        "GROUP BY coalesce(source, ''), url"
    )
    db.execute(
        """
        CREATE TABLE mention_rows (
            id INTEGER PRIMARY KEY,
            brand TEXT NOT NULL,
            source TEXT,
            source_type TEXT,
            domain TEXT,
            url TEXT NOT NULL,
            title TEXT,
            author TEXT,
            published_at TEXT,
            found_at TEXT NOT NULL,
            snippet TEXT,
            matched TEXT,
            lang TEXT,
            tone TEXT,
            tone_score FLOAT,
            flags TEXT DEFAULT '',
            status TEXT NOT NULL DEFAULT 'new',
            note TEXT DEFAULT '',
            item_id INTEGER NOT NULL REFERENCES items (id),
            origin TEXT NOT NULL DEFAULT 'sweep',
            mentioned_at TEXT GENERATED ALWAYS AS (coalesce(published_at, found_at)) VIRTUAL
        )
        """
    )
    db.execute(
        f"INSERT INTO mention_rows ({_ROW_COLUMNS}, item_id) "
        f"SELECT {_ROW_COLUMNS}, (SELECT items.id FROM items WHERE items.source = "
        "coalesce(mentions.source, '') AND items.url = mentions.url) FROM mentions ORDER BY id"
    )
    # Dropping the table drops its full-text triggers; the index is rebuilt below.
    db.execute("DROP TABLE mentions")
    db.execute("DROP TABLE mentions_fts")
    db.execute("CREATE UNIQUE INDEX idx_mentions_brand_url ON mention_rows (brand, url)")
    db.execute(
        "CREATE INDEX idx_mentions_date ON mention_rows "
        "(mentioned_at, brand, tone, source, source_type, domain, author, status)"
    )
    db.execute("CREATE INDEX idx_mentions_status ON mention_rows (status)")
    db.execute("CREATE INDEX idx_mentions_source ON mention_rows (source)")
    db.execute("CREATE INDEX idx_mentions_item ON mention_rows (item_id)")
    db.execute(
        f"CREATE VIEW mentions AS SELECT {_VIEW_COLUMNS} "
        "FROM mention_rows AS m LEFT JOIN items AS i ON i.id = m.item_id"
    )
    # Triage written through the view (`UPDATE mentions SET status = 'handled'`) lands.
    db.execute(
        "CREATE TRIGGER mentions_triage INSTEAD OF UPDATE OF status, note ON mentions BEGIN "
        "UPDATE mention_rows SET status = new.status, note = new.note WHERE id = old.id; END"
    )
    # Search over mentions, as before: title, snippet, text (now the item's) and author.
    db.execute(
        "CREATE VIRTUAL TABLE mentions_fts USING fts5 "
        "(title, snippet, text, author, content='mentions', content_rowid='id')"
    )
    text_of = "(SELECT text FROM items WHERE id = {0}.item_id)"
    fts_values = "{0}.id, {0}.title, {0}.snippet, " + text_of + ", {0}.author"
    db.execute(
        "CREATE TRIGGER mention_rows_ai AFTER INSERT ON mention_rows BEGIN "
        "INSERT INTO mentions_fts (rowid, title, snippet, text, author) "
        f"VALUES ({fts_values.format('new')}); END"
    )
    db.execute(
        "CREATE TRIGGER mention_rows_ad AFTER DELETE ON mention_rows BEGIN "
        "INSERT INTO mentions_fts (mentions_fts, rowid, title, snippet, text, author) "
        f"VALUES ('delete', {fts_values.format('old')}); END"
    )
    db.execute(
        "CREATE TRIGGER mention_rows_au AFTER UPDATE OF title, snippet, author, item_id "
        "ON mention_rows BEGIN "
        "INSERT INTO mentions_fts (mentions_fts, rowid, title, snippet, text, author) "
        f"VALUES ('delete', {fts_values.format('old')}); "
        "INSERT INTO mentions_fts (rowid, title, snippet, text, author) "
        f"VALUES ({fts_values.format('new')}); END"
    )
    db.execute("INSERT INTO mentions_fts (mentions_fts) VALUES ('rebuild')")
    # The archive's own index, only to narrow a rematch or a backtest to the items that
    # hold a term's words before the exact matcher runs: rowids alone (detail=none), the
    # smallest FTS5 index, with diacritics folded as the matcher folds them, and words
    # split wherever the matcher sees a word boundary (see `_fts_separators`).
    db.execute(
        "CREATE VIRTUAL TABLE items_fts USING fts5 (title, text, content='items', "
        "content_rowid='id', detail=none, "
        f"tokenize=\"unicode61 remove_diacritics 2 separators '{_fts_separators()}'\")"
    )
    db.execute(
        "CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN "
        "INSERT INTO items_fts (rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    db.execute(
        "CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN "
        "INSERT INTO items_fts (items_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); END"
    )
    db.execute(
        "CREATE TRIGGER items_au AFTER UPDATE OF title, text ON items BEGIN "
        "INSERT INTO items_fts (items_fts, rowid, title, text) "
        "VALUES ('delete', old.id, old.title, old.text); "
        "INSERT INTO items_fts (rowid, title, text) VALUES (new.id, new.title, new.text); END"
    )
    db.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
    # The rules each brand's mentions were last matched under, over the archive: a brand
    # whose rules differ (or that is new) has the archive matched again at the next scan.
    db.table("brand_rules").create(
        {"brand": str, "fingerprint": str, "matched_at": str},
        pk="brand",
        not_null={"fingerprint"},
    )
    db.execute("ALTER TABLE scans ADD COLUMN mentions_archive INTEGER DEFAULT 0")
    # Work a command left unfinished, done by the next one that can: an erasure whose rows
    # are deleted but whose indexes and free pages may still hold the person's words.
    db.table("maintenance").create({"task": str, "since": str}, pk="task")
    # Entries known from the last sweep are skipped unread; they were read before the
    # archive existed, so the next sweep reads them all once and archives them.
    db.execute("DELETE FROM source_entries")


@migrations()
def m007_real_sites_and_quiet_sources(db: Database) -> None:
    # An item read through an aggregator (Google News) names its publisher: the mentions'
    # domain is the publisher's, from `site`, not the aggregator's.
    db.execute("ALTER TABLE items ADD COLUMN site TEXT NOT NULL DEFAULT ''")
    # A source read without error but yielding nothing, sweep after sweep, is broken in a
    # way no status code shows (a forum's markup changed, a search with a typo).
    db.execute("ALTER TABLE sources ADD COLUMN empty_sweeps INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE sources ADD COLUMN empty_reason TEXT")
    db.execute("ALTER TABLE sources ADD COLUMN empty_noticed_on TEXT")
    _unwrap_stored_urls(db)


@migrations()
def m008_tone_labels(db: Database) -> None:
    # A community manager's corrections of tone, and texts she labelled outside the
    # mentions: what `veille tone train` learns from. A corrected mention's row holds the
    # corrected tone, so every listing, report and export shows it; the engine's judgement
    # is kept here beside it. A rescan never touches either (it inserts or does nothing).
    # `text` is what was judged (the window around the brand), the example to learn from;
    # `flags` is the corrected flag set, NULL when only the tone was corrected.
    db.execute(
        """
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            mention_id INTEGER UNIQUE REFERENCES mention_rows (id),
            text TEXT NOT NULL,
            lang TEXT,
            label TEXT NOT NULL CHECK (label IN ('positive', 'neutral', 'negative')),
            flags TEXT,
            judged_tone TEXT,
            judged_score FLOAT,
            judged_flags TEXT,
            labelled_at TEXT NOT NULL
        )
        """
    )
    # A mention erased (`veille purge`) takes its correction, and the words in it, along.
    db.execute(
        "CREATE TRIGGER labels_follow_mentions AFTER DELETE ON mention_rows BEGIN "
        "DELETE FROM labels WHERE mention_id = old.id; END"
    )
    # The layer `veille tone train` fitted on the labels, with its cross-validated figures
    # (JSON); one row at most. Kept in the database so that a copy or a backup of the file
    # judges as the original does.
    db.execute(
        """
        CREATE TABLE tone_model (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            trained_at TEXT NOT NULL,
            labels INTEGER NOT NULL,
            weights BLOB NOT NULL,
            report TEXT NOT NULL
        )
        """
    )


@migrations()
def m009_triage_dates(db: Database) -> None:
    # When a mention was last marked handled or ignored (`veille mark`): the report's
    # triage is what was done in its period, not only where the period's mentions stand.
    # NULL for a mention never triaged, set back to new, or marked before this column.
    # And when its note was last written (`mark --note`), whatever its status: the report
    # shows the notes written in its period. NULL without a note, or one written before.
    for column in ("triaged_at", "noted_at"):
        db.execute(f"ALTER TABLE mention_rows ADD COLUMN {column} TEXT")
    db.execute(
        "CREATE INDEX idx_mention_rows_triaged ON mention_rows (triaged_at) "
        "WHERE triaged_at IS NOT NULL"
    )
    db.execute(
        "CREATE INDEX idx_mention_rows_noted ON mention_rows (noted_at) WHERE noted_at IS NOT NULL"
    )


def _unwrap_stored_urls(db: Database) -> None:
    """Give stored mentions and items the URL a sweep now computes for them: a redirect link
    (a Google Alerts result…) becomes the article's, and the domain the publisher's. Were
    they left, the next sweep reading the same entry would store it again under its new URL.
    A mention whose new URL its brand already has (the article was found elsewhere too)
    keeps its row and URL: nothing stored is merged away; its domain is corrected."""
    conn = db.conn
    # Only URLs with a query can change; read in pages of ids, so memory does not grow with
    # the table.
    for row_id, brand, url in _rows_with_query(conn, "mention_rows", "brand"):
        new = canonical_url(url)
        if new == url:
            continue
        taken = conn.execute(
            "SELECT 1 FROM mention_rows WHERE brand = ? AND url = ?", [brand, new]
        ).fetchone()
        conn.execute(
            "UPDATE mention_rows SET url = ?, domain = ? WHERE id = ?",
            [url if taken else new, domain_of(new), row_id],
        )
    for row_id, source, url in _rows_with_query(conn, "items", "source"):
        new = canonical_url(url)
        if new != url:
            conn.execute(
                "UPDATE items SET url = ? WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM items WHERE source = ? AND url = ?)",
                [new, row_id, source, new],
            )


def _rows_with_query(
    conn: sqlite3.Connection, table: str, owner: str
) -> Iterator[tuple[int, str, str]]:
    """(id, owner, url) of the rows of `table` whose URL has a query, 5,000 at a time."""
    last = 0
    while True:
        rows = conn.execute(
            f"SELECT id, {owner}, url FROM {table} WHERE id > ? AND instr(url, '?') > 0 "
            "ORDER BY id LIMIT 5000",
            [last],
        ).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def schema_version() -> int:
    """The schema version this veille writes: the number of migrations it knows.

    `apply_migrations` writes a file's `user_version` once the migrations it counts are
    applied, so a file at this version has none pending: the store then skips the check."""
    return len(migrations.steps)


def pending_migrations(db: Database) -> bool:
    """Whether the database's schema is older than this veille's."""
    return bool(migrations.pending(db))


def apply_migrations(db: Database) -> None:
    """Bring the schema up to date and record its version."""
    if not migrations.pending(db):
        return  # the common case, and read-only: never wait for a running scan's write lock
    migrations.apply(db)
    db.execute(f"PRAGMA user_version = {len(migrations.applied(db))}")
