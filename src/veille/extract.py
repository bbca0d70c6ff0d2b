"""HTML (and forum JSON) bytes → posts, links and articles, as plain values.

The stage never touches the network: every function takes the body exactly as fetched and the
URL it came from. Three jobs:

**Forums** (`extract_forum`). A page is read with, in order of precedence:

1. the user's `selectors` (keys `post`, `author`, `body`, `date`, `link`, `next`, `title`,
   `thread`), merged over the preset of `engine` when one is given;
2. the preset of `engine` (`PRESETS`, data only: CSS selectors per engine);
3. the preset of the engine `detect_engine` recognises (generator meta, then markup
   signatures);
4. the generic extractor, when the engine is unknown or has no preset (NodeBB, Vanilla, MyBB,
   bbPress, Forumotion …) or when the preset finds nothing.

Selector syntax: plain CSS (via cssselect); `css@attr` reads an attribute of the first match;
`@attr` alone reads the post element's own attribute (or that of its wrapper, for engines that
put post numbers on a wrapping `div`); `a || b` tries `a` first and `b` only when `a` finds
nothing. Inside a post, an element that belongs to a post nested in it (Reddit's comment tree)
is not the outer post's.

Every post body drops what is not the poster's own words: quotes (the engine's quote selector
plus the usual `blockquote.quote`, `aside.quote`, `.bbcode_quote` …), signatures, scripts.
Blocks that are not posts are dropped everywhere: sponsored blocks ("Sponsored", "Gesponserte
Inhalte", "Publicité" …) and blocks with neither an author nor any text (navigation
pseudo-posts).

**The generic extractor** looks for the page's repeated post blocks: it marks "author-like"
elements (schema.org author, `.username`/`.author` classes, profile links: `/u/`, `/user/`,
`/members/`, `memberlist.php?mode=viewprofile` …), keeps the elements that hold exactly one
author, groups them by parent and by a shared signature (tag plus one class token or one
structural attribute), and keeps the group whose members have the most text in a body-like
child (`.content`, `.message`, `.post_body`, `[itemprop=text]` …). Members with an empty body
or a sponsored "author" are dropped; elements elsewhere on the page carrying the same class
token (Vanilla's opening post sits apart from its comments) join the group.

**Blogs**: `discover_feeds` (`<link rel="alternate">` with any feed-like type, including the
non-standard `application/rss`), `article_links` (a list page's links to its articles) and
`extract_article` (main text by our own lxml heuristics: known content containers first, then
readability-style paragraph scoring; metadata from JSON-LD, Open Graph and `<time>`). We do
not use trafilatura: it is Apache-2.0 only from 1.8 on, and it would pull in a dozen
packages (htmldate, justext, courlan, dateparser …) for one function whose job a hundred
lines of lxml do well enough on the pages we meet; readability-lxml would add a dependency
for less than the scoring below.

Hostile input: bytes are decoded here (BOM, HTTP charset, `<meta charset>`, UTF-8,
windows-1252 fallback); lxml's recovering parser takes broken markup; nothing recurses over
the tree, and post and element counts are bounded, so a 10 MB page costs a few seconds at most.
"""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from veille.css import compile_selector
from veille.dates import parse_forum_date
from veille.models import Item
from veille.text import clean_text, html_to_text
from veille.urls import absolute_url, canonical_url, is_http_url

__all__ = [
    "ENGINES",
    "PRESETS",
    "ForumPage",
    "article_links",
    "decode_html",
    "detect_engine",
    "discover_feeds",
    "extract_article",
    "extract_forum",
    "forum_api_url",
    "parse_forum_date",
]


@dataclass(frozen=True)
class ForumPage:
    """What one forum page gave: its posts, where to go next, and which threads it lists."""

    items: tuple[Item, ...]
    next_url: str | None
    thread_urls: tuple[str, ...]
    engine: str


ENGINES: tuple[str, ...] = (
    "discourse",
    "phpbb",
    "xenforo",
    "vbulletin",
    "invision",
    "flarum",
    "reddit",
)

# Engine → selectors, alphabetical. Keys beyond the user-facing eight: `quote` and
# `signature` (removed from bodies), `anchor` (+ `anchor_prefix`: the post's own fragment),
# `number` (the post's number in the thread, for engines whose permalink is thread/N).
PRESETS: dict[str, dict[str, str]] = {
    "discourse": {
        # The no-JavaScript crawler view, then the browser-rendered Ember DOM. The crawler
        # view's "next page" link is itself a .crawler-post (a SiteNavigationElement).
        "post": (
            ".crawler-post:not([itemtype$=SiteNavigationElement]):not([role=navigation])"
            " || article[data-post-id]"
        ),
        "author": (
            "[itemprop=author] [itemprop=name] || [itemprop=author] || .names .username a"
            " || .names .first a || .username"
        ),
        "body": "[itemprop=articleBody] || [itemprop=text] || .cooked || .post",
        "date": (
            "time@datetime || [itemprop=datePublished]@content || .relative-date@data-time"
            " || .post-date [title]@title"
        ),
        "number": "[itemprop=position] || @data-post-number || @id",
        "next": "link[rel=next]@href || a[rel=next]@href",
        "title": "#topic-title h1 || h1 || meta[property='og:title']@content",
        "thread": "a.title.raw-topic-link@href || .topic-list a.title@href || a.title@href",
        "quote": "aside.quote",
    },
    "flarum": {
        # Rendered DOM, then the server-rendered <noscript> view (h3 = author, .Post-body).
        "post": (
            "article.CommentPost || .PostStream-item article.Post"
            " || #flarum-content .container > div > div"
        ),
        "author": ".PostUser-name .username || .PostUser-name || h3",
        "body": ".Post-body",
        "date": ".PostMeta time@datetime || time@datetime || @data-time",
        "number": "@data-number",
        "next": "link[rel=next]@href || a[rel=next]@href",
        "title": ".DiscussionHero-title || #flarum-content h2 || h1 || h2",
        "thread": ("a.DiscussionListItem-main@href || #flarum-content li a[href*='/d/']@href"),
        "quote": "blockquote",
    },
    "invision": {
        "post": "article.cPost || article[id^=elComment_] || div.post_block",
        "author": (
            ".cAuthorPane_author a || .cAuthorPane_author || [itemprop=creator] [itemprop=name]"
            " || .author a"
        ),
        "body": "[data-role=commentContent] || [itemprop=text] || .post_body .post",
        "date": "time@datetime || abbr.published@title || [itemprop=dateCreated]@content",
        "anchor": "[data-commentid]@data-commentid || @id",
        "anchor_prefix": "comment-",
        "next": "link[rel=next]@href || li.ipsPagination_next a@href || a[rel=next]@href",
        "title": "h1.ipsType_pageTitle || h1",
        "thread": (
            ".ipsDataItem_title a[href*='/topic/']@href || a.topic_title@href"
            " || .ipsDataItem_title a@href"
        ),
        "quote": "blockquote.ipsQuote, .ipsQuote",
        "signature": "[data-role=memberSignature], .cPost_signature",
    },
    "phpbb": {
        "post": "div.post[id^=p] || div.post",
        "author": (
            ".postprofile .username, .postprofile .username-coloured"
            " || .author .username, .author .username-coloured || .author strong"
        ),
        "body": "div.content",
        "date": "p.author time@datetime || time@datetime || p.author",
        "anchor": "@id",
        "next": (
            "link[rel=next]@href || .pagination a[rel=next]@href || .pagination li.next a@href"
            " || .pagination a.next@href || a[rel=next]@href"
        ),
        "title": "h2.topic-title || h2 a || h2",
        "thread": "a.topictitle@href",
        "quote": "blockquote",
        "signature": ".signature",
    },
    "reddit": {
        # New "shreddit" web components, then old reddit's .thing blocks.
        "post": (
            "shreddit-post, shreddit-comment"
            " || div.thing[data-type=link], div.thing[data-type=comment]"
        ),
        "author": "@author || @data-author || a.author",
        "body": (
            "[slot=text-body] || [slot=comment] || .entry .usertext-body .md || .usertext-body .md"
        ),
        "date": ("@created-timestamp || faceplate-timeago@ts || time@datetime || @data-timestamp"),
        "link": "@permalink || @data-permalink || a.bylink@href",
        "next": "span.next-button a@href || link[rel=next]@href",
        "title": "shreddit-post@post-title || a.title || h1",
        "thread": (
            "shreddit-post@permalink || div.thing[data-type=link]@data-permalink"
            " || a[slot=full-post-link]@href"
        ),
        "quote": "blockquote",
    },
    "vbulletin": {
        # vBulletin 4 (li.postcontainer), 5 (li.b-post), 3 (table[id^=post]).
        "post": "li.postcontainer || li.b-post || table.tborder[id^=post]",
        "author": (
            "a.username strong || a.username || .author strong || .author a"
            " || [itemprop=author] [itemprop=name] || .bigusername"
        ),
        "body": (
            ".postcontent || .js-post__content-text || [itemprop=text] || div[id^=post_message_]"
        ),
        "date": (
            "time@datetime || span.date || .postdate || .b-post__timestamp"
            " || @data-node-publishdate"
        ),
        "anchor": "@id || a.anchor@id || a[name^=post]@name",
        "next": "link[rel=next]@href || a[rel=next]@href",
        "title": "span.threadtitle || h1.main-title || h1 || h2.b-post__title",
        "thread": "a[id^=thread_title_]@href || a.topic-title@href",
        "quote": ".bbcode_quote, .bbcode_container, .b-bbcode__quote, div.quote",
        "signature": ".signaturecontainer, .signature, .b-post__signature",
    },
    "xenforo": {
        "post": (
            "article.message--post || article.message[data-author] || li.message[data-author]"
        ),
        "author": "@data-author || .message-name .username || .username",
        "body": ".message-body .bbWrapper || .message-body || blockquote.messageText",
        "date": (
            "time.u-dt@datetime || time@datetime || abbr.DateTime@data-time || span.DateTime@title"
        ),
        "anchor": "@data-content || @id",
        "next": "link[rel=next]@href || a.pageNav-jump--next@href || a[rel=next]@href",
        "title": "h1.p-title-value || .titleBar h1 || h1",
        "thread": (
            ".structItem-title a[href*='threads/']@href || .discussionListItem h3.title a@href"
        ),
        "quote": ".bbCodeBlock--quote, .bbCodeQuote, blockquote.quoteContainer",
        "signature": ".message-signature, .signature",
    },
}

SELECTOR_KEYS: tuple[str, ...] = (
    "post",
    "author",
    "body",
    "date",
    "link",
    "next",
    "title",
    "thread",
)

_MAX_POSTS = 2000
_MAX_AUTHORS = 4000
_MAX_LINKS = 500

# --------------------------------------------------------------------------------------------
# Decoding and parsing
# --------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]{1,40})", re.IGNORECASE
)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.IGNORECASE)
_CP1252 = tuple(
    chr(b) if c == "\ufffd" else c
    for b, c in enumerate(bytes([b]).decode("cp1252", errors="replace") for b in range(256))
)


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: undecodable bytes read as windows-1252, one byte each."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(_CP1252[b] for b in error.object[error.start : error.end]), error.end


codecs.register_error("veille-extract-cp1252", _cp1252_fallback)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # Pages that say latin-1 mean windows-1252 (as browsers read them); UTF-7 is an XSS trick.
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return None if name == "utf-7" else name


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Bytes → text: BOM, then strict UTF-8, then the declared charset, then windows-1252."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = None
    if content_type:
        found = _HTTP_CHARSET.search(content_type)
        declared = _codec(found.group(1)) if found else None
    if declared is None:
        found = _META_CHARSET.search(body[:8192])
        declared = _codec(found.group(1).decode("ascii")) if found else None
    if declared in (None, "utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        # Mostly UTF-8 with a few stray bytes, or undeclared: stray bytes read as cp1252.
        if declared == "utf-8" or _looks_utf8(body):
            return body.decode("utf-8", errors="veille-extract-cp1252")
        declared = "cp1252"
    return body.decode(declared, errors="veille-extract-cp1252")


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _looks_utf8(body: bytes) -> bool:
    sample = body[:200_000]
    multi = len(_UTF8_SEQUENCE.findall(sample))
    high = sum(1 for b in sample if b >= 0x80)
    return multi > 0 and multi * 2 >= high * 0.6


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _parse_html(text: str) -> etree._Element:
    """Text → lxml root, never raising: broken markup is recovered, empty input is <html/>."""
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        return lxml.html.Element("html")
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    return root if root is not None else lxml.html.Element("html")


def _document(body: bytes | str, content_type: str | None = None) -> etree._Element:
    text = body if isinstance(body, str) else decode_html(body, content_type)
    return _parse_html(text)


def _select(
    context: etree._Element, selector: str | None, owner: _Owner | None = None
) -> Iterator[tuple[etree._Element, str | None]]:
    """(element, attribute value or None) for the first alternative that matches."""
    if not selector:
        return
    for alternative in compile_selector(selector):
        found = False
        if alternative.xpath is None:
            for element in (context, context.getparent()):
                if element is not None and alternative.attr:
                    value = element.get(alternative.attr)
                    if value is not None and value.strip():
                        found = True
                        yield element, value
                        break
        else:
            for element in alternative.xpath(context):
                if not isinstance(element.tag, str):
                    continue
                if owner is not None and not owner.owns(context, element):
                    continue
                if alternative.attr is not None:
                    value = element.get(alternative.attr)
                    if value is None or not value.strip():
                        continue
                    found = True
                    yield element, value
                else:
                    found = True
                    yield element, None
        if found:
            return


def _first_text(context: etree._Element, selector: str | None, owner: _Owner | None = None) -> str:
    for element, value in _select(context, selector, owner):
        text = clean_text(value if value is not None else _text_of(element))
        if text:
            return text
    return ""


class _Owner:
    """Decides whether an element found inside a post belongs to it, not to a nested post."""

    def __init__(self, posts: Iterable[etree._Element]) -> None:
        self.posts = set(posts)

    def owns(self, post: etree._Element, element: etree._Element) -> bool:
        node = element if element is not post else None
        while node is not None and node is not post:
            if node in self.posts:
                return False
            node = node.getparent()
        return True


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "svg",
    "form",
    "button",
    "input",
    "select",
    "textarea",
)
_QUOTES = (
    "blockquote.quote, aside.quote, div.quote, .bbcode_quote, .bbCodeBlock--quote, "
    ".bbCodeQuote, blockquote.ipsQuote, .quotecontent, .quote_container, .spoiler-quote, "
    "blockquote[class*=quote], div[class*=quote], blockquote.uncited, blockquote[cite]"
)
_SIGNATURES = re.compile(r"signat", re.IGNORECASE)
_SPONSORED = re.compile(
    r"^(?:sponsored(?: content| post)?|advertisement|advertiser|promoted|ads?|"
    r"gesponsert(?:e|er)?(?: inhalte?| beitrag)?|anzeige|werbung|sponsoris[ée]e?|"
    r"contenu sponsoris[ée]|publicit[ée]|annonce|patrocinado|publicidad|"
    r"sponsorizzat[oa]|pubblicit[àa]|reklama|gesponsord|advertentie|广告|赞助)$",
    re.IGNORECASE,
)
_BYLINE_WORD = re.compile(r"^(?:by|von|par|de|di|por|door|av|posted by)\s+", re.IGNORECASE)
_SPONSOR_CLASS = re.compile(r"\b(?:sponsor\w*|advert\w*|promoted\w*|adsbygoogle)\b", re.I)


def _text_of(element: etree._Element) -> str:
    try:
        return element.text_content()
    except (ValueError, AttributeError):
        return "".join(element.itertext())


def _body_html(
    body: etree._Element, quote_selector: str | None, signature_selector: str | None
) -> str:
    """Serialised copy of a post body without quotes, signatures and scripts."""
    copy = _copy(body)
    selectors = [_QUOTES]
    if quote_selector:
        selectors.append(quote_selector)
    if signature_selector:
        selectors.append(signature_selector)
    doomed: list[etree._Element] = []
    for selector in selectors:
        for part in selector.split("||"):
            for element, _ in _select(copy, part.strip()):
                if element is not copy:
                    doomed.append(element)
    for element in copy.iter():
        if element is copy or not isinstance(element.tag, str):
            continue
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if _SIGNATURES.search(marker):
            doomed.append(element)
    for element in doomed:
        _remove(element)
    etree.strip_elements(copy, *_DROP_TAGS, with_tail=False)
    return lxml.html.tostring(copy, encoding="unicode")


def _copy(element: etree._Element) -> etree._Element:
    markup = lxml.html.tostring(element, encoding="unicode", with_tail=False)
    try:
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return lxml.html.Element("div")


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _links_of(element: etree._Element, base: str) -> tuple[str, ...]:
    links: dict[str, None] = {}
    for anchor in element.iter("a"):
        href = anchor.get("href")
        if href and not href.startswith("#"):
            url = absolute_url(base, href)
            if url:
                links[url] = None
        if len(links) >= _MAX_LINKS:
            break
    return tuple(links)


def _body_links(markup: str, base: str) -> tuple[str, ...]:
    try:
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return ()
    return _links_of(fragment, base)


# --------------------------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------------------------

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
    return urlunsplit(parts._replace(query=urlencode(query)))


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


# --------------------------------------------------------------------------------------------
# Engine detection
# --------------------------------------------------------------------------------------------

_GENERATOR = re.compile(
    r"<meta[^>]{0,200}?name\s*=\s*[\"']generator[\"'][^>]{0,200}?content\s*=\s*[\"']([^\"']{1,200})"
    r"|<meta[^>]{0,200}?content\s*=\s*[\"']([^\"']{1,200})[\"'][^>]{0,200}?name\s*=\s*[\"']generator",
    re.IGNORECASE,
)
_GENERATOR_NAMES = (
    ("discourse", "discourse"),
    ("phpbb", "phpbb"),
    ("xenforo", "xenforo"),
    ("vbulletin", "vbulletin"),
    ("invision", "invision"),
    ("ips community", "invision"),
    ("flarum", "flarum"),
    ("nodebb", "nodebb"),
    ("vanilla", "vanilla"),
    ("mybb", "mybb"),
    ("bbpress", "bbpress"),
    ("simple machines", "smf"),
    ("smf", "smf"),
    ("fluxbb", "fluxbb"),
    ("punbb", "punbb"),
    ("forumotion", "forumotion"),
)
# Markup that only one engine prints, strongest first.
_SIGNATURES_BY_ENGINE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "reddit",
        re.compile(
            r"<shreddit-(?:post|comment)\b|class=\"[^\"]*\bthing\b[^\"]*\"[^>]*"
            r"data-(?:fullname|type)=|<div[^>]+data-subreddit=",
            re.I,
        ),
    ),
    (
        "discourse",
        re.compile(
            r"crawler-post|data-discourse-|discourse-cdn|"
            r"<article[^>]+data-post-id=",
            re.I,
        ),
    ),
    (
        "xenforo",
        re.compile(
            r"data-xf-init|message--post|\bXF\.config|xenforo|<html[^>]+id=\"XF\"|structItem--thread",
            re.I,
        ),
    ),
    ("invision", re.compile(r"ipsComment|data-ipsquote|\bcPost\b|ips4|invisioncommunity", re.I)),
    ("flarum", re.compile(r"flarum-loading|flarum-content|PostStream-item|\bflarum\b", re.I)),
    ("vbulletin", re.compile(r"vbulletin|postcontainer|\bb-post\b|vb_login", re.I)),
    ("phpbb", re.compile(r"viewtopic\.php|class=\"postprofile\"|phpbb|prosilver", re.I)),
    ("nodebb", re.compile(r"component=\"post\"|nodebb", re.I)),
    ("vanilla", re.compile(r"ItemComment|vanilla", re.I)),
    ("mybb", re.compile(r"mybb|class=\"post_author", re.I)),
    ("bbpress", re.compile(r"bbp-reply|bbpress", re.I)),
    ("forumotion", re.compile(r"forumotion|forumactif|forumieren|illiweb\.com", re.I)),
    ("smf", re.compile(r"Simple Machines|smf_", re.I)),
)


def detect_engine(html: bytes | str) -> str | None:
    """The forum engine a page was made by, from its generator meta or its markup."""
    if isinstance(html, bytes):
        html = html[:3_000_000].decode("utf-8", errors="replace")
    else:
        html = html[:3_000_000]
    for found in _GENERATOR.finditer(html[:200_000]):
        content = (found.group(1) or found.group(2) or "").lower()
        for needle, engine in _GENERATOR_NAMES:
            if needle in content:
                return engine
    best: tuple[int, int, str] | None = None
    for rank, (engine, pattern) in enumerate(_SIGNATURES_BY_ENGINE):
        count = sum(1 for _ in zip(range(50), pattern.finditer(html), strict=False))
        if count and (best is None or (count, -rank) > (best[0], best[1])):
            best = (count, -rank, engine)
    if best is None:
        return None
    return best[2]


# --------------------------------------------------------------------------------------------
# Forum pages
# --------------------------------------------------------------------------------------------


def extract_forum(
    body: bytes,
    url: str,
    *,
    engine: str | None = None,
    selectors: Mapping[str, str] | None = None,
    content_type: str | None = None,
    now: datetime | None = None,
) -> ForumPage:
    """Posts, next page and thread links of one forum page (see the module docstring)."""
    now = now or datetime.now(timezone.utc)
    engine = engine.lower().strip() if engine else None
    if _is_json(body, content_type):
        page = _forum_json(body, url, engine, now)
        if page is not None:
            return page
    root = _document(body, content_type)
    base = _page_base(root, url)
    if selectors:
        preset = dict(PRESETS.get(engine or "", {}))
        preset.update({k: v for k, v in selectors.items() if v})
        page = _with_preset(root, url, base, preset, "selectors", engine or "", now)
        return page
    if engine is None:
        engine = detect_engine(body if isinstance(body, bytes) else str(body))
    if engine in PRESETS:
        page = _with_preset(root, url, base, PRESETS[engine], engine, engine, now)
        if page.items or page.thread_urls:
            return page
        generic = _generic(root, url, base, now)
        if generic.items:
            return generic
        return page
    return _generic(root, url, base, now)


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
) -> ForumPage:
    page_url = _canonical_page(root, url)
    title = _first_text(root, preset.get("title")) or _og_title(root)
    posts = [element for element, _ in _select(root, preset.get("post"))][:_MAX_POSTS]
    owner = _Owner(posts)
    items: list[Item] = []
    seen: set[str] = set()
    for index, post in enumerate(posts):
        item = _preset_item(post, index, owner, preset, engine, page_url, base, title, now)
        if item is None or item.key in seen:
            continue
        seen.add(item.key)
        items.append(item)
    next_url = _next_url(root, base, url, preset.get("next"))
    threads = _thread_urls(root, base, preset.get("thread"))
    if engine == "reddit" and "/comments/" not in urlsplit(url).path:
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
) -> Item | None:
    if _SPONSOR_CLASS.search(post.get("class", "") + " " + post.get("id", "")):
        return None
    author = _first_text(post, preset.get("author"), owner)
    if author.startswith("@"):
        author = author[1:]
    body_element = next((e for e, _ in _select(post, preset.get("body"), owner)), None)
    text, links = "", ()
    if body_element is not None:
        markup = _body_html(body_element, preset.get("quote"), preset.get("signature"))
        if owner.posts - {post}:
            markup = _without_nested(body_element, owner, preset)
        text = html_to_text(markup, keep_lines=True)
        links = _body_links(markup, base)
    if (not author and not text) or _SPONSORED.match(author):
        return None
    published = _preset_date(post, owner, preset.get("date"), body_element, now)
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
) -> str | None:
    for element, value in _select(post, selector, owner):
        candidates = [value] if value is not None else [_text_of(element), element.get("title")]
        for candidate in candidates:
            parsed = parse_forum_date(clean_text(candidate), now) if candidate else None
            if parsed:
                return parsed
    return _fallback_date(post, body, owner, now)


_DATE_ATTRS = ("datetime", "data-time", "data-timestamp", "data-datetime", "content", "title")


def _fallback_date(
    post: etree._Element, body: etree._Element | None, owner: _Owner | None, now: datetime
) -> str | None:
    """A date anywhere in the post outside its body: attributes first, then short texts."""
    body_nodes = set(body.iter()) if body is not None else set()
    elements = [
        e
        for e in post.iter()
        if isinstance(e.tag, str) and e not in body_nodes and (owner is None or owner.owns(post, e))
    ][:3000]
    for element in elements:
        if element.tag == "time" or element.get("itemprop") in ("datePublished", "dateCreated"):
            for attr in ("datetime", "content"):
                parsed = parse_forum_date(element.get(attr) or "", now)
                if parsed:
                    return parsed
    for element in elements:
        for attr in ("data-time", "data-timestamp", "data-datetime"):
            parsed = parse_forum_date(element.get(attr) or "", now)
            if parsed:
                return parsed
    for element in elements:
        own = clean_text(
            (element.text or "")
            + " "
            + " ".join((child.tail or "") for child in element if isinstance(child.tag, str))
        )
        if 6 <= len(own) <= 60 and re.search(r"\d", own):
            parsed = parse_forum_date(own, now)
            if parsed and not _is_join_date(element):
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


def _og_title(root: etree._Element) -> str:
    for meta in root.xpath("//meta[@property='og:title' or @name='twitter:title']"):
        text = clean_text(meta.get("content"))
        if text:
            return text
    for title in root.iter("title"):
        return clean_text(_text_of(title))
    return ""


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


# --------------------------------------------------------------------------------------------
# The generic extractor
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# JSON endpoints (Discourse, Reddit)
# --------------------------------------------------------------------------------------------


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


def _forum_json(body: bytes, url: str, engine: str | None, now: datetime) -> ForumPage | None:
    try:
        data = json.loads(decode_html(body))
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict) and ("post_stream" in data or "topic_list" in data):
        return _discourse_json(data, url, now)
    if _is_reddit_json(data):
        return _reddit_json(data, url, now)
    return None


def _discourse_json(data: Mapping[str, Any], url: str, now: datetime) -> ForumPage:
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
                published_at=parse_forum_date(str(post.get("created_at") or ""), now),
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
            published = datetime.fromtimestamp(created, tz=timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
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


# --------------------------------------------------------------------------------------------
# Blogs: feeds, article links, articles
# --------------------------------------------------------------------------------------------

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


def extract_article(body: bytes, url: str, now: datetime | None = None) -> Item | None:
    """An article page's main text and metadata, or None when it holds no article."""
    now = now or datetime.now(timezone.utc)
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
            published = parse_forum_date(str(candidate), now)
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
    node = element
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
