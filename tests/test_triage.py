"""Triage: the inbox's order, `mark`, and statuses that survive rescans."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_store import make_mention

from veille.cli import app
from veille.models import Source
from veille.store import Store

# (id order of insertion) published, tone, flags, status
MENTIONS = [
    ("2026-11-20T10:00:00Z", "negative", "", "new"),  # 1: plain negative, old
    ("2026-11-26T10:00:00Z", "negative", "", "new"),  # 2: plain negative, newer
    ("2026-11-21T10:00:00Z", "neutral", "question", "new"),  # 3: question
    ("2026-11-25T10:00:00Z", "negative", "complaint", "new"),  # 4: complaint, newer
    ("2026-11-24T10:00:00Z", "negative", "insult", "new"),  # 5: insult
    ("2026-11-27T10:00:00Z", "positive", "", "new"),  # 6: nothing to do
    ("2026-11-27T11:00:00Z", "negative", "question", "handled"),  # 7: already handled
    ("2026-11-27T12:00:00Z", "neutral", "spam", "new"),  # 8: spam is not for the inbox
]


@pytest.fixture
def triage_db(tmp_path: Path) -> Path:
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(url=f"https://e.fr/{i}", published_at=p, tone=t, flags=f, status=st)
                for i, (p, t, f, st) in enumerate(MENTIONS, start=1)
            ],
        )
    return db_path


def inbox_ids(runner, db_path: Path, *options: str) -> list[int]:
    result = runner.invoke(app, ["inbox", "--db", str(db_path), "--json", *options])
    assert result.exit_code == 0, result.output
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


def test_inbox_order_questions_and_complaints_first(runner, triage_db: Path) -> None:
    assert inbox_ids(runner, triage_db) == [4, 3, 5, 2, 1]
    text = runner.invoke(app, ["inbox", "--db", str(triage_db)])
    assert text.exit_code == 0 and "Inbox (5)" in text.stdout
    assert inbox_ids(runner, triage_db, "--since", "2026-11-24") == [4, 5, 2]
    assert inbox_ids(runner, triage_db, "--flag", "insult") == [5]


def test_a_limited_inbox_says_how_many_it_holds(runner, triage_db: Path) -> None:
    cut = runner.invoke(app, ["inbox", "--db", str(triage_db), "--limit", "2"])
    assert cut.exit_code == 0 and "Inbox (2 of 5)" in cut.stdout
    exact = runner.invoke(app, ["inbox", "--db", str(triage_db), "--limit", "5"])
    assert "Inbox (5)" in exact.stdout
    filtered = runner.invoke(
        app, ["inbox", "--db", str(triage_db), "--limit", "1", "--since", "2026-11-24"]
    )
    assert "Inbox (1 of 3)" in filtered.stdout


def test_mark_moves_mentions_out_of_the_inbox_and_back(runner, triage_db: Path) -> None:
    done = runner.invoke(
        app, ["mark", "4", "3", "--handled", "--note", "répondu en MP", "--db", str(triage_db)]
    )
    assert done.exit_code == 0 and "2 mentions marked handled, noted." in done.stdout
    assert inbox_ids(runner, triage_db) == [5, 2, 1]
    ignored = runner.invoke(app, ["mark", "1", "--ignored", "--db", str(triage_db)])
    assert ignored.exit_code == 0
    assert inbox_ids(runner, triage_db) == [5, 2]
    back = runner.invoke(app, ["mark", "4", "--new", "--db", str(triage_db)])
    assert back.exit_code == 0 and "1 mention marked new." in back.stdout
    cleared = runner.invoke(app, ["mark", "3", "--note", "", "--db", str(triage_db)])
    assert cleared.exit_code == 0 and "1 mention note cleared." in cleared.stdout
    renoted = runner.invoke(app, ["mark", "3", "--note", "répondu en MP", "--db", str(triage_db)])
    assert renoted.exit_code == 0 and "1 mention noted." in renoted.stdout
    assert inbox_ids(runner, triage_db) == [4, 5, 2]
    rows = {
        r["id"]: r
        for r in map(
            json.loads,
            runner.invoke(app, ["mentions", "--db", str(triage_db), "--json"]).stdout.splitlines(),
        )
    }
    assert (rows[4]["status"], rows[4]["note"]) == ("new", "répondu en MP")
    assert (rows[3]["status"], rows[1]["status"]) == ("handled", "ignored")
    exported = runner.invoke(app, ["export", "--db", str(triage_db), "--status", "handled"])
    table = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["id"], r["status"]) for r in table] == [("7", "handled"), ("3", "handled")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999", "--handled"], "no mention with id 999"),
        (["1", "999", "--handled"], "no mention with id 999; nothing was changed"),
        (["1", "--handled", "--ignored"], "choose one of"),
        (["1"], "say what to do"),
        (["abc", "--handled"], "'abc': not a mention id"),
        (["1", "4.5", "--handled"], "'4.5': not a mention id"),
        (["1", "9" * 20, "--handled"], f"no mention with id {'9' * 20}"),
    ],
    ids=[
        "unknown id",
        "one unknown id",
        "two statuses",
        "nothing to do",
        "word",
        "decimal",
        "past SQLite's integers",
    ],
)
def test_mark_errors_change_nothing(runner, triage_db: Path, args, message) -> None:
    result = runner.invoke(app, ["mark", *args, "--db", str(triage_db)])
    assert result.exit_code == 2 and message in result.stderr
    assert result.stderr.startswith("veille: error: ") and len(result.stderr.splitlines()) == 1
    assert inbox_ids(runner, triage_db) == [4, 3, 5, 2, 1]


def test_a_rescan_never_resets_status_or_note(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    item = (
        "<item><title>Acme : toujours pas reçu ma commande, c'est inadmissible</title>"
        "<link>https://news.example/1?utm_source=x</link></item>"
    )
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{}</channel></rss>'
    httpserver.expect_request("/feed").respond_with_data(
        feed.format(item), content_type="application/rss+xml"
    )
    config = write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "f", "type": "rss", "url": httpserver.url_for("/feed")}],
        }
    )
    assert runner.invoke(app, ["scan", "-c", str(config)]).exit_code == 0
    (mention_id,) = [
        json.loads(line)["id"]
        for line in runner.invoke(app, ["inbox", "-c", str(config), "--json"]).stdout.splitlines()
    ]
    marked = runner.invoke(
        app, ["mark", str(mention_id), "--handled", "--note", "called", "-c", str(config)]
    )
    assert marked.exit_code == 0
    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data(
        feed.format(item + item.replace("/1?", "/2?")), content_type="application/rss+xml"
    )
    rescan = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert json.loads(rescan.stdout)["mentions_new"] == 1
    rows = [
        json.loads(line)
        for line in runner.invoke(
            app, ["mentions", "-c", str(config), "--json"]
        ).stdout.splitlines()
    ]
    first = next(r for r in rows if r["id"] == mention_id)
    assert (first["status"], first["note"]) == ("handled", "called")
    assert [r["status"] for r in rows if r["id"] != mention_id] == ["new"]


def _report_triage(runner, db_path: Path, since: str, until: str) -> dict:
    result = runner.invoke(
        app, ["report", "--db", str(db_path), "--since", since, "--until", until, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["triage"]


def test_the_report_counts_the_triage_done_in_its_period(runner, triage_db: Path) -> None:
    # Mention 1 was published on 20 November; it is dealt with today, with a note.
    marked = runner.invoke(
        app, ["mark", "1", "--handled", "--note", "called back", "--db", str(triage_db)]
    )
    assert marked.exit_code == 0, marked.output
    with Store(triage_db) as store:
        (triaged_at,) = store.conn.execute(
            "SELECT triaged_at FROM mention_rows WHERE id = 1"
        ).fetchone()
    today = triaged_at[:10]
    tomorrow = (date.fromisoformat(today) + timedelta(days=1)).isoformat()
    week = _report_triage(runner, triage_db, today, tomorrow)
    assert (week["handled"], week["ignored"]) == (1, 0)
    assert [n["note"] for n in week["notes"]] == ["called back"]
    # November's report: mention 7, marked before triage was dated, counts where it was
    # mentioned; mention 1, dealt with today, does not, and is no longer new there.
    november = _report_triage(runner, triage_db, "2026-11-20", "2026-11-28")
    assert (november["handled"], november["ignored"], november["new"]) == (1, 0, 6)
    assert november["notes"] == []
    # Marked again as it was, the first date stands; back to new, it is no triage at all.
    runner.invoke(app, ["mark", "1", "--handled", "--db", str(triage_db)])
    with Store(triage_db) as store:
        assert store.conn.execute(
            "SELECT triaged_at FROM mention_rows WHERE id = 1"
        ).fetchone() == (triaged_at,)
    runner.invoke(app, ["mark", "1", "--new", "--db", str(triage_db)])
    assert _report_triage(runner, triage_db, today, tomorrow)["handled"] == 0


def _report_html(runner, db_path: Path, tmp_path: Path, *options: str) -> str:
    output = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--db", str(db_path), *options, "--html", str(output)])
    assert result.exit_code == 0, result.output
    return output.read_text(encoding="utf-8")


def _today(db_path: Path, mention_id: int, column: str = "triaged_at") -> tuple[str, str]:
    with Store(db_path) as store:
        (moment,) = store.conn.execute(
            f"SELECT {column} FROM mention_rows WHERE id = ?", [mention_id]
        ).fetchone()
    today = moment[:10]
    return today, (date.fromisoformat(today) + timedelta(days=1)).isoformat()


def test_a_post_without_a_title_shows_its_text_in_the_triage_table(runner, tmp_path: Path) -> None:
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Social", type="mastodon", url="https://m.fr/@a")])
        store.record_source(
            "Social",
            {},
            [make_mention(source="Social", url="https://m.fr/1", title="",
                          snippet="Acme a perdu mon colis")],
        )  # fmt: skip
    marked = runner.invoke(
        app, ["mark", "1", "--handled", "--note", "refunded", "--db", str(db_path)]
    )
    assert marked.exit_code == 0, marked.output
    since, until = _today(db_path, 1)
    page = _report_html(runner, db_path, tmp_path, "--since", since, "--until", until)
    triage = page[page.index('<section id="triage">') :]
    assert "refunded" in triage
    assert "Acme a perdu mon colis" in triage and "(no title)" not in triage


def test_notes_show_in_the_period_they_were_written(
    runner, triage_db: Path, tmp_path: Path
) -> None:
    # Mention 7, handled before triage was dated, kept its note from then (no noted_at).
    with Store(triage_db) as store, store.conn:
        store.conn.execute("UPDATE mention_rows SET note = 'old call' WHERE id = 7")
    november = ("2026-11-20", "2026-11-28")
    assert [n["id"] for n in _report_triage(runner, triage_db, *november)["notes"]] == [7]
    # Today: a note on mention 3, still new, and on mention 2 as it is handled.
    for args in (["3", "--note", "asked support"], ["2", "--handled", "--note", "refunded"]):
        marked = runner.invoke(app, ["mark", *args, "--db", str(triage_db)])
        assert marked.exit_code == 0, marked.output
    today, tomorrow = _today(triage_db, 3, "noted_at")
    notes = _report_triage(runner, triage_db, today, tomorrow)["notes"]
    assert sorted((n["id"], n["status"], n["note"]) for n in notes) == [
        (2, "handled", "refunded"),
        (3, "new", "asked support"),
    ]
    assert all(n["noted_at"][:10] == today for n in notes)
    # Written today, the notes are not November's; a new note on mention 7 moves it here.
    assert [n["id"] for n in _report_triage(runner, triage_db, *november)["notes"]] == [7]
    runner.invoke(app, ["mark", "7", "--note", "called again", "--db", str(triage_db)])
    assert _report_triage(runner, triage_db, *november)["notes"] == []
    now = [n["id"] for n in _report_triage(runner, triage_db, today, tomorrow)["notes"]]
    assert now[0] == 7 and sorted(now) == [2, 3, 7]  # newest first
    # The HTML table dates each note by when it was written.
    page = _report_html(runner, triage_db, tmp_path, "--since", today, "--until", tomorrow)
    triage = page[page.index('<section id="triage">') :]
    assert ">Noted<" in triage and "Nov 27" not in triage
    # A note cleared is no note: not dated, not shown.
    runner.invoke(app, ["mark", "3", "--note", "", "--db", str(triage_db)])
    with Store(triage_db) as store:
        assert store.conn.execute(
            "SELECT note, noted_at FROM mention_rows WHERE id = 3"
        ).fetchone() == ("", None)
    assert [n["id"] for n in _report_triage(runner, triage_db, today, tomorrow)["notes"]] == [7, 2]
