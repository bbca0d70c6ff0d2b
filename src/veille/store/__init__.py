"""The SQLite store: the only package that writes the database.

Guarantees, and how they are kept:

- *No duplicate mention*: `UNIQUE(brand, url)` with `INSERT … ON CONFLICT DO NOTHING`; the
  URL is canonical before it gets here. A rescan therefore never touches an existing row,
  which is also what keeps its triage status and note.
- *No half-written source*: each source's items, mentions and health row are written in one
  transaction; `kill -9` loses at most the source being written, never part of it.
- *Every item kept*: the archive (`items`) holds each item read, once per source and
  canonical URL; a mention refers to its item, and `mentions` is a view over both with the
  columns the table had. Only `purge` and the `keep_items` retention delete, and never an
  item a mention refers to.
- *One scan at a time*: an exclusive `flock` on `<db>.lock`, which the kernel releases when
  the holder dies, so a crashed scan never leaves a stale lock. The file holds the pid.
- WAL mode, so readers (`veille mentions`, Datasette) never block a scan.

`database` opens the file and writes sweeps; `listing` answers the listing commands and the
report; `alert_state` keeps what each alert URL was sent; `archive` reads the archive for a
rematch or a backtest, and removes what retention and erasure remove; `labels` keeps tone
corrections, labelled texts and the layer trained on them.
"""

import sys

from veille.store.filters import (
    ATTENTION,
    DATE_COLUMN,
    INBOX_URGENCY,
    MENTION_COLUMNS,
    MentionFilter,
)
from veille.store.lock import ScanLock


def _import_sqlite_utils() -> None:
    """Import sqlite_utils with numpy and pandas hidden, unless they are loaded already.

    sqlite_utils imports both, when installed, only to map their scalar types to column
    types; veille declares its tables with Python types and writes Python values, and numpy
    alone would double the start-up of every command that opens the database. They are
    hidden only while sqlite_utils loads: the tone models import numpy as usual afterwards.
    """
    if "sqlite_utils.db" in sys.modules:
        return
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]


_import_sqlite_utils()

from veille.store.database import SourceState, Store  # noqa: E402
from veille.store.labels import Correction, LabelImport, LabelledText  # noqa: E402

__all__ = [
    "ATTENTION",
    "Correction",
    "DATE_COLUMN",
    "INBOX_URGENCY",
    "LabelImport",
    "LabelledText",
    "MENTION_COLUMNS",
    "MentionFilter",
    "ScanLock",
    "SourceState",
    "Store",
]
