"""Lexicon files, lookup keys and the lazy loading every part of the tone engine shares.

Models and lexicons load on first use, once, whichever thread asks first: importing
`veille.tone` stays cheap.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from functools import cache, lru_cache, wraps
from pathlib import Path
from typing import TypeVar

from veille.text import fold

_LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def _key(text: str) -> str:
    """Lookup key: folded (lower case, no accents, straight apostrophe), ligatures opened."""
    return fold(text).replace("œ", "oe").replace("æ", "ae")


def _fold(text: str) -> str:
    """`fold(text)`, remembered for the last few window-sized texts: the rules judging one
    window (flags, irony, the French tokenizer) fold the same sentence each in turn."""
    return _fold_recent(text) if len(text) <= 6000 else fold(text)


_fold_recent = lru_cache(maxsize=8)(fold)

T = TypeVar("T")


def _load_once(factory: Callable[[], T]) -> Callable[[], T]:
    """Cache a model loader; the lock stops worker threads that start a sweep together from
    each loading their own copy (py3langid's model alone is about 100 MB)."""
    cached = cache(factory)
    lock = threading.Lock()

    @wraps(factory)
    def load() -> T:
        with lock:
            return cached()

    return load


def _read_lexicon(path: Path) -> Iterable[tuple[str, float]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or "->" not in line:
                continue
            entry, _, value = line.rpartition("->")
            try:
                yield _key(entry.strip()), float(value)
            except ValueError:
                continue
