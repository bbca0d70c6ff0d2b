"""Unusual days: when a brand's daily mentions jump clearly above their recent level.

The rule (pure, shared by `veille report` and alerts):

    baseline = mean of the brand's counts on the BASELINE_DAYS days before the day
    a day is a spike when  count >= MIN_SPIKE_COUNT
                     and   count >  baseline + 3 * sqrt(max(baseline, 1))

Mentions of a brand on a day behave roughly like a Poisson count, whose standard deviation is
the square root of its mean: three of them above the mean is rare by chance (well under 1%),
while the floor of MIN_SPIKE_COUNT keeps a quiet brand going from 1 to 3 mentions from
being called a crisis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BASELINE_DAYS = 7
MIN_SPIKE_COUNT = 5
SPIKE_RULE = (
    f"a day with {MIN_SPIKE_COUNT}+ mentions, above the mean m of the {BASELINE_DAYS} days "
    "before by over 3·√m"
)


def spike_threshold(baseline: float) -> float:
    """The count a day must exceed, given the mean of the days before it."""
    return max(MIN_SPIKE_COUNT - 0.5, baseline + 3 * math.sqrt(max(baseline, 1.0)))


def spike_days(counts: Sequence[int], first: int = BASELINE_DAYS) -> list[int]:
    """Indexes (from `first` on) of the days in `counts` that are spikes.

    `counts` holds consecutive days, oldest first; the `first` days before the period being
    judged only serve as the first days' baseline.
    """
    spikes = []
    for index in range(first, len(counts)):
        window = counts[max(0, index - BASELINE_DAYS) : index]
        baseline = sum(window) / BASELINE_DAYS if window else 0.0
        if counts[index] > spike_threshold(baseline):
            spikes.append(index)
    return spikes
