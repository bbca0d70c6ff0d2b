"""Search feeds: each brand's terms turned into the feed URLs of search providers.

A `search` source names providers; every term of every brand being swept becomes one query
per provider. Templates take `{query}` (the term, URL-encoded, quoted when it has several
words) or `{tag}` (the term as a hashtag: letters and digits only). `settings.search_urls`
overrides any template, to pick another Mastodon instance, another Google News edition, or
(in tests) a loopback server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus

from veille.models import Brand

SEARCH_URLS: dict[str, str] = {
    "bing_news": "https://www.bing.com/news/search?q={query}&format=rss",
    "google_news": "https://news.google.com/rss/search?q={query}&hl=fr&gl=FR&ceid=FR:fr",
    "hackernews": "https://hnrss.org/newest?q={query}",
    "mastodon": "https://mastodon.social/tags/{tag}.rss",
    "reddit": "https://www.reddit.com/search.rss?q={query}&sort=new",
}
_NOT_TAG = re.compile(r"[^\w]", re.UNICODE)


def search_queries(brands: Iterable[Brand]) -> list[str]:
    """The distinct search words of the brands: `#acme` and `@acme` are searched as `acme`."""
    queries: dict[str, str] = {}
    for brand in brands:
        for term in brand.terms:
            query = term.strip().lstrip("#@").strip()
            if query:
                queries.setdefault(query.casefold(), query)
    return list(queries.values())


def search_feed_urls(
    providers: Iterable[str], brands: Iterable[Brand], overrides: Mapping[str, str] = {}
) -> list[str]:
    """Every provider × query feed URL, in a stable order, without repeats."""
    templates = {**SEARCH_URLS, **overrides}
    queries = search_queries(brands)
    urls: dict[str, None] = {}
    for provider in providers:
        template = templates[provider]
        for query in queries:
            if "{tag}" in template:
                tag = _NOT_TAG.sub("", query)
                if tag:
                    urls[template.replace("{tag}", quote_plus(tag))] = None
            else:
                quoted = f'"{query}"' if " " in query else query
                urls[template.replace("{query}", quote_plus(quoted))] = None
    return list(urls)
