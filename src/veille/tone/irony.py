"""Irony markers: sure signs, and praise words that are sarcasm around bad news."""

from __future__ import annotations

import re

from veille.tone.guarded import _Guarded, _rx

# Irony, matched on the folded text. Sure markers first; then praise words, which are sarcasm
# when the rest of the text is bad on its own, or bad and introduced by "again"/"encore".
_IRONY = _rx(
    # "merci Free pour rien", "thanks Acme for nothing": a name or two may come between.
    r"\bmerci (?:[^\W\d_][\w'-]* ){0,2}pour rien\b|\bmerci hein\b|\bca commence bien\b",
    r"\bthanks? (?:[^\W\d_][\w'-]* ){0,2}for nothing\b|\byeah,? right\b",
    r"\b(?:oh|just) (?:great|perfect|wonderful|brilliant|fantastic)\b",
)
_IRONY_SIGNS = ("\U0001f644", "\U0001f643", "\U0001f612")  # 🙄 🙃 😒
_SARCASM_TAG = re.compile(r"(?:^|\s)/s(?:$|\s)")
_CLAP = "\U0001f44f"  # 👏
_PRAISE_WORD = _Guarded(
    re.compile(
        r"(?:\b(?:bravo|merci|super|genial|top|parfait|chapeau|bien joue|felicitations"
        r"|trop bien|vraiment top|great|thanks|thank you|well done|nice one|perfect|wonderful"
        r"|brilliant|fantastic|awesome|lovely|congrats|good job|nice job|way to go|nice going"
        r"|cheers)\b|\U0001f44f)[\s,!.…]*"
    )
)
# The first word of each of _PRAISE_WORD's phrases: a folded text none of whose words
# (`phrases.words_of`) is one of these holds no praise word but 👏.
_PRAISE_WORDS = frozenset(
    """bravo merci super genial top parfait chapeau bien felicitations trop vraiment great thanks
    thank well nice perfect wonderful brilliant fantastic awesome lovely congrats good way
    cheers""".split()
)
_PRAISE_AGAIN = _Guarded(
    re.compile(
        r"\b(?:bravo|merci|super|genial|top|parfait|great|thanks|perfect|wonderful|brilliant"
        r"|fantastic|awesome|lovely)\b[\s,!.…]+(?:\S+\s+){0,5}?"
        r"(?:encore|again|another|yet another)\b"
    )
)
