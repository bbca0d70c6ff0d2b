"""Times as veille stores them, and as it shows them.

Every time in the database is UTC, written `YYYY-MM-DDTHH:MM:SSZ`: one fixed-width form, so
that comparing two stored times as text compares the moments, and SQL range filters on them
use the date index. This module is the one place that writes and reads that form; the rest of
veille passes aware `datetime`s or stored strings, never its own format string.

What veille prints is in the user's zone (`settings.timezone`, else the machine's): listings,
the report's days and spikes, and a `--since 2026-11-01`, which means that day's local
midnight. A zone is a `tzinfo` handed down from the command to the functions that need it;
nothing here reads the config. CSV and JSON output keep the stored UTC values.
"""

from __future__ import annotations

import os
import re
import time as time_module
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOCALTIME = "/etc/localtime"


def to_stored(moment: datetime) -> str:
    """A moment as stored: UTC, to the second. A naive datetime is taken as UTC already.

    The year is padded by hand: `%Y` writes year 999 as `999` on some platforms, which would
    sort after `2026`.
    """
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z"


def read_time(value: str, zone: tzinfo = timezone.utc) -> datetime:
    """An ISO 8601 time or date as an aware UTC datetime; ValueError when it is neither.

    A value with an offset (or `Z`) means that moment; one without is a wall-clock time in
    `zone`, and a date alone is its midnight there.
    """
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc)


def from_stored(value: str) -> datetime:
    """A stored time as an aware UTC datetime; ValueError when `value` is not one.

    Any ISO 8601 time is read (a value written by another tool, with an offset or without a
    `Z`): one without an offset is UTC, as everything veille stores.
    """
    return read_time(value, timezone.utc)


def utc_now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def stored_now() -> str:
    """Now, as stored."""
    return to_stored(utc_now())


def day_start(day: date, zone: tzinfo = timezone.utc) -> str:
    """The first moment of a day in `zone`, as stored: where that day's mentions begin.

    Where a clock change skips midnight, the day starts at the first moment it has.
    """
    return to_stored(datetime.combine(day, time(), zone))


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The day a moment falls on in `zone`."""
    return moment.astimezone(zone).date()


def show_time(value: str, zone: tzinfo) -> str:
    """A stored time as `YYYY-MM-DD HH:MM` in `zone`; a value that is not one, as it is."""
    try:
        moment = from_stored(value).astimezone(zone)
    except (ValueError, OverflowError):
        return value
    return f"{moment.year:04d}-{moment:%m-%d %H:%M}"


def offsets(start: datetime, end: datetime, zone: tzinfo) -> list[tuple[datetime, int]]:
    """The UTC offsets of `zone` (in seconds) over [start, end), each with the moment it
    begins, oldest first: one entry for a zone without clock changes in the period.

    Read day by day, then narrowed to the second where the offset changed: zones change
    their clocks at most a few times a year, never twice in a day.
    """

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    found = [(start, offset(start))]
    moment = start
    while moment < end:
        later = min(moment + timedelta(days=1), end)
        if offset(later) != found[-1][1]:
            low, high = moment, later  # offset(low) is the old one, offset(high) the new one
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == found[-1][1] else (low, middle)
            found.append((high.replace(microsecond=0), offset(high)))
        moment = later
    return found


def zone_named(name: str) -> tzinfo:
    """The IANA zone `name` (`Europe/Paris`); ValueError saying so when there is none, with
    the name cut to 40 characters (it comes from a config file, of any length)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        shown = name if len(name) <= _SHOWN_NAME else f"{name[:_SHOWN_NAME]}…"
        raise ValueError(f"unknown time zone {shown!r}") from None


_SHOWN_NAME = 40


def machine_zone() -> tzinfo:
    """The machine's own zone: `$TZ` when it names one or is a POSIX rule (UTC when set and
    empty, as the C library takes it), else the zone `/etc/localtime` links to (or holds),
    else UTC.

    Read by hand rather than with `time.localtime()`, which gives only the current offset:
    a past day in summer needs the summer offset, whatever the season now.
    """
    raw = os.environ.get("TZ")
    name = (raw or "").strip().removeprefix(":")
    if name:
        zone = _zone_from(name)
        if zone is not None:
            return zone
        if _POSIX_RULE.match(name):  # `CET-1CEST,M3.5.0,M10.5.0/3`, `JST-9`
            return _SystemZone()
    if raw is not None:
        return timezone.utc  # `TZ=` set and empty means UTC, as the C library takes it
    try:
        zone = _zone_from(os.readlink(LOCALTIME))
    except OSError:
        zone = None
    if zone is None:
        try:
            zone = _zone_file(LOCALTIME)
        except (OSError, ValueError):
            zone = None
    return zone or timezone.utc


class _SystemZone(tzinfo):
    """The zone the C library computes from `$TZ` when it is a POSIX rule rather than a
    name: each moment's offset and abbreviation asked of `time.localtime`, so that a past
    summer day gets its summer offset too."""

    def __init__(self) -> None:
        time_module.tzset()  # `$TZ` as it is now, not as the process started with

    def _local(self, moment: datetime) -> time_module.struct_time:
        """The C library's view of a wall-clock time of this zone, chosen as `ZoneInfo`
        chooses: of a time shown twice, the first (`fold=0`) or the second; a skipped time
        with the offset before the change (or after it, `fold=1`).

        Read as winter time and as summer time, and kept where the clock shows it: asked to
        decide (`tm_isdst=-1`), the C library answers from what it was asked before.
        """
        fields = moment.timetuple()[:8]
        moments = sorted(
            {time_module.mktime(time_module.struct_time((*fields, dst))) for dst in (0, 1)}
        )
        shown = [at for at in moments if time_module.localtime(at)[:6] == fields[:6]]
        chosen = shown or moments  # none shown: a skipped time, between the two readings
        return time_module.localtime(chosen[-1] if moment.fold else chosen[0])

    def utcoffset(self, moment: datetime | None) -> timedelta:
        if moment is None:
            return timedelta(seconds=time_module.localtime().tm_gmtoff)
        return timedelta(seconds=self._local(moment).tm_gmtoff)

    def dst(self, moment: datetime | None) -> timedelta | None:
        return None

    def tzname(self, moment: datetime | None) -> str:
        local = time_module.localtime() if moment is None else self._local(moment)
        return local.tm_zone

    def fromutc(self, moment: datetime) -> datetime:
        seconds = (moment.replace(tzinfo=timezone.utc) - _EPOCH).total_seconds()
        offset = time_module.localtime(seconds).tm_gmtoff
        return moment + timedelta(seconds=offset)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A POSIX `$TZ` rule: an abbreviation (letters, or anything in <>) and then its offset.
_POSIX_RULE = re.compile(r"(?:<[^>]{1,16}>|[A-Za-z]{3,16})[+-]?\d")


def _zone_from(name: str) -> tzinfo | None:
    """A zone from a key (`Europe/Paris`) or a zone file's path, None when neither."""
    key = name.rpartition("/zoneinfo/")[2] if "/zoneinfo/" in name else name
    try:
        return zone_named(key)
    except ValueError:
        pass
    if os.path.isabs(name):
        try:
            return _zone_file(name)
        except (OSError, ValueError):
            pass
    return None


class _FileZone(ZoneInfo):
    """A zone read from a zone file rather than named (an `/etc/localtime` that is a copy, not
    a link): pickled as its path, where a `ZoneInfo.from_file` cannot be pickled at all, so
    that it reaches the sweep's worker processes, which read forum dates in it."""

    path: str

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return _zone_file, (self.path,)


def _zone_file(path: str) -> ZoneInfo:
    """The zone a zone file holds; OSError or ValueError when it cannot be read."""
    with open(path, "rb") as handle:
        zone = _FileZone.from_file(handle)
    zone.path = path
    return zone


def configured_zone(name: str | None) -> tzinfo:
    """The zone of `settings.timezone` (already checked by the config), else the machine's."""
    return zone_named(name) if name else machine_zone()


_UTC_ALIASES = frozenset(
    {"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"}
)


def zone_name(zone: tzinfo) -> str:
    """How a zone is named to the user: its IANA key (`UTC` for UTC's aliases, such as the
    `Etc/UTC` many machines are set to), else its abbreviation now."""
    key = getattr(zone, "key", None)
    if key in _UTC_ALIASES:
        return "UTC"
    return key or datetime.now(zone).tzname() or "UTC"
