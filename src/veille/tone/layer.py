"""A trained layer over the built-in engine: a community manager's labels, learned.

Why a layer rather than more rules: every community has its words. Gamers call a good patch
"cracked" and a dull one "mid"; a lexicon reads the first as damage and the second as
nothing. A community manager who corrects tones (`veille label`) or imports labelled texts
knows her domain better than any lexicon, and `veille tone train` fits this layer on her
labels so that later judgements in her domain follow them.

What it is: a multinomial logistic regression, numpy only, that starts from the built-in
engine's judgement (its tone, from its lexicon scores, is a fixed prior: see `PRIOR`) and
learns, from the text's hashed words, word pairs and character n-grams (the prose scorer's
hashing, `veille.prose.features`) and the engine's flags, where her labels disagree with it.
A text with none of the words her labels taught keeps the engine's tone; the language
decides whether the layer speaks at all.

When it speaks: `train_layer` measures the engine and the layer on her labels by k-fold
cross-validation (the layer never judges a text it was fitted on; a text's fold is a hash of
the text, so a text labelled twice stays in one fold), and keeps the layer only for the
languages where its macro-F1 beats the engine's by `MARGIN`; the engine judges every other
language as before. Too few labels, or labels that contradict each other, measure nothing:
then it refuses, and says why.

Deterministic: fixed folds, a fixed number of full-batch steps from zero weights, sums in a
fixed order; the same labels give the same bytes. The stored form (`ToneLayer.to_bytes`) holds
only the weights of the features her labels touched: a few hundred kilobytes at most.
"""

from __future__ import annotations

import json
import math
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from veille import prose
from veille.errors import StoreError
from veille.models import FLAGS, Tone, ToneLabel
from veille.text import clean_text, fold
from veille.tone.explain import Explanation
from veille.tone.scoring import NEGATIVE_AT, POSITIVE_AT, explain_tone, judge_tone

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = [
    "FOLDS",
    "MARGIN",
    "MIN_LABELS",
    "MIN_PER_TONE",
    "LayerError",
    "ToneLayer",
    "Training",
    "layer_features",
    "stored_layer",
    "train_layer",
]

CLASSES: tuple[ToneLabel, ...] = ("negative", "neutral", "positive")
# Cross-validation: 5 folds measure a few hundred labels well enough and train 6 layers.
FOLDS = 5
# Below these, a cross-validated figure says more about chance than about the layer: at least
# 20 usable labels (per language, for the layer to be used in it), and two tones with 5 each.
MIN_LABELS = 20
MIN_PER_TONE = 5
# The layer is used in a language only when its cross-validated macro-F1 beats the engine's by
# this much: a smaller gain on a few dozen labels is within a fold's luck.
MARGIN = 0.02
# Fit: full-batch Adam from zero, a fixed number of steps, L2 penalty on every weight. Chosen
# with PRIOR on the slang set's training part (180 and 38 labels, cross-validated) and the
# English DEV set: a weaker penalty lets a domain's words overturn the engine outside it, a
# stronger one learns too little of the domain from a few dozen labels.
STEPS = 150
LEARNING_RATE = 0.1
L2 = 2e-3
# The engine's judgement is a fixed prior: the engine's tone starts this many logits ahead of
# the others, and only the text's features, with weights, can overturn it. Were the engine's
# score and tone features with weights of their own, a domain where the engine is often wrong
# (slang it reads backwards) would teach the layer to invert the engine, and it would then
# invert it on every text outside the domain: on veille's English DEV set (general tweets
# and news), a layer trained on tests/fixtures/tone_slang.csv that way judged 27% right
# where the engine judges 68%; with the prior, 67%, and the slang is learnt as well.
PRIOR = 2.5
# Features after the prose scorer's (`prose.WIDTH`): the engine's flags.
EXTRA = tuple(f"flag {flag}" for flag in FLAGS)
WIDTH = prose.WIDTH + len(EXTRA)
_EXTRA_INDEX = {name: prose.WIDTH + i for i, name in enumerate(EXTRA)}
_BIAS = prose.BUCKETS + prose.DENSE.index("bias")
MAGIC = b"veille-tone-layer\x00"
FORMAT = 1
# The most a stored layer can unpack to: its description, and a row and weights per feature.
_MAX_STORED = 65_536 + 4 * WIDTH * (1 + len(CLASSES))


class LayerError(ValueError):
    """The stored layer cannot be read (damaged, or written by a newer veille)."""


def layer_features(text: str, tone: Tone) -> tuple[list[int], list[float]]:
    """Sorted feature indices and values of `text` (cleaned) as the engine judged it: its
    hashed words, word pairs and character n-grams, a bias, and the engine's flags. The
    engine's score and tone are the prior's (see `PRIOR`), not features with weights."""
    indices, values = prose.features(text, tone.score)
    kept = [(i, v) for i, v in zip(indices, values, strict=True) if i < prose.BUCKETS or i == _BIAS]
    indices, values = [i for i, _ in kept], [v for _, v in kept]
    extra = [f"flag {flag}" for flag in tone.flags if f"flag {flag}" in _EXTRA_INDEX]
    for name in extra:
        indices.append(_EXTRA_INDEX[name])
        values.append(1.0)
    return indices, values  # the extra indices come after every prose index: still sorted


def _prior(judged: Tone, classes: Sequence[str], prior: float = PRIOR) -> list[float]:
    """The logits the engine's judgement starts each class with."""
    return [prior if tone == judged.tone else 0.0 for tone in classes]


def _softmax(logits: npt.NDArray[Any]) -> npt.NDArray[Any]:
    import numpy as np

    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    out: npt.NDArray[Any] = exp / exp.sum(axis=-1, keepdims=True)
    return out


def _as_tone(probabilities: Sequence[float], classes: Sequence[str], judged: Tone) -> Tone:
    """The layer's tone (its likeliest class) with a score that agrees with it: P(positive) -
    P(negative), kept inside the band of the engine's scale that names that tone."""
    p = dict(zip(classes, probabilities, strict=True))
    label = max(classes, key=lambda c: (p[c], -CLASSES.index(c)))  # ties: the more negative
    score = p.get("positive", 0.0) - p.get("negative", 0.0)
    if label == "positive":
        score = max(score, POSITIVE_AT)
    elif label == "negative":
        score = min(score, NEGATIVE_AT)
    else:
        score = min(max(score, NEGATIVE_AT + 0.001), POSITIVE_AT - 0.001)
    return Tone(
        tone=cast(ToneLabel, label), score=round(score, 3), lang=judged.lang, flags=judged.flags
    )


class ToneLayer:
    """A trained layer, ready to judge: the engine's judgement in, the layer's out.

    It is also a tone engine (text, lang) -> Tone (`veille tone`, a scan's workers): the
    built-in engine judges, then the layer has its say where it was kept. `tones_around`
    recognises it and judges the window around a brand as the built-in engine does first.
    """

    def __init__(
        self,
        rows: npt.NDArray[Any],
        weights: npt.NDArray[Any],
        classes: Sequence[str],
        languages: Iterable[str],
        prior: float = PRIOR,
    ) -> None:
        self.rows = rows  # sorted feature indices that have weights
        self.weights = weights  # (len(rows), len(classes))
        self.classes = tuple(classes)
        self.languages = frozenset(languages)
        self.prior = prior  # as trained, whatever a later veille's PRIOR

    # ------------------------------------------------------------------ stored form
    def to_bytes(self) -> bytes:
        """The weights as stored in the database: a header, then the arrays, compressed."""
        import numpy as np

        meta = json.dumps(
            {
                "format": FORMAT,
                "classes": list(self.classes),
                "languages": sorted(self.languages),
                "prior": self.prior,
                "width": WIDTH,
                "rows": len(self.rows),
            },
            sort_keys=True,
        ).encode("utf-8")
        body = (
            struct.pack("<I", len(meta))
            + meta
            + np.ascontiguousarray(self.rows, dtype="<i4").tobytes()
            + np.ascontiguousarray(self.weights, dtype="<f4").tobytes()
        )
        return MAGIC + zlib.compress(body, 9)

    @classmethod
    def from_bytes(cls, data: bytes) -> ToneLayer:
        """The layer stored by `to_bytes`; raises LayerError when it cannot be read."""
        import numpy as np

        if not data.startswith(MAGIC):
            raise LayerError("not a trained tone layer")
        try:
            inflate = zlib.decompressobj()
            body = inflate.decompress(data[len(MAGIC) :], _MAX_STORED)
            if inflate.unconsumed_tail:
                raise LayerError("larger than any layer veille writes")
            (size,) = struct.unpack_from("<I", body)
            meta = json.loads(body[4 : 4 + size])
            if not isinstance(meta, dict):
                raise LayerError("damaged (no description)")
            if meta.get("format") != FORMAT or meta.get("width") != WIDTH:
                raise LayerError("written by another version of veille")
            count, classes = int(meta["rows"]), list(meta["classes"])
            languages, prior = meta["languages"], float(meta["prior"])
            if (
                count < 1
                or not classes
                or any(name not in CLASSES for name in classes)
                or not isinstance(languages, list)
                or not all(isinstance(lang, str) for lang in languages)
                or not math.isfinite(prior)
            ):
                raise LayerError("damaged (description out of range)")
            start = 4 + size
            rows = np.frombuffer(body, dtype="<i4", count=count, offset=start).astype(np.int64)
            weights = np.frombuffer(
                body, dtype="<f4", count=count * len(classes), offset=start + 4 * count
            ).reshape(count, len(classes))
            if (
                (np.diff(rows) <= 0).any()
                or rows[0] < 0
                or rows[-1] >= WIDTH
                or not np.isfinite(weights).all()
            ):
                raise LayerError("damaged (weights out of range)")
        except LayerError:
            raise
        except (zlib.error, struct.error, ValueError, KeyError, TypeError, IndexError) as error:
            raise LayerError(f"damaged ({error})") from None
        return cls(rows, weights.astype(np.float32), classes, languages, prior)

    # ------------------------------------------------------------------ judging
    def applies(self, lang: str) -> bool:
        """Whether the layer judges texts of this language (it beat the engine there)."""
        return lang in self.languages

    def probabilities(self, text: str, judged: Tone) -> list[float]:
        """The probability of each of `classes` for `text` (cleaned) judged `judged`."""
        import numpy as np

        indices, values = layer_features(text, judged)
        wanted = np.asarray(indices, dtype=np.int64)
        where = np.searchsorted(self.rows, wanted)
        where = np.minimum(where, len(self.rows) - 1)
        known = self.rows[where] == wanted
        logits = np.asarray(values, dtype=np.float32)[known] @ self.weights[where[known]]
        logits += np.asarray(_prior(judged, self.classes, self.prior), dtype=np.float32)
        return [float(p) for p in _softmax(logits.astype(np.float64))]

    def adjust(self, text: str, judged: Tone, explanation: Explanation | None = None) -> Tone:
        """The layer's judgement of `text` (cleaned), which the engine judged `judged`.

        The engine's judgement, score included, stands where the layer finds the same tone
        and in a language the layer was not kept for; where it finds another tone, its tone
        and a score in that tone's band (see `_as_tone`)."""
        if not text or not self.applies(judged.lang) or judged.tone not in self.classes:
            # A tone her labels never gave (no neutral label, say) is not the layer's to judge:
            # without a prior for it, every such text would be pushed to another tone.
            return judged
        probabilities = self.probabilities(text, judged)
        tone = _as_tone(probabilities, self.classes, judged)
        if tone.tone == judged.tone:
            tone = judged
        if explanation is not None:
            odds = ", ".join(
                f"{c} {p:.2f}" for c, p in zip(self.classes, probabilities, strict=True)
            )
            effect = (
                f"agrees: {judged.tone} ({odds})"
                if tone is judged
                else f"{judged.tone} {judged.score:+.2f} → {tone.tone} {tone.score:+.2f} ({odds})"
            )
            explanation.rule("your trained layer", "", effect)
            explanation.tone, explanation.score = tone.tone, tone.score
        return tone

    def __call__(self, text: str, lang: str | None = None) -> Tone:
        """`judge_tone`, then the layer (a tone engine, for `veille tone` and the sweep)."""
        text = clean_text(text)
        return self.adjust(text, judge_tone(text, lang))

    def explain(self, text: str, lang: str | None = None) -> tuple[Tone, Explanation]:
        """`explain_tone`, then the layer, which adds its rule to the explanation."""
        text = clean_text(text)
        judged, explanation = explain_tone(text, lang)
        return self.adjust(text, judged, explanation), explanation


def stored_layer(weights: bytes, where: object = "the database") -> ToneLayer:
    """The layer stored in a database (`where` names it in the message) as `ToneLayer`;
    raises StoreError, saying what to do, when it cannot be read."""
    try:
        return ToneLayer.from_bytes(weights)
    except LayerError as error:
        raise StoreError(
            f"{where}: the trained tone layer cannot be read ({error}); train it again with "
            "`veille tone train`, or forget it with `veille tone train --reset`"
        ) from None


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class _Example:
    text: str
    label: str
    judged: Tone
    fold: int


@dataclass
class Training:
    """What `train_layer` found: the figures, what it decided, and the layer when kept.

    `report` is plain data (stored beside the weights, printed by `veille tone train`):
    `labels` (usable, per tone), `skipped` (labels left out and why), `folds`, `languages`
    (per language and "all": n, the engine's and the layer's accuracy and macro-F1, and the
    decision), `used_for` and `reason` (why the built-in engine was kept, when it was)."""

    report: dict[str, Any]
    layer: ToneLayer | None = None
    refused: str | None = None  # too few usable labels to measure anything: nothing trained
    labels: int = 0


def _fold_of(text: str) -> int:
    return zlib.crc32(" ".join(fold(text).split()).encode("utf-8")) % FOLDS


def _examples(rows: Iterable[Mapping[str, Any]]) -> tuple[list[_Example], dict[str, Any]]:
    """The usable labels, judged by the engine, and what was left out: empty texts, and texts
    labelled with two different tones (which says nothing about either)."""
    by_text: dict[str, set[str]] = {}
    as_written: dict[str, str] = {}
    cleaned: list[tuple[str, str, str | None]] = []
    empty = 0
    for row in rows:
        text = clean_text(str(row.get("text") or ""))
        if not text:
            empty += 1
            continue
        label = str(row["label"])
        cleaned.append((text, label, row.get("lang") or None))
        key = " ".join(fold(text).split())
        by_text.setdefault(key, set()).add(label)
        as_written.setdefault(key, text)
    conflicting = {key: sorted(tones) for key, tones in by_text.items() if len(tones) > 1}
    examples = []
    contradicted = 0
    for text, label, lang in cleaned:
        if " ".join(fold(text).split()) in conflicting:
            contradicted += 1
            continue
        examples.append(_Example(text, label, judge_tone(text, lang), _fold_of(text)))
    skipped = {
        "empty": empty,
        "contradictory": contradicted,
        "contradictory_texts": len(conflicting),
        "examples": [as_written[key] for key in list(conflicting)[:3]],
    }
    return examples, skipped


def _matrix(
    examples: Sequence[_Example],
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """The examples' features as sparse rows: (feature index, value, row start) arrays."""
    import numpy as np

    indices: list[int] = []
    values: list[float] = []
    starts = []
    for example in examples:
        starts.append(len(indices))
        found, weights = layer_features(example.text, example.judged)
        indices.extend(found)
        values.extend(weights)
    return (
        np.asarray(indices, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        np.asarray(starts, dtype=np.int64),
    )


def _fit(
    examples: Sequence[_Example], classes: Sequence[str]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """(feature rows, weights) of a logistic regression fitted on `examples`: full-batch Adam
    on the class-balanced cross-entropy (every tone counts alike, as macro-F1 does)."""
    import numpy as np

    indices, values, starts = _matrix(examples)
    rows, columns = np.unique(indices, return_inverse=True)
    n, k = len(examples), len(classes)
    row_of = np.repeat(np.arange(n), np.diff(np.append(starts, len(indices))))
    target = np.zeros((n, k))
    target[np.arange(n), [classes.index(e.label) for e in examples]] = 1.0
    counts = target.sum(axis=0)
    balance = np.where(counts > 0, n / (k * np.maximum(counts, 1)), 0.0)
    sample = (target * balance).sum(axis=1) / n
    prior = np.asarray([_prior(e.judged, classes) for e in examples])
    weights: npt.NDArray[np.float64] = np.zeros((len(rows), k))
    moment, velocity = np.zeros_like(weights), np.zeros_like(weights)
    beta1, beta2 = 0.9, 0.999
    for step in range(1, STEPS + 1):
        logits = np.add.reduceat(values[:, None] * weights[columns], starts, axis=0) + prior
        error = (_softmax(logits) - target) * sample[:, None]
        spread = error[row_of] * values[:, None]
        gradient: npt.NDArray[np.float64] = np.stack(
            [np.bincount(columns, weights=spread[:, c], minlength=len(rows)) for c in range(k)],
            axis=1,
        )
        gradient += L2 * weights
        moment = beta1 * moment + (1 - beta1) * gradient
        velocity = beta2 * velocity + (1 - beta2) * gradient**2
        corrected = moment / (1 - beta1**step)
        weights -= LEARNING_RATE * corrected / (np.sqrt(velocity / (1 - beta2**step)) + 1e-8)
    return rows, weights


def _scores(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    """(accuracy, macro-F1 over the tones present in `gold`)."""
    if not gold:
        return 0.0, 0.0
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)
    f1s = []
    for tone in sorted(set(gold)):
        tp = sum(g == p == tone for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == tone != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == tone != p for g, p in zip(gold, predicted, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(accuracy, 3), round(sum(f1s) / len(f1s), 3)


def _tally(examples: Sequence[_Example]) -> dict[str, int]:
    return {tone: sum(e.label == tone for e in examples) for tone in reversed(CLASSES)}


def _too_few(examples: Sequence[_Example], skipped: Mapping[str, Any]) -> str | None:
    """Why these labels measure nothing, or None when they can be measured."""
    tally = _tally(examples)
    enough = [tone for tone, n in tally.items() if n >= MIN_PER_TONE]
    if len(examples) >= MIN_LABELS and len(enough) >= 2:
        return None
    reasons = []
    if skipped["contradictory"]:
        example = skipped["examples"][0]
        reasons.append(
            f"{skipped['contradictory']} labels give {skipped['contradictory_texts']} texts "
            f'two different tones (such as "{example[:60]}") and teach nothing'
        )
    tones = ", ".join(f"{n} {tone}" for tone, n in tally.items() if n)
    reasons.append(
        f"{len(examples)} usable labels ({tones or 'none'}): at least {MIN_LABELS} are needed, "
        f"with {MIN_PER_TONE} or more in each of two tones"
    )
    return "; ".join(reasons)


def train_layer(rows: Iterable[Mapping[str, Any]]) -> Training:
    """Measure the engine and a layer on labels (`Store.labels()` rows: text, label, lang) by
    cross-validation, and fit the layer on all of them where it beats the engine.

    `Training.layer` is None when the engine is kept everywhere (`report["reason"]` says
    why); `Training.refused` says why nothing could be measured (too few usable labels).
    """
    examples, skipped = _examples(rows)
    report: dict[str, Any] = {
        "labels": _tally(examples),
        "skipped": {k: v for k, v in skipped.items() if k != "examples"},
        "folds": FOLDS,
        "margin": MARGIN,
        "languages": {},
        "used_for": [],
    }
    refusal = _too_few(examples, skipped)
    if refusal is not None:
        report["reason"] = refusal
        return Training(report=report, refused=refusal, labels=len(examples))
    classes = [tone for tone in CLASSES if any(e.label == tone for e in examples)]
    predicted: list[str] = [""] * len(examples)
    for fold_number in range(FOLDS):
        held = [i for i, e in enumerate(examples) if e.fold == fold_number]
        fitted = [e for e in examples if e.fold != fold_number]
        if not held or not fitted:
            continue
        rows_, weights = _fit(fitted, classes)
        layer = ToneLayer(rows_, weights, classes, ())
        for i in held:
            e = examples[i]
            predicted[i] = _as_tone(layer.probabilities(e.text, e.judged), classes, e.judged).tone
    languages: dict[str, list[int]] = {"all": list(range(len(examples)))}
    for i, e in enumerate(examples):
        languages.setdefault(e.judged.lang, []).append(i)
    used: list[str] = []
    for lang, members in sorted(languages.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        gold = [examples[i].label for i in members]
        engine = _scores(gold, [examples[i].judged.tone for i in members])
        trained = _scores(gold, [predicted[i] for i in members])
        entry: dict[str, Any] = {
            "n": len(members),
            "engine": {"accuracy": engine[0], "macro_f1": engine[1]},
            "layer": {"accuracy": trained[0], "macro_f1": trained[1]},
        }
        if lang != "all":
            gain = trained[1] - engine[1]
            if len(members) < MIN_LABELS:
                entry["decision"] = f"engine: {len(members)} labels, {MIN_LABELS} needed"
            elif gain < MARGIN - 1e-9:
                entry["decision"] = f"engine: the layer gains {gain:+.3f} macro-F1 < {MARGIN}"
            else:
                entry["decision"] = f"layer: {gain:+.3f} macro-F1"
                used.append(lang)
        report["languages"][lang] = entry
    report["used_for"] = used
    if not used:
        report["reason"] = (
            "the layer does not beat the built-in engine by "
            f"{MARGIN} macro-F1 in any language with {MIN_LABELS} labels or more"
        )
        return Training(report=report, labels=len(examples))
    rows_, weights = _fit(examples, classes)
    return Training(
        report=report, layer=ToneLayer(rows_, weights, classes, used), labels=len(examples)
    )


def report_lines(report: Mapping[str, Any]) -> list[str]:
    """The figures of a training as a small table and the decision, for a terminal."""
    tally = ", ".join(f"{n} {tone}" for tone, n in report["labels"].items())
    lines = [f"Labels: {sum(report['labels'].values())} usable ({tally})."]
    skipped = report["skipped"]
    if skipped["contradictory"]:
        lines.append(
            f"Left out: {skipped['contradictory']} labels that give "
            f"{skipped['contradictory_texts']} texts two different tones."
        )
    if skipped["empty"]:
        lines.append(f"Left out: {skipped['empty']} empty texts.")
    if report["languages"]:
        lines.append(
            f"Cross-validated on {report['folds']} folds "
            "(each label judged by a layer fitted without it):"
        )
        lines.append(
            f"  {'lang':<5} {'labels':>6}  {'built-in acc':>12} {'F1':>5}  "
            f"{'layer acc':>9} {'F1':>5}  decision"
        )
        for lang, entry in report["languages"].items():
            engine, layer = entry["engine"], entry["layer"]
            lines.append(
                f"  {lang:<5} {entry['n']:>6}  {engine['accuracy']:>12.3f} "
                f"{engine['macro_f1']:>5.3f}  {layer['accuracy']:>9.3f} "
                f"{layer['macro_f1']:>5.3f}  {entry.get('decision', '')}".rstrip()
            )
    return lines
