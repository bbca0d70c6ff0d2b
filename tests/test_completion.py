"""`veille completion SHELL` prints the shell's script, and the Tab requests it makes are
answered from the command tree, through the console-script entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from veille.cli import app

ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}


@pytest.mark.parametrize(
    ("shell", "first_line", "request_"),
    [
        ("bash", "_veille_completion() {", "_VEILLE_COMPLETE=complete_bash $1"),
        ("zsh", "#compdef veille", "_VEILLE_COMPLETE=complete_zsh veille"),
        ("fish", "complete --command veille", "_VEILLE_COMPLETE=complete_fish"),
    ],
)
def test_the_script_is_the_shells(
    runner: CliRunner, shell: str, first_line: str, request_: str
) -> None:
    result = runner.invoke(app, ["completion", shell])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(first_line)
    assert request_ in result.output
    others = {"bash": "complete_bash", "zsh": "complete_zsh", "fish": "complete_fish"}
    assert [name for name, word in others.items() if word in result.output] == [shell]


def test_an_unknown_shell_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["completion", "tcsh"])
    assert result.exit_code == 2
    assert "veille: error: 'tcsh': completion is for bash, zsh or fish" in result.output


def _complete(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A Tab request as the scripts make it: the program run with no argument."""
    return subprocess.run(
        [sys.executable, "-m", "veille"],
        env={**ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("veille men", 1, ["mentions"]),
        ("veille sources ", 2, ["import", "export"]),
        ("veille mentions --li", 2, ["--limit"]),
        ("veille comp", 1, ["completion"]),
        ("veille completion ", 2, ["bash", "zsh", "fish"]),
        ("veille tone tr", 2, ["train"]),
        ("veille tone --db x.db tr", 4, ["train"]),
        # Only where `train` would run: the first word, after options it has.
        ("veille tone -- tr", 3, []),
        ("veille tone hello tr", 3, []),
        ("veille tone hello ", 3, []),
        ("veille tone --lang fr tr", 4, []),
        ("veille tone --js", 2, ["--json"]),
        ("veille tone train --re", 3, ["--reset"]),
    ],
)
def test_a_bash_request_is_answered(words: str, cword: int, expected: list[str]) -> None:
    result = _complete(
        {"_VEILLE_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected


def test_zsh_and_fish_requests_are_answered() -> None:
    zsh = _complete({"_VEILLE_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "veille inb"})
    assert zsh.returncode == 0 and '"inbox"' in zsh.stdout, zsh.stderr
    fish = _complete(
        {
            "_VEILLE_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_TYPER_COMPLETE_ARGS": "veille rep",
        }
    )
    assert fish.returncode == 0 and fish.stdout.startswith("report\t"), fish.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [("veille men", 1, ["mentions"]), ("veille tone tr", 2, ["train"])],
)
def test_bash_completes_through_the_printed_script(
    tmp_path: Path, words: str, cword: int, expected: list[str]
) -> None:
    """The script as bash sources it, calling a `veille` found on the PATH."""
    program = tmp_path / "bin" / "veille"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m veille "$@"\n')
    program.chmod(0o755)
    script = (
        "source <(veille completion bash)\n"
        f"COMP_WORDS=({words}); COMP_CWORD={cword}; _veille_completion veille\n"
        'echo "${COMPREPLY[@]}"\n'
    )
    env = {**ENV, "PATH": f"{program.parent}{os.pathsep}{ENV['PATH']}"}
    out = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == expected


def test_a_request_loads_no_config_store_or_view(tmp_path: Path) -> None:
    """A Tab runs veille each time: it is answered from the command tree alone."""
    code = (
        "import os, sys\nos.environ.update(_VEILLE_COMPLETE='complete_bash', "
        "COMP_WORDS='veille men', COMP_CWORD='1')\nsys.argv = ['veille']\n"
        "import veille.cli\ntry:\n    veille.cli.main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=ENV, cwd=tmp_path, capture_output=True, text=True
    ).stdout
    assert out.startswith("mentions\n")
    loaded = set(out.split())
    heavy = ("pydantic", "sqlite_utils", "veille.config", "veille.store", "rich.console")
    assert [name for name in heavy if name in loaded] == []
