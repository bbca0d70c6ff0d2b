"""The HTML report opened in a real headless Chromium, with the network off.

What a reader of the file sees: no error in the console, charts drawn at desktop and phone
widths, one chart per section sized to the period, text from the web shown as text and never
run, and a PDF print that holds the brands and the headline. Skips, saying why, on a machine
without a Chromium-like browser (`.ci/run` installs Debian's `chromium`).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Page, find_browser, launched
from test_report import SINCE, SOURCES, UNTIL, write_report_db
from test_store import make_mention
from typer.testing import CliRunner

from veille.cli import app
from veille.store import Store

BROWSER = find_browser()
MISSING = "no Chromium-like browser found: install Debian's chromium, or set VEILLE_BROWSER"
PDFTOTEXT = shutil.which("pdftotext")
if os.environ.get("VEILLE_REQUIRE_BROWSER") and (BROWSER is None or PDFTOTEXT is None):
    # CI installs both: there, their absence is a failure, not a reason to skip.
    raise RuntimeError(MISSING if BROWSER is None else "pdftotext (poppler-utils) missing")
pytestmark = pytest.mark.skipif(BROWSER is None, reason=MISSING)

# Titles a hostile page could give an item: each would set a flag on <html> if it ran.
PLANTED = [
    '<img src=x onerror="document.documentElement.dataset.pwned=1">',
    "<script>document.documentElement.dataset.pwned=2</script>",
    '"><svg onload="document.documentElement.dataset.pwned=3">',
]
# Okabe–Ito colours of the tones, as the charts draw them.
TONE_RGB = {"positive": (0x00, 0x9E, 0x73), "negative": (0xD5, 0x5E, 0x00)}
DAYS = 7
BRANDS = ("Acme", "Globex")


def build_database(db_path: Path) -> None:
    """test_report's week, plus planted titles still to answer, one with a `javascript:` link."""
    write_report_db(db_path)
    with Store(db_path) as store:
        for n, title in enumerate(PLANTED):
            mention = make_mention(
                author="Mallory",
                source="Forum B",
                source_type="forum",
                domain="b.example",
                url="javascript:document.documentElement.dataset.pwned=4"
                if n == 0
                else f"https://b.example/planted/{n}",
                title=title,
                published_at=f"2026-11-27T10:0{n}:00Z",
                found_at="2026-11-27T12:00:00Z",
                tone="negative",
                flags="insult",
                status="new",
            )
            store.record_source("Forum B", {}, [mention])


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same week's report, in English and in French."""
    folder = tmp_path_factory.mktemp("html")
    db_path = folder / "veille.db"
    build_database(db_path)
    config = folder / "sources.yaml"
    config.write_text(
        "settings:\n  timezone: UTC\n"
        "brands:\n  - name: Acme\n    terms: [Acme]\n"
        "  - name: Globex\n    terms: [Globex]\n    competitor: true\n"
        "sources:\n"
        + "".join(
            f"  - {{name: {n}, type: {t}, url: 'https://{d}/f'}}\n" for n, (t, d) in SOURCES.items()
        ),
        encoding="utf-8",
    )
    made = {}
    for lang in ("en", "fr"):
        output = folder / f"report-{lang}.html"
        result = CliRunner().invoke(
            app,
            [
                "report", "-c", str(config), "--db", str(db_path), "--since", SINCE,
                "--until", UNTIL, "--lang", lang, "--html", str(output),
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        made[lang] = output
    return made


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    assert BROWSER is not None
    with launched(BROWSER) as browser:
        yield browser.new_page()


@pytest.fixture(scope="module")
def figures(reports: dict[str, Path]) -> dict:
    config = reports["en"].parent / "sources.yaml"
    db_path = reports["en"].parent / "veille.db"
    result = CliRunner().invoke(
        app,
        ["report", "-c", str(config), "--db", str(db_path), "--since", SINCE, "--until", UNTIL,
         "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_report_loads_without_an_error_or_a_request(
    page: Page, reports: dict[str, Path], lang: str
) -> None:
    page.problems.clear()
    page.requests.clear()
    page.open(reports[lang])
    assert page.problems == []
    assert [url for url in page.requests if not url.startswith(("file:", "data:"))] == []
    assert page.evaluate("document.documentElement.lang") == lang


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_planted_markup_shows_as_text_and_never_runs(
    page: Page, reports: dict[str, Path], lang: str
) -> None:
    page.open(reports[lang])
    assert page.evaluate("JSON.stringify(document.documentElement.dataset)") == "{}"
    shown = page.evaluate("document.body.innerText")
    for title in PLANTED:
        assert title in shown
    # A `javascript:` address is not a link; every link opens apart from the report.
    links = page.evaluate("[...document.querySelectorAll('a')].map(a => [a.protocol, a.rel])")
    assert links, "the report links to the mentions"
    assert all(protocol in ("http:", "https:") for protocol, _ in links)
    assert all(set(rel.split()) >= {"noopener", "noreferrer"} for _, rel in links)
    csp = page.evaluate(
        "document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content"
    )
    assert "default-src 'none'" in csp


def _chart(page: Page, section: str, name: str) -> dict:
    found = page.evaluate(
        f"""(() => {{
        const figures = [...document.querySelectorAll('#{section} figure.chart')];
        const f = figures.find(f => f.dataset.chart === '{name}');
        if (!f) return null;
        return {{
            in_section: figures.length,
            days: f.dataset.days, brands: f.dataset.brands,
            svgs: f.querySelectorAll('svg').length,
            label: (f.querySelector('svg') || {{}}).getAttribute?.('aria-label') || '',
            rows: f.querySelectorAll('table.figures tbody tr').length,
            values: [...f.querySelectorAll('table.figures tbody tr')].map(
                tr => [...tr.querySelectorAll('td')].map(td => td.dataset.value)),
            heads: [...f.querySelectorAll('table.figures tbody th')].map(th => th.innerText),
        }};
    }})()"""
    )
    assert found is not None, f"no chart {name!r} in #{section}"
    return found


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_one_chart_per_section_sized_to_the_period(
    page: Page, reports: dict[str, Path], figures: dict, lang: str
) -> None:
    page.open(reports[lang])
    volume = _chart(page, "volume", "volume")
    assert volume["in_section"] == 1
    assert (volume["svgs"], int(volume["days"]), int(volume["brands"])) == (1, DAYS, 2)
    assert volume["label"]
    assert volume["rows"] == DAYS == len(figures["days"])
    # Each day's row holds each brand's count, as `report --json` has them.
    expected = [[str(day["counts"].get(b, 0)) for b in BRANDS] for day in figures["days"]]
    assert [row[: len(BRANDS)] for row in volume["values"]] == expected

    tone_days = _chart(page, "tone", "tone-days")
    assert (tone_days["svgs"], tone_days["rows"], int(tone_days["days"])) == (1, DAYS, DAYS)
    net = _chart(page, "tone", "net")
    assert (net["svgs"], net["rows"], int(net["brands"])) == (1, 2, 2)
    voice = _chart(page, "voice", "voice")
    assert (voice["in_section"], voice["svgs"], voice["rows"]) == (1, 1, 2)
    shown = {float(value) for row in voice["values"] for value in row if value}
    assert {b["share_of_voice_pct"] for b in figures["brands"]} <= shown


def _pixels(png: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    data = image.tobytes()
    return image.width, image.height, list(zip(data[0::3], data[1::3], data[2::3], strict=True))


def _near(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) < 40


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_show_the_charts(page: Page, reports: dict[str, Path], width: int) -> None:
    page.open(reports["en"], width=width)
    png = page.screenshot(width)
    shot_width, height, pixels = _pixels(png)
    assert shot_width == width
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    not_white = sum(1 for p in pixels if sum(p) < 720)
    assert not_white > len(pixels) // 50, "the page is (nearly) blank"
    # Inside each chart's box, the tones' colours are drawn.
    boxes = page.evaluate(
        "[...document.querySelectorAll('figure.chart svg')].map(s => {"
        "const r = s.getBoundingClientRect();"
        "return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })"
    )
    assert len(boxes) >= 4
    for _left, _top, box_width, box_height in boxes:
        assert box_width > 0.25 * min(width, 700) and box_height > 50
    tone_box = page.evaluate(
        "(() => { const r = document.querySelector('figure.chart[data-chart=\"tone-days\"] svg')"
        ".getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width,"
        " r.height]; })()"
    )
    left, top, box_width, box_height = (int(v) for v in tone_box)
    inside = [
        pixels[y * shot_width + x]
        for y in range(top, min(top + box_height, height))
        for x in range(left, min(left + box_width, shot_width))
    ]
    for tone, colour in TONE_RGB.items():
        assert sum(1 for p in inside if _near(p, colour)) > 50, f"no {tone} in the tone chart"


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) missing")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_printing_keeps_the_brands_and_the_headline(
    page: Page, reports: dict[str, Path], tmp_path: Path, lang: str
) -> None:
    page.open(reports[lang])
    headline = page.evaluate("document.querySelector('p.headline').innerText")
    page.send("Emulation.setEmulatedMedia", media="print")
    try:
        breaks = page.evaluate(
            "[...document.querySelectorAll('figure.chart')].map("
            "f => getComputedStyle(f).breakInside)"
        )
        pdf = page.pdf()
    finally:
        page.send("Emulation.setEmulatedMedia", media="")
    assert breaks and set(breaks) == {"avoid"}, "a chart may be cut across pages"
    (tmp_path / "report.pdf").write_bytes(pdf)
    text = subprocess.run(
        [str(PDFTOTEXT), str(tmp_path / "report.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def words(value: str) -> str:
        return re.sub(r"\s+", " ", value).strip()

    assert "\f" in text or len(text) > 200
    for brand in BRANDS:
        assert brand in text
    assert words(headline) and words(headline) in words(text)
    # the figures' tables print, folded or not: a day's row, which no chart names in full
    first_day = {"en": "Saturday 21 November", "fr": "samedi 21 novembre"}[lang]
    assert first_day in words(text)


LONG_AUTHOR = "Long-named author " + "x" * 182
LONG_SOURCE = "Long-named source " + "y" * 182
LONG_BRAND = "Longbrand " + "z" * 150


@pytest.fixture(scope="module")
def long_names(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The week's report with a 200-character author and source and a 160-character brand,
    each of them in the who, where and attention tables and in the charts."""
    from veille.models import Source

    folder = tmp_path_factory.mktemp("long")
    db_path = folder / "veille.db"
    write_report_db(db_path)
    with Store(db_path) as store:
        store.sync_sources([Source(name=LONG_SOURCE, type="forum", url="https://long.example/f")])
        store.record_source(
            LONG_SOURCE,
            {},
            [
                make_mention(
                    brand=brand,
                    author=LONG_AUTHOR,
                    source=LONG_SOURCE,
                    source_type="forum",
                    domain="long.example",
                    url=f"https://long.example/{n}",
                    title="A question " + "w" * 190,
                    published_at=f"2026-11-2{n}T10:00:00Z",
                    tone="negative",
                    flags="question",
                    status="new",
                )
                for n, brand in enumerate(["Acme", LONG_BRAND] * 4)
            ]
            + [
                make_mention(
                    author="@camille_pedale",
                    source=LONG_SOURCE,
                    source_type="forum",
                    domain="long.example",
                    url="https://long.example/camille",
                    title="Toujours pas de vélo",
                    published_at="2026-11-27T11:00:00Z",
                    tone="negative",
                    flags="complaint",
                    status="new",
                )
            ],
        )
    output = folder / "long.html"
    result = CliRunner().invoke(
        app,
        ["report", "--db", str(db_path), "--since", SINCE, "--until", UNTIL, "--top", "10",
         "--html", str(output)],
        env={"TZ": "UTC", "LANG": "C.UTF-8"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return output


@pytest.mark.parametrize("width", [390, 1280])
def test_long_names_keep_the_numbers_on_the_screen(
    page: Page, long_names: Path, width: int
) -> None:
    page.open(long_names, width=width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shown = page.evaluate("document.body.innerText")
    assert LONG_AUTHOR[:40] in shown and LONG_SOURCE[:40] in shown
    # every cell of the who, where and attention tables lies inside the window
    cells = page.evaluate(
        "[...document.querySelectorAll('#who td, #who th, #where td, #where th,"
        " #attention td, #attention th')].map(c => {"
        "const r = c.getBoundingClientRect();"
        "return [c.className, c.innerText.slice(0, 20), r.left, r.right]; })"
    )
    numbers = [cell for cell in cells if "num" in cell[0]]
    assert len(numbers) > 20
    outside = [cell for cell in cells if cell[2] < 0 or cell[3] > width + 0.5]
    assert outside == [], outside
    # no chart's label runs out of its picture
    texts = page.evaluate(
        "[...document.querySelectorAll('figure.chart svg')].flatMap(s => {"
        "const box = s.getBoundingClientRect();"
        "return [...s.querySelectorAll('text')].map(t => {"
        "const r = t.getBoundingClientRect();"
        "return [t.textContent.slice(0, 20), r.left - box.left, box.right - r.right]; }); })"
    )
    assert texts and [t for t in texts if t[1] < -1 or t[2] < -1] == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_one_word_headings_stay_on_one_line(
    page: Page, long_names: Path, tmp_path: Path, lang: str
) -> None:
    """Long free text in a table squeezes the title and author columns, never a heading
    into "Statu/t" nor a short name into "@camille_/pedale"."""
    report = long_names
    if lang == "fr":
        report = tmp_path / "long-fr.html"
        config = long_names.parent
        result = CliRunner().invoke(
            app,
            ["report", "--db", str(config / "veille.db"), "--since", SINCE, "--until", UNTIL,
             "--top", "10", "--lang", "fr", "--html", str(report)],
            env={"TZ": "UTC", "LANG": "C.UTF-8"},
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    page.open(report, width=1280)
    broken = page.evaluate(
        "[...document.querySelectorAll('thead th, #who tbody > tr > *, #attention tbody td')]"
        ".filter(th => /^\\S{1,24}$/.test(th.innerText.trim()))"
        ".map(th => { const r = document.createRange(); r.selectNodeContents(th);"
        " return [th.innerText, r.getClientRects().length]; }).filter(x => x[1] !== 1)"
    )
    assert broken == []
    status = "Statut" if lang == "fr" else "Status"
    assert status in page.evaluate(
        "[...document.querySelectorAll('#attention thead th')].map(th => th.innerText)"
    )


@pytest.mark.parametrize(("width", "cards"), [(390, True), (1280, False)])
def test_mentions_to_answer_are_cards_on_a_phone(
    page: Page, reports: dict[str, Path], width: int, cards: bool
) -> None:
    """On a phone a mention's title gets the screen's width, its other fields named after
    it; on a wide screen the table keeps its columns."""
    page.open(reports["fr"], width=width)
    head = page.evaluate(
        "getComputedStyle(document.querySelector('#attention table.mentions thead')).display"
    )
    titles = page.evaluate(
        "[...document.querySelectorAll('#attention td.title')]"
        ".map(td => td.getBoundingClientRect().width)"
    )
    named = page.evaluate(
        "getComputedStyle(document.querySelector('#attention td[data-label]'), '::before').content"
    )
    assert titles
    if cards:
        assert head == "none"
        assert min(titles) > 0.8 * width
        assert "Auteur" in named
    else:
        assert head == "table-header-group"
        assert max(titles) < 0.6 * width
        assert named in ("none", "normal")
