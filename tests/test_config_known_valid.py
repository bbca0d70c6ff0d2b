"""A config read without pydantic is the config pydantic's models build.

`known_valid_config` may refuse whatever it likes (the models then validate); whatever it
accepts, the models accept too, and build the same `Config`. Compared on every config the
tests hold, the starter, the example `sources.yaml`, the demo's and the benchmark's configs,
and on generated configs, valid and mutated.
"""

from __future__ import annotations

import ast
import copy
import math
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.config import STARTER, parse_config
from veille.config.known_valid import known_valid_config
from veille.config.load import _read_yaml, _validated
from veille.config.rules import ALERT_TRIGGERS, FORUM_ENGINES, SEARCH_PROVIDERS, SELECTOR_KEYS
from veille.demo import demo_config
from veille.errors import VeilleError
from veille.models import Config

ROOT = Path(__file__).resolve().parents[1]
PATH = Path("/configs/sources.yaml")


def both_paths(raw_text: str) -> tuple[Config | None, Config | str]:
    """What the fast path gives (None: refused) and what the models give (else their error)."""
    data = _read_yaml(raw_text, PATH)
    fast = known_valid_config(data, PATH)
    try:
        slow: Config | str = _validated(data, raw_text, PATH)
    except VeilleError as error:
        slow = str(error)
    return fast, slow


def _folded(node: ast.AST) -> str | None:
    """A string written as a literal, or as literals joined by `+`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _folded(node.left), _folded(node.right)
        return left + right if left is not None and right is not None else None
    return None


def configs_in_tests() -> dict[str, str]:
    """Every string or literal mapping in the tests that reads as a config (a mapping with
    brands or sources)."""
    found = {}
    for path in sorted((ROOT / "tests").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = _folded(node)
            if isinstance(node, ast.Dict):
                try:
                    text = yaml.safe_dump(ast.literal_eval(node))
                except ValueError:
                    continue  # built from names, not literals
            if text is None or ("brands" not in text and "sources" not in text):
                continue
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and ({"brands", "sources"} & set(map(str, data))):
                found[f"{path.name}:{node.lineno}"] = text
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.yaml")):
        found[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    return found


def demo_yaml() -> str:
    """The demo's config written as sources.yaml."""
    demo = demo_config("http://127.0.0.1:8000", PATH.parent / "demo.db")
    brands = [
        {key: list(value) if isinstance(value, tuple) else value for key, value in b.items()}
        for b in map(asdict, demo.brands)
    ]
    sources = [
        {"name": s.name, "type": s.type, "url": s.url} | ({"engine": s.engine} if s.engine else {})
        for s in demo.sources
    ]
    data = {"database": "demo.db", "brands": brands, "sources": sources}
    return yaml.safe_dump(data | {"settings": {"timeout": demo.settings.timeout}})


def bench_yaml() -> str:
    """The config `bench/startup_bench.py` times the commands with."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from startup_bench import write_config
    finally:
        sys.path.remove(str(ROOT / "bench"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.yaml"
        write_config(path, PATH.parent / "bench.db")
        return path.read_text(encoding="utf-8")


FIXTURES = configs_in_tests()
# Valid configs of the project's own, which the fast path must accept.
OWN = {
    "starter": STARTER,
    "example sources.yaml": (ROOT / "sources.yaml").read_text(encoding="utf-8"),
    "demo": demo_yaml(),
    "bench": bench_yaml(),
}


def test_the_tests_hold_many_configs() -> None:
    assert len(FIXTURES) > 30


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_a_config_in_the_tests_reads_the_same_on_both_paths(name: str) -> None:
    try:
        fast, slow = both_paths(FIXTURES[name])
    except VeilleError:
        return  # not YAML the loader reads: neither path sees it
    if fast is not None:
        assert fast == slow
    elif isinstance(slow, Config):
        # Refusing a valid config is allowed, but only for what the fast path leaves alone.
        pytest.fail(f"the fast path refuses a valid config: {FIXTURES[name]!r}")


@pytest.mark.parametrize("name", sorted(OWN))
def test_the_projects_own_configs_take_the_fast_path(name: str) -> None:
    fast, slow = both_paths(OWN[name])
    assert isinstance(slow, Config)
    assert fast == slow


def test_the_demo_config_reads_as_the_demo_builds_it() -> None:
    config = parse_config(OWN["demo"], PATH)
    built = demo_config("http://127.0.0.1:8000", PATH.parent / "demo.db")
    assert config == replace(built, path=PATH)


def test_the_starter_with_every_option_shown_reads_the_same() -> None:
    """The starter's commented-out keys, uncommented: each key the config can take."""
    lines = STARTER.splitlines()
    start = next(n for n, line in enumerate(lines) if line and not line.startswith("#"))
    text = "\n".join(
        line.replace("# ", "", 1) if line.lstrip().startswith("# ") and n > start else line
        for n, line in enumerate(lines)
    )
    fast, slow = both_paths(text)
    assert isinstance(slow, Config), slow
    assert slow.alerts and slow.settings.search_urls and len(slow.sources) == 4
    assert fast == slow


# Every key a config can hold, with values that are each valid.
FULL: dict[str, Any] = {
    "database": " data/veille.db",
    "brands": [
        {
            "name": "Acme ",
            "terms": ["Acme", "\tAcme Corp", "#acme"],
            "exclude": ["Acme anvil"],
            "require_any": ["shoes"],
            "domains": ["WWW.Acme.com", "acme.fr "],
            "case_sensitive": True,
            "competitor": False,
        },
        {"name": "Globex", "terms": ["Globex"], "competitor": True},
    ],
    "sources": [
        {"name": "HN", "type": "rss", "url": " https://hnrss.org/newest?q=acme", "max_pages": 1},
        {"name": "Blog", "type": "blog", "url": "https://blog.example/", "full_text": True},
        {"name": "Forum", "type": "forum", "url": "https://f.example/", "engine": "phpbb"},
        {
            "name": "Board",
            "type": "forum",
            "url": "https://b.example/t",
            "selectors": {"post": "article.post", "author": " .author ", "next": "a.next"},
            "max_pages": 1000,
            "full_text": False,
            "timezone": " America/New_York",
        },
        {"name": "News", "type": "search", "providers": ["google_news", "reddit", "reddit"]},
    ],
    "alerts": [
        {
            "name": "team",
            "urls": ["mailto://u:${SMTP_PASSWORD}@example.com", "json://hook.example"],
            "on": ["spike", "new", "spike"],
            "brand": "Acme",
            "min_mentions": 100_000,
            "quiet_hours": " 22:00-7:00 ",
            "limit": 1000,
        },
        {"name": "all", "urls": ["ntfy://topic"]},
    ],
    "settings": {
        "concurrency": 1024,
        "per_host": 64,
        "timeout": 600,
        "max_bytes": 1024,
        "user_agent": "veille/1 ",
        "full_text": True,
        "search_urls": {"mastodon": "https://piaille.fr/tags/{tag}.rss"},
        "tone_engine": "package.module:function",
        "keep_items": 0,
        "timezone": "Europe/Paris",
    },
}
# What may replace any value, valid there or not.
JUNK: list[Any] = [None, "", " ", 0, 1, -1, True, False, 1.5, math.nan, math.inf, 2**70]
JUNK += [[], {}, ["x"], {"x": 1}, "\ud800", "é", "x\x00", (), "1"]
# Values each key may not take, or takes only just: the bounds and forms the models check.
EDGES: dict[str, list[Any]] = {
    "name": ["Acme", "\xa0Acme", "Acme\x1c", "\u3000", "\u200bAcme", "Acme\u2028"],
    "terms": [["\x85"], [" "], ["a", ""]],
    "domains": [["acme"], ["a.com/x"], ["a b.com"], ["www.acme.com"]],
    "type": ["atom", "RSS", "search", "forum"],
    "url": ["ftp://x.fr", "https://", "nope", " http://x.fr\u3000", "https://x.fr/${A}"],
    "engine": ["nope", "PHPBB", "discourse"],
    "selectors": [{"author": "a"}, {"post": "div["}, {"post": ""}, {"nope": "a"}, {"post": "p"}],
    "post": ["div[", "", " ", "p > a"],
    "max_pages": [0, 1001, 1000, 1.0],
    "providers": [[], ["altavista"], ["mastodon"]],
    "full_text": ["yes", 1],
    "urls": [[], ["x${"], ["${1BAD}"], ["${A}${B}"], ["a${B"]],
    "on": [[], ["never"], ["new", "new"]],
    "brand": ["Globex", "Initech", " Acme"],
    "min_mentions": [0, 100_001, 1],
    "quiet_hours": ["25:00-01:00", "10:00-10:00", "x", "0:00-23:59", "22:00-07:60"],
    "limit": [0, 1001, 1],
    "concurrency": [0, 1025, 1],
    "per_host": [0, 65, 1],
    "timeout": [0, -1, 601, 600.5, 600.0, 0.001, 1e-300, "20", 20, 10**400, -(10**400)],
    "max_bytes": [1023, 1024, 2**62, 2**63],
    "search_urls": [{"altavista": "https://x/{query}"}, {"bing_news": "https://x/"}],
    "mastodon": ["https://x/", "ftp://x/{tag}", "{query}", "https://x/{query}"],
    "tone_engine": ["builtin", "bad spec", "pkg:", "pkg.mod:fn "],
    "keep_items": [-1, 36_501, 36_500],
    "timezone": ["Europe/Pari", "../etc", "UTC", "utc", "Etc/GMT+5", "/etc/passwd"],
    "database": ["", "  ", "x.db"],
}


_REMOVED = object()


def _places(data: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where a value sits in the data: each mapping's keys and each list's items."""
    places = [at]
    if isinstance(data, dict):
        for key, value in data.items():
            places += _places(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            places += _places(value, (*at, index))
    return places


def _with(data: dict[str, Any], place: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A copy of `data` with `value` at `place` (or the key removed, for `_REMOVED`)."""
    changed = copy.deepcopy(data)
    parent = changed
    for part in place[:-1]:
        parent = parent[part]
    if value is _REMOVED:
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    return changed


def _compared(data: dict[str, Any]) -> tuple[Config | None, Config | str]:
    """Both paths on the same data (not through YAML: a lone surrogate, say, reaches them)."""
    fast = known_valid_config(data, PATH)
    try:
        slow: Config | str = _validated(data, "", PATH)
    except VeilleError as error:
        slow = str(error)
    if fast is not None:
        assert fast == slow, data
    return fast, slow


def test_a_config_with_every_key_takes_the_fast_path() -> None:
    fast, slow = _compared(FULL)
    assert isinstance(slow, Config) and fast == slow


def test_each_value_changed_is_accepted_only_as_pydantic_accepts_it() -> None:
    """Every place of `FULL` given every junk value and the edge values of its key, a key
    removed, an unknown key added: the fast path takes a config only if the models do, and
    reads it as they do."""
    taken = refused = 0
    for place in _places(FULL)[1:]:
        key = next((p for p in reversed(place) if isinstance(p, str)), "")
        values = [*JUNK, *EDGES.get(key, []), *EDGES.get(str(place[-1]), []), _REMOVED]
        for value in values:
            fast, _ = _compared(_with(FULL, place, value))
            taken, refused = taken + (fast is not None), refused + (fast is None)
    for place in [p for p in _places(FULL) if isinstance(_at(FULL, p), dict)]:
        for key in ("colour", "Name", "1", "on"):
            added = copy.deepcopy(FULL)
            _at(added, place)[key] = "x"
            _compared(added)
    assert taken > 100 and refused > 1000


def _at(data: Any, place: tuple[Any, ...]) -> Any:
    for part in place:
        data = data[part]
    return data


# Generated configs: valid ones, of one to three brands and sources and some alerts and
# settings, with white space around the strings; then mutated.
ASCII_PADS = ["", "", "", " ", "\t", " \n "]
OTHER_PADS = ["\xa0", "\u3000", "\x1c", "\x1f", "\x85", "\u200b", "\ufeff", "\u2028"]


def padded(words: list[str], pads: list[str]) -> st.SearchStrategy[str]:
    pad = st.sampled_from(pads)
    return st.builds(lambda a, w, b: a + w + b, pad, st.sampled_from(words), pad)


@st.composite
def valid_configs(draw: st.DrawFn, pads: list[str] = ASCII_PADS) -> dict[str, Any]:
    word = padded(["Acme", "Globex", "acme corp", "#acme", "A", "é", "Ünï"], pads)
    name = padded(["Acme", "Globex", "Blog", "News", "Forum", "Ünï"], pads)
    brand = st.fixed_dictionaries(
        {"name": name, "terms": st.lists(word, min_size=1, max_size=3)},
        optional={
            "exclude": st.lists(word, max_size=2),
            "require_any": st.lists(word, max_size=2),
            "domains": st.lists(
                padded(["acme.com", "WWW.Acme.FR", "www.x.co.uk", "Sub.acme.com"], pads),
                max_size=2,
            ),
            "case_sensitive": st.booleans(),
            "competitor": st.booleans(),
        },
    )
    url = padded(["https://a.example/feed", "http://b.example", "HTTPS://c.example/?q=1"], pads)
    common = {
        "max_pages": st.sampled_from([1, 3, 1000]),
        "full_text": st.sampled_from([None, True, False]),
        "timezone": padded(["Europe/Paris", "UTC", "Asia/Tokyo"], pads),
    }
    selectors = st.dictionaries(
        st.sampled_from(SELECTOR_KEYS[1:]), padded(["a.b", ".author", "p > a"], pads), max_size=3
    ).map(lambda chosen: {"post": "article.post", **chosen})
    source = st.one_of(
        st.fixed_dictionaries(
            {"name": name, "type": st.sampled_from(["rss", "blog", "forum"]), "url": url},
            optional=common,
        ),
        st.fixed_dictionaries(
            {"name": name, "type": st.just("forum"), "url": url},
            optional={**common, "engine": st.sampled_from(FORUM_ENGINES)},
        ),
        st.fixed_dictionaries(
            {"name": name, "type": st.just("forum"), "url": url, "selectors": selectors},
            optional=common,
        ),
        st.fixed_dictionaries(
            {
                "name": name,
                "type": st.just("search"),
                "providers": st.lists(st.sampled_from(SEARCH_PROVIDERS), min_size=1, max_size=3),
            },
            optional={**common, "url": st.none()},
        ),
    )
    brands = draw(st.lists(brand, min_size=1, max_size=3, unique_by=lambda b: b["name"].strip()))
    names = [b["name"] for b in brands]
    alert = st.fixed_dictionaries(
        {
            "name": name,
            "urls": st.lists(
                padded(["json://hook.example", "mailto://u:${SMTP}@e.com", "ntfy://t"], pads),
                min_size=1,
                max_size=2,
            ),
        },
        optional={
            "on": st.lists(st.sampled_from(ALERT_TRIGGERS), min_size=1, max_size=4),
            "brand": st.one_of(st.none(), st.sampled_from(names)),
            "min_mentions": st.sampled_from([1, 5, 100_000]),
            "quiet_hours": padded(["22:00-07:00", " 8:00 - 9:30", "0:00-23:59"], pads),
            "limit": st.sampled_from([1, 20, 1000]),
        },
    )
    template = padded(["https://piaille.fr/tags/{tag}.rss", "https://n.example/?q={query}"], pads)
    settings_ = st.fixed_dictionaries(
        {},
        optional={
            "concurrency": st.sampled_from([1, 32, 1024]),
            "per_host": st.sampled_from([1, 2, 64]),
            "timeout": st.sampled_from([20, 0.5, 600, 600.0, 1e-9]),
            "max_bytes": st.sampled_from([1024, 10**7, 2**40]),
            "user_agent": padded(["veille/1", "bot"], pads),
            "full_text": st.booleans(),
            "search_urls": st.dictionaries(
                st.sampled_from(["mastodon", "google_news"]), template, max_size=2
            ),
            "tone_engine": padded(["builtin", "pkg.mod:fn"], pads),
            "keep_items": st.sampled_from([0, 180, 36_500]),
            "timezone": padded(["Europe/Paris", "UTC", "America/New_York"], pads),
        },
    )
    unique = {"unique_by": lambda item: item["name"].strip(), "max_size": 3}
    return draw(
        st.fixed_dictionaries(
            {"brands": st.just(brands), "sources": st.lists(source, min_size=1, **unique)},
            optional={
                "database": st.one_of(st.none(), padded(["veille.db", "data/v.db"], pads)),
                "alerts": st.lists(alert, **unique),
                "settings": settings_,
            },
        )
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_a_valid_config_with_ascii_white_space_takes_the_fast_path(data: dict[str, Any]) -> None:
    fast, slow = _compared(data)
    assert isinstance(slow, Config), slow
    assert fast == slow


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs(ASCII_PADS + OTHER_PADS), st.data())
def test_a_mutated_config_is_accepted_only_as_pydantic_accepts_it(
    data: dict[str, Any], draw: st.DataObject
) -> None:
    for _ in range(draw.draw(st.integers(0, 2))):
        place = draw.draw(st.sampled_from(_places(data)[1:]))
        key = next((p for p in reversed(place) if isinstance(p, str)), "")
        values = [*JUNK, *EDGES.get(key, []), *EDGES.get(str(place[-1]), [])]
        data = _with(data, place, draw.draw(st.sampled_from(values)))
    _compared(data)
