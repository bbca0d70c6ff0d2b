"""Alerts: after each sweep, one digest per alert of what is new since its last delivery.

What is pending, and why nothing is sent twice or lost:

- Each URL of an alert keeps a watermark, the last mention id it received (`alert_state`).
  Mentions above it are pending; it moves only when the URL accepted the digest, up to the
  newest mention at the time the digest was built. A URL that fails keeps its watermark, so
  the next sweep (or `veille alerts send`) sends it everything again, new mentions included.
- A URL seen for the first time starts after the mentions *found* more than FIRST_WINDOW
  ago: an alert added to a long-used database brings the last day, not the whole history.
  Until it has received a digest, it also gets only the mentions *published* (or, without
  a date, found) in the last FIRST_WINDOW: the first sweep of a new database finds years of
  old posts at once, and they are not news.
- A spike is announced once per alert, URL, brand, day and kind (`alert_spikes`). The
  days judged are today and yesterday in the user's zone (`settings.timezone`), so a
  nightly sweep also catches the day it only saw the start of. The rules are `spikes.py`'s,
  found by `figures.daily_spikes`, the same call `veille report` makes.
- Holding never drops anything: during `quiet_hours` (in the user's zone too), or while
  fewer than `min_mentions` are pending (and no spike), the watermark stays and the
  mentions accumulate.

Deliveries run under the scan lock (the CLI takes it), so two of them never race.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from veille.errors import UsageError
from veille.figures import daily_spikes
from veille.models import TONES, Alert, AlertOutcome, Brand, Config
from veille.notify import describe_url, send_message
from veille.spikes import Spike
from veille.store import MentionFilter, Store
from veille.text import clean_text, fold, shorten
from veille.times import day_start, local_day, show_time, to_stored

FIRST_WINDOW = timedelta(hours=24)
SNIPPET_WIDTH = 220
SPIKE_TOP = 3
SPIKE_LINKS = 3
SPIKE_WORDS = 6

_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}")
# Words that say nothing about what drove a spike, French and English.
STOPWORDS = frozenset(
    fold(word)
    for word in """
    les des une est pas pour que qui dans sur avec par plus mais son ses sont aux ont été
    cette ces tout tous très bien fait faire comme nous vous leur leurs elle elles ils lui
    même aussi avoir être peu encore depuis chez sans car donc alors quand où deux entre
    après avant notre votre mes tes nos vos cela ceci ici quoi dont était avait sera
    the and for that this with you your are was were have has had not but all can from
    they their them our out about just what when who will would there been more than its
    it's into also very some any after before over only one two get got how why which
    """.split()
)


@dataclass(frozen=True)
class SpikeNote:
    """A spike and what drove it, ready to be written into a digest."""

    brand: str
    day: str
    spike: Spike
    sources: tuple[tuple[str, int], ...]
    authors: tuple[tuple[str, int], ...]
    words: tuple[tuple[str, int], ...]
    links: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.brand, self.day, self.spike.kind)


@dataclass(frozen=True)
class Digest:
    title: str
    body: str


def deliver_alerts(
    config: Config,
    store: Store,
    *,
    now: datetime,
    names: Sequence[str] = (),
    zone: tzinfo = timezone.utc,
) -> list[AlertOutcome]:
    """Send each alert (or the ones named) what is pending for it; one outcome per alert.
    Days, dates and quiet hours are those of `zone`.

    A failed delivery is recorded (redacted) on its `alert_state` row and reported, never
    raised: the sweep's results are stored whatever happens here.
    """
    alerts = pick_alerts(config, names) if names else list(config.alerts)
    return [_deliver(alert, config, store, now, zone) for alert in alerts]


def pick_alerts(config: Config, names: Sequence[str]) -> list[Alert]:
    """The configured alerts named; an unknown name is a usage error listing the known ones."""
    known = {alert.name: alert for alert in config.alerts}
    for name in names:
        if name not in known:
            choices = ", ".join(known) or "none: add an `alerts:` section to sources.yaml"
            raise UsageError(f"unknown alert {name!r}; configured: {choices}")
    return [known[name] for name in dict.fromkeys(names)]


def send_test(alert: Alert, *, now: datetime, zone: tzinfo = timezone.utc) -> list[str]:
    """Send a test message to each of the alert's URLs; the errors, with no secret in them."""
    title = f"veille: test message for the alert {alert.name!r}"
    body = "\n".join(
        [
            f"This is a test from veille, sent {show_time(to_stored(now), zone)}.",
            f"The alert {alert.name!r} will send: {', '.join(alert.on)}"
            + (f", for {alert.brand}" if alert.brand else ", for every brand")
            + ".",
        ]
    )
    errors = []
    for url in alert.urls:
        error = send_message(url, title, body)
        if error:
            errors.append(error)
    return errors


def target_keys(urls: Sequence[str]) -> list[str]:
    """What each URL's delivery state is kept under: the URL as veille shows it (service and
    host, never a secret), numbered when an alert has several alike (`slack://…`,
    `slack://… #2`). So the state follows a URL when the list is reordered or grows."""
    seen: Counter[str] = Counter()
    keys = []
    for url in urls:
        shown = describe_url(url)
        seen[shown] += 1
        keys.append(shown if seen[shown] == 1 else f"{shown} #{seen[shown]}")
    return keys


def quiet_until(alert: Alert, now: datetime, zone: tzinfo = timezone.utc) -> str | None:
    """The end of the quiet hours (HH:MM in `zone`) when `now` falls inside them."""
    if alert.quiet_hours is None:
        return None
    start, end = (time.fromisoformat(t) for t in alert.quiet_hours)
    local = now.astimezone(zone).time().replace(tzinfo=None)
    inside = start <= local < end if start < end else (local >= start or local < end)
    return alert.quiet_hours[1] if inside else None


def _deliver(
    alert: Alert, config: Config, store: Store, now: datetime, zone: tzinfo
) -> AlertOutcome:
    upto = store.last_mention_id()
    filters = MentionFilter(brands=(alert.brand,) if alert.brand else ())
    targets = target_keys(alert.urls)
    first_since = to_stored(now - FIRST_WINDOW)
    watermarks = store.alert_watermarks(alert.name, targets, start_after=first_since)
    never_sent = {
        row["target"]
        for row in store.alert_states()
        if row["alert"] == alert.name and not row["last_sent_at"]
    }
    notes = _spike_notes(alert, config, store, now, zone) if "spike" in alert.on else []
    attention_only = "new" not in alert.on and "attention" in alert.on
    with_mentions = "new" in alert.on or "attention" in alert.on
    quiet = quiet_until(alert, now, zone)
    outcomes = []
    for position, (url, target, after) in enumerate(
        zip(alert.urls, targets, watermarks, strict=True), start=1
    ):
        announced = store.spikes_announced(
            alert.name, target, min((n.day for n in notes), default="")
        )
        fresh = [note for note in notes if note.key not in announced]
        scope = replace(filters, since=first_since) if target in never_sent else filters
        counts = (
            store.pending_counts(after, upto, scope, attention_only=attention_only)
            if with_mentions
            else []
        )
        pending = sum(row["mentions"] for row in counts)
        if not pending and not fresh:
            outcomes.append(AlertOutcome(alert.name, "nothing"))
            continue
        if quiet:
            outcomes.append(
                AlertOutcome(alert.name, "held", pending, len(fresh), f"quiet hours until {quiet}")
            )
            continue
        if pending < alert.min_mentions and not fresh:
            reason = f"{pending} of the {alert.min_mentions} mentions it waits for"
            outcomes.append(AlertOutcome(alert.name, "held", pending, 0, reason))
            continue
        listed = store.pending_mentions(
            after, upto, scope, attention_only=attention_only, limit=alert.limit
        )
        digest = build_digest(alert, counts, listed, fresh, zone)
        error = send_message(url, digest.title, digest.body)
        if error:
            store.record_alert_failure(alert.name, target, error)
            prefix = f"URL {position} of {len(alert.urls)}, " if len(alert.urls) > 1 else ""
            outcomes.append(
                AlertOutcome(alert.name, "failed", pending, len(fresh), error=prefix + error)
            )
            continue
        store.record_alert_sent(
            alert.name, target, upto=upto, sent_at=to_stored(now), spikes=[n.key for n in fresh]
        )
        outcomes.append(AlertOutcome(alert.name, "sent", pending, len(fresh)))
    return _combine(alert.name, outcomes)


def _combine(name: str, outcomes: list[AlertOutcome]) -> AlertOutcome:
    """One outcome for an alert from its URLs': the worst state, with every error."""
    for state in ("failed", "sent", "held"):
        chosen = [o for o in outcomes if o.state == state]
        if chosen:
            errors = [o.error for o in chosen if o.error]
            return AlertOutcome(
                name,
                state,
                max(o.mentions for o in chosen),
                max(o.spikes for o in chosen),
                chosen[0].reason,
                "; ".join(errors) or None,
            )
    return AlertOutcome(name, "nothing")


def _spike_notes(
    alert: Alert, config: Config, store: Store, now: datetime, zone: tzinfo
) -> list[SpikeNote]:
    """Today's and yesterday's spikes (days of `zone`) of the alert's brands, each with what
    drove it."""
    today = local_day(now, zone)
    filters = MentionFilter(brands=(alert.brand,) if alert.brand else ())
    _, spikes = daily_spikes(store, filters, today - timedelta(days=1), today, zone)
    brands = {brand.name: brand for brand in config.brands}
    return [
        explain_spike(store, brand, day.isoformat(), spike, brands.get(brand), zone)
        for brand, day, spike in spikes
    ]


def explain_spike(
    store: Store,
    brand: str,
    day: str,
    spike: Spike,
    rules: Brand | None = None,
    zone: tzinfo = timezone.utc,
) -> SpikeNote:
    """The sources, authors and words of the mentions behind a spike, with a few links.

    For a negative spike, the negative mentions of the day; for a volume spike, all of them.
    The brand's own terms are left out of the words: they are in every mention.
    """
    first = date.fromisoformat(day)
    filters = MentionFilter(
        brands=(brand,),
        since=day_start(first, zone),
        until=day_start(first + timedelta(days=1), zone),
        tones=("negative",) if spike.kind == "negative" else (),
    )
    sources = store.breakdown("source", filters, limit=SPIKE_TOP)
    authors = store.breakdown("author", filters, limit=SPIKE_TOP, skip_empty=True)
    rows = list(store.iter_mentions(filters, limit=500))
    return SpikeNote(
        brand=brand,
        day=day,
        spike=spike,
        sources=tuple((row["value"], row["mentions"]) for row in sources),
        authors=tuple((row["value"], row["mentions"]) for row in authors),
        words=tuple(top_words(rows, rules)),
        links=tuple(row["url"] for row in rows[:SPIKE_LINKS]),
    )


def top_words(rows: Sequence[dict[str, Any]], rules: Brand | None) -> list[tuple[str, int]]:
    """The words most of the mentions share, each counted once per mention (accents and case
    aside), stop words and the brand's own terms left out; ties in alphabetical order."""
    brand_words = {
        word
        for term in ((rules.name, *rules.terms) if rules else ())
        for word in _WORD.findall(fold(term))
    }
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for row in rows:
        text = clean_text(f"{row.get('title') or ''} {row.get('snippet') or ''}").lower()
        words: dict[str, str] = {}
        for word in _WORD.findall(text):
            word = word.strip("'’-")
            words.setdefault(fold(word), word)
        for key, word in words.items():
            if len(key) > 2 and key not in STOPWORDS and key not in brand_words:
                counts[key] += 1
                shown.setdefault(key, word)
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [(shown[key], n) for key, n in ranked[:SPIKE_WORDS] if n > 1]


def build_digest(
    alert: Alert,
    counts: Sequence[dict[str, Any]],
    mentions: Sequence[dict[str, Any]],
    spikes: Sequence[SpikeNote] = (),
    zone: tzinfo = timezone.utc,
) -> Digest:
    """The title and plain-text body of one delivery: counts per brand and tone, spikes
    explained, then the mentions (dated in `zone`), those that need attention first, up to
    `alert.limit`."""
    total = sum(row["mentions"] for row in counts)
    attention = sum(row["attention"] or 0 for row in counts)
    brands = list(dict.fromkeys(row["brand"] for row in counts))
    lines: list[str] = []
    if counts:
        lines.append(_count_heading(alert, total))
        for brand in brands:
            by_tone = {row["tone"]: row["mentions"] for row in counts if row["brand"] == brand}
            tones = ", ".join(f"{by_tone[t]} {t}" for t in reversed(TONES) if by_tone.get(t))
            lines.append(f"  {_plain(brand)}: {sum(by_tone.values())} ({tones})")
    for note in spikes:
        lines += ["", *_spike_lines(note)]
    urgent = [row for row in mentions if row["urgency"] < 3]
    others = [row for row in mentions if row["urgency"] >= 3]
    for heading, rows in (("Needs attention", urgent), ("Other new mentions", others)):
        if rows:
            lines += ["", f"{heading}:"]
            for row in rows:
                lines += _mention_lines(row, zone)
    if total > len(mentions):
        lines += ["", f"… and {total - len(mentions)} more (veille inbox)"]
    return Digest(_title(alert, total, attention, brands, spikes), "\n".join(lines).strip())


def _count_heading(alert: Alert, total: int) -> str:
    if "new" in alert.on:
        return f"{_plural(total, 'new mention')} by brand and tone:"
    return f"{_plural(total, 'mention')} needing attention, by brand and tone:"


def _title(
    alert: Alert, total: int, attention: int, brands: list[str], spikes: Sequence[SpikeNote]
) -> str:
    parts = [
        f"{'negative' if n.spike.kind == 'negative' else 'mention'} spike for {_plain(n.brand)}"
        for n in spikes
    ]
    if total:
        named = ", ".join(_plain(b) for b in brands[:3]) + (
            f" +{len(brands) - 3}" if len(brands) > 3 else ""
        )
        if "new" in alert.on:
            part = f"{_plural(total, 'new mention')} of {named}"
            parts.append(part + (f" ({attention} need attention)" if attention else ""))
        else:
            parts.append(f"{_plural(total, 'mention')} of {named} need attention")
    return "veille: " + " · ".join(dict.fromkeys(parts))


def _spike_lines(note: SpikeNote) -> list[str]:
    spike = note.spike
    brand = _plain(note.brand)
    if spike.kind == "negative":
        lines = [
            f"Negative spike: {brand} on {note.day}: {spike.negative} of {spike.mentions} "
            f"mentions negative ({spike.value:.0%}), usually {spike.baseline:.0%} "
            f"(alert above {spike.threshold:.0%})."
        ]
        what = "negative mentions"
    else:
        lines = [
            f"Mention spike: {brand} on {note.day}: {spike.mentions} mentions, usually "
            f"{spike.baseline:.1f} a day (alert above {spike.threshold:.1f})."
        ]
        what = "mentions"
    for label, pairs in (("Sources", note.sources), ("Authors", note.authors)):
        if pairs:
            lines.append(f"  {label}: " + ", ".join(f"{_plain(v)} ({n})" for v, n in pairs))
    if note.words:
        lines.append("  Words: " + ", ".join(f"{_plain(w)} ({n})" for w, n in note.words))
    if note.links:
        lines.append(f"  Some of the {what}:")
        lines += [f"  {_plain(link)}" for link in note.links]
    return lines


def _mention_lines(row: dict[str, Any], zone: tzinfo) -> list[str]:
    why = " ".join((row.get("flags") or "").split()) or row.get("tone") or ""
    head = " · ".join(
        part
        for part in (
            f"[{why}]" if row["urgency"] < 3 else "",
            _plain(row.get("brand")),
            _plain(row.get("source")),
            _plain(row.get("author")) or "unknown author",
            show_time(row.get("published_at") or row.get("found_at") or "", zone)[:10],
        )
        if part
    )
    lines = [f"- {head}"]
    title = _plain(row.get("title"))
    if title:
        lines.append(f"  {shorten(title, 160)}")
    snippet = _plain(row.get("snippet"))
    if title and snippet.startswith(title):
        # A snippet near the start of an item opens with its title, already shown above.
        snippet = snippet[len(title) :].strip()
    if snippet:
        lines.append(f"  {shorten(snippet, SNIPPET_WIDTH)}")
    lines.append(f"  {_plain(row.get('url'))}")
    return lines


def _plain(value: Any) -> str:
    """Web text made safe for a message: one line, no control or escape characters."""
    return clean_text(str(value)) if value is not None else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe_alert_urls(alert: Alert) -> list[str]:
    """The alert's URLs as they may be shown (no secrets)."""
    return [describe_url(url) for url in alert.urls]
