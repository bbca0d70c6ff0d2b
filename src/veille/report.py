"""Rich renderables for what veille prints: scan summaries, mention lists, the report.

Text from the web is always wrapped in `rich.text.Text` (never parsed as markup) after
`clean_text` has removed control characters and escape sequences, so a title such as
`[bold red]x[/]` or one carrying an ANSI sequence prints literally and harmlessly.

Times arrive as stored (UTC) and are shown in the zone each view is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from rich import box
from rich.console import Group, JustifyMethod, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from veille.models import TONES, AlertOutcome, ScanSummary
from veille.text import HIGHLIGHT_END, HIGHLIGHT_START, clean_text, strip_controls
from veille.times import from_stored, local_day, show_time, zone_name

TONE_STYLES = {"positive": "green", "neutral": "", "negative": "red"}
SPARK = "▁▂▃▄▅▆▇█"
_WHITESPACE = re.compile(r"\s+")


def web_text(value: Any, style: str = "") -> Text:
    """Untrusted text as a literal, single-line Rich Text."""
    return Text(clean_text(str(value)) if value is not None else "", style=style)


def tone_text(tone: str | None) -> Text:
    return Text(tone or "", style=TONE_STYLES.get(tone or "", ""))


@dataclass(frozen=True)
class Column:
    """A column of a fitted table: `cap` bounds its width; the one without a cap gets the rest."""

    name: str
    cap: int | None = None
    justify: JustifyMethod = "left"


Cell = str | int | float | Text | None


def _cell(value: Cell) -> Text:
    if isinstance(value, Text):
        return value
    return web_text("" if value is None else value)


def fitted_table(
    title: str, columns: list[Column], rows: Iterable[Iterable[Cell]], width: int = 80
) -> Table:
    """A table sized to `width` columns that never wraps: long cells end with an ellipsis.

    Rich shrinks columns it cannot wrap down to nothing when a table is too wide, so every
    width is decided here: each column its content's width up to its cap, and the flexible
    column what is left.
    """
    cells = [[_cell(value) for value in row] for row in rows]
    widths = []
    for index, column in enumerate(columns):
        natural = max([len(column.name), *(cell[index].cell_len for cell in cells)])
        widths.append(min(natural, column.cap) if column.cap else natural)
    flexible = [i for i, column in enumerate(columns) if column.cap is None]
    # Each column costs its padding and a separator: 3 characters.
    spare = width - sum(widths) - 3 * len(columns)
    for index in flexible:
        fixed = sum(w for i, w in enumerate(widths) if i != index)
        widths[index] = max(8, min(widths[index], width - fixed - 3 * len(columns)))
    if spare < 0 and not flexible:
        widths = [max(3, w + spare // len(columns)) for w in widths]
    # The title and headers as Text, not strings Rich would parse for markup and emoji codes
    # (a brand's name may hold either; and the emoji table alone costs 3 ms to import).
    table = Table(
        title=Text(title, style="bold"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for column, column_width in zip(columns, widths, strict=True):
        table.add_column(
            Text(column.name),
            width=column_width,
            no_wrap=True,
            overflow="ellipsis",
            justify=column.justify,
        )
    for row in cells:
        table.add_row(*row)
    return table


def scan_summary(summary: ScanSummary, width: int = 80) -> RenderableType:
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
    if summary.archive_by_brand_tone:
        found = ", ".join(
            f"{sum(by_tone.values())} found in the archive for {brand}"
            for brand, by_tone in sorted(summary.archive_by_brand_tone.items())
        )
        parts.append(
            Text.assemble(
                ("Archive: ", "bold"), web_text(f"{found} (rules changed; stored, not alerted)")
            )
        )
    if summary.new_by_brand_tone:
        columns = [Column("Brand", 24), *(Column(t, justify="right") for t in TONES)]
        new_rows: list[list[Cell]] = []
        for brand, by_tone in sorted(summary.new_by_brand_tone.items()):
            counts = [by_tone.get(tone, 0) for tone in TONES]
            new_rows.append([brand, *counts, sum(counts)])
        columns.append(Column("total", justify="right"))
        parts.append(fitted_table("New mentions", columns, new_rows, width))
    troubles = [o for o in summary.sources if o.error or o.warning]
    if troubles:
        rows: list[list[Cell]] = [
            [
                outcome.name,
                Text(
                    "failed: " if outcome.error else "warning: ",
                    style="red" if outcome.error else "yellow",
                )
                + web_text(outcome.error or outcome.warning),
            ]
            for outcome in sorted(troubles, key=lambda o: (o.error is None, o.name))
        ]
        parts.append(
            fitted_table("Source problems", [Column("Source", 28), Column("Problem")], rows, width)
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


def _date(row: Mapping[str, Any]) -> str:
    """A mention's date: when it was published, else when veille found it."""
    return row.get("published_at") or row.get("found_at") or ""


def short_date(
    moment: str | None,
    year: int | None = None,
    *,
    time: bool = False,
    zone: tzinfo = timezone.utc,
) -> str:
    """`MM-DD` (with `HH:MM` if `time`) for a date of `year` (default: this year), the full
    date otherwise: "03-12" alone would let a mention from two years ago pass for recent.

    A stored time is shown in `zone`; a day (`YYYY-MM-DD`) is shown as it is.
    """
    if not moment:
        return ""
    if len(moment) > 10:
        moment = show_time(moment, zone)
    year = year or datetime.now(zone).year
    day = moment[5:10] if moment[:4] == str(year) else moment[:10]
    return f"{day} {moment[11:16]}".rstrip() if time else day


def mentions_table(
    rows: Iterable[Mapping[str, Any]],
    title: str = "Mentions",
    width: int = 80,
    zone: tzinfo = timezone.utc,
) -> Table:
    """Mentions newest first, one line each, dated in `zone`; below 100 columns the source
    and the time of day are left out."""
    narrow = width < 100
    columns = [
        Column("ID", 7, "right"),
        Column("Date", 10 if narrow else 16),
        Column("Brand", 12),
        Column("Tone", 8),
        *([] if narrow else [Column("Source", 16)]),
        Column("Author", 14),
        Column("Title"),
    ]
    lines = [
        [
            str(row["id"]),
            short_date(_date(row), zone=zone) if narrow else show_time(_date(row), zone),
            row.get("brand"),
            tone_text(row.get("tone")),
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
            short_date(_date(row), zone=zone),
            row.get("brand"),
            row.get("author"),
            row.get("title") or row.get("snippet"),
        ]
        for row in rows
    ]
    shown = f"{len(rows)} of {total}" if total is not None and total > len(rows) else len(rows)
    return fitted_table(f"Inbox ({shown})", columns, lines, width)


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


def sparkline(counts: list[int]) -> str:
    """One character per day, its height relative to the busiest day shown."""
    peak = max(counts, default=0)
    if peak == 0:
        return SPARK[0] * len(counts)
    return "".join(SPARK[min(len(SPARK) - 1, round(c / peak * (len(SPARK) - 1)))] for c in counts)


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
    figures: Mapping[str, Any], width: int = 80, zone: tzinfo = timezone.utc
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
        date = show_time(_date(row), zone)[:10]
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
    field("Status", row.get("status"))
    field("Note", row.get("note"))
    field("Matched", row.get("matched"))
    body = clean_text(row.get("text"), keep_lines=True)
    view.append("\n")
    view.append(body or "(no text)")
    return view
