"""Rich renderables for what veille prints: scan summaries, mention lists, the report.

Text from the web is always wrapped in `rich.text.Text` (never parsed as markup) after
`clean_text` has removed control characters and escape sequences, so a title such as
`[bold red]x[/]` or one carrying an ANSI sequence prints literally and harmlessly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from veille.models import TONES, ScanSummary
from veille.text import clean_text

TONE_STYLES = {"positive": "green", "neutral": "", "negative": "red"}


def web_text(value: Any, style: str = "") -> Text:
    """Untrusted text as a literal, single-line Rich Text."""
    return Text(clean_text(str(value)) if value is not None else "", style=style)


def tone_text(tone: str | None) -> Text:
    return Text(tone or "", style=TONE_STYLES.get(tone or "", ""))


def _table(title: str, *columns: tuple[str, dict[str, Any]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", expand=False)
    for name, options in columns:
        table.add_column(name, overflow="ellipsis", no_wrap=True, **options)
    return table


def scan_summary(summary: ScanSummary) -> RenderableType:
    """Sources ok / unchanged / failed (each failure with its reason), items, new mentions."""
    parts: list[RenderableType] = []
    headline = Text.assemble(
        ("Sources: ", "bold"),
        f"{summary.sources_ok} ok, {summary.sources_unchanged} unchanged, ",
        (f"{summary.sources_failed} failed", "red" if summary.sources_failed else ""),
        f" · items seen: {summary.items_seen} · new mentions: {summary.mentions_new}",
    )
    if summary.interrupted:
        headline.append(" · interrupted: what was fetched before is stored", style="yellow")
    parts.append(headline)
    if summary.new_by_brand_tone:
        table = _table(
            "New mentions",
            ("Brand", {"max_width": 30}),
            *((tone, {"justify": "right"}) for tone in TONES),
            ("Total", {"justify": "right"}),
        )
        for brand, by_tone in sorted(summary.new_by_brand_tone.items()):
            counts = [by_tone.get(tone, 0) for tone in TONES]
            table.add_row(web_text(brand), *map(str, counts), str(sum(counts)))
        parts.append(table)
    troubles = [o for o in summary.sources if o.error or o.warning]
    if troubles:
        table = _table("Source problems", ("Source", {"max_width": 28}), ("Problem", {"ratio": 1}))
        for outcome in sorted(troubles, key=lambda o: (o.error is None, o.name)):
            problem = outcome.error or outcome.warning
            style = "red" if outcome.error else "yellow"
            label = "failed: " if outcome.error else "warning: "
            table.add_row(web_text(outcome.name), Text(label, style=style) + web_text(problem))
        parts.append(table)
    return Group(*parts)


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
    }


def mentions_table(
    rows: Iterable[Mapping[str, Any]], title: str = "Mentions", width: int = 80
) -> Table:
    """Mentions newest first, one line each, sized to `width` columns.

    Columns get explicit widths so nothing wraps: long titles, authors and sources are cut
    with an ellipsis. Below 100 columns the source is left out and dates are shortened.
    """
    rows = list(rows)
    narrow = width < 100
    cells = [
        {
            "ID": str(row["id"]),
            "Date": (row.get("published_at") or row.get("found_at") or "")[5 if narrow else 0 : 10],
            "Brand": clean_text(row.get("brand") or ""),
            "Tone": row.get("tone") or "",
            "Source": clean_text(row.get("source") or ""),
            "Author": clean_text(row.get("author") or ""),
            "Title": clean_text(row.get("title") or row.get("snippet") or ""),
        }
        for row in rows
    ]
    caps = {"ID": 7, "Date": 10, "Brand": 12, "Tone": 8, "Source": 16, "Author": 14}
    if narrow:
        del caps["Source"]
    widths = {
        name: min(cap, max([len(name), *(len(cell[name]) for cell in cells)]))
        for name, cap in caps.items()
    }
    # Each column costs its padding (2) and a separator (1); the title gets what is left.
    widths["Title"] = max(12, width - sum(widths.values()) - 3 * (len(widths) + 1))
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        expand=False,
    )
    for name, column_width in widths.items():
        table.add_column(
            name,
            width=column_width,
            no_wrap=True,
            overflow="ellipsis",
            justify="right" if name == "ID" else "left",
        )
    for cell in cells:
        values = [tone_text(cell[name]) if name == "Tone" else Text(cell[name]) for name in widths]
        table.add_row(*values)
    return table


def breakdown_table(
    title: str, heading: str, rows: Iterable[Mapping[str, Any]], total: int
) -> Table:
    """A "who" / "where" / "tone" table: value, mentions, share, tone mix."""
    table = _table(
        title,
        (heading, {"max_width": 30, "ratio": 1}),
        ("Mentions", {"justify": "right"}),
        ("Share", {"justify": "right"}),
        ("+", {"justify": "right", "style": "green"}),
        ("=", {"justify": "right"}),
        ("-", {"justify": "right", "style": "red"}),
    )
    for row in rows:
        share = f"{100 * row['mentions'] / total:.0f}%" if total else "-"
        table.add_row(
            web_text(row["value"] or "(unknown)"),
            str(row["mentions"]),
            share,
            str(row["positive"]),
            str(row["neutral"]),
            str(row["negative"]),
        )
    return table


def overview(figures: Mapping[str, Any], width: int = 80) -> RenderableType:
    """Who, where, in what tone, and what needs a human: the report's first screen."""
    total = figures["total"]
    parts: list[RenderableType] = [
        Text.assemble(("Mentions: ", "bold"), str(total)),
        breakdown_table("Tone and share of voice", "Brand", figures["brands"], total),
        breakdown_table("Who is talking", "Author", figures["authors"], total),
        breakdown_table("Where", "Source", figures["sources"], total),
    ]
    if figures["attention"]:
        parts.append(mentions_table(figures["attention"], title="Needs attention", width=width))
    return Group(*parts)
