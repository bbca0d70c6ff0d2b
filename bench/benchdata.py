"""Random mentions for the benchmarks that need a filled database (report, start-up)."""

from __future__ import annotations

import random

from veille.models import Mention

TONES = ["positive", "neutral", "negative"]
WORDS = "vélo livraison service client batterie prix magasin commande retard super nul".split()


def random_mention(
    n: int,
    stamp: str,
    *,
    brand: str,
    source: int,
    site: int,
    source_type: str = "rss",
    authors: int = 500,
    statuses: tuple[str, ...] = ("new", "new", "handled"),
) -> Mention:
    """Mention number `n`, dated `stamp`, of `brand` on `Source {source}` (site `site`), with
    twelve random words, a tone weighted as real sweeps give them, and sometimes a flag."""
    words = " ".join(random.choices(WORDS, k=12))
    return Mention(
        brand=brand,
        source=f"Source {source}",
        source_type=source_type,
        domain=f"site{site}.example",
        url=f"https://site{site}.example/{n}",
        title=f"Item {n} {words[:40]}",
        author=f"author{random.randrange(authors)}",
        published_at=stamp,
        found_at=stamp,
        snippet=words,
        text=words,
        matched="Acme",
        lang=random.choice(["fr", "en"]),
        tone=random.choices(TONES, weights=[3, 5, 2])[0],
        tone_score=0.0,
        flags=random.choice(["", "", "", "question", "complaint"]),
        status=random.choice(statuses),
    )
