from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from alert_servers import Mailbox, Webhook
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from veille.store import Store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole run: the language model is unpacked into it once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in its own folder, with no config or database found by accident."""
    monkeypatch.delenv("VEILLE_CONFIG", raising=False)
    monkeypatch.delenv("VEILLE_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TERM", "dumb")
    # Dates print in the machine's zone by default: the same zone on every machine.
    monkeypatch.setenv("TZ", "UTC")
    # The report's language comes from the locale: English unless a test says otherwise.
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "veille.db"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a sources.yaml from plain data (or raw text) and return its path."""

    def write(data: dict[str, Any] | str, name: str = "sources.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def webhook(httpserver: HTTPServer) -> Webhook:
    return Webhook(httpserver)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox("Sm7p-Pa55")
    box.controller.start()
    yield box
    box.controller.stop()
