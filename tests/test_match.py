from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from veille.match import BrandSet, compile_brand, find_mentions, make_snippet, searchable_text
from veille.models import Brand, Item
from veille.text import fold

ACME = Brand(
    name="Acme",
    terms=("Acme", "Acme Corp", "#acme", "@acme_fr"),
    exclude=("Acme anvil",),
)
DECATHLON = Brand(name="Décathlon", terms=("Décathlon",))
ROCKET = Brand(name="Rocket", terms=("rocket",), require_any=("shoes", "running"))
GLOBEX = Brand(name="Globex", terms=("Globex",), domains=("globex.com",))
CASED = Brand(name="IT", terms=("IT",), case_sensitive=True)

CASES = {
    "plain": (ACME, "I love Acme", "Acme"),
    "upper case": (ACME, "ACME rocks", "ACME"),
    "possessive": (ACME, "Acme's new shoe", "Acme"),
    "hashtag": (ACME, "so good #Acme", "#Acme"),
    "handle": (ACME, "thanks @acme!", "acme"),
    "parentheses": (ACME, "the brand (acme) said", "acme"),
    "pharmacme is not acme": (ACME, "pharmacme sells pills", None),
    "acmes is not acme": (ACME, "two acmes", None),
    "acme_fr handle is a term": (ACME, "merci @acme_fr", "@acme_fr"),
    "multi-word across line break": (ACME, "we met Acme\n  Corp today", "Acme Corp"),
    "exclude wins": (ACME, "Acme anvil dropped on Acme", None),
    "accent-insensitive": (DECATHLON, "acheté chez decathlon", "decathlon"),
    "accent and case": (DECATHLON, "DÉCATHLON est ouvert", "DÉCATHLON"),
    "require_any present": (ROCKET, "Rocket running shoes", "Rocket"),
    "require_any absent": (ROCKET, "the rocket launched", None),
    "case sensitive hit": (CASED, "IT department", "IT"),
    "case sensitive miss": (CASED, "it is raining", None),
    "typographic apostrophe": (ACME, "l’Acme de Paris", "Acme"),
}


@pytest.mark.parametrize(("brand", "text", "matched"), CASES.values(), ids=CASES.keys())
def test_whole_word_folded_matching(brand: Brand, text: str, matched: str | None) -> None:
    hits = find_mentions(Item(key="k", url="https://x.fr/1", text=text), [compile_brand(brand)])
    assert [h.matched for h in hits] == ([matched] if matched else [])


def test_title_is_searched_and_match_offsets_point_at_original_text() -> None:
    item = Item(key="k", url="https://x.fr/1", title="Chez DÉCATHLON", text="rien")
    (hit,) = find_mentions(item, [compile_brand(DECATHLON)])
    assert hit.text[hit.start : hit.end] == "DÉCATHLON"


def test_domains_link_counts_without_a_term() -> None:
    rules = [compile_brand(GLOBEX)]
    linked = Item(key="k", url="https://x.fr/1", text="look", links=("https://shop.globex.com/a",))
    own_url = Item(key="k", url="https://www.globex.com/news/1", text="news")
    other = Item(key="k", url="https://x.fr/1", text="look", links=("https://notglobex.com/",))
    assert [h.brand for h in find_mentions(linked, rules)] == ["Globex"]
    assert [h.brand for h in find_mentions(own_url, rules)] == ["Globex"]
    assert find_mentions(other, rules) == []


def test_two_brands_give_two_hits_each_with_its_own_snippet() -> None:
    text = "Acme is great. " + "filler " * 60 + "But Globex was awful."
    hits = find_mentions(
        Item(key="k", url="https://x.fr/1", text=text), [compile_brand(ACME), compile_brand(GLOBEX)]
    )
    assert [h.brand for h in hits] == ["Acme", "Globex"]
    assert "Acme" in hits[0].snippet and "Globex" not in hits[0].snippet
    assert "Globex" in hits[1].snippet


def test_snippet_is_about_240_clean_characters_around_the_match() -> None:
    text = " ".join(f"w{i}" for i in range(300)) + " Acme " + " ".join(f"x{i}" for i in range(300))
    start = text.index("Acme")
    snippet = make_snippet(text, start, start + 4)
    assert 200 <= len(snippet) <= 242
    assert "Acme" in snippet and snippet.startswith("…") and snippet.endswith("…")
    assert "  " not in snippet
    assert make_snippet("short\n\ntext Acme", 11, 15) == "short text Acme"


def test_the_hit_prefers_the_text_to_the_title() -> None:
    rules = [compile_brand(ACME)]
    reply = Item(key="k", url="https://f.fr/t#p2", title="Acme ou pas ?", text="Je déteste Acme.")
    (hit,) = find_mentions(reply, rules)
    assert hit.text[hit.start :].startswith("Acme.") and hit.start > len(reply.title)
    title_only = Item(key="k", url="https://f.fr/t#p3", title="Acme ou pas ?", text="Aucun avis.")
    (hit,) = find_mentions(title_only, rules)
    assert hit.start == 0


_WORDS = st.sampled_from(["Acme", "acme", "Corp", "corp", "pharmacme", "x", "#acme", "é"])
_GAPS = st.sampled_from([" ", "  ", "\n", " \n ", "", ".", "'"])
_TEXTS = st.lists(st.tuples(_WORDS, _GAPS), max_size=8).map(
    lambda parts: "".join(word + gap for word, gap in parts)
)


@settings(max_examples=300, deadline=None)
@given(title=_TEXTS, text=_TEXTS)
def test_the_hit_is_the_first_in_the_text_else_the_first_anywhere(title: str, text: str) -> None:
    """Rule 7 as written: the first match from the body's start, else the first match of the
    whole searched text (which then starts in the title)."""
    brand = Brand(name="Acme", terms=("Acme", "Acme Corp"))
    item = Item(key="k", url="https://x.fr/1", title=title, text=text)
    searched = fold(searchable_text(item))
    pattern = compile_brand(brand).terms
    body_start = len(title) + 1 if title else 0
    expected = pattern.search(searched, body_start) or pattern.search(searched)
    hits = find_mentions(item, [compile_brand(brand)])
    if expected is None:
        assert hits == []
    else:
        (hit,) = hits
        assert (hit.start, hit.end) == expected.span()


# Terms of different brands that overlap: one starts inside another, one extends another.
CORP = Brand(name="Corp", terms=("Corp", "Acme Corp Rocket"))
SHOES = Brand(name="Shoes", terms=("rocket shoes", "shoes"), exclude=("shoes anvil",))
_BRANDS = (ACME, DECATHLON, ROCKET, GLOBEX, CASED, CORP, SHOES)
_SET_WORDS = st.sampled_from(
    ["Acme", "ACME", "Corp", "anvil", "décathlon", "Rocket", "shoes", "Globex", "IT", "it", "x"]
)
_SET_TEXTS = st.lists(st.tuples(_SET_WORDS, _GAPS), max_size=10).map(
    lambda parts: "".join(word + gap for word, gap in parts)
)


@settings(max_examples=300, deadline=None)
@example(title="", text="ACME Corp x", links=[])  # "Corp" inside the longer "Acme Corp"
@example(title="Acme Corp Rocket shoes", text="", links=[])
@given(
    title=_SET_TEXTS,
    text=_SET_TEXTS,
    links=st.lists(st.sampled_from(["https://shop.globex.com/a", "https://other.example/"])),
)
def test_a_brand_set_finds_what_each_brand_finds(title: str, text: str, links: list[str]) -> None:
    """The shared pattern of a BrandSet only skips brands that cannot match: the hits are
    those of the brands' own rules, one by one, for every rule (case, exclude, require_any,
    domains)."""
    item = Item(key="k", url="https://x.fr/1", title=title, text=text, links=tuple(links))
    one_by_one = find_mentions(item, [compile_brand(brand) for brand in _BRANDS])
    assert find_mentions(item, BrandSet(_BRANDS)) == one_by_one


def test_a_brand_set_names_the_brands_whose_terms_appear() -> None:
    brands = BrandSet(_BRANDS)
    assert len(brands) == len(_BRANDS) and brands[0].brand is ACME

    def named(text: str, case_sensitive: bool = False) -> set[str]:
        ids = brands.named(fold(text, case_sensitive=case_sensitive), case_sensitive)
        return {rule.brand.name for rule in brands if id(rule) in ids}

    assert named("rien à signaler, pharmacme") == set()
    assert named("chez DÉCATHLON") == {"Décathlon"}
    assert named("Acme Corp Rocket shoes") == {"Acme", "Corp", "Rocket", "Shoes"}
    assert named("it works", case_sensitive=True) == set()
    assert named("IT works", case_sensitive=True) == {"IT"}
