"""The store's side of tone corrections: the engine's judgement kept beside the correction,
labelled texts, erasure taking corrections along, and the trained layer's row."""

from __future__ import annotations

from pathlib import Path

from veille.store import Correction, LabelledText, Store
from veille.times import stored_now


def _store_with_mention(path: Path) -> tuple[Store, int]:
    store = Store(path)
    with store.db.conn:
        store.db.execute(
            "INSERT INTO items (source, url, found_at, author, text) "
            "VALUES ('Blog', 'https://a.example/1', ?, 'Zoé', 'Acme is fine')",
            [stored_now()],
        )
        store.db.execute(
            "INSERT INTO mention_rows (brand, source, url, found_at, author, tone, tone_score, "
            "flags, item_id) VALUES ('Acme', 'Blog', 'https://a.example/1', ?, 'Zoé', "
            "'positive', 0.4, 'question', 1)",
            [stored_now()],
        )
    return store, 1


def test_a_correction_keeps_the_engines_first_judgement(tmp_path: Path) -> None:
    store, mention = _store_with_mention(tmp_path / "veille.db")
    with store:
        fix = Correction(mention, "negative", -0.5, "Acme is fine", "en", "complaint")
        assert store.correct_tone([fix, Correction(999, "negative", -0.5, "x")]) == [mention]
        store.correct_tone([Correction(mention, "neutral", 0.0, "Acme is fine", "en")])
        row = store.mention(mention)
        assert row is not None
        assert (row["tone"], row["tone_score"], row["flags"]) == ("neutral", 0.0, "complaint")
        (correction,) = [row for row in store.labels() if row["mention_id"] == mention]
        assert correction["label"] == "neutral"
        assert correction["flags"] == "complaint"  # a later tone-only fix keeps the flag fix
        assert (correction["judged_tone"], correction["judged_score"]) == ("positive", 0.4)
        assert correction["judged_flags"] == "question"


def test_labelled_texts_and_erasure(tmp_path: Path) -> None:
    store, mention = _store_with_mention(tmp_path / "veille.db")
    with store:
        imported = store.import_labelled_texts(
            [LabelledText("ce truc est nul", "negative", "fr"), LabelledText("fine", "neutral")]
        )
        assert imported.added == 2
        store.correct_tone([Correction(mention, "negative", -0.5, "Acme is fine")])
        assert [(row["mention_id"], row["label"]) for row in store.labels()] == [
            (None, "negative"),
            (None, "neutral"),
            (mention, "negative"),
        ]
        store.purge(["Zoé"], None)
        assert [row["mention_id"] for row in store.labels()] == [None, None]


def test_the_trained_layer_is_kept_replaced_and_dropped(tmp_path: Path) -> None:
    store, _ = _store_with_mention(tmp_path / "veille.db")
    with store:
        assert store.tone_model() is None
        store.save_tone_model(b"\x00\x01", {"folds": 5}, labels=40)
        store.save_tone_model(b"\x02", {"folds": 3}, labels=41)
        assert store.tone_model() == (b"\x02", {"folds": 3})
        assert store.drop_tone_model() is True
        assert store.drop_tone_model() is False
        assert store.tone_model() is None
