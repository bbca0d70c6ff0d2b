"""`veille.charset`: the one decoder of feeds and pages.

The feed cases of `decode_body` that came with the parser are in test_parse.py, the page
cases of `decode_html` in test_extract.py; these are the declared-charset repairs, undeclared
single-byte text (KOI8-R, windows-1255, TIS-620) and the windows-1252 guard around it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from veille.charset import decode_body, decode_html
from veille.parse import parse_feed

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


# --------------------------------------------------------------------------------------------
# Undeclared single-byte encodings (charset-normalizer) and the windows-1252 guard
# --------------------------------------------------------------------------------------------

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


@pytest.mark.parametrize(
    ("name", "title", "first", "codec"),
    [
        pytest.param(
            "undeclared_koi8r.xml",
            "Новости техники",
            "Кофеварка Acme: обзор после месяца работы",
            "koi8_r",
            id="koi8-r russian",
        ),
        pytest.param(
            "undeclared_cp1255.xml",
            "חדשות צרכנות",
            "מכונת הקפה של Acme: סקירה אחרי חודש שימוש",
            "cp1255",
            id="windows-1255 hebrew",
        ),
        pytest.param(
            "undeclared_tis620.xml",
            "ข่าวเครื่องใช้ไฟฟ้า",
            "รีวิวเครื่องชงกาแฟ Acme หลังใช้งานหนึ่งเดือน",
            "cp874",  # windows-874, the WHATWG reading of TIS-620
            id="tis-620 thai",
        ),
    ],
)
def test_undeclared_single_byte_feed(name: str, title: str, first: str, codec: str) -> None:
    parsed = parse_feed((FEEDS / name).read_bytes(), "https://feeds.example.org/feed.xml")
    assert parsed.title == title
    assert parsed.items[0].title == first
    assert parsed.warning == f"feed has no usable charset (no charset declared); read as {codec}"


def test_undeclared_french_feed_stays_windows_1252() -> None:
    """Accents and typography in runs (`«\\u00a0`, `’é`) make it look like a legacy script."""
    body = (FEEDS / "undeclared_cp1252_fr.xml").read_bytes()
    parsed = parse_feed(body, "https://feeds.example.org/feed.xml")
    assert parsed.title == "Le blog d’Amélie"
    assert parsed.items[0].title == "Cafetière Acme : « notre avis après un mois »"  # nbsp → space
    assert parsed.warning == "feed is not valid UTF-8 (no charset declared); read as windows-1252"


@pytest.mark.parametrize(
    "text",
    [
        "<t>«\u00a0Là où l’été s’éternise\u00a0», dit-elle\u00a0: «\u00a0J’y étais\u00a0!\u00a0»",
        "<t>Réélu, le maire a créé «\u00a0l’Éco-fête\u00a0» – l’été à 20\u00a0€\u00a0!</t>",
        "<t>Größe: Über die Bärenhöhle in Köln – „Schöne Grüße“ aus Düsseldorf</t>",
        "<t>“Don’t—ever—buy it” — the café’s crème brûlée… naïve façade</t>",
    ],
    ids=["french quotes", "french accents in runs", "german", "english"],
)
def test_western_text_stays_windows_1252(text: str) -> None:
    """charset-normalizer prefers windows-1250 or Mac Roman for some of these: a Latin reading
    is never taken from it."""
    decoded, note = decode_body(text.encode("cp1252"))
    assert decoded == text
    assert note is not None and note.endswith("read as windows-1252")


def test_undeclared_hebrew_page() -> None:
    text = (
        "<html><body><h1>מכונת הקפה של Acme: סקירה אחרי חודש שימוש</h1>"
        "<p>בדקנו את מכונת הקפה החדשה של Acme: היא מכינה קפה מהר, אבל רועשת יותר ממה שציפינו.</p>"
        "<p>ההנחות בתוקף עד סוף החודש בכל חנויות הרשת.</p></body></html>"
    )
    assert decode_html(text.encode("cp1255")) == text


def test_large_body_cut_inside_a_character() -> None:
    """The guess reads a sample; the whole body is then decoded, its cut last character
    replaced rather than the body read as windows-1252."""
    line = "<t>日本語のテキストです。DrecomRSSに記事投稿が反映されない…</t>\n".encode("cp932")
    body = line * (5_000_000 // len(line)) + line[:6]  # "<t>日" and half of "本"
    text, note = decode_body(body)
    assert note == "feed has no usable charset (no charset declared); read as cp932"
    assert text.startswith(line.decode("cp932")) and text.endswith("<t>日\ufffd")


def test_charset_normalizer_imported_only_for_undeclared_legacy_text() -> None:
    """Start-up and UTF-8 or windows-1252 feeds never import it (it costs some 25 ms)."""
    code = (
        "import sys, veille.cli, veille.parse, veille.extract\n"
        "from veille.charset import decode_body\n"
        "decode_body('<t>Le café est très léger</t>'.encode('cp1252'))\n"
        "decode_body('<t>Le café est très léger</t>'.encode())\n"
        "assert 'charset_normalizer' not in sys.modules\n"
        "decode_body('<t>Кофеварка Acme: обзор после месяца работы</t>'.encode('koi8_r'))\n"
        "assert 'charset_normalizer' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
