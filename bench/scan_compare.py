"""Two versions of veille's sweep, run in turns on the same feeds: which one is faster.

Usage: python bench/scan_compare.py OLD [NEW] [--feeds 1000] [--items 50] [--rounds 2]

OLD and NEW are checkouts of this repository (NEW defaults to this one), e.g. made with
`git worktree add /tmp/old <commit>`. Each round runs, for each version in turn, a cold sweep
into a new database, a warm one (every feed answers 304), and then a sweep where 10% of every
feed's items are new, against the
same loopback server as `scan_bench.py` (50 ms per request). Alternating matters on a shared
machine, whose speed can drift by 10-20% within half an hour: figures taken at different
times compare the machine as much as the code. Prints wall time and CPU (every process of
the sweep) for each run. Run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

from feedgen import generate_feeds  # noqa: E402
from scan_bench import FeedServer, sweep, write_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path, nargs="?", default=REPO)
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    feeds = generate_feeds(args.feeds, args.items, base="https://news.example")
    server = FeedServer(feeds, 0.05)
    first = dict(server.by_path)
    server.replace_share(args.feeds, args.items, 0.10)
    changed = dict(server.by_path)
    urls = [server.base + feed.path for feed in feeds]
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="veille-compare-") as scratch:
        for round_number in range(args.rounds):
            for label, checkout in (("old", args.old), ("new", args.new)):
                config = write_config(Path(scratch) / f"{label}-{round_number}.yaml", urls, 64)
                for run, content in (("cold", first), ("warm", first), ("10% new", changed)):
                    server.publish(content)
                    result = sweep(config, checkout)
                    results.setdefault((label, run), []).append((result["wall"], result["cpu"]))
    server.shutdown()
    print(f"{args.feeds} feeds x {args.items} items; old = {args.old}, new = {args.new}")
    for (label, run), figures in results.items():
        shown = "  ".join(f"{wall:6.2f} s ({cpu:6.2f} s CPU)" for wall, cpu in figures)
        print(f"{label:4} {run:8} {shown}")


if __name__ == "__main__":
    main()
