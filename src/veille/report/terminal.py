"""The morning report in the terminal: summary, share of voice, over time, who, where,
what needs attention."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timezone, tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from veille.models import TONES
from veille.report.headline import headline
from veille.report.mentions import mentions_table
from veille.report.periods import change, elsewhere_line, grouped, period_label, triage_line
from veille.report.tables import (
    TONE_STYLES,
    Column,
    fitted_table,
    shown_day,
    sparkline,
    web_text,
)
from veille.times import zone_name
from veille.wording import Wording


def _signed(value: float | None, words: Wording, digits: int = 2) -> Text:
    if value is None:
        return Text("-")
    style = "green" if value > 0 else "red" if value < 0 else ""
    return Text(words.signed(value, digits), style=style)


def _tone_cells(row: Mapping[str, Any], words: Wording) -> list[Text]:
    return [Text(words.number(row[tone]), style=TONE_STYLES[tone]) for tone in TONES]


def _tone_columns() -> list[Column]:
    return [Column("+", 6, "right"), Column("=", 6, "right"), Column("-", 6, "right")]


def _summary(figures: Mapping[str, Any], zone: tzinfo, words: Wording) -> Text:
    summary = figures["summary"]
    versus = change(figures, words)
    text = Text.assemble(
        (words.label("mentions_label"), "bold"), f"{words.number(summary['mentions'])} ({versus})"
    )
    text.append(f" · {words('net_sentiment')} ")
    text.append_text(_signed(summary["net_sentiment"], words))
    text.append("\n")
    if figures.get("elsewhere"):
        text.append(
            elsewhere_line(figures["elsewhere"], zone, words, compact=words.lang == "en") + "\n",
            style="yellow",
        )
    text.append(words.label("tone_label"), style="bold")
    for index, tone in enumerate(TONES):
        if index:
            text.append(" · ")
        text.append(
            words(
                "tone_count",
                count=words.number(summary["tones"][tone]),
                tone=words.term(tone),
                pct=words.percent(summary["tones_pct"][tone]),
            ),
            style=TONE_STYLES[tone],
        )
    return text


def _over_time(figures: Mapping[str, Any], width: int, words: Wording) -> Table:
    """One character per day, week or month (`figures["grouping"]`), the newest on the right.

    Should the period hold more groups than fit in `width` beside the other columns (16 for
    the brand, 7 + 5 for total and peak, 8 at least for the spikes, 3 between each), the
    oldest are left out of the line, never the newest; the total still counts every day.
    """
    days = figures["days"]
    grouping = figures.get("grouping", "day")
    groups = grouped(days, grouping)[-max(9, width - 51) :]
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
            f"{shown_day(day['date'], words)} ({words.number(day['counts'].get(brand, 0))}"
            + (words("negative_spike") if "negative" in day["spike_kinds"][brand] else "")
            + ")"
            for day in reversed(days)
            if brand in day["spikes"]
        ]
        total = sum(day["counts"].get(brand, 0) for day in days)
        rows.append(
            [
                brand,
                spark,
                words.number(total),
                words.number(max(counts, default=0)),
                ", ".join(spikes) or "-",
            ]
        )
    first, last = (
        (shown_day(shown[0]["date"], words), shown_day(shown[-1]["date"], words))
        if days
        else ("", "")
    )
    cut = (
        words("last_groups", count=len(groups), grouping=words(f"{grouping}s"))
        if len(shown) < len(days)
        else ""
    )
    columns = [
        Column(words("brand"), 16),
        Column(words(f"per_{grouping}"), max(len(groups), 9, len(words(f"per_{grouping}")))),
        Column(words("total"), 7, "right"),
        Column(words("peak"), 5, "right"),
        Column(words("spikes")),
    ]
    return fitted_table(words("over_time", cut=cut, first=first, last=last), columns, rows, width)


def report_view(
    figures: Mapping[str, Any],
    width: int = 80,
    zone: tzinfo = timezone.utc,
    words: Wording | None = None,
) -> RenderableType:
    """The morning report: headline, summary, share of voice, over time, who, where, needs
    attention, triage; in the language of `words`, its times shown in `zone`, the one its
    days were counted in."""
    words = words or Wording()
    period = figures["period"]
    compact = words.lang == "en"  # the English terminal keeps its numeric dates
    pct = words.percent
    parts: list[RenderableType] = [
        Text.assemble(
            (f"{words('report')} ", "bold"),
            period_label(period["since"], period["until"], zone, words, compact),
            f" {zone_name(zone)} · {words.label('before')}",
            period_label(period["previous_since"], period["since"], zone, words, compact),
        ),
        Text(headline(figures, words), style="bold"),
        _summary(figures, zone, words),
        fitted_table(
            words("tone_and_voice"),
            [
                Column(words("brand"), 24),
                Column(words("mentions_label"), 8, "right"),
                Column(words("voice"), 5, "right"),
                # "100 %" in French: five characters
                Column(words("pos"), 5, "right"),
                Column(words("neu"), 5, "right"),
                Column(words("neg"), 5, "right"),
                Column(words("net"), 5, "right"),
            ],
            [
                [
                    web_text(row["brand"])
                    + Text(f" ({words('competitor')})" if row["competitor"] else "", style="dim"),
                    words.number(row["mentions"]),
                    pct(row["share_of_voice_pct"]),
                    Text(pct(row["positive_pct"]), style="green"),
                    pct(row["neutral_pct"]),
                    Text(pct(row["negative_pct"]), style="red"),
                    _signed(row["net_sentiment"], words),
                ]
                for row in figures["brands"]
            ],
            width,
        ),
        _over_time(figures, width, words),
        fitted_table(
            words("who"),
            [
                Column(words("author"), 24),
                Column(words("writes_on")),
                Column(words("mentions_label"), 8, "right"),
                *_tone_columns(),
                Column(words("last_seen"), 16),
            ],
            [
                [
                    row["author"],
                    ", ".join(row["domains"]),
                    words.number(row["mentions"]),
                    *_tone_cells(row, words),
                    shown_day(row["last_seen"], words, zone, time=True) if row["last_seen"] else "",
                ]
                for row in figures["who"]
            ],
            width,
        ),
        fitted_table(
            words("where_sources"),
            [
                Column(words("source")),
                Column(words("type"), 8),
                Column(words("mentions_label"), 8, "right"),
                Column(words("share"), 5, "right"),
                *_tone_columns(),
            ],
            [
                [
                    row["source"],
                    row["type"],
                    words.number(row["mentions"]),
                    pct(row["share_pct"]),
                    *_tone_cells(row, words),
                ]
                for row in figures["where"]["sources"]
            ],
            width,
        ),
        fitted_table(
            words("where_sites"),
            [
                Column(words("domain_column")),
                Column(words("mentions_label"), 8, "right"),
                Column(words("share"), 5, "right"),
                *_tone_columns(),
            ],
            [
                [
                    row["domain"],
                    words.number(row["mentions"]),
                    pct(row["share_pct"]),
                    *_tone_cells(row, words),
                ]
                for row in figures["where"]["domains"]
            ],
            width,
        ),
    ]
    if figures["attention"]:
        parts.append(
            mentions_table(
                figures["attention"], title=words("attention"), width=width, zone=zone, words=words
            )
        )
    else:
        # after the label's colon the sentence goes on in lower case: "À traiter : rien de…"
        nothing = words("attention_none")
        parts.append(Text(words.label("attention") + nothing[:1].lower() + nothing[1:]))
    triage = figures.get("triage")
    if triage:
        parts.append(_triage(triage, words))
    parts.append(Text(words("spikes_rule", rule=words.spike_rule()), style="dim"))
    return Group(*parts)


def _triage(triage: Mapping[str, Any], words: Wording) -> Text:
    """How many of the period's mentions were handled or ignored, and the notes left."""
    text = Text.assemble(
        (words.label("triage"), "bold"),
        triage_line(triage, words),
    )
    for note in triage["notes"]:
        text.append(f"\n  #{note['id']} {words.term(note['status'])}{words('colon')}")
        text.append_text(web_text(note["note"]))
    return text
