"""OPML, the feed-list format every feed reader imports and exports.

Reading never resolves entities or fetches anything: an OPML file is data from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from lxml import etree

from veille.errors import UsageError
from veille.models import Source
from veille.urls import is_http_url


@dataclass(frozen=True)
class Feed:
    title: str
    url: str


def read_opml(data: bytes, name: str = "OPML file") -> list[Feed]:
    """The feeds (outlines with an xmlUrl) of an OPML document, nested folders flattened."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        recover=False,
        dtd_validation=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise UsageError(f"{name}: not an OPML file ({error})") from None
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise UsageError(f"{name}: not an OPML file (the root element is not <opml>)")
    feeds: dict[str, Feed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not is_http_url(url):
            continue
        title = (outline.get("title") or outline.get("text") or url).strip() or url
        feeds.setdefault(url, Feed(title=" ".join(title.split()), url=url))
    return list(feeds.values())


def write_opml(sources: Iterable[Source], title: str = "veille sources") -> str:
    """An OPML 2.0 document listing the rss sources (the ones a feed reader can read)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_text(title)}</title></head>",
        "  <body>",
    ]
    for source in sources:
        if source.type == "rss" and source.url:
            lines.append(
                f'    <outline type="rss" text={quoteattr(source.name)} '
                f"title={quoteattr(source.name)} xmlUrl={quoteattr(source.url)}/>"
            )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(value: str) -> str:
    return quoteattr(value)[1:-1]
