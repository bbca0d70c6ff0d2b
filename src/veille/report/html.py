"""The report as one HTML file to send: the terminal report's sections, with charts.

Everything is inside the file: the CSS, the charts (inline SVG from `charts`), no script and
nothing fetched when it is opened, which its Content-Security-Policy also forbids. The
template (`templates/report.html`) is Jinja2's with autoescaping on, so text from the web
(titles, authors, notes) is written as text; only http(s) links become links, and they
carry `rel="noopener noreferrer"`. Every chart has its figures beside it as a table, each
number also raw in a `data-value` attribute.

Jinja2, matplotlib and Babel are imported here, when a report is written, never at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from veille.models import TONES
from veille.report import charts
from veille.report.headline import headline, spike_counts
from veille.report.periods import change, elsewhere_line, period_label, points, triage_line
from veille.text import clean_text
from veille.times import from_stored, local_day
from veille.wording import Wording


def render_html(figures: Mapping[str, Any], *, lang: str, zone: tzinfo) -> str:
    """The whole page for `figures` (what `build_report` returns), in `lang`."""
    import jinja2
    import markupsafe

    words = Wording(lang)
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("veille.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html")
    return template.render(
        page=page(figures, words, zone),
        t=words,
        tones=TONES,
        markup=markupsafe.Markup,
        free=free_class,
    )


# Characters past which a word of free text (a name, a title) may break anywhere in a table.
LONG_WORD = 24


def free_class(*texts: str | None) -> str:
    """ "free" for a cell whose text holds a word longer than LONG_WORD: that one may break
    anywhere, where breaking "@camille_pedale" at a wide screen would only be ugly."""
    long = any(len(word) > LONG_WORD for text in texts for word in (text or "").split())
    return "free" if long else ""


def write_html(figures: Mapping[str, Any], path: Path, *, lang: str, zone: tzinfo) -> None:
    """Write the page to `path` whole or not at all: into a file beside it, then renamed
    over it, so a full disk never leaves half a report (nor a file it replaced, truncated);
    OSError when it cannot be written."""
    import os
    import tempfile

    data = render_html(figures, lang=lang, zone=zone).encode("utf-8")
    handle, scratch = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(scratch, _mode(path))
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _mode(path: Path) -> int:
    """The permissions a file written in place would have: the replaced file's, else the
    umask's."""
    import os

    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def page(figures: Mapping[str, Any], words: Wording, zone: tzinfo) -> dict[str, Any]:
    """Everything the template shows, its numbers and dates already in the language."""
    period = figures["period"]
    summary = figures["summary"]
    # the charts and their tables have a point per day, week or month, as the terminal's
    # "Over time" has: a year is 53 weeks, not 365 days
    drawn = {**figures, "days": points(figures)}
    unit = words(figures.get("grouping", "day"))
    return {
        "unit": unit,
        "lang": words.lang,
        "headline": headline(figures, words),
        "period": period_label(period["since"], period["until"], zone, words, compact=False),
        "previous": period_label(
            period["previous_since"], period["since"], zone, words, compact=False
        ),
        "timezone": period["timezone"],
        "filters": _filters(figures.get("filters", {}), words),
        "summary": {
            "mentions": words.number(summary["mentions"]),
            "change": change(figures, words),
            "net": words.signed(summary["net_sentiment"]),
            "tones": [
                {
                    "tone": tone,
                    "label": words.term(tone),
                    "count": words.number(summary["tones"][tone]),
                    "pct": words.percent(summary["tones_pct"][tone]),
                }
                for tone in TONES
            ],
        },
        "elsewhere": elsewhere_line(figures["elsewhere"], zone, words)
        if figures.get("elsewhere")
        else None,
        "volume": _volume(drawn, words),
        "spikes": _spikes(drawn["days"], words),
        "spike_rule": words.spike_rule(),
        "tone_days": _tone_days(drawn, words),
        "net": _net(drawn, words),
        "voice": _voice(drawn, words),
        "who": [
            {
                "author": clean_text(row["author"]),
                "domains": ", ".join(clean_text(d) for d in row["domains"]),
                "mentions": words.number(row["mentions"]),
                "tones": _tone_cells(row, words),
                "last_seen": words.day(local_day(from_stored(row["last_seen"]), zone), "short")
                if row["last_seen"]
                else "",
            }
            for row in figures["who"]
        ],
        "sources": [
            {
                "name": clean_text(row["source"]),
                "type": clean_text(row["type"]),
                "mentions": words.number(row["mentions"]),
                "share": words.percent(row["share_pct"]),
                "tones": _tone_cells(row, words),
            }
            for row in figures["where"]["sources"]
        ],
        "domains": [
            {
                "name": clean_text(row["domain"]),
                "mentions": words.number(row["mentions"]),
                "share": words.percent(row["share_pct"]),
                "tones": _tone_cells(row, words),
            }
            for row in figures["where"]["domains"]
        ],
        "attention": [_mention(row, words, zone) for row in figures["attention"]],
        "triage": _triage(figures.get("triage"), words, zone),
    }


def _filters(filters: Mapping[str, Sequence[str]], words: Wording) -> str:
    if not filters:
        return words("no_filter")
    names = {"brands": "brand", "sources": "source", "tones": "tone_label", "flags": "flags"}
    names |= {"statuses": "status", "langs": "language"}
    parts = []
    for name, values in filters.items():
        label = words(names[name])
        shown = [words.term(v) if name in ("tones", "flags", "statuses") else v for v in values]
        parts.append(label + words("colon") + ", ".join(clean_text(v) for v in shown))
    return words("semicolon").join(parts)


def _cell(value: float | None, text: str) -> dict[str, Any]:
    return {"value": "" if value is None else value, "text": text}


def _chart(
    name: str, title: str, svg: str, head: list[str], rows: list[dict[str, Any]], days: int,
    brands: int,
) -> dict[str, Any]:  # fmt: skip
    label = escape(title)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    svg = svg.replace(">", f"><title>{label}</title>", 1)
    return {
        "name": name,
        "title": title,
        "svg": svg,
        "head": head,
        "rows": rows,
        "days": days,
        "brands": brands,
    }


def _volume(figures: Mapping[str, Any], words: Wording) -> dict[str, Any]:
    days = figures["days"]
    brands = sorted({brand for day in days for brand in day["counts"]})
    rows = [
        {
            "label": _point_label(day, figures, words),
            "cells": [
                _cell(day["counts"].get(b, 0), words.number(day["counts"].get(b, 0)))
                for b in brands
            ],
            "spike": bool(day["spikes"]),
        }
        for day in days
    ]
    return _chart(
        "volume",
        words("volume", unit=words(figures["grouping"])),
        charts.volume_chart(figures, words),
        [_point_heading(figures, words), *(clean_text(b) for b in brands)],
        rows,
        len(days),
        len(brands),
    )


def _point_label(point: Mapping[str, Any], figures: Mapping[str, Any], words: Wording) -> str:
    """A chart point's row: "Friday 27 November", "Nov 23 → Nov 29", "November 2026"."""
    grouping = figures["grouping"]
    if grouping == "month":
        return words.day(point["date"], "month_long")
    if grouping == "week" and point["last"] != point["date"]:
        return f"{words.day(point['date'], 'short')} → {words.day(point['last'], 'short')}"
    if grouping == "week":  # the period's last week can be a single day
        return words.day(point["date"], "short")
    return words.day(point["date"], "long")


def _point_heading(figures: Mapping[str, Any], words: Wording) -> str:
    grouping = figures["grouping"]
    return words("date") if grouping == "day" else words(grouping).capitalize()


def _spikes(days: Sequence[Mapping[str, Any]], words: Wording) -> list[str]:
    """Each spike's explanation, numbered as the volume chart marks them."""
    notes: list[str] = []
    for day in days:
        for detail in day.get("spike_details", []):
            explained = words(
                "spike_note", brand=clean_text(detail["brand"]), **spike_counts(detail, words)
            )
            spike = words("spike_n", n=len(notes) + 1)
            notes.append(f"{spike}, {words.day(detail['date'], 'long')}. {explained}.")
    return notes


def _tone_days(figures: Mapping[str, Any], words: Wording) -> dict[str, Any]:
    days = figures["days"]
    rows = [
        {
            "label": _point_label(day, figures, words),
            "cells": [
                _cell(day["tones"][tone], words.number(day["tones"][tone])) for tone in TONES
            ],
        }
        for day in days
    ]
    brands = len({brand for day in days for brand in day["counts"]})
    return _chart(
        "tone-days",
        words("tone_days", unit=words(figures["grouping"])),
        charts.tone_chart(figures, words),
        [_point_heading(figures, words), *(words.term(tone) for tone in TONES)],
        rows,
        len(days),
        brands,
    )


def _brand_label(row: Mapping[str, Any], words: Wording) -> str:
    return clean_text(row["brand"]) + (f" ({words('competitor')})" if row["competitor"] else "")


def _brand_chart(
    figures: Mapping[str, Any],
    words: Wording,
    name: str,
    svg: str,
    columns: list[tuple[str, Callable[[Mapping[str, Any]], dict[str, Any]]]],
) -> dict[str, Any]:
    """A chart with a row per brand (net sentiment, share of voice): `columns` are each
    column's heading and cell."""
    brands = figures["brands"]
    rows = [
        {"label": _brand_label(row, words), "cells": [cell(row) for _, cell in columns]}
        for row in brands
    ]
    title = words(f"{name}_chart")
    head = [words("brand"), *(heading for heading, _ in columns)]
    return _chart(name, title, svg, head, rows, len(figures["days"]), len(brands))


def _net(figures: Mapping[str, Any], words: Wording) -> dict[str, Any]:
    def net(key: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        return lambda row: _cell(row[key], words.signed(row[key]))

    return _brand_chart(
        figures,
        words,
        "net",
        charts.net_chart(figures, words),
        [
            (words("this_period"), net("net_sentiment")),
            (words("the_period_before"), net("previous_net_sentiment")),
            (
                words("mentions_label"),
                lambda row: _cell(row["mentions"], words.number(row["mentions"])),
            ),
        ],
    )


def _voice(figures: Mapping[str, Any], words: Wording) -> dict[str, Any]:
    return _brand_chart(
        figures,
        words,
        "voice",
        charts.voice_chart(figures, words),
        [
            (
                words("mentions_label"),
                lambda row: _cell(row["mentions"], words.number(row["mentions"])),
            ),
            (
                words("voice"),
                lambda row: _cell(
                    row["share_of_voice_pct"], words.percent(row["share_of_voice_pct"])
                ),
            ),
        ],
    )


def _tone_cells(row: Mapping[str, Any], words: Wording) -> list[dict[str, Any]]:
    return [{"tone": tone, "value": row[tone], "text": words.number(row[tone])} for tone in TONES]


def safe_link(url: str | None) -> str | None:
    """The URL when it may be a link (http or https), else None: shown as text."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _mention(row: Mapping[str, Any], words: Wording, zone: tzinfo) -> dict[str, Any]:
    moment = row.get("published_at") or row.get("found_at") or row.get("mentioned_at")
    return {
        "id": row["id"],
        "day": words.day(local_day(from_stored(moment), zone), "short") if moment else "",
        "brand": clean_text(row.get("brand")),
        "tone": row.get("tone") or "",
        "tone_label": words.term(row.get("tone")),
        "author": clean_text(row.get("author")),
        "source": clean_text(row.get("source")),
        "title": clean_text(row.get("title") or row.get("snippet")) or words("no_title"),
        "url": clean_text(row.get("url")),
        "link": safe_link(row.get("url")),
        "flags": ", ".join(words.term(f) for f in (row.get("flags") or "").split()),
        "status": words.term(row.get("status")),
        "note": clean_text(row.get("note")),
    }


def _triage(
    triage: Mapping[str, Any] | None, words: Wording, zone: tzinfo
) -> dict[str, Any] | None:
    if triage is None:
        return None
    return {
        "line": triage_line(triage, words),
        "counts": {k: triage[k] for k in ("new", "handled", "ignored")},
        "notes": [_noted(row, words, zone) for row in triage["notes"]],
    }


def _noted(row: Mapping[str, Any], words: Wording, zone: tzinfo) -> dict[str, Any]:
    """A note's row, dated by when it was written (or, written before veille dated notes,
    when its mention was marked): a note written today on last month's mention is today's."""
    shown = _mention(row, words, zone)
    moment = row.get("noted_at") or row.get("triaged_at")
    shown["day"] = words.day(local_day(from_stored(moment), zone), "short") if moment else ""
    return shown
