"""Canonical URLs: the identity of a mention is (brand, canonical url).

Two links that a reader would call the same page must give the same string, so that a
rescan, a feed that adds tracking parameters, or a site that changes the case of its host
never creates a duplicate mention. The rules, in order:

1. scheme and host lower-cased, default ports dropped, an empty path becomes "/";
2. tracking parameters removed (`TRACKING_PARAMS`, and every `utm_*`), the rest kept in order
   (a parameter without a value written without `=`);
3. the fragment dropped, unless it names a post or comment (a forum post's own anchor: it
   holds a number, or starts with post/comment/reply…), since one thread page holds many
   posts that are each a mention.

Before all this, a redirect link of a known kind (a Google Alerts result, a Bing News click,
Reddit's `out` links, a mail scanner's safe link…) is replaced by the address it leads to,
when that address is written in the link itself: the mention is then credited to the site
that published it, and the same article found through another source is the same mention.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from urllib.parse import parse_qsl, quote_plus, unquote, urljoin, urlsplit, urlunsplit

# Grouped by vendor; sources: miniflux's urlcleaner list, ClearURLs' rules for the same
# vendors, and the parameters feeds from the corpus actually carry.
TRACKING_PARAMS = frozenset(
    {
        # Google (Analytics, Ads, DoubleClick)
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "_ga",
        "_gl",
        # Meta
        "fbclid",
        "igshid",
        "igsh",
        # Microsoft
        "msclkid",
        # Mailchimp
        "mc_cid",
        "mc_eid",
        # HubSpot
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        # Marketo
        "mkt_tok",
        # Yandex
        "yclid",
        "_openstat",
        # Twitter / X
        "twclid",
        "ref_src",
        "ref_url",
        # TikTok, LinkedIn, Matomo/Piwik
        "ttclid",
        "li_fat_id",
        "pk_campaign",
        "pk_kwd",
        "pk_source",
        "pk_medium",
        "mtm_campaign",
        "mtm_source",
        "mtm_medium",
        "mtm_keyword",
        "mtm_content",
        # Feed readers and newsletters
        "wt_mc",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "xtor",
        "ncid",
        "sr_share",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "cmpid",
    }
)

# A fragment naming a post or comment: it holds a number (`p123`, `post-4`, `elComment_9`,
# `msg2011`) or names one (`post_abc`). Section anchors (`#top`, `#comments`) do not.
_POST_ANCHOR = re.compile(
    r"^(?=[\w.:-]{1,64}$)[\w.:-]*\d[\w.:-]*$"
    r"|^(?:post|comment|reply|msg|message|entry|answer)[-_][\w-]+$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Redirectors that write their target in a query parameter: (host, path or "" for any path)
# → the parameters that may hold it, in order. A host here matches its subdomains too.
_REDIRECTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("google", "/url"): ("url", "q"),  # Google Alerts e-mails and feeds, search results
    ("bing.com", "/news/apiclick.aspx"): ("url",),  # Bing News RSS
    ("out.reddit.com", ""): ("url",),
    ("l.facebook.com", "/l.php"): ("u",),
    ("lm.facebook.com", "/l.php"): ("u",),
    ("l.instagram.com", ""): ("u",),
    ("youtube.com", "/redirect"): ("q",),
    ("safelinks.protection.outlook.com", ""): ("url",),  # Microsoft 365 mail scanner
    ("go.skimresources.com", ""): ("url",),  # affiliate links in newsletters and blogs
    ("go.redirectingat.com", ""): ("url",),
    ("slack-redir.net", "/link"): ("url",),
    ("duckduckgo.com", "/l/"): ("uddg",),
    ("t.umblr.com", "/redirect"): ("z",),
    ("vk.com", "/away.php"): ("to",),
    ("steamcommunity.com", "/linkfilter/"): ("url", "u"),
}
# google.com, google.fr, google.co.uk…: the host's last labels after "google".
_GOOGLE_HOST = re.compile(r"^(?:www\.)?google(?:\.[a-z]{2,3}){1,2}$")
_UNWRAP_DEPTH = 8  # a safe link around a Google Alerts link around the article…


def is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


@functools.lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The form of `url` used as a mention's identity (see the module docstring).

    Cached: a sweep asks for the same item's form several times (deduplication, matching,
    storing), and the work is all string parsing.
    """
    url = unwrap_redirect(url.strip())
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not scheme or not host:
        return url
    netloc = host if ":" not in host else f"[{host}]"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not (key.lower() in TRACKING_PARAMS or key.lower().startswith("utm_"))
    ]
    fragment = parts.fragment if _POST_ANCHOR.match(parts.fragment or "") else ""
    return urlunsplit((scheme, netloc, parts.path or "/", encode_query(query), fragment))


def encode_query(pairs: list[tuple[str, str]]) -> str:
    """A query string from its pairs, a parameter without a value written without `=`:
    vBulletin's `showthread.php?4411-Title` must not become `?4411-Title=`, and `?a=` and
    `?a` name one page."""
    return "&".join(
        quote_plus(key) + (f"={quote_plus(value)}" if value else "") for key, value in pairs
    )


def unwrap_redirect(url: str) -> str:
    """The address a known redirect link leads to (see `_REDIRECTS`), or `url` itself.

    Only a target written in the link is taken, and only an http(s) one: a redirector whose
    link holds an opaque token (a newsletter's click tracker, `t.co`) would need a request,
    and the link is then kept as it is.
    """
    for _ in range(_UNWRAP_DEPTH):
        target = _redirect_target(url)
        if target is None:
            break
        url = target
    return url


def _redirect_target(url: str) -> str | None:
    if "?" not in url:  # every kind known writes its target in the query
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if _is_host(host, "urldefense.proofpoint.com") and parts.path.startswith("/v2/url"):
        # Proofpoint's v2 rewrites `%` as `-` and `/` as `_` in its `u` parameter.
        encoded = dict(parse_qsl(parts.query)).get("u", "")
        return _http_or_none(unquote(encoded.replace("-", "%").replace("_", "/")))
    if _is_host(host, "bing.com") and parts.path == "/ck/a":
        # Bing's result clicks: `u=a1` and the target in unpadded URL-safe base64.
        encoded = dict(parse_qsl(parts.query)).get("u", "")
        if not encoded.startswith("a1"):
            return None
        try:
            data = base64.urlsafe_b64decode(encoded[2:] + "=" * (-len(encoded[2:]) % 4))
            return _http_or_none(data.decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError):
            return None
    names = _redirect_params(host, parts.path)
    if not names:
        return None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name in names:
        target = _http_or_none(query.get(name, "").strip())
        if target:
            return target
    return None


def _redirect_params(host: str, path: str) -> tuple[str, ...]:
    if _GOOGLE_HOST.match(host):
        return _REDIRECTS[("google", "/url")] if path == "/url" else ()
    for (redirector, prefix), names in _REDIRECTS.items():
        if _is_host(host, redirector) and path.startswith(prefix):
            return names
    return ()


def _is_host(host: str, domain: str) -> bool:
    """`host` is `domain` or one of its subdomains (`notbing.com` is not `bing.com`)."""
    return host == domain or host.endswith("." + domain)


def _http_or_none(url: str) -> str | None:
    return url if is_http_url(url) else None


def domain_of(url: str) -> str:
    """The host a reader would name, lower-cased and without a leading `www.`."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def host_in_domains(url: str, domains: tuple[str, ...]) -> bool:
    """True when the URL's host is one of `domains` or a subdomain of one."""
    host = domain_of(url)
    return bool(host) and any(host == d or host.endswith("." + d) for d in domains)


def absolute_url(base: str, href: str) -> str:
    """Resolve `href` against `base`; keeps only http(s) results, else returns ''."""
    href = href.strip()
    if href.startswith(("http://", "https://")):
        # Already absolute, as most feed links are: taken as written (urljoin would only
        # parse it again, and drop an empty `?` or `#`).
        return href if is_http_url(href) else ""
    try:
        joined = urljoin(base, href)
    except ValueError:
        return ""
    return joined if is_http_url(joined) else ""
