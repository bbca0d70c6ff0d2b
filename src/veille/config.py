"""Find, load and validate `sources.yaml`.

Validation is done by pydantic models that forbid unknown keys; the YAML is also composed
into nodes so that any error can name the file, the line and the key (`sources[2].url`).
Every problem becomes one `ConfigError` line; nothing is written before the config is valid.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from veille.css import check_selector
from veille.errors import ConfigError, UsageError
from veille.models import Alert, Brand, Config, Settings, Source
from veille.notify import check_url
from veille.urls import canonical_url, is_http_url

CONFIG_ENV = "VEILLE_CONFIG"
DB_ENV = "VEILLE_DB"
DEFAULT_CONFIG = Path("sources.yaml")
DEFAULT_DB = Path("veille.db")

FORUM_ENGINES = ("discourse", "phpbb", "xenforo", "vbulletin", "invision", "flarum", "reddit")
SEARCH_PROVIDERS = ("google_news", "bing_news", "reddit", "hackernews", "mastodon")
SELECTOR_KEYS = ("post", "author", "body", "date", "link", "next", "title", "thread")
ALERT_TRIGGERS = ("new", "attention", "spike")
# libyaml reads a config of thousands of sources several times faster than pure Python.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_ENGINE_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_QUIET_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _KeysAsWritten(_YAML_LOADER):  # type: ignore[misc,valid-type]
    """YAML 1.1 reads a key `on` (or `off`, `yes`, `no`) as a boolean: an alert's `on:` would
    arrive as `True`. Keys stay as written; values are read as usual."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag.endswith(":bool"):
                key_node.tag = "tag:yaml.org,2002:str"
        return super().construct_mapping(node, deep=deep)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Brand(_Strict):
    name: NonEmpty
    terms: list[NonEmpty] = Field(min_length=1)
    exclude: list[NonEmpty] = []
    require_any: list[NonEmpty] = []
    domains: list[NonEmpty] = []
    case_sensitive: bool = False
    competitor: bool = False

    @field_validator("domains")
    @classmethod
    def _bare_hosts(cls, domains: list[str]) -> list[str]:
        for domain in domains:
            if "/" in domain or " " in domain or "." not in domain:
                raise ValueError(f"{domain!r} is not a host name such as acme.com")
        return [d.lower().removeprefix("www.") for d in domains]


class _Source(_Strict):
    name: NonEmpty
    type: Literal["rss", "forum", "blog", "search"]
    url: str | None = None
    engine: Literal[FORUM_ENGINES] | None = None  # type: ignore[valid-type]
    selectors: dict[Literal[SELECTOR_KEYS], NonEmpty] | None = None  # type: ignore[valid-type]
    max_pages: int = Field(default=1, ge=1, le=1000)
    providers: list[Literal[SEARCH_PROVIDERS]] = []  # type: ignore[valid-type]
    full_text: bool | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not is_http_url(url.strip()):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url.strip() if url else url

    @model_validator(mode="after")
    def _fits_type(self) -> _Source:
        if self.type == "search":
            if self.url:
                raise ValueError("a search source has no url: list its providers instead")
            if not self.providers:
                raise ValueError(f"a search source needs providers, from {SEARCH_PROVIDERS}")
        elif not self.url:
            raise ValueError(f"a {self.type} source needs a url")
        if self.type != "forum" and (self.engine or self.selectors):
            raise ValueError("engine and selectors apply to forum sources only")
        if self.engine and self.selectors:
            raise ValueError("give either an engine preset or selectors, not both")
        if self.selectors is not None and "post" not in self.selectors:
            raise ValueError("selectors need at least a `post` selector")
        for key, selector in (self.selectors or {}).items():
            problem = check_selector(selector)
            if problem:
                raise ValueError(f"selectors.{key}: {problem}")
        return self


class _Alert(_Strict):
    name: NonEmpty
    urls: list[NonEmpty] = Field(min_length=1)
    on: list[Literal[ALERT_TRIGGERS]] = Field(default=list(ALERT_TRIGGERS), min_length=1)  # type: ignore[valid-type]
    brand: NonEmpty | None = None
    min_mentions: int = Field(default=1, ge=1, le=100_000)
    quiet_hours: NonEmpty | None = None
    limit: int = Field(default=20, ge=1, le=1000)

    @field_validator("urls")
    @classmethod
    def _references(cls, urls: list[str]) -> list[str]:
        # Only the form is checked here; the variables are read by the commands that send.
        for index, url in enumerate(urls):
            if "${" in url and url.count("${") != len(_ENV_REFERENCE.findall(url)):
                raise _LocatedValueError((index,), "a `${` is not closed by `}`")
            for name in _ENV_REFERENCE.findall(url):
                if not _ENV_NAME.fullmatch(name):
                    raise _LocatedValueError(
                        (index,), f"${{{clean_name(name)}}} is not an environment variable name"
                    )
        return urls

    @field_validator("quiet_hours")
    @classmethod
    def _hours(cls, hours: str | None) -> str | None:
        if hours is not None:
            parse_quiet_hours(hours)
        return hours


class _Settings(_Strict):
    concurrency: int = Field(default=32, ge=1, le=1024)
    per_host: int = Field(default=2, ge=1, le=64)
    timeout: float = Field(default=20.0, gt=0, le=600)
    max_bytes: int = Field(default=10_000_000, ge=1024)
    user_agent: NonEmpty | None = None
    full_text: bool = False
    search_urls: dict[Literal[SEARCH_PROVIDERS], NonEmpty] = {}  # type: ignore[valid-type]
    tone_engine: NonEmpty = "builtin"
    keep_items: int = Field(default=180, ge=0, le=36_500)

    @field_validator("search_urls")
    @classmethod
    def _templates(cls, templates: dict[str, str]) -> dict[str, str]:
        for provider, template in templates.items():
            if "{query}" not in template and "{tag}" not in template:
                raise ValueError(f"{provider}: the URL needs {{query}} or {{tag}}")
            if not is_http_url(template.replace("{query}", "q").replace("{tag}", "q")):
                raise ValueError(f"{provider}: {template!r} is not an http(s) URL")
        return templates

    @field_validator("tone_engine")
    @classmethod
    def _engine_spec(cls, spec: str) -> str:
        if spec != "builtin" and not _ENGINE_SPEC.match(spec):
            raise ValueError(
                f"{spec!r}: use builtin, or package.module:function for an engine you installed"
            )
        return spec

    @field_validator("timeout", mode="before")
    @classmethod
    def _int_is_float(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _Config(_Strict):
    database: NonEmpty | None = None
    brands: list[_Brand] = Field(min_length=1)
    sources: list[_Source] = Field(min_length=1)
    alerts: list[_Alert] = []
    settings: _Settings = _Settings()

    @model_validator(mode="after")
    def _unique_names_and_known_brands(self) -> _Config:
        _reject_duplicates("brands", [b.name for b in self.brands])
        _reject_duplicates("sources", [s.name for s in self.sources])
        _reject_duplicates("alerts", [a.name for a in self.alerts])
        brands = {b.name for b in self.brands}
        for index, alert in enumerate(self.alerts):
            if alert.brand and alert.brand not in brands:
                raise _LocatedValueError(
                    ("alerts", index, "brand"), f"unknown brand {alert.brand!r}"
                )
        return self


class _LocatedValueError(ValueError):
    """A cross-field error that knows which key it is about."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _reject_duplicates(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise _LocatedValueError((section, index, "name"), f"duplicate name {name!r}")
        seen.add(name)


def clean_name(text: str) -> str:
    """A short, printable rendering of something the user wrote, for an error message."""
    return re.sub(r"[^\w.-]", "?", text)[:40]


def parse_quiet_hours(text: str) -> tuple[str, str]:
    """ "22:00-07:00" → ("22:00", "07:00"); ValueError when it is not two times of day."""
    match = _QUIET_HOURS.match(text)
    if not match:
        raise ValueError(f"{text!r}: write two local times such as 22:00-07:00")
    hours = (int(match[1]), int(match[2]), int(match[3]), int(match[4]))
    if hours[0] > 23 or hours[2] > 23 or hours[1] > 59 or hours[3] > 59:
        raise ValueError(f"{text!r}: hours go from 00:00 to 23:59")
    start, end = f"{hours[0]:02d}:{hours[1]:02d}", f"{hours[2]:02d}:{hours[3]:02d}"
    if start == end:
        raise ValueError(f"{text!r}: the quiet hours start and end at the same time")
    return start, end


def find_config(explicit: Path | None) -> Path:
    """The config file to use: `-c FILE`, else `$VEILLE_CONFIG`, else `./sources.yaml`."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env) if from_env else DEFAULT_CONFIG


def config_was_named(explicit: Path | None) -> bool:
    """True when the user pointed at a config file, so its absence is an error."""
    return explicit is not None or bool(os.environ.get(CONFIG_ENV))


def resolve_database(explicit: Path | None, config: Config | None) -> Path:
    """`--db FILE`, else `$VEILLE_DB`, else the config's `database`, else `./veille.db`."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(DB_ENV)
    if from_env:
        return Path(from_env)
    if config is not None and config.database is not None:
        return config.database
    return DEFAULT_DB


def load_config(path: Path, *, alert_urls: bool = False) -> Config:
    """Read and validate a config file; raise ConfigError naming file, line and key.

    With `alert_urls`, the alerts' URLs are also made ready to send (see `parse_config`).
    """
    try:
        raw_text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file — run `veille init` to write a starter, or pass -c FILE"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file ({error})") from None
    return parse_config(raw_text, path, alert_urls=alert_urls)


def parse_config(raw_text: str, path: Path, *, alert_urls: bool = False) -> Config:
    """Validate YAML text as a veille config (see `load_config`).

    With `alert_urls` (the commands that deliver alerts), each `${VAR}` in an alert URL is
    replaced by the environment variable and Apprise must accept the URL. The other commands
    leave the URLs as written, so `veille report` works without the delivery secrets.
    """
    data = _read_yaml(raw_text, path)
    if data is None:
        raise ConfigError(f"{path}: the file is empty — run `veille init` for a starter")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the top level must be a mapping with brands and sources")
    try:
        model = _Config.model_validate(data)
    except ValidationError as error:
        raise _located_error(path, _lines(raw_text), error) from None
    config = _to_config(model, path)
    if alert_urls and config.alerts:
        lines = _lines(raw_text)
        config = replace(
            config,
            alerts=tuple(
                replace(alert, urls=_ready_urls(alert, index, path, lines))
                for index, alert in enumerate(config.alerts)
            ),
        )
    return config


def load_brand_rule(path: Path) -> Brand:
    """A proposed brand rule from a YAML file: one brand as `sources.yaml` writes it (a
    mapping with `name`, `terms`, …), for `veille backtest`; errors as for the config."""
    try:
        raw_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the rule ({error})") from None
    data = _read_yaml(raw_text, path)
    # One brand as a mapping, as a one-item list, or under `brands:` as in sources.yaml.
    prefix: tuple[str | int, ...] = ()
    if isinstance(data, dict) and isinstance(data.get("brands"), list):
        data, prefix = data["brands"], ("brands",)
    if isinstance(data, list) and len(data) == 1:
        data, prefix = data[0], (*prefix, 0)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: give one brand: name, terms, and optionally exclude, …")
    try:
        model = _Brand.model_validate(data)
    except ValidationError as error:
        raise _located_error(path, _lines(raw_text), _prefixed(error, prefix)) from None
    return _brand(model)


def proposed_brand(
    name: str,
    terms: Iterable[str],
    exclude: Iterable[str] = (),
    require_any: Iterable[str] = (),
    domains: Iterable[str] = (),
    case_sensitive: bool = False,
) -> Brand:
    """A brand rule given on the command line, checked as the config checks brands."""
    try:
        model = _Brand.model_validate(
            {
                "name": name,
                "terms": list(terms),
                "exclude": list(exclude),
                "require_any": list(require_any),
                "domains": list(domains),
                "case_sensitive": case_sensitive,
            }
        )
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        option = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "rule"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "too_short":
            message = "give at least one (e.g. --term Acme)"
        raise UsageError(f"{option}: {message}") from None
    return _brand(model)


def _prefixed(error: ValidationError, prefix: tuple[str | int, ...]) -> ValidationError:
    """A validation error located where its data sits in the file."""
    return ValidationError.from_exception_data(
        error.title,
        [
            {**e, "loc": (*prefix, *e["loc"])}  # type: ignore[typeddict-item]
            for e in error.errors(include_url=False)
        ],
    )


def _read_yaml(raw_text: str, path: Path) -> Any:
    """The YAML document as Python data, or ConfigError naming the line."""
    loader = _KeysAsWritten(raw_text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from None
    finally:
        loader.dispose()


def _lines(raw_text: str) -> dict[tuple[str | int, ...], int]:
    """Line of each key and item of the document, for error messages.

    Composed again when an error needs it rather than kept from the first read: for a config
    of thousands of sources, the node tree is ten times the size of the data, and memory
    held while the data is validated stays with the process.
    """
    loader = _KeysAsWritten(raw_text)
    try:
        return dict(_node_lines(loader.get_single_node()))
    finally:
        loader.dispose()


def _ready_urls(
    alert: Alert, index: int, path: Path, lines: dict[tuple[str | int, ...], int]
) -> tuple[str, ...]:
    """An alert's URLs with `${VAR}` expanded, each checked by Apprise; the errors name the
    variable or the service, never what the URL holds."""
    ready = []
    for position, url in enumerate(alert.urls):
        loc = ("alerts", index, "urls", position)
        missing = [n for n in _ENV_REFERENCE.findall(url) if n not in os.environ]
        if missing:
            raise _config_error(
                path,
                lines,
                loc,
                f"the environment variable {missing[0]} is not set; set it where veille runs "
                "(for cron, in the crontab line or a file it sources)",
            )
        expanded = _ENV_REFERENCE.sub(lambda match: os.environ[match[1]], url)
        problem = check_url(expanded)
        if problem:
            raise _config_error(path, lines, loc, problem)
        ready.append(expanded)
    return tuple(ready)


def _config_error(
    path: Path, lines: dict[tuple[str | int, ...], int], loc: tuple[str | int, ...], message: str
) -> ConfigError:
    line = _line_for(lines, loc)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{where}: {_dotted(loc) or 'config'}: {message}")


def _located_error(
    path: Path, lines: dict[tuple[str | int, ...], int], error: ValidationError
) -> ConfigError:
    # A misspelt key explains the "missing key" error that usually comes with it: say it first.
    errors = error.errors(include_url=False)
    first = min(errors, key=lambda e: e["type"] != "extra_forbidden")
    loc = tuple(first["loc"])
    message = first["msg"]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, _LocatedValueError):
        loc, message = loc + cause.loc, str(cause)
    loc = tuple(part for part in loc if not _is_pydantic_tag(part))
    message = message.removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif first["type"] == "missing":
        message = "this key is required"
    elif first["type"] == "too_short":
        message = "needs at least one entry"
    return _config_error(path, lines, loc, message)


def _is_pydantic_tag(part: str | int) -> bool:
    """pydantic adds union/literal tags such as `function-after[...]` to error locations."""
    return isinstance(part, str) and ("[" in part or part in ("str", "int", "float", "bool"))


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_for(lines: dict[tuple[str | int, ...], int], loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest node of `loc` present in the file."""
    for depth in range(len(loc), -1, -1):
        if loc[:depth] in lines:
            return lines[loc[:depth]]
    return None


def _node_lines(
    node: yaml.Node | None, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], int]]:
    if node is None:
        return
    yield loc, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, key.value)
            yield child, key.start_mark.line + 1
            for sub_loc, line in _node_lines(value, child):
                if sub_loc != child:
                    yield sub_loc, line
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            yield from _node_lines(value, (*loc, index))


def _brand(model: _Brand) -> Brand:
    return Brand(
        name=model.name,
        terms=tuple(model.terms),
        exclude=tuple(model.exclude),
        require_any=tuple(model.require_any),
        domains=tuple(model.domains),
        case_sensitive=model.case_sensitive,
        competitor=model.competitor,
    )


def _to_config(model: _Config, path: Path) -> Config:
    base = path.parent
    settings = model.settings
    return Config(
        path=path,
        database=(base / model.database) if model.database else None,
        brands=tuple(_brand(b) for b in model.brands),
        sources=tuple(
            Source(
                name=s.name,
                type=s.type,
                url=s.url,
                engine=s.engine,
                selectors=tuple((s.selectors or {}).items()),
                max_pages=s.max_pages,
                providers=tuple(s.providers),
                full_text=s.full_text,
            )
            for s in model.sources
        ),
        settings=Settings(
            concurrency=settings.concurrency,
            per_host=settings.per_host,
            timeout=settings.timeout,
            max_bytes=settings.max_bytes,
            user_agent=settings.user_agent or "",
            full_text=settings.full_text,
            search_urls=tuple(settings.search_urls.items()),
            tone_engine=settings.tone_engine,
            keep_items=settings.keep_items,
        ),
        alerts=tuple(
            Alert(
                name=a.name,
                urls=tuple(a.urls),
                on=tuple(dict.fromkeys(a.on)),
                brand=a.brand,
                min_mentions=a.min_mentions,
                quiet_hours=parse_quiet_hours(a.quiet_hours) if a.quiet_hours else None,
                limit=a.limit,
            )
            for a in model.alerts
        ),
    )


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
#     quiet_hours: "22:00-07:00"  # local time; held meanwhile, sent at the first scan after
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


def load_for_command(
    config_path: Path | None,
    db_path: Path | None,
    *,
    require_config: bool,
    alert_urls: bool = False,
) -> tuple[Config | None, Path]:
    """The config (when needed or present) and the database a command works on.

    Reading commands work without a config file when the database is found by `--db`,
    `$VEILLE_DB` or the default; a config file the user named must exist. Commands that
    deliver alerts ask for `alert_urls` (see `parse_config`).
    """
    path = find_config(config_path)
    config = None
    if require_config or config_was_named(config_path) or path.exists():
        config = load_config(path, alert_urls=alert_urls)
    return config, resolve_database(db_path, config)


def adhoc_source(
    url: str,
    source_type: str,
    *,
    engine: str | None = None,
    selectors: str | None = None,
    max_pages: int = 1,
) -> Source:
    """A source described on the command line (`veille preview URL --type …`), validated
    like one from sources.yaml. `selectors` is a YAML/JSON mapping such as
    `{post: article.post, author: .username}`."""
    data: dict[str, Any] = {"name": url, "type": source_type, "url": url, "max_pages": max_pages}
    if engine:
        data["engine"] = engine
    if selectors:
        try:
            data["selectors"] = yaml.safe_load(selectors)
        except yaml.YAMLError:
            raise UsageError(
                f"--selectors {selectors!r}: not a mapping; write {{post: article.post, ...}}"
            ) from None
    if source_type == "search":
        raise UsageError("preview a search source by its name in sources.yaml")
    try:
        model = _Source.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        loc = [part for part in first["loc"] if not _is_pydantic_tag(part)]
        option = f"--{loc[0]}" if loc else "--type"
        message = first["msg"].removeprefix("Value error, ")
        raise UsageError(f"{option.replace('_', '-')}: {message}") from None
    return Source(
        name=model.name,
        type=model.type,
        url=model.url,
        engine=model.engine,
        selectors=tuple((model.selectors or {}).items()),
        max_pages=model.max_pages,
    )


def add_feeds(path: Path, feeds: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Append rss sources for (title, url) feeds to a config file, keeping its comments and
    order; feeds already configured (same canonical URL) are skipped. Returns the names added
    and the URLs skipped. The new file is validated before it replaces the old one.
    """
    from ruamel.yaml import YAML  # round-trip editing: only this command needs it

    config = load_config(path)
    known_urls = {canonical_url(s.url) for s in config.sources if s.url}
    names = {s.name for s in config.sources}
    editor = YAML()
    editor.preserve_quotes = True
    document = editor.load(path.read_text(encoding="utf-8"))
    added, skipped = [], []
    for title, url in feeds:
        if canonical_url(url) in known_urls:
            skipped.append(url)
            continue
        name, number = title, 2
        while name in names:
            name, number = f"{title} ({number})", number + 1
        document["sources"].append({"name": name, "type": "rss", "url": url})
        names.add(name)
        known_urls.add(canonical_url(url))
        added.append(name)
    if added:
        buffer = io.StringIO()
        editor.dump(document, buffer)
        parse_config(buffer.getvalue(), path)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(buffer.getvalue(), encoding="utf-8")
        os.replace(temporary, path)
    return added, skipped
