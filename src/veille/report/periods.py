"""What the terminal report and the HTML one say alike: the period's first and last days,
its days grouped into weeks or months, the summary's change, the line about mentions
stored outside the period and the triage's. Written once, so the two reports cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta, tzinfo
from typing import Any

from veille.times import from_stored, local_day
from veille.wording import Wording


def span(since: str, until: str, zone: tzinfo) -> tuple[date, date]:
    """The first and last day of [since, until) in `zone`."""
    return (
        local_day(from_stored(since), zone),
        local_day(from_stored(until) - timedelta(seconds=1), zone),
    )


def period_label(since: str, until: str, zone: tzinfo, words: Wording, compact: bool) -> str:
    """`since` to the last day before `until`, as days of `zone`: "2026-11-21 → 2026-11-27"
    when `compact`, else in the language ("21 nov. 2026 → 27 nov. 2026")."""
    first, last = span(since, until, zone)
    if compact:
        return f"{first.isoformat()} → {last.isoformat()}"
    return f"{words.day(first, 'year')} → {words.day(last, 'year')}"


def grouped(days: Sequence[Mapping[str, Any]], grouping: str) -> list[list[Mapping[str, Any]]]:
    """The days in runs of one day, one calendar week (Monday first) or one month."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for day in days:
        moment = date.fromisoformat(day["date"])
        if grouping == "week":
            key = (moment - timedelta(days=moment.weekday())).isoformat()
        elif grouping == "month":
            key = day["date"][:7]
        else:
            key = day["date"]
        groups.setdefault(key, []).append(day)
    return list(groups.values())


def points(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The report's days summed by its `grouping` (day, week or month), as the charts draw
    them: each point's first and last day, its counts per brand and per tone, and its
    spikes, each with the day it happened."""
    found = []
    for group in grouped(figures["days"], figures.get("grouping", "day")):
        counts: dict[str, int] = {}
        tones: dict[str, int] = {}
        for day in group:
            for brand, count in day["counts"].items():
                counts[brand] = counts.get(brand, 0) + count
            for tone, count in day.get("tones", {}).items():
                tones[tone] = tones.get(tone, 0) + count
        found.append(
            {
                "date": group[0]["date"],
                "last": group[-1]["date"],
                "counts": counts,
                "tones": tones,
                "spikes": sorted({brand for day in group for brand in day["spikes"]}),
                "spike_details": [
                    {**detail, "date": day["date"]}
                    for day in group
                    for detail in day.get("spike_details", [])
                ],
            }
        )
    return found


def before(figures: Mapping[str, Any], words: Wording) -> str:
    """What the period is compared with, as the headline and the summary both say it:
    "the week before" for a week, else "the period before"."""
    return words("the_week_before" if len(figures["days"]) == 7 else "the_period_before")


def change(figures: Mapping[str, Any], words: Wording) -> str:
    """The period's mentions against the period before: "+12, +40% vs 30"."""
    summary = figures["summary"]
    moved = words.signed(summary["change"], 0)
    if summary["change_pct"] is None:
        return words("none_before", change=moved, before=before(figures, words))
    return words(
        "versus",
        change=moved,
        change_pct=words.percent(summary["change_pct"], signed=True),
        previous=words.number(summary["previous"]),
    )


def elsewhere_line(
    elsewhere: Mapping[str, Any], zone: tzinfo, words: Wording, compact: bool = False
) -> str:
    """What an empty period misses: "207 mentions stored, none in this period; …"; the
    newest's day as `period_label` writes it."""
    day = local_day(from_stored(elsewhere["newest_mention_at"]), zone)
    newest = day.isoformat() if compact else words.day(day, "year")
    line = words.count("elsewhere", elsewhere["mentions"], newest=newest)
    return line + (words("elsewhere_try", hint=elsewhere["try"]) if elsewhere["try"] else "")


def triage_line(triage: Mapping[str, Any], words: Wording) -> str:
    """ "2 handled, 1 ignored, 18 still new"; "1 traitée, 0 ignorée, 18 encore nouvelles"."""
    return words(
        "triage_line",
        handled=words.count("n_handled", triage["handled"]),
        ignored=words.count("n_ignored", triage["ignored"]),
        new=words.count("n_new", triage["new"]),
    )
