"""Long regex alternations skipped on texts that cannot match them."""

from __future__ import annotations

import re
from typing import Any


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
        return needles is None or any(map(text.__contains__, needles))

    def search(self, text: str) -> re.Match[str] | None:
        needles = self._needles
        if needles is False:
            needles = self.needles
        # `_may_match`, inlined: a search is the commonest call on the hottest path.
        if needles is None or any(map(text.__contains__, needles)):  # type: ignore[arg-type]
            return self.regex.search(text)
        return None

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
