"""The `veille` command line: options, one call per command, rendering, exit codes.

Every command resolves its config and database, calls one function from a domain module and
renders what comes back. `VeilleError`s become one line on stderr and their exit code
(2 usage/config, 75 locked, 1 failed source); Ctrl-C becomes 130.

The sweep's stages (HTTP, feed parsing, tone models) are imported by the commands that use
them, so the reading commands (`report`, `mentions`, …) start in half the time.

`common` holds the `app` and what the commands share (options, error handling, output);
`sweep` the commands that fetch (`scan`, `preview`, `demo`…), `listing` those that read or
triage the stored mentions (`mentions`, `inbox`, `show`, `mark`, `label`…), `tone` the tone
of a text and `tone train`, `archive` the commands over the item archive (`backtest`,
`purge`), `maintenance` those that keep the database safe (`backup`, `doctor`), `shell` the
completion scripts, `sources` and `alerts` their sub-commands; `commands` registers them all
on the `app`.

Importing this package costs nothing: the `app` is built on first use, so `veille --version`
is answered before Typer is imported and each command imports only what it uses.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    """`veille.cli.app`, built (every command imported and registered) when first asked for."""
    if name == "app":
        from veille.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point. A bare `--version` is answered at once: Typer and the
    command tree would cost several times Python's own start-up. A command line that names
    a command runs an app holding that command alone (see `commands.app_for`)."""
    if sys.argv[1:] == ["--version"]:
        from veille import __version__

        sys.stdout.write(f"veille {__version__}\n")
        return
    from veille.cli.commands import app_for
    from veille.cli.shell import COMPLETE_VAR

    # A Tab request (`veille completion`) completes from the whole tree.
    args = [] if COMPLETE_VAR in os.environ else sys.argv[1:2]
    app_for(args)(complete_var=COMPLETE_VAR)
