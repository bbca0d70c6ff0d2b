"""Learned tone of longer texts (reviews, blog articles, forum posts), for the tone engine.

Why a model here, when the rest of the tone engine is rules: on a paragraph of review prose a
lexicon adds up every word it knows, and a critic who finds "a few good actors" in "a dull,
overlong film" reads as mixed. A linear model over word pairs and character n-grams, trained on
labelled reviews and news sentences (see ``scripts/train_prose.py`` and ``ATTRIBUTION.md``),
weighs those words as readers did, and takes the lexicon's score as one of its features.

It stays small and explainable enough for veille: hashed features, one weight matrix per
language (English has three classes; the French training reviews only positive and negative),
numpy at run time only, and the weights (``prose_model.npz``, beside this module) read on first
use, never at import. `blend` is what the tone engine calls: it keeps the lexicon's score for
the texts where the model was not measured to help (the routing is decided by the training
script on a split of the data it never trained on, and stored beside the weights in
``prose_route.json``).
"""

from __future__ import annotations

import json
import math
import re
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from veille.text import clean_text, fold

__all__ = [
    "MODEL_PATH",
    "Route",
    "blend",
    "features",
    "lexicon_only",
    "margin_to_score",
    "mix",
    "prose_probabilities",
    "prose_score",
    "routed",
]

MODEL_PATH = Path(__file__).with_name("prose_model.npz")
ROUTE_NAME = "prose_route.json"

# Hashed feature space: 2^18 buckets keep collisions rare for a few tens of thousands of
# texts, and the shipped file small because only the buckets the training data touched are kept.
BUCKETS = 1 << 18
# Dense features after the buckets: the lexicon's score, its sign as the engine labels it, the
# text's length (log, divided by 8), and a bias: values of about -1..2, the order of a
# hashed feature's.
DENSE = ("lexicon", "lexicon_positive", "lexicon_negative", "log_length", "bias")
WIDTH = BUCKETS + len(DENSE)
# Class order of each language's head; French reviews carry no neutral label.
CLASSES = {"en": ("negative", "neutral", "positive"), "fr": ("negative", "positive")}
# The engine's label thresholds (veille.tone.POSITIVE_AT / NEGATIVE_AT) and its rule for texts
# flagged as a complaint or an insult (FLAG_PULL, CLEAR_PRAISE), repeated here so that
# importing this module does not load the tone engine; tests check they agree.
POSITIVE_AT = 0.25
NEGATIVE_AT = -0.15
FLAG_PULL = 0.35
CLEAR_PRAISE = 0.5
# Longest text read: reviews and posts say what they think within a few thousand characters,
# and every feature must come from a bounded text, whatever the item's size.
MAX_CHARS = 4000

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+|[!?]")
_ELISION = re.compile(r"\b([ldjmntsc]|qu)'(?=[^\W\d_])")


def _bucket(gram: str) -> int:
    """Stable hash of a feature (not Python's `hash`, salted per process)."""
    return zlib.crc32(gram.encode("utf-8")) & (BUCKETS - 1)


def _tokens(text: str) -> list[str]:
    """Lower-case, accent-folded words ("drôle" and the misspelt "drole" are one), French
    elisions split off ("l'acteur" -> "l'", "acteur"), digits and !? kept as words."""
    folded = fold(text).replace("’", "'")
    return _WORD.findall(_ELISION.sub(r"\1' ", folded))


def features(text: str, lexicon_score: float) -> tuple[list[int], list[float]]:
    """Sorted feature indices and their values for one text.

    Words, word pairs and character 3- to 5-grams of each word (which catch inflections and
    misspellings) are each one group, counted once per text and scaled to unit norm per group,
    so a long review weighs no more than a short one. The order is fixed (sorted indices) so
    that sums come out bit for bit the same in training and at run time.
    """
    words = _tokens(clean_text(text[:MAX_CHARS]))
    groups: list[set[int]] = [set(), set(), set()]
    for i, word in enumerate(words):
        groups[0].add(_bucket("w " + word))
        if i:
            groups[1].add(_bucket(f"b {words[i - 1]} {word}"))
        padded = f"<{word}>"
        for n in (3, 4, 5):
            for j in range(len(padded) - n + 1):
                groups[2].add(_bucket("c " + padded[j : j + n]))
    values: dict[int, float] = {}
    for group in groups:
        if group:
            weight = 1.0 / math.sqrt(len(group))
            for index in group:
                values[index] = values.get(index, 0.0) + weight
    dense = (
        lexicon_score,
        1.0 if lexicon_score >= POSITIVE_AT else 0.0,
        1.0 if lexicon_score <= NEGATIVE_AT else 0.0,
        math.log1p(len(text)) / 8.0,
        1.0,
    )
    for offset, value in enumerate(dense):
        if value:
            values[BUCKETS + offset] = value
    indices = sorted(values)
    return indices, [values[i] for i in indices]


@dataclass(frozen=True)
class Route:
    """When and how much the model speaks for one language (decided by the training script on
    the tune split, stored in ``prose_route.json``)."""

    min_length: int  # texts shorter than this keep the lexicon's score
    weight: float  # share of the model's score in the blend, 0..1 (0: never used)
    sharpness: float  # how far from the neutral band a confident model's score lands


class _Model:
    """The shipped weights, read once on first use."""

    def __init__(self, path: Path) -> None:
        import numpy as np

        self.heads: dict[str, Any] = {}
        with np.load(path) as data:
            for lang, classes in CLASSES.items():
                weights = np.zeros((WIDTH, len(classes)), dtype=np.float32)
                weights[data[f"{lang}_rows"]] = data[f"{lang}_weights"].astype(np.float32)
                self.heads[lang] = weights

    def probabilities(self, text: str, lang: str, lexicon_score: float) -> dict[str, float]:
        import numpy as np

        indices, values = features(text, lexicon_score)
        logits = np.asarray(values, dtype=np.float32) @ self.heads[lang][indices]
        logits -= logits.max()
        exp = np.exp(logits)
        exp /= exp.sum()
        return {label: float(p) for label, p in zip(CLASSES[lang], exp, strict=True)}


_lock = threading.Lock()
_models: dict[Path, _Model] = {}
_routes: dict[Path, dict[str, Route]] = {}


def _model(path: Path) -> _Model:
    with _lock:
        if path not in _models:
            _models[path] = _Model(path)
        return _models[path]


def _route(lang: str, path: Path) -> Route | None:
    """The routing stored beside the weights (a few bytes of JSON: no numpy needed to know
    that a text stays with the lexicon)."""
    table = _routes.get(path)
    if table is not None:  # the engine's hot path: every judged text asks
        return table.get(lang)
    with _lock:
        if path not in _routes:
            table = json.loads(path.with_name(ROUTE_NAME).read_text(encoding="utf-8"))
            _routes[path] = {code: Route(**values) for code, values in table.items()}
        return _routes[path].get(lang)


def prose_probabilities(
    text: str, lang: str, lexicon_score: float, *, path: Path = MODEL_PATH
) -> dict[str, float]:
    """The model's probability of each tone (French: positive and negative only).

    `lexicon_score` is the tone engine's score of the same text (`judge_tone(...).score`);
    `lang` must be "en" or "fr"."""
    if lang not in CLASSES:
        raise ValueError(f"no prose model for language {lang!r}")
    return _model(path).probabilities(text, lang, lexicon_score)


def margin_to_score(margin: float, sharpness: float) -> float:
    """P(positive) - P(negative) as a score on the engine's scale, -1..1: stretched by
    `sharpness` around the middle of the engine's neutral band, so that a confident model
    lands outside the band and an unsure one (a French review it cannot place, an English
    text it finds neutral) inside it."""
    middle = (POSITIVE_AT + NEGATIVE_AT) / 2
    return max(-1.0, min(1.0, middle + sharpness * margin))


def prose_score(text: str, lang: str, lexicon_score: float, *, path: Path = MODEL_PATH) -> float:
    """The model's opinion of `text` on the engine's score scale (see `margin_to_score`)."""
    p = prose_probabilities(text, lang, lexicon_score, path=path)
    route = _route(lang, path)
    return margin_to_score(p["positive"] - p["negative"], route.sharpness if route else 1.0)


_enabled: ContextVar[bool] = ContextVar("veille_prose_enabled", default=True)


@contextmanager
def lexicon_only() -> Iterator[None]:
    """Within this block `blend` keeps the lexicon's score: the model's own feature is the
    lexicon engine's score, which the trainer must read without the model, and the
    evaluation compares both."""
    token = _enabled.set(False)
    try:
        yield
    finally:
        _enabled.reset(token)


def routed(text: str, lang: str, *, path: Path = MODEL_PATH) -> bool:
    """Whether `blend` gives the model a say on this text: a language it was trained on, and
    a text at least as long as the routing found it to help from. No weights are read to say
    no."""
    if lang not in CLASSES or not _enabled.get():
        return False
    route = _route(lang, path)
    return route is not None and route.weight > 0 and len(text) >= route.min_length


def mix(
    lexicon_score: float, model_score: float, weight: float, flags: Sequence[str] = ()
) -> float:
    """The blended score, rounded as the engine rounds its scores. A text flagged as a
    complaint or an insult stays negative unless the blend clearly praises, as the engine
    rules for every text: the model, trained on reviews and news, never saw such flags."""
    mixed = (1 - weight) * lexicon_score + weight * model_score
    if mixed < CLEAR_PRAISE and ("complaint" in flags or "insult" in flags):
        mixed = min(mixed - FLAG_PULL, NEGATIVE_AT - 0.05)
    return round(max(-1.0, min(1.0, mixed)), 3)


def blend(
    text: str,
    lang: str,
    lexicon_score: float,
    flags: Sequence[str] = (),
    *,
    path: Path = MODEL_PATH,
) -> float:
    """The tone engine's score of `text` once the model has had its say, -1..1.

    The lexicon's score unchanged where the routing keeps it (another language, a short
    text); elsewhere the weighted mean of the lexicon's and the model's scores (see `mix`).
    `text` should be what the engine judged (cleaned), `lexicon_score` and `flags` its
    judgement of it."""
    if not routed(text, lang, path=path):
        return lexicon_score
    route = _route(lang, path)
    assert route is not None
    model = prose_score(text, lang, lexicon_score, path=path)
    return mix(lexicon_score, model, route.weight, flags)


def loaded() -> bool:
    """Whether any weights are in memory (the tests check that short texts load none)."""
    return bool(_models)


def _reset() -> None:
    """Forget the loaded weights and routing (the trainer, after writing new ones)."""
    with _lock:
        _models.clear()
        _routes.clear()
