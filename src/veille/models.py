"""Plain values passed between the stages of a sweep.

Every stage takes and returns these frozen dataclasses, so a stage can be tested without the
others and none of them needs to know who calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SourceType = Literal["rss", "forum", "blog", "search"]
ToneLabel = Literal["positive", "neutral", "negative"]

TONES: tuple[str, ...] = ("positive", "neutral", "negative")
FLAGS: tuple[str, ...] = ("question", "complaint", "insult", "adult", "spam")
STATUSES: tuple[str, ...] = ("new", "handled", "ignored")
# What the archive keeps of an item's text: enough for any post or article, not a whole page.
ITEM_TEXT_LIMIT = 20_000


@dataclass(frozen=True)
class Brand:
    name: str
    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    require_any: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    case_sensitive: bool = False
    competitor: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    type: SourceType
    url: str | None = None
    engine: str | None = None
    selectors: tuple[tuple[str, str], ...] = ()
    max_pages: int = 1
    providers: tuple[str, ...] = ()
    full_text: bool | None = None
    timezone: str | None = None  # IANA name of the zone its dates are in; None: the user's


@dataclass(frozen=True)
class Settings:
    concurrency: int = 32
    per_host: int = 2
    timeout: float = 20.0
    max_bytes: int = 10_000_000
    user_agent: str = ""
    full_text: bool = False
    search_urls: tuple[tuple[str, str], ...] = ()
    tone_engine: str = "builtin"
    keep_items: int = 180  # days an archived item no mention refers to is kept; 0: forever
    timezone: str | None = None  # IANA name the dates are shown in; None: the machine's zone


@dataclass(frozen=True)
class Alert:
    """Where and when to notify. `urls` may hold secrets: kept out of repr, never printed."""

    name: str
    urls: tuple[str, ...] = field(repr=False)
    on: tuple[str, ...] = ("new", "attention", "spike")
    brand: str | None = None
    min_mentions: int = 1
    quiet_hours: tuple[str, str] | None = None  # ("22:00", "07:00"), local time
    limit: int = 20


@dataclass(frozen=True)
class AlertOutcome:
    """What one alert did after a sweep; `error` is already free of secrets."""

    name: str
    state: Literal["sent", "held", "nothing", "failed"]
    mentions: int = 0
    spikes: int = 0
    reason: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Config:
    path: Path | None
    brands: tuple[Brand, ...]
    sources: tuple[Source, ...]
    settings: Settings = field(default_factory=Settings)
    database: Path | None = None
    alerts: tuple[Alert, ...] = ()


@dataclass(frozen=True)
class Fetched:
    """What one HTTP exchange gave: a body, "unchanged", or an error — never an exception."""

    url: str
    final_url: str = ""
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None
    retry_after: float | None = None
    moved_to: str | None = None


@dataclass(frozen=True)
class Item:
    """One entry of a feed (or one post of a page), as clean plain text."""

    key: str
    url: str
    title: str = ""
    text: str = ""
    author: str = ""
    published_at: str | None = None
    links: tuple[str, ...] = ()
    # The publisher's address when an aggregator passed the item on (Google News names it in
    # `<source url>`): the site a mention is credited to, where `url` leads to the aggregator.
    site: str = ""


@dataclass(frozen=True)
class ArchivedItem:
    """An item as the archive keeps it, once per source and canonical URL: what a brand
    added later, or a rule changed, is matched against."""

    source: str
    url: str
    title: str
    text: str
    author: str
    published_at: str | None
    found_at: str
    lang: str | None = None
    links: tuple[str, ...] = ()
    site: str = ""


@dataclass(frozen=True)
class ItemSelection:
    """Which archived items a rule could match, narrowed before the exact matcher runs.

    `words`: an FTS5 query over the archive's index that every item the rule's terms match
    satisfies; `hosts`: link hosts (an item linking to one may match by `domains`);
    `everything`: a term the index cannot express, so every item is read. `since` and
    `until` bound the item's date (published, else found).
    """

    words: str | None = None
    hosts: tuple[str, ...] = ()
    everything: bool = False
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    items: tuple[Item, ...]
    title: str = ""
    warning: str | None = None
    # Which parser read the document ("feedparser-rs", "feedparser", "json"), with the reason
    # when the fast path was refused; for tests and benchmarks, not shown to users or compared.
    parser: str = field(default="", compare=False)
    # Every entry's fingerprint (see `parse.entries.entry_fingerprint`), when the fast path read
    # the document; and how many entries were left out as already known.
    fingerprints: tuple[str, ...] = field(default=(), compare=False)
    skipped: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Hit:
    """A brand found in an item: where, and the text around it."""

    brand: str
    matched: str
    snippet: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Tone:
    tone: ToneLabel
    score: float
    lang: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    brand: str
    source: str
    source_type: str
    domain: str
    url: str
    title: str
    author: str
    published_at: str | None
    found_at: str
    snippet: str
    text: str
    matched: str
    lang: str
    tone: str
    tone_score: float
    flags: str
    status: str = "new"
    note: str = ""
    origin: str = "sweep"  # or "archive": found by matching the archive after a rule change


@dataclass
class SourceOutcome:
    """How one source fared in a sweep."""

    name: str
    state: Literal["ok", "unchanged", "failed", "skipped"]
    items_seen: int = 0
    mentions_new: int = 0
    error: str | None = None
    warning: str | None = None
    # A source that yields nothing, said once a day even to `scan --quiet` (on stderr).
    notice: str | None = None
    new: tuple[tuple[str, str, int], ...] = ()  # (brand, tone, count) of the new mentions


@dataclass
class ScanSummary:
    scan_id: int
    started_at: str
    finished_at: str = ""
    sources: list[SourceOutcome] = field(default_factory=list)
    new_by_brand_tone: dict[str, dict[str, int]] = field(default_factory=dict)
    interrupted: bool = False
    alerts: list[AlertOutcome] = field(default_factory=list)
    # Mentions found by matching the archive again for brands whose rules changed, by brand
    # and tone; counted apart from the new ones.
    archive_by_brand_tone: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def mentions_archive(self) -> int:
        return sum(sum(by_tone.values()) for by_tone in self.archive_by_brand_tone.values())

    @property
    def sources_ok(self) -> int:
        return sum(o.state == "ok" for o in self.sources)

    @property
    def sources_unchanged(self) -> int:
        return sum(o.state == "unchanged" for o in self.sources)

    @property
    def sources_failed(self) -> int:
        return sum(o.state == "failed" for o in self.sources)

    @property
    def items_seen(self) -> int:
        return sum(o.items_seen for o in self.sources)

    @property
    def mentions_new(self) -> int:
        return sum(o.mentions_new for o in self.sources)
