"""Flags of a mention (question, complaint, insult, adult, spam), read on the folded text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from veille.models import FLAGS
from veille.tone.explain import as_written
from veille.tone.guarded import _rx
from veille.tone.lexicon import _URL, _fold

if TYPE_CHECKING:  # pragma: no cover
    from veille.tone.explain import Explanation

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


def _flags(text: str, lang: str, explanation: Explanation | None = None) -> tuple[str, ...]:
    """Flags that apply to text, in FLAGS order. Regexes run on the folded text."""
    folded = _fold(text).replace("’", "'")
    links = 0
    plain = folded
    if "://" in folded or "www." in folded.lower():  # what every link holds, in any case
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
    flags = tuple(flag for flag in FLAGS if flag in found)
    if explanation is not None:
        explanation.flags = {flag: _flag_words(flag, text, plain, links) for flag in flags}
    return flags


def _flag_words(flag: str, text: str, plain: str, links: int) -> str:
    """The words that raised `flag`, for an explanation: the first match of its patterns in
    either language, or what was counted."""
    patterns = {
        "question": [_QUESTION_OPENERS],
        "complaint": list(_COMPLAINT.values()),
        "insult": list(_INSULT.values()),
        "adult": [_ADULT],
        "spam": [_SPAM_STRONG],
    }[flag]
    for pattern in patterns:
        found = pattern.search(plain)
        if found is not None:
            return as_written(text, plain, found.span())
    if flag == "question":
        return "?"
    if flag == "spam":
        weak = ", ".join(_SPAM_WEAK.findall(plain)[:3])
        return f"{links} link{'s' if links > 1 else ''}" + (f", {weak}" if weak else "")
    return ""
