"""The mention columns, and the SQL that selects mentions: listing filters and urgency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MENTION_COLUMNS = (
    "id brand source source_type domain url title author published_at found_at snippet text "
    "matched lang tone tone_score flags status note origin"
).split()
DATE_COLUMN = "mentioned_at"  # generated: published_at, else found_at

# A mention's tone correction joined to a listing of `mentions` (named `alias` in the query):
# `label` (the corrected tone) and the engine's first judgement, NULL for a mention never
# corrected. The subquery renames the columns `labels` shares with `mentions` away, so that
# the filters' unqualified `id`, `flags` and `lang` still name the mention's; the join is
# one probe of the unique index on `mention_id` per row and leaves the listing's plan as is.
LABEL_COLUMNS = "corrections.label, judged_tone, judged_score, judged_flags"


def label_join(alias: str) -> str:
    return (
        "LEFT JOIN (SELECT mention_id AS corrected_id, label, judged_tone, judged_score, "
        f"judged_flags FROM labels) AS corrections ON corrections.corrected_id = {alias}.id"
    )


def with_judged(row: dict[str, Any]) -> dict[str, Any]:
    """A listed row whose `judged_*` columns become `judged`: the engine's own tone, score
    and flags for a corrected mention (`label` set), None for one never corrected."""
    tone, score, flags = row.pop("judged_tone"), row.pop("judged_score"), row.pop("judged_flags")
    row["judged"] = (
        None if row.get("label") is None else {"tone": tone, "score": score, "flags": flags}
    )
    return row


def has_flag(flag: str) -> str:
    return f"(' ' || flags || ' ') LIKE '% {flag} %'"


# 0: someone asks or complains, and waits for an answer; 1: an insult to moderate;
# 2: any other negative mention; 3: nothing to do.
INBOX_URGENCY = (
    f"CASE WHEN {has_flag('question')} OR {has_flag('complaint')} THEN 0 "
    f"WHEN {has_flag('insult')} THEN 1 WHEN tone = 'negative' THEN 2 ELSE 3 END"
)

# A mention that needs a human (the inbox's definition): untriaged and urgent.
ATTENTION = f"(status = 'new' AND ({INBOX_URGENCY}) < 3)"


def by_date(filters: MentionFilter) -> str:
    """Make a period's aggregate read the date index alone, which covers every column it
    groups on; with a wide period the planner would rather scan another index and read the
    table for each row, several times slower."""
    return "INDEXED BY idx_mentions_date" if filters.since else ""


@dataclass(frozen=True)
class MentionFilter:
    """Filters shared by every listing command; empty means "no constraint"."""

    brands: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    tones: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    labelled: bool = False  # only mentions whose tone was corrected by hand

    def where(self) -> tuple[str, list[Any]]:
        """SQL condition and parameters selecting the matching mentions."""
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("brand", self.brands),
            ("source", self.sources),
            ("tone", self.tones),
            ("status", self.statuses),
            ("lang", self.langs),
        ):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        for flag in self.flags:
            clauses.append("(' ' || flags || ' ') LIKE ?")
            params.append(f"% {flag} %")
        if self.labelled:
            # `id` unqualified names the listed mention's: inside the subquery it would be
            # the label's own.
            clauses.append("id IN (SELECT mention_id FROM labels)")
        if self.since:
            clauses.append(f"{DATE_COLUMN} >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{DATE_COLUMN} < ?")
            params.append(self.until)
        return (" AND ".join(clauses) or "1"), params
