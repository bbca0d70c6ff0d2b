from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlite_utils import Database

from veille.errors import LockedError, StoreError
from veille.migrations import migrations
from veille.models import Mention, Source
from veille.store import MentionFilter, ScanLock, Store


def make_mention(**changes) -> Mention:
    base = Mention(
        brand="Acme",
        source="Feed",
        source_type="rss",
        domain="example.fr",
        url="https://example.fr/1",
        title="Acme ouvre",
        author="Marie",
        published_at="2026-11-20T10:00:00Z",
        found_at="2026-11-21T08:00:00Z",
        snippet="Acme ouvre un magasin",
        text="Acme ouvre un magasin à Lyon",
        matched="Acme",
        lang="fr",
        tone="positive",
        tone_score=0.4,
        flags="",
    )
    return replace(base, **changes)


def test_blank_database_has_the_contract_schema(db_path: Path) -> None:
    with Store(db_path):
        pass
    db = Database(db_path)
    # A view over mention_rows and items, with the table's columns first, in its order.
    assert db["mentions"].exists() and "mentions" in db.view_names()
    assert list(db["mentions"].columns_dict) == [
        "id", "brand", "source", "source_type", "domain", "url", "title", "author",
        "published_at", "found_at", "snippet", "text", "matched", "lang", "tone",
        "tone_score", "flags", "status", "note", "mentioned_at", "origin", "item_id",
    ]  # fmt: skip
    assert list(db["items"].columns_dict) == [
        "id", "source", "url", "published_at", "found_at", "author", "lang", "links",
        "title", "text", "site",
    ]  # fmt: skip
    assert ["source", "url"] in [i.columns for i in db["items"].indexes if i.unique]
    assert set(db["sources"].columns_dict) == {
        "name", "type", "url", "etag", "last_modified", "last_fetch_at", "last_status",
        "last_error", "failures", "items_seen", "moved_to", "empty_sweeps", "empty_reason",
        "empty_noticed_on",
    }  # fmt: skip
    assert set(db["scans"].columns_dict) == {
        "id", "started_at", "finished_at", "sources_ok", "sources_failed",
        "sources_unchanged", "items_seen", "mentions_new", "status", "mentions_archive",
    }  # fmt: skip
    assert db["alert_state"].columns_dict == {
        "alert": str, "target": str, "last_mention_id": int, "last_sent_at": str,
        "last_error": str, "failures": int,
    }  # fmt: skip
    assert db["alert_state"].pks == ["alert", "target"]
    assert list(db["alert_spikes"].columns_dict) == [
        "alert", "target", "brand", "day", "kind", "sent_at",
    ]  # fmt: skip
    assert db["alert_spikes"].pks == ["alert", "target", "brand", "day", "kind"]
    unique = [i.columns for i in db["mention_rows"].indexes if i.unique]
    assert ["brand", "url"] in unique
    assert {"mentions_fts", "items_fts"} <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(migrations.applied(db))


def older_database(db_path: Path, stop_before: str) -> None:
    """A database as a release before `stop_before` left it, with one mention."""
    db = Database(db_path)
    migrations.apply(db, stop_before=stop_before)
    db["mentions"].insert(
        {"brand": "Acme", "url": "https://a.fr/", "found_at": "2026-11-01T00:00:00Z"}
    )
    db.conn.close()


def test_older_database_is_upgraded_in_place(db_path: Path) -> None:
    older_database(db_path, "m002_listing_indexes")
    with Store(db_path) as store:
        assert store.count_mentions() == 1
        names = {i.name for i in store.db["mention_rows"].indexes}
        assert "idx_mentions_date" in names
        assert not migrations.pending(store.db)
        assert store.alert_states() == []


def test_a_release_before_alerts_is_upgraded_in_place(db_path: Path) -> None:
    older_database(db_path, "m003_alerts")
    with Store(db_path) as store:
        targets = ["json://a.example", "json://b.example"]
        watermarks = store.alert_watermarks("team", targets, start_after="2026-11-02T00:00:00Z")
        assert watermarks == [1, 1]
        assert [row["target"] for row in store.alert_states()] == targets
        version = store.db.execute("PRAGMA user_version").fetchone()[0]
        assert version == len(migrations.applied(store.db)) == 9


def test_alert_state_kept_by_position_is_taken_over_by_the_url_now_there(
    db_path: Path,
) -> None:
    """A release that kept an alert URL's state by its position ("1", "2"): after the
    upgrade, the URL at that position takes it over, watermark, failures and spikes alike."""
    older_database(db_path, "m004_alert_targets")
    db = Database(db_path)
    db["alert_state"].insert_all(
        [
            {"alert": "team", "target": 1, "last_mention_id": 7, "failures": 0},
            {"alert": "team", "target": 2, "last_mention_id": 3, "failures": 2},
        ]
    )
    db["alert_spikes"].insert(
        {"alert": "team", "target": 2, "brand": "Acme", "day": "2026-11-01", "kind": "volume"}
    )
    db.conn.close()
    with Store(db_path) as store:
        targets = ["json://a.example", "mailtos://smtp.example"]
        assert store.alert_watermarks("team", targets, start_after="2026-11-02") == [7, 3]
        states = {row["target"]: row for row in store.alert_states()}
        assert sorted(states) == sorted(targets)
        assert states["mailtos://smtp.example"]["failures"] == 2
        announced = store.spikes_announced("team", "mailtos://smtp.example", "2026-11-01")
        assert announced == {("Acme", "2026-11-01", "volume")}
        again = store.alert_watermarks("team", targets[::-1], start_after="2026-11-02")
        assert again == [3, 7]


def test_insert_is_idempotent_and_keeps_triage(store: Store) -> None:
    store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/feed")])
    first = store.record_source("Feed", {"items_seen": 1}, [make_mention()])
    assert first == [("Acme", "positive", 1)]
    store.db.execute("UPDATE mentions SET status = 'handled', note = 'answered'")
    store.db.conn.commit()
    again = store.record_source("Feed", {"items_seen": 1}, [make_mention(title="changed")])
    assert again == []
    (row,) = store.iter_mentions()
    assert (row["status"], row["note"], row["title"]) == ("handled", "answered", "Acme ouvre")
    other_brand = store.record_source("Feed", {}, [make_mention(brand="Globex")])
    assert other_brand == [("Globex", "positive", 1)]


def test_source_is_written_in_one_transaction(store: Store) -> None:
    store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/feed")])
    broken = [make_mention(url="https://example.fr/ok"), make_mention(url=None)]
    with pytest.raises(sqlite3.IntegrityError):
        store.record_source("Feed", {"items_seen": 2}, broken)
    assert store.count_mentions() == 0
    assert store.sources()[0]["items_seen"] == 0


def test_failures_count_consecutive_errors_and_reset(store: Store) -> None:
    store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/feed")])
    store.record_source("Feed", {"last_error": "not found (404)", "last_status": 404})
    store.record_source("Feed", {"last_error": "not found (404)", "last_status": 404})
    assert store.source_state("Feed").failures == 2
    store.record_source("Feed", {"last_error": None, "last_status": 200, "etag": '"v1"'})
    state = store.source_state("Feed")
    assert (state.failures, state.etag) == (0, '"v1"')


def test_changed_url_forgets_validators(store: Store) -> None:
    store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/feed")])
    store.record_source("Feed", {"etag": '"v1"', "last_modified": "Mon"})
    store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/other")])
    assert store.source_state("Feed").etag is None


FILTER_CASES = {
    "brand": (MentionFilter(brands=("Globex",)), {2}),
    "source": (MentionFilter(sources=("Other",)), {3}),
    "tone": (MentionFilter(tones=("negative",)), {2, 3}),
    "flag": (MentionFilter(flags=("question",)), {3}),
    "flag is a whole word": (MentionFilter(flags=("spam",)), set()),
    "status": (MentionFilter(statuses=("new",)), {1, 2, 3}),
    "lang": (MentionFilter(langs=("en",)), {2}),
    "since": (MentionFilter(since="2026-11-19T00:00:00Z"), {1, 3}),
    "until": (MentionFilter(until="2026-11-19T00:00:00Z"), {2}),
    "combined": (MentionFilter(tones=("negative",), langs=("fr",)), {3}),
}


@pytest.mark.parametrize(("filters", "ids"), FILTER_CASES.values(), ids=FILTER_CASES.keys())
def test_filters(store: Store, filters: MentionFilter, ids: set[int]) -> None:
    store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
    store.record_source(
        "Feed",
        {},
        [
            make_mention(url="https://e.fr/1", flags="spammy"),
            make_mention(
                url="https://e.fr/2",
                brand="Globex",
                tone="negative",
                lang="en",
                published_at="2026-11-10T00:00:00Z",
            ),
            make_mention(
                url="https://e.fr/3",
                source="Other",
                tone="negative",
                flags="question complaint",
                published_at=None,
            ),
        ],
    )
    assert {row["id"] for row in store.iter_mentions(filters)} == ids
    assert store.count_mentions(filters) == len(ids)


def test_listing_is_newest_first(store: Store) -> None:
    store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
    dates = ["2026-11-02T00:00:00Z", "2026-11-05T00:00:00Z", "2026-11-03T00:00:00Z"]
    store.record_source(
        "Feed",
        {},
        [make_mention(url=f"https://e.fr/{i}", published_at=d) for i, d in enumerate(dates)],
    )
    assert [r["published_at"] for r in store.iter_mentions(limit=2)] == [dates[1], dates[2]]


def test_second_lock_holder_is_refused_with_the_pid(db_path: Path) -> None:
    with ScanLock(db_path):
        with pytest.raises(LockedError, match=rf"pid {os.getpid()}"), ScanLock(db_path):
            pass
    with ScanLock(db_path):
        pass


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("this is not sqlite " * 100, encoding="utf-8")
    with pytest.raises(StoreError, match="not an SQLite database"):
        Store(bogus)
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "absent.db", create=False)


def test_fts_index_follows_inserts(store: Store) -> None:
    store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
    store.record_source("Feed", {}, [make_mention(text="un vélo électrique formidable")])
    found = store.search("formidable")
    assert [row["url"] for row in found] == ["https://example.fr/1"]
