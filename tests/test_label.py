"""`veille label`: a tone corrected by hand is the mention's tone everywhere, the engine's
judgement is kept beside it, and nothing veille does afterwards — a rescan, a rematch of the
archive, an upgrade — undoes it. Labelled texts are imported from CSV, all or nothing.
Through the command line, on real SQLite files and a real loopback feed server."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_archive import rows, rss, scan
from test_export import Sheet, column_letter
from test_store import make_mention
from werkzeug import Request, Response

from veille.cli import app
from veille.migrations import schema_version
from veille.models import Source
from veille.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
DATE = "Mon, 23 Nov 2026 10:00:00 +0000"
MENTIONS = [
    # 1: a neutral question; 2: praise, the engine says; 3: nothing to do.
    ("Acme : vous livrez à Lyon ?", "neutral", 0.0, "question"),
    ("Merci Acme, super service", "positive", 0.6, ""),
    ("Acme ouvre un magasin", "neutral", 0.0, ""),
]


@pytest.fixture
def label_db(tmp_path: Path) -> Path:
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(
                    url=f"https://e.fr/{i}",
                    title="",
                    snippet=text,
                    text=text,
                    tone=tone,
                    tone_score=score,
                    flags=flags,
                    published_at=f"2026-11-2{i}T10:00:00Z",
                )
                for i, (text, tone, score, flags) in enumerate(MENTIONS, start=1)
            ],
        )
    return db_path


def invoke(runner, db_path: Path, *args: str):
    return runner.invoke(app, [*args, "--db", str(db_path)])


def everything(db_path: Path) -> tuple[list[tuple], list[tuple]]:
    return rows(db_path, "SELECT * FROM mention_rows ORDER BY id"), rows(
        db_path, "SELECT * FROM labels ORDER BY id"
    )


def stored_labels(db_path: Path) -> list[dict]:
    with Store(db_path, create=False, write=False) as store:
        return store.labels()


def test_a_correction_is_the_mentions_tone_with_the_engines_kept(runner, label_db: Path) -> None:
    result = invoke(runner, label_db, "label", "2", "3", "negative")
    assert result.exit_code == 0, result.output
    assert result.stdout == "2 mentions labelled negative.\n"
    assert rows(label_db, "SELECT id, tone, tone_score, flags FROM mentions ORDER BY id") == [
        (1, "neutral", 0.0, "question"),
        (2, "negative", -0.5, ""),
        (3, "negative", -0.5, ""),
    ]
    labels = {row["mention_id"]: row for row in stored_labels(label_db)}
    assert set(labels) == {2, 3}
    assert (labels[2]["label"], labels[2]["judged_tone"], labels[2]["judged_score"]) == (
        "negative",
        "positive",
        0.6,
    )
    assert labels[2]["text"] == "Merci Acme, super service"  # the window the engine judged
    assert labels[2]["lang"] == "fr" and labels[2]["flags"] is None

    # Corrected again: the engine's judgement stays, not the first correction's.
    again = invoke(runner, label_db, "label", "neutral", "2")
    assert again.exit_code == 0 and again.stdout == "1 mention labelled neutral.\n"
    (row,) = [r for r in stored_labels(label_db) if r["mention_id"] == 2]
    assert (row["label"], row["judged_tone"], row["judged_score"]) == ("neutral", "positive", 0.6)
    assert rows(label_db, "SELECT count(*) FROM labels") == [(2,)]


def test_a_tone_given_as_it_stands_keeps_the_engines_score(runner, label_db: Path) -> None:
    assert invoke(runner, label_db, "label", "2", "positive").exit_code == 0
    assert rows(label_db, "SELECT tone, tone_score FROM mentions WHERE id = 2") == [
        ("positive", 0.6)
    ]


def test_the_correction_is_exported_and_shown(runner, label_db: Path, tmp_path: Path) -> None:
    assert invoke(runner, label_db, "label", "2", "negative", "--flag", "complaint").exit_code == 0

    exported = invoke(runner, label_db, "export")
    assert exported.exit_code == 0, exported.output
    table = list(csv.DictReader(io.StringIO(exported.stdout, newline="")))
    assert list(table[0])[-2:] == ["note", "label"]
    by_id = {row["id"]: row for row in table}
    assert (by_id["2"]["tone"], by_id["2"]["tone_score"], by_id["2"]["flags"]) == (
        "negative",
        "-0.5",
        "complaint",
    )
    assert by_id["2"]["label"] == "negative" and by_id["1"]["label"] == by_id["3"]["label"] == ""

    workbook = tmp_path / "out.xlsx"
    assert invoke(runner, label_db, "export", "-f", "xlsx", "-o", str(workbook)).exit_code == 0
    assert xlsx_column(workbook, "label") == ["label", "", "negative", ""]  # newest first

    judged = {"tone": "positive", "score": 0.6, "flags": ""}
    for args in (["mentions", "--json"], ["export", "-f", "jsonl"]):
        listed = invoke(runner, label_db, *args)
        assert listed.exit_code == 0, listed.output
        objects = {o["id"]: o for o in map(json.loads, listed.stdout.splitlines())}
        assert (objects[2]["label"], objects[2]["judged"]) == ("negative", judged), args
        assert (objects[1]["label"], objects[1]["judged"]) == (None, None), args

    # --labelled lists the corrected mentions only, for review or for an export.
    for args in (["mentions", "--json", "--labelled"], ["export", "-f", "jsonl", "--labelled"]):
        listed = invoke(runner, label_db, *args)
        assert listed.exit_code == 0, listed.output
        assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [2], args

    shown = invoke(runner, label_db, "show", "2", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert (data["tone"], data["label"], data["judged"]) == ("negative", "negative", judged)
    # The explanation is the engine's, compared with the engine's judgement.
    assert data["explain"]["tone"] == "positive"

    view = invoke(runner, label_db, "show", "2")
    assert view.exit_code == 0, view.output
    out = " ".join(view.stdout.split())
    assert "negative -0.50 (corrected from positive +0.60;" in out, out
    assert "complaint (corrected from none)" in out, out
    plain = " ".join(invoke(runner, label_db, "show", "3").stdout.split())
    assert "corrected" not in plain


def xlsx_column(path: Path, name: str) -> list[str]:
    """The text of one column of an exported workbook, header first."""
    sheet = Sheet(path)
    letter = column_letter(name)
    return [
        sheet.text(f"{letter}{line}") if f"{letter}{line}" in sheet.cells else ""
        for line in range(1, 5)
    ]


@pytest.mark.parametrize(
    "args",
    [["999999", "negative"], ["2", "999999", "negative"], ["999999", "--flag", "spam"]],
    ids=["none exists", "one of two does not exist", "flags only"],
)
def test_an_unknown_id_changes_nothing(runner, label_db: Path, args: list[str]) -> None:
    before = everything(label_db)
    result = invoke(runner, label_db, "label", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "no mention with id 999999; nothing was changed" in result.stderr
    assert everything(label_db) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2", "negatif"], "'negatif': not a tone (positive, neutral or negative)"),
        (["2"], "say what the tone is"),
        (["negative"], "give the mention ids"),
        (["2", "negative", "positive"], "one tone at a time"),
        (["2", "--flag", "rude"], "--flag 'rude': choose among question, complaint"),
        (["2", "--flag", "spam", "--no-flag", "spam"], "--flag spam and --no-flag spam"),
        (["2", "negative", "--import", "x.csv"], "--import FILE takes no mention ids"),
    ],
    ids=["misspelt tone", "nothing to do", "no id", "two tones", "unknown flag", "both", "both"],
)
def test_usage_errors_are_one_line_and_change_nothing(
    runner, label_db: Path, args: list[str], message: str
) -> None:
    before = everything(label_db)
    result = invoke(runner, label_db, "label", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("veille: error: ") and result.stderr.count("\n") == 1
    assert message in result.stderr, result.stderr
    assert everything(label_db) == before


def test_a_non_numeric_id_is_the_same_error_as_marks(runner, label_db: Path) -> None:
    labelled = invoke(runner, label_db, "label", "abc", "negative")
    marked = invoke(runner, label_db, "mark", "abc", "--handled")
    assert labelled.exit_code == marked.exit_code == 2
    assert labelled.stderr == marked.stderr
    assert "'abc': not a mention id" in labelled.stderr


def inbox(runner, db_path: Path) -> list[tuple[int, int]]:
    result = invoke(runner, db_path, "inbox", "--json")
    assert result.exit_code == 0, result.output
    return [(o["id"], o["urgency"]) for o in map(json.loads, result.stdout.splitlines())]


def test_flags_corrected_move_mentions_in_and_out_of_the_inbox(runner, label_db: Path) -> None:
    assert inbox(runner, label_db) == [(1, 0)]  # the question
    flagged = invoke(runner, label_db, "label", "3", "--flag", "complaint")
    assert flagged.exit_code == 0 and flagged.stdout == "1 mention flagged complaint.\n"
    unflagged = invoke(runner, label_db, "label", "1", "--no-flag", "question")
    assert unflagged.exit_code == 0 and unflagged.stdout == "1 mention unflagged question.\n"
    assert inbox(runner, label_db) == [(3, 0)]
    # the inbox's JSON carries the correction as `mentions --json` does
    (listed,) = map(json.loads, invoke(runner, label_db, "inbox", "--json").stdout.splitlines())
    assert listed["label"] == "neutral"
    assert listed["judged"] == {"tone": "neutral", "score": listed["judged"]["score"], "flags": ""}
    # A flag correction changes that flag only, and leaves the tone as it stands.
    assert rows(label_db, "SELECT id, tone, flags FROM mentions WHERE id IN (1, 3)") == [
        (1, "neutral", ""),
        (3, "neutral", "complaint"),
    ]
    labels = {row["mention_id"]: row for row in stored_labels(label_db)}
    assert (labels[1]["label"], labels[1]["flags"], labels[1]["judged_flags"]) == (
        "neutral",
        "",
        "question",
    )
    # Added to several mentions at once, a flag joins each one's own.
    both = invoke(runner, label_db, "label", "1", "3", "--flag", "insult")
    assert both.exit_code == 0, both.output
    assert rows(label_db, "SELECT flags FROM mentions WHERE id IN (1, 3) ORDER BY id") == [
        ("insult",),
        ("complaint insult",),
    ]
    # A later tone-only correction keeps the corrected flags.
    assert invoke(runner, label_db, "label", "3", "negative").exit_code == 0
    assert rows(label_db, "SELECT tone, flags FROM mentions WHERE id = 3") == [
        ("negative", "complaint insult")
    ]


# -- import -----------------------------------------------------------------------------


def test_import_adds_the_texts_once(runner, label_db: Path, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.csv"
    labelled.write_bytes(
        "\ufefflang,Text,label,source\r\n"
        "fr,Livraison en retard,negative,mail\r\n"
        'en,"Great bikes,\nreally",Positive,\r\n'
        ",,neutral,\r\n"
        "\r\n"
        ",Un texte sans langue,neutral,\r\n".encode()
    )
    result = invoke(runner, label_db, "label", "--import", str(labelled))
    assert result.exit_code == 0, result.output
    assert result.stdout == "3 labelled texts added, 1 row without text skipped.\n"
    expected = [
        (None, "Livraison en retard", "fr", "negative"),
        (None, "Great bikes, really", "en", "positive"),
        (None, "Un texte sans langue", None, "neutral"),
    ]
    rows = [(r["mention_id"], r["text"], r["lang"], r["label"]) for r in stored_labels(label_db)]
    assert rows == expected

    # Imported again, one label changed: nothing is added twice.
    labelled.write_text(
        "text,label,lang\nLivraison en retard,neutral,fr\nGreat bikes,\nreally,positive,en\n",
        encoding="utf-8",
    )
    again = invoke(runner, label_db, "label", "--import", str(labelled))
    assert again.exit_code == 2  # an unquoted line break: "Great bikes" has no label
    labelled.write_text(
        'text,label,lang\nLivraison en retard,neutral,fr\n"Great bikes, really",positive,en\n',
        encoding="utf-8",
    )
    again = invoke(runner, label_db, "label", "--import", str(labelled))
    assert again.exit_code == 0, again.output
    assert again.stdout == "0 labelled texts added, 1 relabelled, 1 already there.\n"
    rows = [(r["mention_id"], r["text"], r["lang"], r["label"]) for r in stored_labels(label_db)]
    assert rows == [(None, "Livraison en retard", "fr", "neutral"), *expected[1:]]


@pytest.mark.parametrize(
    ("content", "located"),
    [
        ("text,label\nbon produit,positive\nnul,terrible\n", ":3: label 'terrible': expected"),
        ("text,label\nbon,positive\n\nnul,\n", ":4: label missing: expected"),
        ("text,lang\nbon produit,fr\n", ":1: no 'label' column"),
        ("texte,label\nbon produit,positive\n", ":1: no 'text' column"),
        ("text,label,lang\nbon,positive,fr\nok,neutral,french\n", ":3: lang 'french'"),
        (b"text,label\nbon,positive\n\xe9t\xe9,negative\n", ":3: not UTF-8"),
        ("", ": empty; the first line names the columns"),
    ],
    ids=[
        "bad label",
        "no label",
        "no label column",
        "no text column",
        "bad lang",
        "latin-1",
        "empty",
    ],
)
def test_a_bad_file_is_located_and_nothing_is_imported(
    runner, label_db: Path, tmp_path: Path, content: str | bytes, located: str
) -> None:
    labelled = tmp_path / "labelled.csv"
    if isinstance(content, bytes):
        labelled.write_bytes(content)
    else:
        labelled.write_text(content, encoding="utf-8")
    before = everything(label_db)
    result = invoke(runner, label_db, "label", "--import", str(labelled))
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert f"veille: error: {labelled}{located}" in result.stderr, result.stderr
    assert everything(label_db) == before


def test_a_missing_file_is_one_line(runner, label_db: Path, tmp_path: Path) -> None:
    result = invoke(runner, label_db, "label", "--import", str(tmp_path / "none.csv"))
    assert result.exit_code == 2 and "none.csv: cannot read" in result.stderr


# -- never undone -------------------------------------------------------------------------


class ChangingFeed:
    """A feed without validators, so that each sweep reads it whole; its entries can change."""

    def __init__(self, httpserver: HTTPServer, entries: list[tuple[str, str, str, str]]) -> None:
        self.body = rss(entries)
        httpserver.expect_request("/feed.xml").respond_with_handler(self.answer)
        self.url = httpserver.url_for("/feed.xml")

    def answer(self, request: Request) -> Response:
        return Response(self.body, headers={"Content-Type": "application/rss+xml"})


def test_a_correction_outlives_rescans_and_a_rematch(
    httpserver: HTTPServer, runner, write_config, tmp_path: Path
) -> None:
    feed = ChangingFeed(httpserver, [("a", "Billet", "Acme est vraiment génial, merci !", DATE)])
    config = write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "News", "type": "rss", "url": feed.url}],
        }
    )
    db_path = tmp_path / "veille.db"
    assert scan(runner, config)["mentions_new"] == 1
    ((mention, tone),) = rows(db_path, "SELECT id, tone FROM mentions")
    assert tone == "positive"
    labelled = runner.invoke(app, ["label", str(mention), "negative", "-c", str(config)])
    assert labelled.exit_code == 0, labelled.output
    corrected = rows(db_path, "SELECT id, tone, tone_score, flags, status FROM mentions")
    assert corrected == [(mention, "negative", -0.5, "", "new")]
    label = rows(db_path, "SELECT * FROM labels")

    # The entry changes (the engine would judge it positive again) and a new one appears:
    # the sweep reads and judges both, and stores only the new mention.
    feed.body = rss(
        [
            ("a", "Billet", "Acme est vraiment génial, merci encore !", DATE),
            ("b", "Billet", "Acme est nul, service client injoignable.", DATE),
        ]
    )
    assert scan(runner, config)["mentions_new"] == 1
    assert rows(db_path, "SELECT tone FROM mentions WHERE id != ?", mention) == [("negative",)]
    assert rows(db_path, "SELECT id, tone, tone_score, flags, status FROM mentions "
                "WHERE id = ?", mention) == corrected  # fmt: skip
    # Every brand matched against the archive again: the corrected mention is not re-judged.
    rematched = scan(runner, config, "--rematch")
    assert rematched["mentions_archive"] == 0
    assert rows(db_path, "SELECT id, tone, tone_score, flags, status FROM mentions "
                "WHERE id = ?", mention) == corrected  # fmt: skip
    assert rows(db_path, "SELECT * FROM labels") == label
    assert [row[0] for row in rows(db_path, "SELECT label FROM labels")] == ["negative"]


def test_labels_survive_reopening_and_an_old_database_upgrades_to_take_them(
    runner, tmp_path: Path
) -> None:
    old = tmp_path / "veille.db"
    shutil.copyfile(FIXTURES / "schema6" / "veille.db", old)
    assert rows(old, "PRAGMA user_version") == [(6,)]
    assert rows(old, "SELECT name FROM sqlite_master WHERE name = 'labels'") == []
    before = rows(old, "SELECT id, tone, status, note FROM mentions ORDER BY id")
    first = before[0][0]

    result = invoke(runner, old, "label", str(first), "negative", "--flag", "complaint")
    assert result.exit_code == 0, result.output
    assert rows(old, "PRAGMA user_version") == [(schema_version(),)] == [(9,)]
    after = rows(old, "SELECT id, tone, status, note FROM mentions ORDER BY id")
    assert after[0] == (first, "negative", *before[0][2:])
    assert after[1:] == before[1:]  # triage and the other tones as they were
    labels = stored_labels(old)
    assert [(r["mention_id"], r["label"], r["judged_tone"]) for r in labels] == [
        (first, "negative", before[0][1])
    ]

    # Reopened by the commands that write (a mark, an import) and read: still there.
    assert invoke(runner, old, "mark", str(first), "--handled").exit_code == 0
    csv_file = tmp_path / "more.csv"
    csv_file.write_text("text,label\nbonne batterie,positive\n", encoding="utf-8")
    assert invoke(runner, old, "label", "--import", str(csv_file)).exit_code == 0
    assert stored_labels(old)[0] == labels[0] and len(stored_labels(old)) == 2
    listed = invoke(runner, old, "mentions", "--json", "-n", "100")
    objects = {o["id"]: o for o in map(json.loads, listed.stdout.splitlines())}
    assert objects[first]["label"] == "negative" and objects[first]["status"] == "handled"
    assert rows(old, "PRAGMA integrity_check") == [("ok",)]
