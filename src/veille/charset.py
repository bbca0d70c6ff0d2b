"""Bytes → text for feeds and pages: the charset of a document served with a missing, wrong or
lying declaration.

`decode_body` tries, in order, a BOM, strict UTF-8, the declared charset (HTTP, then the
document's own: the XML declaration of a feed, the `<meta>` charset of a page), UTF-8 with
stray windows-1252 bytes, undeclared legacy encodings (CJK by byte pattern, other scripts'
single-byte encodings by charset-normalizer), and windows-1252; C1 controls become the
windows-1252 characters they stand for. Feeds and
pages share it, so both read labels, refuse codecs and fall back the same way; `decode_html`
is its form for pages. It imports no other veille module, so any reader of fetched bytes can
use it. Importing it registers the `veille-cp1252` codec error handler.
"""

from __future__ import annotations

import codecs
import re

# windows-1252 for every byte; the five bytes it leaves undefined map to the C1 control of the
# same value (as ISO-8859-1 does), which `clean_text` later removes.
_CP1252 = tuple(bytes([b]).decode("cp1252", errors="replace") for b in range(256))
_CP1252 = tuple(chr(b) if c == "\ufffd" else c for b, c in enumerate(_CP1252))
# C1 controls decoded from UTF-8 (or ISO-8859-1) are nearly always windows-1252 bytes that
# went through the wrong decoder: map each to the character windows-1252 gives it.
_DEMORONIZE = {code: _CP1252[code] for code in range(0x80, 0xA0) if _CP1252[code] != chr(code)}
_C1 = re.compile("[\x80-\x9f]")


def _decode_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read the undecodable bytes as windows-1252, one byte each."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(_CP1252[b] for b in bad), error.end


codecs.register_error("veille-cp1252", _decode_as_cp1252)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECLARED = re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']")
# `<meta charset="…">` and `<meta http-equiv="Content-Type" content="…; charset=…">` alike.
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]{1,40})", re.IGNORECASE
)
_CONTENT_TYPE_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.IGNORECASE)
# How far into a page its <meta> charset is looked for: after long <head> scripts and styles.
_META_WINDOW = 8192
_CHARSET_LABEL = re.compile(r"^[A-Za-z0-9._:-]{1,40}$")
# Labels that name a superset, or the encoding browsers really use for the label (WHATWG):
# ISO-8859-1 and ASCII documents are windows-1252 in practice (smart quotes in 0x80–0x9F).
_SUPERSETS = {
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "tis_620": "cp874",
    "iso8859_11": "cp874",
}
# Text codecs Python knows but no feed is written in; some would interpret escapes.
_REFUSED_CODECS = frozenset(
    {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "utf_7", "undefined"}
)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ASCII_BYTES = bytes(range(128))
_HIGH_RUN = re.compile(rb"[\x80-\xff]{2,}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
# What the guesses of an undeclared encoding read: this many bytes from the first non-ASCII
# one, so that their cost does not grow with the body (charset-normalizer decodes all it is
# given once per candidate).
_SAMPLE = 65_536
# Undeclared CJK, tried in this order when the high bytes come in runs. Each decoding must
# look like its script: Japanese shows kana (its prose always has some), Korean is almost all
# hangul, Chinese almost all ideographs. A wrong decoding gives half-width katakana, symbols,
# hanja or rare blocks instead. These checks are right on a single short title, where
# charset-normalizer reads Shift_JIS as Korean and Big5 as johab.
_KANA = re.compile("[\u3040-\u30ff]")
_CJK_TEXT = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uac00-\ud7a3\uff01-\uff5e]")
_HANGUL = re.compile("[\uac00-\ud7a3]")
_CJK_CODECS: tuple[tuple[str, tuple[tuple[re.Pattern[str], float], ...]], ...] = (
    ("cp932", ((_CJK_TEXT, 0.9), (_KANA, 0.1))),
    ("euc_jp", ((_CJK_TEXT, 0.9), (_KANA, 0.1))),
    ("cp949", ((_HANGUL, 0.9),)),
    ("gb18030", ((_CJK_TEXT, 0.9),)),
    ("big5", ((_CJK_TEXT, 0.9),)),
)
# Undeclared single-byte text is left to charset-normalizer, among the single-byte encodings
# of the WHATWG Encoding Standard (where ISO-8859-1 is windows-1252): what web pages and feeds
# are written in. Left to itself it also offers code pages no feed uses (cp1125, cp1006,
# HP Roman-8, EBCDIC), whose readings of short text look as plausible to it.
_SINGLE_BYTE = (
    "cp866",
    "iso8859_2",
    "iso8859_3",
    "iso8859_4",
    "iso8859_5",
    "iso8859_6",
    "iso8859_7",
    "iso8859_8",
    "iso8859_10",
    "iso8859_13",
    "iso8859_14",
    "iso8859_15",
    "iso8859_16",
    "koi8_r",
    "koi8_u",
    "mac_roman",
    "mac_cyrillic",
    "cp874",
    "cp1250",
    "cp1251",
    "cp1252",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
)
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")
_LATIN_LETTER = re.compile("[\u00aa-\u024f\u1e00-\u1eff]")


def _codec(label: str | None) -> str | None:
    """Python codec name for a declared charset label, or None if unusable."""
    if not label or not _CHARSET_LABEL.match(label):
        return None
    try:
        name = codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None
    if name in _REFUSED_CODECS:
        return None
    return _SUPERSETS.get(name, name)


def _sample(body: bytes) -> bytes:
    """At most `_SAMPLE` bytes from the first non-ASCII one, ending before a `<` or a line
    break when cut, so that no multi-byte character is split (none has either as a byte)."""
    first = _HIGH_BYTE.search(body)
    start = first.start() if first else len(body)
    sample = body[start : start + _SAMPLE]
    if start + _SAMPLE < len(body):
        cut = max(sample.rfind(b"<"), sample.rfind(b"\n"))
        if cut > 0:
            sample = sample[:cut]
    return sample


def _guess_legacy(sample: bytes, high: int) -> str | None:
    """The legacy codec undeclared bytes are written in, when their byte pattern says so.

    Western text has isolated high bytes (é between ASCII letters), and is windows-1252;
    double-byte, Cyrillic, Greek, Hebrew, Arabic and Thai text has them in runs. Only then are
    the CJK codecs tried, each strictly and checked for the script it should produce, then
    the single-byte ones.
    """
    if high < 8:
        return None
    in_runs = sum(len(run) for run in _HIGH_RUN.findall(sample))
    if in_runs * 2 < high:
        return None
    for name, checks in _CJK_CODECS:
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue
        wide = len(text) - len(text.encode("ascii", errors="ignore"))
        if wide and all(len(script.findall(text)) >= share * wide for script, share in checks):
            return name
    return _guess_single_byte(sample)


def _guess_single_byte(sample: bytes) -> str | None:
    """The single-byte codec charset-normalizer finds for a non-Latin script, or None.

    A Latin reading is never taken: on short Western text charset-normalizer often prefers
    windows-1250, ISO-8859-10 or Mac Roman to windows-1252, which is what undeclared French or
    English text is written in; Polish or Turkish text is read as windows-1252 too.
    """
    # Imported here: it costs 25 ms, and only undeclared non-UTF-8 text needs it.
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(_SINGLE_BYTE), preemptive_behaviour=False).best()
    if best is None or best.encoding not in _SINGLE_BYTE:
        return None
    letters = _NON_ASCII_LETTER.findall(str(best))
    latin = sum(1 for letter in letters if _LATIN_LETTER.match(letter))
    return None if latin * 2 >= len(letters) else best.encoding


def _demoronize(text: str) -> str:
    return text.translate(_DEMORONIZE) if _C1.search(text) else text


def _declared(body: bytes, html: bool) -> str | None:
    """The charset a document declares in its own first bytes: a page's `<meta>`, else (for
    XHTML) its XML declaration; a feed's XML declaration."""
    if html:
        found = _META_CHARSET.search(body[:_META_WINDOW])
        if found:
            return found.group(1).decode("ascii")
    found = _XML_DECLARED.search(body[:1024])
    return found.group(1).decode("ascii") if found else None


def _decode_declared(body: bytes, name: str) -> tuple[str, int] | None:
    """The body in a declared codec and how many undecodable sequences were replaced, or None
    when the codec does not fit: more than one non-ASCII character in a hundred would be
    replaced.

    A page or feed in its declared charset with a stray sequence (a character pasted from
    elsewhere) still reads right around it; a declaration that is a lie fails far more often.
    """
    try:
        if name.startswith("cp125"):
            return _demoronize(body.decode(name, errors="veille-cp1252")), 0
        return body.decode(name), 0
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = body.decode(name, errors="replace")
    replaced = text.count("\ufffd")
    wide = len(text) - len(text.encode("ascii", errors="ignore"))
    return (text, replaced) if replaced * 100 <= wide else None


def decode_body(
    body: bytes, http_charset: str | None = None, *, html: bool = False
) -> tuple[str, str | None]:
    """Decode a feed body (or, with `html`, a page) to text; returns (text, note) where note
    explains a repair.

    Order: BOM; UTF-16 by its NUL pattern; strict UTF-8; the declared charset (HTTP, then the
    document's own) when it decodes; UTF-8 with stray windows-1252 bytes when most high bytes
    form UTF-8 sequences; CJK by byte pattern, or a non-Latin single-byte encoding found by
    charset-normalizer; else windows-1252. A declared UTF-8, UTF-16 or UTF-32 that the bytes
    are not is ignored: the checks before have said so. The guesses read a bounded sample, so
    a 5 MB body costs little more than decoding it.
    """
    what = "page" if html else "feed"
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            errors = "veille-cp1252" if encoding == "utf-8" else "replace"
            return _demoronize(body[len(bom) :].decode(encoding, errors=errors)), None
    # No BOM: an ASCII character then NUL (or NUL then one) starts UTF-16; 8-bit text has no NUL.
    if len(body) >= 2 and body[0] and not body[1]:
        return body.decode("utf-16-le", errors="replace"), None
    if len(body) >= 2 and not body[0] and body[1]:
        return body.decode("utf-16-be", errors="replace"), None
    try:
        return _demoronize(body.decode("utf-8")), None
    except UnicodeDecodeError:
        pass
    labels = [http_charset, _declared(body, html)]
    for label in labels:
        name = _codec(label)
        if name is None or name.startswith(("utf_8", "utf_16", "utf_32")):
            continue
        decoded = _decode_declared(body, name)
        if decoded is not None:
            text, replaced = decoded
            noun = "sequence" if replaced == 1 else "sequences"
            note = f"{what} is not valid {label}: {replaced} undecodable {noun} replaced"
            return text, note if replaced else None
    said = next((label for label in labels if label), None)
    how = f"declared {said}" if said else "no charset declared"
    sample = _sample(body)
    high = len(sample.translate(None, _ASCII_BYTES))
    rest, sequences = _UTF8_SEQUENCE.subn(b"", sample)
    stray = high - (len(sample) - len(rest))
    if sequences and sequences >= stray:
        # Mostly UTF-8 with a few stray bytes (a windows-1252 quote pasted into a UTF-8 page).
        text = _demoronize(body.decode("utf-8", errors="veille-cp1252"))
        return text, f"{what} is not valid UTF-8 ({how}); stray bytes read as windows-1252"
    name = _guess_legacy(sample, high)
    if name:
        try:
            text = body.decode(name)
        except UnicodeDecodeError:  # beyond the sample
            text = body.decode(name, errors="replace")
        return text, f"{what} has no usable charset ({how}); read as {name}"
    text = _demoronize(body.decode("cp1252", errors="veille-cp1252"))
    return text, f"{what} is not valid UTF-8 ({how}); read as windows-1252"


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """A page's text: `decode_body` with the charset of a whole Content-Type header value and
    the page's own `<meta>` declaration; the note is dropped, as pages have no warning."""
    found = _CONTENT_TYPE_CHARSET.search(content_type or "")
    return decode_body(body, found.group(1) if found else None, html=True)[0]
