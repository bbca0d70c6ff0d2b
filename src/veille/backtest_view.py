"""The backtest as the terminal shows it: the figures first, then what the rule caught,
what it nearly caught, and what it would no longer find. Web text stays literal (see
`report`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone, tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from veille.models import TONES
from veille.report import Column, fitted_table, marked_text, sparkline, tone_text, web_text
from veille.times import show_time


def backtest_view(
    data: Mapping[str, Any], width: int = 80, top: int = 5, zone: tzinfo = timezone.utc
) -> RenderableType:
    """`Backtest.data()` rendered: summary, per week, per source and site, samples; dates in
    `zone`, the one its weeks were counted in."""
    rule = data["rule"]
    matches, stored = data["matches"], data["stored"]
    heading = Text.assemble(("Backtest of ", "bold"), web_text(rule["name"], "bold"))
    heading.append(f" · {_period(data, zone)} · {data['items']} archived items")
    parts: list[RenderableType] = [heading, web_text(_rule_line(rule), "dim")]
    tones = data["tones"]
    summary = Text(f"Matches: {matches} · already mentions: {stored} · new: {matches - stored}")
    if matches:
        summary.append(" · tone ")
        for index, tone in enumerate(TONES):
            summary.append(" " if index else "")
            summary.append_text(tone_text(tone))
            summary.append(f" {tones[tone]}")
        if data["tones_estimated"]:
            summary.append(f" (new ones estimated from {data['tones_judged']} judged)")
    parts.append(summary)
    if data["compared_with"] is not None:
        parts.append(
            Text(
                f"Stored mentions of {data['compared_with']} it would no longer find: "
                f"{data['lost']} (they stay stored: triage history)",
                style="yellow" if data["lost"] else "",
            )
        )
    parts.append(
        Text(f"Near misses (a term vetoed by exclude or require_any): {data['near_misses']}")
    )
    weeks = data["per_week"]
    if weeks:
        counts = list(weeks.values())
        parts.append(
            Text.assemble(
                ("Per week ", "bold"),
                f"({next(iter(weeks))} → {list(weeks)[-1]}): ",
                sparkline(counts),
                f"  peak {max(counts)}",
            )
        )
        parts.append(
            fitted_table(
                "",
                [Column("Week of", 10), Column("Matches", 7, "right")],
                [[week, count] for week, count in list(weeks.items())[-top * 2 :]],
                width,
            )
        )
    for title, key, name in (
        ("Per source", "per_source", "Source"),
        ("Per site", "per_site", "Domain"),
    ):
        if data[key]:
            rows = [[value, count] for value, count in list(data[key].items())[:top]]
            parts.append(
                fitted_table(title, [Column(name), Column("Matches", 7, "right")], rows, width)
            )
    if data["samples"]:
        parts.append(Text("Matches (newest)", style="bold"))
        for sample in data["samples"]:
            parts.extend(_sample(sample, width, tone_text(sample["tone"]), zone))
    if data["near_miss_samples"]:
        parts.append(Text("Near misses (newest)", style="bold"))
        for sample in data["near_miss_samples"]:
            veto = Text.assemble(
                (f"{sample['vetoed_by']}: ", "yellow"), web_text(sample["word"], "yellow")
            )
            parts.extend(_sample(sample, width, veto, zone))
    if data["lost_samples"]:
        parts.append(
            fitted_table(
                "Stored mentions it would no longer find",
                [
                    Column("ID", 6, "right"),
                    Column("Date", 10),
                    Column("Status", 7),
                    Column("Why", 24),
                    Column("Title"),
                ],
                [
                    [
                        row["id"],
                        show_time(row["date"] or "", zone)[:10],
                        row["status"],
                        row["reason"],
                        row["title"],
                    ]
                    for row in data["lost_samples"]
                ],
                width,
            )
        )
    return Group(*parts)


def _sample(
    sample: Mapping[str, Any], width: int, label: Text, zone: tzinfo
) -> list[RenderableType]:
    heading = Text.assemble(
        f"{show_time(sample['date'] or '', zone)[:10]} · ",
        label,
        " · ",
        web_text(sample["author"] or "-"),
        " · ",
        web_text(sample["source"]),
    )
    heading.truncate(width, overflow="ellipsis")
    return [
        heading,
        Padding(marked_text(sample["excerpt_marked"]), (0, 0, 0, 2)),
        web_text(f"  {sample['url']}", style="dim"),
    ]


def _period(data: Mapping[str, Any], zone: tzinfo) -> str:
    since, until = data["since"], data["until"]
    if not since and not until:
        return "the whole archive"
    first = show_time(since, zone)[:10] if since else "…"
    return f"{first} → {show_time(until, zone)[:10] if until else 'now'}"


def _rule_line(rule: Mapping[str, Any]) -> str:
    parts = [f"terms: {', '.join(rule['terms'])}"]
    for key in ("exclude", "require_any", "domains"):
        if rule[key]:
            parts.append(f"{key}: {', '.join(rule[key])}")
    if rule["case_sensitive"]:
        parts.append("case sensitive")
    return " · ".join(parts)
