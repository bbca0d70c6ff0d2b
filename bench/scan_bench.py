"""Sweep benchmark: N generated feeds from a loopback server with a set latency.

Usage: python bench/scan_bench.py [--feeds 1000] [--items 50] [--latency 0.05]
                                  [--concurrency 64] [--naive 100]

Starts a threaded HTTP server (ETag + 304, `--latency` seconds per request), writes a config
for the feeds and runs `veille scan` in a child process three times: cold (every feed new),
warm (every feed answers 304) and with 10% of the items replaced by new ones. For each it
prints wall time, items/s, CPU seconds (the sweep's processes together: main process, fork
server, workers; and the main process's own share) and peak memory: the largest single
process's peak RSS and the peak of the processes' summed PSS (proportional set size, which
counts memory shared between the fork server and its workers once).

Measured in the same run, for comparison:
- the naive loop a user writes, `feedparser.parse(url)` one feed after another, on
  `--naive` feeds and scaled to N;
- the network floor: a plain asyncio HTTP client fetching the same URLs at the same
  concurrency, reading every body, parsing nothing;
- the parse floor: feedparser (default options) on the same bodies, from memory, one process.
And the CPU the bench's own server used during the sweeps, as it runs on the same cores.
Run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from feedgen import BRANDS_CONFIG, GeneratedFeed, generate_feeds, splice  # noqa: E402


class FeedServer:
    """Serves the feeds from a child process; `publish` and `replace_share` change them.

    An asyncio server with keep-alive, in a process of its own: in the bench's process it
    would share one interpreter lock with the network floor's client and flatter that floor.
    A request costs it little CPU, and what it does cost is measured (`cpu_seconds`): on a
    two-core machine the server competes with the sweep for the same cores, which a remote
    site would not.
    """

    def __init__(self, feeds: list[GeneratedFeed], latency: float) -> None:
        self.by_path = {feed.path: feed for feed in feeds}
        self.channel, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_serve, args=(self.by_path, latency, child), daemon=True
        )
        self.process.start()
        self.base = f"http://127.0.0.1:{self.channel.recv()}"

    def publish(self, by_path: dict[str, GeneratedFeed]) -> None:
        """Serve these feeds from now on."""
        self.by_path = by_path
        self.channel.send(by_path)
        self.channel.recv()

    def replace_share(self, count: int, items: int, share: float) -> None:
        """New bodies (and ETags) where `share` of each feed's items are new."""
        renewed = generate_feeds(count, items, base="https://news.example/v2")
        by_path = {}
        for old, new in zip(self.by_path.values(), renewed, strict=True):
            body = splice(old, new, int(items * (1 - share)))
            by_path[old.path] = GeneratedFeed(
                old.path, old.fmt, body, old.content_type, f'"{hash(body) & 0xFFFFFFFF:x}"'
            )
        self.publish(by_path)

    def cpu_seconds(self) -> float:
        """CPU time the server's process has used so far."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(stat[11]) + int(stat[12])) / _TICKS

    def shutdown(self) -> None:
        self.process.kill()


def _serve(by_path: dict[str, GeneratedFeed], latency: float, channel: Connection) -> None:
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in header_lines if line)
                }
                await asyncio.sleep(latency)
                writer.write(_answer(by_path.get(request_line.split(" ")[1]), headers))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def update() -> None:
        nonlocal by_path
        by_path = channel.recv()
        channel.send("ok")

    async def main() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", 0, backlog=2048)
        asyncio.get_running_loop().add_reader(channel.fileno(), update)
        channel.send(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


def _answer(feed: GeneratedFeed | None, headers: dict[str, str]) -> bytes:
    if feed is None:
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    if headers.get("if-none-match") == feed.etag:
        head = f"HTTP/1.1 304 Not Modified\r\nETag: {feed.etag}\r\nContent-Length: 0\r\n\r\n"
        return head.encode()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {feed.content_type}\r\n"
        f"Content-Length: {len(feed.body)}\r\nETag: {feed.etag}\r\n\r\n"
    )
    return head.encode() + feed.body


_TICKS = os.sysconf("SC_CLK_TCK")


class TreeSampler:
    """Samples a process and its descendants (the fork server and workers included).

    Per process it keeps the last CPU time seen and the high-water mark of its RSS (VmHWM,
    which a sample taken after the peak still sees); and the largest summed PSS (which counts
    the pages the workers share with the fork server once). A process's last 50 ms of CPU
    before it exits can be missed; getrusage cannot stand in, as the workers are the fork
    server's children, never waited for by the sweep.

    Reading smaps_rollup walks a process's page tables (2 ms for five small processes, more
    for the sweep's): read every 50 ms, it cost about a second of CPU per cold sweep of
    1,000 feeds, on the cores the sweep is measured on. So PSS is read only when `pss` is
    asked for.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cpu: dict[int, float] = {}
        self.peak_rss: dict[int, int] = {}
        self.peak_pss = 0

    def sample(self, pss: bool = True) -> None:
        summed = 0
        pending = [self.pid]
        while pending:
            current = pending.pop()
            try:
                stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
                status = Path(f"/proc/{current}/status").read_text()
                rollup = Path(f"/proc/{current}/smaps_rollup").read_text() if pss else ""
                for task in Path(f"/proc/{current}/task").iterdir():
                    pending += [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            self.cpu[current] = (int(stat[11]) + int(stat[12])) / _TICKS
            self.peak_rss[current] = _kilobytes(status, "VmHWM:")
            summed += _kilobytes(rollup, "Pss:")
        self.peak_pss = max(self.peak_pss, summed)


def _kilobytes(text: str, field: str) -> int:
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith(field)), 0)


def write_config(path: Path, urls: list[str], concurrency: int) -> Path:
    """A config of the bench's brands and one rss source per URL, its database beside it."""
    settings = {"concurrency": concurrency, "per_host": concurrency, "timeout": 60}
    sources = [{"name": f"feed {i:05d}", "type": "rss", "url": url} for i, url in enumerate(urls)]
    document = {
        "database": f"{path.stem}.db",
        "brands": BRANDS_CONFIG,
        "sources": sources,
        "settings": settings,
    }
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def sweep(config: Path, checkout: Path | None = None) -> dict:
    """One `veille scan`, from this repository's install or from `checkout`'s sources."""
    environment = {**os.environ, "PYTHONPATH": str(checkout / "src")} if checkout else None
    started = time.perf_counter()
    # Output goes to files, not pipes: a pipe nobody reads while we sample would fill up and
    # stall the scan as it prints its summary.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "veille", "scan", "-c", str(config), "--json"],
            stdout=out,
            stderr=err,
            text=True,
            env=environment,
        )
        sampler = TreeSampler(process.pid)
        for tick in itertools.count():
            if process.poll() is not None:
                break
            sampler.sample(pss=tick % 5 == 0)
            time.sleep(0.05)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode not in (0, 1):
        sys.exit(f"scan failed ({process.returncode}): {stderr.strip()[-2000:]}")
    return {
        "wall": wall,
        "cpu": sum(sampler.cpu.values()),
        "rss_mb": max(sampler.peak_rss.values(), default=0) / 1024,
        "pss_mb": sampler.peak_pss / 1024,
        "summary": json.loads(stdout),
        "main_cpu": sampler.cpu.get(process.pid, 0.0),
    }


def naive_loop(urls: list[str]) -> float:
    started = time.perf_counter()
    for url in urls:
        feedparser.parse(url)
    return time.perf_counter() - started


async def _get(url: str, limit: asyncio.Semaphore) -> int:
    parts = urlsplit(url)
    async with limit:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        length = int(head.split(b"content-length:")[1].split(b"\r\n")[0])
        body = await reader.readexactly(length)
        writer.close()
        return len(body)


def network_floor(urls: list[str], concurrency: int) -> float:
    async def run() -> None:
        limit = asyncio.Semaphore(concurrency)
        await asyncio.gather(*(_get(url, limit) for url in urls))

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started


def parse_floor(feeds: list[GeneratedFeed]) -> float:
    started = time.perf_counter()
    for feed in feeds:
        feedparser.parse(feed.body)
    return time.perf_counter() - started


def matching_cost(feeds: list[GeneratedFeed]) -> dict[str, float]:
    """Seconds to match every item against 10 terms, 1,000 terms of one brand, and 1,000
    terms of 50 brands: with the brands' shared pattern (`BrandSet`) or each on its own, on
    these items (60% name "Acme", one of the terms) or with "Acme" left out; and the MB."""
    from veille.match import BrandSet, compile_brand, find_mentions
    from veille.models import Brand
    from veille.parse import parse_feed

    items = [item for feed in feeds for item in parse_feed(feed.body, "https://x.example/").items]

    def timed(count: int, brands: int = 1, shared: bool = True, named: bool = True) -> float:
        words = [f"marque{n}" for n in range(count)]
        if named:
            words[-1] = "Acme"
        share = count // brands
        chosen = [
            Brand(name=f"B{b}", terms=tuple(words[b * share : (b + 1) * share]))
            for b in range(brands)
        ]
        rules = BrandSet(chosen) if shared else [compile_brand(brand) for brand in chosen]
        started = time.perf_counter()
        for item in items:
            find_mentions(item, rules)
        return time.perf_counter() - started

    return {
        "megabytes": sum(len(i.title) + len(i.text) for i in items) / 1e6,
        "ten": timed(10),
        "thousand": timed(1000),
        "brands": timed(1000, brands=50),
        "brands alone": timed(1000, brands=50, shared=False),
        "none": timed(1000, brands=50, named=False),
        "none alone": timed(1000, brands=50, shared=False, named=False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--naive", type=int, default=100, help="feeds for the naive loop")
    args = parser.parse_args()

    feeds = generate_feeds(args.feeds, args.items, base="https://news.example")
    total_bytes = sum(len(f.body) for f in feeds)
    server = FeedServer(feeds, args.latency)
    urls = [server.base + feed.path for feed in feeds]
    items = args.feeds * args.items
    print(
        f"{args.feeds} feeds x {args.items} items, {total_bytes / 1e6:.1f} MB, "
        f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}"
    )
    naive = naive_loop(urls[: args.naive]) * args.feeds / min(args.naive, args.feeds)
    network = network_floor(urls, args.concurrency)
    parsing = parse_floor(feeds)
    print(f"{'naive loop (scaled)':24} {naive:7.2f} s")
    print(f"{'network floor':24} {network:7.2f} s")
    print(f"{'parse floor (feedparser)':24} {parsing:7.2f} s")
    cost = matching_cost(feeds[:200])
    print(
        f"matching {cost['megabytes']:.1f} MB of text: 10 terms {cost['ten']:.2f} s, "
        f"1,000 terms {cost['thousand']:.2f} s: {cost['thousand'] / cost['ten']:.2f}x"
    )
    print(
        f"1,000 terms of 50 brands {cost['brands']:.2f} s (each brand on its own "
        f"{cost['brands alone']:.2f} s); on items naming none of them {cost['none']:.2f} s "
        f"({cost['none alone']:.2f} s)"
    )

    with tempfile.TemporaryDirectory(prefix="veille-bench-") as scratch:
        config = write_config(Path(scratch) / "bench.yaml", urls, args.concurrency)
        runs = []
        for label in ("cold", "warm (all 304)", "10% new items"):
            if label == "10% new items":
                server.replace_share(args.feeds, args.items, 0.10)
            serving = server.cpu_seconds()
            result = sweep(config)
            serving = server.cpu_seconds() - serving
            summary = result["summary"]
            runs.append((label, result))
            print(
                f"{label:15} {result['wall']:6.2f} s wall  {items / result['wall']:8.0f} items/s  "
                f"{result['cpu']:6.2f} s CPU (main {result['main_cpu']:.2f}, bench server "
                f"{serving:.2f})  peak RSS {result['rss_mb']:.0f} MB  "
                f"PSS {result['pss_mb']:.0f} MB  (ok {summary['sources_ok']}, unchanged "
                f"{summary['sources_unchanged']}, failed {summary['sources_failed']}, new "
                f"{summary['mentions_new']})"
            )
    cold, warm, fresh = (r for _, r in runs)
    print(f"cold vs naive loop:      {naive / cold['wall']:5.1f}x faster")
    print(f"cold vs parse floor:     {cold['wall'] / parsing:5.2f}x the floor")
    print(f"warm vs network floor:   {warm['wall'] / network:5.2f}x the floor")
    print(f"10% new vs naive loop:   {naive / fresh['wall']:5.1f}x faster")
    server.shutdown()


if __name__ == "__main__":
    main()
