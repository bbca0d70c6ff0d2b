"""The HTML report's charts, drawn by matplotlib as SVG to be written inline in the page.

Only `matplotlib.figure.Figure` and the SVG backend are used: no pyplot, no GUI backend,
nothing that needs a display. Text stays text (`svg.fonttype: none`), so a chart is small,
searchable and read aloud with its page; a fixed hash salt and no date make the same
figures give the same bytes. Colours are Okabe and Ito's, which colour-blind readers tell
apart: the tones as the terminal shows them (positive green, negative red, neutral plain
grey); the brands in the others (blue, orange, sky blue, reddish purple, black), never a
tone's, each with its own marker and line style from the first brand on.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from veille.models import TONES
from veille.text import clean_text
from veille.wording import Wording

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TONE_COLOURS = {"positive": "#009E73", "neutral": "#999999", "negative": "#D55E00"}
TONE_HATCHES = {"positive": "//", "neutral": "", "negative": "xx"}
# The Okabe–Ito colours the tones leave: a brand never looks "positive" (green) or
# "negative" (vermillion); yellow is left out too, unreadable as a thin line on white.
BRAND_COLOURS = ("#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_STYLES = ("-", "--", "-.", ":")
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "veille",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "hatch.linewidth": 0.6,
    "text.parse_math": False,  # a brand named "$5 deals" is text, not TeX
}
WIDTH = 7.2  # inches: an A4 page's text width, at 100 points an inch of SVG


def brand_styles(figures: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each brand's colour, marker and line style, the same in every chart: two brands
    differ by more than hue."""
    names = {b["brand"] for b in figures["brands"]}
    names |= {brand for day in figures["days"] for brand in day["counts"]}
    return {name: _style(index) for index, name in enumerate(sorted(names))}


def _style(index: int) -> dict[str, Any]:
    """The `index`th brand's: colour, marker and line style each change from one brand to
    the next, so the first 40 brands differ in all three taken together."""
    return {
        "color": BRAND_COLOURS[index % len(BRAND_COLOURS)],
        "marker": MARKERS[index % len(MARKERS)],
        "linestyle": LINE_STYLES[index % len(LINE_STYLES)],
    }


def _short(name: str, most: int = 24) -> str:
    """A brand's name for a label: cleaned of control characters (a name comes from the
    config, typed or pasted) and cut to `most` characters with an ellipsis, so it stays in
    the picture; the figures table beside it has the whole name."""
    name = clean_text(name)
    return name if len(name) <= most else name[: most - 1].rstrip() + "…"


def _pale(colour: str) -> str:
    """`colour` mixed with three parts of white."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{(value + 3 * 255) // 4:02x}" for value in (red, green, blue))


def _figure(height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, height), layout="constrained")


def _svg(figure: Figure, name: str) -> str:
    """The figure as an SVG element to inline: no XML prologue, no metadata, scaled by CSS,
    its ids (and the references to them) prefixed with `name`: matplotlib gives every
    chart the same ones (`figure_1`, `axes_1`…), which must be unique in one page."""
    import matplotlib

    buffer = io.StringIO()
    # A glyph the fonts lack (an emoji in a name) or a layout that cannot fit is drawn as
    # well as it can be: matplotlib's warnings about it are for a programmer, not a reader.
    with matplotlib.rc_context(STYLE), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    svg = re.sub(r' width="[\d.]+pt" height="[\d.]+pt"', "", svg, count=1)
    return re.sub(r"<[^>]+>", lambda tag: _prefixed(tag.group(0), name), svg)


def _prefixed(tag: str, name: str) -> str:
    """An SVG tag with its id and its references to ids prefixed with `name`; only tags are
    changed, never text (a brand may be named `id="x"`)."""
    tag = re.sub(r'(\s)id="([^"]+)"', rf'\1id="{name}-\2"', tag)
    tag = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", tag)
    return re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', tag)


def _day_axis(axes: Axes, figures: Mapping[str, Any], words: Wording) -> None:
    """A tick per point (day, week or month), at most about 14 labelled; a day's label
    names its month when the period spans two ("Sat 31 Oct", "Sun 1 Nov")."""
    days = figures["days"]
    grouping = figures.get("grouping", "day")
    form = {"week": "short", "month": "month"}.get(grouping, "tick")
    if form == "tick" and days and days[0]["date"][:7] != days[-1]["date"][:7]:
        form = "tick_month"
    step = max(1, -(-len(days) // 14))
    positions = list(range(0, len(days), step))
    axes.set_xticks(positions, [words.day(days[i]["date"], form) for i in positions])
    axes.set_xlim(-0.6, len(days) - 0.4)
    axes.tick_params(axis="x", labelrotation=0 if len(positions) <= 8 else 45)


def _count_axis(axes: Axes, words: Wording) -> None:
    """A y axis of mentions: whole numbers from 0 (up to 1 at least, so an empty period
    reads 0 and 1, not ±0.045), written in the language ("1 000" in French)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.set_ylim(0, max(1, axes.get_ylim()[1]))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: words.number(value)))
    axes.set_ylabel(words("mentions_label"))
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)


def volume_chart(figures: Mapping[str, Any], words: Wording) -> str:
    """Mentions per point (day, week or month) per brand, a line each, spikes shaded and
    numbered."""
    import matplotlib

    days = figures["days"]
    brands = sorted({brand for day in days for brand in day["counts"]})
    with matplotlib.rc_context(STYLE):
        figure = _figure(3.2)
        axes = figure.add_subplot()
        positions = range(len(days))
        styles = brand_styles(figures)
        for brand in brands:
            counts = [day["counts"].get(brand, 0) for day in days]
            axes.plot(positions, counts, label=_short(brand), linewidth=1.8, markersize=5,
                      **styles[brand])  # fmt: skip
        number = 0
        for position, day in enumerate(days):
            for detail in day.get("spike_details", []):
                number += 1
                axes.axvspan(position - 0.4, position + 0.4, color="#D55E00", alpha=0.12, lw=0)
                axes.annotate(
                    words("spike_n", n=number),
                    (position, day["counts"].get(detail["brand"], 0)),
                    xytext=(0, 8),
                    textcoords="offset points",
                    ha="center",
                    fontsize=8,
                    fontweight="bold",
                    color="#A33F00",
                )
        _day_axis(axes, figures, words)
        _count_axis(axes, words)
        if brands:
            axes.legend(loc="upper left", frameon=False, ncols=min(len(brands), 4))
    return _svg(figure, "volume")


def tone_chart(figures: Mapping[str, Any], words: Wording) -> str:
    """Each point's mentions stacked by tone, each tone with its colour and hatching."""
    import matplotlib

    days = figures["days"]
    with matplotlib.rc_context(STYLE):
        figure = _figure(2.8)
        axes = figure.add_subplot()
        bottom = [0] * len(days)
        for tone in TONES:
            counts = [day.get("tones", {}).get(tone, 0) for day in days]
            axes.bar(
                range(len(days)),
                counts,
                bottom=bottom,
                label=words.term(tone),
                color=TONE_COLOURS[tone],
                hatch=TONE_HATCHES[tone],
                edgecolor="white",
                linewidth=0.5,
            )
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        _day_axis(axes, figures, words)
        _count_axis(axes, words)
        axes.set_axisbelow(True)
        axes.legend(loc="upper left", frameon=False, ncols=3)
    return _svg(figure, "tone")


def _brand_axes(brands: Sequence[Any], per_brand: float) -> tuple[Figure, Axes, range]:
    """A figure for a bar per brand, `per_brand` inches each, and the bars' rows."""
    figure = _figure(0.6 + per_brand * max(len(brands), 1))
    return figure, figure.add_subplot(), range(len(brands))


def _label_bar(axes: Axes, text: str, value: float, row: float) -> None:
    """A bar's value written just past its end: read without the axis."""
    axes.annotate(
        text,
        (value, row),
        xytext=(4 if value >= 0 else -4, 0),
        textcoords="offset points",
        ha="left" if value >= 0 else "right",
        va="center",
        fontsize=8,
    )


def net_chart(figures: Mapping[str, Any], words: Wording) -> str:
    """Each brand's net sentiment now (solid, green or vermillion by its sign) and in the
    period before (hatched, pale), each bar's value written at its end. The legend's
    swatch for this period is neutral grey: either tone's colour would say its sign."""
    import matplotlib
    from matplotlib.patches import Patch

    brands = figures["brands"]
    with matplotlib.rc_context(STYLE):
        figure, axes, rows = _brand_axes(brands, 0.45)
        now = [b["net_sentiment"] or 0 for b in brands]
        before = [b["previous_net_sentiment"] or 0 for b in brands]
        colours = [TONE_COLOURS["positive"] if v >= 0 else TONE_COLOURS["negative"] for v in now]
        axes.barh([r - 0.2 for r in rows], now, height=0.38, color=colours)
        previous: dict[str, Any] = {
            "facecolor": "#cccccc",
            "hatch": "//",
            "edgecolor": "#777777",
            "linewidth": 0.5,
        }
        axes.barh([r + 0.2 for r in rows], before, height=0.38, **previous)
        for row, brand in zip(rows, brands, strict=True):
            for key, offset in (("net_sentiment", -0.2), ("previous_net_sentiment", 0.2)):
                value = brand[key]
                if value is not None:
                    _label_bar(axes, words.signed(value), value, row + offset)
        keys = [
            Patch(color="#555555", label=words("this_period")),
            Patch(**previous, label=words("the_period_before")),
        ]
        axes.set_yticks(list(rows), [_short(b["brand"]) for b in brands])
        axes.invert_yaxis()
        axes.set_xlim(-1.15, 1.15)
        axes.axvline(0, color="#555555", linewidth=0.8)
        axes.set_xticks([-1, -0.5, 0, 0.5, 1], [words.signed(v, 1) for v in (-1, -0.5, 0, 0.5, 1)])
        axes.legend(handles=keys, loc="lower right", frameon=False, fontsize=8)
    return _svg(figure, "net")


def voice_chart(figures: Mapping[str, Any], words: Wording) -> str:
    """Each brand's share of voice as a bar, its percentage written at its end."""
    import matplotlib

    brands = figures["brands"]
    with matplotlib.rc_context(STYLE):
        figure, axes, rows = _brand_axes(brands, 0.4)
        shares = [b["share_of_voice_pct"] or 0 for b in brands]
        bars = axes.barh(list(rows), shares, height=0.6)
        styles = brand_styles(figures)
        for index, (bar, brand) in enumerate(zip(bars, brands, strict=True)):
            colour = styles[brand["brand"]]["color"]
            # A competitor's bar is pale inside a solid outline of its colour: seen at a
            # glance, and a few bytes where a hatch would repeat a pattern per bar.
            bar.set_facecolor(_pale(colour) if brand["competitor"] else colour)
            bar.set_edgecolor(colour)
            bar.set_linewidth(1.2)
            _label_bar(axes, words.percent(brand["share_of_voice_pct"]), shares[index], index)
        labels = [
            _short(b["brand"]) + (f" ({words('competitor')})" if b["competitor"] else "")
            for b in brands
        ]
        axes.set_yticks(list(rows), labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 110)
        axes.set_xticks([0, 25, 50, 75, 100], [words.percent(v) for v in (0, 25, 50, 75, 100)])
    return _svg(figure, "voice")
