"""Archive benchmark: building the item archive, then a backfill and backtests over it.

Usage: python bench/archive_bench.py [--items 1000000] [--share 0.01] [--per-source 50]
                                     [--db FILE] [--vacuum] [--keep-copy] [--profile DIR]
                                     [--skip-backfill]

1. Build (or reuse) an archive of N items in `--db` (default /tmp/veille-archive-bench-N.db;
   an existing file is completed where a run stopped, never rebuilt) through the real store
   API: sweeps of 300 sources, each source's items written by one `Store.record_source(name,
   health, mentions, items=[ArchivedItem…])` call, as a scan writes them. The text is
   generated here (seeded): French or English, 300-900 characters, words drawn from a Zipf
   law over a vocabulary of common words plus a long tail of made-up ones (accents,
   apostrophes, hashtags, numbers, some emoji), so that the full-text index has a realistic
   number of terms and doclists. Dates span 180 days, 5,000 authors. The configured brand
   "Acme" is named in ~5% of the items and stored as mentions (origin 'sweep'; ~2% of its
   items are left unstored, and ~1% of its mentions are on items an older rule matched,
   "Akme", which the current rule no longer finds); as in a scan, only an item with a
   mention keeps a language. The competitor "Globex", not configured, is named in `--share`
   of the items; 10% of those also say "anvil" (for `exclude`), and 3% only say "globex_…",
   which the index finds but the matcher does not. Prints build time (and the part spent in
   `record_source`), the file's size per 100,000 items after `PRAGMA
   wal_checkpoint(TRUNCATE)` (and after `VACUUM INTO` a scratch file with `--vacuum`), and
   how the pages split between the archive (items and its indexes, items_fts) and the rest
   (mention_rows, mentions_fts), from the dbstat virtual table.
2. Backtests, which only read the database: `run_backtest` of Globex (terms [Globex],
   exclude [anvil], compare_with=None) and of the configured Acme (compare_with='Acme').
3. Backfill of the new brand Globex over the whole archive, `backfill(store, [Globex],
   now=...)`, on a copy of the database (removed afterwards unless `--keep-copy`), so the
   built file stays as built and the next run measures the same thing.

Each measured step runs in a fresh interpreter (this script with `--step`), so its peak RSS
(`getrusage` maxrss) is that step's own, not the build's; RSS is also sampled every 20 ms
during the call, and the backfill's RSS is noted after each page, to show whether memory
stays flat while the archive is read. The tone models are loaded before the clock starts
(that one-off cost is printed apart). The targets, for 1,000,000 items: backfill of one new
brand <= 30 s, backtest <= 5 s; for another N the figure is also scaled linearly to 1M.
`--profile DIR` writes a cProfile of each step there and prints its top functions.
Run by hand, on an otherwise idle machine; nothing here is a test.
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import io
import json
import math
import os
import pstats
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from veille.backfill import backfill  # noqa: E402
from veille.backtest import run_backtest  # noqa: E402
from veille.match import BrandSet, find_mentions  # noqa: E402
from veille.models import ArchivedItem, Brand, Item, Mention, Source  # noqa: E402
from veille.store import Store  # noqa: E402
from veille.tone import tones_around  # noqa: E402
from veille.urls import domain_of  # noqa: E402

SEED = 20261201
END = datetime(2026, 12, 1, tzinfo=timezone.utc)
DAYS = 180
SOURCES = 300
AUTHORS = 5000
ACME_SHARE = 0.05
ANVIL_SHARE = 0.10  # of the Globex items
UNDERSCORE_SHARE = 0.03  # of the Globex items: "globex_…", an index hit the matcher refuses
ACME = Brand("Acme", ("Acme",))
GLOBEX = Brand("Globex", ("Globex",))
GLOBEX_TRIED = Brand("Globex", ("Globex",), exclude=("anvil",))
TARGETS = {"backfill": 30.0, "backtest": 5.0}  # seconds, for 1,000,000 items

# Common words, most frequent first; the Zipf law gives the first ones most of the text.
FRENCH = """
de la le et les des en un une du est pour que qui dans pas au sur plus ne il a ce par
je on avec se mais ou nous vous ils sont elle tout fait cette été comme bien aussi très
son sa ses leur même deux sans peu encore avoir faire dire voir après avant depuis
alors donc parce quand comment pourquoi toujours jamais rien chose temps jour année
fois moment semaine mois matin soir hier aujourd’hui demain client clients service
commande livraison colis retard délai prix tarif promo remise magasin boutique site
application appli compte mot passe paiement carte remboursement retour échange
garantie panne batterie écran chargeur téléphone ordinateur vélo voiture trottinette
abonnement forfait réseau fibre box internet facture conseiller hotline attente
réponse problème solution question avis note étoiles qualité produit marque nouveau
nouvelle ancien ancienne meilleur pire super génial top nul décevant déçu content
satisfait rapide lent cher pas cher gratuit offert français française europe paris
lyon marseille lille toulouse bordeaux nantes rennes ville quartier rue centre
équipe directeur patron salarié grève usine emploi chiffre affaires bourse action
marché croissance baisse hausse résultats trimestre annonce lancement sortie mise
jour version bug correctif sécurité données fuite piratage confidentialité cnil
enquête article journal presse média vidéo photo lien fil discussion forum sujet
message réponse merci bonjour salut svp franchement vraiment carrément grave ouf
""".split()
ENGLISH = """
the of and to a in is it you that he was for on are with as his they be at one have
this from or had by not but what some we can out other were all there when up use
your how said an each she which do their time if will way about many then them would
like so these her long make thing see him two has look more day could go come did my
no most who over know than call first people may down side been now find any new work
part take get place made live where after back little only round man year came show
every good me give our under name very through just form much great think say help
low line before turn cause same mean differ move right boy old too does tell set three
want air well also play small end put home read hand port large spell add even land
here must big high such follow act why ask men change went light kind off need house
customer customers service order delivery package late delay price deal discount store
shop website app account password payment card refund return exchange warranty broken
battery screen charger phone laptop bike car scooter subscription plan network fiber
router bill support agent waiting answer problem issue fix question review rating stars
quality product brand awesome terrible amazing disappointed happy fast slow expensive
cheap free london york boston chicago seattle austin team ceo staff strike factory jobs
revenue stock shares market growth drop rise results quarter launch release update bug
security data breach privacy lawsuit report news press video photo link thread forum
post reply thanks hey honestly literally basically anyway lol tbh imo btw
""".split()
SYLLABLES = {
    "fr": "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go la le li lo "
    "lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti "
    "to tu va ve vi vo an en in on ou oi eau ai é è ê à ç ch qu gn ille tion eur ette ière".split(),
    "en": "ba be bi bo bu ca co cu da de di do fa fe fi fo ga go ha he hi ho hu ja jo ka ke "
    "ki la le li lo ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to "
    "th sh ch ck ng st tr ing er ly ed ow ay ee oo ight ness ful".split(),
}
TAIL = 60_000  # made-up words per language: a corpus of 10^8 words has ~10^5 distinct ones
FIRST_NAMES = """
Camille Léa Manon Chloé Inès Sarah Emma Louise Jade Alice Lucas Hugo Louis Gabriel Jules
Théo Nathan Arthur Adam Raphaël Olivia Emily Jessica Ashley Megan Jacob Michael Ethan Ryan
Tyler Noah Liam Mason Logan Aiden Zoé Margaux Élise Maël Sacha Noé Timéo Kylian Wendy Paul
""".split()
LAST_NAMES = """
Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre
Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert
Bonnet François Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore
Jackson White Harris Clark Lewis Walker Hall Young King Wright Scott Green Baker Adams Nelson
""".split()
EMOJI = "👍 👎 😡 😂 🙏 🔥 💸 🚚 ❤️ 🤔".split()
TYPES = ("rss", "rss", "forum", "blog")


class Writer:
    """Generates the archive's text: seeded, French or English, Zipf-distributed words."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.vocabulary: dict[str, tuple[list[str], list[float]]] = {}
        for lang, common in (("fr", FRENCH), ("en", ENGLISH)):
            words = list(dict.fromkeys(common))
            words += self._made_up(lang, TAIL, set(words))
            weights = [1.0 / (rank + 2.7) for rank in range(len(words))]
            cumulative, total = [], 0.0
            for weight in weights:
                total += weight
                cumulative.append(total)
            self.vocabulary[lang] = (words, cumulative)
        # Full names (every pair once), then handles: 5,000 distinct authors.
        names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        self.random.shuffle(names)
        names = names[: AUTHORS * 2 // 3]
        names += [
            f"{self.random.choice(FIRST_NAMES).lower()}_{n}" for n in range(AUTHORS - len(names))
        ]
        self.random.shuffle(names)
        self.authors = names
        # Authors post unevenly: a few hundred regulars write much of a forum.
        self.author_weights = list(
            _cumulative([1.0 / (rank + 10) ** 0.9 for rank in range(AUTHORS)])
        )

    def reseed(self, seed: int) -> None:
        """Start a sweep's own sequence: a sweep is the same whichever run writes it."""
        self.random.seed(seed)

    def _made_up(self, lang: str, count: int, taken: set[str]) -> list[str]:
        syllables, made = SYLLABLES[lang], []
        while len(made) < count:
            word = "".join(self.random.choices(syllables, k=self.random.choice((2, 2, 3, 3, 4))))
            if word not in taken:
                taken.add(word)
                made.append(word)
        return made

    def words(self, lang: str, count: int) -> list[str]:
        words, cumulative = self.vocabulary[lang]
        top, draw, hi = cumulative[-1], self.random.random, len(words) - 1
        return [words[bisect.bisect(cumulative, draw() * top, 0, hi)] for _ in range(count)]

    def author(self) -> str:
        weights = self.author_weights
        at = bisect.bisect(weights, self.random.random() * weights[-1], 0, AUTHORS - 1)
        return self.authors[at]

    def text(self, lang: str, length: int, inserts: list[str]) -> str:
        """About `length` characters of sentences, with each of `inserts` placed in it."""
        words = self.words(lang, length // 4 + 8)
        while sum(map(len, words)) + len(words) < length:
            words += self.words(lang, 20)
        rand = self.random.random
        for n, word in enumerate(words):
            roll = rand()
            if roll < 0.004:
                words[n] = f"#{word}"
            elif roll < 0.008:
                words[n] = str(self.random.randrange(1, 2000))
            elif roll < 0.010:
                words[n] = self.random.choice(EMOJI)
        room = length - sum(len(insert) + 1 for insert in inserts)
        for n, word in enumerate(words):  # the words that fit, with a space after each
            room -= len(word) + 1
            if room < 0:
                del words[max(n, 1) :]
                break
        for insert in inserts:
            words.insert(self.random.randrange(len(words) + 1), insert)
        sentences, at = [], 0
        while at < len(words):
            size = self.random.randrange(5, 19)
            sentence = words[at : at + size]
            sentence[0] = sentence[0][:1].upper() + sentence[0][1:]
            sentences.append(" ".join(sentence) + self.random.choice(".....?!"))
            at += size
        return " ".join(sentences)

    def title(self, lang: str, inserts: list[str]) -> str:
        words = self.words(lang, self.random.randrange(4, 11)) + inserts
        words[0] = words[0][:1].upper() + words[0][1:]
        return " ".join(words)


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


# -- building ----------------------------------------------------------------------------


def sources() -> list[Source]:
    return [
        Source(f"source-{n:03d}", TYPES[n % 4], f"https://site{n:03d}.example/feed.xml")  # type: ignore[arg-type]
        for n in range(SOURCES)
    ]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(db_path: Path, count: int, share: float, per_source: int) -> dict[str, Any]:
    """Write sweeps until the archive holds `count` items; resumes where a run stopped (a
    sweep is regenerated whole from its own seed; what it had written is kept as it was)."""
    per_sweep = SOURCES * per_source
    sweeps = math.ceil(count / per_sweep)
    span = timedelta(days=DAYS) / sweeps
    start = END - timedelta(days=DAYS)
    all_sources = sources()
    weights = list(_cumulative([1.0 / (n + 3) ** 0.7 for n in range(SOURCES)]))
    acme_rules = BrandSet([ACME])
    written = {"items": 0, "mentions": 0, "seconds": 0.0, "storing": 0.0}
    writer = Writer(SEED)
    with Store(db_path) as store:
        store.sync_sources(all_sources)
        done = store.archive_count()
        first = min(done // per_sweep, sweeps)
        began = time.perf_counter()
        for sweep in range(first, sweeps):
            writer.reseed(SEED + 1 + sweep)
            total = min(per_sweep, count - sweep * per_sweep)
            by_source: dict[int, list[int]] = {}
            for n in range(total):
                at = bisect.bisect(weights, writer.random.random() * weights[-1], 0, SOURCES - 1)
                by_source.setdefault(at, []).append(sweep * per_sweep + n)
            swept = start + span * (sweep + 1)
            for at, numbers in sorted(by_source.items()):
                source = all_sources[at]
                items, mentions = [], []
                for number in numbers:
                    item, mention = make_item(
                        writer, source, number, swept, span, share, acme_rules
                    )
                    items.append(item)
                    if mention is not None:
                        mentions.append(mention)
                health = {
                    "last_fetch_at": stamp(swept),
                    "last_status": 200,
                    "last_error": None,
                    "items_seen": len(items),
                }
                storing = time.perf_counter()
                store.record_source(source.name, health, mentions, items=items)
                written["storing"] += time.perf_counter() - storing
                written["items"] += len(items)
                written["mentions"] += len(mentions)
            progress = (sweep + 1) * per_sweep
            print(f"  sweep {sweep + 1}/{sweeps}: {min(progress, count):,} items", end="\r")
        written["seconds"] = time.perf_counter() - began
    print()
    return written


def make_item(
    writer: Writer,
    source: Source,
    number: int,
    swept: datetime,
    span: timedelta,
    share: float,
    acme_rules: BrandSet,
) -> tuple[ArchivedItem, Mention | None]:
    """One archived item, and the Acme mention a sweep stored for it (or none)."""
    rand = writer.random.random
    lang = "fr" if rand() < 0.6 else "en"
    inserts, title_inserts = [], []
    acme = rand() < ACME_SHARE
    old_rule = acme and rand() < 0.01  # matched by an older rule ("Akme"), stored all the same
    if acme:
        name = "Akme" if old_rule else writer.random.choice(("Acme", "Acme", "ACME", "#acme"))
        (title_inserts if rand() < 0.2 else inserts).append(name)
    if rand() < share:
        roll = rand()
        if roll < UNDERSCORE_SHARE:
            inserts.append("globex_fr")
        else:
            inserts.append(writer.random.choice(("Globex", "Globex", "GLOBEX", "Globex's")))
            if roll > 1 - ANVIL_SHARE:
                inserts.append("anvil")
    published = swept - span * rand()
    found = min(swept, published + timedelta(seconds=writer.random.randrange(60, 6 * 3600)))
    site = source.url.split("/")[2] if source.url else "site.example"
    links = (f"https://{site}/about", f"https://ref{number % 97}.example/p/{number}")
    item = ArchivedItem(
        source=source.name,
        url=f"https://{site}/{source.type}/{number}",
        title=writer.title(lang, title_inserts),
        text=writer.text(lang, writer.random.randrange(300, 901), inserts),
        author=writer.author(),
        published_at=stamp(published) if rand() < 0.97 else None,
        found_at=stamp(found),
        links=links[: writer.random.choice((0, 0, 1, 2))],
    )
    if not acme or rand() < 0.02:  # ~2% of Acme's items were never stored (a rule added)
        return item, None
    mention = acme_mention(writer, item, source, acme_rules, old_rule, lang)
    # A scan archives an item's language only when it judged a mention's tone there.
    return (item if mention is None else replace(item, lang=lang)), mention


def acme_mention(
    writer: Writer, item: ArchivedItem, source: Source, rules: BrandSet, old_rule: bool, lang: str
) -> Mention | None:
    matchable = Item(
        key=item.url, url=item.url, title=item.title, text=item.text, author=item.author
    )
    hits = find_mentions(matchable, rules)
    if old_rule:
        matched, snippet = "Akme", item.text[:240]
    elif hits:
        matched, snippet = hits[0].matched, hits[0].snippet
    else:
        return None
    tone = writer.random.choices(("positive", "neutral", "negative"), (3, 5, 2))[0]
    return Mention(
        brand="Acme",
        source=source.name,
        source_type=source.type,
        domain=domain_of(item.url),
        url=item.url,
        title=item.title,
        author=item.author,
        published_at=item.published_at,
        found_at=item.found_at,
        snippet=snippet,
        text="",
        matched=matched,
        lang=lang,
        tone=tone,
        tone_score={"positive": 0.5, "neutral": 0.0, "negative": -0.5}[tone],
        flags=writer.random.choice(("", "", "", "question", "complaint")),
        status=writer.random.choice(("new", "handled", "ignored")),
    )


# -- sizes -------------------------------------------------------------------------------


def checkpoint(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def sizes(db_path: Path) -> dict[str, int] | None:
    """Bytes of pages by part: the archive (items and its indexes), its index (items_fts's
    shadow tables), mentions (mention_rows and its indexes), mentions_fts, the rest. None
    when this SQLite has no dbstat."""
    connection = sqlite3.connect(db_path)
    try:
        owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_schema"))
        rows = connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    parts: dict[str, int] = {}
    for name, size in rows:
        table = owner.get(name, name)
        if table == "items":
            part = "items (table + indexes)"
        elif table.startswith("items_fts"):
            part = "items_fts"
        elif table == "mention_rows":
            part = "mention_rows (table + indexes)"
        elif table.startswith("mentions_fts"):
            part = "mentions_fts"
        else:
            part = "the rest"
        parts[part] = parts.get(part, 0) + size
    return parts


def print_sizes(db_path: Path, items: int, vacuum: bool) -> None:
    checkpoint(db_path)
    per = 100_000 / items
    size = db_path.stat().st_size
    print(
        f"file after wal_checkpoint(TRUNCATE): {size / 1e6:,.0f} MB, "
        f"{size * per / 1e6:,.1f} MB per 100,000 items"
    )
    parts = sizes(db_path)
    if parts is None:
        print("  (no dbstat in this SQLite: no split by table)")
    else:
        for part, part_size in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(
                f"  {part:32} {part_size / 1e6:9,.1f} MB  {part_size * per / 1e6:7,.1f} "
                f"MB/100k items  {part_size / size:6.1%}"
            )
    if vacuum:
        scratch = db_path.with_name(db_path.name + ".vacuumed")
        scratch.unlink(missing_ok=True)
        began = time.perf_counter()
        connection = sqlite3.connect(db_path)
        try:
            connection.execute("VACUUM INTO ?", [str(scratch)])
        finally:
            connection.close()
        vacuumed = scratch.stat().st_size
        scratch.unlink()
        print(
            f"after VACUUM INTO a scratch file ({time.perf_counter() - began:.0f} s): "
            f"{vacuumed / 1e6:,.0f} MB, {vacuumed * per / 1e6:,.1f} MB per 100,000 items"
        )


# -- measured steps, each in a fresh interpreter -----------------------------------------


class RssSampler:
    """Samples this process's RSS every 20 ms in a thread, while the measured call runs."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.began = time.perf_counter()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            self.samples.append((time.perf_counter() - self.began, rss_mb()))

    def __enter__(self) -> RssSampler:
        self.began = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_step(step: str, db_path: Path, profile: Path | None) -> dict[str, Any]:
    """The `--step` child: one measured call; its figures as a dict (printed as JSON)."""
    began = time.perf_counter()
    tones_around("Le service client d'Acme est vraiment super, merci.", [(18, 22)])
    tones_around("Acme support was terrible again, still waiting for a refund.", [(0, 4)])
    warm_up = time.perf_counter() - began
    figures: dict[str, Any] = {"warm_up": warm_up}
    per_page: list[float] = []
    with Store(db_path, create=False) as store:
        figures["items"] = store.archive_count()
        baseline = rss_mb()
        actions: dict[str, Callable[[], Any]] = {
            "backfill": lambda: backfill(
                store, [GLOBEX], now=stamp(END), on_page=lambda _: per_page.append(rss_mb())
            ),
            "backtest-globex": lambda: run_backtest(store, GLOBEX_TRIED, compare_with=None),
            "backtest-acme": lambda: run_backtest(store, ACME, compare_with="Acme"),
        }
        action = actions[step]
        profiler = cProfile.Profile() if profile else None
        with RssSampler() as sampler:
            began = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            result = action()
            if profiler is not None:
                profiler.disable()
            figures["seconds"] = time.perf_counter() - began
    if step == "backfill":
        figures["matches"] = sum(result.get("Globex", {}).values())
        figures["pages"] = len(per_page)
        figures["rss_pages"] = (
            [per_page[i * (len(per_page) - 1) // 4] for i in range(5)] if per_page else []
        )
    else:
        data = result.data()
        for key in ("items", "matches", "stored", "new", "near_misses", "lost"):
            figures[key] = data[key]
    samples = [rss for _, rss in sampler.samples] or [rss_mb()]
    figures["rss_baseline"] = baseline
    figures["rss_quartiles"] = [samples[i * (len(samples) - 1) // 4] for i in range(5)]
    figures["rss_sampled_peak"] = max(samples)
    figures["peak_rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if profiler is not None and profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        path = profile / f"{step}.prof"
        profiler.dump_stats(path)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
        figures["profile"] = str(path)
        figures["profile_top"] = text.getvalue()
    return figures


def measure(step: str, db_path: Path, profile: Path | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--step", step, "--db", str(db_path)]
    if profile is not None:
        command += ["--profile", str(profile)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, figures: dict[str, Any], target: float) -> None:
    items = figures["items"]
    seconds = figures["seconds"]
    scaled = seconds * 1_000_000 / items
    print(f"{label}: {seconds:.2f} s over {items:,} items ({items / seconds:,.0f} items/s)")
    counts = ", ".join(
        f"{key} {figures[key]:,}"
        for key in ("matches", "stored", "new", "near_misses", "lost", "pages")
        if key in figures
    )
    print(f"  {counts}")
    verdict = "met" if scaled <= target else "MISSED"
    at = "" if items == 1_000_000 else f" (scaled linearly from {items:,} items)"
    print(f"  target <= {target:.0f} s for 1,000,000 items: {scaled:.1f} s{at}, {verdict}")
    quartiles = " / ".join(f"{rss:.0f}" for rss in figures["rss_quartiles"])
    print(
        f"  RSS: {figures['rss_baseline']:.0f} MB before the call; sampled at 0/25/50/75/100% "
        f"of the call {quartiles} MB; peak (maxrss) {figures['peak_rss']:.0f} MB"
    )
    if figures.get("rss_pages"):
        pages = " / ".join(f"{rss:.0f}" for rss in figures["rss_pages"])
        print(f"  RSS after the first/25%/50%/75%/last page: {pages} MB")
    print(f"  (tone models loaded before the clock: {figures['warm_up']:.2f} s)")
    if "profile_top" in figures:
        print(f"  profile: {figures['profile']}")
        print("\n".join("    " + line for line in figures["profile_top"].splitlines()[:40]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.01, help="items naming Globex")
    parser.add_argument("--per-source", type=int, default=50, help="items per source per sweep")
    parser.add_argument("--db", type=Path, help="default: /tmp/veille-archive-bench-N.db")
    parser.add_argument("--vacuum", action="store_true", help="also size a VACUUMed copy")
    parser.add_argument("--keep-copy", action="store_true", help="keep the backfilled copy")
    parser.add_argument("--profile", type=Path, help="write a cProfile of each step here")
    parser.add_argument("--skip-backfill", action="store_true")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    db_path = args.db or Path(f"/tmp/veille-archive-bench-{args.items}.db")
    if args.step:
        print(json.dumps(run_step(args.step, db_path, args.profile)))
        return

    print(
        f"database: {db_path} ({'reused' if db_path.exists() else 'new'}); {os.cpu_count()} cores; "
        f"SQLite {sqlite3.sqlite_version}"
    )
    written = build(db_path, args.items, args.share, args.per_source)
    with Store(db_path, create=False) as store:
        items = store.archive_count()
        mentions = store.db.execute("SELECT count(*) FROM mention_rows").fetchone()[0]
    if written["items"]:
        rate = written["items"] / written["seconds"]
        print(
            f"build: {written['items']:,} items and {written['mentions']:,} mentions written "
            f"in {written['seconds']:.0f} s ({rate:,.0f} items/s, "
            f"{written['seconds'] * 100_000 / written['items']:.1f} s per 100,000 items); "
            f"of which in Store.record_source {written['storing']:.0f} s, the rest generating"
        )
    print(f"archive: {items:,} items, {mentions:,} mentions")
    print_sizes(db_path, items, args.vacuum)
    print()
    report(
        "backtest Globex [exclude anvil]",
        measure("backtest-globex", db_path, args.profile),
        TARGETS["backtest"],
    )
    report(
        "backtest Acme (compare with Acme)",
        measure("backtest-acme", db_path, args.profile),
        TARGETS["backtest"],
    )
    if args.skip_backfill:
        return
    copy = db_path.with_name(db_path.name + ".backfill")
    checkpoint(db_path)
    began = time.perf_counter()
    shutil.copyfile(db_path, copy)
    print(f"(copied the database for the backfill in {time.perf_counter() - began:.1f} s)")
    try:
        report("backfill Globex", measure("backfill", copy, args.profile), TARGETS["backfill"])
    finally:
        if not args.keep_copy:
            copy.unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
