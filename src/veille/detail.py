"""One mention in full, for `veille show`: what the store keeps, and why its tone.

The tone stored with a mention was decided at the sweep that found it, perhaps by an older
engine or by a configured one. Its explanation is made again here, by today's built-in
engine on the same window (the brand's sentence and its neighbours in the item's title and
text, as the sweep saw them), then by the layer `veille tone train` stored in the database
when there is one, as a sweep would judge it today; when today's judgement differs from the
stored one, both are kept so that the view can say the explanation is today's.

A mention whose tone was corrected by hand (`veille label`) holds the correction; the
engine's own judgement is kept beside it (`judged`), and that is what the explanation is
compared with: the explanation says why the engine judged as it did, not why the correction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from veille.errors import StoreError
from veille.match import searchable_text
from veille.models import Item, Tone
from veille.store import Store
from veille.tone import Explanation, explain_around, stored_layer


@dataclass(frozen=True)
class MentionDetail:
    """A stored mention (its row, item text included) and today's explanation of its tone."""

    row: dict[str, Any]
    today: Tone
    explanation: Explanation

    @property
    def engine_judgement(self) -> tuple[str | None, float | None]:
        """The tone and score the engine stored: those of the row, or for a corrected
        mention those kept beside the correction."""
        judged = self.row.get("judged")
        if judged:
            return judged["tone"], judged["score"]
        return self.row.get("tone"), self.row.get("tone_score")

    @property
    def judged_alike(self) -> bool:
        """Whether today's engine gives the tone and score the engine stored."""
        tone, score = self.engine_judgement
        return tone == self.today.tone and (
            score is None or round(float(score), 3) == self.today.score
        )

    def as_dict(self) -> dict[str, Any]:
        """The row as `--json` prints it: stored fields (with `label` and `judged`), and
        `explain` from today's engine (`same_as_stored`: it judges as the engine did)."""
        explain = self.explanation.as_dict()
        explain["same_as_stored"] = self.judged_alike
        return {**self.row, "explain": explain}


def mention_detail(
    store: Store, mention_id: int, *, with_layer: bool = True
) -> MentionDetail | None:
    """The mention with this id and its explanation; None when there is none.

    `with_layer`: judge with the trained layer when the database holds one (as a sweep with
    the built-in engine does); a layer that cannot be read is left out here, since the
    mention itself is still worth showing (`veille tone` and sweeps say it is damaged)."""
    row = store.mention(mention_id)
    if row is None:
        return None
    # A mention whose item has no text (a title-only entry) shows and is judged on its
    # snippet, which already holds the title when the brand was found there.
    title = (row["title"] or "") if row["text"] else ""
    row["text"] = row["text"] or row["snippet"] or ""
    text = searchable_text(Item(key="", url=row["url"], title=title, text=row["text"]))
    start, end = _place(text, row["matched"] or "", len(title) + 1 if title else 0)
    trained = store.tone_model() if with_layer else None
    try:
        layer = stored_layer(trained[0], store.path) if trained is not None else None
    except StoreError:
        layer = None
    today, explanation = explain_around(text, start, end, layer=layer)
    return MentionDetail(row=row, today=today, explanation=explanation)


def _place(text: str, matched: str, body_start: int) -> tuple[int, int]:
    """Where the sweep found `matched` in `text`: its first place in the body, else in the
    title (as `match.find_mentions` prefers), else the start (a mention found by one of
    its links, whose `matched` is the link)."""
    words = matched.split()
    if not words:
        return 0, 0
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)
    found = pattern.search(text, min(body_start, len(text))) or pattern.search(text)
    return found.span() if found is not None else (0, 0)
