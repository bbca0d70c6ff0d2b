"""Forum, blog and search sources, and full_text, swept over a loopback HTTP server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from veille.cli import app

SELECTORS = {
    "post": "div.post",
    "author": ".author",
    "body": ".content",
    "date": "time@datetime",
    "link": "a.permalink@href",
    "next": "a.next@href",
    "thread": "a.topictitle@href",
    "title": "h2.topic",
}
ROBOTS = "User-agent: *\nDisallow: /forum/private\n"


def thread_page(topic: str, posts: list[tuple[str, str]], next_href: str | None) -> str:
    blocks = "".join(
        f'<div class="post" id="p{topic}{i}"><span class="author">{author}</span>'
        f'<time datetime="2026-11-2{i}T10:00:00Z">le 2{i} nov.</time>'
        f'<a class="permalink" href="#p{topic}{i}">#</a><div class="content">{body}</div></div>'
        for i, (author, body) in enumerate(posts, start=1)
    )
    more = f'<a class="next" href="{next_href}">Suivant</a>' if next_href else ""
    return f"<html><body><h2 class='topic'>Sujet {topic}</h2>{blocks}{more}</body></html>"


def serve_html(httpserver: HTTPServer, path: str, html: str) -> None:
    path, _, query = path.partition("?")
    httpserver.expect_request(path, query_string=query).respond_with_data(
        html, content_type="text/html; charset=utf-8"
    )


def config_for(write_config, sources: list[dict], **settings) -> Path:
    return write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": sources,
            "settings": {"timeout": 5, **settings},
        }
    )


def stored(tmp_path: Path, column: str = "url") -> list[str]:
    with sqlite3.connect(tmp_path / "veille.db") as db:
        return sorted(row[0] for row in db.execute(f"select {column} from mentions"))


def test_forum_list_threads_pagination_loops_and_robots(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    serve_html(httpserver, "/robots.txt", ROBOTS)
    serve_html(
        httpserver,
        "/forum/list",
        "<html><body>"
        '<a class="topictitle" href="/forum/t1">Un</a>'
        '<a class="topictitle" href="/forum/t2">Deux</a>'
        '<a class="topictitle" href="/forum/private/t3">Trois</a>'
        "</body></html>",
    )
    serve_html(
        httpserver,
        "/forum/t1",
        thread_page("1", [("marie", "Acme est top"), ("paul", "rien à voir")], "/forum/t1?page=2"),
    )
    serve_html(
        httpserver,
        "/forum/t1?page=2",
        thread_page("1b", [("zoe", "Acme encore")], "/forum/t1?page=3"),
    )
    serve_html(httpserver, "/forum/t1?page=3", thread_page("1c", [("max", "Acme page 3")], None))
    serve_html(
        httpserver, "/forum/t2", thread_page("2", [("léa", "mon Acme a lâché")], "/forum/t2")
    )
    serve_html(httpserver, "/forum/private/t3", thread_page("3", [("x", "Acme secret")], None))
    url = httpserver.url_for("/forum/list")
    config = config_for(
        write_config,
        [{"name": "Forum", "type": "forum", "url": url, "selectors": SELECTORS, "max_pages": 2}],
    )
    result = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert result.exit_code == 0, result.output
    base = httpserver.url_for("/")
    assert stored(tmp_path) == sorted(
        [f"{base}forum/t1#p11", f"{base}forum/t1?page=2#p1b1", f"{base}forum/t2#p21"]
    )
    assert stored(tmp_path, "author") == ["léa", "marie", "zoe"]
    paths = [request.full_path.rstrip("?") for request, _ in httpserver.log]
    assert paths.count("/forum/t2") == 1, "a page that links to itself is read once"
    assert "/forum/t1?page=3" not in paths, "max_pages bounds each thread"
    assert "/forum/private/t3" not in paths, "robots.txt is obeyed"
    assert paths.count("/robots.txt") == 1


def test_forum_disallowed_by_robots_says_so(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    serve_html(httpserver, "/robots.txt", "User-agent: veille\nDisallow: /\n")
    config = config_for(
        write_config,
        [
            {
                "name": "F",
                "type": "forum",
                "url": httpserver.url_for("/forum"),
                "selectors": SELECTORS,
            }
        ],
    )
    result = runner.invoke(app, ["scan", "-c", str(config)])
    assert result.exit_code == 1
    assert "robots.txt disallows" in result.stdout
    with sqlite3.connect(tmp_path / "veille.db") as db:
        (error,) = db.execute("select last_error from sources where name = 'F'").fetchone()
    assert "robots.txt disallows" in error
    assert [r.path for r, _ in httpserver.log] == ["/robots.txt"]


FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>'
    "<item><title>{title}</title><link>{link}</link><description>{text}</description></item>"
    "</channel></rss>"
)


def test_blog_feed_discovery_then_common_paths_then_articles(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    base = httpserver.url_for("/")
    httpserver.no_handler_status_code = 404
    serve_html(
        httpserver,
        "/a/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/a/flux"></head>'
        "<body>home</body></html>",
    )
    httpserver.expect_request("/a/flux").respond_with_data(
        FEED.format(title="Acme au salon", link=f"{base}a/1", text="visite"),
        content_type="application/rss+xml",
    )
    serve_html(httpserver, "/b/", "<html><body>no link here</body></html>")
    httpserver.expect_request("/b/feed").respond_with_data(
        FEED.format(title="Acme à Lyon", link=f"{base}b/1", text="ouverture"),
        content_type="application/rss+xml",
    )
    article = (
        "<html><head><title>{t}</title></head><body><nav>menu</nav><article><h1>{t}</h1>"
        "<p>{p}</p><p>Un deuxième paragraphe assez long pour être le texte principal de la "
        "page, qui parle de vélos et de magasins, et encore un peu de texte.</p></article>"
        "</body></html>"
    )
    serve_html(
        httpserver,
        "/c/",
        '<html><body><article><h2><a href="/c/2026/11/acme-avis">Avis</a></h2></article>'
        '<article><h2><a href="/c/2026/11/autre">Autre</a></h2></article></body></html>',
    )
    serve_html(
        httpserver,
        "/c/2026/11/acme-avis",
        article.format(t="Mon avis sur Acme", p="Acme livre vite et bien."),
    )
    serve_html(
        httpserver, "/c/2026/11/autre", article.format(t="Autre sujet", p="Rien sur la marque.")
    )
    config = config_for(
        write_config,
        [
            {"name": "A", "type": "blog", "url": httpserver.url_for("/a/")},
            {"name": "B", "type": "blog", "url": httpserver.url_for("/b/")},
            {"name": "C", "type": "blog", "url": httpserver.url_for("/c/")},
        ],
    )
    result = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert stored(tmp_path) == [f"{base}a/1", f"{base}b/1", f"{base}c/2026/11/acme-avis"]


def test_search_source_queries_each_term_at_the_configured_provider(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    base = httpserver.url_for("/")

    def search(request: Request) -> Response:
        query = request.args["q"]
        body = FEED.format(title=f"{query} news", link=f"{base}n/{len(query)}", text=query)
        return Response(body, content_type="application/rss+xml")

    httpserver.expect_request("/search").respond_with_handler(search)
    config = write_config(
        {
            "brands": [
                {"name": "Acme", "terms": ["Acme", "#acme", "Acme Corp"]},
                {"name": "Globex", "terms": ["Globex"]},
            ],
            "sources": [{"name": "News", "type": "search", "providers": ["google_news"]}],
            "settings": {"search_urls": {"google_news": f"{base}search?q={{query}}"}},
        }
    )
    result = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert result.exit_code == 0, result.output
    queries = sorted(r.args["q"] for r, _ in httpserver.log)
    assert queries == ['"Acme Corp"', "Acme", "Globex"]
    assert json.loads(result.stdout)["mentions_new"] == 3


def test_full_text_reads_short_items_pages(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    base = httpserver.url_for("/")
    serve_html(httpserver, "/robots.txt", "User-agent: *\nDisallow: /closed/\n")
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>'
        f"<item><title>Un essai</title><link>{base}open/1</link><description>court"
        "</description></item>"
        f"<item><title>Un autre</title><link>{base}closed/2</link><description>court"
        "</description></item>"
        "</channel></rss>"
    )
    httpserver.expect_request("/feed").respond_with_data(feed, content_type="application/rss+xml")
    page = (
        "<html><body><article><h1>Essai</h1><p>Nous avons essayé le vélo Acme pendant un mois "
        "entier, sur route et sur chemin, sous la pluie et au soleil.</p><p>Le verdict est "
        "clair : une bonne surprise, solide et agréable au quotidien.</p></article></body></html>"
    )
    serve_html(httpserver, "/open/1", page)
    serve_html(httpserver, "/closed/2", page)
    source = {"name": "F", "type": "rss", "url": httpserver.url_for("/feed")}
    config = config_for(write_config, [source], full_text=True)
    result = runner.invoke(app, ["scan", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert stored(tmp_path) == [f"{base}open/1"]
    assert "/closed/2" not in [r.path for r, _ in httpserver.log]


def test_discourse_thread_is_read_through_its_json_endpoint(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    fixture = Path(__file__).parent / "fixtures" / "pages" / "discourse" / "thread.json"
    httpserver.no_handler_status_code = 404
    httpserver.expect_request("/t/widget-sync-keeps-failing/4242.json").respond_with_data(
        fixture.read_bytes(), content_type="application/json"
    )
    url = httpserver.url_for("/t/widget-sync-keeps-failing/4242")
    config = config_for(
        write_config, [{"name": "D", "type": "forum", "url": url, "engine": "discourse"}]
    )
    result = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sources"][0]["items_seen"] > 0
    paths = [request.path for request, _ in httpserver.log]
    assert "/t/widget-sync-keeps-failing/4242.json" in paths
    assert "/t/widget-sync-keeps-failing/4242" not in paths, "the HTML page is not needed"
    assert any("/t/widget-sync-keeps-failing/4242/" in url for url in stored(tmp_path))
