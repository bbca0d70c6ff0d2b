"""Tone corrections by hand (`veille label`): what a community manager says a mention's tone
and flags are, and texts she labelled elsewhere, imported from a CSV file.

A correction sets the mention's tone, score and flags, so that every listing, report, inbox
and export shows it; the store keeps the engine's first judgement beside it, and the window
the engine judged (the brand's sentence and its neighbours, as `veille show` finds it again)
as the example a trained layer learns from. A sweep never writes over a stored mention, so
a correction outlives every rescan.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from veille.detail import mention_detail
from veille.errors import UsageError
from veille.models import FLAGS, TONES
from veille.store import Correction, LabelImport, LabelledText, Store
from veille.text import clean_text
from veille.tone.engines import _DEFAULT_SCORE

_LANG = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class LabelRequest:
    """What `veille label ID... [TONE] --flag/--no-flag` asks: the ids as typed, the tone
    (None: keep each mention's) and the flags to add and to remove."""

    ids: tuple[str, ...]
    tone: str | None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def summary(self, count: int) -> str:
        """One line saying what was done to `count` mentions."""
        done = [f"labelled {self.tone}"] if self.tone else []
        if self.add:
            done.append(f"flagged {' '.join(self.add)}")
        if self.remove:
            done.append(f"unflagged {' '.join(self.remove)}")
        return f"{count} mention{'s' if count != 1 else ''} {', '.join(done)}."


def label_request(
    values: Sequence[str], add: Iterable[str] = (), remove: Iterable[str] = ()
) -> LabelRequest:
    """Read the command's words: mention ids and at most one tone, in any order, with the
    flags to add and remove. Raises UsageError for a second tone, an unknown flag, a flag
    both added and removed, or nothing to do."""
    tones = list(dict.fromkeys(value.lower() for value in values if value.lower() in TONES))
    if len(tones) > 1:
        raise UsageError(f"one tone at a time, not {' and '.join(tones)}")
    ids = tuple(value for value in values if value.lower() not in TONES)
    added, removed = _flags(add, "--flag"), _flags(remove, "--no-flag")
    both = [flag for flag in added if flag in removed]
    if both:
        raise UsageError(f"--flag {both[0]} and --no-flag {both[0]}: choose one")
    if not ids:
        raise UsageError(
            "give the mention ids to label (as `veille inbox` and `veille mentions` show), "
            "or --import FILE.csv"
        )
    if not tones and not added and not removed:
        last = ids[-1]
        if not last.isdigit():
            raise UsageError(f"{last!r}: not a tone (positive, neutral or negative)")
        raise UsageError("say what the tone is (positive, neutral or negative) and/or --flag NAME")
    return LabelRequest(ids, tones[0] if tones else None, added, removed)


def _flags(names: Iterable[str], option: str) -> tuple[str, ...]:
    wanted = list(dict.fromkeys(name.strip().lower() for name in names))
    unknown = [name for name in wanted if name not in FLAGS]
    if unknown:
        raise UsageError(f"{option} {unknown[0]!r}: choose among {', '.join(FLAGS)}")
    return tuple(wanted)


def label_mentions(store: Store, ids: Sequence[int], request: LabelRequest) -> int:
    """Correct the mentions' tone and flags as `request` says, all or none; how many.

    Raises UsageError naming the ids that do not exist, without changing anything. A tone
    given as it already stands keeps its score (the engine's finer one); a new tone takes
    the engine's usual score for it. The flags are each mention's own, plus and minus the
    ones asked: a flag correction on several mentions changes only that flag on each.
    """
    ids = list(dict.fromkeys(ids))
    corrections: list[Correction] = []
    missing: list[int] = []
    for mention_id in ids:
        detail = mention_detail(store, mention_id)
        if detail is None:
            missing.append(mention_id)
            continue
        if missing:
            continue  # nothing will be written: no need to read the others' windows
        row = detail.row
        tone = request.tone or row["tone"] or "neutral"
        score = row["tone_score"] if tone == row["tone"] else None
        flags = None
        if request.add or request.remove:
            had = set((row["flags"] or "").split())
            flags = " ".join(
                flag
                for flag in FLAGS
                if (flag in had or flag in request.add) and flag not in request.remove
            )
        lang = detail.explanation.lang if detail.explanation.lang != "und" else row["lang"]
        corrections.append(
            Correction(
                mention_id=mention_id,
                label=tone,
                score=_DEFAULT_SCORE[tone] if score is None else float(score),
                text=detail.explanation.window or row["snippet"] or row["title"] or "",
                lang=lang or None,
                flags=flags,
            )
        )
    if missing:
        raise UsageError(
            f"no mention with id {', '.join(map(str, missing))}; nothing was changed "
            "(see `veille inbox` or `veille mentions` for ids)"
        )
    return len(store.correct_tone(corrections))


@dataclass(frozen=True)
class LabelledFile:
    """The labelled texts read from a CSV file, and how many rows had no text."""

    texts: list[LabelledText]
    empty: int


def read_labelled_csv(path: Path) -> LabelledFile:
    """Read `text,label[,lang]` rows (a header row naming the columns, in any order; other
    columns are ignored) from a UTF-8 CSV file, with or without a BOM.

    Every row is checked before anything is stored: a missing column, a label other than
    positive, neutral or negative, or a malformed language code raises UsageError located
    as `FILE:LINE:` (the line where the row starts). Rows with an empty text are skipped
    and counted. Texts are cleaned as web text is (no control characters, whitespace
    collapsed): they are examples to learn from, judged as a mention's window would be.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise UsageError(
            f"{path}:{line}: not UTF-8 text; save the file as UTF-8 (CSV UTF-8 in Excel)"
        ) from None
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise UsageError(f"{path}: empty; the first line names the columns: text,label,lang")
        columns = _columns(path, header)
        texts: list[LabelledText] = []
        empty = 0
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue  # a blank line
            text = clean_text(_cell(row, columns["text"]))
            if not text:
                empty += 1
                continue
            texts.append(
                LabelledText(
                    text, _label(path, start, row, columns), _lang(path, start, row, columns)
                )
            )
    except csv.Error as error:
        raise UsageError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None
    return LabelledFile(texts, empty)


def _columns(path: Path, header: list[str]) -> dict[str, int | None]:
    """Where `text`, `label` and `lang` are in the row, from the header (case ignored)."""
    names = [name.strip().lower() for name in header]
    for required in ("text", "label"):
        if required not in names:
            raise UsageError(
                f"{path}:1: no {required!r} column; the first line names the columns: "
                "text,label and optionally lang"
            )
    twice = next((name for name in ("text", "label", "lang") if names.count(name) > 1), None)
    if twice is not None:
        raise UsageError(f"{path}:1: two {twice!r} columns")
    return {
        name: names.index(name) if name in names else None for name in ("text", "label", "lang")
    }


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _label(path: Path, line: int, row: list[str], columns: dict[str, int | None]) -> str:
    value = _cell(row, columns["label"]).strip()
    if value.lower() not in TONES:
        shown = repr(clean_text(value)[:40]) if value else "missing"
        raise UsageError(f"{path}:{line}: label {shown}: expected positive, neutral or negative")
    return value.lower()


def _lang(path: Path, line: int, row: list[str], columns: dict[str, int | None]) -> str | None:
    value = _cell(row, columns["lang"]).strip().lower()
    if value and not _LANG.fullmatch(value):
        raise UsageError(
            f"{path}:{line}: lang {clean_text(value)[:20]!r}: expected a language code "
            "such as fr or en, or nothing"
        )
    return value or None


def import_summary(done: LabelImport, empty: int) -> str:
    """One line saying what an import did."""
    parts = [f"{done.added} labelled text{'s' if done.added != 1 else ''} added"]
    if done.relabelled:
        parts.append(f"{done.relabelled} relabelled")
    if done.unchanged:
        parts.append(f"{done.unchanged} already there")
    if empty:
        parts.append(f"{empty} row{'s' if empty != 1 else ''} without text skipped")
    return ", ".join(parts) + "."
