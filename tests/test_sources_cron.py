from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

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
        ("Old", "removed"),
        ("New", "never"),
    ]
    advice = {e["name"]: e["advice"] for e in entries}
    assert "failed 4 sweeps in a row" in advice["Broken"] and "veille preview" in advice["Broken"]
    assert "remove it from sources.yaml" in advice["Gone"]
    assert "https://new.example/rss" in advice["Moved"]


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
