"""Parse benchmark: generated feeds parsed from memory, one process, three ways.

Usage: python bench/parse_bench.py [--feeds 1000] [--items 50] [--repeat 1]

(a) plain `feedparser.parse` with its defaults (what a user would write);
(b) `parse_feed(..., engine="feedparser")`: veille's whole parse stage without the fast path;
(c) `parse_feed(...)` (engine="auto"): the feedparser-rs fast path, with its guards.
The feeds come from tests/feedgen.py and cycle through RSS 2.0, Atom, RSS 1.0 and JSON Feed
(feedparser cannot read JSON Feed: (a) parses it too, and finds nothing). For each: seconds
(best of --repeat), MB/s over all the bodies, and for (c) how many feeds took the fast path.
Run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import feedparser

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from feedgen import generate_feeds  # noqa: E402

from veille.parse import parse_feed  # noqa: E402

BASE = "https://news.example"


def timed(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--feeds", type=int, default=1000)
    options.add_argument("--items", type=int, default=50)
    options.add_argument("--repeat", type=int, default=1)
    args = options.parse_args()

    feeds = generate_feeds(args.feeds, args.items, base=BASE)
    megabytes = sum(len(feed.body) for feed in feeds) / 1e6
    print(f"{len(feeds)} feeds × {args.items} items, {megabytes:.1f} MB, from memory")

    def plain() -> None:
        for feed in feeds:
            feedparser.parse(io.BytesIO(feed.body))

    def forced() -> None:
        for feed in feeds:
            parse_feed(feed.body, BASE + feed.path, feed.content_type, engine="feedparser")

    parsers: Counter[str] = Counter()

    def auto() -> None:
        parsers.clear()
        for feed in feeds:
            parsers[parse_feed(feed.body, BASE + feed.path, feed.content_type).parser] += 1

    runs = [
        ("(a) feedparser.parse, defaults", plain),
        ('(b) parse_feed, engine="feedparser"', forced),
        ("(c) parse_feed, auto (fast path)", auto),
    ]
    for label, run in runs:
        seconds = timed(run, args.repeat)
        print(f"{label:38} {seconds:7.2f} s {megabytes / seconds:8.1f} MB/s")
    print("(c) parsers:", ", ".join(f"{name}: {count}" for name, count in parsers.most_common()))


if __name__ == "__main__":
    main()
