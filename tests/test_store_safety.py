"""A database veille cannot use as asked: read-only, damaged, newer, someone else's, full.

Each case goes through the command line: one `veille: error:` line naming the file and the
way out, the SPEC's exit code, nothing written, nothing lost.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_store import make_mention

from veille.cli import app
from veille.models import Source
from veille.store import Store

FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    "<item><title>Acme est super</title><link>https://news.example/1</link></item>"
    "</channel></rss>"
)
READING = [
    ["mentions"],
    ["report"],
    ["export"],
    ["search", "Acme"],
    ["inbox"],
]


def one_error_line(result, *words: str) -> str:
    """The command's stderr is one `veille: error:` line holding `words`, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("veille: error: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return lines[0]


def fill(db_path: Path, count: int = 5, text_size: int = 50) -> None:
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(url=f"https://e.fr/{i}", text="Acme " + "x" * text_size)
                for i in range(1, count + 1)
            ],
        )


def count_mentions(db_path: Path) -> int:
    connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        return connection.execute("SELECT count(*) FROM mention_rows").fetchone()[0]
    finally:
        connection.close()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder read-only for this process, root included: the permission bits
    for an ordinary user, the immutable attribute for root (whom the bits do not stop)."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("as root, only `chattr +i` makes a file read-only, and it is not allowed")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.fixture
def scan_config(httpserver: HTTPServer, write_config, tmp_path: Path) -> Path:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    return write_config(
        {
            "database": str(tmp_path / "veille.db"),
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "f", "type": "rss", "url": httpserver.url_for("/feed")}],
        }
    )


def test_a_read_only_file_is_said_before_scan_or_mark_writes(
    runner, db_path: Path, scan_config: Path, httpserver: HTTPServer
) -> None:
    fill(db_path)
    with read_only(db_path):
        scan = runner.invoke(app, ["scan", "-c", str(scan_config)])
        assert scan.exit_code == 2, scan.output
        one_error_line(scan, "veille.db", "read-only")
        assert not httpserver.log, "nothing is fetched for a scan that cannot store it"
        mark = runner.invoke(app, ["mark", "1", "--handled", "--db", str(db_path)])
        assert mark.exit_code == 2, mark.output
        one_error_line(mark, "read-only")
        listed = runner.invoke(app, ["mentions", "--db", str(db_path), "--json"])
        assert listed.exit_code == 0, listed.output
        assert len(listed.stdout.splitlines()) == 5
    assert count_mentions(db_path) == 5


def test_a_read_only_folder_is_read_and_never_written(runner, tmp_path: Path, write_config) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db_path = folder / "veille.db"
    fill(db_path)
    with read_only(folder):
        for command in READING:
            result = runner.invoke(app, [*command, "--db", str(db_path)])
            assert result.exit_code == 0, (command, result.output)
        listed = runner.invoke(app, ["mentions", "--db", str(db_path), "--json"])
        assert len(listed.stdout.splitlines()) == 5
        mark = runner.invoke(app, ["mark", "1", "--handled", "--db", str(db_path)])
        assert mark.exit_code == 2, mark.output
        one_error_line(mark, "folder", "read-only")
        feed = {"name": "f", "type": "rss", "url": "http://127.0.0.1:9/feed"}
        brand = {"name": "Acme", "terms": ["Acme"]}
        config = write_config({"database": str(db_path), "brands": [brand], "sources": [feed]})
        scan = runner.invoke(app, ["scan", "-c", str(config)])
        assert scan.exit_code == 2, scan.output
        one_error_line(scan, "folder", "writable")
    assert sorted(p.name for p in folder.iterdir()) == ["veille.db"]


def damage(db_path: Path) -> None:
    """Overwrite pages in the middle of the file, as a failing disk or a bad copy does."""
    pages = db_path.stat().st_size // 4096
    with open(db_path, "r+b") as handle:
        handle.seek(pages // 2 * 4096)
        handle.write(b"\xa5" * 4096 * (pages - pages // 2 - 1))


@pytest.fixture
def damaged_db(db_path: Path) -> Path:
    fill(db_path, count=400, text_size=2000)
    damage(db_path)
    return db_path


@pytest.mark.parametrize("command", READING, ids=[c[0] for c in READING])
def test_reading_a_damaged_database_says_so(runner, damaged_db: Path, command) -> None:
    result = runner.invoke(app, [*command, "--db", str(damaged_db)])
    assert result.exit_code == 2, result.output
    one_error_line(result, "veille.db is damaged", "veille doctor")


def test_a_damaged_database_of_an_older_schema_is_not_upgraded_by_a_reading_command(
    runner, db_path: Path
) -> None:
    # A reading command upgrades an older schema in place: it must check the file first.
    fill(db_path, count=400, text_size=2000)
    with sqlite3.connect(db_path) as connection:
        connection.execute("DROP TRIGGER labels_follow_mentions")
        connection.execute("DROP TABLE labels")
        connection.execute("DROP TABLE tone_model")
        connection.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_tone_labels'")
        connection.execute("PRAGMA user_version = 7")
    connection.close()
    damage_mention_page(db_path)  # a page the upgrade itself would never read
    before = db_path.read_bytes()
    result = runner.invoke(app, ["mentions", "--db", str(db_path)])
    assert result.exit_code == 2, result.output
    one_error_line(result, "veille.db is damaged", "veille doctor")
    assert db_path.read_bytes() == before
    with sqlite3.connect(f"{db_path.resolve().as_uri()}?immutable=1", uri=True) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert "labels" not in tables
    assert not Path(f"{db_path}-wal").exists() or not Path(f"{db_path}-wal").stat().st_size


def test_scan_never_writes_into_a_damaged_database(
    runner, damaged_db: Path, scan_config: Path, httpserver: HTTPServer
) -> None:
    before = damaged_db.read_bytes()
    scan = runner.invoke(app, ["scan", "-c", str(scan_config)])
    assert scan.exit_code == 2, scan.output
    one_error_line(scan, "veille.db is damaged", "--salvage")
    assert not httpserver.log
    assert damaged_db.read_bytes() == before


def test_a_newer_schema_is_read_but_never_written(
    runner, db_path: Path, scan_config: Path, httpserver: HTTPServer
) -> None:
    fill(db_path)
    connection = sqlite3.connect(db_path)
    newer = connection.execute("PRAGMA user_version").fetchone()[0] + 1
    connection.execute(f"PRAGMA user_version = {newer}")
    connection.close()
    scan = runner.invoke(app, ["scan", "-c", str(scan_config)])
    assert scan.exit_code == 2, scan.output
    one_error_line(scan, f"made by a newer veille (schema {newer}", "upgrade veille")
    assert not httpserver.log
    mark = runner.invoke(app, ["mark", "1", "--handled", "--db", str(db_path)])
    assert mark.exit_code == 2, mark.output
    one_error_line(mark, "newer veille")
    listed = runner.invoke(app, ["mentions", "--db", str(db_path), "--json"])
    assert listed.exit_code == 0, listed.output
    assert len(listed.stdout.splitlines()) == 5
    assert '"status": "new"' in listed.stdout and "handled" not in listed.stdout


def test_another_programs_database_is_left_alone(runner, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    connection.commit()
    connection.close()
    before = other.read_bytes()
    for command in (["mentions"], ["mark", "1", "--handled"], ["report"]):
        result = runner.invoke(app, [*command, "--db", str(other)])
        assert result.exit_code == 2, result.output
        one_error_line(result, "other.db", "not veille's", "invoices")
    assert other.read_bytes() == before
    not_sqlite = tmp_path / "notes.db"
    not_sqlite.write_text("my notes\n", encoding="utf-8")
    result = runner.invoke(app, ["mentions", "--db", str(not_sqlite)])
    assert result.exit_code == 2
    one_error_line(result, "not an SQLite database")
    assert not_sqlite.read_text(encoding="utf-8") == "my notes\n"


def test_an_empty_file_becomes_a_veille_database(runner, db_path: Path) -> None:
    db_path.touch()
    result = runner.invoke(app, ["mentions", "--db", str(db_path)])
    assert result.exit_code == 0, result.output


FULL_DISK = (
    "import resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "limit = int(sys.argv[1])\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))\n"
    "sys.argv = ['veille', *sys.argv[2:]]\n"
    "from veille.cli import main\n"
    "main()\n"
)


def test_a_full_disk_keeps_what_was_committed_and_the_next_scan_completes(
    runner, httpserver: HTTPServer, write_config, db_path: Path
) -> None:
    feeds = 8
    for feed in range(feeds):
        items = "".join(
            f"<item><title>Acme {feed}-{i}</title><link>https://news.example/{feed}/{i}</link>"
            f"<description>Acme {' '.join(f'w{feed}x{i}y{n}' for n in range(500))}"
            "</description></item>"
            for i in range(10)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
        httpserver.expect_request(f"/feed/{feed}").respond_with_data(
            body + "</channel></rss>", content_type="application/rss+xml"
        )
    config = write_config(
        {
            "database": str(db_path),
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [
                {"name": f"f{feed}", "type": "rss", "url": httpserver.url_for(f"/feed/{feed}")}
                for feed in range(feeds)
            ],
            "settings": {"concurrency": 1},
        }
    )
    assert runner.invoke(app, ["tone", "Acme est super"]).exit_code == 0  # the model unpacked
    Store(db_path).close()
    limit = db_path.stat().st_size + 500_001  # no file may grow past this: the disk is full
    src = Path(__import__("veille").__file__).resolve().parents[1]
    full = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(limit), "scan", "-c", str(config)],
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    errors = [line for line in full.stderr.splitlines() if line.startswith("veille: error:")]
    assert len(errors) == 1 and "disk is full" in errors[0], full.stderr
    kept = count_mentions(db_path)
    assert 0 < kept < feeds * 10, (kept, full.stderr)
    again = runner.invoke(app, ["scan", "-c", str(config)])
    assert again.exit_code == 0, again.output
    assert count_mentions(db_path) == feeds * 10


def test_backup_copies_a_database_in_use(runner, db_path: Path, tmp_path: Path) -> None:
    fill(db_path)
    writer = sqlite3.connect(db_path)
    writer.execute("BEGIN IMMEDIATE")  # a scan writing meanwhile
    writer.execute("UPDATE mention_rows SET note = 'pending' WHERE id = 1")
    try:
        result = runner.invoke(app, ["backup", str(tmp_path / "copy.db"), "--db", str(db_path)])
    finally:
        writer.commit()
        writer.close()
    assert result.exit_code == 0, result.output
    assert "copy.db" in result.stdout
    assert count_mentions(tmp_path / "copy.db") == 5
    listed = runner.invoke(app, ["mentions", "--db", str(tmp_path / "copy.db"), "--json"])
    assert len(listed.stdout.splitlines()) == 5 and "pending" not in listed.stdout
    again = runner.invoke(app, ["backup", str(tmp_path / "copy.db"), "--db", str(db_path)])
    assert again.exit_code == 2
    one_error_line(again, "already exists")


def test_backup_refuses_to_copy_damage(runner, damaged_db: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["backup", str(tmp_path / "copy.db"), "--db", str(damaged_db)])
    assert result.exit_code == 2, result.output
    one_error_line(result, "veille.db is damaged")
    assert not (tmp_path / "copy.db").exists()


def test_doctor_finds_no_damage_in_a_sound_database(runner, db_path: Path) -> None:
    fill(db_path)
    result = runner.invoke(app, ["doctor", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "no damage found" in result.stdout


def damage_mention_page(db_path: Path) -> int:
    """Overwrite one page of mentions in the middle of the file; how many rows it held."""
    connection = sqlite3.connect(db_path)
    pages = connection.execute(
        "SELECT pageno, ncell FROM dbstat WHERE name = 'mention_rows' AND pagetype = 'leaf' "
        "ORDER BY pageno"
    ).fetchall()
    connection.close()
    pageno, cells = pages[len(pages) // 2]
    with open(db_path, "r+b") as handle:
        handle.seek((pageno - 1) * 4096)
        handle.write(b"\xa5" * 4096)
    return cells


def test_doctor_salvages_what_a_damaged_database_still_holds(
    runner, db_path: Path, tmp_path: Path
) -> None:
    fill(db_path, count=400, text_size=2000)
    lost = damage_mention_page(db_path)
    checked = runner.invoke(app, ["doctor", "--db", str(db_path)])
    assert checked.exit_code == 2, checked.output
    one_error_line(checked, "veille.db is damaged", "--salvage")
    assert "damaged" in checked.stdout
    assert runner.invoke(app, ["mentions", "--db", str(db_path)]).exit_code == 2
    rescued = tmp_path / "rescued.db"
    before = db_path.read_bytes()
    saved = runner.invoke(app, ["doctor", "--db", str(db_path), "--salvage", str(rescued)])
    assert saved.exit_code == 0, saved.output
    assert db_path.read_bytes() == before
    assert "items: 400 rows saved" in saved.stdout
    assert f"mention_rows: {400 - lost} rows saved, 1 unreadable stretch skipped" in saved.stdout
    listed = runner.invoke(app, ["mentions", "--db", str(rescued), "--json", "--limit", "1000"])
    assert listed.exit_code == 0, listed.output
    assert len(listed.stdout.splitlines()) == 400 - lost
    assert runner.invoke(app, ["doctor", "--db", str(rescued)]).exit_code == 0
    search = ["search", "Acme", "--db", str(rescued), "--limit", "1000", "--json"]
    found = runner.invoke(app, search)
    assert found.exit_code == 0, found.output
    assert len(found.stdout.splitlines()) == 400 - lost


def test_salvage_of_a_whole_damaged_half_keeps_the_rest(
    runner, damaged_db: Path, tmp_path: Path
) -> None:
    rescued = tmp_path / "rescued.db"
    saved = runner.invoke(app, ["doctor", "--db", str(damaged_db), "--salvage", str(rescued)])
    assert saved.exit_code == 0, saved.output
    assert "sources: 1 rows saved" in saved.stdout
    assert runner.invoke(app, ["doctor", "--db", str(rescued)]).exit_code == 0
