"""Mentions listed, found, waiting in the inbox, or shown one in full."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timezone, tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from veille.report.tables import (
    TONE_STYLES,
    Column,
    fitted_table,
    mention_date,
    short_date,
    shown_day,
    tone_text,
    web_text,
)
from veille.text import HIGHLIGHT_END, HIGHLIGHT_START, clean_text, strip_controls
from veille.times import from_stored, show_time, zone_name
from veille.wording import Wording

_WHITESPACE = re.compile(r"\s+")


def mentions_table(
    rows: Iterable[Mapping[str, Any]],
    title: str = "Mentions",
    width: int = 80,
    zone: tzinfo = timezone.utc,
    words: Wording | None = None,
) -> Table:
    """Mentions newest first, one line each, dated in `zone`; below 100 columns the source
    and the time of day are left out. Its labels, tones and dates are in the language of
    `words` (English by default)."""
    words = words or Wording()
    narrow = width < 100
    columns = [
        Column(words("id"), 7, "right"),
        Column(words("date"), 10 if narrow else 16),
        Column(words("brand"), 12),
        Column(words("tone_label"), 8),
        *([] if narrow else [Column(words("source"), 16)]),
        Column(words("author"), 14),
        Column(words("title")),
    ]

    def dated(row: Mapping[str, Any]) -> str:
        if words.lang != "en" and mention_date(row):
            return shown_day(mention_date(row), words, zone, time=not narrow)
        if narrow:
            return short_date(mention_date(row), zone=zone)
        return show_time(mention_date(row), zone)

    lines = [
        [
            str(row["id"]),
            dated(row),
            row.get("brand"),
            Text(words.term(row.get("tone")), style=TONE_STYLES.get(row.get("tone") or "", "")),
            *([] if narrow else [row.get("source")]),
            row.get("author"),
            row.get("title") or row.get("snippet"),
        ]
        for row in rows
    ]
    return fitted_table(title, columns, lines, width)


def inbox_table(
    rows: Iterable[Mapping[str, Any]],
    width: int = 80,
    total: int | None = None,
    zone: tzinfo = timezone.utc,
) -> RenderableType:
    """The inbox, most urgent first; "Why" is in red when someone waits for an answer or a
    moderator (questions, complaints, insults). The title says "8 of 39" when --limit cut
    the list, so that a full page is not taken for the whole inbox."""
    rows = list(rows)
    if not rows:
        return Text("Inbox empty: nothing new asks, complains, insults or is negative.")
    columns = [
        Column("ID", 7, "right"),
        Column("Why", 18),
        Column("Date", 10),
        Column("Brand", 10),
        Column("Author", 14),
        Column("Title"),
    ]
    lines = [
        [
            str(row["id"]),
            Text(row["flags"] or row["tone"], style="red" if row["urgency"] < 2 else ""),
            short_date(mention_date(row), zone=zone),
            row.get("brand"),
            row.get("author"),
            row.get("title") or row.get("snippet"),
        ]
        for row in rows
    ]
    shown = f"{len(rows)} of {total}" if total is not None and total > len(rows) else len(rows)
    return fitted_table(f"Inbox ({shown})", columns, lines, width)


def marked_text(marked: str | None) -> Text:
    """Web text whose matched words arrive between HIGHLIGHT_START/END marks, made bold."""
    text = Text()
    for index, part in enumerate((marked or "").split(HIGHLIGHT_START)):
        matched, _, rest = part.partition(HIGHLIGHT_END) if index else ("", "", part)
        text.append(_inline(matched), style="bold underline")
        text.append(_inline(rest))
    return text


def _inline(fragment: str) -> str:
    """A fragment of web text on one line, spaces at its edges kept (unlike clean_text)."""
    return _WHITESPACE.sub(" ", strip_controls(fragment))


def search_results(
    rows: Iterable[Mapping[str, Any]], width: int = 80, zone: tzinfo = timezone.utc
) -> RenderableType:
    """Each match as a heading line (its date in `zone`), its highlighted title, and its
    highlighted excerpt."""
    parts: list[RenderableType] = []
    for row in rows:
        date = show_time(mention_date(row), zone)[:10]
        heading = Text.assemble(
            (f"#{row['id']} ", "bold"),
            f"{date} · ",
            web_text(row.get("brand")),
            " · ",
            tone_text(row.get("tone")),
            " · ",
            web_text(row.get("author") or "-"),
            " · ",
            web_text(row.get("source")),
        )
        heading.truncate(width, overflow="ellipsis")
        parts.append(heading)
        title, excerpt = row.get("title_marked") or "", row.get("excerpt_marked") or ""
        shown = [title] if title.strip() else []
        if HIGHLIGHT_START in excerpt or not shown:
            shown.append(excerpt)
        parts.extend(Padding(marked_text(marked), (0, 0, 0, 2)) for marked in shown)
        parts.append(web_text(f"  {row.get('url')}", style="dim"))
    if not parts:
        parts.append(Text("No mention matches."))
    return Group(*parts)


def plain_marked(marked: str | None) -> str:
    """The marked text without its marks, for JSON output."""
    return clean_text(marked)


def full_date(moment: str | None, zone: tzinfo = timezone.utc) -> str:
    """A stored date with its year, time and zone ("2026-11-03 15:02 CET"), in `zone`;
    what cannot be read as a date is shown as stored."""
    if not moment:
        return "-"
    try:
        local = from_stored(moment).astimezone(zone)
    except (ValueError, OverflowError):
        return moment
    return f"{show_time(moment, zone)} {local.tzname() or zone_name(zone)}"


def mention_view(
    row: Mapping[str, Any],
    why: Iterable[str],
    today: tuple[str, float] | None = None,
    zone: tzinfo = timezone.utc,
) -> RenderableType:
    """One mention in full (`veille show`): a field per line, then its text as stored.

    `why` are the explanation's lines; `today` is today's engine's (tone, score) when it
    differs from the stored one, so that the stored tone stays the one shown and the
    explanation is said to be today's. A tone corrected by hand (the row's `judged` holds
    the engine's judgement) is shown with what it was corrected from, the explanation
    being the engine's. Plain Text, not a table: nothing pads the lines."""
    view = Text()

    def field(label: str, value: Any) -> None:
        lines: list[Text] = (
            list(value.split("\n"))
            if isinstance(value, Text)
            else [Text(clean_text(str(value or "")) or "-")]
        )
        view.append(f"{label:<10} ", style="bold")
        for index, line in enumerate(lines):
            view.append_text(line)
            view.append("\n" + (" " * 11 if index + 1 < len(lines) else ""))

    score = row.get("tone_score")
    tone = Text.assemble(tone_text(row.get("tone")), f" {score:+.2f}" if score is not None else "")
    judged = row.get("judged")
    flags = ", ".join((row.get("flags") or "").split())
    if judged and (judged["tone"], judged["score"]) != (row.get("tone"), score):
        # Corrected by hand: the explanation below is the engine's, for its own judgement.
        was = (
            judged["tone"]
            if judged["score"] is None
            else f"{judged['tone']} {judged['score']:+.2f}"
        )
        if today is not None:
            tone.append(
                f"  (corrected from {was}; today's engine says {today[0]} {today[1]:+.2f}, "
                "and why:)"
            )
        else:
            tone.append(f"  (corrected from {was}; the engine's reasons:)")
    elif today is not None:
        tone.append(f"  (stored; today's engine says {today[0]} {today[1]:+.2f}, and why:)")
    judged_flags = ", ".join((judged.get("flags") or "").split()) if judged else flags
    if judged_flags != flags:
        flags = f"{flags or '-'} (corrected from {judged_flags or 'none'})"
    source = row.get("source") or "-"
    field("Mention", f"{row['id']} · {row.get('brand') or '-'}")
    field("Title", row.get("title") or "(no title)")
    field("Link", row.get("url"))
    field("Source", f"{source} ({row['source_type']})" if row.get("source_type") else source)
    field("Site", row.get("domain"))
    field("Author", row.get("author"))
    field("Published", full_date(row.get("published_at"), zone))
    field("Found", full_date(row.get("found_at"), zone))
    field("Language", row.get("lang"))
    field("Tone", tone)
    field("Why", Text("\n".join(clean_text(line) for line in why)))
    field("Flags", flags)
    field("Status", _dated(row.get("status"), row.get("triaged_at"), zone))
    field("Note", _dated(row.get("note"), row.get("noted_at"), zone))
    field("Matched", row.get("matched"))
    body = clean_text(row.get("text"), keep_lines=True)
    view.append("\n")
    view.append(body or "(no text)")
    return view


def _dated(value: str | None, moment: str | None, zone: tzinfo) -> str | None:
    """A status or note with when it was set: "handled (2026-12-07 09:12 CET)"."""
    return f"{value} ({full_date(moment, zone)})" if value and moment else value
