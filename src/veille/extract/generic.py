"""The generic extractor: a page's repeated post blocks, found from their authors, for engines
without a preset."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from veille.extract.document import (
    _DROP_TAGS,
    _MAX_POSTS,
    _SPONSORED,
    _body_html,
    _body_links,
    _text_of,
)
from veille.extract.links import (
    _SESSION_PARAMS,
    _anchor_url,
    _canonical_page,
    _next_url,
    _post_key,
    _strip_session,
)
from veille.extract.page import ForumPage, _fallback_date, _og_title
from veille.models import Item
from veille.text import clean_text, html_to_text
from veille.urls import absolute_url

_MAX_AUTHORS = 4000

_AUTHOR_XPATH = etree.XPath(
    "//*[@itemprop='author' or @itemprop='creator' or @rel='author' or @data-username"
    " or contains(@class,'author') or contains(@class,'user') or contains(@class,'poster')"
    " or contains(@class,'creator')]"
    " | //a[@href and (contains(@href,'/u/') or contains(@href,'/user') or contains(@href,"
    "'/member') or contains(@href,'/profile') or contains(@href,'viewprofile') or contains("
    "@href,'showuser') or contains(@href,'member.php') or contains(@href,'/people/') or "
    "contains(@href,'/users/') or contains(@href,'user-') or starts-with(@href,'/u'))]"
)
_AUTHOR_CLASS = re.compile(
    r"^(?:author|username|user-name|user_name|postauthor|post-author|post_author|poster|"
    r"author-name|authorname|author_name|creator|bbp-author-name|username-coloured|"
    r"PostUser-name|cAuthorPane_author|message-name|bigusername|largetext-author)$",
    re.IGNORECASE,
)
_PROFILE_HREF = re.compile(
    r"/u/[^/?#]+|/users?/[^/?#]+|/members?/[^/?#]+|/profile/[^/?#]+|viewprofile|showuser="
    r"|member\.php|/people/[^/?#]+|(?:^|/)user-\d+|^/u\d+$|/profile\.php",
    re.IGNORECASE,
)
_ACCOUNT_ACTION = re.compile(
    r"(?:action|mode|do)=(?:login|logout|register|lostpw|lostpassword|signup|activate)"
    r"|/(?:login|logout|register|signup|sign_in|sign_up|lostpassword)\b",
    re.IGNORECASE,
)
_MENTION_CLASS = re.compile(r"mention", re.IGNORECASE)
_BYLINE_WORD = re.compile(r"^(?:by|von|par|de|di|por|door|av|posted by)\s+", re.IGNORECASE)
_BODY_TOKEN = re.compile(
    r"content|message|body|entry|text|cooked|bbwrapper|usertext|md$", re.IGNORECASE
)
_NOT_BODY_TOKEN = re.compile(
    r"head|meta|info|profile|author|user|sig|foot|title|date|time|avatar|action|control|"
    r"button|nav|tool|menu|share|reaction|vote|like|rank|stat|badge|flair|quote",
    re.IGNORECASE,
)
_PAGE_CHROME = re.compile(
    r"sidebar|widget|similar|related|recent|breadcrumb|footer|navbar"
    r"|menu|sponsor|advert",
    re.IGNORECASE,
)
_SIGNATURE_ATTRS = ("component", "itemprop", "data-role", "data-type", "role", "itemtype")


@dataclass
class _Candidate:
    element: etree._Element
    author_element: etree._Element
    author: str
    body: etree._Element | None
    body_length: int
    total_length: int
    body_like: bool


def _generic(root: etree._Element, url: str, base: str, now: datetime) -> ForumPage:
    page_url = _canonical_page(root, url)
    authors = _author_elements(root)
    keys = _author_keys(authors)
    per_element: dict[etree._Element, set[str]] = {}
    for element, key, _display in keys:
        node = element
        depth = 0
        while node is not None and depth < 60:
            per_element.setdefault(node, set()).add(key)
            node = node.getparent()
            depth += 1
    author_set = {e: display for e, _key, display in keys}
    groups: dict[tuple[int, str, str], list[etree._Element]] = {}
    parents: dict[int, etree._Element] = {}
    for element, found in per_element.items():
        if len(found) != 1 or element in author_set or element.tag in ("html", "body"):
            continue
        parent = element.getparent()
        if parent is None:
            continue
        parents[id(parent)] = parent
        for token in _signature_tokens(element):
            groups.setdefault((id(parent), element.tag, token), []).append(element)
    cache: dict[etree._Element, _Candidate | None] = {}

    def candidate(element: etree._Element) -> _Candidate | None:
        if element not in cache:
            cache[element] = _generic_candidate(element, author_set, per_element)
        return cache[element]

    best: tuple[tuple[float, float, float], list[_Candidate], str] | None = None
    for (_parent_id, _tag, token), members in groups.items():
        if best is not None and len(members) < 1:
            continue
        found = [c for c in (candidate(m) for m in members[:_MAX_POSTS]) if c is not None]
        if not found:
            continue
        score = (
            float(len(found)),
            sum(min(c.body_length, 400) * (1.5 if c.body_like else 1.0) for c in found),
            sum(c.body_length / max(c.total_length, 1) for c in found) / len(found),
        )
        if best is None or score > best[0]:
            best = (score, found, token)
    if best is None:
        return ForumPage((), _next_url(root, base, url, None), (), "generic")
    chosen = best[1]
    token = best[2]
    if token.startswith("class:"):
        chosen = _with_cousins(chosen, token, per_element, candidate)
    items: list[Item] = []
    seen: set[str] = set()
    title = _generic_title(root)
    for found in chosen[:_MAX_POSTS]:
        item = _generic_item(found, page_url, base, title, now)
        if item is None or item.key in seen:
            continue
        seen.add(item.key)
        items.append(item)
    return ForumPage(tuple(items), _next_url(root, base, url, None), (), "generic")


def _signature_tokens(element: etree._Element) -> list[str]:
    tokens = [f"class:{c}" for c in element.get("class", "").split() if not c.isdigit()]
    for attr in _SIGNATURE_ATTRS:
        value = element.get(attr)
        if value:
            tokens.append(f"{attr}:{value}")
    element_id = element.get("id", "")
    if element_id:
        tokens.append("id:" + re.sub(r"\d+", "#", element_id))
    if not tokens:
        tokens.append("bare:")
    return tokens


def _author_elements(root: etree._Element) -> list[etree._Element]:
    found: list[etree._Element] = []
    for element in _AUTHOR_XPATH(root):
        if not isinstance(element.tag, str) or element.tag in ("html", "body", "meta", "link"):
            continue
        if not _is_author_like(element):
            continue
        found.append(element)
        if len(found) >= _MAX_AUTHORS:
            break
    members = set(found)
    # Keep the innermost: a wrapper such as .post_author holds the real name link.
    inner = []
    for element in found:
        if any(d in members for d in element.iterdescendants() if d is not element):
            continue
        inner.append(element)
    return [e for e in inner if not _in_quote_or_text(e)]


def _is_author_like(element: etree._Element) -> bool:
    if element.get("itemprop") in ("author", "creator") or element.get("rel") == "author":
        return True
    if element.tag == "a" and element.get("data-username"):
        return not _MENTION_CLASS.search(element.get("class", ""))
    classes = element.get("class", "").split()
    if any(_AUTHOR_CLASS.match(c) for c in classes):
        return True
    href = element.get("href") if element.tag == "a" else None
    if href and _PROFILE_HREF.search(href) and not _MENTION_CLASS.search(" ".join(classes)):
        return not _ACCOUNT_ACTION.search(href)
    return False


def _in_quote_or_text(element: etree._Element) -> bool:
    text = clean_text(_text_of(element))
    if text.startswith("@"):
        return True
    node = element.getparent()
    strong_signal = element.get("itemprop") or any(
        _AUTHOR_CLASS.match(c) for c in element.get("class", "").split()
    )
    depth = 0
    while node is not None and depth < 30:
        tag = node.tag if isinstance(node.tag, str) else ""
        classes = node.get("class", "")
        if tag == "blockquote" or "quote" in classes.lower() or _MENTION_CLASS.search(classes):
            return True
        if tag in ("nav", "footer") or (tag == "p" and not strong_signal):
            return True
        node = node.getparent()
        depth += 1
    return False


def _author_keys(authors: list[etree._Element]) -> list[tuple[etree._Element, str, str]]:
    """(element, key, display name) of each author element.

    The key is the profile link when there is one (an avatar link and a name link of the same
    post then agree), else the name; the display name of a link is the longest name any
    element linking to the same profile shows (an avatar's "L" yields to "LB_").
    """
    best_name: dict[str, str] = {}
    named: list[tuple[etree._Element, str, str]] = []
    for element in authors:
        name = _author_name(element)
        href = _profile_key(element)
        if name and href and len(name) > len(best_name.get(href, "")):
            best_name[href] = name
        named.append((element, name, href))
    keys = []
    for element, name, href in named:
        display = best_name.get(href, name) if href else name
        key = href or name.casefold()
        if key and display:
            keys.append((element, key, display))
    return keys


def _profile_key(element: etree._Element) -> str:
    link = element if element.tag == "a" else next(element.iter("a"), None)
    href = link.get("href", "") if link is not None else ""
    if not href or href.startswith(("javascript:", "#")):
        return ""
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return ""
    query = "&".join(
        f"{k}={v}" for k, v in parse_qsl(parts.query) if k.lower() not in _SESSION_PARAMS
    )
    path = parts.path.lstrip("./").rstrip("/").lower()
    return f"{path}?{query}" if query else path


def _author_name(element: etree._Element) -> str:
    if element.get("itemprop") in ("author", "creator"):
        for inner in element.iter():
            if inner.get("itemprop") == "name":
                value = clean_text(inner.get("content") or _text_of(inner))
                if value:
                    return value
        if element.get("content"):
            return clean_text(element.get("content"))
    name = clean_text(_text_of(element))
    if not name and element.tag == "a":
        name = clean_text(element.get("data-username") or "")
    if " " in name:
        # A byline ("von <strong>lupa</strong> am 26/10/13"): the emphasised name inside.
        for inner in element.iterdescendants("a", "strong", "b"):
            inner_name = clean_text(_text_of(inner))
            if inner_name and len(inner_name) + 3 < len(name):
                return inner_name if len(inner_name) <= 60 else ""
    name = _BYLINE_WORD.sub("", name)
    if not name or len(name) > 60 or not re.search(r"[^\W\d_]", name):
        return ""  # "#1", "12", "" are post numbers or icons, not names
    return name


def _generic_candidate(
    element: etree._Element,
    author_set: Mapping[etree._Element, str],
    per_element: Mapping[etree._Element, set[str]],
) -> _Candidate | None:
    if _PAGE_CHROME.search(element.get("class", "") + " " + element.get("id", "")):
        return None
    node = element.getparent()
    depth = 0
    while node is not None and depth < 40:
        if isinstance(node.tag, str) and (
            node.tag in ("nav", "footer")
            or _PAGE_CHROME.search(f"{node.get('class', '')} {node.get('id', '')}")
            and node.tag not in ("body", "html")
        ):
            return None
        node = node.getparent()
        depth += 1
    author_element = next((d for d in element.iter() if d in author_set), None)
    if author_element is None:
        return None
    author = author_set[author_element]
    if not author or _SPONSORED.match(author):
        return None
    body, body_like = _find_body(element, per_element)
    body_length = len(clean_text(_text_of(body))) if body is not None else 0
    if body_length == 0:
        return None
    total = len(clean_text(_text_of(element)))
    return _Candidate(element, author_element, author, body, body_length, total, body_like)


def _find_body(
    element: etree._Element, per_element: Mapping[etree._Element, set[str]]
) -> tuple[etree._Element | None, bool]:
    """The post's body: a body-like element not holding the author, else the largest block."""
    best: tuple[int, etree._Element] | None = None
    best_plain: tuple[int, etree._Element] | None = None
    for count, node in enumerate(element.iterdescendants()):
        if count > 4000:
            break
        if not isinstance(node.tag, str) or node in per_element:
            continue
        if node.tag in _DROP_TAGS or node.tag in ("a", "img", "span", "strong", "b", "time"):
            continue
        marker = " ".join(
            [*node.get("class", "").split(), node.get("itemprop", ""), node.get("id", "")]
        )
        tokens = [t for t in marker.split() if t]
        length = len(clean_text(_text_of(node)))
        is_body = node.get("itemprop") in ("text", "articleBody", "commentText") or any(
            _BODY_TOKEN.search(t) and not _NOT_BODY_TOKEN.search(t) for t in tokens
        )
        if is_body and (best is None or length > best[0]):
            best = (length, node)
        elif (
            not is_body
            and node.tag in ("div", "section", "td", "article", "p")
            and (best_plain is None or length > best_plain[0])
        ):
            best_plain = (length, node)
    if best is not None:
        length, node = best
        # Descend into a body-like child holding nearly all of it (post_content → post_body).
        for inner in node.iterdescendants():
            if not isinstance(inner.tag, str) or inner in per_element:
                continue
            tokens = inner.get("class", "").split()
            if any(_BODY_TOKEN.search(t) and not _NOT_BODY_TOKEN.search(t) for t in tokens):
                inner_length = len(clean_text(_text_of(inner)))
                if inner_length >= 0.8 * length and inner_length > 0:
                    node, length = inner, inner_length
        return node, True
    return (best_plain[1], False) if best_plain is not None else (None, False)


def _with_cousins(
    chosen: list[_Candidate],
    token: str,
    per_element: Mapping[etree._Element, set[str]],
    candidate: Any,
) -> list[_Candidate]:
    """Add same-class blocks elsewhere on the page (an opening post outside the reply list)."""
    class_name = token.split(":", 1)[1]
    members = {c.element for c in chosen}
    extra: list[_Candidate] = []
    for element, found in per_element.items():
        if element in members or len(found) != 1:
            continue
        if class_name not in element.get("class", "").split():
            continue
        if any(m in members for m in element.iterancestors()) or any(
            d in members for d in element.iterdescendants()
        ):
            continue
        found_candidate = candidate(element)
        if found_candidate is not None:
            extra.append(found_candidate)
    if not extra:
        return chosen
    everything = chosen + extra
    order = (
        {e: i for i, e in enumerate(everything[0].element.getroottree().iter())}
        if len(everything) < 500
        else None
    )
    if order is None:
        return chosen
    return sorted(everything, key=lambda c: order.get(c.element, 0))


def _generic_title(root: etree._Element) -> str:
    for h1 in root.iter("h1"):
        text = clean_text(_text_of(h1))
        if text:
            return text
    return _og_title(root)


def _generic_item(
    found: _Candidate, page_url: str, base: str, title: str, now: datetime
) -> Item | None:
    markup = ""
    if found.body is not None:
        markup = _body_html(found.body, None, None)
    # A post that only quotes someone (or only shows an image) is still a post: keep it.
    text = html_to_text(markup, keep_lines=True)
    published = _fallback_date(found.element, found.body, None, now)
    url = ""
    for anchor in found.element.iter("a"):
        classes = anchor.get("class", "").lower()
        if (
            "permalink" in classes
            or anchor.get("rel") == "bookmark"
            or anchor.get("component") == "post/anchor"
        ):
            href = (anchor.get("href") or "").strip()
            resolved = absolute_url(base, href) if href and href != "#" else ""
            if resolved:
                url = _strip_session(resolved)
                break
    if not url:
        url = _anchor_url(found.element, page_url, found.author, text)
    return Item(
        key=_post_key(url),
        url=url,
        title=title,
        text=text,
        author=found.author,
        published_at=published,
        links=_body_links(markup, base),
    )
