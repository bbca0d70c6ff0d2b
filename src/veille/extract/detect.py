"""Which forum engine made a page: its generator meta, else markup only that engine prints."""

from __future__ import annotations

import re

_GENERATOR = re.compile(
    r"<meta[^>]{0,200}?name\s*=\s*[\"']generator[\"'][^>]{0,200}?content\s*=\s*[\"']([^\"']{1,200})"
    r"|<meta[^>]{0,200}?content\s*=\s*[\"']([^\"']{1,200})[\"'][^>]{0,200}?name\s*=\s*[\"']generator",
    re.IGNORECASE,
)
_GENERATOR_NAMES = (
    ("discourse", "discourse"),
    ("phpbb", "phpbb"),
    ("xenforo", "xenforo"),
    ("vbulletin", "vbulletin"),
    ("invision", "invision"),
    ("ips community", "invision"),
    ("flarum", "flarum"),
    ("nodebb", "nodebb"),
    ("vanilla", "vanilla"),
    ("mybb", "mybb"),
    ("bbpress", "bbpress"),
    ("simple machines", "smf"),
    ("smf", "smf"),
    ("fluxbb", "fluxbb"),
    ("punbb", "punbb"),
    ("forumotion", "forumotion"),
)
# Markup that only one engine prints, strongest first.
_SIGNATURES_BY_ENGINE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "reddit",
        re.compile(
            r"<shreddit-(?:post|comment)\b|class=\"[^\"]*\bthing\b[^\"]*\"[^>]*"
            r"data-(?:fullname|type)=|<div[^>]+data-subreddit=",
            re.I,
        ),
    ),
    (
        "discourse",
        re.compile(
            r"crawler-post|data-discourse-|discourse-cdn|"
            r"<article[^>]+data-post-id=",
            re.I,
        ),
    ),
    (
        "xenforo",
        re.compile(
            r"data-xf-init|message--post|\bXF\.config|xenforo|<html[^>]+id=\"XF\"|structItem--thread",
            re.I,
        ),
    ),
    ("invision", re.compile(r"ipsComment|data-ipsquote|\bcPost\b|ips4|invisioncommunity", re.I)),
    ("flarum", re.compile(r"flarum-loading|flarum-content|PostStream-item|\bflarum\b", re.I)),
    ("vbulletin", re.compile(r"vbulletin|postcontainer|\bb-post\b|vb_login", re.I)),
    ("phpbb", re.compile(r"viewtopic\.php|class=\"postprofile\"|phpbb|prosilver", re.I)),
    ("nodebb", re.compile(r"component=\"post\"|nodebb", re.I)),
    ("vanilla", re.compile(r"ItemComment|vanilla", re.I)),
    ("mybb", re.compile(r"mybb|class=\"post_author", re.I)),
    ("bbpress", re.compile(r"bbp-reply|bbpress", re.I)),
    ("forumotion", re.compile(r"forumotion|forumactif|forumieren|illiweb\.com", re.I)),
    ("smf", re.compile(r"Simple Machines|smf_", re.I)),
)


def detect_engine(html: bytes | str) -> str | None:
    """The forum engine a page was made by, from its generator meta or its markup."""
    if isinstance(html, bytes):
        html = html[:3_000_000].decode("utf-8", errors="replace")
    else:
        html = html[:3_000_000]
    for found in _GENERATOR.finditer(html[:200_000]):
        content = (found.group(1) or found.group(2) or "").lower()
        for needle, engine in _GENERATOR_NAMES:
            if needle in content:
                return engine
    best: tuple[int, int, str] | None = None
    for rank, (engine, pattern) in enumerate(_SIGNATURES_BY_ENGINE):
        count = sum(1 for _ in zip(range(50), pattern.finditer(html), strict=False))
        if count and (best is None or (count, -rank) > (best[0], best[1])):
            best = (count, -rank, engine)
    if best is None:
        return None
    return best[2]
