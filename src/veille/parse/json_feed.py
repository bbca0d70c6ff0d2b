"""JSON Feed 1.0 and 1.1, read by hand: feedparser cannot read it."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from veille.dates import feed_date
from veille.errors import ParseError
from veille.models import ParsedFeed
from veille.parse.entries import (
    _absolute,
    _finish_items,
    _guid_url,
    _links,
    _own_ids,
    _struct_to_iso,
    entry_fingerprint,
)
from veille.text import clean_text, html_to_text
from veille.times import to_stored
from veille.urls import is_http_url

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
    """`authors` (1.1) or `author` (1.0) names, comma-separated.

    Some generators write `authors` as one object rather than a list of them
    (`"authors": {"name": "Ana"}`): it is read as a list of one.
    """
    authors = node.get("authors")
    if isinstance(authors, dict):
        authors = [authors]
    elif not isinstance(authors, list):
        authors = [node.get("author")]
    names = [
        clean_text(author["name"])
        for author in authors
        if isinstance(author, dict) and isinstance(author.get("name"), str)
    ]
    return ", ".join(name for name in names if name)


def _json_date(value: object) -> str | None:
    """An RFC 3339 date as UTC `YYYY-MM-DDTHH:MM:SSZ`; None when absent or unreadable.

    A date in another form is read as an RSS date would be (`feed_date`): some generators
    write RFC 822 (`Fri, 31 May 2019 12:17:58 -0700`), which the spec does not allow.
    """
    if not isinstance(value, str):
        return None
    match = _RFC3339.match(value)
    if not match:
        return _struct_to_iso(feed_date(value))
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
    return to_stored(moment)


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
