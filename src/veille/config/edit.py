"""Changes a command makes to `sources.yaml` itself, keeping the user's comments and order."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path

from veille.config.load import load_config, parse_config
from veille.urls import canonical_url


def add_feeds(path: Path, feeds: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Append rss sources for (title, url) feeds to a config file, keeping its comments and
    order; feeds already configured (same canonical URL) are skipped. Returns the names added
    and the URLs skipped. The new file is validated before it replaces the old one.
    """
    from ruamel.yaml import YAML  # round-trip editing: only this command needs it

    config = load_config(path)
    known_urls = {canonical_url(s.url) for s in config.sources if s.url}
    names = {s.name for s in config.sources}
    editor = YAML()
    editor.preserve_quotes = True
    document = editor.load(path.read_text(encoding="utf-8"))
    added, skipped = [], []
    for title, url in feeds:
        if canonical_url(url) in known_urls:
            skipped.append(url)
            continue
        name, number = title, 2
        while name in names:
            name, number = f"{title} ({number})", number + 1
        document["sources"].append({"name": name, "type": "rss", "url": url})
        names.add(name)
        known_urls.add(canonical_url(url))
        added.append(name)
    if added:
        buffer = io.StringIO()
        editor.dump(document, buffer)
        parse_config(buffer.getvalue(), path)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(buffer.getvalue(), encoding="utf-8")
        os.replace(temporary, path)
    return added, skipped
