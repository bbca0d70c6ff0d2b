"""The morning report's figures, computed from the store for a period.

Plain data in, plain data out: `build_report` returns one JSON-ready dict (what `--json`
prints) and `report.py` draws it. The period defaults to the last 7 calendar days (today
included) of the zone the report is read in; it is compared with the period of equal length
just before it (as many whole days, when it is whole days: a clock change in between moves
no boundary off midnight). Days, and so spikes, are the zone's days.

Every figure counts the same mentions, those dated in [since, until): when `--since` is a
time of day (`7d` means this time, seven days ago) the first day of the per-day counts is
partial, so that the days add up to the summary's total rather than to a bit more.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from veille.spikes import HISTORY_DAYS, SPIKE_RULE, Spike, find_spikes
from veille.store import MentionFilter, Store
from veille.times import day_start, from_stored, local_day, to_stored, zone_name

DEFAULT_DAYS = 7
# "Over time" draws one character per day, week or month; this many fit at 80 columns
# beside the brand, the total, the peak and the spikes.
MAX_CELLS = 28


def default_since(now: datetime, days: int = DEFAULT_DAYS, zone: tzinfo = timezone.utc) -> str:
    """The day `days - 1` days ago in `zone` (its midnight, as `--since` reads a date): the
    report's default period is whole days."""
    return (local_day(now, zone) - timedelta(days=days - 1)).isoformat()


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _net(positive: int, negative: int, total: int) -> float | None:
    """Net sentiment: (positive − negative) / total, in [-1, 1]."""
    return round((positive - negative) / total, 3) if total else None


def build_report(
    store: Store,
    filters: MentionFilter,
    *,
    now: datetime,
    competitors: Collection[str] = (),
    top: int = 5,
    zone: tzinfo = timezone.utc,
) -> dict[str, Any]:
    """Every figure of the report for `filters` (whose `since` must be set), its days those
    of `zone`."""
    if filters.since is None:
        raise ValueError("the report needs a start")
    since = from_stored(filters.since)
    # Without --until the period runs to now, this very second included.
    until = (
        from_stored(filters.until)
        if filters.until
        else now.replace(microsecond=0) + timedelta(seconds=1)
    )
    first_day, last_day = local_day(since, zone), local_day(until - timedelta(seconds=1), zone)
    length = (last_day - first_day).days + 1
    whole_days = to_stored(since) == day_start(first_day, zone) and to_stored(until) == day_start(
        last_day + timedelta(days=1), zone
    )
    previous_since = (
        day_start(first_day - timedelta(days=length), zone)
        if whole_days
        else to_stored(since - (until - since))
    )
    previous = replace(filters, since=previous_since, until=to_stored(since))
    current = replace(filters, until=to_stored(until))

    brand_rows = store.breakdown("brand", current, limit=1000)
    totals = _tone_totals(brand_rows)
    # Share of voice ignores --brand; without it, that is the breakdown already read.
    voice_rows = (
        store.breakdown("brand", replace(current, brands=()), limit=1000)
        if current.brands
        else brand_rows
    )
    voice_total = sum(row["mentions"] for row in voice_rows)
    before = {
        row["value"]: row
        for row in store.breakdown("brand", replace(previous, brands=()), limit=1000)
    }
    previous_total = sum(
        row["mentions"]
        for brand, row in before.items()
        if not filters.brands or brand in filters.brands
    )
    return {
        "period": {
            "since": to_stored(since),
            "until": to_stored(until),
            "previous_since": previous.since,
            "timezone": zone_name(zone),
        },
        "filters": {
            name: list(values)
            for name, values in (
                ("brands", filters.brands),
                ("sources", filters.sources),
                ("tones", filters.tones),
                ("flags", filters.flags),
                ("statuses", filters.statuses),
                ("langs", filters.langs),
            )
            if values
        },
        "summary": {
            "mentions": totals["mentions"],
            "previous": previous_total,
            "change": totals["mentions"] - previous_total,
            "change_pct": _percent(totals["mentions"] - previous_total, previous_total),
            "tones": {tone: totals[tone] for tone in ("positive", "neutral", "negative")},
            "tones_pct": {
                tone: _percent(totals[tone], totals["mentions"])
                for tone in ("positive", "neutral", "negative")
            },
            "net_sentiment": _net(totals["positive"], totals["negative"], totals["mentions"]),
        },
        "brands": [
            {
                "brand": row["value"],
                "competitor": row["value"] in competitors,
                "mentions": row["mentions"],
                "share_of_voice_pct": _percent(row["mentions"], voice_total),
                **{
                    f"{tone}_pct": _percent(row[tone], row["mentions"])
                    for tone in ("positive", "neutral", "negative")
                },
                "net_sentiment": _net(row["positive"], row["negative"], row["mentions"]),
                **_before(before.get(row["value"])),
            }
            for row in voice_rows
        ],
        "who": [
            {
                "author": row["value"],
                "domains": row["domains"],
                "mentions": row["mentions"],
                **_tone_mix(row),
                "last_seen": row["last_seen"],
            }
            for row in store.breakdown("author", current, limit=top, skip_empty=True)
        ],
        "where": {
            "sources": [
                {
                    "source": row["value"],
                    "type": ", ".join(row["source_types"]),
                    "mentions": row["mentions"],
                    "share_pct": _percent(row["mentions"], totals["mentions"]),
                    **_tone_mix(row),
                }
                for row in store.breakdown("source", current, limit=top)
            ],
            "domains": [
                {
                    "domain": row["value"],
                    "mentions": row["mentions"],
                    "share_pct": _percent(row["mentions"], totals["mentions"]),
                    **_tone_mix(row),
                }
                for row in store.breakdown("domain", current, limit=top, skip_empty=True)
            ],
        },
        "elsewhere": (
            None if totals["mentions"] else _elsewhere(store, filters, since, until, now)
        ),
        "days": _days(store, current, first_day, last_day, zone),
        "grouping": grouping(first_day, last_day),
        "spike_rule": SPIKE_RULE,
        "attention": store.needing_attention(current, limit=top),
        "triage": _triage(store, current, brand_rows, top),
    }


def _before(row: dict[str, Any] | None) -> dict[str, Any]:
    """A brand's mentions and net sentiment in the previous period."""
    if row is None:
        return {"previous_mentions": 0, "previous_net_sentiment": None}
    return {
        "previous_mentions": row["mentions"],
        "previous_net_sentiment": _net(row["positive"], row["negative"], row["mentions"]),
    }


def _triage(
    store: Store, filters: MentionFilter, brand_rows: list[dict[str, Any]], top: int
) -> dict[str, Any]:
    """What was done in the period: how many mentions were marked handled or ignored in it
    (whenever they were written), the notes written in it (on any mention), and how many
    of the period's mentions are still new.

    A mention marked before veille dated triage counts in the period it was written in: of
    the period's mentions in a status (`brand_rows`), those whose triage is not dated."""
    dated = store.dated_triage(filters)
    settled = {
        status: sum(row[status] or 0 for row in brand_rows) for status in ("handled", "ignored")
    }
    return {
        "new": sum(row["mentions"] for row in brand_rows) - sum(settled.values()),
        **{
            status: dated["marked"][status] + settled[status] - dated["written"][status]
            for status in ("handled", "ignored")
        },
        "notes": store.triaged(filters, limit=top),
    }


def grouping(first: date, last: date) -> str:
    """`day`, `week` or `month`: the finest that shows the period in MAX_CELLS characters."""
    days = (last - first).days + 1
    if days <= MAX_CELLS:
        return "day"
    monday = first - timedelta(days=first.weekday())  # weeks run Monday to Sunday
    if (last - monday).days // 7 + 1 <= MAX_CELLS:
        return "week"
    return "month"


def _elsewhere(
    store: Store, filters: MentionFilter, since: datetime, until: datetime, now: datetime
) -> dict[str, Any] | None:
    """For an empty period, the mentions stored outside it and how to see them.

    An empty report over a full database otherwise reads as "nothing was found", when the
    period simply misses the mentions (an old demo database, a scan not run for a while).
    """
    stored, newest = store.newest_mention(replace(filters, since=None, until=None))
    if not stored or newest is None:
        return None
    newest_at = from_stored(newest)
    # Mentions after the period (an --until in the past) need no hint: the newest says it.
    hint = f"--since {since_covering(newest_at, now)}" if newest_at < since else None
    return {"mentions": stored, "newest_mention_at": newest, "try": hint}


def since_covering(moment: datetime, now: datetime) -> str:
    """The shortest `--since` in days (weeks beyond 99 days) that reaches back to `moment`."""
    days = (now - moment) // timedelta(days=1) + 1
    if days <= 99:
        return f"{days}d"
    return f"{(now - moment) // timedelta(weeks=1) + 1}w"


def _tone_totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    keys = ("mentions", "positive", "neutral", "negative")
    return {key: sum(row[key] or 0 for row in rows) for key in keys}


def _tone_mix(row: dict[str, Any]) -> dict[str, int]:
    return {tone: row[tone] or 0 for tone in ("positive", "neutral", "negative")}


def _days(
    store: Store, filters: MentionFilter, first: date, last: date, zone: tzinfo
) -> list[dict[str, Any]]:
    """Mentions per day and brand over the period, each day's spikes named with their kinds.

    The counts are the period's own (its first day partial when it starts after midnight);
    spikes are found on whole days, as the alerts find them.
    """
    counts, spikes = daily_spikes(store, filters, first, last, zone)
    if filters.since and filters.since != day_start(first, zone):
        # Only the first day can be partial: count it again from the period's start.
        midnight = day_start(first + timedelta(days=1), zone)
        until = min(filters.until, midnight) if filters.until else midnight
        partial = {
            row["brand"]: _day_count(row)
            for row in store.daily_counts(replace(filters, until=until), zone)
        }
        for brand, by_day in counts.items():
            by_day[first.isoformat()] = partial.get(brand, DayCount())
    kinds: dict[str, dict[str, list[str]]] = {}
    for brand, day, spike in spikes:
        kinds.setdefault(day.isoformat(), {}).setdefault(brand, []).append(spike.kind)
    days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    return [
        {
            "date": day,
            "counts": {
                brand: by_day.get(day, DayCount()).mentions
                for brand, by_day in sorted(counts.items())
            },
            "tones": {
                tone: sum(getattr(by_day.get(day, DayCount()), tone) for by_day in counts.values())
                for tone in ("positive", "neutral", "negative")
            },
            "spikes": sorted(kinds.get(day, {})),
            "spike_kinds": dict(sorted(kinds.get(day, {}).items())),
            "spike_details": [
                _spike_detail(store, filters, brand, date.fromisoformat(day), zone, brand_kinds)
                | {"mentions": counts[brand][day].mentions, "negative": counts[brand][day].negative}
                for brand, brand_kinds in sorted(kinds.get(day, {}).items())
            ],
        }
        for day in days
    ]


def _spike_detail(
    store: Store,
    filters: MentionFilter,
    brand: str,
    day: date,
    zone: tzinfo,
    kinds: list[str],
) -> dict[str, Any]:
    """What a spike was: its brand, its kinds and the source most of its mentions came from."""
    start = max(filters.since or "", day_start(day, zone))
    end = day_start(day + timedelta(days=1), zone)
    that_day = replace(filters, brands=(brand,), since=start, until=min(filters.until or end, end))
    top = store.breakdown("source", that_day, limit=1)
    return {"brand": brand, "kinds": kinds, "source": top[0]["value"] if top else None}


@dataclass(frozen=True)
class DayCount:
    """One brand's mentions on one day, and their tones."""

    mentions: int = 0
    negative: int = 0
    positive: int = 0
    neutral: int = 0


def _day_count(row: dict[str, Any]) -> DayCount:
    return DayCount(
        row["mentions"], row["negative"] or 0, row["positive"] or 0, row["neutral"] or 0
    )


def daily_spikes(
    store: Store,
    filters: MentionFilter,
    first: date,
    last: date,
    zone: tzinfo = timezone.utc,
) -> tuple[dict[str, dict[str, DayCount]], list[tuple[str, date, Spike]]]:
    """Each brand's mentions and their tones per day of `zone`, and the spikes of the days
    first → last.

    The one place spikes are found, for the report and the alerts alike. The HISTORY_DAYS
    days before `first` are read too: they are the first days' baseline. Days are the
    zone's, so a spike is the day the user lived, not a UTC day cut in the evening.
    """
    start = first - timedelta(days=HISTORY_DAYS)
    counts: dict[str, dict[str, DayCount]] = {}
    end = day_start(last + timedelta(days=1), zone)
    window = replace(filters, since=day_start(start, zone), until=min(filters.until or end, end))
    for row in store.daily_counts(window, zone):
        counts.setdefault(row["brand"], {})[row["day"]] = _day_count(row)
    days = [start + timedelta(days=n) for n in range((last - start).days + 1)]
    found = []
    for brand, by_day in sorted(counts.items()):
        series = [by_day.get(day.isoformat(), DayCount()) for day in days]
        totals = [count.mentions for count in series]
        negatives = [count.negative for count in series]
        for spike in find_spikes(totals, negatives, first=HISTORY_DAYS):
            found.append((brand, days[spike.index], spike))
    return counts, found
