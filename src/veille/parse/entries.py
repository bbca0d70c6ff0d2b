"""What every format shares to turn its entries into `Item`s.

Entry fingerprints (what lets known entries be skipped), the draft of a feedparser-shaped
entry (feedparser's own, or the fast path's made to look like one), links and guids resolved
against the feed URL or an xml:base, and the key and URL each item is given (`_finish_items`).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag

from veille.charset import _DEMORONIZE
from veille.models import Item
from veille.text import html_to_text, links_in_html
from veille.times import to_stored
from veille.urls import absolute_url, is_http_url

# An e-mail address, `mailto:` included (`[^\s@()<>]+` takes it in).
_EMAIL = r"[^\s@()<>]+@[^\s()<>]+"
_EMAIL_AND_NAME = re.compile(rf"^\s*{_EMAIL}\s*\(([^()]+)\)\s*$")
_NAME_AND_EMAIL = re.compile(rf"^\s*([^()]*[^()\s])\s*\(\s*{_EMAIL}\s*\)\s*$")


def entry_fingerprint(base: str, fields: Iterable[object]) -> str:
    """What an entry's items and mentions are made of (its id, links, title and text, as the
    feed gives them) and the URL they are resolved against. Its author and dates are left
    out: they change no match.

    An entry with the fingerprint of one read at the last sweep, under the same brands, can
    give no new mention: that one's were stored then.
    """
    raw = repr((base, *fields))  # strings, booleans, None and lists of them: exact and quick
    return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _own_ids(ids: Iterable[object]) -> bool:
    """Whether every entry has an id of its own: then each item's key is its id, whatever
    the other entries of the document (see `_finish_items`), and entries can be left out."""
    stripped = [
        str(i).strip() if isinstance(i, (str, int, float)) and not isinstance(i, bool) else ""
        for i in ids
    ]
    return all(stripped) and len(set(stripped)) == len(stripped)


def _author_of(node: Mapping[str, Any]) -> str:
    """Author name of a feedparser entry or feed; '' when none.

    RSS's `email (Name)` and `Name (email)` forms are split here (`_person_name`), from the
    author as written: feedparser's own split cuts long top-level domains
    (`jonas@insanity.industries` gives the name `stries (Jonas …`) and stops at `mailto:`
    (`Simon St.Laurent (mailto:`).
    """
    raw = node.get("author")
    detail = node.get("author_detail") or {}
    authors: Sequence[Any] = node.get("authors") or ()
    if len(authors) > 1 and not detail.get("name"):
        # Several authors, the last with only an e-mail: feedparser's `author` is that
        # e-mail (or worse: `ple (two@two.example)`, its split cut short). The first author,
        # the one the entry lists first, is credited, as feedparser-rs reads it.
        raw = authors[0].get("name") or authors[0].get("email") or raw
    elif isinstance(raw, str) and (split := _email_split(raw)):
        return html_to_text(split.group(1))
    name = detail.get("name") or raw
    if not name:
        name = next((a.get("name") for a in authors if a.get("name")), "")
    return _person_name(name) if isinstance(name, str) else ""


def _person_name(value: str) -> str:
    """A person as a feed writes one, as text, without the e-mail address of the RSS forms
    `email (Name)` and `Name (email)`: `me@example.com (Jo)` and `Jo (mailto:me@example.com)`
    are both `Jo`; `Jo (the elder)` is left whole."""
    split = _email_split(value)
    return html_to_text(split.group(1) if split else value)


def _email_split(value: str) -> re.Match[str] | None:
    """`email (Name)` or `Name (email)`, the name in group 1; None for any other form."""
    if "@" not in value:
        return None
    return _EMAIL_AND_NAME.match(value) or _NAME_AND_EMAIL.match(value)


def _as_feedparser(value: str | None) -> str | None:
    """A text as feedparser gives it: UTF-8 read as ISO-8859-1 decoded again, C1 controls as
    windows-1252 (see `fast._REPAIRABLE_PAIR`)."""
    if not value or value.isascii():
        return value
    try:
        value = value.encode("iso-8859-1").decode("utf-8")
    except UnicodeError:
        pass
    return value.translate(_DEMORONIZE)


def _struct_to_iso(value: time.struct_time | None) -> str | None:
    """feedparser's *_parsed values are UTC `struct_time`s; None when absent or impossible."""
    if not value:
        return None
    try:
        moment = datetime(*value[:6])
    except (TypeError, ValueError, OverflowError):
        return None
    return to_stored(moment)


def _draft_from_entry(
    entry: dict[str, Any],
    base: str,
    feed_author: str,
    captions: Collection[str] = frozenset(),
) -> dict[str, Any]:
    """The fields of one feedparser entry, cleaned; identity is settled in `_finish_items`.

    `captions`: texts that are an entry's text only when it has no other (feedparser gives
    a <media:description> as a summary or content: see `shape._media_captions`).
    """
    bodies: list[tuple[str, str]] = []  # (markup, base for its relative links)
    for content in entry.get("content") or ():
        if isinstance(content.get("value"), str):
            bodies.append((content["value"], _resolve_base(base, content.get("base"))))
    summary = entry.get("summary")
    if isinstance(summary, str) and all(summary != markup for markup, _ in bodies):
        detail = entry.get("summary_detail") or {}
        bodies.append((summary, _resolve_base(base, detail.get("base"))))
    if captions:
        bodies = [body for body in bodies if body[0] not in captions] or bodies
    longest = max((markup for markup, _ in bodies), key=len, default="")

    guid = entry.get("id")
    if not isinstance(guid, str):
        guid = ""
    permalink = bool(entry.get("guidislink"))
    links = entry.get("links") or ()
    alternates = [
        candidate.get("href")
        for candidate in links
        if candidate.get("rel", "alternate") == "alternate"
    ]
    first = entry.get("link")
    if (
        first
        and first not in alternates
        and not (permalink and first == guid)
        and any(candidate.get("href") == first for candidate in links)
    ):
        # feedparser gives the text of a <link> without href (an Atom <link> with its URL
        # as text) as `link` whatever its rel: an enclosure's must not stand for the entry.
        first = None
    hrefs = [first, *alternates]
    # FeedBurner links to a feedproxy.google.com redirect and gives the article's own address
    # in <feedburner:origLink>.
    origlink = entry.get("feedburner_origlink")
    link = _http_url(origlink) if origlink else ""
    for href in hrefs if not link else ():
        if permalink and href == guid:
            # feedparser copies a permalink guid into `link`: only take it if it is a URL.
            link = _guid_url(base, guid)
        else:
            link = _absolute(base, href)
        if link:
            break
    # RSS's <source url>: the publisher of an item an aggregator (Google News) passed on.
    # (Atom's <source>, the feed a copied entry came from, has no url: no `href` here.)
    source = entry.get("source")
    site = _http_url(source.get("href")) if isinstance(source, dict) else ""
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
        "site": site,
    }


def _resolve_base(base: str, xml_base: object) -> str:
    """The base URL for a content element: its xml:base (maybe relative) or the feed URL."""
    if isinstance(xml_base, str) and xml_base.strip():
        return absolute_url(base, xml_base) or base
    return base


def _http_url(value: object) -> str:
    """`value` stripped when it is an absolute http(s) URL, else ''."""
    if not isinstance(value, str):
        return ""
    value = value.strip()
    return value if is_http_url(value) else ""


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
            site=draft.get("site", ""),
        )
    return tuple(items.values())
