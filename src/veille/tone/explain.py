"""Why a text got its tone: the words and rules that moved the score, kept only when asked.

An `Explanation` is filled in by the same code that scores (`scoring`, `window`, the English
and French engines and the flags), each step writing what it did when it is handed one. The
judgement made without it is the same judgement, at the same speed: every note is behind an
`explanation is not None` test, and the scoring loops only write on the few words that carry
a tone. Weights are on VADER's scale (about -4 to +4 per word); the score is the judgement's,
in [-1, 1].
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# What a community manager reads: the words that weigh most, a few rules, one window.
SHOWN_WORDS = 5
SHOWN_CHARS = 60


@dataclass
class WordHit:
    """A lexicon word or phrase of the judged text: its weight, and what the rules made of it."""

    text: str
    weight: float
    counted: float
    because: list[str] = field(default_factory=list)


@dataclass
class RuleHit:
    """A rule that fired: its name, the words that fired it, and what it did to the score."""

    rule: str
    matched: str
    effect: str


@dataclass
class Explanation:
    """Everything that decided one judgement, in the order it was decided."""

    lang: str = "und"
    window: str = ""
    words: list[WordHit] = field(default_factory=list)
    rules: list[RuleHit] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)
    tone: str = "neutral"
    score: float = 0.0

    def word(self, text: str, weight: float, counted: float, because: list[str]) -> None:
        self.words.append(WordHit(text, round(weight, 3), round(counted, 3), because))

    def rule(self, rule: str, matched: str, effect: str) -> None:
        self.rules.append(RuleHit(rule, _short(matched), effect))

    def decisive(self) -> list[WordHit]:
        """The words that weigh most, heaviest first, the sign of the judgement first."""
        sign = 1 if self.score >= 0 else -1
        return sorted(self.words, key=lambda hit: (hit.counted * sign < 0, -abs(hit.counted)))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for `--json`."""
        return asdict(self)

    def lines(self, *, window: bool = False) -> list[str]:
        """A few short lines: the decisive words, the rules and flags, the window if asked."""
        out = []
        hits = self.decisive()
        if hits:
            shown = ", ".join(_hit_line(hit) for hit in hits[:SHOWN_WORDS])
            more = len(hits) - SHOWN_WORDS
            out.append(f"words: {shown}" + (f" (+{more} more)" if more > 0 else ""))
        else:
            out.append("words: no word of the lexicon")
        for hit in self.rules:
            matched = f' "{hit.matched}"' if hit.matched else ""
            out.append(f"rule: {hit.rule}{matched}: {hit.effect}")
        if self.flags:
            flags = ", ".join(
                f'{flag} ("{_short(matched)}")' if matched else flag
                for flag, matched in self.flags.items()
            )
            out.append(f"flags: {flags}")
        if window:
            out.append(f'judged ({self.lang}) on: "{_short(self.window, 2 * SHOWN_CHARS)}"')
        return out


def as_written(text: str, folded: str, span: tuple[int, int]) -> str:
    """The words of `text` at `span` of its folded form, accents and case as written.

    Folding maps one character to one character, so the span is the same in both; a folded
    form of another length (links taken out) gives its own words."""
    start, end = span
    return (text if len(text) == len(folded) else folded)[start:end].strip()


def _hit_line(hit: WordHit) -> str:
    because = f" ({'; '.join(hit.because)})" if hit.because else ""
    counted = f" → {hit.counted:+.1f}" if round(hit.counted, 1) != round(hit.weight, 1) else ""
    return f'"{hit.text}" {hit.weight:+.1f}{counted}{because}'


def _short(text: str, limit: int = SHOWN_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
