"""Fast path: feedparser-rs on well-formed feeds it is known to read like feedparser.

feedparser-rs (compiled) reads a feed some 20 times faster than feedparser (measured on the
750 XML feeds × 50 items of feedgen: 0.24 s against about 5 s; 0.5 s with the expat pass of
the guards), but its field mapping differs from feedparser's in ways measured on the shared
corpus, the generated feeds and the fixtures (tests/test_parse_fast.py compares both paths
item by item, and tests/test_peers.py on feedparser's and feed-rs's test documents). The
guards, in `shape`, each name the case that needed it. What is not guarded is made identical
here: Atom `href`s are XML-unescaped (feedparser-rs leaves `&amp;` in attribute values),
dates are read by `veille.dates.feed_date` as on the feedparser path, texts get feedparser's
repairs of mis-decoded characters (`_as_feedparser`), <feedburner:origLink> comes from the
expat pass (feedparser-rs does not keep it), a <media:description> is the text only of an
entry with no body of its own (`shape._media_captions`), and content bases are the feed URL
(as feedparser's are without xml:base; feedparser-rs would use the channel's <link>).
Titles need nothing: feedparser-rs leaves some entities escaped that feedparser decodes, and
`html_to_text` decodes them on both paths alike.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Mapping
from typing import Any

try:  # compiled; feedparser alone still reads every feed when the wheel is missing
    import feedparser_rs
except ImportError:  # pragma: no cover
    feedparser_rs = None  # type: ignore[assignment]  # checked before each use

from veille.dates import feed_date
from veille.models import ParsedFeed
from veille.parse.entries import (
    _as_feedparser,
    _author_of,
    _draft_from_entry,
    _email_split,
    _finish_items,
    _own_ids,
    entry_fingerprint,
)
from veille.parse.shape import _Refused, _Shape, _shape
from veille.text import html_to_text
from veille.urls import is_http_url

# feedparser's e-mail pattern (mixin.py, `_sync_author_detail`), which splits RSS authors;
# the lookbehind starts an address only where its run of characters starts (where the
# leftmost match starts anyway), as from every character of a long word it was quadratic.
_FEEDPARSER_EMAIL = re.compile(
    r"(?<![a-zA-Z0-9\_\-\.\+])"
    r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))"
    r"([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"
)
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-f]+|[a-z][a-z0-9]*);", re.IGNORECASE)
_XML_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));")
_DATE_COMPLAINT = re.compile(r"Invalid \w+ format\Z")
_XML_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# feedparser's last touches to every text it reads (mixin.py, `pop`): text that is UTF-8 read
# as ISO-8859-1 is decoded again (`Ã©` → `é`), then C1 controls become the windows-1252
# characters browsers read them as (`&#146;` → `’`); feedparser-rs does neither. Only a C1
# control, such a pair of characters or a character reference from 128 to 255 gives them
# work: the bytes are searched for those first, and the texts of other documents left alone.
_REPAIRABLE_REFERENCE = re.compile(rb"&#0*(?:1[2-9][0-9]|2[0-5][0-9]|[xX]0*[89a-fA-F][0-9a-fA-F]);")
_REPAIRABLE_PAIR = re.compile(rb"\xc2[\x80-\x9f]|\xc3[\x82-\xb4]\xc2[\x80-\xbf]")

# feedparser-rs's default limits. Do not raise them: it preallocates room for `max_entries`
# entries (a huge value aborts the process, it does not raise). Past 10,000 entries it reports
# an error, so such a feed falls back; links and content blocks past their limits would be
# dropped silently, so an entry that reaches one falls back too.
_FAST_LIMITS = feedparser_rs.ParserLimits() if feedparser_rs is not None else None


def _parse_fast(
    data: bytes,
    document: str,
    url: str,
    note: str | None,
    checked: bool = True,
    known: Collection[str] = frozenset(),
) -> tuple[ParsedFeed | None, str]:
    """The feed through feedparser-rs, or (None, why not) when it cannot be trusted.

    `checked=False` skips every guard (engine="fast"): for measuring what they catch.
    """
    if feedparser_rs is None:
        return None, "feedparser-rs is not installed"
    try:
        return _read_fast(data, document, url, note, checked, known), ""
    except _Refused as refusal:
        return None, str(refusal)


def _read_fast(
    data: bytes,
    document: str,
    url: str,
    note: str | None,
    checked: bool,
    known: Collection[str] = frozenset(),
) -> ParsedFeed:
    if checked:
        if "xml:base" in document:
            # feedparser resolves links against xml:base; feedparser-rs leaves them relative.
            raise _Refused("xml:base")
        shape = _shape(data)
    try:
        parsed = feedparser_rs.parse_with_limits(
            data, limits=_FAST_LIMITS, sanitize_html=False, resolve_relative_uris=False
        )
    except BaseException as error:  # a Rust panic arrives as PyO3's PanicException
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        raise _Refused(f"feedparser-rs failed ({type(error).__name__})") from None
    version = parsed.version or ""
    atom = version.startswith("atom")
    if checked:
        # "Invalid pubDate format": dates are read by feedparser's parser here, not by
        # feedparser-rs (measured: hindi-news_odd-date.xml, feedparser_http_high_bit_date.xml).
        if parsed.bozo and not _DATE_COMPLAINT.match(str(parsed.bozo_exception)):
            raise _Refused(f"feedparser-rs reported an error ({parsed.bozo_exception})")
        if version not in ("rss090", "rss091", "rss091u", "rss092", "rss20", "rss10", "atom10"):
            raise _Refused(f"feed version {version!r}")
        if len(parsed.entries) != shape.entries:
            raise _Refused(f"{len(parsed.entries)} entries read of {shape.entries}")
    feed = parsed.feed
    repair = _repairable(data)
    sources = not atom and b"<source" in data
    feed_author = _fast_author(feed, atom, checked, repair) if atom else ""
    base = url if is_http_url(url) else ""
    # Every entry goes through `_fast_entry`, whose guards may refuse the document; only the
    # cleaning of known entries is left out.
    entries = [
        _fast_entry(entry, index, shape if checked else None, atom, repair, sources)
        for index, entry in enumerate(parsed.entries)
    ]
    fingerprints = tuple(entry_fingerprint(base, _fast_fields(entry)) for entry in entries)
    if not known or not _own_ids(entry["id"] for entry in entries):
        known = frozenset()
    drafts = [
        _draft_from_entry(entry, base, feed_author)
        for entry, fingerprint in zip(entries, fingerprints, strict=True)
        if fingerprint not in known
    ]
    result = ParsedFeed(
        items=_finish_items(drafts, url),
        title=html_to_text(_as_feedparser(feed.title) if repair else feed.title),
        warning=note,
        parser="feedparser-rs",
        fingerprints=fingerprints,
        skipped=len(entries) - len(drafts),
    )
    if checked:
        _check_output(result, document)
    return result


def _check_output(result: ParsedFeed, document: str) -> None:
    """Refuse output showing a sign of a difference: U+FFFD from nowhere, leftover entities."""
    titles = [result.title, *(item.title for item in result.items)]
    if "\ufffd" not in document:
        texts = (text for item in result.items for text in (item.text, item.author))
        if any("\ufffd" in text for text in (*titles, *texts)):
            raise _Refused("U+FFFD in the output, none in the input")
    if any("&" in title and _ENTITY.search(title) for title in titles):
        raise _Refused("an entity left in a title")


def _repairable(data: bytes) -> bool:
    """Whether `_as_feedparser` may change a text of the document (see `_REPAIRABLE_PAIR`)."""
    return bool(
        (b"&#" in data and _REPAIRABLE_REFERENCE.search(data))
        or (b"\xc2" in data and _REPAIRABLE_PAIR.search(data))
    )


def _xml_unescape(value: str | None) -> str | None:
    """An attribute value as the XML parser should have given it (feedparser-rs does not)."""
    if not value or "&" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        decimal, hexadecimal, named = match.groups()
        if named:
            return _XML_NAMED[named]
        code = int(decimal) if decimal else int(hexadecimal, 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _XML_ENTITY.sub(one, value)


def _fast_author(node: Any, atom: bool, checked: bool, repair: bool) -> str:
    """The author `_author_of` would give for the same element in feedparser.

    feedparser's `author` is the last author-like element and `author_detail` the first, so
    its answer depends on their order; feedparser-rs keeps neither order. The answer is taken
    only when every name found agrees (one `<dc:creator>`, say); ATP's podcast feed, with
    `<dc:creator>Marco Arment</dc:creator>` and `<itunes:author>ATP</itunes:author>`, is
    refused. In Atom, feedparser-rs copies the feed's author into entries without one, as
    `author` but without `author_detail`: those get '' here and inherit, as in feedparser.
    """
    detail = node.author_detail
    author = _as_feedparser(node.author) if repair else node.author
    if atom:
        if detail is None:
            return ""
        # feedparser-rs's `author` is "Name (email)" in Atom, made up from the detail; without
        # a name it is the email (or ''), as feedparser's (google-alerts: <name></name>).
        raw = "" if detail.name else _author_of({"author": author})
    else:
        if checked and author and "@" in author and _split_by_feedparser(author):
            raise _Refused("an author with an e-mail beside the name")
        raw = _author_of({"author": author})
    named = [detail.name] if detail is not None and detail.name else []
    named += [person.name for person in node.authors or () if person.name]
    if repair:
        named = [_as_feedparser(name) for name in named]
    names = {raw, *(html_to_text(name) for name in named)}
    names.discard("")
    if len(names) > 1 and checked:
        raise _Refused("authors disagree")
    return min(names, default="")


def _split_by_feedparser(author: str) -> bool:
    """Whether feedparser takes a name out of an RSS author holding an e-mail address,
    where feedparser-rs keeps the whole text: `Jo jo@example.org` (`jo@example.org (Jo)`
    and `Jo (jo@example.org)` are split alike on both paths by `_author_of`; a bare address
    has no name to take)."""
    found = _FEEDPARSER_EMAIL.search(author)
    if found is None or _email_split(author):
        return False
    rest = author[: found.start()] + author[found.end() :]
    return any(character.isalnum() for character in rest)


def _fast_entry(
    entry: Any, index: int, shape: _Shape | None, atom: bool, repair: bool, sources: bool
) -> dict[str, Any]:
    """A feedparser-rs entry as the dict `_draft_from_entry` reads from feedparser.

    `shape` is what the expat pass found in the document (None when the guards are skipped:
    then neither its guards nor <feedburner:origLink>, which only it reads); `repair`, whether
    texts may need `_as_feedparser`; `sources`, whether RSS <source>s may be there.
    """
    checked = shape is not None
    links = entry.links or ()
    contents = entry.content or ()
    if checked and (
        len(links) >= _FAST_LIMITS.max_links_per_entry
        or len(contents) >= _FAST_LIMITS.max_content_blocks
    ):
        raise _Refused("an entry reached a feedparser-rs limit")
    # feedparser-rs blanks links to private hosts (localhost, 10.x, 192.168.x, *.local, …: an
    # SSRF filter) where feedparser keeps them: a link '' in an entry that had a non-empty one
    # means one was removed. (An empty <link></link> is '' to both: le-cercle-psy.)
    blanked = entry.link == "" or any(link.href == "" for link in links)
    if shape is not None and blanked and index in shape.linked:
        raise _Refused("feedparser-rs blanked a link (a private host?)")
    author = _fast_author(entry, atom, checked, repair)
    published = _feedparser_date(entry.published)
    if shape is not None and published is None and index in shape.pubdate_only:
        raise _Refused("unreadable <pubDate> beside <atom:updated>")
    # A <dc:date> feedparser-rs cannot read is dropped, its text with it (`published` keeps
    # <pubDate>'s text whatever it holds); feedparser's date parser reads more forms (RFC 822
    # with a day name in full, asctime, `20030610T040000Z`, `CEST`…). Rare in real feeds.
    if shape is not None and index in shape.dc_dated and entry.dc_date is None:
        raise _Refused("unreadable <dc:date>")
    summary = entry.summary
    captioned = shape.media.get(index) if shape is not None else None
    if captioned is not None:
        # feedparser-rs gives a <media:description> in <media:group> (or the item) as the
        # summary when the entry has none of its own, and none in <media:content>; see
        # `_media_captions` for feedparser.
        captions, own_summary, own_body = captioned
        if own_body:
            if not own_summary:
                summary = None  # a caption, or a copy of the content
        elif captions > 1 or not summary:
            raise _Refused("media:description read differently")
    # RSS's <source url> (Atom's <source> is refused: `_UNMAPPED`)
    source = entry.source if sources else None
    unescape = _xml_unescape if atom else _same
    fields = {
        "id": entry.id,
        "guidislink": entry.guidislink,
        "link": unescape(entry.link),
        "links": [{"href": unescape(each.href), "rel": each.rel or "alternate"} for each in links],
        "content": [{"value": content.value} for content in contents],
        "summary": summary,
        "title": entry.title,
        "fast_author": author,
        "published_parsed": published,
        # only read when there is no published date (`_draft_from_entry`): parse it only then
        "updated_parsed": _feedparser_date(entry.updated) if published is None else None,
        "feedburner_origlink": shape.origlinks.get(index) if shape is not None else None,
        "source": None if source is None else {"href": source.href},
    }
    if repair:
        _repair_texts(fields, atom)
    return fields


def _repair_texts(fields: dict[str, Any], atom: bool) -> None:
    """`_as_feedparser` on the texts of a `_fast_entry` dict: all but the author (repaired in
    `_fast_author`) and, in Atom, the links, which are attributes there (feedparser repairs
    none of those)."""
    for key in ("id", "summary", "title", "feedburner_origlink"):
        fields[key] = _as_feedparser(fields[key])
    for content in fields["content"]:
        content["value"] = _as_feedparser(content["value"])
    if not atom:
        fields["link"] = _as_feedparser(fields["link"])
        for link in fields["links"]:
            link["href"] = _as_feedparser(link["href"])


def _same(value: str | None) -> str | None:
    return value


def _fast_fields(entry: Mapping[str, Any]) -> tuple[object, ...]:
    """The fields of a `_fast_entry` dict that `entry_fingerprint` covers."""
    links = [(link["href"], link["rel"]) for link in entry["links"]]
    contents = [content["value"] for content in entry["content"]]
    fields = (
        entry["id"],
        entry["guidislink"],
        entry["link"],
        links,
        contents,
        entry["summary"],
        entry["title"],
    )
    # only when present, so that the fingerprints of other entries stay as they were
    if entry["feedburner_origlink"] is not None or entry["source"] is not None:
        return (*fields, entry["feedburner_origlink"], entry["source"])
    return fields


def _feedparser_date(value: str | None) -> time.struct_time | None:
    """A date string read as on the feedparser path, by `feed_date` (feedparser-rs reads
    other formats: `2020/1/10 14:33:00` and Italian day names differently, or not at all)."""
    return feed_date(value)
