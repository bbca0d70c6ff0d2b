"""Find brand mentions in an item. Pure: no I/O, no state beyond compiled rules.

The rules, in the order they are applied to each (item, brand):

1. The searched text is the item's title, then its text (summary, content, or the linked
   page's text when `full_text` fetched it).
2. Text and terms are folded: accents always ignored (`Décathlon` = `decathlon`), case
   ignored unless the brand sets `case_sensitive: true`. Folding keeps offsets, so the
   match points at the original characters.
3. A term matches whole words only: not preceded or followed by a letter, digit or `_`.
   `Acme` matches `ACME`, `Acme's`, `#Acme`, `@acme`, `(acme)`; not `pharmacme`, `acmes`.
   Spaces inside a term match any run of whitespace, line breaks included.
4. `exclude`: if any exclusion phrase appears (same word rules), the item is not a mention.
5. `require_any`: if set, at least one of these words must also appear, or the term match
   does not count.
6. `domains`: if no term matched, a link from the item (its own URL or a link in its
   content) to one of these hosts or their subdomains makes it a mention. `require_any`
   does not apply to such a link: a link to the brand's site needs no disambiguation.
7. One mention per (brand, item), located at the first match in the item's text, else in its
   title: the snippet and the tone come from there, and a body says more than a headline
   (every reply of a forum thread carries the thread's title).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias, overload

from veille.models import Brand, Hit, Item, ItemSelection
from veille.text import fold
from veille.urls import host_in_domains

SNIPPET_WIDTH = 240


@dataclass(frozen=True)
class BrandRules:
    """A brand's rules compiled once per sweep."""

    brand: Brand
    terms: re.Pattern[str]
    exclude: re.Pattern[str] | None
    require_any: re.Pattern[str] | None


def _phrase_pattern(phrases: Iterable[str], case_sensitive: bool) -> re.Pattern[str] | None:
    folded = {
        " ".join(fold(p, case_sensitive=case_sensitive).split()) for p in phrases if p.strip()
    }
    if not folded:
        return None
    return re.compile(r"(?<!\w)" + _trie_pattern(folded) + r"(?!\w)")


# Each character leads to the rest of the phrases; "" marks the end of one.
_Trie: TypeAlias = dict[str, "_Trie"]


def _trie_pattern(phrases: Iterable[str]) -> str:
    r"""One regex for many phrases, shaped like a trie (`acme(?:\s+corp|x)?`).

    A flat alternation of a thousand terms makes the regex engine try each term at every
    position; the trie shares prefixes, so matching costs about the same for 10 or 1,000
    terms. Optional tails are greedy, so the longest term wins, as with longest-first
    alternation. A space in a phrase matches any run of whitespace.
    """
    trie: _Trie = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return (body if len(branches) > 1 else f"(?:{body})") + "?"
        return body

    return build(trie)


def compile_brand(brand: Brand) -> BrandRules:
    """Compile a brand's terms, exclusions and required words into regexes."""
    terms = _phrase_pattern(brand.terms, brand.case_sensitive)
    if terms is None:
        raise ValueError(f"brand {brand.name!r} has no terms")
    return BrandRules(
        brand=brand,
        terms=terms,
        exclude=_phrase_pattern(brand.exclude, brand.case_sensitive),
        require_any=_phrase_pattern(brand.require_any, brand.case_sensitive),
    )


class BrandSet(Sequence[BrandRules]):
    """Every brand of a sweep, compiled once, with one pattern for all their terms.

    Most items name no brand, or one or two: one scan for any term of any brand (per case
    rule) finds the places where some brand is named, and only the brands named there are
    searched in full, where each brand's own pattern would scan the whole text. The shared
    pattern matches at a place exactly when some brand's terms do (same phrases, same word
    boundaries), and every such place is visited, so it only ever skips work, never a mention.
    """

    def __init__(self, brands: Iterable[Brand]) -> None:
        self.rules = tuple(compile_brand(brand) for brand in brands)
        self.by_case = {
            case_sensitive: tuple(r for r in self.rules if r.brand.case_sensitive == case_sensitive)
            for case_sensitive in (False, True)
        }
        self.any_term = {
            case_sensitive: _phrase_pattern(
                (term for rule in rules for term in rule.brand.terms), case_sensitive
            )
            for case_sensitive, rules in self.by_case.items()
        }
        self.by_link = tuple((rule, False) for rule in self.rules if rule.brand.domains)
        # What these rules match, for telling whether an entry read before was read under
        # them: the compiled patterns (so a change in how terms compile counts too).
        shape = [
            (rule.brand.name, rule.brand.domains)
            + tuple(
                (pattern.pattern, pattern.flags) if pattern is not None else None
                for pattern in (rule.terms, rule.exclude, rule.require_any)
            )
            for rule in self.rules
        ]
        self.fingerprint = hashlib.blake2b(repr(shape).encode(), digest_size=12).hexdigest()

    def to_search(self, folded_as: Callable[[bool], str]) -> Sequence[tuple[BrandRules, bool]]:
        """The rules worth applying to a text, in order, each with whether its terms may
        match there: the brands it names, and those a link alone can name."""
        found: set[int] = set()
        for case_sensitive, rules in self.by_case.items():
            if rules:
                found |= self.named(folded_as(case_sensitive), case_sensitive)
        if not found:
            return self.by_link
        return [
            (rule, id(rule) in found)
            for rule in self.rules
            if id(rule) in found or rule.brand.domains
        ]

    def named(self, folded: str, case_sensitive: bool) -> set[int]:
        """Ids of the rules (of that case rule) whose terms match somewhere in `folded`."""
        pattern, left = self.any_term[case_sensitive], self.by_case[case_sensitive]
        found: set[int] = set()
        if pattern is None:
            return found
        place = pattern.search(folded)
        if len(left) == 1:  # the shared pattern is that brand's own
            return {id(left[0])} if place is not None else found
        while place is not None and left:
            start = place.start()
            named_here = [rule for rule in left if rule.terms.match(folded, start)]
            if named_here:
                found.update(map(id, named_here))
                left = tuple(rule for rule in left if id(rule) not in found)
            place = pattern.search(folded, start + 1)  # the next place, overlapping ones too
        return found

    @overload
    def __getitem__(self, index: int) -> BrandRules: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[BrandRules]: ...
    def __getitem__(self, index: int | slice) -> BrandRules | Sequence[BrandRules]:
        return self.rules[index]

    def __len__(self) -> int:
        return len(self.rules)


def searchable_text(item: Item, page_text: str = "") -> str:
    """The text a brand is looked for in: title, then item text, then the page's text."""
    return "\n".join(part for part in (item.title, item.text, page_text) if part)


def find_mentions(
    item: Item, rules: Sequence[BrandRules], page_text: str = "", *, snippets: bool = True
) -> list[Hit]:
    """Every brand the item mentions, each once, located by rule 7 of the module docstring.
    All the hits share one `text`, the item's `searchable_text`. Without `snippets`, the
    hits' snippets are left empty (a caller that shows few of many hits makes its own)."""
    text = searchable_text(item, page_text)
    body_start = len(item.title) + 1 if item.title else 0
    folded: dict[bool, str] = {}

    def folded_as(case_sensitive: bool) -> str:
        if case_sensitive not in folded:
            folded[case_sensitive] = fold(text, case_sensitive=case_sensitive)
        return folded[case_sensitive]

    if isinstance(rules, BrandSet):
        chosen = rules.to_search(folded_as)
    else:
        chosen = [(rule, True) for rule in rules]
    hits = []
    for rule, possible in chosen:
        folded_text = folded_as(rule.brand.case_sensitive)
        hit = _match_brand(item, rule, text, folded_text, body_start, possible, snippets)
        if hit is not None:
            hits.append(hit)
    return hits


def _match_brand(
    item: Item,
    rule: BrandRules,
    text: str,
    folded: str,
    body_start: int,
    terms_possible: bool = True,
    snippets: bool = True,
) -> Hit | None:
    if rule.exclude is not None and rule.exclude.search(folded):
        return None
    # Rule 7 in one scan for most items: only a first match in the title calls for a second
    # look, from the body's start.
    found = rule.terms.search(folded) if terms_possible else None
    if found is not None and found.start() < body_start:
        found = rule.terms.search(folded, body_start) or found
    if found is not None and (rule.require_any is None or rule.require_any.search(folded)):
        start, end = found.span()
        return Hit(
            brand=rule.brand.name,
            matched=" ".join(text[start:end].split()),
            snippet=make_snippet(text, start, end) if snippets else "",
            text=text,
            start=start,
            end=end,
        )
    if rule.brand.domains:
        for link in (item.url, *item.links):
            if host_in_domains(link, rule.brand.domains):
                return Hit(
                    brand=rule.brand.name,
                    matched=link,
                    snippet=make_snippet(text, 0, 0) if snippets else "",
                    text=text,
                    start=0,
                    end=0,
                )
    return None


def make_snippet(text: str, start: int, end: int, width: int = SNIPPET_WIDTH) -> str:
    """About `width` characters of text around text[start:end], cut at word boundaries."""
    room = max(width - (end - start), 0)
    left = max(0, start - room // 3)
    right = min(len(text), end + room - (start - left))
    left = max(0, min(left, right - width))
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    snippet = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(text) else "")


@dataclass(frozen=True)
class Veto:
    """An item that names a brand's term but was not a mention: `exclude` found `word`, or
    `require_any` found none of its words (`word` is then the term found)."""

    brand: str
    rule: Literal["exclude", "require_any"]
    word: str
    snippet: str


def find_vetoes(item: Item, rules: Sequence[BrandRules], page_text: str = "") -> list[Veto]:
    """The near misses of an item: each brand whose terms it names but whose `exclude` or
    `require_any` vetoed it (rules 4 and 5 of the module docstring)."""
    text = searchable_text(item, page_text)
    vetoes = []
    for rule in rules:
        folded = fold(text, case_sensitive=rule.brand.case_sensitive)
        term = rule.terms.search(folded)
        if term is None:
            continue
        excluded = rule.exclude.search(folded) if rule.exclude is not None else None
        kind: Literal["exclude", "require_any"]
        if excluded is not None:
            found, kind = excluded, "exclude"
        elif rule.require_any is not None and not rule.require_any.search(folded):
            found, kind = term, "require_any"
        else:
            continue
        start, end = found.span()
        vetoes.append(
            Veto(
                brand=rule.brand.name,
                rule=kind,
                word=" ".join(text[start:end].split()),
                snippet=make_snippet(text, start, end),
            )
        )
    return vetoes


def rules_fingerprint(brand: Brand) -> str:
    """What a brand's rules match, as a short hash: the compiled patterns (so a change in how
    terms compile counts too), its domains and its case rule. A brand whose fingerprint
    differs from the archive's record has the archive matched again."""
    rule = compile_brand(brand)
    shape = (
        tuple(
            (pattern.pattern, pattern.flags) if pattern is not None else None
            for pattern in (rule.terms, rule.exclude, rule.require_any)
        ),
        tuple(sorted(brand.domains)),
        brand.case_sensitive,
    )
    return hashlib.blake2b(repr(shape).encode(), digest_size=12).hexdigest()


_INDEX_WORD = re.compile(r"[^\W_]+")


def archive_selection(
    brands: Iterable[Brand], since: str | None = None, until: str | None = None
) -> ItemSelection:
    """The archived items these brands' rules could match, as the archive's full-text
    index can narrow them: for each term, the items holding all its words (any order, any
    case, accents folded), or linking to one of the brands' domains.

    Only a superset matters (the exact matcher runs next), so a term's words are kept only
    where the index folds them as the matcher does: plain ASCII words. A term with none
    (`+++`, a word in another script) cannot be narrowed, and every item is read."""
    clauses: list[str] = []
    hosts: list[str] = []
    everything = False
    for brand in brands:
        hosts.extend(brand.domains)
        for term in brand.terms:
            words = [w for w in _INDEX_WORD.findall(fold(term)) if w.isascii()]
            if not words:
                everything = True
                continue
            clauses.append(" AND ".join(f'"{word}"' for word in dict.fromkeys(words)))
    words_query = " OR ".join(f"({clause})" for clause in dict.fromkeys(clauses)) or None
    return ItemSelection(
        words=None if everything else words_query,
        hosts=() if everything else tuple(dict.fromkeys(hosts)),
        everything=everything,
        since=since,
        until=until,
    )
