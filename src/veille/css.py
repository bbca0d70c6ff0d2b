"""The selector syntax of forum presets and user `selectors`.

Plain CSS (through cssselect), plus two additions: `css@attr` reads an attribute of the
first match, `@attr` alone reads the post element's own attribute, and `a || b` tries `a`
first and `b` only when `a` finds nothing. Compiled once and cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cssselect import HTMLTranslator, SelectorError
from lxml import etree

from veille.errors import ConfigError


@dataclass(frozen=True)
class Alternative:
    xpath: etree.XPath | None  # None: the post element itself
    attr: str | None


_TRANSLATOR = HTMLTranslator()
_ATTR_SUFFIX = re.compile(r"^(.*?)@([A-Za-z_:][\w:.-]*)\s*$", re.DOTALL)


@lru_cache(maxsize=512)
def compile_selector(selector: str) -> tuple[Alternative, ...]:
    """Compile a selector string; raises ConfigError naming what is wrong."""
    alternatives = []
    for part in selector.split("||"):
        part = part.strip()
        if not part:
            continue
        attr = None
        match = _ATTR_SUFFIX.match(part)
        if match and "[" not in part[match.start(2) - 1 :]:
            part, attr = match.group(1).strip(), match.group(2)
        if not part:
            alternatives.append(Alternative(None, attr))
            continue
        try:
            xpath = etree.XPath(_TRANSLATOR.css_to_xpath(part, prefix="descendant-or-self::"))
        except (SelectorError, etree.XPathError, ValueError) as error:
            raise ConfigError(f"invalid CSS selector {part!r}: {error}") from None
        alternatives.append(Alternative(xpath, attr))
    return tuple(alternatives)


def check_selector(selector: str) -> str | None:
    """An error message when `selector` does not compile, else None (for config validation)."""
    try:
        compile_selector(selector)
    except ConfigError as error:
        return str(error)
    return None
