"""`veille tone train`: a layer fitted on a community manager's labels, measured against the
built-in engine, used where it beats it, by `veille tone`, `veille show` and the sweep.

The domain set (`fixtures/tone_slang.csv`) is a made-up game community's slang, which the
built-in engine misreads ("cracked", "mid", "an L"); its `part` column holds back a quarter of
it, never trained on, to check that later judgements in that domain improve.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlite_utils import Database
from test_store import make_mention

from veille.cli import app
from veille.models import Source
from veille.store import LabelledText, Store
from veille.times import stored_now
from veille.tone import judge_tone
from veille.tone.layer import MIN_LABELS, ToneLayer, train_layer

SLANG = Path(__file__).parent / "fixtures" / "tone_slang.csv"


def slang(part: str) -> list[dict[str, str]]:
    with SLANG.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["part"] == part]


def import_labels(db_path: Path, rows: list[dict[str, str]]) -> None:
    with Store(db_path) as store:
        store.import_labelled_texts(
            LabelledText(row["text"], row["label"], row.get("lang") or None) for row in rows
        )


def accuracy(gold: list[str], predicted: list[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def judged_by_cli(runner, db_path: Path, texts: list[str]) -> list[str]:
    result = runner.invoke(app, ["tone", "--json", "--db", str(db_path)], input="\n".join(texts))
    assert result.exit_code == 0, result.output
    return [json.loads(line)["tone"] for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the slang set's training labels and the layer trained on them
    (trained once for the tests that only use it: each copies the file)."""
    db_path = tmp_path_factory.mktemp("trained") / "veille.db"
    import_labels(db_path, slang("train"))
    with Store(db_path) as store:
        training = train_layer(store.labels())
        assert training.layer is not None
        store.save_tone_model(training.layer.to_bytes(), training.report, training.labels)
    return db_path


def copy_of(trained: Path, tmp_path: Path) -> Path:
    db_path = tmp_path / "veille.db"
    shutil.copyfile(trained, db_path)
    return db_path


def stored_layer_bytes(db_path: Path) -> bytes | None:
    with Store(db_path) as store:
        model = store.tone_model()
    return None if model is None else model[0]


def test_a_layer_trained_on_slang_beats_the_engine_and_judges_held_back_texts_better(
    runner, tmp_path: Path
) -> None:
    db_path = tmp_path / "veille.db"
    Store(db_path).close()
    labels_csv = tmp_path / "slang.csv"
    with labels_csv.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "lang"])
        writer.writerows([row["text"], row["label"], row["lang"]] for row in slang("train"))
    imported = runner.invoke(app, ["label", "--import", str(labels_csv), "--db", str(db_path)])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["tone", "train", "--db", str(db_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    english = report["languages"]["en"]
    assert english["n"] == len(slang("train"))
    assert english["layer"]["macro_f1"] > english["engine"]["macro_f1"] + 0.2, english
    assert report["used_for"] == ["en"]
    first = stored_layer_bytes(db_path)
    assert first is not None

    held = slang("held")
    gold = [row["label"] for row in held]
    engine = accuracy(gold, [judge_tone(row["text"]).tone for row in held])
    with_layer = accuracy(gold, judged_by_cli(runner, db_path, [row["text"] for row in held]))
    assert with_layer > engine + 0.3, (engine, with_layer)
    # Without a database, `veille tone` is the built-in engine alone.
    alone = judged_by_cli(runner, tmp_path / "none.db", [row["text"] for row in held])
    assert alone == [judge_tone(row["text"]).tone for row in held]

    # The same labels give the same layer, byte for byte; the table names the decision.
    again = runner.invoke(app, ["tone", "train", "--db", str(db_path)])
    assert again.exit_code == 0, again.output
    assert stored_layer_bytes(db_path) == first
    assert "built-in acc" in again.stdout and "layer: +" in again.stdout
    assert "Trained layer saved" in again.stdout and "for en" in again.stdout


def test_contradictory_labels_are_refused_and_the_message_says_why(runner, tmp_path: Path) -> None:
    db_path = tmp_path / "veille.db"
    texts = [row["text"] for row in slang("train")[:5]]
    # The same texts labelled twice, once as typed and once in capitals: one text each.
    import_labels(
        db_path,
        [{"text": t, "label": "positive"} for t in texts]
        + [{"text": t.upper(), "label": "negative"} for t in texts],
    )
    result = runner.invoke(app, ["tone", "train", "--db", str(db_path)])
    assert result.exit_code == 2, result.output
    assert "not trained" in result.stderr
    assert "10 labels give 5 texts two different tones" in result.stderr
    assert f"at least {MIN_LABELS}" in result.stderr
    assert stored_layer_bytes(db_path) is None


def test_the_engine_is_kept_where_the_layer_does_not_beat_it(
    runner, tmp_path: Path, trained: Path
) -> None:
    # Today's labels agree with the engine everywhere: nothing to learn, and the layer
    # trained before on other labels goes, since these say the engine judges better.
    db_path = copy_of(trained, tmp_path)
    with Store(db_path) as store, store.db.conn:
        store.db.execute("DELETE FROM labels")
    agreeing = [
        {"text": row["text"], "label": judge_tone(row["text"]).tone} for row in slang("held")
    ]
    import_labels(db_path, agreeing)
    result = runner.invoke(app, ["tone", "train", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "Kept the built-in engine" in result.stdout
    assert "The layer trained before is removed" in result.stdout
    assert stored_layer_bytes(db_path) is None


def test_reset_forgets_the_layer(runner, tmp_path: Path, trained: Path) -> None:
    db_path = copy_of(trained, tmp_path)
    reset = runner.invoke(app, ["tone", "train", "--reset", "--db", str(db_path)])
    assert reset.exit_code == 0, reset.output
    assert "Forgot the trained tone layer" in reset.stdout
    assert stored_layer_bytes(db_path) is None
    held = [row["text"] for row in slang("held")]
    assert judged_by_cli(runner, db_path, held) == [judge_tone(text).tone for text in held]
    again = runner.invoke(app, ["tone", "train", "--reset", "--db", str(db_path)])
    assert again.exit_code == 0 and "No trained tone layer" in again.stdout


def test_training_never_changes_a_corrected_mentions_tone(runner, tmp_path: Path) -> None:
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store, store.db.conn:
        store.db.execute(
            "INSERT INTO items (source, url, found_at, author, text) VALUES "
            "('Forum', 'https://f.example/1', ?, 'kim', 'Skyforge patch is mid')",
            [stored_now()],
        )
        store.db.execute(
            "INSERT INTO mention_rows (brand, source, url, found_at, tone, tone_score, flags, "
            "item_id) VALUES ('Skyforge', 'Forum', 'https://f.example/1', ?, 'neutral', 0.0, "
            "'', 1)",
            [stored_now()],
        )
    # Corrected to positive: against the slang set, which calls "mid" negative.
    corrected = runner.invoke(app, ["label", "1", "positive", "--db", str(db_path)])
    assert corrected.exit_code == 0, corrected.output
    row = next(Database(db_path).query("SELECT tone, tone_score FROM mentions WHERE id = 1"))
    assert row["tone"] == "positive"
    score = row["tone_score"]
    import_labels(db_path, slang("train"))
    result = runner.invoke(app, ["tone", "train", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    row = next(Database(db_path).query("SELECT tone, tone_score FROM mentions WHERE id = 1"))
    assert (row["tone"], row["tone_score"]) == ("positive", score)
    with Store(db_path) as store:
        (correction,) = [row for row in store.labels() if row["mention_id"] == 1]
    assert correction["judged_tone"] == "neutral"


def test_explain_shows_the_layer_as_a_rule(runner, tmp_path: Path, trained: Path) -> None:
    db_path = copy_of(trained, tmp_path)
    text = "The controller support is cracked, devs cooked"
    result = runner.invoke(app, ["tone", text, "--explain", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("positive"), result.stdout
    assert "rule: your trained layer: " in result.stdout
    as_json = runner.invoke(app, ["tone", "--json", "--explain", "--db", str(db_path), text])
    rules = json.loads(as_json.stdout)["explain"]["rules"]
    assert rules[-1]["rule"] == "your trained layer"


def test_options_before_the_sub_command_name_are_the_sub_commands(
    runner, tmp_path: Path, trained: Path
) -> None:
    db_path = copy_of(trained, tmp_path)
    reset = runner.invoke(app, ["tone", "--db", str(db_path), "train", "--reset"])
    assert reset.exit_code == 0, reset.output
    assert "Forgot the trained tone layer" in reset.stdout
    assert stored_layer_bytes(db_path) is None
    refused = runner.invoke(app, ["tone", "--db", str(tmp_path / "missing.db"), "train"])
    assert refused.exit_code == 2
    assert "missing.db: no such database" in refused.stderr


@pytest.mark.parametrize(
    ("before", "lang"),
    [(["--lang", "fr"], "fr"), (["--lang=fr"], "fr"), (["--explain"], "en"), (["--json"], "en")],
)
def test_an_option_train_lacks_makes_train_the_text(runner, before: list[str], lang: str) -> None:
    """`train` has no --lang or --explain: written before it, they are the judging's, and
    "train" is the text, as `veille tone -- train` has it (`--json` is train's too)."""
    result = runner.invoke(app, ["tone", *before, "train"])
    if before == ["--json"]:
        assert result.exit_code == 2 and "no such database" in result.stderr
        return
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"neutral\t+0.000\t{lang}\t-\ttrain"


def test_options_train_has_and_lacks_before_it_judge(runner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["tone", "--db", str(tmp_path / "missing.db"), "--lang", "fr", "train"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "neutral\t+0.000\tfr\t-\ttrain\n"


def test_the_word_train_alone_is_judged_after_a_double_dash(runner) -> None:
    result = runner.invoke(app, ["tone", "--", "train"])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("train")


def test_a_damaged_layer_is_an_error_that_says_what_to_do(runner, tmp_path: Path) -> None:
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store:
        store.save_tone_model(b"not a layer", {}, 0)
    result = runner.invoke(app, ["tone", "great", "--db", str(db_path)])
    assert result.exit_code == 2
    assert "trained tone layer cannot be read" in result.stderr
    assert "veille tone train --reset" in result.stderr


def test_a_layer_only_judges_the_languages_it_was_kept_for(trained: Path) -> None:
    stored = stored_layer_bytes(trained)
    assert stored is not None
    layer = ToneLayer.from_bytes(stored)
    french = "Le nouveau patch est nul, franchement"
    assert layer(french, "fr") == judge_tone(french, "fr")


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Forum</title>
<link>https://forum.example/</link>{items}</channel></rss>"""
ITEM = "<item><title>{title}</title><link>https://forum.example/t/{n}</link></item>"


@pytest.mark.parametrize("with_layer", [False, True], ids=["engine alone", "with the layer"])
def test_a_sweep_judges_with_the_stored_layer(
    httpserver: HTTPServer,
    write_config,
    runner,
    tmp_path: Path,
    trained: Path,
    with_layer: bool,
) -> None:
    held = slang("held")
    items = "".join(
        ITEM.format(title=f"Skyforge: {row['text']}", n=n) for n, row in enumerate(held)
    )
    httpserver.expect_request("/feed").respond_with_data(
        FEED.format(items=items), content_type="application/rss+xml"
    )
    config = write_config(
        {
            "brands": [{"name": "Skyforge", "terms": ["Skyforge"]}],
            "sources": [{"name": "Forum", "type": "rss", "url": httpserver.url_for("/feed")}],
        }
    )
    db_path = copy_of(trained, tmp_path) if with_layer else tmp_path / "veille.db"
    result = runner.invoke(app, ["scan", "-c", str(config), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    stored = {
        row["url"]: row["tone"] for row in Database(db_path).query("SELECT url, tone FROM mentions")
    }
    gold = [row["label"] for row in held]
    tones = [stored[f"https://forum.example/t/{n}"] for n in range(len(held))]
    if with_layer:
        assert accuracy(gold, tones) > 0.8
    else:
        assert accuracy(gold, tones) < 0.5


def test_show_explains_a_mention_with_the_stored_layer(
    runner, tmp_path: Path, trained: Path
) -> None:
    db_path = tmp_path / "veille.db"
    text = "Skyforge's ranked update is lowkey goated, no cap"
    mention = make_mention(
        brand="Skyforge", url="https://forum.example/t/9", title="", text=text, matched="Skyforge"
    )
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
        store.record_source("Feed", {}, [mention])
    before = json.loads(runner.invoke(app, ["show", "1", "--json", "--db", str(db_path)]).stdout)
    assert all(rule["rule"] != "your trained layer" for rule in before["explain"]["rules"])
    layer = stored_layer_bytes(trained)
    assert layer is not None
    with Store(db_path) as store:
        store.save_tone_model(layer, {}, 180)
    shown = runner.invoke(app, ["show", "1", "--json", "--db", str(db_path)])
    assert shown.exit_code == 0, shown.output
    explain = json.loads(shown.stdout)["explain"]
    assert explain["rules"][-1]["rule"] == "your trained layer"
    assert explain["tone"] == "positive"


OUTSIDE_THE_DOMAIN = [
    "I love this phone, the battery lasts for days",
    "Worst customer service ever, I want a refund",
    "The store opens at 9 on Monday",
    "Thank you so much for the quick delivery!",
    "My order arrived broken and nobody answers",
    "The new café on Main Street serves breakfast",
    "What a wonderful concert last night",
    "This airline lost my luggage again, terrible",
    "The meeting is moved to Thursday",
    "Great job on the redesign, it looks beautiful",
    "The app keeps crashing, so frustrating",
    "Our team published the quarterly report today",
]


def test_texts_outside_the_labels_domain_keep_the_engines_tone(trained: Path) -> None:
    # The slang set teaches the layer that the engine is often wrong there; it must not
    # learn to contradict the engine everywhere else.
    stored = stored_layer_bytes(trained)
    assert stored is not None
    layer = ToneLayer.from_bytes(stored)
    for text in OUTSIDE_THE_DOMAIN:
        assert layer(text) == judge_tone(text), text


def test_a_layer_without_neutral_labels_leaves_neutral_texts_neutral() -> None:
    labels = [
        {"text": row["text"], "label": row["label"], "lang": row.get("lang") or None}
        for row in slang("train")
        if row["label"] != "neutral"
    ]
    training = train_layer(labels)
    assert training.layer is not None and "neutral" not in training.layer.classes
    for text in OUTSIDE_THE_DOMAIN:
        if judge_tone(text).tone == "neutral":
            assert training.layer(text).tone == "neutral", text


def _blob(meta: dict, rows: int = 1) -> bytes:
    """A stored layer with this description and `rows` zero weights, as `to_bytes` lays out."""
    import struct
    import zlib

    from veille.tone.layer import MAGIC

    described = json.dumps(meta).encode()
    body = struct.pack("<I", len(described)) + described
    body += struct.pack(f"<{rows}i", *range(rows)) + bytes(4 * rows * 3)
    return MAGIC + zlib.compress(body)


@pytest.mark.parametrize(
    "change",
    [{"prior": None}, {"prior": "x"}, {"languages": "en"}, {"classes": ["happy"]}, {"rows": 0}],
    ids=["no prior", "prior a word", "languages a string", "unknown class", "no rows"],
)
def test_a_hand_edited_layer_is_an_error_and_show_still_shows(
    runner, tmp_path: Path, trained: Path, change: dict
) -> None:
    from veille.tone.layer import FORMAT, WIDTH, LayerError

    meta = {"format": FORMAT, "width": WIDTH, "rows": 1, "languages": ["en"], "prior": 2.5}
    meta |= {"classes": ["negative", "neutral", "positive"]}
    meta = {key: value for key, value in (meta | change).items() if value is not None}
    with pytest.raises(LayerError):
        ToneLayer.from_bytes(_blob(meta))
    db_path = tmp_path / "veille.db"
    with Store(db_path) as store:
        store.sync_sources([Source(name="Feed", type="rss", url="https://e.fr/f")])
        store.record_source("Feed", {}, [make_mention(brand="Acme", text="Acme is great")])
        store.save_tone_model(_blob(meta), {}, 20)
    judged = runner.invoke(app, ["tone", "great", "--db", str(db_path)])
    assert judged.exit_code == 2 and "Traceback" not in judged.output
    assert "trained tone layer cannot be read" in judged.stderr
    shown = runner.invoke(app, ["show", "1", "--db", str(db_path)])
    assert shown.exit_code == 0, shown.output


def test_another_configured_engine_judges_without_the_layer(
    runner, tmp_path: Path, trained: Path, write_config
) -> None:
    db_path = copy_of(trained, tmp_path)
    text = "The controller support is cracked, devs cooked"
    with_layer = runner.invoke(app, ["tone", "--db", str(db_path), "--explain", text])
    assert "your trained layer" in with_layer.stdout, with_layer.output
    config = write_config(
        {
            "database": str(db_path),
            "brands": [{"name": "Acme", "terms": ["Acme"]}],
            "sources": [{"name": "Blog", "type": "rss", "url": "https://a.example/f"}],
            "settings": {"tone_engine": "veille.tone:judge_tone"},
        }
    )
    other = runner.invoke(app, ["tone", "-c", str(config), "--explain", text])
    assert other.exit_code == 0, other.output
    assert "your trained layer" not in other.stdout
