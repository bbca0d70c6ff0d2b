"""Whole sweeps through the CLI against a real loopback HTTP server and a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from feedgen import BRANDS_CONFIG, generate_feeds
from pytest_httpserver import HTTPServer
from sqlite_utils import Database
from werkzeug import Request, Response

from veille.cli import app


def serve_feeds(httpserver: HTTPServer, feeds) -> None:
    """Serve each feed with an ETag and answer a matching If-None-Match with 304."""
    for feed in feeds:

        def handler(request: Request, feed=feed) -> Response:
            if request.headers.get("If-None-Match") == feed.etag:
                return Response(status=304, headers={"ETag": feed.etag})
            return Response(
                feed.body, headers={"Content-Type": feed.content_type, "ETag": feed.etag}
            )

        httpserver.expect_request(feed.path).respond_with_handler(handler)


def sweep_config(httpserver: HTTPServer, feeds, **settings) -> dict:
    return {
        "brands": BRANDS_CONFIG,
        "sources": [
            {"name": f"feed {i:03d}", "type": "rss", "url": httpserver.url_for(feed.path)}
            for i, feed in enumerate(feeds)
        ],
        "settings": {"per_host": 8, "concurrency": 32, "timeout": 10, **settings},
    }


def stored_mentions(db_path: Path) -> list[tuple[str, str]]:
    return [
        (row["brand"], row["url"])
        for row in Database(db_path).query("select brand, url from mentions")
    ]


def test_sweep_stores_exactly_the_expected_mentions_then_nothing_new(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    feeds = generate_feeds(200, 6, base="https://news.example")
    serve_feeds(httpserver, feeds)
    config = write_config(sweep_config(httpserver, feeds))
    db_path = tmp_path / "veille.db"

    first = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert first.exit_code == 0, first.output + first.stderr
    summary = json.loads(first.stdout)
    expected = set().union(*(feed.expected for feed in feeds))
    stored = stored_mentions(db_path)
    assert len(stored) == len(set(stored)), "duplicate mention"
    assert set(stored) == expected
    assert summary["mentions_new"] == len(expected)
    assert summary["sources_ok"] == 200 and summary["items_seen"] == 200 * 6
    assert {f.fmt for f in feeds} == {"rss2", "atom", "rss1", "jsonfeed"}
    db = Database(db_path)
    incomplete = db.execute(
        "select count(*) from mentions where tone is null or lang is null or tone_score is null"
        " or snippet = '' or author is null or published_at is null"
    ).fetchone()[0]
    assert incomplete == 0

    httpserver.clear_log()
    second = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert again["mentions_new"] == 0 and again["sources_unchanged"] == 200
    assert sorted(stored_mentions(db_path)) == sorted(stored)
    requests = [request for request, response in httpserver.log]
    assert len(requests) == 200
    assert all(r.headers.get("If-None-Match") for r in requests)
    assert {response.status_code for _, response in httpserver.log} == {304}
    scans = list(db.query("select status, mentions_new, sources_unchanged from scans"))
    assert scans == [
        {"status": "ok", "mentions_new": len(expected), "sources_unchanged": 0},
        {"status": "ok", "mentions_new": 0, "sources_unchanged": 200},
    ]


def test_scan_of_one_source_and_one_brand(httpserver: HTTPServer, write_config, runner) -> None:
    feeds = generate_feeds(3, 15, base="https://news.example")
    serve_feeds(httpserver, feeds)
    config = write_config(sweep_config(httpserver, feeds))
    result = runner.invoke(
        app, ["scan", "-c", str(config), "--source", "feed 001", "--brand", "Acme", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [s["name"] for s in summary["sources"]] == ["feed 001"]
    assert set(summary["new_by_brand"]) == {"Acme"}
    unknown = runner.invoke(app, ["scan", "-c", str(config), "--source", "nope"])
    assert unknown.exit_code == 2 and "unknown source 'nope'" in unknown.stderr


HOSTILE_TITLE = "[bold red]Acme[/] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 done"


def test_web_text_is_printed_literally(httpserver: HTTPServer, write_config, runner) -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>[bold red]Acme[/] &#x1b;[31mred&#x1b;[0m done</title>"
        "<link>https://news.example/1</link><description>Acme \u001b[2J wipes</description>"
        "</item></channel></rss>"
    )
    httpserver.expect_request("/feed").respond_with_data(
        body.encode(), content_type="application/rss+xml"
    )
    config = write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "f", "type": "rss", "url": httpserver.url_for("/feed")}],
        }
    )
    assert runner.invoke(app, ["scan", "-c", str(config)]).exit_code == 0
    listed = runner.invoke(app, ["mentions", "-c", str(config)])
    assert listed.exit_code == 0, listed.output
    assert "[bold red]Acme[/]" in listed.stdout
    assert "\x1b" not in listed.stdout
    as_json = runner.invoke(app, ["mentions", "-c", str(config), "--json"])
    row = json.loads(as_json.stdout.splitlines()[0])
    assert row["title"] == "[bold red]Acme[/] red done"
    assert "\x1b" not in row["snippet"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_matches_database_and_filters(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path, fmt: str
) -> None:
    feeds = generate_feeds(8, 15, base="https://news.example")
    serve_feeds(httpserver, feeds)
    config = write_config(sweep_config(httpserver, feeds))
    assert runner.invoke(app, ["scan", "-c", str(config)]).exit_code == 0
    db = Database(tmp_path / "veille.db")
    out = tmp_path / f"out.{fmt}"
    result = runner.invoke(app, ["export", "-c", str(config), "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    total = db["mentions"].count
    assert len(lines) == total + (1 if fmt == "csv" else 0)
    filtered = runner.invoke(app, ["export", "-c", str(config), "-f", fmt, "--brand", "Rocket"])
    rocket = db.execute("select count(*) from mentions where brand = 'Rocket'").fetchone()[0]
    assert 0 < rocket < total
    assert len(filtered.stdout.splitlines()) == rocket + (1 if fmt == "csv" else 0)


def one_feed_config(httpserver: HTTPServer, write_config, *, broken: bool = False) -> Path:
    feeds = generate_feeds(2, 5, base="https://news.example")
    serve_feeds(httpserver, feeds)
    config = sweep_config(httpserver, feeds)
    if broken:
        config["sources"].append(
            {"name": "broken", "type": "rss", "url": httpserver.url_for("/missing")}
        )
    return write_config(config)


def test_quiet_prints_nothing_unless_a_source_failed(
    httpserver: HTTPServer, write_config, runner
) -> None:
    quiet = runner.invoke(app, ["scan", "-q", "-c", str(one_feed_config(httpserver, write_config))])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    config = one_feed_config(httpserver, write_config, broken=True)
    failing = runner.invoke(app, ["scan", "--quiet", "-c", str(config)])
    assert failing.exit_code == 1
    # pytest-httpserver answers an unexpected path with 500.
    assert "broken" in failing.stdout and "server error (500)" in failing.stdout


def test_progress_bar_only_on_a_terminal(
    httpserver: HTTPServer, write_config, tmp_path: Path
) -> None:
    import os
    import pty
    import subprocess
    import sys

    config = one_feed_config(httpserver, write_config)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "veille", "scan", "-c", str(config), "--db", "tty.db"]
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command, stdout=follower, stderr=follower, cwd=tmp_path, env=env, close_fds=True
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=60) == 0
    os.close(leader)
    assert b"Scanning" in output and b"Sources:" in output

    piped = subprocess.run(
        [*command[:-1], "piped.db"], capture_output=True, cwd=tmp_path, env=env, check=True
    )
    assert b"Scanning" not in piped.stdout + piped.stderr
    assert b"Sources: 2 ok" in piped.stdout


def test_a_configured_tone_engine_judges_every_mention(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path
) -> None:
    feeds = generate_feeds(2, 10, base="https://news.example")
    serve_feeds(httpserver, feeds)
    config = sweep_config(httpserver, feeds)
    config["settings"]["tone_engine"] = "test_tone:always_negative"
    result = runner.invoke(app, ["scan", "-c", str(write_config(config))])
    assert result.exit_code == 0, result.output
    tones = {
        row[0] for row in Database(tmp_path / "veille.db").execute("select tone from mentions")
    }
    assert tones == {"negative"}

    config["settings"]["tone_engine"] = "no_such_module:judge"
    broken = runner.invoke(app, ["scan", "-c", str(write_config(config, "broken.yaml"))])
    assert broken.exit_code == 2
    assert "settings.tone_engine" in broken.stderr and "no_such_module" in broken.stderr


def counting_engine(text: str, lang: str | None) -> dict:
    """A tone engine that records each judgement in a file: it may run in a worker process."""
    with open(os.environ["VEILLE_TEST_JUDGED"], "a", encoding="utf-8") as log:
        log.write(" ".join(text.split()) + "\n")
    return {"tone": "neutral", "score": 0.0}


def test_a_changed_feed_judges_only_its_new_mentions(
    httpserver: HTTPServer, write_config, runner, tmp_path: Path, monkeypatch
) -> None:
    judged = tmp_path / "judged.txt"
    monkeypatch.setenv("VEILLE_TEST_JUDGED", str(judged))

    def judgements() -> int:
        count = len(judged.read_text(encoding="utf-8").splitlines()) if judged.exists() else 0
        judged.unlink(missing_ok=True)
        return count

    def feed(count: int) -> str:
        items = "".join(
            f"<item><title>Acme news {n}</title><link>https://news.example/{n}</link></item>"
            for n in range(count)
        )
        head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        return f"{head}{items}</channel></rss>"

    httpserver.expect_request("/feed").respond_with_data(
        feed(5), content_type="application/rss+xml"
    )
    config = sweep_config(httpserver, [])
    config["sources"] = [{"name": "f", "type": "rss", "url": httpserver.url_for("/feed")}]
    config["settings"]["tone_engine"] = "test_scan:counting_engine"
    path = write_config(config)
    # A process of its own: its worker processes must see this test's environment.
    command = [sys.executable, "-m", "veille", "scan", "-c", str(path), "--json"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 0, first.stderr
    assert judgements() == 5
    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data(
        feed(7), content_type="application/rss+xml"
    )
    second = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert json.loads(second.stdout)["mentions_new"] == 2
    assert judgements() == 2


def test_a_failing_tone_engine_fails_its_sources_not_the_sweep(
    httpserver: HTTPServer, write_config, runner
) -> None:
    feeds = generate_feeds(2, 10, base="https://news.example")
    serve_feeds(httpserver, feeds)
    config = sweep_config(httpserver, feeds)
    config["settings"]["tone_engine"] = "test_tone:bad_label_engine"
    result = runner.invoke(app, ["scan", "-c", str(write_config(config)), "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    assert summary["sources_failed"] == 2
    assert all("analysis failed" in s["error"] for s in summary["sources"])


def stalling_engine(text: str, lang: str | None) -> dict:
    """A tone engine stuck on any text that says "stall", as a pathological item would be."""
    if "stall" in text:
        while True:
            pass
    return {"tone": "neutral", "score": 0.0}


def test_an_analysis_over_its_budget_fails_its_source_not_the_sweep(
    httpserver: HTTPServer, write_config, tmp_path: Path
) -> None:
    """The stuck workers are killed and replaced: the other sources are analysed, the sweep
    ends and releases its lock, and the next sweep runs."""

    def feed(name: str) -> str:
        title = "Acme will stall" if name.startswith("stuck") else f"Acme news from {name}"
        head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        item = f"<item><title>{title}</title><link>https://news.example/{name}</link></item>"
        return f"{head}{item}</channel></rss>"

    # Two stuck sources hold both workers: without their replacement no other source would run.
    names = ["stuck", "stuck-too", "first", "second", "third"]
    for name in names:
        httpserver.expect_request(f"/{name}").respond_with_data(
            feed(name), content_type="application/rss+xml"
        )
    config = sweep_config(httpserver, [])
    config["sources"] = [
        {"name": name, "type": "rss", "url": httpserver.url_for(f"/{name}")} for name in names
    ]
    config["settings"]["tone_engine"] = "test_scan:stalling_engine"
    path = write_config(config)
    command = [sys.executable, "-m", "veille", "scan", "-c", str(path), "--json"]
    paths = [str(Path(__file__).parent), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "VEILLE_ANALYSIS_BUDGET": "2"}
    for _ in range(2):  # the second sweep shows the lock was released
        swept = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False, timeout=120
        )
        assert swept.returncode == 1, swept.stderr
        summary = json.loads(swept.stdout)
        by_name = {source["name"]: source for source in summary["sources"]}
        for name in names:
            if name.startswith("stuck"):
                assert by_name[name]["state"] == "failed"
                assert by_name[name]["error"].startswith("analysis took longer than 2 s: ")
            else:
                assert by_name[name]["state"] == "ok", by_name[name]
    assert sorted(url for _, url in stored_mentions(tmp_path / "veille.db")) == [
        f"https://news.example/{name}" for name in sorted(names) if not name.startswith("stuck")
    ]
