"""Find the config and the database, read the YAML and turn it into `veille.models`.

The YAML is also composed into nodes so that any error can name the file, the line and the
key (`sources[2].url`). Rules given on the command line are checked as the file's are.

A config `known_valid` vouches for is read without pydantic; any other goes through the
models of `schema`, imported then, which name what is wrong.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from veille.config.known_valid import known_valid_config
from veille.config.rules import ENV_REFERENCE, parse_quiet_hours
from veille.errors import ConfigError, UsageError
from veille.models import Alert, Brand, Config, Settings, Source

if TYPE_CHECKING:
    from pydantic import ValidationError

    from veille.config.schema import _Brand, _Config, _Source

CONFIG_ENV = "VEILLE_CONFIG"
DB_ENV = "VEILLE_DB"
DEFAULT_CONFIG = Path("sources.yaml")
DEFAULT_DB = Path("veille.db")

# libyaml reads a config of thousands of sources several times faster than pure Python.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# An alias repeats its anchor's whole block, and aliases of aliases multiply: nine levels of
# nine make 387 million values out of 300 bytes. A config that reuses a block of selectors
# for each of a few thousand forums stays far below this many repeated values.
MAX_ALIAS_VALUES = 100_000

# pydantic's module that finds plugins (packages that watch every validation) when it builds
# a model; it imports `importlib.metadata` to scan the installed packages.
_PLUGIN_LOADER = "pydantic.plugin._loader"


class _KeysAsWritten(_YAML_LOADER):  # type: ignore[misc,valid-type]  # a base chosen at import
    """YAML 1.1 reads a key `on` (or `off`, `yes`, `no`) as a boolean: an alert's `on:` would
    arrive as `True`. Keys stay as written; values are read as usual."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag.endswith(":bool"):
                key_node.tag = "tag:yaml.org,2002:str"
        return super().construct_mapping(node, deep=deep)


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
    config = known_valid_config(data, path)
    if config is None:
        config = _validated(data, raw_text, path)
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


def _validated(data: dict[Any, Any], raw_text: str, path: Path) -> Config:
    """The config as pydantic's models build it, or the ConfigError they find."""
    _build_models_without_plugins()
    from pydantic import ValidationError

    from veille.config.schema import _Config

    try:
        model = _Config.model_validate(data)
    except ValidationError as error:
        raise _located_error(path, _lines(raw_text), error) from None
    return _to_config(model, path)


def _build_models_without_plugins() -> None:
    """Build the config's pydantic models (import `schema`) without pydantic plugins.

    Looking for plugins costs every command that validates with the models about 15 ms,
    for nothing veille uses; Typer builds its own models without them too
    (PYDANTIC_DISABLE_PLUGINS). While the models are built, pydantic's plugin loader is
    stood in for by one that finds none; whatever is built afterwards loads the real one.
    Should a pydantic want more of its loader than the stand-in offers, the models are
    built as usual.
    """
    if _PLUGIN_LOADER in sys.modules or "veille.config.schema" in sys.modules:
        return
    stand_in = types.ModuleType(_PLUGIN_LOADER)
    stand_in.get_plugins = tuple  # type: ignore[attr-defined]  # no plugin
    sys.modules[_PLUGIN_LOADER] = stand_in
    try:
        import veille.config.schema  # noqa: F401
    except ImportError:
        pass  # imported again by the caller, with pydantic's own loader
    finally:
        if sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]


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
    _build_models_without_plugins()
    from pydantic import ValidationError

    from veille.config.schema import _Brand

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
    _build_models_without_plugins()
    from pydantic import ValidationError

    from veille.config.schema import _Brand

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
        raise _option_error(
            error,
            "--term",
            options={"terms": "--term", "domains": "--domain"},
            too_short="give at least one (e.g. --term Acme)",
        ) from None
    return _brand(model)


def _option_error(
    error: ValidationError,
    fallback: str,
    *,
    options: Mapping[str, str] | None = None,
    too_short: str | None = None,
) -> UsageError:
    """A validation error of what was given on the command line, naming its option (the
    field's name as an option, unless `options` names it otherwise; else `fallback`)."""
    first = error.errors(include_url=False)[0]
    loc = [part for part in first["loc"] if not _is_pydantic_tag(part)]
    key = str(loc[0]) if loc else ""
    option = (options or {}).get(key) or (f"--{key}" if key else fallback)
    message = first["msg"].removeprefix("Value error, ")
    if too_short is not None and first["type"] == "too_short":
        message = too_short
    return UsageError(f"{option.replace('_', '-')}: {message}")


def _prefixed(error: ValidationError, prefix: tuple[str | int, ...]) -> ValidationError:
    """A validation error located where its data sits in the file."""
    from pydantic import ValidationError

    return ValidationError.from_exception_data(
        error.title,
        [
            # ErrorDetails' extra keys (msg, url) are ignored: the message is built again.
            {**e, "loc": (*prefix, *e["loc"])}  # type: ignore[typeddict-unknown-key]
            for e in error.errors(include_url=False)
        ],
    )


def _read_yaml(raw_text: str, path: Path) -> Any:
    """The YAML document as Python data, or ConfigError naming the line."""
    loader = _KeysAsWritten(raw_text)
    try:
        # Without both an anchor and an alias nothing repeats: skip the extra pass.
        if "&" in raw_text and "*" in raw_text:
            _check_aliases(raw_text, path)
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: invalid YAML: {error}") from None
    finally:
        loader.dispose()


def _check_aliases(raw_text: str, path: Path) -> None:
    """Refuse a document whose aliases would expand past `MAX_ALIAS_VALUES`, or that holds
    an alias inside its own anchor, before anything is built from it.

    Counted on the parser's events, where each alias still has its line: the composed nodes
    share one node per anchor, so the size shows only once they are turned into data, and
    by then memory is gone. Each value is counted once per place it appears after expansion.
    """
    sizes: dict[str, int] = {}
    # One entry per collection being read: its anchor and its values counted so far.
    open_collections: list[list[Any]] = []
    repeated = 0
    for event in yaml.parse(raw_text, Loader=_YAML_LOADER):
        if isinstance(event, yaml.AliasEvent):
            # The parser gives every alias its anchor and its place.
            assert event.start_mark is not None and event.anchor is not None
            line = event.start_mark.line + 1
            if any(anchor == event.anchor for anchor, _ in open_collections):
                raise ConfigError(
                    f"{path}:{line}: alias *{event.anchor} is inside its own anchor "
                    f"&{event.anchor}: a config cannot contain itself"
                )
            size = sizes.get(event.anchor, 1)  # undefined: the loader says so, with its line
            repeated += size
            if repeated > MAX_ALIAS_VALUES:
                raise ConfigError(
                    f"{path}:{line}: alias *{event.anchor}: the aliases repeat more than "
                    f"{MAX_ALIAS_VALUES:,} values (an alias of aliases multiplies them); "
                    "write the repeated part out or nest fewer aliases"
                )
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            open_collections.append([event.anchor, 1])
            continue
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, size = open_collections.pop()
            if anchor is not None:
                sizes[anchor] = size
        else:
            continue
        if open_collections:
            open_collections[-1][1] += size


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
    from veille.notify import check_url  # and logging: only for the commands that send

    ready = []
    for position, url in enumerate(alert.urls):
        loc = ("alerts", index, "urls", position)
        missing = [n for n in ENV_REFERENCE.findall(url) if n not in os.environ]
        if missing:
            raise _config_error(
                path,
                lines,
                loc,
                f"the environment variable {missing[0]} is not set; set it where veille runs "
                "(for cron, in the crontab line or a file it sources)",
            )
        expanded = ENV_REFERENCE.sub(lambda match: os.environ[match[1]], url)
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
    from veille.config.schema import _LocatedValueError

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


def _source(model: _Source) -> Source:
    return Source(
        name=model.name,
        type=model.type,
        url=model.url,
        engine=model.engine,
        selectors=tuple((model.selectors or {}).items()),
        max_pages=model.max_pages,
        providers=tuple(model.providers),
        full_text=model.full_text,
        timezone=model.timezone,
    )


def _to_config(model: _Config, path: Path) -> Config:
    base = path.parent
    settings = model.settings
    return Config(
        path=path,
        database=(base / model.database) if model.database else None,
        brands=tuple(_brand(b) for b in model.brands),
        sources=tuple(_source(s) for s in model.sources),
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
            timezone=settings.timezone,
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
    _build_models_without_plugins()
    from pydantic import ValidationError

    from veille.config.schema import _Source

    try:
        model = _Source.model_validate(data)
    except ValidationError as error:
        raise _option_error(error, "--type") from None
    return _source(model)
