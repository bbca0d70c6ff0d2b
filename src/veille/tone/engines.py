"""Pluggable tone engines: a model the user installs, named "package.module:callable"."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from veille.models import FLAGS, TONES, Tone
from veille.text import clean_text
from veille.tone.flags import _flags
from veille.tone.language import detect_language
from veille.tone.scoring import _label, judge_tone

ToneEngine = Callable[[str, str | None], Tone]
"""A tone engine: (text, language code or None) -> Tone. `judge_tone` is the built-in one."""
BUILTIN_ENGINE = "builtin"
_DEFAULT_SCORE = {"positive": 0.5, "neutral": 0.0, "negative": -0.5}


def load_engine(spec: str) -> ToneEngine:
    """The tone engine named by `spec`: "builtin" (veille's own, `judge_tone`) or
    "package.module:callable", an importable callable taking (text, lang or None) and
    returning a Tone or a mapping with "tone" and/or "score", and optionally "lang" and
    "flags". The callable is wrapped so that whatever it returns comes back as a valid Tone
    (a missing language is detected, missing flags are veille's own).

    Raises ValueError, with a one-line message naming the spec, when the spec is malformed,
    the module cannot be imported or the attribute is missing or not callable.
    """
    spec = (spec or "").strip()
    if spec in ("", BUILTIN_ENGINE):
        return judge_tone
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name.strip() or not attribute.strip():
        raise ValueError(
            f"tone engine {spec!r}: expected {BUILTIN_ENGINE!r} or 'package.module:callable'"
        )
    import importlib

    try:
        target: Any = importlib.import_module(module_name.strip())
    except Exception as exc:  # any failure of a third-party import
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(
            f"tone engine {spec!r}: cannot import {module_name.strip()!r} ({reason}); install "
            f"the package that provides it or fix the spec"
        ) from exc
    for part in attribute.strip().split("."):
        if not hasattr(target, part):
            raise ValueError(
                f"tone engine {spec!r}: {module_name.strip()!r} has no {attribute.strip()!r}; "
                f"check the name after ':'"
            )
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(
            f"tone engine {spec!r}: {attribute.strip()!r} is not callable; point the spec at a "
            f"function (text, lang) -> Tone"
        )
    if target is judge_tone:
        return judge_tone
    return _validate(target, spec)


def _validate(engine: Callable[..., Any], spec: str | None = None) -> ToneEngine:
    """Wrap an engine so that its result is checked and completed into a Tone."""
    name = spec or str(getattr(engine, "__qualname__", repr(engine)))

    def judged(
        text: str, lang: str | None = None, *, _detect: Callable[[], str] | None = None
    ) -> Tone:
        text = clean_text(text)
        result = engine(text, lang)
        return _as_tone(result, text, lang, name, _detect)

    judged._veille_validated = True  # type: ignore[attr-defined]
    judged.__name__ = getattr(engine, "__name__", "engine")
    judged.__doc__ = engine.__doc__
    return judged


def _as_tone(
    result: Any, text: str, lang: str | None, name: str, detect: Callable[[], str] | None
) -> Tone:
    if isinstance(result, Tone):
        fields: dict[str, Any] = {
            "tone": result.tone,
            "score": result.score,
            "lang": result.lang,
            "flags": result.flags,
        }
    elif isinstance(result, Mapping):
        fields = dict(result)
    else:
        raise ValueError(
            f"tone engine {name!r} returned {type(result).__name__}; it must return a Tone or a "
            f"mapping with 'tone' and/or 'score'"
        )
    label = fields.get("tone")
    raw_score = fields.get("score")
    if label is None and raw_score is None:
        raise ValueError(f"tone engine {name!r} returned neither 'tone' nor 'score'")
    if label is not None and label not in TONES:
        raise ValueError(
            f"tone engine {name!r} returned tone {label!r}; expected one of {', '.join(TONES)}"
        )
    if raw_score is None:
        assert label is not None  # one of the two is given (checked above)
        score = _DEFAULT_SCORE[label]
    else:
        try:
            score = float(raw_score)
        except (TypeError, ValueError):
            raise ValueError(
                f"tone engine {name!r} returned score {raw_score!r}; expected a number in [-1, 1]"
            ) from None
        if math.isnan(score):
            raise ValueError(f"tone engine {name!r} returned a NaN score")
    score = round(max(-1.0, min(1.0, score)), 3)
    label = label or _label(score)
    code = fields.get("lang") or lang
    if not code:
        code = detect() if detect is not None else detect_language(text)
    flags = fields.get("flags")
    if flags is None:
        flags = _flags(text, str(code)) if text else ()
    if isinstance(flags, str) or not all(flag in FLAGS for flag in flags):
        raise ValueError(
            f"tone engine {name!r} returned flags {flags!r}; expected a subset of "
            f"{', '.join(FLAGS)}"
        )
    ordered = tuple(flag for flag in FLAGS if flag in set(flags))
    return Tone(tone=label, score=score, lang=str(code), flags=ordered)
