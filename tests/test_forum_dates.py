"""Forum and blog dates written without a zone are wall-clock times of the forum's zone: the
source's `timezone`, else `settings.timezone`, else the machine's. Swept through the CLI over
a loopback server, and read by `parse_forum_date` and `extract_forum` with a pinned `now`."""

from __future__ import annotations

import pickle
import re
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from test_source_types import serve_html

from veille.cli import app
from veille.dates import parse_forum_date
from veille.extract import extract_forum
from veille.times import machine_zone, zone_named

PARIS = zone_named("Europe/Paris")
NEW_YORK = zone_named("America/New_York")
# 00:10 on 28 November in Paris, still the 27th in UTC.
AFTER_MIDNIGHT = datetime(2026, 11, 27, 23, 10, tzinfo=timezone.utc)
UTC = timezone.utc
STORED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
SELECTORS = {"post": "div.post", "author": ".author", "body": ".content", "date": ".date"}


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("27/11/2026 23:30", PARIS, "2026-11-27T22:30:00Z"),
        ("27/11/2026 23:30", NEW_YORK, "2026-11-28T04:30:00Z"),
        ("27 novembre 2026 à 23:30", PARIS, "2026-11-27T22:30:00Z"),
        ("2026-11-27T23:30", PARIS, "2026-11-27T22:30:00Z"),
        ("hier à 00:30", PARIS, "2026-11-26T23:30:00Z"),
        ("hier à 00:30", timezone.utc, "2026-11-26T00:30:00Z"),
        ("aujourd'hui 08:15", PARIS, "2026-11-28T07:15:00Z"),
        ("Yesterday, 10:32 PM", NEW_YORK, "2026-11-27T03:32:00Z"),
        ("il y a 3 heures", PARIS, "2026-11-27T20:10:00Z"),
        ("à l'instant", NEW_YORK, "2026-11-27T23:10:00Z"),
        ("27/11/2026 23:30 UTC", PARIS, "2026-11-27T23:30:00Z"),
        ("27/11/2026 23:30 GMT", PARIS, "2026-11-27T23:30:00Z"),
        ("2026-11-27T23:30Z", PARIS, "2026-11-27T23:30:00Z"),
        ("27/11/2026 23:30 +05:00", PARIS, "2026-11-27T18:30:00Z"),
        ("2026-11-27T23:30:00-03:00", PARIS, "2026-11-28T02:30:00Z"),
        ("1795822200", PARIS, "2026-11-27T23:30:00Z"),
        # Summer time: Paris is UTC+2 until the last Sunday of October.
        ("12 juillet 2026 à 14:05", PARIS, "2026-07-12T12:05:00Z"),
        # The spring change skips 02:00-03:00: 02:30 is read past it, 03:30 summer time.
        ("29/03/2026 02:30", PARIS, "2026-03-29T01:30:00Z"),
        ("29/03/2026 03:30", PARIS, "2026-03-29T01:30:00Z"),
        ("29/03/2026 01:59", PARIS, "2026-03-29T00:59:00Z"),
        # The autumn change shows 02:00-03:00 twice: the first, still summer time.
        ("25/10/2026 02:30", PARIS, "2026-10-25T00:30:00Z"),
        ("25/10/2026 03:30", PARIS, "2026-10-25T02:30:00Z"),
        ("Nov 1, 2026 1:30 AM", NEW_YORK, "2026-11-01T05:30:00Z"),
    ],
)
def test_a_date_without_a_zone_is_a_time_of_the_forums_zone(text: str, zone, expected: str) -> None:
    assert parse_forum_date(text, AFTER_MIDNIGHT, zone) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("27/11/2026 23:30 GMT+2", "2026-11-27T21:30:00Z"),
        ("27/11/2026 23:30 UTC+1", "2026-11-27T22:30:00Z"),
        ("27/11/2026 23:30 GMT-5", "2026-11-28T04:30:00Z"),
        ("27/11/2026 23:30 UTC+5:30", "2026-11-27T18:00:00Z"),
        ("27/11/2026 23:30 GMT +02:00", "2026-11-27T21:30:00Z"),
        ("27/11/2026 23:30 GMT+14", "2026-11-27T09:30:00Z"),
        ("Yesterday at 10:00 GMT+2", "2026-11-27T08:00:00Z"),
        ("Mar 12, 2024 2:05 pm EST", "2024-03-12T19:05:00Z"),
        ("27/11/2026 23:30 CET", "2026-11-27T22:30:00Z"),
        ("12/07/2026 23:30 CET", "2026-07-12T22:30:00Z"),  # CET says winter time
        ("12/07/2026 23:30 (CEST)", "2026-07-12T21:30:00Z"),
        ("27/11/2026 23:30 WET", "2026-11-27T23:30:00Z"),
        ("27/11/2026 23:30 EEST", "2026-11-27T20:30:00Z"),
        ("27/11/2026 23:30 BST", "2026-11-27T22:30:00Z"),
        ("27/11/2026 11:30 PM PDT", "2026-11-28T06:30:00Z"),
        ("27/11/2026 23:30 JST", "2026-11-27T14:30:00Z"),
        ("27/11/2026 23:30 AEDT", "2026-11-27T12:30:00Z"),
        # Not a zone: a word that only starts like one, one that is not next, an ambiguous one.
        ("27/11/2026 23:30 cetera", "2026-11-27T22:30:00Z"),
        ("27/11/2026 23:30 est-ce", "2026-11-27T22:30:00Z"),
        ("27/11/2026 23:30 par marie, CET", "2026-11-27T22:30:00Z"),
        ("27/11/2026 23:30 IST", "2026-11-27T22:30:00Z"),
        # Offsets that are not ones, and AM/PM that contradict the hour: no date, no guess.
        ("27/11/2026 23:30 GMT+15", None),
        ("27/11/2026 23:30 +9999", None),
        ("2026-11-27T23:30+15:00", None),
        ("12/03/2024 0:30 PM", None),
        ("0:30 PM 12/03/2024", None),
        ("12/03/2024 13:00 AM", None),
    ],
)
def test_a_written_zone_or_offset_wins_over_the_forums(text: str, expected: str | None) -> None:
    assert parse_forum_date(text, AFTER_MIDNIGHT, PARIS) == expected


def test_without_a_zone_dates_stay_utc() -> None:
    assert parse_forum_date("27/11/2026 23:30", AFTER_MIDNIGHT) == "2026-11-27T23:30:00Z"
    assert parse_forum_date("hier à 00:30", AFTER_MIDNIGHT) == "2026-11-26T00:30:00Z"


def test_a_day_name_without_a_year_is_not_in_the_zones_future() -> None:
    # 28 November is today in Paris: this year's. 29 November would be tomorrow; 30 is not yet.
    assert parse_forum_date("28 nov. 23:00", AFTER_MIDNIGHT, PARIS) == "2026-11-28T22:00:00Z"
    assert parse_forum_date("30 nov. 10:00", AFTER_MIDNIGHT, PARIS) == "2025-11-30T09:00:00Z"


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Lord_Howe"])
def test_every_wall_clock_time_of_a_changing_day_gives_a_moment(zone: str) -> None:
    """Lord Howe moves its clocks by half an hour: gaps and repeats are not all whole hours."""
    tz = zone_named(zone)
    for day in ("29/03/2026", "25/10/2026", "08/03/2026", "01/11/2026", "05/04/2026", "04/10/2026"):
        for minutes in range(0, 24 * 60, 10):
            text = f"{day} {minutes // 60:02d}:{minutes % 60:02d}"
            parsed = parse_forum_date(text, AFTER_MIDNIGHT, tz)
            assert parsed is not None and parsed.startswith("2026-"), text


def test_yesterday_just_after_midnight_in_paris_is_read_from_the_page() -> None:
    page = (
        "<html><body>"
        '<div class="post"><span class="author">marie</span><span class="date">hier à 00:30'
        '</span><div class="content">Acme, encore</div></div>'
        '<div class="post"><span class="author">paul</span><span class="date">'
        'aujourd\'hui 00:05</span><div class="content">Acme aussi</div></div>'
        "</body></html>"
    ).encode()
    read = extract_forum(
        page, "https://f.example/t/1", selectors=SELECTORS, now=AFTER_MIDNIGHT, zone=PARIS
    )
    assert [item.published_at for item in read.items] == [
        "2026-11-26T23:30:00Z",
        "2026-11-27T23:05:00Z",
    ]


def _forum(httpserver: HTTPServer, path: str, dates: list[str]) -> str:
    posts = "".join(
        f'<div class="post" id="p{i}"><span class="author">u{i}</span>'
        f'<span class="date">{date}</span><div class="content">Acme numéro {i}</div></div>'
        for i, date in enumerate(dates)
    )
    serve_html(httpserver, path, f"<html><body><h1>Sujet</h1>{posts}</body></html>")
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    return httpserver.url_for(path)


def _sweep(runner, write_config, sources: list[dict], options: dict, env=None) -> list[str]:
    config = write_config(
        {
            "database": "veille.db",
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": sources,
            "settings": {"timeout": 5, **options},
        }
    )
    result = runner.invoke(app, ["scan", "-c", str(config), "--quiet"], env=env)
    assert result.exit_code == 0, result.output
    with sqlite3.connect(config.parent / "veille.db") as db:
        rows = db.execute("select url, published_at from mentions order by url").fetchall()
    return [published for _, published in rows]


def test_a_scan_reads_forum_dates_in_settings_timezone_or_the_sources_own(
    runner, write_config, httpserver: HTTPServer
) -> None:
    paris = _forum(httpserver, "/fr", ["27/11/2026 23:30"])
    new_york = _forum(httpserver, "/us", ["27/11/2026 23:30"])
    sources = [
        {"name": "Forum FR", "type": "forum", "url": paris, "selectors": SELECTORS},
        {
            "name": "Forum US",
            "type": "forum",
            "url": new_york,
            "selectors": SELECTORS,
            "timezone": "America/New_York",
        },
    ]
    stored = _sweep(runner, write_config, sources, {"timezone": "Europe/Paris"})
    assert sorted(stored) == ["2026-11-27T22:30:00Z", "2026-11-28T04:30:00Z"]


def test_without_settings_timezone_a_forum_date_is_of_the_machines_zone(
    runner, write_config, httpserver: HTTPServer
) -> None:
    url = _forum(httpserver, "/jp", ["27/11/2026 23:30"])
    sources = [{"name": "Forum", "type": "forum", "url": url, "selectors": SELECTORS}]
    stored = _sweep(runner, write_config, sources, {}, env={"TZ": "Asia/Tokyo"})
    assert stored == ["2026-11-27T14:30:00Z"]


def test_a_scan_reads_yesterday_as_the_day_before_today_in_the_zone(
    runner, write_config, httpserver: HTTPServer
) -> None:
    url = _forum(httpserver, "/hier", ["hier à 00:30"])
    sources = [{"name": "Forum", "type": "forum", "url": url, "selectors": SELECTORS}]

    def expected(now: datetime) -> str:
        day = now.astimezone(PARIS).date() - timedelta(days=1)
        moment = datetime(day.year, day.month, day.day, 0, 30, tzinfo=PARIS)
        return f"{moment.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"

    before = expected(datetime.now(timezone.utc))
    stored = _sweep(runner, write_config, sources, {"timezone": "Europe/Paris"})
    after = expected(datetime.now(timezone.utc))  # the sweep may cross midnight in Paris
    assert stored[0] in {before, after}


def test_a_scan_survives_the_times_a_clock_change_skips_or_repeats(
    runner, write_config, httpserver: HTTPServer
) -> None:
    url = _forum(httpserver, "/dst", ["29/03/2026 02:30", "25/10/2026 02:30", "hier à 02:30"])
    sources = [{"name": "Forum", "type": "forum", "url": url, "selectors": SELECTORS}]
    stored = _sweep(runner, write_config, sources, {"timezone": "Europe/Paris"})
    assert stored[:2] == ["2026-03-29T01:30:00Z", "2026-10-25T00:30:00Z"]
    assert stored[2] is not None


def test_an_unknown_source_zone_is_a_located_config_error(runner, write_config) -> None:
    config = write_config(
        "brands:\n"
        "  - name: Acme\n"
        "    terms: [Acme]\n"
        "sources:\n"
        "  - name: Forum\n"
        "    type: forum\n"
        "    url: https://f.example/t\n"
        "    timezone: Europe/Pari\n"
    )
    result = runner.invoke(app, ["scan", "-c", str(config)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"veille: error: {config}:8: sources[0].timezone: unknown time zone 'Europe/Pari'\n"
    )


def test_a_machine_zone_read_from_a_copied_file_reaches_worker_processes(
    monkeypatch, tmp_path: Path
) -> None:
    """A container's /etc/localtime is often a copy, not a link: the zone then has no name,
    and must still cross to the sweep's worker processes that extract forum pages."""
    import veille.times

    copy = tmp_path / "localtime"
    shutil.copyfile("/usr/share/zoneinfo/Europe/Paris", copy)
    monkeypatch.delenv("TZ")
    monkeypatch.setattr(veille.times, "LOCALTIME", str(copy))
    zone = machine_zone()
    assert getattr(zone, "key", None) is None
    copied = pickle.loads(pickle.dumps(zone))
    assert parse_forum_date("27/11/2026 23:30", AFTER_MIDNIGHT, copied) == "2026-11-27T22:30:00Z"


DATE_PIECES = [
    "hier", "aujourd'hui", "yesterday", "à", "at", "le", "27", "11", "2026", "/", ".", "-",
    ":", "23:30", "02:30", "00:00", "PM", "AM", "UTC", "Z", "+05:00", "-0330", "novembre",
    "mars", "Oct", "il y a", "3", "heures", "ago", "年", "月", "日", "9999", "0001", " ",
    "GMT+2", "UTC+5:30", "GMT-14", "GMT+99", "CET", "EST", "(", ")", "+", "13:00",
]  # fmt: skip


@given(
    pieces=st.lists(st.sampled_from(DATE_PIECES), max_size=12),
    zone=st.sampled_from(["Europe/Paris", "Pacific/Kiritimati", "Australia/Lord_Howe", "UTC"]),
    now=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
    ),
)
@settings(max_examples=400, deadline=None)
def test_a_forum_date_in_any_zone_never_raises(pieces: list[str], zone: str, now) -> None:
    parsed = parse_forum_date("".join(pieces), now, zone_named(zone))
    assert parsed is None or STORED.fullmatch(parsed), parsed
