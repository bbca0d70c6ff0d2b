"""`veille tone`: the tone of a text; `veille tone train` fits the layer on the labels.

Alone, `veille tone [TEXT]` judges TEXT (or each line of stdin) as a sweep would: the
built-in engine, then the layer trained on this database's labels when there is one.
`train` measures and fits that layer (`veille.tone.layer`); `train --reset` forgets it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from veille.cli.common import (
    ConfigOption,
    DbOption,
    JsonOption,
    VeilleCommand,
    VeilleGroup,
    _console,
    builtin_engine,
    epilog,
    handles_errors,
)
from veille.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from veille.tone import ToneLayer


class ToneGroup(VeilleGroup):
    """`veille tone` judges TEXT, unless its first word names a sub-command (`train`).

    A group's own arguments would take `train` for TEXT, and a group reads no option after
    its argument: here a first word that names a sub-command runs it (the group's own
    parameters left at their defaults), with the options written before it passed on to it
    (`veille tone --db x train` is `veille tone train --db x`) when it has them all; anything
    else is parsed as one command's arguments and options, in any order, so that
    `veille tone --lang fr train` judges the word "train". The word "train" alone is judged
    from stdin: `echo train | veille tone`, or `veille tone -- train`.
    """

    allow_interspersed_args = True

    # `ctx` is Typer's own copy of click's Context, which Typer does not export.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # A plain command's parsing (a group's, skipped, would look for a sub-command).
        as_command = super(TyperGroup, self).parse_args
        first, options = self._first_word(ctx, args)
        if ctx.resilient_parsing:  # a Tab request: what the word being completed may be
            ctx.meta[_OPTIONS_BEFORE] = options if first == len(args) else None
        if first is not None and first < len(args) and self._runs(ctx, args[first], options):
            as_command(ctx, [])
            ctx._protected_args = args[first : first + 1]
            ctx.args = args[:first] + args[first + 1 :]
            return list(ctx.args)
        return as_command(ctx, args)

    def _runs(self, ctx: Any, word: str, options: list[str]) -> bool:
        """Whether `word` runs a sub-command: it names one, and that command has each of the
        `options` written before it (`veille tone --lang fr train` judges "train")."""
        command = self.commands.get(word)
        if command is None:
            return False
        own = {name for param in command.get_params(ctx) for name in param.opts}
        return all(option.partition("=")[0] in own for option in options)

    def _first_word(self, ctx: Any, args: list[str]) -> tuple[int | None, list[str]]:
        """Where the first argument that is neither an option nor an option's value stands
        (`len(args)` when there is none, None when there is one only after `--`), and the
        options written before it."""
        valued = {
            name
            for param in self.get_params(ctx)
            if param.param_type_name == "option" and not (param.is_flag or param.count)
            for name in param.opts
        }
        options: list[str] = []
        index = 0
        while index < len(args):
            word = args[index]
            if word == "--":
                return None, options
            if not word.startswith("-") or word == "-":
                return index, options
            options.append(word)
            index += 2 if word in valued else 1
        return len(args), options

    def offered(self, ctx: Any, incomplete: str) -> list[tuple[str, str]]:
        """The sub-commands Tab offers for the word being completed: only where it is the
        first word, not an option's value, and after options the sub-command has all."""
        options = ctx.meta.get(_OPTIONS_BEFORE)
        if options is None:
            return []
        return [
            (name, command.get_short_help_str())
            for name, command in self.commands.items()
            if name.startswith(incomplete) and self._runs(ctx, name, options)
        ]

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        # A group's offers every sub-command after any word: keep those `offered` allows.
        offered = {name for name, _ in self.offered(ctx, incomplete)}
        return [
            item
            for item in super().shell_complete(ctx, incomplete)
            if item.value in offered or item.value not in self.commands
        ]


_OPTIONS_BEFORE = "veille.tone.options_before"


def _subcommand_names(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """What Tab offers for TEXT: the sub-commands (`veille tone tr<Tab>` gives `train`)."""
    group = ctx.command
    return group.offered(ctx, incomplete) if isinstance(group, ToneGroup) else []


tone_app = typer.Typer(
    no_args_is_help=False,
    cls=ToneGroup,
    epilog=epilog("tone"),
)


@tone_app.callback(invoke_without_command=True)
@handles_errors
def tone(
    ctx: typer.Context,
    text: Annotated[
        str | None,
        typer.Argument(
            metavar="TEXT",
            help="Text to judge; without it, each line of stdin.",
            autocompletion=_subcommand_names,
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language code (else detected).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line: text, lang, tone…")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Say why: the words and rules that decided each tone."),
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Judge the tone of TEXT, or of each line of stdin.

    Each input gives one line: tone, score, language, flags (or -) and the text. Piped,
    they are separated by tabs, for `cut` or a spreadsheet; on a terminal, aligned. With
    --explain, a few indented lines follow each: the words that weighed (lexicon weight →
    what negation, intensifiers or "but" made of it), the rules that fired, the flags.
    When the database holds a layer trained by `veille tone train`, it has its say after
    the built-in engine, as in a sweep (--explain shows it as a rule). `veille tone train`
    fits it on the labels."""
    from rich.text import Text

    from veille.report import web_text
    from veille.text import clean_text
    from veille.tone import explain_tone, judge_tone

    if ctx.invoked_subcommand is not None:
        return
    if text is None and sys.stdin.isatty():
        # Nothing typed yet would look like a hang: say what the command wants instead.
        typer.echo(ctx.get_help())
        raise typer.Exit(ExitCode.USAGE)
    if text is not None and not text.strip():
        raise UsageError("TEXT is empty: give the text to judge, or pipe lines on stdin")
    layer = _trained_layer(config, db)
    judge = layer if layer is not None else judge_tone
    explain_with = layer.explain if layer is not None else explain_tone
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    console = _console()
    for line in lines:
        if not line.strip():
            continue
        judged, why = explain_with(line, lang) if explain else (judge(line, lang), None)
        if as_json:
            record: dict[str, Any] = {
                "text": line,
                "lang": judged.lang,
                "tone": judged.tone,
                "score": judged.score,
                "flags": list(judged.flags),
            }
            if why is not None:
                record["explain"] = why.as_dict()
            typer.echo(json.dumps(record, ensure_ascii=False))
            continue
        fields = [
            judged.tone,
            f"{judged.score:+.3f}",
            judged.lang or "-",
            ",".join(judged.flags) or "-",
            clean_text(line),
        ]
        if console.is_terminal:
            head = f"{fields[0]:<8}  {fields[1]}  {fields[2]:<3}  {fields[3]:<18}  "
            console.print(Text(head), web_text(fields[4]), sep="")
        else:
            typer.echo("\t".join(fields))
        for reason in why.lines() if why is not None else ():
            typer.echo(f"  {clean_text(reason)}")


def _trained_layer(config: Path | None, db: Path | None) -> ToneLayer | None:
    """The layer stored in the database, when there is a database and it holds one: `veille
    tone` reads it, and judges with the built-in engine alone without either."""
    from veille.config import load_for_command

    loaded, db_path = load_for_command(config, db, require_config=False)
    if not db_path.exists() or not builtin_engine(loaded):
        return None  # and no need of the store's modules; another engine judges alone
    from veille.store import Store
    from veille.tone import stored_layer

    with Store(db_path, create=False, write=False) as store:
        trained = store.tone_model()
    return stored_layer(trained[0], db_path) if trained is not None else None


@tone_app.command("train", cls=VeilleCommand, epilog=epilog("tone train"))
@handles_errors
def train(
    config: ConfigOption = None,
    db: DbOption = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Forget the trained layer: the built-in engine alone.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Learn from the labels: a layer over the built-in engine, used where it judges better.

    The labels are this database's corrected mentions and imported texts. The built-in
    engine and the layer are measured on them by 5-fold cross-validation (accuracy and
    macro-F1, per language); the layer is kept for a language only when its macro-F1 beats
    the engine's there, and the engine judges alone elsewhere (an earlier layer is then
    removed). Later sweeps, `veille tone` and `veille show` use it; stored mentions keep
    their tones. Too few labels (20, with 5 in each of two tones) or labels that contradict
    each other: nothing is trained or removed (exit 2), and the message says why."""
    from veille.config import load_for_command
    from veille.store import Store
    from veille.tone import train_layer
    from veille.tone.layer import report_lines

    _, db_path = load_for_command(config, db, require_config=False)
    with Store(db_path, create=False) as store:
        if reset:
            dropped = store.drop_tone_model()
            typer.echo(
                "Forgot the trained tone layer: the built-in engine judges alone."
                if dropped
                else "No trained tone layer to forget."
            )
            return
        training = train_layer(store.labels())
        had_layer = store.tone_model() is not None
        if training.refused is not None:
            kept = " The layer trained before is kept." if had_layer else ""
            raise UsageError(
                f"{db_path}: not trained: {training.refused}; label more with `veille label`, "
                f"or import labelled texts with `veille label --import FILE.csv`.{kept}"
            )
        if training.layer is not None:
            store.save_tone_model(training.layer.to_bytes(), training.report, training.labels)
        elif had_layer:
            store.drop_tone_model()
    if as_json:
        typer.echo(json.dumps(training.report, ensure_ascii=False, indent=2))
        return
    for line in report_lines(training.report):
        typer.echo(line)
    if training.layer is not None:
        used = ", ".join(training.report["used_for"])
        typer.echo(
            f"Trained layer saved: later sweeps and `veille tone` use it for {used}; the "
            "built-in engine judges the other languages. Stored mentions keep their tones."
        )
    else:
        removed = " The layer trained before is removed." if had_layer else ""
        typer.echo(f"Kept the built-in engine: {training.report['reason']}.{removed}")
