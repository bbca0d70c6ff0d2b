"""The command tree: each command registered on the `app`, in the order `veille --help`
lists them."""

from __future__ import annotations

from veille.cli import alerts, archive, listing, maintenance, sources, sweep, tone
from veille.cli.common import VeilleCommand, app, epilog

__all__ = ["app"]

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
):
    app.command(cls=VeilleCommand, epilog=epilog(_command.__name__))(_command)
app.add_typer(tone.tone_app, name="tone")
app.add_typer(sources.sources_app, name="sources")
app.add_typer(alerts.alerts_app, name="alerts")
