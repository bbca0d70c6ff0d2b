"""The command tree: each command registered on the `app`, in the order `veille --help`
lists them; `app_for` the part of it a command line runs."""

from __future__ import annotations

import copy
from typing import TypeVar

import typer
from typer.main import get_command_name
from typer.models import CommandInfo, TyperInfo

from veille.cli import alerts, archive, listing, maintenance, shell, sources, sweep, tone
from veille.cli.common import VeilleCommand, app, epilog

__all__ = ["app", "app_for"]

for _command in (
    sweep.init,
    sweep.scan,
    listing.mentions,
    listing.export,
    sweep.preview,
    listing.report,
    listing.search,
    listing.inbox,
    listing.show,
    listing.mark,
    listing.label,
    archive.backtest,
    archive.purge,
    maintenance.backup,
    maintenance.doctor,
    sweep.cron,
    sweep.demo,
    shell.completion,
):
    app.command(cls=VeilleCommand, epilog=epilog(_command.__name__))(_command)
app.add_typer(tone.tone_app, name="tone")
app.add_typer(sources.sources_app, name="sources")
app.add_typer(alerts.alerts_app, name="alerts")


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs `veille ARGS`, holding no more of the tree than they use.

    Typer turns every command it holds into a Click command, reading all its options, before
    it parses anything: for the whole tree, about 20 ms. The root takes no option with a
    value, so a first argument that names a command is that command, and `veille mentions …`
    runs an app with `mentions` alone; `veille --help` lists the commands by their name and
    help, which `_as_listed` keeps. Options, help and errors are the same as the whole app's
    (`tests/test_startup.py` compares them).
    """
    if args == ["--help"]:
        return _as_listed(app)
    name = args[0] if args else None
    commands = [
        info
        for info in app.registered_commands
        if info.callback is not None
        and (info.name or get_command_name(info.callback.__name__)) == name
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    if not commands and not groups:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands = commands
    narrowed.registered_groups = groups
    return narrowed


def _as_listed(whole: typer.Typer) -> typer.Typer:
    """The app as its help lists it: each command and group with its name, help and panel,
    its function replaced by one that takes no option; the root's own options kept."""
    listed = copy.copy(whole)
    listed.registered_commands = [_taking_nothing(info) for info in whole.registered_commands]
    groups = []
    for info in whole.registered_groups:
        if info.typer_instance is None:
            groups.append(info)
            continue
        group = copy.copy(info.typer_instance)
        group.registered_commands, group.registered_groups = [], []
        if group.registered_callback is not None:
            group.registered_callback = _taking_nothing(group.registered_callback)
        groups.append(copy.copy(info))
        groups[-1].typer_instance = group
    listed.registered_groups = groups
    return listed


Info = TypeVar("Info", CommandInfo, TyperInfo)


def _taking_nothing(info: Info) -> Info:
    """A copy of a command's registration whose function has its name and docstring (what
    Typer names and describes it by) and no parameter."""
    function = info.callback
    if function is None:
        return info

    def takes_nothing() -> None:
        """Never called: the help of the command it stands for is all that is printed."""

    takes_nothing.__name__, takes_nothing.__doc__ = function.__name__, function.__doc__
    stand_in = copy.copy(info)
    stand_in.callback = takes_nothing
    return stand_in
