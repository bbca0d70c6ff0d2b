"""One sweep: every source fetched, parsed, matched, toned and stored — concurrently.

This is the only module that composes the stages. Fetching is async and bounded (see
`fetch.Fetcher`); the CPU-bound part of a source (parse → match → tone) runs in a worker
thread so the event loop keeps fetching meanwhile; each source's results are then written in
one transaction. A failing source is recorded on its row and never stops the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from veille.errors import ParseError, SourceError, UsageError
from veille.fetch import Fetcher
from veille.match import BrandRules, compile_brand, find_mentions
from veille.models import (
    Brand,
    Config,
    Fetched,
    Mention,
    ParsedFeed,
    ScanSummary,
    Settings,
    Source,
    SourceOutcome,
)
from veille.parse import parse_feed
from veille.store import ScanLock, Store, utc_now
from veille.tone import tone_around
from veille.urls import canonical_url, domain_of

ProgressCallback = Callable[[SourceOutcome], None]

READABLE_TYPES = ("rss",)


class ScanInterrupted(Exception):
    """Ctrl-C during a sweep; what was stored before stays stored."""

    def __init__(self, summary: ScanSummary) -> None:
        super().__init__("interrupted")
        self.summary = summary


@dataclass(frozen=True)
class ScanPlan:
    sources: tuple[Source, ...]
    brands: tuple[Brand, ...]


def plan_scan(
    config: Config, source_names: Sequence[str] = (), brand_names: Sequence[str] = ()
) -> ScanPlan:
    """The sources and brands a sweep covers; unknown names are a usage error."""
    sources = _pick(config.sources, source_names, "source")
    brands = _pick(config.brands, brand_names, "brand")
    return ScanPlan(sources=tuple(sources), brands=tuple(brands))


def _pick(entries: Sequence, names: Sequence[str], kind: str) -> list:
    if not names:
        return list(entries)
    known = {entry.name: entry for entry in entries}
    for name in names:
        if name not in known:
            choices = ", ".join(sorted(known))
            raise UsageError(f"unknown {kind} {name!r}; configured: {choices}")
    return [known[name] for name in dict.fromkeys(names)]


def run_scan(
    config: Config,
    db_path: Path,
    plan: ScanPlan,
    *,
    progress: ProgressCallback | None = None,
) -> ScanSummary:
    """Sweep the plan's sources into the database; raises LockedError or ScanInterrupted."""
    with ScanLock(db_path), Store(db_path) as store:
        store.sync_sources(config.sources)
        started_at = utc_now()
        summary = ScanSummary(scan_id=store.begin_scan(started_at), started_at=started_at)
        status = "failed"
        try:
            asyncio.run(_sweep(plan, config.settings, store, summary, progress))
            status = "failed" if summary.sources_failed else "ok"
        except KeyboardInterrupt:
            summary.interrupted = True
            status = "interrupted"
            raise ScanInterrupted(summary) from None
        finally:
            summary.finished_at = utc_now()
            store.finish_scan(summary.scan_id, _scan_totals(summary, status))
    return summary


def _scan_totals(summary: ScanSummary, status: str) -> dict:
    return {
        "finished_at": summary.finished_at,
        "sources_ok": summary.sources_ok,
        "sources_failed": summary.sources_failed,
        "sources_unchanged": summary.sources_unchanged,
        "items_seen": summary.items_seen,
        "mentions_new": summary.mentions_new,
        "status": status,
    }


async def _sweep(
    plan: ScanPlan,
    settings: Settings,
    store: Store,
    summary: ScanSummary,
    progress: ProgressCallback | None,
) -> None:
    rules = [compile_brand(brand) for brand in plan.brands]
    async with Fetcher(settings) as fetcher:

        async def one(source: Source) -> None:
            outcome = await _scan_source(source, rules, fetcher, store)
            summary.sources.append(outcome)
            for brand, tone in outcome.new:
                by_tone = summary.new_by_brand_tone.setdefault(brand, {})
                by_tone[tone] = by_tone.get(tone, 0) + 1
            if progress is not None:
                progress(outcome)

        await asyncio.gather(*(one(source) for source in plan.sources))


async def _scan_source(
    source: Source, rules: list[BrandRules], fetcher: Fetcher, store: Store
) -> SourceOutcome:
    if source.type not in READABLE_TYPES:
        return SourceOutcome(
            name=source.name,
            state="skipped",
            warning=f"{source.type} sources are not read by this version of veille",
        )
    assert source.url is not None
    state = store.source_state(source.name)
    fetched = await fetcher.fetch(source.url, etag=state.etag, last_modified=state.last_modified)
    checked_at = utc_now()
    health = {
        "last_fetch_at": checked_at,
        "last_status": fetched.status,
        "last_error": fetched.error,
        "moved_to": fetched.moved_to,
    }
    if fetched.error:
        store.record_source(source.name, health)
        return SourceOutcome(name=source.name, state="failed", error=fetched.error)
    if fetched.not_modified:
        store.record_source(source.name, health)
        return SourceOutcome(name=source.name, state="unchanged")
    try:
        parsed, mentions = await asyncio.to_thread(analyse_feed, fetched, source, rules, checked_at)
    except ParseError as error:
        # Validators are not saved: the next sweep must fetch this body again.
        store.record_source(source.name, {**health, "last_error": str(error)})
        return SourceOutcome(name=source.name, state="failed", error=str(error))
    health |= {
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
        "items_seen": len(parsed.items),
    }
    new = store.record_source(source.name, health, mentions)
    return SourceOutcome(
        name=source.name,
        state="ok",
        items_seen=len(parsed.items),
        mentions_new=len(new),
        warning=parsed.warning,
        new=tuple(new),
    )


def analyse_feed(
    fetched: Fetched, source: Source, rules: Sequence[BrandRules], found_at: str
) -> tuple[ParsedFeed, list[Mention]]:
    """Parse a fetched feed and turn every brand hit into a toned mention (CPU only)."""
    parsed = parse_feed(fetched.body, fetched.final_url or fetched.url, fetched.content_type)
    mentions = []
    for item in parsed.items:
        url = canonical_url(item.url)
        # A date after the moment we read the item is a feed's error, not a prophecy.
        published = item.published_at
        if published is not None and published > found_at:
            published = found_at
        for hit in find_mentions(item, rules):
            tone = tone_around(hit.text, hit.start, hit.end)
            mentions.append(
                Mention(
                    brand=hit.brand,
                    source=source.name,
                    source_type=source.type,
                    domain=domain_of(url),
                    url=url,
                    title=item.title,
                    author=item.author,
                    published_at=published,
                    found_at=found_at,
                    snippet=hit.snippet,
                    text=item.text,
                    matched=hit.matched,
                    lang=tone.lang,
                    tone=tone.tone,
                    tone_score=tone.score,
                    flags=" ".join(tone.flags),
                )
            )
    return parsed, mentions


def preview_source(source: Source, settings: Settings) -> ParsedFeed:
    """Fetch and parse one source without matching or storing: to check a new source."""
    if source.type not in READABLE_TYPES or source.url is None:
        raise UsageError(f"preview reads rss sources; {source.name!r} is a {source.type} source")
    fetched = asyncio.run(_fetch_once(source.url, settings))
    if fetched.error:
        raise SourceError(f"{source.url}: {fetched.error}")
    return parse_feed(fetched.body, fetched.final_url or fetched.url, fetched.content_type)


async def _fetch_once(url: str, settings: Settings) -> Fetched:
    async with Fetcher(settings) as fetcher:
        return await fetcher.fetch(url)
