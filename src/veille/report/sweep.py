"""The views of a sweep: its summary, the alerts it sent, the sources' health."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timezone, tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from veille.models import TONES, AlertOutcome, ScanSummary
from veille.report.tables import Cell, Column, fitted_table, short_date, web_text
from veille.wording import Wording


def scan_summary(
    summary: ScanSummary, width: int = 80, words: Wording | None = None
) -> RenderableType:
    """Sources ok / unchanged / failed (each failure with its reason), items, new mentions;
    in English unless `words` says otherwise (`veille demo --lang`)."""
    words = words or Wording("en")
    parts: list[RenderableType] = []
    headline = Text.assemble(
        (words.label("scan_sources"), "bold"),
        words.count("n_sources_ok", summary.sources_ok) + ", ",
        words.count("n_unchanged", summary.sources_unchanged) + ", ",
        (words.count("n_failed", summary.sources_failed), "red" if summary.sources_failed else ""),
        words(
            "scan_items",
            items=words.number(summary.items_seen),
            new=words.number(summary.mentions_new),
        ),
    )
    if summary.interrupted:
        headline.append(words("scan_interrupted"), style="yellow")
    parts.append(headline)
    if summary.archive_by_brand_tone:
        found = ", ".join(
            words.count("scan_archive_found", sum(by_tone.values()), brand=brand)
            for brand, by_tone in sorted(summary.archive_by_brand_tone.items())
        )
        parts.append(
            Text.assemble(
                (words.label("scan_archive"), "bold"),
                web_text(found + words("scan_archive_why")),
            )
        )
    if summary.new_by_brand_tone:
        columns = [
            Column(words("brand"), 24),
            *(Column(words.term(t), justify="right") for t in TONES),
        ]
        new_rows: list[list[Cell]] = []
        for brand, by_tone in sorted(summary.new_by_brand_tone.items()):
            counts = [by_tone.get(tone, 0) for tone in TONES]
            new_rows.append([brand, *counts, sum(counts)])
        columns.append(Column(words("total").lower(), justify="right"))
        parts.append(fitted_table(words("new_mentions"), columns, new_rows, width))
    troubles = [o for o in summary.sources if o.error or o.warning]
    if troubles:
        rows: list[list[Cell]] = [
            [
                outcome.name,
                Text(
                    words("failed" if outcome.error else "warning"),
                    style="red" if outcome.error else "yellow",
                )
                + web_text(outcome.error or outcome.warning),
            ]
            for outcome in sorted(troubles, key=lambda o: (o.error is None, o.name))
        ]
        parts.append(
            fitted_table(
                words("source_problems"),
                [Column(words("source"), 28), Column(words("problem"))],
                rows,
                width,
            )
        )
    if summary.alerts:
        parts.append(alerts_view(summary.alerts))
    return Group(*parts)


def alert_line(outcome: AlertOutcome) -> str:
    """What one alert did, in words: sent, held (and why), nothing new, or failed (and why)."""
    what = ", ".join(
        f"{count} {noun}{'' if count == 1 else 's'}"
        for count, noun in ((outcome.mentions, "mention"), (outcome.spikes, "spike"))
        if count
    )
    if outcome.state == "sent":
        return f"sent {what}"
    if outcome.state == "held":
        return f"held: {outcome.reason}" + (f" ({what} waiting)" if what else "")
    if outcome.state == "failed":
        return f"failed, kept for the next sweep: {outcome.error}"
    return "nothing new"


def alerts_view(outcomes: Iterable[AlertOutcome]) -> Text:
    """One line per alert, failures in red."""
    text = Text("Alerts", style="bold")
    for outcome in outcomes:
        text.append("\n")
        text.append_text(web_text(outcome.name))
        text.append(": ")
        text.append_text(web_text(alert_line(outcome), "red" if outcome.state == "failed" else ""))
    return text


def alerts_data(outcomes: Iterable[AlertOutcome]) -> list[dict[str, Any]]:
    """Alert outcomes as plain data for `--json`."""
    return [
        {
            "name": o.name,
            "state": o.state,
            "mentions": o.mentions,
            "spikes": o.spikes,
            "reason": o.reason or None,
            "error": o.error,
        }
        for o in outcomes
    ]


def scan_summary_data(summary: ScanSummary) -> dict[str, Any]:
    """The summary as plain data for `--json`."""
    return {
        "scan_id": summary.scan_id,
        "started_at": summary.started_at,
        "finished_at": summary.finished_at,
        "interrupted": summary.interrupted,
        "sources_ok": summary.sources_ok,
        "sources_unchanged": summary.sources_unchanged,
        "sources_failed": summary.sources_failed,
        "items_seen": summary.items_seen,
        "mentions_new": summary.mentions_new,
        "new_by_brand": summary.new_by_brand_tone,
        "mentions_archive": summary.mentions_archive,
        "archive_by_brand": summary.archive_by_brand_tone,
        "sources": [
            {
                "name": o.name,
                "state": o.state,
                "items_seen": o.items_seen,
                "mentions_new": o.mentions_new,
                "error": o.error,
                "warning": o.warning,
            }
            for o in sorted(summary.sources, key=lambda o: o.name)
        ],
        "alerts": alerts_data(summary.alerts),
    }


STATE_STYLES = {
    "failing": "red",
    "failed": "red",
    "gone": "red",
    "moved": "yellow",
    "empty": "yellow",
}


def health_table(
    entries: Iterable[Mapping[str, Any]], width: int = 80, zone: tzinfo = timezone.utc
) -> RenderableType:
    """Sources, most troubled first, with what to do about each; last fetches in `zone`."""
    rows = []
    for entry in entries:
        status = entry["last_status"]
        state = Text(entry["state"], style=STATE_STYLES.get(entry["state"], ""))
        problem = entry["last_error"] or entry["advice"]
        rows.append(
            [
                entry["name"],
                state,
                "" if status is None else str(status),
                str(entry["failures"]),
                "" if not entry["last_fetch_at"] else str(entry["items_seen"]),
                short_date(entry["last_fetch_at"], time=True, zone=zone),
                problem,
            ]
        )
    table = fitted_table(
        "Sources",
        [
            Column("Source", 22),
            Column("State", 7),
            Column("HTTP", 4, "right"),
            Column("Fails", 5, "right"),
            Column("Items", 5, "right"),
            Column("Last fetch", 16),
            Column("Problem"),
        ],
        rows,
        width,
    )
    advice = [
        Text.assemble((f"{entry['name']}: ", "bold"), web_text(entry["advice"]))
        for entry in entries
        if entry["state"] in ("failing", "gone", "moved", "empty", "stored")
    ]
    return Group(table, *advice)
