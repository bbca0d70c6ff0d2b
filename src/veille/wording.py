"""The words of the reports in English and French, and the language's formats for numbers
and dates.

One catalogue for the terminal report and the HTML one: a label is written once per
language, here, and both reports say the same thing. Numbers, percentages and dates are
formatted by Babel from the CLDR data ("1 234,5", "28 %", "jeudi 27 novembre"); Babel is
imported when a report is drawn, never when the command line starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from veille.errors import UsageError
from veille.spikes import (
    BASELINE_DAYS,
    MIN_NEGATIVE_COUNT,
    MIN_SHARE_JUMP,
    MIN_SPIKE_COUNT,
    SPIKE_RULE,
)

LANGUAGES = ("en", "fr")

# key → (English, French). `{name}` fields are filled by `Wording.__call__`.
WORDS: dict[str, tuple[str, str]] = {
    # the report as a whole; French puts a (no-break) space before a colon or semicolon
    "colon": (": ", "\u00a0: "),
    "semicolon": ("; ", "\u00a0; "),
    "report": ("Report", "Rapport"),
    "report_title": ("Brand monitoring report", "Rapport de veille"),
    "before": ("before", "avant"),
    "period": ("Period", "Période"),
    "previous_period": ("compared with", "comparée à"),
    "filters": ("Filters", "Filtres"),
    "no_filter": ("none", "aucun"),
    "time_zone": ("Time zone", "Fuseau horaire"),
    "made_by": ("Made by veille.", "Produit par veille."),
    "written": ("Report written to {path}", "Rapport écrit dans {path}"),
    "language": ("Language", "Langue"),
    "mentions_label": ("Mentions", "Mentions"),
    "net_sentiment": ("net sentiment", "sentiment net"),
    "net_sentiment_title": ("Net sentiment", "Sentiment net"),
    "versus": (
        "{change}, {change_pct} vs {previous}",
        "{change}, {change_pct} par rapport à {previous}",
    ),
    "none_before": ("{change}, none {before}", "{change}, aucune {before}"),
    "tone_label": ("Tone", "Ton"),
    "tone_count": ("{count} {tone} ({pct})", "{tone} {count} ({pct})"),
    # tones, flags and triage states
    "positive": ("positive", "positif"),
    "neutral": ("neutral", "neutre"),
    "negative": ("negative", "négatif"),
    "question": ("question", "question"),
    "complaint": ("complaint", "réclamation"),
    "insult": ("insult", "insulte"),
    "adult": ("adult", "adulte"),
    "spam": ("spam", "spam"),
    # said of mentions: feminine in French
    "new": ("new", "nouvelle"),
    "handled": ("handled", "traitée"),
    "ignored": ("ignored", "ignorée"),
    # tables
    "tone_and_voice": ("Tone and share of voice", "Ton et part de voix"),
    "brand": ("Brand", "Marque"),
    "competitor": ("competitor", "concurrent"),
    "voice": ("Voice", "Voix"),
    "pos": ("Pos", "Pos"),
    "neu": ("Neu", "Neu"),
    "neg": ("Neg", "Nég"),
    "net": ("Net", "Net"),
    "over_time": ("Over time ({cut}{first} → {last})", "Évolution ({cut}{first} → {last})"),
    "last_groups": ("last {count} {grouping}: ", "{count} derniers {grouping}\u00a0: "),
    "day": ("day", "jour"),
    "week": ("week", "semaine"),
    "month": ("month", "mois"),
    "days": ("days", "jours"),
    "weeks": ("weeks", "semaines"),
    "months": ("months", "mois"),
    "per_day": ("Per day", "Par jour"),
    "per_week": ("Per week", "Par semaine"),
    "per_month": ("Per month", "Par mois"),
    "total": ("Total", "Total"),
    "peak": ("Peak", "Max"),
    "spikes": ("Spikes", "Pics"),
    "negative_spike": (", negative", ", négatif"),
    "who": ("Who is talking", "Qui parle"),
    "author": ("Author", "Auteur"),
    "writes_on": ("Writes on", "Écrit sur"),
    "last_seen": ("Last seen", "Vu le"),
    "where_sources": ("Where: sources", "Où\u00a0: sources"),
    "where_sites": ("Where: sites", "Où\u00a0: sites"),
    "where": ("Where", "Où"),
    "sources": ("Sources", "Sources"),
    "sites": ("Sites", "Sites"),
    "source": ("Source", "Source"),
    "type": ("Type", "Type"),
    "share": ("Share", "Part"),
    "domain": ("Site", "Site"),
    "domain_column": ("Domain", "Domaine"),
    "attention": ("Needs attention", "À traiter"),
    "attention_none": (
        "Nothing new that is negative or asks a question.",
        "Rien de nouveau qui soit négatif ou pose une question.",
    ),
    "attention_intro": (
        "Mentions still new that are negative or ask something, newest first.",
        "Mentions encore nouvelles, négatives ou qui demandent quelque chose, "
        "les plus récentes d’abord.",
    ),
    "id": ("ID", "N°"),
    "date": ("Date", "Date"),
    "title": ("Title", "Titre"),
    "no_title": ("(no title)", "(sans titre)"),
    "link": ("Link", "Lien"),
    "open": ("open", "ouvrir"),
    "flags": ("Flags", "Signaux"),
    "status": ("Status", "Statut"),
    "note": ("Note", "Note"),
    "noted": ("Noted", "Notée"),
    "triage": ("Triage", "Traitement"),
    "triage_line": ("{handled}, {ignored}, {new}", "{handled}, {ignored}, {new}"),
    # counted: `Wording.count` takes the `_one` form when the language's plural rule says
    # "one" (English: 1; French: 0 and 1)
    "n_mentions": ("{n} mentions", "{n} mentions"),
    "n_mentions_one": ("{n} mention", "{n} mention"),
    "n_negative": ("{n} negative", "{n} négatives"),
    "n_negative_one": ("{n} negative", "{n} négative"),
    # a spike's negatives, after its mentions; left out when there are none
    "of_them": (", {part}", ", dont {part}"),
    "n_handled": ("{n} handled", "{n} traitées"),
    "n_handled_one": ("{n} handled", "{n} traitée"),
    "n_ignored": ("{n} ignored", "{n} ignorées"),
    "n_ignored_one": ("{n} ignored", "{n} ignorée"),
    "n_new": ("{n} still new", "{n} encore nouvelles"),
    "n_new_one": ("{n} still new", "{n} encore nouvelle"),
    "of": ("of {name}", "de {name}"),
    "of_elided": ("of {name}", "d’{name}"),
    "triage_intro": (
        "Handled and ignored: the mentions marked so during the period, whenever they were "
        "written. Still new: the period's mentions nobody has marked yet. Notes: those "
        "written during the period, on any mention; only a mention's latest mark and note "
        "are kept.",
        "Traitées et ignorées\u00a0: les mentions marquées ainsi pendant la période, quelle "
        "que soit leur date. Encore nouvelles\u00a0: les mentions de la période que personne "
        "n’a encore marquées. Notes\u00a0: celles écrites pendant la période, sur toute "
        "mention\u00a0; seules la dernière marque et la dernière note d’une mention sont gardées.",
    ),
    "triage_no_notes": (
        "No note was written in the period.",
        "Aucune note n’a été écrite pendant la période.",
    ),
    "spikes_rule": ("Spikes: {rule}.", "Pics\u00a0: {rule}."),
    "spike_rule": (
        SPIKE_RULE,
        "un jour d’au moins {min_count} mentions, au-dessus de la moyenne m des {days} jours "
        "précédents (ou du même jour de la semaine les semaines d’avant, si elle est plus "
        "haute) de plus de 3·√m\u00a0; ou d’au moins {min_negative} mentions négatives "
        "dont la part "
        "dépasse celle des {days} jours précédents de {jump} et de 3 écarts binomiaux\u00a0; jugé "
        "une fois que la marque a {days} jours d’historique",
    ),
    "elsewhere": (
        "{n} mentions stored, none in this period; the newest is from {newest}",
        "{n} mentions enregistrées, aucune dans cette période\u00a0; "
        "la plus récente date du {newest}",
    ),
    "elsewhere_one": (
        "{n} mention stored, none in this period; it is from {newest}",
        "{n} mention enregistrée, aucune dans cette période\u00a0; elle date du {newest}",
    ),
    "elsewhere_try": (": try `{hint}`", "\u00a0: essayez `{hint}`"),
    # a sweep's summary (`veille demo` in its language; `veille scan` in English)
    "scan_sources": ("Sources", "Sources"),
    "n_sources_ok": ("{n} ok", "{n} ok"),
    "n_unchanged": ("{n} unchanged", "{n} inchangées"),
    "n_unchanged_one": ("{n} unchanged", "{n} inchangée"),
    "n_failed": ("{n} failed", "{n} en échec"),
    "scan_items": (
        " · items seen: {items} · new mentions: {new}",
        " · articles lus\u00a0: {items} · nouvelles mentions\u00a0: {new}",
    ),
    "scan_interrupted": (
        " · interrupted: what was fetched before is stored",
        " · interrompu\u00a0: ce qui a été lu avant est enregistré",
    ),
    "scan_archive": ("Archive", "Archives"),
    "scan_archive_found": (
        "{n} found in the archive for {brand}",
        "{n} trouvées dans les archives pour {brand}",
    ),
    "scan_archive_found_one": (
        "{n} found in the archive for {brand}",
        "{n} trouvée dans les archives pour {brand}",
    ),
    "scan_archive_why": (
        " (rules changed; stored, not alerted)",
        " (règles changées\u00a0; enregistrées, sans alerte)",
    ),
    "new_mentions": ("New mentions", "Nouvelles mentions"),
    "source_problems": ("Source problems", "Problèmes de sources"),
    "problem": ("Problem", "Problème"),
    "failed": ("failed: ", "échec\u00a0: "),
    "warning": ("warning: ", "avertissement\u00a0: "),
    "demo_keep": (
        "Run `veille demo --db demo.db` to keep the database and explore it.",
        "Lancez `veille demo --db demo.db` pour garder la base et l’explorer.",
    ),
    # the headline
    "headline_none": ("No mention in this period.", "Aucune mention dans cette période."),
    "headline_up": (
        "Mentions {of_brand} up {pct} on {before}",
        "Mentions {of_brand} en hausse de {pct} sur {before}",
    ),
    "headline_down": (
        "Mentions {of_brand} down {pct} on {before}",
        "Mentions {of_brand} en baisse de {pct} sur {before}",
    ),
    "headline_same": (
        "Mentions {of_brand} level with {before}",
        "Mentions {of_brand} stables par rapport à {before}",
    ),
    "headline_new": (
        "{mentions} {of_brand}, none {before}",
        "{mentions} {of_brand}, aucune {before}",
    ),
    "the_week_before": ("the week before", "la semaine précédente"),
    "the_period_before": ("the period before", "la période précédente"),
    "headline_negative": ("{pct} negative", "{pct} négatives"),
    "headline_spike": (
        "a spike on {day}: {mentions}{negative}, on {source}",
        "un pic le {day}\u00a0: {mentions}{negative}, sur {source}",
    ),
    "headline_spike_brand": (
        "a spike {of_brand} on {day}: {mentions}{negative}, on {source}",
        "un pic {of_brand} le {day}\u00a0: {mentions}{negative}, sur {source}",
    ),
    # the HTML report's sections and charts
    "volume": ("Mentions per {unit}", "Mentions par {unit}"),
    "volume_intro": (
        "Each brand's mentions per {unit}, competitors included; spikes are marked.",
        "Les mentions de chaque marque par {unit}, concurrents compris\u00a0; "
        "les pics sont marqués.",
    ),
    "tone_days": ("Tone per {unit}", "Ton par {unit}"),
    "net_chart": (
        "Net sentiment per brand, against the period before",
        "Sentiment net par marque, comparé à la période précédente",
    ),
    "net_intro": (
        "Net sentiment: (positive − negative) ÷ mentions, from −1 to +1.",
        "Sentiment net\u00a0: (positives − négatives) ÷ mentions, de −1 à +1.",
    ),
    "this_period": ("this period", "cette période"),
    "voice_chart": ("Share of voice", "Part de voix"),
    "voice_intro": (
        "Each brand's part of all the mentions of the period.",
        "La part de chaque marque dans toutes les mentions de la période.",
    ),
    "figures_caption": ("The figures", "Les chiffres"),
    "spike_n": ("Spike {n}", "Pic {n}"),
    "spike_note": (
        "{brand}: {mentions}{negative}, on {source}",
        "{brand}\u00a0: {mentions}{negative}, sur {source}",
    ),
    "unknown_source": ("an unnamed source", "une source sans nom"),
    "nobody": ("Nobody named.", "Aucun auteur nommé."),
    "nothing": ("Nothing in this period.", "Rien dans cette période."),
}


# The stored values that are shown in the language: tones, flags and triage states.
TERMS = frozenset(
    "positive neutral negative question complaint insult adult spam new handled ignored".split()
)


def report_language(asked: str | None, environ: Mapping[str, str], *, filters: bool = True) -> str:
    """The report's language: `asked` (`--lang`), else the locale variables as the C library
    reads them (LC_ALL, then LC_MESSAGES, then LANG): French for `fr…`, English otherwise.
    `filters`: whether the command filters mentions, so that the error can point to
    `--mention-lang` for someone who meant that."""
    if asked is not None:
        code = asked.strip().lower()
        if code not in LANGUAGES:
            hint = " (to filter mentions by language, use --mention-lang)" if filters else ""
            raise UsageError(
                f"--lang {asked!r}: the report is written in {' or '.join(LANGUAGES)}{hint}"
            )
        return code
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


class Wording:
    """The catalogue in one language, and that language's formats."""

    def __init__(self, lang: str = "en") -> None:
        if lang not in LANGUAGES:
            raise ValueError(lang)
        self.lang = lang
        self._index = LANGUAGES.index(lang)

    def __call__(self, key: str, **values: Any) -> str:
        text = WORDS[key][self._index]
        return text.format(**values) if values else text

    def label(self, key: str) -> str:
        """A label followed by its colon, spaced as the language wants: "Tone: ", "Ton : "."""
        return self(key) + self("colon")

    def spike_rule(self) -> str:
        """How a spike is found, in words (`spikes.SPIKE_RULE` in English)."""
        if self.lang == "en":
            return SPIKE_RULE
        return self(
            "spike_rule",
            min_count=MIN_SPIKE_COUNT,
            min_negative=MIN_NEGATIVE_COUNT,
            days=BASELINE_DAYS,
            jump=self.percent(100 * MIN_SHARE_JUMP),
        )

    def term(self, value: str | None) -> str:
        """A tone, flag or triage state in the language (as stored when unknown)."""
        return self(value) if value in TERMS else value or ""

    def number(self, value: float | None, digits: int = 0) -> str:
        """A count or measure with the language's separators: "1,234.5", "1 234,5"."""
        from babel.numbers import format_decimal

        if value is None:
            return "-"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.lang)

    def percent(self, value: float | None, *, signed: bool = False) -> str:
        """A percentage given in percent (27.8 → "28%", "28 %")."""
        from babel.numbers import format_percent

        if value is None:
            return "-"
        shown = format_percent(value / 100, locale=self.lang)
        return "+" + shown if signed and round(value) > 0 else shown

    def signed(self, value: float | None, digits: int = 2) -> str:
        """A net sentiment or a change, its sign always written: "+0.25", "-0,17"."""
        from babel.numbers import format_decimal

        if value is None:
            return "-"
        body = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=f"+{body};-{body}", locale=self.lang)

    def day(self, day: date | str, form: str = "short") -> str:
        """A day: `short` "Nov 27" / "27 nov.", `long` "Friday 27 November" / "vendredi 27
        novembre", `tick` "Fri 27" / "ven. 27", `tick_month` "Fri 27 Nov" / "ven. 27 nov.",
        `year` "Nov 27, 2026" / "27 nov. 2026"; its month: `month` "Nov 2026" / "nov.
        2026", `month_long` "November 2026" / "novembre 2026"."""
        from babel.dates import format_date, format_skeleton

        moment = date.fromisoformat(day) if isinstance(day, str) else day
        if form == "long":
            return format_date(moment, "EEEE d MMMM", locale=self.lang)
        if form in ("tick", "tick_month"):
            return format_date(moment, "EEE d" + " MMM" * (form == "tick_month"), locale=self.lang)
        skeletons = {"year": "yMMMd", "month": "yMMM", "month_long": "yMMMM"}
        return format_skeleton(skeletons.get(form, "MMMd"), moment, locale=self.lang)

    def count(self, key: str, n: int, **values: Any) -> str:
        """`n` things as `key` says them (with its other fields' `values`), singular or
        plural by the language's rule (from CLDR, by Babel): "1 mention", "2 mentions";
        "0 mention" in French."""
        from babel import Locale

        one = f"{key}_one"
        if one in WORDS and Locale.parse(self.lang).plural_form(n) == "one":
            key = one
        return self(key, n=self.number(n), **values)

    def of(self, name: str) -> str:
        """ "of Acme"; in French "de Globex" but "d’Acme", elided before a vowel (not
        before an h: "de Hooli")."""
        elided = bool(name) and name[0].lower() in "aeiouàâäéèêëîïôöùûü"
        return self("of_elided" if elided else "of", name=name)
