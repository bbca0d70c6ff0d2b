"""The URLs of a page: its base and canonical form, a post's own URL and key, the next page,
and the threads a list page links to."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lxml import etree

from veille.extract.document import _MAX_POSTS, _select
from veille.urls import absolute_url, canonical_url, encode_query

_SESSION_PARAMS = frozenset({"sid", "phpsessid", "sessionid", "jsessionid", "s", "sess"})


def _strip_session(url: str) -> str:
    """Session ids in query strings (phpBB `sid`, vBulletin `s`) are never part of identity."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (
            k.lower() in _SESSION_PARAMS
            and (k.lower() != "s" or re.fullmatch(r"[0-9a-f]{16,}", v or ""))
        )
    ]
    return urlunsplit(parts._replace(query=encode_query(query)))


def _page_base(root: etree._Element, url: str) -> str:
    """The base for relative links: <base href> when valid, else the page URL."""
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            resolved = absolute_url(url, href)
            if resolved:
                return resolved
        break
    return url


def _canonical_page(root: etree._Element, url: str) -> str:
    for link in root.xpath("//link[@rel]"):
        if "canonical" in link.get("rel", "").lower().split():
            href = absolute_url(url, link.get("href", ""))
            if href:
                return _strip_session(href.split("#", 1)[0])
            break
    return _strip_session(url.split("#", 1)[0])


def _post_key(url: str) -> str:
    """A post's identity: its canonical URL, keeping the post's own anchor.

    `canonical_url` keeps only fragments that look like post anchors (`p123`, `post-9` …); a
    page whose ids look different (`elComment_9`, `p1b1`) must not give every post the same
    key, so such a fragment is kept as `post-<fragment>`.
    """
    key = canonical_url(url)
    fragment = url.split("#", 1)[1] if "#" in url else ""
    if fragment and "#" not in key:
        safe = re.sub(r"[^\w-]+", "-", fragment).strip("-")[:80]
        if safe:
            key = f"{key}#post-{safe}"
    return key


def _with_fragment(url: str, fragment: str) -> str:
    return url.split("#", 1)[0] + "#" + fragment


_THREAD_PATH = {
    "discourse": re.compile(r"^(/t/[^/?#]+/\d+|/t/\d+)"),
    "flarum": re.compile(r"^(/d/[^/?#]+)"),
}


def _numbered_url(engine: str, page_url: str, number: str) -> str | None:
    pattern = _THREAD_PATH.get(engine)
    try:
        parts = urlsplit(page_url)
    except ValueError:
        return None
    found = pattern.match(parts.path) if pattern else None
    if not found:
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"{found.group(1)}/{number}", "", ""))


_ANCHOR_ID = re.compile(
    r"^(?:[a-z]{0,12}[-_]?)?\d+$|^(?:post|comment|reply|msg|message|entry)"
    r"[-_]?[\w-]+$",
    re.IGNORECASE,
)


def _anchor_url(post: etree._Element, page_url: str, author: str, text: str) -> str:
    """The post's own anchor: its id (or a child's id/name), else a hash of its content."""
    for element in [post, *list(post.iter())[1:40]]:
        for attr in ("id", "name"):
            value = element.get(attr) if isinstance(element.tag, str) else None
            if value and _ANCHOR_ID.match(value) and re.search(r"\d", value):
                return _with_fragment(page_url, value)
    digest = hashlib.sha1(f"{author}\n{text[:500]}".encode()).hexdigest()[:12]
    return _with_fragment(page_url, f"post-{digest}")


def _next_url(root: etree._Element, base: str, url: str, selector: str | None) -> str | None:
    chosen = selector or ""
    fallback = "link[rel=next]@href || a[rel=next]@href"
    for candidate in (chosen, fallback):
        for element, value in _select(root, candidate):
            href = value if value is not None else element.get("href")
            resolved = absolute_url(base, href or "")
            if resolved and _strip_session(resolved.split("#")[0]) != _strip_session(
                url.split("#")[0]
            ):
                return resolved
    return None


def _thread_urls(root: etree._Element, base: str, selector: str | None) -> tuple[str, ...]:
    urls: dict[str, None] = {}
    for element, value in _select(root, selector):
        href = value if value is not None else element.get("href")
        resolved = absolute_url(base, href or "")
        if resolved:
            urls[_strip_session(resolved)] = None
        if len(urls) >= _MAX_POSTS:
            break
    return tuple(urls)
