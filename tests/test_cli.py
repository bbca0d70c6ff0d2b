"""Small end-to-end checks of commands not covered by the sweep tests."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from test_store import make_mention

from veille import __version__
from veille.cli import app
from veille.models import Source
from veille.store import Store


def test_version(runner) -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"veille {__version__}"


def test_tone_of_an_argument_and_of_stdin_lines(runner) -> None:
    one = runner.invoke(
        app, ["tone", "Le service client est nul, toujours pas remboursé", "--json"]
    )
    assert one.exit_code == 0, one.output
    judged = json.loads(one.stdout)
    assert judged["lang"] == "fr" and judged["tone"] == "negative"
    assert set(judged) == {"text", "lang", "tone", "score", "flags"}
    lines = runner.invoke(
        app, ["tone", "--json"], input="I love this bike, it is wonderful!\n\nterrible support\n"
    )
    rows = [json.loads(line) for line in lines.stdout.splitlines()]
    assert [r["tone"] for r in rows] == ["positive", "negative"]
    plain = runner.invoke(app, ["tone", "[bold]great[/bold] \x1b[31m"])
    assert "[bold]great[/bold]" in plain.stdout and "\x1b" not in plain.stdout


def test_tone_piped_is_one_tab_separated_line_per_input(runner) -> None:
    long = "This is terrible, the worst service I ever had, why is nobody answering? " * 4
    result = runner.invoke(app, ["tone"], input=f"I love this bike, it is wonderful!\n{long}\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    fields = [line.split("\t") for line in lines]
    assert fields[0] == ["positive", fields[0][1], "en", "-", "I love this bike, it is wonderful!"]
    assert fields[1][0] == "negative" and "question" in fields[1][3].split(",")
    assert fields[1][4] == long.strip()


@pytest.mark.parametrize("text", ["", "   "])
def test_tone_of_an_empty_text_is_a_usage_error(runner, text: str) -> None:
    result = runner.invoke(app, ["tone", text])
    assert result.exit_code == 2
    assert (
        result.stderr
        == "veille: error: TEXT is empty: give the text to judge, or pipe lines on stdin\n"
    )


def test_tone_on_a_terminal_without_text_prints_usage(tmp_path: Path) -> None:
    """A TTY stdin with no TEXT would wait silently: usage is printed instead."""
    leader, follower = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "veille", "tone"],
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert "Usage:" in done.stdout and "tone" in done.stdout


@pytest.fixture
def filled_db(tmp_path: Path) -> Path:
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(url="https://e.fr/1", title='=HYPERLINK("x")'),
                make_mention(url="https://e.fr/2", brand="Globex", tone="negative", lang="en"),
            ],
        )
    return db_path


def test_listing_filters_and_bad_values(runner, filled_db: Path) -> None:
    ok = runner.invoke(app, ["mentions", "--db", str(filled_db), "--tone", "negative", "--json"])
    assert ok.exit_code == 0, ok.output
    assert [json.loads(line)["brand"] for line in ok.stdout.splitlines()] == ["Globex"]
    lower = runner.invoke(app, ["mentions", "--db", str(filled_db), "--brand", "globex", "--json"])
    assert lower.exit_code == 0, lower.output
    assert [json.loads(line)["brand"] for line in lower.stdout.splitlines()] == ["Globex"]
    for bad, message in (
        (["--since", "yesterdayish"], "not a time"),
        (["--brand", "Nope"], "--brand 'Nope': unknown"),
        (["--tone", "angry"], "--tone 'angry'"),
    ):
        for command in ("mentions", "export", "report"):
            result = runner.invoke(app, [command, "--db", str(filled_db), *bad])
            assert result.exit_code == 2, (command, bad, result.output)
            assert message in result.stderr and "Traceback" not in result.output


def test_export_to_stdout_neutralises_formulas(runner, filled_db: Path) -> None:
    result = runner.invoke(app, ["export", "--db", str(filled_db)])
    assert result.exit_code == 0
    assert "'=HYPERLINK" in result.stdout
    assert result.stdout.splitlines()[0].startswith("id,brand,found_at,published_at")


def test_reading_commands_need_an_existing_database(runner) -> None:
    result = runner.invoke(app, ["mentions", "--db", "missing.db"])
    assert result.exit_code == 2 and "run `veille scan` first" in result.stderr
    assert not Path("missing.db").exists()


def export_peak_bytes(db_path: Path, rows: int, tmp_path: Path) -> int:
    """Fill a database with `rows` mentions, then export it; peak traced memory of the export."""
    import tracemalloc
    from dataclasses import replace

    from veille.export import write_export

    with Store(db_path) as store:
        template = make_mention(text="x" * 500)
        store.record_source(
            template.source, {}, [replace(template, url=f"https://e.fr/{i}") for i in range(rows)]
        )
        tracemalloc.start()
        with (tmp_path / f"out-{rows}.csv").open("w", encoding="utf-8", newline="") as out:
            assert write_export(store.iter_mentions(), out) == rows
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_export_streams_in_constant_memory(tmp_path: Path) -> None:
    small = export_peak_bytes(tmp_path / "small.db", 1_000, tmp_path)
    large = export_peak_bytes(tmp_path / "large.db", 20_000, tmp_path)
    # Twenty times the rows, about the same memory: rows are never gathered into a list.
    assert large < 2 * small + 1_000_000, (small, large)


def _leaf_commands() -> list[list[str]]:
    """Every command and sub-command, as the words that call it."""
    root = typer.main.get_command(app)
    paths = []
    for name, command in root.commands.items():
        subcommands = getattr(command, "commands", {})
        paths.append([name])
        paths.extend([name, sub] for sub in subcommands)
    return paths


@pytest.mark.parametrize("path", _leaf_commands(), ids=" ".join)
def test_help_shows_examples_and_no_type_names(runner, path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|int|path|list\[)", result.stdout), result.stdout
    if path == ["alerts"]:
        return
    assert "Examples:" in result.stdout
    command = typer.main.get_command(app)
    for word in path:
        command = command.commands[word]  # type: ignore[attr-defined]
    options = {opt for param in command.params for opt in param.opts}
    examples = result.stdout.split("Examples:")[1].strip().splitlines()
    for example in examples:
        segment = next(part for part in example.split("|") if "veille " in part)
        words = shlex.split(segment.replace("(", " ").replace(";", " "))
        words = words[words.index("veille") + 1 :]
        assert words[: len(path)] == path, example
        used = {w.split("=")[0] for w in words if w.startswith("-")}
        assert used <= options, (example, used - options)
