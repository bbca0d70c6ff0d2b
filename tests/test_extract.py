"""The extraction stage on small fixtures written for these tests (`tests/fixtures/pages`).

Each forum fixture `X.html` (or `X.json`) has a golden `<case>.expected.json` beside it that
holds the call's arguments and the exact `ForumPage` expected. To regenerate one after a
deliberate change, run the case and review the diff by hand: goldens are the specification.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from veille.css import check_selector
from veille.errors import ConfigError
from veille.extract import (
    ENGINES,
    PRESETS,
    SELECTOR_KEYS,
    ForumPage,
    article_links,
    decode_html,
    detect_engine,
    discover_feeds,
    extract_article,
    extract_forum,
    forum_api_url,
    parse_forum_date,
)

PAGES = Path(__file__).parent / "fixtures" / "pages"
NOW = datetime(2024, 3, 14, 12, 0, tzinfo=timezone.utc)
GOLDENS = sorted(PAGES.glob("*/*.expected.json"))


def _as_plain(page: ForumPage) -> dict:
    # `site` names an aggregated item's publisher (feeds); a page's posts are their own.
    assert all(item.site == "" for item in page.items)
    return {
        "engine": page.engine,
        "next_url": page.next_url,
        "thread_urls": list(page.thread_urls),
        "items": [
            {k: v for k, v in dataclasses.asdict(i).items() if k != "site"}
            | {"links": list(i.links)}
            for i in page.items
        ],
    }


@pytest.mark.parametrize(
    "golden", GOLDENS, ids=[f"{p.parent.name}/{p.name.split('.')[0]}" for p in GOLDENS]
)
def test_forum_fixture_matches_golden(golden: Path) -> None:
    case = json.loads(golden.read_text(encoding="utf-8"))
    body = (golden.parent / case["input"]).read_bytes()
    now = datetime.fromisoformat(case["now"].replace("Z", "+00:00"))
    page = extract_forum(
        body,
        case["url"],
        engine=case.get("engine"),
        selectors=case.get("selectors"),
        content_type=case.get("content_type"),
        now=now,
    )
    assert _as_plain(page) == case["expected"]


def test_every_engine_has_fixtures_and_a_preset() -> None:
    assert set(PRESETS) == set(ENGINES)
    assert list(PRESETS) == sorted(PRESETS), "presets are kept alphabetical"
    for engine in ENGINES:
        assert any(PAGES.glob(f"{engine}/*.expected.json")), engine
        for key, selector in PRESETS[engine].items():
            if key != "anchor_prefix":
                assert check_selector(selector) is None, (engine, key)


def test_preset_engine_matches_auto_detection_on_thread_fixture() -> None:
    body = (PAGES / "xenforo" / "thread.html").read_bytes()
    url = "https://forum.example.de/threads/acme-kaffeemaschine-tropft.5150/"
    detected = extract_forum(body, url, now=NOW)
    forced = extract_forum(body, url, engine="xenforo", now=NOW)
    assert detected == forced


@pytest.mark.parametrize(
    ("path", "engine"),
    [
        ("discourse/thread_crawler.html", "discourse"),
        ("discourse/latest_list.html", "discourse"),
        ("phpbb/viewtopic.html", "phpbb"),
        ("xenforo/thread.html", "xenforo"),
        ("vbulletin/vb4_thread.html", "vbulletin"),
        ("invision/topic.html", "invision"),
        ("flarum/discussion_noscript.html", "flarum"),
        ("reddit/old_listing.html", "reddit"),
        ("generic/unknown_engine.html", None),
        ("generic/ubbthreads7_showflat.html", None),
        ("generic/vb3_showthread.html", "vbulletin"),
        ("generic/vb4_showthread.html", "vbulletin"),
        ("blog/article.html", None),
    ],
    ids=lambda value: str(value),
)
def test_detect_engine(path: str, engine: str | None) -> None:
    assert detect_engine((PAGES / path).read_bytes()) == engine


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("vb3_showthread.html", "https://boards.example.com/showthread.php?t=7741"),
        ("vb4_showthread.html", "https://www.example-forum.de/showthread.php?t=4411"),
    ],
)
def test_vbulletin_pages_read_alike_by_preset_and_generic_extractor(name: str, url: str) -> None:
    body = (PAGES / "generic" / name).read_bytes()
    detected = extract_forum(body, url, now=NOW)
    generic = extract_forum(body, url, engine="generic", now=NOW)
    assert (detected.engine, generic.engine) == ("vbulletin", "generic")
    assert len(generic.items) == len(detected.items) == 4
    for ours, preset in zip(generic.items, detected.items, strict=True):
        assert (ours.author, ours.published_at) == (preset.author, preset.published_at)
        assert ours.url.split("#")[1].replace("_", "") == preset.url.split("#")[1].replace("_", "")


def test_thread_list_pages_give_thread_urls_not_posts() -> None:
    for path, url in [
        ("phpbb/viewforum.html", "https://forum.example.fr/viewforum.php?f=3"),
        ("xenforo/forum_list.html", "https://forum.example.de/forums/haushalt.4/"),
        ("discourse/latest_list.html", "https://community.example/latest"),
        ("reddit/old_listing.html", "https://old.reddit.com/r/coffee/"),
    ]:
        page = extract_forum((PAGES / path).read_bytes(), url, now=NOW)
        assert page.items == ()
        assert len(page.thread_urls) == 2
        assert all(u.startswith("https://") for u in page.thread_urls)
        assert page.next_url is not None


def test_thread_urls_drop_session_ids() -> None:
    page = extract_forum(
        (PAGES / "phpbb" / "viewforum.html").read_bytes(),
        "https://forum.example.fr/viewforum.php?f=3",
        engine="phpbb",
        now=NOW,
    )
    assert "sid=" not in " ".join(page.thread_urls)


def test_quotes_and_signatures_are_not_the_posters_words() -> None:
    page = extract_forum(
        (PAGES / "vbulletin" / "vb4_thread.html").read_bytes(),
        "https://boards.example.com/showthread.php?t=321",
        now=NOW,
    )
    first, second = page.items
    assert "since 1999" not in first.text
    assert "drops the 5 GHz" not in second.text
    assert "déjà vu" in first.text  # ISO-8859-1 bytes decoded as declared


def test_sponsored_block_is_not_a_post() -> None:
    page = extract_forum(
        (PAGES / "generic" / "unknown_engine.html").read_bytes(),
        "https://hometalk.example/t/acme-vacuum-battery",
        now=NOW,
    )
    assert page.engine == "generic"
    assert [i.author for i in page.items] == ["Petra", "Olivier", "Petra"]
    assert all("cheap batteries" not in i.text for i in page.items)


def test_user_selectors_override_the_preset() -> None:
    body = (PAGES / "phpbb" / "viewtopic.html").read_bytes()
    page = extract_forum(
        body,
        "https://forum.example.fr/viewtopic.php?t=77",
        engine="phpbb",
        selectors={"author": ".postprofile dd.profile-posts strong"},
        now=NOW,
    )
    assert page.engine == "selectors"
    assert page.items[0].author == "Messages :"
    assert page.items[0].text.startswith("Acme m'a facturé")  # the preset's body still applies


def test_invalid_user_selector_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid CSS selector"):
        extract_forum(b"<p>x</p>", "https://x.example/", selectors={"post": "div[[["})
    assert check_selector("a.b@href || @data-x") is None
    assert "SELECTOR" not in SELECTOR_KEYS and "post" in SELECTOR_KEYS


@pytest.mark.parametrize(
    ("engine", "url", "expected"),
    [
        (
            "discourse",
            "https://community.example/t/widget-sync/4242",
            "https://community.example/t/widget-sync/4242.json",
        ),
        (
            "discourse",
            "https://community.example/t/widget-sync/4242/7?page=2",
            "https://community.example/t/widget-sync/4242.json?page=2",
        ),
        ("discourse", "https://community.example/latest", "https://community.example/latest.json"),
        ("discourse", "https://community.example/about", None),
        (
            "reddit",
            "https://www.reddit.com/r/coffee/comments/abc123/title/",
            "https://www.reddit.com/r/coffee/comments/abc123/title.json",
        ),
        ("reddit", "https://old.reddit.com/r/coffee/", "https://old.reddit.com/r/coffee.json"),
        ("reddit", "https://www.reddit.com/r/coffee.json", None),
        ("reddit", "https://notreddit.example/r/coffee/", None),
        ("phpbb", "https://forum.example.fr/viewtopic.php?t=1", None),
        ("discourse", "ftp://community.example/t/x/1", None),
    ],
    ids=[
        "discourse thread",
        "discourse post url keeps page",
        "discourse latest",
        "discourse other page",
        "reddit thread",
        "reddit subreddit",
        "reddit already json",
        "reddit lookalike host",
        "phpbb has none",
        "not http",
    ],
)
def test_forum_api_url(engine: str, url: str, expected: str | None) -> None:
    assert forum_api_url(engine, url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-12T14:05:00+01:00", "2024-03-12T13:05:00Z"),
        ("2024-03-12T14:05:00", "2024-03-12T14:05:00Z"),
        ("1710252300", "2024-03-12T14:05:00Z"),
        ("1710252300000", "2024-03-12T14:05:00Z"),
        ("12 mars 2024 à 14:05", "2024-03-12T14:05:00Z"),
        ("Mar 12, 2024 2:05 pm", "2024-03-12T14:05:00Z"),
        ("12.03.2024, 14:05", "2024-03-12T14:05:00Z"),
        ("Dienstag, 12. März 2024", "2024-03-12T00:00:00Z"),
        ("03/12/2024 02:05 PM", "2024-03-12T14:05:00Z"),
        ("24 Apr 18, 23:50", "2018-04-24T23:50:00Z"),
        ("2024年5月16日 15点48分", "2024-05-16T15:48:00Z"),
        ("12 de marzo de 2024 14:05", "2024-03-12T14:05:00Z"),
        ("il y a 3 heures", "2024-03-14T09:00:00Z"),
        ("Yesterday at 10:32", "2024-03-13T10:32:00Z"),
        ("Aujourd'hui à 09:15", "2024-03-14T09:15:00Z"),
        ("2 days ago", "2024-03-12T12:00:00Z"),
        ("Gestern, 18:20", "2024-03-13T18:20:00Z"),
        ("vor einer Stunde", "2024-03-14T11:00:00Z"),
        ("just now", "2024-03-14T12:00:00Z"),
        ("Feb 2", "2024-02-02T00:00:00Z"),
        ("Dec 24", "2023-12-24T00:00:00Z"),
        ("Beitrag #4", None),
        ("", None),
        ("not a date at all", None),
        ("31.02.2024", None),
        ("9" * 300, None),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_parse_forum_date(text: str, expected: str | None) -> None:
    assert parse_forum_date(text, NOW) == expected


def test_parse_forum_date_naive_now_is_utc() -> None:
    assert parse_forum_date("il y a 2 jours", datetime(2024, 3, 14, 12)) == "2024-03-12T12:00:00Z"


def test_discover_feeds_keeps_feed_types_only() -> None:
    body = (PAGES / "blog" / "home.html").read_bytes()
    assert discover_feeds(body, "https://lea.example/") == [
        "https://lea.example/feed/",
        "https://lea.example/atom.xml",
    ]


def test_article_links_in_page_order_same_site() -> None:
    body = (PAGES / "blog" / "home.html").read_bytes()
    assert article_links(body, "https://lea.example/") == [
        "https://lea.example/2024/03/test-de-la-cafetiere-acme/",
        "https://lea.example/2024/02/mon-avis-sur-le-grille-pain-acme/",
        "https://lea.example/notes/pourquoi-je-garde-ma-vieille-bouilloire/",
    ]


def test_extract_article() -> None:
    body = (PAGES / "blog" / "article.html").read_bytes()
    item = extract_article(body, "https://lea.example/2024/03/test-de-la-cafetiere-acme/?a=1")
    assert item is not None
    assert item.url == "https://lea.example/2024/03/test-de-la-cafetiere-acme/"
    assert item.title == "Test de la cafetière Acme"
    assert item.author == "Léa Martin"
    assert item.published_at == "2024-03-12T13:05:00Z"
    assert item.text.startswith("J'ai utilisé la cafetière Acme")
    assert "Verdict" in item.text
    for boilerplate in ("Partager", "Accueil", "Merci pour ce test", "Articles récents", "©"):
        assert boilerplate not in item.text
    assert item.links == ("https://acme.example/cafetiere",)


def test_extract_article_none_without_article() -> None:
    assert (
        extract_article((PAGES / "blog" / "home.html").read_bytes(), "https://x.example/") is None
    )
    assert extract_article(b"", "https://x.example/") is None


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("café".encode(), None, "café"),
        (codecs.BOM_UTF16_LE + "café".encode("utf-16-le"), None, "café"),
        (b'<meta charset="windows-1252"><p>caf\xe9 \x93ok\x94</p>', None, "café “ok”"),
        (b"<p>caf\xe9</p>", "text/html; charset=ISO-8859-1", "café"),
        (b"<p>caf\xc3\xa9 and caf\xe9</p>", None, "café and café"),
        (b"<p>caf\xe9</p>", None, "café"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            b"<p>\xd6\xe8\xf2\xe0\xf2\xe0</p>",
            None,
            "<p>Цитата</p>",
        ),
        ('<meta charset="gb2312"><p>朱镕基</p>'.encode("gbk"), None, "<p>朱镕基</p>"),
        (
            '<?xml version="1.0" encoding="iso-8859-7"?><html><p>Ειδήσεις</p>'.encode("iso8859_7"),
            None,
            "<p>Ειδήσεις</p>",
        ),
        (b'<meta charset="rot13"><p>caf\xe9</p>', None, "<p>café</p>"),
        (b'<meta charset="unicode_escape"><p>\\u0041 caf\xe9</p>', None, "<p>\\u0041 café</p>"),
        (b"<p>don\xc2\x92t</p>", None, "<p>don’t</p>"),
        ("<p>DrecomRSSに記事投稿が反映されない…</p>".encode("cp932"), None, "反映されない…"),
        (
            "<p>日本語のテキストです。".encode("cp932") * 10 + b"\x82 </p>",
            "text/html; charset=Shift_JIS",
            "日本語のテキストです。\ufffd </p>",
        ),
    ],
    ids=[
        *("utf-8", "utf-16 bom", "meta cp1252", "http latin-1", "mixed", "undeclared"),
        *("http-equiv", "gb2312 as its superset", "xhtml xml declaration", "rot13 refused"),
        *("escape codecs refused", "c1 control in utf-8", "undeclared shift_jis"),
        "declared shift_jis with a stray byte",
    ],
)
def test_decode_html(body: bytes, content_type: str | None, expected: str) -> None:
    assert expected in decode_html(body, content_type)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\xff\xfe garbage \x00",
        b"<div><div><p>unclosed <b>tags <i>everywhere",
        b"<" * 10_000,
        b"{not json",
        b"[1, 2, 3]",
        b'{"post_stream": {"posts": [null, 3, {"cooked": 5}]}}',
        b"<div>" * 50_000 + b"<a class=username href=/u/x>x</a><div class=content>hi</div>",
    ],
    ids=[
        "empty",
        "binary",
        "unclosed",
        "angle brackets",
        "bad json",
        "json list",
        "odd json",
        "deep nesting",
    ],
)
def test_hostile_input_never_raises(body: bytes) -> None:
    page = extract_forum(body, "https://x.example/t/1", now=NOW)
    assert isinstance(page, ForumPage)
    discover_feeds(body, "https://x.example/")
    article_links(body, "https://x.example/")
    extract_article(body, "https://x.example/")


def test_huge_page_in_bounded_time() -> None:
    post = (
        '<li component="post" data-pid="{n}"><a href="/user/u{n}">user{n}</a>'
        '<div class="content">' + "Acme is fine. " * 30 + "</div></li>"
    )
    body = (
        ("<html><body><ul>" + "".join(post.format(n=n) for n in range(4000)) + "</ul>").encode()
        + b"<p>"
        + b"filler text " * 600_000
        + b"</p></body></html>"
    )
    assert len(body) > 9_000_000
    started = time.monotonic()
    page = extract_forum(body, "https://x.example/topic/1", now=NOW)
    assert time.monotonic() - started < 15
    assert len(page.items) == 2000  # capped


def test_a_thread_served_under_another_path_is_read_as_a_thread() -> None:
    """Old reddit's thread page, saved under a path without `/comments/`: its canonical link
    says it is a thread, so its posts are read and nothing is followed as a listing."""
    body = (PAGES / "reddit" / "old_thread.html").read_bytes()
    for url in (
        "https://old.reddit.com/r/cafe/comments/k2x9p1/le_moulin_acme_vautil_son_prix/",
        "https://archive.example.org/saved/acme-thread.html",
    ):
        page = extract_forum(body, url, now=NOW)
        assert [item.author for item in page.items] == ["barista_lyon", "moka_pot", "espresso_nerd"]
        assert page.thread_urls == ()


def test_a_page_with_text_but_no_post_says_why() -> None:
    article = (PAGES / "blog" / "article.html").read_bytes()
    page = extract_forum(article, "https://blog.example.fr/acme", now=NOW)
    assert page.items == () and page.thread_urls == ()
    assert page.empty_reason is not None
    assert "no known forum engine recognised" in page.empty_reason

    phpbb = (PAGES / "phpbb" / "viewtopic.html").read_bytes()
    page = extract_forum(phpbb, "https://f.example/t", selectors={"post": "div.none"}, now=NOW)
    assert page.empty_reason is not None and "the selectors match no post" in page.empty_reason
    # A thread that was read, and an almost empty page, need no reason.
    assert extract_forum(phpbb, "https://f.example/t", now=NOW).empty_reason is None
    tiny = b"<html><body><p>Connectez-vous pour lire ce forum.</p></body></html>"
    assert extract_forum(tiny, "https://f.example/t", now=NOW).empty_reason is None
