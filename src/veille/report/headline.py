"""The report's first sentence, written from its figures: what a manager reads if nothing else.

"Mentions of Lumo up 170% on the week before, 58% negative; a spike on Friday 27 November:
8 mentions, 6 negative, on Forum Vélotaf." The brand spoken of is the busiest of the brands
asked for (`--brand`), else of the user's own brands, else of all; the spike is the period's
largest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veille.report.periods import before
from veille.text import clean_text
from veille.wording import Wording


def headline(figures: Mapping[str, Any], words: Wording) -> str:
    """One or two clauses about volume and tone, then the largest spike, as a sentence."""
    if not figures["summary"]["mentions"]:
        return words("headline_none")
    asked = set(figures.get("filters", {}).get("brands", ()))
    brands = [b for b in figures["brands"] if b["mentions"]]
    candidates = (
        [b for b in brands if b["brand"] in asked]
        or [b for b in brands if not b["competitor"]]
        or brands
    )
    subject = max(candidates, key=lambda b: b["mentions"])
    clauses = [_change(subject, before(figures, words), words)]
    if subject["negative_pct"]:
        clauses[0] += ", " + words("headline_negative", pct=words.percent(subject["negative_pct"]))
    spike = _largest_spike(figures)
    if spike is not None:
        day, detail = spike
        key = "headline_spike" if detail["brand"] == subject["brand"] else "headline_spike_brand"
        clauses.append(
            words(
                key,
                of_brand=words.of(clean_text(detail["brand"])),
                day=words.day(day, "long"),
                **spike_counts(detail, words),
            )
        )
    sentence = words("semicolon").join(clauses)
    return sentence[:1].upper() + sentence[1:] + "."


def _change(brand: Mapping[str, Any], before: str, words: Wording) -> str:
    now, then = brand["mentions"], brand["previous_mentions"]
    name = words.of(clean_text(brand["brand"]))
    if not then:
        return words(
            "headline_new", mentions=words.count("n_mentions", now), of_brand=name, before=before
        )
    change = round(100 * (now - then) / then)
    if change == 0:
        return words("headline_same", of_brand=name, before=before)
    key = "headline_up" if change > 0 else "headline_down"
    return words(key, of_brand=name, pct=words.percent(abs(change)), before=before)


def spike_counts(detail: Mapping[str, Any], words: Wording) -> dict[str, str]:
    """A spike's mentions, negatives and main source, as its sentences write them: no
    negative clause when there are none ("5 mentions, 0 negative" tells nothing)."""
    negative = detail["negative"]
    return {
        "mentions": words.count("n_mentions", detail["mentions"]),
        "negative": words("of_them", part=words.count("n_negative", negative)) if negative else "",
        "source": clean_text(detail["source"]) or words("unknown_source"),
    }


def _largest_spike(figures: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """The spike with the most mentions (the latest of equals), with its day."""
    spikes = [(day["date"], d) for day in figures["days"] for d in day.get("spike_details", [])]
    if not spikes:
        return None
    return max(spikes, key=lambda spike: (spike[1]["mentions"], spike[0]))
