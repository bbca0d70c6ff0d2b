"""Start-up stays quick: the command tree and the reading commands import only what they use.

Checked through `sys.modules` in a fresh interpreter, not by timing: `bench/startup_bench.py`
gives the figures.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command, get_command_name
from typer.testing import CliRunner

from veille import __version__
from veille.store import Store

# What the command tree used to pull in at start-up, none of it needed for `--help` (the
# time zones are read by the commands that show dates).
HEAVY = (
    "pydantic",
    "numpy",
    "sqlite_utils",
    "yaml",
    "ruamel",
    "rich.console",
    "veille.config",
    "veille.store",
    "veille.report",
    "veille.tone",
    "veille.scan",
    "feedparser",
    "lxml",
    "httpx",
    "apprise",
    "charset_normalizer",
    "xlsxwriter",
    "jinja2",
    "matplotlib",
    "babel",
    "veille.wording",
    "zoneinfo",
    "tempfile",
    "logging",
)
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
# What a listing command does not need: the sweep's stages, the tone stack, sqlite_utils
# (queries go through the plain connection), Typer's pydantic adapters (`cli.values`),
# Markdown (`cli.rich_help`), pydantic (a valid config is read without it, see
# `config.known_valid`), the reading of search queries, logging (Apprise's, for the commands
# that send), Rich's emoji table (a table's title and headers are not markup) and HTML's
# entities (decoded as items are read).
SWEEP = (
    "pydantic",
    "pydantic_core",
    "veille.config.schema",
    "numpy",
    "pandas",
    "veille.tone",
    "veille.scan",
    "feedparser",
    "httpx",
    "apprise",
    "lxml",
    "cssselect",
    "ruamel",
    "sqlite_utils",
    "typer._adapters",
    "markdown_it",
    "importlib.metadata",
    "veille.store.fts",
    "logging",
    "tempfile",
    "rich._emoji_codes",
    "html.entities",
)


def _loaded_after(code: str, cwd: Path) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=ENV, cwd=cwd, capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def _as_main(*args: str) -> str:
    """Code that runs the console-script entry point on these arguments."""
    return (
        f"import sys\nsys.argv = ['veille', *{list(args)!r}]\nimport veille.cli\n"
        "try:\n    veille.cli.main()\nexcept SystemExit:\n    pass"
    )


def test_building_the_command_tree_imports_no_heavy_module(tmp_path: Path) -> None:
    """`--help` builds every command; each command imports its domain modules when run."""
    loaded = _loaded_after("import veille.cli\nveille.cli.app", tmp_path)
    assert "veille.cli.listing" in loaded and "typer" in loaded
    assert sorted(name for name in HEAVY if name in loaded) == []


def test_version_is_answered_before_typer_is_imported(tmp_path: Path) -> None:
    loaded = _loaded_after(_as_main("--version"), tmp_path)
    assert "veille.cli" in loaded
    assert "typer" not in loaded and "click" not in loaded
    out = subprocess.run(
        [sys.executable, "-m", "veille", "--version"], env=ENV, capture_output=True, text=True
    ).stdout
    assert out == f"veille {__version__}\n"


@pytest.mark.parametrize("command", ["mentions", "inbox", "report", "sources"])
def test_listing_a_database_leaves_the_sweep_and_sqlite_utils_unloaded(
    tmp_path: Path, command: str
) -> None:
    db = tmp_path / "veille.db"
    with Store(db):
        pass
    (tmp_path / "sources.yaml").write_text(
        "brands:\n  - name: Acme\n    terms: [Acme]\n"
        "sources:\n  - name: Blog\n    type: rss\n    url: https://blog.example/feed\n"
    )
    code = (
        "from veille.cli import app\n"
        f"app([{command!r}, '--db', {str(db)!r}], standalone_mode=False)"
    )
    loaded = _loaded_after(code, tmp_path)
    assert "veille.store" in loaded and "veille.config" in loaded
    assert sorted(name for name in SWEEP if name in loaded) == []


def test_a_config_pydantic_must_check_is_reported_as_before(
    tmp_path: Path, runner: CliRunner
) -> None:
    """A config the fast path leaves alone goes to pydantic's models, which locate the error."""
    from veille.cli import app

    (tmp_path / "sources.yaml").write_text(
        "brands:\n  - name: Acme\n    terms: [Acme]\n"
        "sources:\n  - name: Blog\n    type: rss\n    url: https://blog.example/feed\n"
        "settings:\n  timeout: 0\n"
    )
    result = runner.invoke(app, ["mentions", "--db", str(tmp_path / "veille.db")])
    assert result.exit_code == 2
    assert "sources.yaml:9: settings.timeout: Input should be greater than 0" in result.output
    loaded = _loaded_after(_as_main("mentions", "--db", str(tmp_path / "veille.db")), tmp_path)
    assert "pydantic" in loaded and "veille.config.schema" in loaded


def test_the_config_models_leave_pydantic_plugins_to_what_comes_after() -> None:
    """Only the config's models are built without plugins: pydantic's own loader is in place
    for any model built afterwards."""
    code = (
        "import sys, veille.config, pydantic\n"
        "veille.config.proposed_brand('Acme', ['Acme'])\n"
        "assert 'veille.config.schema' in sys.modules\n"
        "assert 'pydantic.plugin._loader' not in sys.modules\n"
        "class Later(pydantic.BaseModel):\n    x: int\n"
        "loader = sys.modules['pydantic.plugin._loader']\n"
        "assert loader.__file__.endswith('_loader.py') and 'importlib.metadata' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], env=ENV, check=True)


def test_numpy_still_imports_after_the_store() -> None:
    """sqlite_utils is loaded with numpy hidden; the tone models import it afterwards."""
    code = "import veille.store\nimport numpy\nassert numpy.zeros(2).sum() == 0"
    subprocess.run([sys.executable, "-c", code], env=ENV, check=True)


def test_a_command_run_alone_has_the_same_help_and_errors(runner: CliRunner) -> None:
    """`app_for` builds only the named command; what the user sees is the whole app's."""
    from veille.cli.commands import app, app_for

    names = [get_command_name(info.callback.__name__) for info in app.registered_commands]
    names += [info.name for info in app.registered_groups]
    assert "mentions" in names and "sources" in names
    for name in names:
        narrowed = app_for([name, "--help"])
        assert narrowed is not app
        built = get_command(narrowed)
        assert list(built.commands) == [name]
        for args in ([name, "--help"], [name, "--no-such-option"]):
            alone, whole = runner.invoke(narrowed, args), runner.invoke(app, args)
            assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), args
    for args in ([], ["--version"], ["mentoins"]):
        assert app_for(args) is app


def test_the_root_help_lists_the_commands_without_reading_their_options(
    runner: CliRunner,
) -> None:
    from veille.cli.commands import app, app_for

    listed = app_for(["--help"])
    built = get_command(listed)
    assert list(built.commands) == list(get_command(app).commands)
    assert all(not command.params for command in built.commands.values())
    assert [param.name for param in built.params] == ["version"]
    alone, whole = runner.invoke(listed, ["--help"]), runner.invoke(app, ["--help"])
    assert alone.exit_code == whole.exit_code == 0
    assert alone.output == whole.output


def test_help_leaves_markdown_and_rich_tracebacks_unloaded(tmp_path: Path) -> None:
    loaded = _loaded_after(_as_main("--help"), tmp_path)
    assert "typer.rich_utils" in loaded
    unused = ("rich.markdown", "rich.traceback", "markdown_it", "pygments", "attr")
    assert [name for name in unused if name in loaded] == []


def test_the_stand_ins_hand_over_to_rich() -> None:
    """Typer's Markdown and Traceback, if ever used, are Rich's own."""
    code = (
        "from veille.cli.rich_help import import_rich_help\nimport_rich_help()\n"
        "import sys, rich.markdown, rich.traceback, typer.rich_utils as r\n"
        "assert type(r.Markdown('*x*')) is rich.markdown.Markdown\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
        "    tb = r.Traceback.from_exception(type(e), e, e.__traceback__)\n"
        "assert type(tb) is rich.traceback.Traceback\n"
        "assert sys.modules['rich.markdown'] is rich.markdown"
    )
    subprocess.run([sys.executable, "-c", code], env=ENV, check=True)
