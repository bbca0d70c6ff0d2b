"""The commented starter config that `veille init` writes."""

from __future__ import annotations

from pathlib import Path

from veille.errors import ConfigError

STARTER = """\
# veille configuration: the brands to watch and the places to watch them.
# Reference: README.md, section "Configuration". Check a new source with `veille preview`.

# database: veille.db            # optional; also --db FILE or $VEILLE_DB

brands:
  - name: Acme                    # display name, unique
    terms: [Acme, "Acme Corp", "#acme", "@acme_fr"]   # whole words, any case and accents
    # exclude: ["Acme anvil"]       # an item containing one of these is not a mention
    # require_any: [shoes, running] # at least one must also appear (disambiguation)
    # domains: [acme.com]           # a link to these hosts counts as a mention
    # case_sensitive: false
  # - name: Globex
  #   competitor: true             # shown side by side for share of voice
  #   terms: [Globex]

sources:
  - name: Hacker News             # unique
    type: rss                     # rss | forum | blog | search
    url: https://hnrss.org/newest?q=acme
  # - name: Forum Auto
  #   type: forum
  #   url: https://forum.example.fr/viewforum.php?f=12
  #   engine: phpbb  # discourse | phpbb | xenforo | vbulletin | invision | flarum | reddit
  #   max_pages: 3
  #   timezone: Europe/Paris       # the zone its dates are written in (default: settings')
  # - name: Blog Dupont
  #   type: blog                   # its feed is discovered, else its articles are extracted
  #   url: https://blog.example.fr/
  # - name: News search
  #   type: search                 # each brand's terms become search-feed URLs
  #   providers: [google_news, bing_news, reddit, hackernews, mastodon]

# alerts:                         # a digest after each scan, through Apprise (email, Slack,
#                                 # Discord, Teams, Telegram, ntfy, Matrix, webhooks…)
#   - name: team                  # unique; `veille alerts test team` sends a test message
#     urls: ["mailto://user:${SMTP_PASSWORD}@example.com"]   # one or more Apprise URLs;
#                                 # ${VAR} is read from the environment (keep secrets there)
#     on: [new, attention, spike] # new mentions; those needing a human; volume/negativity spikes
#     brand: Acme                 # optional: only this brand
#     min_mentions: 1             # hold the digest until this many mentions are pending
#     quiet_hours: "22:00-07:00"  # settings.timezone; held meanwhile, sent at the first scan after
#     limit: 20                   # mentions listed in a digest; beyond, "and N more"

# settings:                       # all optional
#   concurrency: 32               # requests in flight overall
#   per_host: 2                   # requests in flight per host (politeness)
#   timeout: 20                   # seconds per request
#   max_bytes: 10000000           # per response, after decompression
#   user_agent: "veille/VERSION (+https://pypi.org/project/veille/)"
#   full_text: false              # also fetch the page of items whose summary is short
#   search_urls:                  # override a search provider's feed URL ({query} or {tag})
#     mastodon: "https://piaille.fr/tags/{tag}.rss"
#   tone_engine: builtin          # or package.module:function, an engine you installed
#   keep_items: 180               # days read items are archived unless a mention refers to
#                                 # them (0: forever); a brand added later searches them
#   timezone: Europe/Paris        # dates are shown and read in it (default: the machine's)
"""


def write_starter(path: Path) -> Path:
    """Write the commented starter config; never overwrite an existing file."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(STARTER)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; veille init never overwrites it") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot write the starter config ({error.strerror})") from None
    return path
