"""The shared corpus' real forum and blog pages, served on loopback, read by `veille preview`.

Skipped when the corpus is absent. Each forum page is read with its engine's preset and with
auto-detection; blog pages go through feed discovery and article extraction.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest
from pytest_httpserver import HTTPServer
from test_corpus_pages import (
    BLOGS,
    CORPUS,
    FORUM_CASES,
    _expected_authors,
    _url_of,
)

from veille.cli import app

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


def serve_page(httpserver: HTTPServer, row: dict[str, str], default_path: str) -> str:
    """Serve the page where it lived (same path and query), so its relative links hold."""
    httpserver.no_handler_status_code = 404
    original = urlsplit(_url_of(row, f"https://site.example{default_path}"))
    body = (CORPUS / row["file"]).read_bytes()
    httpserver.expect_request(
        unquote(original.path), query_string=original.query
    ).respond_with_data(body, content_type="text/html")
    return httpserver.url_for(original.path) + (f"?{original.query}" if original.query else "")


def preview(runner, *args: str) -> list[dict]:
    result = runner.invoke(app, ["preview", *args, "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("row", "engine"),
    FORUM_CASES,
    ids=[f"{r['file'].split('/')[-1]}-{e or 'detected'}" for r, e in FORUM_CASES],
)
def test_forum_page_over_http(row, engine, httpserver: HTTPServer, runner) -> None:
    url = serve_page(httpserver, row, "/thread/1")
    items = preview(runner, url, "--type", "forum", *(["--engine", engine] if engine else []))
    assert [item["author"] for item in items] == _expected_authors(row)
    assert len({item["url"] for item in items}) == len(items), "each post its own permalink"


@pytest.mark.parametrize("row", BLOGS, ids=[r["file"].split("/")[-1] for r in BLOGS])
def test_blog_page_over_http(row, httpserver: HTTPServer, runner) -> None:
    url = serve_page(httpserver, row, "/2024/01/article.html")
    items = preview(runner, url, "--type", "blog")
    assert items and items[0]["title"]
    assert any(len(item["text"]) > 200 for item in items)


def test_blog_feed_found_by_its_link_on_loopback(httpserver: HTTPServer, runner) -> None:
    (row,) = [r for r in BLOGS if "daringfireball" in r["file"]]
    url = serve_page(httpserver, row, "/linked/2024/article")
    httpserver.expect_request("/feeds/main").respond_with_data(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>DF</title>'
        "<entry><title>Linked post</title><id>tag:df,1</id>"
        '<link rel="alternate" href="https://daringfireball.net/linked/1"/>'
        "<updated>2024-01-01T00:00:00Z</updated><summary>text</summary></entry></feed>",
        content_type="application/atom+xml",
    )
    items = preview(runner, url, "--type", "blog")
    assert [item["title"] for item in items] == ["Linked post"]
