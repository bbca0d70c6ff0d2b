from __future__ import annotations

import asyncio

import pytest
from hostile_server import HostileServer, respond

from veille.fetch import Fetcher
from veille.models import Settings

ROBOTS = b"""User-agent: *
Disallow: /private/

User-agent: veille
Disallow: /no-veille/
"""


def allowed(server: HostileServer, *paths: str) -> list[bool]:
    async def check() -> list[bool]:
        async with Fetcher(Settings(timeout=3), retries=0) as fetcher:
            return list(await asyncio.gather(*(fetcher.allowed(server.url(p)) for p in paths)))

    return asyncio.run(check())


def test_robots_rules_are_read_once_and_followed() -> None:
    with HostileServer() as server:
        server.add("/robots.txt", respond(200, ROBOTS, {"Content-Type": "text/plain"}))
        result = allowed(server, "/forum/t/1", "/private/x", "/no-veille/y", "/forum/t/2")
        # A group naming veille replaces the `*` group for it (RFC 9309).
        assert result == [True, True, False, True]
        assert server.hits("/robots.txt") == 1


def test_star_group_applies_when_no_group_names_veille() -> None:
    with HostileServer() as server:
        server.add("/robots.txt", respond(200, b"User-agent: *\nDisallow: /private/\n"))
        assert allowed(server, "/private/x", "/public") == [False, True]


@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        (respond(404, b"no"), True),
        (respond(403, b"no"), True),
        (respond(200, b"", {"Content-Type": "text/plain"}), True),
        (respond(503, b"busy"), False),
    ],
    ids=["missing allows", "forbidden allows", "empty allows", "unreachable forbids"],
)
def test_robots_status_meaning(behaviour, expected: bool) -> None:
    with HostileServer() as server:
        server.add("/robots.txt", behaviour)
        assert allowed(server, "/page") == [expected]
