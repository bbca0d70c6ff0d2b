"""A sweep where most sources misbehave: the good ones are stored, the bad ones reported."""

from __future__ import annotations

import json
import resource
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from hostile_server import (
    HostileServer,
    closed_port_url,
    endless_body,
    gzip_bomb,
    never_answer,
    redirect,
    reset,
    respond,
)

from veille.cli import app
from veille.tone import judge_tone

RSS = "application/rss+xml"


def rss(*titles: str, encoding: str = "utf-8") -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example/{quote(title)}</link>"
        f"<description>{title}</description></item>"
        for title in titles
    )
    head = f'<?xml version="1.0" encoding="{encoding}"?>'
    return (head + f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>').encode(
        "utf-8" if encoding == "utf-8" else "latin-1"
    )


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b']><rss version="2.0"><channel><title>&lol9;</title><item><title>Acme &lol9;</title>'
    b"<link>https://news.example/lol</link></item></channel></rss>"
)
TRUNCATED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>Acme complete item</title><link>https://news.example/t1</link></item>"
    b"<item><title>Acme cut in the mid"
)
# "Acme « génial » — très" in windows-1252 bytes, in a feed that says it is UTF-8.
WIN1252 = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>Acme \xab g\xe9nial \xbb \x97 tr\xe8s \x93bien\x94</title>"
    b"<link>https://news.example/w</link></item></channel></rss>"
)
HTML_PAGE = b"<!doctype html><html><head><title>Acme</title></head><body><p>Acme</p></body></html>"

GOOD = {
    "good one": rss("Acme launches", "Nothing here"),
    "good two": rss("Love my Acme", "Acme again"),
}
BAD = {
    "never answers": (never_answer(), "timed out"),
    "endless body": (endless_body(), "response too large"),
    "gzip bomb": (gzip_bomb(), "response too large"),
    "redirect loop": (redirect("/redirect-loop"), "redirect loop"),
    "not found": (respond(404, b"nope"), "not found (404)"),
    "gone": (respond(410, b"gone"), "gone (410)"),
    "rate limited": (respond(429, b"", {"Retry-After": "1"}), "rate limited (429)"),
    "server error": (respond(500, b"oops"), "server error (500)"),
    "reset": (reset(), "connection reset"),
    "html page": (respond(200, HTML_PAGE, {"Content-Type": "text/html"}), "HTML"),
}


def test_hostile_sources_do_not_stop_the_sweep(write_config, runner, tmp_path: Path) -> None:
    with HostileServer() as server:
        sources = []
        for name, body in GOOD.items():
            sources.append(
                {"name": name, "url": server.add("/" + name.replace(" ", "-"), respond(200, body))}
            )
        for name, (behaviour, _) in BAD.items():
            sources.append(
                {"name": name, "url": server.add("/" + name.replace(" ", "-"), behaviour)}
            )
        sources.append(
            {"name": "truncated", "url": server.add("/truncated", respond(200, TRUNCATED))}
        )
        sources.append(
            {"name": "billion laughs", "url": server.add("/lol", respond(200, BILLION_LAUGHS))}
        )
        sources.append({"name": "win1252", "url": server.add("/win1252", respond(200, WIN1252))})
        sources.append({"name": "refused", "url": closed_port_url("/feed")})
        config = write_config(
            {
                "brands": [{"name": "Acme", "terms": ["Acme"]}],
                "sources": [{**s, "type": "rss"} for s in sources],
                "settings": {"timeout": 2, "max_bytes": 2_000_000},
            }
        )
        judge_tone("Acme")  # load the language model first: its size is not the sweep's
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        result = runner.invoke(app, ["scan", "-c", str(config), "--json"])
        elapsed = time.monotonic() - started
        rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        text = runner.invoke(app, ["scan", "-c", str(config)])

    assert result.exit_code == 1, result.output
    summary = {s["name"]: s for s in json.loads(result.stdout)["sources"]}
    for name, (_, reason) in {**BAD, "refused": (None, "connection refused")}.items():
        assert summary[name]["state"] == "failed", name
        assert reason in summary[name]["error"], (name, summary[name]["error"])
    for name in [*GOOD, "truncated", "win1252", "billion laughs"]:
        assert summary[name]["state"] == "ok", (name, summary[name])
    # Not well-formed, yet its complete entries are used — entities never expanded.
    assert "not well-formed" in summary["truncated"]["warning"]
    assert "not well-formed" in summary["billion laughs"]["warning"]

    with sqlite3.connect(tmp_path / "veille.db") as db:
        titles = {row[0] for row in db.execute("select title from mentions")}
        rows = {
            row[0]: (row[1], row[2])
            for row in db.execute("select name, last_error, failures from sources")
        }
    assert {"Acme launches", "Love my Acme", "Acme again", "Acme complete item"} <= titles
    assert "Acme « génial » — très “bien”" in titles
    assert not any("lollol" in title for title in titles)
    for name in BAD:
        assert rows[name][0] and rows[name][1] == 2, name  # two sweeps, two failures
    assert rows["good one"] == (None, 0)

    # Bounded: the deadline (2 s) and retries, not the hostile servers, set the pace.
    assert elapsed < 30, elapsed
    assert rss_growth_mb < 100, rss_growth_mb
    assert text.exit_code == 1
    assert "11 failed" in text.stdout
    assert "not found (404)" in text.stdout and "Traceback" not in text.output
