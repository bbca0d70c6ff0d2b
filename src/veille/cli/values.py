"""Option values converted without pydantic, for the plain types veille's options take.

Typer 0.29 converts every option's value through a pydantic `TypeAdapter`, built at each
run: importing pydantic and building one per option costs a reading command about a quarter
of its start-up. The values veille's options take (a string, a list of strings, a path, a
whole number within its bounds, a flag) are converted here exactly as those adapters
convert them. Anything else (a number out of range or spelt in words, a bytes value, a type
veille does not use) goes through Typer's own adapter, so every message stays Typer's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_path
from typer.core import TyperArgument, TyperOption

# What `_plain` returns for a value it leaves to Typer's adapter.
_TYPER = object()


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """An option's conversion: the plain cases here, the others through Typer's adapter
    (built only when one comes)."""

    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation, info = self.annotation, self.parameter_info
        if annotation is Path and isinstance(value, (str, Path)):
            # pydantic's Path of a string is Path(string); Typer's checks (exists, …) follow.
            return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
        converted = _plain(annotation, info.min, info.max, value)
        if converted is not _TYPER:
            return converted
        typer_param = build_runtime_param(self.descriptor)
        return typer_param._coerce_value(value, param=param, ctx=ctx)


def _plain(annotation: Any, low: float | None, high: float | None, value: Any) -> Any:
    """The value as Typer's adapter would return it, or `_TYPER` for the adapter to decide."""
    if annotation is str and isinstance(value, str):
        return value
    if annotation is bool and isinstance(value, bool):
        return value
    if annotation is int:
        if isinstance(value, str) and value.isascii() and value.isdigit():
            number = int(value)
        elif type(value) is int:  # a default
            number = value
        else:
            return _TYPER
        if (low is None or number >= low) and (high is None or number <= high):
            return number
        return _TYPER
    if (
        get_origin(annotation) is list
        and get_args(annotation) == (str,)
        and isinstance(value, (list, tuple))
        and all(isinstance(item, str) for item in value)
    ):
        return list(value)
    return _TYPER


def _handled(descriptor: TypeDescriptor) -> bool:
    """Whether an option's type is one of the plain ones, with no parser, file or clamp."""
    annotation: Any = descriptor.annotation
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None or info.clamp:
        return False
    if annotation is Path:
        return info.path_type is None
    return annotation in (str, bool, int) or (
        get_origin(annotation) is list and get_args(annotation) == (str,)
    )


def convert_plainly(params: Iterable[Any]) -> None:
    """Give each option of a plain type the conversion above (Typer builds its own, through
    pydantic, only for an option that has none when its value comes)."""
    for param in params:
        if isinstance(param, (TyperOption, TyperArgument)) and param._runtime_param is None:
            descriptor = param.type_descriptor
            if _handled(descriptor):
                param._runtime_param = PlainValue(
                    parameter_info=descriptor.parameter_info,
                    annotation=descriptor.annotation,
                    descriptor=descriptor,
                )
