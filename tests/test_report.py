"""The morning report's figures, checked exactly on a database built for it."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from test_store import make_mention

from veille.cli import app
from veille.figures import build_report, default_since
from veille.models import Source
from veille.report import short_date
from veille.spikes import find_spikes
from veille.store import MentionFilter, Store

SOURCES = {
    "Blog A": ("rss", "a.example"),
    "Forum B": ("forum", "b.example"),
    "News C": ("rss", "c.example"),
}
# (day-time, brand, author, source, tone, flags, status)
ROWS = [
    # the period before: 2026-11-14 → 2026-11-20
    ("11-15T09:00", "Acme", "Alice", "Blog A", "neutral", "", "new"),
    ("11-16T09:00", "Acme", "Alice", "Blog A", "neutral", "", "new"),
    ("11-18T09:00", "Globex", "Zoe", "Blog A", "positive", "", "new"),
    ("11-18T10:00", "Globex", "Zoe", "Blog A", "positive", "", "new"),
    ("11-19T09:00", "Acme", "Alice", "Blog A", "neutral", "", "new"),
    ("11-20T09:00", "Acme", "Alice", "Blog A", "neutral", "", "new"),
    # the period: 2026-11-21 → 2026-11-27
    ("11-21T09:00", "Acme", "Alice", "Blog A", "positive", "", "new"),
    ("11-22T09:00", "Acme", "Bob", "Forum B", "neutral", "", "new"),
    ("11-22T10:00", "Globex", "Zoe", "Blog A", "positive", "", "new"),
    ("11-22T11:00", "Globex", "Zoe", "Blog A", "positive", "", "new"),
    ("11-23T09:00", "Acme", "Alice", "Blog A", "negative", "", "new"),
    ("11-24T09:00", "Globex", "Zoe", "News C", "negative", "", "handled"),
    ("11-25T09:00", "Acme", "Carol", "News C", "positive", "", "new"),
    ("11-26T08:00", "Acme", "Dan", "Forum B", "negative", "complaint", "new"),
    ("11-26T08:10", "Acme", "Dan", "Forum B", "negative", "", "handled"),
    ("11-26T08:20", "Acme", "Dan", "Forum B", "negative", "", "new"),
    ("11-26T09:00", "Acme", "Eve", "Forum B", "negative", "insult", "new"),
    ("11-26T09:10", "Acme", "Eve", "Forum B", "negative", "", "ignored"),
    ("11-26T09:20", "Acme", "Eve", "Forum B", "negative", "", "new"),
    ("11-26T07:00", "Acme", "Bob", "Forum B", "positive", "", "new"),
    ("11-26T07:30", "Acme", "Carol", "Forum B", "neutral", "", "new"),
    ("11-27T08:00", "Acme", "Frank", "News C", "neutral", "question", "new"),
    ("11-27T08:30", "Acme", "Frank", "News C", "neutral", "", "new"),
    ("11-27T09:00", "Globex", "Yan", "Forum B", "neutral", "", "new"),
]
SINCE, UNTIL = "2026-11-21", "2026-11-28"


@pytest.fixture
def report_db(tmp_path: Path) -> Path:
    return write_report_db(tmp_path / "veille.db")


def write_report_db(db_path: Path) -> Path:
    """The ROWS in a database at `db_path`, each its own mention of its brand."""
    with Store(db_path) as store:
        store.sync_sources(
            Source(name=n, type=t, url=f"https://{d}/f") for n, (t, d) in SOURCES.items()
        )  # type: ignore[arg-type]
        for index, (when, brand, author, source, tone, flags, status) in enumerate(ROWS):
            source_type, domain = SOURCES[source]
            mention = make_mention(
                brand=brand,
                author=author,
                source=source,
                source_type=source_type,
                domain=domain,
                url=f"https://{domain}/{index}",
                title=f"{brand} item {index}",
                published_at=f"2026-{when}:00Z",
                found_at="2026-11-27T12:00:00Z",
                tone=tone,
                flags=flags,
                status=status,
                lang="en" if brand == "Globex" else "fr",
            )
            store.record_source(source, {}, [mention])
    return db_path


def figures_for(db_path: Path, **filters) -> dict:
    with Store(db_path) as store:
        return build_report(
            store,
            MentionFilter(since=f"{SINCE}T00:00:00Z", until=f"{UNTIL}T00:00:00Z", **filters),
            now=datetime(2026, 11, 27, 12, tzinfo=timezone.utc),
            competitors={"Globex"},
        )


def test_summary_and_share_of_voice(report_db: Path) -> None:
    figures = figures_for(report_db)
    assert figures["period"] == {
        "since": "2026-11-21T00:00:00Z",
        "until": "2026-11-28T00:00:00Z",
        "previous_since": "2026-11-14T00:00:00Z",
        "timezone": "UTC",
    }
    assert figures["summary"] == {
        "mentions": 18,
        "previous": 6,
        "change": 12,
        "change_pct": 200.0,
        "tones": {"positive": 5, "neutral": 5, "negative": 8},
        "tones_pct": {"positive": 27.8, "neutral": 27.8, "negative": 44.4},
        "net_sentiment": -0.167,
    }
    assert figures["brands"] == [
        {
            "brand": "Acme",
            "competitor": False,
            "mentions": 14,
            "share_of_voice_pct": 77.8,
            "positive_pct": 21.4,
            "neutral_pct": 28.6,
            "negative_pct": 50.0,
            "net_sentiment": -0.286,
            "previous_mentions": 4,
            "previous_net_sentiment": 0.0,
        },
        {
            "brand": "Globex",
            "competitor": True,
            "mentions": 4,
            "share_of_voice_pct": 22.2,
            "positive_pct": 50.0,
            "neutral_pct": 25.0,
            "negative_pct": 25.0,
            "net_sentiment": 0.25,
            "previous_mentions": 2,
            "previous_net_sentiment": 1.0,
        },
    ]


def test_who_and_where(report_db: Path) -> None:
    figures = figures_for(report_db)
    assert [(w["author"], w["mentions"], w["last_seen"][5:16]) for w in figures["who"]] == [
        ("Eve", 3, "11-26T09:20"),
        ("Dan", 3, "11-26T08:20"),
        ("Zoe", 3, "11-24T09:00"),
        ("Frank", 2, "11-27T08:30"),
        ("Carol", 2, "11-26T07:30"),
    ]
    assert figures["who"][2] == {
        "author": "Zoe",
        "domains": ["a.example", "c.example"],
        "mentions": 3,
        "positive": 2,
        "neutral": 0,
        "negative": 1,
        "last_seen": "2026-11-24T09:00:00Z",
    }
    assert figures["where"]["sources"] == [
        {"source": "Forum B", "type": "forum", "mentions": 10, "share_pct": 55.6,
         "positive": 1, "neutral": 3, "negative": 6},
        {"source": "News C", "type": "rss", "mentions": 4, "share_pct": 22.2,
         "positive": 1, "neutral": 2, "negative": 1},
        {"source": "Blog A", "type": "rss", "mentions": 4, "share_pct": 22.2,
         "positive": 3, "neutral": 0, "negative": 1},
    ]  # fmt: skip
    assert [d["domain"] for d in figures["where"]["domains"]] == [
        "b.example",
        "c.example",
        "a.example",
    ]


def test_days_and_spikes(report_db: Path) -> None:
    days = figures_for(report_db)["days"]
    assert [d["date"] for d in days] == [f"2026-11-{n}" for n in range(21, 28)]
    assert [d["counts"]["Acme"] for d in days] == [1, 1, 1, 0, 1, 8, 2]
    assert [d["counts"]["Globex"] for d in days] == [0, 2, 0, 1, 0, 0, 1]
    assert [d["date"] for d in days if d["spikes"]] == ["2026-11-26"]
    assert days[5]["spikes"] == ["Acme"]
    # 6 of its 8 mentions are negative, against 1 of 6 the week before
    assert days[5]["spike_kinds"] == {"Acme": ["volume", "negative"]}
    assert all(day["spike_kinds"] == {} for day in days if day["date"] != "2026-11-26")
    # the spike explained: its count, its negatives and where most of it was written
    assert days[5]["spike_details"] == [
        {"brand": "Acme", "kinds": ["volume", "negative"], "mentions": 8, "negative": 6,
         "source": "Forum B"}
    ]  # fmt: skip
    assert [d["tones"] for d in days][4:6] == [
        {"positive": 1, "neutral": 0, "negative": 0},
        {"positive": 1, "neutral": 1, "negative": 6},
    ]
    assert sum(sum(d["tones"].values()) for d in days) == 18


def test_triage_counts_the_period_and_keeps_the_notes(report_db: Path, runner) -> None:
    ids = [m["id"] for m in figures_for(report_db)["attention"]][:2]
    marked = runner.invoke(
        app,
        ["mark", *map(str, ids), "--handled", "--note", "answered <by> DM", "--db", str(report_db)],
    )
    assert marked.exit_code == 0, marked.output
    # Marked today: not triage done in the week of 21 November, whose mentions they are no
    # longer new in; that week keeps the three marked before triage was dated.
    triage = figures_for(report_db)["triage"]
    assert {k: triage[k] for k in ("new", "handled", "ignored")} == {
        "new": 13, "handled": 2, "ignored": 1
    }  # fmt: skip
    assert triage["notes"] == []
    with Store(report_db) as store:
        today = store.triaged(MentionFilter(since="2026-12-01T00:00:00Z"))
        counts = store.dated_triage(MentionFilter(since="2026-12-01T00:00:00Z"))
    assert counts == {
        "marked": {"handled": 2, "ignored": 0},
        "written": {"handled": 0, "ignored": 0},
    }
    assert [(n["id"], n["status"], n["note"]) for n in today] == [
        (ids[0], "handled", "answered <by> DM"),
        (ids[1], "handled", "answered <by> DM"),
    ]


def test_attention_is_new_negative_or_asking_newest_first(report_db: Path) -> None:
    attention = figures_for(report_db)["attention"]
    assert [(a["author"], a["published_at"][5:16]) for a in attention] == [
        ("Frank", "11-27T08:00"),
        ("Eve", "11-26T09:20"),
        ("Eve", "11-26T09:00"),
        ("Dan", "11-26T08:20"),
        ("Dan", "11-26T08:00"),
    ]


def test_brand_filter_narrows_the_summary_not_the_share_of_voice(report_db: Path) -> None:
    figures = figures_for(report_db, brands=("Globex",))
    assert figures["summary"]["mentions"] == 4 and figures["summary"]["previous"] == 2
    assert [b["brand"] for b in figures["brands"]] == ["Acme", "Globex"]
    assert {w["author"] for w in figures["who"]} == {"Zoe", "Yan"}


@pytest.mark.parametrize(
    ("counts", "spikes"),
    [
        ([1, 1, 1, 1, 1, 1, 1, 9], [7]),
        ([0, 0, 0, 0, 0, 0, 1, 3], []),  # a quiet brand from 1 to 3 is not a crisis
        ([10, 11, 12, 13, 14, 15, 16, 18], []),  # a slow rise
        ([20, 22, 19, 21, 20, 23, 21, 30], []),  # within the noise of a busy brand
        ([20, 22, 19, 21, 20, 23, 21, 45], [7]),
    ],
    ids=["spike", "quiet 1 to 3", "slow rise", "busy noise", "busy spike"],
)
def test_spike_rule(counts: list[int], spikes: list[int]) -> None:
    assert [spike.index for spike in find_spikes(counts)] == spikes


def test_report_text_at_80_columns(report_db: Path, runner, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(
        app, ["report", "--db", str(report_db), "--since", SINCE, "--until", UNTIL]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Report 2026-11-21 → 2026-11-27 UTC · before: 2026-11-14 → 2026-11-20" in out
    assert "Mentions: 18 (+12, +200% vs 6) · net sentiment -0.17" in out
    assert "Tone: 5 positive (28%) · 5 neutral (28%) · 8 negative (44%)" in out
    rows = [line.split() for line in out.splitlines() if line.strip()]
    assert ["Acme", "14", "78%", "21%", "29%", "50%", "-0.29"] in rows
    spike_day = short_date("2026-11-26")  # without its year in 2026 only
    assert ["Acme", "▂▂▂▁▂█▃", "14", "8", spike_day, "(8,", "negative)"] in rows
    assert ["Forum", "B", "forum", "10", "56%", "1", "3", "6"] in rows
    json_out = runner.invoke(
        app, ["report", "--db", str(report_db), "--since", SINCE, "--until", UNTIL, "--json"]
    )
    assert json.loads(json_out.stdout) == json.loads(json.dumps(figures_for(report_db) | {
        "brands": [b | {"competitor": False} for b in figures_for(report_db)["brands"]]
    }))  # fmt: skip


def test_long_web_text_is_cut_not_wrapped(tmp_path: Path, runner, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    db_path = tmp_path / "veille.db"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with Store(db_path) as store:
        store.sync_sources(
            [Source(name="A very long source name indeed", type="rss", url="https://x.fr/")]
        )
        store.record_source(
            "A very long source name indeed",
            {},
            [
                make_mention(
                    url=f"https://x.fr/{i}",
                    author="An Author With A Remarkably Long Display Name " * 2,
                    title="[red]Title[/red] " + "very long words " * 20,
                    source="A very long source name indeed",
                    domain="a-very-long-subdomain.of-a-long-domain.example",
                    tone="negative",
                    published_at=now,
                )
                for i in range(3)
            ],
        )
    for command in (["report"], ["mentions"], ["search", "words"], ["sources"]):
        result = runner.invoke(app, [*command, "--db", str(db_path)])
        assert result.exit_code == 0, (command, result.output)
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, command
        assert "…" in result.stdout, command
    report = runner.invoke(app, ["report", "--db", str(db_path)]).stdout
    assert "[red]Title" in report


def test_default_period_is_seven_whole_days() -> None:
    assert default_since(datetime(2026, 11, 27, 15, tzinfo=timezone.utc)) == "2026-11-21"


def test_marked_text_bolds_only_the_matches_and_keeps_web_text_literal() -> None:
    from veille.report import marked_text
    from veille.text import HIGHLIGHT_END, HIGHLIGHT_START

    text = marked_text(f"[b]not markup[/b] {HIGHLIGHT_START}Acme{HIGHLIGHT_END} rocks\x1b[2J")
    assert text.plain == "[b]not markup[/b] Acme rocks"
    bold = [text.plain[span.start : span.end] for span in text.spans if "bold" in str(span.style)]
    assert bold == ["Acme"]


def _store_dated(db_path: Path, moments: list[datetime], **changes) -> None:
    """One Acme mention (Blog A) at each moment."""
    with Store(db_path) as store:
        store.sync_sources([Source(name="Blog A", type="rss", url="https://a.example/f")])
        store.record_source(
            "Blog A",
            {},
            [
                make_mention(
                    source="Blog A",
                    url=f"https://a.example/{index}",
                    title=f"Acme item {index}",
                    published_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    found_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    **changes,
                )
                for index, moment in enumerate(moments)
            ],
        )


def test_empty_period_names_the_stored_mentions_and_a_since_that_shows_them(
    report_db: Path, tmp_path: Path, runner, monkeypatch
) -> None:
    with Store(report_db) as store:
        figures = build_report(
            store,
            MentionFilter(since="2026-12-01T00:00:00Z"),
            now=datetime(2026, 12, 7, tzinfo=timezone.utc),
        )
    assert figures["summary"]["mentions"] == 0
    # the newest, 2026-11-27T09:00, is 9 days 15 hours before now
    assert figures["elsewhere"] == {
        "mentions": 24,
        "newest_mention_at": "2026-11-27T09:00:00Z",
        "try": "--since 10d",
    }
    assert figures_for(report_db)["elsewhere"] is None

    monkeypatch.setenv("COLUMNS", "80")
    db_path = tmp_path / "old.db"
    _store_dated(db_path, [datetime(2024, 5, 30, 9, tzinfo=timezone.utc)] * 2 + [
        datetime(2024, 6, 1, 9, tzinfo=timezone.utc)
    ])  # fmt: skip
    out = runner.invoke(app, ["report", "--db", str(db_path)]).stdout
    hint = re.search(
        r"3 mentions stored, none in this period; the newest is from 2024-06-01: "
        r"try `--since (\d+)w`",
        " ".join(out.split()),
    )
    assert hint, out
    as_json = json.loads(runner.invoke(app, ["report", "--db", str(db_path), "--json"]).stdout)
    assert as_json["elsewhere"]["newest_mention_at"] == "2024-06-01T09:00:00Z"
    assert as_json["elsewhere"]["try"] == f"--since {hint.group(1)}w"
    # the hint shows the newest mention, and a week less would not
    for weeks, shown in ((hint.group(1), True), (int(hint.group(1)) - 1, False)):
        figures = json.loads(
            runner.invoke(
                app, ["report", "--db", str(db_path), "--since", f"{weeks}w", "--json"]
            ).stdout
        )
        assert (figures["summary"]["mentions"] > 0) == shown


def test_over_time_counts_the_mentions_the_summary_counts(report_db: Path) -> None:
    # The period starts at noon: the 09:00 mention of 2026-11-21 is not in it.
    with Store(report_db) as store:
        figures = build_report(
            store,
            MentionFilter(since="2026-11-21T12:00:00Z", until="2026-11-28T00:00:00Z"),
            now=datetime(2026, 11, 27, 12, tzinfo=timezone.utc),
        )
    days = figures["days"]
    assert figures["summary"]["mentions"] == 17
    assert sum(sum(day["counts"].values()) for day in days) == 17
    assert days[0] == {
        "date": "2026-11-21",
        "counts": {"Acme": 0, "Globex": 0},
        "tones": {"positive": 0, "neutral": 0, "negative": 0},
        "spikes": [],
        "spike_kinds": {},
        "spike_details": [],
    }
    assert figures["grouping"] == "day"


def test_over_time_groups_a_long_period_by_week_or_month(
    tmp_path: Path, runner, monkeypatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    now = datetime.now(timezone.utc)
    db_path = tmp_path / "veille.db"
    # one mention a day for 800 days, three more now
    _store_dated(db_path, [now - timedelta(days=n, minutes=30) for n in range(800)] + [now] * 3)
    for since, grouping, cells in (("30d", "week", 5), ("140d", "week", 21), ("100w", "month", 24)):
        json_out = runner.invoke(app, ["report", "--db", str(db_path), "--since", since, "--json"])
        figures = json.loads(json_out.stdout)
        total = figures["summary"]["mentions"]
        assert figures["grouping"] == grouping, since
        assert len(figures["days"]) == (now.date() - date.fromisoformat(
            figures["period"]["since"][:10]
        )).days + 1  # fmt: skip
        assert sum(day["counts"]["Acme"] for day in figures["days"]) == total
        out = runner.invoke(app, ["report", "--db", str(db_path), "--since", since]).stdout
        lines = out.splitlines()
        assert max(len(line) for line in lines) <= 80, since
        assert f"Per {grouping}" in out
        row = next(line.split() for line in lines if line.startswith("Acme ") and "-" in line)
        assert row[2] == re.search(r"Mentions: (\d+) ", out).group(1) == str(total), since
        # the newest group, today's, is drawn: its three mentions make it no lower than others
        assert len(row[1]) in (cells, cells + 1), (since, row)
        assert not row[1].endswith("…")
    # the whole of a long period does not fit: the newest months are drawn, the total is all
    out = runner.invoke(app, ["report", "--db", str(db_path), "--since", "1000d"]).stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Over time (last 29 months: " in out
    assert f"→ {now.strftime('%m-%d')})" in out
    row = next(
        line.split() for line in out.splitlines() if line.startswith("Acme ") and "-" in line
    )
    assert row[2] == "803"


def test_dates_of_another_year_show_the_year(tmp_path: Path, runner, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    db_path = tmp_path / "veille.db"
    old = now - timedelta(days=400)  # last year, or the year before
    _store_dated(db_path, [old, now], tone="negative")
    for command in (["mentions"], ["inbox"]):
        out = runner.invoke(app, [*command, "--db", str(db_path)]).stdout
        assert old.strftime("%Y-%m-%d") in out, command
        assert f" {now.strftime('%m-%d')} " in out and now.strftime("%Y-%m-%d") not in out
    out = runner.invoke(app, ["report", "--db", str(db_path), "--since", "60w"]).stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    since = (now - timedelta(weeks=60)).strftime("%Y-%m-%d")
    assert f"Over time ({since} → {now.strftime('%m-%d')})" in out
    assert now.strftime("%m-%d %H:%M") in out  # who: last seen this year, without the year
    assert short_date("2024-06-01T09:00:00Z", 2026) == "2024-06-01"
    assert short_date("2026-06-01T09:00:00Z", 2026, time=True) == "06-01 09:00"
    assert short_date(None) == ""


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_spike_without_negatives_says_nothing_of_them(tmp_path: Path, runner, lang: str) -> None:
    """ "8 mentions, 0 negative" says nothing a reader needs: the clause is left out."""
    db_path = tmp_path / "veille.db"
    days = [datetime(2026, 11, 13 + n, 9, tzinfo=timezone.utc) for n in range(14)]
    burst = [datetime(2026, 11, 27, 9, n, tzinfo=timezone.utc) for n in range(8)]
    _store_dated(db_path, days + burst, tone="positive")
    output = tmp_path / "report.html"
    result = runner.invoke(
        app,
        ["report", "--db", str(db_path), "--since", SINCE, "--until", UNTIL, "--lang", lang,
         "--html", str(output)],
        env={"TZ": "UTC"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = output.read_text(encoding="utf-8")
    spike = {"en": "8 mentions, on Blog A", "fr": "8 mentions, sur Blog A"}[lang]
    assert page.count(spike) == 2  # the headline and the spike's note
    assert "0 negative" not in page and "0 négative" not in page
