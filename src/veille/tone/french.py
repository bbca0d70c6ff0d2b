"""French scoring: a VADER-style engine over a French lexicon, adapted to French word order."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from veille.tone.english import _vader
from veille.tone.lexicon import _LEXICON_DIR, _fold, _key, _load_once, _read_lexicon

if TYPE_CHECKING:  # pragma: no cover
    from veille.tone.explain import Explanation

# Emoji valences on VADER's scale, for the ones that carry most of the tone in social posts.
# Others get the valence of their English description in VADER's own emoji lexicon.
_EMOJI_VALENCE: dict[str, float] = {
    "😂": 1.5, "🤣": 1.6, "😍": 2.8, "🥰": 2.8, "😘": 2.3, "😊": 2.2, "🙂": 1.3, "😀": 2.0,
    "😃": 2.0, "😄": 2.2, "😁": 2.0, "😆": 1.8, "😉": 1.3, "😎": 1.6, "🤩": 2.8, "😋": 2.2,
    "❤": 2.6, "❤️": 2.6, "💕": 2.5, "💖": 2.5, "💙": 2.2, "💚": 2.2, "💛": 2.2, "💜": 2.2,
    "♥": 2.4, "👍": 2.0, "👌": 1.8, "👏": 2.0, "🙌": 2.0, "💪": 1.6, "🔥": 1.5, "✨": 1.2,
    "🎉": 2.2, "🥳": 2.4, "🙏": 1.2, "⭐": 1.6, "🌟": 1.8, "💯": 2.0, "✅": 1.0, "🤗": 2.0,
    "😡": -2.8, "🤬": -3.0, "😠": -2.5, "😤": -2.0, "👎": -2.2, "😒": -1.6, "🙄": -1.6,
    "😑": -1.0, "😐": -0.5, "😕": -1.3, "🙁": -1.6, "☹": -1.8, "😞": -2.0, "😔": -1.8,
    "😢": -2.0, "😭": -2.2, "😩": -2.0, "😫": -2.0, "😖": -2.0, "😣": -1.8, "🤮": -2.8,
    "🤢": -2.4, "💩": -2.4, "😱": -1.8, "😨": -1.8, "😰": -1.8, "🤦": -1.8, "🤡": -1.8,
    "💔": -2.4, "😬": -1.0, "😪": -1.2, "😴": -0.6, "❌": -1.0, "🖕": -3.0, "🤔": -0.2,
}  # fmt: skip
_EMOJI_CHAR = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff]\ufe0f?"
    "(?:\u200d[\U0001f000-\U0001faff\u2600-\u27bf]\ufe0f?)*[\U0001f3fb-\U0001f3ff]?"
)

_BOOST_UP = 0.293  # VADER's B_INCR
_BOOST_DOWN = -0.293
_NEGATE = -0.74  # VADER's N_SCALAR
_CAPS = 0.733  # VADER's C_INCR

_FR_BOOSTERS = frozenset(
    """tres trop vraiment hyper tellement extremement vachement carrement completement
    totalement absolument particulierement franchement si tant enormement fortement
    incroyablement terriblement ultra mega archi super grave bien vraiment""".split()
)
# These three are boosters before a sentiment word, sentiment words of their own otherwise.
_FR_CONDITIONAL_BOOSTERS = frozenset(("super", "grave", "bien"))
_FR_POST_BOOSTERS = frozenset("grave incroyable hallucinant enorme monstre dingue".split())
# Words that act on the word before or after them, whatever their own valence.
_FR_NEIGHBOUR_WORDS = _FR_POST_BOOSTERS | _FR_CONDITIONAL_BOOSTERS
_FR_DIMINISHERS = frozenset(
    "assez plutot moyennement legerement relativement presque un_peu quelque_peu".split()
)
_FR_NEGATORS = frozenset("pas jamais rien aucun aucune sans ni guere nullement non peu".split())
_FR_NE = frozenset(("ne", "n'"))
_FR_AFTER_VERB = frozenset(("pas", "jamais", "guere", "rien"))
# Where the scope of a negation or a modifier ends inside a sentence.
_FR_CLAUSE_BREAK = frozenset("et mais ou car donc puis alors quand lorsque si".split())
# "trop" before a word of no valence of its own means excess ("trop salé", "trop tard")...
_EXCESS = -1.2
# ...except before these (function words, and "j'ai trop hâte/envie").
_FR_NOT_EXCESS = frozenset(
    """des les une pour par que qui ces ses mes tes nos vos leur leurs vous nous elle ils elles
    lui moi toi hate envie fier fiere fiers fieres mignon mignonne marrant marrante drole
    beau belle beaux belles stylé style frais fraiche kiff kiffe""".split()
)
_FR_CONTRAST = frozenset(
    "mais cependant pourtant toutefois neanmoins par_contre en_revanche".split()
)
_FR_MODIFIER_PHRASES: dict[tuple[str, ...], str] = {
    ("un", "peu"): "un_peu",
    ("quelque", "peu"): "quelque_peu",
    ("du", "tout"): "du_tout",
    ("par", "contre"): "par_contre",
    ("en", "revanche"): "en_revanche",
    ("a", "peine"): "peu",
}

_FR_TOKEN = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?P<mention>@\w+)"
    r"|(?P<emoticon>(?<!\S)(?:EMOTICONS)(?=\s|$|[.,!?]))"
    r"|(?P<elision>\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldjmntsc])'(?=[^\W\d_]))"
    r"|(?P<word>[^\W\d_]+(?:-[^\W\d_]+)*)"
    r"|(?P<emoji>EMOJI)"
    r"|(?P<punct>[!?.,;:…]+)",
    re.IGNORECASE,
)


class _French:
    """Lexicon, phrases and tokenizer of the French engine, built once."""

    def __init__(self) -> None:
        lexicon: dict[str, float] = {}
        phrases: dict[tuple[str, ...], float] = {}
        emoticons: set[str] = {"^^", "^_^", "<3", "xd", ":p", ":d"}
        raw: dict[str, list[float]] = {}
        for entry, value in _read_lexicon(_LEXICON_DIR / "fr_lexicon.txt"):
            raw.setdefault(entry, []).append(value)
        # Accent folding merges a few entries ("pêche"/"péché"): keep their mean.
        merged = {entry: sum(values) / len(values) for entry, values in raw.items()}
        merged.update(dict(_read_lexicon(_LEXICON_DIR / "fr_veille.txt")))
        merged.update({"^^": 1.5, "^_^": 1.5, "<3": 2.0, "xd": 1.5, ":(": -1.8, ":-(": -1.8})
        for entry, value in merged.items():
            if " " in entry or "'" in entry:
                tokens = _phrase_keys(entry)
                if len(tokens) > 1:
                    phrases[tokens] = value
                    continue
            if _WORDLIKE.fullmatch(entry):
                lexicon[entry] = value
            elif " " not in entry:
                emoticons.add(entry)
                lexicon[entry] = value
        alternation = "|".join(re.escape(e) for e in sorted(emoticons, key=len, reverse=True))
        # The few hundred emoticons would each be tried at every word's start (a case-blind
        # alternation skips no branch on its first character): the lookahead of their first
        # characters lets most words through at the cost of one test.
        firsts = "".join(sorted({re.escape(e[0]) for e in emoticons}))
        alternation = f"(?=[{firsts}])(?:{alternation})"
        self.token_re = re.compile(
            _FR_TOKEN.pattern.replace("EMOTICONS", alternation).replace(
                "EMOJI", _EMOJI_CHAR.pattern
            ),
            re.IGNORECASE,
        )
        self.lexicon = lexicon
        self.phrases = phrases
        self.known = frozenset(lexicon) | {word for phrase in phrases for word in phrase}
        # Longest phrase (or two-word modifier) starting with each word: a token that starts
        # none is not looked up at every size (sizes beyond its longest cannot match either).
        self.phrase_reach: dict[str, int] = {}
        for phrase in [*phrases, *_FR_MODIFIER_PHRASES]:
            head = phrase[0]
            self.phrase_reach[head] = max(self.phrase_reach.get(head, 0), len(phrase))
        # The first two words of every phrase: a word and the next that start none are not
        # looked up at each size.
        self.phrase_starts = frozenset(phrase[:2] for phrase in [*phrases, *_FR_MODIFIER_PHRASES])

    def tokenize(self, text: str) -> list[tuple[str, str, str]]:
        text = text.replace("’", "'").replace("ʼ", "'")
        out: list[tuple[str, str, str]] = []
        # `fold` maps one character to one character: the key of a token is the same slice
        # of the folded text, folded once instead of token by token.
        folded = _fold(text)
        ligatures = "œ" in folded or "æ" in folded
        for match in self.token_re.finditer(text):
            kind = match.lastgroup or ""
            if kind in ("url", "mention"):
                continue
            surface = match.group()
            start, end = match.span()
            key = folded[start:end]
            if ligatures:
                key = key.replace("œ", "oe").replace("æ", "ae")
            if kind == "word" and "-" in key and key not in self.known:
                # "remboursez-moi", "peut-être": score the parts when the whole is unknown
                # (a hyphenated word of a phrase, "au rendez-vous", stays whole).
                out.extend(("word", _key(part), part) for part in surface.split("-") if part)
                continue
            out.append((kind, key, surface))
        return out

    def valence(self, key: str) -> float:
        value = self.lexicon.get(key)
        if value is None and len(key) >= 5:
            for stem in (key[:-1], key[:-2]):
                if key[len(stem) :] in ("s", "x", "e", "es") and stem in self.lexicon:
                    return self.lexicon[stem]
        return value or 0.0

    def score(  # noqa: C901 - one rule after another, as VADER
        self, text: str, explanation: Explanation | None = None
    ) -> float:
        """Compound score in [-1, 1], following VADER's rules adapted to French word order.

        With an `explanation`, each word that counts is noted there with what changed it."""
        tokens = self.tokenize(text)
        if not tokens:
            return 0.0
        # 1. Merge fixed phrases and multi-word modifiers into single items.
        items: list[tuple[str, str, str, float | None]] = []  # kind, key, surface, phrase value
        i = 0
        keys = [key for _, key, _ in tokens]
        while i < len(tokens):
            kind, key, surface = tokens[i]
            matched = False
            if (
                kind in ("word", "elision")
                and key in self.phrase_reach
                and tuple(keys[i : i + 2]) in self.phrase_starts
            ):
                for size in range(min(self.phrase_reach[key], len(tokens) - i), 1, -1):
                    window = tuple(keys[i : i + size])
                    if window in self.phrases:
                        surface = " ".join(t[2] for t in tokens[i : i + size])
                        items.append(("phrase", " ".join(window), surface, self.phrases[window]))
                        i += size
                        matched = True
                        break
                    if size == 2 and window in _FR_MODIFIER_PHRASES:
                        items.append(("word", _FR_MODIFIER_PHRASES[window], surface, None))
                        i += 2
                        matched = True
                        break
            if not matched:
                items.append((kind, key, surface, None))
                i += 1

        words = [s for k, _, s, _ in items if k in ("word", "phrase")]
        shouted = sum(map(_is_caps, words)) if any(map(str.isupper, words)) else 0
        caps_diff = 0 < shouted < len(words)
        marks = "".join([s for k, _, s, _ in items if k == "punct"])
        exclamations = marks.count("!")
        questions = marks.count("?")

        # 2. Valence of each item, with modifiers looking back up to three items in its clause.
        values = [0.0] * len(items)
        # item → (its own weight, what the rules did to it); kept only for an explanation
        notes: dict[int, tuple[float, list[str]]] | None = {} if explanation is not None else None
        sentence_of = [0] * len(items)
        sentence = 0
        for i, (kind, key, surface, phrase_value) in enumerate(items):
            sentence_of[i] = sentence
            if kind == "punct":
                if any(c in surface for c in ".!?…"):
                    sentence += 1
                continue
            if kind == "phrase":
                value = phrase_value or 0.0
            elif kind in ("word", "emoticon"):
                value = self.valence(key)
                if (
                    not value
                    and kind == "word"
                    and key not in _FR_NEIGHBOUR_WORDS
                    and (i == 0 or items[i - 1][1] != "trop")
                ):
                    continue  # most words: no tone, and none given by "trop" before them
            elif kind == "emoji":
                value = _emoji_valence(surface)
            else:
                continue
            if kind == "word" and key in _FR_POST_BOOSTERS and i > 0 and values[i - 1] != 0:
                # "une lenteur incroyable", "un retard énorme", "j'aime grave": degree words
                # after a sentiment word intensify it instead of adding their own tone.
                values[i - 1] += math.copysign(_BOOST_UP * 2, values[i - 1])
                if notes is not None and i - 1 in notes:
                    notes[i - 1][1].append(f'intensified by "{surface}"')
                continue
            if kind == "word" and key in _FR_CONDITIONAL_BOOSTERS:
                if i + 1 < len(items) and self._item_valence(items[i + 1]) != 0:
                    continue  # a booster here: it acts on the next word
                if key == "super":
                    value = 2.0
            elif kind == "word" and (
                key in _FR_BOOSTERS
                or key in _FR_DIMINISHERS
                or key in _FR_NEGATORS
                or key in _FR_CONTRAST
                or key == "du_tout"
            ):
                continue
            if (
                value == 0
                and kind == "word"
                and i > 0
                and items[i - 1][1] == "trop"
                and len(key) > 2
                and key not in _FR_NOT_EXCESS
            ):
                value = _EXCESS  # "trop salé", "trop tard": too much of a plain thing is a fault
                if notes is not None:
                    notes[i] = (0.0, ['after "trop": too much'])
            if value == 0:
                continue
            if notes is not None:
                notes.setdefault(i, (value, []))
            if kind in ("emoji", "emoticon"):
                values[i] = value  # a face says what it says: no negation, no booster
                continue
            if caps_diff and _is_caps(surface):
                value += math.copysign(_CAPS, value)
                if notes is not None:
                    notes[i][1].append("in capitals")
            negated = False
            seen_que = False
            for distance in (1, 2, 3, 4, 5, 6):
                j = i - distance
                if j < 0 or items[j][0] == "punct":
                    break
                before = items[j][1]
                if before in _FR_CLAUSE_BREAK:
                    break
                if distance > 4:
                    # "je n'ai jamais eu à me plaindre": ne…jamais/pas governs its clause.
                    if before in _FR_NE and not seen_que and self._negator_between(items, j, i):
                        negated = True
                    continue
                if before in ("que", "qu'"):
                    seen_que = True
                if distance <= 3:
                    scale = (1.0, 0.95, 0.9)[distance - 1]
                    if before in _FR_BOOSTERS and before not in ("bien",):
                        boost = _BOOST_UP
                    elif before in _FR_DIMINISHERS:
                        boost = _BOOST_DOWN
                    elif before == "bien" and distance == 1:
                        boost = _BOOST_UP
                    else:
                        boost = 0.0
                    if boost:
                        if notes is not None:
                            lift = "intensified" if boost > 0 else "softened"
                            notes[i][1].append(f'{lift} by "{items[j][2]}"')
                        if caps_diff and _is_caps(items[j][2]):
                            boost += math.copysign(_CAPS, boost)
                        value += (
                            math.copysign(boost * scale, value)
                            if boost > 0
                            else (-math.copysign(abs(boost) * scale, value))
                        )
                    if before in _FR_NEGATORS:
                        negated = True
                    if before == "plus" and self._ne_before(items, j):
                        negated = True
                if before in _FR_NE and not seen_que:
                    negated = True
            if not negated and kind != "phrase" and i + 1 < len(items):
                after = items[i + 1][1]
                follows = items[i + 2] if i + 2 < len(items) else None
                owner_after = follows is not None and self._item_valence(follows) != 0
                if (
                    after in _FR_AFTER_VERB or (after == "plus" and self._ne_before(items, i))
                ) and (not owner_after):
                    negated = True  # "j'aime pas", "ça marche plus"
            if negated and not (kind == "phrase" and key.split()[0] in _FR_NEGATORS | {"plus"}):
                value *= _NEGATE
                if notes is not None:
                    notes[i][1].append(f'negated by "{self._negator_of(items, i)}"')
            values[i] = value

        # 3. "mais" and its kin: what follows counts more than what precedes (VADER's "but").
        by_sentence: dict[int, list[int]] = {}
        for i, current in enumerate(sentence_of):
            by_sentence.setdefault(current, []).append(i)  # one pass: linear in the words
        for positions in by_sentence.values():
            pivot = next((i for i in positions if items[i][1] in _FR_CONTRAST), None)
            if pivot is None:
                continue
            for i in positions:
                if i < pivot:
                    values[i] *= 0.5
                elif i > pivot:
                    values[i] *= 1.5
                if notes is not None and i in notes and i != pivot:
                    side = 'before "{}": ×0.5' if i < pivot else 'after "{}": ×1.5'
                    notes[i][1].append(side.format(items[pivot][2]))

        if explanation is not None and notes is not None:
            for i, (weight, because) in sorted(notes.items()):
                if values[i]:
                    explanation.word(items[i][2], weight, values[i], because)

        total = sum(values)
        if total:
            total += math.copysign(_punctuation_emphasis(exclamations, questions), total)
        return _normalize(total)

    def _item_valence(self, item: tuple[str, str, str, float | None]) -> float:
        kind, key, surface, phrase_value = item
        if kind == "phrase":
            return phrase_value or 0.0
        if kind == "emoji":
            return _emoji_valence(surface)
        if kind in ("word", "emoticon") and key not in _FR_BOOSTERS:
            return self.valence(key)
        return 0.0

    @staticmethod
    def _negator_of(items: list[tuple[str, str, str, float | None]], i: int) -> str:
        """The word that negates item i, for an explanation: the nearest negator before it in
        its clause, else the "pas"/"plus" after it, else "ne"."""
        for j in range(i - 1, max(-1, i - 7), -1):
            if items[j][0] == "punct" or items[j][1] in _FR_CLAUSE_BREAK:
                break
            if items[j][1] in _FR_NEGATORS or items[j][1] == "plus":
                return items[j][2]
        if i + 1 < len(items) and (items[i + 1][1] in _FR_AFTER_VERB or items[i + 1][1] == "plus"):
            return items[i + 1][2]
        return "ne"

    @staticmethod
    def _negator_between(items: list[tuple[str, str, str, float | None]], j: int, i: int) -> bool:
        return any(items[k][1] in _FR_AFTER_VERB or items[k][1] == "plus" for k in range(j, i))

    @staticmethod
    def _ne_before(items: list[tuple[str, str, str, float | None]], i: int) -> bool:
        """Whether "ne"/"n'" precedes position i in the same clause (so "plus" negates)."""
        for j in range(i - 1, max(-1, i - 5), -1):
            if items[j][0] == "punct":
                return False
            if items[j][1] in _FR_NE:
                return True
        return False


_WORDLIKE = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_PHRASE_TOKEN = re.compile(r"\b(?:qu|[ldjmntsc])'(?=[^\W\d_])|[^\W\d_]+(?:-[^\W\d_]+)*")


def _phrase_keys(entry: str) -> tuple[str, ...]:
    """Keys of a lexicon phrase, split the way `_French.tokenize` splits running text."""
    return tuple(_PHRASE_TOKEN.findall(_key(entry)))


def _is_caps(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def _punctuation_emphasis(exclamations: int, questions: int) -> float:
    """VADER's emphasis for "!" (up to four) and repeated "?"."""
    emphasis = min(exclamations, 4) * 0.292
    if questions > 1:
        emphasis += questions * 0.18 if questions <= 3 else 0.96
    return emphasis


def _normalize(score: float, alpha: float = 15.0) -> float:
    value = score / math.sqrt(score * score + alpha)
    return max(-1.0, min(1.0, value))


@lru_cache(maxsize=4096)
def _emoji_valence(emoji: str) -> float:
    """Curated valence, else VADER's valence for the emoji's English description."""
    base = emoji.replace("\ufe0f", "")
    base = re.sub("[\U0001f3fb-\U0001f3ff]", "", base)
    for candidate in (emoji, base, base[:1]):
        if candidate in _EMOJI_VALENCE:
            return _EMOJI_VALENCE[candidate]
    vader = _vader()
    description = vader.emojis.get(emoji) or vader.emojis.get(base) or ""
    values = [vader.lexicon.get(word, 0.0) for word in description.lower().split()]
    return max(-2.5, min(2.5, sum(values)))


@_load_once
def _french() -> _French:
    return _French()


def _score_fr(text: str, explanation: Explanation | None = None) -> float:
    return _french().score(text, explanation)
