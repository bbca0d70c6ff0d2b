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
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache, lru_cache, wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from veille.models import FLAGS, TONES, Tone, ToneLabel
from veille.text import clean_text, fold, sentence_spans

if TYPE_CHECKING:  # pragma: no cover
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = [
    "BUILTIN_ENGINE",
    "ToneEngine",
    "context_window",
    "detect_language",
    "judge_tone",
    "load_engine",
    "tone_around",
    "tones_around",
]

_LEXICON_DIR = Path(__file__).with_name("lexicons")

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

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_LETTER = re.compile(r"[^\W\d_]")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    """Lookup key: folded (lower case, no accents, straight apostrophe), ligatures opened."""
    return fold(text).replace("œ", "oe").replace("æ", "ae")


# --------------------------------------------------------------------------- language


_FR_VOTE = frozenset(
    """le les des du au aux et est une je tu il ils elle elles nous vous pas avec pour dans sur
    qui ce cette ces mon ma mes ton ta tes son sa ses leur leurs notre votre ne ou mais donc
    tres trop plus bien encore toujours jamais rien ca deja aussi chez sans depuis etre avoir
    fait ete suis sont etait avait merci bonjour nul bof genial vraiment quand comme tout
    tous toute apres avant j l d qu n c m s t qu'il c'est n'est j'ai d'un d'une l'on""".split()
)
_EN_VOTE = frozenset(
    """the and is are was were to of it this that with for my your you i not but have has had
    be been do does did don't can't won't isn't it's i'm they we he she what how why when
    who from at by just very really so get got would could should will there their them our
    an or if about than then thanks thank love great good bad never ever still again as all out
    up now today""".split()
)
_FR_DIACRITIC = re.compile(r"[éèêàçùûôîïœ]")

T = TypeVar("T")


def _load_once(factory: Callable[[], T]) -> Callable[[], T]:
    """Cache a model loader; the lock stops worker threads that start a sweep together from
    each loading their own copy (py3langid's model alone is about 100 MB)."""
    cached = cache(factory)
    lock = threading.Lock()

    @wraps(factory)
    def load() -> T:
        with lock:
            return cached()

    return load


class _LanguageModel:
    """py3langid's `classify` with normalised probabilities, the same numbers computed faster.

    py3langid walks its byte automaton one byte at a time in Python: each step loads a state
    from a 39 MB table, and the next step cannot start before that load ends, so on a busy
    core (the tone rules in between evict the table from the caches) the walk costs more than
    everything else in `detect_language`. Here the walk is done for all positions at once with
    numpy. That is exact because the automaton forgets: after any 6 bytes, the state no longer
    depends on what came before them (`_DFA_MEMORY`, proved over every state and byte by
    `check_memory` and in tests/test_tone.py), so the state at each position is the walk from
    the start state over the 6 bytes ending there; those walks are independent and run as 6
    vectorised steps. The features are then counted in order of first occurrence, as
    py3langid's Counter does, so that the float32 sums are made in the same order and the
    probabilities are bit for bit py3langid's.
    """

    def __init__(self) -> None:
        import numpy as np
        from py3langid.langid import MODEL_DIR, MODEL_FILE

        from veille.arraycache import cached_arrays

        arrays = cached_arrays("langid", MODEL_DIR / MODEL_FILE, _unpack_langid, _langid_fits)
        self.np = np
        self.nb_ptc_bits = arrays["nb_ptc_bits"]
        self.widen = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)
        self.widen = self.widen.astype(np.float32)
        self.nb_pc = np.array(arrays["nb_pc"])
        self.classes = arrays["classes"].tolist()
        self.nextmove = arrays["nextmove"]
        self.rowbase = arrays["rowbase"]
        self.output = arrays["output"]
        self.alias_first = np.array(arrays["alias_first"])
        self.alias_dupe = np.array(arrays["alias_dupe"])

    def check_memory(self, memory: int = 0) -> bool:
        """Whether, for every state reached after one byte c and every string z of `memory`
        bytes, the walks over c+z and over z alone end in the same state."""
        np = self.np
        nextmove, rowbase = self.nextmove, self.rowbase
        every = np.arange(256)
        first = nextmove[rowbase[0] + every].astype(np.intp)
        second = np.zeros(256, dtype=np.intp)
        for _ in range(memory or _DFA_MEMORY):
            differ = first != second
            pairs = np.unique(np.stack([first[differ], second[differ]], 1), axis=0)
            first = nextmove[(rowbase[pairs[:, 0]][:, None] + every).ravel()].astype(np.intp)
            second = nextmove[(rowbase[pairs[:, 1]][:, None] + every).ravel()].astype(np.intp)
        return bool((first == second).all())

    def classify(self, text: str) -> tuple[str, float]:
        """(language, probability), exactly as py3langid's `classify` with `norm_probs`."""
        np = self.np
        if text.isupper():
            text = text.lower()
        data = unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
        size = len(data)
        features = None
        if size:
            raw = np.frombuffer(data, dtype=np.uint8)
            states = np.zeros(size, dtype=np.intp)
            nextmove, rowbase = self.nextmove, self.rowbase
            for back in range(min(_DFA_MEMORY, size) - 1, -1, -1):
                ahead = states[back:]
                states[back:] = nextmove[rowbase[ahead] + raw[: size - back]]
            found = self.output[states]
            features = found[found >= 0]
        if features is not None and len(features):
            visits = Counter(features.tolist())
            index = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
            counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
            # float16 rows widened through a 65,536-entry table: the same float32 values as
            # numpy's own conversion (exact), at a fraction of its cost.
            rows = self.widen.take(self.nb_ptc_bits[index])
            scores = np.log1p(counts) @ rows + self.nb_pc
        else:
            scores = np.full(len(self.classes), 0.0, dtype=np.float32)
        scores *= 1.0 / math.sqrt(size or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        if len(self.alias_first):
            scores[self.alias_first] += scores[self.alias_dupe]
            scores[self.alias_dupe] = 0.0
        best = int(scores.argmax())
        return self.classes[best], float(scores[best])


def _unpack_langid() -> dict[str, Any]:
    """The arrays `_LanguageModel` walks, from py3langid's compressed model (≈0.5 s); the
    Python lists py3langid keeps for its own walk (≈10 MB) are left out."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    pairs = model._alias_pairs
    return {
        "nb_ptc_bits": model.nb_ptc.view(np.uint16),
        "nb_pc": model.nb_pc,
        "classes": np.asarray(model.nb_classes, dtype=str),
        "nextmove": np.frombuffer(model.tk_nextmove, dtype=np.uint32),
        "rowbase": np.asarray(model._rowbase, dtype=np.intp),
        "output": np.asarray(model.tk_output, dtype=np.int32),
        "alias_first": np.asarray([i for i, _ in pairs], dtype=np.intp),
        "alias_dupe": np.asarray([j for _, j in pairs], dtype=np.intp),
    }


def _langid_fits(arrays: Mapping[str, Any]) -> bool:
    """Whether cached arrays have the layout `_LanguageModel` reads (names, types, shapes):
    a cache written by another version is rebuilt rather than misread."""
    import numpy as np

    expected = {
        "nb_ptc_bits": (np.uint16, 2),
        "nb_pc": (np.float32, 1),
        "classes": (np.str_, 1),
        "nextmove": (np.uint32, 1),
        "rowbase": (np.intp, 1),
        "output": (np.int32, 1),
        "alias_first": (np.intp, 1),
        "alias_dupe": (np.intp, 1),
    }
    if set(arrays) != set(expected):
        return False
    for key, (kind, dimensions) in expected.items():
        if arrays[key].ndim != dimensions or arrays[key].dtype.type is not kind:
            return False
    classes = len(arrays["classes"])
    return (
        arrays["nb_ptc_bits"].shape[1] == classes == len(arrays["nb_pc"])
        and len(arrays["rowbase"]) == len(arrays["output"])
        and len(arrays["nextmove"]) % 256 == 0
    )


# After this many bytes py3langid's automaton is in the same state whatever came before.
_DFA_MEMORY = 6


@_load_once
def _langid() -> _LanguageModel:
    """py3langid's model with normalised probabilities, loaded once (≈0.6 s)."""
    return _LanguageModel()


def _vote(text: str) -> tuple[float, float]:
    """Cheap French/English evidence: function words, elisions, French diacritics."""
    folded = fold(text)
    fr = en = 0.0
    for word in _WORD.findall(folded):
        if word in _FR_VOTE:
            fr += 1
        elif word in _EN_VOTE:
            en += 1
        elif "'" in word:
            head, tail = word.split("'", 1)
            if head in ("l", "d", "j", "n", "qu", "c", "m", "s", "t"):
                fr += 1
            elif tail in ("t", "s", "m", "re", "ve", "ll", "d"):
                en += 1
    fr += 0.5 * min(len(_FR_DIACRITIC.findall(text.lower())), 6)
    return fr, en


def _strip_noise(text: str) -> str:
    return _MENTION.sub(" ", _URL.sub(" ", text)).replace("#", " ")


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text, "und" when there is nothing to tell from.

    py3langid is reliable on paragraphs but erratic on tweets ("pas terrible" → Occitan), so a
    short or low-confidence answer is checked against a French/English function-word vote,
    the two languages veille scores. The vote only decides between fr and en; a confident
    answer for another language stands, so that text is left neutral instead of misread.
    """
    text = _strip_noise(clean_text(text).replace("’", "'"))
    letters = len(_NOT_LETTERS.sub("", text))  # as len(_LETTER.findall(text)), cheaper
    if letters < 2:
        return "und"
    lang, prob = _langid().classify(text[:3000])
    if prob >= 0.99 and letters >= 40:
        return lang
    fr, en = _vote(text)
    if prob >= 0.9 and letters >= 15 and lang not in ("fr", "en") and max(fr, en) < 2:
        return lang
    if fr != en:
        # Mixed text: the language with more function words dominates.
        if max(fr, en) >= 1:
            return "fr" if fr > en else "en"
    if lang in ("fr", "en"):
        return lang
    if prob >= 0.5:
        return lang
    return "und"


# --------------------------------------------------------------------------- English


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

    def compound(self, text: str) -> float:  # noqa: C901 - one rule after another, as VADER
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


def _score_en(text: str) -> float:
    """VADER per sentence, questions damped, sentence scores added then clipped.

    Scoring each sentence on its own keeps VADER's "but" rule and its normalisation local
    (one strong word no longer decides a whole paragraph), and a sentence that asks
    something ("Any places you'd recommend?") asserts less than one that states it.
    """
    vader = _fast_vader()
    text = _EN_NOT_NEGATED.sub(r"\1 \2", _EN_KILLER.sub("great", text))
    total = 0.0
    for start, end in sentence_spans(text) or [(0, len(text))]:
        sentence = _concession_as_but(_like_verb_only(text[start:end]))
        compound = vader.compound(sentence)
        if _ASKS.search(sentence):
            compound *= QUESTION_DAMPING
        total += compound
    return max(-1.0, min(1.0, total))


# --------------------------------------------------------------------------- French

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

    def tokenize(self, text: str) -> list[tuple[str, str, str]]:
        text = text.replace("’", "'").replace("ʼ", "'")
        out: list[tuple[str, str, str]] = []
        # `fold` maps one character to one character: the key of a token is the same slice
        # of the folded text, folded once instead of token by token.
        folded = fold(text)
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

    def score(self, text: str) -> float:
        """Compound score in [-1, 1], following VADER's rules adapted to French word order."""
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
            if kind in ("word", "elision") and key in self.phrase_reach:
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
        shouted = sum(map(_is_caps, words))
        caps_diff = 0 < shouted < len(words)
        exclamations = sum(s.count("!") for k, _, s, _ in items if k == "punct")
        questions = sum(s.count("?") for k, _, s, _ in items if k == "punct")

        # 2. Valence of each item, with modifiers looking back up to three items in its clause.
        values = [0.0] * len(items)
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
            elif kind == "emoji":
                value = _emoji_valence(surface)
            else:
                continue
            if kind == "word" and key in _FR_POST_BOOSTERS and i > 0 and values[i - 1] != 0:
                # "une lenteur incroyable", "un retard énorme", "j'aime grave": degree words
                # after a sentiment word intensify it instead of adding their own tone.
                values[i - 1] += math.copysign(_BOOST_UP * 2, values[i - 1])
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
            if value == 0:
                continue
            if kind in ("emoji", "emoticon"):
                values[i] = value  # a face says what it says: no negation, no booster
                continue
            if caps_diff and _is_caps(surface):
                value += math.copysign(_CAPS, value)
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
            values[i] = value

        # 3. "mais" and its kin: what follows counts more than what precedes (VADER's "but").
        for current in range(sentence + 1):
            positions = [i for i, s in enumerate(sentence_of) if s == current]
            pivot = next((i for i in positions if items[i][1] in _FR_CONTRAST), None)
            if pivot is None:
                continue
            for i in positions:
                if i < pivot:
                    values[i] *= 0.5
                elif i > pivot:
                    values[i] *= 1.5

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


def _read_lexicon(path: Path) -> Iterable[tuple[str, float]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line or line.startswith("#") or "->" not in line:
                continue
            entry, _, value = line.rpartition("->")
            try:
                yield _key(entry.strip()), float(value)
            except ValueError:
                continue


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


def _score_fr(text: str) -> float:
    return _french().score(text)


# --------------------------------------------------------------------------- flags


class _Guarded:
    """A compiled regex that is not run on a text that cannot match it.

    The flag and irony patterns are long alternations that the regex engine tries at every
    position of every window, though most windows contain none of their words. `needles` are
    literal strings, read off the parsed pattern itself, such that every match contains at
    least one of them (a literal run every match needs, or for an alternation one such string
    per branch); when none is in the text, the answer is known without running the regex.
    The results are the regex's own: the check only skips calls that cannot match.
    """

    __slots__ = ("_needles", "regex")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self._needles: tuple[str, ...] | None | bool = False  # False: not derived yet

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    @property
    def needles(self) -> tuple[str, ...] | None:
        if self._needles is False:
            self._needles = _needles(self.regex)
        return self._needles  # type: ignore[return-value]

    def _may_match(self, text: str) -> bool:
        needles = self.needles
        if needles is None:
            return True
        for needle in needles:
            if needle in text:
                return True
        return False

    def search(self, text: str) -> re.Match[str] | None:
        return self.regex.search(text) if self._may_match(text) else None

    def findall(self, text: str) -> list[Any]:
        return self.regex.findall(text) if self._may_match(text) else []

    def sub(self, replacement: str, text: str) -> str:
        return self.regex.sub(replacement, text) if self._may_match(text) else text


def _needles(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Literal strings of which every match of `regex` contains one; None if none is known."""
    if regex.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        from re import _constants as codes  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # Python 3.10
        import sre_constants as codes
        import sre_parse as parser

    def needed(items: Any) -> frozenset[str] | None:
        """Needles of a sequence: the best of those that each of its parts requires."""
        best: frozenset[str] | None = None
        run = ""

        def consider(candidate: frozenset[str] | None) -> None:
            nonlocal best
            if candidate and "" not in candidate and (best is None or rank(candidate) > rank(best)):
                best = candidate

        for op, av in items:
            if op is codes.LITERAL:
                run += chr(av)
                continue
            consider(frozenset((run,)) if run else None)
            run = ""
            if op is codes.SUBPATTERN:
                _group, add_flags, _del_flags, sub = av
                if not add_flags & (re.IGNORECASE | re.VERBOSE):
                    consider(needed(sub))
            elif op is codes.BRANCH:
                branches = [needed(branch) for branch in av[1]]
                if all(branches):
                    consider(frozenset().union(*branches))  # type: ignore[arg-type]
            elif op in (codes.MAX_REPEAT, codes.MIN_REPEAT) and av[0] >= 1:
                consider(needed(av[2]))
        consider(frozenset((run,)) if run else None)
        return best

    def rank(candidate: frozenset[str]) -> tuple[int, int]:
        return min(min(map(len, candidate)), 4), -len(candidate)

    found = needed(parser.parse(regex.pattern, regex.flags).data)
    if not found:
        return None
    # A needle containing another is implied by it: keep the shortest ones.
    kept = sorted(found, key=len)
    minimal = [n for i, n in enumerate(kept) if not any(m in n for m in kept[:i])]
    return tuple(minimal)


def _rx(*patterns: str) -> _Guarded:
    return _Guarded(re.compile("|".join(f"(?:{p})" for p in patterns)))


# After "\n", only spaces that are not "\n" are skipped: "[.!?\n]\s*" would run from every
# line break of a long run of them to its end (quadratic), and finds the same places.
_QUOTED = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”")
_QUESTION_OPENERS = _rx(
    r"(?:^|[.!?]\s*|\n[^\S\n]*)"
    r"(?:how (?:do|can|should|would) (?:i|we|you)\b|how (?:does|do) (?:one|it)\b"
    r"|does (?:anyone|anybody)\b|(?:anyone|anybody) (?:know|knows|else)\b"
    r"|(?:can|could) (?:someone|somebody|anyone|anybody|you)\b|is there (?:a|any) way\b"
    r"|where can i\b|what should i\b|should i\b|is it (?:just )?me\b"
    r"|any (?:idea|ideas|advice|tips|recommendations?)\b)",
    r"(?:^|[.!?]\s*|\n[^\S\n]*)"
    r"(?:est[- ]ce (?:que|qu')|comment (?:faire|fait-on|on fait|je peux|puis-je)\b"
    r"|quelqu'un (?:sait|a |aurait|peut|connait|pourrait)|quelqu un sait\b"
    r"|savez-vous\b|vous savez si\b|qui (?:sait|peut m|connait)\b|une idee\b|des idees\b"
    r"|(?:pouvez|pourriez)-vous\b|y a-t-il\b)",
)
_COMPLAINT = {
    "en": _rx(
        r"\bstill (?:waiting|no sign|haven't|have not|hasn't|has not|not|no)\b.{0,30}?"
        r"\b(?:refund|order|package|parcel|delivery|reply|response|answer|money|replacement"
        r"|received|arrived|delivered|fixed|resolved|working|technician|engineer)",
        r"\b(?:never|not yet|still not|haven't|hasn't|has not|didn't|did not) "
        r"(?:received|arrived|got (?:my|the|a) (?:refund|order|package)"
        r"|been (?:delivered|refunded))",
        r"\bwant (?:my|a) (?:money back|refund)\b|\brefund me\b|\bgive me (?:my|a) refund\b",
        r"\b(?:scam|scammed|scammers?|rip-?off|ripped off)\b",
        r"\bnever again\b",
        r"\b(?:worst|terrible|awful|horrible|useless|pathetic) (?:customer )?"
        r"(?:service|support|company|experience)\b",
        r"\b(?:customer service|customer support|support|helpline) (?:is |are )?"
        r"(?:useless|unreachable|non-existent|a joke|terrible|awful)\b",
        r"\b(?:no one|nobody|noone) (?:answers|responds|replies|picks up|gets back)\b",
        r"\bon hold for\b|\bcharged (?:me )?twice\b|\bovercharged\b",
        r"\b(?:tracking|order|package|parcel|delivery|shipment|refund)\b.{0,30}?\b(?:hasn't|has not"
        r"|hasnt|haven't|not|never) (?:been )?(?:moved|updated|changed|arrived|shipped|showed up"
        r"|turned up|processed)\b",
        r"\b(?:\d+|two|three|four|five|six|several|many) (?:days|weeks|months|hours)\b.{0,40}?"
        r"\b(?:still (?:no|not|nothing|waiting)|no (?:reply|response|answer|update|refund|news)"
        r"|and nothing)\b",
        r"\bwaiting (?:for |on )?(?:\d+|two|three|four|five|six|several) (?:days|weeks|months)\b",
        r"\b(?:long|lengthy|endless|repeated|ongoing|constant|major) (?:delivery |shipping )?"
        r"delays\b|\bhung up on me\b",
        r"\b(?:unacceptable|disgraceful)\b|\b(?:filed|file|my) (?:a )?complaint\b",
    ),
    "fr": _rx(
        r"\btoujours (?:pas|rien|aucune?|sans)\b.{0,40}?\b(?:recu|recue|livre|livree|livraison"
        r"|commande|colis|rembourse|remboursement|reponse|nouvelles|retour|repare|connexion"
        r"|internet|reseau|resolu|technicien)",
        r"\btoujours en attente\b",
        r"\b(?:jamais|pas|rien) (?:recu|recue|ete livre|ete livree|ete rembourse|arrive|arrivee)\b",
        r"\b(?:service client|sav|hotline|support|conseillers?)\b.{0,20}?\b(?:injoignable"
        r"|inexistant|nul|lamentable|catastrophique|aux abonnes absents|incompetent|deplorable"
        r"|honteux)",
        r"\binjoignables?\b|\brembourse[zr][- ]moi\b",
        r"\bje veux (?:etre rembourse|mon remboursement|mon argent|mes sous)\b",
        r"\b(?:arnaque|arnaques|arnaquer|arnaqueurs?|escrocs?|escroquerie|voleurs)\b",
        r"\bplus jamais\b(?! sans)",
        r"\b(?:inadmissible|inacceptable|scandaleux|c'est une honte|quelle honte)\b",
        r"\b(?:aucune reponse|personne ne (?:repond|rappelle)|sans reponse)\b",
        r"\b(?:reclamation|litige|mise en demeure)\b|\b(?:debite|preleve|facture) deux fois\b",
        r"\ben panne depuis\b|\bcolis (?:perdu|egare)\b|\bj'en ai marre\b|\bras[- ]le[- ]bol\b",
        r"\b(?:ca|cela|voila) fait (?:\d+|deux|trois|quatre|cinq|six|huit|dix|quinze|plusieurs)"
        r" (?:heures|h|jours|semaines|mois|minutes|min) (?:que|qu')\b.{0,60}?(?:attend|commande"
        r"|colis|livr|rembours|repon|panne|bloque|coupe|preparation|expedie|suivi|rien|toujours"
        r"|personne|aucun|plus (?:de|d'|internet|reseau))",
        r"\b(?:\d+|deux|trois|quatre|cinq|six|huit|dix|quinze|plusieurs) (?:jours|semaines|mois"
        r"|heures|min|minutes) (?:que j'attends|d'attente|sans (?:reponse|nouvelles|internet"
        r"|reseau|connexion))\b",
        r"\b(?:suivi|colis|commande|dossier)\b.{0,30}?\b(?:(?:ne )?bouge (?:pas|plus)"
        r"|n'avance (?:pas|plus)|(?:est )?bloquee?)\b",
        r"\bquelqu'un (?:peut|pourrait|va) (?:enfin |bien )?me (?:repondre|rappeler)\b",
        r"\b(?:repond|rappelle|rembourse|livre)\w* (?:qu')?au bout de \d+ (?:jours|semaines|mois)",
        r"\braccroche\w* au nez\b|\bretards? (?:a repetition|en serie)\b",
    ),
}
_INSULT = {
    "en": _rx(
        r"\bidiots?\b(?!-proof)|\bmorons?\b|\bimbeciles?\b|\bcretins?\b|\bdumbass(?:es)?\b",
        r"\bjackass(?:es)?\b|\bassholes?\b|\bbastards?\b|\bscumbags?\b|\bdipshits?\b",
        r"\bcunts?\b|\btwats?\b|\bwankers?\b|\bretards?\b|\bnitwits?\b",
        r"\bbunch of (?:clowns|idiots|morons|incompetents|thieves|crooks|amateurs|liars)\b",
        r"\bf(?:uck|\*+k?|\*\*\*) (?:you|off|them)\b|\bstfu\b",
        r"\b(?:you|they|u) (?:are|r|re|'re) (?:so |such )?(?:stupid|dumb|pathetic)\b",
        r"\bstupid (?:people|idiots|company|staff|bastards|clowns)\b",
        r"\bincompetent (?:idiots|morons|fools|clowns)\b",
    ),
    "fr": _rx(
        r"\b(?:connard|connards|connasse|connasses|abruti|abrutis|abrutie|abruties|debile"
        r"|debiles|cretin|cretins|cretine|imbecile|imbeciles|idiot|idiots|idiote|enfoire"
        r"|enfoires|salaud|salauds|salopard|salopards|encule|encules|batard|batards|tocard"
        r"|tocards|branleur|branleurs|bouffon|bouffons|guignol|guignols|pignouf|nullos|fdp"
        r"|ntm|pute|putes|salope|salopes|baltringue|baltringues)\b",
        r"\bbande d'(?:incapables|idiots|abrutis|imbeciles|incompetents|escrocs|enfoires)\b",
        r"\bbande de (?:cons|nuls|guignols|voleurs|bras casses|clowns|rigolos|tocards"
        r"|baltringues|incompetents|incapables|escrocs|branquignols|bouffons)\b",
        r"\b(?:quel|gros|sale|pauvre|espece de) cons?\b|\bfils de pute\b",
        r"\b(?:ta|vos|votre) gueule\b|\b(?:va|allez) (?:te|vous) faire foutre\b",
    ),
}
_ADULT = _rx(
    r"\b(?:porn|porns|porno|pornos|pornographie|pornographique|pornographic|pornography|xxx"
    r"|nsfw|hentai|milfs?|camgirls?|sextapes?|sextoys?|nudes|nudity|nudite|orgasmes?"
    r"|orgasms?|orgies?|orgy|blowjobs?|fellations?|masturbat\w*|erotique|erotiques|erotic"
    r"|erotica|sexe|anal|topless|plans? cul)\b",
    r"\bsex (?:videos?|tapes?|cams?|chat|dating|toys?|shop|scenes?|workers?)\b",
    r"\b(?:have|having|had|hot|free|live|casual) sex\b",
    r"\bsexy (?:girls|babes|singles|teens?|videos?|pics|photos)\b",
    r"\bescort ?girls?\b|\bnaked (?:girls|women|pics|photos)\b|\bseins nus\b",
    r"\brencontres? (?:coquines?|sans lendemain)\b|\bwebcam (?:sexe?|coquine)\b",
)
_SPAM_STRONG = _rx(
    r"\b(?:code promo|promo code|coupon code|discount code|code de reduction|code reduc"
    r"|bon de reduction)\b",
    r"\b(?:use|utilisez|utilise|avec le) code [a-z0-9]{3,}\b",
    r"\b(?:buy|order|shop|subscribe) now\b|\bclick (?:here|the link|now)\b|\blink in bio\b",
    r"\b(?:achetez|commandez|profitez|inscrivez-vous|cliquez) (?:maintenant|vite|ici"
    r"|des maintenant|sur le lien)\b|\blien en bio\b",
    r"\b(?:free|gratuits?) (?:bitcoin|btc|eth|crypto|iphone|gift ?cards?)\b",
    r"\b(?:crypto|bitcoin|btc|eth|usdt|nft) (?:giveaway|airdrop)\b|\bairdrop\b",
    r"\bgiveaway\b.{0,40}\b(?:crypto|bitcoin|btc|eth|usdt|wallet)\b",
    r"\bdouble (?:your|votre) (?:bitcoin|btc|crypto|money|argent)\b",
    r"\bsend \d+(?:\.\d+)? ?(?:btc|eth)\b",
    r"\b(?:earn|make|gagnez|gagner) \$?\d[\d\s,.]*(?:\$|€|euros?|k)? ?(?:per|a|par) "
    r"(?:day|week|jour|semaine)\b",
    r"\b(?:limited|exclusive) (?:time )?offer\b|\boffre (?:limitee|exclusive)\b",
    r"(?:livraison gratuite|free shipping).{0,60}\b(?:cliquez|clique|click|code|lien|link)\b",
    r"\b(?:cliquez|clique|click)\b.{0,60}(?:livraison gratuite|free shipping)",
)
_SPAM_WEAK = _rx(
    r"-\d{2} ?%|\b\d{2} ?% off\b|\bpromo\b|\bsoldes\b|\bdeal\b|\bdiscount\b|\bgratuit\w*"
    r"|\bfree\b|\bwin\b|\bgagne[rz]?\b|\bconcours\b|!!!"
)


# Irony, matched on the folded text. Sure markers first; then praise words, which are sarcasm
# when the rest of the text is bad on its own, or bad and introduced by "again"/"encore".
_IRONY = _rx(
    r"\bmerci (?:beaucoup |bien )?pour rien\b|\bmerci hein\b|\bca commence bien\b",
    r"\bthanks? (?:a lot |so much )?for nothing\b|\byeah,? right\b",
    r"\b(?:oh|just) (?:great|perfect|wonderful|brilliant|fantastic)\b",
)
_IRONY_SIGNS = ("\U0001f644", "\U0001f643", "\U0001f612")  # 🙄 🙃 😒
_SARCASM_TAG = re.compile(r"(?:^|\s)/s(?:$|\s)")
_CLAP = "\U0001f44f"  # 👏
_PRAISE_WORD = _Guarded(
    re.compile(
        r"(?:\b(?:bravo|merci|super|genial|top|parfait|chapeau|bien joue|felicitations"
        r"|trop bien|vraiment top|great|thanks|thank you|well done|nice one|perfect|wonderful"
        r"|brilliant|fantastic|awesome|lovely|congrats)\b|\U0001f44f)[\s,!.…]*"
    )
)
_PRAISE_AGAIN = _Guarded(
    re.compile(
        r"\b(?:bravo|merci|super|genial|top|parfait|great|thanks|perfect|wonderful|brilliant"
        r"|fantastic|awesome|lovely)\b[\s,!.…]+(?:\S+\s+){0,5}?"
        r"(?:encore|again|another|yet another)\b"
    )
)


def _flags(text: str, lang: str) -> tuple[str, ...]:
    """Flags that apply to text, in FLAGS order. Regexes run on the folded text."""
    folded = fold(text).replace("’", "'")
    links = len(_URL.findall(folded))
    plain = _URL.sub(" ", folded)
    found: set[str] = set()
    if ("?" in plain and "?" in _QUOTED.sub(" ", plain)) or _QUESTION_OPENERS.search(plain):
        found.add("question")
    languages = ("fr", "en") if lang not in ("fr", "en") else (lang,)
    if any(_COMPLAINT[code].search(plain) for code in languages):
        found.add("complaint")
    insult_languages = languages if lang != "en" else ("en",)
    if any(_INSULT[code].search(plain) for code in insult_languages):
        found.add("insult")
    elif lang == "fr" and _INSULT["en"].search(plain.replace("retard", "")):
        found.add("insult")
    if _ADULT.search(plain):
        found.add("adult")
    if (
        _SPAM_STRONG.search(plain)
        or links >= 3
        or (links >= 1 and len(_SPAM_WEAK.findall(plain)) >= 2)
    ):
        found.add("spam")
    return tuple(flag for flag in FLAGS if flag in found)


# --------------------------------------------------------------------------- public API


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


def _label(score: float) -> ToneLabel:
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
    return Tone(tone=_label(score), score=score, lang=lang, flags=flags)


def judge_tone(text: str, lang: str | None = None) -> Tone:
    """Tone of the whole text; the language is detected unless the caller already knows it."""
    text = clean_text(text)
    if not text:
        return Tone(tone="neutral", score=0.0, lang=lang or "und", flags=())
    lang = lang or detect_language(text)
    return _make(_raw_score(text, lang), lang, _flags(text, lang))


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
    language is detected by veille when neither the caller nor the engine gives one.
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
    if engine is judge_tone:
        engine = None
    elif engine is not None and not getattr(engine, "_veille_validated", False):
        engine = _validate(engine)
    spans = sentence_spans(text)
    languages: dict[str, str] = {}

    def language_of(window: str) -> str:
        # Under 80 characters a window says too little: the text's opening speaks for it.
        key = window if len(window) >= 80 else ""
        if key not in languages:
            languages[key] = detect_language(key or clean_text(text[:3000]))
        return languages[key]

    judged: dict[tuple[str, str, str], Tone] = {}
    tones = []
    for start, end in places:
        parts = _window(text, start, end, spans)
        if parts not in judged:
            judged[parts] = _judge_window(parts, bool(spans), lang, engine, language_of)
        tones.append(judged[parts])
    return tones


def _judge_window(
    parts: tuple[str, str, str],
    has_sentences: bool,
    lang: str | None,
    engine: ToneEngine | None,
    language_of: Callable[[str], str],
) -> Tone:
    before, center, after = parts
    window = " ".join(part for part in parts if part)
    if engine is not None:
        return engine(window, lang, _detect=lambda: language_of(window))  # type: ignore[call-arg]
    if not has_sentences:
        return judge_tone(center, lang)
    lang = lang or language_of(window)
    score = _raw_score(center, lang)
    if NEGATIVE_AT < score < POSITIVE_AT:
        neighbours = [_raw_score(part, lang) for part in (before, after) if part]
        if neighbours:
            score += 0.5 * sum(neighbours) / len(neighbours)
    return _make(score, lang, _flags(window, lang))


# --------------------------------------------------------------------------- pluggable engines

ToneEngine = Callable[[str, str | None], Tone]
"""A tone engine: (text, language code or None) -> Tone. `judge_tone` is the built-in one."""
BUILTIN_ENGINE = "builtin"
_DEFAULT_SCORE = {"positive": 0.5, "neutral": 0.0, "negative": -0.5}


def load_engine(spec: str) -> ToneEngine:
    """The tone engine named by `spec`: "builtin" (veille's own, `judge_tone`) or
    "package.module:callable", an importable callable taking (text, lang or None) and
    returning a Tone or a mapping with "tone" and/or "score", and optionally "lang" and
    "flags". The callable is wrapped so that whatever it returns comes back as a valid Tone
    (a missing language is detected, missing flags are veille's own).

    Raises ValueError, with a one-line message naming the spec, when the spec is malformed,
    the module cannot be imported or the attribute is missing or not callable.
    """
    spec = (spec or "").strip()
    if spec in ("", BUILTIN_ENGINE):
        return judge_tone
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name.strip() or not attribute.strip():
        raise ValueError(
            f"tone engine {spec!r}: expected {BUILTIN_ENGINE!r} or 'package.module:callable'"
        )
    import importlib

    try:
        target: Any = importlib.import_module(module_name.strip())
    except Exception as exc:  # any failure of a third-party import
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(
            f"tone engine {spec!r}: cannot import {module_name.strip()!r} ({reason}); install "
            f"the package that provides it or fix the spec"
        ) from exc
    for part in attribute.strip().split("."):
        if not hasattr(target, part):
            raise ValueError(
                f"tone engine {spec!r}: {module_name.strip()!r} has no {attribute.strip()!r}; "
                f"check the name after ':'"
            )
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(
            f"tone engine {spec!r}: {attribute.strip()!r} is not callable; point the spec at a "
            f"function (text, lang) -> Tone"
        )
    if target is judge_tone:
        return judge_tone
    return _validate(target, spec)


def _validate(engine: Callable[..., Any], spec: str | None = None) -> ToneEngine:
    """Wrap an engine so that its result is checked and completed into a Tone."""
    name = spec or str(getattr(engine, "__qualname__", repr(engine)))

    def judged(
        text: str, lang: str | None = None, *, _detect: Callable[[], str] | None = None
    ) -> Tone:
        text = clean_text(text)
        result = engine(text, lang)
        return _as_tone(result, text, lang, name, _detect)

    judged._veille_validated = True  # type: ignore[attr-defined]
    judged.__name__ = getattr(engine, "__name__", "engine")
    judged.__doc__ = engine.__doc__
    return judged


def _as_tone(
    result: Any, text: str, lang: str | None, name: str, detect: Callable[[], str] | None
) -> Tone:
    if isinstance(result, Tone):
        fields: dict[str, Any] = {
            "tone": result.tone,
            "score": result.score,
            "lang": result.lang,
            "flags": result.flags,
        }
    elif isinstance(result, Mapping):
        fields = dict(result)
    else:
        raise ValueError(
            f"tone engine {name!r} returned {type(result).__name__}; it must return a Tone or a "
            f"mapping with 'tone' and/or 'score'"
        )
    label = fields.get("tone")
    raw_score = fields.get("score")
    if label is None and raw_score is None:
        raise ValueError(f"tone engine {name!r} returned neither 'tone' nor 'score'")
    if label is not None and label not in TONES:
        raise ValueError(
            f"tone engine {name!r} returned tone {label!r}; expected one of {', '.join(TONES)}"
        )
    if raw_score is None:
        assert label is not None  # one of the two is given (checked above)
        score = _DEFAULT_SCORE[label]
    else:
        try:
            score = float(raw_score)
        except (TypeError, ValueError):
            raise ValueError(
                f"tone engine {name!r} returned score {raw_score!r}; expected a number in [-1, 1]"
            ) from None
        if math.isnan(score):
            raise ValueError(f"tone engine {name!r} returned a NaN score")
    score = round(max(-1.0, min(1.0, score)), 3)
    label = label or _label(score)
    code = fields.get("lang") or lang
    if not code:
        code = detect() if detect is not None else detect_language(text)
    flags = fields.get("flags")
    if flags is None:
        flags = _flags(text, str(code)) if text else ()
    if isinstance(flags, str) or not all(flag in FLAGS for flag in flags):
        raise ValueError(
            f"tone engine {name!r} returned flags {flags!r}; expected a subset of "
            f"{', '.join(FLAGS)}"
        )
    ordered = tuple(flag for flag in FLAGS if flag in set(flags))
    return Tone(tone=label, score=score, lang=str(code), flags=ordered)
