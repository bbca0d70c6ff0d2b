"""A crontab line for a nightly sweep that mails only on trouble.

cron runs with a bare PATH and from the home folder, so every path in the line is absolute.
`--quiet` makes the sweep silent unless a source failed; `tee -a` keeps a log while letting
that output through, so cron mails it. The minute and hour are in the machine's local time.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from veille.errors import UsageError

_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_at(value: str) -> tuple[int, int]:
    """`HH:MM` (24-hour clock) → (hour, minute)."""
    match = _AT.match(value.strip())
    if not match:
        raise UsageError(f"--at {value!r}: use a 24-hour time such as 06:30")
    return int(match.group(1)), int(match.group(2))


def cron_line(
    command: Sequence[str], config: Path, database: Path, log: Path, at: str = "06:00"
) -> str:
    """The crontab line: `command` is the absolute way to run veille (executable or python -m)."""
    hour, minute = parse_at(at)
    scan = [*command, "scan", "--quiet", "-c", str(config), "--db", str(database)]
    quoted = " ".join(shlex.quote(part) for part in scan)
    return f"{minute} {hour} * * * {quoted} 2>&1 | tee -a {shlex.quote(str(log))}"
