"""A feed that changed by a few entries: the entries read at the last sweep are neither cleaned
nor matched again, and nothing is lost by it (real loopback server, real SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from feedgen import BRANDS_CONFIG, generate_feeds, splice
from pytest_httpserver import HTTPServer
from sqlite_utils import Database
from werkzeug import Request, Response

from veille.cli import app
from veille.parse import parse_feed

FEED_URL = "https://news.example/feed.xml"


def rss(entries: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (guid, title, description) entries."""
    items = "".join(
        f"<item><guid>https://news.example/{guid}</guid><link>https://news.example/{guid}</link>"
        f"<title>{title}</title><description>{text}</description>"
        "<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate></item>"
        for guid, title, text in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://news.example/</link>{items}</channel></rss>"
    ).encode()


OLD = [
    ("a", "Acme ouvre à Lyon", "Un nouveau magasin."),
    ("b", "Rien à signaler", "Une journée calme."),
    ("c", "Le marché du vélo", "Les ventes montent."),
]


def test_known_entries_are_left_out_and_the_others_read_as_before() -> None:
    first = parse_feed(rss(OLD), FEED_URL)
    assert first.parser == "feedparser-rs" and len(first.fingerprints) == 3
    changed = [OLD[0], (OLD[1][0], OLD[1][1], "Acme y était."), OLD[2], ("d", "Nouveau", "x")]
    full = parse_feed(rss(changed), FEED_URL)
    again = parse_feed(rss(changed), FEED_URL, known=set(first.fingerprints))
    assert again.skipped == 2  # a and c; b's text changed, d is new
    assert [item.key for item in again.items] == [full.items[1].key, full.items[3].key]
    assert again.items == (full.items[1], full.items[3])
    assert again.fingerprints == full.fingerprints


def test_known_json_feed_items_are_left_out_too() -> None:
    def feed(items: list[dict]) -> bytes:
        return json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()

    old = [{"id": str(n), "url": f"https://news.example/{n}", "title": f"N{n}"} for n in range(3)]
    first = parse_feed(feed(old), FEED_URL)
    edited = {**old[1], "content_text": "Acme, enfin."}
    full = parse_feed(feed([old[0], edited, old[2]]), FEED_URL)
    again = parse_feed(feed([old[0], edited, old[2]]), FEED_URL, known=set(first.fingerprints))
    assert (first.parser, again.skipped) == ("json", 2)
    assert again.items == (full.items[1],)


def test_a_document_whose_entries_share_an_id_is_read_whole() -> None:
    repeated = [("a", "Un", "x"), ("a", "Deux", "y")]
    first = parse_feed(rss(repeated), FEED_URL)
    again = parse_feed(rss(repeated), FEED_URL, known=set(first.fingerprints))
    assert again.skipped == 0 and again.items == first.items


@pytest.mark.parametrize("ids", [[True, 2], [None, 2], [1, "1"], [" a", "a"]])
def test_json_items_without_ids_of_their_own_are_read_whole(ids: list) -> None:
    items = [{"id": i, "url": f"https://news.example/{n}"} for n, i in enumerate(ids)]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    first = parse_feed(body, FEED_URL)
    assert parse_feed(body, FEED_URL, known=set(first.fingerprints)).skipped == 0


def test_the_same_entries_under_another_url_are_not_known() -> None:
    first = parse_feed(rss(OLD), FEED_URL)
    elsewhere = parse_feed(rss(OLD), "https://mirror.example/feed.xml")
    assert not set(first.fingerprints) & set(elsewhere.fingerprints)


class ChangingFeed:
    """One feed whose body can be replaced; a new body gets a new ETag."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.body, self.version = rss(OLD), 1
        httpserver.expect_request("/feed.xml").respond_with_handler(self.answer)
        self.url = httpserver.url_for("/feed.xml")

    def serve(self, entries: list[tuple[str, str, str]]) -> None:
        self.body, self.version = rss(entries), self.version + 1

    def answer(self, request: Request) -> Response:
        etag = f'"v{self.version}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(self.body, headers={"Content-Type": "application/rss+xml", "ETag": etag})


def scan(runner, config: Path) -> dict:
    result = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def mentions(db_path: Path) -> set[tuple[str, str]]:
    rows = Database(db_path).query("select brand, url from mentions")
    return {(row["brand"], row["url"].rsplit("/", 1)[1]) for row in rows}


@pytest.mark.parametrize("workers", [True, False], ids=["worker processes", "threads"])
def test_a_changed_feed_loses_nothing_and_counts_every_entry(
    httpserver: HTTPServer,
    write_config,
    runner,
    tmp_path: Path,
    workers: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not workers:
        monkeypatch.setattr("os.cpu_count", lambda: 1)
    feed = ChangingFeed(httpserver)
    brands = {
        "brands": BRANDS_CONFIG,
        "sources": [{"name": "News", "type": "rss", "url": feed.url}],
    }
    config = write_config(brands)
    first = scan(runner, config)
    assert mentions(tmp_path / "veille.db") == {("Acme", "a")}
    assert first["items_seen"] == 3

    # b now names Acme (same id, new text), d is new and names Décathlon, a and c unchanged.
    edited, new = ("b", "Rien à signaler", "Sauf chez Acme."), ("d", "Décathlon", "")
    feed.serve([OLD[0], edited, OLD[2], new])
    second = scan(runner, config)
    assert second["items_seen"] == 4
    assert second["mentions_new"] == 2
    assert mentions(tmp_path / "veille.db") == {("Acme", "a"), ("Acme", "b"), ("Décathlon", "d")}


def test_new_brands_are_looked_for_in_entries_read_before(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    feed = ChangingFeed(httpserver)
    config = write_config(
        {"brands": BRANDS_CONFIG, "sources": [{"name": "News", "type": "rss", "url": feed.url}]}
    )
    scan(runner, config)
    # c, unchanged, names a brand that is only added now; the feed changes (one new entry).
    velo = {"name": "Vélo", "terms": ["vélo"]}
    write_config(
        {
            "brands": [*BRANDS_CONFIG, velo],
            "sources": [{"name": "News", "type": "rss", "url": feed.url}],
        }
    )
    feed.serve([*OLD, ("e", "Autre", "x")])
    second = scan(runner, config)
    # Found in the archive before the sweep, which then finds it stored already.
    assert (second["mentions_archive"], second["mentions_new"]) == (1, 0)
    assert sum(second["archive_by_brand"]["Vélo"].values()) == 1
    assert ("Vélo", "c") in mentions(tmp_path / "veille.db")


def test_a_sweep_of_changed_feeds_stores_what_a_fresh_one_does(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    """Every format (RSS 2.0, RSS 1.0, Atom, JSON Feed), 30% of each feed's items new."""
    old = generate_feeds(40, 10, base="https://news.example")
    new = generate_feeds(40, 10, base="https://news.example/v2")
    served = {feed.path: (feed.body, feed.etag) for feed in old}

    def answer(request: Request) -> Response:
        body, etag = served[request.path]
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, headers={"Content-Type": "application/xml", "ETag": etag})

    for feed in old:
        httpserver.expect_request(feed.path).respond_with_handler(answer)
    sources = [
        {"name": f"feed {i:03d}", "type": "rss", "url": httpserver.url_for(feed.path)}
        for i, feed in enumerate(old)
    ]
    config = write_config({"brands": BRANDS_CONFIG, "sources": sources})
    scan(runner, config)
    before = stored(tmp_path / "veille.db")
    for before_feed, after_feed in zip(old, new, strict=True):
        body = splice(before_feed, after_feed, keep=7)
        served[before_feed.path] = (body, f'"{hash(body)}"')
    second = scan(runner, config)

    fresh = tmp_path / "fresh.db"
    alone = runner.invoke(app, ["scan", "-c", str(config), "--db", str(fresh), "--json"])
    assert alone.exit_code == 0, alone.output
    assert stored(tmp_path / "veille.db") == before | stored(fresh)
    assert second["items_seen"] == json.loads(alone.stdout)["items_seen"] == 400
    assert second["mentions_new"] == len(stored(fresh) - before) > 0


def stored(db_path: Path) -> set[tuple[str, str]]:
    return {(row["brand"], row["url"]) for row in Database(db_path).query("select * from mentions")}
