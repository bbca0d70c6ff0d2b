from __future__ import annotations

import csv
import io
import json

import pytest

from veille.export import CSV_COLUMNS, neutralise_formula, write_csv, write_jsonl


def row(**changes) -> dict:
    base = {
        "id": 1,
        "brand": "Acme",
        "found_at": "2026-11-21T08:00:00Z",
        "published_at": "2026-11-20T10:00:00Z",
        "source": "Feed",
        "source_type": "rss",
        "domain": "example.fr",
        "author": "Zoé",
        "title": "Acme, « super »",
        "url": "https://example.fr/1",
        "snippet": 'a "quoted"\nline',
        "matched": "Acme",
        "lang": "fr",
        "tone": "negative",
        "tone_score": -0.5,
        "flags": "question complaint",
        "status": "new",
        "text": "not exported",
        "note": "",
    }
    return base | changes


def test_columns_are_the_contract_order() -> None:
    assert CSV_COLUMNS == [
        "id", "brand", "found_at", "published_at", "source", "source_type", "domain",
        "author", "title", "url", "snippet", "matched", "lang", "tone", "tone_score",
        "flags", "status",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain = text", "plain = text"),
    ],
)
def test_formula_cells_are_neutralised(value: str, expected: str) -> None:
    assert neutralise_formula(value) == expected


def test_csv_round_trips_with_rfc4180_quoting() -> None:
    out = io.StringIO(newline="")
    count = write_csv([row(), row(id=2, title="=cmd|' /C calc'!A0", tone_score=0.25)], out)
    assert count == 2
    text = out.getvalue()
    assert text.startswith("id,brand,found_at") and "\r\n" in text
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == CSV_COLUMNS
    assert parsed[1][CSV_COLUMNS.index("snippet")] == 'a "quoted"\nline'
    assert parsed[1][CSV_COLUMNS.index("tone_score")] == "-0.5"
    assert parsed[2][CSV_COLUMNS.index("title")] == "'=cmd|' /C calc'!A0"
    assert parsed[2][0] == "2"


def test_excel_adds_a_bom_and_jsonl_is_one_object_per_line() -> None:
    out = io.StringIO()
    write_csv([row()], out, excel=True)
    assert out.getvalue().startswith("\ufeffid,")
    lines = io.StringIO()
    assert write_jsonl([row(), row(id=2)], lines) == 2
    objects = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert [o["id"] for o in objects] == [1, 2] and objects[0]["author"] == "Zoé"
