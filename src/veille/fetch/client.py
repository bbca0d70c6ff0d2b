"""The HTTP stage of a sweep: turn a URL into a `Fetched`, whatever the server does.

A sweep reads hundreds of sources it does not control, so every way a server can misbehave
must end as a short message on one source, never as an exception that stops the sweep and
never as a hang or a memory blow-up:

- every attempt has a hard deadline (`Settings.timeout`) that covers the whole body, so a
  server that drips one byte a second, or never answers, costs at most that long;
- the body is capped at `Settings.max_bytes` *after* decompression, and decompression is done
  here, in steps bounded by the cap, so a gzip bomb costs a few megabytes, not gigabytes;
- redirects are followed by hand (at most `MAX_REDIRECTS`, http(s) only, loops detected) so
  that a chain of permanent moves can be reported back (`Fetched.moved_to`) and the source
  list fixed;
- transient failures (5xx, 429, 408, resets, refused connections) are retried a few times
  with exponential backoff that honours `Retry-After`, but a server asking for a long pause is
  not waited for: the sweep moves on and reports when to come back;
- concurrency is bounded overall and per host, to be polite to the sites read.

Only cancellation (Ctrl-C) and programming errors escape `Fetcher.fetch`.
"""

from __future__ import annotations

import asyncio
import math
import random
import ssl
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from veille import __version__
from veille.fetch.body import Body, close_quietly, drain
from veille.fetch.failures import (
    Failure,
    is_transient_status,
    parse_retry_after,
    short,
    status_message,
    transport_failure,
    url_problem,
)
from veille.models import Fetched, Settings
from veille.urls import is_http_url

DEFAULT_USER_AGENT = f"veille/{__version__} (+https://pypi.org/project/veille/)"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# Only what we can decompress ourselves with a bounded output (see `_Body`): no br, no zstd.
ACCEPT_ENCODING = "gzip, deflate"
MAX_REDIRECTS = 5
CONNECTIONS_PER_CLIENT = 8
# Unused bodies up to this size, arriving within this time, are read to keep their
# connection (see `_drain`).
ROBOTS_AGENT = "veille"  # the product token robots.txt rules name

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})


@dataclass
class _Reply:
    """One HTTP response, its body read (2xx only) and decoded."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""


@dataclass
class _Host:
    """The clients and slot limit of one host, alive while some fetch uses or awaits it.

    A host allowed many connections gets several small clients used in turn: an httpx pool's
    bookkeeping grows with its size, and one pool of 64 connections spends more CPU choosing
    a connection than fetching (measured: 9 s against 1.2 s for 1,000 feeds).
    """

    clients: list[httpx.AsyncClient]
    slots: asyncio.Semaphore
    users: int = 0
    turn: int = 0

    def next_client(self) -> httpx.AsyncClient:
        self.turn += 1
        return self.clients[self.turn % len(self.clients)]


class Fetcher:
    """One per sweep; use as `async with Fetcher(settings) as fetcher:`.

    Each host gets its own `httpx.AsyncClient` whose pool holds `settings.per_host`
    connections: a single shared pool of many connections spends most of a large sweep's CPU
    in httpx's pool bookkeeping. A host's client is closed as soon as no fetch uses or waits
    for it, so a sweep over a thousand hosts never keeps a thousand idle sockets open (and
    never runs out of file descriptors); the rest are closed on exit.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        retries: int = 2,
        backoff: float = 0.5,
        max_retry_after: float = 60.0,
    ) -> None:
        self._settings = settings
        self._retries = max(0, retries)
        self._backoff = max(0.0, backoff)
        self._max_retry_after = max_retry_after
        self._timeout = settings.timeout
        self._max_bytes = settings.max_bytes
        agent = settings.user_agent.strip()
        self._user_agent = agent.replace("VERSION", __version__) if agent else DEFAULT_USER_AGENT
        self._global = asyncio.Semaphore(max(1, settings.concurrency))
        self._hosts: dict[str, _Host] = {}
        self._ssl_context: ssl.SSLContext | None = None
        self._open = False
        self._robots: dict[str, asyncio.Task[RobotFileParser | bool]] = {}

    async def __aenter__(self) -> Fetcher:
        # Loading the CA bundle takes tens of milliseconds: do it once, not once per host.
        self._ssl_context = httpx.create_ssl_context()
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        for pending in self._robots.values():
            pending.cancel()
        hosts, self._hosts = list(self._hosts.values()), {}
        closing = [client.aclose() for host in hosts for client in host.clients]
        await asyncio.gather(*closing, return_exceptions=True)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> Fetched:
        """GET `url`, following redirects; every per-URL failure is returned, not raised."""
        if not self._open:
            raise RuntimeError("use Fetcher as `async with Fetcher(settings) as fetcher:`")
        problem = url_problem(url)
        if problem:
            return Fetched(url=url, final_url=url, error=problem)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified

        current = url
        visited = {url}
        all_permanent = True
        redirects = 0
        while True:
            try:
                reply = await self._exchange_with_retries(current, headers)
                if reply.status not in _REDIRECT_STATUSES:
                    break
                target = _redirect_target(reply)
                if target in visited:
                    raise Failure("redirect loop", status=reply.status)
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise Failure(f"too many redirects (more than {MAX_REDIRECTS})")
            except Failure as failure:
                return Fetched(
                    url=url,
                    final_url=current,
                    status=failure.status,
                    error=failure.message,
                    retry_after=failure.retry_after,
                )
            visited.add(target)
            all_permanent = all_permanent and reply.status in _PERMANENT_REDIRECTS
            current = target

        moved_to = current if redirects and all_permanent else None
        return self._result(url, reply, etag, last_modified, moved_to)

    async def allowed(self, url: str) -> bool:
        """Whether the site's robots.txt lets veille fetch this HTML page.

        Read once per host and sweep, as RFC 9309 says: a robots.txt that is missing or
        forbidden (4xx) allows everything; one that cannot be read (5xx, network error)
        allows nothing, since the site may be saying "not now".
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = asyncio.ensure_future(self._read_robots(origin))
        rules = await self._robots[origin]
        if isinstance(rules, bool):
            return rules
        return rules.can_fetch(ROBOTS_AGENT, url)

    async def _read_robots(self, origin: str) -> RobotFileParser | bool:
        fetched = await self.fetch(f"{origin}/robots.txt", accept="text/plain, */*;q=0.1")
        if fetched.error:
            status = fetched.status or 0
            # 2xx here means empty or oversized: neither forbids anything.
            return 200 <= status < 300 or 400 <= status < 500
        rules = RobotFileParser()
        rules.parse(fetched.body.decode("utf-8", errors="replace").splitlines())
        return rules

    def _result(
        self,
        url: str,
        reply: _Reply,
        etag: str | None,
        last_modified: str | None,
        moved_to: str | None,
    ) -> Fetched:
        """Map the last response of the chain to a `Fetched`."""
        status = reply.status
        base = Fetched(url=url, final_url=reply.url, status=status)
        if status == 304:
            return replace(
                base,
                not_modified=True,
                etag=reply.headers.get("etag") or etag,
                last_modified=reply.headers.get("last-modified") or last_modified,
                moved_to=moved_to,
            )
        if 200 <= status < 300:
            if not reply.body:
                return replace(base, error="empty response")
            return replace(
                base,
                body=reply.body,
                content_type=reply.headers.get("content-type"),
                etag=reply.headers.get("etag"),
                last_modified=reply.headers.get("last-modified"),
                moved_to=moved_to,
            )
        retry_after = None
        if is_transient_status(status):
            retry_after = parse_retry_after(reply.headers.get("retry-after"))
        return replace(base, error=status_message(status, retry_after), retry_after=retry_after)

    async def _exchange_with_retries(self, url: str, headers: dict[str, str]) -> _Reply:
        """One hop, asked again on transient failures; the last reply or failure wins.

        An explicit loop rather than tenacity: the delay depends on the reply (Retry-After),
        and a long Retry-After ends the loop at once, which reads more plainly here.
        """
        async with self._host(url) as host:
            attempt = 0
            while True:
                try:
                    reply = await self._exchange(host, url, headers)
                except Failure as failure:
                    if not failure.transient or attempt >= self._retries:
                        raise
                    delay = self._backoff_delay(attempt)
                else:
                    if not is_transient_status(reply.status) or attempt >= self._retries:
                        return reply
                    retry_after = parse_retry_after(reply.headers.get("retry-after"))
                    if retry_after is not None and retry_after > self._max_retry_after:
                        return reply
                    delay = self._backoff_delay(attempt) if retry_after is None else retry_after
                attempt += 1
                # Sleeping outside the slots: a backing-off fetch must not block the others.
                await asyncio.sleep(delay)

    def _backoff_delay(self, attempt: int) -> float:
        """Exponential backoff with a little jitter, so retries of many sources spread out."""
        return self._backoff * (2**attempt) * random.uniform(1.0, 1.25)

    async def _exchange(self, host: _Host, url: str, headers: dict[str, str]) -> _Reply:
        """One request and its body, within the host's and the sweep's slots and a deadline."""
        async with host.slots, self._global:
            try:
                return await asyncio.wait_for(
                    self._send(host.next_client(), url, headers), timeout=self._timeout
                )
            except (asyncio.TimeoutError, httpx.TimeoutException):
                # Not retried: a server that did not answer in `timeout` seconds rarely does
                # on the next try, and retrying would multiply a sweep's worst case.
                raise Failure(f"timed out after {self._timeout:g} s") from None
            except httpx.InvalidURL as exc:
                raise Failure(f"invalid url ({short(url)}): {exc}") from None
            except (httpx.HTTPError, OSError) as exc:
                raise transport_failure(exc) from None

    async def _send(self, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> _Reply:
        async with client.stream("GET", url, headers=headers) as response:
            reply = _Reply(str(response.url), response.status_code, response.headers)
            if 200 <= reply.status < 300:
                reply.body = await self._read_body(response)
            else:
                await drain(response)
            return reply

    async def _read_body(self, response: httpx.Response) -> bytes:
        """The decoded body, refusing as soon as it passes `max_bytes`.

        The raw (still compressed) bytes are read and inflated here in bounded steps: httpx's
        own decoding inflates a whole network chunk at once, which for a gzip bomb can mean
        gigabytes from a few kilobytes.
        """
        too_large = Failure(
            f"response too large (over {self._max_bytes} bytes)", status=response.status_code
        )
        encoding = response.headers.get("content-encoding", "")
        body = Body(encoding, self._max_bytes, too_large, status=response.status_code)
        length = response.headers.get("content-length", "")
        if body.identity and length.isdigit() and int(length) > self._max_bytes:
            raise too_large
        try:
            async for chunk in response.aiter_raw():
                body.feed(chunk)
            return body.finish()
        except zlib.error as exc:
            raise Failure(
                f"bad compressed body ({body.encoding}): {exc}", status=response.status_code
            ) from None

    def _new_host(self) -> _Host:
        per_host = max(1, self._settings.per_host)
        count = math.ceil(per_host / CONNECTIONS_PER_CLIENT)
        each = math.ceil(per_host / count)
        clients = [
            httpx.AsyncClient(
                headers={"User-Agent": self._user_agent, "Accept-Encoding": ACCEPT_ENCODING},
                timeout=httpx.Timeout(self._timeout),
                limits=httpx.Limits(max_connections=each, max_keepalive_connections=each),
                follow_redirects=False,
                verify=self._ssl_context or True,
            )
            for _ in range(count)
        ]
        return _Host(clients=clients, slots=asyncio.Semaphore(per_host))

    @asynccontextmanager
    async def _host(self, url: str) -> AsyncIterator[_Host]:
        """The host record for `url`, created on first use and closed when nobody needs it."""
        try:
            name = httpx.URL(url).host
        except httpx.InvalidURL as exc:
            raise Failure(f"invalid url ({short(url)}): {exc}") from None
        host = self._hosts.get(name)
        if host is None:
            host = self._hosts[name] = self._new_host()
        host.users += 1
        try:
            yield host
        finally:
            host.users -= 1
            if host.users == 0 and self._hosts.get(name) is host:
                del self._hosts[name]
                for client in host.clients:
                    await close_quietly(client)


def _redirect_target(reply: _Reply) -> str:
    """The absolute http(s) URL a redirect points to, or a `Failure` saying why not."""
    location = reply.headers.get("location", "").strip()
    if not location:
        raise Failure(f"redirect without a location ({reply.status})", status=reply.status)
    try:
        target = str(httpx.URL(reply.url).join(location))
    except httpx.InvalidURL:
        raise Failure(
            f"redirect to an invalid url ({short(location)})", status=reply.status
        ) from None
    if not is_http_url(target):
        raise Failure(f"redirect to a non-http url ({short(target)})", status=reply.status)
    problem = url_problem(target)
    if problem:
        raise Failure(f"redirect to an {problem}", status=reply.status)
    return target
