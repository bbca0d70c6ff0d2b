"""Turn the options of the listing commands into a checked `MentionFilter`.

Users type times as `7d`, `24h`, `2026-11-01`; a date, or a time without an offset, is read
in the user's zone (`2026-11-01` is that day's local midnight), then stored as UTC. A value
that names nothing (an unknown brand, a misspelt tone) is a usage error rather than a
silently empty listing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone, tzinfo

from veille.errors import UsageError
from veille.models import FLAGS, STATUSES, TONES
from veille.store import MentionFilter
from veille.times import read_time, to_stored, utc_now

_RELATIVE = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LANG = re.compile(r"^[a-z]{2,3}$")


# The years a time may name: a period's days, and the period before it, stay within what
# dates can count.
_YEARS = (1900, 9000)


def parse_when(
    value: str, option: str, now: datetime | None = None, zone: tzinfo = timezone.utc
) -> str:
    """`7d` (ago), `24h`, `30m`, `2w`, `2026-11-01` or an ISO time → a stored time; a date or a
    time without an offset is one of `zone`."""
    now = now or utc_now()
    relative = _RELATIVE.match(value)
    try:
        if relative:
            amount, unit = int(relative.group(1)), relative.group(2).lower()
            moment = now - timedelta(**{_UNITS[unit]: amount})
        else:
            moment = read_time(value, zone)
    except (ValueError, OverflowError):
        moment = None
    if moment is None or not _YEARS[0] <= moment.year <= _YEARS[1]:
        raise UsageError(
            f"{option} {value!r}: not a time between the years {_YEARS[0]} and {_YEARS[1]}; "
            "use 7d, 24h, 30m, 2w or a date like 2026-11-01"
        )
    return to_stored(moment)


def starting(
    filters: MentionFilter, since: str, now: datetime | None = None, zone: tzinfo = timezone.utc
) -> MentionFilter:
    """`filters` from `since` (a `--since` value) on, still before their `--until`."""
    since_at = parse_when(since, "--since", now, zone)
    if filters.until and since_at >= filters.until:
        raise UsageError(f"--since {since} is not before --until")
    return replace(filters, since=since_at)


def _checked(values: Sequence[str] | None, allowed: Iterable[str], option: str) -> tuple[str, ...]:
    """The values as the names they stand for. Case is ignored, as matching ignores it:
    `--brand apple` means the brand configured as `Apple` (and, if the store holds both,
    `APPLE` too); an exact name means itself only."""
    allowed = set(allowed)
    folded: dict[str, list[str]] = {}
    for name in sorted(allowed):
        folded.setdefault(name.casefold(), []).append(name)
    names: list[str] = []
    for value in dict.fromkeys(values or ()):
        if value in allowed:
            names.append(value)
        elif value.casefold() in folded:
            names.extend(folded[value.casefold()])
        else:
            choices = ", ".join(sorted(allowed)) or "none yet"
            raise UsageError(f"{option} {value!r}: unknown; choose from {choices}")
    return tuple(dict.fromkeys(names))


def build_filter(
    *,
    brands: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    tones: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    langs: Sequence[str] | None = None,
    known_brands: Iterable[str] = (),
    known_sources: Iterable[str] = (),
    now: datetime | None = None,
    zone: tzinfo = timezone.utc,
) -> MentionFilter:
    """Check every option value and build the filter the store applies; dates are `zone`'s."""
    for lang in langs or ():
        if not _LANG.match(lang):
            raise UsageError(f"--lang {lang!r}: use an ISO 639-1 code such as fr or en")
    since_at = parse_when(since, "--since", now, zone) if since else None
    until_at = parse_when(until, "--until", now, zone) if until else None
    if since_at and until_at and since_at >= until_at:
        raise UsageError(f"--since {since} is not before --until {until}")
    return MentionFilter(
        brands=_checked(brands, known_brands, "--brand"),
        sources=_checked(sources, known_sources, "--source"),
        since=since_at,
        until=until_at,
        tones=_checked(tones, TONES, "--tone"),
        flags=_checked(flags, FLAGS, "--flag"),
        statuses=_checked(statuses, STATUSES, "--status"),
        langs=tuple(dict.fromkeys(langs or ())),
    )
