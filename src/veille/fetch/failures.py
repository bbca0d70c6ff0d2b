"""How a fetch fails: the one-line messages a user reads for a status, a network error or a
URL that cannot be fetched, and whether asking again may help."""

from __future__ import annotations

import email.utils
import math
import socket
import ssl
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx

from veille.urls import is_http_url

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


def is_transient_status(status: int) -> bool:
    """Statuses worth asking again: the server is overloaded or down, not refusing us."""
    return status in (408, 429) or 500 <= status <= 599


class Failure(Exception):
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


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched at all, or None; checked before any network use."""
    if not is_http_url(url):
        return f"not an http(s) url ({short(url)})"
    try:
        urlsplit(url).port  # noqa: B018 - raises for a port out of range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return f"invalid url ({short(url)})"
    return None


def status_message(status: int, retry_after: float | None) -> str:
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


def parse_retry_after(value: str | None) -> float | None:
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


def transport_failure(exc: BaseException) -> Failure:
    """Name a network failure the way a user would look it up; say if a retry may help."""
    chain = list(_causes(exc))
    text = " ".join(str(e).lower() for e in chain)
    for error in chain:
        if isinstance(error, ssl.SSLCertVerificationError):
            reason = error.verify_message or error.reason or "certificate verify failed"
            return Failure(f"tls error: certificate verify failed: {reason}".lower())
    for error in chain:
        if isinstance(error, ssl.SSLError):
            return Failure(f"tls error: {(error.reason or str(error)).lower()}")
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        s in text for s in ("name or service not known", "nodename nor servname", "getaddrinfo")
    ):
        return Failure("dns lookup failed")
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return Failure("connection refused", transient=True)
    if any(isinstance(e, ConnectionResetError) for e in chain) or "reset by peer" in text:
        return Failure("connection reset", transient=True)
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending" in text or "disconnected" in text:
            return Failure("connection closed by the server", transient=True)
        return Failure(f"protocol error: {short(str(exc).lower())}")
    if isinstance(exc, httpx.LocalProtocolError):
        return Failure(f"invalid request: {short(str(exc).lower())}")
    if isinstance(exc, httpx.ConnectError):
        return Failure(f"connection failed: {short(str(exc).lower())}", transient=True)
    if isinstance(exc, httpx.ReadError | httpx.WriteError | OSError):
        return Failure(f"network error: {short(str(exc).lower())}", transient=True)
    return Failure(f"http error: {short(str(exc).lower())}")


def short(text: str, limit: int = 120) -> str:
    """Keep messages on one short line: URLs and server strings can be huge."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
