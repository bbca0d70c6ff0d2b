from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.urls import absolute_url, canonical_url, domain_of, host_in_domains, is_http_url

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
