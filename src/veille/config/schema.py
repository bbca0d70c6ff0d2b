"""The shape of `sources.yaml`: pydantic models that forbid unknown keys and check each value,
so a mistake is reported before anything runs.

Imported only when a config is not one `known_valid` accepts (or for the rules given on the
command line): pydantic and these models cost a command about 65 ms to import and build.
The checks of a value's form live in `rules`, shared with `known_valid`."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from veille.config.rules import (
    ALERT_TRIGGERS,
    FORUM_ENGINES,
    SEARCH_PROVIDERS,
    SELECTOR_KEYS,
    bare_host,
    domain_problem,
    duplicate_name,
    engine_spec_problem,
    parse_quiet_hours,
    reference_problem,
    source_problem,
    template_problem,
    url_problem,
)
from veille.times import zone_named

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
            problem = domain_problem(domain)
            if problem:
                raise ValueError(problem)
        return [bare_host(d) for d in domains]


class _Source(_Strict):
    name: NonEmpty
    type: Literal["rss", "forum", "blog", "search"]
    url: str | None = None
    engine: Literal[FORUM_ENGINES] | None = None  # type: ignore[valid-type]
    selectors: dict[Literal[SELECTOR_KEYS], NonEmpty] | None = None  # type: ignore[valid-type]
    max_pages: int = Field(default=1, ge=1, le=1000)
    providers: list[Literal[SEARCH_PROVIDERS]] = []  # type: ignore[valid-type]
    full_text: bool | None = None
    timezone: NonEmpty | None = None  # an IANA name; None: settings.timezone

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        problem = url_problem(url) if url is not None else None
        if problem:
            raise ValueError(problem)
        return url.strip() if url else url

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        return _known_zone(name)

    @model_validator(mode="after")
    def _fits_type(self) -> _Source:
        problem = source_problem(self.type, self.url, self.engine, self.selectors, self.providers)
        if problem:
            raise ValueError(problem)
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
        for index, url in enumerate(urls):
            problem = reference_problem(url)
            if problem:
                raise _LocatedValueError((index,), problem)
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
            problem = template_problem(provider, template)
            if problem:
                raise ValueError(problem)
        return templates

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        return _known_zone(name)

    @field_validator("tone_engine")
    @classmethod
    def _engine_spec(cls, spec: str) -> str:
        problem = engine_spec_problem(spec)
        if problem:
            raise ValueError(problem)
        return spec

    @field_validator("timeout", mode="before")
    @classmethod
    def _int_is_float(cls, value: Any) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            return value
        try:
            return float(value)
        except OverflowError:  # past any float: out of bounds, as infinity is
            return math.inf if value > 0 else -math.inf


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


def _known_zone(name: str | None) -> str | None:
    if name is not None:
        zone_named(name)  # ValueError: "unknown time zone 'Europe/Pari'"
    return name


class _LocatedValueError(ValueError):
    """A cross-field error that knows which key it is about."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _reject_duplicates(section: str, names: list[str]) -> None:
    duplicate = duplicate_name(names)
    if duplicate:
        index, name = duplicate
        raise _LocatedValueError((section, index, "name"), f"duplicate name {name!r}")
