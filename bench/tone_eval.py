"""Evaluate veille's tone module on labelled CSV files and measure its speed.

Usage: python bench/tone_eval.py [CSV ...] [--splits tune,test]
       python bench/tone_eval.py --labels LABELS.csv [CSV ...]

Each CSV has the columns text,label,lang,... (label in positive|neutral|negative; an optional
source column splits the figures). Without arguments it reads the shared English DEV split,
../shared/corpus/tone/dev_en.csv relative to the repository root. For every language and every
source it prints n, accuracy, macro-F1 (and, for a set without neutral items such as
positive/negative reviews, macro-F1 over those two) and the 3x3 confusion matrix, of the
built-in lexicon engine alone and with the prose scorer (`veille.prose.blend`, routed by
length), then the throughput of `judge_tone` (language detection included) on ~240-character
snippets, on one core, and of `tone_around`, the call the sweep makes, on unique
~240-character windows (see bench/tone_speed.py, which also measures memory).

Then, when ../shared/corpus/tone/train/ is there, the accuracy per source on the tune and test
splits of the training files (see scripts/train_prose.py): the lexicon engine, the prose model
alone, and the two routed as the engine routes them; and the prose scorer's throughput on long
texts. The tune split chose the model's settings and routing; the test split chose nothing.

With --labels, a layer is trained on a labels file as `veille tone train` trains it
(`veille.tone.layer.train_layer`: k-fold figures of the built-in engine and the layer, and
the decision per language). Rows whose `part` column says "held" are held back from training
and judged by the trained layer afterwards; each CSV given is judged with it too.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "scripts"))

from tone_speed import WARM_UP, windows  # noqa: E402

from veille import prose  # noqa: E402
from veille.text import clean_text  # noqa: E402
from veille.tone import ToneLayer, judge_tone, tone_around, train_layer  # noqa: E402
from veille.tone.layer import report_lines  # noqa: E402

LABELS = ("positive", "neutral", "negative")
DEFAULT_CSV = REPO.parent / "shared" / "corpus" / "tone" / "dev_en.csv"


def load(path: Path) -> list[dict[str, str]]:
    """Rows of a labelled CSV; rows with an unknown label are skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row.get("label") in LABELS]


def macro_f1(
    gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS
) -> float:
    """Mean of per-class F1 over `labels` (a class never seen nor predicted counts 0)."""
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold) if gold else 0.0


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> str:
    """The 3x3 matrix as text: rows are gold labels, columns predictions."""
    lines = ["        gold\\pred " + " ".join(f"{label[:3]:>5}" for label in LABELS)]
    for g_label in LABELS:
        counts = [
            sum(g == g_label and p == p_label for g, p in zip(gold, predicted, strict=True))
            for p_label in LABELS
        ]
        lines.append(f"        {g_label:>9} " + " ".join(f"{c:>5}" for c in counts))
    return "\n".join(lines)


def label_of(score: float) -> str:
    """The engine's label of a score (its thresholds, repeated in veille.prose)."""
    if score >= prose.POSITIVE_AT:
        return "positive"
    if score <= prose.NEGATIVE_AT:
        return "negative"
    return "neutral"


def judged(text: str, lang: str | None) -> tuple[str, str]:
    """(label of the lexicon engine alone, label with the prose scorer) of one text."""
    with prose.lexicon_only():
        lexicon = judge_tone(text, lang)
    score = prose.blend(clean_text(text), lexicon.lang, lexicon.score, lexicon.flags)
    return lexicon.tone, label_of(score) if score != lexicon.score else lexicon.tone


def report(name: str, gold: Sequence[str], predicted: Sequence[str]) -> None:
    print(
        f"  {name}: n={len(gold)} accuracy={accuracy(gold, predicted):.3f} "
        f"macro-F1={macro_f1(gold, predicted):.3f}"
    )
    if gold and "neutral" not in gold:
        # A positive/negative set (reviews): accuracy is the figure; a neutral prediction is an
        # error, and macro-F1 over the three labels would count the absent class as 0.
        print(
            f"    (no neutral in gold: macro-F1 over positive/negative="
            f"{macro_f1(gold, predicted, ('positive', 'negative')):.3f})"
        )
    print(confusion(gold, predicted))


def snippets(texts: Sequence[str], width: int = 240) -> list[str]:
    """Join consecutive texts into snippets of about `width` characters, like a mention's."""
    out: list[str] = []
    current = ""
    for text in texts:
        current = f"{current} {text}".strip()
        if len(current) >= width:
            out.append(current[:width])
            current = ""
    if current:
        out.append(current)
    return out


def throughput(texts: Sequence[str], minimum: int = 3000) -> tuple[float, float]:
    """Snippets per second of judge_tone (detection included) and the mean snippet length."""
    pool = snippets(texts) or ["x"]
    batch = (pool * (minimum // len(pool) + 1))[:minimum]
    judge_tone(batch[0])  # load lexicons and models outside the timing
    began = time.perf_counter()
    for text in batch:
        judge_tone(text)
    elapsed = time.perf_counter() - began
    return len(batch) / elapsed, sum(map(len, batch)) / len(batch)


def window_throughput(count: int = 3000) -> tuple[float, float]:
    """Snippets per second of tone_around on `count` different windows, and their mean length;
    no window repeats, so no cache can help."""
    items = windows(count)
    for text in WARM_UP:
        tone_around(text, 0, 4)
    began = time.perf_counter()
    for text, start, end in items:
        tone_around(text, start, end)
    elapsed = time.perf_counter() - began
    return count / elapsed, sum(len(text) for text, _, _ in items) / count


def training_splits(splits: Sequence[str]) -> None:
    """Accuracy per source on splits of the training files: the lexicon engine, the prose
    model alone (every text, whatever its length), and routed (`veille.prose.blend`)."""
    import train_prose

    if not (train_prose.CORPUS / train_prose.FILES[0]).exists():
        print(f"{train_prose.CORPUS}: not found, no figures for the prose scorer")
        return
    rows = [row for row in train_prose.load() if row.split in splits]
    train_prose.score_lexicon(rows)
    found = train_prose.margins(rows, prose.MODEL_PATH)
    routes = {lang: prose._route(lang, prose.MODEL_PATH) for lang in prose.CLASSES}
    for split in splits:
        ix = [i for i, row in enumerate(rows) if row.split == split]
        part = [rows[i] for i in ix]
        print(
            f"{split} split of {train_prose.CORPUS} (accuracy; macro-F1 over the labels of the set)"
        )
        print(f"  {'source':<10} {'n':>5}  {'lexicon':>13}  {'model alone':>13}  {'routed':>13}")
        for source in sorted({row.source for row in part}):
            keep = [k for k, row in enumerate(part) if row.source == source]
            gold = [part[k].label for k in keep]
            labels = prose.CLASSES[part[keep[0]].lang]
            route = routes[part[keep[0]].lang]
            assert route is not None
            margin = [found[ix[k]] for k in keep]
            lexicon = [label_of(part[k].lexicon) for k in keep]
            alone = [label_of(prose.margin_to_score(m, route.sharpness)) for m in margin]
            routed = [
                label_of(train_prose.blended(part[k], m, route))
                for k, m in zip(keep, margin, strict=True)
            ]
            cells = "  ".join(
                f"{accuracy(gold, p):.3f} {macro_f1(gold, p, labels):.3f}"
                for p in (lexicon, alone, routed)
            )
            print(f"  {source:<10} {len(keep):>5}  {cells}")
    long = [row for row in rows if prose.routed(row.text, row.lang)]
    if long:
        began = time.perf_counter()
        for row in long:
            prose.blend(row.text, row.lang, row.lexicon)
        elapsed = time.perf_counter() - began
        width = sum(len(row.text) for row in long) / len(long)
        print(
            f"prose scorer: {len(long) / elapsed:,.0f} texts/s on the {len(long)} routed texts "
            f"(mean {width:.0f} chars, lexicon score given, one core)"
        )


def trained_layer(path: Path, others: Sequence[Path]) -> int:
    """Train a layer on the labels of `path` (not its held-back rows), print its
    cross-validated figures, then judge the held-back rows and `others` with it."""
    rows = load(path)
    train = [row for row in rows if row.get("part") != "held"]
    held = [row for row in rows if row.get("part") == "held"]
    began = time.perf_counter()
    training = train_layer(train)
    elapsed = time.perf_counter() - began
    print(f"{path}: trained on {len(train)} labels in {elapsed:.1f} s (held back: {len(held)})")
    for line in report_lines(training.report):
        print(f"  {line}")
    if training.refused or training.layer is None:
        print(f"  kept the built-in engine: {training.report['reason']}")
        return 0
    layer = ToneLayer.from_bytes(training.layer.to_bytes())
    print(f"  layer used for: {', '.join(sorted(layer.languages))}")
    for name, part in [(f"{path} held back", held)] + [(str(p), load(p)) for p in others]:
        if not part:
            continue
        gold = [row["label"] for row in part]
        print(f"{name} ({len(part)} rows)")
        report(
            "built-in engine",
            gold,
            [judge_tone(r["text"], r.get("lang") or None).tone for r in part],
        )
        began = time.perf_counter()
        with_layer = [layer(r["text"], r.get("lang") or None).tone for r in part]
        rate = len(part) / (time.perf_counter() - began)
        report("with the trained layer", gold, with_layer)
        print(f"  throughput with the layer: {rate:,.0f} texts/s (one core)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="*", type=Path, help=f"labelled CSV (default {DEFAULT_CSV})")
    parser.add_argument(
        "--splits",
        default="tune,test",
        help="splits of the training files to evaluate the prose scorer on ('' for none)",
    )
    parser.add_argument(
        "--labels",
        type=Path,
        metavar="FILE.csv",
        help="train a layer on these labels (text,label[,lang][,part]) and judge with it",
    )
    args = parser.parse_args(argv)
    for path in [args.labels, *args.csv] if args.labels else []:
        if not path.exists():
            print(f"{path}: not found", file=sys.stderr)
            return 2
    if args.labels:
        return trained_layer(args.labels, args.csv)
    paths = args.csv or [DEFAULT_CSV]
    for path in paths:
        if not path.exists():
            print(f"{path}: not found", file=sys.stderr)
            return 2
        rows = load(path)
        given = [judged(row["text"], row.get("lang") or None) for row in rows]
        detected = [judged(row["text"], None) for row in rows]
        print(f"{path} ({len(rows)} rows)")
        for engine, which in (("lexicon engine", 0), ("with the prose scorer", 1)):
            print(f" {engine}")
            for lang in sorted({row.get("lang", "") for row in rows}):
                keep = [i for i, row in enumerate(rows) if row.get("lang", "") == lang]
                for how, predicted in (("given", given), ("detected", detected)):
                    report(
                        f"lang={lang or '?'} ({how})",
                        [rows[i]["label"] for i in keep],
                        [predicted[i][which] for i in keep],
                    )
            for source in sorted({row.get("source", "") for row in rows}):
                keep = [i for i, row in enumerate(rows) if row.get("source", "") == source]
                report(
                    f"source={source or '?'}",
                    [rows[i]["label"] for i in keep],
                    [detected[i][which] for i in keep],
                )
        rate, width = throughput([row["text"] for row in rows])
        print(f"  throughput: {rate:,.0f} snippets/s (mean {width:.0f} chars, one core)")
    rate, width = window_throughput()
    print(
        f"tone_around throughput: {rate:,.0f} snippets/s (unique windows, mean {width:.0f} "
        f"chars, one core)"
    )
    splits = [name for name in args.splits.split(",") if name]
    if splits:
        training_splits(splits)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
