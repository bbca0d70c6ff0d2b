from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest

from veille.cli import app
from veille.export import CSV_COLUMNS, neutralise_formula, write_csv, write_jsonl, write_xlsx

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


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
        "flags", "status", "note", "label",
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


@pytest.fixture
def demo_db(runner, tmp_path: Path) -> Path:
    db_path = tmp_path / "demo.db"
    assert runner.invoke(app, ["demo", "--db", str(db_path)]).exit_code == 0
    return db_path


def first_ids(db_path: Path, count: int) -> list[int]:
    connection = sqlite3.connect(db_path)
    try:
        return [i for (i,) in connection.execute(f"SELECT id FROM mentions LIMIT {count}")]
    finally:
        connection.close()


def test_a_triage_note_is_exported_after_the_status(runner, demo_db: Path) -> None:
    first, second = first_ids(demo_db, 2)
    noted = ["mark", str(first), "--handled", "--note", "répondu, « merci »", "--db", str(demo_db)]
    assert runner.invoke(app, noted).exit_code == 0
    result = runner.invoke(app, ["export", "--db", str(demo_db)])
    assert result.exit_code == 0, result.output
    table = {r["id"]: r for r in csv.DictReader(io.StringIO(result.stdout, newline=""))}
    assert list(table[str(first)])[-3:] == ["status", "note", "label"]
    assert (table[str(first)]["status"], table[str(first)]["note"]) == (
        "handled",
        "répondu, « merci »",
    )
    assert table[str(second)]["note"] == ""


class Sheet:
    """An xlsx file read back from its XML: cells by reference, links, styles."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as archive:
            self.xml = archive.read("xl/worksheets/sheet1.xml").decode()
            root = ElementTree.fromstring(self.xml)
            styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
            rels = ElementTree.fromstring(archive.read("xl/worksheets/_rels/sheet1.xml.rels"))
            names = archive.namelist()
            shared = (
                [
                    "".join(t.text or "" for t in si.iter(f"{MAIN}t"))
                    for si in ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
                ]
                if "xl/sharedStrings.xml" in names
                else []
            )
        formats = {
            int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{MAIN}numFmt")
        }
        xfs = styles.find(f"{MAIN}cellXfs")
        self.cell_formats = [formats.get(int(xf.get("numFmtId", 0))) for xf in xfs]
        self.cells: dict[str, ElementTree.Element] = {c.get("r"): c for c in root.iter(f"{MAIN}c")}
        self.shared = shared
        targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{RELS}Relationship")}
        # A link's fragment is kept apart, in `location`: Excel joins them back.
        self.links = {
            h.get("ref"): targets[h.get(R_ID)]
            + (f"#{h.get('location')}" if h.get("location") else "")
            for h in root.iter(f"{MAIN}hyperlink")
        }
        self.pane = root.find(f".//{MAIN}pane")
        self.autofilter = root.find(f"{MAIN}autoFilter")

    def type_of(self, ref: str) -> str:
        """`n` number, `s` shared string, `inlineStr`, `str` a formula's text; `f` a formula."""
        cell = self.cells[ref]
        if cell.find(f"{MAIN}f") is not None:
            return "f"
        return cell.get("t", "n")

    def text(self, ref: str) -> str:
        cell = self.cells[ref]
        if cell.get("t") == "s":
            return self.shared[int(cell.find(f"{MAIN}v").text)]
        return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))

    def number(self, ref: str) -> float:
        assert self.type_of(ref) == "n", ref
        return float(self.cells[ref].find(f"{MAIN}v").text)

    def number_format(self, ref: str) -> str | None:
        return self.cell_formats[int(self.cells[ref].get("s", 0))]


def column_letter(name: str) -> str:
    return chr(ord("A") + CSV_COLUMNS.index(name))


def excel_date(value: str) -> float:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    return (moment - datetime(1899, 12, 30)).total_seconds() / 86400


def test_xlsx_export_is_a_typed_spreadsheet(runner, demo_db: Path, tmp_path: Path) -> None:
    first, *_ = first_ids(demo_db, 1)
    marked = ["mark", str(first), "--note", "=SUM(A1)", "--db", str(demo_db)]
    assert runner.invoke(app, marked).exit_code == 0
    out = tmp_path / "mentions.xlsx"
    result = runner.invoke(app, ["export", "--db", str(demo_db), "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and f"to {out}" in result.stderr
    exported = json.loads(
        "["
        + ",".join(
            runner.invoke(app, ["export", "--db", str(demo_db), "-f", "jsonl"]).stdout.splitlines()
        )
        + "]"
    )
    sheet = Sheet(out)
    assert [sheet.text(f"{column_letter(c)}1") for c in CSV_COLUMNS] == CSV_COLUMNS
    assert sheet.pane.get("ySplit") == "1" and sheet.pane.get("state") == "frozen"
    last = column_letter(CSV_COLUMNS[-1])
    assert sheet.autofilter.get("ref") == f"A1:{last}{len(exported) + 1}"
    assert "<f>" not in sheet.xml
    for line, mention in enumerate(exported, start=2):
        ref = {column: f"{column_letter(column)}{line}" for column in CSV_COLUMNS}
        assert sheet.number(ref["id"]) == mention["id"]
        assert sheet.number(ref["found_at"]) == pytest.approx(
            excel_date(mention["found_at"]), abs=1e-6
        )
        assert sheet.number_format(ref["found_at"]) == "yyyy-mm-dd hh:mm"
        if mention["tone_score"] is not None:
            assert sheet.number(ref["tone_score"]) == pytest.approx(mention["tone_score"])
        assert sheet.links[ref["url"]] == mention["url"]
        assert sheet.text(ref["url"]) == mention["url"]
        for column in ("title", "author", "snippet", "status", "note"):
            if mention[column]:
                assert sheet.type_of(ref[column]) in ("s", "inlineStr")
                assert sheet.text(ref[column]) == mention[column]
            else:
                assert ref[column] not in sheet.cells
        if mention["id"] == first:
            assert sheet.text(ref["note"]) == "=SUM(A1)"


def test_xlsx_cells_starting_like_formulas_stay_text(tmp_path: Path) -> None:
    out = tmp_path / "rows.xlsx"
    tricky = ['=HYPERLINK("http://x")', "+33 6 12", "-2+3", "@SUM(A1)", "plain"]
    rows = [
        row(
            id=n,
            title=title,
            author="a\x00b\x07c\x1bd",
            snippet="one\r\ntwo\tthree\x0c",
            published_at=None,
            url="ftp://not.a.link/" if n == 1 else f"https://example.fr/{n}",
            tone_score=None if n == 2 else 0.25,
            note="-1" if n == 3 else "",
        )
        for n, title in enumerate(tricky)
    ]
    assert write_xlsx(rows, out) == len(tricky)
    sheet = Sheet(out)
    assert "<f>" not in sheet.xml
    for line, title in enumerate(tricky, start=2):
        assert sheet.type_of(f"I{line}") in ("s", "inlineStr")
        assert sheet.text(f"I{line}") == title
        assert sheet.text(f"H{line}") == "abcd"
        assert sheet.text(f"K{line}") == "one\ntwo\tthree"
        assert f"D{line}" not in sheet.cells
    assert sheet.text("R5") == "-1" and sheet.type_of("R5") in ("s", "inlineStr")
    assert "O4" not in sheet.cells and sheet.number("O5") == 0.25
    assert "J3" not in sheet.links and sheet.text("J3") == "ftp://not.a.link/"
    assert sheet.links["J4"] == "https://example.fr/2"
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", sheet.xml)


def test_xlsx_needs_a_file_and_csv_excel_still_works(runner, demo_db: Path) -> None:
    to_stdout = runner.invoke(app, ["export", "--db", str(demo_db), "-f", "xlsx"])
    assert to_stdout.exit_code == 2 and "give -o FILE.xlsx" in to_stdout.stderr
    assert to_stdout.stdout == ""
    both = ["export", "--db", str(demo_db), "-f", "xlsx", "-o", "x.xlsx", "--excel"]
    refused = runner.invoke(app, both)
    assert refused.exit_code == 2 and "--excel is for CSV" in refused.stderr
    assert not Path("x.xlsx").exists()
    unwritable = ["export", "--db", str(demo_db), "-f", "xlsx", "-o", "missing/dir/x.xlsx"]
    failed = runner.invoke(app, unwritable)
    assert failed.exit_code == 2 and "cannot write" in failed.stderr
    assert "Traceback" not in failed.output
    excel = runner.invoke(app, ["export", "--db", str(demo_db), "--excel"])
    assert excel.exit_code == 0
    assert excel.stdout.startswith("\ufeffid,brand,") and excel.stdout.splitlines()[0].endswith(
        ",status,note,label"
    )


def test_xlsx_links_past_excels_limits_are_text(tmp_path: Path) -> None:
    import warnings

    long_url = "https://example.fr/" + "a" * 2100
    rows = [{"id": 0, "url": long_url}]
    rows += [{"id": n, "url": f"https://example.fr/{n}"} for n in range(1, 65_532)]
    out = tmp_path / "many.xlsx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # XlsxWriter warns, and drops the cell, past a limit
        assert write_xlsx(rows, out) == len(rows)
    sheet = Sheet(out)
    assert "J2" not in sheet.links and sheet.text("J2") == long_url
    assert sheet.links["J65532"] == "https://example.fr/65530"
    assert "J65533" not in sheet.links and sheet.text("J65533") == "https://example.fr/65531"
