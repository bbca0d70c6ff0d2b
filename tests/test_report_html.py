"""The HTML report, through the CLI on real databases: its figures are `report --json`'s,
its text is escaped, its links safe, its size bounded; and the reports' language.

Each database is built once per module and each report rendered once: the figures, the
language and the safety checks read the same files.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml
from test_report import SINCE, SOURCES, UNTIL, _store_dated, write_report_db
from test_store import make_mention
from typer.testing import CliRunner

from veille.cli import app
from veille.models import Source
from veille.store import Store
from veille.wording import WORDS

ENV = {"TZ": "UTC", "LANG": "C.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "COLUMNS": "200"}
PERIOD = ["--since", SINCE, "--until", UNTIL]
PLANTED = {
    "img": "<img src=x onerror=alert(1)>",
    "script": "<script>document.title='ran'</script> Acme",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def run(*args: str, env: dict[str, str | None] | None = None) -> Any:
    """`veille ARGS` in this process, in English and UTC unless `env` says otherwise."""
    return CliRunner().invoke(app, list(args), env={**ENV, **(env or {})})


def write_config(folder: Path, db_path: Path, zone: str = "UTC") -> Path:
    """Acme, and Globex as a competitor, over the report database's three sources."""
    config = folder / f"sources-{zone.replace('/', '-')}.yaml"
    data = {
        "database": str(db_path),
        "brands": [
            {"name": "Acme", "terms": ["Acme"]},
            {"name": "Globex", "terms": ["Globex"], "competitor": True},
        ],
        "sources": [
            {"name": name, "type": kind, "url": f"https://{domain}/f"}
            for name, (kind, domain) in SOURCES.items()
        ],
        "settings": {"timezone": zone},
    }
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The report database with three planted mentions, its JSON, and its HTML in English
    and French."""
    folder = tmp_path_factory.mktemp("html")
    db_path = write_report_db(folder / "veille.db")
    planted = [
        make_mention(
            brand="Acme",
            source="Forum B",
            source_type="forum",
            domain="b.example",
            url=url,
            title=title,
            author="Mallory",
            published_at="2026-11-27T10:00:00Z",
            tone="negative",
            flags="question",
        )
        for url, title in (
            ("https://b.example/planted-1", PLANTED["img"]),
            ("https://b.example/planted-2", PLANTED["script"]),
            ("javascript:alert(1)", "a link that runs code"),
        )
    ]
    with Store(db_path) as store:
        store.record_source("Forum B", {}, planted)
    config = write_config(folder, db_path)
    as_json = run("report", "-c", str(config), *PERIOD, "--top", "10", "--json")
    assert as_json.exit_code == 0, as_json.output
    found: dict[str, Any] = {"json": json.loads(as_json.stdout), "config": config}
    for lang in ("en", "fr"):
        path = folder / f"report-{lang}.html"
        result = run(
            "report", "-c", str(config), *PERIOD, "--top", "10", "--lang", lang, "--html", str(path)
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.count("\n") == 1 and str(path) in result.stdout
        found[lang] = path.read_text(encoding="utf-8")
    terminal = run("report", "-c", str(config), *PERIOD, "--top", "10", "--lang", "fr")
    assert terminal.exit_code == 0, terminal.output
    found["fr terminal"] = terminal.stdout
    return found


def charts(html: str) -> dict[str, dict[str, Any]]:
    """Each chart's attributes and its figures table: the head, and per row its label and
    the raw values of its cells."""
    page = lxml.html.fromstring(html)
    found = {}
    for figure in page.xpath("//figure[@class='chart']"):
        table = figure.xpath(".//table[@class='figures']")[0]
        found[figure.get("data-chart")] = {
            "section": figure.xpath("ancestor::section")[0].get("id"),
            "days": int(figure.get("data-days")),
            "brands": int(figure.get("data-brands")),
            "svg": len(figure.xpath("./*[local-name()='svg'][@role='img'][@aria-label]")),
            "head": [th.text_content() for th in table.xpath("./thead//th")],
            "rows": [
                (
                    row.xpath("./th")[0].text_content(),
                    [_value(td.get("data-value")) for td in row.xpath("./td")],
                    [td.text_content() for td in row.xpath("./td")],
                )
                for row in table.xpath("./tbody/tr")
            ],
        }
    return found


def _value(raw: str | None) -> float | None:
    return None if raw in (None, "") else float(raw)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_html_figures_are_the_json_figures(reports, lang: str) -> None:
    figures, found = reports["json"], charts(reports[lang])
    days, brands = figures["days"], figures["brands"]
    names = sorted(days[0]["counts"])
    assert names == ["Acme", "Globex"]
    assert {name: (c["section"], c["days"], c["svg"]) for name, c in found.items()} == {
        "volume": ("volume", 7, 1),
        "tone-days": ("tone", 7, 1),
        "net": ("tone", 7, 1),
        "voice": ("voice", 7, 1),
    }
    assert found["volume"]["brands"] == found["voice"]["brands"] == 2
    # mentions per day per brand
    assert found["volume"]["head"][1:] == names
    assert [row[1] for row in found["volume"]["rows"]] == [
        [day["counts"][name] for name in names] for day in days
    ]
    total = sum(sum(values) for _, values, _ in found["volume"]["rows"])
    assert total == figures["summary"]["mentions"] == 21
    # tone per day, and the tone counts of the period
    tones = ("positive", "neutral", "negative")
    assert [row[1] for row in found["tone-days"]["rows"]] == [
        [day["tones"][tone] for tone in tones] for day in days
    ]
    columns = list(zip(*(row[1] for row in found["tone-days"]["rows"]), strict=True))
    assert [sum(column) for column in columns] == [figures["summary"]["tones"][t] for t in tones]
    # share of voice and net sentiment, a row per brand
    assert [row[1] for row in found["voice"]["rows"]] == [
        [b["mentions"], b["share_of_voice_pct"]] for b in brands
    ]
    assert [row[1] for row in found["net"]["rows"]] == [
        [b["net_sentiment"], b["previous_net_sentiment"], b["mentions"]] for b in brands
    ]
    assert "Globex" in found["voice"]["rows"][1][0] and "Acme" in found["voice"]["rows"][0][0]


def test_each_language_writes_its_numbers_days_and_labels(reports) -> None:
    en, fr = charts(reports["en"]), charts(reports["fr"])
    assert '<html lang="en">' in reports["en"] and '<html lang="fr">' in reports["fr"]
    assert [row[0] for row in en["volume"]["rows"]][-1] == "Friday 27 November"
    assert [row[0] for row in fr["volume"]["rows"]][-1] == "vendredi 27 novembre"
    # Acme: 78 % of the voice (Babel's no-break space before the sign), net -0,29
    assert fr["voice"]["rows"][0][2] == ["17", "81\u00a0%"]
    assert en["voice"]["rows"][0][2] == ["17", "81%"]
    assert fr["net"]["rows"][0][2][0] == en["net"]["rows"][0][2][0].replace(".", ",")
    page = lxml.html.fromstring(reports["fr"])
    assert page.xpath("//section[@id='volume']/h2")[0].text_content() == "Mentions par jour"
    headline = page.xpath("//p[@class='headline']")[0].text_content()
    assert headline.startswith("Mentions d’Acme en hausse de 325\u00a0% sur la semaine")
    assert "un pic le jeudi 26 novembre\u00a0: 8 mentions, dont 6 négatives, sur Forum B" in (
        headline
    )
    period = page.xpath("//p[@class='period']")[0].text_content()
    assert "21 nov. 2026 → 27 nov. 2026" in period and "UTC" in period
    assert "Mentions of Acme up 325% on the week before" in reports["en"]
    terminal = reports["fr terminal"]
    assert "Rapport 21 nov. 2026 → 27 nov. 2026 UTC" in terminal
    assert "Évolution (21 nov. → 27 nov.)" in terminal
    assert "26 nov. (8, négatif)" in terminal


def english_labels() -> list[str]:
    """The English catalogue's fixed words where the French differ: each literal run of
    three letters or more between a template's fields."""
    found = set()
    for english, french in WORDS.values():
        if english == french:
            continue
        for part in re.split(r"\{[^}]*\}", english):
            part = part.strip(" :;,.()`→")
            if len(re.sub(r"[^A-Za-z]", "", part)) >= 3 and part not in french:
                found.add(part)
    return sorted(found)


def visible_text(html: str) -> str:
    """What a reader sees: the body's text, the charts' included, without markup."""
    body = lxml.html.fromstring(html).xpath("//body")[0]
    return " ".join(body.text_content().split())


def test_no_english_label_is_left_in_french(reports) -> None:
    labels = english_labels()
    assert {"Needs attention", "Share of voice", "negative", "Who is talking"} <= set(labels)
    for text in (visible_text(reports["fr"]), " ".join(reports["fr terminal"].split())):
        # the data's own words (titles, names) are left out of the check
        for data in ("Acme item", "a link that runs code", "Mallory"):
            text = text.replace(data, "")
        left = [label for label in labels if re.search(rf"(?<![\w-]){re.escape(label)}\b", text)]
        assert left == []
    # and the check can fail: the English report holds them
    english = visible_text(reports["en"])
    assert [label for label in ("Needs attention", "Share of voice") if label in english] == [
        "Needs attention",
        "Share of voice",
    ]


def test_web_text_is_text_and_only_web_links_are_links(reports) -> None:
    for html in (reports["en"], reports["fr"]):
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html
        assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
        page = lxml.html.fromstring(html)
        titles = [a.text_content() for a in page.xpath("//section[@id='attention']//a")]
        assert PLANTED["img"] in titles and PLANTED["script"] in titles
        links = page.xpath("//a")
        assert links and all(a.get("rel") == "noopener noreferrer" for a in links)
        assert all(a.get("href").startswith("https://") for a in links)
        assert "javascript:alert(1)" in visible_text(html)  # shown, as text
        assert not page.xpath("//*[@src or @srcset or @onerror or @onload]")
        # nothing else points anywhere: the charts' references are to their own ids
        pointing = {
            value
            for element in page.iter()
            for name, value in element.items()
            if name.endswith(("href", "src"))
        }
        assert pointing and all(v.startswith(("https://", "#")) for v in pointing)


def test_the_html_report_is_the_same_twice(reports, tmp_path: Path) -> None:
    path = tmp_path / "again.html"
    result = run(
        "report", "-c", str(reports["config"]), *PERIOD, "--top", "10", "--html", str(path)
    )
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == reports["en"]


def test_the_triage_shows_counts_and_notes(reports, tmp_path: Path) -> None:
    page = lxml.html.fromstring(reports["en"])
    counts = page.xpath("//section[@id='triage']//p[@class='triage-counts']")[0]
    triage = reports["json"]["triage"]
    assert [int(counts.get(f"data-{k}")) for k in ("new", "handled", "ignored")] == [
        triage["new"],
        triage["handled"],
        triage["ignored"],
    ]
    assert triage["handled"] == 2 and triage["ignored"] == 1


def _zoned_report(tmp_path: Path, zone: str) -> tuple[dict[str, Any], str, str]:
    """One mention at 23:30 UTC on the 27th, reported in `zone`: the JSON, the HTML's volume
    rows and the French terminal report."""
    db_path = tmp_path / "late.db"
    if not db_path.exists():
        _store_dated(db_path, [datetime(2026, 11, 27, 23, 30, tzinfo=timezone.utc)])
    config = write_config(tmp_path, db_path, zone)
    period = ["--since", "2026-11-22", "--until", "2026-11-29"]
    html = tmp_path / "late.html"
    result = run("report", "-c", str(config), *period, "--html", str(html))
    assert result.exit_code == 0, result.output
    as_json = json.loads(run("report", "-c", str(config), *period, "--json").stdout)
    terminal = run("report", "-c", str(config), *period, "--lang", "fr").stdout
    return as_json, html.read_text(encoding="utf-8"), terminal


@pytest.mark.parametrize(
    ("zone", "day", "seen"),
    [
        ("Europe/Paris", "Saturday 28 November", "28 nov. 00:30"),
        ("UTC", "Friday 27 November", "27 nov. 23:30"),
    ],
)
def test_days_are_the_zones_in_the_html_as_in_the_terminal(
    tmp_path: Path, zone: str, day: str, seen: str
) -> None:
    as_json, html, terminal = _zoned_report(tmp_path, zone)
    rows = charts(html)["volume"]["rows"]
    assert [label for label, values, _ in rows if values == [1]] == [day]
    assert [d["date"] for d in as_json["days"] if d["counts"]["Acme"]] == [
        "2026-11-28" if zone != "UTC" else "2026-11-27"
    ]
    assert f"{zone}" in lxml.html.fromstring(html).xpath("//p[@class='period']")[0].text_content()
    assert seen in terminal


BUSY_BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"]


def busy_week(db_path: Path, brands: list[str] = BUSY_BRANDS) -> None:
    """5,000 mentions over 7 days, 6 brands (or `brands`), 30 sources, long titles."""
    sources = [f"Source {n:02d}" for n in range(30)]
    tones = ("positive", "neutral", "negative")
    with Store(db_path) as store:
        store.sync_sources(
            Source(name=name, type="rss", url=f"https://s{n}.example/f")
            for n, name in enumerate(sources)
        )
        for n, source in enumerate(sources):
            store.record_source(
                source,
                {},
                [
                    make_mention(
                        brand=brands[i % len(brands)],
                        source=source,
                        domain=f"s{n}.example",
                        url=f"https://s{n}.example/{i}",
                        title=f"A rather long title for mention {i}, " * 3,
                        author=f"Author {i % 97}",
                        published_at=f"2026-11-{21 + i % 7}T{i % 24:02d}:{i % 60:02d}:00Z",
                        tone=tones[i % 3],
                        flags="question" if i % 5 == 0 else "",
                    )
                    for i in range(n, 5000, 30)
                ],
            )


def test_a_busy_week_stays_small(tmp_path: Path) -> None:
    db_path = tmp_path / "busy.db"
    busy_week(db_path)
    path = tmp_path / "busy.html"
    result = run("report", "--db", str(db_path), *PERIOD, "--lang", "fr", "--html", str(path))
    assert result.exit_code == 0, result.output
    html = path.read_text(encoding="utf-8")
    assert len(html.encode()) <= 1_500_000
    found = charts(html)
    assert (found["volume"]["days"], found["volume"]["brands"]) == (7, 6)
    summary = lxml.html.fromstring(html).xpath("//div[@class='summary']//b")[0].text_content()
    assert summary == "5\u202f000"  # Babel's French thousands: a narrow no-break space


def test_twenty_brands_half_of_them_competitors_stay_small(tmp_path: Path) -> None:
    db_path = tmp_path / "busy.db"
    brands = [f"Brand {n:02d}" for n in range(20)]
    busy_week(db_path, brands)
    config = tmp_path / "sources.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": str(db_path),
                "brands": [
                    {"name": name, "terms": [name], "competitor": n % 2 == 1}
                    for n, name in enumerate(brands)
                ],
                "sources": [{"name": "Source 00", "type": "rss", "url": "https://s0.example/f"}],
            }
        ),
        encoding="utf-8",
    )
    path = tmp_path / "busy.html"
    result = run("report", "-c", str(config), *PERIOD, "--html", str(path))
    assert result.exit_code == 0, result.output
    html = path.read_text(encoding="utf-8")
    assert len(html.encode()) <= 1_500_000
    found = charts(html)
    assert (found["voice"]["brands"], found["volume"]["brands"]) == (20, 20)
    assert sum("(competitor)" in row[0] for row in found["voice"]["rows"]) == 10
    # a competitor's bar is marked by what can be seen: no pattern drawn in its own colour
    voice = lxml.html.fromstring(html).xpath("//figure[@data-chart='voice']")[0]
    assert not voice.xpath(".//*[local-name()='pattern']")


@pytest.mark.parametrize(
    ("lang", "written", "competitor", "headline"),
    [
        (None, "Report written to", "Velix (competitor)", "Mentions of Lumo"),
        ("fr", "Rapport écrit dans", "Velix (concurrent)", "Mentions de Lumo"),
    ],
)
def test_the_demo_writes_its_report(
    tmp_path: Path, lang: str | None, written: str, competitor: str, headline: str
) -> None:
    path = tmp_path / "demo.html"
    result = run("demo", "--html", str(path), *(["--lang", lang] if lang else []))
    assert result.exit_code == 0, result.output
    assert f"{written} {path}" in result.stdout
    page = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    voice = [row.xpath("./th")[0].text_content() for row in page.xpath(
        "//figure[@data-chart='voice']//tbody/tr")]  # fmt: skip
    assert voice == ["Lumo", competitor]
    assert page.xpath("//p[@class='headline']")[0].text_content().startswith(headline)


def test_the_demo_refuses_an_unknown_language_before_its_scan() -> None:
    result = run("demo", "--lang", "de", "--html", "x.html")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--lang 'de'" in result.stderr
    assert "--mention-lang" not in result.stderr  # the demo has no such filter


def test_a_last_week_of_one_day_is_named_as_a_day(reports, tmp_path: Path) -> None:
    """Weeks run Monday to Sunday: a period ending on a Monday ends with a one-day week,
    named "Nov 23", not "Nov 23 → Nov 23"."""
    out = tmp_path / "weeks.html"
    period = ["--since", "2026-10-01", "--until", "2026-11-24"]
    result = run("report", "-c", str(reports["config"]), *period, "--html", str(out))
    assert result.exit_code == 0, result.output
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    rows = [th.text_content() for th in page.xpath("//figure[@data-chart='volume']//tbody/tr/th")]
    assert len(rows) > 5 and "→" in rows[0]
    assert rows[-1] == "Nov 23"
    assert all(row.split(" → ")[0] != row.split(" → ")[-1] for row in rows[:-1])


def test_nothing_to_answer_reads_on_after_its_label(reports) -> None:
    result = run("report", "-c", str(reports["config"]), *PERIOD, "--tone", "positive",
                 "--lang", "fr")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "À traiter : rien de nouveau" in " ".join(result.stdout.split())


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "Rapport "),
        ({"LANG": "fr_FR.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "Report "),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "fr_CA.UTF-8"}, "Rapport "),
        ({"LANG": "C"}, "Report "),
    ],
    ids=["LANG fr", "LC_ALL wins", "LC_MESSAGES before LANG", "C"],
)
def test_the_language_comes_from_the_locale(reports, env: dict[str, str], expected: str) -> None:
    result = run("report", "-c", str(reports["config"]), *PERIOD, env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(expected)


def test_json_is_the_same_in_every_language(reports) -> None:
    for lang in ("fr", "en"):
        result = run("report", "-c", str(reports["config"]), *PERIOD, "--top", "10", "--json",
                     "--lang", lang)  # fmt: skip
        assert json.loads(result.stdout) == reports["json"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "de"], "--lang 'de': the report is written in en or fr"),
        (["--html", "-"], "--html needs a file name"),
        (["--html", "/nonexistent-folder/r.html"], "/nonexistent-folder/r.html: cannot write"),
        (["--html", "r.html", "--json"], "--html and --json: choose one"),
    ],
    ids=["unknown language", "stdout", "unwritable", "with json"],
)
def test_bad_report_options_exit_2_in_one_line(reports, args: list[str], message: str) -> None:
    result = run("report", "-c", str(reports["config"]), *PERIOD, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_mention_lang_filters_the_report(reports) -> None:
    result = run("report", "-c", str(reports["config"]), *PERIOD, "--mention-lang", "en", "--json")
    figures = json.loads(result.stdout)
    assert figures["summary"]["mentions"] == 4  # Globex's, in English
    assert figures["filters"] == {"langs": ["en"]}


@pytest.mark.parametrize(
    "target", ["database", "config", "config by another path", "scan lock", "write-ahead log"]
)
def test_html_never_overwrites_the_database_or_the_config(reports, target: str) -> None:
    config = reports["config"]
    db_path = Path(yaml.safe_load(config.read_text(encoding="utf-8"))["database"])
    path = {
        "database": db_path,
        "config": config,
        "config by another path": config.parent / ".." / config.parent.name / config.name,
        "scan lock": db_path.with_name(db_path.name + ".lock"),
        "write-ahead log": db_path.with_name(db_path.name + "-wal"),
    }[target]
    if not path.exists():
        path.write_bytes(b"")  # a side file another veille may hold open
    before = path.read_bytes()
    result = run("report", "-c", str(config), *PERIOD, "--html", str(path))
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "--html needs another file" in (
        result.stderr
    )
    # SQLite removes an empty write-ahead log when the database is closed: gone, or as it was
    assert (not path.exists() and target == "write-ahead log") or path.read_bytes() == before


@pytest.mark.parametrize(
    ("command", "target", "message"),
    [
        ("report", "/dev/full", "not a regular file"),
        ("report", "{folder}", "a folder"),
        ("demo", "{folder}", "a folder"),
        ("demo", "{folder}/x.db", "that is the database"),
        ("demo", "{folder}/new.db", "that is the database"),
    ],
)
def test_a_bad_html_target_is_refused_before_any_work(
    reports, tmp_path: Path, command: str, target: str, message: str
) -> None:
    (tmp_path / "x.db").write_bytes(b"kept")
    html = target.format(folder=tmp_path)
    args = ["-c", str(reports["config"]), *PERIOD] if command == "report" else ["--db", html]
    result = run(command, *args, "--html", html)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""  # the demo's scan did not run
    assert (tmp_path / "x.db").read_bytes() == b"kept"


def _limit_file_size() -> None:
    """In the child: files can grow to 40 KB (this report is some 60 KB, SQLite's shared memory
    file smaller), and a write past that fails (EFBIG) rather than killing the process, as
    on a full disk."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (40_960, 40_960))


def test_a_failed_write_leaves_the_old_file_whole(reports, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "kept.html"
    path.write_text("the report of last week", encoding="utf-8")
    # matplotlib's font cache, larger than the limit, is made first by a run without it
    env = {**os.environ, "TZ": "UTC", "LANG": "C.UTF-8", "MPLCONFIGDIR": str(tmp_path / "mpl")}
    command = [sys.executable, "-B", "-m", "veille", "report", "-c", str(reports["config"]),
               *PERIOD, "--html"]  # fmt: skip
    first = subprocess.run([*command, str(tmp_path / "first.html")], env=env, check=False)
    assert first.returncode == 0
    result = subprocess.run(
        [*command, str(path)], capture_output=True, text=True, preexec_fn=_limit_file_size,
        env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "kept.html: cannot write" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_text(encoding="utf-8") == "the report of last week"
    assert [p.name for p in path.parent.iterdir()] == ["kept.html"]


def test_the_html_replaces_an_old_report_whole(reports, tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    result = run("report", "-c", str(reports["config"]), *PERIOD, "--html", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


@pytest.mark.parametrize("columns", ["200", "80"])
def test_the_french_terminal_report_writes_a_whole_hundred_percent(reports, columns: str) -> None:
    result = run(
        "report", "-c", str(reports["config"]), *PERIOD, "--tone", "negative", "--lang", "fr",
        env={"COLUMNS": columns},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = result.stdout.split("Ton et part de voix")[1].split("Évolution")[0]
    rows = [line for line in table.splitlines() if line.lstrip().startswith(("Acme", "Globex"))]
    assert len(rows) == 2 and all(len(row) <= int(columns) for row in rows)
    # each brand's mentions are all negative: 100 % in the Nég column, never cut
    assert all("100\u00a0%" in row for row in rows)
    assert "100…" not in result.stdout


def _axis_texts(html: str, chart: str) -> list[str]:
    """The text of a chart's y axis ticks."""
    figure = lxml.html.fromstring(html).xpath(f"//figure[@data-chart='{chart}']")[0]
    ticks = figure.xpath(
        ".//*[local-name()='g'][starts-with(@id, 'ytick_') or contains(@id, '-ytick_')]"
    )
    return [t.text_content().strip() for t in ticks]


def test_the_charts_axes_write_numbers_in_the_language(tmp_path: Path) -> None:
    db_path = tmp_path / "many.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(url=f"https://example.fr/{n}", published_at="2026-11-26T10:00:00Z")
                for n in range(1200)
            ],
        )
    for lang, thousands in (("fr", "1\u202f[0-9]{3}"), ("en", "1,[0-9]{3}")):
        path = tmp_path / f"many-{lang}.html"
        result = run("report", "--db", str(db_path), *PERIOD, "--lang", lang, "--html", str(path))
        assert result.exit_code == 0, result.output
        html = path.read_text(encoding="utf-8")
        for chart in ("volume", "tone-days"):
            ticks = _axis_texts(html, chart)
            assert any(re.fullmatch(thousands, t) for t in ticks), (chart, ticks)
            assert not any(re.search("[0-9]{4}", t) for t in ticks), (chart, ticks)
    # an empty period's tone chart counts from 0 in whole numbers
    path = tmp_path / "empty.html"
    result = run("report", "--db", str(db_path), "--since", "2026-10-01", "--until", "2026-10-08",
                 "--html", str(path))  # fmt: skip
    assert result.exit_code == 0, result.output
    for chart in ("volume", "tone-days"):
        ticks = _axis_texts(path.read_text(encoding="utf-8"), chart)
        assert ticks and ticks[0] == "0" and all(re.fullmatch(r"\d+", t) for t in ticks), ticks


HOSTILE_BRANDS = ["Brand\x1b[31mRed", "🚲 Vélo", "Acme"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config whose brands carry an escape sequence and an emoji, and their mentions."""
    folder = tmp_path_factory.mktemp("hostile")
    db_path = folder / "veille.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(
                    brand=HOSTILE_BRANDS[n % 3],
                    url=f"https://example.fr/{n}",
                    published_at=f"2026-11-2{1 + n % 7}T10:00:00Z",
                    tone=("positive", "negative")[n % 2],
                )
                for n in range(30)
            ],
        )
    config = folder / "sources.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": str(db_path),
                "brands": [
                    {"name": name, "terms": ["Acme"], "competitor": n == 1}
                    for n, name in enumerate(HOSTILE_BRANDS)
                ],
                "sources": [{"name": "Feed", "type": "rss", "url": "https://example.fr/f"}],
            }
        ),
        encoding="utf-8",
    )
    return config


def test_brand_names_are_cleaned_of_escapes_everywhere(hostile: Path, tmp_path: Path) -> None:
    path = tmp_path / "hostile.html"
    for lang in ("en", "fr"):
        result = run("report", "-c", str(hostile), *PERIOD, "--lang", lang, "--html", str(path))
        assert result.exit_code == 0, result.output
        html = path.read_text(encoding="utf-8")
        assert "\x1b" not in html and "BrandRed" in visible_text(html)
        terminal = run("report", "-c", str(hostile), *PERIOD, "--lang", lang)
        assert terminal.exit_code == 0, terminal.output
        assert "\x1b" not in terminal.stdout and "BrandRed" in terminal.stdout


def test_drawing_a_name_the_fonts_lack_warns_nobody(hostile: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    path = tmp_path / "hostile.html"
    result = subprocess.run(
        [sys.executable, "-W", "default", "-m", "veille", "report", "-c", str(hostile), *PERIOD,
         "--html", str(path)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "TZ": "UTC", "LANG": "C.UTF-8", "MPLCONFIGDIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "🚲 Vélo" in path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def year_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mention every third day of 2026 until late November, Acme's and Globex's in turn."""
    from datetime import date, timedelta

    db_path = tmp_path_factory.mktemp("year") / "year.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(
                    brand=("Acme", "Globex")[n % 2],
                    url=f"https://example.fr/{n}",
                    published_at=f"{date(2026, 1, 1) + timedelta(days=3 * n)}T10:00:00Z",
                    tone=("positive", "neutral", "negative")[n % 3],
                )
                for n in range(110)
            ],
        )
    return db_path


@pytest.mark.parametrize(
    ("since", "until", "grouping", "points"),
    [
        ("2026-01-01", "2026-11-28", "month", 11),
        ("2026-08-31", "2026-11-23", "week", 12),
        ("2026-10-28", "2026-11-04", "day", 7),
    ],
)
def test_the_charts_group_the_days_as_the_report_does(
    year_db: Path, tmp_path: Path, since: str, until: str, grouping: str, points: int
) -> None:
    period = ["--db", str(year_db), "--since", since, "--until", until]
    figures = json.loads(run("report", *period, "--json").stdout)
    assert figures["grouping"] == grouping
    path = tmp_path / "grouped.html"
    for lang in ("en", "fr"):
        result = run("report", *period, "--lang", lang, "--html", str(path))
        assert result.exit_code == 0, result.output
        html = path.read_text(encoding="utf-8")
        found = charts(html)
        for chart in ("volume", "tone-days"):
            assert found[chart]["days"] == len(found[chart]["rows"]) == points
        volume = [values for _, values, _ in found["volume"]["rows"]]
        assert [sum(column) for column in zip(*volume, strict=True)] == [
            sum(day["counts"][brand] for day in figures["days"]) for brand in ("Acme", "Globex")
        ]
        tones = [values for _, values, _ in found["tone-days"]["rows"]]
        assert [sum(column) for column in zip(*tones, strict=True)] == [
            figures["summary"]["tones"][tone] for tone in ("positive", "neutral", "negative")
        ]
        labels = [
            t.text_content()
            for t in lxml.html.fromstring(html).xpath(
                "//figure[@data-chart='volume']//*[local-name()='g']"
                "[starts-with(@id, 'xtick_') or contains(@id, '-xtick_')]"
            )
        ]
        # every label names its month (the days of late October and early November too)
        months = ("Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec" if lang == "en" else
                  "janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc")  # fmt: skip
        assert labels and all(re.search(months, label) for label in labels), labels


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["0 mentions", "1 mention", "2 mentions", "0 handled", "1 still new", "2 negative"]),
        ("fr", ["0 mention", "1 mention", "2 mentions", "0 traitée", "1 encore nouvelle",
                "2 négatives"]),
    ],
)  # fmt: skip
def test_counts_are_singular_or_plural_by_the_language(lang: str, expected: list[str]) -> None:
    from veille.wording import Wording

    words = Wording(lang)
    said = [words.count("n_mentions", n) for n in (0, 1, 2)]
    said += [words.count("n_handled", 0), words.count("n_new", 1), words.count("n_negative", 2)]
    assert said == expected


@pytest.mark.parametrize(
    ("name", "fr", "en"),
    [
        ("Acme", "d’Acme", "of Acme"),
        ("Écolo", "d’Écolo", "of Écolo"),
        ("Hooli", "de Hooli", "of Hooli"),
        ("Globex", "de Globex", "of Globex"),
    ],
)
def test_french_elides_de_before_a_vowel(name: str, fr: str, en: str) -> None:
    from veille.wording import Wording

    assert (Wording("fr").of(name), Wording("en").of(name)) == (fr, en)


@pytest.mark.parametrize("count", [1, 2])
def test_the_reports_say_one_mention_and_one_handled(tmp_path: Path, count: int) -> None:
    db_path = tmp_path / "one.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://example.fr/f")])
        store.record_source(
            "Feed",
            {},
            [
                make_mention(url=f"https://example.fr/{n}", published_at="2026-11-26T10:00:00Z",
                             status="handled")
                for n in range(count)
            ],
        )  # fmt: skip
    plural = "s" if count > 1 else ""
    expected = {
        "en": (f"{count} mention{plural} of Acme, none the week before", f"{count} handled,"),
        "fr": (
            f"{count} mention{plural} d’Acme, aucune la semaine précédente",
            f"{count} traitée{plural}, 0 ignorée, 0 encore nouvelle",
        ),
    }
    for lang, (headline, triage) in expected.items():
        path = tmp_path / f"one-{lang}.html"
        result = run("report", "--db", str(db_path), *PERIOD, "--lang", lang, "--html", str(path))
        assert result.exit_code == 0, result.output
        text = visible_text(path.read_text(encoding="utf-8"))
        terminal = " ".join(
            run("report", "--db", str(db_path), *PERIOD, "--lang", lang).stdout.split()
        )
        for shown in (text, terminal):
            assert headline in shown and triage in shown


def test_every_id_in_the_page_is_unique(reports) -> None:
    for lang in ("en", "fr"):
        page = lxml.html.fromstring(reports[lang])
        ids = [element.get("id") for element in page.iter() if element.get("id")]
        assert len(ids) > 20 and len(ids) == len(set(ids))
        # and every reference points to one of them
        targets = {
            value[1:] if key.endswith("href") else value[5:-1]
            for element in page.iter()
            for key, value in element.items()
            if (key.endswith("href") and value.startswith("#")) or value.startswith("url(#")
        }
        assert targets and targets <= set(ids)


def test_brands_never_wear_a_tones_colour_and_differ_from_the_first(tmp_path: Path) -> None:
    db_path = tmp_path / "seven.db"
    busy_week(db_path, [f"Brand {n}" for n in range(7)])
    path = tmp_path / "seven.html"
    result = run("report", "--db", str(db_path), *PERIOD, "--html", str(path))
    assert result.exit_code == 0, result.output
    volume = lxml.html.fromstring(path.read_text(encoding="utf-8")).xpath(
        "//figure[@data-chart='volume']"
    )[0]
    lines = [
        (
            re.search(r"stroke: (#\w+)", style).group(1),
            (re.findall(r"stroke-dasharray: ([^;]+)", style) or ["solid"])[0],
        )
        for style in volume.xpath(".//*[local-name()='g'][contains(@id, '-line2d_')]"
                                  "[not(ancestor::*[contains(@id, '-legend_')])]"
                                  "/*[local-name()='path']/@style")
        if "stroke-width: 1.8" in style
    ]  # fmt: skip
    assert len(lines) == 7
    colours = [colour.lower() for colour, _ in lines]
    assert not {"#009e73", "#d55e00"} & set(colours)
    # the first two brands differ by their dashes as well as their colour
    assert lines[0][1] != lines[1][1] and colours[0] != colours[1]
    assert len(set(lines)) == 7


def test_french_words_agree_with_mention_and_name_the_columns(reports) -> None:
    page = lxml.html.fromstring(reports["fr"])
    statuses = {td.text_content() for td in page.xpath("//section[@id='attention']//tr/td[6]")}
    assert statuses == {"nouvelle"}  # une mention nouvelle, traitée, ignorée
    terminal = " ".join(reports["fr terminal"].split())
    assert "Évolution (21 nov. → 27 nov.)" in terminal
    assert re.search(r"Marque +Par jour +Total +Max +Pics", reports["fr terminal"])


def test_a_first_period_says_none_before_in_the_same_words(tmp_path: Path) -> None:
    """The headline and the summary say "the week before" alike; nobody named is said so."""
    db_path = tmp_path / "veille.db"
    moments = [datetime(2026, 11, 25, 9, n, tzinfo=timezone.utc) for n in range(3)]
    _store_dated(db_path, moments, author="", tone="positive")
    said = {}
    for lang in ("en", "fr"):
        output = tmp_path / f"{lang}.html"
        result = run("report", "--db", str(db_path), *PERIOD, "--lang", lang, "--html", str(output))
        assert result.exit_code == 0, result.output
        said[lang] = visible_text(output.read_text(encoding="utf-8"))
    assert said["en"].count("none the week before") == 2
    assert said["fr"].count("aucune la semaine précédente") == 2
    assert "d’avant" not in said["fr"].replace("les semaines d’avant", "")  # the spike rule
    assert "Aucun auteur nommé." in said["fr"] and "Nobody named." in said["en"]
    # nothing needs attention: said once, under its heading
    assert said["fr"].count("À traiter") == 1 and "Rien de nouveau" in said["fr"]
    assert said["en"].count("Needs attention") == 1


def test_one_stored_mention_is_it(tmp_path: Path) -> None:
    db_path = tmp_path / "veille.db"
    _store_dated(db_path, [datetime(2026, 11, 2, 9, tzinfo=timezone.utc)])
    out = " ".join(run("report", "--db", str(db_path), *PERIOD).stdout.split())
    assert "1 mention stored, none in this period; it is from 2026-11-02" in out


def test_a_french_month_by_week_keeps_its_header_whole(tmp_path: Path) -> None:
    db_path = tmp_path / "veille.db"
    _store_dated(db_path, [datetime(2026, 11, 2 + n, 9, tzinfo=timezone.utc) for n in range(25)])
    result = run(
        "report", "--db", str(db_path), "--since", "2026-10-29", "--until", UNTIL, "--lang", "fr"
    )
    assert result.exit_code == 0, result.output
    assert "Par semaine" in result.stdout and "Par sema…" not in result.stdout


def test_the_net_chart_labels_both_periods_and_keys_them_apart_from_the_tones(reports) -> None:
    page = lxml.html.fromstring(reports["en"])
    svg = page.xpath("//figure[@data-chart='net']/*[local-name()='svg']")[0]
    texts = [t.text_content() for t in svg.xpath(".//*[local-name()='text']")]
    net = charts(reports["en"])["net"]
    for _, _, shown in net["rows"]:
        now, before, _mentions = shown
        assert now in texts and before in texts
    legend = svg.xpath(".//*[local-name()='g'][contains(@id, 'legend')]")[0]
    swatches = [p.get("style") for p in legend.xpath(".//*[local-name()='path']")]
    tone_fills = {"#009e73", "#d55e00"}
    assert swatches and not any(fill in swatches[0].lower() for fill in tone_fills)
