"""Feed bytes → `ParsedFeed`: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed by hand.

The stage takes the body exactly as fetched and never touches the network or the file system:
feedparser always gets a `BytesIO`, never a `str` (which it would fetch as a URL or open as a
file name). Before feedparser runs, three steps of our own make the common breakage harmless:

1. **Decoding** (`decode_body`). Strict UTF-8 when the bytes decode as UTF-8 (or a BOM says
   so), else the declared charset (HTTP `Content-Type`, then the XML declaration), else
   windows-1252. Two repairs ride along: C1 control characters (U+0080–U+009F) become the
   windows-1252 characters they almost always stand for (`don\\x92t` → `don’t`), and a
   document that is UTF-8 apart from a few stray bytes keeps its UTF-8 and reads the stray
   bytes as windows-1252. Undeclared CJK (Shift_JIS, EUC-JP, EUC-KR, GB18030, Big5) and
   windows-1251 text is recognised by its byte pattern, since feedparser would only get it
   right with `chardet`, which veille does not depend on. Feedparser then receives UTF-8
   bytes with a rewritten declaration, so its own RFC 3023 guessing (`text/xml` means
   US-ASCII, no header means ISO-8859-1) never applies.
2. **Prolog clean-up** (`_clean_prolog`). The DOCTYPE and its internal subset are removed.
   Feeds never need them, and they are the only way to declare entities: with them gone no
   "billion laughs" or quadratic-blowup document can expand. (Feedparser keeps entities it
   deems safe and its loose parser then expands them without bound; expat alone stops only
   after 8 MiB of amplification.) Whitespace or misplaced `<?xml …?>` declarations before the
   root, which make expat give up on otherwise good feeds, go too. Line numbers are kept.
3. **Characters XML forbids** (C0 controls other than tab and line breaks) are dropped, so a
   stray `\\x0b` pasted into one description does not send the whole feed to the slower,
   less exact loose parser.

A document that is not well-formed but yields entries is returned with `warning` set; when it
looks truncated, the warning says that the last entry may be cut short: it is still used, as
feedparser would, since its title or text may be all there is of a mention. `ParseError` is
raised only when nothing usable was found.

Well-formed RSS and Atom documents are then read by **feedparser-rs** (compiled, some ten
times faster than feedparser here) when the guards of the fast path accept them, and by
feedparser otherwise; both give the same items (tests/test_parse_fast.py checks it on every
feed at hand). `parse_feed(..., engine="feedparser")` forces feedparser; `ParsedFeed.parser`
says which parser was used and why the fast path was refused. See "Fast path" below.

Item identity and URLs are decided in `_finish_items`; see the comments there.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import pyexpat
import re
import time
import xml.sax
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urldefrag

import feedparser
from feedparser.datetimes import _parse_date  # the parser feedparser.parse uses

try:  # compiled; feedparser alone still reads every feed when the wheel is missing
    import feedparser_rs
except ImportError:  # pragma: no cover
    feedparser_rs = None

from veille.errors import ParseError
from veille.models import Item, ParsedFeed
from veille.text import clean_text, html_to_text, links_in_html
from veille.urls import absolute_url, is_http_url

__all__ = ["decode_body", "parse_feed"]

# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

# windows-1252 for every byte; the five bytes it leaves undefined map to the C1 control of the
# same value (as ISO-8859-1 does), which `clean_text` later removes.
_CP1252 = tuple(bytes([b]).decode("cp1252", errors="replace") for b in range(256))
_CP1252 = tuple(chr(b) if c == "\ufffd" else c for b, c in enumerate(_CP1252))
# C1 controls decoded from UTF-8 (or ISO-8859-1) are nearly always windows-1252 bytes that
# went through the wrong decoder: map each to the character windows-1252 gives it.
_DEMORONIZE = {code: _CP1252[code] for code in range(0x80, 0xA0) if _CP1252[code] != chr(code)}
_C1 = re.compile("[\x80-\x9f]")


def _decode_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read the undecodable bytes as windows-1252, one byte each."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_CP1252[b] for b in bad), error.end


codecs.register_error("veille-cp1252", _decode_as_cp1252)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECLARED = re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']")
_CHARSET_LABEL = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")
# Labels that name a superset, or the encoding browsers really use for the label (WHATWG):
# ISO-8859-1 and ASCII documents are windows-1252 in practice (smart quotes in 0x80–0x9F).
_SUPERSETS = {
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "tis_620": "cp874",
    "iso8859_11": "cp874",
}
# Text codecs Python knows but no feed is written in; some would interpret escapes.
_REFUSED_CODECS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "utf_7", "undefined"}
)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ASCII_BYTES = bytes(range(128))
_HIGH_RUN = re.compile(rb"[\x80-\xff]{2,}")
# Undeclared legacy encodings, tried in this order when the high bytes come in runs. Each
# decoding must look like its script: Japanese shows kana (its prose always has some), Korean
# is almost all hangul, Chinese almost all ideographs, Russian almost all Cyrillic letters.
# A wrong decoding gives half-width katakana, symbols, hanja or rare blocks instead.
_KANA = re.compile("[\u3040-\u30ff]")
_CJK_TEXT = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff5e]")
_HANGUL = re.compile("[\uac00-\ud7a3]")
_CYRILLIC = re.compile("[\u0401\u0410-\u044f\u0451]")
_LEGACY_CODECS: tuple[tuple[str, tuple[tuple[re.Pattern[str], float], ...]], ...] = (
    ("cp932", ((_CJK_TEXT, 0.9), (_KANA, 0.1))),
    ("euc_jp", ((_CJK_TEXT, 0.9), (_KANA, 0.1))),
    ("cp949", ((_HANGUL, 0.9),)),
    ("gb18030", ((_CJK_TEXT, 0.9),)),
    ("big5", ((_CJK_TEXT, 0.9),)),
    ("cp1251", ((_CYRILLIC, 0.9),)),
)


def _codec(label: str | None) -> str | None:
    """Python codec name for a declared charset label, or None if unusable."""
    if not label or not _CHARSET_LABEL.match(label):
        return None
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    if name in _REFUSED_CODECS:
        return None
    return _SUPERSETS.get(name, name)


def _guess_legacy(body: bytes, high: int) -> str | None:
    """The legacy codec undeclared bytes are written in, when their byte pattern says so.

    Western text has isolated high bytes (é between ASCII letters); double-byte and Cyrillic
    text has them in runs. Only then are candidates tried, each strictly and checked for the
    script it should produce.
    """
    if high < 8:
        return None
    in_runs = sum(len(run) for run in _HIGH_RUN.findall(body))
    if in_runs * 2 < high:
        return None
    for name, checks in _LEGACY_CODECS:
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        wide = len(text) - len(text.encode("ascii", errors="ignore"))
        if wide and all(len(script.findall(text)) >= share * wide for script, share in checks):
            return name
    return None


def _demoronize(text: str) -> str:
    return text.translate(_DEMORONIZE) if _C1.search(text) else text


def decode_body(body: bytes, http_charset: str | None = None) -> tuple[str, str | None]:
    """Decode a feed body to text; returns (text, note) where note explains a repair.

    Order: BOM; UTF-16 by its NUL pattern; strict UTF-8; the declared charset (HTTP, then
    the XML declaration) when it decodes; UTF-8 with stray windows-1252 bytes when most
    high bytes form UTF-8 sequences; CJK or Cyrillic by byte pattern; else windows-1252.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            errors = "veille-cp1252" if name == "utf-8" else "replace"
            return _demoronize(body[len(bom) :].decode(name, errors=errors)), None
    if body[:2] == b"<\x00":
        return body.decode("utf-16-le", errors="replace"), None
    if body[:2] == b"\x00<":
        return body.decode("utf-16-be", errors="replace"), None
    try:
        return _demoronize(body.decode("utf-8")), None
    except UnicodeDecodeError:
        pass
    declared = _XML_DECLARED.search(body[:1024])
    labels = [http_charset, declared.group(1).decode("ascii") if declared else None]
    for label in labels:
        name = _codec(label)
        if name is None or name == "utf_8":
            continue
        try:
            if name.startswith("cp125"):
                return _demoronize(body.decode(name, errors="veille-cp1252")), None
            return body.decode(name), None
        except (UnicodeDecodeError, LookupError):
            continue
    said = next((label for label in labels if label), None)
    how = f"declared {said}" if said else "no charset declared"
    high = len(body.translate(None, _ASCII_BYTES))
    rest, sequences = _UTF8_SEQUENCE.subn(b"", body)
    stray = high - (len(body) - len(rest))
    if sequences and sequences >= stray:
        # Mostly UTF-8 with a few stray bytes (a windows-1252 quote pasted into a UTF-8 page).
        text = _demoronize(body.decode("utf-8", errors="veille-cp1252"))
        return text, f"feed is not valid UTF-8 ({how}); stray bytes read as windows-1252"
    name = _guess_legacy(body, high)
    if name:
        return body.decode(name), f"feed has no usable charset ({how}); read as {name}"
    text = _demoronize(body.decode("cp1252", errors="veille-cp1252"))
    return text, f"feed is not valid UTF-8 ({how}); read as windows-1252"


# --------------------------------------------------------------------------------------------
# Sniffing and prolog clean-up
# --------------------------------------------------------------------------------------------

_PROLOG_PART = re.compile(r"[\s\ufeff]+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_DOCTYPE_START = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_DOCTYPE_SPECIAL = re.compile(r"[\"'\[\]>]|<!--")
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]{0,100})")
_HTML_ROOTS = frozenset({"html", "head", "body"})
_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
# Characters XML 1.0 forbids (tab, LF and CR are allowed); U+FFFE/U+FFFF too.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_JSON_TYPES = ("application/feed+json", "application/json")
_HTML_PAGE = "not a feed: the page is HTML — use `type: blog` to discover its feed"


def _doctype_end(text: str, start: int) -> int | None:
    """Index just past the DOCTYPE starting at `start` (internal subset included), or None.

    Quoted strings and comments inside the subset may hold `]` or `>`, so they are skipped.
    """
    in_subset = False
    pos = start + len("<!DOCTYPE")
    while True:
        found = _DOCTYPE_SPECIAL.search(text, pos)
        if found is None:
            return None
        token = found.group()
        if token in ('"', "'"):
            close = text.find(token, found.end())
            if close < 0:
                return None
            pos = close + 1
        elif token == "<!--":
            close = text.find("-->", found.end())
            if close < 0:
                return None
            pos = close + 3
        elif token == "[":
            in_subset = True
            pos = found.end()
        elif token == "]":
            in_subset = False
            pos = found.end()
        elif in_subset:  # a ">" closing a declaration inside the subset
            pos = found.end()
        else:
            return found.end()


def _clean_prolog(text: str) -> tuple[str, str, bool]:
    """Rewrite what precedes the root element; returns (document, root name, html doctype).

    Removed: whitespace, every `<?xml …?>` declaration, the DOCTYPE. Kept: comments and other
    processing instructions. Each removed part leaves its line breaks, so the line numbers in
    expat's messages still point into the document as served.
    """
    parts = [_XML_DECLARATION]
    pos = 0
    html_doctype = False
    while True:
        part = _PROLOG_PART.match(text, pos)
        if part is not None:
            chunk = part.group()
            if chunk[0] != "<" or (chunk.startswith("<?xml") and chunk[5:6] in " \t\r\n?"):
                parts.append("\n" * chunk.count("\n"))
            else:
                parts.append(chunk)
            pos = part.end()
            continue
        if _DOCTYPE_START.match(text, pos):
            end = _doctype_end(text, pos)
            if end is None:
                raise ParseError("not a feed: the DOCTYPE declaration never ends")
            html_doctype = text[pos + 9 : end].strip().lower().startswith("html")
            parts.append("\n" * text.count("\n", pos, end))
            pos = end
            continue
        break
    root = _ROOT.match(text, pos)
    parts.append(text[pos:])
    return "".join(parts), (root.group(1) if root else ""), html_doctype


def _split_content_type(content_type: str | None) -> tuple[str, str | None]:
    """(mime type, charset) from a Content-Type header value."""
    if not content_type:
        return "", None
    mime, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


ENGINES = ("auto", "feedparser", "fast")


def parse_feed(
    body: bytes,
    url: str,
    content_type: str | None = None,
    *,
    engine: str = "auto",
    known: Collection[str] = frozenset(),
) -> ParsedFeed:
    """Parse a fetched feed body; `url` is the final URL (the base for relative links).

    Raises `ParseError` only when nothing usable was found: an empty body, an HTML page, a
    JSON document that is not a JSON Feed, or a document from which no feed could be read.

    `engine` picks the parser of RSS and Atom (JSON Feed always has its own): "auto" (the
    default) tries the fast path and falls back to feedparser; "feedparser" never tries the fast
    path; "fast" takes feedparser-rs's result unchecked, to measure what the guards catch.

    `known`: fingerprints of entries read before (`ParsedFeed.fingerprints`); on the fast
    path and in JSON Feeds, such entries are left out of the items (counted in `skipped`),
    when every entry of the document has its own id, so that leaving some out cannot change
    the others' keys.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if not body or body.isspace():
        raise ParseError("not a feed: empty document")
    mime, charset = _split_content_type(content_type)
    text, note = decode_body(body, charset)
    head = text.lstrip(" \t\r\n\ufeff")[:1]
    if not head:
        raise ParseError("not a feed: empty document")
    if head in "{[" or (head != "<" and mime in _JSON_TYPES):
        return _parse_json_feed(text, url, known)
    return _parse_xml_feed(text, url, mime, note, engine, known)


# --------------------------------------------------------------------------------------------
# RSS and Atom
# --------------------------------------------------------------------------------------------

_CLOSED_ENTRY = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)
_EMAIL_AND_NAME = re.compile(r"^\s*[^\s@()<>]+@[^\s()<>]+\s*\(([^()]+)\)\s*$")


def _parse_xml_feed(
    text: str,
    url: str,
    mime: str,
    note: str | None,
    engine: str = "auto",
    known: Collection[str] = frozenset(),
) -> ParsedFeed:
    document, root, html_doctype = _clean_prolog(text)
    if html_doctype or root.lower() in _HTML_ROOTS or (not root and mime == "text/html"):
        raise ParseError(_HTML_PAGE)
    if _XML_FORBIDDEN.search(document):
        document = _XML_FORBIDDEN.sub("", document)
    data = document.encode("utf-8", errors="surrogatepass")
    base = url if is_http_url(url) else ""
    parser = "feedparser"
    if engine != "feedparser":
        fast, refused = _parse_fast(data, document, url, note, engine == "auto", known)
        if fast is not None:
            return fast
        parser = f"feedparser (fast path refused: {refused})"
    # The bytes handed over are UTF-8 whatever the server said: say so, so feedparser neither
    # re-guesses the charset nor flags the media type. No content-location on purpose: given
    # one, feedparser resolves every permalink-style guid against it, so an opaque
    # `<guid>12345</guid>` would become the key and URL `https://host/12345`. Links are
    # resolved here instead (after any xml:base, which feedparser still applies).
    headers = {"content-type": "application/xml; charset=utf-8"}
    try:
        parsed = feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            sanitize_html=False,  # the text is stripped of all markup later anyway
            resolve_relative_uris=False,  # links are resolved here, only those we keep
        )
    except Exception as error:  # a third-party parser on hostile input: never let it escape
        raise ParseError(f"not a feed: the feed parser failed ({type(error).__name__})") from None

    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    where = _xml_error(error)
    entries = list(parsed.get("entries") or ())
    warnings = [note] if note else []
    if where:
        truncated = not _ends_with_root(document, root)
        if not entries and not parsed.get("version"):
            raise ParseError(f"not a feed: no entries could be read (XML error: {where})")
        if truncated:
            message = f"feed is not well-formed XML ({where}): it looks truncated; "
            message += f"{_count(len(entries), 'entry', 'entries')} read"
            if len(entries) > len(_CLOSED_ENTRY.findall(document)):
                message += ", the last one cut short"
        else:
            read = _count(len(entries), "entry", "entries")
            message = f"feed is not well-formed XML ({where}); {read} read"
        warnings.append(message)
    elif not entries and not parsed.get("version"):
        if mime == "text/html":
            raise ParseError(_HTML_PAGE)
        found = f" (the root element is <{root}>)" if root else ""
        raise ParseError(f"not a feed: no RSS, Atom or JSON Feed found{found}")

    feed = parsed.get("feed") or {}
    inherit_author = str(parsed.get("version") or "").startswith("atom")
    feed_author = _author_of(feed) if inherit_author else ""
    drafts = [_draft_from_entry(entry, base, feed_author) for entry in entries]
    return ParsedFeed(
        items=_finish_items(drafts, url),
        title=html_to_text(feed.get("title")),
        warning="; ".join(warnings) or None,
        parser=parser,
    )


# --------------------------------------------------------------------------------------------
# Fast path: feedparser-rs on well-formed feeds it is known to read like feedparser
# --------------------------------------------------------------------------------------------
#
# feedparser-rs (compiled) reads a feed some 20 times faster than feedparser (measured on the
# 750 XML feeds × 50 items of feedgen: 0.24 s against about 5 s; 0.5 s with the expat pass of
# the guards), but its field mapping differs from feedparser's in ways measured on the shared
# corpus, the generated feeds and the fixtures (tests/test_parse_fast.py compares both paths
# item by item). Each guard below names the case that needed it. What is not guarded is made
# identical here: Atom `href`s are XML-unescaped (feedparser-rs leaves `&amp;` in attribute
# values), dates go through feedparser's own date parser, and content bases are the feed URL
# (as feedparser's are without xml:base; feedparser-rs would use the channel's <link>).
# Titles need nothing: feedparser-rs leaves some entities escaped that feedparser decodes, and
# `html_to_text` decodes them on both paths alike.

_ATOM = "http://www.w3.org/2005/Atom"
_RSS1 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_XHTML = "http://www.w3.org/1999/xhtml"
_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# expat names elements "namespace-uri local-name" (namespace_separator=" ").
_FEED_KINDS = {"rss": "rss", f"{_RDF} RDF": "rss", f"{_ATOM} feed": "atom"}
_ENTRY_TAGS = frozenset({"item", f"{_RSS1} item", f"{_RSS090} item", f"{_ATOM} entry"})
# Namespaces whose elements feedparser reads into the fields kept here.
_CORE_NAMESPACES = frozenset({"", _RSS1, _RSS090, _ATOM, _DC, _DCTERMS, _CONTENT, _XHTML})
# Entry children read into one field by both parsers, each allowed once: when an element is
# repeated, feedparser keeps the last and feedparser-rs sometimes the first (two <pubDate>s).
_SINGLE = {
    "rss": frozenset(
        f"{ns}{name}"
        for ns in ("", f"{_RSS1} ", f"{_RSS090} ")
        for name in ("title", "link", "guid", "description", "pubDate", "author")
    )
    | {f"{_DC} creator", f"{_DC} date", f"{_CONTENT} encoded"},
    "atom": frozenset(
        f"{_ATOM} {name}" for name in ("title", "id", "summary", "content", "published", "updated")
    ),
}
# Entry children feedparser reads into a kept field and feedparser-rs does not, or not alike
# (feedparser's source, namespaces/*.py: dc:author → author, dc:title → title,
# dcterms:issued → published, <body> and <fullitem> → content, …).
_UNMAPPED = frozenset(
    {f"{_DC} author", f"{_ATOM} source"}
    # measured (fast_itunes_summary.xml): with <description> and <itunes:summary>, feedparser
    # reads the text from the longer, feedparser-rs from <itunes:summary>
    | {f"{_ITUNES} summary"}
    | {f"{_DCTERMS} {name}" for name in ("issued", "modified", "created")}
    | {f"{ns}{name}" for ns in ("", f"{_RSS1} ", f"{_ATOM} ") for name in (
        "body", "fullitem", "abstract", "issued", "modified", "created"
    )}
)  # fmt: skip
# feedparser lowercases element names, feedparser-rs does not: <PubDate> or <pubdate> is a
# date to feedparser only. Other spellings of these names are refused.
_SPELLINGS = frozenset(
    ("title", "link", "guid", "description", "pubDate", "author", "creator", "date", "encoded")
    + ("id", "summary", "content", "published", "updated", "body", "abstract")
)
_LOWERED = frozenset(name.lower() for name in _SPELLINGS)
# (element, the element feedparser-rs prefers to it): feedparser keeps whichever comes first,
# feedparser-rs the preferred one. Measured: <dc:title>B</dc:title><title>A</title> is B to
# feedparser, A to feedparser-rs; either alone, or the other order, reads alike.
_SECOND_CHOICE = {
    f"{_DC} title": "title",
    f"{_DC} description": "description",
    f"{_DC} title {_RSS1}": f"{_RSS1} title",
    f"{_DC} description {_RSS1}": f"{_RSS1} description",
}
_ATOM_UPDATED_IN_RSS = "atom:updated in rss"
_ATOM_TEXT = frozenset(f"{_ATOM} {name}" for name in ("title", "summary", "content", "rights"))
_ATOM_PEOPLE = frozenset({f"{_ATOM} author", f"{_ATOM} contributor"})
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.IGNORECASE)
_XML_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));")
_DATE_COMPLAINT = re.compile(r"Invalid \w+ format\Z")
_XML_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

# feedparser-rs's default limits. Do not raise them: it preallocates room for `max_entries`
# entries (a huge value aborts the process, it does not raise). Past 10,000 entries it reports
# an error, so such a feed falls back; links and content blocks past their limits would be
# dropped silently, so an entry that reaches one falls back too.
_FAST_LIMITS = feedparser_rs.ParserLimits() if feedparser_rs is not None else None


class _Refused(Exception):
    """The fast path cannot be trusted with this document; the message says why."""


class _Shape:
    """One expat pass: well-formedness as feedparser's strict parser sees it, entry count,
    and the entry structures the fast path does not read like feedparser (see above)."""

    def __init__(self) -> None:
        self.kind = ""
        self.entries = 0
        self.depth = 0
        self.entry_depth = 0  # depth of the entry being read, 0 outside entries
        self.seen: set[str] = set()
        self.second: set[str] = set()  # preferred elements that must not follow (see above)
        self.child_free = True  # whether the current entry child may contain elements
        # entries whose date feedparser would take from <atom:updated> if <pubDate> failed
        self.pubdate_only: set[int] = set()
        # entries with a non-empty link (RSS <link> text, Atom href); see `_fast_entry`
        self.linked: set[int] = set()
        self.link_text: list[str] | None = None
        self.parser: Any = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            self.kind = _FEED_KINDS.get(name, "")
            if not self.kind:
                raise _Refused(f"root element <{name.rpartition(' ')[2]}>")
            return
        level = self.depth - self.entry_depth
        if not self.entry_depth:
            if name in _ENTRY_TAGS:
                self.entry_depth, self.entries = self.depth, self.entries + 1
                self.seen, self.second = set(), set()
            return
        if level == 1:
            self._child(name, attrs)
        elif not self.child_free:
            raise _Refused(f"element <{name.rpartition(' ')[2]}> inside an entry field")

    def _child(self, name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if self.kind == "rss" and namespace == _ATOM:
            self._atom_in_rss(local, attrs)
        elif name in _UNMAPPED or namespace == _XHTML:
            raise _Refused(f"entry element <{local}> read differently")
        if name in self.second:
            raise _Refused(f"entry element <{local}> after its Dublin Core twin")
        preferred = _SECOND_CHOICE.get(name) or _SECOND_CHOICE.get(f"{name} {_RSS1}")
        if preferred and preferred not in self.seen:
            self.second.add(preferred)
        if namespace in _CORE_NAMESPACES and local not in _SPELLINGS and local.lower() in _LOWERED:
            raise _Refused(f"entry element <{local}> spelled unusually")
        if local == "link" and namespace in ("", _RSS1, _RSS090, _ATOM):
            if namespace == _ATOM:
                if attrs.get("href", "").strip():
                    self.linked.add(self.entries - 1)
            else:  # collect this element's text only: a handler for all text costs more
                self.link_text = []
                self.parser.CharacterDataHandler = self.link_text.append
        if name in _SINGLE[self.kind]:
            if name in self.seen:
                raise _Refused(f"entry element <{local}> repeated")
            self.seen.add(name)
        # Markup inside a field: feedparser keeps it as HTML, feedparser-rs cuts the text short
        # at the first child element (<description>… <em>is</em> …</description>).
        self.child_free = (
            namespace not in _CORE_NAMESPACES
            or name in _ATOM_PEOPLE
            or (name in _ATOM_TEXT and attrs.get("type") == "xhtml")
        )

    def _atom_in_rss(self, local: str, attrs: dict[str, str]) -> None:
        """Atom elements in an RSS item: feedparser reads them, feedparser-rs ignores them.

        Measured on medium.com (<atom:updated>) and nytimes.com (<atom:link rel="standout">):
        a link with another rel than "alternate" is kept by neither, and <atom:updated> only
        matters to feedparser when there is no readable <pubDate>.
        """
        if local == "link" and attrs.get("rel", "alternate") != "alternate":
            return
        if local == "updated":
            self.seen.add(_ATOM_UPDATED_IN_RSS)
            return
        raise _Refused(f"entry element <atom:{local}> read differently")

    def end(self, name: str) -> None:
        if self.link_text is not None and self.depth == self.entry_depth + 1:
            if "".join(self.link_text).strip():
                self.linked.add(self.entries - 1)
            self.link_text = None
            self.parser.CharacterDataHandler = None
        if self.depth == self.entry_depth:
            self.entry_depth = 0
            if _ATOM_UPDATED_IN_RSS in self.seen:
                if "pubDate" not in self.seen:
                    raise _Refused("entry dated by <atom:updated> alone")
                self.pubdate_only.add(self.entries - 1)
        self.depth -= 1


def _shape(data: bytes) -> _Shape:
    """The document's shape; raises `_Refused` when expat rejects it or a guard fires."""
    shape = _Shape()
    parser = shape.parser = pyexpat.ParserCreate("utf-8", namespace_separator=" ")
    parser.StartElementHandler = shape.start
    parser.EndElementHandler = shape.end
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError as error:
        raise _Refused(f"not well-formed XML ({pyexpat.errors.messages[error.code]})") from None
    return shape


def _parse_fast(
    data: bytes,
    document: str,
    url: str,
    note: str | None,
    checked: bool = True,
    known: Collection[str] = frozenset(),
) -> tuple[ParsedFeed | None, str]:
    """The feed through feedparser-rs, or (None, why not) when it cannot be trusted.

    `checked=False` skips every guard (engine="fast"): for measuring what they catch.
    """
    if feedparser_rs is None:
        return None, "feedparser-rs is not installed"
    try:
        return _read_fast(data, document, url, note, checked, known), ""
    except _Refused as refusal:
        return None, str(refusal)


def _read_fast(
    data: bytes,
    document: str,
    url: str,
    note: str | None,
    checked: bool,
    known: Collection[str] = frozenset(),
) -> ParsedFeed:
    if checked:
        if "xml:base" in document:
            # feedparser resolves links against xml:base; feedparser-rs leaves them relative.
            raise _Refused("xml:base")
        shape = _shape(data)
    try:
        parsed = feedparser_rs.parse_with_limits(
            data, limits=_FAST_LIMITS, sanitize_html=False, resolve_relative_uris=False
        )
    except BaseException as error:  # a Rust panic arrives as PyO3's PanicException
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        raise _Refused(f"feedparser-rs failed ({type(error).__name__})") from None
    version = parsed.version or ""
    atom = version.startswith("atom")
    if checked:
        # "Invalid pubDate format": dates are read by feedparser's parser here, not by
        # feedparser-rs (measured: hindi-news_odd-date.xml, feedparser_http_high_bit_date.xml).
        if parsed.bozo and not _DATE_COMPLAINT.match(str(parsed.bozo_exception)):
            raise _Refused(f"feedparser-rs reported an error ({parsed.bozo_exception})")
        if version not in ("rss090", "rss091", "rss091u", "rss092", "rss20", "rss10", "atom10"):
            raise _Refused(f"feed version {version!r}")
        if len(parsed.entries) != shape.entries:
            raise _Refused(f"{len(parsed.entries)} entries read of {shape.entries}")
    feed = parsed.feed
    feed_author = _fast_author(feed, atom, checked) if atom else ""
    base = url if is_http_url(url) else ""
    pubdate_only, linked = (shape.pubdate_only, shape.linked) if checked else (set(), set())
    # Every entry goes through `_fast_entry`, whose guards may refuse the document; only the
    # cleaning of known entries is left out.
    entries = [
        _fast_entry(entry, atom, checked, index in pubdate_only, index in linked)
        for index, entry in enumerate(parsed.entries)
    ]
    fingerprints = tuple(entry_fingerprint(base, _fast_fields(entry)) for entry in entries)
    if not known or not _own_ids(entry["id"] for entry in entries):
        known = frozenset()
    drafts = [
        _draft_from_entry(entry, base, feed_author)
        for entry, fingerprint in zip(entries, fingerprints, strict=True)
        if fingerprint not in known
    ]
    result = ParsedFeed(
        items=_finish_items(drafts, url),
        title=html_to_text(feed.title),
        warning=note,
        parser="feedparser-rs",
        fingerprints=fingerprints,
        skipped=len(entries) - len(drafts),
    )
    if checked:
        _check_output(result, document)
    return result


def _check_output(result: ParsedFeed, document: str) -> None:
    """Refuse output showing a sign of a difference: U+FFFD from nowhere, leftover entities."""
    titles = [result.title, *(item.title for item in result.items)]
    if "\ufffd" not in document:
        texts = (text for item in result.items for text in (item.text, item.author))
        if any("\ufffd" in text for text in (*titles, *texts)):
            raise _Refused("U+FFFD in the output, none in the input")
    if any("&" in title and _ENTITY.search(title) for title in titles):
        raise _Refused("an entity left in a title")


def _xml_unescape(value: str | None) -> str | None:
    """An attribute value as the XML parser should have given it (feedparser-rs does not)."""
    if not value or "&" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        decimal, hexadecimal, named = match.groups()
        if named:
            return _XML_NAMED[named]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _XML_ENTITY.sub(one, value)


def _fast_author(node: Any, atom: bool, checked: bool) -> str:
    """The author `_author_of` would give for the same element in feedparser.

    feedparser's `author` is the last author-like element and `author_detail` the first, so
    its answer depends on their order; feedparser-rs keeps neither order. The answer is taken
    only when every name found agrees (one `<dc:creator>`, say); ATP's podcast feed, with
    `<dc:creator>Marco Arment</dc:creator>` and `<itunes:author>ATP</itunes:author>`, is
    refused. In Atom, feedparser-rs copies the feed's author into entries without one, as
    `author` but without `author_detail`: those get '' here and inherit, as in feedparser.
    """
    detail = node.author_detail
    if atom:
        if detail is None:
            return ""
        # feedparser-rs's `author` is "Name (email)" in Atom, made up from the detail; without
        # a name it is the email (or ''), as feedparser's (google-alerts: <name></name>).
        raw = "" if detail.name else _author_of({"author": node.author})
    else:
        raw = _author_of({"author": node.author})
    names = {
        raw,
        html_to_text(detail.name) if detail is not None and detail.name else "",
        *(html_to_text(person.name) for person in node.authors or () if person.name),
    }
    names.discard("")
    if len(names) > 1 and checked:
        raise _Refused("authors disagree")
    return min(names, default="")


def _fast_entry(
    entry: Any, atom: bool, checked: bool, pubdate_only: bool, linked: bool
) -> dict[str, Any]:
    """A feedparser-rs entry as the dict `_draft_from_entry` reads from feedparser."""
    links = entry.links or ()
    contents = entry.content or ()
    if checked and (
        len(links) >= _FAST_LIMITS.max_links_per_entry
        or len(contents) >= _FAST_LIMITS.max_content_blocks
    ):
        raise _Refused("an entry reached a feedparser-rs limit")
    # feedparser-rs blanks links to private hosts (localhost, 10.x, 192.168.x, *.local, …: an
    # SSRF filter) where feedparser keeps them: a link '' in an entry that had a non-empty one
    # means one was removed. (An empty <link></link> is '' to both: le-cercle-psy.)
    blanked = entry.link == "" or any(link.href == "" for link in links)
    if checked and blanked and linked:
        raise _Refused("feedparser-rs blanked a link (a private host?)")
    unescape = _xml_unescape if atom else (lambda value: value)
    author = _fast_author(entry, atom, checked)
    published = _feedparser_date(entry.published)
    if pubdate_only and published is None:
        raise _Refused("unreadable <pubDate> beside <atom:updated>")
    return {
        "id": entry.id,
        "guidislink": entry.guidislink,
        "link": unescape(entry.link),
        "links": [{"href": unescape(link.href), "rel": link.rel or "alternate"} for link in links],
        "content": [{"value": content.value} for content in contents],
        "summary": entry.summary,
        "title": entry.title,
        "fast_author": author,
        "published_parsed": published,
        # only read when there is no published date (`_draft_from_entry`): parse it only then
        "updated_parsed": _feedparser_date(entry.updated) if published is None else None,
    }


def entry_fingerprint(base: str, fields: Iterable[object]) -> str:
    """What an entry's items and mentions are made of (its id, links, title and text, as the
    feed gives them) and the URL they are resolved against. Its author and dates are left
    out: they change no match.

    An entry with the fingerprint of one read at the last sweep, under the same brands, can
    give no new mention: that one's were stored then.
    """
    raw = repr((base, *fields))  # strings, booleans, None and lists of them: exact and quick
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _fast_fields(entry: Mapping[str, Any]) -> tuple[object, ...]:
    """The fields of a `_fast_entry` dict that `entry_fingerprint` covers."""
    links = [(link["href"], link["rel"]) for link in entry["links"]]
    contents = [content["value"] for content in entry["content"]]
    return (
        entry["id"],
        entry["guidislink"],
        entry["link"],
        links,
        contents,
        entry["summary"],
        entry["title"],
    )


def _own_ids(ids: Iterable[object]) -> bool:
    """Whether every entry has an id of its own: then each item's key is its id, whatever
    the other entries of the document (see `_finish_items`), and entries can be left out."""
    stripped = [
        str(i).strip() if isinstance(i, (str, int, float)) and not isinstance(i, bool) else ""
        for i in ids
    ]
    return all(stripped) and len(set(stripped)) == len(stripped)


def _feedparser_date(value: str | None) -> time.struct_time | None:
    """A date string read by feedparser's own date parser (feedparser-rs reads more formats:
    `2020/1/10 14:33:00` and Italian day names are read differently, or not at all)."""
    if not value:
        return None
    try:
        return _parse_date(value)
    except Exception:  # feedparser's parser on hostile input, as inside feedparser.parse
        return None


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _xml_error(error: object) -> str:
    """'message at line N' for a well-formedness error, '' when there is none."""
    if isinstance(error, xml.sax.SAXParseException):
        return f"{error.getMessage()} at line {error.getLineNumber()}"
    if isinstance(error, xml.sax.SAXException):
        return error.getMessage()
    return ""


def _ends_with_root(document: str, root: str) -> bool:
    """True when the document ends with the root element's end tag (then it is complete)."""
    if not root:
        return False
    tail = document[-4096:].rstrip()
    while tail.endswith("-->") and (start := tail.rfind("<!--")) >= 0:
        tail = tail[:start].rstrip()  # trailing comments, as some generators sign their feeds
    return re.search(rf"</{re.escape(root)}\s*>\Z", tail) is not None


def _author_of(node: Mapping[str, Any]) -> str:
    """Author name of a feedparser entry or feed; '' when none.

    RSS's `email (Name)` form is split here: feedparser's own split cuts long top-level
    domains (`jonas@insanity.industries` gives the name `stries (Jonas …`).
    """
    raw = node.get("author")
    if isinstance(raw, str) and (split := _EMAIL_AND_NAME.match(raw)):
        return html_to_text(split.group(1))
    detail = node.get("author_detail") or {}
    name = detail.get("name") or raw
    if not name:
        name = next((a.get("name") for a in node.get("authors") or () if a.get("name")), "")
    return html_to_text(name) if isinstance(name, str) else ""


def _struct_to_iso(value: time.struct_time | None) -> str | None:
    """feedparser's *_parsed values are UTC `struct_time`s; None when absent or impossible."""
    if not value:
        return None
    try:
        moment = datetime(*value[:6])
    except (TypeError, ValueError, OverflowError):
        return None
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


def _draft_from_entry(entry: Mapping[str, Any], base: str, feed_author: str) -> dict[str, Any]:
    """The fields of one feedparser entry, cleaned; identity is settled in `_finish_items`."""
    bodies: list[tuple[str, str]] = []  # (markup, base for its relative links)
    for content in entry.get("content") or ():
        if isinstance(content.get("value"), str):
            bodies.append((content["value"], _resolve_base(base, content.get("base"))))
    summary = entry.get("summary")
    if isinstance(summary, str) and all(summary != markup for markup, _ in bodies):
        detail = entry.get("summary_detail") or {}
        bodies.append((summary, _resolve_base(base, detail.get("base"))))
    longest = max((markup for markup, _ in bodies), key=len, default="")

    guid = entry.get("id") if isinstance(entry.get("id"), str) else ""
    permalink = bool(entry.get("guidislink"))
    hrefs = [entry.get("link")] + [
        candidate.get("href")
        for candidate in entry.get("links") or ()
        if candidate.get("rel", "alternate") == "alternate"
    ]
    link = ""
    for href in hrefs:
        if permalink and href == guid:
            # feedparser copies a permalink guid into `link`: only take it if it is a URL.
            link = _guid_url(base, guid)
        else:
            link = _absolute(base, href)
        if link:
            break
    # dict.get: FeedParserDict.get("updated_parsed") falls back to published with a warning.
    published = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    title = entry.get("title")
    return {
        "guid": guid.strip(),
        "guid_url": _guid_url(base, guid),
        "link": link,
        "title": html_to_text(title if isinstance(title, str) else ""),
        "text": html_to_text(longest, keep_lines=True),
        "author": entry.get("fast_author", _author_of(entry)) or feed_author,
        "published_at": _struct_to_iso(published),
        "links": _links(bodies),
    }


def _resolve_base(base: str, xml_base: object) -> str:
    """The base URL for a content element: its xml:base (maybe relative) or the feed URL."""
    if isinstance(xml_base, str) and xml_base.strip():
        return absolute_url(base, xml_base) or base
    return base


def _guid_url(base: str, guid: str) -> str:
    """A guid usable as the item's URL: an http(s) URL, or a root-relative path.

    Opaque guids (`12345`, `tag:…`, `urn:uuid:…`) give '' even when the feed leaves
    isPermaLink at its default of true, which most such feeds do without meaning it.
    """
    guid = guid.strip()
    if is_http_url(guid):
        return guid
    if guid.startswith("/") and not guid.startswith("//"):
        return absolute_url(base, guid)
    return ""


def _absolute(base: str, href: object) -> str:
    """`href` resolved against `base` as an http(s) URL; '' for an empty or same-page href.

    (`absolute_url(base, "")` would give the base itself: an item without a link must not
    borrow the feed's URL as if it were its own.)
    """
    if not isinstance(href, str) or not href.strip() or href.lstrip().startswith("#"):
        return ""
    return absolute_url(base, href)


def _links(bodies: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """Absolute http(s) hrefs in the given HTML fragments, in order, without repeats."""
    found: dict[str, None] = {}
    for markup, base in bodies:
        for href in links_in_html(markup):
            resolved = _absolute(base, href)
            if resolved:
                found[resolved] = None
    return tuple(found)


# --------------------------------------------------------------------------------------------
# JSON Feed
# --------------------------------------------------------------------------------------------

_JSONFEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/", re.IGNORECASE)
_RFC3339 = re.compile(
    r"^\s*(\d{4})-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,]\d+)?)?)?"
    r"\s*(?:([Zz])|([+-])(\d\d):?(\d\d))?\s*$"
)


def _parse_json_feed(text: str, url: str, known: Collection[str] = frozenset()) -> ParsedFeed:
    """JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1), which feedparser cannot read."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(f"not a feed: invalid JSON ({error.msg} at line {error.lineno})") from None
    except (ValueError, RecursionError):
        raise ParseError("not a feed: invalid JSON") from None
    if not isinstance(document, dict):
        raise ParseError("not a feed: the JSON document is not a JSON Feed (not an object)")
    version = document.get("version")
    items = document.get("items")
    is_versioned = isinstance(version, str) and _JSONFEED_VERSION.match(version)
    if not is_versioned and not isinstance(items, list):
        raise ParseError(
            "not a feed: the JSON document is not a JSON Feed (no jsonfeed.org version and "
            "no items list)"
        )
    base = url if is_http_url(url) else ""
    feed_author = _json_authors(document)
    entries = [
        item for item in (items if isinstance(items, list) else ()) if isinstance(item, dict)
    ]
    fingerprints = tuple(
        entry_fingerprint(base, [item.get(key) for key in _JSON_FINGERPRINTED]) for item in entries
    )
    if not known or not _own_ids(item.get("id") for item in entries):
        known = frozenset()
    drafts = [
        _draft_from_json(item, base, feed_author)
        for item, fingerprint in zip(entries, fingerprints, strict=True)
        if fingerprint not in known
    ]
    title = document.get("title")
    return ParsedFeed(
        items=_finish_items(drafts, url),
        title=html_to_text(title) if isinstance(title, str) else "",
        parser="json",
        fingerprints=fingerprints,
        skipped=len(entries) - len(drafts),
    )


# What of a JSON Feed item makes its items and mentions (see `entry_fingerprint`).
_JSON_FINGERPRINTED = (
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
)


def _json_authors(node: Mapping[str, Any]) -> str:
    """`authors` (1.1) or `author` (1.0) names, comma-separated."""
    authors = node.get("authors")
    if not isinstance(authors, list):
        authors = [node.get("author")]
    names = [
        clean_text(author["name"])
        for author in authors
        if isinstance(author, dict) and isinstance(author.get("name"), str)
    ]
    return ", ".join(name for name in names if name)


def _json_date(value: object) -> str | None:
    """An RFC 3339 date as UTC `YYYY-MM-DDTHH:MM:SSZ`; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    match = _RFC3339.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second, _, sign, off_h, off_m = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
        if sign:
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            moment = moment - offset if sign == "+" else moment + offset
    except (ValueError, OverflowError):
        return None
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


def _draft_from_json(item: Mapping[str, Any], base: str, feed_author: str) -> dict[str, Any]:
    """The fields of one JSON Feed item, cleaned like a feedparser entry's."""

    def string(key: str) -> str:
        value = item.get(key)
        return value if isinstance(value, str) else ""

    guid = item.get("id")
    if isinstance(guid, (int, float)) and not isinstance(guid, bool):
        guid = str(guid)  # the spec says string; some generators write numbers
    link = _absolute(base, item.get("url")) or _absolute(base, item.get("external_url"))
    html_body = string("content_html")
    plain_body = string("content_text")
    summary = string("summary")
    # content_text and summary are plain text by the spec; only content_html is parsed.
    if len(html_body) >= max(len(plain_body), len(summary)):
        text = html_to_text(html_body, keep_lines=True)
    else:
        text = clean_text(max(plain_body, summary, key=len), keep_lines=True)
    published = _json_date(item.get("date_published")) or _json_date(item.get("date_modified"))
    guid = guid.strip() if isinstance(guid, str) else ""
    return {
        "guid": guid,
        "guid_url": _guid_url(base, guid),
        "link": link,
        "title": html_to_text(string("title")),
        "text": text,
        "author": _json_authors(item) or feed_author,
        "published_at": published,
        "links": _links([(html_body, link or base)]) if html_body else (),
    }


# --------------------------------------------------------------------------------------------
# Identity
# --------------------------------------------------------------------------------------------


def _sha1(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8", errors="surrogatepass")).hexdigest()


def _finish_items(drafts: list[dict[str, Any]], feed_url: str) -> tuple[Item, ...]:
    """Give each draft its key and URL, and build the Items.

    Key: the guid/id, which the publisher promises is stable → else the link, the next most
    stable thing → else a sha1 of title + text, which at least stays the same while the entry
    does. Some feeds repeat one guid for every item (a generator bug, or the site's home page
    used as guid); keying on it alone would keep one item and lose the rest, so within a
    document a repeated key is extended with the link, or with the content hash when the links
    repeat too. Items identical in all of these are true duplicates and kept once.

    URL: the entry's link → else its guid when that is an http(s) URL or a root-relative path
    (even one marked isPermaLink="false": WordPress `?p=123` guids lead to the post) → else
    the feed URL with `#entry-<hash of key>`, unique per item; the fragment is of a form
    `canonical_url` keeps, so link-less items of one feed do not collapse into one mention.
    """
    for draft in drafts:
        draft["hash"] = _sha1(draft["title"] + "\n" + draft["text"])
        draft["key"] = draft["guid"] or draft["link"] or draft["hash"]
    variants: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for draft in drafts:
        variants[draft["key"]].add((draft["link"], draft["hash"]))
    keys = []
    for draft in drafts:
        key, link, seen = draft["key"], draft["link"], variants[draft["key"]]
        if len(seen) > 1:  # one key, different items
            if link and link != key and sum(other == link for other, _ in seen) == 1:
                key = f"{key} {link}"
            elif draft["hash"] != key:
                key = f"{key} {draft['hash']}"
        keys.append(key)
    for draft, key in zip(drafts, keys, strict=True):
        draft["key"] = key

    page = urldefrag(feed_url)[0]
    items: dict[str, Item] = {}
    for draft in drafts:
        key = draft["key"]
        if key in items:
            continue
        url = draft["link"] or draft["guid_url"] or f"{page}#entry-{_sha1(key)[:16]}"
        items[key] = Item(
            key=key,
            url=url,
            title=draft["title"],
            text=draft["text"],
            author=draft["author"],
            published_at=draft["published_at"],
            links=draft["links"],
        )
    return tuple(items.values())
