"""Backtest: a rule tried on the archive, nothing saved.

Before saving a brand's rules, a community manager wants to know what they would catch:
how many items a week, from which sources and sites, in what tone, how many of them are
already mentions, which stored mentions the rule would no longer find, and what it nearly
caught (items naming a term that `exclude` or `require_any` vetoed, with the word that
did). The archive is read as a backfill reads it (pages narrowed by its full-text index,
then the exact matcher), so the counts are exact; only the tone of many matches not yet
stored is estimated, from a sample. The store is only read.
"""

from __future__ import annotations

import functools
import heapq
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta, timezone, tzinfo
from typing import Any

from veille.backfill import item_of
from veille.errors import UsageError
from veille.match import (
    BrandSet,
    Veto,
    archive_selection,
    find_mentions,
    find_vetoes,
    make_snippet,
)
from veille.models import TONES, Brand, Hit
from veille.store import Store
from veille.text import HIGHLIGHT_END, HIGHLIGHT_START
from veille.times import show_time
from veille.tone import ToneEngine, tones_around
from veille.urls import domain_of

SAMPLE = 10
TONE_SAMPLE = 1000  # matches whose tone a backtest judges at most
WINDOW = 1500  # characters kept each side of a sampled match


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
    tones: Counter[str] = field(default_factory=Counter)  # of the stored matches: exact
    tones_sample: list[tuple[str, int, int]] = field(default_factory=list)  # the new ones'
    tones_judged: int = 0
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
            "tones_judged": self.tones_judged,
            "tones_estimated": self.tones_judged < self.matches - self.stored,
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
    judged: int = TONE_SAMPLE,
    zone: tzinfo = timezone.utc,
) -> Backtest:
    """Try `brand`'s rules on the archive, dated in [since, until). `compare_with` names the
    stored brand whose mentions the matches are counted against (their stored tone is
    used, and the rule might no longer find some); without it, a match counts as stored
    when any brand has it. The tone of the matches not stored is judged on a uniform sample
    of at most `judged` of them (judging costs about half a millisecond a match, ten times
    what matching an item does), and the split scaled to them all. Weeks are counted in
    `zone`'s days."""
    result = Backtest(brand=brand, compared_with=compare_with, since=since, until=until)
    result.items = store.archive_count(since, until)
    rules = BrandSet([brand])
    known = [compare_with] if compare_with else store.values_of("brand")
    selection = archive_selection([brand], since, until)
    pick = random.Random(0)
    after = 0
    while True:
        rows, upto = store.archive_page(selection, after)
        matched = _tally(
            result, rows, rules, store, known, compare_with, sample, pick, judged, zone
        )
        if compare_with:
            _lost(result, store, rules, compare_with, (after, upto), matched, sample)
        if upto is None:
            break
        after = upto
    _judge_sample(result, engine)
    return result


def _tally(
    result: Backtest,
    rows: Sequence[Mapping[str, Any]],
    rules: BrandSet,
    store: Store,
    known: Sequence[str],
    compare_with: str | None,
    sample: int,
    pick: random.Random,
    judged: int,
    zone: tzinfo,
) -> set[int]:
    """Count one page of archived items into the result (weeks of `zone`); the ids of the
    items matched."""
    matched: list[tuple[Mapping[str, Any], Hit]] = []
    for row in rows:
        item = item_of(row)
        hits = find_mentions(item, rules, snippets=False)
        if hits:
            matched.append((row, hits[0]))
            continue
        for veto in find_vetoes(item, rules):
            result.near_misses += 1
            _keep_newest(
                result.near_miss_samples,
                sample,
                row,
                functools.partial(_near_miss_entry, row, veto),
            )
    if not matched:
        return set()
    urls = [row["url"] for row, _ in matched]
    stored_urls = {url for _, url in store.stored_pairs(known, urls)}
    stored_tones = store.stored_tones(compare_with, urls) if compare_with else {}
    for row, hit in matched:
        result.matches += 1
        moment = row["published_at"] or row["found_at"]
        day = moment[:10] if zone is timezone.utc else show_time(moment, zone)[:10]
        result.per_week[_week_of(day)] += 1
        result.per_source[row["source"]] += 1
        result.per_site[_site(row["site"] or row["url"])] += 1
        stored = row["url"] in stored_urls
        result.stored += stored
        tone = stored_tones.get(row["url"]) if stored else None
        if tone is not None:
            result.tones[tone] += 1
        else:
            _reservoir(result, hit, pick, judged)
        _keep_newest(
            result.samples,
            sample,
            row,
            functools.partial(_match_entry, row, hit, tone, stored),
        )
    return {row["id"] for row, _ in matched}


def _reservoir(result: Backtest, hit: Hit, pick: random.Random, size: int) -> None:
    """Keep a uniform sample of the unjudged matches' windows (reservoir sampling): the
    text around the match only, so the sample's memory is bounded too."""
    entry = _window(hit)
    seen = result.matches - sum(result.tones.values())  # unjudged so far, this one included
    if len(result.tones_sample) < size:
        result.tones_sample.append(entry)
    else:
        slot = pick.randrange(seen)
        if slot < size:
            result.tones_sample[slot] = entry


def _window(hit: Hit) -> tuple[str, int, int]:
    """The text around a match, and the match's place in it: what its tone is judged on."""
    left = max(0, hit.start - WINDOW)
    return hit.text[left : hit.end + WINDOW], hit.start - left, hit.end - left


def _judge_sample(result: Backtest, engine: ToneEngine | None) -> None:
    """Judge the sampled windows and add the split, scaled to every unjudged match; and
    the tone of each match shown that is not stored."""
    for _, _, shown in result.samples:
        window = shown.pop("window")
        if window is not None:
            text, start, end = window
            shown["tone"] = tones_around(text, [(start, end)], engine=engine)[0].tone
    unjudged = result.matches - sum(result.tones.values())
    if not result.tones_sample or not unjudged:
        return
    counts: Counter[str] = Counter(
        tones_around(text, [(start, end)], engine=engine)[0].tone
        for text, start, end in result.tones_sample
    )
    result.tones_judged = len(result.tones_sample)
    scaled = {tone: counts[tone] * unjudged / result.tones_judged for tone in TONES}
    rounded = {tone: int(value) for tone, value in scaled.items()}
    # Largest remainders, so that the split still adds up to the matches.
    for tone in sorted(TONES, key=lambda t: scaled[t] - rounded[t], reverse=True)[
        : unjudged - sum(rounded.values())
    ]:
        rounded[tone] += 1
    result.tones.update(rounded)
    result.tones_sample = []


def _lost(
    result: Backtest,
    store: Store,
    rules: BrandSet,
    brand: str,
    span: tuple[int, int | None],
    matched: set[int],
    sample: int,
) -> None:
    """The brand's stored mentions on items in the page's id span that the rule did not
    match: those it would no longer find. An item the index left out names no term."""
    mentions = store.mentions_on_items(brand, span, since=result.since, until=result.until)
    missed = [m for m in mentions if m["item_id"] not in matched]
    if not missed:
        return
    items = store.items_by_id([m["item_id"] for m in missed])
    for mention in missed:
        result.lost += 1
        if len(result.lost_samples) >= sample:
            continue
        item = items.get(mention["item_id"])
        vetoes = find_vetoes(item_of(item), rules) if item else []
        reason = f"{vetoes[0].rule}: {vetoes[0].word}" if vetoes else "no term found"
        result.lost_samples.append(
            {
                "id": mention["id"],
                "date": mention["mentioned_at"],
                "status": mention["status"],
                "source": mention["source"],
                "title": mention["title"] or "",
                "url": mention["url"],
                "reason": reason,
            }
        )


def _near_miss_entry(row: Mapping[str, Any], veto: Veto) -> dict[str, Any]:
    return {
        **_described(row),
        "vetoed_by": veto.rule,
        "word": veto.word,
        "excerpt_marked": _marked(veto.snippet, veto.word),
    }


def _match_entry(
    row: Mapping[str, Any], hit: Hit, tone: str | None, stored: bool
) -> dict[str, Any]:
    """A match as shown; one not stored carries the window its tone is judged on later."""
    return {
        **_described(row),
        "matched": hit.matched,
        "tone": tone,
        "stored": stored,
        "excerpt_marked": _marked(make_snippet(hit.text, hit.start, hit.end), hit.matched),
        "window": None if tone else _window(hit),
    }


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
    entry: Callable[[], dict[str, Any]],
) -> None:
    """Keep the `limit` newest entries (by the item's date, then id) in a bounded heap;
    an entry is only made when it is kept."""
    key = (row["published_at"] or row["found_at"], row["id"])
    if len(kept) < limit:
        heapq.heappush(kept, (*key, entry()))
    elif limit and key > kept[0][:2]:
        heapq.heapreplace(kept, (*key, entry()))


def _marked(snippet: str, word: str) -> str:
    """The snippet with the first occurrence of `word` marked for highlighting."""
    at = snippet.find(word) if word else -1
    if at < 0:
        return snippet
    end = at + len(word)
    return snippet[:at] + HIGHLIGHT_START + snippet[at:end] + HIGHLIGHT_END + snippet[end:]


def _site(url: str) -> str:
    """The site (domain) of a URL; computed once per host, as a backtest counts thousands of
    matches on a few hundred sites."""
    scheme, _, rest = url.partition("://")
    return _site_of_host(scheme, rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0])


@functools.lru_cache(maxsize=4096)
def _site_of_host(scheme: str, host: str) -> str:
    return domain_of(f"{scheme}://{host}/") or "-"


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
