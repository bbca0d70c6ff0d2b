"""The score of a text: the language's lexical engine, irony, and the flags' pull."""

from __future__ import annotations

import re

from veille.models import Tone
from veille.text import clean_text, fold
from veille.tone.english import _score_en
from veille.tone.flags import _flags
from veille.tone.french import _score_fr
from veille.tone.irony import (
    _CLAP,
    _IRONY,
    _IRONY_SIGNS,
    _PRAISE_AGAIN,
    _PRAISE_WORD,
    _SARCASM_TAG,
)
from veille.tone.language import detect_language

# Scores in (NEGATIVE_AT, POSITIVE_AT) are neutral. VADER's paper uses ±0.05; its lexicons lean
# positive on plain statements ("like", "care", "free", "please" all score), so the positive
# side of the band is wider. Chosen on the shared English DEV split where both its parts
# (tweets, news opinion) gain and the neighbouring values do as well, then checked on French.
POSITIVE_AT = 0.25
NEGATIVE_AT = -0.15
# How much a complaint or an insult pulls the score down: these patterns are negative by nature
# even when no lexicon word says so ("still waiting for my refund").
FLAG_PULL = 0.35
# ...unless the text clearly praises all the same ("never again another bank, this one is great").
CLEAR_PRAISE = 0.5
# Irony: a sure marker ("merci pour rien", "thanks for nothing", "/s", 🙄) makes the text at
# least this negative; praise words ("bravo", "great", "merci") around a text that is otherwise
# at most IRONIC_REST are read as sarcasm.
IRONY_PULL = 0.3
IRONIC_REST = -0.3

_LETTER = re.compile(r"[^\W\d_]")


def _lexical_score(text: str, lang: str) -> float:
    if lang == "fr":
        return _score_fr(text)
    if lang == "und" and not _LETTER.search(text):
        return _score_fr(text)  # emoji and emoticons only: the curated table knows them best
    if lang in ("en", "und"):
        return _score_en(text)
    return 0.0


def _raw_score(text: str, lang: str) -> float:
    """Lexical score, corrected for irony (see `_IRONY` and `_PRAISE_WORD`)."""
    score = _lexical_score(text, lang)
    if lang not in ("fr", "en", "und") or not text:
        return score
    folded = fold(text).replace("’", "'")
    if (
        any(sign in folded for sign in _IRONY_SIGNS)
        or ("/s" in folded and _SARCASM_TAG.search(folded))
        or _IRONY.search(folded)
    ):
        return min(-IRONY_PULL, -abs(score))
    if score > NEGATIVE_AT and (_CLAP in folded or _PRAISE_WORD.search(folded)):
        # "bravo… encore en retard", "great, another delay", "super la grève": praise words
        # around facts that are otherwise plainly bad are sarcasm, not praise.
        rest = _lexical_score(_PRAISE_WORD.sub(" ", folded), lang)
        if rest <= IRONIC_REST or (rest < 0 and _PRAISE_AGAIN.search(folded)):
            return min(rest, 0.0) - IRONY_PULL
    return score


def _label(score: float) -> str:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def _make(score: float, lang: str, flags: tuple[str, ...]) -> Tone:
    if lang not in ("fr", "en", "und"):
        score = 0.0  # another language: say so rather than guess
    elif score < CLEAR_PRAISE and ("complaint" in flags or "insult" in flags):
        # A complaint or an insult is negative unless the text clearly praises all the same.
        score = min(score - FLAG_PULL, NEGATIVE_AT - 0.05)
    score = round(max(-1.0, min(1.0, score)), 3)
    return Tone(tone=_label(score), score=score, lang=lang, flags=flags)  # type: ignore[arg-type]


def judge_tone(text: str, lang: str | None = None) -> Tone:
    """Tone of the whole text; the language is detected unless the caller already knows it."""
    text = clean_text(text)
    if not text:
        return Tone(tone="neutral", score=0.0, lang=lang or "und", flags=())
    lang = lang or detect_language(text)
    return _make(_raw_score(text, lang), lang, _flags(text, lang))
