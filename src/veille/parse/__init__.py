"""Feed bytes → `ParsedFeed`: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed by hand.

The stage takes the body exactly as fetched and never touches the network or the file system:
feedparser always gets a `BytesIO`, never a `str` (which it would fetch as a URL or open as a
file name). Before feedparser runs, three steps of our own make the common breakage harmless:

1. **Decoding** (`veille.charset.decode_body`). Strict UTF-8 when the bytes decode as UTF-8 (or
   a BOM says so), else the declared charset (HTTP `Content-Type`, then the XML declaration),
   else windows-1252. Two repairs ride along: C1 control characters (U+0080–U+009F) become the
   windows-1252 characters they almost always stand for (`don\\x92t` → `don’t`), and a document
   that is UTF-8 apart from a few stray bytes keeps its UTF-8 and reads the stray bytes as
   windows-1252. Undeclared CJK (Shift_JIS, EUC-JP, EUC-KR, GB18030, Big5) is recognised by
   its byte pattern, and other single-byte scripts (Cyrillic, Greek, Hebrew, Arabic, Thai) by
   charset-normalizer; feedparser would only get them right with `chardet`. Feedparser then
   receives UTF-8 bytes with a rewritten declaration, so its own RFC 3023 guessing (`text/xml`
   means US-ASCII, no header means ISO-8859-1) never applies.
2. **Prolog clean-up** (`prolog._clean_prolog`). The DOCTYPE and its internal subset are
   removed. Feeds never need them, and they are the only way to declare entities: with them
   gone no "billion laughs" or quadratic-blowup document can expand. (Feedparser keeps entities
   it deems safe and its loose parser then expands them without bound; expat alone stops only
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
says which parser was used and why the fast path was refused. See `shape` for its guards.

Item identity and URLs are decided in `entries._finish_items`; see the comments there.

`parse_feed` is here; `prolog` holds the sniffing and prolog clean-up, `xml_feed` RSS and
Atom through feedparser, `fast` the feedparser-rs fast path and `shape` the expat pass whose
guards decide when it is taken, `json_feed` JSON Feed, and `entries` what they share to turn
entries into items (drafts, links, fingerprints, keys).
"""

from __future__ import annotations

from collections.abc import Collection

from veille.charset import decode_body
from veille.errors import ParseError
from veille.models import ParsedFeed
from veille.parse.entries import entry_fingerprint
from veille.parse.json_feed import _parse_json_feed
from veille.parse.prolog import _JSON_TYPES, _split_content_type
from veille.parse.xml_feed import _parse_xml_feed

__all__ = ["decode_body", "entry_fingerprint", "parse_feed"]

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
