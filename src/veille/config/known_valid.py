"""A config that is certainly valid, read without pydantic.

Importing pydantic and building the config's models (`schema`) costs a command about 65 ms,
a fifth of what `veille mentions` takes. `known_valid_config` accepts the YAML data only
when every key and value has a form it knows for certain the models accept, and builds the
`Config` they would give. For anything else (an unknown or missing key, a value of another
type, a number out of range, white space it is not sure pydantic strips the same way) it
returns None, and the caller validates with pydantic, which says what is wrong and where:
errors always come from the models, so only what this accepts has to be exact.
`tests/test_config_known_valid.py` compares the two paths on every config the tests hold
and on generated ones.

The checks of a value's form are `rules`', as the models'; the types and bounds below
repeat the models' fields and must follow them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar, cast

from veille.config.rules import (
    ALERT_TRIGGERS,
    FORUM_ENGINES,
    SEARCH_PROVIDERS,
    SELECTOR_KEYS,
    bare_host,
    domain_problem,
    duplicate_name,
    engine_spec_problem,
    parse_quiet_hours,
    reference_problem,
    source_problem,
    template_problem,
    url_problem,
)
from veille.models import Alert, Brand, Config, Settings, Source, SourceType
from veille.times import zone_named

_T = TypeVar("_T")

SOURCE_TYPES = ("rss", "forum", "blog", "search")
# The keys of each of the models' mappings.
_CONFIG_KEYS = frozenset("database brands sources alerts settings".split())
_BRAND_KEYS = frozenset("name terms exclude require_any domains case_sensitive competitor".split())
_SOURCE_KEYS = frozenset(
    "name type url engine selectors max_pages providers full_text timezone".split()
)
_ALERT_KEYS = frozenset("name urls on brand min_mentions quiet_hours limit".split())
_SETTINGS_KEYS = frozenset(
    "concurrency per_host timeout max_bytes user_agent full_text search_urls tone_engine "
    "keep_items timezone".split()
)
# White space both pydantic (Rust's `str::trim`) and `str.strip` remove; around a string,
# any other (U+001C to U+001F: Python's alone) leaves the config to pydantic.
_ASCII_SPACE = " \t\n\r\x0b\x0c"
# Larger numbers are left to pydantic: none of the bounded keys needs one.
_INT_LIMIT = 2**53


class _Unsure(Exception):
    """A value this module cannot vouch for: the config goes to pydantic."""


def known_valid_config(data: Any, path: Path) -> Config | None:
    """The `Config` pydantic's models would build from `data`, when `data` is certainly
    valid; else None (the models then say what is wrong)."""
    try:
        return _config(data, path)
    except _Unsure:
        return None


def _config(data: Any, path: Path) -> Config:
    _keys(data, _CONFIG_KEYS)
    database = _maybe(_text, data.get("database"))
    brands = tuple(_brand(b) for b in _list(_required(data, "brands"), at_least=1))
    sources = tuple(_source(s) for s in _list(_required(data, "sources"), at_least=1))
    alerts = tuple(_alert(a) for a in _list(data.get("alerts", [])))
    settings = _settings(data.get("settings", {}))
    for section in (brands, sources, alerts):
        if duplicate_name([item.name for item in section]):
            raise _Unsure
    names = {brand.name for brand in brands}
    if any(alert.brand is not None and alert.brand not in names for alert in alerts):
        raise _Unsure
    return Config(
        path=path,
        database=(path.parent / database) if database else None,
        brands=brands,
        sources=sources,
        settings=settings,
        alerts=alerts,
    )


def _brand(data: Any) -> Brand:
    _keys(data, _BRAND_KEYS)
    domains = _texts(data.get("domains", []))
    if any(domain_problem(domain) for domain in domains):
        raise _Unsure
    return Brand(
        name=_text(_required(data, "name")),
        terms=tuple(_texts(_required(data, "terms"), at_least=1)),
        exclude=tuple(_texts(data.get("exclude", []))),
        require_any=tuple(_texts(data.get("require_any", []))),
        domains=tuple(bare_host(domain) for domain in domains),
        case_sensitive=_bool(data.get("case_sensitive", False)),
        competitor=_bool(data.get("competitor", False)),
    )


def _source(data: Any) -> Source:
    _keys(data, _SOURCE_KEYS)
    source_type = _choice(_required(data, "type"), SOURCE_TYPES)
    url = _maybe(_string, data.get("url"))
    if url is not None:
        if url_problem(url):
            raise _Unsure
        url = url.strip()
    engine = _maybe(lambda value: _choice(value, FORUM_ENGINES), data.get("engine"))
    selectors = data.get("selectors")
    if selectors is not None:
        _keys(selectors, SELECTOR_KEYS)
        selectors = {key: _text(value) for key, value in selectors.items()}
    providers = [_choice(p, SEARCH_PROVIDERS) for p in _list(data.get("providers", []))]
    if source_problem(source_type, url, engine, selectors, providers):
        raise _Unsure
    return Source(
        name=_text(_required(data, "name")),
        type=cast(SourceType, source_type),
        url=url,
        engine=engine,
        selectors=tuple((selectors or {}).items()),
        max_pages=_int(data.get("max_pages", 1), 1, 1000),
        providers=tuple(providers),
        full_text=_maybe(_bool, data.get("full_text")),
        timezone=_zone_name(data.get("timezone")),
    )


def _alert(data: Any) -> Alert:
    _keys(data, _ALERT_KEYS)
    urls = _texts(_required(data, "urls"), at_least=1)
    if any(reference_problem(url) for url in urls):
        raise _Unsure
    on = [
        _choice(t, ALERT_TRIGGERS) for t in _list(data.get("on", list(ALERT_TRIGGERS)), at_least=1)
    ]
    quiet_hours = _maybe(_text, data.get("quiet_hours"))
    return Alert(
        name=_text(_required(data, "name")),
        urls=tuple(urls),
        on=tuple(dict.fromkeys(on)),
        brand=_maybe(_text, data.get("brand")),
        min_mentions=_int(data.get("min_mentions", 1), 1, 100_000),
        quiet_hours=_vouched(parse_quiet_hours, quiet_hours) if quiet_hours else None,
        limit=_int(data.get("limit", 20), 1, 1000),
    )


def _settings(data: Any) -> Settings:
    _keys(data, _SETTINGS_KEYS)
    search_urls = data.get("search_urls", {})
    _keys(search_urls, SEARCH_PROVIDERS)
    templates = tuple((provider, _text(url)) for provider, url in search_urls.items())
    if any(template_problem(provider, url) for provider, url in templates):
        raise _Unsure
    tone_engine = _text(data.get("tone_engine", "builtin"))
    if engine_spec_problem(tone_engine):
        raise _Unsure
    timezone = _zone_name(data.get("timezone"))
    return Settings(
        concurrency=_int(data.get("concurrency", 32), 1, 1024),
        per_host=_int(data.get("per_host", 2), 1, 64),
        timeout=_timeout(data.get("timeout", 20.0)),
        max_bytes=_int(data.get("max_bytes", 10_000_000), 1024, _INT_LIMIT),
        user_agent=_maybe(_text, data.get("user_agent")) or "",
        full_text=_bool(data.get("full_text", False)),
        search_urls=templates,
        tone_engine=tone_engine,
        keep_items=_int(data.get("keep_items", 180), 0, 36_500),
        timezone=timezone,
    )


def _keys(data: Any, known: Collection[str]) -> None:
    """A mapping (as pydantic's strict mode wants: a dict) of known keys only."""
    if type(data) is not dict or any(type(key) is not str or key not in known for key in data):
        raise _Unsure


def _required(data: dict[str, Any], key: str) -> Any:
    if key not in data:
        raise _Unsure
    return data[key]


def _list(value: Any, at_least: int = 0) -> list[Any]:
    if type(value) is not list or len(value) < at_least:
        raise _Unsure
    return value


def _string(value: Any) -> str:
    """A string pydantic takes as it is: a `str` that is valid Unicode (no lone surrogate)."""
    if type(value) is not str:
        raise _Unsure
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Unsure from None
    return value


def _text(value: Any) -> str:
    """A `NonEmpty`: stripped of white space, not empty."""
    text = _string(value).strip()
    if not text or value.strip(_ASCII_SPACE) != text:
        raise _Unsure
    return text


def _texts(value: Any, at_least: int = 0) -> list[str]:
    return [_text(item) for item in _list(value, at_least)]


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    if type(value) is not str or value not in choices:
        raise _Unsure
    return value


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _Unsure
    return value


def _int(value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Unsure
    return value


def _timeout(value: Any) -> float:
    """`settings.timeout`: seconds, an int or a float, above 0 and at most 600 (NaN fails)."""
    if type(value) not in (int, float) or not 0 < value <= 600:
        raise _Unsure
    return float(value)


def _zone_name(value: Any) -> str | None:
    """An optional IANA zone name that names a zone."""
    name = _maybe(_text, value)
    if name is not None:
        _vouched(zone_named, name)
    return name


def _maybe(check: Callable[[Any], _T], value: Any) -> _T | None:
    return None if value is None else check(value)


def _vouched(check: Callable[[str], _T], value: str) -> _T:
    """What `check` gives, or _Unsure when it finds the value wrong."""
    try:
        return check(value)
    except ValueError:
        raise _Unsure from None
