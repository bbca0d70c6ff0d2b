"""Deliver a message through Apprise, and never let a secret out.

This is the only module that imports `apprise` (and only when it is needed: it costs a
tenth of a second). Apprise URLs often hold a password or a token, in the user part, the
path or the query, so:

- a URL is only ever shown as `describe_url` gives it: its service scheme, and its host when
  the host is a network name (in `slack://T000/B000/XXXX` the "host" is a token);
- Apprise's own log records are captured while it works, never printed; the last warning or
  error becomes the failure's reason, after `redact` has masked every part of the URL that
  could be secret (user, password, path segments, query values, a host that is not a host
  name) and cut it to one short line.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from veille.text import clean_text, shorten

if TYPE_CHECKING:
    import apprise

MASK = "****"
_HOST_NAME = re.compile(r"(?:localhost|\[[0-9a-fA-F:.]+\]|(?:[\w-]+\.)+[\w-]+)")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,31})://")


def _split(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of a URL, best effort (never raises)."""
    scheme = _SCHEME.match(url)
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        host, port = "", None
    return (scheme.group(1).lower() if scheme else ""), host, port


def describe_url(url: str) -> str:
    """How a URL may be shown: `json://127.0.0.1:8080`, `slack://…` — never a secret."""
    scheme, host, port = _split(url)
    if not scheme:
        return "a URL without a service scheme"
    if host and _HOST_NAME.fullmatch(host):
        return f"{scheme}://{host}" + (f":{port}" if port else "")
    return f"{scheme}://…"


def secrets_of(url: str) -> list[str]:
    """Every part of a URL that could be secret, longest first, raw and percent-decoded."""
    candidates = [url]
    try:
        parts = urlsplit(url)
        candidates += [parts.username or "", parts.password or "", parts.fragment]
        host = parts.hostname or ""
        if host and not _HOST_NAME.fullmatch(host):
            candidates.append(host)
        candidates += parts.path.split("/")
        candidates += [value for _, value in parse_qsl(parts.query, keep_blank_values=True)]
        candidates.append(parts.netloc.rpartition("@")[0])
    except ValueError:
        candidates.append(url.partition("://")[2])
    found = {c for raw in candidates for c in (raw, unquote(raw)) if len(c) >= 3}
    password = _password(url)
    if password:
        found |= {password, unquote(password)}
    return sorted(found, key=len, reverse=True)


def _password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


def redact(text: str, urls: list[str] | tuple[str, ...]) -> str:
    """`text` with every secret-looking part of `urls` masked, on one short clean line."""
    for url in urls:
        for secret in secrets_of(url):
            text = text.replace(secret, MASK)
    return shorten(clean_text(text), 300)


class _Records(logging.Handler):
    """Keeps Apprise's warnings and errors instead of letting them reach stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.messages.append(record.getMessage())


# Apprise logs under "apprise"; the HTTP library most of its plugins use logs each request's
# URL (path and query included) under "urllib3".
CAPTURED_LOGGERS = ("apprise", "urllib3")


@contextlib.contextmanager
def _captured() -> Iterator[_Records]:
    records = _Records()
    loggers = [logging.getLogger(name) for name in CAPTURED_LOGGERS]
    saved = [(logger.handlers[:], logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers, logger.propagate = [records], False
    try:
        yield records
    finally:
        for logger, (handlers, propagate) in zip(loggers, saved, strict=True):
            logger.handlers, logger.propagate = handlers, propagate


def _apprise(url: str) -> apprise.Apprise | None:
    """An Apprise object for one URL, or None when Apprise cannot use it."""
    import apprise

    asset = apprise.AppriseAsset(app_id="veille", storage_mode="memory", secure_logging=True)
    instance = apprise.Apprise(asset=asset)
    return instance if instance.add(url) else None


def check_url(url: str) -> str | None:
    """Why Apprise cannot use `url`, in words that hold no secret; None when it can."""
    scheme, _, _ = _split(url)
    if not scheme:
        return "not an Apprise URL: it needs a service scheme such as mailto:// or json://"
    with _captured():
        usable = _apprise(url) is not None
    if usable:
        return None
    from apprise.manager_plugins import NotificationManager

    if scheme not in NotificationManager():
        return f"{scheme}:// is not a service Apprise knows (see https://github.com/caronc/apprise/wiki)"
    return (
        f"Apprise cannot use this {scheme}:// URL: check its form in Apprise's documentation "
        "(https://github.com/caronc/apprise/wiki)"
    )


def send_message(url: str, title: str, body: str) -> str | None:
    """Send a plain-text message to one Apprise URL: None when it was accepted, else the
    reason, with no secret in it."""
    import apprise

    with _captured() as records:
        instance = _apprise(url)
        if instance is None:
            return f"{describe_url(url)}: Apprise cannot use this URL"
        try:
            accepted = bool(
                instance.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
            )
        except Exception as error:  # a plugin bug must not stop the other deliveries
            records.messages.append(f"{type(error).__name__}: {error}")
            accepted = False
    if accepted:
        return None
    reason = records.messages[-1] if records.messages else "the service refused the message"
    return f"{describe_url(url)}: {redact(reason, [url])}"
