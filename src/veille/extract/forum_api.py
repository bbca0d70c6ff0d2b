"""Forum JSON endpoints (Discourse, Reddit): where they are, and the posts they give."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone, tzinfo
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from veille.charset import decode_body
from veille.dates import parse_forum_date
from veille.extract.document import _MAX_POSTS, _body_links, _remove, _select
from veille.extract.page import ForumPage
from veille.models import Item
from veille.text import clean_text, html_to_text
from veille.times import to_stored
from veille.urls import absolute_url, canonical_url, is_http_url


def forum_api_url(engine: str, url: str) -> str | None:
    """A JSON endpoint that gives the same posts more reliably, when the engine has one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not is_http_url(url):
        return None
    path = parts.path
    if path.endswith(".json"):
        return None
    engine = (engine or "").lower()
    if engine == "discourse":
        found = re.match(r"^(/t/[^/]+/\d+)(?:/\d+)?/?$", path)
        if found:
            return urlunsplit(parts._replace(path=found.group(1) + ".json", fragment=""))
        if re.match(r"^/(?:latest|top|new|c/.+)/?$", path):
            return urlunsplit(parts._replace(path=path.rstrip("/") + ".json", fragment=""))
        return None
    if engine == "reddit":
        host = (parts.hostname or "").lower()
        if host == "reddit.com" or host.endswith(".reddit.com"):
            return urlunsplit(parts._replace(path=path.rstrip("/") + ".json", fragment=""))
    return None


def _forum_json(
    body: bytes, url: str, engine: str | None, now: datetime, zone: tzinfo
) -> ForumPage | None:
    try:
        data = json.loads(decode_body(body)[0])
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict) and ("post_stream" in data or "topic_list" in data):
        return _discourse_json(data, url, now, zone)
    if _is_reddit_json(data):
        return _reddit_json(data, url, now)
    return None


def _discourse_json(data: Mapping[str, Any], url: str, now: datetime, zone: tzinfo) -> ForumPage:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    if "topic_list" in data:
        topics = (data.get("topic_list") or {}).get("topics") or []
        threads = []
        for topic in topics:
            if isinstance(topic, dict) and topic.get("id") is not None:
                slug = str(topic.get("slug") or "topic")
                threads.append(f"{origin}/t/{slug}/{topic['id']}")
        more = (data.get("topic_list") or {}).get("more_topics_url")
        next_url = absolute_url(url, str(more)) if more else None
        return ForumPage((), next_url or None, tuple(dict.fromkeys(threads)), "discourse")
    title = clean_text(str(data.get("title") or data.get("fancy_title") or ""))
    slug = str(data.get("slug") or "topic")
    topic_id = data.get("id")
    thread = f"{origin}/t/{slug}/{topic_id}"
    items = []
    posts = (data.get("post_stream") or {}).get("posts") or []
    highest = 0
    for post in posts[:_MAX_POSTS]:
        if not isinstance(post, dict):
            continue
        number = post.get("post_number")
        highest = max(highest, number if isinstance(number, int) else 0)
        markup = str(post.get("cooked") or "")
        markup = _strip_markup(markup, "aside.quote, blockquote")
        post_url = f"{thread}/{number}" if number else thread
        items.append(
            Item(
                key=canonical_url(post_url),
                url=post_url,
                title=title,
                text=html_to_text(markup, keep_lines=True),
                author=clean_text(str(post.get("username") or post.get("name") or "")),
                published_at=parse_forum_date(str(post.get("created_at") or ""), now, zone),
                links=_body_links(markup, url) if markup else (),
            )
        )
    next_url = None
    total = data.get("posts_count")
    if isinstance(total, int) and highest and highest < total and posts:
        page = int(dict(parse_qsl(parts.query)).get("page", "1") or 1)
        next_url = f"{thread}.json?page={page + 1}"
    return ForumPage(tuple(items), next_url, (), "discourse")


def _strip_markup(markup: str, selector: str) -> str:
    if not markup or "<" not in markup:
        return markup
    try:
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return markup
    for element, _ in list(_select(fragment, selector)):
        if element is not fragment:
            _remove(element)
    return lxml.html.tostring(fragment, encoding="unicode")


def _is_reddit_json(data: Any) -> bool:
    listing = data[0] if isinstance(data, list) and data else data
    return isinstance(listing, dict) and listing.get("kind") == "Listing"


def _reddit_json(data: Any, url: str, now: datetime) -> ForumPage:
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    listings = data if isinstance(data, list) else [data]
    things: list[Mapping[str, Any]] = []
    for listing in listings:
        if isinstance(listing, dict):
            _walk_reddit(listing, things)
    is_thread = isinstance(data, list) or "/comments/" in parts.path
    if not is_thread:
        threads = [
            absolute_url(origin, str(t.get("permalink")))
            for t in things
            if t.get("_kind") == "t3" and t.get("permalink")
        ]
        after = (
            (listings[0].get("data") or {}).get("after") if isinstance(listings[0], dict) else None
        )
        next_url = None
        if after:
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "after"]
            query.append(("after", str(after)))
            next_url = urlunsplit(parts._replace(query=urlencode(query), fragment=""))
        return ForumPage((), next_url, tuple(dict.fromkeys(t for t in threads if t)), "reddit")
    title = next((clean_text(str(t.get("title"))) for t in things if t.get("_kind") == "t3"), "")
    items = []
    for thing in things[:_MAX_POSTS]:
        kind = thing.get("_kind")
        if kind not in ("t1", "t3"):
            continue
        markup = thing.get("selftext_html") if kind == "t3" else thing.get("body_html")
        markup = html_lib.unescape(str(markup)) if markup else ""
        if markup:
            markup = _strip_markup(markup, "blockquote")
        text = (
            html_to_text(markup, keep_lines=True)
            if markup
            else clean_text(
                str(thing.get("selftext" if kind == "t3" else "body") or ""), keep_lines=True
            )
        )
        permalink = absolute_url(origin, str(thing.get("permalink") or ""))
        if not permalink:
            continue
        created = thing.get("created_utc")
        published = None
        if isinstance(created, (int, float)):
            published = to_stored(datetime.fromtimestamp(created, tz=timezone.utc))
        items.append(
            Item(
                key=canonical_url(permalink),
                url=permalink,
                title=title,
                text=text,
                author=clean_text(str(thing.get("author") or "")),
                published_at=published,
                links=_body_links(markup, origin) if markup else (),
            )
        )
    return ForumPage(tuple(items), None, (), "reddit")


def _walk_reddit(listing: Mapping[str, Any], out: list[Mapping[str, Any]]) -> None:
    """Depth-first, without recursion: comment trees can be deep."""
    stack: list[Any] = [listing]
    while stack and len(out) < _MAX_POSTS:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        kind = node.get("kind")
        data = node.get("data")
        if not isinstance(data, dict):
            continue
        if kind == "Listing":
            children = data.get("children") or []
            stack.extend(reversed(children if isinstance(children, list) else []))
        elif kind in ("t1", "t3"):
            out.append({**data, "_kind": kind})
            replies = data.get("replies")
            if isinstance(replies, dict):
                stack.append(replies)
