"""Exit codes: one enum, the numbers SPEC's exit code section gives, and the command line's
own usage errors among them."""

from __future__ import annotations

import re

import pytest
from conftest import SHARED

from veille.cli import app
from veille.errors import (
    ConfigError,
    DamagedError,
    DiskFullError,
    ExitCode,
    LockedError,
    SourceError,
    StoreError,
    UsageError,
    VeilleError,
)

SPEC = SHARED / "SPEC.md"


def spec_exit_codes() -> set[int]:
    """The numbers written as code in SPEC's `## Exit codes` section."""
    text = SPEC.read_text(encoding="utf-8")
    section = re.search(r"^## Exit codes\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert section is not None, f"{SPEC} has no '## Exit codes' section"
    return {int(number) for number in re.findall(r"`(\d+)`", section.group(1))}


@pytest.mark.skipif(not SPEC.is_file(), reason="the product contract (SPEC.md) is not here")
def test_the_enum_holds_exactly_the_spec_exit_codes() -> None:
    assert {int(code) for code in ExitCode} == spec_exit_codes()


def test_exit_code_values() -> None:
    assert [(code.name, int(code)) for code in ExitCode] == [
        ("OK", 0),
        ("SOURCE_FAILED", 1),
        ("USAGE", 2),
        ("LOCKED", 75),
        ("INTERRUPTED", 130),
    ]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (VeilleError("x"), ExitCode.SOURCE_FAILED),
        (SourceError("x"), ExitCode.SOURCE_FAILED),
        (ConfigError("x"), ExitCode.USAGE),
        (UsageError("x"), ExitCode.USAGE),
        (StoreError("x"), ExitCode.USAGE),
        (DamagedError("x"), ExitCode.USAGE),
        (LockedError("x"), ExitCode.LOCKED),
        (DiskFullError("x"), ExitCode.SOURCE_FAILED),
        (DiskFullError("x", exit_code=ExitCode.USAGE), ExitCode.USAGE),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value.name,
)
def test_each_error_carries_its_exit_code(error: VeilleError, code: ExitCode) -> None:
    assert error.exit_code is code


@pytest.mark.parametrize(
    "args",
    [
        ["no-such-command"],
        ["scan", "--no-such-option"],
        ["mentions", "-n", "many"],
        ["preview"],
    ],
    ids=["unknown command", "unknown option", "bad option value", "missing argument"],
)
def test_command_line_usage_errors_exit_with_the_usage_code(runner, args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.USAGE, result.output
