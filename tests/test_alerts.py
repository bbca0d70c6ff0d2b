"""Alert digests delivered to real loopback servers: a webhook (Apprise json://) and an SMTP
server (aiosmtpd), from real SQLite files."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from alert_servers import Mailbox, Webhook
from pytest_httpserver import HTTPServer
from test_store import make_mention

from veille.alerts import build_digest, deliver_alerts, quiet_until, target_keys
from veille.models import Alert, Brand, Config, Source
from veille.store import Store

NOW = datetime(2026, 11, 28, 15, 0, tzinfo=timezone.utc)
BRANDS = (Brand(name="Acme", terms=("Acme",)), Brand(name="Globex", terms=("Globex",)))
SOURCES = (Source(name="Forum B", type="forum", url="https://b.example/f"),)


def config_with(*alerts: Alert) -> Config:
    return Config(path=None, brands=BRANDS, sources=SOURCES, alerts=alerts)


def add(store: Store, number: int, found: datetime = NOW, **changes) -> None:
    """Store one mention of the forum; `number` makes its URL and title."""
    when = found.strftime("%Y-%m-%dT%H:%M:%SZ")
    store.record_source(
        "Forum B",
        {},
        [
            make_mention(
                **{
                    "source": "Forum B",
                    "url": f"https://b.example/t/{number}",
                    "title": f"Post {number}",
                    "snippet": f"Acme post number {number}",
                    "published_at": when,
                    "found_at": when,
                    "tone": "neutral",
                    **changes,
                }
            )
        ],
    )


@pytest.fixture
def busy_store(store: Store) -> Store:
    """A morning's mentions: one of each urgency, and two that need nothing."""
    store.sync_sources(SOURCES)
    hour = timedelta(hours=1)
    add(store, 1, NOW - 5 * hour, tone="positive", author="Alice")
    add(store, 2, NOW - 4 * hour, tone="negative", author="Bob")
    add(store, 3, NOW - 3 * hour, tone="negative", flags="insult", author="Carl")
    add(store, 4, NOW - 2 * hour, tone="neutral", flags="question", author="Dina")
    add(store, 5, NOW - hour, brand="Globex", tone="neutral", author="Ezra")
    return store


def titles_in(body: str) -> list[str]:
    return [line.strip() for line in body.splitlines() if line.strip().startswith("Post ")]


def test_digest_groups_puts_attention_first_and_never_repeats(
    busy_store: Store, webhook: Webhook
) -> None:
    config = config_with(Alert(name="team", urls=(webhook.url,), on=("new", "attention")))
    (outcome,) = deliver_alerts(config, busy_store, now=NOW)
    assert (outcome.state, outcome.mentions, outcome.error) == ("sent", 5, None)
    (message,) = webhook.messages()
    assert message["title"] == "veille: 5 new mentions of Acme, Globex (3 need attention)"
    body = message["message"]
    assert "  Acme: 4 (2 negative, 1 neutral, 1 positive)" in body
    assert "  Globex: 1 (1 neutral)" in body
    # questions, then insults, then other negative mentions; then the rest, newest first
    assert titles_in(body) == ["Post 4", "Post 3", "Post 2", "Post 5", "Post 1"]
    attention, others = body.split("Needs attention:")[1].split("Other new mentions:")
    assert "[question] · Acme · Forum B · Dina · 2026-11-28" in attention
    assert "https://b.example/t/4" in attention and "Post 1" in others
    assert "Acme post number 4" in attention

    (again,) = deliver_alerts(config, busy_store, now=NOW + timedelta(minutes=5))
    assert again.state == "nothing"
    assert len(webhook.messages()) == 1

    add(busy_store, 6, NOW + timedelta(minutes=6), tone="negative", flags="complaint")
    (third,) = deliver_alerts(config, busy_store, now=NOW + timedelta(minutes=10))
    assert (third.state, third.mentions) == ("sent", 1)
    latest = webhook.messages()[-1]
    assert latest["title"] == "veille: 1 new mention of Acme (1 need attention)"
    assert titles_in(latest["message"]) == ["Post 6"]


def test_failed_delivery_is_recorded_and_retried_with_what_came_since(
    busy_store: Store, webhook: Webhook
) -> None:
    config = config_with(Alert(name="team", urls=(webhook.url,)))
    webhook.status = 500
    (failed,) = deliver_alerts(config, busy_store, now=NOW)
    assert failed.state == "failed" and failed.mentions == 5
    assert failed.error.startswith(f"json://127.0.0.1:{webhook.server.port}: ")
    (state,) = busy_store.alert_states()
    assert (state["failures"], state["last_sent_at"]) == (1, None)
    assert state["last_error"] == failed.error

    deliver_alerts(config, busy_store, now=NOW + timedelta(minutes=1))
    assert busy_store.alert_states()[0]["failures"] == 2

    webhook.status = 200
    add(busy_store, 6, NOW + timedelta(minutes=2))
    (sent,) = deliver_alerts(config, busy_store, now=NOW + timedelta(minutes=3))
    assert (sent.state, sent.mentions) == ("sent", 6)
    (message,) = webhook.messages()
    assert sorted(titles_in(message["message"])) == [f"Post {n}" for n in range(1, 7)]
    (state,) = busy_store.alert_states()
    assert (state["failures"], state["last_error"]) == (0, None)


def test_a_url_that_fails_does_not_make_the_others_repeat(
    busy_store: Store, webhook: Webhook, httpserver: HTTPServer
) -> None:
    other = Webhook(httpserver, "/other")
    other.status = 503
    config = config_with(Alert(name="team", urls=(webhook.url, other.url)))
    (first,) = deliver_alerts(config, busy_store, now=NOW)
    assert first.state == "failed" and first.error.startswith("URL 2 of 2, json://")
    other.status = 200
    (second,) = deliver_alerts(config, busy_store, now=NOW + timedelta(minutes=1))
    assert second.state == "sent"
    assert len(webhook.messages()) == 1 and len(other.messages()) == 1


def test_a_urls_state_is_kept_under_its_service_and_host_never_a_secret() -> None:
    urls = [
        "mailtos://cm:S3cret-Pw@smtp.example.com?to=team@example.com",
        "slack://T1ABCDEF/B2GHIJKL/xoxoSecretToken",
        "slack://T9ZYXWVU/B8TSRQPO/otherSecretToken",
        "json://hooks.example.com/veille?token=abc123",
    ]
    keys = target_keys(urls)
    assert keys == [
        "mailtos://smtp.example.com",
        "slack://…",
        "slack://… #2",
        "json://hooks.example.com",
    ]
    for secret in ("S3cret-Pw", "T1ABCDEF", "xoxoSecretToken", "abc123", "T9ZYXWVU"):
        assert all(secret not in key for key in keys)


def test_each_url_keeps_its_own_state_when_the_urls_are_reordered(
    busy_store: Store, webhook: Webhook
) -> None:
    """A URL that failed is behind the others: after the alert's URLs are reordered, it
    still gets what it missed, and the one that had it all gets nothing twice."""
    second_server = HTTPServer()
    second_server.start()
    try:
        other = Webhook(second_server, "/other")
        other.status = 503
        first_order = config_with(Alert(name="team", urls=(webhook.url, other.url)))
        (failed,) = deliver_alerts(first_order, busy_store, now=NOW)
        assert failed.state == "failed" and len(webhook.messages()) == 1
        other.status = 200
        add(busy_store, 6, NOW + timedelta(minutes=1))
        swapped = config_with(Alert(name="team", urls=(other.url, webhook.url)))
        (sent,) = deliver_alerts(swapped, busy_store, now=NOW + timedelta(minutes=2))
        assert sent.state == "sent"
        (late,) = other.messages()
        assert sorted(titles_in(late["message"])) == [f"Post {n}" for n in range(1, 7)]
        first, update = webhook.messages()
        assert titles_in(update["message"]) == ["Post 6"]
    finally:
        second_server.clear()
        if second_server.is_running():
            second_server.stop()


def test_digest_by_email_through_a_real_smtp_server(busy_store: Store, mailbox: Mailbox) -> None:
    config = config_with(Alert(name="mail", urls=(mailbox.url(mailbox.password),), brand="Acme"))
    (outcome,) = deliver_alerts(config, busy_store, now=NOW)
    assert outcome.state == "sent", outcome.error
    (message,) = mailbox.messages
    assert message["Subject"] == "veille: 4 new mentions of Acme (3 need attention)"
    assert message["To"] == "cm@example.com"
    body = message.get_content()
    assert titles_in(body) == ["Post 4", "Post 3", "Post 2", "Post 1"]
    assert "Globex" not in body


def test_refused_login_is_a_failure_without_the_password(
    busy_store: Store, mailbox: Mailbox
) -> None:
    secret = "Wr0ng-Zebra-42"
    config = config_with(Alert(name="mail", urls=(mailbox.url(secret),)))
    (outcome,) = deliver_alerts(config, busy_store, now=NOW)
    assert outcome.state == "failed" and not mailbox.messages
    assert outcome.error.startswith(f"mailto://127.0.0.1:{mailbox.port}: ")
    assert secret not in outcome.error
    assert secret not in json.dumps(busy_store.alert_states())


def test_min_mentions_holds_until_enough_accumulate(store: Store, webhook: Webhook) -> None:
    store.sync_sources(SOURCES)
    config = config_with(Alert(name="team", urls=(webhook.url,), min_mentions=3))
    add(store, 1)
    add(store, 2)
    (held,) = deliver_alerts(config, store, now=NOW)
    assert (held.state, held.mentions, held.reason) == (
        "held",
        2,
        "2 of the 3 mentions it waits for",
    )
    add(store, 3)
    (sent,) = deliver_alerts(config, store, now=NOW)
    assert (sent.state, sent.mentions) == ("sent", 3)
    assert len(titles_in(webhook.messages()[0]["message"])) == 3


def local(hour: int, minute: int = 0) -> datetime:
    """A moment at this time of day in the alerts' zone (UTC unless given), on the test's day."""
    return datetime(2026, 11, 28, hour, minute, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("hours", "moment", "until"),
    [
        (("22:00", "07:00"), local(23, 30), "07:00"),
        (("22:00", "07:00"), local(6, 59), "07:00"),
        (("22:00", "07:00"), local(7, 0), None),
        (("22:00", "07:00"), local(12), None),
        (("12:00", "14:00"), local(13), "14:00"),
        (("12:00", "14:00"), local(21), None),
    ],
    ids=["late evening", "early morning", "end", "midday", "lunch", "after lunch"],
)
def test_quiet_hours_wrap_midnight(hours, moment: datetime, until: str | None) -> None:
    alert = Alert(name="team", urls=("json://localhost",), quiet_hours=hours)
    assert quiet_until(alert, moment) == until


def test_quiet_hours_hold_then_the_first_sweep_after_sends(store: Store, webhook: Webhook) -> None:
    store.sync_sources(SOURCES)
    config = config_with(Alert(name="team", urls=(webhook.url,), quiet_hours=("22:00", "07:00")))
    night = local(23)
    add(store, 1, found=night.astimezone(timezone.utc))
    (held,) = deliver_alerts(config, store, now=night)
    assert (held.state, held.reason) == ("held", "quiet hours until 07:00")
    add(store, 2, found=night.astimezone(timezone.utc) + timedelta(hours=1))
    (sent,) = deliver_alerts(config, store, now=night + timedelta(hours=8, minutes=30))
    assert (sent.state, sent.mentions) == ("sent", 2)
    assert webhook.messages()[0]["title"].startswith("veille: 2 new mentions")


def test_limit_lists_the_most_urgent_and_counts_the_rest(
    busy_store: Store, webhook: Webhook
) -> None:
    config = config_with(Alert(name="team", urls=(webhook.url,), limit=2))
    deliver_alerts(config, busy_store, now=NOW)
    body = webhook.messages()[0]["message"]
    assert titles_in(body) == ["Post 4", "Post 3"]
    assert body.endswith("… and 3 more (veille inbox)")


def test_an_attention_alert_sends_only_what_needs_a_human(
    busy_store: Store, webhook: Webhook
) -> None:
    config = config_with(Alert(name="cm", urls=(webhook.url,), on=("attention",)))
    (outcome,) = deliver_alerts(config, busy_store, now=NOW)
    assert outcome.mentions == 3
    message = webhook.messages()[0]
    assert message["title"] == "veille: 3 mentions of Acme need attention"
    assert titles_in(message["message"]) == ["Post 4", "Post 3", "Post 2"]
    assert "Other new mentions" not in message["message"]


def test_a_new_alert_starts_with_the_last_day_not_the_whole_history(
    store: Store, webhook: Webhook
) -> None:
    store.sync_sources(SOURCES)
    for number in range(1, 4):
        add(store, number, found=NOW - timedelta(days=3))
    add(store, 4, found=NOW - timedelta(hours=2))
    config = config_with(Alert(name="team", urls=(webhook.url,)))
    (outcome,) = deliver_alerts(config, store, now=NOW)
    assert outcome.mentions == 1
    assert titles_in(webhook.messages()[0]["message"]) == ["Post 4"]


def test_the_first_digest_of_a_new_database_brings_only_the_last_days_posts(
    store: Store, webhook: Webhook
) -> None:
    """A first sweep finds years of old posts at once: they are not news."""
    store.sync_sources(SOURCES)
    found = NOW - timedelta(minutes=5)
    for number, published in enumerate(("2011-03-01T10:00:00Z", "2024-06-01T10:00:00Z"), 1):
        add(store, number, found=found, published_at=published)
    add(store, 3, found=found, published_at=None)
    add(store, 4, found=found, published_at="2026-11-28T09:00:00Z")
    config = config_with(Alert(name="team", urls=(webhook.url,), min_mentions=3))
    (held,) = deliver_alerts(config, store, now=NOW)
    assert (held.state, held.mentions) == ("held", 2)
    add(store, 5, found=NOW, published_at="2025-01-01T00:00:00Z")
    add(store, 6, found=NOW)
    (sent,) = deliver_alerts(config, store, now=NOW)
    assert (sent.state, sent.mentions) == ("sent", 3)
    assert sorted(titles_in(webhook.messages()[0]["message"])) == ["Post 3", "Post 4", "Post 6"]
    add(store, 7, found=NOW + timedelta(hours=1), published_at="2020-01-01T00:00:00Z")
    (later,) = deliver_alerts(config, store, now=NOW + timedelta(hours=1))
    assert later.state == "held" and later.mentions == 1


def test_web_text_reaches_messages_as_plain_text() -> None:
    row = {
        "brand": "Acme",
        "source": "Forum\x1b[31m B",
        "author": "Eve\x07",
        "title": "Hello\x1b]8;;http://evil\x07 world\nsecond line",
        "snippet": "Acme\u202e rocks",
        "url": "https://b.example/1",
        "published_at": "2026-11-28T10:00:00Z",
        "flags": "",
        "tone": "neutral",
        "urgency": 3,
    }
    counts = [{"brand": "Acme", "tone": "neutral", "mentions": 1, "attention": 0}]
    digest = build_digest(Alert(name="t", urls=("json://localhost",)), counts, [row])
    assert "\x1b" not in digest.body and "\x07" not in digest.body and "\u202e" not in digest.body
    assert "- Acme · Forum B · Eve · 2026-11-28" in digest.body
    assert "  Hello world second line" in digest.body


def test_a_snippet_does_not_repeat_the_title_shown_above_it() -> None:
    row = {
        "brand": "Acme",
        "source": "Forum",
        "author": "Nina",
        "title": "Acme : comment annuler ma commande ?",
        "snippet": "Acme : comment annuler ma commande ? Bonjour, une commande passée hier.",
        "url": "https://forum.example/t/1",
        "published_at": "2026-11-28T10:00:00Z",
        "flags": "question",
        "tone": "neutral",
        "urgency": 0,
    }
    counts = [{"brand": "Acme", "tone": "neutral", "mentions": 1, "attention": 1}]
    body = build_digest(Alert(name="t", urls=("json://localhost",)), counts, [row]).body
    assert body.count("comment annuler ma commande") == 1
    assert "\n  Bonjour, une commande passée hier.\n" in body


def test_an_alert_without_new_mentions_sends_nothing(store: Store, webhook: Webhook) -> None:
    config = config_with(Alert(name="team", urls=(webhook.url,)))
    assert [o.state for o in deliver_alerts(config, store, now=NOW)] == ["nothing"]
    assert webhook.messages() == []
