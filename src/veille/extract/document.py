"""Pages as lxml trees: parsing, selecting with preset selectors, and the text and links of
an element (a post body without its quotes and signatures)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import lxml.html
from lxml import etree

from veille.charset import decode_html
from veille.css import compile_selector
from veille.text import clean_text
from veille.urls import absolute_url

_MAX_POSTS = 2000
_MAX_LINKS = 500


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


def _text_of(element: etree._Element) -> str:
    try:
        # lxml.html's elements have it; another element has not, and falls back below.
        return element.text_content()  # type: ignore[attr-defined]
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


def _copy(element: etree._Element) -> lxml.html.HtmlElement:
    # lxml.html.tostring serialises any element; its stub asks for an HtmlElement.
    markup = lxml.html.tostring(element, encoding="unicode", with_tail=False)  # type: ignore[call-overload]
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
