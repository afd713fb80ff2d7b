"""The `lossdoctor` command line. Exit codes: 0 diagnosed, 1 --fail-on matched, 2 bad input, 3 internal error."""

from __future__ import annotations

import functools
import os
import sys

import click

from . import __version__
from .diagnose import diagnose as run_diagnosis
from .discover import is_batch
from .errors import EXIT_FAIL_ON, EXIT_INPUT, EXIT_INTERNAL, InputFileError, error_outcome
from .i18n import t
from .options import Options
from .readers import load_history
from .cli_options import (CONTEXT, LANG_OPTION, Group, fails, figure_options, history_options, parse_codes,
                          tracking_options)
from .render import RENDERERS, headline, summary_line, to_markdown
def fail(path: str, err: Exception, code: int = EXIT_INPUT) -> None:
    from .safe import printable  # noqa: PLC0415

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


def load_and_diagnose(file, train_key, val_key, window, input_format, horizon=None, classes=None):
    history = load_history(file, input_format)
    return history, run_diagnosis(history, train_key, val_key, window, horizon=horizon, classes=classes)


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
        from .rules import load_rule_modules  # noqa: PLC0415

        try:
            load_rule_modules(rule_modules)
        except Exception as err:
            fail("--rules", error_outcome(err)[1])


def run_batch(inputs, options: Options):
    """Diagnose every run the inputs name, with a progress bar on a terminal."""
    from .batch import diagnose_many, expand  # noqa: PLC0415
    from .readers import log_suffixes  # noqa: PLC0415

    if not expand(inputs):
        endings = ", ".join(log_suffixes())
        raise InputFileError(t("no training logs found there ({endings} or TensorBoard runs); pass history files "
                               "or a folder holding them", endings=endings))
    show = sys.stderr.isatty() and not os.environ.get("CI")
    if not show:
        return diagnose_many(list(inputs), options)
    total = len(expand(inputs))
    with click.progressbar(length=total, label="diagnosing", file=sys.stderr) as bar:
        return diagnose_many(list(inputs), options, progress=bar.update)


def tracked_inputs(inputs) -> bool:
    """True for `mlflow:` inputs (the tracking code is imported only then); refuses files and runs mixed."""
    if not any(i.startswith("mlflow:") for i in inputs):
        return False
    from .tracked import is_tracked  # noqa: PLC0415

    return is_tracked(inputs)


def image_link(output: str, markdown_path: str) -> str:
    """The figure's path as the Markdown file sees it, percent-encoded (a link no file name can break)."""
    from urllib.parse import quote  # noqa: PLC0415

    return quote(os.path.relpath(os.path.abspath(output), os.path.dirname(os.path.abspath(markdown_path))))


def grid_items(batch, load) -> tuple[list, int]:
    """(name, history, diagnosis) of the most urgent diagnosed runs for the grid, and how many were diagnosed."""
    ok = [r for r in batch.results if r.diagnosis is not None]
    if not ok:
        raise InputFileError(t("no run there could be diagnosed; nothing to draw"))
    # the diagnoses are the batch's; only the curves of the panels drawn are read again (files)
    return [(r.name, load(r.source), r.diagnosis) for r in ok[:GRID_MAX]], len(ok)


def diagnose_tracked_runs(inputs, options, output_format, tracking_uri, write_back) -> None:
    """`diagnose mlflow:EXPERIMENT` / `mlflow:runs/RUN_ID`: the same reports as for files."""
    from .render import BATCH_RENDERERS  # noqa: PLC0415
    from .tracked import diagnose_tracked, single_run, write_back as record  # noqa: PLC0415

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
def diagnose(inputs, train_key, val_key, window, input_format, horizon, classes, output_format, tracking_uri, write_back):
    """Diagnose the training history in FILE (`-` reads standard input).

    FILE is a Keras History JSON, a CSVLogger CSV, Keras console output, a notebook, a Lightning
    metrics.csv, a Hugging Face trainer_state.json or a TensorBoard run folder (detected from the
    content). Several files, a folder or a glob diagnose a whole sweep: one row per run.
    Exit code 0: diagnosed; 2: the input could not be read or used (for several runs: none could).

    `mlflow:EXPERIMENT` (a name or id) diagnoses every run of an MLflow experiment, and
    `mlflow:runs/RUN_ID` one run, read from the tracking server (--tracking-uri).

    Example: lossdoctor diagnose history.json --format json
    """
    if tracked_inputs(inputs):
        diagnose_tracked_runs(inputs, Options(train_key, val_key, window, input_format, horizon, classes), output_format,
                              tracking_uri, write_back)
        return
    if write_back:
        raise click.UsageError(t("--write-back records diagnoses on MLflow runs: use it with mlflow: inputs"))
    if is_batch(inputs):
        from .render import BATCH_RENDERERS  # noqa: PLC0415

        batch = run_batch(inputs, Options(train_key, val_key, window, input_format, horizon, classes))
        click.echo(BATCH_RENDERERS[output_format](batch), nl=False)
        if batch.internal_errors:
            sys.exit(EXIT_INTERNAL)
        if batch.failed == len(batch.results):
            sys.exit(EXIT_INPUT)
        return
    _, d = load_and_diagnose(inputs[0], train_key, val_key, window, input_format, horizon, classes)
    text = RENDERERS[output_format](d)
    if output_format == "text" and sys.stdout.isatty():
        first, _, rest = text.partition("\n")
        text = click.style(first, bold=True, fg="green" if d.ok else "yellow") + "\n" + rest
    click.echo(text, nl=False)


def draw(history, d, output, logy, smooth, shift_train, inputs=()) -> None:
    """Write the figure atomically, never over an input."""
    from .plot import save_figure, styled_figure  # noqa: PLC0415 - matplotlib only when a figure is asked for

    save_figure(styled_figure(history, d, logy=logy, smooth=smooth, shift_train=shift_train), output, inputs)


GRID_MAX = 48


def draw_grid(inputs, options, output, tracking_uri=None) -> None:
    from .plot import render_grid  # noqa: PLC0415

    if tracked_inputs(inputs):
        from .tracked import diagnose_tracked, single_run  # noqa: PLC0415

        batch, histories, _ = diagnose_tracked(inputs, options, tracking_uri)
        load = histories.__getitem__
        if single_run(inputs) and batch.results[0].diagnosis is not None:
            r = batch.results[0]
            draw(load(r.source), r.diagnosis, output, None, 0.0, False)
            click.echo(f"{headline(r.diagnosis)}\n" + t("wrote {path}", path=output))
            return
    else:
        batch = run_batch(inputs, options)
        load = lambda source: load_history(source, options.input_format)  # noqa: E731
    items, total = grid_items(batch, load)
    render_grid(items, output, total=total, inputs=[r.source for r in batch.results])
    click.echo(f"{summary_line(batch)}\n" + t("wrote {path}", path=output))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@history_options
@figure_options
@click.option("--tracking-uri", metavar="URI", help="MLflow tracking server for mlflow: inputs "
              "(default: $MLFLOW_TRACKING_URI).")
@guarded
def plot(inputs, train_key, val_key, window, input_format, horizon, classes, output, logy, smooth, shift_train, tracking_uri):
    """Draw FILE's loss curves with the trends, the best epoch and the diagnosis.

    Several files, a folder or a glob draw a grid with one small panel per run, the most
    urgent diagnoses first (at most 48).

    Example: lossdoctor plot history.json -o curves.png --smooth 0.6
    """
    if is_batch(inputs) or tracked_inputs(inputs):
        draw_grid(inputs, Options(train_key, val_key, window, input_format, horizon, classes), output, tracking_uri)
        return
    file = inputs[0]
    history, d = load_and_diagnose(file, train_key, val_key, window, input_format, horizon, classes)
    draw(history, d, output, logy, smooth, shift_train, inputs=[file])
    click.echo(f"{headline(d)}\n" + t("wrote {path}", path=output))


def is_page(path: str | None) -> bool:
    return bool(path) and path.lower().endswith((".html", ".htm"))


def page_link(page: str, markdown_path: str) -> str:
    """The Markdown line that links the interactive page (written beside the Markdown summary)."""
    from .safe import md  # noqa: PLC0415

    text = t("Open the interactive report ({name})", name=md(os.path.basename(page)))
    return f"[{text}]({image_link(page, markdown_path)})"


def report_outputs(output: str, html_path: str | None) -> tuple[str | None, str | None]:
    """(image, page) that `report` writes: `-o x.html` is the page alone; `--html` adds it to the image."""
    if is_page(output):
        if html_path:
            raise click.UsageError(t("-o already names the HTML page; use --html with an image for -o"))
        return None, output
    if html_path is not None and not is_page(html_path):
        raise click.UsageError(t("--html {path}: the page's name must end in .html", path=html_path))
    return output, html_path


def report_batch(inputs, options, output, markdown_path, fail_on, html_path=None, tracking_uri=None) -> None:
    """`report` over several runs (files or an MLflow experiment): the grid figure and/or the page,
    the sweep table as Markdown, --fail-on on any run."""
    image, page = report_outputs(output, html_path)
    if tracked_inputs(inputs):
        from .tracked import diagnose_tracked  # noqa: PLC0415

        batch, histories, _ = diagnose_tracked(inputs, options, tracking_uri)
        load = histories.__getitem__
    else:
        batch = run_batch(inputs, options)
        load = lambda source: load_history(source, options.input_format)  # noqa: E731
    def figure():
        from .plot import figure_writer, styled_grid  # noqa: PLC0415

        items, total = grid_items(batch, load)
        return figure_writer(styled_grid(items, total), image)

    def markdown(image_path):
        from .render import batch_to_markdown  # noqa: PLC0415

        alt = t("the runs' loss curves")
        return batch_to_markdown(batch) + (f"\n![{alt}]({image_path})\n" if image_path else "")

    inputs = [r.source for r in batch.results if not r.source.startswith("mlflow:")]
    lines = write_outputs(inputs, image, figure, page, batch, markdown_path, markdown)
    click.echo("\n".join([summary_line(batch)] + lines))
    failing = [r for r in batch.results if r.diagnosis is not None and fails(fail_on, r.code, r.diagnosis.variant)]
    if failing:
        names = ", ".join(f"{r.name} ({r.code})" for r in failing[:20]) + (" ..." if len(failing) > 20 else "")
        click.echo(t("lossdoctor: failing because {n} run(s) are in --fail-on: {names}", n=len(failing), names=names),
                   err=True)
        sys.exit(EXIT_FAIL_ON)
    if batch.internal_errors:
        sys.exit(EXIT_INTERNAL)


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@history_options
@figure_options
@click.option("--markdown", "markdown_path", metavar="MD",
              help="Also write a Markdown summary (e.g. to append to $GITHUB_STEP_SUMMARY).")
@click.option("--html", "html_path", metavar="PAGE",
              help="Also write the interactive HTML page (one self-contained file; -o x.html writes it alone).")
@click.option("--tracking-uri", metavar="URI", help="MLflow tracking server for mlflow: inputs "
              "(default: $MLFLOW_TRACKING_URI).")
@click.option("--fail-on", callback=parse_codes, metavar="CODES",
              help="Exit 1 when the diagnosis is one of these comma-separated codes, "
                   "e.g. overfitting,diverging,non_finite.")
@guarded
def report(inputs, train_key, val_key, window, input_format, horizon, classes, output, logy, smooth, shift_train,
           markdown_path, html_path, tracking_uri, fail_on):
    """Write the annotated figure and a Markdown summary of FILE for CI.

    Several files, a folder or a glob write the grid of their runs and the sweep table; --fail-on
    then fails when any run's diagnosis is one of the codes, and lists them.
    Exit code 0: diagnosed; 1: a diagnosis is in --fail-on; 2: the input could not be used.

    `-o sweep.html` (or --html) writes one self-contained HTML page to open in a browser: the
    runs sortable and filterable, each run's curves, evidence and fixes, an overlay of chosen runs.

    Example: lossdoctor report history.json -o report.png --markdown summary.md --fail-on overfitting,non_finite
    """
    if is_batch(inputs) or tracked_inputs(inputs):
        report_batch(inputs, Options(train_key, val_key, window, input_format, horizon, classes), output, markdown_path,
                     fail_on, html_path, tracking_uri)
        return
    image, page = report_outputs(output, html_path)
    file = inputs[0]
    history, d = load_and_diagnose(file, train_key, val_key, window, input_format, horizon, classes)
    write_single_report(history, d, file, image, page, markdown_path, (logy, smooth, shift_train))
    if fails(fail_on, d.code, d.variant):
        click.echo(t("lossdoctor: failing because the diagnosis is {code} (--fail-on)", code=d.code), err=True)
        sys.exit(EXIT_FAIL_ON)


def write_outputs(inputs, image, figure, page, batch, markdown_path, markdown) -> list[str]:
    """Write what `report` was asked for, all or nothing, never over an input: the image (`figure()`
    gives its writer), the page of `batch`, the Markdown (`markdown(image link or None)`, then the
    page's link line). Returns the `wrote ...` lines."""
    from .atomic import WritePlan, text_writer  # noqa: PLC0415

    plan, lines = WritePlan(inputs), []
    if image:
        plan.add(image, figure())
        lines.append(t("wrote {path}", path=image))
    if page:
        from .page import page_writer  # noqa: PLC0415

        plan.add(page, page_writer(batch))
        lines.append(t("wrote {path}", path=page))
    if markdown_path:
        text = markdown(image_link(image, markdown_path) if image else None)
        if page:
            text += "\n" + page_link(page, markdown_path) + "\n"
        plan.add(markdown_path, text_writer(text))
        lines.append(t("wrote {path}", path=markdown_path))
    plan.commit()
    return lines


def write_single_report(history, d, file, image, page, markdown_path, style) -> None:
    """`report` on one run: the figure and/or the page (with one entry) and the Markdown."""
    from .batch import Batch, RunResult  # noqa: PLC0415

    def figure():
        from .plot import figure_writer, styled_figure  # noqa: PLC0415

        logy, smooth, shift_train = style
        return figure_writer(styled_figure(history, d, logy=logy, smooth=smooth, shift_train=shift_train), image)

    batch = Batch((RunResult(file, file, diagnosis=d),), {d.code: 1})
    lines = write_outputs([file], image, figure, page, batch, markdown_path, lambda link: to_markdown(d, image=link))
    click.echo("\n".join([headline(d)] + lines))


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
