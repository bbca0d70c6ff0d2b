"""Train the prose tone model shipped in ``src/veille/prose_model.npz``, and decide its routing.

Usage:
    python scripts/train_prose.py            # rebuild the weights and the routing, print figures
    python scripts/train_prose.py --check    # rebuild in memory and compare with the shipped file
    python scripts/train_prose.py --corpus DIR --out DIR

Data: ``../shared/corpus/tone/train/`` relative to the repository root (``en_mit.csv``,
``fr_reviews_mit.csv``; MIT-licensed, see ATTRIBUTION.md). Nothing of their text enters the
repository, only weights derived from them.

Splits: every row goes to train (70%), tune (15%) or test (15%) by a SHA-1 of its normalised
text (`normalised`), so a text and its exact or case/accent/punctuation variants always land in
the same part, whatever file or order they come in. Weights are fitted on train only; the
number of epochs, the learning rate and the routing were chosen on tune; test is read by
``bench/tone_eval.py`` for the reported figures and never here.

Model: one multinomial logistic regression per language over `veille.prose.features` (hashed
words, word pairs, character n-grams, the lexicon engine's score), fitted by mini-batch
Adagrad in numpy with a fixed seed, a fixed order and fixed epochs: on the same machine and
numpy the weights come out bit for bit the same, which ``--check`` and the tests verify.

Routing (stored in ``prose_route.json``): per language, the shortest text length from which
the model has a say, its weight in the blend with the lexicon's score, and how sharply its
probabilities map onto the engine's score; the combination with the best accuracy on tune among
those where no source of that language (tweets, news...) loses accuracy against the lexicon.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from veille import prose  # noqa: E402
from veille.text import clean_text  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "tone" / "train"
FILES = ("en_mit.csv", "fr_reviews_mit.csv")
OUT = REPO / "src" / "veille"
SPLITS = (("train", 70), ("tune", 85), ("test", 100))  # cumulative percentages
SEED = 20261207
# Chosen on the tune split among 2, 4, 6, 8 epochs and steps of 0.1, 0.2, 0.5: beyond 4 epochs
# no source gains more than half a point, and a larger step loses on tweets and French reviews.
EPOCHS = {"en": 4, "fr": 4}
LEARNING_RATE = 0.1
BATCH = 32
# Routing candidates: text lengths from which the model speaks, its weight, its sharpness.
# The shortest is above the ~240-character snippet the engine must judge 2,000 times a second
# on one core: it does about 2,200 alone, and the model's features cost as much again (about
# 0.5 ms for 240 characters), so a snippet must never reach it. On tune, routing every
# English text (weight 0.25) would have gained on every source, tweets included: the price is
# speed, not accuracy.
NEVER = 10**9
LENGTHS = (250, 300, 400, 600, 1000, 2000)
WEIGHTS = (0.25, 0.5, 0.75, 1.0)
SHARPNESS = (1.0, 2.0, 3.0, 4.0, 6.0)
# A source of a language may not lose accuracy against the lexicon on tune by more than this.
MAX_LOSS = 0.0


@dataclass
class Row:
    text: str
    label: str
    lang: str
    source: str  # short name: tweets, movie, amazon, nyt, news, fr_reviews
    split: str
    lexicon: float = 0.0
    flags: tuple[str, ...] = ()


def normalised(text: str) -> str:
    """The text as the split sees it: words only, lower-case, accents folded."""
    return " ".join(word for word in prose._tokens(clean_text(text)) if word not in "!?")


def split_of(text: str) -> str:
    """train, tune or test, from a hash of the normalised text (see the module's docstring)."""
    digest = hashlib.sha1(normalised(text).encode("utf-8")).digest()
    percent = int.from_bytes(digest[:8], "big") % 100
    return next(name for name, upto in SPLITS if percent < upto)


def short_source(source: str, lang: str) -> str:
    """tweets, movie, amazon, nyt, news (NewsMTSC) or fr_reviews."""
    if lang == "fr":
        return "fr_reviews"
    for needle, name in (
        ("tweets", "tweets"),
        ("movieReview", "movie"),
        ("amazon", "amazon"),
        ("nytEditorial", "nyt"),
        ("NewsMTSC", "news"),
    ):
        if needle in source:
            return name
    return source


def load(corpus: Path = CORPUS, limit: int | None = None) -> list[Row]:
    """Every labelled row of the training files, with its split; `limit` keeps the first
    rows of each file (the tests train on such a sample with the same code)."""
    rows: list[Row] = []
    for name in FILES:
        with (corpus / name).open(encoding="utf-8", newline="") as handle:
            for i, raw in enumerate(csv.DictReader(handle)):
                if limit is not None and i >= limit:
                    break
                lang = raw["lang"]
                if raw["label"] not in prose.CLASSES.get(lang, ()):
                    continue
                source = short_source(raw["source"], lang)
                rows.append(Row(raw["text"], raw["label"], lang, source, split_of(raw["text"])))
    return rows


def score_lexicon(rows: Iterable[Row]) -> None:
    """The lexicon engine's score of each row, in its given language (a model feature), and
    its flags (the blend keeps a complaint or an insult negative)."""
    from veille.tone import judge_tone

    with prose.lexicon_only():
        for row in rows:
            tone = judge_tone(row.text, row.lang)
            row.lexicon, row.flags = tone.score, tone.flags


@dataclass
class Matrix:
    """Rows of sparse features (CSR) and their class numbers."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    labels: np.ndarray


def matrix(rows: Sequence[Row], classes: Sequence[str]) -> Matrix:
    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    for row in rows:
        idx, val = prose.features(row.text, row.lexicon)
        indices.extend(idx)
        values.extend(val)
        indptr.append(len(indices))
    return Matrix(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(values, dtype=np.float32),
        np.asarray([classes.index(row.label) for row in rows], dtype=np.int64),
    )


def fit(data: Matrix, n_classes: int, epochs: int, seed: int = SEED) -> np.ndarray:
    """Multinomial logistic regression by mini-batch Adagrad, deterministic: the batches
    follow one seeded permutation per epoch, and every sum runs in a fixed order."""
    weights = np.zeros((prose.WIDTH, n_classes), dtype=np.float32)
    squares = np.full((prose.WIDTH, n_classes), 1e-6, dtype=np.float32)
    rng = np.random.default_rng(seed)
    n = len(data.labels)
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            batch = order[start : start + BATCH]
            spans = [np.arange(data.indptr[r], data.indptr[r + 1]) for r in batch]
            owner = np.concatenate(
                [np.full(len(s), k, dtype=np.int64) for k, s in enumerate(spans)]
            )
            at = np.concatenate(spans)
            idx, val = data.indices[at], data.values[at]
            contrib = weights[idx] * val[:, None]
            logits = np.zeros((len(batch), n_classes), dtype=np.float32)
            np.add.at(logits, owner, contrib)
            logits -= logits.max(axis=1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(axis=1, keepdims=True)
            prob[np.arange(len(batch)), data.labels[batch]] -= 1.0
            unique, inverse = np.unique(idx, return_inverse=True)
            grad = np.zeros((len(unique), n_classes), dtype=np.float32)
            np.add.at(grad, inverse, prob[owner] * val[:, None])
            grad /= len(batch)
            squares[unique] += grad * grad
            weights[unique] -= LEARNING_RATE * grad / np.sqrt(squares[unique])
    return weights


def pack(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What the npz holds: per language, the rows with a non-zero weight and their weights
    in float16 (the buckets no training text touched stay zero and are not stored)."""
    arrays: dict[str, np.ndarray] = {}
    for lang, matrix_ in weights.items():
        half = matrix_.astype(np.float16)
        rows = np.flatnonzero(np.any(half != 0, axis=1)).astype(np.uint32)
        arrays[f"{lang}_rows"] = rows
        arrays[f"{lang}_weights"] = half[rows]
    return arrays


def digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the arrays' names, shapes, types and bytes: equal weights, equal digest
    (the npz file itself holds zip timestamps)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def train(rows: Sequence[Row]) -> dict[str, np.ndarray]:
    """Fit each language's head on the train split; the packed arrays."""
    weights = {}
    for lang, classes in prose.CLASSES.items():
        part = [row for row in rows if row.lang == lang and row.split == "train"]
        weights[lang] = fit(matrix(part, classes), len(classes), EPOCHS[lang])
    return pack(weights)


def _label(score: float) -> str:
    if score >= prose.POSITIVE_AT:
        return "positive"
    if score <= prose.NEGATIVE_AT:
        return "negative"
    return "neutral"


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(1, len(gold))


def margins(rows: Sequence[Row], model_path: Path) -> list[float]:
    """P(positive) - P(negative) of the shipped-to-be model for each row."""
    out = []
    for row in rows:
        p = prose.prose_probabilities(row.text, row.lang, row.lexicon, path=model_path)
        out.append(p["positive"] - p["negative"])
    return out


def blended(row: Row, margin: float, route: prose.Route) -> float:
    """`veille.prose.blend` under `route`, on a precomputed margin."""
    if route.weight == 0 or len(row.text) < route.min_length:
        return row.lexicon
    model = prose.margin_to_score(margin, route.sharpness)
    return prose.mix(row.lexicon, model, route.weight, row.flags)


def choose_route(rows: Sequence[Row], found: Sequence[float]) -> prose.Route:
    """The routing with the best accuracy on `rows` (one language's tune rows) among those
    where no source loses more than MAX_LOSS against the lexicon; ties go to the longest
    min_length (fewer texts pay for the model), then the lowest weight. The lexicon alone
    (weight 0) is a candidate."""
    gold = [row.label for row in rows]
    by_source: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_source.setdefault(row.source, []).append(i)

    def per_source(labels: Sequence[str]) -> dict[str, float]:
        return {
            s: accuracy([gold[i] for i in ix], [labels[i] for i in ix])
            for s, ix in by_source.items()
        }

    lexicon = [_label(row.lexicon) for row in rows]
    base = per_source(lexicon)
    best_key = (accuracy(gold, lexicon), NEVER, 0.0)
    best = prose.Route(NEVER, 0.0, 1.0)
    for min_length in LENGTHS:
        for weight in WEIGHTS:
            for sharpness in SHARPNESS:
                route = prose.Route(min_length, weight, sharpness)
                labels = [
                    _label(blended(row, m, route)) for row, m in zip(rows, found, strict=True)
                ]
                if any(a < base[s] - MAX_LOSS - 1e-9 for s, a in per_source(labels).items()):
                    continue
                key = (accuracy(gold, labels), min_length, -weight)
                if key > best_key:
                    best_key, best = key, route
    return best


def write(arrays: dict[str, np.ndarray], out: Path) -> Path:
    path = out / "prose_model.npz"
    np.savez_compressed(path, **arrays)
    return path


def figures(
    rows: Sequence[Row], found: Sequence[float], routes: dict[str, prose.Route]
) -> list[tuple[str, int, float, float, float]]:
    """Per source: (source, n, lexicon accuracy, model accuracy, routed accuracy). The model
    alone is its score on the engine's scale (`margin_to_score`) for every text."""
    out = []
    for source in sorted({row.source for row in rows}):
        ix = [i for i, row in enumerate(rows) if row.source == source]
        gold = [rows[i].label for i in ix]
        sharp = routes[rows[ix[0]].lang].sharpness
        out.append(
            (
                source,
                len(ix),
                accuracy(gold, [_label(rows[i].lexicon) for i in ix]),
                accuracy(gold, [_label(prose.margin_to_score(found[i], sharp)) for i in ix]),
                accuracy(
                    gold,
                    [_label(blended(rows[i], found[i], routes[rows[i].lang])) for i in ix],
                ),
            )
        )
    return out


def route_table(rows: Sequence[Row], model_path: Path, show: bool = True) -> dict[str, Any]:
    """Decide each language's routing on the tune split; print the tune figures."""
    tune = [row for row in rows if row.split == "tune"]
    found = margins(tune, model_path)
    routes = {}
    for lang in prose.CLASSES:
        ix = [i for i, row in enumerate(tune) if row.lang == lang]
        routes[lang] = choose_route([tune[i] for i in ix], [found[i] for i in ix])
    if show:
        print("tune split accuracy: source, n, lexicon, model alone, routed")
        for source, n, lexicon, model, routed in figures(tune, found, routes):
            print(f"  {source:<10} {n:>5}  {lexicon:.3f}  {model:.3f}  {routed:.3f}")
    return {lang: asdict(route) for lang, route in routes.items()}


def build(
    rows: list[Row], out: Path, show: bool = True
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Train, write the weights, decide and write the routing; (arrays, routing)."""
    arrays = train(rows)
    path = write(arrays, out)
    prose._reset()
    routing = route_table(rows, path, show)
    (out / "prose_route.json").write_text(json.dumps(routing, indent=1) + "\n", encoding="utf-8")
    prose._reset()
    return arrays, routing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--check", action="store_true", help="rebuild in a temporary folder, compare, write nothing"
    )
    args = parser.parse_args(argv)
    if not (args.corpus / FILES[0]).exists():
        print(f"{args.corpus}: training files not found", file=sys.stderr)
        return 2
    began = time.perf_counter()
    rows = load(args.corpus)
    score_lexicon(rows)
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        counts[(row.source, row.split)] = counts.get((row.source, row.split), 0) + 1
    for source in sorted({s for s, _ in counts}):
        parts = ", ".join(f"{name} {counts.get((source, name), 0)}" for name, _ in SPLITS)
        print(f"{source}: {parts}")
    if args.check:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            arrays, routing = build(rows, Path(tmp))
        with np.load(args.out / "prose_model.npz") as shipped:
            same = digest(arrays) == digest({name: shipped[name] for name in shipped.files})
        shipped_route = json.loads((args.out / "prose_route.json").read_text(encoding="utf-8"))
        same_route = routing == shipped_route
        print(f"weights {'identical' if same else 'DIFFER'} (sha256 {digest(arrays)[:16]})")
        print(f"routing {'identical' if same_route else 'DIFFERS'}: {routing}")
        print(f"{time.perf_counter() - began:.0f} s")
        return 0 if same and same_route else 1
    arrays, routing = build(rows, args.out)
    size = (args.out / "prose_model.npz").stat().st_size
    print(f"wrote {args.out / 'prose_model.npz'}: {size / 1e6:.2f} MB")
    print(f"weights sha256 {digest(arrays)[:16]}")
    print(f"routing: {routing}")
    print(f"{time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
