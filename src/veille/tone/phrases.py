"""Set phrases whose tone their words miss, read on the folded text.

A lexicon scores words one by one, and some of the commonest things said about a brand get
the wrong sign that way: "thanks a lot Acme, really" and "love waiting 2 hours on hold" are
made of praise words; "their return policy is a joke" scores the "joke" as fun; "rapport
qualité-prix imbattable" and "worth every penny" hold no tone word at all; "leaky database
spilled 2FA codes" or "panne géante" are news of an incident in plain words. Each family
below is one rule with a name the explanation shows. A text holding none of a rule's words
costs one set test (`PhraseRule.words`); otherwise each of its `_Guarded` regexes runs only
if one of its own needles is there. Every pattern repeats only single characters or
space-separated words, a bounded number of times, so it runs in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from veille.tone.guarded import _Guarded


def _each(*patterns: str) -> tuple[_Guarded, ...]:
    """One guarded regex per pattern: each runs only on a text holding one of its own words,
    so a common word in one pattern does not make the others run."""
    return tuple(_Guarded(re.compile(pattern)) for pattern in patterns)


# --------------------------------------------------------------------------- irony at the brand
# Praise aimed at a named brand, with the nuisance it is thanked for or a lone "really":
# "merci Acme pour ce magnifique retard", "thanks Globex for the lovely surprise charge",
# "thanks a lot Acme, really.", "merci beaucoup la SNCF, vraiment !". A name is up to three
# words; the nuisance comes right after the determiner or after a praise adjective.
_NAME = r"(?:[^\W\d_][\w'&.-]* ){0,3}?"
_NUISANCE_EN = (
    r"(?:delays?|outages?|cancell?ations?|wait|queue|(?:surprise |hidden |extra |double )?"
    r"(?:charges?|fees?|bill)|price (?:hike|increase)s?|bugs?|crash(?:es)?|downtime"
    r"|disconnections?|breakdowns?|mess|hold music|strikes?)"
)
_NUISANCE_FR = (
    r"(?:retards?|pannes?|coupures?|annulations?|attentes?|prelevements?|factures?|frais"
    r"|bugs?|plantages?|augmentations?|hausses?|greves?|suppressions?|bouchons?|surprises?)"
)
_PRAISE_ADJ_EN = r"(?:lovely|wonderful|amazing|great|fantastic|brilliant|fabulous|superb|awesome)"
_PRAISE_ADJ_FR = (
    r"(?:magnifique|superbe|belle|beau|bel|merveilleu(?:x|se)|formidable|super|genial(?:e)?"
    r"|joli(?:e)?|sublime|fantastique|excellente?|grandiose|incroyable)"
)
_IRONY_AT_BRAND = _each(
    r"\b(?:many )?thank(?:s| you)(?: (?:a lot|so much|very much|again))? "
    + _NAME
    + r"for (?:the|this|that|another|yet another|a|an|your|my) (?:"
    + _PRAISE_ADJ_EN
    + r" (?:[\w'-]+ ){0,2}?)?"
    + _NUISANCE_EN
    + r"\b",
    r"\bcheers "
    + _NAME
    + r"for (?:the|this|that|another|yet another|a|an|your|my) (?:"
    + _PRAISE_ADJ_EN
    + r" (?:[\w'-]+ ){0,2}?)?"
    + _NUISANCE_EN
    + r"\b",
    r"\bmerci(?: beaucoup| bien| encore)? (?:a |au |aux )?"
    + _NAME
    + r"pour (?:ce|cet|cette|ces|le|la|les|l'|votre|vos|un|une|encore (?:un|une|ce|cette)) ?(?:"
    + _PRAISE_ADJ_FR
    + r" (?:[\w'-]+ ){0,2}?)?"
    + _NUISANCE_FR
    + r"\b",
    r"\bthank(?:s| you)(?: (?:a lot|so much|very much|a bunch|a million))? "
    r"(?:[^\W\d_][\w'&.-]* ){1,3}?[^\W\d_][\w'&.-]*, (?:really|seriously)\s*(?:[.!…]|$)",
    r"\bmerci(?: beaucoup| bien)? (?:[^\W\d_][\w'&.-]* ){0,3}?[^\W\d_][\w'&.-]*, vraiment"
    r"\s*(?:[.!…]|$)",
)
# A text that opens on praise addressed to a name, "Bravo Ikea, …", "Great job Acme, …",
# before news that is bad on its own or a complaint: the praise is sarcasm.
_PRAISE_OPENER = _Guarded(
    re.compile(
        r"^\W*(?:bravo|merci|super|genial|top|parfait|chapeau|bien joue|felicitations|great job"
        r"|good job|nice job|nice going|well done|nice one|way to go|thanks|thank you"
        r"|many thanks|cheers|great|brilliant|perfect|fantastic|wonderful|awesome)"
        r"(?: (?:a lot|so much|very much|beaucoup|encore))? "
        r"(?:[^\W\d_][\w'&.-]* ){0,2}?[^\W\d_][\w'&.-]*\s*[,!…]"
    )
)

# --------------------------------------------------------------------------- praise of waiting
# A liking word, then within four words a wait ("love waiting", "j'adore attendre", "gotta
# love spending 90 minutes on hold"); a long duration must stand nearby (`_LONG_WAIT`).
_LIKING_EN = (
    r"(?:love|loving|loved|adore|adoring|enjoy|enjoying|gotta love|got to love|nothing better"
    r" than|nothing i enjoy more than|nothing like|so glad|so happy|what a (?:great|fun|lovely)"
    r" way to spend|great way to spend|best part|highlight)"
)
_WAIT_EN = (
    r"(?:wait|waits|waiting|waited|on hold|queue|queuing|queueing|in line|in a queue"
    r"|hold music|on the phone|on the line)"
)
_LIKING_FR = (
    r"(?:j'adore|adore|j'ai adore|quel bonheur|quel plaisir|trop bien|rien de tel|rien de mieux"
    r"|genial|super|le pied|j'aime|top|le meilleur moment|quelle joie|ravie?)"
)
_WAIT_FR = (
    r"(?:attendre|attente|patienter|poireauter|poireaute|au telephone|a la hotline"
    r"|musique d'attente|file d'attente)"
)
_WAITING_PRAISE = _each(
    r"\b" + _LIKING_EN + r"\b[,!]? (?:[\w'&-]+,? ){0,4}?" + _WAIT_EN + r"\b",
    r"\b" + _WAIT_EN + r"\b(?:[^.!?]{0,60}?)[.!,]? (?:" + _LIKING_EN + r"|(?:the )?best part"
    r" of my|highlight of my|what a treat|such (?:fun|a treat)|so relaxing)\b",
    r"(?:^|[\s,])"
    + _LIKING_FR
    + r"\b[,!]? (?:de |d')?(?:[\w'&-]+,? ){0,4}?(?:d'|l')?"
    + _WAIT_FR
    + r"\b",
    r"\b" + _WAIT_FR + r"\b(?:[^.!?]{0,60}?)[.!,]? (?:j'adore|le meilleur moment de ma"
    r"|tellement relaxant|quel bonheur|quel plaisir|vraiment genial)\b",
)
# An hour or more, twenty minutes or more, or "for ages": a wait nobody enjoys.
_LONG_WAIT = re.compile(
    r"\b(?:(?:\d+|an?|one|two|three|four|five|six|several|many|une?|deux|trois|quatre|cinq|six"
    r"|plusieurs|des)[ -](?:hours?|hrs?|heures?|h)\b"
    r"|(?:[1-9]\d|\d{3,}|twenty|thirty|forty|fifty|sixty|ninety|vingt|trente|quarante"
    r"|cinquante|soixante|quatre-vingt-dix)(?:[ -]\w+)?[ -]?(?:minutes?|mins?|min)\b"
    r"|\d+ ?h\d*\b|ages|forever|an eternity|une eternite|all (?:day|morning|afternoon)"
    r"|toute la (?:journee|matinee|soiree|apres-midi))"
)
# "On the phone" is a wait only after its length ("two hours on the phone"): "love that the
# agent on the phone fixed it" is praise.
_REAL_WAIT = re.compile(
    r"\b(?:wait|waits|waiting|waited|on hold|queue|queuing|queueing|in line|in a queue|hold music"
    r"|attendre|attente|patienter|poireauter|poireaute)\b"
)
_TIMED_CALL = re.compile(
    "(?:" + _LONG_WAIT.pattern + r") (?:on the phone|on the line|au telephone|a la hotline)\b"
)
_NEGATED_NEARBY = re.compile(
    r"\b(?:not|never|no longer|don't|didn't|won't|without|ne|n'|pas|plus|jamais|sans)\b"
)

# --------------------------------------------------------------------------- idioms of contempt
_CONTEMPT_NOUN = (
    r"(?:joke|farce|clown show|circus|shambles|dumpster fire|trainwreck|train wreck|disgrace"
    r"|rip-off|ripoff|scam|travesty)"
)
_IDIOMS = _each(
    r"\b(?:is|are|was|were|'s|it's) (?:such |really |truly )?(?:a |an )?"
    r"(?:total |complete |absolute |utter |bad |sick |cruel |running |fucking |bloody )?"
    + _CONTEMPT_NOUN
    + r"\b",
    r"\bwhat an? (?:(?:total|complete|absolute) )?" + _CONTEMPT_NOUN + r"\b",
    r"\bclown show\b|\bdumpster fire\b|\bslap in the face\b|\bdaylight robbery\b",
    r"\bwaste of (?:money|time|space|cash|my money|my time)\b",
    r"\bnever again\b",
    r"\b(?:cash|money) grab\b",
    r"\bblague\b",
    r"\bfoutage de gueule\b|\bse fout(?:ent)? de (?:nous|notre gueule|la gueule)\b",
    r"\bn'importe quoi\b",
    r"\bplus jamais\b(?! sans)|\bjamais plus\b",
    r"\bpour des (?:pigeons|cons|vaches a lait|idiots|imbeciles)\b",
    r"\bargent (?:jete|foutu|balance) (?:par les fenetres|en l'air)\b",
    r"\b(?:une|c'est une|quelle) (?:honte|arnaque|escroquerie|mascarade|pantalonnade)\b",
)
# "blague" and "n'importe quoi" are contempt in these frames only ("la blague de leur pub",
# "il répond à n'importe quoi" are not).
_IDIOM_FRAMES = re.compile(
    r"(?:\bc'est (?:une |un )?(?:vraiment |franchement |encore |juste )?(?:une )?"
    r"(?:(?:vaste|grosse|belle|mauvaise|sacree) )?|\bune vaste |\bquelle |\bdu (?:grand )?"
    r"|\bc'est (?:du )?(?:grand |vraiment )?|\bprend(?:re|s|ent)? (?:les gens |les clients "
    r"|nous |vous |les |nous tous )?|\bnous prend(?:re|nent)? |\bde l'|\bd')$"
)
_FRAMED = ("blague", "n'importe quoi", "pour des ")

# --------------------------------------------------------------------------- value for money
_VALUE = _each(
    r"\b(?:great|good|excellent|superb|amazing|outstanding|incredible|unbeatable|fantastic"
    r"|solid|brilliant|exceptional|terrific|best|decent|very good|really good)"
    r" value(?: for (?:money|the money|the price|what you (?:get|pay)))?\b",
    r"\bworth (?:every|each) (?:penny|cent|dollar|pound|euro)\b"
    r"|\bworth (?:the|its|their) (?:money|price)\b",
    r"\b(?:best|great|good|more|most|lots of|plenty of|biggest) bang for (?:the|your|my|our)"
    r" buck\b",
    r"\b(?:is|a real|an absolute|such|what) (?:a )?steal\b",
    r"\bunbeatable (?:price|prices|deal)\b",
    r"\bcan'?t beat (?:the|that|this|their|its) (?:price|value)\b",
    r"\bfor (?:the|that|this) price,? (?:you )?(?:really |just |simply |honestly )?"
    r"(?:can'?t|cannot|can not) (?:beat|complain|go wrong|ask for more)\b",
    r"\bhard to beat for the (?:price|money)\b",
    r"\b(?:excellent|bon|tres bon|super|meilleur|imbattable|top|parfait|incroyable|tres bien"
    r"|exceptionnel|ideal|genial|superbe|tres correct|correct|juste) rapports? "
    r"qualite ?[ /-]? ?prix\b",
    r"\brapports? qualite ?[ /-]? ?prix (?:est |vraiment |tout simplement |absolument )?"
    r"(?:imbattables?|excellent|top|au top|parfait|incroyable|genial|tres bon|ideal"
    r"|exceptionnel|remarquable|canon|de folie|super|tres correct|au rendez-vous"
    r"|ultra competitif|defiant toute concurrence)\b",
    r"\brien a redire\b",
    r"\b(?:imbattables?|introuvables? moins cher) pour (?:le|ce) prix\b",
    r"\bprix (?:imbattables?|defiant toute concurrence)\b",
    r"\bva(?:ut|lent) (?:largement |vraiment |bien |amplement )?(?:son|leur) prix\b",
    r"\bva(?:ut|lent) (?:chaque|le moindre) (?:centime|euro|sou)\b",
)
# "rien à redire" is about the price only after "pour ce prix".
_PRICE_FRAME = re.compile(
    r"\bpour (?:ce|le|un tel) prix,? (?:il n'y a |y a |franchement |vraiment )?$"
)
# A negation up to three words before a phrase turns it around: "not worth every penny",
# "I'm not sure it's worth the money", "pas un excellent rapport qualité-prix", "sans la
# moindre panne", "no data breach".
_NEGATED_BEFORE = re.compile(
    r"(?:\b(?:not|never|hardly|no|without|zero|isn't|wasn't|aren't|pas|jamais|aucun|aucune"
    r"|sans|loin)\b|n't)\W*(?:[\w']+\W+){0,3}$"
)

# --------------------------------------------------------------------------- incident vocabulary
_INCIDENT = _each(
    r"\b(?:data|security|privacy|cyber|massive|major|network|server|database|customer|email)"
    r" breach(?:es)?\b",
    r"\bbreach(?:es|ed)? (?:of |exposed |exposing |affecting |at |in )?(?:\w+ )?(?:data"
    r"|security|systems?|servers?|networks?|accounts?|records|customers?|users?|passwords)\b",
    r"\b(?:data|database|password|security|gas|oil|chemical|radiation|toxic) leaks?\b",
    r"\bleak(?:y|ed|s|ing)? (?:\w+ ){0,2}?(?:database|data|passwords|codes|records|details"
    r"|emails|information|documents|servers?)\b",
    r"\bspill(?:ed|t|s)? (?:\w+ ){0,2}?(?:data|codes|passwords|records|details|emails"
    r"|information|numbers)\b",
    r"\b(?:data|records|passwords|emails|details|information|codes|numbers) (?:\w+ )?"
    r"(?:exposed|stolen|compromised|dumped)\b",
    r"\bexposed (?:\w+ ){0,2}?(?:data|records|passwords|emails|details|information|codes"
    r"|numbers)\b",
    r"\boutages?\b",
    r"\b(?:servers?|site|website|app|network|services?|systems?) (?:goes|went|go|are|is|were"
    r"|was) down\b",
    r"\bhack(?:ers?|ed)\b|\bhack of\b",
    r"\bstole (?:\w+ ){0,3}?(?:data|details|code|files|passwords|records|money|funds|emails"
    r"|information|numbers)\b",
    r"\bransomware\b|\bddos\b",
    r"\bcyber[ -]?attacks?\b|\bcyber ?security incident\b",
    r"\brecall(?:s|ed|ing)?\b",
    r"\b(?:salmonell(?:a|es?)|listeri(?:a|ose)|e\. coli)\b",
    r"\bfuites? (?:massives? )?(?:de donnees|d'informations|de mots de passe)\b",
    r"\bvols? de donnees\b",
    r"\bdonnees (?:\w+ )?(?:derobees|volees|piratees|exposees|divulguees|dans la nature)\b",
    r"\bderob(?:ee|ees|es)\b",
    r"\bpannes?\b",
    r"\bcoupures? (?:geantes?|massives?|generales?|de reseau|du reseau)\b",
    r"\bpiratages?\b|\bpirat(?:ee|ees)\b|\bpirates informatiques\b"
    r"|\b(?:ete|fait|faire) pirate(?:r|s)?\b",
    r"\bcyber-?attaques?\b|\brancongiciels?\b",
    r"\battaques? (?:informatiques?|par rancongiciel)\b",
    r"\brappels? (?:de produits?|conso|massifs?|de lots?|de vehicules?|sanitaires?"
    r"|de securite)\b",
    r"\brappel(?:le|lent)? (?:\d[\d\s.,]* (?:millions? de |milliers? de )?|des milliers de "
    r"|plusieurs |ses |des )?(?:vehicules|voitures|produits|lots|references|jouets|poussettes"
    r"|appareils)\b",
)
# A recall is a product recall after a word of business or a number, not "I recall".
_RECALL = re.compile(
    r"(?:\b(?:product|safety|voluntary|massive|mass|urgent|nationwide|global|issues?|issued"
    r"|announces?|announced|expands?|expanded|orders?|ordered|a|new)(?: \w+)? recall"
    r"|recall(?:s|ed|ing)? (?:of )?(?:about |nearly |over |more than |some )?(?:\d[\d,.]*"
    r"|hundreds|thousands|millions|all|its|their))\b(?! (?:election|vote|campaign|petition))"
)
_FIRST_PERSON = re.compile(r"\b(?:i|we|you|they|can't|cannot|don't|to)\s*$")
# News that an incident is over or did not happen is not news of an incident.
_INCIDENT_OVER = re.compile(
    r"\b(?:fix(?:es|ed)?|patch(?:es|ed)?|resolved|restored|back (?:up|online|to normal)"
    r"|no (?:\w+ )?(?:breach|leak|outage)|corrige\w*|repare\w*|retabli\w*|resolu\w*"
    r"|aucune? (?:\w+ )?(?:fuite|panne|piratage)|sans (?:fuite|panne)|de nouveau|a nouveau)\b"
)


@dataclass(frozen=True)
class PhraseRule:
    """A family of set phrases: its name in explanations, its regexes, the tone it gives, and
    words of which every match holds one (as a whole word): a text with none of them is not
    read by the rule's regexes at all, which costs one set test instead of a substring test
    per needle."""

    name: str
    patterns: tuple[_Guarded, ...]
    sign: int  # -1: the phrase makes a text negative, +1: positive
    words: frozenset[str]


IRONY_AT_BRAND = "irony: praise aimed at the brand"
WAITING = "sarcasm: praise of waiting"
IDIOM = "idiom"
VALUE = "value for money"
INCIDENT = "incident vocabulary"

_WORD = re.compile(r"[a-z]+")  # every word of the rules is plain ASCII once folded


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Sure signs of sarcasm, tried before praise words around bad news: aimed at a brand, they
# are a complaint as well as a tone.
SARCASM_RULES = (
    PhraseRule(IRONY_AT_BRAND, _IRONY_AT_BRAND, -1, _words("thanks thank merci cheers")),
    PhraseRule(
        WAITING,
        _WAITING_PRAISE,
        -1,
        _words(
            """wait waits waiting waited hold queue queuing queueing line phone attendre attente
            patienter poireauter poireaute telephone ligne hotline"""
        ),
    ),
)
# Phrases whose own words are misread, tried after sarcasm ("génial, encore en panne" is
# sarcasm about an incident, not news of one). In order; the first that holds decides.
PLAIN_RULES = (
    PhraseRule(
        IDIOM,
        _IDIOMS,
        -1,
        _words(
            """joke farce clown circus shambles dumpster trainwreck train disgrace rip ripoff scam
            travesty waste never grab slap robbery blague foutage fout foutent importe jamais
            pigeons cons vaches idiots imbeciles argent honte arnaque escroquerie mascarade
            pantalonnade"""
        ),
    ),
    PhraseRule(
        INCIDENT,
        _INCIDENT,
        -1,
        _words(
            """breach breaches breached leak leaks leaky leaked leaking spill spilled spilt spills
            exposed stolen compromised dumped outage outages down hack hacker hackers hacked
            stole ransomware ddos cyber cyberattack cyberattacks cybersecurity recall recalls
            recalled recalling salmonella salmonelle salmonelles listeria listeriose coli
            fuite fuites donnees derobes derobee derobees panne pannes coupure coupures piratage
            piratages pirate pirater pirates piratee piratees cyberattaque cyberattaques attaque
            attaques rancongiciel
            rancongiciels rappel rappels rappelle rappellent"""
        ),
    ),
    PhraseRule(
        VALUE,
        _VALUE,
        +1,
        _words(
            """value worth bang steal unbeatable beat price rapport rapports redire imbattable
            imbattables introuvable introuvables prix vaut valent"""
        ),
    ),
)
RULES = SARCASM_RULES + PLAIN_RULES
COMPLAINING = frozenset(rule.name for rule in SARCASM_RULES)


def words_of(folded: str) -> frozenset[str]:
    """The words of a folded text, as `PhraseRule.words` are compared with."""
    return frozenset(_WORD.findall(folded))


def find_phrase(
    folded: str, rules: tuple[PhraseRule, ...] = RULES, words: frozenset[str] | None = None
) -> tuple[PhraseRule, re.Match[str], int] | None:
    """The first of `rules` whose phrase is in `folded` and not undone around it, its match,
    and the sign it gives: a negated price praise ("not worth every penny", "pas un
    excellent rapport qualité-prix") is a price complaint. `words` are `words_of(folded)`,
    when the caller has them."""
    if words is None:
        words = words_of(folded)
    for rule in rules:
        if rule.words.isdisjoint(words):
            continue
        for found in _matches(rule.patterns, folded):
            if _holds(rule, folded, found):
                start = found.start()
                negated = rule.name == VALUE and _NEGATED_BEFORE.search(
                    folded[max(0, start - 40) : start]
                )
                return rule, found, -rule.sign if negated else rule.sign
    return None


def _matches(patterns: tuple[_Guarded, ...], folded: str) -> Iterator[re.Match[str]]:
    for pattern in patterns:
        if pattern._may_match(folded):
            yield from pattern.regex.finditer(folded)


def _holds(rule: PhraseRule, folded: str, found: re.Match[str]) -> bool:
    """Whether a match says what its rule says: a wait must be long and not negated ("love
    that I never have to wait"), an incident not reported over ("fixes the leak")."""
    start, end = found.span()
    if rule.name == WAITING:
        near = folded[max(0, start - 60) : end + 60]
        if _NEGATED_NEARBY.search(folded[start:end]):
            return False
        if _REAL_WAIT.search(found.group()):
            return bool(_LONG_WAIT.search(near))
        return bool(_TIMED_CALL.search(near))
    if rule.name == IDIOM and folded.startswith(_FRAMED, start):
        return bool(_IDIOM_FRAMES.search(folded[max(0, start - 40) : start]))
    if rule.name == IDIOM:
        return not _NEGATED_BEFORE.search(folded[max(0, start - 40) : start])
    if rule.name == VALUE and folded.startswith("rien", start):
        return bool(_PRICE_FRAME.search(folded[max(0, start - 40) : start]))
    if rule.name == INCIDENT:
        if _FIRST_PERSON.search(folded[max(0, start - 12) : start]):
            return False  # "I recall", "I hacked my DVD player to play every region"
        if folded.startswith("recall", start) and not _RECALL.search(
            folded[max(0, start - 30) : end + 30]
        ):
            return False
        return not (
            _INCIDENT_OVER.search(folded[max(0, start - 80) : end + 80])
            or _NEGATED_BEFORE.search(folded[max(0, start - 40) : start])
        )
    return True
