"""Find, load and validate `sources.yaml`.

Validation is done by pydantic models that forbid unknown keys; the YAML is also composed
into nodes so that any error can name the file, the line and the key (`sources[2].url`).
Every problem becomes one `ConfigError` line; nothing is written before the config is valid.

`schema` holds the models and the rules each key follows; `load` finds the config and the
database, reads the YAML, locates errors and builds the `veille.models` a command works on
(with the brand rules and sources given on the command line); `starter` the commented file
`veille init` writes; `edit` the feeds `veille sources import` adds to an existing file.
"""

import sys
import types

# pydantic's module that finds plugins (packages that watch every validation) when it builds
# a model; it imports `importlib.metadata` to scan the installed packages.
_PLUGIN_LOADER = "pydantic.plugin._loader"


def _build_models_without_plugins() -> None:
    """Build the config's pydantic models (import `schema`) without pydantic plugins.

    Looking for plugins costs every command that reads sources.yaml about 15 ms, for nothing
    veille uses; Typer builds its own models without them too (PYDANTIC_DISABLE_PLUGINS).
    While the models are built, pydantic's plugin loader is stood in for by one that finds
    none; whatever is built afterwards loads the real one. Should a pydantic want more of
    its loader than the stand-in offers, the models are built as usual.
    """
    if _PLUGIN_LOADER in sys.modules or "veille.config.schema" in sys.modules:
        return
    stand_in = types.ModuleType(_PLUGIN_LOADER)
    stand_in.get_plugins = tuple  # type: ignore[attr-defined]  # no plugin
    sys.modules[_PLUGIN_LOADER] = stand_in
    try:
        import veille.config.schema  # noqa: F401
    except ImportError:
        pass  # imported again below, with pydantic's own loader
    finally:
        if sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]


_build_models_without_plugins()

from veille.config.edit import add_feeds  # noqa: E402
from veille.config.load import (  # noqa: E402
    CONFIG_ENV,
    DB_ENV,
    DEFAULT_CONFIG,
    DEFAULT_DB,
    adhoc_source,
    config_was_named,
    find_config,
    load_brand_rule,
    load_config,
    load_for_command,
    parse_config,
    proposed_brand,
    resolve_database,
)
from veille.config.schema import (  # noqa: E402
    ALERT_TRIGGERS,
    FORUM_ENGINES,
    SEARCH_PROVIDERS,
    SELECTOR_KEYS,
    NonEmpty,
    clean_name,
    parse_quiet_hours,
)
from veille.config.starter import STARTER, write_starter  # noqa: E402

__all__ = [
    "ALERT_TRIGGERS",
    "CONFIG_ENV",
    "DB_ENV",
    "DEFAULT_CONFIG",
    "DEFAULT_DB",
    "FORUM_ENGINES",
    "SEARCH_PROVIDERS",
    "SELECTOR_KEYS",
    "STARTER",
    "NonEmpty",
    "add_feeds",
    "adhoc_source",
    "clean_name",
    "config_was_named",
    "find_config",
    "load_brand_rule",
    "load_config",
    "load_for_command",
    "parse_config",
    "parse_quiet_hours",
    "proposed_brand",
    "resolve_database",
    "write_starter",
]
