"""The `lossdoctor` command line. Exit codes: 0 diagnosed, 1 --fail-on matched, 2 bad input, 3 internal error."""

from __future__ import annotations

import contextlib
import functools
import os
import sys

import click

from . import __version__
from .judge.diagnosis import diagnose as run_diagnosis
from .read.discover import is_batch
from .core.errors import EXIT_INPUT, EXIT_INTERNAL, error_outcome
from .core.i18n import t
from .run.options import Options
from .read.formats import load_history
from .cli_options import (CONTEXT, LANG_OPTION, TRACKING_URI, Group, figure_options, history_options, parse_codes,
                          tracking_options)
from .show.render import RENDERERS, headline, summary_line
def fail(path: str, err: Exception, code: int = EXIT_INPUT) -> None:
    from .core.safe import printable  # noqa: PLC0415

    click.echo(t("Error: {path}: {message}", path=printable(path), message=printable(str(err))), err=True)  # one line
    sys.exit(code)


def guarded(fn):
    """Turn lossdoctor errors into one line and exit 2; anything else into exit 3, no traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        path = kwargs.get("file") or (kwargs.get("inputs") or ("",))[0]
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:  # Ctrl-C: the shell's convention, 128 + SIGINT, not the --fail-on code
            click.echo(t("lossdoctor: interrupted"), err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as err:  # the same mapping as every run of a batch
            code, message = error_outcome(err)
            fail(path, message, code)
    return wrapper


def load_and_diagnose(file, options: Options):
    history = load_history(file, options.input_format)
    return history, run_diagnosis(history, options.train_key, options.val_key, options.window, horizon=options.horizon,
                                  classes=options.classes)


@click.group(context_settings=CONTEXT, cls=Group)
@click.version_option(__version__, "-V", "--version", prog_name="lossdoctor")
@LANG_OPTION
@click.option("--rules", "rule_modules", multiple=True, metavar="MODULE", envvar="LOSSDOCTOR_RULES",
              help="Import a module that registers rules of your own (repeatable; LOSSDOCTOR_RULES: "
                   "space-separated module names).")
def cli(rule_modules):
    """Read a training history and say what is going on and what to do.

    Example: lossdoctor diagnose history.json
    """
    if rule_modules:
        from .judge.rules import load_rule_modules  # noqa: PLC0415

        try:
            load_rule_modules(rule_modules)
        except Exception as err:
            fail("--rules", error_outcome(err)[1])


def tracked_inputs(inputs) -> bool:
    """True for `mlflow:` and `optuna:` inputs (`reports` and the tracking code are imported only then)."""
    if not any(i.startswith(("mlflow:", "optuna:")) for i in inputs):
        return False
    from .run.reports import tracked_inputs as tracked  # noqa: PLC0415

    return tracked(inputs)


def run_batch(inputs, options: Options):
    """Diagnose every run the inputs name, with a progress bar on a terminal."""
    from .run.reports import run_batch as diagnose_runs  # noqa: PLC0415

    with progress_bar(inputs) as bar:
        return diagnose_runs(inputs, options, bar)


@contextlib.contextmanager
def progress_bar(inputs):
    """A progress callback for many runs on a terminal (a bar on stderr), else None."""
    from .run.batch import expand  # noqa: PLC0415

    if not sys.stderr.isatty() or os.environ.get("CI") or not is_batch(inputs):
        yield None
        return
    with click.progressbar(length=len(expand(inputs)), label="diagnosing", file=sys.stderr) as bar:
        yield bar.update


def diagnose_tracked_runs(inputs, options, output_format, tracking_uri, write_back) -> None:
    """`diagnose mlflow:EXPERIMENT` / `mlflow:runs/RUN_ID` / `optuna:STORAGE?study=NAME`: the same reports as
    for files."""
    from .show.render import BATCH_RENDERERS  # noqa: PLC0415
    from .run.tracked import diagnose_tracked, single_run, write_back as record  # noqa: PLC0415

    if write_back and not inputs[0].startswith("mlflow:"):
        raise click.UsageError(t("--write-back records diagnoses on MLflow runs: use it with mlflow: inputs"))

    batch, histories, client = diagnose_tracked(inputs, options, tracking_uri)
    if single_run(inputs):
        r = batch.results[0]
        if r.diagnosis is None:
            fail(inputs[0], r.error, r.exit_code)
        click.echo(RENDERERS[output_format](r.diagnosis), nl=False)
    else:
        click.echo(BATCH_RENDERERS[output_format](batch), nl=False)
    if write_back:
        n = record(client, batch, histories)
        click.echo(t("lossdoctor: recorded the diagnosis on {n} MLflow run(s)", n=n), err=True)
    if batch.internal_errors:
        sys.exit(EXIT_INTERNAL)
    if batch.failed == len(batch.results):
        sys.exit(EXIT_INPUT)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@history_options
@click.option("--format", "output_format", type=click.Choice(sorted(RENDERERS)), default="text",
              show_default=True, help="Report format (json: one object per run and line for several runs).")
@tracking_options
@guarded
def diagnose(inputs, options, output_format, tracking_uri, write_back):
    """Diagnose the training history in FILE (`-` reads standard input).

    FILE is a Keras History JSON, a CSVLogger CSV, Keras console output, a notebook, a Lightning
    metrics.csv, a Hugging Face trainer_state.json or a TensorBoard run folder (detected from the
    content). Several files, a folder or a glob diagnose a whole sweep: one row per run.
    Exit code 0: diagnosed; 2: the input could not be read or used (for several runs: none could).

    `mlflow:EXPERIMENT` (a name or id) diagnoses every run of an MLflow experiment, and
    `mlflow:runs/RUN_ID` one run, read from the tracking server (--tracking-uri).
    `optuna:STORAGE?study=NAME` diagnoses every trial of an Optuna study (STORAGE: a database URL
    such as sqlite:///sweep.db, or a journal log file; add &trial=N for one trial).

    Example: lossdoctor diagnose history.json --format json
    """
    if tracked_inputs(inputs):
        diagnose_tracked_runs(inputs, options, output_format, tracking_uri, write_back)
        return
    if write_back:
        raise click.UsageError(t("--write-back records diagnoses on MLflow runs: use it with mlflow: inputs"))
    if is_batch(inputs):
        from .show.render import BATCH_RENDERERS  # noqa: PLC0415

        batch = run_batch(inputs, options)
        click.echo(BATCH_RENDERERS[output_format](batch), nl=False)
        if batch.internal_errors:
            sys.exit(EXIT_INTERNAL)
        if batch.failed == len(batch.results):
            sys.exit(EXIT_INPUT)
        return
    _, d = load_and_diagnose(inputs[0], options)
    text = RENDERERS[output_format](d)
    if output_format == "text" and sys.stdout.isatty():
        first, _, rest = text.partition("\n")
        text = click.style(first, bold=True, fg="green" if d.ok else "yellow") + "\n" + rest
    click.echo(text, nl=False)


def draw(history, d, output, logy, smooth, shift_train, inputs=()) -> None:
    """Write the figure atomically, never over an input."""
    from .show.plot import save_figure, styled_figure  # noqa: PLC0415 - matplotlib only when a figure is asked for

    save_figure(styled_figure(history, d, logy=logy, smooth=smooth, shift_train=shift_train), output, inputs)


def draw_grid(inputs, options, output, tracking_uri=None) -> None:
    from .show.plot import render_grid  # noqa: PLC0415
    from .run.reports import diagnose_inputs, grid_items  # noqa: PLC0415

    tracked = tracked_inputs(inputs)
    with contextlib.nullcontext() if tracked else progress_bar(inputs) as bar:
        batch, load = diagnose_inputs(inputs, options, tracking_uri, bar)
    r = batch.results[0]
    if tracked and r.diagnosis is not None and _one_tracked_run(inputs):
        draw(load(r.source), r.diagnosis, output, None, 0.0, False)  # one run named: its own figure
        click.echo(f"{headline(r.diagnosis)}\n" + t("wrote {path}", path=output))
        return
    items, total = grid_items(batch, load)
    render_grid(items, output, total=total, inputs=[r.source for r in batch.results])
    click.echo(f"{summary_line(batch)}\n" + t("wrote {path}", path=output))


def _one_tracked_run(inputs) -> bool:
    from .run.tracked import single_run  # noqa: PLC0415 - the tracking code only for tracked inputs

    return single_run(inputs)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@history_options
@figure_options
@TRACKING_URI
@guarded
def plot(inputs, options, output, logy, smooth, shift_train, tracking_uri):
    """Draw FILE's loss curves with the trends, the best epoch and the diagnosis.

    Several files, a folder or a glob draw a grid with one small panel per run, the most
    urgent diagnoses first (at most 48).

    Example: lossdoctor plot history.json -o curves.png --smooth 0.6
    """
    if is_batch(inputs) or tracked_inputs(inputs):
        draw_grid(inputs, options, output, tracking_uri)
        return
    file = inputs[0]
    history, d = load_and_diagnose(file, options)
    draw(history, d, output, logy, smooth, shift_train, inputs=[file])
    click.echo(f"{headline(d)}\n" + t("wrote {path}", path=output))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@history_options
@figure_options
@click.option("--markdown", "markdown_path", metavar="MD",
              help="Also write a Markdown summary (e.g. to append to $GITHUB_STEP_SUMMARY).")
@click.option("--html", "html_path", metavar="PAGE",
              help="Also write the interactive HTML page (one self-contained file; -o x.html writes it alone).")
@TRACKING_URI
@click.option("--fail-on", callback=parse_codes, metavar="CODES",
              help="Exit 1 when the diagnosis is one of these comma-separated codes, "
                   "e.g. overfitting,diverging,non_finite.")
@guarded
def report(inputs, options, output, logy, smooth, shift_train, markdown_path, html_path, tracking_uri, fail_on):
    """Write the annotated figure and a Markdown summary of FILE for CI.

    Several files, a folder or a glob write the grid of their runs and the sweep table; --fail-on
    then fails when any run's diagnosis is one of the codes, and lists them.
    Exit code 0: diagnosed; 1: a diagnosis is in --fail-on; 2: the input could not be used.

    `-o sweep.html` (or --html) writes one self-contained HTML page to open in a browser: the
    runs sortable and filterable, each run's curves, evidence and fixes, an overlay of chosen runs.

    Example: lossdoctor report history.json -o report.png --markdown summary.md --fail-on overfitting,non_finite
    """
    from .run.reports import OptionError, report as make_report  # noqa: PLC0415

    try:
        with progress_bar(inputs) as bar:
            r = make_report(inputs, output, markdown_path, html_path, fail_on or (), options, tracking_uri, logy,
                            smooth, shift_train, progress=bar)
    except OptionError as err:
        raise click.UsageError(str(err)) from None
    first = headline(r.batch.results[0].diagnosis) if r.single else summary_line(r.batch)
    click.echo("\n".join([first] + [t("wrote {path}", path=p) for p in r.written]))
    if r.failing and r.single:
        click.echo(t("lossdoctor: failing because the diagnosis is {code} (--fail-on)", code=r.failing[0].code), err=True)
    elif r.failing:
        names = ", ".join(f"{x.name} ({x.code})" for x in r.failing[:20]) + (" ..." if len(r.failing) > 20 else "")
        click.echo(t("lossdoctor: failing because {n} run(s) are in --fail-on: {names}", n=len(r.failing),
                     names=names), err=True)
    if r.exit_code:
        sys.exit(r.exit_code)


def main() -> None:  # pragma: no cover - the console script
    closed_stdout = sys.stdout is None
    if sys.stderr is None:  # started with stderr closed: errors have nowhere to go, the work still gets done
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
    if closed_stdout:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")
        command = next((a for a in sys.argv[1:] if not a.startswith("-") and a not in ("en", "zh")), None)
        if command == "diagnose":  # the command whose output is what it prints
            click.echo(t("Error: standard output is closed: there is nowhere to print the diagnosis; write it to "
                         "a file (> report.txt), or use 'lossdoctor report -o FILE'"), err=True)
            sys.exit(EXIT_INPUT)
    for stream in (sys.stdout, sys.stderr):  # a terminal in latin-1 or cp1252 gets '?' for what it cannot show
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        cli()
    except OSError as err:  # writing the last output (stdout on a full disk, a closed pipe) failed
        try:
            click.echo(t("Error: could not write the output ({reason})", reason=err.strerror or err), err=True)
        finally:
            sys.exit(EXIT_INPUT)


if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["cli", "main"]
