from __future__ import annotations

from pathlib import Path

import pytest

from veille.cli import app
from veille.config import load_config, parse_config, resolve_database, write_starter
from veille.errors import ConfigError

GOOD = """\
database: data/veille.db
brands:
  - name: Acme
    terms: [Acme, "Acme Corp", "#acme"]
    exclude: ["Acme anvil"]
    require_any: [shoes]
    domains: [www.Acme.com]
  - name: Globex
    competitor: true
    terms: [Globex]
sources:
  - name: HN
    type: rss
    url: https://hnrss.org/newest?q=acme
  - name: News
    type: search
    providers: [google_news, hackernews]
settings:
  timeout: 5
  per_host: 3
"""


def test_good_config_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "sources.yaml"
    path.parent.mkdir()
    path.write_text(GOOD, encoding="utf-8")
    config = load_config(path)
    assert config.database == path.parent / "data" / "veille.db"
    assert [b.name for b in config.brands] == ["Acme", "Globex"]
    assert config.brands[0].domains == ("acme.com",)
    assert config.brands[1].competitor is True
    assert config.sources[1].providers == ("google_news", "hackernews")
    assert config.settings.timeout == 5.0 and config.settings.per_host == 3


BAD_CASES = {
    "unknown top-level key": ("brand:\n  - x\n", r"s.yaml:1: brand: unknown key 'brand'"),
    "unknown source key": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - name: x\n    type: rss\n"
        "    url: http://x.fr\n    colour: red\n",
        r"s.yaml:7: sources[0].colour: unknown key 'colour'",
    ),
    "wrong type": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "settings:\n  timeout: fast\n",
        r"s.yaml:6: settings.timeout: ",
    ),
    "bad url": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - name: x\n    type: rss\n"
        "    url: ftp://x.fr/feed\n",
        r"s.yaml:6: sources[0].url: 'ftp://x.fr/feed' is not an http(s) URL",
    ),
    "duplicate source": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "  - {name: x, type: rss, url: http://y.fr}\n",
        r"s.yaml:5: sources[1].name: duplicate name 'x'",
    ),
    "duplicate brand": (
        "brands:\n  - {name: A, terms: [a]}\n  - {name: A, terms: [b]}\nsources:\n"
        "  - {name: x, type: rss, url: http://x.fr}\n",
        r"s.yaml:3: brands[1].name: duplicate name 'A'",
    ),
    "brand without terms": (
        "brands:\n  - name: A\n    terms: []\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n",
        r"s.yaml:3: brands[0].terms: needs at least one entry",
    ),
    "brand missing terms": (
        "brands:\n  - name: A\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n",
        r"s.yaml:2: brands[0].terms: this key is required",
    ),
    "rss without url": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss}\n",
        r"s.yaml:4: sources[0]: a rss source needs a url",
    ),
    "unknown source type": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: atom, url: http://x.fr}\n",
        r"s.yaml:4: sources[0].type: ",
    ),
    "unknown engine": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n"
        "  - {name: x, type: forum, url: http://x.fr, engine: smf}\n",
        r"s.yaml:4: sources[0].engine: ",
    ),
    "bad css selector": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n"
        "  - {name: x, type: forum, url: http://x.fr, selectors: {post: 'div[[['}}\n",
        r"s.yaml:4: sources[0]: selectors.post: invalid CSS selector",
    ),
    "invalid yaml": ("brands: [\n", r"s.yaml:2: invalid YAML"),
    "not a mapping": ("- a\n- b\n", r"s.yaml:1: the top level must be a mapping"),
    "empty file": ("", r"s.yaml: the file is empty"),
    "alert for unknown brand": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - {name: t, urls: ['json://localhost'], brand: B}\n",
        r"s.yaml:6: alerts[0].brand: unknown brand 'B'",
    ),
    "alert with an unknown trigger": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - name: t\n    urls: ['json://localhost']\n    on: [new, buzz]\n",
        r"s.yaml:8: alerts[0].on[1]: Input should be 'new', 'attention' or 'spike'",
    ),
    "alert without urls": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - name: t\n    urls: []\n",
        r"s.yaml:7: alerts[0].urls: needs at least one entry",
    ),
    "alert with min_mentions 0": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - name: t\n    urls: ['json://localhost']\n    min_mentions: 0\n",
        r"s.yaml:8: alerts[0].min_mentions: Input should be greater than or equal to 1",
    ),
    "alert with bad quiet hours": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - name: t\n    urls: ['json://localhost']\n    quiet_hours: '22h-7h'\n",
        r"s.yaml:8: alerts[0].quiet_hours: '22h-7h': write two local times such as 22:00-07:00",
    ),
    "alert with 25:00": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - name: t\n    urls: ['json://localhost']\n    quiet_hours: 22:00-25:00\n",
        r"s.yaml:8: alerts[0].quiet_hours: '22:00-25:00': hours go from 00:00 to 23:59",
    ),
    "alert with an unclosed variable": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - name: t\n    urls:\n      - json://localhost\n      - json://${TOKEN@h\n",
        r"s.yaml:9: alerts[0].urls[1]: a `${` is not closed by `}`",
    ),
    "duplicate alert": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - {name: t, urls: ['json://localhost']}\n"
        "  - {name: t, urls: ['json://localhost']}\n",
        r"s.yaml:7: alerts[1].name: duplicate name 't'",
    ),
    "unknown alert key": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - {name: t, urls: ['json://localhost'], mute: true}\n",
        r"s.yaml:6: alerts[0].mute: unknown key 'mute'",
    ),
    "timeout past any float": (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        f"settings:\n  timeout: 1{'0' * 400}\n",
        r"s.yaml:6: settings.timeout: Input should be less than or equal to 600",
    ),
    "domain with a scheme": (
        "brands:\n  - {name: A, terms: [a], domains: ['https://a.com/']}\nsources:\n"
        "  - {name: x, type: rss, url: http://x.fr}\n",
        r"s.yaml:2: brands[0].domains: 'https://a.com/' is not a host name",
    ),
}


@pytest.mark.parametrize(("text", "expected"), BAD_CASES.values(), ids=BAD_CASES.keys())
def test_bad_config_names_file_line_and_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("s.yaml"))
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message


@pytest.mark.parametrize("text", [v[0] for v in BAD_CASES.values()], ids=list(BAD_CASES.keys()))
def test_bad_config_exits_2_with_one_line_and_writes_nothing(
    text: str, tmp_path: Path, runner
) -> None:
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("veille: error: sources.yaml"), lines
    assert not (tmp_path / "veille.db").exists()


def test_missing_config_says_to_run_init(runner) -> None:
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 2
    assert "veille init" in result.stderr


def test_config_found_by_env_then_default(tmp_path: Path, monkeypatch, runner) -> None:
    (tmp_path / "elsewhere.yaml").write_text("brands: [\n", encoding="utf-8")
    monkeypatch.setenv("VEILLE_CONFIG", str(tmp_path / "elsewhere.yaml"))
    result = runner.invoke(app, ["scan"])
    assert result.exit_code == 2 and "elsewhere.yaml:2" in result.stderr


def test_database_precedence(tmp_path: Path, monkeypatch) -> None:
    config = parse_config(GOOD, tmp_path / "sources.yaml")
    assert resolve_database(Path("cli.db"), config) == Path("cli.db")
    monkeypatch.setenv("VEILLE_DB", "env.db")
    assert resolve_database(None, config) == Path("env.db")
    monkeypatch.delenv("VEILLE_DB")
    assert resolve_database(None, config) == tmp_path / "data" / "veille.db"
    assert resolve_database(None, None) == Path("veille.db")


def test_init_writes_a_valid_starter_and_never_overwrites(tmp_path: Path, runner) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "sources.yaml")
    assert config.brands[0].name == "Acme"
    before = (tmp_path / "sources.yaml").read_text(encoding="utf-8")
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 2 and "never overwrites" in again.stderr
    assert (tmp_path / "sources.yaml").read_text(encoding="utf-8") == before
    with pytest.raises(ConfigError):
        write_starter(tmp_path / "sources.yaml")


def test_example_sources_yaml_in_the_repository_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "sources.yaml"
    config = load_config(example)
    assert config.brands and config.sources


def test_alert_keys_are_read_as_written(tmp_path: Path) -> None:
    """`on` is a boolean in YAML 1.1; as a key it stays the word the user wrote."""
    text = (
        "brands:\n  - {name: A, terms: [a]}\nsources:\n  - {name: x, type: rss, url: http://x.fr}\n"
        "alerts:\n  - name: t\n    urls: ['json://u:${T}@localhost/h']\n    on: [attention]\n"
        "    brand: A\n    min_mentions: 3\n    quiet_hours: 23:30 - 6:00\n    limit: 5\n"
    )
    (alert,) = parse_config(text, Path("s.yaml")).alerts
    assert (alert.on, alert.brand, alert.min_mentions, alert.limit) == (("attention",), "A", 3, 5)
    assert alert.quiet_hours == ("23:30", "06:00")
    assert alert.urls == ("json://u:${T}@localhost/h",)  # as written until a command sends
    assert "${T}" not in repr(alert)


def alias_bomb(levels: int = 9) -> str:
    """A few hundred bytes of YAML whose aliases of aliases make 9**levels values."""
    names = "abcdefghijklmnop"[:levels]
    lines = [f"{names[0]}: &{names[0]} [x, x, x, x, x, x, x, x, x]"]
    for before, name in zip(names, names[1:], strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{before}"] * 9) + "]")
    lines.append(f"brands: [{{name: A, terms: *{names[-1]}}}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_fast_with_its_line(tmp_path: Path) -> None:
    import os
    import resource
    import subprocess
    import sys

    import veille

    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    assert len(bomb.read_bytes()) < 600

    def limit_memory() -> None:
        # If the guard fails, the child dies of MemoryError instead of taking the machine.
        resource.setrlimit(resource.RLIMIT_AS, (300 * 2**20, 300 * 2**20))

    source_root = str(Path(veille.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": source_root}
    result = subprocess.run(
        [sys.executable, "-m", "veille", "sources", "-c", str(bomb)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=limit_memory,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"veille: error: {bomb}:6: alias *e: the aliases repeat more than 100,000 values "
        "(an alias of aliases multiplies them); write the repeated part out or nest fewer aliases"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (alias_bomb(), "s.yaml:6: alias *e: the aliases repeat more than 100,000 values"),
        ("a: &a [x, *a]\n", "s.yaml:1: alias *a is inside its own anchor &a"),
        ("a: &a {b: [*a]}\n", "s.yaml:1: alias *a is inside its own anchor &a"),
    ],
    ids=["nested aliases", "recursive list", "recursive mapping"],
)
def test_aliases_that_multiply_or_recurse_are_refused(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("s.yaml"))
    assert str(caught.value).startswith(expected), caught.value


def test_a_block_reused_by_aliases_still_loads(tmp_path: Path) -> None:
    forums = "".join(
        f"  - {{<<: *forum, name: f{n}, url: 'https://forum{n}.example/?a=1&b=2'}}\n"
        for n in range(2000)
    )
    text = (
        "brands:\n  - {name: Acme, terms: &terms [Acme, 'Acme Corp']}\n"
        "  - {name: Globex, terms: *terms, competitor: true}\n"
        "sources:\n  - &forum {name: f, type: forum, url: 'https://f.example/',"
        " selectors: {post: article.post, author: .user}}\n" + forums
    )
    config = parse_config(text, tmp_path / "sources.yaml")
    assert len(config.sources) == 2001
    assert config.sources[-1].url == "https://forum1999.example/?a=1&b=2"
    assert config.sources[-1].selectors == (("post", "article.post"), ("author", ".user"))
    assert config.brands[1].terms == ("Acme", "Acme Corp")
