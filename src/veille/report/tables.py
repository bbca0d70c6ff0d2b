"""What every view shares: web text made literal, fitted tables, short dates.

Text from the web is always wrapped in `rich.text.Text` (never parsed as markup) after
`clean_text` has removed control characters and escape sequences, so a title such as
`[bold red]x[/]` or one carrying an ANSI sequence prints literally and harmlessly.

Times arrive as stored (UTC) and are shown in the zone each view is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from typing import Any

from rich import box
from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text

from veille.text import clean_text
from veille.times import from_stored, local_day, show_time
from veille.wording import Wording

TONE_STYLES = {"positive": "green", "neutral": "", "negative": "red"}
SPARK = "▁▂▃▄▅▆▇█"


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


def mention_date(row: Mapping[str, Any]) -> str:
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


def sparkline(counts: list[int]) -> str:
    """One character per day, its height relative to the busiest day shown."""
    peak = max(counts, default=0)
    if peak == 0:
        return SPARK[0] * len(counts)
    return "".join(SPARK[min(len(SPARK) - 1, round(c / peak * (len(SPARK) - 1)))] for c in counts)


def shown_day(value: str, words: Wording, zone: tzinfo = timezone.utc, time: bool = False) -> str:
    """A day (or a stored time) as the terminal report shows it: in English the compact
    numeric form of the other listings ("11-27", "2025-11-27"), in French Babel's
    ("27 nov.", "27 nov. 2025"); with its time of day when `time`."""
    if words.lang == "en":
        return short_date(value, time=time, zone=zone)
    moment = local_day(from_stored(value), zone) if len(value) > 10 else date.fromisoformat(value)
    shown = words.day(moment, "short" if moment.year == date.today().year else "year")
    return f"{shown} {show_time(value, zone)[11:16]}" if time and len(value) > 10 else shown
