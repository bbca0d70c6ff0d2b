"""The command tree: each command registered on the `app`, in the order `veille --help`
lists them; `app_for` the part of it a command line runs."""

from __future__ import annotations

import copy

import typer
from typer.main import get_command_name

from veille.cli import alerts, archive, listing, maintenance, shell, sources, sweep
from veille.cli.common import VeilleCommand, app, epilog

__all__ = ["app", "app_for"]

for _command in (
    sweep.init,
    sweep.scan,
    listing.mentions,
    listing.export,
    sweep.preview,
    sweep.tone,
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
app.add_typer(sources.sources_app, name="sources")
app.add_typer(alerts.alerts_app, name="alerts")


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs `veille ARGS`: when the first argument names a command, the app with
    that command alone, else the whole app.

    Typer turns every command it holds into a Click command, options and all, before it
    parses anything: for the whole tree, a tenth of a reading command's start-up. The root
    takes no option with a value, so a first argument that names a command is that command,
    and the options, help and errors of `veille mentions …` are the same either way.
    """
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
