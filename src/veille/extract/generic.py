"""The generic extractor: a page's repeated post blocks, found from their authors, for engines
without a preset."""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from lxml import etree

from veille.dates import parse_forum_date
from veille.extract.document import (
    _DROP_TAGS,
    _MAX_POSTS,
    _SIGNATURES,
    _SPONSORED,
    _body_html,
    _body_links,
    _copy,
    _remove,
    _text_of,
)
from veille.extract.links import (
    _anchor_url,
    _canonical_page,
    _next_url,
    _post_key,
    _strip_session,
    _with_fragment,
)
from veille.extract.page import ForumPage, _attribute_date, _is_join_date, _og_title
from veille.extract.posters import (
    _QUOTE_HEADING,
    _author_elements,
    _author_keys,
    _is_plain_name,
    _short_text,
)
from veille.models import Item
from veille.text import clean_text, html_to_text
from veille.urls import absolute_url

_BODY_TOKEN = re.compile(
    r"content|message|msg|body|entry|text|cooked|bbwrapper|usertext|md$", re.IGNORECASE
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
# An anchor that names a post (`#p41877`, `#msg70412`, `#Post48213`, `#post_5001`, `#22871`).
_POST_ANCHOR = re.compile(r"^(?:post|msg|message|p|pid|entry|comment|reply)?[-_]?\d+$", re.I)
# Old engines print the signature in the body after a line of underscores (phpBB 2, vB 3).
_SIGNATURE_RULE = re.compile(r"\n_{8,}\n[\s\S]*$")


@dataclass
class _Candidate:
    element: etree._Element
    author_element: etree._Element
    author: str
    body: etree._Element | None
    body_length: int
    total_length: int
    body_like: bool


def _generic(root: etree._Element, url: str, base: str, now: datetime, zone: tzinfo) -> ForumPage:
    page_url = _canonical_page(root, url)
    authors = _author_elements(root)
    keys = _author_keys(authors)
    per_element: dict[etree._Element, set[str]] = {}
    for element, key, _display in keys:
        node: etree._Element | None = element
        depth = 0
        while node is not None and depth < 60:
            per_element.setdefault(node, set()).add(key)
            node = node.getparent()
            depth += 1
    author_set = {e: display for e, _key, display in keys}
    groups: dict[tuple[int, object, str], list[etree._Element]] = {}
    parents: dict[int, etree._Element] = {}
    for element, keys_found in per_element.items():
        if len(keys_found) != 1 or element in author_set or element.tag in ("html", "body"):
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
    chosen = _with_guests(chosen, token, per_element)
    anchors = _PostAnchors(root, chosen)
    items: list[Item] = []
    seen: set[str] = set()
    title = _generic_title(root)
    for post in chosen[:_MAX_POSTS]:
        item = _generic_item(post, page_url, base, title, now, zone, anchors)
        if item is None or item.key in seen:
            continue
        seen.add(item.key)
        items.append(item)
    return ForumPage(tuple(items), _next_url(root, base, url, None), (), "generic")


def _signature_tokens(element: etree._Element) -> list[str]:
    classes = element.get("class", "").split()
    # Alternating rows share a name without their digit: windowbg/windowbg2, row1/row2, alt1/alt2.
    stems = [c.rstrip("0123456789") for c in classes if c[-1:].isdigit()]
    tokens = [f"class:{c}" for c in dict.fromkeys(classes + stems) if c and not c.isdigit()]
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
        if node.tag in _DROP_TAGS or node.tag in ("a", "img", "strong", "b", "time"):
            continue
        marker = " ".join(
            [*node.get("class", "").split(), node.get("itemprop", ""), node.get("id", "")]
        )
        tokens = [t for t in marker.split() if t]
        is_body = _is_body_like(node, tokens)
        if node.tag == "span" and not is_body:
            continue  # a span is a body only when its class says so (phpBB 2's span.postbody)
        length = len(clean_text(_text_of(node)))
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
        length -= _chrome_length(node)
        # Descend into a body-like child holding nearly all of it (post_content → post_body),
        # not counting the header, date and signature lines around it.
        descended = True
        while descended:
            descended = False
            for inner in node.iterdescendants():
                if not isinstance(inner.tag, str) or inner in per_element:
                    continue
                if _is_body_like(inner, inner.get("class", "").split()) and not _in_chrome(
                    inner, node
                ):
                    inner_length = len(clean_text(_text_of(inner)))
                    if inner_length >= 0.8 * length and inner_length > 0:
                        node, length = inner, inner_length - _chrome_length(inner)
                        descended = True
                        break
        # A body cut in pieces by quotes (phpBB 2's span.postbody, table, span.postbody).
        parent = node.getparent()
        if (
            parent is not None
            and parent is not element
            and parent not in per_element
            and node.get("class")
            and any(
                sibling.tag == node.tag and sibling.get("class") == node.get("class")
                for sibling in parent
                if sibling is not node
            )
        ):
            node = parent
        return node, True
    return (best_plain[1], False) if best_plain is not None else (None, False)


def _is_body_like(node: etree._Element, tokens: list[str]) -> bool:
    if node.get("itemprop") in ("text", "articleBody", "commentText"):
        return True
    if any(_SIGNATURES.search(t) for t in tokens):
        return False  # FluxBB's signature is a "postsignature postmsg"
    return any(_BODY_TOKEN.search(t) and not _NOT_BODY_TOKEN.search(t) for t in tokens)


def _in_chrome(element: etree._Element, container: etree._Element) -> bool:
    """Whether a quote, header or signature block of `container` holds `element`."""
    for ancestor in element.iterancestors():
        if ancestor is container:
            return False
        tokens = ancestor.get("class", "").split()
        if any(_NOT_BODY_TOKEN.search(t) for t in tokens) and not _is_body_like(ancestor, tokens):
            return True
    return False


def _chrome_length(node: etree._Element) -> int:
    """Text of the header, meta and signature blocks inside a body-like container."""
    total = 0
    stack = list(node)
    while stack:
        inner = stack.pop()
        if not isinstance(inner.tag, str):
            continue
        tokens = [t for t in (*inner.get("class", "").split(), inner.get("id", "")) if t]
        if any(_NOT_BODY_TOKEN.search(t) for t in tokens) and not _is_body_like(inner, tokens):
            total += len(clean_text(_text_of(inner)))
        else:
            stack.extend(inner)
    return total


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
    return _in_page_order(chosen + extra) or chosen


def _with_guests(
    chosen: list[_Candidate], token: str, per_element: dict[etree._Element, set[str]]
) -> list[_Candidate]:
    """Add the group's blocks whose poster has no profile link (a guest, a deleted account):
    their name sits where the members' names sit (FluxBB `dt > strong`, SMF `.poster h4`)."""
    paths = {tuple(_steps(c.element, c.author_element)) for c in chosen}
    if len(chosen) < 2 or len(paths) != 1:
        return chosen
    path = paths.pop()
    members = {c.element for c in chosen}
    extra: list[_Candidate] = []
    for parent in {c.element.getparent() for c in chosen}:
        if parent is None:
            continue
        for block in parent:
            if (
                block in members
                or block in per_element
                or block.tag != chosen[0].element.tag
                or token not in _signature_tokens(block)
            ):
                continue
            node, depth = block, 0
            for tag, classes in path:
                step = next((c for c in node if c.tag == tag and _class_stems(c) == classes), None)
                if step is None:
                    break
                node, depth = step, depth + 1
            name = clean_text(_text_of(node))
            # Only the profile link may be missing: a guest's name is plain text.
            if depth < len(path) - (path[-1][0] == "a") or not _is_plain_name(name):
                continue
            marked = {a: {name} for a in (node, *node.iterancestors()) if a is not block}
            body, body_like = _find_body(block, ChainMap(marked, per_element))
            length = len(clean_text(_text_of(body))) if body is not None else 0
            if length:
                total = len(clean_text(_text_of(block)))
                extra.append(_Candidate(block, node, name, body, length, total, body_like))
    if not extra:
        return chosen
    return _in_page_order(chosen + extra) or chosen


def _steps(ancestor: etree._Element, element: etree._Element) -> list[tuple[object, str]]:
    steps: list[tuple[object, str]] = []
    node: etree._Element | None = element
    while node is not None and node is not ancestor:
        steps.append((node.tag, _class_stems(node)))
        node = node.getparent()
    return list(reversed(steps))


def _class_stems(element: etree._Element) -> str:
    return " ".join(c.rstrip("0123456789") for c in element.get("class", "").split())


def _in_page_order(candidates: list[_Candidate]) -> list[_Candidate]:
    """The candidates in document order (empty when the page is too large to index)."""
    if len(candidates) >= 500:
        return []
    order = {e: i for i, e in enumerate(candidates[0].element.getroottree().iter())}
    return sorted(candidates, key=lambda c: order.get(c.element, 0))


_JOIN_WORDS = re.compile(
    r"join|regist|inscri|mitglied|seit|membre|member since|dabei", re.IGNORECASE
)


def _generic_date(
    post: etree._Element, body: etree._Element | None, now: datetime, zone: tzinfo
) -> str | None:
    """A date outside the body: machine attributes first, then the shortest texts holding one.

    An element's whole text is read before its own text, so a date printed in pieces
    ("03/11/24" "08:15 AM", "11.03.2024," "08:15", "<strong>Today</strong> at 08:05") is read
    whole; then each piece of its own text ("Posté le: … 08:15" before "Sujet du message: …").
    Join dates ("Registered: 06/02/19", "Inscription : 2019-06-02") are skipped.
    """
    body_nodes = set(body.iter()) if body is not None else set()
    holders = set(body.iterancestors()) if body is not None else set()
    elements = [e for e in post.iter() if isinstance(e.tag, str) and e not in body_nodes][:3000]
    parsed = _attribute_date(elements, now, zone)
    if parsed:
        return parsed
    for element in elements:
        if _is_join_date(element):
            continue
        pieces = [element.text or ""] + [
            child.tail or "" for child in element if isinstance(child.tag, str)
        ]
        texts = [" ".join(pieces), *pieces]
        if element not in holders:
            texts.insert(0, _short_text(element, 60))
        for text in texts:
            text = clean_text(text)
            if 6 <= len(text) <= 60 and re.search(r"\d", text) and not _JOIN_WORDS.search(text):
                parsed = parse_forum_date(text, now, zone)
                if parsed:
                    return parsed
    return None


def _generic_title(root: etree._Element) -> str:
    for h1 in root.iter("h1"):
        text = clean_text(_text_of(h1))
        links = [a.get("href", "") for a in h1.iter("a")]
        if links and all(re.search(r"(?:^|/)(?:index\.\w+)?$", h) for h in links):
            continue  # the site's name linking home (SMF, FluxBB), not the thread's
        if text:
            return text
    return _og_title(root)


def _generic_item(
    found: _Candidate,
    page_url: str,
    base: str,
    title: str,
    now: datetime,
    zone: tzinfo,
    anchors: _PostAnchors,
) -> Item | None:
    markup = ""
    if found.body is not None:
        markup = _body_html(_without_quote_blocks(found.body), None, None)
    # A post that only quotes someone (or only shows an image) is still a post: keep it.
    text = _SIGNATURE_RULE.sub("", html_to_text(markup, keep_lines=True)).strip()
    published = _generic_date(found.element, found.body, now, zone)
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
        fragment = anchors.of(found)
        url = (
            _with_fragment(page_url, fragment)
            if fragment
            else _anchor_url(found.element, page_url, found.author, text)
        )
    return Item(
        key=_post_key(url),
        url=url,
        title=title,
        text=text,
        author=found.author,
        published_at=published,
        links=_body_links(markup, base),
    )


class _PostAnchors:
    """Each post's own anchor: its id (`p41877`, `post_5001`), the fragment of a link to it
    (`#msg70412`, `#Post48213`, `#pid830`) whose target sits in the post or just before it (SMF,
    UBB.threads and MyBB print `<a id="msg70412">` before the post), else an inner id or name."""

    def __init__(self, root: etree._Element, chosen: list[_Candidate]) -> None:
        self.order: dict[etree._Element, int] = {}
        self.targets: dict[str, etree._Element] = {}
        for index, element in enumerate(root.iter()):
            self.order[element] = index
            if not isinstance(element.tag, str):
                continue
            for value in (element.get("id"), element.get("name") if element.tag == "a" else None):
                if value and _POST_ANCHOR.match(value):
                    self.targets.setdefault(value, element)
        self.spans: dict[etree._Element, tuple[int, int]] = {}
        previous_end = -1
        for found in sorted(chosen, key=lambda c: self.order.get(c.element, 0)):
            start = self.order.get(found.element, 0)
            end = start + sum(1 for _ in found.element.iterdescendants())
            self.spans[found.element] = (previous_end, end)
            previous_end = max(previous_end, end)

    def of(self, found: _Candidate) -> str:
        post = found.element
        own = post.get("id", "")
        if _POST_ANCHOR.match(own):
            return own
        body = set(found.body.iter()) if found.body is not None else set()
        low, high = self.spans.get(post, (-1, -1))
        for link in post.iter("a"):
            fragment = (link.get("href") or "").partition("#")[2]
            target = self.targets.get(fragment)
            if target is not None and link not in body and low < self.order[target] <= high:
                return fragment
        for element in list(post.iter())[1:60]:
            if not isinstance(element.tag, str) or element in body:
                continue
            for value in (element.get("id"), element.get("name") if element.tag == "a" else None):
                if value and _POST_ANCHOR.match(value):
                    return value
        return ""


def _tail(element: etree._Element) -> str:
    return (element.tail or "").strip()


def _without_quote_blocks(body: etree._Element) -> etree._Element:
    """A copy of the body without quotes that carry no quote class, found by their heading:
    a "Quote:" or "X wrote:" line and the quoted block after it, in one parent (vBulletin 3,
    UBB.threads `ubbcode-block`, phpBB 2's quote table)."""
    copy = _copy(body)
    doomed: list[etree._Element] = []
    for element in copy.iter():
        if not isinstance(element.tag, str) or element is copy:
            continue
        if not _QUOTE_HEADING.match(_short_text(element)):
            continue
        if any(_QUOTE_HEADING.match(_short_text(child)) for child in element):
            continue  # the innermost element holding the heading
        node = element
        parent = node.getparent()
        while parent is not None and parent is not copy:
            siblings = [c for c in parent if isinstance(c.tag, str)]
            if len(siblings) != 1 or (parent.text or "").strip() or _tail(node):
                break
            node, parent = parent, parent.getparent()
        following = node.getnext()
        while following is not None and not isinstance(following.tag, str):
            following = following.getnext()
        if following is None or _tail(node):
            doomed.append(node)  # a heading left behind by a removed quote class
            continue
        if (
            parent is not None
            and parent is not copy
            and [c for c in parent if isinstance(c.tag, str)] == [node, following]
            and not (parent.text or "").strip()
            and not _tail(following)
            and clean_text(_text_of(following))
        ):
            doomed.append(parent)
    for part in doomed:
        if all(a not in doomed for a in part.iterancestors()):
            _remove(part)
    return copy
