"""Forum pages read with a preset or the user's selectors; the entry point `extract_forum`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timezone, tzinfo
from urllib.parse import urlsplit

from lxml import etree

from veille.dates import parse_forum_date
from veille.extract.detect import detect_engine
from veille.extract.document import (
    _MAX_POSTS,
    _SPONSORED,
    _body_html,
    _body_links,
    _copy,
    _document,
    _first_text,
    _Owner,
    _remove,
    _select,
    _text_of,
)
from veille.extract.forum_api import _forum_json
from veille.extract.generic import _generic
from veille.extract.links import (
    _anchor_url,
    _canonical_page,
    _next_url,
    _numbered_url,
    _page_base,
    _post_key,
    _strip_session,
    _thread_urls,
    _with_fragment,
)
from veille.extract.page import ForumPage, _fallback_date, _og_title
from veille.extract.presets import PRESETS
from veille.models import Item
from veille.text import clean_text, html_to_text
from veille.times import utc_now
from veille.urls import absolute_url

_SPONSOR_CLASS = re.compile(r"\b(?:sponsor\w*|advert\w*|promoted\w*|adsbygoogle)\b", re.I)


def extract_forum(
    body: bytes,
    url: str,
    *,
    engine: str | None = None,
    selectors: Mapping[str, str] | None = None,
    content_type: str | None = None,
    now: datetime | None = None,
    zone: tzinfo = timezone.utc,
) -> ForumPage:
    """Posts, next page and thread links of one forum page (see the `veille.extract` docstring).

    `zone` is the forum's: its dates without an offset are wall-clock times there.
    """
    now = now or utc_now()
    engine = engine.lower().strip() if engine else None
    if _is_json(body, content_type):
        page = _forum_json(body, url, engine, now, zone)
        if page is not None:
            return page
    root = _document(body, content_type)
    page = _read_page(root, body, url, engine, selectors, now, zone)
    if page.items or page.thread_urls:
        return page
    return replace(page, empty_reason=_why_empty(root, body, url, engine, selectors))


def _read_page(
    root: etree._Element,
    body: bytes,
    url: str,
    engine: str | None,
    selectors: Mapping[str, str] | None,
    now: datetime,
    zone: tzinfo,
) -> ForumPage:
    base = _page_base(root, url)
    if selectors:
        preset = dict(PRESETS.get(engine or "", {}))
        preset.update({k: v for k, v in selectors.items() if v})
        return _with_preset(root, url, base, preset, "selectors", engine or "", now, zone)
    if engine is None:
        engine = detect_engine(body if isinstance(body, bytes) else str(body))
    if engine in PRESETS:
        page = _with_preset(root, url, base, PRESETS[engine], engine, engine, now, zone)
        if page.items or page.thread_urls:
            return page
        generic = _generic(root, url, base, now, zone)
        if generic.items:
            return generic
        return page
    return _generic(root, url, base, now, zone)


# Below this many words a page holds a login wall, an error or nothing: no reason to give.
_CONTENT_WORDS = 50


def _why_empty(
    root: etree._Element,
    body: bytes,
    url: str,
    engine: str | None,
    selectors: Mapping[str, str] | None,
) -> str | None:
    """Why a page with text gave nothing, with the engine its markup shows; None for a page
    that holds too little text to be a thread or a listing."""
    words = sum(len(_text_of(element).split()) for element in root.iter("body"))
    if words < _CONTENT_WORDS:
        return None
    detected = detect_engine(body if isinstance(body, bytes) else str(body))
    reason = f"no post found on {url}, a page of {words:,} words"
    if selectors:
        hint = "the selectors match no post"
    elif detected and engine and detected != engine:
        hint = f"its markup looks like {detected}, not {engine}: try `engine: {detected}`"
    elif detected:
        hint = f"read as {detected}, whose markup it shows"
    else:
        hint = "no known forum engine recognised: set `selectors` (post, author, body)"
    return f"{reason}; {hint}"


def _is_json(body: bytes, content_type: str | None) -> bool:
    if content_type and "json" in content_type.lower():
        return True
    head = body[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def _with_preset(
    root: etree._Element,
    url: str,
    base: str,
    preset: Mapping[str, str],
    label: str,
    engine: str,
    now: datetime,
    zone: tzinfo,
) -> ForumPage:
    page_url = _canonical_page(root, url)
    title = _first_text(root, preset.get("title")) or _og_title(root)
    posts = [element for element, _ in _select(root, preset.get("post"))][:_MAX_POSTS]
    owner = _Owner(posts)
    items: list[Item] = []
    seen: set[str] = set()
    for index, post in enumerate(posts):
        item = _preset_item(post, index, owner, preset, engine, page_url, base, title, now, zone)
        if item is None or item.key in seen:
            continue
        seen.add(item.key)
        items.append(item)
    next_url = _next_url(root, base, url, preset.get("next"))
    threads = _thread_urls(root, base, preset.get("thread"))
    # A thread is known by its own canonical address as well as the one it was fetched at (a
    # page saved, mirrored or served under another path).
    if engine == "reddit" and not any("/comments/" in urlsplit(u).path for u in (url, page_url)):
        threads = tuple(dict.fromkeys(threads + tuple(i.url.split("#")[0] for i in items)))
        items = []
    elif items:
        threads = ()
    return ForumPage(tuple(items), next_url, threads, label)


def _preset_item(
    post: etree._Element,
    index: int,
    owner: _Owner,
    preset: Mapping[str, str],
    engine: str,
    page_url: str,
    base: str,
    title: str,
    now: datetime,
    zone: tzinfo,
) -> Item | None:
    if _SPONSOR_CLASS.search(post.get("class", "") + " " + post.get("id", "")):
        return None
    author = _first_text(post, preset.get("author"), owner)
    if author.startswith("@"):
        author = author[1:]
    body_element = next((e for e, _ in _select(post, preset.get("body"), owner)), None)
    text = ""
    links: tuple[str, ...] = ()
    if body_element is not None:
        markup = _body_html(body_element, preset.get("quote"), preset.get("signature"))
        if owner.posts - {post}:
            markup = _without_nested(body_element, owner, preset)
        text = html_to_text(markup, keep_lines=True)
        links = _body_links(markup, base)
    if (not author and not text) or _SPONSORED.match(author):
        return None
    published = _preset_date(post, owner, preset.get("date"), body_element, now, zone)
    url = _preset_url(post, owner, preset, engine, page_url, base, author, text)
    return Item(
        key=_post_key(url),
        url=url,
        title=title,
        text=text,
        author=author,
        published_at=published,
        links=links,
    )


def _without_nested(body: etree._Element, owner: _Owner, preset: Mapping[str, str]) -> str:
    """Body markup without the posts nested inside it (a comment's replies)."""
    copy = _copy(body)
    nested_ids = {id(p) for p in owner.posts}
    # The copy loses identity; find nested posts in the original and cut them by position.
    paths = []
    for element in body.iter():
        if element is not body and id(element) in nested_ids:
            paths.append(_path_from(body, element))
    for path in sorted(paths, key=len, reverse=True):
        target = copy[0] if len(copy) else None
        for step in path:
            if target is None or step >= len(target):
                target = None
                break
            target = target[step]
        if target is not None:
            _remove(target)
    inner = copy[0] if len(copy) else copy
    return _body_html(inner, preset.get("quote"), preset.get("signature"))


def _path_from(ancestor: etree._Element, element: etree._Element) -> list[int]:
    path = []
    node = element
    while node is not None and node is not ancestor:
        parent = node.getparent()
        if parent is None:
            break
        path.append(parent.index(node))
        node = parent
    return list(reversed(path))


def _preset_date(
    post: etree._Element,
    owner: _Owner,
    selector: str | None,
    body: etree._Element | None,
    now: datetime,
    zone: tzinfo,
) -> str | None:
    for element, value in _select(post, selector, owner):
        candidates = [value] if value is not None else [_text_of(element), element.get("title")]
        for candidate in candidates:
            parsed = parse_forum_date(clean_text(candidate), now, zone) if candidate else None
            if parsed:
                return parsed
    return _fallback_date(post, body, owner, now, zone)


def _preset_url(
    post: etree._Element,
    owner: _Owner,
    preset: Mapping[str, str],
    engine: str,
    page_url: str,
    base: str,
    author: str,
    text: str,
) -> str:
    for _element, value in _select(post, preset.get("link"), owner):
        raw = (value or _element.get("href") or "").strip()
        href = absolute_url(base, raw) if raw and raw != "#" else ""
        if href:
            return _strip_session(href)
    if preset.get("number"):
        for element, value in _select(post, preset.get("number"), owner):
            digits = re.search(r"\d+", value if value is not None else _text_of(element))
            if digits:
                numbered = _numbered_url(engine, page_url, str(int(digits.group(0))))
                if numbered:
                    return numbered
                break
    for element, value in _select(post, preset.get("anchor"), owner):
        anchor = (value if value is not None else element.get("id", "")).strip()
        if anchor:
            prefix = preset.get("anchor_prefix", "")
            if prefix and anchor.isdigit():
                anchor = prefix + anchor
            return _with_fragment(page_url, anchor)
    return _anchor_url(post, page_url, author, text)
