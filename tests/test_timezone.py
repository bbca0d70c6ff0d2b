"""Times are stored in UTC and shown in `settings.timezone`: listings, report days, spikes,
`--since DATE` and the xlsx export, driven through the CLI on real database files."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_alerts import SOURCES, add, config_with
from test_export import Sheet, column_letter, excel_date
from test_report import _store_dated

from veille.alerts import deliver_alerts, quiet_until
from veille.cli import app
from veille.dates import parse_forum_date
from veille.models import Alert
from veille.store import Store
from veille.times import (
    day_start,
    from_stored,
    machine_zone,
    offsets,
    read_time,
    show_time,
    to_stored,
    zone_name,
    zone_named,
)

LATE = "2026-11-27T23:30:00Z"  # 2026-11-28 00:30 in Paris (UTC+1 in November)


def store_mentions(db_path: Path, moments: list[str]) -> None:
    """One Acme mention of Blog A at each stored time."""
    _store_dated(db_path, [from_stored(moment) for moment in moments])


@pytest.fixture
def zoned(tmp_path: Path, write_config) -> Callable[[str], Path]:
    """A config in the given zone whose database holds one mention at LATE."""
    db_path = tmp_path / "veille.db"
    store_mentions(db_path, [LATE])

    def config_in(zone: str) -> Path:
        return write_config(
            {
                "database": str(db_path),
                "brands": [{"name": "Acme", "terms": ["Acme"]}],
                "sources": [{"name": "Blog A", "type": "rss", "url": "https://a.example/f"}],
                "settings": {"timezone": zone},
            },
            name=f"{zone.replace('/', '-')}.yaml",
        )

    return config_in


def report_json(runner, config: Path, *options: str) -> dict:
    result = runner.invoke(app, ["report", "-c", str(config), *options, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("zone", "shown", "day"),
    [("Europe/Paris", "2026-11-28 00:30", "2026-11-28"), ("UTC", "2026-11-27 23:30", "2026-11-27")],
    ids=["paris: the next day", "utc: as stored"],
)
def test_a_late_evening_mention_is_listed_counted_and_filtered_on_the_local_day(
    runner, zoned, zone: str, shown: str, day: str
) -> None:
    config = zoned(zone)
    listed = runner.invoke(app, ["mentions", "-c", str(config)])
    assert listed.exit_code == 0, listed.output
    assert shown in listed.stdout
    # JSON keeps the stored UTC time, whatever the zone
    as_json = runner.invoke(app, ["mentions", "-c", str(config), "--json"])
    assert json.loads(as_json.stdout)["published_at"] == LATE
    # one mention in full: the same local time, with the zone's name at that moment
    mention_id = str(json.loads(as_json.stdout)["id"])
    shown_alone = runner.invoke(app, ["show", mention_id, "-c", str(config)])
    assert shown_alone.exit_code == 0, shown_alone.output
    published = next(ln for ln in shown_alone.stdout.splitlines() if ln.startswith("Published"))
    assert published.split(None, 1)[1] == f"{shown} {'CET' if zone == 'Europe/Paris' else 'UTC'}"

    period = ("--since", "2026-11-27", "--until", "2026-11-29")
    figures = report_json(runner, config, *period)
    assert {d["date"]: d["counts"].get("Acme", 0) for d in figures["days"]} == {
        "2026-11-27": int(day == "2026-11-27"),
        "2026-11-28": int(day == "2026-11-28"),
    }
    assert figures["period"]["timezone"] == zone
    assert figures["period"]["since"] == day_start(date(2026, 11, 27), zone_named(zone))
    # the terminal's "Over time" line: one cell per day, the mention's the full one
    out = runner.invoke(app, ["report", "-c", str(config), *period]).stdout
    spark = "▁█" if day == "2026-11-28" else "█▁"
    assert ["Acme", spark, "1", "1", "-"] in [line.split() for line in out.splitlines()]
    assert f"Report 2026-11-27 → 2026-11-28 {zone} · before: 2026-11-25 → 2026-11-26" in out

    # --since and --until a date: that day's midnight in the zone
    since_28 = runner.invoke(
        app, ["mentions", "-c", str(config), "--since", "2026-11-28", "--json"]
    )
    until_28 = runner.invoke(
        app, ["mentions", "-c", str(config), "--until", "2026-11-28", "--json"]
    )
    assert bool(since_28.stdout.strip()) == (day == "2026-11-28")
    assert bool(until_28.stdout.strip()) == (day == "2026-11-27")


def test_report_days_follow_the_clock_change(runner, tmp_path: Path, write_config) -> None:
    # Paris leaves summer time on 2026-10-25 at 01:00 UTC (03:00 CEST → 02:00 CET).
    db_path = tmp_path / "veille.db"
    store_mentions(
        db_path,
        [
            "2026-10-24T21:59:00Z",  # 23:59 CEST on the 24th
            "2026-10-24T22:30:00Z",  # 00:30 CEST on the 25th
            "2026-10-25T00:30:00Z",  # 02:30 CEST on the 25th
            "2026-10-25T22:59:00Z",  # 23:59 CET on the 25th
            "2026-10-25T23:30:00Z",  # 00:30 CET on the 26th
        ],
    )
    config = write_config(
        {
            "database": str(db_path),
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "Blog A", "type": "rss", "url": "https://a.example/f"}],
            "settings": {"timezone": "Europe/Paris"},
        }
    )
    figures = report_json(runner, config, "--since", "2026-10-24", "--until", "2026-10-27")
    assert [(d["date"], d["counts"]["Acme"]) for d in figures["days"]] == [
        ("2026-10-24", 1),
        ("2026-10-25", 3),
        ("2026-10-26", 1),
    ]
    assert figures["summary"]["mentions"] == 5
    # the period before is as many whole local days, whatever the clock did in between
    assert figures["period"]["previous_since"] == "2026-10-20T22:00:00Z"


def test_spikes_are_found_on_local_days(runner, tmp_path: Path, write_config) -> None:
    # One mention a day at noon for three weeks, then eight in the last hour of 2026-11-20
    # (UTC), which is the first hour of 2026-11-21 in Paris.
    db_path = tmp_path / "veille.db"
    first = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)
    noon = [to_stored(first + timedelta(days=n)) for n in range(25)]
    burst = [f"2026-11-20T23:{minute:02d}:00Z" for minute in range(5, 45, 5)]
    store_mentions(db_path, noon + burst)
    spike_days = {}
    for zone in ("UTC", "Europe/Paris"):
        config = write_config(
            {
                "database": str(db_path),
                "brands": [{"name": "Acme", "terms": ["Acme"]}],
                "sources": [{"name": "Blog A", "type": "rss", "url": "https://a.example/f"}],
                "settings": {"timezone": zone},
            },
            name=f"{zone.replace('/', '-')}.yaml",
        )
        figures = report_json(runner, config, "--since", "2026-11-15", "--until", "2026-11-25")
        spike_days[zone] = [d["date"] for d in figures["days"] if d["spikes"]]
        counts = {d["date"]: d["counts"]["Acme"] for d in figures["days"]}
        assert counts["2026-11-20"] + counts["2026-11-21"] == 10, zone
    assert spike_days == {"UTC": ["2026-11-20"], "Europe/Paris": ["2026-11-21"]}


def test_xlsx_dates_are_in_the_zone(runner, zoned, tmp_path: Path) -> None:
    out = tmp_path / "mentions.xlsx"
    config = zoned("Europe/Paris")
    result = runner.invoke(app, ["export", "-c", str(config), "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sheet = Sheet(out)
    published = f"{column_letter('published_at')}2"
    assert sheet.number(published) == pytest.approx(excel_date("2026-11-28T00:30:00"), abs=1e-6)
    # the CSV keeps the stored UTC time
    csv_out = runner.invoke(app, ["export", "-c", str(config)])
    assert LATE in csv_out.stdout and "2026-11-28T00:30" not in csv_out.stdout


@pytest.mark.parametrize(
    ("name", "shown"),
    [("Europe/Pari", "Europe/Pari"), ("Europe/" + "x" * 5000, "Europe/" + "x" * 33 + "…")],
)
def test_an_unknown_zone_is_a_located_config_error(
    runner, write_config, name: str, shown: str
) -> None:
    config = write_config(
        "brands:\n"
        "  - name: Acme\n"
        "    terms: [Acme]\n"
        "sources:\n"
        "  - name: Blog A\n"
        "    type: rss\n"
        "    url: https://a.example/f\n"
        "settings:\n"
        "  concurrency: 4\n"
        f"  timezone: {name}\n"
    )
    result = runner.invoke(app, ["mentions", "-c", str(config)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"veille: error: {config}:10: settings.timezone: unknown time zone '{shown}'\n"
    )
    assert "Traceback" not in result.output


def test_without_a_config_the_machine_zone_is_used(runner, tmp_path: Path) -> None:
    db_path = tmp_path / "veille.db"
    store_mentions(db_path, ["2026-11-28T03:00:00Z"])
    new_york = {"TZ": "America/New_York"}
    listed = runner.invoke(app, ["mentions", "--db", str(db_path)], env=new_york)
    assert listed.exit_code == 0, listed.output
    assert "2026-11-27 22:00" in listed.stdout
    figures = json.loads(
        runner.invoke(
            app,
            ["report", "--db", str(db_path), "--since", "2026-11-27", "--until", "2026-11-28"]
            + ["--json"],
            env=new_york,
        ).stdout
    )
    assert figures["period"]["timezone"] == "America/New_York"
    assert [(d["date"], d["counts"]["Acme"]) for d in figures["days"]] == [("2026-11-27", 1)]
    utc = runner.invoke(app, ["mentions", "--db", str(db_path)], env={"TZ": "UTC"})
    assert "2026-11-28 03:00" in utc.stdout


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Europe/Paris", "Europe/Paris"),
        (":Asia/Tokyo", "Asia/Tokyo"),
        ("/usr/share/zoneinfo/America/Sao_Paulo", "America/Sao_Paulo"),
    ],
    ids=["name", "posix colon", "zone file path"],
)
def test_the_machine_zone_comes_from_tz(monkeypatch, tz: str, expected: str) -> None:
    monkeypatch.setenv("TZ", tz)
    assert getattr(machine_zone(), "key", None) == expected


@pytest.fixture
def tz_restored() -> Iterator[None]:
    """`$TZ` and the C library's zone set back after a test changed them (monkeypatch puts
    `$TZ` back only after this fixture ends)."""
    saved = os.environ.get("TZ")
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_a_posix_rule_reads_changeover_days_as_zoneinfo_does(monkeypatch, tz_restored) -> None:
    """Every 10 minutes of both 2026 changeover days, after other dates were read: a time the
    clock shows twice is the first, a skipped one is read past the change, as in Paris."""
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    zone, paris = machine_zone(), zone_named("Europe/Paris")
    now = datetime(2026, 11, 27, 23, 10, tzinfo=timezone.utc)
    for day in ("29/03/2026", "25/10/2026"):
        for minutes in range(0, 24 * 60, 10):
            for before in ("12/07/2026 14:05", "27/11/2026 23:30"):  # summer, winter
                parse_forum_date(before, now, zone)
                text = f"{day} {minutes // 60:02d}:{minutes % 60:02d}"
                assert parse_forum_date(text, now, zone) == parse_forum_date(text, now, paris)
    for fold in (0, 1):
        for wall in (datetime(2026, 10, 25, 2, 30), datetime(2026, 3, 29, 2, 30)):
            mine = wall.replace(tzinfo=zone, fold=fold).utcoffset()
            assert mine == wall.replace(tzinfo=paris, fold=fold).utcoffset(), (wall, fold)


def test_a_posix_rule_in_tz_gives_each_moment_its_offset(monkeypatch, tz_restored) -> None:
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    zone = machine_zone()
    assert show_time("2026-01-15T12:00:00Z", zone) == "2026-01-15 13:00"
    assert show_time("2026-07-15T12:00:00Z", zone) == "2026-07-15 14:00"
    assert datetime(2026, 7, 15, 14, 0, tzinfo=zone).astimezone(timezone.utc).hour == 12
    assert zone_name(zone) in ("CET", "CEST")
    # the day starts at local midnight, the clock change's day included
    assert day_start(date(2026, 3, 29), zone) == "2026-03-28T23:00:00Z"
    assert day_start(date(2026, 3, 30), zone) == "2026-03-29T22:00:00Z"


def test_an_empty_tz_means_utc(monkeypatch, tz_restored) -> None:
    monkeypatch.setenv("TZ", "")
    assert machine_zone().utcoffset(datetime(2026, 7, 1)) == timedelta(0)


def test_stored_times_round_trip_and_a_date_is_local_midnight() -> None:
    paris = zone_named("Europe/Paris")
    assert to_stored(from_stored(LATE)) == LATE
    assert to_stored(datetime(999, 1, 2, 3, 4, 5)) == "0999-01-02T03:04:05Z"
    assert to_stored(read_time("2026-11-28", paris)) == "2026-11-27T23:00:00Z"
    assert to_stored(read_time("2026-07-01T09:00", paris)) == "2026-07-01T07:00:00Z"
    assert to_stored(read_time("2026-07-01T09:00Z", paris)) == "2026-07-01T09:00:00Z"
    start, end = (
        datetime(2026, 1, 1, tzinfo=timezone.utc),
        datetime(2027, 1, 1, tzinfo=timezone.utc),
    )
    assert [(to_stored(moment), offset) for moment, offset in offsets(start, end, paris)] == [
        ("2026-01-01T00:00:00Z", 3600),
        ("2026-03-29T01:00:00Z", 7200),
        ("2026-10-25T01:00:00Z", 3600),
    ]
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Pari'"):
        zone_named("Europe/Pari")


def test_alert_digests_date_mentions_and_keep_quiet_hours_in_the_zone(
    store: Store, webhook
) -> None:
    paris = zone_named("Europe/Paris")
    now = datetime(2026, 11, 28, 6, 30, tzinfo=timezone.utc)  # 07:30 in Paris
    quiet = Alert(name="team", urls=(webhook.url,), quiet_hours=("22:00", "07:00"))
    assert quiet_until(quiet, now, timezone.utc) == "07:00"
    assert quiet_until(quiet, now, paris) is None
    store.sync_sources(SOURCES)
    add(store, 1, found=now - timedelta(hours=1), published_at=LATE)
    (outcome,) = deliver_alerts(config_with(quiet), store, now=now, zone=paris)
    assert outcome.state == "sent"
    (message,) = webhook.messages()
    assert "Marie · 2026-11-28" in message["message"], message


def test_without_tz_the_machine_zone_is_where_localtime_links(monkeypatch, tmp_path: Path) -> None:
    import veille.times

    monkeypatch.delenv("TZ")
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Lisbon")
    monkeypatch.setattr(veille.times, "LOCALTIME", str(link))
    assert getattr(machine_zone(), "key", None) == "Europe/Lisbon"
    monkeypatch.setattr(veille.times, "LOCALTIME", str(tmp_path / "missing"))
    assert machine_zone() is timezone.utc
    monkeypatch.setenv("TZ", "Not/A_Zone")  # a name no zone has: the next way is tried
    assert machine_zone() is timezone.utc


def test_purge_says_its_cutoff_in_the_zone(runner, zoned) -> None:
    config = zoned("Europe/Paris")
    result = runner.invoke(app, ["purge", "--before", "2026-11-28", "-c", str(config), "--yes"])
    assert result.exit_code == 0, result.output
    # Midnight in Paris (23:00 UTC the day before), said as the user wrote it; the mention,
    # at 00:30 on the 28th in Paris, is not before it.
    assert "0 mentions dated before 2026-11-28 00:00 Europe/Paris" in result.stdout
