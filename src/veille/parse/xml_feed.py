"""RSS and Atom: the prolog cleaned, then the fast path tried, then feedparser.

A document that is not well-formed but yields entries is read with a warning (saying when it
looks truncated); one that yields nothing raises `ParseError`.
"""

from __future__ import annotations

import io
import re
import xml.sax
from collections.abc import Collection
from typing import Any

import feedparser

from veille.dates import feed_date
from veille.errors import ParseError
from veille.models import ParsedFeed
from veille.parse.entries import _author_of, _draft_from_entry, _finish_items
from veille.parse.fast import _parse_fast
from veille.parse.prolog import _HTML_PAGE, _XML_FORBIDDEN, _clean_prolog, _is_html_page
from veille.parse.shape import _media_captions
from veille.text import html_to_text
from veille.urls import is_http_url

_CLOSED_ENTRY = re.compile(r"</(?:[\w.-]+:)?(?:item|entry)\s*>", re.IGNORECASE)


def _parse_xml_feed(
    text: str,
    url: str,
    mime: str,
    note: str | None,
    engine: str = "auto",
    known: Collection[str] = frozenset(),
) -> ParsedFeed:
    document, root, html_doctype = _clean_prolog(text)
    if _is_html_page(root, html_doctype, mime):
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

    bozo = parsed.get("bozo_exception") if parsed.get("bozo") else None
    where = _xml_error(bozo)
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
    captions = _media_captions(data, document)
    drafts = [_draft_from_entry(_redated(entry), base, feed_author, captions) for entry in entries]
    return ParsedFeed(
        items=_finish_items(drafts, url),
        title=html_to_text(feed.get("title")),
        warning="; ".join(warnings) or None,
        parser=parser,
    )


def _redated(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with its dates read again from the strings feedparser kept, by `feed_date`,
    as the fast path reads them (feedparser's parser, with its corrections)."""
    for key in ("published", "updated"):
        value = dict.get(entry, key)  # FeedParserDict.get("updated") falls back to published
        if isinstance(value, str):
            dict.__setitem__(entry, f"{key}_parsed", feed_date(value))
    return entry


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
