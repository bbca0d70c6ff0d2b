from __future__ import annotations

import re
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


def test_every_picture_the_readme_shows_is_in_the_repository() -> None:
    """A picture the README links to exists and is a PNG drawn with more than a colour."""
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/report-demo.png" in pictures
    for picture in pictures:
        data = (Path(__file__).resolve().parents[1] / picture).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), picture
        # A blank image compresses to almost nothing; the report's top is charts and text.
        assert len(data) > 20_000, picture
