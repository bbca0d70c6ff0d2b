"""The expat pass of the fast path: what a document holds that feedparser-rs would read
otherwise than feedparser (`_Shape`, whose guards refuse such a document with the case's
name), and the texts an entry's image captions hold (`_media_captions`), which both paths
need to tell an entry's own text from a caption.

Each guard names the case that needed it, measured on the shared corpus, the generated
feeds, the fixtures and the peer suites (tests/test_parse_fast.py, tests/test_peers.py).
"""

from __future__ import annotations

import pyexpat
from typing import Any

from veille.parse.entries import _as_feedparser

_ATOM = "http://www.w3.org/2005/Atom"

_RSS1 = "http://purl.org/rss/1.0/"

_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_DC = "http://purl.org/dc/elements/1.1/"

_DCTERMS = "http://purl.org/dc/terms/"

_CONTENT = "http://purl.org/rss/1.0/modules/content/"

_FEEDBURNER = "http://rssnamespace.org/feedburner/ext/1.0"

_MEDIA_DESCRIPTION = frozenset(
    f"{namespace} description"
    for namespace in ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")
)

_DC_DATE = f"{_DC} date"

_XHTML = "http://www.w3.org/1999/xhtml"

_XHTML_DIV = f"{_XHTML} div"

_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"

# expat names elements "namespace-uri local-name" (namespace_separator=" ").
_FEED_KINDS = {"rss": "rss", f"{_RDF} RDF": "rss", f"{_ATOM} feed": "atom"}

_ENTRY_TAGS = frozenset({"item", f"{_RSS1} item", f"{_RSS090} item", f"{_ATOM} entry"})

# Namespaces whose elements feedparser reads into the fields kept here.
_CORE_NAMESPACES = frozenset({"", _RSS1, _RSS090, _ATOM, _DC, _DCTERMS, _CONTENT, _XHTML})

# Entry children read into one field by both parsers, each allowed once: when an element is
# repeated, feedparser keeps the last and feedparser-rs sometimes the first (two <pubDate>s).
_SINGLE = {
    "rss": frozenset(
        f"{ns}{name}"
        for ns in ("", f"{_RSS1} ", f"{_RSS090} ")
        for name in ("title", "link", "guid", "description", "pubDate", "author")
    )
    | {f"{_DC} creator", f"{_DC} date", f"{_DC} description", f"{_CONTENT} encoded"},
    "atom": frozenset(
        f"{_ATOM} {name}" for name in ("title", "id", "summary", "content", "published", "updated")
    ),
}

# Entry children feedparser reads into a kept field and feedparser-rs does not, or not alike
# (feedparser's source, namespaces/*.py: dc:author → author, dc:title → title,
# dcterms:issued → published, <body> and <fullitem> → content, …).
_UNMAPPED = frozenset(
    {f"{_DC} author", f"{_ATOM} source", f"{_RSS1} source", f"{_RSS090} source"}
    # measured (item_description_and_summary.xml): with <description> and <summary>,
    # feedparser keeps both (one as content), feedparser-rs <summary> only
    | {"summary", f"{_RSS1} summary", f"{_RSS090} summary"}
    # measured (fast_itunes_summary.xml): with <description> and <itunes:summary>, feedparser
    # reads the text from the longer, feedparser-rs from <itunes:summary>
    | {f"{_ITUNES} summary"}
    | {f"{_DCTERMS} {name}" for name in ("issued", "modified", "created")}
    # an entry's date to feedparser when it has no <pubDate>
    | {"lastBuildDate"}
    | {f"{ns}{name}" for ns in ("", f"{_RSS1} ", f"{_ATOM} ") for name in (
        "body", "fullitem", "abstract", "issued", "modified", "created"
    )}
)  # fmt: skip

# feedparser lowercases element names, feedparser-rs does not: <PubDate> or <pubdate> is a
# date to feedparser only. Other spellings of these names are refused.
_SPELLINGS = frozenset(
    ("title", "link", "guid", "description", "pubDate", "author", "creator", "date", "encoded")
    + ("id", "summary", "content", "published", "updated", "body", "abstract", "lastBuildDate")
)

_LOWERED = frozenset(name.lower() for name in _SPELLINGS)

# (Dublin Core element, its RSS twins, which feedparser-rs prefers to it): feedparser keeps
# whichever title comes first, feedparser-rs the RSS one. Measured: <dc:title>B</dc:title>
# <title>A</title> is B to feedparser, A to feedparser-rs; either alone, or the other order,
# reads alike. feedparser keeps both descriptions (the second as content, and the longer
# body is the text), feedparser-rs one: any order differs.
_DC_TWINS = {
    f"{_DC} {name}": frozenset(f"{ns}{name}" for ns in ("", f"{_RSS1} ", f"{_RSS090} "))
    for name in ("title", "description")
}

_ATOM_UPDATED_IN_RSS = "atom:updated in rss"

# An entry's own bodies, beside which a <media:description> is not its text (`_media_captions`)
_SUMMARIES = frozenset(
    {f"{ns}description" for ns in ("", f"{_RSS1} ", f"{_RSS090} ", f"{_DC} ")}
    | {f"{_ATOM} summary"}
)

_BODIES = _SUMMARIES | {f"{_CONTENT} encoded", f"{_ATOM} content"}

_ATOM_TEXT = frozenset(f"{_ATOM} {name}" for name in ("title", "summary", "content", "rights"))

_ATOM_PEOPLE = frozenset({f"{_ATOM} author", f"{_ATOM} contributor"})

# Entry elements whose text feedparser decodes from base64 when their attributes say so
_TEXTS = (
    _ATOM_TEXT
    | {
        f"{ns}{name}"
        for name in ("title", "description")
        for ns in ("", f"{_RSS1} ", f"{_RSS090} ")
    }
    | set(_DC_TWINS)
    | {f"{_CONTENT} encoded"}
)

# Type names feedparser reads as text/plain, text/html and application/xhtml+xml
_TEXT_TYPES = frozenset({"text", "plain", "html", "xhtml"})


class _Refused(Exception):
    """The fast path cannot be trusted with this document; the message says why."""


class _Shape:
    """One expat pass: well-formedness as feedparser's strict parser sees it, entry count,
    and the entry structures the fast path does not read like feedparser (see above)."""

    def __init__(self) -> None:
        self.kind = ""
        self.entries = 0
        self.depth = 0
        self.entry_depth = 0  # depth of the entry being read, 0 outside entries
        self.seen: set[str] = set()
        self.second: frozenset[str] = frozenset()  # RSS twins that must not follow (above)
        self.child_free = True  # whether the current entry child may contain elements
        # entries whose date feedparser would take from <atom:updated> if <pubDate> failed
        self.pubdate_only: set[int] = set()
        self.dc_dated: set[int] = set()  # entries with a <dc:date>; see `_fast_entry`
        self.captions = 0  # <media:description>s in the entry being read
        # entries with <media:description>s: (how many, own summary?, own body?)
        self.media: dict[int, tuple[int, bool, bool]] = {}
        # entries with a non-empty link (RSS <link> text, Atom href); see `_fast_entry`
        self.linked: set[int] = set()
        # <feedburner:origLink> of each entry with one, which feedparser-rs does not read
        self.origlinks: dict[int, str] = {}
        self.text: list[str] | None = None  # the text of the entry child being read, if any
        self.text_of = ""  # which child that is: "link" or "origlink"
        self.xhtml = 0  # depth of the Atom type="xhtml" text being read, 0 outside one
        self.xhtml_div = False  # whether that text has had its <div>
        self.parser: Any = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            self.kind = _FEED_KINDS.get(name, "")
            if not self.kind:
                raise _Refused(f"root element <{name.rpartition(' ')[2]}>")
            return
        if self.xhtml and self.depth == self.xhtml + 1:
            self._xhtml_child(name)
        level = self.depth - self.entry_depth
        if not self.entry_depth:
            if name in _ENTRY_TAGS:
                self.entry_depth, self.entries = self.depth, self.entries + 1
                self.seen, self.second = set(), frozenset()
            else:
                self._outside(name, attrs)
            return
        if level == 1:
            self._child(name, attrs)
        elif not self.child_free:
            raise _Refused(f"element <{name.rpartition(' ')[2]}> inside an entry field")
        elif name in _MEDIA_DESCRIPTION:  # in <media:content> or <media:group>
            self.captions += 1

    def _child(self, name: str, attrs: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if self.kind == "rss" and namespace == _ATOM:
            self._atom_in_rss(local, attrs)
        elif name in _UNMAPPED or namespace == _XHTML:
            raise _Refused(f"entry element <{local}> read differently")
        elif name in _MEDIA_DESCRIPTION:
            self.captions += 1
        elif name == _DC_DATE:
            # Measured: in Atom, feedparser-rs takes <dc:date> for the published date,
            # feedparser for the updated one (the last of it and <updated>).
            if self.kind == "atom":
                raise _Refused(f"entry element <{local}> read differently")
            self.dc_dated.add(self.entries - 1)
        if name in self.second:
            raise _Refused(f"entry element <{local}> after its Dublin Core twin")
        twins = _DC_TWINS.get(name)
        if twins is not None:
            if twins.isdisjoint(self.seen):
                self.second = self.second | twins
            elif local == "description":
                raise _Refused(f"entry element <{local}> beside its Dublin Core twin")
        if namespace in _CORE_NAMESPACES and local not in _SPELLINGS and local.lower() in _LOWERED:
            raise _Refused(f"entry element <{local}> spelled unusually")
        if local == "link" and namespace in ("", _RSS1, _RSS090, _ATOM):
            if namespace == _ATOM:
                if "href" not in attrs:
                    # Its URL as text (not Atom, but found): feedparser reads it as the link,
                    # feedparser-rs drops it, and entries that only their links told apart
                    # then became one.
                    raise _Refused("Atom <link> without href")
                if attrs["href"].strip():
                    self.linked.add(self.entries - 1)
            else:
                self._read_text("link")
        elif namespace == _FEEDBURNER and local.lower() == "origlink":
            self._read_text("origlink")
        if name in _SINGLE[self.kind]:
            if name in self.seen:
                raise _Refused(f"entry element <{local}> repeated")
            self.seen.add(name)
        if attrs and name in _TEXTS and _base64(attrs):
            raise _Refused(f"base64 text in <{local}>")
        xhtml = name in _ATOM_TEXT and attrs.get("type") == "xhtml"
        if xhtml:
            self._xhtml_start()
        # Markup inside a field: feedparser keeps it as HTML, feedparser-rs cuts the text short
        # at the first child element (<description>… <em>is</em> …</description>).
        self.child_free = namespace not in _CORE_NAMESPACES or name in _ATOM_PEOPLE or xhtml

    def _read_text(self, what: str) -> None:
        """Collect the text of this entry child only: a handler for all text costs more."""
        self.text, self.text_of = [], what
        self.parser.CharacterDataHandler = self.text.append

    def _outside(self, name: str, attrs: dict[str, str]) -> None:
        """An element outside the entries."""
        namespace, _, local = name.rpartition(" ")
        lowered = local.lower()
        if lowered in ("item", "entry"):
            # feedparser reads an <item> or <entry> of any namespace, in any case, as an entry
            # (measured: <item> in an Atom feed); feedparser-rs reads none of them.
            raise _Refused(f"entry-like element <{local}>")
        if lowered == "title" and namespace in _CORE_NAMESPACES:
            if local != "title":  # the feed's title to feedparser only (<TiTlE>)
                raise _Refused(f"element <{local}> spelled unusually")
            if attrs and _base64(attrs):
                raise _Refused(f"base64 text in <{local}>")
        if attrs and name in _ATOM_TEXT and attrs.get("type") == "xhtml":
            self._xhtml_start()

    def _xhtml_start(self) -> None:
        """An Atom type="xhtml" text: its markup must be wrapped in one <div>, as RFC 4287
        requires. Measured without it: `<title type="xhtml">Acme <b>launch</b></title>` is
        "Acme <b>launch</b>" to feedparser and "launch" to feedparser-rs, which reads only the
        first child element's text."""
        self.xhtml, self.xhtml_div = self.depth, False
        self.parser.CharacterDataHandler = self._xhtml_text

    def _xhtml_text(self, data: str) -> None:
        if self.depth == self.xhtml and not data.isspace():
            raise _Refused("xhtml text outside its <div>")

    def _xhtml_child(self, name: str) -> None:
        if name != _XHTML_DIV or self.xhtml_div:
            raise _Refused("xhtml text outside its <div>")
        self.xhtml_div = True

    def _atom_in_rss(self, local: str, attrs: dict[str, str]) -> None:
        """Atom elements in an RSS item: feedparser reads them, feedparser-rs ignores them.

        Measured on medium.com (<atom:updated>) and nytimes.com (<atom:link rel="standout">):
        a link with another rel than "alternate" is kept by neither, and <atom:updated> only
        matters to feedparser when there is no readable <pubDate>.
        """
        if local == "link" and attrs.get("rel", "alternate") != "alternate":
            return
        if local == "updated":
            self.seen.add(_ATOM_UPDATED_IN_RSS)
            return
        raise _Refused(f"entry element <atom:{local}> read differently")

    def end(self, name: str) -> None:
        if self.text is not None and self.depth == self.entry_depth + 1:
            text = "".join(self.text)
            if self.text_of == "origlink":
                self.origlinks[self.entries - 1] = text
            elif text.strip():
                self.linked.add(self.entries - 1)
            self.text = None
            self.parser.CharacterDataHandler = None
        elif self.xhtml == self.depth:
            self.xhtml = 0
            self.parser.CharacterDataHandler = None
        if self.depth == self.entry_depth:
            self.entry_depth = 0
            if self.captions:
                summary = not _SUMMARIES.isdisjoint(self.seen)
                body = summary or not _BODIES.isdisjoint(self.seen)
                self.media[self.entries - 1] = (self.captions, summary, body)
                self.captions = 0
            if _ATOM_UPDATED_IN_RSS in self.seen:
                if "pubDate" not in self.seen:
                    raise _Refused("entry dated by <atom:updated> alone")
                self.pubdate_only.add(self.entries - 1)
        self.depth -= 1


def _base64(attrs: dict[str, str]) -> bool:
    """Whether feedparser decodes the element's text from base64 (mixin.py, `_is_base64`):
    mode="base64", or a type that is not text (text/*, */xml, *+xml); feedparser-rs leaves
    the text encoded."""
    if attrs.get("mode") == "base64":
        return True
    kind = attrs.get("type")
    if kind is None or kind.lower() in _TEXT_TYPES:
        return False
    kind = kind.lower()
    return not kind.startswith("text/") and not kind.endswith(("/xml", "+xml"))


def _shape(data: bytes) -> _Shape:
    """The document's shape; raises `_Refused` when expat rejects it or a guard fires."""
    shape = _Shape()
    parser = shape.parser = pyexpat.ParserCreate("utf-8", namespace_separator=" ")
    parser.StartElementHandler = shape.start
    parser.EndElementHandler = shape.end
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError as error:
        raise _Refused(f"not well-formed XML ({pyexpat.errors.messages[error.code]})") from None
    return shape


def _media_captions(data: bytes, document: str) -> frozenset[str]:
    """The texts of the document's Media RSS <media:description>s, as feedparser gives them.

    feedparser reads each as a description of its entry: the summary, or content when the
    entry has a summary already. It describes an image or a video (a caption, often longer
    than the entry's own text), and is the entry's text only when the entry has no other:
    `_draft_from_entry` leaves these texts out of an entry's bodies unless nothing is left.
    """
    if "search.yahoo.com/mrss" not in document:
        return frozenset()
    found: set[str] = set()
    text: list[str] = []
    parser = pyexpat.ParserCreate("utf-8", namespace_separator=" ")

    def start(name: str, attrs: dict[str, str]) -> None:
        if name in _MEDIA_DESCRIPTION:
            text.clear()
            parser.CharacterDataHandler = text.append

    def end(name: str) -> None:
        if name in _MEDIA_DESCRIPTION:
            found.add(_as_feedparser("".join(text).strip()) or "")
            parser.CharacterDataHandler = None

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError:  # feedparser's loose parser reads on; the captions so far
        pass
    return frozenset(found)
