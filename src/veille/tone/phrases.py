"""Set phrases whose tone their words miss, read on the folded text.

A lexicon scores words one by one, and some of the commonest things said about a brand get
the wrong sign that way: "thanks a lot Acme, really" and "love waiting 2 hours on hold" are
made of praise words; "their return policy is a joke" scores the "joke" as fun; "rapport
qualité-prix imbattable" and "worth every penny" hold no tone word at all; "leaky database
spilled 2FA codes" or "panne géante" are news of an incident in plain words. Each family
below is one rule with a name the explanation shows. They are `_Guarded` regexes: a text
without any of their words costs a few substring tests, and every pattern has bounded
repeats over single characters or space-separated words, so it runs in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veille.tone.guarded import _Guarded, _rx

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
_IRONY_AT_BRAND = _rx(
    r"\b(?:thanks|thank you|many thanks|cheers)(?: (?:a lot|so much|very much|again))? "
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
    r"\b(?:thanks|thank you)(?: (?:a lot|so much|very much|a bunch|a million))? "
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
    r"(?:attendre|attente|patienter|poireauter|poireaute|au telephone|en ligne|a la hotline"
    r"|musique d'attente|file d'attente)"
)
_WAITING_PRAISE = _rx(
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
_NEGATED_NEARBY = re.compile(
    r"\b(?:not|never|no longer|don't|didn't|won't|without|ne|n'|pas|plus|jamais|sans)\b"
)

# --------------------------------------------------------------------------- idioms of contempt
_IDIOMS = _rx(
    r"\b(?:is|are|was|were|'s|it's) (?:such |really |truly )?(?:a |an )?"
    r"(?:total |complete |absolute |utter |bad |sick |cruel |running |fucking |bloody )?"
    r"(?:joke|farce|clown show|circus|shambles|dumpster fire|train ?wreck|disgrace|rip-?off"
    r"|scam|con|travesty)\b",
    r"\bwhat an? (?:(?:total|complete|absolute) )?(?:joke|farce|shambles|rip-?off|scam|circus"
    r"|clown show|disgrace)\b",
    r"\b(?:total|complete|absolute|utter) (?:joke|farce|shambles|scam|rip-?off|clown show"
    r"|dumpster fire|waste)\b|\bclown show\b|\bdumpster fire\b",
    r"\bwaste of (?:money|time|space|cash|my money|my time)\b|\bnever again\b",
    r"\bslap in the face\b|\bdaylight robbery\b|\b(?:cash|money) grab\b",
    r"\btak(?:e|es|ing) (?:us|me|people|customers) for (?:fools|idiots|a ride|mugs)\b",
    r"\bc'est (?:une |un )?(?:vraiment |franchement |encore )?(?:une )?(?:(?:vaste|grosse|belle"
    r"|mauvaise|sacree) )?blague\b|\bune vaste blague\b|\bquelle blague\b",
    r"\bfoutage de gueule\b|\bse fout(?:ent)? de (?:nous|notre gueule|la gueule)\b",
    r"\b(?:du |c'est )(?:grand |vraiment |n'importe )?n'importe quoi\b",
    r"\bplus jamais\b(?! sans)|\bjamais plus\b",
    r"\bprend(?:re|s|ent)? (?:les gens |les clients |nous |vous )?pour des (?:pigeons|cons"
    r"|vaches a lait|idiots|imbeciles)\b|\bnous prend(?:re|nent)? pour des\b",
    r"\b(?:de l'|d')argent (?:jete|foutu|balance) (?:par les fenetres|en l'air)\b"
    r"|\bargent (?:jete|foutu) (?:par les fenetres|en l'air)\b",
    r"\b(?:une |c'est une |quelle )(?:honte|arnaque|escroquerie|mascarade|pantalonnade)\b",
)

# --------------------------------------------------------------------------- value for money
_VALUE = _rx(
    r"\b(?:great|good|excellent|superb|amazing|outstanding|incredible|unbeatable|fantastic"
    r"|solid|brilliant|exceptional|terrific|best|decent|very good|really good)"
    r" value(?: for (?:money|the money|the price|what you (?:get|pay)))?\b",
    r"\bworth (?:every|each) (?:penny|cent|dollar|pound|euro)\b"
    r"|\bworth (?:the|its|their) (?:money|price)\b",
    r"\b(?:best|great|good|more|most|lots of|plenty of|biggest) bang for (?:the|your|my|our) buck"
    r"\b",
    r"\b(?:is|a real|an absolute|such|what) (?:a )?steal\b",
    r"\bunbeatable (?:price|prices|deal)\b|\bcan'?t beat (?:the|that|this|their|its) (?:price"
    r"|value)\b|\bfor (?:the|that|this) price,? (?:you )?(?:really |just |simply |honestly )?"
    r"(?:can'?t|cannot|can not) (?:beat|complain|go wrong|ask for more)\b"
    r"|\bhard to beat for the (?:price|money)\b",
    r"\b(?:excellent|bon|tres bon|super|meilleur|imbattable|top|parfait|incroyable|bon|tres bon"
    r"|tres bien|exceptionnel|ideal|genial|superbe|tres correct|correct|juste) rapports? "
    r"(?:qualite[ /-]?prix|qualite ?/ ?prix)\b",
    r"\brapports? qualite ?[ /-]? ?prix (?:est |vraiment |tout simplement |absolument )?"
    r"(?:imbattable|excellent|top|au top|parfait|incroyable|genial|tres bon|ideal"
    r"|exceptionnel|remarquable|canon|de folie|super|imbattables|tres correct|au rendez-vous"
    r"|ultra competitif|defiant toute concurrence)\b",
    r"\bpour (?:ce|le) prix,? (?:il n'y a |y a |franchement |vraiment )?rien a redire\b"
    r"|\b(?:imbattables?|introuvables? moins cher) pour (?:le|ce) prix\b"
    r"|\bprix (?:imbattables?|defiant toute concurrence)\b",
    r"\bva(?:ut|lent) (?:largement |vraiment |bien |amplement )?(?:son|leur) prix\b"
    r"|\bva(?:ut|lent) (?:chaque|le moindre) (?:centime|euro|sou)\b",
)
_NEGATED_BEFORE = re.compile(
    r"(?:\b(?:not|never|hardly|no|isn't|wasn't|aren't|pas|jamais|aucun|aucune|plus|loin d'un"
    r"|loin d'etre un|n'est pas un|n'est pas d'un)\b|n't)\W*(?:\w+\W+)?$"
)

# --------------------------------------------------------------------------- incident vocabulary
_INCIDENT = _rx(
    r"\bbreach(?:es|ed)?\b|\b(?:data|database|password|security|gas|oil|chemical|radiation"
    r"|toxic) leaks?\b|\bleak(?:y|ed|s|ing)? (?:\w+ ){0,2}?(?:database|data|passwords|codes"
    r"|records|details|emails|information|documents|servers?)\b|\bspill(?:ed|t|s)? (?:\w+ ){0,2}?"
    r"(?:data|codes|passwords|records|details|emails|information|numbers)\b",
    r"\b(?:data|records|passwords|emails|details|information|codes|numbers) (?:\w+ )?"
    r"(?:exposed|stolen|compromised|dumped)\b|\bexposed (?:\w+ ){0,2}?(?:data|records"
    r"|passwords|emails|details|information|codes|numbers)\b",
    r"\boutages?\b|\b(?:servers?|site|website|app|network|services?|systems?)"
    r" (?:goes|went|go|are|is|were|was) down\b",
    r"\bhackers?\b|\bhacked\b|\bhack of\b|\bstole (?:\w+ ){0,3}?(?:data|details|code|files"
    r"|passwords|records|money|funds|emails|information|numbers)\b",
    r"\bransomware\b|\bcyber[ -]?attacks?\b|\bcyber ?security incident\b|\bddos\b",
    r"\b(?:product|safety|voluntary|massive|mass|urgent|nationwide|global) recalls?\b"
    r"|\b(?:issues?|issued|announces?|announced|expands?|expanded|orders?|ordered) (?:a )?"
    r"(?:\w+ )?recall\b|(?<!\bi )(?<!\bwe )(?<!\byou )\brecall(?:s|ed|ing)? (?:of )?"
    r"(?:about |nearly |over |more than |some )?(?:\d[\d,.]*|hundreds|thousands|millions)\b",
    r"\bfuites? (?:massives? )?(?:de donnees|d'informations|de mots de passe)\b"
    r"|\bvols? de donnees\b|\bdonnees (?:\w+ )?(?:derobees|volees|piratees|exposees"
    r"|divulguees|dans la nature)\b|\bderob\w+",
    r"\bpannes?\b|\bcoupures? (?:geantes?|massives?|generales?|de reseau|du reseau)\b",
    r"\bpiratages?\b|\bpirat(?:e|es|ee|ees)\b|\bpirates informatiques\b"
    r"|\bcyber-?attaques?\b|\battaques? (?:informatiques?|par rancongiciel)\b|\brancongiciels?\b",
    r"\brappels? (?:de produits?|conso|massifs?|de lots?|de vehicules?|sanitaires?"
    r"|de securite)\b|\brappel(?:le|lent)? (?:\d[\d\s.,]* (?:millions? de |milliers? de )?"
    r"|des milliers de |plusieurs |ses |des )?(?:vehicules|voitures|produits|lots|references"
    r"|jouets|poussettes|appareils)\b",
    r"\b(?:salmonelles?|salmonella|listeria|listeriose|e\. coli)\b",
)
# News that an incident is over or did not happen is not news of an incident.
_INCIDENT_OVER = re.compile(
    r"\b(?:fix(?:es|ed)?|patch(?:es|ed)?|resolved|restored|back (?:up|online|to normal)"
    r"|no (?:\w+ )?(?:breach|leak|outage)|corrige\w*|repare\w*|retabli\w*|resolu\w*"
    r"|aucune? (?:\w+ )?(?:fuite|panne|piratage)|sans (?:fuite|panne)|de nouveau|a nouveau)\b"
)


@dataclass(frozen=True)
class PhraseRule:
    """A family of set phrases: its name in explanations, its regex, and the tone it gives."""

    name: str
    pattern: _Guarded
    sign: int  # -1: the phrase makes a text negative, +1: positive


IRONY_AT_BRAND = "irony: praise aimed at the brand"
WAITING = "sarcasm: praise of waiting"
IDIOM = "idiom"
VALUE = "value for money"
INCIDENT = "incident vocabulary"

# In the order they are tried; the first that holds decides.
RULES = (
    PhraseRule(IRONY_AT_BRAND, _IRONY_AT_BRAND, -1),
    PhraseRule(WAITING, _WAITING_PRAISE, -1),
    PhraseRule(IDIOM, _IDIOMS, -1),
    PhraseRule(INCIDENT, _INCIDENT, -1),
    PhraseRule(VALUE, _VALUE, +1),
)
# Rules that, aimed at a brand, are a complaint as well as a tone.
COMPLAINING = frozenset((IRONY_AT_BRAND, WAITING))


def find_phrase(folded: str) -> tuple[PhraseRule, re.Match[str], int] | None:
    """The first rule of `RULES` whose phrase is in `folded` and not undone around it, its
    match, and the sign it gives: a negated price praise ("not worth every penny", "pas un
    excellent rapport qualité-prix") is a price complaint."""
    for rule in RULES:
        for found in _matches(rule.pattern, folded):
            if _holds(rule, folded, found):
                start = found.start()
                negated = rule.name == VALUE and _NEGATED_BEFORE.search(
                    folded[max(0, start - 24) : start]
                )
                return rule, found, -rule.sign if negated else rule.sign
    return None


def _matches(pattern: _Guarded, folded: str) -> list[re.Match[str]]:
    if not pattern.search(folded):
        return []
    return list(pattern.regex.finditer(folded))


def _holds(rule: PhraseRule, folded: str, found: re.Match[str]) -> bool:
    """Whether a match says what its rule says: a wait must be long and not negated ("love
    that I never have to wait"), an incident not reported over ("fixes the leak")."""
    start, end = found.span()
    if rule.name == WAITING:
        near = folded[max(0, start - 60) : end + 60]
        return bool(_LONG_WAIT.search(near)) and not _NEGATED_NEARBY.search(folded[start:end])
    if rule.name == INCIDENT:
        return not _INCIDENT_OVER.search(folded[max(0, start - 80) : end + 80])
    return True
