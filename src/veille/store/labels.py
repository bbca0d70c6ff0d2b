"""Tone corrections and labelled texts, and the layer trained on them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from veille.times import stored_now

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class Correction:
    """A tone correction of one mention: the corrected tone and score, the corrected flags
    (None: leave them as judged) and the text the engine judged, to learn from."""

    mention_id: int
    label: str
    score: float
    text: str
    lang: str | None = None
    flags: str | None = None


@dataclass(frozen=True)
class LabelledText:
    """A labelled text that is not a mention (imported from a CSV)."""

    text: str
    label: str
    lang: str | None = None


@dataclass(frozen=True)
class LabelImport:
    """What an import of labelled texts did: texts new to the database, texts imported
    before whose label changed, and texts already there with the same label."""

    added: int = 0
    relabelled: int = 0
    unchanged: int = 0


class Labels:
    """Labels and the trained tone layer (a part of `Store`). What a reading command asks
    (`labels`, `tone_model`) goes through the plain connection, without sqlite_utils."""

    conn: sqlite3.Connection
    if TYPE_CHECKING:  # sqlite_utils over `conn`, made when first used (`database.Store.db`)

        @property
        def db(self) -> Database: ...

    def correct_tone(self, corrections: Iterable[Correction]) -> list[int]:
        """Set each mention's tone (and flags, when given) to its correction, keeping the
        engine's first judgement beside it; return the ids of the mentions that exist.

        A mention corrected twice keeps the engine's judgement, not the first correction's.
        One transaction: either every correction lands or none does.
        """
        done: list[int] = []
        now = stored_now()
        with self.db.conn:
            for fix in corrections:
                row = self.db.execute(
                    "SELECT tone, tone_score, flags FROM mention_rows WHERE id = ?",
                    [fix.mention_id],
                ).fetchone()
                if row is None:
                    continue
                self.db.execute(
                    "INSERT INTO labels (mention_id, text, lang, label, flags, judged_tone, "
                    "judged_score, judged_flags, labelled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (mention_id) DO UPDATE SET text = excluded.text, "
                    "lang = excluded.lang, label = excluded.label, "
                    "flags = coalesce(excluded.flags, labels.flags), "
                    "labelled_at = excluded.labelled_at",
                    [fix.mention_id, fix.text, fix.lang, fix.label, fix.flags, *row, now],
                )
                self.db.execute(
                    "UPDATE mention_rows SET tone = ?, tone_score = ?, "
                    "flags = coalesce(?, flags) WHERE id = ?",
                    [fix.label, fix.score, fix.flags, fix.mention_id],
                )
                done.append(fix.mention_id)
        return done

    def import_labelled_texts(self, texts: Iterable[LabelledText]) -> LabelImport:
        """Store labelled texts that are not mentions, once each: a text imported before (the
        same text in the same language) keeps its row and takes the new label, so that a
        file imported twice, or corrected and imported again, teaches each text once and as
        last labelled. One transaction: all or nothing."""
        added = relabelled = unchanged = 0
        now = stored_now()
        with self.db.conn:
            known: dict[tuple[str, str | None], tuple[int, str]] = {
                (text, lang): (row_id, label)
                for row_id, text, lang, label in self.db.execute(
                    "SELECT id, text, lang, label FROM labels WHERE mention_id IS NULL"
                )
            }
            for labelled in texts:
                key = (labelled.text, labelled.lang)
                found = known.get(key)
                if found is None:
                    cursor = self.db.execute(
                        "INSERT INTO labels (text, lang, label, labelled_at) VALUES (?, ?, ?, ?)",
                        [labelled.text, labelled.lang, labelled.label, now],
                    )
                    assert cursor.lastrowid is not None  # set by every INSERT
                    known[key] = (cursor.lastrowid, labelled.label)
                    added += 1
                elif found[1] == labelled.label:
                    unchanged += 1
                else:
                    self.db.execute(
                        "UPDATE labels SET label = ?, labelled_at = ? WHERE id = ?",
                        [labelled.label, now, found[0]],
                    )
                    known[key] = (found[0], labelled.label)
                    relabelled += 1
        return LabelImport(added, relabelled, unchanged)

    def labels(self) -> list[dict[str, Any]]:
        """Every label, oldest first: `text`, `lang`, `label`, `flags`, `mention_id` (None for
        an imported text) and the engine's judgement (`judged_tone`, `judged_score`,
        `judged_flags`) for a corrected mention."""
        cursor = self.conn.execute(
            "SELECT id, mention_id, text, lang, label, flags, judged_tone, judged_score, "
            "judged_flags, labelled_at FROM labels ORDER BY id"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def save_tone_model(self, weights: bytes, report: dict[str, Any], labels: int) -> None:
        """Keep the trained layer and its figures, replacing any earlier one."""
        with self.db.conn:
            self.db.execute(
                "INSERT OR REPLACE INTO tone_model (id, trained_at, labels, weights, report) "
                "VALUES (1, ?, ?, ?, ?)",
                [stored_now(), labels, weights, json.dumps(report, sort_keys=True)],
            )

    def tone_model(self) -> tuple[bytes, dict[str, Any]] | None:
        """The trained layer's weights and figures; None when none was trained."""
        row = self.conn.execute("SELECT weights, report FROM tone_model WHERE id = 1").fetchone()
        return None if row is None else (bytes(row[0]), json.loads(row[1]))

    def drop_tone_model(self) -> bool:
        """Forget the trained layer; whether there was one."""
        with self.db.conn:
            cursor = self.db.execute("DELETE FROM tone_model")
        return cursor.rowcount > 0
