from __future__ import annotations

from pathlib import Path

import typer

from veille.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands() -> None:
    opening = README.split("```")[0]
    assert "pip install -e . && veille demo" in opening
    assert "pip install -e '.[test]' && pytest" in opening


def test_every_command_has_help_and_is_in_the_readme() -> None:
    commands = typer.main.get_command(app).commands
    assert commands
    for name, command in commands.items():
        assert command.help and command.help.strip(), name
        assert f"veille {name}" in README, name
