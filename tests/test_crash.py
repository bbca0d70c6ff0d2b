"""Crashes, Ctrl-C and concurrent scans, with a real `veille scan` process."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedgen import BRANDS_CONFIG, generate_feeds
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from veille.cli import app

pytestmark = pytest.mark.slow

FEEDS = generate_feeds(60, 10, base="https://news.example")
EXPECTED = set().union(*(feed.expected for feed in FEEDS))
OPEN_FEEDS = 10
# Closed, it holds every feed after the first OPEN_FEEDS: the sweep is then still at work when
# a test signals it, however fast the first ones went.
GATE = threading.Event()


@pytest.fixture
def slow_feeds(httpserver: HTTPServer, write_config) -> Iterator[Path]:
    """60 feeds served one at a time, 50 ms each, all but the first ten held at the gate."""
    GATE.clear()
    for index, feed in enumerate(FEEDS):

        def handler(request: Request, feed=feed, index=index) -> Response:
            time.sleep(0.05)
            if index >= OPEN_FEEDS:
                GATE.wait(timeout=20)
            return Response(feed.body, headers={"Content-Type": feed.content_type})

        httpserver.expect_request(feed.path).respond_with_handler(handler)
    yield write_config(
        {
            "brands": BRANDS_CONFIG,
            "sources": [
                {"name": f"feed {i:03d}", "type": "rss", "url": httpserver.url_for(f.path)}
                for i, f in enumerate(FEEDS)
            ],
            "settings": {"per_host": 1, "timeout": 30},
        }
    )
    GATE.set()


def start_scan(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "veille", "scan", "-c", str(config), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=config.parent,
        # As from a terminal: a test run started in the background inherits SIGINT ignored,
        # and an ignored SIGINT stays ignored in every process started from it.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for_mentions(db_path: Path, process: subprocess.Popen, minimum: int = 1) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the scan ended early: {process.communicate()[1][-800:]!r}"
        try:
            with sqlite3.connect(db_path, timeout=5) as db:
                count = db.execute("select count(*) from mentions").fetchone()[0]
        except sqlite3.OperationalError:
            count = 0
        if count >= minimum:
            return count
        time.sleep(0.05)
    raise AssertionError("no mention stored in time")


def processes_mentioning(marker: str) -> list[int]:
    """Live processes whose command line holds `marker` (a sweep's helpers name its folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                state = (entry / "stat").read_text().split(")")[-1].split()[0]
            except OSError:
                continue
            if marker in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


def assert_no_leftover_process(marker: str) -> None:
    deadline = time.monotonic() + 10
    while processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_mentioning(marker) == [], "a sweep's process outlived it"


def mentions(db_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as db:
        return db.execute("select brand, url from mentions").fetchall()


def test_kill_9_then_rescan_leaves_no_duplicate_and_no_half_row(slow_feeds: Path, runner) -> None:
    db_path = slow_feeds.parent / "veille.db"
    process = start_scan(slow_feeds)
    wait_for_mentions(db_path, process, minimum=5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    GATE.set()
    assert_no_leftover_process(str(slow_feeds.parent))
    partial = mentions(db_path)
    assert 0 < len(partial) < len(EXPECTED)
    with sqlite3.connect(db_path) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        # Each source is committed whole: a stored source has all of its mentions.
        per_source = dict(db.execute("select source, count(*) from mentions group by source"))
    by_name = {f"feed {i:03d}": len(f.expected) for i, f in enumerate(FEEDS)}
    assert all(count == by_name[name] for name, count in per_source.items())

    result = runner.invoke(app, ["scan", "-c", str(slow_feeds), "--quiet"])
    assert result.exit_code == 0, result.output
    final = mentions(db_path)
    assert len(final) == len(set(final)) and set(final) == EXPECTED
    with sqlite3.connect(db_path) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        statuses = [row[0] for row in db.execute("select status from scans order by id")]
    assert statuses == ["crashed", "ok"]


def test_second_scan_exits_75_at_once_while_one_runs(slow_feeds: Path, runner) -> None:
    db_path = slow_feeds.parent / "veille.db"
    process = start_scan(slow_feeds)
    try:
        wait_for_mentions(db_path, process)
        started = time.monotonic()
        result = runner.invoke(app, ["scan", "-c", str(slow_feeds)])
        assert result.exit_code == 75, result.output
        assert time.monotonic() - started < 5
        assert f"pid {process.pid}" in result.stderr
    finally:
        process.kill()
        process.wait(timeout=10)
        GATE.set()


def test_ctrl_c_exits_130_and_keeps_what_was_fetched(slow_feeds: Path) -> None:
    db_path = slow_feeds.parent / "veille.db"
    process = start_scan(slow_feeds)
    wait_for_mentions(db_path, process, minimum=5)
    process.send_signal(signal.SIGINT)
    GATE.set()
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert_no_leftover_process(str(slow_feeds.parent))
    kept = mentions(db_path)
    assert 0 < len(kept) < len(EXPECTED)
    with sqlite3.connect(db_path) as db:
        assert db.execute("select status from scans").fetchone()[0] == "interrupted"
    assert os.path.exists(db_path)
