"""Find, load and validate `sources.yaml`.

Validation is done by pydantic models that forbid unknown keys; the YAML is also composed
into nodes so that any error can name the file, the line and the key (`sources[2].url`).
Every problem becomes one `ConfigError` line; nothing is written before the config is valid.

`schema` holds the models; `rules` the checks of a value's form, without pydantic;
`known_valid` reads a config that is certainly valid without pydantic (the models, slow to
import, then stay unloaded); `load` finds the config and the database, reads the YAML,
locates errors and builds the `veille.models` a command works on (with the brand rules and
sources given on the command line); `starter` the commented file `veille init` writes;
`edit` the feeds `veille sources import` adds to an existing file.
"""

from veille.config.edit import add_feeds
from veille.config.load import (
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
from veille.config.rules import (
    ALERT_TRIGGERS,
    FORUM_ENGINES,
    SEARCH_PROVIDERS,
    SELECTOR_KEYS,
    clean_name,
    parse_quiet_hours,
)
from veille.config.starter import STARTER, write_starter

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
