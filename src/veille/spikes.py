"""Unusual days: when a brand's daily mentions, or their negative share, jump clearly above
their recent level.

The rules (pure, shared by `veille report` and the spike alerts, so both name the same days):

**Volume.** The baseline m of a day is the larger of

- the brand's mean count over the BASELINE_DAYS (7) days before it, and
- its mean count on the same weekday over the SEASON_WEEKS (4) previous weeks available,

and the day is a spike when  count >= MIN_SPIKE_COUNT (5)  and  count > m + 3·√max(m, 1).

Mentions of a brand on a day behave roughly like a Poisson count, whose standard deviation is
the square root of its mean: three of them above the mean is rare by chance (well under 1%),
while the floor of MIN_SPIKE_COUNT keeps a quiet brand going from 1 to 3 mentions from being
called a crisis. Taking the larger of the two means keeps a weekly rhythm (a brand talked
about three times as much every weekend) from firing every weekend, while a jump on an
ordinary weekday is still measured against the ordinary week.

**Negative share.** With n mentions on the day, k of them negative, and the baseline share
p = (negatives + 1) / (mentions + 5) over the BASELINE_DAYS days before (a prior of one in
five, so that a thin or spotless history does not make p zero), the day is a spike when

    k >= MIN_NEGATIVE_COUNT (5)  and  k/n >= p + MIN_SHARE_JUMP (0.25)
    and  k > n·p + 3·√(n·p·(1 − p))

the binomial counterpart of the volume rule, plus a jump large enough to matter.

**History.** A day is judged only when the brand was mentioned at least BASELINE_DAYS days
before it: a brand just added (or a new database) has no baseline yet, and its first busy
day would otherwise always look like a spike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

BASELINE_DAYS = 7
SEASON_WEEKS = 4
HISTORY_DAYS = 7 * SEASON_WEEKS  # days read before the first day judged
MIN_SPIKE_COUNT = 5
MIN_NEGATIVE_COUNT = 5
MIN_SHARE_JUMP = 0.25
SPIKE_RULE = (
    f"a day with {MIN_SPIKE_COUNT}+ mentions, above the mean m of the {BASELINE_DAYS} days "
    "before (or of the same weekday in the previous weeks, if higher) by over 3·√m; "
    f"or with {MIN_NEGATIVE_COUNT}+ negative mentions whose share beats the share of the "
    f"{BASELINE_DAYS} days before by {MIN_SHARE_JUMP:.0%} and by 3 binomial deviations; "
    f"judged once a brand has {BASELINE_DAYS} days of history"
)

SpikeKind = Literal["volume", "negative"]


@dataclass(frozen=True)
class Spike:
    """One spike: which day of the series, what fired, and the numbers that made it fire."""

    index: int
    kind: SpikeKind
    value: float  # the day's count (volume) or negative share (negative)
    baseline: float  # the usual count, or the usual negative share
    threshold: float  # what the value had to exceed
    mentions: int
    negative: int


def spike_threshold(baseline: float) -> float:
    """The count a day must exceed, given its baseline."""
    return max(MIN_SPIKE_COUNT - 0.5, baseline + 3 * math.sqrt(max(baseline, 1.0)))


def volume_baseline(counts: Sequence[int], index: int, known_from: int = 0) -> float:
    """The usual count of day `index`: see the module docstring. Same weekdays before
    `known_from` (the brand's first mention) are not history, so they do not count."""
    window = counts[max(0, index - BASELINE_DAYS) : index]
    recent = sum(window) / BASELINE_DAYS if window else 0.0
    same_weekday = [
        counts[index - 7 * week]
        for week in range(1, SEASON_WEEKS + 1)
        if index - 7 * week >= known_from
    ]
    seasonal = sum(same_weekday) / len(same_weekday) if same_weekday else 0.0
    return max(recent, seasonal)


def negative_baseline(counts: Sequence[int], negatives: Sequence[int], index: int) -> float:
    """The usual negative share before day `index`, with a prior of one in five."""
    start = max(0, index - BASELINE_DAYS)
    return (sum(negatives[start:index]) + 1) / (sum(counts[start:index]) + 5)


def negative_threshold(mentions: int, share: float) -> float:
    """The negative count a day of `mentions` must exceed, given the usual share."""
    binomial = mentions * share + 3 * math.sqrt(mentions * share * (1 - share))
    jump = math.ceil((share + MIN_SHARE_JUMP) * mentions - 1e-9) - 0.5
    return max(MIN_NEGATIVE_COUNT - 0.5, binomial, jump)


def find_spikes(
    counts: Sequence[int], negatives: Sequence[int] | None = None, first: int = BASELINE_DAYS
) -> list[Spike]:
    """Spikes of the days from `first` on, oldest first (volume before negative on a day).

    `counts` (and `negatives`, the negative mentions of the same days) hold consecutive days,
    oldest first; the days before `first` only serve as baseline.
    """
    spikes = []
    known_from = next((index for index, count in enumerate(counts) if count), len(counts))
    for index in range(max(first, known_from + BASELINE_DAYS), len(counts)):
        count = counts[index]
        negative = negatives[index] if negatives is not None else 0
        baseline = volume_baseline(counts, index, known_from)
        threshold = spike_threshold(baseline)
        if count > threshold:
            spikes.append(Spike(index, "volume", count, baseline, threshold, count, negative))
        if negatives is not None and count:
            share = negative_baseline(counts, negatives, index)
            needed = negative_threshold(count, share)
            if negative > needed:
                spikes.append(
                    Spike(
                        index, "negative", negative / count, share, needed / count, count, negative
                    )
                )
    return spikes
