"""Imported by the sweep's fork server: loads the tone models once, before any worker is
forked from it, so that every worker shares those pages instead of loading its own copy; and
ties the fork server's life to the sweep's."""

from veille.scan import die_with_parent
from veille.tone import judge_tone

die_with_parent()
judge_tone("Acme warms the models up before the workers start.")
judge_tone("Acme réchauffe les modèles avant le départ des workers.")
