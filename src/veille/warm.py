"""Imported by the sweep's fork server: loads the tone models once, before any worker is
forked from it, so that every worker shares those pages instead of loading its own copy."""

from veille.scan import analyse_source  # noqa: F401 - imported for its modules, once
from veille.tone import judge_tone

judge_tone("Acme warms the models up before the workers start.")
judge_tone("Acme réchauffe les modèles avant le départ des workers.")
