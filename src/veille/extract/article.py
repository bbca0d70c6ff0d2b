"""Blogs: the feeds a page announces, a list page's links to its articles, and an article's
main text and metadata."""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone, tzinfo
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from veille.dates import parse_forum_date
from veille.extract.document import (
    _DROP_TAGS,
    _MAX_LINKS,
    _body_links,
    _copy,
    _document,
    _remove,
    _select,
    _text_of,
)
from veille.extract.links import _page_base
from veille.models import Item
from veille.text import clean_text, html_to_text
from veille.times import utc_now
from veille.urls import absolute_url, canonical_url, is_http_url

_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/rss",
        "application/atom",
        "application/feed+json",
        "application/json",
        "application/x.atom+xml",
        "application/x-atom+xml",
        "application/x-rss+xml",
        "text/rss+xml",
        "text/atom+xml",
        "text/xml",
        "application/xml",
    }
)


def discover_feeds(body: bytes, url: str) -> list[str]:
    """The feeds a page announces with <link rel="alternate">, absolute, in page order."""
    root = _document(body)
    base = _page_base(root, url)
    feeds: dict[str, None] = {}
    for link in root.xpath("//link[@rel and @href] | //a[@rel and @href and @type]"):
        rels = link.get("rel", "").lower().split()
        kind = link.get("type", "").lower().split(";")[0].strip()
        if "alternate" not in rels or kind not in _FEED_TYPES:
            continue
        href = link.get("href", "")
        if kind in ("application/json", "application/xml", "text/xml") and re.search(
            r"oembed|/wp-json/", href, re.IGNORECASE
        ):
            continue
        resolved = absolute_url(base, html_lib.unescape(href))
        if resolved:
            feeds[resolved] = None
    return list(feeds)


_NOT_ARTICLE_PATH = re.compile(
    r"/(?:tag|tags|category|categories|author|authors|page|feed|rss|search|login|"
    r"wp-login\.php|wp-admin|comments?|archive|archives|about|contact|privacy|terms|"
    r"subscribe|newsletter|account|cart|user|users|label)(?:/|$|\.)",
    re.IGNORECASE,
)
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:[01]?\d)(?:/|$)|/(?:19|20)\d{2}-\d{2}-\d{2}")


def article_links(body: bytes, url: str) -> list[str]:
    """A blog list page's links to its articles, same site, in page order, no repeats."""
    root = _document(body)
    base = _page_base(root, url)
    site = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    page = url.split("#")[0].rstrip("/")
    links: dict[str, None] = {}
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href or href.startswith("#"):
            continue
        resolved = absolute_url(base, href)
        if not resolved:
            continue
        resolved = resolved.split("#")[0]
        parts = urlsplit(resolved)
        host = (parts.hostname or "").lower().removeprefix("www.")
        if host != site or resolved.rstrip("/") == page or parts.path in ("", "/"):
            continue
        if _NOT_ARTICLE_PATH.search(parts.path) or re.search(
            r"\.(?:jpe?g|png|gif|webp|svg|pdf|zip|mp3|mp4|css|js|xml)$", parts.path, re.I
        ):
            continue
        if _looks_like_article_link(anchor, parts.path):
            links[resolved] = None
        if len(links) >= _MAX_LINKS:
            break
    return list(links)


def _looks_like_article_link(anchor: etree._Element, path: str) -> bool:
    if anchor.get("rel") and "bookmark" in anchor.get("rel", "").split():
        return True
    if _DATE_PATH.search(path):
        return True
    depth = 0
    node = anchor.getparent()
    while node is not None and depth < 8:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("nav", "footer", "header", "aside") and depth > 0:
            return False
        if tag in ("h1", "h2", "h3"):
            return True
        if tag == "article":
            # In an article teaser, the title/read-more link: a link with real words.
            return len(clean_text(_text_of(anchor))) >= 12
        node = node.getparent()
        depth += 1
    slug = path.rstrip("/").rsplit("/", 1)[-1]
    return slug.count("-") >= 3 and len(clean_text(_text_of(anchor))) >= 20


_ARTICLE_TYPES = re.compile(r"article|posting|blogposting|newsarticle|report|webpage", re.I)
_CONTENT_SELECTORS = (
    "[itemprop=articleBody]",
    ".entry-content",
    ".post-content",
    ".post-body",
    ".article-content",
    ".article-body",
    ".article__content",
    ".article__body",
    ".story-body",
    ".gh-content",
    ".field-name-body",
    "#articleBody",
    ".texte",
    "article",
    "main",
    "[role=main]",
)
_UNLIKELY = re.compile(
    r"comment|disqus|sidebar|side-bar|footer|foot|nav|menu|share|social|sharing|related|"
    r"widget|advert|promo|cookie|newsletter|subscribe|breadcrumb|popup|modal|banner|"
    r"masthead|header|sponsor|outbrain|taboola|pagination|pager|tags|rss|login|signup|"
    r"most-read|mostread|recommend|teaser|toolbar|print|hidden",
    re.IGNORECASE,
)
# Inside the chosen container, these never hold the article's own words, whatever else the
# class says ("jp-relatedposts", "post-comments", "entry-share").
_NEVER_CONTENT = re.compile(
    r"related|comments|share|sharing|social|newsletter|recommend|outbrain|taboola|"
    r"sponsor|advert|cookie|breadcrumb|subscribe",
    re.IGNORECASE,
)
_LIKELY = re.compile(
    r"article|body|content|entry|main|page|post|text|blog|story|hentry", re.IGNORECASE
)


def extract_article(
    body: bytes, url: str, now: datetime | None = None, zone: tzinfo = timezone.utc
) -> Item | None:
    """An article page's main text and metadata, or None when it holds no article; a date
    without an offset is a time of `zone`, the site's."""
    now = now or utc_now()
    root = _document(body)
    base = _page_base(root, url)
    meta = _meta_values(root)
    ld = _json_ld_article(root)
    canonical = ""
    for link in root.xpath("//link[@rel and @href]"):
        if "canonical" in link.get("rel", "").lower().split():
            canonical = absolute_url(base, link.get("href", ""))
            break
    canonical = canonical or absolute_url(base, meta.get("og:url", "")) or url
    main = _main_content(root)
    markup = ""
    text = ""
    if main is not None:
        markup = _clean_article(main)
        text = html_to_text(markup, keep_lines=True)
    if len(text) < 200 and ld.get("articleBody"):
        text = clean_text(str(ld["articleBody"]), keep_lines=True)
    title = (
        clean_text(
            str(ld.get("headline") or "") or meta.get("og:title") or meta.get("twitter:title") or ""
        )
        or _article_h1(main)
        or _clean_title(root)
    )
    if len(text) < 80:
        return None
    author = _article_author(root, meta, ld)
    published = None
    for candidate in (
        ld.get("datePublished"),
        meta.get("article:published_time"),
        meta.get("datepublished"),
        meta.get("date"),
        meta.get("dc.date"),
        meta.get("dc.date.issued"),
        meta.get("dcterms.created"),
        meta.get("pubdate"),
        meta.get("publish-date"),
        meta.get("sailthru.date"),
        _first_time(main if main is not None else root),
        _first_time(root),
    ):
        if candidate:
            published = parse_forum_date(str(candidate), now, zone)
            if published:
                break
    return Item(
        key=canonical_url(canonical),
        url=canonical,
        title=title,
        text=text,
        author=author,
        published_at=published,
        links=_body_links(markup, base) if markup else (),
    )


def _meta_values(root: etree._Element) -> dict[str, str]:
    values: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = meta.get("content")
        if key and content and key not in values:
            values[key] = content.strip()
    return values


def _json_ld_article(root: etree._Element) -> dict[str, Any]:
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        stack: list[Any] = [data]
        seen = 0
        while stack and seen < 200:
            node = stack.pop(0)
            seen += 1
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                kind = node.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and _ARTICLE_TYPES.search(k) for k in kinds) and (
                    node.get("headline") or node.get("articleBody")
                ):
                    return node
                if "@graph" in node:
                    stack.append(node["@graph"])
    return {}


def _main_content(root: etree._Element) -> etree._Element | None:
    body = next(root.iter("body"), root)
    best: tuple[float, etree._Element] | None = None
    for selector in _CONTENT_SELECTORS:
        for element, _ in _select(body, selector):
            text_length = len(clean_text(_text_of(element)))
            if text_length < 250:
                continue
            density = _link_density(element, text_length)
            if density > 0.5:
                continue
            paragraphs = _paragraph_length(element)
            score = paragraphs * (1 - density)
            if best is None or score > best[0] * 1.05:
                best = (score, element)
        if best is not None and selector in ("article", "main", "[role=main]"):
            break
    scored = _readability_candidate(body)
    if best is None:
        return scored
    if scored is not None and _paragraph_length(scored) > 1.6 * _paragraph_length(best[1]):
        return scored
    return best[1]


def _paragraph_length(element: etree._Element) -> int:
    total = 0
    for paragraph in element.iter("p", "pre", "li", "blockquote", "h2", "h3"):
        if paragraph.tag == "p" or paragraph.tag == "pre":
            total += len(clean_text(_text_of(paragraph)))
    if total == 0:
        total = len(clean_text(_text_of(element))) // 2
    return total


def _link_density(element: etree._Element, text_length: int) -> float:
    linked = sum(len(clean_text(_text_of(a))) for a in element.iter("a"))
    return linked / max(text_length, 1)


def _readability_candidate(body: etree._Element) -> etree._Element | None:
    """Readability-style: paragraphs score their parent (and half to the grandparent)."""
    scores: dict[etree._Element, float] = {}
    for count, paragraph in enumerate(body.iter("p", "pre", "td")):
        if count > 5000:
            break
        text = clean_text(_text_of(paragraph))
        if len(text) < 25 or _unlikely(paragraph):
            continue
        score = 1 + text.count(",") + text.count("，") + min(len(text) / 100, 3)
        parent = paragraph.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + score / 2
    best: tuple[float, etree._Element] | None = None
    for element, score in scores.items():
        length = len(clean_text(_text_of(element)))
        adjusted = score * (1 - _link_density(element, length))
        if best is None or adjusted > best[0]:
            best = (adjusted, element)
    return best[1] if best is not None else None


def _unlikely(element: etree._Element) -> bool:
    node: etree._Element | None = element
    depth = 0
    while node is not None and depth < 12:
        if isinstance(node.tag, str):
            if node.tag in ("nav", "footer", "aside", "form"):
                return True
            marker = f"{node.get('class', '')} {node.get('id', '')}"
            if marker.strip() and _UNLIKELY.search(marker) and not _LIKELY.search(marker):
                return True
        node = node.getparent()
        depth += 1
    return False


def _clean_article(main: etree._Element) -> str:
    copy = _copy(main)
    doomed = []
    for element in copy.iter():
        if element is copy or not isinstance(element.tag, str):
            continue
        if element.tag in ("nav", "footer", "aside", "form", "header") and element is not copy:
            if element.tag != "header" or len(clean_text(_text_of(element))) < 400:
                doomed.append(element)
                continue
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if marker.strip() and (
            _NEVER_CONTENT.search(marker)
            or (_UNLIKELY.search(marker) and not _LIKELY.search(marker))
        ):
            doomed.append(element)
    for element in doomed:
        _remove(element)
    etree.strip_elements(copy, *_DROP_TAGS, with_tail=False)
    return lxml.html.tostring(copy, encoding="unicode")


def _article_h1(main: etree._Element | None) -> str:
    if main is None:
        return ""
    for h1 in main.iter("h1"):
        text = clean_text(_text_of(h1))
        if text:
            return text
    return ""


def _clean_title(root: etree._Element) -> str:
    for h1 in root.iter("h1"):
        text = clean_text(_text_of(h1))
        if text:
            return text
    for title in root.iter("title"):
        text = clean_text(_text_of(title))
        parts = re.split(r"\s+[|\-–—:»]\s+", text)
        return max(parts, key=len) if len(parts) > 1 else text
    return ""


def _article_author(root: etree._Element, meta: Mapping[str, str], ld: Mapping[str, Any]) -> str:
    author = ld.get("author")
    if isinstance(author, list) and author:
        author = author[0]
    if isinstance(author, dict):
        author = author.get("name")
    if isinstance(author, str) and author.strip() and not is_http_url(author.strip()):
        return clean_text(author)
    for key in ("author", "article:author", "dc.creator", "byl", "sailthru.author"):
        value = meta.get(key, "")
        if value and not is_http_url(value):
            return clean_text(re.sub(r"^by\s+", "", value, flags=re.IGNORECASE))
    for element, _ in _select(
        root,
        "[itemprop=author] [itemprop=name] || [itemprop=author] || [rel=author] || .author .fn"
        " || .byline .author || .author-name || .byline",
    ):
        text = clean_text(_text_of(element))
        text = re.sub(r"^(?:by|par|von|por|di)\s+", "", text, flags=re.IGNORECASE)
        if text and len(text) <= 80:
            return text
    return ""


def _first_time(root: etree._Element) -> str | None:
    for time_element in root.iter("time"):
        value = time_element.get("datetime") or clean_text(_text_of(time_element))
        if value:
            return value
    return None
