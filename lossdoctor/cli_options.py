"""The command line's options and help: shared option groups, checked values, and `--help` in the
language in force (the commands themselves are in `cli`)."""

from __future__ import annotations

import contextlib
import functools
import os

import click

from .judge.codes import NAMES
from .read.formats import format_names


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Translated:
    """`--help` in the language in force: the commands' and options' help texts are catalogue
    messages (scripts/catalog.py collects them from these objects)."""

    def get_help(self, ctx):
        with translated_help(self):
            return super().get_help(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        with translated_help(self):
            return super().get_short_help_str(limit)


@contextlib.contextmanager
def translated_help(cmd):
    import inspect  # noqa: PLC0415

    from .core.i18n import tr  # noqa: PLC0415

    saved = [(cmd, cmd.help)] + [(p, p.help) for p in cmd.params if getattr(p, "help", None)]
    try:
        for obj, text in saved:
            if text:
                obj.help = tr(inspect.cleandoc(text))
        yield
    finally:
        for obj, text in saved:
            obj.help = text


class Command(Translated, click.Command):
    pass


class Group(Translated, click.Group):
    command_class = Command


class FiniteRange(click.FloatRange):
    """A FloatRange that refuses nan and inf (which compare false with every bound)."""

    def convert(self, value, param, ctx):
        import math  # noqa: PLC0415

        v = super().convert(value, param, ctx)
        if not math.isfinite(v):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return v


def choose_language(ctx, param, value):
    """--lang: write in this language from now on (else LOSSDOCTOR_LANG, the locale, English)."""
    from .core.i18n import set_language  # noqa: PLC0415

    if value:
        set_language(value)
        os.environ["LOSSDOCTOR_LANG"] = value  # the worker processes of a large batch write in it too
    return value


LANG_OPTION = click.option("--lang", type=click.Choice(["en", "zh"]), callback=choose_language, expose_value=False,
                           is_eager=True, help="Language of the report: en or zh (default: $LOSSDOCTOR_LANG, "
                                               "else the locale, else English).")


def history_options(fn):
    """Options shared by every command that reads a history: the command receives them as one
    `options` (an `Options`), which it passes down unchanged to every run it reads."""
    from .run.options import Options  # noqa: PLC0415

    command = fn

    @functools.wraps(command)
    def with_options(*args, **kwargs):
        return command(*args, options=Options(**{k: kwargs.pop(k) for k in Options._fields}), **kwargs)

    fn = with_options
    for opt in reversed([
        LANG_OPTION,
        click.option("--train-key", metavar="KEY", help="Training series to judge (default: loss, "
                     "else train_loss, ...)."),
        click.option("--val-key", metavar="KEY", help="Validation series (default: val_<train key>, "
                     "else val_loss, eval_loss, ...)."),
        click.option("--window", type=FiniteRange(min=2), metavar="N",
                     help="Judge the last N epochs (default: the last third of training)."),
        click.option("--input-format", type=click.Choice(format_names()),
                     help="Skip format detection."),
        click.option("--horizon", type=FiniteRange(min=1), metavar="N",
                     help="Forecast the best loss up to epoch N (default: three times the epochs so far)."),
        click.option("--classes", type=click.IntRange(min=2), metavar="K",
                     help="A classifier's number of classes: chance level is ln K (found even without accuracy)."),
    ]):
        fn = opt(fn)
    return fn


TRACKING_URI = click.option("--tracking-uri", metavar="URI", help="MLflow tracking server for mlflow: inputs "
                            "(default: $MLFLOW_TRACKING_URI).")


def tracking_options(fn):
    for opt in reversed([
        TRACKING_URI,
        click.option("--write-back", is_flag=True, help="With mlflow: inputs, record the diagnosis on each run "
                     "(tags lossdoctor.code, .variant, .title) and its figure as an artifact."),
    ]):
        fn = opt(fn)
    return fn


CODES = sorted(NAMES)


def parse_codes(ctx, param, value):
    """`overfitting,diverging/train_blew_up` -> {'overfitting', 'diverging/train_blew_up'}: codes, or
    a code and one of its variants, rejecting unknown ones (shown escaped, never raw)."""
    if not value:
        return set()
    codes = {c.strip() for c in value.split(",") if c.strip()}
    known = set(CODES)
    if any("/" in c for c in codes):
        from .judge.rules import outcomes  # noqa: PLC0415 - only when a variant is asked for

        known |= {f"{code}/{variant}" for code, variant in outcomes()}
    unknown = sorted(codes - known)
    if unknown:
        from .core.safe import printable  # noqa: PLC0415

        raise click.BadParameter(printable(f"unknown code(s) {', '.join(unknown)}; choose from {', '.join(CODES)} "
                                           "(or code/variant, e.g. overfitting/val_rising)"))
    return codes


def figure_options(fn):
    for opt in reversed([
        click.option("-o", "--output", required=True, metavar="IMAGE",
                     help="Image to write; the type follows the extension: .png, .svg or .pdf (report: or .html, "
                     "the interactive page)."),
        click.option("--logy/--no-logy", default=None,
                     help="Log-scale loss axis (default: when the loss spans orders of magnitude)."),
        click.option("--smooth", type=FiniteRange(0, 0.999), default=0.0, show_default=True,
                     help="TensorBoard-style smoothing weight for display; raw points stay, faint."),
        click.option("--shift-train", is_flag=True,
                     help="Draw the training loss half an epoch earlier (Keras reports it as a mean over the epoch)."),
    ]):
        fn = opt(fn)
    return fn
