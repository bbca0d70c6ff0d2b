"""Evaluate veille's tone module on labelled CSV files and measure its speed.

Usage: python bench/tone_eval.py [CSV ...]

Each CSV has the columns text,label,lang,... (label in positive|neutral|negative; an optional
source column splits the figures). Without arguments it reads the shared English DEV split,
../shared/corpus/tone/dev_en.csv relative to the repository root. For every language and every
source it prints n, accuracy, macro-F1 (and, for a set without neutral items such as
positive/negative reviews, macro-F1 over those two) and the 3x3 confusion matrix, then the
throughput of `judge_tone` (language detection included) on ~240-character snippets, on one
core, and of `tone_around`, the call the sweep makes, on unique ~240-character windows (see
bench/tone_speed.py, which also measures memory).
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

from tone_speed import WARM_UP, windows  # noqa: E402

from veille.tone import judge_tone, tone_around  # noqa: E402

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="*", type=Path, help=f"labelled CSV (default {DEFAULT_CSV})")
    args = parser.parse_args(argv)
    paths = args.csv or [DEFAULT_CSV]
    for path in paths:
        if not path.exists():
            print(f"{path}: not found", file=sys.stderr)
            return 2
        rows = load(path)
        predicted = [judge_tone(row["text"], row.get("lang") or None).tone for row in rows]
        detected = [judge_tone(row["text"]).tone for row in rows]
        print(f"{path} ({len(rows)} rows)")
        for lang in sorted({row.get("lang", "") for row in rows}):
            keep = [i for i, row in enumerate(rows) if row.get("lang", "") == lang]
            report(
                f"lang={lang or '?'} (given)",
                [rows[i]["label"] for i in keep],
                [predicted[i] for i in keep],
            )
            report(
                f"lang={lang or '?'} (detected)",
                [rows[i]["label"] for i in keep],
                [detected[i] for i in keep],
            )
        for source in sorted({row.get("source", "") for row in rows}):
            keep = [i for i, row in enumerate(rows) if row.get("source", "") == source]
            report(
                f"source={source or '?'}",
                [rows[i]["label"] for i in keep],
                [detected[i] for i in keep],
            )
        rate, width = throughput([row["text"] for row in rows])
        print(f"  throughput: {rate:,.0f} snippets/s (mean {width:.0f} chars, one core)")
    rate, width = window_throughput()
    print(
        f"tone_around throughput: {rate:,.0f} snippets/s (unique windows, mean {width:.0f} "
        f"chars, one core)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
