from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from veille.arraycache import cache_folder, cached_arrays


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def model(tmp_path: Path) -> Path:
    path = tmp_path / "model.bin"
    path.write_bytes(b"model v1")
    return path


class Builder:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, np.ndarray]:
        self.calls += 1
        return {
            "table": np.arange(12, dtype=np.uint32).reshape(3, 4),
            "names": np.asarray(["en", "fr"], dtype=str),
        }


def _same(arrays: dict[str, np.ndarray]) -> None:
    assert sorted(arrays) == ["names", "table"]
    assert arrays["table"].tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert arrays["names"].tolist() == ["en", "fr"]


def test_built_once_then_read_from_the_cache(model: Path) -> None:
    build = Builder()
    _same(cached_arrays("m", model, build))
    _same(cached_arrays("m", model, build))
    assert build.calls == 1
    entries = [p.name for p in cache_folder().iterdir()]
    assert len(entries) == 1 and entries[0].startswith("m-")


def test_cached_arrays_are_read_only_maps(model: Path) -> None:
    cached_arrays("m", model, Builder())
    table = cached_arrays("m", model, Builder())["table"]
    assert type(table) is np.ndarray
    with pytest.raises(ValueError):
        table[0, 0] = 99


def test_a_changed_model_is_unpacked_afresh(model: Path) -> None:
    build = Builder()
    cached_arrays("m", model, build)
    model.write_bytes(b"model v2, longer")
    os.utime(model, ns=(1, 1))
    cached_arrays("m", model, build)
    assert build.calls == 2


def test_a_damaged_entry_is_rebuilt(model: Path) -> None:
    build = Builder()
    cached_arrays("m", model, build)
    (entry,) = cache_folder().iterdir()
    (entry / "table.npy").write_bytes(b"\x93NUMPY garbage")
    _same(cached_arrays("m", model, build))
    assert build.calls == 2
    _same(cached_arrays("m", model, build))  # the rebuilt entry is read from now on
    assert build.calls == 2


def test_an_entry_of_the_wrong_shape_is_rebuilt(model: Path) -> None:
    def fits(arrays: dict[str, np.ndarray]) -> bool:
        return arrays["table"].shape == (3, 4)

    def wrong() -> dict[str, np.ndarray]:
        return {"table": np.zeros((2, 2), dtype=np.uint32), "names": np.asarray(["x"])}

    cached_arrays("m", model, wrong)
    build = Builder()
    _same(cached_arrays("m", model, build, fits))
    _same(cached_arrays("m", model, build, fits))
    assert build.calls == 1


def test_entries_of_older_models_are_removed(model: Path) -> None:
    cached_arrays("m", model, Builder())
    cached_arrays("other", model, Builder())
    model.write_bytes(b"model v2, longer")
    cached_arrays("m", model, Builder())
    names = sorted(p.name.split("-")[0] for p in cache_folder().iterdir())
    assert names == ["m", "other"]


def test_another_installations_entry_stays_until_it_is_uninstalled(
    model: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "other-venv" / "model.bin"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"model v0")
    cached_arrays("m", elsewhere, Builder())
    cached_arrays("m", model, Builder())
    assert len(list(cache_folder().iterdir())) == 2
    build = Builder()
    cached_arrays("m", elsewhere, build)
    assert build.calls == 0  # still there: each installation keeps its own
    elsewhere.unlink()
    model.write_bytes(b"model v2, longer")
    cached_arrays("m", model, Builder())
    assert len(list(cache_folder().iterdir())) == 1


def test_an_unwritable_cache_still_gives_the_arrays(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    build = Builder()
    _same(cached_arrays("m", model, build))
    _same(cached_arrays("m", model, build))
    assert build.calls == 2


def test_cache_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "veille"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "veille"


def test_without_a_home_folder_the_arrays_are_built_in_memory(
    model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setattr(Path, "home", no_home)
    _same(cached_arrays("m", model, Builder()))
