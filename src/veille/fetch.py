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
import email.utils
import math
import random
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from veille import __version__
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
DRAIN_LIMIT = 64 * 1024
DRAIN_SECONDS = 1.0
ROBOTS_AGENT = "veille"  # the product token robots.txt rules name

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_REDIRECTS = frozenset({301, 308})
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_STATUS_MESSAGES = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    406: "not acceptable",
    408: "request timeout",
    410: "gone",
    429: "rate limited",
    451: "unavailable for legal reasons",
}
_STATUS_HINTS = {
    401: ": the source needs a login",
    410: ": the source was removed; delete it from sources.yaml",
}


def _is_transient_status(status: int) -> bool:
    """Statuses worth asking again: the server is overloaded or down, not refusing us."""
    return status in (408, 429) or 500 <= status <= 599


class _Failure(Exception):
    """A per-URL failure, carried up to `fetch` and turned into `Fetched.error` there."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.transient = transient


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
        problem = _url_problem(url)
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
                    raise _Failure("redirect loop", status=reply.status)
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise _Failure(f"too many redirects (more than {MAX_REDIRECTS})")
            except _Failure as failure:
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
        if _is_transient_status(status):
            retry_after = _parse_retry_after(reply.headers.get("retry-after"))
        return replace(base, error=_status_message(status, retry_after), retry_after=retry_after)

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
                except _Failure as failure:
                    if not failure.transient or attempt >= self._retries:
                        raise
                    delay = self._backoff_delay(attempt)
                else:
                    if not _is_transient_status(reply.status) or attempt >= self._retries:
                        return reply
                    retry_after = _parse_retry_after(reply.headers.get("retry-after"))
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
                raise _Failure(f"timed out after {self._timeout:g} s") from None
            except httpx.InvalidURL as exc:
                raise _Failure(f"invalid url ({_short(url)}): {exc}") from None
            except (httpx.HTTPError, OSError) as exc:
                raise _transport_failure(exc) from None

    async def _send(self, client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> _Reply:
        async with client.stream("GET", url, headers=headers) as response:
            reply = _Reply(str(response.url), response.status_code, response.headers)
            if 200 <= reply.status < 300:
                reply.body = await self._read_body(response)
            else:
                await _drain(response)
            return reply

    async def _read_body(self, response: httpx.Response) -> bytes:
        """The decoded body, refusing as soon as it passes `max_bytes`.

        The raw (still compressed) bytes are read and inflated here in bounded steps: httpx's
        own decoding inflates a whole network chunk at once, which for a gzip bomb can mean
        gigabytes from a few kilobytes.
        """
        too_large = _Failure(
            f"response too large (over {self._max_bytes} bytes)", status=response.status_code
        )
        encoding = response.headers.get("content-encoding", "")
        body = _Body(encoding, self._max_bytes, too_large, status=response.status_code)
        length = response.headers.get("content-length", "")
        if body.identity and length.isdigit() and int(length) > self._max_bytes:
            raise too_large
        try:
            async for chunk in response.aiter_raw():
                body.feed(chunk)
            return body.finish()
        except zlib.error as exc:
            raise _Failure(
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
            raise _Failure(f"invalid url ({_short(url)}): {exc}") from None
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
                    await _close_quietly(client)


async def _drain(response: httpx.Response) -> None:
    """Read a body veille has no use for (a 304, a redirect, an error page) when it is short.

    A response closed before its end takes its connection with it: every conditional GET
    answered 304 would then cost a new connection, and a TLS handshake, to the same host.
    A body that is long, slow or broken is left unread: the reply is already known, and a
    new connection costs less than waiting.
    """

    async def read_short_body() -> None:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DRAIN_LIMIT:
                return

    try:
        await asyncio.wait_for(read_short_body(), timeout=DRAIN_SECONDS)
    except (asyncio.TimeoutError, httpx.HTTPError, OSError):
        pass


async def _close_quietly(client: httpx.AsyncClient) -> None:
    """Close a client whose work is done; a failure to close is no failure of the fetch."""
    try:
        await client.aclose()
    except (httpx.HTTPError, OSError):
        pass


class _Body:
    """Accumulates a response body, decoding its Content-Encoding with a bounded output.

    Every `decompress` call is limited to what is left of the cap plus one byte, so no single
    step allocates more than about `max_bytes`, and reading stops as soon as the cap is passed.
    """

    def __init__(
        self, content_encoding: str, max_bytes: int, too_large: _Failure, *, status: int
    ) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise _Failure(
                f"unsupported content encoding ({_short(content_encoding)})", status=status
            )
        self.encoding = "identity" if not codings else codings[0].removeprefix("x-")
        self.identity = self.encoding == "identity"
        self._max = max_bytes
        self._too_large = too_large
        self._raw_seen = 0
        # Compressed data is rarely larger than what it decodes to; this only bounds the
        # reading of a stream that decodes to nothing (e.g. endless empty deflate blocks).
        self._raw_max = 2 * max_bytes + 65_536
        self._out = bytearray()
        self._inflater: zlib._Decompress | None = None
        self._pending = b""  # first bytes of a deflate body, until its flavour is known

    def feed(self, chunk: bytes) -> None:
        self._raw_seen += len(chunk)
        if self._raw_seen > self._raw_max:
            raise self._too_large
        if self.identity:
            self._append(chunk)
            return
        if self._inflater is None:
            self._pending += chunk
            if self.encoding == "deflate" and len(self._pending) < 2:
                return
            self._inflater = zlib.decompressobj(_wbits(self.encoding, self._pending))
            chunk, self._pending = self._pending, b""
        self._inflate(chunk)

    def finish(self) -> bytes:
        if self._pending:  # a deflate body of a single byte
            self._inflater = zlib.decompressobj(_wbits(self.encoding, self._pending))
            self._inflate(self._pending)
        return bytes(self._out)

    def _inflate(self, data: bytes) -> None:
        assert self._inflater is not None
        while data:
            if self._inflater.eof:
                # A gzip body may hold several members one after the other; anything else
                # after the end of the stream is padding some servers add, and is ignored.
                if self.encoding != "gzip" or not data.startswith(b"\x1f"):
                    return
                self._inflater = zlib.decompressobj(_GZIP_WBITS)
            inflater = self._inflater
            self._append(inflater.decompress(data, self._max - len(self._out) + 1))
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail

    def _append(self, data: bytes) -> None:
        if len(self._out) + len(data) > self._max:
            raise self._too_large
        self._out += data


def _wbits(encoding: str, head: bytes) -> int:
    """zlib's window flag for the body: "deflate" is meant to be zlib-wrapped, but some
    servers send a raw deflate stream; a zlib header is recognisable from its first two bytes.
    """
    if encoding == "gzip":
        return _GZIP_WBITS
    if len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS


def _redirect_target(reply: _Reply) -> str:
    """The absolute http(s) URL a redirect points to, or a `_Failure` saying why not."""
    location = reply.headers.get("location", "").strip()
    if not location:
        raise _Failure(f"redirect without a location ({reply.status})", status=reply.status)
    try:
        target = str(httpx.URL(reply.url).join(location))
    except httpx.InvalidURL:
        raise _Failure(
            f"redirect to an invalid url ({_short(location)})", status=reply.status
        ) from None
    if not is_http_url(target):
        raise _Failure(f"redirect to a non-http url ({_short(target)})", status=reply.status)
    problem = _url_problem(target)
    if problem:
        raise _Failure(f"redirect to an {problem}", status=reply.status)
    return target


def _url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched at all, or None; checked before any network use."""
    if not is_http_url(url):
        return f"not an http(s) url ({_short(url)})"
    try:
        urlsplit(url).port  # noqa: B018 - raises for a port out of range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return f"invalid url ({_short(url)})"
    return None


def _status_message(status: int, retry_after: float | None) -> str:
    """The one-line error for a final non-2xx, non-304 status."""
    if status in _STATUS_MESSAGES:
        name = _STATUS_MESSAGES[status]
    elif 500 <= status <= 599:
        name = "server error"
    elif 400 <= status <= 499:
        name = "client error"
    else:
        name = "unexpected status"
    message = f"{name} ({status}){_STATUS_HINTS.get(status, '')}"
    if retry_after is not None:
        message += f", retry after {math.ceil(retry_after)} s"
    return message


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), else None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps (causes, contexts, exception-group members)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(getattr(current, "exceptions", ()))
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _transport_failure(exc: BaseException) -> _Failure:
    """Name a network failure the way a user would look it up; say if a retry may help."""
    chain = list(_causes(exc))
    text = " ".join(str(e).lower() for e in chain)
    for error in chain:
        if isinstance(error, ssl.SSLCertVerificationError):
            reason = error.verify_message or error.reason or "certificate verify failed"
            return _Failure(f"tls error: certificate verify failed: {reason}".lower())
    for error in chain:
        if isinstance(error, ssl.SSLError):
            return _Failure(f"tls error: {(error.reason or str(error)).lower()}")
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        s in text for s in ("name or service not known", "nodename nor servname", "getaddrinfo")
    ):
        return _Failure("dns lookup failed")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return _Failure("connection refused", transient=True)
    if any(isinstance(e, ConnectionResetError) for e in chain) or "reset by peer" in text:
        return _Failure("connection reset", transient=True)
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending" in text or "disconnected" in text:
            return _Failure("connection closed by the server", transient=True)
        return _Failure(f"protocol error: {_short(str(exc).lower())}")
    if isinstance(exc, httpx.LocalProtocolError):
        return _Failure(f"invalid request: {_short(str(exc).lower())}")
    if isinstance(exc, httpx.ConnectError):
        return _Failure(f"connection failed: {_short(str(exc).lower())}", transient=True)
    if isinstance(exc, httpx.ReadError | httpx.WriteError | OSError):
        return _Failure(f"network error: {_short(str(exc).lower())}", transient=True)
    return _Failure(f"http error: {_short(str(exc).lower())}")


def _short(text: str, limit: int = 120) -> str:
    """Keep messages on one short line: URLs and server strings can be huge."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
