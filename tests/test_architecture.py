"""Data flows one way: config → fetch → parse → match → tone → store → report/export.

Each module may import only the veille modules listed for it; `scan` alone composes the
stages and nothing imports `cli`. A package (a directory such as `cli/`) counts as one module
named after it: its files may import one another, and their other veille imports are checked
against its entry. `times` (the stored time format) is a leaf every module may import.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "veille"
LEAVES = {"errors", "models", "text", "urls"}
EVERYWHERE = {"times"}
ALLOWED = {
    "__init__": set(),
    "__main__": {"cli"},
    "errors": set(),
    "models": set(),
    "text": set(),
    "urls": set(),
    "times": set(),
    "charset": set(),
    "config": {"css", "errors", "models", "notify", "urls"},
    "notify": {"text"},
    "alerts": {"errors", "figures", "models", "notify", "spikes", "store", "text"},
    "css": {"errors"},
    "fetch": {"__init__", "models", "errors", "urls"},
    "parse": {"charset", "dates", "models", "errors", "text", "urls"},
    "match": {"models", "text", "urls"},
    "tone": {"arraycache", "errors", "models", "prose", "text"},
    "prose": {"text"},
    "arraycache": set(),
    "migrations": {"urls"},
    "store": {"models", "errors", "migrations", "text"},
    "figures": {"spikes", "store"},
    "health": {"models"},
    "cron": {"errors"},
    "opml": {"errors", "models", "urls"},
    "search": {"models"},
    "extract": {"charset", "css", "dates", "errors", "models", "text", "urls"},
    "dates": set(),
    "harvest": {"errors", "extract", "fetch", "models", "parse", "search", "urls"},
    "spikes": set(),
    "query": {"models", "errors", "store"},
    "backfill": {"match", "models", "store", "tone", "urls"},
    "backtest": {"backfill", "errors", "match", "models", "store", "text", "tone", "urls"},
    "backtest_view": {"models", "report"},
    "scan": {"models", "errors", "fetch", "harvest", "match", "tone", "store", "urls", "backfill"}
    | {"health", "workers"},
    "workers": set(),
    "report": {"models", "text", "wording"},
    "wording": {"errors", "spikes"},
    "export": set(),
    "demo": {"models", "scan"},
    "warm": {"scan", "tone", "workers"},
    "detail": {"errors", "match", "models", "store", "tone"},
    "labelling": {"detail", "errors", "models", "store", "text", "tone"},
    "cli": set(LEAVES)
    | {"__init__", "config", "export", "query", "report", "scan", "store"}
    | {"demo", "tone", "figures", "health", "cron", "opml", "alerts"}
    | {"backtest", "backtest_view", "detail", "labelling", "wording"},
}


def modules() -> dict[str, list[Path]]:
    """Each module's name and files: a `.py` file, or a directory's `.py` files."""
    found: dict[str, list[Path]] = {path.stem: [path] for path in PACKAGE.glob("*.py")}
    for directory in PACKAGE.iterdir():
        if directory.is_dir():
            files = sorted(directory.rglob("*.py"))
            if files:
                found.setdefault(directory.name, []).extend(files)
    return found


def veille_imports(path: Path) -> set[str]:
    """The veille modules `path` imports, relative imports included."""
    package = path.parent.relative_to(PACKAGE.parent).parts
    names = set(modules())
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            if module == "veille":
                found |= {a.name if a.name in names else "__init__" for a in node.names}
            elif module.startswith("veille."):
                found.add(module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("veille.")}
    return found


def test_every_module_is_listed() -> None:
    assert set(modules()) <= set(ALLOWED)


def test_no_module_reaches_backwards() -> None:
    for name, files in modules().items():
        for path in files:
            own = {name} if path.parent != PACKAGE else set()
            extra = veille_imports(path) - ALLOWED[name] - own
            if name not in EVERYWHERE:
                extra -= EVERYWHERE
            assert not extra, f"{path.relative_to(PACKAGE)} imports {sorted(extra)}"
