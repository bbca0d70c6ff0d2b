"""`veille search` checks its query before SQLite runs it: every mistake is one stderr line
and exit 2, never a traceback, and no query is long enough to keep FTS5 busy for minutes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_report import report_db  # noqa: F401 - the fixture

from veille.cli import app


def refused(runner, db: Path, query: str) -> str:
    """The one-line error `search QUERY` prints, after checking it exited 2 cleanly."""
    result = runner.invoke(app, ["search", query, "--db", str(db)])
    assert result.exit_code == 2, (query, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def found(runner, db: Path, query: str) -> list[dict]:
    result = runner.invoke(app, ["search", query, "--db", str(db), "--json", "-n", "100"])
    assert result.exit_code == 0, (query, result.output, result.exception)
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(
    ("query", "distance"),
    [
        ("NEAR(Globex item, 1e9)", "'1e9'"),
        ("NEAR(Globex item, globex)", "'globex'"),
        ("NEAR(Globex item, 99999999999)", "'99999999999'"),
        ("NEAR(Globex item, 1001)", "'1001'"),
        ("NEAR(Globex item, -5)", "'- 5'"),
        ("NEAR(Globex item,)", "'nothing'"),
    ],
    ids=["exponent", "word", "overflow", "over-cap", "negative", "missing"],
)
def test_search_refuses_a_near_distance_that_is_not_a_small_whole_number(
    runner,
    report_db: Path,  # noqa: F811
    query: str,
    distance: str,
) -> None:
    message = refused(runner, report_db, query)
    assert f"NEAR distance {distance} is not a whole number from 0 to 1000" in message


def test_search_runs_near_with_a_distance_up_to_the_cap(runner, report_db: Path) -> None:  # noqa: F811
    assert found(runner, report_db, "NEAR(Globex item, 1000)")
    assert found(runner, report_db, "NEAR(Globex item, 0)")
    assert found(runner, report_db, "NEAR(Globex item)")


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("(Globex OR Acme", "a '(' is not closed"),
        ("((Globex OR Acme)", "a '(' is not closed"),
        ("((Globex", "2 '(' are not closed"),
        ("Globex)", "a ')' closes no '('"),
        ("(Globex))", "a ')' closes no '('"),
        ('"Globex item', "a double quote is not closed"),
        ('"Globex" "item', "a double quote is not closed"),
        ("globex.com", "'.' goes only inside double quotes"),
    ],
)
def test_search_names_an_unbalanced_quote_or_parenthesis(
    runner,
    report_db: Path,  # noqa: F811
    query: str,
    problem: str,
) -> None:
    message = refused(runner, report_db, query)
    assert f"search {query!r}: not a valid query: {problem}" in message


def test_search_keeps_quotes_written_inside_a_phrase(runner, report_db: Path) -> None:  # noqa: F811
    # `""` is a quote inside the phrase, not its end; the index drops it, as punctuation.
    quoted = found(runner, report_db, '"Globex ""item"""')
    assert quoted and quoted == found(runner, report_db, '"Globex item"')
    assert found(runner, report_db, '"globex.com" OR (Globex AND item)')


@pytest.mark.parametrize(
    "query",
    ["item AND", "OR Globex", "col:umn", "*", "near(Globex item, 3)", "(" * 300 + "x" + ")" * 300],
    ids=["dangling", "leading", "column", "star", "lowercase-near", "deep"],
)
def test_search_turns_what_fts5_refuses_into_a_usage_error(
    runner,
    report_db: Path,  # noqa: F811
    query: str,
) -> None:
    message = refused(runner, report_db, query)
    assert "not a valid query (" in message and "NEAR(a b)" in message
    assert len(message) < 300, "a long query is quoted shortened"


def test_search_refuses_an_overlong_query_without_running_it(runner, report_db: Path) -> None:  # noqa: F811
    # Prefix terms cost FTS5 time that grows with their square: this one never ends.
    endless = " OR ".join(["it*"] * 20_000)
    message = refused(runner, report_db, endless)
    assert f"the query is {len(endless):,} characters long; at most 1,000" in message
    assert len(message) < 200, "the query itself is not echoed"
    just_over = ("Globex " * 143)[:1001]
    assert "at most 1,000" in refused(runner, report_db, just_over)


def test_search_caps_the_number_of_words(runner, report_db: Path) -> None:  # noqa: F811
    refusal = refused(runner, report_db, " OR ".join(["item"] * 51))
    assert "51 words; at most 50" in refusal
    assert "...'" in refusal, "a long query is quoted shortened"
    phrase = '"' + " ".join(["item"] * 51) + '"'
    assert "51 words; at most 50" in refused(runner, report_db, phrase)
    # Operators, NEAR, its distance and column names are not words looked up.
    fifty = "title:(" + " AND ".join(["item"] * 48) + ") OR NEAR(Globex item, 5)"
    assert len(fifty) <= 1000
    assert found(runner, report_db, fifty)


def test_search_refuses_an_empty_query(runner, report_db: Path) -> None:  # noqa: F811
    assert "the query is empty" in refused(runner, report_db, "   ")
