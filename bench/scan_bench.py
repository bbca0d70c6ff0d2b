"""Sweep benchmark: N generated feeds served from loopback with a set latency.

Usage: python bench/scan_bench.py [--feeds 1000] [--items 50] [--latency 0.05]

Starts a threaded HTTP server (ETag + 304 support, `--latency` seconds per request), writes a
config for the feeds, then runs `veille scan` in a child process twice: a cold sweep (every
feed new) and a warm sweep (every feed answers 304). For each it prints wall time, items/s,
CPU seconds and the child's peak RSS. Run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from feedgen import BRANDS_CONFIG, generate_feeds  # noqa: E402


def serve(feeds, latency: float) -> ThreadingHTTPServer:
    by_path = {feed.path: feed for feed in feeds}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server API
            time.sleep(latency)
            feed = by_path.get(self.path)
            if feed is None:
                self.send_error(404)
                return
            if self.headers.get("If-None-Match") == feed.etag:
                self.send_response(304)
                self.send_header("ETag", feed.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", feed.content_type)
            self.send_header("Content-Length", str(len(feed.body)))
            self.send_header("ETag", feed.etag)
            self.end_headers()
            self.wfile.write(feed.body)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def sweep(config: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "veille", "scan", "-c", str(config), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"scan failed ({done.returncode}): {done.stderr.strip()}")
    summary = json.loads(done.stdout)
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_mb": after.ru_maxrss / 1024,
        "summary": summary,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    feeds = generate_feeds(args.feeds, args.items, base="https://news.example")
    total_bytes = sum(len(f.body) for f in feeds)
    server = serve(feeds, args.latency)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory(prefix="veille-bench-") as scratch:
        config = Path(scratch) / "sources.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "database": "bench.db",
                    "brands": BRANDS_CONFIG,
                    "sources": [
                        {"name": f"feed {i:05d}", "type": "rss", "url": base + feed.path}
                        for i, feed in enumerate(feeds)
                    ],
                    "settings": {
                        "concurrency": args.concurrency,
                        "per_host": args.concurrency,
                        "timeout": 60,
                    },
                },
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
        print(
            f"{args.feeds} feeds x {args.items} items, {total_bytes / 1e6:.1f} MB, "
            f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}"
        )
        floor = args.feeds * args.latency / args.concurrency
        print(f"latency floor (feeds x latency / concurrency): {floor:.2f} s")
        for label in ("cold", "warm (all 304)"):
            result = sweep(config)
            summary = result["summary"]
            items = args.feeds * args.items
            print(
                f"{label:15} {result['wall']:6.2f} s wall  {items / result['wall']:9.0f} items/s  "
                f"{result['cpu']:6.2f} s CPU  peak RSS {result['peak_mb']:.0f} MB  "
                f"(ok {summary['sources_ok']}, unchanged {summary['sources_unchanged']}, "
                f"failed {summary['sources_failed']}, new mentions {summary['mentions_new']})"
            )
    server.shutdown()


if __name__ == "__main__":
    main()
