"""Alerts through the command line: a loopback feed swept by `veille scan`, the digest at a
loopback webhook, `veille alerts send` / `test`, and secrets that never come out."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import pytest
from alert_servers import Webhook
from pytest_httpserver import HTTPServer
from sqlite_utils import Database

from veille.cli import app
from veille.config import STARTER, parse_config
from veille.store import ScanLock

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Forum</title><link>https://forum.example/</link>
<item><title>Acme : comment annuler ma commande ?</title>
<link>https://forum.example/t/1</link><author>nina@forum.example (Nina)</author>
<description>Bonjour, comment annuler une commande Acme passée hier ?</description></item>
<item><title>Acme ouvre un magasin à Lyon</title><link>https://forum.example/t/2</link>
<description>Le nouveau magasin Acme ouvre samedi, belle vitrine.</description></item>
<item><title>Rien à voir</title><link>https://forum.example/t/3</link>
<description>Un article sans la marque.</description></item>
</channel></rss>"""
SECRET = "Zx9-SECRET-token-77"


@pytest.fixture
def feed_url(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED, content_type="application/rss+xml"
    )
    return httpserver.url_for("/feed.xml")


def alert_config(write_config, feed_url: str, *urls: str, **alert) -> Path:
    return write_config(
        {
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "Forum", "type": "rss", "url": feed_url}],
            "alerts": [{"name": "team", "urls": list(urls), **alert}],
        }
    )


def test_scan_delivers_the_digest_then_nothing_new(
    runner, write_config, feed_url: str, webhook: Webhook
) -> None:
    config = alert_config(write_config, feed_url, webhook.url)
    first = runner.invoke(app, ["scan", "-c", str(config)])
    assert first.exit_code == 0, first.output
    assert "Alerts\nteam: sent 2 mentions" in first.stdout
    (message,) = webhook.messages()
    assert message["title"] == "veille: 2 new mentions of Acme (1 need attention)"
    body = message["message"]
    assert body.index("Acme : comment annuler ma commande ?") < body.index("Acme ouvre un magasin")
    assert "https://forum.example/t/1" in body and "Rien à voir" not in body

    again = runner.invoke(app, ["scan", "-c", str(config), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["alerts"] == [
        {"name": "team", "state": "nothing", "mentions": 0, "spikes": 0, "reason": None,
         "error": None}
    ]  # fmt: skip
    assert len(webhook.messages()) == 1


def test_a_failed_delivery_is_printed_even_quiet_and_sent_by_alerts_send(
    runner, write_config, feed_url: str, webhook: Webhook, tmp_path: Path
) -> None:
    config = alert_config(write_config, feed_url, webhook.url)
    webhook.status = 500
    scan = runner.invoke(app, ["scan", "-c", str(config), "--quiet"])
    assert scan.exit_code == 0, scan.output
    assert scan.stdout == ""
    assert scan.stderr.startswith(
        "veille: alert team failed, kept for the next sweep: json://127.0.0.1:"
    )
    assert Database(tmp_path / "veille.db")["mentions"].count == 2

    webhook.status = 200
    sent = runner.invoke(app, ["alerts", "send", "-c", str(config)])
    assert sent.exit_code == 0, sent.output
    assert sent.stdout == "Alerts\nteam: sent 2 mentions\n"
    assert len(webhook.messages()) == 1


def test_alerts_send_fails_with_exit_1_and_waits_for_a_running_scan(
    runner, write_config, feed_url: str, webhook: Webhook, tmp_path: Path
) -> None:
    config = alert_config(write_config, feed_url, webhook.url)
    assert runner.invoke(app, ["scan", "-c", str(config), "--no-alerts"]).exit_code == 0
    assert webhook.messages() == []
    with ScanLock(tmp_path / "veille.db"):
        locked = runner.invoke(app, ["alerts", "send", "-c", str(config)])
    assert locked.exit_code == 75, locked.output
    webhook.status = 503
    failed = runner.invoke(app, ["alerts", "send", "-c", str(config), "--json"])
    assert failed.exit_code == 1, failed.output
    assert json.loads(failed.stdout)[0]["state"] == "failed"


def test_alerts_test_sends_a_message_and_names_unknown_alerts(
    runner, write_config, feed_url: str, webhook: Webhook
) -> None:
    config = alert_config(write_config, feed_url, webhook.url)
    result = runner.invoke(app, ["alerts", "test", "team", "-c", str(config)])
    assert result.exit_code == 0, result.output
    port = webhook.server.port
    assert result.stdout == f"Sent a test message for team to json://127.0.0.1:{port}\n"
    (message,) = webhook.messages()
    assert message["title"] == "veille: test message for the alert 'team'"
    assert "new, attention, spike, for every brand" in message["message"]

    unknown = runner.invoke(app, ["alerts", "test", "nope", "-c", str(config)])
    assert unknown.exit_code == 2
    assert unknown.stderr == "veille: error: unknown alert 'nope'; configured: team\n"


def test_secrets_never_appear_in_output_logs_errors_or_the_database(
    runner,
    write_config,
    feed_url: str,
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("HOOK_TOKEN", SECRET)
    port = httpserver.port
    # no handler answers this path: the server says 500, every delivery fails
    url = f"json://veille:${{HOOK_TOKEN}}@127.0.0.1:{port}/hook/${{HOOK_TOKEN}}?x=${{HOOK_TOKEN}}"
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the email is refused at once
    email = f"mailtos://veille:${{HOOK_TOKEN}}@127.0.0.1:{closed_port}?from=a@example.com"
    config = alert_config(write_config, feed_url, url, email)
    outputs = []
    for args in (
        ["scan"],
        ["scan", "--json"],
        ["scan", "--quiet"],
        ["alerts", "send"],
        ["alerts", "send", "--json"],
        ["alerts", "test", "team"],
    ):
        result = runner.invoke(app, [*args, "-c", str(config)])
        outputs.append(result.output + result.stderr)
        assert "Traceback" not in outputs[-1]
    assert all("failed" in output or "error" in output for output in outputs[3:])
    assert f"json://127.0.0.1:{port}" in outputs[3]
    # the loopback server's own request log is the test's, not veille's
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    everything = "\n".join(outputs + logged)
    everything += "\n".join(Database(tmp_path / "veille.db").conn.iterdump())
    assert "last_error" in everything and SECRET not in everything
    assert SECRET[4:10] not in everything


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "json://u:${UNSET_TOKEN}@hooks.example/x",
            "sources.yaml:9: alerts[0].urls[1]: the environment variable UNSET_TOKEN is not set",
        ),
        (
            "bogus://u:${HOOK_TOKEN}@hooks.example",
            "sources.yaml:9: alerts[0].urls[1]: bogus:// is not a service Apprise knows",
        ),
        (
            "tgram://${HOOK_TOKEN}/chat",
            "sources.yaml:9: alerts[0].urls[1]: Apprise cannot use this tgram:// URL",
        ),
        (
            "hooks.example/${HOOK_TOKEN}",
            "sources.yaml:9: alerts[0].urls[1]: not an Apprise URL",
        ),
    ],
    ids=["unset variable", "unknown service", "malformed", "no scheme"],
)
def test_a_bad_alert_url_is_a_config_error_without_the_secret(
    url: str, expected: str, runner, write_config, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("HOOK_TOKEN", SECRET)
    monkeypatch.delenv("UNSET_TOKEN", raising=False)
    config = write_config(
        "brands:\n  - {name: Acme, terms: [Acme]}\n"
        "sources:\n  - {name: F, type: rss, url: 'http://127.0.0.1:9/f'}\n"
        "alerts:\n  - name: team\n    urls:\n      - json://hooks.example/ok\n"
        f"      - '{url}'\n"
    )
    for args in (["scan"], ["alerts", "send"], ["alerts", "test", "team"]):
        result = runner.invoke(app, [*args, "-c", str(config)])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"veille: error: {tmp_path}/{expected}"), result.stderr
        assert len(result.stderr.splitlines()) == 1 and SECRET not in result.output
    assert not (tmp_path / "veille.db").exists()
    reading = runner.invoke(app, ["mentions", "-c", str(config), "--db", str(tmp_path / "x.db")])
    assert "environment variable" not in reading.output  # reading needs no delivery secret


def test_the_starter_alerts_section_is_valid_once_uncommented() -> None:
    lines = STARTER.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# alerts:"))
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line[2:])
    text = STARTER + "\n" + "\n".join(block) + "\n"
    config = parse_config(text, Path("starter.yaml"))
    (alert,) = config.alerts
    assert (alert.on, alert.brand, alert.min_mentions, alert.limit) == (
        ("new", "attention", "spike"),
        "Acme",
        1,
        20,
    )
    assert alert.quiet_hours == ("22:00", "07:00")
