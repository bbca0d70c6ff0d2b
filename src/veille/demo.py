"""`veille demo`: the whole path, offline, on bundled sample data.

A loopback HTTP server serves the feeds and the forum thread in `demo_data/` (dates written
relative to today, so the report always has a recent history), a config for the sample brand
points at it, and a normal sweep runs: HTTP fetch → parse/extract → match → tone → store.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from veille.models import Brand, Config, ScanSummary, Settings, Source, SourceType
from veille.scan import ScanPlan, run_scan
from veille.times import to_stored, utc_now

# file -> (source name, source type, content type); the forum thread is read as phpBB.
DEMO_FILES: dict[str, tuple[str, SourceType, str]] = {
    "forum_velotaf.rss.xml": ("Forum Vélotaf", "rss", "application/rss+xml; charset=utf-8"),
    "blog_urbancycling.atom.xml": ("Urban Cycling blog", "rss", "application/atom+xml"),
    "news_mobilite.rdf.xml": ("Mobilité Actu", "rss", "application/rdf+xml"),
    "social_search.json": ("Social search", "rss", "application/feed+json"),
    "forum_lumo_thread.html": ("Forum Vélo Quotidien", "forum", "text/html; charset=utf-8"),
}
DEMO_BRANDS = (
    Brand(
        name="Lumo",
        terms=("Lumo", "Lumo Bikes", "#lumo", "@lumo_fr"),
        exclude=("Lumo Lamp",),
        domains=("lumo-bikes.example",),
    ),
    Brand(name="Velix", terms=("Velix", "#velix"), competitor=True),
)
_PLACEHOLDER = re.compile(r"\{\{(rfc822|iso):-(\d+)d (\d\d):(\d\d)\}\}")


def render_demo_file(name: str, now: datetime) -> bytes:
    """A demo file with its date placeholders turned into dates relative to `now`."""
    text = (resources.files("veille") / "demo_data" / name).read_text(encoding="utf-8")
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)

    def date(match: re.Match[str]) -> str:
        kind, days, hour, minute = match.groups()
        moment = today - timedelta(days=int(days), hours=-int(hour), minutes=-int(minute))
        moment = min(moment, now)
        if kind == "rfc822":
            return format_datetime(moment)
        return to_stored(moment)

    return _PLACEHOLDER.sub(date, text).encode("utf-8")


def _handler(files: dict[str, tuple[bytes, str]]) -> type[BaseHTTPRequestHandler]:
    class DemoHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            name = self.path.lstrip("/")
            if name == "robots.txt":
                name = ""  # no robots.txt: everything may be read
            if name not in files:
                self.send_error(404)
                return
            body, content_type = files[name]
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Silence the default request log on stderr."""

    return DemoHandler


@contextlib.contextmanager
def serve_demo(now: datetime | None = None) -> Iterator[str]:
    """Serve the demo files on a free loopback port; yields the base URL."""
    now = now or utc_now()
    files = {
        name: (render_demo_file(name, now), content_type)
        for name, (_, _, content_type) in DEMO_FILES.items()
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(files))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def demo_config(base_url: str, database: Path) -> Config:
    sources = tuple(
        Source(
            name=title,
            type=source_type,
            url=f"{base_url}/{name}",
            engine="phpbb" if source_type == "forum" else None,
        )
        for name, (title, source_type, _) in DEMO_FILES.items()
    )
    return Config(
        path=None,
        brands=DEMO_BRANDS,
        sources=sources,
        settings=Settings(timeout=10),
        database=database,
    )


def run_demo(database: Path) -> ScanSummary:
    """Serve the sample, sweep it into `database`, and return the sweep's summary."""
    with serve_demo() as base_url:
        config = demo_config(base_url, database)
        plan = ScanPlan(sources=config.sources, brands=config.brands)
        return run_scan(config, database, plan)
