"""Times as veille stores them, and as it shows them.

Every time in the database is UTC, written `YYYY-MM-DDTHH:MM:SSZ`: one fixed-width form, so
that comparing two stored times as text compares the moments, and SQL range filters on them
use the date index. This module is the one place that writes and reads that form; the rest of
veille passes aware `datetime`s or stored strings, never its own format string.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

STORED_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # what to_stored writes, for readers of the database


def to_stored(moment: datetime) -> str:
    """A moment as stored: UTC, to the second. A naive datetime is taken as UTC already.

    The year is padded by hand: `%Y` writes year 999 as `999` on some platforms, which would
    sort after `2026`.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


def from_stored(value: str) -> datetime:
    """A stored time as an aware UTC datetime; ValueError when `value` is not one.

    Any ISO 8601 time is read (a value written by another tool, with an offset or without a
    `Z`): one without an offset is UTC, as everything veille stores.
    """
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def stored_now() -> str:
    """Now, as stored."""
    return to_stored(utc_now())


def day_start(day: date) -> str:
    """The first moment of a day (UTC), as stored: where a day's mentions begin."""
    return to_stored(datetime.combine(day, time(), timezone.utc))
