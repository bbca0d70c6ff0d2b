"""The commands over the item archive: `backtest` tries a rule on it, `purge` removes a
person's items and mentions (or everything before a date)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from veille.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    _console,
    _zone,
    handles_errors,
)
from veille.errors import UsageError

RepeatedOption = Annotated[list[str] | None, typer.Option()]


@handles_errors
def backtest(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: Annotated[
        str | None,
        typer.Option(
            "--brand",
            help="A configured brand: its rules as they stand, or with the options below added.",
        ),
    ] = None,
    term: Annotated[
        list[str] | None, typer.Option("--term", help="A term to look for (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="An item holding this is not a mention (repeatable)."),
    ] = None,
    require_any: Annotated[
        list[str] | None,
        typer.Option("--require-any", help="At least one must appear too (repeatable)."),
    ] = None,
    domain: Annotated[
        list[str] | None,
        typer.Option("--domain", help="A link to this host counts as a mention (repeatable)."),
    ] = None,
    case_sensitive: Annotated[
        bool, typer.Option("--case-sensitive", help="Terms match their case.")
    ] = False,
    rule: Annotated[
        Path | None,
        typer.Option("--rule", help="A YAML file holding one brand, as sources.yaml writes it."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Items from this time: 90d, 2026-06-01 (default: all)."),
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Items before this time.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=1_000_000, help="Rows per table.")] = 5,
    sample: Annotated[
        int, typer.Option("--sample", min=0, max=1_000_000, help="Matches and near misses shown.")
    ] = 10,
    as_json: JsonOption = False,
) -> None:
    """Try a brand rule on the archive of items already read; nothing is saved."""
    from veille.backtest import rule_to_try, run_backtest
    from veille.backtest_view import backtest_view
    from veille.config import load_brand_rule, load_for_command, proposed_brand
    from veille.query import parse_when
    from veille.report import plain_marked
    from veille.scan import load_tone_engine
    from veille.store import Store
    from veille.times import utc_now

    loaded, db_path = load_for_command(config, db, require_config=False)
    configured = loaded.brands if loaded else ()
    options = (term, exclude, require_any, domain)
    proposed = None
    if rule is not None:
        if any(options) or brand:
            raise UsageError("give either --rule FILE or --brand/--term…, not both")
        proposed = load_brand_rule(rule)
    elif any(options) or case_sensitive:
        base = next((b for b in configured if b.name == brand), None)
        proposed = proposed_brand(
            brand or "proposed rule",
            term or (base.terms if base else ()),
            exclude or (),
            require_any or (),
            domain or (),
            case_sensitive,
        )
    elif brand is None:
        raise UsageError("say what to try: --brand NAME, --term WORD… or --rule FILE")
    tried, compare_with = rule_to_try(configured, brand if rule is None else None, proposed)
    now, zone = utc_now(), _zone(loaded)
    period = [
        parse_when(v, o, now, zone) if v else None
        for v, o in ((since, "--since"), (until, "--until"))
    ]
    load_tone_engine(loaded)  # a wrong engine is a config error before the archive is read
    with Store(db_path, create=False, write=False) as store:
        store.db.execute("PRAGMA query_only = ON")
        engine = load_tone_engine(loaded, store)  # as a sweep would: with the trained layer
        result = run_backtest(
            store,
            tried,
            compare_with=compare_with,
            since=period[0],
            until=period[1],
            engine=engine,
            sample=sample,
            zone=zone,
        )
    data = result.data()
    if as_json:
        for key in ("samples", "near_miss_samples"):
            data[key] = [{**s, "excerpt": plain_marked(s.pop("excerpt_marked"))} for s in data[key]]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    console = _console()
    console.print(backtest_view(data, width=console.width, top=top, zone=zone))


@handles_errors
def purge(
    config: ConfigOption = None,
    db: DbOption = None,
    author: Annotated[
        str | None,
        typer.Option("--author", help="Remove this person's items and mentions (any case)."),
    ] = None,
    before: Annotated[
        str | None,
        typer.Option("--before", help="Remove the items and mentions dated before: 2026-01-01."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove items and mentions for good (a right-to-erasure request, or old history)."""
    from veille.config import load_for_command
    from veille.query import parse_when
    from veille.store import ScanLock, Store
    from veille.times import show_time, zone_name

    if (author is None) == (before is None):
        raise UsageError("give one of --author NAME or --before DATE")
    loaded, db_path = load_for_command(config, db, require_config=False)
    zone = _zone(loaded)
    cutoff = parse_when(before, "--before", zone=zone) if before else None
    with ScanLock(db_path), Store(db_path, create=False) as store:
        authors = store.authors_named(author) if author else []
        if author and not authors:
            finished = store.finish_erasure()
            typer.echo(
                f"Nothing to remove: no item or mention by {author!r}."
                + (" An erasure cut short is now finished." if finished else "")
            )
            return
        planned = store.purge_count(authors, cutoff)
        if cutoff is None:
            who = "by " + ", ".join(repr(name) for name in authors)
        else:
            who = f"dated before {show_time(cutoff, zone)} {zone_name(zone)}"
        typer.echo(
            f"This removes {planned.items} archived items and {planned.mentions} mentions "
            f"{who}, from every table and the search index, for good."
        )
        if not planned.items and not planned.mentions:
            return
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError("no terminal to ask on: pass --yes to confirm")
            if not typer.confirm("Remove them?", default=False):
                typer.echo("Nothing removed.")
                return
        done = store.purge(authors, cutoff)
    typer.echo(f"Removed {done.items} archived items and {done.mentions} mentions.")
