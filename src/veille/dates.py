"""Dates as forums print them → `YYYY-MM-DDTHH:MM:SSZ` (UTC).

Forum engines print dates for people, not machines, and in the reader's language. The forms
handled, tried in this order:

1. machine forms: ISO 8601 (`datetime` attributes, JSON), epoch seconds or milliseconds
   (`data-time`, `data-timestamp`);
2. relative forms: "3 hours ago", "il y a 3 heures", "vor 3 Stunden", "hace 3 horas",
   "3 ore fa", "há 3 horas", "3 uur geleden", "11 天前", "just now" / "à l'instant";
3. day words with an optional time: "Yesterday at 10:32", "Aujourd'hui à 09:15",
   "Gestern, 18:20", "avant-hier", "hoy", "ieri" …;
4. absolute dates with a month name in English, French, German, Spanish, Italian,
   Portuguese or Dutch ("12 mars 2024 à 14:05", "Mar 12, 2024 2:05 pm",
   "Dienstag, 12. März 2024", "24 Apr 18, 23:50"), CJK `2024年5月16日`, and numeric dates
   (`12.03.2024, 14:05`, `2024/03/12`, `03/12/2024 2:05 PM`).

Numeric day/month order: dots mean day first (German, French); with slashes or hyphens the
month comes first when the text has an AM/PM marker (the US habit) and the day first
otherwise; a first number above 12 is always the day. A date or time without an offset
(`+01:00`, `GMT+2`, `UTC+5:30`), `Z`, `UTC`, `GMT` or a zone abbreviation with one meaning
right after the time (`CET`, `EST`, `JST`…) is a wall-clock time of the zone given, the
forum's (the page rarely says which it means), and "yesterday" is the day before today
there. A time the clock shows twice, when it goes back, is the first of the two; one it
skips, when it goes forward, is read with the offset before the change, which puts it as far
past the change as it was written past the skipped hour (02:30 in Paris on the spring change
is 03:30 there). Nothing here raises: a text that is not a date gives None.

Feed dates (`feed_date`) are read by feedparser's own date parser, as feedparser reads them,
with three corrections of this module's: a 12-hour time is put in 24-hour form first, a zone
it misreads at the end (`GMT+2`, `CET`) is written as its offset, and a date feedparser
cannot read is tried again with its day and month names put in English.
"""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import date, datetime, timedelta, timezone, tzinfo

from feedparser.datetimes import _parse_date  # the parser feedparser.parse uses
from feedparser.datetimes.rfc822 import _parse_date_rfc822, timezone_names

from veille.times import to_stored

__all__ = ["feed_date", "parse_forum_date"]

_MAX_INPUT = 200

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan januar jaenner janner janvier janv enero ene gennaio gen janeiro januari",
        "february feb februar fevrier fevr fev febrero febbraio fevereiro februari",
        "march mar marz maerz mrz mars marzo marco maart mrt",
        "april apr avril avr abril abr aprile",
        "may mai mayo maggio mag maio mei",
        "june jun juni juin junio giugno giu junho",
        "july jul juli juillet juil julio luglio lug julho",
        "august aug aout agosto ago augustus",
        "september sep sept septembre septiembre setiembre settembre set setembro",
        "october oct oktober okt octobre octubre ottobre ott outubro out",
        "november nov novembre noviembre novembro",
        "december dec dezember dez decembre diciembre dic dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_UNITS: dict[str, timedelta] = {}
for _delta, _names in (
    (
        timedelta(seconds=1),
        "s sec secs second seconds seconde secondes sekunde sekunden "
        "segundo segundos secondo secondi",
    ),
    (
        timedelta(minutes=1),
        "m min mins minute minutes minuten minuto minutos minuti minuut minuten",
    ),
    (timedelta(hours=1), "h hr hrs hour hours heure heures stunde stunden hora horas ora ore uur"),
    (timedelta(days=1), "d day days jour jours tag tage tagen dia dias giorno giorni dag dagen"),
    (
        timedelta(weeks=1),
        "w wk week weeks semaine semaines woche wochen semana semanas settimana settimane weken",
    ),
    (
        timedelta(days=30),
        "mo month months mois monat monate monaten mes meses mese mesi maand maanden",
    ),
    (
        timedelta(days=365),
        "y yr year years an ans annee annees jahr jahre jahren ano anos anno anni jaar jaren",
    ),
):
    for _name in _names.split():
        _UNITS[_name] = _delta

# Day names and their usual abbreviations in the same languages, accents folded: a feed date
# starts with one (`mer, 16 nov 2022`, `Mi, 16. Nov 2022`, `sáb., 1 oct. 2022`).
_DAY_NAMES = frozenset(
    (
        "mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday "
        "lun mar mer jeu ven sam dim lundi mardi mercredi jeudi vendredi samedi dimanche "
        "mo di mi do fr sa so montag dienstag mittwoch donnerstag freitag samstag sonntag "
        "mie jue vie sab dom lunes martes miercoles jueves viernes sabado domingo "
        "gio lunedi martedi mercoledi giovedi venerdi sabato domenica "
        "seg ter qua qui sex segunda terca quarta quinta sexta "
        "ma wo vr za zo maandag dinsdag woensdag donderdag vrijdag zaterdag zondag"
    ).split()
)
_ENGLISH_MONTHS = ("jan feb mar apr may jun jul aug sep oct nov dec").split()
# Words between the parts of a date: `16 de noviembre de 2022`, `16. Nov 2022 um 10:00`.
_DATE_FILLERS = frozenset(("de", "del", "um", "a", "alle", "ore", "om", "as", "at"))
_DATE_TOKEN = re.compile(r"\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?|[+-]\d{2}:?\d{2}")
_MERIDIEM_HINT = re.compile(r"[AaPp]\.?\s?[Mm]\b")
_MERIDIEM = re.compile(r"(?<![\d:])(\d{1,2})(:\d{2}(?::\d{2})?)\s*([AaPp])\.?\s?[Mm]\b\.?")

_ONE = "a an one un une ein eine einer einem einen uno una um uma een"
_NUMBER_WORDS = dict.fromkeys(_ONE.split(), 1)
_NUMBER_WORDS.update({"two": 2, "deux": 2, "zwei": 2, "dos": 2, "due": 2, "twee": 2})

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$"
)
_EPOCH = re.compile(r"^\d{9,13}$")
_AGO = re.compile(
    r"(?:\bil y a|\bvor|\bhace|\bha|\bhá)\s+(?P<n1>\d+|[a-z]+)\s+(?P<u1>[a-z]+)"
    r"|(?P<n2>\d+|[a-z]+)\s*(?P<u2>[a-z]+)\.?\s+(?:ago\b|fa\b|geleden\b|atras\b|atrás\b)"
    r"|(?P<n3>\d+)\s*(?P<u3>秒|分钟|分|小时|天|周|个月|月|年)\s*前"
)
_CJK_UNITS = {
    "秒": timedelta(seconds=1),
    "分钟": timedelta(minutes=1),
    "分": timedelta(minutes=1),
    "小时": timedelta(hours=1),
    "天": timedelta(days=1),
    "周": timedelta(weeks=1),
    "个月": timedelta(days=30),
    "月": timedelta(days=30),
    "年": timedelta(days=365),
}
_NOW_WORDS = re.compile(
    r"^(?:just now|now|a l'instant|a l’instant|maintenant|gerade eben|jetzt|ahora mismo|"
    r"ahora|adesso|agora|zojuist|刚刚)$"
)
_DAY_WORDS: tuple[tuple[re.Pattern[str], int], ...] = (
    (
        re.compile(
            r"\b(?:day before yesterday|avant-hier|avant hier|vorgestern|anteayer|"
            r"antes de ayer|l'altro ieri|altro ieri|anteontem|eergisteren)\b"
        ),
        -2,
    ),
    (re.compile(r"\b(?:yesterday|hier|gestern|ayer|ieri|ontem|gisteren)\b|昨天"), -1),
    (re.compile(r"\b(?:today|aujourd'hui|aujourd’hui|heute|hoy|oggi|hoje|vandaag)\b|今天"), 0),
)
_TIME = re.compile(
    r"(?<![\d.:/-])(\d{1,2})\s*(?::|h(?=\d{2}\b)|点)\s*(\d{2})(?:\s*:\s*(\d{2}))?"
    r"(?:\s*分)?(?:\s*([ap])\.?\s?m\b\.?)?"
)
_AMPM = re.compile(r"\b[ap]\.?\s?m\b\.?")
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(\d{4})([./-])(\d{1,2})\2(\d{1,2})(?!\d)"
    r"|(?<!\d)(\d{1,2})([./-])(\d{1,2})\6(\d{4}|\d{2})(?![\d:])"
)
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_WORD = re.compile(r"[a-z]+")
# A written offset: `GMT+2`, `UTC+5:30`, `gmt +02:00` (one- or two-digit hours after GMT or
# UTC), or a bare `+0100` / `-03:30`; else a `UTC`, `GMT` or `Z` anywhere after the time.
_ZONE = re.compile(
    r"\b(?:utc|gmt)\s*([+-])(\d{1,2})(?::?(\d{2}))?(?!\d)"
    r"|([+-])(\d{2}):?(\d{2})\b"
    r"|\b(?:utc|gmt|z)\b"
)
# Zone abbreviations with one meaning and a fixed offset (hours), read only as the word right
# after the time: `2:05 pm EST`, `23:30 CET`, `14:05 (CEST)`. Others (IST, AST…) name several.
_ZONE_ABBREVIATIONS: dict[str, int] = {
    "utc": 0, "gmt": 0, "z": 0, "wet": 0, "west": 1, "bst": 1, "cet": 1, "cest": 2,
    "eet": 2, "eest": 3, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6,
    "pst": -8, "pdt": -7, "jst": 9, "aest": 10, "aedt": 11,
}  # fmt: skip
_ZONE_WORD = re.compile(r"\s*\(?([a-z]{1,4})\)?(?![\w'’+-])")
# The same at the end of a feed date, put in the numeric form feedparser reads.
_FEED_ZONE = re.compile(
    r"(?<=\s)(?:(?:utc|gmt)\s*([+-])(\d{1,2})(?::?(\d{2}))?|([a-z]{1,4}))$", re.IGNORECASE
)
_MAX_OFFSET = timedelta(hours=14)


def feed_date(text: str | None) -> time.struct_time | None:
    """A feed's date string as a UTC `struct_time`, or None when it cannot be read.

    feedparser's date parser, as `feedparser.parse` applies it, with two corrections:

    - a 12-hour time is put in 24-hour form first: feedparser takes the `PM` of
      `Sat, Dec 16 2023 02:02:33 PM` for a time zone and reads 02:02:33, twelve hours early.
      A marker that contradicts its hour (`13:00 AM`) gives no date rather than a guess;
    - a date feedparser cannot read is tried again as RFC 822 with its day name dropped and
      its month name in English: `mer, 16 nov 2022 00:38:15 +0100` (Italian),
      `Mi, 16. Nov. 2022 …` (German), `16 de noviembre de 2022` (Spanish), and English ones
      feedparser misses (`Sat, 16 Dec 2023 14:02:33` without a zone, taken as UTC). Only a
      date made of a day, a month name, a year, a time and a numeric or known zone is read.
    """
    if not text:
        return None
    if _MERIDIEM_HINT.search(text):
        text = _twenty_four_hour(text)
        if text is None:
            return None
    text = _numeric_zone(text.rstrip())
    if text is None:
        return None
    try:
        parsed = _parse_date(text)
        if parsed is None and (english := _english_date(text)):
            parsed = _parse_date_rfc822(english)
    except Exception:  # feedparser's parser on hostile input, as inside feedparser.parse
        return None
    return parsed


def _twenty_four_hour(text: str) -> str | None:
    """`text` with its `h:mm[:ss] AM/PM` time in 24-hour form; None when the marker and the
    hour contradict each other."""
    match = _MERIDIEM.search(text)
    if match is None:
        return text
    hour = _hour_of_day(int(match[1]), match[3] in "Pp")
    if hour is None:
        return None
    return f"{text[: match.start()]}{hour:02d}{match[2]}{text[match.end() :]}"


def _hour_of_day(hour: int, afternoon: bool) -> int | None:
    """A 12-hour clock's hour in 24-hour form; None when the marker contradicts the hour
    (`13:00 AM`, `0:30 PM`) rather than a guess. `13:00 PM` says it twice: 13."""
    if 1 <= hour <= 12:
        return hour % 12 + (12 if afternoon else 0)
    return hour if afternoon == (hour > 12) else None


def _numeric_zone(text: str) -> str | None:
    """`text` with a zone feedparser misreads at its end (`GMT+2`, `UTC+5:30`, `CET`) written
    as the offset it is (`+0200`); None when that offset is not one (beyond ±14 hours)."""
    match = _FEED_ZONE.search(text)
    if match is None:
        return text
    if match[4] is not None and match[4].lower() not in _ZONE_ABBREVIATIONS:
        return text
    offset = (
        timedelta(hours=_ZONE_ABBREVIATIONS[match[4].lower()])
        if match[4] is not None
        else _offset(match[1], match[2], match[3])
    )
    if offset is None:
        return None
    minutes = int(abs(offset).total_seconds()) // 60
    sign = "-" if offset < timedelta(0) else "+"
    return f"{text[: match.start()]}{sign}{minutes // 60:02d}{minutes % 60:02d}"


def _offset(sign: str, hours: str, minutes: str | None) -> timedelta | None:
    """A written UTC offset; None beyond ±14 hours or with 60 minutes or more."""
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if int(minutes or 0) > 59 or offset > _MAX_OFFSET:
        return None
    return -offset if sign == "-" else offset


def _english_date(text: str) -> str | None:
    """`text` as an RFC 822 date feedparser can read: day name dropped, month name in English,
    filler words and the dots of `16.` and `nov.` removed; None unless every other word is
    a number, a time or a time zone."""
    words = [word.rstrip(".") for word in _fold(text).replace(",", " ").split()]
    if len(words) > 1 and words[0].removesuffix("-feira") in _DAY_NAMES:
        if any(word in _MONTHS for word in words[1:]):  # `mar` is Tuesday and March
            words = words[1:]
    english: list[str] = []
    month = False
    for word in words:
        if not month and word in _MONTHS:
            english.append(_ENGLISH_MONTHS[_MONTHS[word] - 1])
            month = True
        elif word in _DATE_FILLERS:
            continue
        elif _DATE_TOKEN.fullmatch(word) or word in timezone_names or word == "utc":
            english.append(word)
        else:
            return None
    return " ".join(english) if month else None


def parse_forum_date(text: str, now: datetime, zone: tzinfo = timezone.utc) -> str | None:
    """The UTC timestamp a forum date means, or None when `text` is not one (never raises).

    `zone` is the forum's: what a date without an offset is a wall-clock time of, and whose
    days "today" and "yesterday" are. A naive `now` is UTC.
    """
    try:
        value = _parse(text, _as_utc(now), zone)
    except (ValueError, OverflowError, TypeError, OSError):  # OSError: the C library's zones
        return None
    return to_stored(value) if value is not None else None


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def _parse(text: str, now: datetime, zone: tzinfo) -> datetime | None:
    if not text or not isinstance(text, str):
        return None
    raw = text.strip()[:_MAX_INPUT]
    if not raw:
        return None
    iso = _ISO.match(raw.lower())
    if iso:
        return _from_iso(iso, zone)
    if _EPOCH.match(raw):
        number = int(raw)
        seconds = number / 1000 if len(raw) >= 12 else number
        return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(microsecond=0)
    folded = _fold(raw.replace("\u00a0", " "))
    if _NOW_WORDS.match(folded.strip(" .!")):
        return now.replace(microsecond=0)
    relative = _relative(folded, now)
    if relative is not None:
        return relative
    today = now.astimezone(zone).date()
    for pattern, days in _DAY_WORDS:
        if pattern.search(folded):
            day = today + timedelta(days=days)
            return _at_time(day.year, day.month, day.day, folded, zone)
    return _absolute(folded, today, zone)


def _from_iso(match: re.Match[str], zone: tzinfo) -> datetime:
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    hour, minute, second = int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
    value = datetime(year, month, day, hour, minute, second)
    written = match[7]
    if not written:
        return _wall_clock(value, zone)
    if written[0] not in "+-":
        return value.replace(tzinfo=timezone.utc)
    digits = written[1:].replace(":", "")
    offset = _offset(written[0], digits[:2], digits[2:4] or None)
    if offset is None:
        raise ValueError(written)
    return value.replace(tzinfo=timezone(offset)).astimezone(timezone.utc)


def _wall_clock(value: datetime, zone: tzinfo) -> datetime:
    """A naive wall-clock time of `zone` as the moment it is: of a time shown twice, the
    first (`fold=0`); a skipped time with the offset before the change (see the module)."""
    return value.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def _relative(folded: str, now: datetime) -> datetime | None:
    match = _AGO.search(folded)
    if not match:
        return None
    if match["n3"]:
        delta = _CJK_UNITS[match["u3"]] * int(match["n3"])
    else:
        amount_text = match["n1"] or match["n2"]
        unit_text = match["u1"] or match["u2"]
        amount = int(amount_text) if amount_text.isdigit() else _NUMBER_WORDS.get(amount_text)
        unit = _UNITS.get(unit_text) or _UNITS.get(unit_text.rstrip("s"))
        if amount is None or unit is None:
            return None
        delta = unit * amount
    return (now - delta).replace(microsecond=0)


def _at_time(year: int, month: int, day: int, folded: str, zone: tzinfo) -> datetime:
    """The given day at the first time of day found in `folded` (midnight when none), in the
    offset written after that time, else in `zone`."""
    hour = minute = second = 0
    time_match = _TIME.search(folded)
    if time_match:
        hour, minute = int(time_match[1]), int(time_match[2])
        second = int(time_match[3] or 0)
        if time_match[4]:
            twenty_four = _hour_of_day(hour, time_match[4] == "p")
            if twenty_four is None:
                raise ValueError(time_match[0])  # no date rather than a guess
            hour = twenty_four
    value = datetime(year, month, day, hour, minute, second)
    offset = _written_offset(folded[time_match.end() :]) if time_match else None
    if offset is None:
        return _wall_clock(value, zone)
    return value.replace(tzinfo=timezone(offset)).astimezone(timezone.utc)


def _written_offset(after: str) -> timedelta | None:
    """The UTC offset written after a time: a numeric one anywhere, else a known abbreviation
    as the next word, else `UTC`, `GMT` or `Z` anywhere; None when there is none. ValueError
    for an offset that is not one (`GMT+25`)."""
    written = _ZONE.search(after)
    if written is not None and (written[1] or written[4]):
        offset = (
            _offset(written[1], written[2], written[3])
            if written[1]
            else _offset(written[4], written[5], written[6])
        )
        if offset is None:
            raise ValueError(written[0])
        return offset
    word = _ZONE_WORD.match(after)
    if word is not None and word[1] in _ZONE_ABBREVIATIONS:
        return timedelta(hours=_ZONE_ABBREVIATIONS[word[1]])
    return timedelta(0) if written is not None else None


def _absolute(folded: str, today: date, zone: tzinfo) -> datetime | None:
    cjk = _CJK_DATE.search(folded)
    if cjk:
        return _at_time(int(cjk[1]), int(cjk[2]), int(cjk[3]), folded[cjk.end() :], zone)
    numeric = _NUMERIC_DATE.search(folded)
    if numeric:
        if numeric[1]:
            year, month, day = int(numeric[1]), int(numeric[3]), int(numeric[4])
        else:
            first, second, year = int(numeric[5]), int(numeric[7]), int(numeric[8])
            year = year + 2000 if year < 100 else year
            us_order = numeric[6] != "." and bool(_AMPM.search(folded)) and second <= 31
            if first > 12 or (not us_order and second <= 12):
                day, month = first, second
            else:
                month, day = first, second
        rest = folded[: numeric.start()] + " " + folded[numeric.end() :]
        return _at_time(year, month, day, rest, zone)
    return _with_month_name(folded, today, zone)


def _with_month_name(folded: str, today: date, zone: tzinfo) -> datetime | None:
    words = list(_WORD.finditer(folded))
    month_match = next((w for w in words if w[0] in _MONTHS), None)
    if month_match is None:
        return None
    month = _MONTHS[month_match[0]]
    before, after = folded[: month_match.start()], folded[month_match.end() :]
    day_before = re.search(r"(?<![\d:])(\d{1,2})(?:st|nd|rd|th|er|e|\.|º)?\s*(?:de\s+)?$", before)
    day_after = re.match(r"\.?\s*(\d{1,2})(?:st|nd|rd|th)?(?![\d:])", after)
    year_match = re.search(r"(?<![\d:])(\d{4})(?![\d:])", folded)
    day: int | None = None
    consumed_after = 0
    if day_before:
        day = int(day_before[1])
    elif day_after:
        day = int(day_after[1])
        consumed_after = day_after.end()
    if day is None:
        return None
    if year_match:
        year = int(year_match[1])
    else:
        short = re.match(r"\.?\s*(?:de\s+)?'?(\d{2})(?![\d:])", after[consumed_after:].lstrip(","))
        if short and day_before:
            year = 2000 + int(short[1])
        else:
            year = today.year
            if date(year, month, day) > today + timedelta(days=1):
                year -= 1
    return _at_time(year, month, day, folded, zone)
