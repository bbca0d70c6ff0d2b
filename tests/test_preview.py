"""`veille preview`: one source fetched over HTTP and shown, never matched or stored."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import SHARED
from pytest_httpserver import HTTPServer

from veille.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
PAGES = Path(__file__).parent / "fixtures" / "pages" / "generic"
CORPUS = SHARED / "corpus" / "web"


def corpus_feeds() -> list[dict[str, str]]:
    if not (CORPUS / "MANIFEST.tsv").exists():
        return []
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [row for row in rows if row["file"].startswith("feeds/")]


def preview_json(runner, url: str) -> list[dict]:
    result = runner.invoke(app, ["preview", url, "--type", "rss", "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.skipif(not corpus_feeds(), reason="shared corpus not available")
@pytest.mark.parametrize("row", corpus_feeds(), ids=lambda row: row["file"].split("/")[-1])
def test_every_corpus_feed_previews_over_http(
    row: dict[str, str], httpserver: HTTPServer, runner
) -> None:
    body = (CORPUS / row["file"]).read_bytes()
    content_type = "application/json" if row["kind"] == "jsonfeed" else "application/xml"
    httpserver.expect_request("/feed").respond_with_data(body, content_type=content_type)
    expected = int(row["items_in_source" if row["kind"] == "jsonfeed" else "fp_entries"] or 0)
    if expected == 0:
        result = runner.invoke(app, ["preview", httpserver.url_for("/feed"), "--json"])
        assert result.exit_code in (0, 1) and "Traceback" not in result.output
        return
    items = preview_json(runner, httpserver.url_for("/feed"))
    assert len(items) >= expected
    assert all(set(item) == {"title", "author", "published_at", "url", "text"} for item in items)
    for item in items:
        assert "&amp;" not in item["title"] and "\ufffd" not in item["title"], item["title"]
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in item["title"])
        assert item["url"].startswith(("http://", "https://")), item["url"]


def test_preview_of_a_fixture_shows_decoded_fields(httpserver: HTTPServer, runner) -> None:
    body = (FIXTURES / "rss2_fr.xml").read_bytes()
    httpserver.expect_request("/feed").respond_with_data(body, content_type="application/rss+xml")
    items = preview_json(runner, httpserver.url_for("/feed"))
    assert items and all(item["url"].startswith("http") for item in items)
    assert any("é" in item["title"] for item in items)
    text = runner.invoke(app, ["preview", httpserver.url_for("/feed")])
    assert text.exit_code == 0 and items[0]["title"] in text.stdout


def test_preview_of_a_configured_source_and_errors(
    httpserver: HTTPServer, runner, write_config
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        (FIXTURES / "atom_en.xml").read_bytes(), content_type="application/atom+xml"
    )
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "Blog", "type": "rss", "url": httpserver.url_for("/feed")}],
        }
    )
    ok = runner.invoke(app, ["preview", "Blog", "--json"])
    assert ok.exit_code == 0 and ok.stdout.strip()
    assert not Path("veille.db").exists()
    gone = runner.invoke(app, ["preview", httpserver.url_for("/gone")])
    assert gone.exit_code == 1 and "gone (410)" in gone.stderr
    unknown = runner.invoke(app, ["preview", "Nope"])
    assert unknown.exit_code == 2 and "neither a configured source nor a URL" in unknown.stderr


def test_a_forum_page_that_yields_nothing_says_why_in_preview_and_sources(
    httpserver: HTTPServer, runner, write_config
) -> None:
    """A page with text but no post the extractor recognises: `preview` says why, and the
    first sweep already flags the source (no need to wait three sweeps)."""
    page = (Path(__file__).parent / "fixtures" / "pages" / "blog" / "article.html").read_bytes()
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/forum").respond_with_data(page, content_type="text/html")
    url = httpserver.url_for("/forum")
    shown = runner.invoke(app, ["preview", url, "--type", "forum"])
    assert shown.exit_code == 0, shown.output
    assert "0 items" in shown.stdout
    assert "no post found" in shown.stderr and "no known forum engine" in shown.stderr

    config = write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "Forum", "type": "forum", "url": url}],
        }
    )
    assert runner.invoke(app, ["scan", "-c", str(config), "--no-alerts"]).exit_code == 0
    result = runner.invoke(app, ["sources", "-c", str(config), "--json"])
    entry = json.loads(result.output)[0]
    assert (entry["state"], entry["empty"], entry["items_seen"]) == ("empty", True, 0)
    assert "no post found" in entry["advice"] and "veille preview 'Forum'" in entry["advice"]


# Thread pages of engines without a preset, read by the generic extractor: (fixture, path the
# page is served at, authors in page order).
GENERIC_THREADS = [
    (
        "ubbthreads7_showflat.html",
        "/forum/ubbthreads.php/topics/48213/acme-x200-battery-drain-after-update",
        ["Gaston_L", "Lucie B.", "old_tech", "Gaston_L"],
    ),
    ("mybb18_showthread.html", "/showthread.php", ["Gaston_L", "Lucie B.", "old_tech", "Gaston_L"]),
    ("smf20_display.html", "/index.php", ["netnerd", "Hélène M.", "Jean-Marc", "netnerd"]),
    (
        "fluxbb15_viewtopic.html",
        "/viewtopic.php",
        ["Gaston_L", "Lucie B.", "Invité_Paul", "Gaston_L"],
    ),
    ("phpbb2_viewtopic.html", "/viewtopic.php", ["Gaston_L", "Lucie B.", "Invité", "Gaston_L"]),
]


@pytest.mark.parametrize(
    ("name", "path", "authors"),
    GENERIC_THREADS,
    ids=[row[0].split("_")[0] for row in GENERIC_THREADS],
)
def test_preview_of_a_thread_without_preset(
    name: str, path: str, authors: list[str], httpserver: HTTPServer, runner
) -> None:
    httpserver.no_handler_status_code = 404  # no robots.txt
    httpserver.expect_request(path).respond_with_data(
        (PAGES / name).read_bytes(), content_type="text/html"
    )
    result = runner.invoke(app, ["preview", httpserver.url_for(path), "--type", "forum", "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert [item["author"] for item in items] == authors
    assert all(item["published_at"] for item in items)
    assert items[0]["published_at"].startswith("2024-03-1")  # printed in full, not "Yesterday"
    assert len({item["url"] for item in items}) == len(items)
    for item in items:
        assert item["text"] and "____" not in item["text"]
        assert not any(word in item["text"] for word in ("Originally Posted", "a écrit", "Quote"))
    text = runner.invoke(app, ["preview", httpserver.url_for(path), "--type", "forum"])
    assert text.exit_code == 0 and all(author in text.stdout for author in authors)
