"""Backfill: the archive matched again for the brands whose rules changed.

A brand added today is named in items read last week, and a feed that has not changed
answers 304: without the archive that past is lost. Before each sweep, every brand whose
rules (`match.rules_fingerprint`) differ from the ones the archive was last matched under,
or that is new, is matched against the archive; what it finds is stored as mentions marked
`origin = 'archive'`, with the item's own dates, which alerts never send as new.

The archive is read in pages of ascending id, narrowed by its full-text index
(`match.archive_selection`), and each page's mentions are committed on their own. The
fingerprints are recorded only once every page is done: a backfill cut short (`kill -9`) is
done again at the next scan, and the mentions it had stored already are skipped, never
duplicated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from veille.match import BrandSet, archive_selection, find_mentions, rules_fingerprint
from veille.models import Brand, Item, Mention
from veille.store import Store
from veille.tone import ToneEngine, tones_around
from veille.urls import domain_of

PageCallback = Callable[[int], None]


def changed_brands(store: Store, brands: Iterable[Brand], *, every: bool = False) -> list[Brand]:
    """The brands whose rules the archive was not last matched under (all with `every`)."""
    recorded = store.brand_rules()
    return [
        brand for brand in brands if every or recorded.get(brand.name) != rules_fingerprint(brand)
    ]


def backfill(
    store: Store,
    brands: Sequence[Brand],
    *,
    engine: ToneEngine | None = None,
    now: str,
    on_page: PageCallback | None = None,
) -> dict[str, dict[str, int]]:
    """Match the archive for `brands` and store what is new as mentions found in the
    archive; returns how many, by brand (every brand matched, 0 included) and tone. Records
    the brands' rules as matched. An empty archive (a new database) has nothing to match."""
    found: dict[str, dict[str, int]] = {}
    if brands and store.has_items():
        found = {brand.name: {} for brand in brands}
        rules = BrandSet(brands)
        names = [brand.name for brand in brands]
        types = {row["name"]: row["type"] for row in store.sources()}
        selection = archive_selection(brands)
        after = 0
        while True:
            rows, upto = store.archive_page(selection, after)
            stored = store.stored_pairs(names, _urls(rows))
            mentions = archive_mentions(rows, rules, engine, stored, types)
            for brand, tone, count in store.record_archive_mentions(mentions):
                by_tone = found.setdefault(brand, {})
                by_tone[tone] = by_tone.get(tone, 0) + count
            if on_page is not None:
                on_page(len(rows))
            if upto is None:
                break
            after = upto
    store.record_brand_rules({brand.name: rules_fingerprint(brand) for brand in brands}, now)
    return found


def item_of(row: Mapping[str, Any]) -> Item:
    """An archived item (a row of `items`) as the matcher takes it."""
    return Item(
        key=str(row["id"]),
        url=row["url"],
        title=row["title"] or "",
        text=row["text"] or "",
        author=row["author"] or "",
        published_at=row["published_at"],
        links=tuple(row["links"].split("\n")) if row["links"] else (),
        site=row["site"] or "",
    )


def archive_mentions(
    rows: Sequence[Mapping[str, Any]],
    rules: BrandSet,
    engine: ToneEngine | None,
    stored: set[tuple[str, str]],
    source_types: Mapping[str, str] | None = None,
) -> list[Mention]:
    """The mentions the rules find in archived items, but those already stored, toned.
    `source_types` gives each source's type (a source since removed has none)."""
    mentions = []
    for row in rows:
        item = item_of(row)
        hits = [h for h in find_mentions(item, rules) if (h.brand, item.url) not in stored]
        if not hits:
            continue
        tones = tones_around(hits[0].text, [(h.start, h.end) for h in hits], engine=engine)
        domain = domain_of(item.site or item.url)
        for hit, tone in zip(hits, tones, strict=True):
            mentions.append(
                Mention(
                    brand=hit.brand,
                    source=row["source"],
                    source_type=(source_types or {}).get(row["source"], ""),
                    domain=domain,
                    url=item.url,
                    title=item.title,
                    author=item.author,
                    published_at=item.published_at,
                    found_at=row["found_at"],
                    snippet=hit.snippet,
                    text="",
                    matched=hit.matched,
                    lang=tone.lang,
                    tone=tone.tone,
                    tone_score=tone.score,
                    flags=" ".join(tone.flags),
                    origin="archive",
                )
            )
    return mentions


def _urls(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return list(dict.fromkeys(row["url"] for row in rows))
