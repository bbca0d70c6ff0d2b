"""Data flows one way: config → fetch → parse → match → tone → store → report/export.

Each module may import only the veille modules listed for it; `scan` alone composes the
stages and nothing imports `cli`.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "veille"
LEAVES = {"errors", "models", "text", "urls"}
ALLOWED = {
    "__init__": set(),
    "__main__": {"cli"},
    "errors": set(),
    "models": set(),
    "text": set(),
    "urls": set(),
    "config": {"css", "errors", "models", "notify", "urls"},
    "notify": {"text"},
    "alerts": {"errors", "figures", "models", "notify", "spikes", "store", "text"},
    "css": {"errors"},
    "fetch": {"__init__", "models", "errors", "urls"},
    "parse": {"models", "errors", "text", "urls"},
    "match": {"models", "text", "urls"},
    "tone": {"arraycache", "models", "text"},
    "arraycache": set(),
    "migrations": set(),
    "store": {"models", "errors", "migrations", "text"},
    "figures": {"spikes", "store"},
    "health": {"models"},
    "cron": {"errors"},
    "opml": {"errors", "models", "urls"},
    "search": {"models"},
    "extract": {"css", "dates", "errors", "models", "text", "urls"},
    "dates": set(),
    "harvest": {"errors", "extract", "fetch", "models", "parse", "search", "urls"},
    "spikes": set(),
    "query": {"models", "errors", "store"},
    "scan": {"models", "errors", "fetch", "harvest", "match", "tone", "store", "urls"},
    "report": {"models", "text"},
    "export": set(),
    "demo": {"models", "scan"},
    "warm": {"scan", "tone"},
    "cli": set(LEAVES)
    | {"__init__", "config", "export", "query", "report", "scan", "store"}
    | {"demo", "tone", "figures", "health", "cron", "opml", "alerts"},
}


def veille_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "veille":
                found |= {"__init__" for alias in node.names}
            elif node.module.startswith("veille."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("veille.")}
    return found


def test_every_module_is_listed() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} <= set(ALLOWED)


def test_no_module_reaches_backwards() -> None:
    for path in PACKAGE.glob("*.py"):
        extra = veille_imports(path) - ALLOWED[path.stem]
        assert not extra, f"{path.name} imports {sorted(extra)}"
