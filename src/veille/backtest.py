"""Backtest: a rule tried on the archive, nothing saved.

Before saving a brand's rules, a community manager wants to know what they would catch:
how many items a week, from which sources and sites, in what tone, how many of them are
already mentions, which stored mentions the rule would no longer find, and what it nearly
caught (items naming a term that `exclude` or `require_any` vetoed, with the word that
did). The archive is read as a backfill reads it (pages narrowed by its full-text index,
then the exact matcher), so the counts are exact; the store is only read.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from veille.backfill import item_of
from veille.errors import UsageError
from veille.match import BrandSet, archive_selection, find_mentions, find_vetoes
from veille.models import TONES, Brand
from veille.store import Store
from veille.text import HIGHLIGHT_END, HIGHLIGHT_START
from veille.tone import ToneEngine, tones_around
from veille.urls import domain_of

SAMPLE = 10


@dataclass
class Backtest:
    """What a rule finds in the archive. Plain values, for the terminal or `--json`."""

    brand: Brand
    compared_with: str | None  # the configured brand whose stored mentions are compared
    since: str | None
    until: str | None
    items: int = 0  # archived items in the period
    matches: int = 0
    stored: int = 0  # matches already stored as mentions
    per_week: Counter[str] = field(default_factory=Counter)
    per_source: Counter[str] = field(default_factory=Counter)
    per_site: Counter[str] = field(default_factory=Counter)
    tones: Counter[str] = field(default_factory=Counter)
    samples: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    near_misses: int = 0
    near_miss_samples: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    lost: int = 0
    lost_samples: list[dict[str, Any]] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        """Every figure, for `--json`."""
        return {
            "rule": {
                "name": self.brand.name,
                "terms": list(self.brand.terms),
                "exclude": list(self.brand.exclude),
                "require_any": list(self.brand.require_any),
                "domains": list(self.brand.domains),
                "case_sensitive": self.brand.case_sensitive,
            },
            "compared_with": self.compared_with,
            "since": self.since,
            "until": self.until,
            "items": self.items,
            "matches": self.matches,
            "stored": self.stored,
            "new": self.matches - self.stored,
            "per_week": dict(sorted(self.per_week.items())),
            "per_source": dict(self.per_source.most_common()),
            "per_site": dict(self.per_site.most_common()),
            "tones": {tone: self.tones.get(tone, 0) for tone in TONES},
            "samples": [sample for _, _, sample in sorted(self.samples, reverse=True)],
            "near_misses": self.near_misses,
            "near_miss_samples": [
                sample for _, _, sample in sorted(self.near_miss_samples, reverse=True)
            ],
            "lost": self.lost,
            "lost_samples": self.lost_samples,
        }


def run_backtest(
    store: Store,
    brand: Brand,
    *,
    compare_with: str | None = None,
    since: str | None = None,
    until: str | None = None,
    engine: ToneEngine | None = None,
    sample: int = SAMPLE,
) -> Backtest:
    """Try `brand`'s rules on the archive, dated in [since, until). `compare_with` names the
    stored brand whose mentions the matches are counted against (and which the rule might no
    longer find); without it, a match counts as stored when any brand has it."""
    result = Backtest(brand=brand, compared_with=compare_with, since=since, until=until)
    result.items = store.archive_count(since, until)
    rules = BrandSet([brand])
    known = [compare_with] if compare_with else store.values_of("brand")
    selection = archive_selection([brand], since, until)
    after = 0
    while True:
        rows, upto = store.archive_page(selection, after)
        _tally(result, rows, rules, store, known, engine, sample)
        if upto is None:
            break
        after = upto
    if compare_with:
        _lost(result, store, rules, compare_with, sample)
    return result


def _tally(
    result: Backtest,
    rows: Sequence[Mapping[str, Any]],
    rules: BrandSet,
    store: Store,
    known: Sequence[str],
    engine: ToneEngine | None,
    sample: int,
) -> None:
    """Count one page of archived items into the result."""
    matched: list[tuple[Mapping[str, Any], Any]] = []
    for row in rows:
        item = item_of(row)
        hits = find_mentions(item, rules)
        if hits:
            matched.append((row, hits[0]))
            continue
        for veto in find_vetoes(item, rules):
            result.near_misses += 1
            _keep_newest(
                result.near_miss_samples,
                sample,
                row,
                {
                    **_described(row),
                    "vetoed_by": veto.rule,
                    "word": veto.word,
                    "excerpt_marked": _marked(veto.snippet, veto.word),
                },
            )
    if not matched:
        return
    urls = [row["url"] for row, _ in matched]
    stored_urls = {url for _, url in store.stored_pairs(known, urls)}
    stored_tones = store.stored_tones(known[0], urls) if len(known) == 1 else {}
    for row, hit in matched:
        result.matches += 1
        day = (row["published_at"] or row["found_at"])[:10]
        result.per_week[_week_of(day)] += 1
        result.per_source[row["source"]] += 1
        result.per_site[domain_of(row["url"]) or "-"] += 1
        if row["url"] in stored_urls:
            result.stored += 1
        tone = stored_tones.get(row["url"])
        if tone is None:
            tone = tones_around(hit.text, [(hit.start, hit.end)], engine=engine)[0].tone
        result.tones[tone] += 1
        _keep_newest(
            result.samples,
            sample,
            row,
            {
                **_described(row),
                "matched": hit.matched,
                "tone": tone,
                "stored": row["url"] in stored_urls,
                "excerpt_marked": _marked(hit.snippet, hit.matched),
            },
        )


def _lost(result: Backtest, store: Store, rules: BrandSet, brand: str, sample: int) -> None:
    """The brand's stored mentions in the period that the rule would no longer find."""
    after = 0
    while True:
        rows = store.mentions_with_items(brand, after, since=result.since, until=result.until)
        if not rows:
            return
        for row in rows:
            item = item_of({key[5:]: value for key, value in row.items() if key[:5] == "item_"})
            if find_mentions(item, rules):
                continue
            result.lost += 1
            vetoes = find_vetoes(item, rules)
            reason = f"{vetoes[0].rule}: {vetoes[0].word}" if vetoes else "no term found"
            if len(result.lost_samples) < sample:
                result.lost_samples.append(
                    {
                        "id": row["id"],
                        "date": row["mentioned_at"],
                        "status": row["status"],
                        "source": row["source"],
                        "title": row["title"] or "",
                        "url": row["url"],
                        "reason": reason,
                    }
                )
        after = rows[-1]["id"]


def _described(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "date": row["published_at"] or row["found_at"],
        "source": row["source"],
        "author": row["author"],
        "title": row["title"],
        "url": row["url"],
    }


def _keep_newest(
    kept: list[tuple[str, int, dict[str, Any]]],
    limit: int,
    row: Mapping[str, Any],
    entry: dict[str, Any],
) -> None:
    """Keep the `limit` newest entries (by the item's date, then id) in a bounded heap."""
    key = (row["published_at"] or row["found_at"], row["id"], entry)
    if len(kept) < limit:
        heapq.heappush(kept, key)
    elif key[:2] > kept[0][:2]:
        heapq.heapreplace(kept, key)


def _marked(snippet: str, word: str) -> str:
    """The snippet with the first occurrence of `word` marked for highlighting."""
    at = snippet.find(word) if word else -1
    if at < 0:
        return snippet
    end = at + len(word)
    return snippet[:at] + HIGHLIGHT_START + snippet[at:end] + HIGHLIGHT_END + snippet[end:]


def _week_of(day: str) -> str:
    """The Monday that starts the ISO week of a YYYY-MM-DD day."""
    moment = date.fromisoformat(day)
    return (moment - timedelta(days=moment.weekday())).isoformat()


def rule_to_try(
    configured: Sequence[Brand], name: str | None, proposed: Brand | None
) -> tuple[Brand, str | None]:
    """The rule a backtest tries, and the brand whose stored mentions it is compared with.

    `name` alone: that configured brand as it stands. `proposed` (terms, exclude, … from the
    command line or a file): with the name of a configured brand, its rule with those
    added, compared with its mentions; else the proposed rule alone.
    """
    known = {brand.name: brand for brand in configured}
    if proposed is None:
        if name not in known:
            choices = ", ".join(known) or "none (no config)"
            raise UsageError(f"--brand {name!r}: not a configured brand; configured: {choices}")
        return known[str(name)], name
    if name in known:
        base = known[str(name)]

        def merged(*values: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v for group in values for v in group))

        return (
            replace(
                base,
                terms=merged(base.terms, proposed.terms),
                exclude=merged(base.exclude, proposed.exclude),
                require_any=merged(base.require_any, proposed.require_any),
                domains=merged(base.domains, proposed.domains),
                case_sensitive=base.case_sensitive or proposed.case_sensitive,
            ),
            name,
        )
    if proposed.name in known:
        return proposed, proposed.name
    return proposed, None
