"""Report benchmark: `veille report` and friends on a database of a million mentions.

Usage: python bench/report_bench.py [--mentions 1000000] [--db FILE] [--runs 5]

Builds (or reuses) a database of N mentions spread over the last 365 days — 6 brands,
5,000 authors, 300 sources — through the real schema (indexes, FTS triggers), then times
the report's figures for 7, 30 and 365 days, the first page of `mentions`, a search, and the
whole `veille report` command in a fresh process. Run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from veille.figures import build_report, default_since  # noqa: E402
from veille.query import parse_when  # noqa: E402
from veille.store import MentionFilter, Store  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from benchdata import random_mention  # noqa: E402

BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"]


def build(db_path: Path, count: int) -> None:
    random.seed(7)
    now = datetime.now(timezone.utc)
    with Store(db_path) as store:
        done = store.count_mentions()
        batch = 20_000
        for start in range(done, count, batch):
            rows = []
            for n in range(start, min(count, start + batch)):
                when = now - timedelta(seconds=random.randrange(365 * 86400))
                stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
                source = random.randrange(300)
                rows.append(
                    random_mention(
                        n,
                        stamp,
                        brand=random.choices(BRANDS, weights=[6, 3, 2, 1, 1, 1])[0],
                        source=source,
                        site=source % 120,
                        source_type="rss" if source % 3 else "forum",
                        authors=5000,
                        statuses=("new", "handled"),
                    )
                )
            # Each mention's own fields stand for its archived item.
            store.record_source("bench", {}, rows)
            print(f"  {min(count, start + batch):,} mentions", end="\r", flush=True)
        store.db.execute("ANALYZE")
    print()


def timed(label: str, action, repeat: int = 3) -> None:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    print(f"{label:44} {best * 1000:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/veille-report-bench.db"))
    parser.add_argument("--runs", type=int, default=5, help="turns of the whole-process timing")
    args = parser.parse_args()
    started = time.perf_counter()
    build(args.db, args.mentions)
    print(f"database: {args.db} ({args.db.stat().st_size / 1e6:.0f} MB), "
          f"ready in {time.perf_counter() - started:.0f} s")  # fmt: skip
    now = datetime.now(timezone.utc)
    with Store(args.db) as store:
        print(f"{store.count_mentions():,} mentions")
        for label, since in (
            ("7 days", default_since(now)),
            ("30 days", "30d"),
            ("365 days", "365d"),
        ):
            filters = MentionFilter(since=parse_when(since, "--since", now))
            timed(f"report figures, {label}", lambda f=filters: build_report(store, f, now=now))
        brand = MentionFilter(since=parse_when("30d", "--since", now), brands=("Hooli",))
        timed("report figures, 30 days, one brand", lambda: build_report(store, brand, now=now))
        timed("mentions, first 50", lambda: list(store.iter_mentions(limit=50)))
        negative = MentionFilter(tones=("negative",), langs=("fr",))
        timed(
            "mentions, negative + fr, first 50",
            lambda: list(store.iter_mentions(negative, limit=50)),
        )
        timed("search 'batterie AND retard', first 20", lambda: store.search("batterie AND retard"))
    whole_process(args.db, args.runs)


def whole_process(db_path: Path, runs: int) -> None:
    """`veille report` and `veille report --html`, each a fresh process, in turns.

    In turns, so that the machine's drift falls on both alike; the HTML's extra time is the
    median of the per-turn differences.
    """
    html = db_path.with_suffix(".html")
    base = [sys.executable, "-m", "veille", "report", "--db", str(db_path)]
    terminal, with_html = [], []
    for _ in range(runs):
        for command, times in ((base, terminal), ([*base, "--html", str(html)], with_html)):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
    extra = statistics.median(h - t for h, t in zip(with_html, terminal, strict=True))
    for label, value in (
        ("veille report (whole process), median", f"{statistics.median(terminal) * 1000:8.1f} ms"),
        ("veille report --html (same), median", f"{statistics.median(with_html) * 1000:8.1f} ms"),
        ("  the HTML's extra time, median of turns", f"{extra * 1000:8.1f} ms"),
        ("  the HTML file", f"{html.stat().st_size / 1e3:8.1f} kB"),
    ):
        print(f"{label:44} {value}")


if __name__ == "__main__":
    main()
