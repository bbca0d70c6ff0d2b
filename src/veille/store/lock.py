"""One scan per database at a time: an exclusive `flock` on `<db>.lock`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from veille.errors import LockedError, StoreError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the lock is then advisory only
    fcntl = None  # type: ignore[assignment]


class ScanLock:
    """Exclusive right to sweep into one database: an `flock` on `<db>.lock`.

    The kernel drops the lock when its holder dies, even by `kill -9`, so a crashed scan never
    leaves a stale lock behind. The file holds the holder's pid for the error message.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path).with_name(Path(db_path).name + ".lock")
        self._handle: Any = None

    def __enter__(self) -> ScanLock:
        try:
            handle = open(self.path, "a+", encoding="ascii")  # held until __exit__
        except OSError as error:
            raise StoreError(
                f"{self.path}: cannot create the scan lock ({error.strerror}); nothing was "
                f"written — the folder {self.path.parent} must be writable"
            ) from None
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                handle.close()
                raise LockedError(
                    f"{self.path.with_suffix('')}: another scan (pid {holder}) is running on "
                    "this database; wait for it to finish"
                ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
