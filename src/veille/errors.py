"""One exception family: each error carries the message a user reads and the exit code.

Domain code raises these; only the CLI catches them, prints the one-line message to stderr
and exits with the code. Anything else escaping is a bug, not a user mistake.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The command's exit status, as SPEC's exit code section defines them."""

    OK = 0
    # The work finished but part of it failed (a source, an alert), or a scan stopped
    # part-way: what succeeded is stored.
    SOURCE_FAILED = 1
    USAGE = 2  # usage or configuration error, or a database that cannot be used: nothing written
    LOCKED = 75  # another scan holds the database's lock (EX_TEMPFAIL: try again later)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT): what was fetched before is stored


class VeilleError(Exception):
    """Base class: `str(error)` is a complete, one-line message saying what to do."""

    exit_code: ExitCode = ExitCode.SOURCE_FAILED


class ConfigError(VeilleError):
    """The configuration or the command line is wrong; nothing was written."""

    exit_code = ExitCode.USAGE


class UsageError(ConfigError):
    """A command-line value is wrong (a filter, a file name, an unknown source)."""


class LockedError(VeilleError):
    """Another scan holds the database's lock."""

    exit_code = ExitCode.LOCKED


class StoreError(VeilleError):
    """The database cannot be opened or is not a veille database."""

    exit_code = ExitCode.USAGE


class SourceError(VeilleError):
    """A single source could not be read (used by `preview`, which reads one source)."""

    exit_code = ExitCode.SOURCE_FAILED


class ParseError(SourceError):
    """A document yielded nothing usable as a feed."""


class DamagedError(StoreError):
    """The database file is damaged: reading it fails, and writing into it would spread the
    damage, so nothing is written."""


class ReadOnlyError(StoreError):
    """The database file, or its folder, cannot be written: a command that writes stops
    before it fetches or changes anything."""


class DiskFullError(StoreError):
    """The disk filled up while writing. What was committed before stays: a scan stopped
    part-way exits 1 (SPEC), the exit code when nothing was done is 2."""

    def __init__(self, message: str, *, exit_code: ExitCode = ExitCode.SOURCE_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code
