"""One sweep: every source fetched, parsed, matched, toned and stored — concurrently.

This is the only module that composes the stages: `harvest` (fetch → parse/extract) gives a
source's items, then match → tone → store. Fetching is async and bounded (see
`fetch.Fetcher`); the CPU-bound parts run in worker processes (`workers.WorkerPool`) so the event
loop keeps fetching meanwhile; each source's results are then written in one transaction.
A failing source is recorded on its row and never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from veille.backfill import backfill, changed_brands
from veille.errors import ConfigError, SourceError, UsageError
from veille.fetch import Fetcher
from veille.harvest import (
    Harvest,
    HarvestContext,
    harvest_source,
    parse_documents,
    unique_items,
)
from veille.health import empty_advice
from veille.match import BrandRules, BrandSet, find_mentions
from veille.models import (
    ITEM_TEXT_LIMIT,
    ArchivedItem,
    Brand,
    Config,
    Fetched,
    Item,
    Mention,
    ScanSummary,
    Settings,
    Source,
    SourceOutcome,
)
from veille.store import ScanLock, Store
from veille.times import stored_now, to_stored, utc_now
from veille.tone import BUILTIN_ENGINE, ToneEngine, load_engine, stored_layer, tones_around
from veille.urls import canonical_url, domain_of
from veille.workers import WorkerPool, die_with_parent

ProgressCallback = Callable[[SourceOutcome], None]
_Named = TypeVar("_Named", Brand, Source)
CPU_WORKERS = 2
# Seconds a source's parse, match and tone may take in a worker before the source fails.
ANALYSIS_BUDGET = 60.0


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


def _pick(entries: Sequence[_Named], names: Sequence[str], kind: str) -> list[_Named]:
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
    rematch: bool = False,
    on_backfill: Callable[[Sequence[str]], None] | None = None,
) -> ScanSummary:
    """Match the archive again for the brands whose rules changed (every brand with
    `rematch`), sweep the plan's sources into the database, then let the archive forget
    what `keep_items` no longer keeps; raises LockedError or ScanInterrupted. `on_backfill`
    hears the brands about to be matched against the archive, before it starts."""
    load_tone_engine(config)  # a wrong engine is a config error before the lock is taken
    with ScanLock(db_path), Store(db_path) as store, cpu_pool(plan, config, store) as pool:
        engine = load_tone_engine(config, store)
        store.sync_sources(config.sources)
        store.finish_erasure()  # one a purge left unfinished
        started_at = stored_now()
        summary = ScanSummary(scan_id=store.begin_scan(started_at), started_at=started_at)
        status = "failed"
        try:
            changed = changed_brands(store, plan.brands, every=rematch)
            if changed and on_backfill is not None and store.has_items():
                on_backfill([brand.name for brand in changed])
            summary.archive_by_brand_tone = backfill(store, changed, engine=engine, now=started_at)
            asyncio.run(_sweep(plan, config.settings, engine, store, summary, progress, pool))
            forget_old_items(store, config.settings.keep_items)
            status = "failed" if summary.sources_failed else "ok"
        except KeyboardInterrupt:
            summary.interrupted = True
            status = "interrupted"
            raise ScanInterrupted(summary) from None
        finally:
            summary.finished_at = stored_now()
            store.finish_scan(summary.scan_id, _scan_totals(summary, status))
    return summary


def forget_old_items(store: Store, keep_days: int) -> int:
    """Remove the archived items read more than `keep_days` ago that no mention refers to
    (none with 0); how many."""
    if keep_days <= 0:
        return 0
    return store.forget_items(to_stored(utc_now() - timedelta(days=keep_days)))


def _scan_totals(summary: ScanSummary, status: str) -> dict[str, Any]:
    return {
        "finished_at": summary.finished_at,
        "sources_ok": summary.sources_ok,
        "sources_failed": summary.sources_failed,
        "sources_unchanged": summary.sources_unchanged,
        "items_seen": summary.items_seen,
        "mentions_new": summary.mentions_new,
        "mentions_archive": summary.mentions_archive,
        "status": status,
    }


async def _sweep(
    plan: ScanPlan,
    settings: Settings,
    engine: ToneEngine | None,
    store: Store,
    summary: ScanSummary,
    progress: ProgressCallback | None,
    pool: Executor | None,
) -> None:
    rules = BrandSet(plan.brands)
    async with Fetcher(settings) as fetcher:
        context = HarvestContext(fetcher=fetcher, settings=settings, brands=plan.brands, cpu=pool)

        # Sources between their fetch and their commit hold bodies and items in memory: a
        # fixed number of lanes, each taking the next source when done with one, bounds
        # memory (tasks included) by the concurrency, not by the number of sources.
        waiting = iter(plan.sources)

        async def lane() -> None:
            for source in waiting:
                outcome = await _scan_source(source, rules, engine, context, store)
                summary.sources.append(outcome)
                for brand, tone, count in outcome.new:
                    by_tone = summary.new_by_brand_tone.setdefault(brand, {})
                    by_tone[tone] = by_tone.get(tone, 0) + count
                if progress is not None:
                    progress(outcome)

        lanes = min(len(plan.sources), 2 * settings.concurrency)
        await asyncio.gather(*(lane() for _ in range(lanes)))


async def _scan_source(
    source: Source,
    rules: BrandSet,
    engine: ToneEngine | None,
    context: HarvestContext,
    store: Store,
) -> SourceOutcome:
    state = store.source_state(source.name)
    if isinstance(context.cpu, WorkerPool) and not (state.etag or state.last_modified):
        context.cpu.start()  # this source's body will need analysing: no 304 to hope for
    harvest = await harvest_source(
        source, context, etag=state.etag, last_modified=state.last_modified
    )
    checked_at = stored_now()
    health = {
        "last_fetch_at": checked_at,
        "last_status": harvest.status,
        "last_error": harvest.error,
        "moved_to": harvest.moved_to,
    }
    if harvest.error:
        # Validators are not saved: the next sweep must fetch this source again.
        store.record_source(source.name, health)
        return SourceOutcome(name=source.name, state="failed", error=harvest.error)
    if harvest.unchanged:
        store.record_source(source.name, health)
        return SourceOutcome(name=source.name, state="unchanged")
    try:
        analysis = await _analyse_within_budget(
            context,
            harvest.items,
            harvest.documents,
            harvest.page_texts,
            source,
            checked_at,
            None if context.cpu else rules,
            None if context.cpu else engine,
            store.stored_mentions(source.name),
            store.known_entries(source.name, rules.fingerprint),
        )
    except Exception as error:  # a tone engine's bug or a dead worker: this source only
        analysis = Analysis(error=f"analysis failed ({type(error).__name__}: {error})")
    if analysis.error:
        store.record_source(source.name, {**health, "last_error": analysis.error})
        return SourceOutcome(name=source.name, state="failed", error=analysis.error)
    empty_sweeps = 0 if analysis.items_seen else state.empty_sweeps + 1
    empty_reason = harvest.empty_reason if empty_sweeps else None
    yields_nothing = empty_advice(source.name, source.type, empty_sweeps, empty_reason)
    health |= {
        "etag": harvest.etag,
        "last_modified": harvest.last_modified,
        "items_seen": analysis.items_seen,
        "empty_sweeps": empty_sweeps,
        "empty_reason": empty_reason,
    }
    # Said at every sweep in the summary; `notice` is for `--quiet` runs, once a day.
    notice = None
    if yields_nothing and state.empty_noticed_on != checked_at[:10]:
        notice = yields_nothing
        health["empty_noticed_on"] = checked_at[:10]
    entries = (rules.fingerprint, analysis.fingerprints)
    new = store.record_source(
        source.name, health, analysis.mentions, items=analysis.items, entries=entries
    )
    warnings = [
        *harvest.warnings,
        *analysis.warnings,
        *([yields_nothing] if yields_nothing else []),
    ]
    return SourceOutcome(
        name=source.name,
        state="ok",
        items_seen=analysis.items_seen,
        mentions_new=sum(count for _, _, count in new),
        warning="; ".join(warnings) or None,
        notice=notice,
        new=tuple(new),
    )


def analysis_budget() -> float:
    """Seconds a source's analysis may take, `ANALYSIS_BUDGET` unless the environment sets
    VEILLE_ANALYSIS_BUDGET (how the tests make a sweep give up in a second)."""
    try:
        budget = float(os.environ.get("VEILLE_ANALYSIS_BUDGET", ANALYSIS_BUDGET))
    except ValueError:
        return ANALYSIS_BUDGET
    return budget if budget > 0 else ANALYSIS_BUDGET


async def _analyse_within_budget(context: HarvestContext, *args: Any) -> Analysis:
    """`analyse_source(*args)` in a worker, given up after `analysis_budget()` seconds.

    One stuck item (a pathological regex, a hung tone engine) must not hold the sweep, and
    with it the scan lock that every later sweep waits for: the source fails with the reason,
    its worker is killed and the pool replaced, and the sweep goes on. The budget counts from
    the moment the analysis has a worker to itself (`slots`), not from its wait behind others.
    A source whose analysis failed only because another's stuck worker was killed under it is
    analysed again, once, in the new pool.
    """
    budget = analysis_budget()
    pool = context.cpu if isinstance(context.cpu, WorkerPool) else None
    for attempt in range(2):
        async with _slots(pool):
            generation = pool.generation if pool is not None else 0
            try:
                return await asyncio.wait_for(context.run_cpu(analyse_source, *args), budget)
            except asyncio.TimeoutError:  # TimeoutError from 3.11 on, its own class before
                if pool is not None:
                    pool.replace(generation)
                return Analysis(
                    error=f"analysis took longer than {budget:g} s: the source's items were "
                    f"left unread; the next sweep tries again"
                )
            except BrokenProcessPool:
                if pool is None or pool.generation == generation or attempt:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _slots(pool: WorkerPool | None) -> asyncio.Semaphore:
    """As many analyses at once as there are workers (a few threads without a pool), per
    event loop: one given a slot starts at once, so its budget is its own running time."""
    loop = asyncio.get_running_loop()
    if loop not in _SLOTS:
        _SLOTS[loop] = asyncio.Semaphore(pool.workers if pool is not None else CPU_WORKERS)
    return _SLOTS[loop]


@dataclass
class Analysis:
    """What the CPU-bound half of a source gave: its mentions, or why not."""

    items_seen: int = 0
    mentions: list[Mention] = field(default_factory=list)
    items: list[ArchivedItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    fingerprints: list[str] = field(default_factory=list)


# Set in each worker process by `_start_worker`: brand rules compiled once per process, and
# the tone engine (a configured one is a closure, which cannot be sent to a process).
_WORKER_RULES: list[BrandSet] = [BrandSet(())]
_WORKER_ENGINE: list[ToneEngine | None] = [None]


def analyse_source(
    items: list[Item],
    documents: list[Fetched],
    page_texts: Mapping[str, str],
    source: Source,
    found_at: str,
    rules: Sequence[BrandRules] | None,
    engine: ToneEngine | None = None,
    stored: Collection[tuple[str, str]] = (),
    known: Collection[str] = frozenset(),
) -> Analysis:
    """Parse a source's deferred feed bodies, then match and judge every item (CPU only).

    One call, so that it runs in one piece off the event loop: in a worker process when
    there is one (`rules` is then None and the worker's own are used), so that a feed's
    items are parsed, matched and toned without crossing a process boundary. Entries
    `known` from the last sweep (under the same brands) are neither cleaned nor matched
    again: they can give no new mention.
    """
    parsed = parse_documents(documents, strict=source.type == "rss", known=known)
    if parsed.error:
        return Analysis(error=parsed.error)
    every = unique_items([*items, *parsed.items])
    if rules is None:
        rules, engine = _WORKER_RULES[0], _WORKER_ENGINE[0]
    mentions, archived = find_source_mentions(
        every, page_texts, source, rules, found_at, engine, stored
    )
    return Analysis(
        items_seen=len(every) + parsed.skipped,
        mentions=mentions,
        items=archived,
        warnings=parsed.warnings,
        fingerprints=parsed.fingerprints,
    )


def find_source_mentions(
    items: Sequence[Item],
    page_texts: Mapping[str, str],
    source: Source,
    rules: Sequence[BrandRules],
    found_at: str,
    engine: ToneEngine | None = None,
    stored: Collection[tuple[str, str]] = (),
) -> tuple[list[Mention], list[ArchivedItem]]:
    """Every brand hit in the items, as toned mentions ready to store, and every item as the
    archive keeps it (CPU only).

    A (brand, url) already in `stored` is skipped before its tone is judged: the insert would
    ignore it anyway, and a feed that changed by one item must not cost fifty judgements. An
    item's language is the one its mentions were judged in; an item without a mention keeps
    none: detecting it costs about 80 µs an item here, more than the fast parser takes to
    read it, for a field nothing uses until a mention is found (which judges it then).
    """
    mentions: list[Mention] = []
    archived: list[ArchivedItem] = []
    for item in items:
        url = canonical_url(item.url)
        # A date after the moment we read the item is a feed's error, not a prophecy.
        published = item.published_at
        if published is not None and published > found_at:
            published = found_at
        page_text = page_texts.get(item.key, "")
        hits = [h for h in find_mentions(item, rules, page_text) if (h.brand, url) not in stored]
        lang = None
        if hits:
            # An item's hits are all in its one searchable text.
            tones = tones_around(hits[0].text, [(h.start, h.end) for h in hits], engine=engine)
            lang = tones[0].lang
            domain = domain_of(item.site or url)
            for hit, tone in zip(hits, tones, strict=True):
                mentions.append(
                    Mention(
                        brand=hit.brand,
                        source=source.name,
                        source_type=source.type,
                        domain=domain,
                        url=url,
                        title=item.title,
                        author=item.author,
                        published_at=published,
                        found_at=found_at,
                        snippet=hit.snippet,
                        text="",  # the item's, archived beside it
                        matched=hit.matched,
                        lang=tone.lang,
                        tone=tone.tone,
                        tone_score=tone.score,
                        flags=" ".join(tone.flags),
                    )
                )
        archived.append(
            ArchivedItem(
                source=source.name,
                url=url,
                title=item.title,
                text="\n".join(part for part in (item.text, page_text) if part)[:ITEM_TEXT_LIMIT],
                author=item.author,
                published_at=published,
                found_at=found_at,
                lang=lang,
                links=item.links,
                site=item.site,
            )
        )
    return mentions, archived


@contextlib.contextmanager
def cpu_pool(plan: ScanPlan, config: Config, store: Store) -> Iterator[Executor | None]:
    """A WorkerPool on a machine with cores to spare and a fork server, else None (threads).

    The workers get the trained tone layer's weights (when there is one) with their
    initializer: read once from the database here, never once per item."""
    workers = min(CPU_WORKERS, os.cpu_count() or 1)
    if workers < 2 or "forkserver" not in multiprocessing.get_all_start_methods():
        yield None
        return
    stored = store.tone_model()
    layer = stored[0] if stored is not None else None
    pool = WorkerPool(workers, _start_worker, (plan.brands, config, layer))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(brands: tuple[Brand, ...], config: Config, layer: bytes | None) -> None:
    # Ctrl-C is the main process's to handle: it cancels the sweep and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    _WORKER_RULES[0] = BrandSet(brands)
    _WORKER_ENGINE[0] = load_tone_engine(config, layer=layer)


def load_tone_engine(
    config: Config | None, store: Store | None = None, *, layer: bytes | None = None
) -> ToneEngine | None:
    """The configured tone engine (the built-in one without a config), or None for the
    built-in one alone.

    With the built-in engine, the layer `veille tone train` stored in the database (read
    from `store`, or given as its `layer` weights) judges after it: a `ToneLayer`. A
    configured engine judges alone: the layer learnt the built-in engine's mistakes, not its.
    """
    if config is None or config.settings.tone_engine == BUILTIN_ENGINE:
        if store is not None:
            stored = store.tone_model()
            layer = stored[0] if stored is not None else None
        where = store.path if store is not None else "the database"
        return None if layer is None else stored_layer(layer, where)
    spec = config.settings.tone_engine
    try:
        return load_engine(spec)
    except ValueError as error:
        raise ConfigError(f"{config.path}: settings.tone_engine: {error}") from None


def preview_source(source: Source, settings: Settings, brands: Sequence[Brand] = ()) -> Harvest:
    """Fetch one source and extract its items, without matching or storing them."""
    harvest = asyncio.run(_harvest_once(source, settings, tuple(brands)))
    if harvest.error:
        raise SourceError(f"{source.url or source.name}: {harvest.error}")
    parsed = parse_documents(harvest.documents, strict=source.type == "rss")
    if parsed.error:
        raise SourceError(f"{source.url or source.name}: {parsed.error}")
    harvest.items = [*harvest.items, *parsed.items]  # every entry, as the feed has them
    harvest.documents = []
    harvest.warnings += parsed.warnings
    return harvest


async def _harvest_once(source: Source, settings: Settings, brands: tuple[Brand, ...]) -> Harvest:
    async with Fetcher(settings) as fetcher:
        context = HarvestContext(fetcher=fetcher, settings=settings, brands=brands)
        return await harvest_source(source, context)
