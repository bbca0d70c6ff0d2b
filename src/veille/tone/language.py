"""Language of a text: py3langid, made faster, checked by a French/English word vote."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from typing import Any

from veille.text import clean_text
from veille.tone.lexicon import _URL, _fold, _load_once

_MENTION = re.compile(r"(?<!\w)@\w+")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Each repetition takes a run of non-letters then a letter, two disjoint classes: matched or
# refused in one pass over the text.
_FORTY_LETTERS = re.compile(r"(?:[\W\d_]*[^\W\d_]){40}")


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
_EN_ONLY_VOTE = _EN_VOTE - _FR_VOTE
_FR_DIACRITIC = re.compile(r"[éèêàçùûôîïœ]")


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
    words = _WORD.findall(_fold(text))
    fr = 0.0 + sum(map(_FR_VOTE.__contains__, words))
    en = 0.0 + sum(map(_EN_ONLY_VOTE.__contains__, words))
    for word in words:
        if "'" in word and word not in _FR_VOTE and word not in _EN_VOTE:
            head, tail = word.split("'", 1)
            if head in ("l", "d", "j", "n", "qu", "c", "m", "s", "t"):
                fr += 1
            elif tail in ("t", "s", "m", "re", "ve", "ll", "d"):
                en += 1
    fr += 0.5 * min(len(_FR_DIACRITIC.findall(text.lower())), 6)
    return fr, en


def _strip_noise(text: str) -> str:
    # Each pattern runs only on a text that can hold a match: a link holds "://" or "www."
    # (in any case), a mention "@".
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    return text.replace("#", " ")


def _cleaned(text: str) -> str:
    """`clean_text(text)` for a text made of `clean_text` outputs joined by single spaces,
    such as the window `tone_around` judges: it is its own cleaning unless the join made it
    other than NFC, which only `clean_text` can tell (a removed control character can leave
    a combining mark after a letter)."""
    return text if unicodedata.is_normalized("NFC", text) else clean_text(text)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text, "und" when there is nothing to tell from.

    py3langid is reliable on paragraphs but erratic on tweets ("pas terrible" → Occitan), so a
    short or low-confidence answer is checked against a French/English function-word vote,
    the two languages veille scores. The vote only decides between fr and en; a confident
    answer for another language stands, so that text is left neutral instead of misread.
    """
    return _detect_clean(clean_text(text))


def _detect_clean(text: str) -> str:
    """`detect_language` of a text `clean_text` has already cleaned (see `_cleaned`)."""
    text = _strip_noise(text.replace("’", "'"))
    # Only "fewer than 2", "15 or more" and "40 or more" letters matter: 40 found from the
    # start (a 240-character window holds them in its first sentence) settle all three.
    letters = 40 if _FORTY_LETTERS.match(text) else len(_NOT_LETTERS.sub("", text))
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
