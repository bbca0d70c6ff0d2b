"""Aggregators and redirectors: the mention is the article's, credited to its publisher.

A Google Alerts feed wraps every link in `google.com/url?…&url=REAL`; FeedBurner feeds link
to `feedproxy.google.com` and give the article in `<feedburner:origLink>`; Google News links
cannot be unwrapped offline, but each item names its publisher in `<source url>`. The
fixtures are modelled on the real feeds; a database from the release before is migrated.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from veille.cli import app

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
RELEASE_6 = Path(__file__).parent / "fixtures" / "schema6"
SOURCES = {
    "Google Alerts Acme": "google_alerts.xml",
    "Google News Acme": "google_news.xml",
    "Cycliste urbain": "feedburner.xml",
}
EXPECTED = {
    "Google Alerts Acme": [
        (
            "https://www.leprogres.fr/economie/2026/12/01/acme-ouvre-un-magasin-a-lyon",
            "leprogres.fr",
        ),
        (
            "https://www.lesnumeriques.com/velo-electrique/acme-city-p71234/test.html",
            "lesnumeriques.com",
        ),
        ("https://electrek.example/2026/11/29/acme-recall/", "electrek.example"),
    ],
    "Google News Acme": [
        (
            "https://news.google.com/rss/articles/"
            "CBMihwFBVV95cUxOY2hHR0xqc0JzV3RpbzJsc1FqeF9VbW9xWDR5YnFGNzZ4T1A?oc=5",
            "lemonde.fr",
        ),
        (
            "https://news.google.com/rss/articles/"
            "CBMilAFBVV95cUxQdzVfN2lQR3pHcGJ0S0t6WkJfc2pYbE5mbnVjWHhR?oc=5",
            "ouest-france.fr",
        ),
    ],
    "Cycliste urbain": [
        (
            "https://cycliste.example.org/2026/11/30/avis-antivol-acme-lock-pro/",
            "cycliste.example.org",
        ),
        (
            "https://cycliste.example.org/2026/11/27/reparer-velo-electrique-nantes/",
            "cycliste.example.org",
        ),
    ],
}


@pytest.fixture
def feeds(httpserver) -> str:
    for name in SOURCES.values():
        httpserver.expect_request(f"/{name}").respond_with_data(
            (FEEDS / name).read_bytes(), content_type="application/xml"
        )
    return httpserver.url_for("/").rstrip("/")


def mentions(runner, db: Path) -> list[dict]:
    result = runner.invoke(app, ["mentions", "--db", str(db), "--json", "-n", "100"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def by_source(rows: list[dict]) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        found.setdefault(row["source"], []).append((row["url"], row["domain"]))
    return {source: sorted(pairs) for source, pairs in found.items()}


def write_sources(path: Path, server: str) -> Path:
    text = (RELEASE_6 / "sources.yaml").read_text(encoding="utf-8").replace("{server}", server)
    path.write_text(text, encoding="utf-8")
    return path


def test_mentions_name_the_article_and_its_publisher(feeds: str, runner, tmp_path: Path) -> None:
    config = write_sources(tmp_path / "sources.yaml", feeds)
    db = tmp_path / "veille.db"
    result = runner.invoke(app, ["scan", "-c", str(config), "--db", str(db), "--no-alerts"])
    assert result.exit_code == 0, result.output
    assert by_source(mentions(runner, db)) == {k: sorted(v) for k, v in EXPECTED.items()}
    report = runner.invoke(app, ["report", "--db", str(db), "--json", "--since", "2026-11-01"])
    assert report.exit_code == 0, report.output
    assert "google.com" not in json.dumps(json.loads(report.output)["where"])


def test_a_database_of_the_release_before_is_migrated(feeds: str, runner, tmp_path: Path) -> None:
    db = tmp_path / "veille.db"
    shutil.copyfile(RELEASE_6 / "veille.db", db)
    before = sqlite3.connect(db)
    assert before.execute("PRAGMA user_version").fetchone() == (6,)
    assert {d for (d,) in before.execute("SELECT domain FROM mentions")} == {
        "google.com", "news.google.com", "feedproxy.google.com",
    }  # fmt: skip
    before.close()

    rows = {row["id"]: row for row in mentions(runner, db)}
    alerts = sorted((r["url"], r["domain"]) for r in rows.values() if r["id"] in (5, 6, 7))
    assert alerts == sorted(EXPECTED["Google Alerts Acme"])
    # Triage stays with its mention.
    assert (rows[5]["status"], rows[5]["note"]) == ("handled", "partagé")
    assert (rows[1]["status"], rows[1]["note"]) == ("handled", "répondu")
    assert len(rows) == 7

    # The next sweep of the same feeds finds nothing new: the migrated URLs are the ones a
    # sweep now computes for the Google Alerts entries.
    config = write_sources(tmp_path / "sources.yaml", feeds)
    result = runner.invoke(
        app, ["scan", "-c", str(config), "--db", str(db), "--no-alerts", "--json"]
    )
    assert result.exit_code == 0, result.output
    new = {s["name"]: s["mentions_new"] for s in json.loads(result.output)["sources"]}
    assert new["Google Alerts Acme"] == 0
