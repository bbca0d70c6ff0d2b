"""Each source's health, from its `sources` row, and what the user should do about it.

Pure: takes the configured sources and the stored rows, returns plain dicts, most troubled
first — failing sources, then moved and gone ones, then the rest by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from veille.models import Source

FAILING_AFTER = 3  # consecutive failures before a source is called failing, not unlucky
# Successful sweeps in a row that yielded no item before a source is called empty: one can be
# a quiet day, three are a forum whose markup changed or a search nobody can match.
EMPTY_AFTER = 3
_CHECK = {
    "forum": "its engine or selectors",
    "blog": "its address and what the page holds",
    "search": "its terms and provider",
}


def source_health(
    configured: Iterable[Source] | None, rows: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One entry per source, configured or stored, with a `state` and an `advice`.

    `configured` is None when no sources.yaml was found: the stored sources are then judged
    on their own rows, since nothing says whether any config still holds them (a demo
    database, one copied from another machine). A stored source that the config found does
    not hold is `stored`, not removed: the database cannot tell whether it ever held it."""
    stored = {row["name"]: dict(row) for row in rows}
    sources = list(configured) if configured is not None else []
    names = [source.name for source in sources]
    entries = []
    for name in dict.fromkeys([*names, *stored]):
        row = stored.get(name, {"name": name})
        source = next((s for s in sources if s.name == name), None)
        state, advice = _judge(row, configured=source is not None or configured is None)
        entries.append(
            {
                "name": name,
                "type": row.get("type") or (source.type if source else None),
                "url": row.get("url") or (source.url if source else None),
                "last_fetch_at": row.get("last_fetch_at"),
                "last_status": row.get("last_status"),
                "last_error": row.get("last_error"),
                "failures": row.get("failures") or 0,
                "items_seen": row.get("items_seen") or 0,
                "empty_sweeps": row.get("empty_sweeps") or 0,
                "empty": state == "empty",
                "moved_to": row.get("moved_to"),
                "state": state,
                "advice": advice,
            }
        )
    order = {"failing": 0, "failed": 1, "gone": 2, "moved": 3, "empty": 3, "stored": 5, "never": 6}
    return sorted(entries, key=lambda e: (order.get(e["state"], 4), -e["failures"], e["name"]))


def _judge(row: Mapping[str, Any], *, configured: bool) -> tuple[str, str]:
    name = row["name"]
    if not configured:
        return "stored", "not in sources.yaml, so `veille scan` skips it; its mentions stay"
    if not row.get("last_fetch_at"):
        return "never", "not fetched yet: run `veille scan`"
    if row.get("last_status") == 410:
        return "gone", "the site says it is gone for good: remove it from sources.yaml"
    failures = row.get("failures") or 0
    if row.get("last_error"):
        if failures >= FAILING_AFTER:
            return "failing", (
                f"failed {failures} sweeps in a row: check it with `veille preview {name!r}`"
            )
        return "failed", "failed last sweep; veille tries again at the next one"
    if row.get("moved_to"):
        return "moved", f"moved permanently: set its url to {row['moved_to']} in sources.yaml"
    advice = empty_advice(
        name, row.get("type"), row.get("empty_sweeps") or 0, row.get("empty_reason")
    )
    if advice:
        return "empty", advice
    return "ok", ""


def empty_advice(name: str, source_type: str | None, sweeps: int, reason: str | None) -> str:
    """What to tell about a source read without error that yielded no item `sweeps` times in
    a row (`reason`: what the extraction saw, when it can say), or "" while that is normal."""
    if sweeps < 1 or (sweeps < EMPTY_AFTER and not reason):
        return ""
    what = reason or f"no item in {sweeps} sweeps in a row"
    check = _CHECK.get(source_type or "", "the feed's address")
    return f"{what}: check {check} with `veille preview {name!r}`"
