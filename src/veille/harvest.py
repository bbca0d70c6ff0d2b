"""Harvest a source: fetch what it takes and turn it into items, by source type.

- `rss`: one feed, with a conditional GET (ETag, Last-Modified) so an unchanged feed costs one
  304 and no parsing.
- `search`: the feed of every provider × search word (`search.py`); a provider that fails is
  a warning as long as another answered.
- `forum`: a thread or a thread list; posts extracted (`extract/`), `next` pages followed
  up to `max_pages`, and from a list page up to MAX_THREADS threads, each up to `max_pages`.
  Every page is fetched once per sweep, even when pages link back to each other.
- `blog`: a site; its feed is discovered (`<link rel="alternate">`, then common paths) and
  read, else its article links are followed (up to `max(max_pages, ARTICLES_MIN)` of them)
  and each article's main text extracted.

HTML pages are fetched only when robots.txt allows it (feeds are not HTML pages). With
`full_text`, an item whose text is short has its page fetched and extracted, up to a budget of
pages per sweep shared by all sources. Parsing and extraction run off the event loop (in the
sweep's worker processes, else threads), so it keeps fetching meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, TypeVar
from urllib.parse import urljoin

from veille.errors import ParseError
from veille.extract import (
    article_links,
    discover_feeds,
    extract_article,
    extract_forum,
    forum_api_url,
)
from veille.fetch import Fetcher
from veille.models import Brand, Fetched, Item, Settings, Source
from veille.parse import parse_feed
from veille.search import search_feed_urls
from veille.times import configured_zone
from veille.urls import canonical_url

T = TypeVar("T")

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
JSON_ACCEPT = "application/json, */*;q=0.1"
MAX_THREADS = 25
ARTICLES_MIN = 10
SHORT_TEXT = 400  # characters: below this, `full_text` fetches the item's page
FULL_TEXT_BUDGET = 200  # pages per sweep
COMMON_FEED_PATHS = ("feed", "rss", "feed.xml", "rss.xml", "atom.xml", "index.xml", "feed.json")


@dataclass
class Harvest:
    """What a source yielded this sweep, and how its fetching went."""

    items: list[Item] = field(default_factory=list)
    # Feed bodies whose parsing is left to the caller, which parses, matches and judges them
    # in one call, in a worker process: the items then never cross a process boundary.
    documents: list[Fetched] = field(default_factory=list)
    page_texts: dict[str, str] = field(default_factory=dict)  # item key -> its page's text
    status: int | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    unchanged: bool = False
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    # Why nothing was found, when the pages read could tell (a page with text, no post).
    empty_reason: str | None = None

    @property
    def warning(self) -> str | None:
        return "; ".join(self.warnings) or None


@dataclass
class HarvestContext:
    """What every harvest of one sweep shares."""

    fetcher: Fetcher
    settings: Settings
    brands: tuple[Brand, ...]
    cpu: Executor | None = None  # worker processes for CPU-bound work; None: a thread
    full_text_left: int = FULL_TEXT_BUDGET

    async def run_cpu(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run parsing, extraction or analysis off the event loop, which keeps fetching, on
        another core when there is a worker pool."""
        call = functools.partial(func, *args, **kwargs)
        if self.cpu is None:
            return await asyncio.to_thread(call)
        return await asyncio.get_running_loop().run_in_executor(self.cpu, call)


async def harvest_source(
    source: Source,
    context: HarvestContext,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Harvest:
    """Items of one source, or for feeds their bodies (`documents`) left to `parse_documents`;
    failures are in the result, never raised."""
    full_text = source.full_text if source.full_text is not None else context.settings.full_text
    # Items are needed here only to pick the short ones whose page full_text fetches.
    defer = not full_text
    if source.type == "rss":
        assert source.url is not None
        harvest = await _harvest_feed(context, source.url, etag, last_modified, defer=defer)
    elif source.type == "search":
        harvest = await _harvest_search(context, source, defer=defer)
    elif source.type == "forum":
        harvest = await _harvest_forum(context, source)
    else:
        harvest = await _harvest_blog(context, source)
    if full_text and harvest.items and source.type in ("rss", "search"):
        await _add_page_texts(context, harvest)
    return harvest


@dataclass
class ParsedDocuments:
    """What `parse_documents` read: the items, and the entries' fingerprints for next time."""

    items: list[Item] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    fingerprints: list[str] = field(default_factory=list)
    skipped: int = 0  # entries left out as known


def parse_documents(
    documents: list[Fetched], *, strict: bool, known: Collection[str] = frozenset()
) -> ParsedDocuments:
    """Parse deferred feed bodies. With `strict` (one feed that is the whole source), a body
    that is not a feed is the source's error; otherwise a warning. Entries whose fingerprint
    is in `known` may be left out (see `parse_feed`)."""
    result = ParsedDocuments()
    for document in documents:
        try:
            parsed = parse_feed(
                document.body,
                document.final_url or document.url,
                document.content_type,
                known=known,
            )
        except ParseError as error:
            if strict:
                return ParsedDocuments(error=str(error))
            result.warnings.append(f"{document.url}: {error}")
            continue
        result.items += parsed.items
        result.warnings += [parsed.warning] if parsed.warning else []
        result.fingerprints += parsed.fingerprints
        result.skipped += parsed.skipped
    return result


async def _harvest_feed(
    context: HarvestContext,
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    *,
    defer: bool = False,
) -> Harvest:
    fetched = await context.fetcher.fetch(url, etag=etag, last_modified=last_modified)
    harvest = Harvest(status=fetched.status, moved_to=fetched.moved_to)
    if fetched.error:
        harvest.error = fetched.error
        return harvest
    if fetched.not_modified:
        harvest.unchanged = True
        return harvest
    if defer:
        harvest.documents.append(fetched)
    else:
        try:
            parsed = await context.run_cpu(
                parse_feed, fetched.body, fetched.final_url or url, fetched.content_type
            )
        except ParseError as error:
            harvest.error = str(error)
            return harvest
        harvest.items = list(parsed.items)
        harvest.warnings += [parsed.warning] if parsed.warning else []
    harvest.etag, harvest.last_modified = fetched.etag, fetched.last_modified
    return harvest


async def _harvest_search(context: HarvestContext, source: Source, *, defer: bool) -> Harvest:
    overrides = dict(context.settings.search_urls)
    urls = search_feed_urls(source.providers, context.brands, overrides)
    results = await asyncio.gather(*(_harvest_feed(context, url, defer=defer) for url in urls))
    harvest = Harvest(status=200)
    failures = [(url, r.error) for url, r in zip(urls, results, strict=True) if r.error]
    for result in results:
        harvest.items += result.items
        harvest.documents += result.documents
        harvest.warnings += result.warnings
    harvest.items = unique_items(harvest.items)
    if failures and len(failures) == len(urls):
        harvest.error = f"all {len(urls)} search feeds failed; {failures[0][0]}: {failures[0][1]}"
        harvest.status = results[0].status
    elif failures:
        harvest.warnings.append(
            f"{len(failures)} of {len(urls)} search feeds failed; {failures[0][0]}: "
            f"{failures[0][1]}"
        )
    return harvest


async def _fetch_page(context: HarvestContext, url: str, accept: str = HTML_ACCEPT) -> Fetched:
    """An HTML page, if robots.txt allows veille to fetch it."""
    if not await context.fetcher.allowed(url):
        return Fetched(url=url, final_url=url, error=f"robots.txt disallows {url}")
    return await context.fetcher.fetch(url, accept=accept)


async def _harvest_forum(context: HarvestContext, source: Source) -> Harvest:
    assert source.url is not None
    selectors = dict(source.selectors) or None
    zone = _source_zone(context, source)
    harvest = Harvest()
    visited: set[str] = set()
    reasons: list[str] = []

    async def read_chain(start: str, follow_threads: bool) -> None:
        url: str | None = start
        pages = 0
        while url and pages < source.max_pages:
            key = canonical_url(url)
            if key in visited:
                return
            visited.add(key)
            page_url = url
            api = forum_api_url(source.engine, url) if source.engine else None
            fetched = await _fetch_page(context, api or url, JSON_ACCEPT if api else HTML_ACCEPT)
            if fetched.error and api:
                fetched = await _fetch_page(context, url)
            pages += 1
            if harvest.status is None:
                harvest.status = fetched.status
            if fetched.error:
                if page_url == source.url:
                    harvest.error = fetched.error
                else:
                    harvest.warnings.append(f"{page_url}: {fetched.error}")
                return
            page = await context.run_cpu(
                extract_forum,
                fetched.body,
                fetched.final_url or page_url,
                engine=source.engine,
                selectors=selectors,
                content_type=fetched.content_type,
                zone=zone,
            )
            harvest.items += page.items
            if page.empty_reason:
                reasons.append(page.empty_reason)
            if follow_threads and page.thread_urls:
                threads = [t for t in page.thread_urls if canonical_url(t) not in visited]
                await asyncio.gather(
                    *(read_chain(thread, False) for thread in threads[:MAX_THREADS])
                )
            url = page.next_url

    await read_chain(source.url, True)
    harvest.items = unique_items(harvest.items)
    if not harvest.items and reasons:
        harvest.empty_reason = reasons[0]
    return harvest


async def _harvest_blog(context: HarvestContext, source: Source) -> Harvest:
    assert source.url is not None
    home = await _fetch_page(context, source.url)
    harvest = Harvest(status=home.status)
    if home.error:
        harvest.error = home.error
        return harvest
    base = home.final_url or source.url
    zone = _source_zone(context, source)
    for feed_url in await context.run_cpu(discover_feeds, home.body, base):
        feed = await _harvest_feed(context, feed_url)
        if not feed.error and feed.items:
            feed.status = home.status
            return feed
    # No usable feed link: try where blog engines usually put one, beside the page and at
    # the site's root, all at once, and keep the first in this order that reads.
    guesses = list(
        dict.fromkeys(
            urljoin(base, path)
            for prefix in ("", "/")
            for path in (prefix + name for name in COMMON_FEED_PATHS)
        )
    )
    for feed in await asyncio.gather(*(_harvest_feed(context, url) for url in guesses)):
        if not feed.error and feed.items:
            feed.status = home.status
            return feed
    links = await context.run_cpu(article_links, home.body, base)
    start = await context.run_cpu(extract_article, home.body, base, zone=zone)
    harvest.items = [start] if start is not None else []
    pages = await asyncio.gather(
        *(_fetch_page(context, link) for link in links[: max(source.max_pages, ARTICLES_MIN)])
    )
    for page in pages:
        if page.error:
            harvest.warnings.append(f"{page.url}: {page.error}")
            continue
        article = await context.run_cpu(
            extract_article, page.body, page.final_url or page.url, zone=zone
        )
        if article is not None:
            harvest.items.append(article)
    harvest.items = unique_items(harvest.items)
    if not harvest.items:
        harvest.error = "no feed found and no article could be extracted from the page"
    return harvest


def _source_zone(context: HarvestContext, source: Source) -> tzinfo:
    """The zone a page's dates without an offset are read in: the source's own `timezone`
    (a forum in another country), else `settings.timezone`, else the machine's. Feeds'
    dates are left to feedparser."""
    return configured_zone(source.timezone or context.settings.timezone)


async def _add_page_texts(context: HarvestContext, harvest: Harvest) -> None:
    """Fetch the pages of items whose text is short (`full_text`), within the sweep's budget."""
    short = [item for item in harvest.items if len(item.text) < SHORT_TEXT]
    chosen = short[: max(0, context.full_text_left)]
    context.full_text_left -= len(chosen)
    pages = await asyncio.gather(*(_fetch_page(context, item.url) for item in chosen))
    for item, page in zip(chosen, pages, strict=True):
        if page.error:
            continue
        article = await context.run_cpu(extract_article, page.body, page.final_url or page.url)
        if article is not None and article.text:
            harvest.page_texts[item.key] = article.text


def unique_items(items: list[Item]) -> list[Item]:
    """Items in order, each canonical URL once (search providers and pages overlap)."""
    seen: set[str] = set()
    unique = []
    for item in items:
        key = canonical_url(item.url)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
