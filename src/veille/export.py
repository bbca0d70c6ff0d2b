"""Mentions to CSV or JSON Lines, streamed row by row to a file object.

CSV is RFC 4180 (the csv module's defaults, CRLF line ends) in the SPEC's column order. A
text cell that a spreadsheet would evaluate as a formula gets a leading `'`; numeric columns
stay numbers so that sums and sorts still work.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

CSV_COLUMNS = (
    "id brand found_at published_at source source_type domain author title url snippet "
    "matched lang tone tone_score flags status"
).split()
NUMERIC_COLUMNS = frozenset({"id", "tone_score"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_FORMATS = ("csv", "jsonl")


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


def write_export(
    rows: Iterable[dict[str, Any]], out: IO[str], fmt: str = "csv", *, excel: bool = False
) -> int:
    """Write mentions in `fmt` (csv or jsonl)."""
    if fmt == "jsonl":
        return write_jsonl(rows, out)
    return write_csv(rows, out, excel=excel)
