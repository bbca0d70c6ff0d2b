from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from werkzeug import Response

from veille.cli import app
from veille.cron import cron_line
from veille.errors import UsageError
from veille.health import source_health
from veille.models import Source
from veille.store import Store

CONFIGURED = [
    Source(name="Ok", type="rss", url="https://ok.example/feed"),
    Source(name="Flaky", type="rss", url="https://flaky.example/feed"),
    Source(name="Broken", type="rss", url="https://broken.example/feed"),
    Source(name="Moved", type="rss", url="https://old.example/feed"),
    Source(name="Gone", type="rss", url="https://gone.example/feed"),
    Source(name="New", type="rss", url="https://new.example/feed"),
]


@pytest.fixture
def health_db(tmp_path: Path) -> Path:
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store:
        store.sync_sources([*CONFIGURED, Source(name="Old", type="rss", url="https://x.example/")])
        at = "2026-11-27T06:00:00Z"
        store.record_source("Ok", {"last_fetch_at": at, "last_status": 200})
        store.record_source("Old", {"last_fetch_at": at, "last_status": 200})
        store.record_source("Flaky", {"last_fetch_at": at, "last_error": "server error (503)"})
        for _ in range(4):
            store.record_source(
                "Broken", {"last_fetch_at": at, "last_status": 404, "last_error": "not found (404)"}
            )
        store.record_source(
            "Moved",
            {"last_fetch_at": at, "last_status": 200, "moved_to": "https://new.example/rss"},
        )
        store.record_source(
            "Gone", {"last_fetch_at": at, "last_status": 410, "last_error": "gone (410)"}
        )
    return db_path


def test_source_health_order_and_advice(health_db: Path) -> None:
    with Store(health_db) as store:
        entries = source_health(CONFIGURED, store.sources())
    assert [(e["name"], e["state"]) for e in entries] == [
        ("Broken", "failing"),
        ("Flaky", "failed"),
        ("Gone", "gone"),
        ("Moved", "moved"),
        ("Ok", "ok"),
        ("Old", "stored"),
        ("New", "never"),
    ]
    advice = {e["name"]: e["advice"] for e in entries}
    assert "failed 4 sweeps in a row" in advice["Broken"] and "veille preview" in advice["Broken"]
    assert "remove it from sources.yaml" in advice["Gone"]
    assert "https://new.example/rss" in advice["Moved"]
    assert advice["Old"].startswith("not in sources.yaml")


def test_without_a_config_stored_sources_are_judged_on_their_rows(health_db: Path) -> None:
    with Store(health_db) as store:
        entries = {e["name"]: e["state"] for e in source_health(None, store.sources())}
    assert entries["Old"] == "ok" and entries["Broken"] == "failing" and "stored" not in entries


def test_sources_of_the_demo_database_are_not_called_removed(
    runner, tmp_path: Path, write_config
) -> None:
    db = tmp_path / "demo.db"
    assert runner.invoke(app, ["demo", "--db", str(db)]).exit_code == 0
    alone = runner.invoke(app, ["sources", "--db", str(db), "--json"])
    assert alone.exit_code == 0, alone.output
    states = {entry["state"] for entry in json.loads(alone.stdout)}
    assert states and states <= {"ok", "empty", "failed"}
    text = runner.invoke(app, ["sources", "--db", str(db)]).stdout
    assert "removed" not in text and "not in sources.yaml" not in text
    write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "Mine", "type": "rss", "url": "https://e.fr/f"}],
        }
    )
    configured = json.loads(runner.invoke(app, ["sources", "--db", str(db), "--json"]).stdout)
    others = [entry for entry in configured if entry["name"] != "Mine"]
    assert others and {entry["state"] for entry in others} == {"stored"}
    assert all(entry["advice"].startswith("not in sources.yaml") for entry in others)


def test_sources_command(health_db: Path, runner, write_config, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": s.name, "type": s.type, "url": s.url} for s in CONFIGURED],
        }
    )
    result = runner.invoke(app, ["sources", "--db", str(health_db)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    names = [line.split()[0] for line in lines[3:10]]
    assert names == ["Broken", "Flaky", "Gone", "Moved", "Ok", "Old", "New"]
    assert "Moved: moved permanently: set its url to https://new.example/rss" in result.stdout
    as_json = json.loads(runner.invoke(app, ["sources", "--db", str(health_db), "--json"]).stdout)
    assert (as_json[0]["name"], as_json[0]["failures"]) == ("Broken", 4)


def test_cron_line_has_absolute_paths_and_quiet(tmp_path: Path, runner, write_config) -> None:
    config = write_config(
        {
            "brands": [{"name": "A", "terms": ["a"]}],
            "sources": [{"name": "s", "type": "rss", "url": "https://e.fr/f"}],
            "database": "data/v.db",
        }  # fmt: skip
    )
    result = runner.invoke(app, ["cron", "-c", "sources.yaml", "--at", "5:07"])
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    fields = line.split(" ", 5)
    assert fields[:5] == ["7", "5", "*", "*", "*"]
    words = shlex.split(fields[5])
    assert Path(words[0]).is_absolute()
    assert "--quiet" in words and words[words.index("-c") + 1] == str(config.resolve())
    assert words[words.index("--db") + 1] == str((tmp_path / "data" / "v.db").resolve())
    assert words[-3:] == ["|", "tee", "-a"][:2] + [words[-1]][:1] or words[-1].endswith(
        "veille.log"
    )
    assert words[-1] == str((tmp_path / "data" / "veille.log").resolve())
    bad = runner.invoke(app, ["cron", "-c", "sources.yaml", "--at", "25:00"])
    assert bad.exit_code == 2 and "--at '25:00'" in bad.stderr


def test_cron_line_quotes_paths_with_spaces() -> None:
    line = cron_line(["/opt/my tools/veille"], Path("/a b/s.yaml"), Path("/a b/v.db"), Path("/l"))
    assert "'/opt/my tools/veille' scan --quiet -c '/a b/s.yaml'" in line
    with pytest.raises(UsageError):
        cron_line(["veille"], Path("/s"), Path("/d"), Path("/l"), at="6h")


EMPTY_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Recherche Acme</title>
<link>https://search.example/</link></channel></rss>"""
FULL_FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Recherche Acme</title>
<item><title>Acme ouvre</title><link>https://news.example/1</link></item></channel></rss>"""


def test_a_source_that_yields_nothing_three_sweeps_in_a_row_is_flagged(
    httpserver, runner, write_config, tmp_path: Path
) -> None:
    """Read without error, no item: a quiet day once; flagged on the third sweep, in the scan
    summary, on stderr with --quiet (once a day), and in `veille sources`."""
    body = {"feed": EMPTY_FEED}
    httpserver.expect_request("/feed").respond_with_handler(
        lambda request: Response(body["feed"], content_type="text/xml")
    )
    config = write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "Veille Acme", "type": "rss", "url": httpserver.url_for("/feed")}],
        }
    )
    db = str(tmp_path / "veille.db")
    scan = ["scan", "-c", str(config), "--db", db, "--no-alerts"]

    def sources() -> dict:
        result = runner.invoke(app, ["sources", "-c", str(config), "--db", db, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)[0]

    for _ in range(2):
        result = runner.invoke(app, scan)
        assert result.exit_code == 0 and "no item" not in result.output
    entry = sources()
    assert (entry["state"], entry["empty"], entry["items_seen"]) == ("ok", False, 0)
    assert entry["empty_sweeps"] == 2

    quiet = [*scan, "--quiet"]
    first, second = runner.invoke(app, quiet), runner.invoke(app, quiet)
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == "" and "Veille Acme: no item in 3 sweeps" in first.stderr
    assert second.stderr == ""  # once a day
    entry = sources()
    assert (entry["state"], entry["empty"], entry["empty_sweeps"]) == ("empty", True, 4)
    assert "veille preview 'Veille Acme'" in entry["advice"]
    table = runner.invoke(app, ["sources", "-c", str(config), "--db", db])
    assert "empty" in table.output and "Items" in table.output

    result = runner.invoke(app, scan)  # the summary says it at every sweep
    assert result.exit_code == 0
    assert "no item in 5 sweeps in a row" in " ".join(result.output.split())

    body["feed"] = FULL_FEED
    assert runner.invoke(app, scan).exit_code == 0
    entry = sources()
    assert (entry["state"], entry["empty"], entry["items_seen"]) == ("ok", False, 1)
