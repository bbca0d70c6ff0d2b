"""A database written by the release before the item archive is migrated in place: every
mention keeps its id, status and note, the CSV export's columns of that release are the same
byte for byte (the `note` column now follows them), search finds what it found, and the
archive holds each mention's item."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from veille.cli import app

BEFORE = Path(__file__).parent / "fixtures" / "schema5"


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    copy = tmp_path / "veille.db"
    shutil.copyfile(BEFORE / "veille.db", copy)
    return copy


def read(db_path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def assert_same_export_plus_notes(exported: Path, triage: list[tuple]) -> None:
    """The export has every column of the old release's, byte for byte once written back
    without the columns added since (`note`, then `label`), and `note` holds each mention's
    note; `label` is empty, nothing having been corrected."""
    new_rows = list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8"), newline="")))
    assert new_rows[0][-2:] == ["note", "label"]
    old_columns = io.StringIO(newline="")
    csv.writer(old_columns).writerows(row[:-2] for row in new_rows)
    assert old_columns.getvalue().encode() == (BEFORE / "export.csv").read_bytes()
    notes = {str(mention_id): note for mention_id, _, note, _, _ in triage}
    assert {row[0]: row[-2] for row in new_rows[1:]} == notes
    assert any(notes.values())
    assert {row[-1] for row in new_rows[1:]} == {""}


def test_the_fixture_is_the_release_before_the_archive(old_db: Path) -> None:
    assert read(old_db, "PRAGMA user_version") == [(5,)]
    assert read(old_db, "SELECT type FROM sqlite_master WHERE name = 'mentions'") == [("table",)]


def test_an_old_database_migrates_with_nothing_changed_for_its_users(
    old_db: Path, runner, tmp_path: Path
) -> None:
    triage = read(old_db, "SELECT id, status, note, url, brand FROM mentions ORDER BY id")
    texts = read(old_db, "SELECT id, text FROM mentions ORDER BY id")
    found = read(old_db, "SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH 'batterie'")
    assert len(triage) == 40 and len(found) == 10

    exported = tmp_path / "export.csv"
    result = runner.invoke(app, ["export", "--db", str(old_db), "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert_same_export_plus_notes(exported, triage)

    assert read(old_db, "SELECT type FROM sqlite_master WHERE name = 'mentions'") == [("view",)]
    assert read(old_db, "SELECT id, status, note, url, brand FROM mentions ORDER BY id") == triage
    assert read(old_db, "SELECT id, text FROM mentions ORDER BY id") == texts
    assert read(old_db, "SELECT DISTINCT origin FROM mentions") == [("sweep",)]
    # One item per source and URL that a mention named, each mention pointing at its own.
    assert read(old_db, "SELECT count(*) FROM items") == read(
        old_db, "SELECT count(*) FROM (SELECT DISTINCT source, url FROM mention_rows)"
    )
    assert read(
        old_db,
        "SELECT count(*) FROM mention_rows AS m JOIN items AS i ON i.id = m.item_id "
        "WHERE i.source = m.source AND i.url = m.url",
    ) == [(40,)]

    search = runner.invoke(app, ["search", "batterie", "--db", str(old_db), "--json", "-n", "99"])
    assert search.exit_code == 0, search.output
    ids = {json.loads(line)["id"] for line in search.stdout.splitlines()}
    assert ids == {rowid for (rowid,) in found}
    assert read(old_db, "PRAGMA integrity_check") == [("ok",)]
    for index in ("mentions_fts", "items_fts"):
        # rank = 1 compares an external-content index with its content; raises if they differ
        read(old_db, f"INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)")

    marked = runner.invoke(app, ["mark", "3", "--handled", "--db", str(old_db)])
    assert marked.exit_code == 0, marked.output
    assert read(old_db, "SELECT status FROM mentions WHERE id = 3") == [("handled",)]
