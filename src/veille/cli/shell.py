"""`veille completion SHELL`: the script that lets bash, zsh or fish complete veille's
commands and options.

The script calls `veille` back at each Tab with `_VEILLE_COMPLETE` set (`complete_bash`, …)
and the words typed so far; Typer answers such a call before any command runs, from the
whole command tree. A command that prints the script is found in `veille --help`, and
writes where the user chooses, where `--install-completion` would guess the shell and edit
its start-up file.
"""

from __future__ import annotations

from typing import Annotated

import typer

from veille.cli.common import handles_errors
from veille.errors import UsageError

# The environment variable the scripts set; `veille.cli.main` answers to it under any name
# it is run by (`python -m veille` included).
COMPLETE_VAR = "_VEILLE_COMPLETE"
SHELLS = ("bash", "zsh", "fish")


def _shells(incomplete: str) -> list[str]:
    return [shell for shell in SHELLS if shell.startswith(incomplete)]


@handles_errors
def completion(
    shell: Annotated[
        str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.", autocompletion=_shells)
    ],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    With it, Tab completes commands and options. The examples say where each shell reads it."""
    from typer.completion import get_completion_script

    if shell not in SHELLS:
        raise UsageError(f"{shell!r}: completion is for bash, zsh or fish")
    typer.echo(get_completion_script(prog_name="veille", complete_var=COMPLETE_VAR, shell=shell))
