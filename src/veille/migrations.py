"""The database schema, as ordered migrations. Never edit a shipped migration: add one.

Users read the database with sqlite3 or Datasette, so table and column names are part of the
contract (SPEC.md, Database). `PRAGMA user_version` mirrors the number of applied
migrations so that `sqlite3 veille.db 'pragma user_version'` tells the schema version.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("veille")


@migrations()
def m001_initial(db: Database) -> None:
    db["mentions"].create(
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
    db["mentions"].create_index(["brand", "url"], unique=True)
    db["mentions"].enable_fts(["title", "snippet", "text", "author"], create_triggers=True)
    db["sources"].create(
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
    db["scans"].create(
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
    db["mentions"].create_index(["status"], if_not_exists=True)
    db["mentions"].create_index(["source"], if_not_exists=True)


@migrations()
def m003_alerts(db: Database) -> None:
    # One row per alert and URL (its position in the alert's `urls`, from 1): each URL keeps
    # its own watermark, so a URL that failed gets the mentions again at the next sweep while
    # the ones that accepted them never see them twice. The URL itself is never stored: it
    # may hold a password.
    db["alert_state"].create(
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
    db["alert_spikes"].create(
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
    db["alert_state"].transform(types={"target": str})
    db["alert_spikes"].transform(types={"target": str})


@migrations()
def m005_source_entries(db: Database) -> None:
    # The fingerprints of the entries a feed source had at its last sweep, and of the brands
    # they were matched against: a feed that changed by a few entries has only those cleaned
    # and matched again. One row per source, rewritten with each successful read.
    db["source_entries"].create(
        {"source": str, "brands": str, "fingerprints": str}, pk="source", not_null={"brands"}
    )


def apply_migrations(db: Database) -> None:
    """Bring the schema up to date and record its version."""
    if not migrations.pending(db):
        return  # the common case, and read-only: never wait for a running scan's write lock
    migrations.apply(db)
    db.execute(f"PRAGMA user_version = {len(migrations.applied(db))}")
