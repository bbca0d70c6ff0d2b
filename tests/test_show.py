"""`veille show ID` and `veille tone --explain`: one mention in full, and why each tone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_store import make_mention

from veille.cli import app
from veille.models import Source
from veille.store import Store

REPO = Path(__file__).resolve().parents[1]
COMPLAINT = (
    "Commande passée il y a un mois. Toujours pas reçu mon colis de chez Acme, service client "
    "injoignable. Je suis vraiment déçu."
)
HOSTILE_TITLE = "[bold red]x[/] \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ title"


@pytest.fixture
def show_db(tmp_path: Path) -> Path:
    """Mentions as a sweep stores them: 1 a complaint, 2 a hostile one, 3 a `javascript:`
    link, 4 a stored tone the engine no longer gives."""
    db_path = tmp_path / "veille.db"
    mentions = [
        make_mention(
            url="https://forum.example.fr/t/42",
            title="Livraison Acme",
            author="Marie",
            snippet=COMPLAINT[:80],
            text=COMPLAINT,
            tone="negative",
            tone_score=-0.9,
            flags="complaint",
            domain="forum.example.fr",
        ),
        make_mention(
            url="https://example.fr/2",
            title=HOSTILE_TITLE,
            text="Acme [link=https://evil.example]win[/link] \x1b[31mred\x1b[0m fin",
            author="[i]Eve[/i]",
        ),
        make_mention(url="javascript:alert(1)", title="Acme", text="Acme est génial"),
        make_mention(
            url="https://example.fr/4",
            text="Acme ouvre un magasin",
            tone="negative",
            tone_score=-0.8,
        ),
    ]
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
        store.record_source("Feed", {}, mentions)
    return db_path


def show(runner, db_path: Path, *args: str):
    return runner.invoke(app, ["show", "--db", str(db_path), *args])


def test_show_prints_the_mention_in_full_with_why(runner, show_db: Path) -> None:
    marked = runner.invoke(
        app, ["mark", "1", "--handled", "--note", "answered by DM", "--db", str(show_db)]
    )
    assert marked.exit_code == 0, marked.output
    result = show(runner, show_db, "1")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())  # as read, whatever the terminal's width
    for expected in (
        "Livraison Acme",
        "https://forum.example.fr/t/42",
        "Feed (rss)",
        "forum.example.fr",
        "Marie",
        "2026-11-20 10:00 UTC",  # published, year shown
        "2026-11-21 08:00 UTC",  # found
        "negative -0.90",
        "complaint",
        "handled",
        "answered by DM",
        "service client injoignable. Je suis vraiment déçu.",  # the full text
    ):
        assert expected in out, (expected, out)
    why = out[out.index("Why") : out.index("Flags")]
    assert '"injoignable" -2.2' in why, why  # the decisive word, with its weight
    # when it was marked and its note written, as stored (UTC)
    data = json.loads(show(runner, show_db, "1", "--json").stdout)
    assert data["triaged_at"] and data["noted_at"]
    marked_at = data["triaged_at"][:16].replace("T", " ")
    assert f"handled ({marked_at} UTC)" in out and f"answered by DM ({marked_at} UTC)" in out
    assert 'complaint "Toujours pas reçu"' in why, why  # the rule, in the words as written


def test_show_json_has_every_field_and_explain(runner, show_db: Path) -> None:
    result = show(runner, show_db, "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "id brand title text url source source_type domain site author published_at found_at "
        "lang tone tone_score flags status note matched triaged_at noted_at"
    ).split():
        assert key in data, key
    assert data["text"] == COMPLAINT
    explain = data["explain"]
    assert explain["tone"] == "negative" and explain["lang"] == "fr"
    assert "Acme" in explain["window"]
    assert [hit["text"] for hit in explain["words"]] == ["injoignable"]
    assert "complaint" in explain["flags"]
    assert explain["same_as_stored"] is False  # stored -0.9, today's engine scores otherwise


def test_a_stored_tone_the_engine_no_longer_gives_is_shown_and_said(runner, show_db: Path) -> None:
    result = show(runner, show_db, "4")
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "negative -0.80 (stored; today's engine says neutral +0.00, and why:)" in out


def test_hostile_web_text_prints_literally(runner, show_db: Path) -> None:
    result = show(runner, show_db, "2")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[bold red]x[/]" in out and "[i]Eve[/i]" in out
    assert "[link=https://evil.example]win[/link]" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "click" in out and "red fin" in out


def test_open_hands_the_link_to_the_browser(tmp_path: Path, show_db: Path) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser), "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "veille", "show", "--db", str(show_db), "--open"]
    done = subprocess.run([*command, "1"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert opened.read_text(encoding="utf-8") == "https://forum.example.fr/t/42"
    opened.unlink()
    refused = subprocess.run([*command, "3"], env=env, capture_output=True, text=True)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "not http(s)" in refused.stderr
    assert "javascript:alert(1)" in refused.stderr
    assert not opened.exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["999"], 2, "no mention with id 999"),
        (["abc"], 2, "'abc': not a mention id"),
        (["--", "-1"], 2, "'-1': not a mention id"),
        (["9" * 20], 2, f"no mention with id {'9' * 20}"),
    ],
    ids=["unknown id", "word", "negative", "past SQLite's integers"],
)
def test_show_errors_are_one_line(runner, show_db: Path, args, code, message) -> None:
    result = show(runner, show_db, *args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "╭" not in result.output


def test_show_leaves_the_database_as_it_was(runner, show_db: Path) -> None:
    before = show_db.read_bytes()
    result = show(runner, show_db, "1")
    assert result.exit_code == 0, result.output
    assert "Livraison Acme" in result.stdout
    assert show_db.read_bytes() == before


# --------------------------------------------------------------------------- tone --explain


def test_tone_explain_names_the_deciding_words_and_rules(runner) -> None:
    english = runner.invoke(app, ["tone", "Thanks Acme for nothing", "--explain"])
    assert english.exit_code == 0, english.output
    assert english.stdout.startswith("negative")
    assert '"Thanks" +1.9' in english.stdout  # the word, outweighed by
    assert 'rule: irony "Thanks Acme for nothing"' in english.stdout  # the rule
    french = runner.invoke(
        app, ["tone", "Merci Free pour rien, toujours pas de connexion", "--explain"]
    )
    assert french.exit_code == 0, french.output
    assert french.stdout.startswith("negative")
    assert "complaint" in french.stdout and "toujours pas de connexion" in french.stdout
    negated = runner.invoke(app, ["tone", "Je n'aime pas du tout Free", "--explain"])
    assert 'negated by "pas"' in negated.stdout
    assert len(negated.stdout.splitlines()) <= 5


def test_tone_json_explain_adds_only_the_explain_key(runner) -> None:
    text = "Acme est nul mais le support est très sympa"
    plain = json.loads(runner.invoke(app, ["tone", text, "--json"]).stdout)
    explained = json.loads(runner.invoke(app, ["tone", text, "--json", "--explain"]).stdout)
    assert set(plain) == {"text", "lang", "tone", "score", "flags"}
    assert {k: v for k, v in explained.items() if k != "explain"} == plain
    words = {hit["text"]: hit for hit in explained["explain"]["words"]}
    assert 'after "mais": ×1.5' in words["sympa"]["because"]
    assert 'before "mais": ×0.5' in words["nul"]["because"]
    assert explained["explain"]["score"] == plain["score"]
