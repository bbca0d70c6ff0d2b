"""Sniffing and prolog clean-up: what is done to an XML document before any parser sees it.

The Content-Type is split into media type and charset; the DOCTYPE and its internal subset
(the only place entities can be declared), whitespace and misplaced `<?xml …?>` declarations
before the root are removed, line numbers kept; the root element's name is found, so that an
HTML page is recognised as one (`_is_html_page`).
"""

from __future__ import annotations

import re

from veille.errors import ParseError

_PROLOG_PART = re.compile(r"[\s\ufeff]+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_DOCTYPE_START = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_DOCTYPE_SPECIAL = re.compile(r"[\"'\[\]>]|<!--")
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]{0,100})")
_HTML_ROOTS = frozenset({"html", "head", "body"})
_FEED_ROOTS = frozenset({"rss", "feed", "rdf"})  # local names: <rdf:RDF> is RSS 1.0
_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
# Characters XML 1.0 forbids (tab, LF and CR are allowed); U+FFFE/U+FFFF too.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_JSON_TYPES = ("application/feed+json", "application/json")
_HTML_PAGE = "not a feed: the page is HTML — use `type: blog` to discover its feed"


def _doctype_end(text: str, start: int) -> int | None:
    """Index just past the DOCTYPE starting at `start` (internal subset included), or None.

    Quoted strings and comments inside the subset may hold `]` or `>`, so they are skipped.
    """
    in_subset = False
    pos = start + len("<!DOCTYPE")
    while True:
        found = _DOCTYPE_SPECIAL.search(text, pos)
        if found is None:
            return None
        token = found.group()
        if token in ('"', "'"):
            close = text.find(token, found.end())
            if close < 0:
                return None
            pos = close + 1
        elif token == "<!--":
            close = text.find("-->", found.end())
            if close < 0:
                return None
            pos = close + 3
        elif token == "[":
            in_subset = True
            pos = found.end()
        elif token == "]":
            in_subset = False
            pos = found.end()
        elif in_subset:  # a ">" closing a declaration inside the subset
            pos = found.end()
        else:
            return found.end()


def _clean_prolog(text: str) -> tuple[str, str, bool]:
    """Rewrite what precedes the root element; returns (document, root name, html doctype).

    Removed: whitespace, every `<?xml …?>` declaration, the DOCTYPE. Kept: comments and other
    processing instructions. Each removed part leaves its line breaks, so the line numbers in
    expat's messages still point into the document as served.
    """
    parts = [_XML_DECLARATION]
    pos = 0
    html_doctype = False
    while True:
        part = _PROLOG_PART.match(text, pos)
        if part is not None:
            chunk = part.group()
            if chunk[0] != "<" or (chunk.startswith("<?xml") and chunk[5:6] in " \t\r\n?"):
                parts.append("\n" * chunk.count("\n"))
            else:
                parts.append(chunk)
            pos = part.end()
            continue
        if _DOCTYPE_START.match(text, pos):
            end = _doctype_end(text, pos)
            if end is None:
                raise ParseError("not a feed: the DOCTYPE declaration never ends")
            html_doctype = text[pos + 9 : end].strip().lower().startswith("html")
            parts.append("\n" * text.count("\n", pos, end))
            pos = end
            continue
        break
    root = _ROOT.match(text, pos)
    parts.append(text[pos:])
    return "".join(parts), (root.group(1) if root else ""), html_doctype


def _is_html_page(root: str, html_doctype: bool, mime: str) -> bool:
    """Whether the document is an HTML page rather than a feed.

    The root element decides first: an `<rss>`, `<feed>` or `<rdf:RDF>` root is a feed whatever
    its DOCTYPE says, since some generators put an XHTML DOCTYPE on their feeds, and feedparser
    reads them. Otherwise an HTML DOCTYPE or root, or no root at all in a `text/html` body,
    makes it a page.
    """
    name = root.lower()
    if name.rpartition(":")[2] in _FEED_ROOTS:
        return False
    return html_doctype or name in _HTML_ROOTS or (not root and mime == "text/html")


def _split_content_type(content_type: str | None) -> tuple[str, str | None]:
    """(mime type, charset) from a Content-Type header value."""
    if not content_type:
        return "", None
    mime, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset
