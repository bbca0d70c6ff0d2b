"""Arrays derived from a bundled model, kept in the user's cache folder and mapped from disk.

py3langid ships its model LZMA-compressed: unpacking it costs about half a second of CPU in
every process that loads it, before a sweep can analyse its first feed. Unpacked once into
plain `.npy` files, it maps in milliseconds, and processes that map the same files share
their pages. The cache is only ever an optimisation: a folder that cannot be written, or
files that cannot be read, mean the arrays are built in memory as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

__all__ = ["cache_folder", "cached_arrays"]

# Bump when the layout of what is cached changes, so that old folders are not read.
FORMAT = 2


def cache_folder() -> Path:
    """veille's folder under the XDG cache folder (``~/.cache/veille`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "veille"


def cached_arrays(
    name: str,
    source: Path,
    build: Callable[[], Mapping[str, np.ndarray]],
    fits: Callable[[Mapping[str, np.ndarray]], bool] = lambda arrays: True,
) -> dict[str, np.ndarray]:
    """`build()`'s arrays, read-only, from the cache when it holds them for this `source`.

    The cache entry is named after `source`'s path, size and modification time, so a new
    version of the model is unpacked afresh (and the entries of older ones are removed).
    Entries are written to a scratch folder and renamed into place: a reader never sees half
    an entry, and two processes that build at once both succeed. An entry that cannot be
    read, or whose arrays do not pass `fits` (their shapes, say), is built again.
    """
    try:
        entry = cache_folder() / f"{name}-{_fingerprint(source)}"
    except (OSError, RuntimeError):  # no home folder (a user without a passwd entry)
        return dict(build())
    try:
        arrays = _read(entry)
        if fits(arrays):
            return arrays
    except (OSError, ValueError, EOFError):
        pass
    arrays = {key: np.ascontiguousarray(value) for key, value in build().items()}
    try:
        _write(entry, arrays, source)
        _remove_others(entry, name, source)
        written = _read(entry)
    except (OSError, ValueError, EOFError):
        return arrays
    return written if fits(written) else arrays


def _fingerprint(source: Path) -> str:
    status = source.stat()
    key = f"{FORMAT}:{source.resolve()}:{status.st_size}:{status.st_mtime_ns}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _read(entry: Path) -> dict[str, np.ndarray]:
    names = (entry / "arrays.txt").read_text(encoding="utf-8").split()
    if not names:
        raise ValueError(f"{entry}: empty")
    # Plain ndarray views of the maps: indexing a np.memmap builds memmap objects, slower.
    return {key: np.asarray(np.load(entry / f"{key}.npy", mmap_mode="r")) for key in names}


def _write(entry: Path, arrays: Mapping[str, np.ndarray], source: Path) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
    try:
        (scratch / "source.txt").write_text(str(source.resolve()), encoding="utf-8")
        for key, value in arrays.items():
            np.save(scratch / f"{key}.npy", value, allow_pickle=False)
        # Written last: its presence says every array before it is complete.
        (scratch / "arrays.txt").write_text("\n".join(arrays), encoding="utf-8")
        if entry.exists():  # damaged: set aside first, as a folder is only renamed onto nothing
            _discard(entry)
        try:
            scratch.rename(entry)
        except OSError:
            if not (entry / "arrays.txt").exists():  # not another process's complete entry
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _remove_others(entry: Path, name: str, source: Path) -> None:
    """Entries of older versions of this model, or of a model no longer installed; and
    scratch folders a killed process left over an hour ago (a younger one may be another
    process's write in progress). Another installation's entry stays: two virtual
    environments sharing this folder must not undo each other's cache at every run."""
    ours = str(source.resolve())
    for other in entry.parent.glob(f"{name}-*"):
        if other == entry:
            continue
        try:
            theirs = (other / "source.txt").read_text(encoding="utf-8")
        except OSError:
            theirs = ""
        if theirs == ours or not theirs or not Path(theirs).exists():
            _discard(other)
    for scratch in entry.parent.glob(f".{name}-*"):
        with contextlib.suppress(OSError):
            if time.time() - scratch.stat().st_mtime > 3600:
                _discard(scratch)


def _discard(folder: Path) -> None:
    """Remove a folder that other processes may be reading: moved aside in one step, then
    deleted (files a process has mapped stay readable to it until it lets go)."""
    aside = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    try:
        folder.rename(aside)
    except OSError:
        return
    shutil.rmtree(aside, ignore_errors=True)
