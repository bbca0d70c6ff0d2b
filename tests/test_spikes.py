"""Spikes on constructed histories: the pure rules, then the alerts and the report that share
them, on real SQLite files and a loopback webhook."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from test_alerts import NOW, Webhook, config_with
from test_store import make_mention

from veille.alerts import deliver_alerts
from veille.figures import build_report
from veille.models import Alert, Source
from veille.spikes import HISTORY_DAYS, find_spikes, spike_threshold
from veille.store import MentionFilter, Store

TODAY = NOW.date()  # a Saturday
WEEKDAY, WEEKEND = 10, 30


def weekly(weeks: int, last: date = TODAY) -> list[int]:
    """Daily counts ending on `last`: WEEKDAY on weekdays, WEEKEND on Saturdays and Sundays."""
    days = [last - timedelta(days=n) for n in range(7 * weeks - 1, -1, -1)]
    return [WEEKEND if day.weekday() >= 5 else WEEKDAY for day in days]


QUIET_HISTORY = [3, 2, 4, 3, 3, 2, 4] * 4


@pytest.mark.parametrize(
    ("counts", "negatives", "expected"),
    [
        (QUIET_HISTORY + [15], None, [(28, "volume")]),
        ([10 + n for n in range(36)], None, []),
        ([0, 1, 0, 0, 1, 0, 1] * 4 + [3], None, []),
        (weekly(5), None, []),
        (weekly(5)[:-1] + [WEEKEND * 3], None, [(34, "volume")]),
        (weekly(5)[:-2] + [WEEKDAY * 3, WEEKEND], None, [(33, "volume")]),
        ([0] * 28 + [9], None, []),
        ([0] * 20 + [1] + [0] * 7 + [9], None, [(28, "volume")]),
        ([10] * 28 + [12], [2] * 28 + [9], [(28, "negative")]),
        ([10] * 28 + [30], [2] * 28 + [24], [(28, "volume"), (28, "negative")]),
        ([40] * 28 + [40], [8] * 28 + [14], []),
        ([1, 0, 1, 1, 0, 1, 0] * 4 + [4], [1, 0, 0, 1, 0, 0, 0] * 4 + [4], []),
    ],
    ids=[
        "real spike",
        "slow rise",
        "quiet brand 1 to 3",
        "weekly seasonality",
        "spike on a weekend",
        "spike on a weekday of a weekly brand",
        "no history yet",
        "a week of history",
        "negative share",
        "volume and negative share",
        "busy brand a little more negative",
        "quiet brand all negative",
    ],
)
def test_spike_rules(counts, negatives, expected) -> None:
    spikes = find_spikes(counts, negatives, first=HISTORY_DAYS)
    assert [(spike.index, spike.kind) for spike in spikes] == expected


def test_weekly_seasonality_would_fire_against_the_last_seven_days_alone() -> None:
    counts = weekly(5)
    assert counts[-1] > spike_threshold(sum(counts[-8:-1]) / 7)
    assert find_spikes(counts, first=HISTORY_DAYS) == []


SOURCES = tuple(
    Source(name=name, type="rss", url=f"https://{name[-1].lower()}.example/feed")
    for name in ("Blog A", "Forum B", "News C")
)


def fill(store: Store, day: date, count: int, negative: int = 0, **changes) -> None:
    """`count` mentions of Acme on `day`, the first `negative` of them negative."""
    mentions = []
    for n in range(count):
        when = datetime(day.year, day.month, day.day, 8, tzinfo=timezone.utc) + timedelta(minutes=n)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        fields = {
            "source": "Blog A",
            "author": f"Reader {n % 4}",
            "title": f"Acme news {day} {n}",
            "snippet": "Acme publie ses résultats du trimestre",
            "tone": "negative" if n < negative else "neutral",
            **changes,
        }
        mentions.append(
            make_mention(
                url=f"https://{fields['source'][-1].lower()}.example/{day}/{n}-{len(changes)}",
                published_at=stamp,
                found_at=stamp,
                **fields,
            )
        )
    store.record_source(mentions[0].source if mentions else "Blog A", {}, mentions)


@pytest.fixture
def spike_store(store: Store) -> Store:
    """Four quiet weeks for Acme, then a battery fire on the forum today."""
    store.sync_sources(SOURCES)
    for back, count in enumerate(reversed(QUIET_HISTORY), start=1):
        fill(store, TODAY - timedelta(days=back), count)
    fill(store, TODAY, 3, source="News C", author="Le Monde")
    fill(
        store,
        TODAY,
        12,
        source="Forum B",
        author="Dan",
        title="Batterie Acme en feu",
        snippet="Ma batterie Acme a pris feu dans le garage, incendie évité de peu",
        tone="neutral",
    )
    return store


def test_a_real_spike_fires_once_explained(spike_store: Store, webhook: Webhook) -> None:
    config = config_with(Alert(name="crisis", urls=(webhook.url,), on=("spike",)))
    (outcome,) = deliver_alerts(config, spike_store, now=NOW)
    assert (outcome.state, outcome.spikes, outcome.mentions) == ("sent", 1, 0)
    (message,) = webhook.messages()
    assert message["title"] == "veille: mention spike for Acme"
    lines = message["message"].splitlines()
    assert lines[0] == (
        "Mention spike: Acme on 2026-11-28: 15 mentions, usually 3.0 a day (alert above 8.2)."
    )
    assert lines[1] == "  Sources: Forum B (12), News C (3)"
    assert lines[2] == "  Authors: Dan (12), Le Monde (3)"
    assert lines[3] == (
        "  Words: batterie (12), évité (12), feu (12), garage (12), incendie (12), pris (12)"
    )
    assert lines[4] == "  Some of the mentions:"
    assert lines[5].startswith("  https://b.example/2026-11-28/")

    (again,) = deliver_alerts(config, spike_store, now=NOW + timedelta(hours=2))
    assert again.state == "nothing"
    (tomorrow,) = deliver_alerts(config, spike_store, now=NOW + timedelta(days=1))
    assert tomorrow.state == "nothing"  # yesterday's spike, already announced
    assert len(webhook.messages()) == 1


def test_the_report_marks_the_days_the_alerts_fire_on(spike_store: Store) -> None:
    since = (TODAY - timedelta(days=6)).isoformat() + "T00:00:00Z"
    figures = build_report(spike_store, MentionFilter(since=since), now=NOW)
    marked = [(day["date"], day["spike_kinds"]) for day in figures["days"] if day["spikes"]]
    assert marked == [("2026-11-28", {"Acme": ["volume"]})]


def test_weekly_seasonality_fires_no_alert_and_no_report_spike(
    store: Store, webhook: Webhook
) -> None:
    store.sync_sources(SOURCES)
    for back, count in enumerate(reversed(weekly(5)), start=0):
        fill(store, TODAY - timedelta(days=back), count)
    config = config_with(Alert(name="crisis", urls=(webhook.url,), on=("spike",)))
    assert [o.state for o in deliver_alerts(config, store, now=NOW)] == ["nothing"]
    since = (TODAY - timedelta(days=27)).isoformat() + "T00:00:00Z"
    days = build_report(store, MentionFilter(since=since), now=NOW)["days"]
    assert len(days) == 28 and not any(day["spikes"] for day in days)
    assert webhook.messages() == []


def test_a_negative_share_spike_names_the_negative_mentions(store: Store, webhook: Webhook) -> None:
    store.sync_sources(SOURCES)
    for back in range(1, 29):
        fill(store, TODAY - timedelta(days=back), 10, negative=2)
    fill(store, TODAY, 3)
    fill(
        store,
        TODAY,
        9,
        negative=9,
        source="Forum B",
        author="Eve",
        title="Livraison Acme annulée",
        snippet="Commande Acme annulée sans remboursement, service client muet",
    )
    config = config_with(Alert(name="crisis", urls=(webhook.url,), on=("spike",)))
    (outcome,) = deliver_alerts(config, store, now=NOW)
    assert outcome.spikes == 1
    (message,) = webhook.messages()
    assert message["title"] == "veille: negative spike for Acme"
    lines = message["message"].splitlines()
    assert lines[0].startswith(
        "Negative spike: Acme on 2026-11-28: 9 of 12 mentions negative (75%), usually 20%"
    )
    assert lines[1:3] == ["  Sources: Forum B (9)", "  Authors: Eve (9)"]
    assert lines[3].startswith("  Words: annulée (9), client (9), commande (9), ")
    assert lines[4] == "  Some of the negative mentions:"


def test_spikes_ride_with_the_digest_and_skip_min_mentions(
    spike_store: Store, webhook: Webhook
) -> None:
    alert = Alert(name="team", urls=(webhook.url,), min_mentions=100, limit=3)
    (outcome,) = deliver_alerts(config_with(alert), spike_store, now=NOW)
    assert (outcome.state, outcome.spikes, outcome.mentions) == ("sent", 1, 15)
    message = webhook.messages()[0]
    assert message["title"] == "veille: mention spike for Acme · 15 new mentions of Acme"
    assert "Mention spike: Acme" in message["message"]
    assert message["message"].endswith("… and 12 more (veille inbox)")
