from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.text import (
    clean_text,
    fold,
    html_to_text,
    links_in_html,
    sentence_spans,
    strip_controls,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("red \x1b[31mtext\x1b[0m", "red text"),
        ("title \x1b]0;pwned\x07 set", "title  set"),
        ("bell\x07 and nul\x00", "bell and nul"),
        ("c1 \x9b31m csi", "c1 31m csi"),
        ("bidi \u202eevil\u202c", "bidi evil"),
        ("tab\tand\nline", "tab\tand\nline"),
    ],
    ids=["csi", "osc title", "c0", "c1", "bidi", "tab and newline kept"],
)
def test_strip_controls(raw: str, expected: str) -> None:
    assert strip_controls(raw) == expected


def test_clean_text_collapses_and_normalises() -> None:
    assert clean_text("  Cafe\u0301   au\n\n lait ") == "Café au lait"
    assert clean_text("a \n\n b  c", keep_lines=True) == "a\nb c"
    assert clean_text(None) == ""


def test_html_to_text() -> None:
    html = (
        "<p>Le magasin <b>Décathlon</b> ouvre&nbsp;!</p><script>alert(1)</script>"
        "<ul><li>un</li><li>deux</li></ul>Tom &amp; Jerry"
    )
    assert html_to_text(html) == "Le magasin Décathlon ouvre ! un deux Tom & Jerry"
    assert html_to_text(html, keep_lines=True).splitlines()[0] == "Le magasin Décathlon ouvre !"
    assert html_to_text("Tom &amp; Jerry &lt;3") == "Tom & Jerry <3"
    assert links_in_html('<a href="https://a.fr">x</a> <a href="https://a.fr">y</a>') == (
        "https://a.fr",
    )


@given(st.text())
def test_fold_keeps_length_of_clean_text(raw: str) -> None:
    cleaned = clean_text(raw)
    assert len(fold(cleaned)) == len(cleaned)
    assert len(fold(cleaned, case_sensitive=True)) == len(cleaned)


def test_fold_ignores_accents_and_case() -> None:
    assert fold("DÉCATHLON Œuvre l’été") == "decathlon œuvre l'ete"
    assert fold("Décathlon", case_sensitive=True) == "Decathlon"


def test_sentence_spans() -> None:
    text = "Premier. Deuxième ! Troisième?\nQuatrième"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Premier.",
        "Deuxième !",
        "Troisième?",
        "Quatrième",
    ]
