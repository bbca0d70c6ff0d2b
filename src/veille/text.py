"""Hygiene for untrusted text from the web, and the folding that matching relies on.

Everything that enters veille from a page or a feed passes through `clean_text` (or
`html_to_text`, which ends with it): terminal escape sequences and control characters are
removed, Unicode is normalised to NFC, whitespace is collapsed. `fold` then gives a
case- and accent-insensitive copy *of the same length*, so a match found in the folded copy
points at the same characters in the clean text.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), other two-character escapes, then any C0/C1
# control except tab and newline. C1 CSI (\x9b) is covered by the control class.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[@-Z\\-_]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
# Marks around matched words in search results: control characters, which `clean_text`
# removes from everything stored, so no web text can forge them.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"

# One character class each, which the regex engine scans for without trying a pattern at
# every position: texts with no control character and no whitespace but single spaces (most
# of them) skip the substitutions below.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NOT_A_SPACE = re.compile(r"[^\S ]")
_SPACES = re.compile(r"[^\S\n]+")
# Starting only where a run of whitespace starts: otherwise a long run without a line break
# is read to its end from each of its characters.
_BLANK_LINES = re.compile(r"(?<!\s)\s*\n\s*")
_ANY_SPACE = re.compile(r"\s+")
_BIDI_AND_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 "
    "h5 h6 header hr li main nav ol p pre section table tbody td tfoot th thead tr ul".split()
)
_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg")


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences and control characters (tab and newline stay)."""
    if _CONTROLS.search(text) is not None:  # every escape sequence starts with ESC, a control
        text = _ESCAPES.sub("", text)
    return _BIDI_AND_ZERO_WIDTH.sub("", text)


def clean_text(text: str | None, *, keep_lines: bool = False) -> str:
    """Make untrusted text safe to store and print: NFC, no escapes, whitespace collapsed."""
    if not text:
        return ""
    text = strip_controls(unicodedata.normalize("NFC", text)).replace("\t", " ")
    if keep_lines:
        return _BLANK_LINES.sub("\n", _SPACES.sub(" ", text)).strip()
    if "  " in text or _NOT_A_SPACE.search(text) is not None:
        text = _ANY_SPACE.sub(" ", text)
    return text.strip()


def html_to_text(markup: str | None, *, keep_lines: bool = False) -> str:
    """Turn an HTML fragment into plain text, block elements becoming line breaks.

    Entities are decoded; scripts and styles dropped. Text that holds no markup is only
    unescaped, which keeps the common case (plain summaries) cheap.
    """
    if not markup:
        return ""
    from html import unescape  # and its table of entities: only where items are read

    if "<" not in markup:
        return clean_text(unescape(markup), keep_lines=keep_lines)
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(unescape(markup), keep_lines=keep_lines)
    etree.strip_elements(root, *_DROPPED_TAGS, etree.Comment, with_tail=False)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    return clean_text(root.text_content(), keep_lines=keep_lines)


def links_in_html(markup: str | None) -> tuple[str, ...]:
    """The href of every link in an HTML fragment, in order, without repeats."""
    if not markup or "href" not in markup:
        return ()
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return ()
    hrefs = (a.get("href", "").strip() for a in root.iter("a"))
    return tuple(dict.fromkeys(h for h in hrefs if h))


class _FoldTable(dict[int, str]):
    """`str.translate` table built lazily: one character in, one character out."""

    def __init__(self, lower: bool) -> None:
        super().__init__()
        self.lower = lower

    def __missing__(self, code: int) -> str:
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if unicodedata.combining(base) and len(base) == len(char):
            base = char
        if self.lower:
            lowered = base.lower()
            base = lowered if len(lowered) == 1 else base
        if base in "\u2019\u02bc\u2018":
            base = "'"
        self[code] = base
        return base


_FOLD_LOWER = _FoldTable(lower=True)
_FOLD_KEEP_CASE = _FoldTable(lower=False)


def fold(text: str, *, case_sensitive: bool = False) -> str:
    """Accent-insensitive (and, by default, case-insensitive) copy of the same length.

    ASCII text has no accent to fold: `str.lower` gives the same, twenty times faster than
    the table (`isascii` is a flag CPython keeps on every string)."""
    if text.isascii():
        return text if case_sensitive else text.lower()
    return text.translate(_FOLD_KEEP_CASE if case_sensitive else _FOLD_LOWER)


# A sentence ends after [.!?…], closing quotes or brackets and whitespace, or at line breaks:
# `(?<=[.!?…])["'»”)\]]*\s+|\n+`, written to start with a character class so that the
# regex engine skips to the next quote or whitespace instead of trying every position.
_SENTENCE_END = re.compile(
    r"[\s\"'»”)\]](?:(?<=[.!?…][\"'»”)\]])[\"'»”)\]]*\s+|(?<=[.!?…]\s)\s*|(?<=\n)\n*)"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of each sentence; line breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.start() > start:
            spans.append((start, boundary.start()))
        start = boundary.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def shorten(text: str, width: int) -> str:
    """Cut text to at most `width` characters at a word boundary, with an ellipsis."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"
