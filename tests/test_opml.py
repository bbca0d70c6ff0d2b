from __future__ import annotations

from pathlib import Path

import pytest

from veille.cli import app
from veille.config import load_config
from veille.errors import UsageError
from veille.opml import read_opml

CONFIG = """\
# Our watch list — keep this comment
brands:
  - name: Acme
    terms: [Acme]   # the brand itself

sources:
  # news first
  - name: Le Monde
    type: rss
    url: https://www.lemonde.fr/rss/une.xml
settings:
  timeout: 10   # seconds
"""

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Mes abonnements</title></head>
  <body>
    <outline text="Actualit\xc3\xa9s" title="Actualit\xc3\xa9s">
      <outline type="rss" text="Le Monde" xmlUrl="https://www.lemonde.fr/rss/une.xml?utm_source=x"/>
      <outline type="rss" text="Blog V\xc3\xa9lo" title="Blog V\xc3\xa9lo" xmlUrl="https://velo.example.fr/feed"/>
    </outline>
    <outline type="rss" text="Le Monde" xmlUrl="https://other.example/monde.xml"/>
    <outline text="not a feed" htmlUrl="https://example.org/"/>
    <outline type="rss" text="bad" xmlUrl="javascript:alert(1)"/>
  </body>
</opml>
"""


def test_read_opml_flattens_folders_and_keeps_http_feeds() -> None:
    feeds = read_opml(OPML)
    assert [(f.title, f.url) for f in feeds] == [
        ("Le Monde", "https://www.lemonde.fr/rss/une.xml?utm_source=x"),
        ("Blog Vélo", "https://velo.example.fr/feed"),
        ("Le Monde", "https://other.example/monde.xml"),
    ]


@pytest.mark.parametrize("data", [b"not xml at all", b"<rss/>"], ids=["not xml", "not opml"])
def test_bad_opml_is_a_usage_error(data: bytes) -> None:
    with pytest.raises(UsageError, match="not an OPML file"):
        read_opml(data)


def test_opml_entities_are_never_resolved() -> None:
    data = (
        b'<!DOCTYPE opml [<!ENTITY e SYSTEM "file:///etc/hostname">]><opml><body>'
        b'<outline text="&e;" xmlUrl="https://e.example/feed"/></body></opml>'
    )
    with pytest.raises(UsageError, match="external entity"):
        read_opml(data)


def test_import_appends_new_feeds_and_keeps_comments(tmp_path: Path, runner) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "subs.opml").write_bytes(OPML)
    result = runner.invoke(app, ["sources", "import", "subs.opml"])
    assert result.exit_code == 0, result.output
    assert "Added 2 feeds" in result.stdout and "1 already there" in result.stdout
    text = config.read_text(encoding="utf-8")
    for comment in ("# Our watch list", "# the brand itself", "# news first", "# seconds"):
        assert comment in text
    loaded = load_config(config)
    assert [(s.name, s.url) for s in loaded.sources] == [
        ("Le Monde", "https://www.lemonde.fr/rss/une.xml"),
        ("Blog Vélo", "https://velo.example.fr/feed"),
        ("Le Monde (2)", "https://other.example/monde.xml"),
    ]
    again = runner.invoke(app, ["sources", "import", "subs.opml"])
    assert "Added 0 feeds" in again.stdout and config.read_text(encoding="utf-8") == text


def test_import_into_the_starter_keeps_its_layout(tmp_path: Path, runner) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    config = tmp_path / "sources.yaml"
    starter = config.read_text(encoding="utf-8")
    (tmp_path / "two.opml").write_bytes(
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline text="Blog One" type="rss" xmlUrl="https://one.example/feed"/>'
        b'<outline text="News: #2" type="rss" xmlUrl="https://two.example/rss?a=1&amp;b=2"/>'
        b"</body></opml>"
    )
    result = runner.invoke(app, ["sources", "import", "two.opml"])
    assert result.exit_code == 0, result.output
    text = config.read_text(encoding="utf-8")
    lines = text.splitlines()
    kept = iter(lines)
    assert all(line in kept for line in starter.splitlines())  # in order, unchanged
    assert len(lines) == len(starter.splitlines()) + 6
    loaded = load_config(config)
    assert [(s.name, s.url) for s in loaded.sources][1:] == [
        ("Blog One", "https://one.example/feed"),
        ("News: #2", "https://two.example/rss?a=1&b=2"),
    ]
    first_new = lines.index("  - name: Blog One")
    assert lines[first_new - 1] == "    url: https://hnrss.org/newest?q=acme"
    assert first_new < lines.index("  # - name: Forum Auto")


def test_import_into_a_flow_style_list(tmp_path: Path, runner) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(
        "brands: [{name: Acme, terms: [Acme]}]\n"
        "sources: [{name: A, type: rss, url: 'https://a.example/f'}]\n",
        encoding="utf-8",
    )
    (tmp_path / "subs.opml").write_bytes(OPML)
    result = runner.invoke(app, ["sources", "import", "subs.opml"])
    assert result.exit_code == 0, result.output
    assert [s.name for s in load_config(config).sources] == [
        "A",
        "Le Monde",
        "Blog Vélo",
        "Le Monde (2)",
    ]


def test_export_writes_opml_that_imports_back(tmp_path: Path, runner) -> None:
    (tmp_path / "sources.yaml").write_text(CONFIG, encoding="utf-8")
    result = runner.invoke(app, ["sources", "export", "-o", "out.opml"])
    assert result.exit_code == 0, result.output
    feeds = read_opml((tmp_path / "out.opml").read_bytes())
    assert [(f.title, f.url) for f in feeds] == [("Le Monde", "https://www.lemonde.fr/rss/une.xml")]
    stdout = runner.invoke(app, ["sources", "export"])
    assert stdout.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>')
