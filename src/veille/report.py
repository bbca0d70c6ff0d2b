"""Rich renderables for what veille prints: scan summaries, mention lists, the report.

Text from the web is always wrapped in `rich.text.Text` (never parsed as markup) after
`clean_text` has removed control characters and escape sequences, so a title such as
`[bold red]x[/]` or one carrying an ANSI sequence prints literally and harmlessly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def mentions_table(rows: Iterable[Mapping[str, Any]], title: str = "Mentions") -> Table:
    """Mentions newest first, one line each, long text cut with an ellipsis."""
    table = _table(
        title,
        ("ID", {"justify": "right"}),
        ("Date", {}),
        ("Brand", {"max_width": 14}),
        ("Tone", {}),
        ("Source", {"max_width": 18}),
        ("Author", {"max_width": 16}),
        ("Title", {"ratio": 1, "min_width": 12}),
    )
    for row in rows:
        date = (row.get("published_at") or row.get("found_at") or "")[:10]
        table.add_row(
            str(row["id"]),
            date,
            web_text(row.get("brand")),
            tone_text(row.get("tone")),
            web_text(row.get("source")),
            web_text(row.get("author")),
            web_text(row.get("title") or row.get("snippet")),
        )
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


def overview(figures: Mapping[str, Any]) -> RenderableType:
    """Who, where, in what tone, and what needs a human: the report's first screen."""
    total = figures["total"]
    parts: list[RenderableType] = [
        Text.assemble(("Mentions: ", "bold"), str(total)),
        breakdown_table("Tone and share of voice", "Brand", figures["brands"], total),
        breakdown_table("Who is talking", "Author", figures["authors"], total),
        breakdown_table("Where", "Source", figures["sources"], total),
    ]
    if figures["attention"]:
        parts.append(mentions_table(figures["attention"], title="Needs attention"))
    return Group(*parts)
