"""Imported by the sweep's fork server: loads the tone models once, before any worker is
forked from it, so that every worker shares those pages instead of loading its own copy; and
ties the fork server's life to the sweep's."""

import veille.scan  # noqa: F401  the workers' own code, loaded once for all of them
from veille.tone import judge_tone
from veille.workers import die_with_parent

die_with_parent()
judge_tone("Acme warms the models up before the workers start.")
judge_tone("Acme réchauffe les modèles avant le départ des workers.")
