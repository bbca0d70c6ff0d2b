"""The window judged around a brand's mention: its sentence and a neighbour each side."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from veille.models import Tone
from veille.text import clean_text, sentence_spans
from veille.tone.engines import ToneEngine, _validate
from veille.tone.explain import Explanation
from veille.tone.flags import _flags
from veille.tone.language import _cleaned, _detect_clean
from veille.tone.layer import ToneLayer
from veille.tone.scoring import (
    NEGATIVE_AT,
    POSITIVE_AT,
    _judge,
    _make,
    _raw_score,
    _with_raised,
    judge_tone,
)

_SPACE = re.compile(r"\s+")


def _window(
    text: str, start: int, end: int, spans: list[tuple[int, int]] | None = None
) -> tuple[str, str, str]:
    """(sentence before, the sentences holding text[start:end], sentence after), cleaned."""
    if spans is None:
        spans = sentence_spans(text)
    if not spans:
        return "", clean_text(text[: 2 * WINDOW_REACH]), ""
    start, end = max(0, start), max(start, end)
    inside = [i for i, (s, e) in enumerate(spans) if s < max(end, start + 1) and e > start]
    if not inside:
        nearest = min(range(len(spans)), key=lambda i: abs(spans[i][0] - start))
        inside = [nearest]
    first, last = inside[0], inside[-1]
    left = max(spans[first][0], start - WINDOW_REACH)
    right = min(spans[last][1], max(end, start + 1) + WINDOW_REACH, start + 2 * WINDOW_REACH)
    center = clean_text(_whole_words(text, left, right, spans[first][0], spans[last][1]))
    before = after = ""
    if first > 0:
        s, e = spans[first - 1]
        before = clean_text(_whole_words(text, max(s, e - WINDOW_REACH), e, s, e))
    if last + 1 < len(spans):
        s, e = spans[last + 1]
        after = clean_text(_whole_words(text, s, min(e, s + WINDOW_REACH), s, e))
    return before, center, after


# How far the judged window reaches, in characters, from the brand's mention into its
# sentence, and into each neighbour: a sentence can be a whole 10 MB item (no full stop, or
# one endless word), and every rule must see a bounded text whatever the item's size.
WINDOW_REACH = 1000
# The longest window judged: the mention's sentence (up to a reach before the mention and
# two after its start), a reach of each neighbour, and the spaces that join them.
WINDOW_LIMIT = 5 * WINDOW_REACH + 2


def _whole_words(text: str, left: int, right: int, start: int, end: int) -> str:
    """text[left:right] inside the sentence text[start:end], without the word cut in two at
    either end (half a word can read as another: "unhappy" cut to "happy")."""
    if left > start and not text[left - 1].isspace():
        space = _SPACE.search(text, left, right)
        if space is not None:
            left = space.end()
    if right < end and not text[right].isspace():
        cut = text[left:right]
        last_space = max(cut.rfind(" "), cut.rfind("\n"))
        if last_space > 0:
            right = left + last_space
    return text[left:right]


def context_window(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end] plus one neighbour each side: what `tone_around`
    judges. Empty for an empty text."""
    if not text or not text.strip():
        return ""
    return " ".join(part for part in _window(text, start, end) if part)


def tone_around(
    text: str,
    start: int,
    end: int,
    lang: str | None = None,
    engine: ToneEngine | None = None,
) -> Tone:
    """Tone of the brand's mention at text[start:end], judged on its sentence and neighbours.

    A page often praises one thing and blames another; only the words near the brand speak
    about it. The brand's own sentence decides when it carries an opinion; the sentence before
    and after only count (at half weight) when it is neutral ("Free, encore. Quelle galère.").
    Flags are read on the same window.

    With an `engine` (see `load_engine`), that engine judges `context_window(...)` instead; the
    language is detected by veille when neither the caller nor the engine gives one. A trained
    layer (`ToneLayer`) as the engine judges as the built-in engine does, then has its say on
    the same window.
    """
    return tones_around(text, [(start, end)], lang, engine)[0]


def tones_around(
    text: str,
    places: Sequence[tuple[int, int]],
    lang: str | None = None,
    engine: ToneEngine | None = None,
) -> list[Tone]:
    """`tone_around` for each (start, end) of several mentions in one text, in order.

    Brand monitoring often finds a brand and its competitor in one sentence ("Free ou
    Orange ?"); both get the same judgement, so it is made once. The text is split into
    sentences once, and the language of its opening, which short windows go by, is detected
    once.
    """
    if not text or not text.strip():
        return [Tone(tone="neutral", score=0.0, lang=lang or "und", flags=())] * len(places)
    layer = engine if isinstance(engine, ToneLayer) else None
    if engine is judge_tone or layer is not None:
        engine = None
    elif engine is not None and not getattr(engine, "_veille_validated", False):
        engine = _validate(engine)
    spans = sentence_spans(text)
    language_of = _languages_of(text)
    judged: dict[tuple[str, str, str], Tone] = {}
    tones = []
    for start, end in places:
        parts = _window(text, start, end, spans)
        if parts not in judged:
            tone = _judge_window(parts, bool(spans), lang, engine, language_of)
            if layer is not None:
                tone = layer.adjust(" ".join(part for part in parts if part), tone)
            judged[parts] = tone
        tones.append(judged[parts])
    return tones


def explain_around(
    text: str, start: int, end: int, lang: str | None = None, layer: ToneLayer | None = None
) -> tuple[Tone, Explanation]:
    """`tone_around` with the built-in engine (and the trained `layer`, when given), and what
    decided it: the window judged, the words and rules that moved the score, the flags and
    the language."""
    explanation = Explanation()
    if not text or not text.strip():
        explanation.lang = lang or "und"
        return Tone(tone="neutral", score=0.0, lang=lang or "und", flags=()), explanation
    spans = sentence_spans(text)
    parts = _window(text, start, end, spans)
    tone = _judge_window(parts, bool(spans), lang, None, _languages_of(text), explanation)
    if layer is not None:
        tone = layer.adjust(" ".join(part for part in parts if part), tone, explanation)
    return tone, explanation


def _languages_of(text: str) -> Callable[[str], str]:
    """The language of a window of `text`, detected once per window (see `tones_around`)."""
    languages: dict[str, str] = {}

    def language_of(window: str) -> str:
        # Under 80 characters a window says too little: the text's opening speaks for it.
        key = window if len(window) >= 80 else ""
        if key not in languages:
            languages[key] = _detect_clean(_cleaned(key or clean_text(text[:3000])))
        return languages[key]

    return language_of


def _judge_window(
    parts: tuple[str, str, str],
    has_sentences: bool,
    lang: str | None,
    engine: ToneEngine | None,
    language_of: Callable[[str], str],
    explanation: Explanation | None = None,
) -> Tone:
    before, center, after = parts
    window = " ".join(part for part in parts if part)
    if engine is not None:
        return engine(window, lang, _detect=lambda: language_of(window))  # type: ignore[call-arg]
    if not has_sentences:
        return _judge(center, lang, explanation)
    lang = lang or language_of(window)
    if explanation is not None:
        explanation.window, explanation.lang = window, lang
    raised: dict[str, str] = {}
    score = _raw_score(center, lang, explanation, raised)
    if NEGATIVE_AT < score < POSITIVE_AT:
        neighbours = [_raw_score(part, lang) for part in (before, after) if part]
        if neighbours:
            pull = 0.5 * sum(neighbours) / len(neighbours)
            if explanation is not None and pull:
                explanation.rule(
                    "context", "", f"its sentence is neutral: the sentences around add {pull:+.2f}"
                )
            score += pull
    flags = _with_raised(_flags(window, lang, explanation), raised, explanation)
    return _make(score, lang, flags, explanation)
