"""Generate feeds of every format with a known ground truth of mentions.

Shared by the sweep tests and `bench/scan_bench.py`: each generated item's expected
(brand, canonical url) mentions are known, so a sweep can be compared item by item.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html import escape

FORMATS = ("rss2", "atom", "rss1", "jsonfeed")

BRANDS_CONFIG = [
    {"name": "Acme", "terms": ["Acme", "Acme Corp", "#acme"], "exclude": ["Acme anvil"]},
    {"name": "Décathlon", "terms": ["Décathlon"]},
    {"name": "Rocket", "terms": ["Rocket"], "require_any": ["running", "course"]},
    {"name": "Globex", "terms": ["Globex"], "domains": ["globex.com"], "competitor": True},
]

# (title, body, links, brands expected) — each names the rule it exercises.
TEMPLATES: list[tuple[str, str, tuple[str, ...], frozenset[str]]] = [
    ("J'adore mes chaussures Acme", "Confortables et légères.", (), frozenset({"Acme"})),
    ("Great day at DECATHLON", "Bought a tent, staff were helpful.", (), frozenset({"Décathlon"})),
    ("Soldes chez décathlon", "Les prix baissent à Lyon.", (), frozenset({"Décathlon"})),
    ("pharmacme pills", "A pharmacy chain, not our brand.", (), frozenset()),
    ("the Acme anvil fell", "Cartoon physics, again with Acme.", (), frozenset()),
    ("Rocket running shoes review", "Light and fast.", (), frozenset({"Rocket"})),
    ("Rocket launch tonight", "The rocket lifts off at 9.", (), frozenset()),
    ("Our partner", "Details.", ("https://shop.globex.com/p/1",), frozenset({"Globex"})),
    ("Acme\n  Corp et Globex s'affrontent", "Duel au sommet.", (), frozenset({"Acme", "Globex"})),
    ("#acme trending", "Everyone talks about it.", (), frozenset({"Acme"})),
    ("nothing here", "A quiet day on the forum.", (), frozenset()),
    ("acmes everywhere", "Plural is not the brand.", (), frozenset()),
    ("Décathlon vs #Acme", "Lequel choisir pour la course ?", (), frozenset({"Décathlon", "Acme"})),
    ("Nouvelle paire Rocket", "Idéale pour la course à pied.", (), frozenset({"Rocket"})),
    ("Un lien", "Voir notglobex.com.", ("https://notglobex.com/x",), frozenset()),
]  # fmt: skip

AUTHORS = ["Marie Dupont", "jdoe", "Zoé L.", "Karim", "@runner42", "Léa"]


@dataclass
class GeneratedFeed:
    path: str
    fmt: str
    body: bytes
    content_type: str
    etag: str
    expected: set[tuple[str, str]] = field(default_factory=set)


def _item_url(base: str, feed: int, item: int) -> tuple[str, str]:
    raw = f"{base}/news/{feed}/{item}?utm_source=rss&id={item}"
    canonical = f"{base}/news/{feed}/{item}?id={item}"
    return raw, canonical


def generate_feeds(
    count: int, items_per_feed: int, base: str, start: datetime | None = None
) -> list[GeneratedFeed]:
    """`count` feeds cycling through the four formats, with ground truth."""
    start = start or datetime(2026, 11, 1, tzinfo=timezone.utc)
    feeds = []
    for number in range(count):
        fmt = FORMATS[number % len(FORMATS)]
        items = []
        expected: set[tuple[str, str]] = set()
        for index in range(items_per_feed):
            title, body, links, brands = TEMPLATES[(number * 7 + index) % len(TEMPLATES)]
            raw_url, canonical = _item_url(base, number, index)
            html = f"<p>{escape(body)}</p>" + "".join(
                f' <a href="{escape(link)}">lien</a>' for link in links
            )
            items.append(
                {
                    "title": f"{title} ({number}-{index})",
                    "url": raw_url,
                    "html": html,
                    "author": AUTHORS[(number + index) % len(AUTHORS)],
                    "date": start + timedelta(hours=number + index),
                }
            )
            expected |= {(brand, canonical) for brand in brands}
        body_bytes, content_type = RENDERERS[fmt](number, base, items)
        etag = '"' + hashlib.sha1(body_bytes).hexdigest()[:16] + '"'
        path = f"/feeds/{number}.{'json' if fmt == 'jsonfeed' else 'xml'}"
        feeds.append(GeneratedFeed(path, fmt, body_bytes, content_type, etag, expected))
    return feeds


def _rss2(number: int, base: str, items: list[dict]) -> tuple[bytes, str]:
    entries = "".join(
        f"<item><title>{escape(i['title'])}</title><link>{escape(i['url'])}</link>"
        f"<guid>{escape(i['url'])}</guid><dc:creator>{escape(i['author'])}</dc:creator>"
        f"<pubDate>{format_datetime(i['date'])}</pubDate>"
        f"<description>{escape(i['html'])}</description></item>"
        for i in items
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Feed {number}</title><link>{base}/</link><description>d</description>"
        f"{entries}</channel></rss>"
    )
    return xml.encode(), "application/rss+xml; charset=utf-8"


def _atom(number: int, base: str, items: list[dict]) -> tuple[bytes, str]:
    entries = "".join(
        f"<entry><title>{escape(i['title'])}</title>"
        f'<link rel="alternate" href="{escape(i["url"])}"/><id>{escape(i["url"])}</id>'
        f"<updated>{i['date'].isoformat()}</updated>"
        f"<author><name>{escape(i['author'])}</name></author>"
        f'<summary type="html">{escape(i["html"])}</summary></entry>'
        for i in items
    )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Feed {number}</title><id>{base}/feeds/{number}</id>"
        f"<updated>2026-11-01T00:00:00Z</updated>{entries}</feed>"
    )
    return xml.encode(), "application/atom+xml"


def _rss1(number: int, base: str, items: list[dict]) -> tuple[bytes, str]:
    seq = "".join(f'<rdf:li rdf:resource="{escape(i["url"])}"/>' for i in items)
    entries = "".join(
        f'<item rdf:about="{escape(i["url"])}"><title>{escape(i["title"])}</title>'
        f"<link>{escape(i['url'])}</link><description>{escape(i['html'])}</description>"
        f"<dc:creator>{escape(i['author'])}</dc:creator>"
        f"<dc:date>{i['date'].isoformat()}</dc:date></item>"
        for i in items
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="{base}/feeds/{number}"><title>Feed {number}</title>'
        f"<link>{base}/</link><description>d</description>"
        f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>{entries}</rdf:RDF>"
    )
    return xml.encode(), "application/rdf+xml"


def _jsonfeed(number: int, base: str, items: list[dict]) -> tuple[bytes, str]:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"Feed {number}",
        "items": [
            {
                "id": i["url"],
                "url": i["url"],
                "title": i["title"],
                "content_html": i["html"],
                "authors": [{"name": i["author"]}],
                "date_published": i["date"].isoformat(),
            }
            for i in items
        ],
    }
    return json.dumps(document, ensure_ascii=False).encode(), "application/feed+json"


def splice(old: GeneratedFeed, new: GeneratedFeed, keep: int) -> bytes:
    """A body with the first `keep` items of `old` and the rest from `new`."""
    if old.fmt == "jsonfeed":
        document = json.loads(old.body)
        document["items"] = document["items"][:keep] + json.loads(new.body)["items"][keep:]
        return json.dumps(document, ensure_ascii=False).encode()
    tag = {"rss2": b"<item>", "rss1": b"<item ", "atom": b"<entry>"}[old.fmt]
    old_parts, new_parts = old.body.split(tag), new.body.split(tag)
    items = old_parts[1 : keep + 1] + new_parts[keep + 1 :]
    last = items[-1]
    close = {"rss2": b"</item>", "rss1": b"</item>", "atom": b"</entry>"}[old.fmt]
    tail = old_parts[-1][old_parts[-1].rindex(close) + len(close) :]
    items[-1] = last[: last.rindex(close) + len(close)] + tail
    return old_parts[0] + tag + tag.join(items)


RENDERERS = {"rss2": _rss2, "atom": _atom, "rss1": _rss1, "jsonfeed": _jsonfeed}
