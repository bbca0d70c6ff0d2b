"""Peer suites: feedparser's and feed-rs's test documents, read by veille.

`../shared/corpus/peers/` holds the test documents of two other feed readers (see its
SOURCES.md): feedparser's (some 2,100 RSS, Atom, RDF, CDF and JSON documents, most with a
header comment saying what feedparser must find in them) and feed-rs's fixtures (real feeds,
most with feed-rs's parsed result beside them). Every document is read by veille, and:

1. **crash**: `parse_feed` returns a `ParsedFeed` or raises `ParseError`, with either engine.
2. **feedparser**: veille gives at least feedparser's entries, and each entry's title, URL,
   date and author equal feedparser's once put in veille's form (plain text, absolute http(s)
   URL, ISO-8601 UTC, a display name).
3. **expect**: the document's own expectation. For feedparser's, the clauses of its `Expect:`
   expression that compare a field veille keeps with a literal (`entries[0]['title'] == …`);
   for feed-rs's, its `*.serde.json` result.
4. **fast**: the fast path (feedparser-rs) gives the items the feedparser path gives, or
   declines the document. The date strings of feedparser's date parser tests are checked
   the same way, each dating an entry in <pubDate>, <dc:date> and Atom <updated>.

The URL a document is read from is the one feedparser's test harness serves it at (or its
`Content-Location`), with the `Content-type` its header comment gives; feed-rs's fixtures get
an address of their own. Differences that are not bugs are listed, with the reason, in
`fixtures/peers_allowlist.tsv`; rows whose reason starts with `DEFECT` are known bugs kept
there until they are fixed. A difference not in the list fails, and so does a row whose
difference is gone. Each document is parsed once per engine; the tests run per folder.
"""

from __future__ import annotations

import ast
import csv
import functools
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import feedparser
import pytest

from veille.errors import ParseError
from veille.models import Item, ParsedFeed
from veille.parse import parse_feed
from veille.text import html_to_text

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "peers"
SUITES = {
    "feedparser": PEERS / "feedparser" / "tests",
    "feed-rs": PEERS / "feed-rs" / "feed-rs" / "fixture",
}
ALLOWLIST = Path(__file__).parent / "fixtures" / "peers_allowlist.tsv"
CHECKS = ("crash", "feedparser", "expect", "fast")
REFUSED = "feedparser (fast path refused: "
# feedparser's test server (tests/helpers.py): the address its HTTP documents are served at.
HARNESS = "http://127.0.0.1:8097/tests/"
FEED_RS_URL = "https://feed-rs.example/fixture/"
_HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
_EXPECT = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*)\s*-->")
_BOMS = (  # feedparser's tests/helpers.py `get_file_contents`, to read the header comment
    (b"\x00\x00\xfe\xff", "utf-32-be", 0),
    (b"\xff\xfe\x00\x00", "utf-32-le", 0),
    (b"\x00\x00\x00\x3c", "utf-32-be", 0),
    (b"\x3c\x00\x00\x00", "utf-32-le", 0),
    (b"\x00\x3c\x00\x3f", "utf-16-be", 0),
    (b"\x3c\x00\x3f\x00", "utf-16-le", 0),
    (b"\xfe\xff", "utf-16-be", 2),
    (b"\xff\xfe", "utf-16-le", 2),
    (b"\xef\xbb\xbf", "utf-8", 3),
)


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    name: str  # "<suite>/<path in the suite>": the allow-list's first column
    suite: str
    body: bytes
    url: str  # the address veille is told the document came from: the base of its links
    content_type: str | None  # what the file says it is served as
    headers: tuple[tuple[str, str], ...]  # the HTTP headers the file says it is served with
    expect: str | None  # feedparser's `Expect:` expression


def _documents() -> dict[str, Path]:
    found: dict[str, Path] = {}
    feedparser_tests = SUITES["feedparser"]
    if feedparser_tests.is_dir():
        for path in sorted(feedparser_tests.rglob("*")):
            if path.suffix in (".xml", ".json") and path.is_file():
                found[f"feedparser/{path.relative_to(feedparser_tests).as_posix()}"] = path
    fixtures = SUITES["feed-rs"]
    if fixtures.is_dir():
        for path in sorted(fixtures.rglob("*")):
            if path.is_file() and not path.name.endswith(".serde.json"):
                found[f"feed-rs/{path.relative_to(fixtures).as_posix()}"] = path
    return found


DOCUMENTS = _documents()
GROUPS: dict[str, list[str]] = {}
for _name in DOCUMENTS:
    GROUPS.setdefault(_name.rpartition("/")[0], []).append(_name)
GROUP_IDS = list(GROUPS) or [
    pytest.param("", marks=pytest.mark.skip(reason=f"peer corpora not found at {PEERS}"))
]


def _header_text(data: bytes) -> str:
    for bom, codec, skip in _BOMS:
        if data.startswith(bom):
            return data[skip:].decode(codec, errors="ignore")
    return data.decode("utf-8", errors="ignore")


@functools.cache
def load(name: str) -> Doc:
    suite, _, relative = name.partition("/")
    body = DOCUMENTS[name].read_bytes()
    if suite == "feed-rs":
        return Doc(name, suite, body, FEED_RS_URL + relative, None, (), None)
    text = _header_text(body)
    found = _EXPECT.search(text)
    url = HARNESS + relative
    content_type = None
    headers: dict[str, str] = {}
    if "http" in relative:
        # feedparser's harness serves these over HTTP, with the file's `Header:` lines and
        # text/xml when none gives a type; feedparser takes Content-Location as the base.
        headers = {key.strip().lower(): value.strip() for key, value in _HEADER.findall(text)}
        content_type = headers.pop("content-type", "text/xml")
        url = urljoin(url, headers.get("content-location", url))
    return Doc(
        name,
        suite,
        body,
        url,
        content_type,
        tuple(headers.items()),
        found.group(2).strip() if found else None,
    )


# --------------------------------------------------------------------------------------------
# Parsing, once per document and engine
# --------------------------------------------------------------------------------------------

Outcome = ParsedFeed | ParseError | Exception


@functools.cache
def veille(name: str, engine: str) -> Outcome:
    doc = load(name)
    try:
        return parse_feed(doc.body, doc.url, doc.content_type, engine=engine)
    except Exception as error:  # ParseError is a clean refusal; anything else a crash
        return error


@functools.cache
def reference(name: str) -> Any:
    """feedparser's own reading of the document, served as its test harness serves it."""
    doc = load(name)
    headers = dict(doc.headers)
    if doc.content_type:
        headers["content-type"] = doc.content_type
    return feedparser.parse(io.BytesIO(doc.body), response_headers=headers)


# --------------------------------------------------------------------------------------------
# veille's form of a value: what feedparser or feed-rs give, as an Item holds it
# --------------------------------------------------------------------------------------------


def iso(value: Any) -> str | None:
    """A UTC time tuple or a feed-rs ISO-8601 string as `YYYY-MM-DDTHH:MM:SSZ`."""
    if not value:
        return None
    try:
        if isinstance(value, str):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        else:
            moment = datetime(*value[:6])
    except (TypeError, ValueError, OverflowError):
        return None
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


def http_url(base: str, href: Any) -> str | None:
    """`href` made absolute against the document's address, when that gives an http(s) URL."""
    if not isinstance(href, str) or not href.strip() or href.strip().startswith("#"):
        return None
    parts = urlsplit(urljoin(base, href.strip()))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return same_url(parts.geturl())


def same_url(url: str) -> str:
    """A URL with what does not change the resource it names made alike: the case of the
    scheme and host (`HTTP://www.Example.com`), an empty path (`https://example.com`)."""
    parts = urlsplit(url)
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, parts.fragment)
    )


_EMAIL = re.compile(r"[^\s@()<>]+@[^\s()<>]+")
_NAME_AND_EMAIL = re.compile(r"^\s*(.*?)\s*\(([^()]*)\)\s*$")


def display_name(value: Any) -> str:
    """An author as veille gives it: `jo@x.org (Jo)` and `Jo (jo@x.org)` are `Jo`."""
    if not isinstance(value, str):
        return ""
    split = _NAME_AND_EMAIL.match(value)
    if split:
        outside, inside = split.groups()
        if _EMAIL.fullmatch(outside.strip()) and inside.strip():
            value = inside
        elif _EMAIL.fullmatch(inside.strip()) and outside.strip():
            value = outside
    return html_to_text(value)


def entry_author(node: Any) -> str:
    detail = node.get("author_detail") or {}
    name = detail.get("name") or node.get("author")
    if not name:
        name = next((a.get("name") for a in node.get("authors") or () if a.get("name")), "")
    return display_name(name)


def entry_date(entry: Any) -> str | None:
    # dict.get: FeedParserDict.get("updated_parsed") falls back to published, with a warning
    return iso(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed"))


def entry_url(entry: Any, base: str) -> str | None:
    """The entry's link made absolute; None when there is nothing to compare.

    feedparser copies a permalink guid into `link`. veille uses a guid as the URL only when it
    is one (`<guid>12345</guid>` is an identifier, whatever isPermaLink says), so a link that
    is a guid and not an absolute http(s) URL is not compared.
    """
    link = entry.get("link")
    if entry.get("guidislink") and link == entry.get("id"):
        parts = urlsplit(str(link).strip())
        if parts.scheme not in ("http", "https"):
            return None
    return http_url(base, link)


def text_of(markup: Any) -> str:
    return html_to_text(markup if isinstance(markup, str) else "", keep_lines=True)


def show(value: Any, limit: int = 90) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Checks: each gives {field: what differs} for one document
# --------------------------------------------------------------------------------------------


def check_crash(name: str) -> dict[str, str]:
    found = {}
    for engine in ("auto", "feedparser"):
        outcome = veille(name, engine)
        if isinstance(outcome, Exception) and not isinstance(outcome, ParseError):
            found[f"exception ({engine})"] = f"{type(outcome).__name__}: {show(str(outcome))}"
    return found


def _compare(
    found: dict[str, str], field: str, index: int | None, got: Any, want: Any, peer: str
) -> None:
    """Record the first entry (`index`) where a field differs, and how many more do."""
    if got == want:
        return
    if field in found:
        head, _, more = found[field].partition(" [+")
        count = int(more.split()[0]) + 1 if more else 1
        found[field] = f"{head} [+{count} more]"
    else:
        where = "" if index is None else f"entry {index}: "
        found[field] = f"{where}veille {show(got)} ≠ {peer} {show(want)}"


def check_feedparser(name: str) -> dict[str, str]:
    doc, parsed, got = load(name), reference(name), veille(name, "auto")
    entries = list(parsed.get("entries") or ())
    if not entries or (isinstance(got, Exception) and not isinstance(got, ParseError)):
        return {}  # nothing to compare, or a crash (test_no_crash)
    if isinstance(got, ParseError):
        return {"count": f"veille refused ({got}); feedparser read {len(entries)} entries"}
    found: dict[str, str] = {}
    if len(got.items) < len(entries):
        found["count"] = f"veille {len(got.items)} items ≠ feedparser {len(entries)} entries"
    feed = parsed.get("feed") or {}
    # RFC 4287 §4.2.1: an Atom entry without an author has its feed's (feedparser leaves it)
    inherited = entry_author(feed) if str(parsed.get("version")).startswith("atom") else ""
    for index, (item, entry) in enumerate(zip(got.items, entries, strict=False)):
        _compare(found, "title", index, item.title, html_to_text(entry.get("title")), "feedparser")
        url = entry_url(entry, doc.url)
        if url is not None:
            _compare(found, "url", index, same_url(item.url), url, "feedparser")
        _compare(found, "published_at", index, item.published_at, entry_date(entry), "feedparser")
        author = entry_author(entry) or inherited
        _compare(found, "author", index, item.author, author, "feedparser")
    return found


def check_fast(name: str) -> dict[str, str]:
    auto, slow = veille(name, "auto"), veille(name, "feedparser")
    if isinstance(auto, Exception) or isinstance(slow, Exception):
        if isinstance(auto, ParseError) and isinstance(slow, ParseError):
            return {} if str(auto) == str(slow) else {"refusal": f"{auto} ≠ {slow}"}
        if isinstance(auto, ParseError) != isinstance(slow, ParseError):
            return {"refusal": f"auto {show(auto)} ≠ feedparser {show(slow)}"}
        return {}  # a crash: check_crash reports it
    if auto.parser != "feedparser-rs":
        return {}  # JSON Feed, or the fast path declined the document
    found: dict[str, str] = {}
    _compare(found, "feed.title", None, auto.title, slow.title, "feedparser path")
    _compare(found, "warning", None, auto.warning, slow.warning, "feedparser path")
    if len(auto.items) != len(slow.items):
        found["count"] = f"fast path {len(auto.items)} items ≠ feedparser path {len(slow.items)}"
    for index, (fast, want) in enumerate(zip(auto.items, slow.items, strict=False)):
        for field in Item.__dataclass_fields__:
            have, expected = getattr(fast, field), getattr(want, field)
            _compare(found, field, index, have, expected, "feedparser path")
    return found


# feedparser's `Expect:` clauses -------------------------------------------------------------


def _path(node: ast.expr) -> tuple[Any, ...] | None:
    """`entries[0]['title']` → ("entries", 0, "title"); `len(entries)` → ("len", "entries");
    `ord(x)` → ("ord", …)."""
    if isinstance(node, ast.Name):
        return (node.id,)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        head = _path(node.value)
        return head + (node.slice.value,) if head else None
    if isinstance(node, ast.Attribute):
        head = _path(node.value)
        return head + (node.attr,) if head else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("len", "ord")
        and len(node.args) == 1
    ):
        inner = _path(node.args[0])
        return (node.func.id, *inner) if inner else None
    return None


def _literal(node: ast.expr) -> Any:
    """A literal, or string literals joined by `+` (`'Crazy HTML -' + '- Can …'`)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        raise ValueError("not a literal")
    return ast.literal_eval(node)


def expect_clauses(expression: str) -> list[tuple[tuple[Any, ...], Any]]:
    """The `path == literal` clauses of an `Expect:` expression's top-level conjunction.

    A chain (`entries[0]['link'] == entries[1]['link'] == 'http://…'`) gives one clause per
    path.
    """
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return []
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    clauses = []
    for part in parts:
        if not isinstance(part, ast.Compare) or not all(isinstance(op, ast.Eq) for op in part.ops):
            continue
        paths, literals = [], []
        for operand in (part.left, *part.comparators):
            path = _path(operand)
            if path is not None:
                paths.append(path)
                continue
            try:
                literals.append(_literal(operand))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                break
        else:
            if len(literals) != 1:
                continue
            for path in paths:
                if path[0] == "ord" and isinstance(literals[0], int):
                    clauses.append((path[1:], chr(literals[0])))  # `ord(x) == 8230`: x is '…'
                elif path[0] != "ord":
                    clauses.append((path, literals[0]))
    return clauses


_TITLE = (("title",), ("title_detail", "value"))
_TEXT = (
    ("summary",),
    ("description",),
    ("summary_detail", "value"),
    ("content", 0, "value"),
)


def _bodies(entry: Any) -> list[str]:
    """An entry's bodies (summary, contents) as feedparser read them."""
    values = [entry.get("summary")] + [c.get("value") for c in entry.get("content") or ()]
    return [value for value in values if isinstance(value, str) and value.strip()]


def _body_at(entry: Any, rest: tuple[Any, ...]) -> Any:
    if rest[0] == "content":
        contents = entry.get("content") or ()
        return contents[rest[1]].get("value") if rest[1] < len(contents) else None
    return entry.get("summary")


def expected_field(
    doc: Doc, path: tuple[Any, ...], value: Any, entry: Any
) -> tuple[str, Any] | None:
    """(Item field, expected value in veille's form) for an entry clause; None if not kept."""
    rest = path[2:]
    if rest in _TITLE:
        return "title", html_to_text(value)
    if rest == ("link",):
        return "url", http_url(doc.url, value)
    if rest in (("id",), ("guid",)):
        return "key", value.strip() if isinstance(value, str) else value
    if rest == ("author",) or rest == ("author_detail", "name"):
        return "author", display_name(value)
    if rest == ("published_parsed",):
        return "published_at", iso(value)
    if rest == ("updated_parsed",) and not dict.get(entry or {}, "published_parsed"):
        return "published_at", iso(value)  # veille's date is the published one, else updated
    if rest in _TEXT:
        # veille keeps one text, the entry's longest body: a shorter one is not kept
        if entry is not None:
            body = _body_at(entry, rest)
            if len(body or "") < max(map(len, _bodies(entry)), default=0):
                return None
        return "text", text_of(value)
    return None


@functools.cache
def reference_in(name: str, encoding: str) -> Any:
    """feedparser's reading of the document in the encoding its `Expect:` names; None when
    the bytes are not text in that encoding (then the clause says nothing of the text)."""
    body = load(name).body
    try:
        body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    headers = {"content-type": f"application/xml; charset={encoding}"}
    return feedparser.parse(io.BytesIO(body), response_headers=headers)


def check_encoding(got: ParsedFeed, parsed: Any, encoding: str) -> str | None:
    """The first title or text that differs from the document read in `encoding`."""
    pairs = [("feed title", got.title, html_to_text((parsed.get("feed") or {}).get("title")))]
    entries = parsed.get("entries") or ()
    for index, (item, entry) in enumerate(zip(got.items, entries, strict=False)):
        pairs.append((f"entry {index} title", item.title, html_to_text(entry.get("title"))))
        longest = max(_bodies(entry), key=len, default="")
        pairs.append((f"entry {index} text", item.text, text_of(longest)))
    for what, have, want in pairs:
        if have != want:
            return f"{what}: veille {show(have)} ≠ read as {encoding} {show(want)}"
    return None


def check_expect(name: str) -> dict[str, str]:
    doc = load(name)
    if doc.suite == "feed-rs":
        return check_feed_rs(doc)
    if not doc.expect:
        return {}
    got = veille(name, "auto")
    entries = list(reference(name).get("entries") or ())
    found: dict[str, str] = {}
    for path, value in expect_clauses(doc.expect):
        if path in (("feed", "title"), ("feed", "title_detail", "value")):
            field, want = "feed.title", html_to_text(value)
        elif path == ("len", "entries"):
            field, want = "len(entries)", value
        elif path == ("encoding",) and isinstance(value, str):
            field, want = "encoding", reference_in(name, value)
            if want is None:
                continue
        elif len(path) > 2 and path[0] == "entries" and isinstance(path[1], int):
            entry = entries[path[1]] if path[1] < len(entries) else None
            expected = expected_field(doc, path, value, entry)
            if expected is None:
                continue
            field, want = f"entries[{path[1]}].{expected[0]}", expected[1]
        else:
            continue
        if isinstance(got, Exception):
            if isinstance(got, ParseError):
                found["document"] = f"veille refused it: {got}"
            continue
        if field == "encoding":
            difference = check_encoding(got, want, value)
            if difference:
                found[field] = difference
            continue
        if field == "feed.title":
            have: Any = got.title
        elif field == "len(entries)":
            have = len(got.items)
        elif path[1] >= len(got.items):
            found[field] = f"veille has no item {path[1]} ({len(got.items)} items)"
            continue
        else:
            have = getattr(got.items[path[1]], field.partition(".")[2])
            if field.endswith(".url"):
                have = same_url(have)
        if have != want:
            found[field] = f"veille {show(have)} ≠ expected {show(want)}"
    return found


# feed-rs's parsed results ---------------------------------------------------------------------


def _feed_rs_link(entry: dict[str, Any]) -> Any:
    for link in entry.get("links") or ():
        if link.get("rel") in (None, "alternate"):
            return link.get("href")
    return None


def check_feed_rs(doc: Doc) -> dict[str, str]:
    path = DOCUMENTS[doc.name]
    serde = path.with_name(path.name.rpartition(".")[0] + ".serde.json")
    got = veille(doc.name, "auto")
    if not serde.is_file() or (isinstance(got, Exception) and not isinstance(got, ParseError)):
        return {}
    result = json.loads(serde.read_text(encoding="utf-8"))
    entries = result.get("entries") or []
    if isinstance(got, ParseError):
        return {"document": f"veille refused it: {got}"}
    found: dict[str, str] = {}
    title = (result.get("title") or {}).get("content")
    if title is not None:
        _compare(found, "feed.title", None, got.title, html_to_text(title), "feed-rs")
    if len(got.items) != len(entries):
        found["count"] = f"veille {len(got.items)} items ≠ feed-rs {len(entries)} entries"
    for index, (item, entry) in enumerate(zip(got.items, entries, strict=False)):
        title = (entry.get("title") or {}).get("content")
        _compare(found, "title", index, item.title, html_to_text(title), "feed-rs")
        url = http_url(doc.url, _feed_rs_link(entry))
        if url is not None:
            _compare(found, "url", index, same_url(item.url), url, "feed-rs")
        date = iso(entry.get("published") or entry.get("updated"))
        _compare(found, "published_at", index, item.published_at, date, "feed-rs")
        names = [display_name(a.get("name")) for a in entry.get("authors") or ()]
        names = [name for name in names if name]
        # veille gives one name, the first (JSON Feed: all of them, comma-separated)
        every = ", ".join(names)
        want = every if item.author == every else names[0] if names else ""
        _compare(found, "author", index, item.author, want, "feed-rs")
    return found


# --------------------------------------------------------------------------------------------
# The allow-list
# --------------------------------------------------------------------------------------------


def _allowlist() -> dict[tuple[str, str, str], str]:
    if not ALLOWLIST.is_file():
        return {}
    rows: dict[tuple[str, str, str], str] = {}
    with ALLOWLIST.open(encoding="utf-8", newline="") as listed:
        lines = (line for line in listed if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
            key = (row["path"], row["check"], row["field"])
            assert key not in rows, f"allow-list row repeated: {key}"
            rows[key] = row["reason"]
    return rows


ALLOWED = _allowlist()
CHECKERS = {
    "crash": check_crash,
    "feedparser": check_feedparser,
    "expect": check_expect,
    "fast": check_fast,
}


def verify(group: str, check: str) -> None:
    found = {
        (name, field): detail
        for name in GROUPS[group]
        for field, detail in CHECKERS[check](name).items()
    }
    judge(found, check, lambda name: name.rpartition("/")[0] == group)


def judge(found: dict[tuple[str, str], str], check: str, mine: Callable[[str], bool]) -> None:
    """Fail on a difference the allow-list does not hold, and on a row that no longer differs."""
    allowed = {
        (name, field): reason
        for (name, listed_check, field), reason in ALLOWED.items()
        if listed_check == check and mine(name)
    }
    problems = [
        f"{name}\t{check}\t{field}\t{found[name, field]}"
        for name, field in sorted(set(found) - set(allowed))
    ] + [
        f"{name}\t{check}\t{field}\tno longer differs: remove the row ({allowed[name, field]})"
        for name, field in sorted(set(allowed) - set(found))
    ]
    if problems:
        heading = f"{len(problems)} unlisted or stale differences:"
        pytest.fail("\n".join([heading, *problems]), pytrace=False)


@pytest.mark.parametrize("group", GROUP_IDS)
def test_no_crash(group: str) -> None:
    """Every document gives a ParsedFeed or a ParseError, with either engine."""
    verify(group, "crash")


@pytest.mark.parametrize("group", GROUP_IDS)
def test_entries_match_feedparser(group: str) -> None:
    """At least feedparser's entries, with its titles, URLs, dates and authors."""
    verify(group, "feedparser")


@pytest.mark.parametrize("group", GROUP_IDS)
def test_documents_own_expectations(group: str) -> None:
    """feedparser's `Expect:` clauses on kept fields; feed-rs's parsed results."""
    verify(group, "expect")


@pytest.mark.parametrize("group", GROUP_IDS)
def test_fast_path_same_or_declined(group: str) -> None:
    """The fast path gives the feedparser path's items, or declines the document."""
    verify(group, "fast")


# feedparser's date parser tests: each date string, in each element that dates an entry ---------

DATE_TESTS = "feedparser/test_date_parsers.py"
DATE_FORMS = {
    "RSS 2.0 <pubDate>": '<rss version="2.0"><channel><title>T</title><item><title>I</title>'
    "<guid>i</guid><pubDate>{}</pubDate></item></channel></rss>",
    "RSS 2.0 <dc:date>": '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    "<channel><title>T</title><item><title>I</title><guid>i</guid><dc:date>{}</dc:date></item>"
    "</channel></rss>",
    "RSS 1.0 <dc:date>": '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<channel rdf:about="https://x.example/"><title>T</title></channel>'
    '<item rdf:about="https://x.example/1"><title>I</title><link>https://x.example/1</link>'
    "<dc:date>{}</dc:date></item></rdf:RDF>",
    "Atom <updated>": '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>f</id>'
    "<entry><title>I</title><id>i</id><updated>{}</updated></entry></feed>",
}


@functools.cache
def date_strings() -> list[str]:
    """The date strings feedparser's date parser tests read (`(_parse_date_x, "…", …)`)."""
    path = SUITES["feedparser"] / "test_date_parsers.py"
    if not path.is_file():
        return []
    found: dict[str, None] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple) and len(node.elts) == 3:
            parser, value = node.elts[0], node.elts[1]
        elif isinstance(node, ast.Call) and len(node.args) == 1:
            parser, value = node.func, node.args[0]
        else:
            continue
        if (
            isinstance(parser, ast.Name)
            and parser.id.startswith("_parse_date")
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
            and value.value.strip()
        ):
            found[value.value] = None
    return list(found)


def check_dates() -> dict[str, str]:
    """{form: the date strings the fast path reads otherwise than the feedparser path}."""
    found = {}
    strings = date_strings()
    for form, template in DATE_FORMS.items():
        differ = []
        for value in strings:
            body = template.format(escape(value)).encode()
            fast = parse_feed(body, FEED_RS_URL)
            if fast.parser.startswith(REFUSED):
                continue
            slow = parse_feed(body, FEED_RS_URL, engine="feedparser")
            have, want = fast.items[0].published_at, slow.items[0].published_at
            if have != want:
                differ.append(f"{value!r}: {have} ≠ {want}")
        if differ:
            found[form] = f"{len(differ)} of {len(strings)} dates, fast ≠ feedparser path: " + (
                "; ".join(differ)
            )
    return found


@pytest.mark.skipif(not date_strings(), reason=f"peer corpora not found at {PEERS}")
def test_date_strings_fast_path_same_or_declined() -> None:
    """Each date string of feedparser's date tests, dating an entry: the fast path gives the
    feedparser path's date, or declines the document."""
    found = {(DATE_TESTS, form): detail for form, detail in check_dates().items()}
    judge(found, "fast", lambda name: name == DATE_TESTS)


@pytest.mark.skipif(not DOCUMENTS, reason=f"peer corpora not found at {PEERS}")
def test_allowlist_rows_are_well_formed() -> None:
    assert ALLOWED, f"{ALLOWLIST} is missing or empty"
    for (name, check, field), reason in ALLOWED.items():
        assert name in DOCUMENTS or name == DATE_TESTS, f"no such document: {name}"
        assert check in CHECKS, f"{name}: unknown check {check!r}"
        assert field and reason.strip(), f"{name}: field and reason are required"
        if reason.startswith("DEFECT"):
            assert re.match(r"DEFECT (\d+|new): \S", reason), f"{name}: {reason!r}"


def test_expect_clauses_are_read() -> None:
    """The clause reader on feedparser's forms (conjunctions, chains, u-strings, tuples, len,
    ord, strings joined by +) and the normalisation of expected values."""
    clauses = expect_clauses(
        "not bozo and entries[0]['title'] == u'Ex' and feed.title == 'T' and len(entries) == 2"
        " and entries[0]['updated_parsed'] == (2003, 12, 31, 10, 14, 55, 2, 365, 0)"
        " and entries[0]['title_detail']['type'] == 'text/plain' and 'x' in entries[0]['id']"
        " and ord(entries[0]['description']) == 8230"
        " and entries[0]['link'] == entries[1]['link'] == 'http://x.example/'"
        " and feed['title'] == 'Crazy -' + '- HTML'"
    )
    assert clauses == [
        (("entries", 0, "title"), "Ex"),
        (("feed", "title"), "T"),
        (("len", "entries"), 2),
        (("entries", 0, "updated_parsed"), (2003, 12, 31, 10, 14, 55, 2, 365, 0)),
        (("entries", 0, "title_detail", "type"), "text/plain"),
        (("entries", 0, "description"), "…"),
        (("entries", 0, "link"), "http://x.example/"),
        (("entries", 1, "link"), "http://x.example/"),
        (("feed", "title"), "Crazy -- HTML"),
    ]
    assert expect_clauses("entries[0]['title'] == u'A' or bozo") == []
    assert display_name("jo@example.org (Jo Doe)") == "Jo Doe"
    assert display_name("Jo Doe (jo@example.org)") == "Jo Doe"
    assert display_name("Jo (the elder)") == "Jo (the elder)"
    assert iso((2003, 12, 31, 10, 14, 55, 2, 365, 0)) == "2003-12-31T10:14:55Z"
    assert iso("2019-05-31T21:17:58.120+02:00") == "2019-05-31T19:17:58Z"
