"""Changes a command makes to `sources.yaml` itself, keeping the user's comments and order."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from veille.config.load import load_config, parse_config
from veille.errors import ConfigError
from veille.models import Config
from veille.urls import canonical_url

_SOURCES_KEY = re.compile(r"^sources:[ \t]*(#.*)?$")
_ITEM = re.compile(r"^( *)-( +)\S")


def add_feeds(path: Path, feeds: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Add rss sources for (title, url) feeds to a config file, keeping its comments and
    order; feeds already configured (same canonical URL) are skipped. Returns the names added
    and the URLs skipped. The new file is validated before it replaces the old one.
    """
    config = load_config(path)
    known_urls = {canonical_url(s.url) for s in config.sources if s.url}
    names = {s.name for s in config.sources}
    new: list[tuple[str, str]] = []
    skipped = []
    for title, url in feeds:
        if canonical_url(url) in known_urls:
            skipped.append(url)
            continue
        name, number = title, 2
        while name in names:
            name, number = f"{title} ({number})", number + 1
        new.append((name, url))
        names.add(name)
        known_urls.add(canonical_url(url))
    if new:
        text = path.read_text(encoding="utf-8")
        edited = _inserted(text, new)
        if edited is None or not _adds_exactly(edited, path, config, new):
            edited = _dumped(text, new)
            parse_config(edited, path)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(edited, encoding="utf-8", newline="")
        os.replace(temporary, path)
    return [name for name, _ in new], skipped


def _inserted(text: str, feeds: list[tuple[str, str]]) -> str | None:
    """The text with the feeds written right after the last item of the `sources:` list, in
    its indentation, every other line left as it is; None when the list is not a plain
    block one veille can find. Re-dumping the whole file would re-indent it, and would put
    the feeds after the commented-out blocks that follow the last source (the starter's)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _SOURCES_KEY.match(line.rstrip())), None)
    if start is None:
        return None
    last, item = None, None
    for index in range(start + 1, len(lines)):
        line = lines[index].rstrip("\r\n")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line.startswith((" ", "-")) or line.startswith(("---", "...")):
            break
        item = item or _ITEM.match(line)
        last = index
    if last is None or item is None:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    dash = item.group(1) + "-" + item.group(2)
    under = " " * len(dash)
    block = "".join(
        f"{dash}name: {_scalar(name)}{newline}{under}type: rss{newline}{under}url: {_scalar(url)}"
        f"{newline}"
        for name, url in feeds
    )
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    return "".join([*lines[: last + 1], block, *lines[last + 1 :]])


def _scalar(value: str) -> str:
    """A YAML scalar for `value`: plain when it reads back as itself, else double-quoted."""
    try:
        plain = yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        plain = False
    return value if plain and "\n" not in value else json.dumps(value, ensure_ascii=False)


def _adds_exactly(edited: str, path: Path, before: Config, feeds: list[tuple[str, str]]) -> bool:
    """Whether the edited text is a valid config whose sources are the old ones then the
    new feeds: the check that the text insertion landed where it was meant to."""
    try:
        after = parse_config(edited, path)
    except ConfigError:
        return False
    expected = [*((s.name, s.url) for s in before.sources), *feeds]
    return [(s.name, s.url) for s in after.sources] == expected


def _dumped(text: str, feeds: list[tuple[str, str]]) -> str:
    """The feeds appended through a round-trip YAML dump: for layouts `_inserted` does not
    handle (a flow-style list), at the cost of re-indenting the file."""
    from ruamel.yaml import YAML  # round-trip editing: only this command needs it

    editor = YAML()
    editor.preserve_quotes = True
    document = editor.load(text)
    for name, url in feeds:
        document["sources"].append({"name": name, "type": "rss", "url": url})
    buffer = io.StringIO()
    editor.dump(document, buffer)
    return buffer.getvalue()
