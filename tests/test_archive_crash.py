"""`kill -9` in the middle of the archive's long writes, with real `veille` processes and real
SQLite: a backfill of 100,000 items, a purge of 20,000. The run that follows finishes the job
with no duplicate, nothing lost that should stay, nothing left that should go, and full-text
indexes that agree with their tables."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_crash import assert_no_leftover_process
from werkzeug import Request, Response

from veille.match import BrandSet, find_mentions
from veille.models import ArchivedItem, Brand, Item, Mention
from veille.store import Store
from veille.store.archive import _BATCH

pytestmark = pytest.mark.slow

GLOBEX = {"name": "Globex", "terms": ["Globex"], "exclude": ["anvil"]}
RULES = BrandSet([Brand(name="Globex", terms=("Globex",), exclude=("anvil",))])
SOURCES = ("Blog", "Forum", "News", "Wire")
FEED_GLOBEX = "https://feed.example/globex-opens"


# -- real processes ----------------------------------------------------------------------


@dataclass
class Run:
    """A `veille` process whose output goes to files: a full pipe would stall it."""

    process: subprocess.Popen
    out: Path
    err: Path

    def output(self) -> tuple[str, str]:
        return self.out.read_text("utf-8"), self.err.read_text("utf-8")


@pytest.fixture
def veille(tmp_path: Path) -> Iterator[Callable[..., Run]]:
    """Start `python -m veille ARGS` in the test's folder; whatever is left is killed."""
    runs: list[Run] = []

    def start(*args: str) -> Run:
        tag = f"{len(runs)}-{args[0]}"
        out, err = tmp_path / f"{tag}.out", tmp_path / f"{tag}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "veille", *args], stdout=stdout, stderr=stderr, cwd=tmp_path
            )
        runs.append(Run(process, out, err))
        return runs[-1]

    yield start
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait(timeout=10)


def finish(run: Run, timeout: float = 120) -> str:
    """Wait for a run that must succeed; its standard output."""
    run.process.wait(timeout=timeout)
    stdout, stderr = run.output()
    assert run.process.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr, stderr[-2000:]
    return stdout


def readonly(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)


def kill_9_when(run: Run, db_path: Path, ready: Callable[[sqlite3.Connection], bool]) -> None:
    """Poll the database (read only, as a reader beside the writer) until `ready`, then
    `kill -9` the process at once."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if run.process.poll() is not None:
            pytest.fail(
                f"the process ended (exit {run.process.returncode}) before it could be "
                f"killed mid-way: {run.output()[1][-800:]!r}"
            )
        try:
            with closing(readonly(db_path)) as db:
                now = ready(db)
        except sqlite3.OperationalError:  # not opened by the writer yet
            now = False
        if now:
            os.kill(run.process.pid, signal.SIGKILL)
            run.process.wait(timeout=10)
            assert run.process.returncode == -signal.SIGKILL
            return
        time.sleep(0.005)
    pytest.fail("the process never got to the point where it was to be killed (60 s)")


# -- the database, as sqlite3 sees it -------------------------------------------------------


def rows(db_path: Path, sql: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql, params).fetchall()


def value(db_path: Path, sql: str, *params):
    (row,) = rows(db_path, sql, *params)
    return row[0]


def assert_sound(db_path: Path) -> None:
    """The file, its foreign keys and both full-text indexes are consistent, and no mention
    is stored twice."""
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        for index in ("items_fts", "mentions_fts"):
            # Raises (SQLITE_CORRUPT_VTAB) when the index and its content disagree: with
            # rank 1, an external-content index is checked against its content too, which
            # the plain form does not do (SQLite 3.40: it checks the index alone).
            db.execute(f"INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)")
        total, distinct = db.execute(
            "SELECT count(*), count(DISTINCT brand || char(10) || url) FROM mention_rows"
        ).fetchone()
        assert total == distinct, f"{total - distinct} duplicate mentions"


def fts_count(db_path: Path, index: str, word: str) -> int:
    return value(db_path, f"SELECT count(*) FROM {index} WHERE {index} MATCH ?", word)


def fts_blocks_holding(db_path: Path, index: str, fragment: bytes) -> int:
    """The blocks of an index's own storage that hold `fragment`. A deleted row leaves its
    words in the index's older segments, out of reach of MATCH, until they are merged."""
    blocks = rows(db_path, f"SELECT block FROM {index}_data UNION ALL SELECT term FROM {index}_idx")
    return sum(1 for (block,) in blocks if block and fragment in bytes(block))


# -- a feed for the sweep after the backfill ---------------------------------------------


class Feed:
    """Two entries, one naming Globex; with an ETag, so every read after the first is 304."""

    BODY = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed'
        "</title><link>https://feed.example/</link>"
        f"<item><guid>{FEED_GLOBEX}</guid><link>{FEED_GLOBEX}</link>"
        "<title>Globex ouvre une usine</title><description>À Lyon, dit-on.</description>"
        "<pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate></item>"
        "<item><guid>https://feed.example/bikes</guid><link>https://feed.example/bikes</link>"
        "<title>Le marché du vélo</title><description>Les ventes montent.</description>"
        "<pubDate>Tue, 01 Dec 2026 10:00:00 +0000</pubDate></item>"
        "</channel></rss>"
    ).encode()

    def __init__(self, httpserver: HTTPServer) -> None:
        httpserver.expect_request("/feed.xml").respond_with_handler(self.answer)
        self.url = httpserver.url_for("/feed.xml")

    def answer(self, request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(self.BODY, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})


def scan_config(write_config, db_path: Path, httpserver: HTTPServer) -> Path:
    return write_config(
        {
            "database": str(db_path),
            "brands": [GLOBEX],
            "sources": [{"name": "Feed", "type": "rss", "url": Feed(httpserver).url}],
            "settings": {"keep_items": 0},  # the archive's dates are old: keep them all
        }
    )


# -- kill -9 during a backfill ---------------------------------------------------------------

ITEMS = 100_000


def backfill_item(i: int) -> ArchivedItem:
    """Item i of the archive: every 7th names Globex (in many ways), every 13th of the others
    names it beside the brand's exclude word, every 11th a longer word; the rest nothing."""
    title, text = f"Billet {i}", f"Billet numéro {i} sur le marché du vélo."
    if i % 7 == 0:
        title, text = [
            (title, f"Globex ouvre un atelier à Lyon (n° {i})."),
            (title, f"Le rachat de GLOBEX se précise, épisode {i}."),
            ("Globex en tête des ventes", f"Billet {i}, sans le nom dans son texte."),
            (title, f"On en parle : #globex, épisode {i}."),
            (title, f"Les prix de Glöbex montent ({i})."),
        ][(i // 7) % 5]
    elif i % 13 == 0:
        text = f"Globex anvil, épisode {i} : la farce continue."
    elif i % 11 == 0:
        text = f"Globexia {i} et pharmaglobex ne sont pas la marque."
    source = SOURCES[i % len(SOURCES)]
    date = f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T10:00:00Z"
    return ArchivedItem(
        source=source,
        url=f"https://{source.lower()}.example/{i}",
        title=title,
        text=text,
        author=f"Auteur {i % 50}",
        published_at=date,
        found_at=date,
    )


def expected_backfill() -> set[tuple[str, str]]:
    return {("Globex", backfill_item(i).url) for i in range(0, ITEMS, 7)}


def test_the_generated_archive_is_matched_as_the_test_expects() -> None:
    """The expected set is computed from how items are made: the matcher agrees on a few."""
    for i in [*range(0, 400), *range(ITEMS - 200, ITEMS)]:
        item = backfill_item(i)
        read = Item(key=str(i), url=item.url, title=item.title, text=item.text)
        hits = find_mentions(read, RULES)
        assert [hit.brand for hit in hits] == (["Globex"] if i % 7 == 0 else []), item


def build_archive(db_path: Path, items: Iterator[ArchivedItem], mentions: bool = False) -> None:
    """Archive the items in transactions of 10,000; with `mentions`, each item naming
    Globex gets its mention, stored as a sweep stores it."""
    batch: list[ArchivedItem] = []
    with Store(db_path) as store:

        def flush() -> None:
            found = [mention_of(item) for item in batch if mentions and "Globex" in item.text]
            store.record_source(batch[0].source, {}, found, items=batch)
            batch.clear()

        for item in items:
            batch.append(item)
            if len(batch) == 10_000:
                flush()
        if batch:
            flush()


def mention_of(item: ArchivedItem) -> Mention:
    return Mention(
        brand="Globex", source=item.source, source_type="rss",
        domain=f"{item.source.lower()}.example", url=item.url, title=item.title,
        author=item.author, published_at=item.published_at, found_at=item.found_at,
        snippet=item.text, text="", matched="Globex", lang="fr", tone="neutral",
        tone_score=0.0, flags="",
    )  # fmt: skip


def test_kill_9_during_a_backfill_then_scan_stores_every_mention_once(
    httpserver: HTTPServer, write_config, veille, tmp_path: Path
) -> None:
    db_path = tmp_path / "veille.db"
    build_archive(db_path, map(backfill_item, range(ITEMS)))
    config = scan_config(write_config, db_path, httpserver)
    expected = expected_backfill()
    assert value(db_path, "SELECT count(*) FROM items") == ITEMS

    first = veille("scan", "-c", str(config), "--no-alerts", "--quiet")
    archived = "SELECT count(*) FROM mention_rows WHERE origin = 'archive'"
    kill_9_when(first, db_path, lambda db: db.execute(archived).fetchone()[0] > 0)
    assert_no_leftover_process(str(tmp_path))

    partial = set(rows(db_path, "SELECT brand, url FROM mention_rows"))
    assert len(partial) < len(expected), (
        f"the backfill stored all {len(expected)} mentions before the kill landed: it must "
        "be slower than the polling for this test to mean anything (a larger archive?)"
    )
    assert partial < expected
    assert_sound(db_path)
    # Whole pages, in id order: the mentions stored are those of the first items named.
    ids = {url: item_id for item_id, url in rows(db_path, "SELECT id, url FROM items")}
    stored_ids = [r[0] for r in rows(db_path, "SELECT item_id FROM mention_rows ORDER BY item_id")]
    assert stored_ids == sorted(ids[url] for _, url in expected)[: len(stored_ids)]
    # The rules are not recorded as matched, so the next scan does the backfill again.
    assert rows(db_path, "SELECT brand FROM brand_rules") == []
    lock = tmp_path / "veille.db.lock"
    assert lock.read_text().strip() == str(first.process.pid)  # left behind by the dead scan

    second = veille("scan", "-c", str(config), "--no-alerts", "--json")
    summary = json.loads(finish(second))
    assert summary["mentions_archive"] == len(expected) - len(partial)
    assert sum(summary["archive_by_brand"]["Globex"].values()) == len(expected) - len(partial)
    assert summary["mentions_new"] == 1 and summary["sources_ok"] == 1

    final = rows(db_path, "SELECT brand, url, origin FROM mentions")
    assert len(final) == len({(brand, url) for brand, url, _ in final}), "duplicate mentions"
    assert {(b, u) for b, u, origin in final if origin == "archive"} == expected
    assert {(b, u) for b, u, origin in final if origin == "sweep"} == {("Globex", FEED_GLOBEX)}
    # Each mention refers to its own item.
    assert value(
        db_path, "SELECT count(*) FROM mention_rows AS m JOIN items AS i ON i.id = m.item_id "
        "AND i.url = m.url AND i.source = m.source"
    ) == len(final)  # fmt: skip
    assert_sound(db_path)
    assert value(db_path, "SELECT count(*) FROM items") == ITEMS + 2
    assert rows(db_path, "SELECT brand FROM brand_rules") == [("Globex",)]
    assert rows(db_path, "SELECT status FROM scans ORDER BY id") == [("crashed",), ("ok",)]


# -- kill -9 during a purge ------------------------------------------------------------------

PURGE_ITEMS = 30_000
PURGED = "Ana Quokka"  # two items in three, each a mention: 20,000 items and mentions
OTHERS = ("Bruno Wombat", "Chloé Numbat")  # 10,000 items, 5,000 mentions
# Words enough that each batch of the purge takes a while (the index has them all to
# delete): the kill then lands well before the purge is done.
FILLER = " ".join(f"mot{k} et puis" for k in range(10))


def purge_item(i: int) -> ArchivedItem:
    """Item i: by Ana Quokka unless i is a multiple of 3; hers all name Globex, the others'
    every other one. Each author's surname is a word of their items only."""
    author = PURGED if i % 3 else OTHERS[(i // 3) % 2]
    surname = author.split()[-1].lower()
    subject = "Globex recrute encore" if author == PURGED or i % 2 == 0 else "le marché du vélo"
    source = SOURCES[i % len(SOURCES)]
    date = f"2026-{1 + i % 11:02d}-{1 + i % 28:02d}T10:00:00Z"
    return ArchivedItem(
        source=source,
        url=f"https://{source.lower()}.example/{i}",
        title=f"Note {i}",
        text=f"Note {i} de {author} : {subject}, et le {surname} du jour. {FILLER}",
        author=author,
        published_at=date,
        found_at=date,
    )


def others(db_path: Path) -> tuple[list[tuple], list[tuple]]:
    """Every column of the other authors' items and mentions."""
    return (
        rows(db_path, "SELECT * FROM items WHERE author != ? ORDER BY id", PURGED),
        rows(db_path, "SELECT * FROM mention_rows WHERE author != ? ORDER BY id", PURGED),
    )


def totals(db: sqlite3.Connection) -> tuple[int, int]:
    """Items and mentions stored (cheap enough to poll)."""
    return (
        db.execute("SELECT count(*) FROM items").fetchone()[0],
        db.execute("SELECT count(*) FROM mention_rows").fetchone()[0],
    )


def purged_counts(db: sqlite3.Connection) -> tuple[int, int]:
    """Ana Quokka's items and mentions still stored."""
    return (
        db.execute("SELECT count(*) FROM items WHERE author = ?", [PURGED]).fetchone()[0],
        db.execute("SELECT count(*) FROM mention_rows WHERE author = ?", [PURGED]).fetchone()[0],
    )


@pytest.mark.parametrize("phase", ["mentions", "items"])
def test_kill_9_during_a_purge_then_purge_again_removes_all_of_them_and_nothing_else(
    phase: str, httpserver: HTTPServer, write_config, veille, tmp_path: Path
) -> None:
    db_path = tmp_path / "veille.db"
    build_archive(db_path, map(purge_item, range(PURGE_ITEMS)), mentions=True)
    with closing(sqlite3.connect(db_path)) as db:
        with db:  # some triage, which must survive untouched
            db.execute(
                "UPDATE mention_rows SET status = 'handled', note = 'vu ' || id WHERE id % 10 = 0"
            )
    config = scan_config(write_config, db_path, httpserver)
    with closing(sqlite3.connect(db_path)) as db:
        items_before, mentions_before = purged_counts(db)
    assert (items_before, mentions_before) == (20_000, 20_000)
    kept_before = others(db_path)
    assert [len(kept) for kept in kept_before] == [10_000, 5_000]
    words = {
        (index, word): fts_count(db_path, index, word)
        for index in ("items_fts", "mentions_fts")
        for word in ("quokka", "wombat", "numbat")
    }
    assert words[("items_fts", "quokka")] == words[("mentions_fts", "quokka")] == 20_000

    with closing(sqlite3.connect(db_path)) as db:
        stored = totals(db)
    first = veille("purge", "--db", str(db_path), "--author", "ana quokka", "--yes")
    if phase == "mentions":  # once a batch of mentions is gone
        kill_9_when(first, db_path, lambda db: totals(db)[1] < stored[1])
    else:  # once a batch of items is gone (so all the mentions are)
        kill_9_when(first, db_path, lambda db: totals(db)[0] < stored[0])

    with closing(sqlite3.connect(db_path)) as db:
        items_left, mentions_left = purged_counts(db)
    assert items_left > 0, "the purge was done before the kill landed: make the archive larger"
    if phase == "mentions":
        assert mentions_left > 0, "every mention batch went by before the kill landed"
    assert_sound(db_path)
    # Each batch is its own transaction: a crash leaves whole batches, never part of one.
    assert (items_before - items_left) % _BATCH == 0
    assert (mentions_before - mentions_left) % _BATCH == 0
    assert others(db_path) == kept_before
    assert (tmp_path / "veille.db.lock").exists()

    again = veille("purge", "--db", str(db_path), "--author", "ana quokka", "--yes")
    assert f"Removed {items_left} archived items and {mentions_left} mentions." in finish(again)
    with closing(sqlite3.connect(db_path)) as db:
        assert purged_counts(db) == (0, 0)
    assert value(db_path, "SELECT count(*) FROM mentions WHERE author = ?", PURGED) == 0
    assert_sound(db_path)
    assert others(db_path) == kept_before
    for (index, word), count in words.items():
        assert fts_count(db_path, index, word) == (0 if word == "quokka" else count), (index, word)
    # Nor is it left in an old segment: the indexes were merged. ("okka": a term stored after
    # a shared prefix keeps only its end; no other word of these items holds it.)
    for index in ("items_fts", "mentions_fts"):
        assert fts_blocks_holding(db_path, index, b"okka") == 0, index

    # A scan then: the backfill finds nothing new (the others' mentions are all stored and
    # Ana Quokka's items are gone), the sweep stores the feed's one mention.
    summary = json.loads(finish(veille("scan", "-c", str(config), "--no-alerts", "--json")))
    assert (summary["mentions_archive"], summary["mentions_new"]) == (0, 1)
    assert_sound(db_path)
    named = (purge_item(i) for i in range(0, PURGE_ITEMS, 6))  # by the others, naming Globex
    expected = {("Globex", item.url) for item in named}
    assert set(rows(db_path, "SELECT brand, url FROM mentions")) == expected | {
        ("Globex", FEED_GLOBEX)
    }
    assert fts_count(db_path, "items_fts", "quokka") == 0
    done = veille("purge", "--db", str(db_path), "--author", "Ana Quokka", "--yes")
    assert "Nothing to remove" in finish(done)
