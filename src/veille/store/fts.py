"""Check a full-text query before SQLite parses it.

FTS5's own errors are terse (`expected integer, got "1e9"`, `syntax error near ""`), it
lets a NEAR distance overflow its C `int`, and it spends time that grows faster than the
query: a few thousand `pre*` terms take a minute, a 100,000-character query never ends.
So a query is read here first, with FTS5's own token rules, and refused in one line saying
what to fix: too long, too many words, an unclosed quote or parenthesis, a NEAR distance
that is not a whole number from 0 to `MAX_NEAR`. What is left for FTS5 to refuse (a word
that is not a column, `AND` with nothing after it) is turned into the same kind of error by
`query_error`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from veille.errors import UsageError

MAX_QUERY_CHARS = 1_000
MAX_QUERY_WORDS = 50
MAX_NEAR = 1_000
HINT = (
    'put words with punctuation in double quotes, e.g. "acme-corp", and use AND, OR, NOT, '
    "prefix* or NEAR(a b)"
)
_OPERATORS = frozenset({"AND", "OR", "NOT"})
_PUNCTUATION = frozenset("(){}:,+*-^")
_SPACE = frozenset(" \t\n\r")  # fts5ExprIsspace
# A word as the index's unicode61 tokenizer cuts one: letters and digits, `_` separating.
_WORD = re.compile(r"[^\W_]+")
# What FTS5 itself reports about a query (rather than about the database).
_FTS5_MESSAGES = (
    "fts5",
    "no such column",
    "unknown special query",
    "unterminated string",
    "expected integer",
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "word" (a bare word), "phrase" (in double quotes) or the punctuation itself
    text: str


def _shown(query: str) -> str:
    """The query as an error message quotes it: on one line, and short."""
    return repr(query if len(query) <= 60 else query[:57] + "...")


def _is_bare(char: str) -> bool:
    """FTS5's bare-word characters: ASCII letters, digits, `_`, and anything non-ASCII."""
    return not char.isascii() or char.isalnum() or char in "_\x1a"


def _tokens(query: str) -> list[_Token]:
    """The query's tokens as FTS5 reads them; an unclosed quote is a usage error here."""
    tokens: list[_Token] = []
    at, end = 0, len(query)
    while at < end:
        char = query[at]
        if char in _SPACE:
            at += 1
        elif char in _PUNCTUATION:
            tokens.append(_Token(char, char))
            at += 1
        elif char == '"':
            parts, at = [], at + 1
            while True:
                close = query.find('"', at)
                if close < 0:
                    raise UsageError(
                        f"search {_shown(query)}: not a valid query: a double quote is not "
                        'closed; close the phrase, or write "" for a quote inside it'
                    )
                parts.append(query[at:close])
                if query.startswith('"', close + 1):  # "" is a quote inside the phrase
                    parts.append('"')
                    at = close + 2
                    continue
                at = close + 1
                break
            tokens.append(_Token("phrase", "".join(parts)))
        elif _is_bare(char):
            start = at
            while at < end and _is_bare(query[at]):
                at += 1
            tokens.append(_Token("word", query[start:at]))
        else:
            raise UsageError(
                f"search {_shown(query)}: not a valid query: {char!r} goes only inside double "
                f"quotes; {HINT}"
            )
    return tokens


def _check_parentheses(query: str, tokens: list[_Token]) -> None:
    """Say which parenthesis is missing: FTS5 says only `syntax error near ""`."""
    depth = 0
    for token in tokens:
        if token.kind == "(":
            depth += 1
        elif token.kind == ")":
            depth -= 1
            if depth < 0:
                raise UsageError(f"search {_shown(query)}: not a valid query: a ')' closes no '('")
    if depth:
        raise UsageError(
            f"search {_shown(query)}: not a valid query: "
            + (f"{depth} '(' are" if depth > 1 else "a '(' is")
            + " not closed; add the missing ')'"
        )


def _check_near(query: str, tokens: list[_Token]) -> None:
    """Each `NEAR(…, N)` distance is a whole number up to MAX_NEAR: FTS5 reads `1e9` as an
    error it words badly, and a long run of digits overflows its counter."""
    for index, token in enumerate(tokens):
        if not (token.kind == "word" and token.text == "NEAR"):
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].kind != "(":
            continue  # a plain word "NEAR"
        close = index + 2
        while close < len(tokens) and tokens[close].kind != ")":
            close += 1
        group = tokens[index + 2 : close]
        commas = [at for at, part in enumerate(group) if part.kind == ","]
        if not commas:
            continue
        distance = group[commas[0] + 1 :]
        text = " ".join(part.text for part in distance) or "nothing"
        if not (
            len(commas) == 1
            and len(distance) == 1
            and distance[0].kind == "word"
            and distance[0].text.isascii()
            and distance[0].text.isdigit()
            and int(distance[0].text) <= MAX_NEAR
        ):
            raise UsageError(
                f"search {_shown(query)}: not a valid query: NEAR distance {text!r} is not a "
                f"whole number from "
                f"0 to {MAX_NEAR}; write it as in NEAR(acme retard, 10)"
            )


def _column_names(tokens: list[_Token]) -> set[int]:
    """Indexes of the tokens that name columns (`title:`, `{title text}:`), not words."""
    names: set[int] = set()
    inside_braces = False
    for index, token in enumerate(tokens):
        if token.kind == "{":
            inside_braces = True
        elif token.kind == "}":
            inside_braces = False
        elif token.kind == "word" and (
            inside_braces or (index + 1 < len(tokens) and tokens[index + 1].kind == ":")
        ):
            names.add(index)
    return names


def _word_count(tokens: list[_Token]) -> int:
    """The words looked up in the index: operators, the NEAR keyword and its distance, and
    column names are not; each word of a phrase is."""
    names = _column_names(tokens)
    count = 0
    for index, token in enumerate(tokens):
        if token.kind not in ("word", "phrase") or index in names:
            continue
        if token.kind == "word":
            if token.text in _OPERATORS:
                continue
            if token.text == "NEAR" and index + 1 < len(tokens) and tokens[index + 1].kind == "(":
                continue
            if index and tokens[index - 1].kind == ",":
                continue  # a NEAR distance
        count += len(_WORD.findall(token.text))
    return count


def check_query(query: str) -> str:
    """The query, unchanged, once it is known to be one FTS5 can run quickly; otherwise a
    UsageError naming what to fix. Every MATCH on a user's words goes through here."""
    if len(query) > MAX_QUERY_CHARS:
        raise UsageError(
            f"search: the query is {len(query):,} characters long; at most "
            f"{MAX_QUERY_CHARS:,} are searched"
        )
    tokens = _tokens(query)
    if not tokens:
        raise UsageError("search: the query is empty; give at least one word to find")
    _check_parentheses(query, tokens)
    _check_near(query, tokens)
    words = _word_count(tokens)
    if words > MAX_QUERY_WORDS:
        raise UsageError(
            f"search {_shown(query)}: {words} words; at most {MAX_QUERY_WORDS} are searched at once"
        )
    return query


def query_error(query: str, error: sqlite3.OperationalError) -> UsageError | None:
    """The usage error for a query FTS5 refused, None when the error is not the query's
    (a locked or damaged database is not the user's wording)."""
    message = str(error)
    if not message.startswith(_FTS5_MESSAGES):
        return None
    return UsageError(f"search {_shown(query)}: not a valid query ({message}); {HINT}")
