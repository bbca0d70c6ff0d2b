"""The rules a config's values follow that need no pydantic: the names a key may take and the
checks of a value's form.

Shared by `schema` (pydantic's models, which say what is wrong and where) and `known_valid`
(which accepts a config only when each value passes the same checks), so the two cannot
disagree on what is valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from veille.urls import is_http_url

FORUM_ENGINES = ("discourse", "phpbb", "xenforo", "vbulletin", "invision", "flarum", "reddit")
SEARCH_PROVIDERS = ("google_news", "bing_news", "reddit", "hackernews", "mastodon")
SELECTOR_KEYS = ("post", "author", "body", "date", "link", "next", "title", "thread")
ALERT_TRIGGERS = ("new", "attention", "spike")

ENGINE_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUIET_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


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


def domain_problem(domain: str) -> str | None:
    """Why a brand's domain is not a bare host name, or None."""
    if "/" in domain or " " in domain or "." not in domain:
        return f"{domain!r} is not a host name such as acme.com"
    return None


def bare_host(domain: str) -> str:
    """A brand's domain as it is matched: lower case, without `www.`."""
    return domain.lower().removeprefix("www.")


def url_problem(url: str) -> str | None:
    """Why a source's URL is not an http(s) URL, or None."""
    return None if is_http_url(url.strip()) else f"{url!r} is not an http(s) URL"


def source_problem(
    source_type: str,
    url: str | None,
    engine: str | None,
    selectors: Mapping[str, str] | None,
    providers: list[str],
) -> str | None:
    """Why a source's keys do not fit together (or a selector does not compile), or None."""
    if source_type == "search":
        if url:
            return "a search source has no url: list its providers instead"
        if not providers:
            return f"a search source needs providers, from {SEARCH_PROVIDERS}"
    elif not url:
        return f"a {source_type} source needs a url"
    if source_type != "forum" and (engine or selectors):
        return "engine and selectors apply to forum sources only"
    if engine and selectors:
        return "give either an engine preset or selectors, not both"
    if selectors is not None and "post" not in selectors:
        return "selectors need at least a `post` selector"
    for key, selector in (selectors or {}).items():
        from veille.css import check_selector  # lxml and cssselect: only for selectors

        problem = check_selector(selector)
        if problem:
            return f"selectors.{key}: {problem}"
    return None


def reference_problem(url: str) -> str | None:
    """Why an alert URL's `${VAR}` references are malformed, or None. Only the form is
    checked; the variables are read by the commands that send."""
    references = ENV_REFERENCE.findall(url)
    if "${" in url and url.count("${") != len(references):
        return "a `${` is not closed by `}`"
    for name in references:
        if not _ENV_NAME.fullmatch(name):
            return f"${{{clean_name(name)}}} is not an environment variable name"
    return None


def template_problem(provider: str, template: str) -> str | None:
    """Why a search provider's URL template is not usable, or None."""
    if "{query}" not in template and "{tag}" not in template:
        return f"{provider}: the URL needs {{query}} or {{tag}}"
    if not is_http_url(template.replace("{query}", "q").replace("{tag}", "q")):
        return f"{provider}: {template!r} is not an http(s) URL"
    return None


def engine_spec_problem(spec: str) -> str | None:
    """Why `settings.tone_engine` names no engine, or None."""
    if spec != "builtin" and not ENGINE_SPEC.match(spec):
        return f"{spec!r}: use builtin, or package.module:function for an engine you installed"
    return None


def duplicate_name(names: list[str]) -> tuple[int, str] | None:
    """The place and name of the first name given twice, or None."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            return index, name
        seen.add(name)
    return None
