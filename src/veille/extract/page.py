"""What one forum page gives (`ForumPage`), and what the preset and the generic extractors both
read from a page: its title, and a post's date found outside its body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from lxml import etree

from veille.dates import parse_forum_date
from veille.extract.document import _Owner, _text_of
from veille.models import Item
from veille.text import clean_text


@dataclass(frozen=True)
class ForumPage:
    """What one forum page gave: its posts, where to go next, and which threads it lists."""

    items: tuple[Item, ...]
    next_url: str | None
    thread_urls: tuple[str, ...]
    engine: str
    # Why a page with text gave no post and no thread, and what to try: a forum whose markup
    # changed otherwise looks like a quiet one.
    empty_reason: str | None = None


def _og_title(root: etree._Element) -> str:
    for meta in root.xpath("//meta[@property='og:title' or @name='twitter:title']"):
        text = clean_text(meta.get("content"))
        if text:
            return text
    for title in root.iter("title"):
        return clean_text(_text_of(title))
    return ""


def _fallback_date(
    post: etree._Element,
    body: etree._Element | None,
    owner: _Owner | None,
    now: datetime,
    zone: tzinfo,
) -> str | None:
    """A date anywhere in the post outside its body: attributes first, then short texts."""
    body_nodes = set(body.iter()) if body is not None else set()
    elements = [
        e
        for e in post.iter()
        if isinstance(e.tag, str) and e not in body_nodes and (owner is None or owner.owns(post, e))
    ][:3000]
    parsed = _attribute_date(elements, now, zone)
    if parsed:
        return parsed
    for element in elements:
        own = clean_text(
            (element.text or "")
            + " "
            + " ".join((child.tail or "") for child in element if isinstance(child.tag, str))
        )
        if 6 <= len(own) <= 60 and re.search(r"\d", own):
            parsed = parse_forum_date(own, now, zone)
            if parsed and not _is_join_date(element):
                return parsed
    return None


def _attribute_date(elements: list[etree._Element], now: datetime, zone: tzinfo) -> str | None:
    """The first date written for machines: `<time datetime>` or schema.org's dates, then
    the `data-time` attributes engines print timestamps in."""
    for element in elements:
        if element.tag == "time" or element.get("itemprop") in ("datePublished", "dateCreated"):
            for attr in ("datetime", "content"):
                parsed = parse_forum_date(element.get(attr) or "", now, zone)
                if parsed:
                    return parsed
    for element in elements:
        for attr in ("data-time", "data-timestamp", "data-datetime"):
            parsed = parse_forum_date(element.get(attr) or "", now, zone)
            if parsed:
                return parsed
    return None


def _is_join_date(element: etree._Element) -> bool:
    previous = element.getprevious()
    label = clean_text(_text_of(previous)) if previous is not None else ""
    own = clean_text(_text_of(element))
    return bool(
        re.search(
            r"join|regist|inscri|mitglied|seit|membre|member since|dabei",
            f"{label} {own}",
            re.IGNORECASE,
        )
    )
