"""The commands that read the stored mentions: `mentions`, `export`, `report`, `search`,
`inbox`, `show` for one in full, `mark` to triage what they list and `label` to correct a
tone.

They share the filter options (--brand, --since, --tone, …), checked by `common._listing`,
and never import the sweep's stages.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from veille.cli.common import (
    BrandOption,
    ConfigOption,
    DbOption,
    FlagOption,
    JsonOption,
    LangOption,
    ReportLangOption,
    SinceOption,
    SourceOption,
    StatusOption,
    ToneOption,
    UntilOption,
    _console,
    _listing,
    _print_json_lines,
    _zone,
    builtin_engine,
    check_html_target,
    handles_errors,
    show_report,
)
from veille.errors import UsageError, VeilleError

LabelledOption = Annotated[
    bool,
    typer.Option("--labelled", help="Only mentions whose tone was corrected (`veille label`)."),
]

if TYPE_CHECKING:
    import io
    from datetime import tzinfo

    from veille.store import MentionFilter, Store


@handles_errors
def mentions(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    lang: LangOption = None,
    labelled: LabelledOption = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1_000_000, help="At most N mentions.")
    ] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per mention per line.")
    ] = False,
) -> None:
    """List stored mentions, newest first."""
    from veille.report import mentions_table

    with _listing(config, db, brand, source, since, until, tone, flag, status, lang) as (
        store,
        filters,
        _,
        zone,
    ):
        rows = store.iter_mentions(replace(filters, labelled=labelled), limit=limit)
        if as_json:
            _print_json_lines(rows)
        else:
            console = _console()
            console.print(mentions_table(rows, width=console.width, zone=zone))


@handles_errors
def export(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    lang: LangOption = None,
    labelled: LabelledOption = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, jsonl or xlsx.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE (default: stdout).")
    ] = None,
    excel: Annotated[
        bool, typer.Option("--excel", help="Add a UTF-8 BOM so Excel reads the accents.")
    ] = False,
) -> None:
    """Export mentions as CSV, JSON Lines or an Excel workbook, streamed."""
    from veille.export import EXPORT_FORMATS, write_export

    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format {fmt!r}: choose csv, jsonl or xlsx")
    if fmt == "xlsx" and output is None:
        raise UsageError("--format xlsx writes a file, not text: give -o FILE.xlsx")
    if fmt == "xlsx" and excel:
        raise UsageError("--excel is for CSV; a workbook from --format xlsx opens in Excel as is")
    with _listing(config, db, brand, source, since, until, tone, flag, status, lang) as (
        store,
        filters,
        _,
        zone,
    ):
        filters = replace(filters, labelled=labelled)
        if fmt == "xlsx":
            assert output is not None
            count = _export_xlsx(store, filters, output, zone)
            _console(stderr=True).print(f"Exported {count} mentions to {output}")
            return
        rows = store.iter_mentions(filters)
        if output is None:
            # The standard stream is a TextIOWrapper; typeshed types it as any text stream.
            cast("io.TextIOWrapper", sys.stdout).reconfigure(newline="")
            write_export(rows, sys.stdout, fmt, excel=excel)
            return
        try:
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = write_export(rows, handle, fmt, excel=excel)
        except OSError as error:
            raise UsageError(f"{output}: cannot write ({error.strerror})") from None
    _console(stderr=True).print(f"Exported {count} mentions to {output}")


def _export_xlsx(store: Store, filters: MentionFilter, output: Path, zone: tzinfo) -> int:
    """Write the workbook (dates in `zone`), refusing first what Excel could not open in one
    sheet."""
    from veille.export import XLSX_MAX_ROWS, write_xlsx

    total = store.count_mentions(filters)
    if total > XLSX_MAX_ROWS:
        raise UsageError(
            f"{total:,} mentions: an Excel sheet holds {XLSX_MAX_ROWS:,}; "
            "narrow with --since/--brand, or export as csv"
        )
    try:
        return write_xlsx(store.iter_mentions(filters), output, zone)
    except OSError as error:
        raise UsageError(f"{output}: cannot write ({error.strerror or error})") from None


@handles_errors
def report(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="From this time: 7d, 24h, 2026-11-01 (default: 7 days)."),
    ] = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    mention_lang: Annotated[
        list[str] | None,
        typer.Option(
            "--mention-lang", metavar="CODE", help="Only mentions in this language: fr, en…"
        ),
    ] = None,
    lang: ReportLangOption = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", help="Write the report as one HTML file."),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=1_000_000, help="Rows in the who/where tables.")
    ] = 5,
    as_json: JsonOption = False,
) -> None:
    """Who is talking, where, in what tone, what changed, and what needs an answer."""
    from veille.figures import build_report, default_since
    from veille.query import starting
    from veille.times import utc_now
    from veille.wording import report_language

    language = report_language(lang, os.environ)
    check_html_target(html, as_json)
    now = utc_now()
    with _listing(config, db, brand, source, None, until, tone, flag, status, mention_lang) as (
        store,
        filters,
        loaded,
        zone,
    ):
        check_html_target(html, database=store.path, config=loaded.path if loaded else None)
        # The default period is whole days of the zone, known once the config is read.
        filters = starting(filters, since or default_since(now, zone=zone), now, zone)
        competitors = {b.name for b in loaded.brands if b.competitor} if loaded else set()
        figures = build_report(store, filters, now=now, competitors=competitors, top=top, zone=zone)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        show_report(figures, zone, language, html)


@handles_errors
def search(
    query: Annotated[
        str,
        typer.Argument(
            help='Words to find (at most 50); FTS5 syntax: AND, OR, NOT, "a phrase", pre*, '
            "NEAR(a b, 10)."
        ),
    ],
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    status: StatusOption = None,
    lang: LangOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1_000_000, help="At most N mentions.")
    ] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per mention per line.")
    ] = False,
) -> None:
    """Full-text search over stored mentions, newest first, matched words highlighted."""
    from veille.report import plain_marked, search_results

    with _listing(config, db, brand, source, since, until, tone, flag, status, lang) as (
        store,
        filters,
        _,
        zone,
    ):
        rows = store.search(query, filters, limit=limit)
    if as_json:
        _print_json_lines(
            {
                **{k: v for k, v in row.items() if not k.endswith("_marked")},
                "excerpt": plain_marked(row["excerpt_marked"]),
            }
            for row in rows
        )
    else:
        console = _console()
        console.print(search_results(rows, width=console.width, zone=zone))


@handles_errors
def inbox(
    config: ConfigOption = None,
    db: DbOption = None,
    brand: BrandOption = None,
    source: SourceOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    tone: ToneOption = None,
    flag: FlagOption = None,
    lang: LangOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1_000_000, help="At most N mentions.")
    ] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per mention per line.")
    ] = False,
) -> None:
    """New mentions that need a human, most urgent first: questions and complaints, then
    insults, then other negative mentions; newest first within each."""
    from veille.report import inbox_table

    with _listing(config, db, brand, source, since, until, tone, flag, None, lang) as (
        store,
        filters,
        _,
        zone,
    ):
        rows = store.inbox(filters, limit=limit)
        total = store.inbox_count(filters) if len(rows) == limit and not as_json else len(rows)
    if as_json:
        _print_json_lines(rows)
    else:
        console = _console()
        console.print(inbox_table(rows, width=console.width, total=total, zone=zone))


@handles_errors
def mark(
    ids: Annotated[
        list[str],
        typer.Argument(metavar="ID", help="Mention ids, as `inbox` and `mentions` show."),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    handled: Annotated[bool, typer.Option("--handled", help="Answered or dealt with.")] = False,
    ignored: Annotated[bool, typer.Option("--ignored", help="Nothing to do.")] = False,
    new: Annotated[bool, typer.Option("--new", help="Back to the inbox.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="A note kept with them.")] = None,
) -> None:
    """Triage mentions: mark them handled, ignored or new again, with an optional note."""
    from veille.config import load_for_command
    from veille.store import Store

    chosen = [name for name, on in (("handled", handled), ("ignored", ignored), ("new", new)) if on]
    if len(chosen) > 1:
        raise UsageError("choose one of --handled, --ignored, --new")
    numbers = _mention_ids(ids)
    _, db_path = load_for_command(config, db, require_config=False)
    with Store(db_path, create=False) as store:
        count = store.mark(numbers, chosen[0] if chosen else None, note)
    done = [f"marked {chosen[0]}"] if chosen else []
    if note is not None:
        done.append("noted" if note else "note cleared")
    typer.echo(f"{count} mention{'s' if count > 1 else ''} {', '.join(done)}.")


@handles_errors
def label(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID... TONE",
            help="Mention ids, as `inbox` and `mentions` show, and the tone: positive, neutral "
            "or negative (leave it out to correct flags only).",
        ),
    ] = None,
    flag: Annotated[
        list[str] | None,
        typer.Option(
            "--flag",
            metavar="FLAG",
            help="Add this flag (repeatable): question, complaint, insult, adult or spam.",
        ),
    ] = None,
    no_flag: Annotated[
        list[str] | None,
        typer.Option("--no-flag", metavar="FLAG", help="Remove this flag (repeatable)."),
    ] = None,
    import_file: Annotated[
        Path | None,
        typer.Option(
            "--import",
            help="Add the labelled texts of a CSV file (columns text,label and optionally lang).",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Correct the tone (and flags) of mentions; corrections outlive every rescan, and the
    engine's own judgement is kept beside them."""
    from veille.config import load_for_command
    from veille.store import Store

    if import_file is not None:
        if targets or flag or no_flag:
            raise UsageError("--import FILE takes no mention ids, tone or flags")
        from veille.labelling import import_summary, read_labelled_csv

        read = read_labelled_csv(import_file)  # all checked before the database is opened
        _, db_path = load_for_command(config, db, require_config=False)
        with Store(db_path, create=False) as store:
            done = store.import_labelled_texts(read.texts)
        typer.echo(import_summary(done, read.empty))
        return
    from veille.labelling import label_mentions, label_request

    request = label_request(targets or [], flag or [], no_flag or [])
    numbers = _mention_ids(list(request.ids))
    _, db_path = load_for_command(config, db, require_config=False)
    with Store(db_path, create=False) as store:
        count = label_mentions(store, numbers, request)
    typer.echo(request.summary(count))


@handles_errors
def show(
    mention_id: Annotated[
        str, typer.Argument(metavar="ID", help="A mention id, as `inbox` and `mentions` show.")
    ],
    config: ConfigOption = None,
    db: DbOption = None,
    open_link: Annotated[
        bool, typer.Option("--open", help="Also open its link in the web browser.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object: every field, and `explain`.")
    ] = False,
) -> None:
    """Show one mention in full: text, link, source, author, dates, tone and why, triage."""
    from veille.config import load_for_command
    from veille.detail import mention_detail
    from veille.report import mention_view
    from veille.store import Store

    (number,) = _mention_ids([mention_id])
    loaded, db_path = load_for_command(config, db, require_config=False)
    with Store(db_path, create=False, write=False) as store:
        detail = mention_detail(store, number, with_layer=builtin_engine(loaded))
    if detail is None:
        raise UsageError(
            f"no mention with id {number} in {db_path} "
            "(see `veille inbox` or `veille mentions` for ids)"
        )
    link = detail.row["url"] or ""
    if open_link:
        _check_openable(number, link)
    if as_json:
        typer.echo(json.dumps(detail.as_dict(), ensure_ascii=False))
    else:
        today = None if detail.judged_alike else (detail.today.tone, detail.today.score)
        why = detail.explanation.lines(window=True)
        _console().print(mention_view(detail.row, why, today, _zone(loaded)))
    if open_link:
        import webbrowser

        if not webbrowser.open(link):
            raise VeilleError(f"no web browser could open {link}; set $BROWSER to one")


def _check_openable(number: int, link: str) -> None:
    """Only a web address is handed to the browser: a stored `javascript:` or `file:` link
    comes from the web and must not run anything."""
    from veille.text import clean_text
    from veille.urls import is_http_url

    if not is_http_url(link):
        shown = clean_text(link)[:60] or "empty"
        raise UsageError(f"mention {number}: its link ({shown}) is not http(s); not opened")


# SQLite's largest integer: a larger id names no mention, and could not even be asked for.
_LARGEST_ID = 2**63 - 1


def _mention_ids(values: list[str]) -> list[int]:
    """The ids as numbers, checked here rather than by Typer so that a typo is one
    `veille: error:` line like every other usage error, not a framed box."""
    wrong = [value for value in values if not (value.isascii() and value.isdigit())]
    if wrong:
        shown = ", ".join(repr(value) for value in wrong)
        raise UsageError(
            f"{shown}: not a mention id (a number, as `veille inbox` and `veille mentions` show)"
        )
    numbers = [int(value) for value in values]
    too_large = [number for number in numbers if number > _LARGEST_ID]
    if too_large:
        raise UsageError(
            f"no mention with id {too_large[0]} (see `veille inbox` or `veille mentions` for ids)"
        )
    return numbers
