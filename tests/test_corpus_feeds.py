"""parse_feed on the shared corpus of real-world feeds (/work/shared/corpus/web/feeds).

The corpus is not part of the repository: when it is absent this module is skipped. Only the
parse function is tested here; serving the same files over loopback HTTP is another test's job.

For each `feeds/*` row of MANIFEST.tsv: at least as many items as feedparser 6.0.14 found
(`fp_entries`; for JSON Feed, which feedparser cannot read, `items_in_source`), clean titles,
absolute http(s) URLs and links, and unique keys.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from veille.models import ParsedFeed
from veille.parse import parse_feed
from veille.urls import is_http_url

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "web"
MANIFEST = CORPUS / "MANIFEST.tsv"

if not MANIFEST.is_file():
    pytest.skip(f"shared corpus not found at {CORPUS}", allow_module_level=True)

with MANIFEST.open(encoding="utf-8", newline="") as manifest:
    ROWS = [
        row for row in csv.DictReader(manifest, delimiter="\t") if row["file"].startswith("feeds/")
    ]

# What a server would announce for each kind; no charset, so the document's own declaration
# (or its absence) is what the decoder has to work with.
CONTENT_TYPES = {
    "rss2": "application/rss+xml",
    "rdf": "application/rdf+xml",
    "atom": "application/atom+xml",
    "jsonfeed": "application/feed+json",
}

# Deliberate departures from feedparser's count, each with its reason.

BAD_IN_TITLE = re.compile(r"&amp;|&#|\ufffd|[\x00-\x1f\x7f-\x9f]")


def ids(rows: list[dict[str, str]]) -> list[str]:
    return [Path(row["file"]).name for row in rows]


def url_for(row: dict[str, str]) -> str:
    return f"https://corpus.example/{row['file']}"


def parse_row(row: dict[str, str], content_type: str | None = "from kind") -> ParsedFeed:
    if content_type == "from kind":
        content_type = CONTENT_TYPES.get(row["kind"])
    return parse_feed((CORPUS / row["file"]).read_bytes(), url_for(row), content_type)


def expected_count(row: dict[str, str]) -> int:
    return int(row["items_in_source"] if row["kind"] == "jsonfeed" else row["fp_entries"])


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_corpus_feed(row: dict[str, str]) -> None:
    parsed = parse_row(row)
    assert len(parsed.items) >= expected_count(row), parsed.warning
    assert not BAD_IN_TITLE.search(parsed.title), parsed.title
    for item in parsed.items:
        assert not BAD_IN_TITLE.search(item.title), item.title
        assert not BAD_IN_TITLE.search(item.author), item.author
        assert "\ufffd" not in item.text
        assert is_http_url(item.url), item.url
        assert all(is_http_url(link) for link in item.links), item.links
    assert len({item.key for item in parsed.items}) == len(parsed.items)


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
@pytest.mark.parametrize("content_type", [None, "text/xml", "text/html; charset=utf-8"])
def test_corpus_feed_whatever_the_content_type(
    row: dict[str, str], content_type: str | None
) -> None:
    """A missing, RFC 3023 (`text/xml` = US-ASCII) or wrong media type changes no item.

    (The warning may differ: it names the charset the header declared.)
    """
    got, typed = parse_row(row, content_type), parse_row(row)
    assert (got.title, got.items) == (typed.title, typed.items)


def by_name(name: str) -> ParsedFeed:
    (row,) = [row for row in ROWS if row["file"] == f"feeds/{name}"]
    return parse_row(row)


KNOWN = [
    pytest.param(
        "lemonde_une.rss.xml",
        0,
        "title",
        "JO d’hiver 2018 : pas de médaille pour Martin Fourcade",
        id="lemonde accents",
    ),
    pytest.param(
        "feedparser_demoronize-1_win1252-bytes.xml",
        0,
        "text",
        "don’t",
        id="windows-1252 smart quote in utf-8",
    ),
    pytest.param(
        "feedparser_bozo_linenoise.xml", 0, "text", "’<>”©", id="utf-8 with a stray latin byte"
    ),
    pytest.param(
        "le-cercle-psy_no-encoding-decl_latin1.rss.xml",
        2,
        "title",
        "La criminalité liée surtout à... l'ennui ?",
        id="undeclared latin-1",
    ),
    pytest.param(
        "golem_iso-8859-1.rss.xml",
        8,
        "title",
        "Wochenrückblick: Wilder Westen, buntes Handy, nutzloses Siegel",
        id="iso-8859-1 declared",
    ),
    pytest.param(
        "dvbbs_forum_gb2312.rss.xml", 0, "title", "建国35周年纪念，华表，和平鸽", id="gb2312"
    ),
    pytest.param("ibash_windows-1251.rss.xml", 0, "title", "Цитата #17703", id="windows-1251"),
    pytest.param(
        "feedparser_shiftjis_no-decl.xml",
        0,
        "title",
        "DrecomRSSに記事投稿が反映されない…",
        id="undeclared shift_jis",
    ),
    pytest.param(
        "hnapp_hackernews_search.atom.xml",
        0,
        "title",
        "37 – Spectre Mitigations in Microsoft's C/C++ Compiler",
        id="double-escaped entity in title",
    ),
    pytest.param(
        "google-alerts_slack.atom.xml",
        1,
        "title",
        "Slack Stock Has a Compelling Story and the Numbers to Back It Up",
        id="markup in title",
    ),
    pytest.param(
        "insanity-industries_relative-urls.rss.xml",
        0,
        "author",
        "Jonas Große Sundrup",
        id="rss author email (name)",
    ),
    pytest.param("jsonfeed_daringfireball.json", 0, "author", "John Gruber", id="json feed author"),
    pytest.param(
        "jsonfeed_inessential.json", 0, "published_at", "2017-06-03T05:05:47Z", id="json feed date"
    ),
    pytest.param(
        "samruby_xhtml.atom.xml",
        0,
        "url",
        "https://corpus.example/blog/2013/01/30/Plex",
        id="relative atom link",
    ),
    pytest.param(
        "wordpress-com_techcrunch.xml",
        0,
        "published_at",
        "2011-11-02T17:25:27Z",
        id="whitespace before xml declaration",
    ),
    pytest.param(
        "ilmessaggero_italian-dates.xml",
        0,
        "published_at",
        "2022-11-15T23:38:15Z",  # mer, 16 nov 2022 00:38:15 +0100
        id="italian date",
    ),
]


@pytest.mark.parametrize(("name", "index", "field", "expected"), KNOWN)
def test_known_values(name: str, index: int, field: str, expected: str | None) -> None:
    assert getattr(by_name(name).items[index], field) == expected


def test_known_feed_titles_and_warnings() -> None:
    assert by_name("googlenews_fr_une.xml").title == "À la une - Google Actualités"
    assert by_name("feedparser_entity_hellip.xml").title == "testing … entity"
    # Well-formed but served whitespace-first: read strictly now, so no warning.
    assert by_name("youtube_channel_google.atom.xml").warning is None
    assert "truncated" in (by_name("feedparser_rss_incomplete_cdata.xml").warning or "")
    linenoise = by_name("feedparser_bozo_linenoise.xml").warning
    assert linenoise == "feed is not valid UTF-8 (declared utf-8); stray bytes read as windows-1252"
