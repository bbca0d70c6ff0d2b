"""The fetch stage against a real, misbehaving loopback server (see hostile_server.py)."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import resource
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hostile_server import (
    Behaviour,
    Connection,
    HostileServer,
    closed_port_url,
    delayed,
    drip,
    endless_body,
    gzip_bomb,
    gzip_bomb_bytes,
    hang_up,
    never_answer,
    redirect,
    reset,
    respond,
    sequence,
)

from veille import __version__
from veille.fetch import ACCEPT_ENCODING, DEFAULT_USER_AGENT, FEED_ACCEPT, Fetcher
from veille.models import Fetched, Settings

FAST = Settings(timeout=5.0)
RSS = b"<rss><channel><title>t</title></channel></rss>"


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as running:
        yield running


def fetch_one(
    url: str,
    settings: Settings = FAST,
    *,
    retries: int = 2,
    backoff: float = 0.01,
    max_retry_after: float = 60.0,
    **kwargs: Any,
) -> Fetched:
    async def main() -> Fetched:
        fetcher = Fetcher(
            settings, retries=retries, backoff=backoff, max_retry_after=max_retry_after
        )
        async with fetcher:
            return await fetcher.fetch(url, **kwargs)

    return asyncio.run(main())


def fetch_many(urls: list[str], settings: Settings) -> list[Fetched]:
    async def main() -> list[Fetched]:
        async with Fetcher(settings) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u) for u in urls)))

    return asyncio.run(main())


# -- success and conditional GET -----------------------------------------------------------
def test_ok_returns_body_content_type_and_validators(server: HostileServer) -> None:
    headers = {
        "Content-Type": "application/rss+xml; charset=utf-8",
        "ETag": '"v1"',
        "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT",
    }
    url = server.add("/feed", respond(200, RSS, headers))

    result = fetch_one(url)

    assert result.error is None, result.error
    assert (result.status, result.body, result.final_url) == (200, RSS, url)
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert (result.etag, result.last_modified) == ('"v1"', "Wed, 01 Jan 2025 00:00:00 GMT")
    assert not result.not_modified and result.moved_to is None


def test_sends_user_agent_accept_and_encodings(server: HostileServer) -> None:
    url = server.add("/feed", respond(200, RSS))

    fetch_one(url)
    fetch_one(url, Settings(user_agent="acme-watch/VERSION (ops@example.com)"))

    first, second = server.requests_for("/feed")
    assert first.header("user-agent") == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith(f"veille/{__version__} ")
    assert second.header("user-agent") == f"acme-watch/{__version__} (ops@example.com)"
    assert first.header("accept") == FEED_ACCEPT
    assert first.header("accept-encoding") == ACCEPT_ENCODING == "gzip, deflate"
    assert first.header("if-none-match") is None and first.header("if-modified-since") is None


LM = "Wed, 01 Jan 2025 00:00:00 GMT"


@pytest.mark.parametrize(
    ("etag", "last_modified"),
    [('"v1"', LM), ('"v1"', None), (None, LM)],
    ids=["both", "etag-only", "last-modified-only"],
)
def test_conditional_get_sends_known_validators_and_304_is_not_modified(
    server: HostileServer, etag: str | None, last_modified: str | None
) -> None:
    url = server.add("/feed", respond(304))

    result = fetch_one(url, etag=etag, last_modified=last_modified)

    sent = server.requests_for("/feed")[0]
    assert sent.header("if-none-match") == etag
    assert sent.header("if-modified-since") == last_modified
    assert result.error is None and result.not_modified and result.status == 304
    assert (result.etag, result.last_modified) == (etag, last_modified)
    assert result.body == b""


def test_304_with_new_validators_returns_the_servers(server: HostileServer) -> None:
    url = server.add("/feed", respond(304, b"", {"ETag": '"v2"'}))

    result = fetch_one(url, etag='"v1"', last_modified=LM)

    assert result.not_modified
    assert (result.etag, result.last_modified) == ('"v2"', LM)


# -- redirects -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("statuses", "permanent"),
    [
        ([301], True),
        ([308, 301], True),
        ([301, 302], False),
        ([302], False),
        ([307, 308], False),
        ([303], False),
    ],
    ids=["301", "308-301", "301-302", "302", "307-308", "303"],
)
def test_redirects_followed_and_moved_to_only_for_all_permanent_chains(
    server: HostileServer, statuses: list[int], permanent: bool
) -> None:
    for hop, status in enumerate(statuses):
        # Relative Locations: they must be resolved against the current URL.
        server.add(f"/hop{hop}", redirect(f"/hop{hop + 1}", status))
    final = server.add(f"/hop{len(statuses)}", respond(200, RSS))

    result = fetch_one(server.url("/hop0"))

    assert result.error is None, result.error
    assert (result.body, result.final_url) == (RSS, final)
    assert result.moved_to == (final if permanent else None)


def test_redirect_across_hosts_with_absolute_location(server: HostileServer) -> None:
    server.add("/new", respond(200, RSS))
    server.add("/old", redirect(server.url("/new", host="localhost"), 301))

    result = fetch_one(server.url("/old"))

    assert result.error is None, result.error
    assert result.moved_to == result.final_url == server.url("/new", host="localhost")


@pytest.mark.parametrize(
    ("hops", "error"),
    [(5, None), (6, "too many redirects (more than 5)")],
    ids=["5-ok", "6-too-many"],
)
def test_redirect_limit(server: HostileServer, hops: int, error: str | None) -> None:
    for hop in range(hops):
        server.add(f"/r{hop}", redirect(server.url(f"/r{hop + 1}"), 302))
    server.add(f"/r{hops}", respond(200, RSS))

    result = fetch_one(server.url("/r0"))

    assert result.error == error
    assert server.hits(f"/r{hops}") == (1 if error is None else 0)


def test_redirect_loop(server: HostileServer) -> None:
    server.add("/a", redirect("/b", 301))
    server.add("/b", redirect("/a", 301))

    result = fetch_one(server.url("/a"))

    assert result.error == "redirect loop"
    assert (server.hits("/a"), server.hits("/b")) == (1, 1)


def test_redirect_to_ftp_is_an_error(server: HostileServer) -> None:
    url = server.add("/feed", redirect("ftp://files.example.com/feed.xml", 301))

    result = fetch_one(url)

    assert result.error == "redirect to a non-http url (ftp://files.example.com/feed.xml)"
    assert result.moved_to is None and result.final_url == url


def test_redirect_without_location(server: HostileServer) -> None:
    result = fetch_one(server.add("/feed", respond(302)))

    assert result.error == "redirect without a location (302)"


# -- statuses and retries ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (404, "not found (404)"),
        (410, "gone (410): the source was removed; delete it from sources.yaml"),
        (403, "forbidden (403)"),
        (418, "client error (418)"),
        (500, "server error (500)"),
        (503, "server error (503)"),
    ],
    ids=lambda value: str(value)[:3],
)
def test_error_statuses(server: HostileServer, status: int, error: str) -> None:
    url = server.add("/feed", respond(status, b"nope"))

    result = fetch_one(url, retries=2)

    assert (result.error, result.status, result.body) == (error, status, b"")
    # 4xx are final; 5xx are asked again `retries` times.
    assert server.hits("/feed") == (3 if status >= 500 else 1)


def test_500_twice_then_200_succeeds_on_the_third_hit(server: HostileServer) -> None:
    url = server.add("/feed", sequence(respond(500), respond(500), respond(200, RSS)))

    result = fetch_one(url, retries=2)

    assert result.error is None, result.error
    assert result.body == RSS
    assert server.hits("/feed") == 3


def test_retries_zero_means_one_attempt(server: HostileServer) -> None:
    url = server.add("/feed", sequence(respond(500), respond(200, RSS)))

    assert fetch_one(url, retries=0).error == "server error (500)"
    assert server.hits("/feed") == 1


def test_429_retry_after_one_second_is_waited_for(server: HostileServer) -> None:
    url = server.add("/feed", sequence(respond(429, b"", {"Retry-After": "1"}), respond(200, RSS)))

    started = time.monotonic()
    result = fetch_one(url, backoff=0.01)
    elapsed = time.monotonic() - started

    assert result.error is None, result.error
    assert server.hits("/feed") == 2
    assert 0.9 <= elapsed < 3
    gap = server.requests[1].received_at - server.requests[0].received_at
    assert gap >= 0.9


@pytest.mark.parametrize("as_date", [False, True], ids=["seconds", "http-date"])
def test_long_retry_after_fails_at_once(server: HostileServer, as_date: bool) -> None:
    retry_after = "3600"
    if as_date:
        retry_after = email.utils.formatdate(time.time() + 3600, usegmt=True)
    url = server.add("/feed", respond(429, b"", {"Retry-After": retry_after}))

    started = time.monotonic()
    result = fetch_one(url, max_retry_after=60)

    assert time.monotonic() - started < 2
    assert server.hits("/feed") == 1
    assert result.status == 429
    assert result.retry_after is not None and 3598 <= result.retry_after <= 3600
    # An HTTP-date has a one-second resolution.
    assert result.error in {f"rate limited (429), retry after {n} s" for n in (3599, 3600)}


def test_429_without_retry_after_uses_backoff_then_reports(server: HostileServer) -> None:
    url = server.add("/feed", respond(429))

    result = fetch_one(url, retries=1)

    assert (result.error, result.retry_after) == ("rate limited (429)", None)
    assert server.hits("/feed") == 2


# -- transport failures --------------------------------------------------------------------
def test_never_answering_server_ends_at_the_deadline(server: HostileServer) -> None:
    url = server.add("/feed", never_answer())

    started = time.monotonic()
    result = fetch_one(url, Settings(timeout=1))
    elapsed = time.monotonic() - started

    assert result.error == "timed out after 1 s"
    assert 0.9 <= elapsed < 2.5  # timeouts are not retried
    assert server.hits("/feed") == 1


def test_slow_drip_ends_at_the_deadline_not_at_the_read_timeout(server: HostileServer) -> None:
    # One byte every 0.2 s never trips a 1 s read timeout: only the overall deadline ends it.
    url = server.add("/feed", drip(interval=0.2, length=20))  # 4 s if the deadline fails

    started = time.monotonic()
    result = fetch_one(url, Settings(timeout=1))

    assert result.error == "timed out after 1 s"
    assert time.monotonic() - started < 2.5


def test_endless_body_is_cut_at_max_bytes(server: HostileServer) -> None:
    url = server.add("/feed", endless_body())

    result = fetch_one(url, Settings(max_bytes=1_000_000))

    assert result.error == "response too large (over 1000000 bytes)"
    assert result.body == b""


def test_content_length_over_the_cap_is_refused_before_reading(server: HostileServer) -> None:
    url = server.add("/feed", respond(200, b"x" * 2000))

    assert fetch_one(url, Settings(max_bytes=1000)).error == (
        "response too large (over 1000 bytes)"
    )
    assert fetch_one(url, Settings(max_bytes=2000)).body == b"x" * 2000


def test_gzip_bomb_is_cut_with_bounded_memory(server: HostileServer) -> None:
    bomb_size = 1 << 30
    gzip_bomb_bytes(bomb_size)  # built before measuring: the server lives in this process
    url = server.add("/feed", gzip_bomb(bomb_size))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    try:
        result = fetch_one(url, Settings(max_bytes=1_000_000))
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024

    assert result.error == "response too large (over 1000000 bytes)"
    # Inflating one 64 KiB network read of this bomb at once would take 64 MB. The peak RSS
    # only shows growth past the process's earlier peak, so the traced peak (every Python
    # allocation, whatever ran before) is the sharper of the two measures.
    assert traced_peak < 10_000_000, f"traced peak {traced_peak} bytes"
    assert rss_grown < 30_000_000, f"peak RSS grew by {rss_grown} bytes"


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


BODY = b"<rss>" + b"caf\xc3\xa9 " * 5000 + b"</rss>"


@pytest.mark.parametrize(
    ("encoding", "payload"),
    [
        ("", BODY),
        ("identity", BODY),
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("GZIP", gzip.compress(BODY[:100]) + gzip.compress(BODY[100:])),
        ("deflate", zlib.compress(BODY)),
        ("deflate", _raw_deflate(BODY)),
    ],
    ids=["none", "identity", "gzip", "x-gzip", "gzip-two-members", "deflate-zlib", "deflate-raw"],
)
def test_content_encodings_are_decoded(
    server: HostileServer, encoding: str, payload: bytes
) -> None:
    headers = {"Content-Encoding": encoding} if encoding else {}
    url = server.add("/feed", respond(200, payload, headers))

    result = fetch_one(url)

    assert result.error is None, result.error
    assert result.body == BODY


@pytest.mark.parametrize(
    ("encoding", "payload", "error"),
    [
        ("br", b"\x0b\x02\x80abc\x03", "unsupported content encoding (br)"),
        ("gzip", b"this is not gzip", "bad compressed body (gzip): "),
    ],
    ids=["brotli", "corrupt-gzip"],
)
def test_bad_content_encodings_are_errors(
    server: HostileServer, encoding: str, payload: bytes, error: str
) -> None:
    url = server.add("/feed", respond(200, payload, {"Content-Encoding": encoding}))

    result = fetch_one(url)

    assert result.error is not None and result.error.startswith(error)


def test_gzip_over_the_cap_after_decompression(server: HostileServer) -> None:
    payload = gzip.compress(b"a" * 50_000)
    url = server.add("/feed", respond(200, payload, {"Content-Encoding": "gzip"}))

    result = fetch_one(url, Settings(max_bytes=49_999))

    assert result.error == "response too large (over 49999 bytes)"
    assert fetch_one(url, Settings(max_bytes=50_000)).body == b"a" * 50_000


def test_empty_response(server: HostileServer) -> None:
    assert fetch_one(server.add("/feed", respond(200))).error == "empty response"


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [(reset(), "connection reset"), (hang_up(), "connection closed by the server")],
    ids=["reset", "hang-up"],
)
def test_dropped_connections_are_retried_then_reported(
    server: HostileServer, behaviour: Any, error: str
) -> None:
    url = server.add("/feed", behaviour)

    result = fetch_one(url, retries=1)

    assert (result.error, result.status) == (error, None)
    assert server.hits("/feed") == 2


def test_reset_then_ok_recovers(server: HostileServer) -> None:
    url = server.add("/feed", sequence(reset(), respond(200, RSS)))

    assert fetch_one(url).body == RSS


@pytest.mark.parametrize(
    ("url", "error"),
    [
        (closed_port_url("/feed"), "connection refused"),
        ("http://veille-test.invalid/feed", "dns lookup failed"),
        ("ftp://example.com/feed", "not an http(s) url (ftp://example.com/feed)"),
        ("feed.xml", "not an http(s) url (feed.xml)"),
        ("http://example.com:99999/", "invalid url (http://example.com:99999/)"),
    ],
    ids=["refused", "dns", "ftp", "relative", "bad-port"],
)
def test_unreachable_urls(url: str, error: str) -> None:
    result = fetch_one(url, retries=1)

    assert result.error is not None and result.error.startswith(error)
    assert result.url == url


def test_tls_to_a_plain_http_server_is_a_tls_error(server: HostileServer) -> None:
    server.add("/feed", respond(200, RSS))

    result = fetch_one(f"https://127.0.0.1:{server.port}/feed", Settings(timeout=3))

    assert result.error is not None and result.error.startswith("tls error: "), result.error


# -- concurrency ---------------------------------------------------------------------------
def test_per_host_limit(server: HostileServer) -> None:
    server.add("/slow", delayed(0.3, respond(200, RSS)))
    urls = [server.url(f"/slow?n={n}") for n in range(6)]

    started = time.monotonic()
    results = fetch_many(urls, Settings(concurrency=32, per_host=2))

    assert all(r.error is None for r in results), [r.error for r in results]
    assert server.max_in_flight == 2
    assert 0.85 <= time.monotonic() - started < 3  # three rounds of two


def test_per_host_limit_is_per_host_name(server: HostileServer) -> None:
    server.add("/slow", delayed(0.3, respond(200, RSS)))
    urls = [
        server.url(f"/slow?n={n}", host=h) for n in range(3) for h in ("127.0.0.1", "localhost")
    ]

    results = fetch_many(urls, Settings(concurrency=32, per_host=1))

    assert all(r.error is None for r in results), [r.error for r in results]
    assert server.max_in_flight_by_host == {"127.0.0.1": 1, "localhost": 1}
    assert server.max_in_flight == 2


def test_global_limit(server: HostileServer) -> None:
    server.add("/slow", delayed(0.3, respond(200, RSS)))
    urls = [
        server.url(f"/slow?n={n}", host=h) for n in range(4) for h in ("127.0.0.1", "localhost")
    ]

    results = fetch_many(urls, Settings(concurrency=3, per_host=10))

    assert all(r.error is None for r in results), [r.error for r in results]
    assert server.max_in_flight == 3


def test_clients_are_closed_when_idle_and_on_exit(server: HostileServer) -> None:
    url = server.add("/feed", respond(200, RSS))

    async def main() -> Fetcher:
        async with Fetcher(FAST) as fetcher:
            await fetcher.fetch(url)
            assert fetcher._hosts == {}  # nobody is using the host: its client is closed
            slow = asyncio.create_task(fetcher.fetch(server.add("/never", never_answer())))
            await asyncio.sleep(0.2)
            assert list(fetcher._hosts) == ["127.0.0.1"]
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
        return fetcher

    fetcher = asyncio.run(main())
    assert fetcher._hosts == {}


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, unlike HostileServer: counts the connections it accepts."""

    protocol_version = "HTTP/1.1"
    server: _KeepAliveServer

    def setup(self) -> None:
        super().setup()
        self.server.connections += 1

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        status, body, headers = self.server.routes[self.path]
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    routes: dict[str, tuple[int, bytes, list[tuple[str, str]]]]


def test_unused_bodies_are_read_so_the_connection_is_kept() -> None:
    """A 304, a redirect or a short error page leaves its connection open for the next
    request: a sweep of a site's unchanged feeds must not open one connection per feed."""
    http = _KeepAliveServer(("127.0.0.1", 0), _KeepAliveHandler)
    http.routes = {
        "/same": (304, b"", [("ETag", '"v1"')]),
        "/moved": (301, b"<p>moved</p>", [("Location", "/feed")]),
        "/missing": (404, b"<p>no such page</p>" * 50, []),
        "/feed": (200, RSS, []),
        "/huge-error": (500, b"x" * 200_000, []),
    }
    threading.Thread(target=http.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{http.server_address[1]}"
    one_connection = Settings(timeout=5.0, concurrency=1, per_host=1)

    async def main(paths: list[str]) -> list[Fetched]:
        async with Fetcher(one_connection, retries=0) as fetcher:
            return await asyncio.gather(
                *(fetcher.fetch(base + path, etag='"v1"') for path in paths)
            )

    try:
        short = asyncio.run(main(["/same", "/moved", "/missing", "/same", "/feed"]))
        assert [r.status for r in short] == [304, 200, 404, 304, 200]
        assert http.connections == 1
        http.connections = 0
        asyncio.run(main(["/huge-error", "/feed"]))
        assert http.connections == 2  # a long body is not worth reading: a new connection
    finally:
        http.shutdown()
        http.server_close()


def _announce_then_drip(status: int, headers: dict[str, str]) -> Behaviour:
    """A response whose announced 1,000-byte body comes one byte a second."""

    def behaviour(conn: Connection) -> None:
        if conn.send_head(status, {**headers, "Content-Length": "1000"}):
            while conn.send(b"x") and not conn.wait(1.0):
                pass

    return behaviour


def test_slow_or_broken_unused_bodies_are_not_waited_for(server: HostileServer) -> None:
    feed = server.add("/feed", respond(200, RSS))
    server.add("/moved", _announce_then_drip(302, {"Location": feed}))
    server.add("/busy", _announce_then_drip(503, {}))
    server.add("/cut", lambda conn: conn.send_head(301, {"Location": feed, "Content-Length": "99"}))

    started = time.monotonic()
    moved = fetch_one(server.url("/moved"))
    busy = fetch_one(server.url("/busy"), retries=0)
    cut = fetch_one(server.url("/cut"))
    assert (moved.status, moved.body, moved.final_url) == (200, RSS, feed)
    assert busy.status == 503 and "503" in (busy.error or "")
    assert (cut.status, cut.body) == (200, RSS)
    assert time.monotonic() - started < 4  # two drains of at most a second each


def test_cancellation_propagates(server: HostileServer) -> None:
    url = server.add("/feed", never_answer())

    async def main() -> None:
        async with Fetcher(Settings(timeout=30)) as fetcher:
            await asyncio.wait_for(fetcher.fetch(url), timeout=0.3)

    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())
    assert time.monotonic() - started < 2


def test_fetch_outside_the_context_is_a_programming_error() -> None:
    async def main() -> None:
        await Fetcher(FAST).fetch("http://127.0.0.1/")

    with pytest.raises(RuntimeError):
        asyncio.run(main())
