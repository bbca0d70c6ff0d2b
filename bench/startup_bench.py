"""Start-up benchmark: how long the quick commands take, as a user runs them.

Usage: python bench/startup_bench.py [--runs 15] [--mentions 10000] [--db FILE]
                                     [--compare OTHER_CHECKOUT ...]

Builds (or reuses) a database of N mentions and a config of 3 brands and 20 sources, then
runs each command as a fresh process (`python -m veille …`, output to a pipe) and prints the
median, lowest and highest of the runs. With `--compare`, the same commands also run from
each other checkout's `src`, in turns with this one's (one run of each command from each
checkout per round), so both see the same machine: its speed drifts within minutes. Run by
hand; nothing here is a test.

The byte-code of every checkout is cached in a temporary folder (`PYTHONPYCACHEPREFIX`) even
where `PYTHONDONTWRITEBYTECODE` is set, as an installed package has its `.pyc` files: else
each run would compile veille's modules again, which a user's runs never do.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from veille.store import Store  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from benchdata import random_mention  # noqa: E402

BRANDS = ["Acme", "Globex", "Initech"]
SOURCES = 20


def build(db_path: Path, count: int) -> None:
    """Mentions spread over the last 60 days, written through the real schema."""
    random.seed(7)
    now = datetime.now(timezone.utc)
    with Store(db_path) as store:
        done = store.count_mentions()
        rows = []
        for n in range(done, count):
            stamp = (now - timedelta(seconds=random.randrange(60 * 86400))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            source = random.randrange(SOURCES)
            rows.append(
                random_mention(n, stamp, brand=random.choice(BRANDS), source=source, site=source)
            )
        if rows:
            store.record_source("bench", {}, rows)
            store.db.execute("ANALYZE")


def write_config(path: Path, db_path: Path) -> None:
    lines = [f"database: {db_path}", "", "brands:"]
    lines += [f"  - name: {brand}\n    terms: [{brand}]" for brand in BRANDS]
    lines += ["", "sources:"]
    lines += [
        f"  - name: Source {n}\n    type: rss\n    url: https://site{n}.example/feed"
        for n in range(SOURCES)
    ]
    path.write_text("\n".join(lines) + "\n")


def commands(config: Path, db_path: Path) -> dict[str, list[str]]:
    reading = ["--config", str(config), "--db", str(db_path)]
    return {
        "--version": ["--version"],
        "--help": ["--help"],
        "mentions": ["mentions", *reading],
        "inbox": ["inbox", *reading],
        "sources": ["sources", *reading],
        "report": ["report", *reading],
    }


# Byte-code cached as for an installed package (see the module's docstring).
PYCACHE = Path(tempfile.gettempdir()) / "veille-startup-bench-pycache"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(PYCACHE)


def run_once(src: Path, argv: list[str]) -> float:
    env = {**ENV, "PYTHONPATH": str(src), "COLUMNS": "100"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "veille", *argv], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/veille-startup-bench.db"))
    parser.add_argument("--compare", type=Path, nargs="*", default=[], metavar="CHECKOUT")
    args = parser.parse_args()
    build(args.db, args.mentions)
    config = args.db.with_suffix(".yaml")
    write_config(config, args.db)
    checkouts = {"this": REPO / "src"}
    for other in args.compare:
        checkouts[str(other)] = other.resolve() / "src"
    table = commands(config, args.db)
    bare = statistics.median(run_once_bare() for _ in range(args.runs))
    print(f"{args.mentions:,} mentions in {args.db}; bare python: {bare * 1000:.0f} ms")
    times: dict[tuple[str, str], list[float]] = {}
    for src in checkouts.values():  # warm the file cache and the byte-code of each
        for argv in table.values():
            run_once(src, argv)
    for _ in range(args.runs):
        for name, src in checkouts.items():
            for command, argv in table.items():
                times.setdefault((name, command), []).append(run_once(src, argv))
    print(f"{'command':10}" + "".join(f"{name[-28:]:>30}" for name in checkouts))
    for command in table:
        cells = []
        for name in checkouts:
            runs = times[(name, command)]
            cells.append(
                f"{statistics.median(runs) * 1000:.0f} ms "
                f"({min(runs) * 1000:.0f}–{max(runs) * 1000:.0f})"
            )
        print(f"{command:10}" + "".join(f"{cell:>30}" for cell in cells))


def run_once_bare() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=ENV, check=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
