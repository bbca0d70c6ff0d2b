"""HTML bytes → text: BOM, strict UTF-8, the declared charset, windows-1252 for the rest."""

from __future__ import annotations

import codecs
import re

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
