"""Mentions to CSV, JSON Lines or an Excel workbook, streamed row by row.

CSV is RFC 4180 (the csv module's defaults, CRLF line ends) in the SPEC's column order. A
text cell that a spreadsheet would evaluate as a formula gets a leading `'`; numeric columns
stay numbers so that sums and sorts still work. The workbook has the same columns, typed:
dates are dates (in the user's zone: a spreadsheet has no zones, and people read the dates
they lived), numbers numbers, links clickable, and text is always text. CSV and JSON Lines
keep the stored UTC times, which scripts compare and parse.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import IO, Any

from veille.times import from_stored

CSV_COLUMNS = (
    "id brand found_at published_at source source_type domain author title url snippet "
    "matched lang tone tone_score flags status note label"
).split()
NUMERIC_COLUMNS = frozenset({"id", "tone_score"})
DATE_COLUMNS = frozenset({"found_at", "published_at"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "jsonl", "xlsx")
# Excel's own limits: rows per sheet (the header takes one), links per sheet, link length.
XLSX_MAX_ROWS = 1_048_575
XLSX_MAX_LINKS = 65_530
XLSX_MAX_URL = 2_079
# Widths in characters: room for a date or a short name, more for what people read.
XLSX_WIDTHS = {
    "id": 7, "brand": 14, "found_at": 17, "published_at": 17, "source": 20,
    "source_type": 11, "domain": 20, "author": 18, "title": 50, "url": 40, "snippet": 60,
    "matched": 14, "lang": 6, "tone": 9, "tone_score": 11, "flags": 18, "status": 9,
    "note": 30, "label": 9,
}  # fmt: skip
# Characters XML 1.0 cannot hold (a workbook is XML), tab and line feed aside.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def neutralise_formula(value: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula, so it is shown as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str], *, excel: bool = False) -> int:
    """Write mentions as CSV; returns the number of rows written."""
    if excel:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(
            [
                row.get(column)
                if column in NUMERIC_COLUMNS
                else neutralise_formula(str(row.get(column) or ""))
                for column in CSV_COLUMNS
            ]
        )
        count += 1
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per mention per line; returns the number written."""
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_xlsx(rows: Iterable[dict[str, Any]], path: Path, zone: tzinfo = timezone.utc) -> int:
    """Write mentions as an Excel workbook at `path`, dates in `zone`; returns the number of
    rows written.

    Rows go to disk as they come (XlsxWriter's constant-memory mode), so a large export
    needs no more memory than a small one. Raises OSError when the file cannot be written.
    """
    import xlsxwriter  # only here: it is not needed to start the other commands
    from xlsxwriter.exceptions import FileCreateError

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            # Every cell is written by its type below; never guess one from a string.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    header = workbook.add_format({"bold": True, "bottom": 1})
    date = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    link = workbook.get_default_url_format()
    workbook.use_zip64()  # past 4 GiB a workbook needs it; Excel reads it at any size
    sheet = workbook.add_worksheet("mentions")
    for index, column in enumerate(CSV_COLUMNS):
        sheet.set_column(index, index, XLSX_WIDTHS[column])
        sheet.write_string(0, index, column, header)
    sheet.freeze_panes(1, 0)
    count = links = 0
    for row in rows:
        if count == XLSX_MAX_ROWS:
            workbook.close()
            raise ValueError(f"more than {XLSX_MAX_ROWS:,} mentions, Excel's limit per sheet")
        count += 1
        for index, column in enumerate(CSV_COLUMNS):
            value = row.get(column)
            if value is None or value == "":
                continue
            if column in NUMERIC_COLUMNS and isinstance(value, (int, float)):
                sheet.write_number(count, index, value)
                continue
            text = _xml_text(str(value))
            moment = _local_datetime(text, zone) if column in DATE_COLUMNS else None
            if moment is not None:
                sheet.write_datetime(count, index, moment, date)
            elif column == "url" and _linkable(text) and links < XLSX_MAX_LINKS:
                links += 1
                sheet.write_url(count, index, text, link, string=text)
            else:
                sheet.write_string(count, index, text)
    sheet.autofilter(0, 0, count, len(CSV_COLUMNS) - 1)
    try:
        workbook.close()
    except FileCreateError as error:
        cause = error.args[0] if error.args else None
        raise (cause if isinstance(cause, OSError) else OSError(str(error))) from None
    return count


def _xml_text(value: str) -> str:
    """Text a workbook can hold: line ends as line feeds, other control characters gone."""
    return _NOT_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _local_datetime(value: str, zone: tzinfo) -> datetime | None:
    """A stored time as a naive datetime of `zone` (Excel has no time zones), else None."""
    try:
        return from_stored(value).astimezone(zone).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None


def _linkable(url: str) -> bool:
    """An http(s) URL short enough for Excel to keep as a link."""
    return url.startswith(("http://", "https://")) and len(url.encode("utf-16-le")) <= (
        2 * XLSX_MAX_URL
    )


def write_export(
    rows: Iterable[dict[str, Any]], out: IO[str], fmt: str = "csv", *, excel: bool = False
) -> int:
    """Write mentions in `fmt` (csv or jsonl)."""
    if fmt == "jsonl":
        return write_jsonl(rows, out)
    return write_csv(rows, out, excel=excel)
