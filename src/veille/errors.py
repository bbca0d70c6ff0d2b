"""One exception family: each error carries the message a user reads and the exit code.

Domain code raises these; only the CLI catches them, prints the one-line message to stderr
and exits with the code. Anything else escaping is a bug, not a user mistake.
"""

from __future__ import annotations


class VeilleError(Exception):
    """Base class: `str(error)` is a complete, one-line message saying what to do."""

    exit_code = 1


class ConfigError(VeilleError):
    """The configuration or the command line is wrong; nothing was written."""

    exit_code = 2


class UsageError(ConfigError):
    """A command-line value is wrong (a filter, a file name, an unknown source)."""


class LockedError(VeilleError):
    """Another scan holds the database's lock."""

    exit_code = 75


class StoreError(VeilleError):
    """The database cannot be opened or is not a veille database."""

    exit_code = 2


class SourceError(VeilleError):
    """A single source could not be read (used by `preview`, which reads one source)."""

    exit_code = 1


class ParseError(SourceError):
    """A document yielded nothing usable as a feed."""
