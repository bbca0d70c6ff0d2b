"""The morning report in the terminal: summary, share of voice, over time, who, where,
what needs attention."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta, timezone, tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from veille.models import TONES
from veille.report.mentions import mentions_table
from veille.report.tables import TONE_STYLES, Column, fitted_table, short_date, sparkline
from veille.times import from_stored, local_day, show_time, zone_name
from veille.wording import Wording


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _signed(value: float | None, digits: int = 2) -> Text:
    if value is None:
        return Text("-")
    style = "green" if value > 0 else "red" if value < 0 else ""
    return Text(f"{value:+.{digits}f}", style=style)


def _tone_cells(row: Mapping[str, Any]) -> list[Text]:
    return [Text(str(row[tone]), style=TONE_STYLES[tone]) for tone in TONES]


def _tone_columns() -> list[Column]:
    return [Column("+", 6, "right"), Column("=", 6, "right"), Column("-", 6, "right")]


def _period_label(since: str, until: str, zone: tzinfo) -> str:
    """`since` to the last day before `until`, as days of `zone`."""
    first = local_day(from_stored(since), zone)
    last = local_day(from_stored(until) - timedelta(seconds=1), zone)
    return f"{first.isoformat()} → {last.isoformat()}"


def _summary(figures: Mapping[str, Any], zone: tzinfo) -> Text:
    summary = figures["summary"]
    change = summary["change"]
    change_pct = summary["change_pct"]
    versus = (
        f"{change:+d}, {change_pct:+.0f}% vs {summary['previous']}"
        if change_pct is not None
        else f"{change:+d}, none the period before"
    )
    text = Text.assemble(("Mentions: ", "bold"), f"{summary['mentions']} ({versus})")
    text.append(" · net sentiment ")
    text.append_text(_signed(summary["net_sentiment"]))
    text.append("\n")
    if figures.get("elsewhere"):
        text.append(elsewhere_line(figures["elsewhere"], zone) + "\n", style="yellow")
    text.append("Tone: ", style="bold")
    for index, tone in enumerate(TONES):
        if index:
            text.append(" · ")
        text.append(
            f"{summary['tones'][tone]} {tone} ({_pct(summary['tones_pct'][tone])})",
            style=TONE_STYLES[tone],
        )
    return text


def _grouped(days: list[Mapping[str, Any]], grouping: str) -> list[list[Mapping[str, Any]]]:
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


def elsewhere_line(elsewhere: Mapping[str, Any], zone: tzinfo = timezone.utc) -> str:
    """What an empty period misses: "207 mentions stored, none in this period; …"."""
    count = elsewhere["mentions"]
    line = (
        f"{count} mention{'' if count == 1 else 's'} stored, none in this period; "
        f"the newest is from {show_time(elsewhere['newest_mention_at'], zone)[:10]}"
    )
    return line + (f": try `{elsewhere['try']}`" if elsewhere["try"] else "")


def _over_time(figures: Mapping[str, Any], width: int) -> Table:
    """One character per day, week or month (`figures["grouping"]`), the newest on the right.

    Should the period hold more groups than fit in `width` beside the other columns (16 for
    the brand, 7 + 5 for total and peak, 8 at least for the spikes, 3 between each), the
    oldest are left out of the line, never the newest; the total still counts every day.
    """
    days = figures["days"]
    grouping = figures.get("grouping", "day")
    groups = _grouped(days, grouping)[-max(9, width - 51) :]
    shown = [day for group in groups for day in group]
    brands = sorted({brand for day in days for brand in day["counts"]})
    rows = []
    for brand in brands:
        counts = [sum(day["counts"].get(brand, 0) for day in group) for group in groups]
        spark = Text()
        for group, char in zip(groups, sparkline(counts), strict=True):
            spiked = any(brand in day["spikes"] for day in group)
            spark.append(char, style="bold red" if spiked else "")
        spikes = [
            f"{short_date(day['date'])} ({day['counts'].get(brand, 0)}"
            + (", negative" if "negative" in day["spike_kinds"][brand] else "")
            + ")"
            for day in reversed(days)
            if brand in day["spikes"]
        ]
        total = sum(day["counts"].get(brand, 0) for day in days)
        rows.append([brand, spark, total, max(counts, default=0), ", ".join(spikes) or "-"])
    first, last = (
        (short_date(shown[0]["date"]), short_date(shown[-1]["date"])) if days else ("", "")
    )
    cut = f"last {len(groups)} {grouping}s: " if len(shown) < len(days) else ""
    columns = [
        Column("Brand", 16),
        Column(f"Per {grouping}", max(len(groups), 9)),
        Column("Total", 7, "right"),
        Column("Peak", 5, "right"),
        Column("Spikes"),
    ]
    return fitted_table(f"Over time ({cut}{first} → {last})", columns, rows, width)


def report_view(
    figures: Mapping[str, Any],
    width: int = 80,
    zone: tzinfo = timezone.utc,
    words: Wording | None = None,
) -> RenderableType:
    """The morning report: summary, share of voice, over time, who, where, needs attention;
    its times shown in `zone`, the one its days were counted in."""
    period = figures["period"]
    parts: list[RenderableType] = [
        Text.assemble(
            ("Report ", "bold"),
            _period_label(period["since"], period["until"], zone),
            f" {zone_name(zone)} · before: ",
            _period_label(period["previous_since"], period["since"], zone),
        ),
        _summary(figures, zone),
        fitted_table(
            "Tone and share of voice",
            [
                Column("Brand", 24),
                Column("Mentions", 8, "right"),
                Column("Voice", 5, "right"),
                Column("Pos", 4, "right"),
                Column("Neu", 4, "right"),
                Column("Neg", 4, "right"),
                Column("Net", 5, "right"),
            ],
            [
                [
                    Text(row["brand"])
                    + Text(" (competitor)" if row["competitor"] else "", style="dim"),
                    row["mentions"],
                    _pct(row["share_of_voice_pct"]),
                    Text(_pct(row["positive_pct"]), style="green"),
                    _pct(row["neutral_pct"]),
                    Text(_pct(row["negative_pct"]), style="red"),
                    _signed(row["net_sentiment"]),
                ]
                for row in figures["brands"]
            ],
            width,
        ),
        _over_time(figures, width),
        fitted_table(
            "Who is talking",
            [
                Column("Author", 24),
                Column("Writes on"),
                Column("Mentions", 8, "right"),
                *_tone_columns(),
                Column("Last seen", 16),
            ],
            [
                [
                    row["author"],
                    ", ".join(row["domains"]),
                    row["mentions"],
                    *_tone_cells(row),
                    short_date(row["last_seen"], time=True, zone=zone),
                ]
                for row in figures["who"]
            ],
            width,
        ),
        fitted_table(
            "Where: sources",
            [
                Column("Source"),
                Column("Type", 8),
                Column("Mentions", 8, "right"),
                Column("Share", 5, "right"),
                *_tone_columns(),
            ],
            [
                [
                    row["source"],
                    row["type"],
                    row["mentions"],
                    _pct(row["share_pct"]),
                    *_tone_cells(row),
                ]
                for row in figures["where"]["sources"]
            ],
            width,
        ),
        fitted_table(
            "Where: sites",
            [
                Column("Domain"),
                Column("Mentions", 8, "right"),
                Column("Share", 5, "right"),
                *_tone_columns(),
            ],
            [
                [row["domain"], row["mentions"], _pct(row["share_pct"]), *_tone_cells(row)]
                for row in figures["where"]["domains"]
            ],
            width,
        ),
    ]
    if figures["attention"]:
        parts.append(
            mentions_table(figures["attention"], title="Needs attention", width=width, zone=zone)
        )
    else:
        parts.append(Text("Needs attention: nothing new that is negative or asks a question."))
    parts.append(Text(f"Spikes: {figures['spike_rule']}.", style="dim"))
    return Group(*parts)
