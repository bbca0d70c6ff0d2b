"""Throughput of `tone_around` on unique ~240-character windows, and the tone golden file.

Usage:
    python bench/tone_speed.py [--n 3000] [--repeat]      # snippets/s, one core, RSS
    python bench/tone_speed.py --compare OTHER_CHECKOUT   # this engine vs another, in turns
    python bench/tone_speed.py --write-golden [PATH]      # regenerate the equivalence file

The windows are made of sentences of the labelled corpora (French fixtures, and the shared
English DEV split when it is there) with a brand inserted, emoji, links, flag phrases and a
few other languages mixed in, as a sweep sees them; every window is different, so a cache
keyed on the text never hits. `--repeat` also times a second pass over the same windows.

`--compare` times this checkout's `tone_around` and another checkout's (`its src/` first on
the path) on the same windows, each in a process of its own that stays up, handed chunks of
100 windows in turns: the machine's speed drifts within seconds when other work runs, and
turns this short put the drift on both alike. It prints each one's rate and the median ratio
of their times over the chunks.

`--write-golden` writes tests/fixtures/tone_golden.jsonl: for every text of the corpora and a
few hundred generated windows and noisy strings, the exact outputs of `judge_tone`,
`tone_around`, `detect_language` and `context_window`. tests/test_tone.py replays it: the
tone engine may get faster, never different. Regenerate it only on purpose, when a change of
result is intended, and say so in the change.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from veille import tone as tone_module  # noqa: E402

CORPORA = (
    REPO.parent / "shared" / "corpus" / "tone" / "dev_en.csv",
    REPO / "tests" / "fixtures" / "tone_fr.csv",
    REPO / "tests" / "fixtures" / "tone_fr_reviews.csv",
)
GOLDEN = REPO / "tests" / "fixtures" / "tone_golden.jsonl"
BRANDS = ("Free", "Orange", "Decathlon", "Acme", "Fnac", "SNCF", "Zalando", "Lumo", "Pixel")
# Sentences a sweep meets besides opinions: flags, irony, other languages, noise.
EXTRA = (
    "Still waiting for my refund, tracking hasn't moved in 10 days.",
    "Toujours pas reçu ma commande, service client injoignable !",
    "Ça fait 3 semaines que ma commande est « en préparation », quelqu'un peut me répondre ?",
    "Bande d'incapables, merci quand même.",
    "You are all idiots, thanks.",
    "Code promo SUMMER20 sur tout le site, cliquez ici http://promo.example/x",
    "Buy now and save 50%! Free shipping, click here https://shop.example/deal",
    "Free bitcoin giveaway, send 0.1 BTC to double it.",
    "Hot sex videos here www.spam.example",
    "Merci pour rien la SNCF, deux heures bloqués.",
    "great, another delay",
    "Love this update /s",
    "Le forfait augmente encore 🙄",
    "bravo… encore en retard",
    "Est-ce que la box est compatible avec le wifi 6 ?",
    "How do I reset my router? Anyone know?",
    "Das Essen war wirklich schlecht und der Service langsam.",
    "El servicio fue horrible y la comida estaba fría.",
    "Il servizio è stato pessimo e il cibo era freddo.",
    "O atendimento foi péssimo e a comida estava fria.",
    "De bezorging was snel en het product is prima.",
    "Nouvelle box reçue 😍😍",
    "Train cancelled again 😡",
    "👍👍",
    "Colis arrivé :) merci ^^",
    "I've never been happier with my bank.",
    "The killer feature is the battery.",
    "Though the screen is great, the battery is awful.",
    "Prices rose for staples like bread and milk.",
    "Je n'ai jamais eu à me plaindre de leur service.",
    "Pâtes trop cuites et sauce trop salée.",
    "C'est NUL ce service !!!",
    "@support_fr #panne depuis ce matin https://t.co/abc123",
    "Plus jamais d'autre opérateur : Free est génial, rapide et fiable, je recommande !",
)
# English mentions written for this file (the shared DEV split stays out of the golden file).
ENGLISH = (
    "The new phone is a marvel and the screen is gorgeous.",
    "Support was useless and rude when I called yesterday.",
    "Honestly the best purchase I made this year, I love it!",
    "Delivery was fast but the box arrived crushed.",
    "Not bad at all for the price.",
    "The app keeps crashing after the last update, so frustrating.",
    "Any recommendations for a cheap laptop?",
    "Their customer service is a joke, never again.",
    "I'm not sure it's worth the money, to be honest.",
    "What a fantastic concert last night!!!",
    "The store opens at 9 on Sundays.",
    "The company reported quarterly earnings on Tuesday.",
    "Shares fell 3% after the announcement.",
    "It's kind of ok, nothing special.",
    "I really like the new design, it looks great.",
    "This is the worst experience I've ever had with an airline.",
    "Absolutely LOVE this!! 😍",
    "meh. it works i guess",
    "The plan is misguided and the rollout was botched.",
    "A commendable and prudent budget, though hardly ambitious.",
    "Yet the service remains slow; however, the staff are kind.",
    "Despite the delays, the team delivered a solid product.",
    "Yeah right, like that will ever happen.",
    "Can someone tell me why my order was cancelled?",
    "Thanks a lot for the quick reply, problem solved :)",
    "I don't hate it, but I don't love it either.",
    "The food was not good, not good at all.",
    "SO disappointed with this purchase, total waste of money.",
    "wow such a great idea... not.",
    "Five stars, would buy again.",
)
EMOJI = ("😍", "😡", "🙄", "👍", "👎", "😂", "🔥", "❤️", "👏", "🤔", "😭", "🎉", "💩", "👍🏽", "🫠")
# Words and bits for noisy strings: VADER's idioms, boosters, negations, punctuation, caps.
NOISE = (
    "not", "isn't", "never", "no", "without", "doubt", "but", "BUT", "kind of", "sort of",
    "least", "at least", "very", "extremely", "so", "GREAT", "great", "good", "bad", "BAD",
    "love", "hate", "like", "though", "however,", "yet", "the bomb", "cut the mustard",
    "yeah right", "bad ass", "kiss of death", "the shit", "sweet spot", "never so", "happier",
    "killer", "app", "nul", "génial", "pas", "ne", "n'", "j'aime", "trop", "bien", "super",
    "déçu", "très", "mais", "plus", "jamais", "rien", "un peu", "merci", "pour", "bravo",
    "encore", "again", "another", "!!!", "?", "??", "...", "…", ",", ".", ":)", ":(", "^^",
    "<3", "xD", "/s", "’", "'", "\n", "\t", "http://x.example/a?b=1", "@someone", "#tag",
    "42", "3 semaines", "10 days", "ÇA", "Ça", "œuvre", "Æ", "L'", "qu'il", "d’une", "🙄",
    "😍", "👎", "\u200b", "\x1b[31m", "wasn't", "won't", "aint", "nor", "cannot", "rather",
    "quite", "barely", "hardly", "SUPER", "SO", "VERY", "kinda", "too", "sux", "lol", "LOL",
)  # fmt: skip


WARM_UP = (
    "Acme warms the models up before the workers start.",
    "Acme réchauffe les modèles avant le départ des workers.",
    "Acme 👍",
)


def corpus_rows() -> list[dict[str, str]]:
    """Every row of the corpora that are here, with its file's name as "corpus"."""
    out = []
    for path in CORPORA:
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                out.extend({**row, "corpus": path.name} for row in csv.DictReader(handle))
    return out


def windows(
    count: int, seed: int = 7, width: int = 240, shared: bool = True
) -> list[tuple[str, int, int]]:
    """`count` different (text, start, end) of about `width` characters, brand at start:end.

    Without `shared`, only the repository's own texts are used (those of the golden file)."""
    rng = random.Random(seed)
    rows = [row for row in corpus_rows() if shared or row["corpus"] != CORPORA[0].name]
    pool = [row["text"] for row in rows] + list(EXTRA) * 3 + list(ENGLISH) * 3
    seen: set[str] = set()
    out: list[tuple[str, int, int]] = []
    while len(out) < count:
        parts: list[str] = []
        while sum(map(len, parts)) + len(parts) < width - 40:
            parts.append(rng.choice(pool))
        brand = rng.choice(BRANDS)
        index = rng.randrange(len(parts))
        words = parts[index].split(" ")
        at = rng.randrange(len(words) + 1)
        parts[index] = " ".join([*words[:at], brand, *words[at:]])
        if rng.random() < 0.3:
            spot = rng.randrange(len(parts))
            parts[spot] = f"{parts[spot]} {rng.choice(EMOJI)}"
        text = " ".join(parts)
        start = len(" ".join(parts[:index])) + (1 if index else 0)
        start += len(" ".join(words[:at])) + (1 if at else 0)
        end = start + len(brand)
        assert text[start:end] == brand
        if len(text) > width + 40:  # cut at a word boundary, keeping the brand inside
            cut = text.rfind(" ", end, width + 40)
            if cut > end:
                text = text[:cut]
        if text not in seen:
            seen.add(text)
            out.append((text, start, end))
    return out


def noisy(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        size = rng.randrange(1, 30)
        parts = [rng.choice(NOISE) for _ in range(size)]
        out.append((" " if rng.random() < 0.8 else "").join(parts))
    return out


def _tone(value: Any) -> list[Any]:
    return [value.tone, value.score, value.lang, list(value.flags)]


def golden_records() -> Iterator[dict[str, Any]]:
    """Inputs and current outputs; see `tests/test_tone.py::test_golden_outputs`.

    Rows of the corpora are named by file and id, not copied: the shared DEV split quotes
    third-party texts and stays outside the repository."""
    t = tone_module
    rng = random.Random(3)
    for row in corpus_rows():
        text, lang = row["text"], row.get("lang") or ""
        words = [i for i, c in enumerate(text) if c != " " and (i == 0 or text[i - 1] == " ")]
        start = rng.choice(words) if words else 0
        end = text.find(" ", start)
        end = len(text) if end < 0 else end
        yield {
            "corpus": row["corpus"],  # the text is read from there, by id
            "id": row["id"],
            "lang": lang,
            "start": start,
            "end": end,
            "detect_language": t.detect_language(text),
            "judge_tone": _tone(t.judge_tone(text)),
            "judge_tone_lang": _tone(t.judge_tone(text, lang or None)),
            "judge_tone_other": _tone(t.judge_tone(text, "en" if lang == "fr" else "fr")),
            "tone_around": _tone(t.tone_around(text, start, end)),
            "context_window": t.context_window(text, start, end),
        }
    for text, start, end in windows(400, seed=5, shared=False):
        yield {
            "text": text,
            "start": start,
            "end": end,
            "detect_language": t.detect_language(text),
            "judge_tone": _tone(t.judge_tone(text)),
            "tone_around": _tone(t.tone_around(text, start, end)),
            "tone_around_fr": _tone(t.tone_around(text, start, end, "fr")),
            "tone_around_en": _tone(t.tone_around(text, start, end, "en")),
            "context_window": t.context_window(text, start, end),
        }
    for text in noisy(300):
        start, end = len(text) // 3, len(text) // 2
        yield {
            "text": text,
            "start": start,
            "end": end,
            "detect_language": t.detect_language(text),
            "judge_tone": _tone(t.judge_tone(text)),
            "judge_tone_en": _tone(t.judge_tone(text, "en")),
            "judge_tone_fr": _tone(t.judge_tone(text, "fr")),
            "judge_tone_und": _tone(t.judge_tone(text, "und")),
            "tone_around": _tone(t.tone_around(text, start, end)),
        }


def write_golden(path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in golden_records():
            handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    return count


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    current = 0.0
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(items: Sequence[tuple[str, int, int]]) -> float:
    """Snippets per second of `tone_around` (language detection included) on `items`."""
    began = time.perf_counter()
    for text, start, end in items:
        tone_module.tone_around(text, start, end)
    return len(items) / (time.perf_counter() - began)


# A process judging the windows it is sent, one chunk (a JSON list) per line, answering each
# with the seconds it took; started with a checkout's src first on its path.
_WORKER = """
import json, sys, time
from veille.tone import tone_around
for line in sys.stdin:
    chunk = json.loads(line)
    began = time.perf_counter()
    for text, start, end in chunk:
        tone_around(text, start, end)
    print(time.perf_counter() - began, flush=True)
"""


def compare(items: Sequence[tuple[str, int, int]], other: Path, passes: int = 3) -> None:
    """This checkout's engine against `other`'s, in turns of 100 windows (see the docstring)."""
    checkouts = {"this": REPO, other.name or str(other): other.resolve()}
    workers = {
        name: subprocess.Popen(
            [sys.executable, "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={"PYTHONPATH": str(checkout / "src"), "PATH": "/usr/bin:/bin"},
        )
        for name, checkout in checkouts.items()
    }

    def timed(name: str, chunk: Sequence[tuple[str, int, int]]) -> float:
        worker = workers[name]
        assert worker.stdin is not None and worker.stdout is not None
        worker.stdin.write(json.dumps(chunk, ensure_ascii=False) + "\n")
        worker.stdin.flush()
        return float(worker.stdout.readline())

    names = list(workers)
    for name in names:  # every model and lexicon loaded before the first timed chunk
        timed(name, [(text, 0, 4) for text in WARM_UP])
    totals = dict.fromkeys(names, 0.0)
    ratios = []
    for turn in range(passes * ((len(items) + 99) // 100)):
        chunk = items[(turn * 100) % len(items) :][:100]
        spent = {}
        for name in names if turn % 2 == 0 else names[::-1]:
            spent[name] = timed(name, chunk)
            totals[name] += spent[name]
        ratios.append(spent["this"] / spent[names[1]])
    for worker in workers.values():
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()
    count = passes * len(items)
    print(", ".join(f"{name}: {count / totals[name]:,.0f} snippets/s" for name in names))
    print(
        f"this/{names[1]} time, median over {len(ratios)} chunks of 100: "
        f"{statistics.median(ratios):.3f} (below 1: this checkout is faster)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="unique windows to time")
    parser.add_argument("--repeat", action="store_true", help="also time a second pass")
    parser.add_argument(
        "--write-golden", nargs="?", const=GOLDEN, type=Path, help="write the golden file"
    )
    parser.add_argument(
        "--compare", type=Path, metavar="CHECKOUT", help="time another checkout in turns"
    )
    args = parser.parse_args(argv)
    if args.compare:
        compare(windows(args.n), args.compare)
        return 0
    if args.write_golden:
        print(f"{args.write_golden}: {write_golden(args.write_golden)} records")
        return 0
    items = windows(args.n)
    began = time.perf_counter()
    for text in WARM_UP:  # loads every model and lexicon; none of these is a timed window
        tone_module.tone_around(text, 0, 4)
    first_use = time.perf_counter() - began
    current, peak = rss_mb()
    print(f"first use: {first_use:.2f} s, RSS {current:.0f} MB (peak {peak:.0f} MB)")
    # Three parts of different windows; the best part is the figure least disturbed by others.
    size = len(items) // 3
    rates = sorted(throughput(items[i * size : (i + 1) * size]) for i in range(3))
    mean = sum(len(text) for text, _, _ in items) / len(items)
    print(
        f"tone_around: {rates[-1]:,.0f} snippets/s (median {rates[1]:,.0f}; unique windows, "
        f"mean {mean:.0f} chars, one core)"
    )
    if args.repeat:
        print(f"tone_around, second pass: {throughput(items):,.0f} snippets/s")
    current, peak = rss_mb()
    print(f"RSS after the run {current:.0f} MB (peak {peak:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
