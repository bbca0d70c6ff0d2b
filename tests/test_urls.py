from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.urls import (
    absolute_url,
    canonical_url,
    domain_of,
    host_in_domains,
    is_http_url,
    unwrap_redirect,
)

CANONICAL = {
    "host case": ("HTTPS://News.Example.FR/Article", "https://news.example.fr/Article"),
    "utm removed": (
        "https://e.fr/a?utm_source=rss&utm_medium=feed&id=3",
        "https://e.fr/a?id=3",
    ),
    "click ids removed": ("https://e.fr/a?fbclid=x&gclid=y&msclkid=z", "https://e.fr/a"),
    "other params kept in order": ("https://e.fr/a?b=2&a=1", "https://e.fr/a?b=2&a=1"),
    "default port dropped": ("http://e.fr:80/a", "http://e.fr/a"),
    "other port kept": ("http://e.fr:8080/a", "http://e.fr:8080/a"),
    "empty path": ("https://e.fr", "https://e.fr/"),
    "plain fragment dropped": ("https://e.fr/a#top", "https://e.fr/a"),
    "phpbb post anchor kept": ("https://f.fr/viewtopic.php?t=5#p123", "https://f.fr/viewtopic.php?t=5#p123"),
    "discourse post kept": ("https://f.fr/t/x/9#post_4", "https://f.fr/t/x/9#post_4"),
    "comment anchor kept": ("https://b.fr/a#comment-42", "https://b.fr/a#comment-42"),
    "invision comment kept": ("https://f.fr/t/1/#elComment_9", "https://f.fr/t/1/#elComment_9"),
    "section anchor dropped": ("https://b.fr/a#comments", "https://b.fr/a"),
    "entry fallback kept": ("https://b.fr/feed#entry-0a1b2c", "https://b.fr/feed#entry-0a1b2c"),
    "parameter without a value": ("https://f.fr/showthread.php?4411-Acme", "https://f.fr/showthread.php?4411-Acme"),
    "empty value written alike": ("https://e.fr/a?x=&y=1", "https://e.fr/a?x&y=1"),
}  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), CANONICAL.values(), ids=CANONICAL.keys())
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


@given(st.text(max_size=80))
def test_canonical_url_is_idempotent_and_total(raw: str) -> None:
    once = canonical_url(raw)
    assert canonical_url(once) == once


def test_domains() -> None:
    assert domain_of("https://WWW.Example.com/a") == "example.com"
    assert host_in_domains("https://shop.acme.com/x", ("acme.com",))
    assert not host_in_domains("https://notacme.com/x", ("acme.com",))
    assert not host_in_domains("not a url", ("acme.com",))


def test_only_http_urls() -> None:
    assert is_http_url("https://e.fr/x") and not is_http_url("ftp://e.fr/x")
    assert not is_http_url("javascript:alert(1)") and not is_http_url("/relative")
    assert absolute_url("https://e.fr/a/b", "../c") == "https://e.fr/c"
    assert absolute_url("https://e.fr/a", "mailto:x@e.fr") == ""


REDIRECTS = {
    "google alerts": (
        "https://www.google.com/url?rct=j&sa=t&url=https://www.lemonde.fr/eco/acme.html"
        "%3Futm_source%3Dga&ct=ga&cd=CAIyGjE&usg=AOvVaw3",
        "https://www.lemonde.fr/eco/acme.html",
    ),
    "google search result, country domain": (
        "https://www.google.co.uk/url?q=https://news.example.co.uk/a&sa=U",
        "https://news.example.co.uk/a",
    ),
    "bing news": (
        "https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=6B&url=https%3a%2f%2f"
        "www.example.com%2fnews%2facme&c=1845&mkt=fr-fr",
        "https://www.example.com/news/acme",
    ),
    "bing click, base64": (
        "https://www.bing.com/ck/a?!&&p=9f&u=a1aHR0cHM6Ly9ibG9nLmV4YW1wbGUuZnIvYWNtZQ&ntb=1",
        "https://blog.example.fr/acme",
    ),
    "reddit out": (
        "https://out.reddit.com/t3_1ab2?url=https%3A%2F%2Fblog.example.org%2Fpost"
        "&token=AQAA&app_name=reddit.com",
        "https://blog.example.org/post",
    ),
    "facebook": (
        "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.fr%2Fa&h=AT0",
        "https://example.fr/a",
    ),
    "outlook safe link around google alerts": (
        "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.google.com"
        "%2Furl%3Furl%3Dhttps%253A%252F%252Fnews.example.com%252Fx%26sa%3Dt&data=05",
        "https://news.example.com/x",
    ),
    "proofpoint v2": (
        "https://urldefense.proofpoint.com/v2/url?u=https-3A__www.example.com_path-3Fid-3D3&d=Dw",
        "https://www.example.com/path?id=3",
    ),
}  # fmt: skip

NOT_REDIRECTS = {
    "google search page": "https://www.google.com/search?q=acme",
    "lookalike host": "https://notgoogle.com/url?url=https%3A%2F%2Fx.fr%2F",
    "lookalike of a subdomain rule": "https://www.notbing.com/ck/a?u=a1aHR0cHM6Ly9ibG9nLmV4YW1wbGUuZnIv",
    "target not http": "https://www.google.fr/url?q=javascript%3Aalert%281%29",
    "opaque tracker": "https://acme.us1.list-manage.com/track/click?u=8f&id=4e&e=a1",
    "no target": "https://www.google.com/url?sa=t",
}


@pytest.mark.parametrize(("raw", "expected"), REDIRECTS.values(), ids=REDIRECTS.keys())
def test_redirect_links_are_unwrapped_before_canonicalisation(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected
    assert domain_of(canonical_url(raw)) == domain_of(expected)


@pytest.mark.parametrize("url", NOT_REDIRECTS.values(), ids=NOT_REDIRECTS.keys())
def test_other_links_are_left_as_they_are(url: str) -> None:
    assert unwrap_redirect(url) == url
