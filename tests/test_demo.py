from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from veille.cli import app


def test_demo_sweeps_the_sample_over_http_and_prints_the_report(runner, tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(db_path)])
    assert result.exit_code == 0, result.output + result.stderr
    out = result.stdout
    assert "Sources: 5 ok, 0 unchanged, 0 failed" in out
    for heading in ("Tone and share of voice", "Who is talking", "Where", "Needs attention"):
        assert heading in out
    for shown in ("Lumo", "Velix", "Forum Vélotaf", "Social search", "@julie_roule", "negative"):
        assert shown in out

    db = Database(db_path)
    by_brand = dict(db.execute("select brand, count(*) from mentions group by brand").fetchall())
    assert by_brand == {"Lumo": 29, "Velix": 11}
    forum = db.execute(
        "select author, url from mentions where source = 'Forum Vélo Quotidien' and brand = 'Lumo'"
        " order by published_at"
    ).fetchall()
    assert [author for author, _ in forum] == [
        "Gaelle_Velotaf", "Rayon_de_soleil", "Modo_Jeanne", "Velix_fan_92", "Gaelle_Velotaf",
    ]  # fmt: skip
    assert all(url.split("#")[1].startswith("p881") for _, url in forum)
    titles = {row["title"] for row in db.query("select title from mentions where brand='Lumo'")}
    assert any(t.startswith("Weekend links") for t in titles), "a link to the brand's domain"
    assert not any("Lumo Lamp" in t for t in titles), "excluded phrase"
    assert not any("Lumos" in t for t in titles), "near-miss"
    assert db.execute("select count(*) from mentions where author = ''").fetchone()[0] == 0
    tones = {row[0] for row in db.execute("select distinct tone from mentions")}
    assert tones == {"positive", "neutral", "negative"}
    langs = {row[0] for row in db.execute("select distinct lang from mentions")}
    assert {"fr", "en"} <= langs

    again = runner.invoke(app, ["demo", "--db", str(db_path)])
    assert again.exit_code == 0 and "new mentions: 0" in again.stdout


def test_demo_without_db_leaves_nothing_behind(runner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "veille demo --db demo.db" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_demo_in_french_says_its_scan_and_hint_in_french(runner) -> None:
    result = runner.invoke(app, ["demo", "--lang", "fr"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Sources : 5 ok, 0 inchangée, 0 en échec" in out
    assert "nouvelles mentions : 40" in out and "Nouvelles mentions" in out
    assert "Lancez `veille demo --db demo.db` pour garder la base" in out
    for english in ("unchanged", "items seen", "new mentions", "Run `veille demo"):
        assert english not in out
