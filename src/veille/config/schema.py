"""The shape of `sources.yaml`: pydantic models that forbid unknown keys and check each value,
so a mistake is reported before anything runs."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from veille.times import zone_named
from veille.urls import is_http_url

FORUM_ENGINES = ("discourse", "phpbb", "xenforo", "vbulletin", "invision", "flarum", "reddit")
SEARCH_PROVIDERS = ("google_news", "bing_news", "reddit", "hackernews", "mastodon")
SELECTOR_KEYS = ("post", "author", "body", "date", "link", "next", "title", "thread")
ALERT_TRIGGERS = ("new", "attention", "spike")

_ENGINE_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_QUIET_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


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
            from veille.css import check_selector

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
    timezone: NonEmpty | None = None  # an IANA name; None: the machine's zone

    @field_validator("search_urls")
    @classmethod
    def _templates(cls, templates: dict[str, str]) -> dict[str, str]:
        for provider, template in templates.items():
            if "{query}" not in template and "{tag}" not in template:
                raise ValueError(f"{provider}: the URL needs {{query}} or {{tag}}")
            if not is_http_url(template.replace("{query}", "q").replace("{tag}", "q")):
                raise ValueError(f"{provider}: {template!r} is not an http(s) URL")
        return templates

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is not None:
            zone_named(name)  # ValueError: "unknown time zone 'Europe/Pari'"
        return name

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
