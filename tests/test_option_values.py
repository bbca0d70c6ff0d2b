"""Options converted without pydantic (`cli.values`) give what Typer's adapters give: the
same value, or the same error message."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.main import get_command

from veille.cli import app
from veille.cli.values import PlainValue, convert_plainly

probe = typer.Typer()


@probe.command()
def options(
    text: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    sample: Annotated[int, typer.Option(min=0, max=9)] = 0,
    names: Annotated[list[str] | None, typer.Option()] = None,
    path: Annotated[Path | None, typer.Option()] = None,
    existing: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
    flag: Annotated[bool, typer.Option()] = False,
) -> None:
    """Every kind of option veille's commands take."""


VALUES: dict[str, list[Any]] = {
    "text": ["", "Acme", " spaced ", "é", "-", "--x", b"bytes", 7],
    "limit": ["1", "50", "05", "0", "-1", "+5", " 5", "5_0", "1.5", "abc", "٣", "", 50, 0, True],
    "sample": ["0", "9", "10", "-0", 3, 12],
    "names": [("Acme",), ("a", "b"), ("",), [], ["x"], ("a", 1)],
    "path": ["veille.db", "", "~/x", "dir/", "a\udcff", Path("p.db")],
    "existing": ["missing.yaml", "sources.yaml", ".", Path("sources.yaml")],
    "flag": [True, False, "yes", "off", "maybe", ""],
}


def outcome(runtime: Any, value: Any, param: Any, ctx: Context) -> tuple[str, Any]:
    try:
        return "value", runtime._coerce_value(value, param=param, ctx=ctx)
    except BadParameter as error:
        return "error", error.format_message()


@pytest.mark.parametrize("name", list(VALUES))
def test_each_value_converts_as_typer_converts_it(name: str, tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("brands: []\n")
    command = get_command(probe)
    ctx = Context(command)
    param = next(p for p in command.params if p.name == name)
    convert_plainly([param])
    plain = param._runtime_param
    assert isinstance(plain, PlainValue)
    typer_own = build_runtime_param(param.type_descriptor)
    for value in VALUES[name]:
        expected = outcome(typer_own, value, param, ctx)
        got = outcome(plain, value, param, ctx)
        assert got == expected, value
        assert type(got[1]) is type(expected[1]), value


def test_every_option_of_veille_is_converted_without_pydantic() -> None:
    """No command has an option of a type left to Typer's adapters."""
    command = get_command(app)
    ctx = Context(command)
    left = []

    def walk(group: Any, path: str) -> None:
        for param in group.get_params(ctx):
            if not isinstance(param._runtime_param, PlainValue):
                left.append(f"{path} {param.name}")
        for name, sub in getattr(group, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(command, "veille")
    assert left == []
