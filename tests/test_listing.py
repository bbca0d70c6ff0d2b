"""Every documented filter, alone and combined, on every listing command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import ROWS, report_db  # noqa: F401 - the fixture

from veille.cli import app

FILTERS = {
    "brand": (["--brand", "Globex"], lambda r: r[1] == "Globex"),
    "two brands": (["--brand", "Globex", "--brand", "Acme"], lambda r: True),
    "source": (["--source", "News C"], lambda r: r[3] == "News C"),
    "since": (["--since", "2026-11-26"], lambda r: r[0] >= "11-26"),
    "until": (["--until", "2026-11-20"], lambda r: r[0] < "11-20"),
    "tone": (["--tone", "negative"], lambda r: r[4] == "negative"),
    "two tones": (["--tone", "negative", "--tone", "positive"], lambda r: r[4] != "neutral"),
    "flag": (["--flag", "question"], lambda r: "question" in r[5]),
    "status": (["--status", "handled"], lambda r: r[6] == "handled"),
    "lang": (["--lang", "en"], lambda r: r[1] == "Globex"),
    "brand and tone": (
        ["--brand", "Acme", "--tone", "negative"],
        lambda r: r[1] == "Acme" and r[4] == "negative",
    ),
    "all at once": (
        ["--brand", "Acme", "--source", "Forum B", "--since", "2026-11-26T08:05", "--until",
         "2026-11-27", "--tone", "negative", "--status", "new", "--lang", "fr"],
        lambda r: r[1] == "Acme" and r[3] == "Forum B" and "11-26T08:05" <= r[0] < "11-27"
        and r[4] == "negative" and r[6] == "new",
    ),
}  # fmt: skip


def expected_ids(keep) -> set[int]:
    return {index + 1 for index, row in enumerate(ROWS) if keep(row)}


def listed_ids(runner, command: list[str]) -> set[int]:
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output + result.stderr
    return {json.loads(line)["id"] for line in result.stdout.splitlines()}


@pytest.mark.parametrize(("options", "keep"), FILTERS.values(), ids=FILTERS.keys())
def test_filters_on_every_listing_command(runner, report_db: Path, options, keep) -> None:  # noqa: F811
    db = ["--db", str(report_db)]
    ids = expected_ids(keep)
    assert ids, "each case must select something"
    assert listed_ids(runner, ["mentions", *db, *options, "--json", "-n", "100"]) == ids
    assert listed_ids(runner, ["search", "item", *db, *options, "--json", "-n", "100"]) == ids
    assert listed_ids(runner, ["export", *db, *options, "-f", "jsonl"]) == ids
    period = [] if "--since" in options else ["--since", "2026-11-01"]
    # On `report`, --lang is the report's language: the mentions' is --mention-lang.
    options = ["--mention-lang" if option == "--lang" else option for option in options]
    report = runner.invoke(app, ["report", *db, *period, *options, "--json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["summary"]["mentions"] == len(ids)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--since", "yesterdayish"], "--since 'yesterdayish': not a time"),
        (["--until", "soon"], "--until 'soon': not a time"),
        (["--brand", "Initech"], "--brand 'Initech': unknown; choose from Acme, Globex"),
        (["--source", "Nowhere"], "--source 'Nowhere': unknown"),
        (["--tone", "angry"], "--tone 'angry': unknown"),
        (["--flag", "rude"], "--flag 'rude': unknown"),
        (["--status", "done"], "--status 'done': unknown"),
        (["--lang", "french"], "--lang 'french'"),
        (["--since", "0001-02-20"], "not a time between the years 1900 and 9000"),
        (["--until", "9999-12-31"], "not a time between the years 1900 and 9000"),
        (["--since", "99999999999d"], "not a time between the years 1900 and 9000"),
    ],
    ids=[
        "since",
        "until",
        "brand",
        "source",
        "tone",
        "flag",
        "status",
        "lang",
        "year 1",
        "year 9999",
        "days past year 1",
    ],
)
@pytest.mark.parametrize("command", [["mentions"], ["search", "item"], ["export"], ["report"]])
def test_bad_filter_values_exit_2(runner, report_db: Path, command, options, message) -> None:  # noqa: F811
    result = runner.invoke(app, [*command, "--db", str(report_db), *options])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "command",
    [
        ["mentions", "--limit"],
        ["inbox", "--limit"],
        ["search", "item", "--limit"],
        ["report", "--top"],
    ],
)
def test_counts_past_what_sqlite_holds_are_refused(runner, report_db: Path, command) -> None:  # noqa: F811
    result = runner.invoke(app, [*command, "9" * 20, "--db", str(report_db)])
    assert result.exit_code == 2, result.output
    assert "less than or equal to 1000000" in result.output and "Traceback" not in result.output


def test_search_highlights_and_reports_bad_queries(runner, report_db: Path) -> None:  # noqa: F811
    result = runner.invoke(app, ["search", "Globex", "--db", str(report_db), "-n", "2"])
    assert result.exit_code == 0, result.output
    assert "Globex item" in result.stdout and "#24" in result.stdout
    for query in ("AND", "item AND", '"unterminated', "col:umn"):
        bad = runner.invoke(app, ["search", query, "--db", str(report_db)])
        assert bad.exit_code == 2, (query, bad.output)
        assert "not a valid query" in bad.stderr
    none = runner.invoke(app, ["search", "nothingmatches", "--db", str(report_db)])
    assert none.exit_code == 0 and "No mention matches." in none.stdout
