"""Tone, language and flags of a mention, offline and fast.

Why rules and lexicons rather than a model: veille runs on a laptop, offline, over thousands of
snippets per sweep, and a community manager must be able to see why a mention was called
negative. English goes through VADER (MIT); French through a VADER-style engine written here
on the MIT lexicon of the vaderSentiment-fr port plus veille's own corrections (see
``lexicons/README.md``). Other languages are detected and left neutral rather than guessed.

Irony ("merci pour rien", "great, another delay", 🙄) and complaints ("still waiting on my
delivery") turn a mention negative whatever its words. A stronger engine (a model the user
installs) can be plugged in by name: see `load_engine` and `tone_around(..., engine=...)`.

Nothing heavy happens at import: the analyzers, lexicons and language model load on first use.

The package's parts: `lexicon` (lexicon files, lazy loading), `language` (detection),
`english` and `french` (lexical scoring), `flags`, `irony` and `phrases` (rules read on the
folded text, over `guarded` regexes), `scoring` (one text's tone), `window` (the text around
a mention), `engines` (pluggable engines), `explain` (why a judgement came out as it did) and
`layer` (the layer `veille tone train` fits on a community manager's labels, over the
built-in engine).
"""

from __future__ import annotations

from veille.tone.engines import BUILTIN_ENGINE, ToneEngine, load_engine
from veille.tone.explain import Explanation, RuleHit, WordHit
from veille.tone.language import detect_language
from veille.tone.layer import ToneLayer, stored_layer, train_layer
from veille.tone.scoring import explain_tone, judge_tone
from veille.tone.window import (
    WINDOW_LIMIT,
    context_window,
    explain_around,
    tone_around,
    tones_around,
)

__all__ = [
    "BUILTIN_ENGINE",
    "WINDOW_LIMIT",
    "Explanation",
    "RuleHit",
    "ToneEngine",
    "ToneLayer",
    "WordHit",
    "context_window",
    "detect_language",
    "explain_around",
    "explain_tone",
    "judge_tone",
    "load_engine",
    "stored_layer",
    "tone_around",
    "tones_around",
    "train_layer",
]
