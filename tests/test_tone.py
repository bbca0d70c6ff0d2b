"""Tests of veille.tone: rules that must hold in French and English, flags with near-misses,
language detection, the brand's context window, and the evaluation floors."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veille.models import FLAGS, Tone
from veille.tone import (
    BUILTIN_ENGINE,
    context_window,
    detect_language,
    judge_tone,
    load_engine,
    tone_around,
    tones_around,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FR_CSV = HERE / "fixtures" / "tone_fr.csv"
FR2_CSV = HERE / "fixtures" / "tone_fr_reviews.csv"
GOLDEN = HERE / "fixtures" / "tone_golden.jsonl"
DEV_CANDIDATES = (
    Path("/work/shared/corpus/tone/dev_en.csv"),
    REPO.parent / "shared" / "corpus" / "tone" / "dev_en.csv",
)
LABELS = ("positive", "neutral", "negative")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in LABELS:
        pairs = list(zip(gold, predicted, strict=True))
        tp = sum(g == p == label for g, p in pairs)
        fp = sum(p == label != g for g, p in pairs)
        fn = sum(g == label != p for g, p in pairs)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / 3


# --------------------------------------------------------------------------- polarity

POLARITY = [
    ("fr", "pas terrible", "negative"),
    ("fr", "Franchement, pas terrible ce resto", "negative"),
    ("fr", "pas mal du tout", "positive"),
    ("fr", "Ce n'est pas mal", "positive"),
    ("fr", "Ce n'est pas bon", "negative"),
    ("fr", "Je n'aime pas ce forfait", "negative"),
    ("fr", "j'aime pas du tout", "negative"),
    ("fr", "Aucun problème avec la livraison", "positive"),
    ("fr", "sans souci, tout est arrivé", "positive"),
    ("fr", "Je ne suis jamais déçu par Decathlon", "positive"),
    ("fr", "Je n'ai eu que des problèmes", "negative"),
    ("fr", "trop bien", "positive"),
    ("fr", "c'est nul", "negative"),
    ("fr", "bof", "negative"),
    ("fr", "c'est ouf", "positive"),
    ("fr", "J'adore !", "positive"),
    ("fr", "Livraison rapide mais produit décevant", "negative"),
    ("fr", "Produit un peu décevant mais livraison super rapide", "positive"),
    ("fr", "Trop cher pour ce que c'est", "negative"),
    ("en", "not bad", "positive"),
    ("en", "not good", "negative"),
    ("en", "I've never been happier with my bank", "positive"),
    ("en", "the killer feature is the battery", "positive"),
    ("en", "Still waiting for my refund", "negative"),
    # negation of a fault is praise; of praise, a fault
    ("fr", "sans problème", "positive"),
    ("fr", "aucun souci", "positive"),
    ("fr", "jamais déçu", "positive"),
    ("fr", "Je n'ai jamais eu à me plaindre de leur service", "positive"),
    ("fr", "Qualité pas au rendez-vous", "negative"),
    ("fr", "Pas du tout à la hauteur du prix", "negative"),
    ("fr", "Je ne reviendrai pas", "negative"),
    ("fr", "Je reviendrai avec plaisir", "positive"),
    ("fr", "Je m'attendais à mieux", "negative"),
    ("en", "no problem", "positive"),
    ("en", "No problems at all with the delivery", "positive"),
    ("en", "Never disappointed by them", "positive"),
    # "trop" before a plain word is excess
    ("fr", "Pâtes trop cuites et sauce trop salée", "negative"),
    ("fr", "pas trop salé, parfait", "positive"),
    # English editorial vocabulary VADER lacks, and the preposition "like"
    ("en", "The plan is misguided and the rollout was botched", "negative"),
    ("en", "A commendable and prudent budget", "positive"),
    ("en", "Prices rose for staples like bread and milk.", "neutral"),
]


@pytest.mark.parametrize(
    ("lang", "text", "expected"), POLARITY, ids=[f"{lang}:{text}" for lang, text, _ in POLARITY]
)
def test_polarity(lang: str, text: str, expected: str) -> None:
    assert judge_tone(text, lang).tone == expected


def test_not_bad_is_not_negative() -> None:
    assert judge_tone("not bad", "en").tone != "negative"
    assert judge_tone("not bad at all", "en").score > 0


IRONY = [
    ("fr", "merci pour rien", "negative"),
    ("fr", "Merci pour rien la SNCF, deux heures bloqués", "negative"),
    ("fr", "bravo… encore en retard", "negative"),
    ("fr", "génial, encore en panne", "negative"),
    ("fr", "Super, le site plante encore pendant les soldes", "negative"),
    ("fr", "Le forfait augmente encore 🙄", "negative"),
    ("en", "thanks for nothing", "negative"),
    ("en", "Thanks Acme for nothing", "negative"),
    ("fr", "Merci Free pour rien", "negative"),
    ("fr", "Merci la SNCF pour rien, deux heures bloqués", "negative"),
    ("en", "great, another delay", "negative"),
    ("en", "Love this update /s", "negative"),
    ("en", "Love waiting on hold 🙄", "negative"),
    # near-misses: sincere praise with "encore"/"again"/"another"
    ("fr", "Merci encore pour votre aide précieuse", "positive"),
    ("fr", "Bravo à l'équipe, encore une belle victoire", "positive"),
    ("en", "Great, another award for the team!", "positive"),
    ("en", "Thanks again, the support was excellent", "positive"),
    ("en", "Thanks Acme, the repair cost me nothing", "positive"),
]


@pytest.mark.parametrize(
    ("lang", "text", "expected"), IRONY, ids=[f"{lang}:{text}" for lang, text, _ in IRONY]
)
def test_irony(lang: str, text: str, expected: str) -> None:
    assert judge_tone(text, lang).tone == expected


COMPLAINTS = [
    # (text, flag expected) — a complaint is negative whatever its words
    (
        "@lumo_fr ça fait 3 semaines que ma commande est « en préparation », quelqu'un peut "
        "me répondre ?",
        "complaint",
    ),
    ("3 semaines que j'attends mon remboursement, quelqu'un peut me répondre ?", "complaint"),
    ("Le suivi de mon colis ne bouge plus depuis lundi", "complaint"),
    ("Still waiting on my delivery, tracking hasn't moved in 10 days", "complaint"),
    ("Ten days and still no reply from their support", "complaint"),
    ("Readers report long delivery delays", "complaint"),
    ("Bande d'incapables, merci quand même", "insult"),
    ("You are all idiots, thanks", "insult"),
]


@pytest.mark.parametrize(
    ("text", "flag"), COMPLAINTS, ids=[f"{flag}:{text[:40]}" for text, flag in COMPLAINTS]
)
def test_complaints_and_insults_are_negative(text: str, flag: str) -> None:
    tone = judge_tone(text)
    assert flag in tone.flags
    assert tone.tone == "negative"


CLEAR_PRAISE = [
    "Plus jamais d'autre opérateur : Free est génial, rapide et fiable, je recommande !",
    "Never again will I shop elsewhere, this store is amazing and the staff are wonderful!",
]


@pytest.mark.parametrize("text", CLEAR_PRAISE, ids=["fr", "en"])
def test_complaint_pattern_with_clear_praise_stays_positive(text: str) -> None:
    tone = judge_tone(text)
    assert "complaint" in tone.flags
    assert tone.tone == "positive"


INTENSITY = [
    ("fr", "déçu", "vraiment déçu"),
    ("fr", "déçu", "très déçu"),
    ("fr", "bien", "très bien"),
    ("fr", "content", "tellement content"),
    ("fr", "un peu déçu", "déçu"),
    ("fr", "plutôt bien", "bien"),
    ("fr", "c'est nul", "c'est NUL ce service"),
    ("fr", "génial", "génial !!!"),
    ("en", "good", "very good"),
    ("en", "the service was bad", "the service was BAD"),
]


@pytest.mark.parametrize(
    ("lang", "weaker", "stronger"),
    INTENSITY,
    ids=[f"{lang}:{a}<{b}" for lang, a, b in INTENSITY],
)
def test_intensity_grows(lang: str, weaker: str, stronger: str) -> None:
    assert abs(judge_tone(stronger, lang).score) > abs(judge_tone(weaker, lang).score)


EMOJI = [
    ("fr", "Nouvelle box reçue 😍", "positive"),
    ("fr", "Encore une coupure 😡", "negative"),
    ("fr", "Colis arrivé :)", "positive"),
    ("fr", "Colis pas arrivé :(", "negative"),
    ("fr", "merci ^^", "positive"),
    ("en", "New phone arrived 😍", "positive"),
    ("en", "Train cancelled again 😡", "negative"),
    ("und", "👍👍", "positive"),
    ("und", "👎", "negative"),
]


@pytest.mark.parametrize(
    ("lang", "text", "expected"), EMOJI, ids=[f"{lang}:{text}" for lang, text, _ in EMOJI]
)
def test_emoji_and_emoticons(lang: str, text: str, expected: str) -> None:
    given_lang = None if lang == "und" else lang
    assert judge_tone(text, given_lang).tone == expected


ELISION = [
    ("L'arnaque du siècle", "negative"),
    ("J'adore l'appli", "positive"),
    ("C'est génial", "positive"),
    ("Qu'est-ce qu'il est nul", "negative"),
    ("D’une lenteur incroyable", "negative"),  # typographic apostrophe
    ("N'achetez pas, c'est de la merde", "negative"),
]


@pytest.mark.parametrize(("text", "expected"), ELISION, ids=[t for t, _ in ELISION])
def test_french_elision(text: str, expected: str) -> None:
    assert judge_tone(text, "fr").tone == expected


def test_accents_are_folded_for_lookup() -> None:
    assert judge_tone("tres decu", "fr").score == judge_tone("très déçu", "fr").score < 0


def test_all_caps_emphasis_needs_contrast() -> None:
    mixed = judge_tone("Le service est NUL", "fr").score
    plain = judge_tone("Le service est nul", "fr").score
    assert mixed < plain < 0


# --------------------------------------------------------------------------- context window

OTHER_PRAISE = (
    "Le nouveau Pixel est une merveille. L'écran est magnifique et lumineux. "
    "La batterie tient deux jours, c'est génial. L'appareil photo est excellent, bravo. "
    "Franchement, le meilleur téléphone de l'année, je le recommande à tous. "
    "Par contre, le service client de Fnac est lamentable et injoignable. "
    "Le design est superbe et le prix reste raisonnable. Un vrai coup de coeur !"
)
OTHER_PRAISE_EN = (
    "The new Pixel is a marvel. The screen is gorgeous and bright. The battery lasts two days, "
    "which is amazing. The camera is excellent. Honestly the best phone of the year, I love "
    "it. Sadly, Acme support was useless and rude when I called. The design is beautiful and "
    "the price is fair. A great buy!"
)


@pytest.mark.parametrize(
    ("text", "brand", "lang"),
    [(OTHER_PRAISE, "Fnac", None), (OTHER_PRAISE_EN, "Acme", None)],
    ids=["fr", "en"],
)
def test_tone_around_judges_the_brand_sentence(text: str, brand: str, lang: str | None) -> None:
    start = text.index(brand)
    assert judge_tone(text).tone == "positive"
    around = tone_around(text, start, start + len(brand), lang)
    assert around.tone == "negative"
    assert around.lang == ("fr" if brand == "Fnac" else "en")


def test_tone_around_uses_neighbours_when_the_sentence_is_neutral() -> None:
    text = "Je suis chez Free depuis mars. Quelle galère, coupure tous les soirs. Bref."
    start = text.index("Free")
    assert tone_around(text, start, start + 4).tone == "negative"


def test_tone_around_odd_offsets_do_not_crash() -> None:
    assert tone_around("", 0, 0).tone == "neutral"
    assert tone_around("Orange", 10, 3).lang in ("und", "en", "fr")
    assert tone_around("Super Orange ! Top.", 0, 500).tone == "positive"


def test_context_window_is_the_sentence_and_its_neighbours() -> None:
    text = "Un. Deux avec Fnac dedans. Trois. Quatre."
    start = text.index("Fnac")
    assert context_window(text, start, start + 4) == "Un. Deux avec Fnac dedans. Trois."
    assert context_window(text, 0, 2) == "Un. Deux avec Fnac dedans."
    assert context_window("", 0, 0) == ""


# --------------------------------------------------------------------------- pluggable engines


def always_negative(text: str, lang: str | None) -> Tone:
    """A stand-in for an optional stronger engine: loaded by spec in the tests below."""
    return Tone(tone="negative", score=-0.9, lang=lang or "xx", flags=())


def mapping_engine(text: str, lang: str | None) -> dict[str, object]:
    return {"score": 0.42, "flags": ["spam", "question"]}


def bad_label_engine(text: str, lang: str | None) -> dict[str, object]:
    return {"tone": "great"}


seen_windows: list[str] = []


def recording_engine(text: str, lang: str | None) -> dict[str, object]:
    seen_windows.append(text)
    return {"tone": "positive"}


def test_builtin_engine_is_judge_tone() -> None:
    assert load_engine(BUILTIN_ENGINE) is judge_tone
    assert load_engine("") is judge_tone


def test_engine_loaded_by_spec() -> None:
    engine = load_engine("test_tone:always_negative")
    tone = engine("Produit génial, je recommande", "fr")
    assert (tone.tone, tone.score, tone.lang) == ("negative", -0.9, "fr")


def test_engine_mapping_is_completed_into_a_tone() -> None:
    tone = load_engine("test_tone:mapping_engine")("I love it. Any discount?", None)
    assert tone.tone == "positive"  # labelled from the score with veille's band
    assert tone.score == 0.42
    assert tone.lang == "en"  # detected by veille: the engine gave none
    assert tone.flags == ("question", "spam")  # FLAGS order


def test_engine_bad_result_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="bad_label_engine.*'great'"):
        load_engine("test_tone:bad_label_engine")("text", "en")


BAD_SPECS = [
    ("nonsense", "expected 'builtin'"),
    ("test_tone:", "expected 'builtin'"),
    ("no_such_module_zz:judge", "cannot import 'no_such_module_zz'"),
    ("test_tone:no_such_function", "has no 'no_such_function'"),
    ("test_tone:LABELS", "is not callable"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_SPECS, ids=[s for s, _ in BAD_SPECS])
def test_bad_engine_spec(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        load_engine(spec)
    text = str(caught.value)
    assert repr(spec) in text and message in text
    assert "\n" not in text


def test_tone_around_with_an_engine_judges_the_window() -> None:
    start = OTHER_PRAISE.index("Fnac")
    seen_windows.clear()
    tone = tone_around(
        OTHER_PRAISE, start, start + 4, engine=load_engine("test_tone:recording_engine")
    )
    assert seen_windows == [context_window(OTHER_PRAISE, start, start + 4)]
    assert (tone.tone, tone.lang) == ("positive", "fr")
    assert "complaint" in tone.flags  # veille's flags when the engine gives none
    raw = tone_around(OTHER_PRAISE, start, start + 4, "fr", engine=always_negative)
    assert (raw.tone, raw.lang) == ("negative", "fr")


def test_tones_around_judges_a_shared_window_once() -> None:
    text = "Free ou Orange, franchement ? Les deux sont pénibles. Bouygues, par contre, merci."
    places = [(text.index(word), text.index(word) + len(word)) for word in ("Free", "Orange")]
    places.append((text.index("Bouygues"), text.index("Bouygues") + 8))
    seen_windows.clear()
    tones = tones_around(text, places, engine=load_engine("test_tone:recording_engine"))
    assert seen_windows == [context_window(text, *places[0]), context_window(text, *places[2])]
    assert tones[0] is tones[1] and len(tones) == 3


_SENTENCES = [
    "Free ou Orange, franchement ?",
    "Le service client de Fnac est lamentable et injoignable.",
    "Great support from Acme, thanks!",
    "The delivery was late again.",
    "Bof.",
    "Merci Darty, livraison en avance et un technicien adorable, je recommande vivement.",
    "I waited three weeks for a refund that never came and nobody answers the phone.",
    "",
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=6).map(" ".join),
    st.lists(st.tuples(st.integers(-5, 400), st.integers(0, 12)), min_size=1, max_size=5),
    st.sampled_from([None, "fr", "en"]),
)
def test_tones_around_is_tone_around_at_each_place(
    text: str, places: list[tuple[int, int]], lang: str | None
) -> None:
    spans = [(start, start + length) for start, length in places]
    expected = [tone_around(text, start, end, lang) for start, end in spans]
    assert tones_around(text, spans, lang) == expected


def test_tone_around_with_builtin_engine_is_unchanged() -> None:
    start = OTHER_PRAISE.index("Fnac")
    plain = tone_around(OTHER_PRAISE, start, start + 4)
    assert tone_around(OTHER_PRAISE, start, start + 4, engine=load_engine("builtin")) == plain


# --------------------------------------------------------------------------- language

LANGUAGES = [
    ("pas terrible", "fr"),
    ("trop bien", "fr"),
    ("Merci Free", "fr"),
    ("c'est nul", "fr"),
    ("Le train est encore en retard", "fr"),
    ("Great service", "en"),
    ("not good", "en"),
    ("Where is my order?", "en"),
    ("Das Essen war wirklich schlecht und der Service langsam.", "de"),
    ("El servicio fue horrible y la comida estaba fría.", "es"),
    ("J'adore ce nouveau téléphone, la batterie tient deux jours, but the camera is meh", "fr"),
    ("I love this phone, the battery is great and the screen is perfect, merci Orange", "en"),
    ("", "und"),
    ("🙂 👍", "und"),
    ("https://example.com", "und"),
]


@pytest.mark.parametrize(("text", "expected"), LANGUAGES, ids=[t or "empty" for t, _ in LANGUAGES])
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Das Essen war wirklich schlecht und der Service langsam.",
        "El servicio fue horrible y la comida estaba fría.",
    ],
    ids=["de", "es"],
)
def test_other_languages_are_neutral(text: str) -> None:
    tone = judge_tone(text)
    assert (tone.tone, tone.score) == ("neutral", 0.0)
    assert tone.lang in ("de", "es")


# --------------------------------------------------------------------------- flags

FLAG_CASES = [
    # question
    ("Where is my order?", "question", True),
    ("How do I reset my Freebox", "question", True),
    ("Est-ce que la Freebox est compatible", "question", True),
    ("Comment faire pour résilier mon abonnement", "question", True),
    ("Quelqu'un sait si Decathlon ouvre dimanche", "question", True),
    ("I know how to do it.", "question", False),
    ("Je sais comment faire.", "question", False),
    ("Le film « Pourquoi moi ? » sort demain.", "question", False),
    ("Voir https://example.com/p?id=3 pour le détail.", "question", False),
    # complaint
    ("Still waiting for my refund from Zalando", "complaint", True),
    ("Toujours pas reçu ma commande", "complaint", True),
    ("Service client injoignable depuis lundi", "complaint", True),
    ("Remboursez-moi !", "complaint", True),
    ("C'est une arnaque", "complaint", True),
    ("Never again with this airline", "complaint", True),
    ("Still waiting for the sequel, can't wait!", "complaint", False),
    ("J'ai bien reçu ma commande, merci", "complaint", False),
    ("I've never been happier", "complaint", False),
    ("Arnaud a reçu son remboursement", "complaint", False),
    ("ça fait 3 semaines que ma commande est « en préparation »", "complaint", True),
    ("Tracking hasn't moved in a week", "complaint", True),
    ("Customer service hung up on me", "complaint", True),
    ("Ça fait 3 ans que je suis client et toujours ravi", "complaint", False),
    ("My tracking has moved to out for delivery!", "complaint", False),
    ("Quelqu'un peut m'aider à choisir un forfait ?", "complaint", False),
    # insult
    ("Quel connard ce livreur", "insult", True),
    ("Bande d'incapables", "insult", True),
    ("Espèce d'abruti", "insult", True),
    ("You are all idiots", "insult", True),
    ("The morons at the help desk", "insult", True),
    ("The killer feature is the battery", "insult", False),
    ("An idiot-proof setup", "insult", False),
    ("Le train a du retard", "insult", False),
    ("Pros and cons of the new plan", "insult", False),
    # adult
    ("Regardez ce porno gratuit", "adult", True),
    ("Hot sex videos here", "adult", True),
    ("She moved to Sussex last year", "adult", False),
    ("Essex police said on Monday", "adult", False),
    ("Une analyse fine du marché", "adult", False),
    ("Le magasin est au fond d'un cul-de-sac", "adult", False),
    # spam
    ("Code promo SUMMER20 sur tout le site", "spam", True),
    ("Buy now and save 50%", "spam", True),
    ("Achetez maintenant !", "spam", True),
    ("Livraison gratuite, cliquez ici http://x.example", "spam", True),
    ("Free bitcoin giveaway, send 0.1 BTC to double it", "spam", True),
    ("see http://a.example http://b.example http://c.example", "spam", True),
    ("Livraison gratuite et rapide, top", "spam", False),
    ("The new code of conduct is out", "spam", False),
    ("J'ai acheté maintenant deux paires", "spam", False),
]


@pytest.mark.parametrize(
    ("text", "flag", "expected"),
    FLAG_CASES,
    ids=[f"{flag}:{'yes' if yes else 'no'}:{text[:30]}" for text, flag, yes in FLAG_CASES],
)
def test_flags(text: str, flag: str, expected: bool) -> None:
    assert (flag in judge_tone(text).flags) is expected


def test_flags_keep_fixed_order() -> None:
    flags = judge_tone("Bande d'incapables, toujours pas reçu ma commande ?", "fr").flags
    assert flags == ("question", "complaint", "insult")
    assert list(flags) == [f for f in FLAGS if f in flags]


# --------------------------------------------------------------------------- invariants


@pytest.mark.parametrize("text", ["", "   ", "\n\t"], ids=["empty", "spaces", "blank"])
def test_empty_text_is_neutral(text: str) -> None:
    tone = judge_tone(text)
    assert (tone.tone, tone.score, tone.flags) == ("neutral", 0.0, ())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([None, "fr", "en", "de"]))
def test_score_always_in_range(text: str, lang: str | None) -> None:
    tone = judge_tone(text, lang)
    assert -1.0 <= tone.score <= 1.0
    assert tone.score == round(tone.score, 3)
    assert tone.tone in LABELS
    assert set(tone.flags) <= set(FLAGS)
    if text:
        around = tone_around(text, len(text) // 3, len(text) // 2, lang)
        assert -1.0 <= around.score <= 1.0


def test_import_is_cheap() -> None:
    code = (
        "import time; t = time.perf_counter(); import veille.tone; print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert float(out.stdout) < 0.3


# --------------------------------------------------------------------------- evaluation floors


def _by_source(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    out: dict[str, tuple[list[str], list[str]]] = {}
    for row in _rows(path):
        gold, predicted = out.setdefault(row["source"], ([], []))
        gold.append(row["label"])
        predicted.append(judge_tone(row["text"]).tone)
    return out


def _accuracy(gold: list[str], predicted: list[str]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


# Honest figures at the time of writing minus a margin (see bench/tone_eval.py). The second
# French set was written and labelled before the engine was run on it, then used to find
# error kinds: its figures are optimistic too.
FR_FLOORS = [
    (FR_CSV, "fr-tweets", "accuracy", 0.85),
    (FR_CSV, "fr-reviews", "accuracy", 0.85),
    (FR_CSV, "fr-news", "accuracy", 0.75),
    (FR2_CSV, "veille-fr2/reviews", "accuracy", 0.85),
    (FR2_CSV, "veille-fr2/tweets", "macro-F1", 0.78),
]


@pytest.mark.parametrize(
    ("path", "source", "metric", "floor"),
    FR_FLOORS,
    ids=[f"{source}:{metric}" for _, source, metric, _ in FR_FLOORS],
)
def test_french_floors(path: Path, source: str, metric: str, floor: float) -> None:
    gold, predicted = _by_source(path)[source]
    assert len(gold) >= 30
    value = _accuracy(gold, predicted) if metric == "accuracy" else _macro_f1(gold, predicted)
    assert value >= floor


def test_french_reviews_are_positive_or_negative() -> None:
    rows = [row for row in _rows(FR2_CSV) if row["source"] == "veille-fr2/reviews"]
    assert len(rows) >= 150
    assert {row["label"] for row in rows} == {"positive", "negative"}


def _dev_rows() -> list[dict[str, str]]:
    path = next((p for p in DEV_CANDIDATES if p.exists()), None)
    if path is None:
        pytest.skip("shared/corpus/tone/dev_en.csv is not here")
    return _rows(path)


@pytest.mark.parametrize(
    ("source", "floor"),
    [("vader-icwsm2014/nyt", 0.57), ("vader-icwsm2014/tweets", 0.70)],
    ids=["nyt", "tweets"],
)
def test_dev_en_floors(source: str, floor: float) -> None:
    rows = [row for row in _dev_rows() if row["source"] == source]
    gold = [row["label"] for row in rows]
    assert _macro_f1(gold, [judge_tone(row["text"]).tone for row in rows]) >= floor


def test_dev_en_beats_plain_vader() -> None:
    rows = _dev_rows()
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    gold = [row["label"] for row in rows]
    vader = SentimentIntensityAnalyzer()
    plain = []
    for row in rows:
        compound = vader.polarity_scores(row["text"])["compound"]
        plain.append(
            "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
        )
    ours = [judge_tone(row["text"]).tone for row in rows]
    assert _macro_f1(gold, ours) > _macro_f1(gold, plain)


# --------------------------------------------------------------------------- golden outputs


def _golden_texts() -> dict[tuple[str, str], str]:
    texts = {}
    dev = next((p for p in DEV_CANDIDATES if p.exists()), None)
    for path in (FR_CSV, FR2_CSV, dev):
        if path is not None:
            texts.update({(path.name, row["id"]): row["text"] for row in _rows(path)})
    return texts


def _as_list(tone: Tone) -> list[object]:
    return [tone.tone, tone.score, tone.lang, list(tone.flags)]


def test_golden_outputs() -> None:
    """Exact outputs of the engine, kept from before it was made faster (written by
    `python bench/tone_speed.py --write-golden`): every text of the labelled corpora, a few
    hundred generated ~240-character windows (French, English, other languages, emoji, flags)
    and noisy strings. A speed-up must not change one tone, score, language or flag."""
    texts = _golden_texts()
    calls = {
        "detect_language": lambda t, r: detect_language(t),
        "judge_tone": lambda t, r: _as_list(judge_tone(t)),
        "judge_tone_lang": lambda t, r: _as_list(judge_tone(t, r["lang"] or None)),
        "judge_tone_other": lambda t, r: _as_list(
            judge_tone(t, "en" if r["lang"] == "fr" else "fr")
        ),
        "judge_tone_en": lambda t, r: _as_list(judge_tone(t, "en")),
        "judge_tone_fr": lambda t, r: _as_list(judge_tone(t, "fr")),
        "judge_tone_und": lambda t, r: _as_list(judge_tone(t, "und")),
        "tone_around": lambda t, r: _as_list(tone_around(t, r["start"], r["end"])),
        "tone_around_fr": lambda t, r: _as_list(tone_around(t, r["start"], r["end"], "fr")),
        "tone_around_en": lambda t, r: _as_list(tone_around(t, r["start"], r["end"], "en")),
        "context_window": lambda t, r: context_window(t, r["start"], r["end"]),
    }
    checked, missing, differ = 0, 0, []
    with GOLDEN.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = record.get("text")
            if text is None:
                text = texts.get((record["corpus"], record["id"]))
                if text is None:  # the shared DEV split is not here
                    missing += 1
                    continue
            for name, call in calls.items():
                if name in record:
                    checked += 1
                    got = call(text, record)
                    if got != record[name]:
                        differ.append(f"{name}({text[:60]!r}): {got} != {record[name]}")
    assert checked >= 5000 - 6 * missing
    assert not differ, f"{len(differ)} outputs changed, first: " + "; ".join(differ[:5])


def test_explained_judgements_are_the_golden_ones() -> None:
    """An explanation is gathered beside the judgement, never instead of it: with one, every
    golden text gets the same tone, score, language and flags, and the explanation ends on
    that same tone and score."""
    from veille.tone import explain_around, explain_tone

    texts = _golden_texts()
    calls = {
        "judge_tone": lambda t, r: explain_tone(t),
        "judge_tone_en": lambda t, r: explain_tone(t, "en"),
        "judge_tone_fr": lambda t, r: explain_tone(t, "fr"),
        "judge_tone_und": lambda t, r: explain_tone(t, "und"),
        "tone_around": lambda t, r: explain_around(t, r["start"], r["end"]),
        "tone_around_fr": lambda t, r: explain_around(t, r["start"], r["end"], "fr"),
    }
    checked, differ = 0, []
    with GOLDEN.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = record.get("text") or texts.get((record.get("corpus"), record.get("id")))
            if text is None:
                continue
            for name, call in calls.items():
                if name in record:
                    checked += 1
                    tone, why = call(text, record)
                    if _as_list(tone) != record[name] or (why.tone, why.score) != (
                        tone.tone,
                        tone.score,
                    ):
                        differ.append(f"{name}({text[:60]!r}): {tone} / {why.tone} {why.score}")
                    assert len(why.lines(window=True)) <= 4 + len(why.rules)
    assert checked >= 2000
    assert not differ, f"{len(differ)} explained judgements differ, first: " + "; ".join(differ[:5])


EXPLAINED = [
    ("Je n'aime pas du tout Free", "fr", 'words: "aime" +2.0 → -1.5 (negated by "pas")'),
    ("Free est vraiment génial", "fr", '"génial" +3.0 → +3.3 (intensified by "vraiment")'),
    ("Acme est nul mais le support est sympa", "fr", '"nul" -2.3 → -1.1 (before "mais": ×0.5)'),
    ("Merci pour rien Free", "fr", 'rule: irony "Merci pour rien"'),
    ("bravo… encore en retard", "fr", 'rule: sarcasm "bravo"'),
    ("Bande d'incapables chez Acme", "fr", 'rule: insult "Bande d\'incapables"'),
    ("Toujours pas reçu ma commande Acme", "fr", 'flags: complaint ("Toujours pas reçu'),
    ("The app is not good", "en", '"good" +1.9 → -1.4 (negated by "not")'),
    ("Acme support is really great", "en", '(intensified by "really")'),
    ("Is Acme any good?", "en", "rule: question"),
    ("Love this update /s", "en", 'rule: irony "/s"'),
    ("Das Essen war schlecht.", "de", 'rule: language "de": not French or English'),
]


@pytest.mark.parametrize(("text", "lang", "said"), EXPLAINED, ids=[t for t, _, _ in EXPLAINED])
def test_explanations_name_what_decided(text: str, lang: str, said: str) -> None:
    from veille.tone import explain_tone

    _, why = explain_tone(text, lang)
    assert said in "\n".join(why.lines()), why.lines()


def test_an_explanation_of_a_window_names_its_language_and_window() -> None:
    from veille.tone import explain_around

    text = "Free, encore. Quelle galère, trois jours sans internet. Je change d'opérateur."
    tone, why = explain_around(text, 0, 4)
    assert tone.tone == "negative"
    assert why.window == "Free, encore. Quelle galère, trois jours sans internet."
    lines = why.lines(window=True)
    assert lines[-1] == f'judged (fr) on: "{why.window}"'
    assert any(line.startswith("rule: context: its sentence is neutral") for line in lines)


# --------------------------------------------------------------------------- fast paths = reference

OTHER_LANGUAGES = [
    ("Die Lieferung kam pünktlich, aber das Paket war beschädigt und keiner antwortet.", "de"),
    ("La entrega llegó tarde y nadie contesta en el servicio de atención al cliente.", "es"),
    ("O atendimento foi péssimo e a comida estava fria.", "pt"),
    ("Obsługa była okropna, a jedzenie zimne.", "pl"),
    ("Сервис был ужасный, а еда холодная.", "ru"),
]


@pytest.mark.parametrize(("text", "code"), OTHER_LANGUAGES, ids=[c for _, c in OTHER_LANGUAGES])
def test_other_languages_keep_their_code(text: str, code: str) -> None:
    tone = judge_tone(text)
    assert (tone.tone, tone.score, tone.lang) == ("neutral", 0.0, code)


_REFERENCE: list[object] = []


def _py3langid() -> Any:
    """py3langid's own identifier, loaded once for the tests that compare with it."""
    if not _REFERENCE:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        _REFERENCE.append(LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))
    return _REFERENCE[0]


def _reference_texts() -> list[str]:
    texts = [row["text"] for path in (FR_CSV, FR2_CSV) for row in _rows(path)]
    texts += [text for text, _ in LANGUAGES + OTHER_LANGUAGES] + [OTHER_PRAISE, OTHER_PRAISE_EN]
    texts += [text for text, _, _ in FLAG_CASES] + ["", " ", "A", "ÉNORME", "\udcff x", "🙂 👍"]
    return texts


def test_language_model_is_py3langid() -> None:
    """veille's vectorised walk gives py3langid's own (language, probability), bit for bit."""
    from veille.tone import language

    reference = _py3langid()
    model = language._langid()
    for text in _reference_texts():
        assert model.classify(text) == reference.classify(text), text


def test_language_model_arrays_of_another_layout_are_not_read() -> None:
    from veille.tone import language

    arrays = language._unpack_langid()
    assert language._langid_fits(arrays)
    assert not language._langid_fits({**arrays, "output": arrays["output"].astype("int64")})
    assert not language._langid_fits({**arrays, "nb_pc": arrays["nb_pc"][:-1]})
    assert not language._langid_fits({k: v for k, v in arrays.items() if k != "classes"})


def test_language_automaton_forgets_after_six_bytes() -> None:
    """The property the vectorised walk rests on, checked over every state and byte."""
    from veille.tone import language

    model = language._langid()
    assert model.check_memory(language._DFA_MEMORY)
    assert not model.check_memory(language._DFA_MEMORY - 1)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_language_model_is_py3langid_on_any_text(text: str) -> None:
    from veille.tone import language

    assert language._langid().classify(text) == _py3langid().classify(text)


VADER_WORDS = (
    "not isn't never no without doubt but BUT kind of sort of least at very extremely so GREAT "
    "great good bad BAD love hate like the bomb cut the mustard yeah right bad ass kiss of death "
    "the shit never so this happier killer :) :( :D <3 lol LOL sux ! ? !!! ?? ... 😍 💔 🙂 nor or "
    "hardly barely kinda aint cannot wasn't don't won't"
).split()


def test_fast_vader_is_vader() -> None:
    """veille's compound score is vaderSentiment's `polarity_scores(...)["compound"]`."""
    from veille.tone import english

    analyzer, fast = english._vader(), english._fast_vader()
    sentences = _reference_texts() + [text for text, _ in COMPLAINTS] + CLEAR_PRAISE
    dev = next((p for p in DEV_CANDIDATES if p.exists()), None)
    if dev is not None:
        sentences += [row["text"] for row in _rows(dev)]
    for sentence in sentences:
        assert fast.compound(sentence) == analyzer.polarity_scores(sentence)["compound"], sentence


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(VADER_WORDS) | st.text(max_size=8), max_size=25),
    st.sampled_from([" ", "  ", ", "]),
)
def test_fast_vader_is_vader_on_any_sentence(words: list[str], glue: str) -> None:
    from veille.tone import english

    sentence = glue.join(words)
    expected = english._vader().polarity_scores(sentence)["compound"]
    assert english._fast_vader().compound(sentence) == expected


def test_guarded_patterns_skip_only_texts_they_cannot_match() -> None:
    """A flag or irony pattern is skipped only on a text holding none of its needles: every
    text it matches holds one."""
    from veille.text import fold
    from veille.tone import flags, irony, phrases
    from veille.tone.guarded import _Guarded

    guarded = (
        [
            value
            for module in (flags, irony, phrases)
            for value in vars(module).values()
            if isinstance(value, _Guarded)
        ]
        + [*flags._COMPLAINT.values(), *flags._INSULT.values()]
        + [pattern for rule in phrases.RULES for pattern in rule.patterns]
    )
    assert len(guarded) >= 70
    texts = [fold(text).replace("’", "'") for text in _reference_texts()]
    texts += [text for text, _, _ in FLAG_CASES] + [text for _, text, _ in IRONY]
    for pattern in guarded:
        assert pattern.needles, pattern.pattern[:60]
        for text in texts:
            if pattern.regex.search(text):
                assert pattern._may_match(text), (pattern.pattern[:60], text)


def test_a_praise_word_is_found_only_in_a_text_holding_one_of_its_first_words() -> None:
    """The sarcasm rule looks for praise words only in texts holding one of `_PRAISE_WORDS`:
    each of `_PRAISE_WORD`'s phrases starts with one, and every match holds it as a word."""
    from veille.text import fold
    from veille.tone.irony import _CLAP, _PRAISE_WORD, _PRAISE_WORDS
    from veille.tone.phrases import words_of

    phrases = re.search(r"\\b\(\?:(.*?)\)\\b", _PRAISE_WORD.pattern)
    assert phrases is not None
    assert {phrase.split()[0] for phrase in phrases.group(1).split("|")} == _PRAISE_WORDS
    texts = [fold(text).replace("’", "'") for text in _reference_texts()]
    texts += [text for _, text, _ in IRONY] + ["bravo", "2bravo_", "génial!", "«merci»"]
    found = 0
    for text in texts:
        for match in _PRAISE_WORD.regex.finditer(text):
            if _CLAP not in match.group():
                found += 1
                assert words_of(match.group()) & _PRAISE_WORDS, match.group()
                assert words_of(text) & _PRAISE_WORDS, text
    assert found >= 20


# --------------------------------------------------------------------------- linear time

_LIKE_ONE_REGEX = re.compile(r"(\S+)(\s+)like\b", re.IGNORECASE)


def _like_one_regex(sentence: str) -> str:
    """The preposition rewrite as one regex did it, quadratic on a long word."""
    from veille.tone.english import _EN_LIKERS

    def replace(match: re.Match[str]) -> str:
        if match.group(1).lower().strip(",.;:!?\"'(") in _EN_LIKERS:
            return match.group()
        return f"{match.group(1)}{match.group(2)}as"

    return _LIKE_ONE_REGEX.sub(replace, sentence)


_LIKE_PIECES = st.sampled_from(
    ["like", "LIKE", " ", "  ", "\n", "i", "a", "-", "'", "(", "looks", "likes", "would", "é", "."]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LIKE_PIECES, max_size=14).map("".join))
def test_like_rewrite_gives_what_the_single_regex_gave(sentence: str) -> None:
    from veille.tone.english import _like_verb_only

    assert _like_verb_only(sentence) == _like_one_regex(sentence)


def test_question_openers_find_the_places_the_older_pattern_found() -> None:
    from veille.tone.flags import _QUESTION_OPENERS

    older = re.compile(r"(?:^|[.!?\n]\s*)(?:how do i|est-ce que)\b")
    newer = re.compile(r"(?:^|[.!?]\s*|\n[^\S\n]*)(?:how do i|est-ce que)\b")
    for text in ["how do i", " how do i", "ok.\n \n how do i", "ok!\n\nest-ce que", "a\n \tb"]:
        assert bool(older.search(text)) == bool(newer.search(text)), text
    assert newer.pattern.split(")(")[0] in _QUESTION_OPENERS.pattern


_FILLERS = st.sampled_from(
    ["a", "é", "!", "ha", " ", "1", "\n", "like ", "great ", ". ", "?!"]
    + ["merci Acme pour ", "love waiting ", "is a total ", "panne ", "rapport qualité prix "]
)


@settings(max_examples=40, deadline=None)
@given(
    filler=_FILLERS | st.text(min_size=1, max_size=6),
    size=st.integers(0, 120_000),
    where=st.floats(0, 1),
)
def test_the_judged_window_is_bounded_whatever_the_item(
    filler: str, size: int, where: float
) -> None:
    """What the rules (or a configured engine) read is at most WINDOW_LIMIT characters, so
    their cost is bounded per mention however long the item, its sentence or its words."""
    from veille.tone import WINDOW_LIMIT

    body = (filler * (size // len(filler) + 1))[:size]
    place = int(where * size)
    text = f"{body[:place]} Acme {body[place:]}"
    start = place + 1
    read: list[str] = []

    def engine(window: str, lang: str | None) -> dict[str, str]:
        read.append(window)
        return {"tone": "neutral", "lang": "en"}

    tones_around(text, [(start, start + 4)], engine=engine)
    assert len(read) == 1 and len(read[0]) <= WINDOW_LIMIT
    assert "Acme" in read[0]
    assert len(context_window(text, start, start + 4)) <= WINDOW_LIMIT


def test_a_long_sentence_is_judged_near_the_mention() -> None:
    far = "dreadful " * 2_000 + "the " * 300
    text = f"{far}Acme is great and I love it. {far}"
    at = text.index("Acme")
    tone = tone_around(text, at, at + 4)
    assert tone.tone == "positive"
    assert tone_around("unhappy" * 300 + " Acme", 2101, 2105).tone == "neutral"


def _cpu_seconds(task: Any, repeats: int = 3) -> float:
    """The least CPU time of a few runs: the run least disturbed by the rest of the machine."""
    import time

    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        task()
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize(
    "filler",
    ["a", "é", "!", "ha", " ", "1", "\n", "great like ", "a-b'c "]
    + ["thanks a lot Acme for the ", "j'adore attendre 2 h ", "c'est une vaste ", "leak data "]
    + ["worth every ", "bravo Acme, "],
)
def test_judging_a_mention_grows_linearly_with_the_item(filler: str) -> None:
    """Matching and judging an item 8 times longer costs at most 24 times more.

    Not a timing test in disguise: a quadratic stage costs 64 times more at 8 times the size
    (the regex fixed here cost 14 s at 40 kB, 70 s at 80 kB), a linear one about 8 (less
    while the fixed costs dominate). The least CPU time (not wall time) of three runs each is
    compared, so a loaded machine would have to slow the long runs three times as much as
    every one of the short runs, on CPU time, for a linear stage to fail.
    """
    from veille.match import BrandSet, find_mentions
    from veille.models import Brand, Item

    rules = BrandSet([Brand(name="Acme", terms=("Acme",))])

    def judge(size: int) -> Any:
        body = filler * (size // len(filler))
        item = Item(key="k", url="https://example.com/", text=f"{body} Acme {body}")
        (hit,) = find_mentions(item, rules)
        return lambda: tones_around(hit.text, [(hit.start, hit.end)]) and find_mentions(item, rules)

    small, large = judge(20_000), judge(160_000)
    small()  # models loaded, caches warm
    assert _cpu_seconds(large) < 24 * max(_cpu_seconds(small), 0.001)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_judging_a_whole_text_of_many_sentences_grows_linearly(lang: str) -> None:
    """`veille tone` and training judge a whole text, not a window: 8 times the sentences
    cost at most 24 times more (the French "mais" step once cost sentences × words)."""
    small, large = "Bien. " * 700, "Bien. " * 5_600
    judge_tone(small, lang)  # models loaded
    assert _cpu_seconds(lambda: judge_tone(large, lang)) < 24 * max(
        _cpu_seconds(lambda: judge_tone(small, lang)), 0.001
    )
