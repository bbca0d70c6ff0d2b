"""`veille.charset`: the one decoder of feeds and pages.

The feed cases of `decode_body` that came with the parser are in test_parse.py, the page
cases of `decode_html` in test_extract.py; these are the declared-charset repairs.
"""

from __future__ import annotations

from veille.charset import decode_body

JAPANESE = "<t>日本語のテキストです。</t>\n" * 10


def test_declared_charset_with_a_stray_sequence_reads_around_it() -> None:
    body = JAPANESE.encode("cp932") + b"<t>\x82 </t>"
    text, note = decode_body(body, "shift_jis")
    assert text == JAPANESE + "<t>\ufffd </t>"
    assert note == "feed is not valid shift_jis: 1 undecodable sequence replaced"


def test_declared_charset_that_does_not_fit_is_passed_over() -> None:
    body = "<t>Le café est très léger, même à Noël.</t>".encode("cp1252")
    text, note = decode_body(body, "euc-jp")
    assert text == "<t>Le café est très léger, même à Noël.</t>"
    assert note == "feed is not valid UTF-8 (declared euc-jp); read as windows-1252"


def test_declared_utf16_on_8bit_bytes_is_ignored() -> None:
    """An even number of 8-bit bytes decodes as UTF-16 without error, into junk."""
    body = "<t>Größe: Über die Bärenhöhle in Köln!</t>".encode("cp1252")
    assert len(body) % 2 == 0
    assert decode_body(body, "utf-16")[0] == "<t>Größe: Über die Bärenhöhle in Köln!</t>"


def test_utf16_without_bom_found_by_its_nul_bytes() -> None:
    assert decode_body("\n<a>é</a>".encode("utf-16-le"))[0] == "\n<a>é</a>"
    assert decode_body("\n<a>é</a>".encode("utf-16-be"))[0] == "\n<a>é</a>"
