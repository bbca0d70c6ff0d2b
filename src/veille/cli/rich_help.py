"""Typer's Rich help formatter, imported without the two Rich modules veille's help never uses.

`typer.rich_utils` imports `rich.markdown` (markdown-it and Pygments) for help written in
Markdown, and `rich.traceback` (attrs, Rich's pretty printer) for Rich tracebacks, at its
top. veille writes its help in Rich markup and turns Typer's tracebacks off, yet those two
imports were half the time of `veille --help`. While `rich_utils` loads, a stand-in takes
the place of each: a class that imports the real module and hands over to the real class if
it is ever called, so behaviour is unchanged. Anywhere else, the real modules import as usual.
If Typer ever imports more from them, the stand-ins are dropped and it loads as it always did.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# The module and the one name `typer.rich_utils` imports from it.
_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _StandIn(type):
    """A stand-in class: calling it, or asking it for an attribute (`from_exception`), goes
    to the real class, imported then."""

    _module: str

    def _real(cls) -> Any:
        return getattr(importlib.import_module(cls._module), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._real(), name)


def import_rich_help() -> None:
    """Import `typer.rich_utils` (once) with stand-ins for `rich.markdown`/`rich.traceback`."""
    if "typer.rich_utils" in sys.modules:
        return
    stand_ins = {}
    for module_name, class_name in _DEFERRED.items():
        if module_name not in sys.modules:
            module = types.ModuleType(module_name)
            setattr(module, class_name, _StandIn(class_name, (), {"_module": module_name}))
            stand_ins[module_name] = module
    sys.modules.update(stand_ins)
    try:
        import typer.rich_utils  # noqa: F401
    except ImportError:
        pass  # it needs more than the stand-ins offer: imported below as usual
    finally:
        for module_name, module in stand_ins.items():
            if sys.modules.get(module_name) is module:
                del sys.modules[module_name]
    import typer.rich_utils  # noqa: F401, F811
