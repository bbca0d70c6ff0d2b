"""The score of a text: the language's lexical engine, irony, and the flags' pull."""

from __future__ import annotations

import re

from veille import prose
from veille.models import FLAGS, Tone, ToneLabel
from veille.text import clean_text
from veille.tone.english import _score_en
from veille.tone.explain import Explanation, as_written
from veille.tone.flags import _COMPLAINT, _flags
from veille.tone.french import _score_fr
from veille.tone.irony import (
    _CLAP,
    _IRONY,
    _IRONY_SIGNS,
    _PRAISE_AGAIN,
    _PRAISE_WORD,
    _PRAISE_WORDS,
    _SARCASM_TAG,
)
from veille.tone.language import detect_language
from veille.tone.lexicon import _fold
from veille.tone.phrases import (
    _PRAISE_OPENER,
    COMPLAINING,
    IRONY_AT_BRAND,
    PLAIN_RULES,
    SARCASM_RULES,
    PhraseRule,
    find_phrase,
    words_of,
)

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
# Set phrases (`phrases.RULES`) whose words the lexicon misreads: an idiom of contempt or news
# of an incident makes the rest of the text at least this negative, praise of the price this
# positive, unless the rest clearly says the opposite. Enough to cross the neutral band from
# a neutral rest, no more: "panne géante chez X" is bad news, not an outrage.
PHRASE_PULL = 0.35

_LETTER = re.compile(r"[^\W\d_]")


def _lexical_score(text: str, lang: str, explanation: Explanation | None = None) -> float:
    if lang == "fr":
        return _score_fr(text, explanation)
    if lang == "und" and not _LETTER.search(text):
        # emoji and emoticons only: the curated table knows them best
        return _score_fr(text, explanation)
    if lang in ("en", "und"):
        return _score_en(text, explanation)
    return 0.0


def _raw_score(
    text: str,
    lang: str,
    explanation: Explanation | None = None,
    raised: dict[str, str] | None = None,
) -> float:
    """Lexical score, corrected for irony (see `_IRONY` and `_PRAISE_WORD`) and for the set
    phrases of `phrases.RULES`.

    Irony and sarcasm aimed at a brand are complaints: when `raised` is given, the flag and
    the words that raised it are put there for the caller to add to the text's own flags.
    """
    score = _lexical_score(text, lang, explanation)
    if lang not in ("fr", "en", "und") or not text:
        return score
    folded = _fold(text).replace("’", "'")
    if (
        any(map(folded.__contains__, _IRONY_SIGNS))
        or ("/s" in folded and _SARCASM_TAG.search(folded))
        or _IRONY.search(folded)
    ):
        ironic = min(-IRONY_PULL, -abs(score))
        if explanation is not None:
            marker = _irony_marker(text, folded)
            explanation.rule("irony", marker, f"{score:+.2f} → {ironic:+.2f}")
        if raised is not None:
            # A sure marker in words ("merci X pour rien") is a complaint; 🙄 or /s alone is not.
            said = _IRONY.search(folded)
            if said is not None:
                raised.setdefault("complaint", as_written(text, folded, said.span()))
        return ironic
    words = words_of(folded)
    phrase = find_phrase(folded, SARCASM_RULES, words)
    if phrase is not None:
        return _phrase_score(text, folded, lang, score, phrase, explanation, raised)
    if score > NEGATIVE_AT and (
        _CLAP in folded or (not _PRAISE_WORDS.isdisjoint(words) and _PRAISE_WORD.search(folded))
    ):
        # "bravo… encore en retard", "great, another delay", "super la grève": praise words
        # around facts that are otherwise plainly bad are sarcasm, not praise. Praise that
        # opens the text addressed to a name ("Bravo Ikea, toujours pas de remboursement")
        # is sarcasm before any bad news or complaint.
        opener = _PRAISE_OPENER.search(folded)
        # The name the praise is addressed to is no verdict ("Way to go United, …").
        rest = _lexical_score(
            _PRAISE_WORD.sub(" ", folded[opener.end() :] if opener else folded), lang
        )
        if (
            rest <= IRONIC_REST
            or (rest < 0 and _PRAISE_AGAIN.search(folded))
            or (
                opener is not None
                and (rest <= NEGATIVE_AT or (rest < POSITIVE_AT and _complains(folded, lang)))
            )
        ):
            sarcastic = min(rest, 0.0) - IRONY_PULL
            praise = opener or _PRAISE_WORD.search(folded)
            praised = as_written(text, folded, praise.span()).strip(" ,!.…") if praise else _CLAP
            if explanation is not None:
                explanation.rule(
                    IRONY_AT_BRAND if opener is not None else "sarcasm",
                    praised,
                    f"praise around bad news ({rest:+.2f} without it): "
                    f"{score:+.2f} → {sarcastic:+.2f}",
                )
            if raised is not None:
                raised.setdefault("complaint", praised)
            return sarcastic
    phrase = find_phrase(folded, PLAIN_RULES, words)
    if phrase is not None:
        return _phrase_score(text, folded, lang, score, phrase, explanation, raised)
    return score


def _complains(folded: str, lang: str) -> bool:
    languages = ("fr", "en") if lang not in ("fr", "en") else (lang,)
    return any(_COMPLAINT[code].search(folded) for code in languages)


def _phrase_score(
    text: str,
    folded: str,
    lang: str,
    score: float,
    phrase: tuple[PhraseRule, re.Match[str], int],
    explanation: Explanation | None,
    raised: dict[str, str] | None,
) -> float:
    """The score a set phrase gives (see `phrases.RULES`).

    Irony and sarcasm are sure markers, as "merci pour rien" is: the praise around them is
    part of the sarcasm ("Best part of my day"), so the text is made at least as negative as
    it looked positive. An idiom, a price praise or an incident replaces its own words' score:
    the rest of the text is scored without them and moved by PHRASE_PULL, unless the rest
    clearly says the opposite ("never again will I pay full price, the sale is fantastic").
    """
    rule, found, sign = phrase
    words = as_written(text, folded, found.span()).strip(" ,!.…")
    if rule.name in COMPLAINING:
        judged = min(-IRONY_PULL, -abs(score))
        if raised is not None:
            raised.setdefault("complaint", words)
    else:
        start, end = found.span()
        rest = _lexical_score(
            f"{text[:start]} {text[end:]}"
            if len(text) == len(folded)
            else f"{folded[:start]} {folded[end:]}",
            lang,
        )
        # Never milder than the lexicon already had it: some idioms are lexicon phrases too
        # ("on se fout de nous").
        if sign < 0:
            judged = score if rest >= CLEAR_PRAISE else min(score, min(rest, 0.0) - PHRASE_PULL)
        else:
            judged = score if rest <= -CLEAR_PRAISE else max(score, min(1.0, rest + PHRASE_PULL))
    if explanation is not None:
        name = rule.name if sign == rule.sign else f"{rule.name}, negated"
        explanation.rule(name, words, f"{score:+.2f} → {judged:+.2f}")
    return judged


def _irony_marker(text: str, folded: str) -> str:
    """What made a text ironic, for an explanation."""
    for sign in _IRONY_SIGNS:
        if sign in folded:
            return sign
    found = _IRONY.search(folded) or _SARCASM_TAG.search(folded)
    return as_written(text, folded, found.span()) if found is not None else ""


def _label(score: float) -> ToneLabel:
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def _make(
    score: float, lang: str, flags: tuple[str, ...], explanation: Explanation | None = None
) -> Tone:
    if lang not in ("fr", "en", "und"):
        score = 0.0  # another language: say so rather than guess
        if explanation is not None:
            explanation.rule("language", lang, "not French or English: left neutral")
    elif score < CLEAR_PRAISE and ("complaint" in flags or "insult" in flags):
        # A complaint or an insult is negative unless the text clearly praises all the same.
        pulled = min(score - FLAG_PULL, NEGATIVE_AT - 0.05)
        if explanation is not None:
            which = "complaint" if "complaint" in flags else "insult"
            explanation.rule(
                which, explanation.flags.get(which, ""), f"{score:+.2f} → {pulled:+.2f}"
            )
        score = pulled
    score = round(max(-1.0, min(1.0, score)), 3)
    tone = Tone(tone=_label(score), score=score, lang=lang, flags=flags)
    if explanation is not None:
        explanation.lang, explanation.tone, explanation.score = lang, tone.tone, score
    return tone


def judge_tone(text: str, lang: str | None = None) -> Tone:
    """Tone of the whole text; the language is detected unless the caller already knows it."""
    return _judge(text, lang)


def explain_tone(text: str, lang: str | None = None) -> tuple[Tone, Explanation]:
    """`judge_tone`, with what decided it: the same judgement, and why."""
    explanation = Explanation()
    return _judge(text, lang, explanation), explanation


def _judge(text: str, lang: str | None, explanation: Explanation | None = None) -> Tone:
    text = clean_text(text)
    if explanation is not None:
        explanation.window, explanation.lang = text, lang or "und"
    if not text:
        return Tone(tone="neutral", score=0.0, lang=lang or "und", flags=())
    lang = lang or detect_language(text)
    raised: dict[str, str] = {}
    score = _raw_score(text, lang, explanation, raised)
    flags = _with_raised(_flags(text, lang, explanation), raised, explanation)
    tone = _make(score, lang, flags, explanation)
    return _with_prose(text, tone, explanation)


def _with_raised(
    flags: tuple[str, ...], raised: dict[str, str], explanation: Explanation | None = None
) -> tuple[str, ...]:
    """`flags` with those the scoring rules raised (irony at a brand is a complaint), in
    FLAGS order."""
    if not raised or set(raised) <= set(flags):
        return flags
    if explanation is not None:
        for flag, words in raised.items():
            explanation.flags.setdefault(flag, words)
        explanation.flags = {
            flag: explanation.flags[flag] for flag in FLAGS if flag in explanation.flags
        }
    return tuple(flag for flag in FLAGS if flag in flags or flag in raised)


# --------------------------------------------------------------------------- prose scorer
# Long English and French texts (reviews, articles, posts) get the learned model's say,
# blended with the lexicon's score as its training script decided on data it never trained
# on (see veille.prose.blend). Shorter texts and other languages are returned unchanged and
# load no weights: a ~240-character snippet never reaches the model. `tone_around` judges the
# window around a brand by the rules alone.


def _with_prose(text: str, tone: Tone, explanation: Explanation | None = None) -> Tone:
    if not prose.routed(text, tone.lang):
        return tone
    score = prose.blend(text, tone.lang, tone.score, tone.flags)
    label = _label(score)
    if explanation is not None:
        explanation.rule("prose", f"{len(text)} characters", f"{tone.score:+.2f} → {score:+.2f}")
        explanation.tone, explanation.score = label, score
    return Tone(tone=label, score=score, lang=tone.lang, flags=tone.flags)
