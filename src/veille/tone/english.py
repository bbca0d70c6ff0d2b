"""English scoring: VADER, computed faster, with veille's corrections for brand mentions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from veille.text import sentence_spans
from veille.tone.lexicon import _LEXICON_DIR, _load_once, _read_lexicon

if TYPE_CHECKING:  # pragma: no cover
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from veille.tone.explain import Explanation

# A sentence ending in "?" asks rather than asserts: its score is scaled by this.
QUESTION_DAMPING = 0.5
# VADER negates "never been happier" (and "never felt worse") and reads "killer feature" as
# violent; the comparative after "never" is not negated, the slang "killer" is praise.
_EN_NOT_NEGATED = re.compile(
    r"\bnever (been|felt|looked|sounded|tasted|had it|seen it) (better|worse|happier|\w+er)\b",
    re.IGNORECASE,
)
_EN_KILLER = re.compile(
    r"\bkiller(?= (?:app|apps|feature|features|deal|deals|combo|price|prices|track|song|look))",
    re.IGNORECASE,
)
_ASKS = re.compile(r"\?[\s\"'»”)\]]*$")


@_load_once
def _vader() -> SentimentIntensityAnalyzer:
    """VADER with veille's English additions (``lexicons/en_veille.txt``) merged in."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(_read_lexicon(_LEXICON_DIR / "en_veille.txt"))
    return analyzer


class _Vader:
    """`SentimentIntensityAnalyzer.polarity_scores(text)["compound"]`, computed faster.

    The same rules, in the same order, with the same floating-point operations, so the result
    is the same number (tests/test_tone.py checks it against vaderSentiment itself). What
    changed is only the cost: vaderSentiment lowercases the whole sentence again for every
    lexicon word and each of the three words before it, copies its 60-word negation list on
    every test, computes the pos/neu/neg ratios veille never reads and rebuilds the sentence
    character by character to replace emoji even when there is none.
    """

    def __init__(self, analyzer: SentimentIntensityAnalyzer) -> None:
        from vaderSentiment import vaderSentiment as module

        self.analyzer = analyzer
        self.lexicon = analyzer.lexicon
        self.emojis = analyzer.emojis
        # polarity_scores replaces a character at a time, so only one-character keys count.
        self.emoji_chars = frozenset(key for key in analyzer.emojis if len(key) == 1)
        self.boosters = module.BOOSTER_DICT
        self.special = module.SPECIAL_CASES
        self.negate = frozenset(module.NEGATE)
        self.normalize = module.normalize
        self.strip_punc = module.SentiText._strip_punc_if_word
        self.but_check = module.SentimentIntensityAnalyzer._but_check
        self.punctuation = analyzer._punctuation_emphasis
        self.n_scalar = module.N_SCALAR
        self.c_incr = module.C_INCR

    def _negated(self, word: str) -> bool:
        """vaderSentiment's `negated([word])`."""
        word = word.lower()
        return word in self.negate or "n't" in word

    def _replace_emoji(self, text: str) -> str:
        """polarity_scores' own loop, run only when the text holds an emoji."""
        out = ""
        prev_space = True
        for char in text:
            if char in self.emojis:
                if not prev_space:
                    out += " "
                out += self.emojis[char]
                prev_space = False
            else:
                out += char
                prev_space = char == " "
        return out

    def compound(  # noqa: C901 - one rule after another, as VADER
        self, text: str, explanation: Explanation | None = None
    ) -> float:
        if not self.emoji_chars.isdisjoint(text):
            text = self._replace_emoji(text)
        text = text.strip()
        strip_punc = self.strip_punc
        words = [strip_punc(word) for word in text.split()]
        count = len(words)
        shouted = sum(1 for word in words if word.isupper())
        cap_diff = 0 < count - shouted < count
        lower = [word.lower() for word in words]
        lexicon = self.lexicon
        boosters = self.boosters
        n_scalar = self.n_scalar
        c_incr = self.c_incr
        sentiments: list[float] = []
        for i, item in enumerate(words):
            low = lower[i]
            if low in boosters:
                sentiments.append(0)
                continue
            if i < count - 1 and low == "kind" and lower[i + 1] == "of":
                sentiments.append(0)
                continue
            if low not in lexicon:
                sentiments.append(0)
                continue
            # SentimentIntensityAnalyzer.sentiment_valence
            valence = lexicon[low]
            if low == "no" and i != count - 1 and lower[i + 1] in lexicon:
                valence = 0.0
            if (
                (i > 0 and lower[i - 1] == "no")
                or (i > 1 and lower[i - 2] == "no")
                or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ["or", "nor"])
            ):
                valence = lexicon[low] * n_scalar
            if item.isupper() and cap_diff:
                if valence > 0:
                    valence += c_incr
                else:
                    valence -= c_incr
            for start_i in range(0, 3):
                if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                    s = self._scalar_inc_dec(words[i - (start_i + 1)], valence, cap_diff)
                    if start_i == 1 and s != 0:
                        s = s * 0.95
                    if start_i == 2 and s != 0:
                        s = s * 0.9
                    valence = valence + s
                    valence = self._negation_check(valence, lower, start_i, i)
                    if start_i == 2:
                        valence = self._special_idioms_check(valence, lower, i)
            valence = self._least_check(valence, lower, i)
            sentiments.append(valence)
        if "but" in lower:
            sentiments = self.but_check(words, sentiments)
        if explanation is not None:
            self._explain(words, lower, sentiments, cap_diff, explanation)
        if not sentiments:
            return round(0.0, 4)
        # SentimentIntensityAnalyzer.score_valence, compound only
        sum_s = float(sum(sentiments))
        emphasis = self.punctuation(text)
        if sum_s > 0:
            sum_s += emphasis
        elif sum_s < 0:
            sum_s -= emphasis
        return round(self.normalize(sum_s), 4)

    def _explain(
        self,
        words: list[str],
        lower: list[str],
        sentiments: list[float],
        cap_diff: bool,
        explanation: Explanation,
    ) -> None:
        """Note each word that counted, with the modifiers VADER's rules found before it."""
        but = lower.index("but") if "but" in lower else -1
        for i, counted in enumerate(sentiments):
            if not counted:
                continue
            weight = self.lexicon.get(lower[i], 0.0)
            because = []
            for back in range(max(0, i - 3), i):
                before = lower[back]
                if before in self.boosters and before not in self.lexicon:
                    lift = "intensified" if self.boosters[before] > 0 else "softened"
                    because.append(f'{lift} by "{words[back]}"')
                elif self._negated(before) or before == "no" or before == "least":
                    if counted * weight < 0:
                        because.append(f'negated by "{words[back]}"')
            if cap_diff and words[i].isupper():
                because.append("in capitals")
            if but >= 0 and i != but:
                because.append('before "but": ×0.5' if i < but else 'after "but": ×1.5')
            explanation.word(words[i], weight, counted, because)

    def _scalar_inc_dec(self, word: str, valence: float, cap_diff: bool) -> float:
        scalar = 0.0
        word_lower = word.lower()
        if word_lower in self.boosters:
            scalar = self.boosters[word_lower]
            if valence < 0:
                scalar *= -1
            if word.isupper() and cap_diff:
                if valence > 0:
                    scalar += self.c_incr
                else:
                    scalar -= self.c_incr
        return scalar

    def _negation_check(self, valence: float, lower: list[str], start_i: int, i: int) -> float:
        if start_i == 0:
            if self._negated(lower[i - (start_i + 1)]):
                valence = valence * self.n_scalar
        if start_i == 1:
            if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
                valence = valence * 1.25
            elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
                valence = valence
            elif self._negated(lower[i - (start_i + 1)]):
                valence = valence * self.n_scalar
        if start_i == 2:
            if (
                lower[i - 3] == "never"
                and (lower[i - 2] == "so" or lower[i - 2] == "this")
                or (lower[i - 1] == "so" or lower[i - 1] == "this")
            ):
                valence = valence * 1.25
            elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
                valence = valence
            elif self._negated(lower[i - (start_i + 1)]):
                valence = valence * self.n_scalar
        return valence

    def _special_idioms_check(self, valence: float, lower: list[str], i: int) -> float:
        special = self.special
        onezero = f"{lower[i - 1]} {lower[i]}"
        twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
        twoone = f"{lower[i - 2]} {lower[i - 1]}"
        threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
        threetwo = f"{lower[i - 3]} {lower[i - 2]}"
        for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
            if seq in special:
                valence = special[seq]
                break
        if len(lower) - 1 > i:
            zeroone = f"{lower[i]} {lower[i + 1]}"
            if zeroone in special:
                valence = special[zeroone]
        if len(lower) - 1 > i + 1:
            zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
            if zeroonetwo in special:
                valence = special[zeroonetwo]
        for n_gram in (threetwoone, threetwo, twoone):
            if n_gram in self.boosters:
                valence = valence + self.boosters[n_gram]
        return valence

    def _least_check(self, valence: float, lower: list[str], i: int) -> float:
        lexicon = self.lexicon
        if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            if lower[i - 2] != "at" and lower[i - 2] != "very":
                valence = valence * self.n_scalar
        elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            valence = valence * self.n_scalar
        return valence


@_load_once
def _fast_vader() -> _Vader:
    return _Vader(_vader())


# "like" is a verb of liking after a subject or an adverb ("I like", "would really like"); after
# anything else it is the preposition of "issues like housing", "looks like rain", which VADER
# scores +1.5 all the same. News prose is full of the preposition.
# The gap before "like", found only where a word ends: `(\S+)(\s+)like` as one pattern
# would be tried from every character of a long word, each try running to the word's end
# (quadratic: 14 s on a 40 kB word).
_EN_LIKE = re.compile(r"(?<=\S)(\s+)like\b", re.IGNORECASE)
_EN_LIKERS = frozenset(
    """i you we they he she it u ya who people everyone everybody really would 'd do does did
    don't didn't doesn't dont didnt also just to definitely absolutely totally truly much still so
    actually genuinely kinda always never not i'd we'd you'd they'd he'd she'd might may""".split()
)
# A concession ("Though X, Y") puts the weight on its main clause, as "X but Y" does: rewritten
# so that VADER's own "but" rule applies. Sentence-initial "Yet"/"However" are "but" too.
_EN_CONCESSION = re.compile(
    r"^(\W*)(?:although|though|even though|even if|while|whilst|despite|in spite of)\b"
    r"([^,;]{3,}),\s*(.+)$",
    re.IGNORECASE | re.DOTALL,
)
_EN_BUT_OPENER = re.compile(r"^(\W*)(?:yet|however),?\s", re.IGNORECASE)
_EN_HOWEVER = re.compile(r"[;,]\s*however,?\s", re.IGNORECASE)


def _like_verb_only(sentence: str) -> str:
    """The sentence with each preposition "like" read as "as" (see `_EN_LIKERS`).

    What one regex, `(\\S+)(\\s+)like\\b`, gave, in time linear in the sentence: the word before
    a gap is walked back to its start (or to the end of the previous match, where that
    regex's scan resumed) once, so no character is read more than twice.
    """
    pieces: list[str] = []
    copied = resumed = 0  # copied up to; where the legacy scan resumed, after its last match
    at = 0
    while (gap := _EN_LIKE.search(sentence, at)) is not None:
        start = gap.start()
        word = start
        while word > resumed and not sentence[word - 1].isspace():
            word -= 1
        at = gap.end()
        if word == start:  # the gap follows the previous match's "like": no word of its own
            continue
        resumed = at
        if sentence[word:start].lower().strip(",.;:!?\"'(") not in _EN_LIKERS:
            pieces += [sentence[copied:start], gap.group(1), "as"]
            copied = at
    pieces.append(sentence[copied:])
    return "".join(pieces)


def _concession_as_but(sentence: str) -> str:
    match = _EN_CONCESSION.match(sentence)
    if match:
        return f"{match.group(1)}{match.group(2)} but {match.group(3)}"
    return _EN_HOWEVER.sub(" but ", _EN_BUT_OPENER.sub(r"\1but ", sentence))


def _score_en(text: str, explanation: Explanation | None = None) -> float:
    """VADER per sentence, questions damped, sentence scores added then clipped.

    Scoring each sentence on its own keeps VADER's "but" rule and its normalisation local
    (one strong word no longer decides a whole paragraph), and a sentence that asks
    something ("Any places you'd recommend?") asserts less than one that states it.
    """
    vader = _fast_vader()
    # Each rewrite runs only on a text holding its word (no other character matches these
    # letters whatever the case, so lowering finds them all).
    if "ller" in text.lower():
        text = _EN_KILLER.sub("great", text)
    if "never" in text.lower():
        text = _EN_NOT_NEGATED.sub(r"\1 \2", text)
    total = 0.0
    for start, end in sentence_spans(text) or [(0, len(text))]:
        sentence = _concession_as_but(_like_verb_only(text[start:end]))
        compound = vader.compound(sentence, explanation)
        if _ASKS.search(sentence):
            compound *= QUESTION_DAMPING
            if explanation is not None and compound:
                explanation.rule("question", sentence, "asks rather than asserts: score halved")
        total += compound
    return max(-1.0, min(1.0, total))
