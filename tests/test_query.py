from __future__ import annotations

from datetime import datetime, timezone

import pytest

from veille.errors import UsageError
from veille.query import build_filter, parse_when

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7d", "2026-11-20T12:00:00Z"),
        ("24h", "2026-11-26T12:00:00Z"),
        ("30m", "2026-11-27T11:30:00Z"),
        ("2w", "2026-11-13T12:00:00Z"),
        ("2026-11-01", "2026-11-01T00:00:00Z"),
        ("2026-11-01T10:00:00+01:00", "2026-11-01T09:00:00Z"),
        ("2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z"),
    ],
)
def test_parse_when(value: str, expected: str) -> None:
    assert parse_when(value, "--since", NOW) == expected


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"since": "yesterdayish"}, "--since 'yesterdayish': not a time"),
        ({"brands": ["Nope"]}, "--brand 'Nope': unknown"),
        ({"sources": ["Nope"]}, "--source 'Nope': unknown"),
        ({"tones": ["angry"]}, "--tone 'angry': unknown"),
        ({"flags": ["rude"]}, "--flag 'rude': unknown"),
        ({"statuses": ["done"]}, "--status 'done': unknown"),
        ({"langs": ["French"]}, "--lang 'French'"),
        ({"since": "2026-11-02", "until": "2026-11-01"}, "is not before --until"),
    ],
    ids=["bad time", "brand", "source", "tone", "flag", "status", "lang", "reversed range"],
)
def test_bad_values_are_usage_errors(options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        build_filter(known_brands=["Acme"], known_sources=["Feed"], now=NOW, **options)


def test_build_filter_keeps_known_values() -> None:
    built = build_filter(
        brands=["Acme", "Acme"],
        tones=["negative"],
        since="7d",
        known_brands=["Acme"],
        now=NOW,
    )
    assert built.brands == ("Acme",)
    assert built.tones == ("negative",)
    assert built.since == "2026-11-20T12:00:00Z"


def test_brand_source_and_tone_filters_ignore_case() -> None:
    built = build_filter(
        brands=["acme", "GLOBEX"],
        sources=["feed"],
        tones=["Negative"],
        known_brands=["Acme", "Globex", "ACME"],
        known_sources=["Feed"],
        now=NOW,
    )
    assert built.brands == ("ACME", "Acme", "Globex")
    assert built.sources == ("Feed",)
    assert built.tones == ("negative",)
    exact = build_filter(brands=["Acme"], known_brands=["Acme", "ACME"], now=NOW)
    assert exact.brands == ("Acme",)
