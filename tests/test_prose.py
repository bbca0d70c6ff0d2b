"""The prose tone model: lazy, bounded, stable features, routing, and reproducible weights.

The training tests read ../shared/corpus/tone/train/ (MIT data kept outside the repository)
and skip without it. The full rebuild is checked here and by `scripts/train_prose.py --check`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from veille import prose

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
CORPUS = REPO.parent / "shared" / "corpus" / "tone" / "train"
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "en_mit.csv").exists(), reason=f"training corpus not found at {CORPUS}"
)

# Written for these tests: long French reviews whose verdict no reader could miss.
PRAISE_FR = (
    "Quel bonheur que ce film ! Les acteurs sont formidables, la mise en scène est d'une "
    "élégance rare et le scénario nous tient en haleine du début à la fin. La musique est "
    "superbe, les dialogues sont drôles et justes. Un chef-d'œuvre que je recommande à tous, "
    "à voir et à revoir sans hésiter."
)
BLAME_FR = (
    "Quelle déception. Le scénario est creux, les acteurs récitent leur texte sans y croire "
    "et la mise en scène est d'un ennui mortel. On regarde sa montre toutes les cinq minutes "
    "en attendant que ça se termine. Deux heures de perdues, je ne comprends pas les bonnes "
    "critiques. À éviter absolument."
)


def _run(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True
    ).stdout


def test_import_and_short_texts_load_nothing() -> None:
    """Importing the module, and blending a snippet, read no weights and import no numpy:
    the routing is a few bytes of JSON."""
    out = _run(
        "import sys\nfrom veille import prose\n"
        "print('numpy' in sys.modules)\n"
        "print(prose.blend('Super film, je recommande.', 'fr', 0.6))\n"
        "print(prose.blend('x' * 240, 'en', -0.2))\n"
        "print('numpy' in sys.modules, prose.loaded())\n"
    )
    assert out.split("\n")[:4] == ["False", "0.6", "-0.2", "False False"]


def test_thresholds_are_the_engines() -> None:
    """veille.prose repeats the engine's label thresholds and flag rule so as not to import
    it."""
    import importlib

    for name in ("veille.tone", "veille.tone.scoring"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "POSITIVE_AT"):
            names = ("POSITIVE_AT", "NEGATIVE_AT", "FLAG_PULL", "CLEAR_PRAISE")
            assert [getattr(module, n) for n in names] == [getattr(prose, n) for n in names]
            return
    pytest.fail("the tone engine's thresholds were not found")


def test_shipped_files() -> None:
    """A few MB at most; both languages routed; no snippet of ~240 characters ever reaches
    the model (the engine's throughput depends on it)."""
    assert prose.MODEL_PATH.stat().st_size < 3_000_000
    table = json.loads(prose.MODEL_PATH.with_name(prose.ROUTE_NAME).read_text(encoding="utf-8"))
    assert set(table) == set(prose.CLASSES)
    for route in table.values():
        assert route["min_length"] > 240
        assert 0 <= route["weight"] <= 1


def test_features_do_not_depend_on_the_process() -> None:
    """Hashes are CRC-32, not Python's per-process salted hash: the same features under two
    hash seeds, in sorted order."""
    code = f"from veille.prose import features\nprint(features({PRAISE_FR!r}, 0.4))\n"
    seeds = [
        subprocess.run(
            [sys.executable, "-c", code],
            env={**ENV, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert seeds[0] == seeds[1]
    indices, values = prose.features(PRAISE_FR, 0.4)
    assert indices == sorted(indices) and len(set(indices)) == len(indices)
    assert str((indices, values)) + "\n" == seeds[0]


def test_features_read_a_bounded_text() -> None:
    """A 10 MB item costs what its first MAX_CHARS characters cost."""
    huge = (PRAISE_FR + " ") * (10_000_000 // len(PRAISE_FR))
    began = time.perf_counter()
    indices, _ = prose.features(huge, 0.5)
    assert time.perf_counter() - began < 1.0
    assert indices == prose.features(huge[: prose.MAX_CHARS], 0.5)[0]


def test_probabilities() -> None:
    fr = prose.prose_probabilities(PRAISE_FR, "fr", 0.5)
    assert set(fr) == {"positive", "negative"}
    assert abs(sum(fr.values()) - 1) < 1e-5
    en = prose.prose_probabilities("A dull, lifeless and overlong film.", "en", -0.3)
    assert set(en) == {"positive", "neutral", "negative"}
    assert en["negative"] > en["positive"]
    with pytest.raises(ValueError):
        prose.prose_probabilities("Das Essen war schlecht.", "de", 0.0)


def test_blend_reads_long_french_reviews() -> None:
    """Past the routing's length the model decides: praise clearly positive, blame clearly
    negative, whatever lexicon score is given."""
    assert prose.routed(PRAISE_FR, "fr") and prose.routed(BLAME_FR, "fr")
    for lexicon in (-0.5, 0.0, 0.5):
        assert prose.blend(PRAISE_FR, "fr", lexicon) >= prose.POSITIVE_AT
        assert prose.blend(BLAME_FR, "fr", lexicon) <= prose.NEGATIVE_AT


def test_blend_keeps_a_complaint_negative() -> None:
    """A long text flagged as a complaint or an insult stays negative unless the blend
    clearly praises, as the engine rules for short ones."""
    assert prose.mix(0.2, 0.4, 0.5) == 0.3
    assert prose.mix(0.2, 0.4, 0.5, ("complaint",)) == -0.2
    assert prose.mix(0.2, 0.4, 0.5, ("question", "insult")) == -0.2
    assert prose.mix(-0.4, -0.6, 0.5, ("complaint",)) == -0.85
    assert prose.mix(0.2, 0.9, 1.0, ("complaint",)) == 0.9
    mixed = "Le film est long et les acteurs moyens, mais la fin rattrape un peu le tout. " * 4
    assert prose.blend(mixed, "fr", 0.0, ("complaint",)) <= prose.NEGATIVE_AT - 0.05 or (
        prose.blend(mixed, "fr", 0.0) >= prose.CLEAR_PRAISE
    )
    assert prose.blend(PRAISE_FR, "fr", 0.9, ("insult",)) >= prose.CLEAR_PRAISE


def test_blend_keeps_the_lexicon_where_not_routed() -> None:
    long_de = "Das Essen war wirklich schlecht und der Service langsam. " * 10
    assert prose.blend(long_de, "de", 0.123) == 0.123
    assert prose.blend(long_de, "und", -0.4) == -0.4
    assert prose.blend(PRAISE_FR[:200], "fr", -0.3) == -0.3
    with prose.lexicon_only():
        assert not prose.routed(PRAISE_FR, "fr")
        assert prose.blend(PRAISE_FR, "fr", -0.3) == -0.3
    assert prose.routed(PRAISE_FR, "fr")


# --------------------------------------------------------------------------- training


@pytest.fixture(scope="module")
def trainer():
    sys.path.insert(0, str(SCRIPTS))
    try:
        import train_prose
    finally:
        sys.path.remove(str(SCRIPTS))
    return train_prose


def test_split_follows_the_normalised_text(trainer) -> None:
    text = "Un film magnifique, des acteurs épatants !"
    assert trainer.split_of(text) == trainer.split_of("UN FILM MAGNIFIQUE... des acteurs epatants")
    splits = [trainer.split_of(f"review number {i}") for i in range(4000)]
    for name, share in (("train", 0.70), ("tune", 0.15), ("test", 0.15)):
        assert abs(splits.count(name) / len(splits) - share) < 0.03


@needs_corpus
def test_split_of_the_corpus_is_proportioned(trainer) -> None:
    rows = trainer.load()
    for source in {row.source for row in rows}:
        part = [row for row in rows if row.source == source]
        for name, share in (("train", 0.70), ("tune", 0.15), ("test", 0.15)):
            assert abs(sum(row.split == name for row in part) / len(part) - share) < 0.04


@needs_corpus
def test_training_is_reproducible_on_a_sample(trainer) -> None:
    """The trainer's own code path on the first 300 rows of each file: twice the same
    weights, bit for bit, and weights that learnt (their own training rows mostly right)."""
    rows = trainer.load(limit=300)
    trainer.score_lexicon(rows)
    first = trainer.train(rows)
    second = trainer.train(rows)
    assert trainer.digest(first) == trainer.digest(second)
    assert first["fr_weights"].dtype.name == "float16"
    fr = [row for row in rows if row.lang == "fr" and row.split == "train"]
    data = trainer.matrix(fr, prose.CLASSES["fr"])
    import numpy as np

    weights = np.zeros((prose.WIDTH, 2), dtype=np.float32)
    weights[first["fr_rows"]] = first["fr_weights"]
    right = 0
    for r, gold in enumerate(data.labels):
        span = slice(data.indptr[r], data.indptr[r + 1])
        right += int(np.argmax(data.values[span] @ weights[data.indices[span]]) == gold)
    assert right / len(fr) > 0.9


@needs_corpus
@pytest.mark.slow
def test_the_script_rebuilds_the_shipped_weights(trainer, tmp_path: Path) -> None:
    """The whole training (about 30 s): the same weights and routing as shipped."""
    import numpy as np

    rows = trainer.load()
    trainer.score_lexicon(rows)
    arrays, routing = trainer.build(rows, tmp_path, show=False)
    with np.load(prose.MODEL_PATH) as shipped:
        assert trainer.digest(arrays) == trainer.digest({k: shipped[k] for k in shipped.files})
    table = json.loads(prose.MODEL_PATH.with_name(prose.ROUTE_NAME).read_text(encoding="utf-8"))
    assert routing == table


# --------------------------------------------------------------------------- in the engine


def test_judge_tone_routes_long_texts_through_the_model() -> None:
    """judge_tone gives long French and English texts the blend's score and label, and leaves
    short ones as the lexicon judged them."""
    from veille.tone import explain_tone, judge_tone

    for text in (PRAISE_FR, BLAME_FR):
        with prose.lexicon_only():
            lexicon = judge_tone(text, "fr")
        score = prose.blend(text, "fr", lexicon.score, lexicon.flags)
        judged = judge_tone(text, "fr")
        assert judged.score == score and judged.flags == lexicon.flags
        tone, explanation = explain_tone(text, "fr")
        assert tone == judged
        assert [hit.rule for hit in explanation.rules][-1] == "prose"
    assert judge_tone(PRAISE_FR).tone == "positive"
    assert judge_tone(BLAME_FR).tone == "negative"
    short = "Un film assez long, mais pas mal du tout."
    with prose.lexicon_only():
        lexicon = judge_tone(short)
    assert judge_tone(short) == lexicon
