"""Set phrases the lexicon misreads, in French and English: irony aimed at the brand, praise of
waiting, idioms of contempt, value for money and incident vocabulary (`veille.tone.phrases`).

`tone_classes_tune.csv` holds the examples the rules were written against;
`tone_classes_heldout.csv` was written before the rules and never used to tune them. Both carry
near misses (`near_miss` = 1): sincere thanks, a joke that is a joke, a short wait, an incident
that is over, a price that is not praised. A near miss passes when it does not get the tone its
class's rule gives (negative, or positive for value for money); an example of the class passes
with its label and, when the `flag` column names one, that flag.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from test_tone import _cpu_seconds

from veille.cli import app
from veille.text import fold
from veille.tone import explain_tone, judge_tone, tone_around

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TUNE = FIXTURES / "tone_classes_tune.csv"
HELDOUT = FIXTURES / "tone_classes_heldout.csv"
CLASSES = ("irony_brand", "sarcasm_wait", "contempt_idiom", "value_for_money", "incident")
# The tone a class's rule gives: what its near misses must not get.
RULE_TONE = {"value_for_money": "positive"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _passes(row: dict[str, str]) -> bool:
    tone = judge_tone(row["text"])
    if row["near_miss"]:
        return tone.tone != RULE_TONE.get(row["class"], "negative")
    return tone.tone == row["label"] and (not row["flag"] or row["flag"] in tone.flags)


def _scores(path: Path) -> dict[tuple[str, str, bool], tuple[int, int]]:
    """(class, lang, near miss) -> (passed, total)."""
    counts: dict[tuple[str, str, bool], list[int]] = defaultdict(lambda: [0, 0])
    for row in _rows(path):
        key = (row["class"], row["lang"], bool(row["near_miss"]))
        counts[key][0] += _passes(row)
        counts[key][1] += 1
    return {key: (passed, total) for key, (passed, total) in counts.items()}


def test_fixtures_cover_every_class_in_both_languages() -> None:
    for path in (TUNE, HELDOUT):
        scores = _scores(path)
        for name in CLASSES:
            for lang in ("fr", "en"):
                assert scores[(name, lang, False)][1] >= 6, (path.name, name, lang)
                assert scores[(name, lang, True)][1] >= 2, (path.name, name, lang)


@pytest.mark.parametrize("name", CLASSES)
def test_tune_examples_are_judged_right(name: str) -> None:
    """Each class: at most one miss per language among its examples, no near miss wrong."""
    scores = _scores(TUNE)
    for lang in ("fr", "en"):
        passed, total = scores[(name, lang, False)]
        assert passed >= total - 1, (name, lang, passed, total)
        passed, total = scores[(name, lang, True)]
        assert passed == total, (name, lang, "near misses", passed, total)


def test_heldout_examples_are_mostly_judged_right() -> None:
    """The examples the rules never saw: a floor a little under what they reach."""
    scores = _scores(HELDOUT)
    hits = [scores[key] for key in scores if not key[2]]
    near = [scores[key] for key in scores if key[2]]
    assert sum(p for p, _ in hits) >= 0.8 * sum(t for _, t in hits)
    assert sum(p for p, _ in near) >= 0.8 * sum(t for _, t in near)


# --------------------------------------------------------------------------- what the rules say

CLI_CASES = [
    ("Great job Acme, my parcel is lost again.", "negative", "irony: praise aimed at the brand"),
    ("Merci Acme pour ce magnifique retard.", "negative", "irony: praise aimed at the brand"),
    (
        "Love waiting 2 hours on hold with Acme. Best part of my day.",
        "negative",
        "sarcasm: praise of waiting",
    ),
    (
        "J'adore attendre 45 minutes au téléphone avec Acme, le meilleur moment de ma journée.",
        "negative",
        "sarcasm: praise of waiting",
    ),
    ("Their return policy is a joke.", "negative", "idiom"),
    ("C'est du foutage de gueule, Acme.", "negative", "idiom"),
    ("Great value for money from Acme.", "positive", "value for money"),
    ("Rapport qualité-prix imbattable chez Acme.", "positive", "value for money"),
    ("Leaky database spilled 2FA codes for Acme accounts.", "negative", "incident vocabulary"),
    ("Cyberattaque chez Acme : services en ligne à l'arrêt.", "negative", "incident vocabulary"),
]


@pytest.mark.parametrize(("text", "tone", "rule"), CLI_CASES, ids=[t for t, _, _ in CLI_CASES])
def test_cli_explain_names_the_rule(runner, text: str, tone: str, rule: str) -> None:
    result = runner.invoke(app, ["tone", text, "--explain"])
    assert result.exit_code == 0, result.output
    first, *why = result.stdout.splitlines()
    assert first.split("\t")[0] == tone
    assert any(line.strip().startswith(f"rule: {rule} ") for line in why), why
    if tone == "negative" and rule.startswith(("irony", "sarcasm")):
        assert "complaint" in first.split("\t")[3]
        assert any(line.strip().startswith("flags: complaint") for line in why), why

    result = runner.invoke(app, ["tone", text, "--json", "--explain"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["tone"] == tone == data["explain"]["tone"]
    assert rule in [hit["rule"] for hit in data["explain"]["rules"]]


def test_the_rule_names_the_words_that_fired_it() -> None:
    _, why = explain_tone("Acme's return policy is a joke, honestly.", "en")
    assert [(hit.rule, hit.matched) for hit in why.rules] == [("idiom", "is a joke")]
    _, why = explain_tone("Panne géante du réseau Acme ce matin.", "fr")
    assert [(hit.rule, hit.matched) for hit in why.rules] == [("incident vocabulary", "Panne")]


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        ("Not worth every penny, the Acme kettle broke in a week.", "negative"),
        ("Ce n'est pas un excellent rapport qualité-prix.", "negative"),
        ("Trois ans sans la moindre panne, Acme est au top.", "positive"),
        ("I recall 2 years ago Acme was great.", "positive"),
        ("Il répond n'importe quoi mais Acme est génial.", "positive"),
        ("Love that the agent on the phone fixed it in an hour, thanks Acme", "positive"),
        ("Super, j'ai commandé en ligne chez Acme et reçu en 2 h", "positive"),
        ("I love Acme, waited 5 minutes and it was done", "positive"),
    ],
)
def test_phrases_read_in_their_context(text: str, tone: str) -> None:
    """A negated price praise is a price complaint; an incident denied, "I recall", a
    "n'importe quoi" outside its frames, a call without its length or a short wait are no
    phrase of the rules."""
    assert judge_tone(text).tone == tone


def test_the_window_around_a_brand_gets_the_complaint_too() -> None:
    text = "Bravo Acme, encore un colis perdu. Je ne commanderai plus."
    tone = tone_around(text, 6, 10)
    assert tone.tone == "negative" and "complaint" in tone.flags


# --------------------------------------------------------------------------- guards and cost


def test_every_match_holds_one_of_its_rule_words() -> None:
    """A rule is skipped on a text without any of its `words`: each match must hold one."""
    from veille.tone.phrases import RULES, words_of

    texts = [fold(row["text"]).replace("’", "'") for row in _rows(TUNE) + _rows(HELDOUT)]
    matched = 0
    for rule in RULES:
        for pattern in rule.patterns:
            assert pattern.needles, pattern.pattern[:60]
            for text in texts:
                for found in pattern.regex.finditer(text):
                    matched += 1
                    assert words_of(found.group()) & rule.words, (rule.name, found.group())
                    assert pattern._may_match(text)
    assert matched >= 100


RULE_NAMES = [
    "irony: praise aimed at the brand",
    "sarcasm: praise of waiting",
    "idiom",
    "incident vocabulary",
    "value for money",
]


@pytest.mark.parametrize("name", RULE_NAMES)
def test_phrase_patterns_run_in_linear_time(name: str) -> None:
    """Each pattern on a text made only of its rule's words (every needle present, so every
    regex runs), and on one 8 times longer: at most 24 times the CPU time (a quadratic regex
    takes 64 times)."""
    from veille.tone.phrases import RULES

    assert sorted(rule.name for rule in RULES) == sorted(RULE_NAMES)
    (rule,) = [rule for rule in RULES if rule.name == name]
    filler = " ".join(sorted(rule.words)) + ", a 2 h d' "

    def search(size: int) -> Callable[[], object]:
        text = filler * (size // len(filler))
        return lambda: [list(pattern.regex.finditer(text)) for pattern in rule.patterns]

    small, large = search(4_000), search(32_000)
    small()
    assert _cpu_seconds(large) < 24 * max(_cpu_seconds(small), 0.001)
