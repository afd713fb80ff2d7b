"""Reports for CI, from Python or the command line: `report(...)` is what `lossdoctor report` does.

It diagnoses one run or many (files, a folder, a glob, `mlflow:` and `optuna:` inputs), writes what was asked
(the figure or the grid of runs, the interactive HTML page, the Markdown summary) all or nothing
and never over an input, and says which runs are in `fail_on`. It prints nothing and exits nothing:
the command line prints the lines and turns `Report.exit_code` into its exit code.

May import: the analysis and words layers, the readers, `batch`, `tracked`; the figure and page
modules (matplotlib) only when a figure or a page is asked for; never click.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..judge.diagnosis import diagnose
from ..read.discover import is_batch
from ..core.errors import EXIT_FAIL_ON, EXIT_INTERNAL, InputFileError, LossDoctorError
from ..core.i18n import t
from .options import Options
from ..read.formats import load_history

GRID_MAX = 48  # panels in the grid of a sweep's figure: the most urgent runs


class OptionError(LossDoctorError, ValueError):
    """Outputs asked for that do not fit together (the command line shows it as a usage error)."""


@dataclass(frozen=True)
class Report:
    """What `report` did.

    Attributes:
        batch: every run diagnosed (one row for a single file), most urgent first.
        written: the paths written, in order.
        failing: the runs whose code, or code/variant, is in `fail_on`.
        single: True when one run was asked for (the command line prints its headline, not a table).
    """

    batch: object  # a `batch.Batch`
    written: tuple[str, ...] = ()
    failing: tuple = ()  # of `batch.RunResult`
    single: bool = False

    @property
    def exit_code(self) -> int:
        """The command line's exit code: 1 for a run in `fail_on`, 3 for an internal error, else 0."""
        if self.failing:
            return EXIT_FAIL_ON
        return EXIT_INTERNAL if self.batch.internal_errors else 0


def report(inputs: str | Iterable[str], output: str | None = None, markdown: str | None = None,
           html: str | None = None, fail_on: Iterable[str] = (), options: Options = Options(),
           tracking_uri: str | None = None, logy: bool | None = None, smooth: float = 0.0,
           shift_train: bool = False, progress: Callable[[int], None] | None = None) -> Report:
    """Diagnose the runs and write the report files.

    Args:
        inputs: a history file, or several files, folders, globs, `mlflow:` or `optuna:` inputs.
        output: the figure (PNG, SVG, PDF: one run's annotated curves, or a grid of runs), or the
            interactive page when it ends in `.html`.
        markdown: the Markdown summary (the verdict, or the sweep table, with the figure linked).
        html: the interactive page beside the figure.
        fail_on: codes, or `code/variant`, that make `Report.failing` (and exit code 1).
        options: how every run is read and judged.
        tracking_uri: the MLflow server of `mlflow:` inputs.
        logy, smooth, shift_train: the figure's style (one run).
        progress: called with the number of runs finished since the last call (many runs).

    Returns:
        A `Report`.

    Raises:
        LossDoctorError: an input that cannot be used (one run), outputs that do not fit together,
            an output that cannot be written (nothing is written then).

    Example:
        >>> r = report("history.json", output="report.png", markdown="summary.md", fail_on=["overfitting"])
        >>> r.exit_code
    """
    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
    image, page = outputs(output, html)
    if is_batch(inputs) or tracked_inputs(inputs):
        return _many(inputs, options, image, page, markdown, tuple(fail_on), tracking_uri, progress)
    file = inputs[0]
    history = load_history(file, options.input_format)
    d = diagnose(history, options.train_key, options.val_key, options.window, horizon=options.horizon,
                 classes=options.classes)

    def figure():
        from ..show.plot import figure_writer, styled_figure  # noqa: PLC0415

        return figure_writer(styled_figure(history, d, logy=logy, smooth=smooth, shift_train=shift_train), image)

    from .batch import Batch, RunResult  # noqa: PLC0415

    batch = Batch((RunResult(file, file, diagnosis=d),), {d.code: 1})

    def text(link):
        from ..show.render import to_markdown  # noqa: PLC0415

        return to_markdown(d, image=link)

    written = write_outputs([file], image, figure, page, batch, markdown, text)
    failing = batch.results if fails(fail_on, d.code, d.variant) else ()
    return Report(batch, tuple(written), tuple(failing), single=True)


def diagnose_inputs(inputs, options: Options, tracking_uri: str | None = None,
                    progress: Callable[[int], None] | None = None):
    """Every run the inputs name (files, or `mlflow:`/`optuna:` inputs): the `Batch`, and a function
    that gives a run's history by its source (kept from the read for tracked runs, read again
    for files: only the ones a figure draws)."""
    if tracked_inputs(inputs):
        from .tracked import diagnose_tracked  # noqa: PLC0415

        batch, histories, _ = diagnose_tracked(inputs, options, tracking_uri)
        return batch, histories.__getitem__
    return run_batch(inputs, options, progress), lambda source: load_history(source, options.input_format)


def _many(inputs, options, image, page, markdown, fail_on, tracking_uri, progress) -> Report:
    batch, load = diagnose_inputs(inputs, options, tracking_uri, progress)

    def figure():
        from ..show.plot import figure_writer, styled_grid  # noqa: PLC0415

        items, total = grid_items(batch, load)
        return figure_writer(styled_grid(items, total), image)

    def text(link):
        from ..show.render import batch_to_markdown  # noqa: PLC0415

        alt = t("the runs' loss curves")
        return batch_to_markdown(batch) + (f"\n![{alt}]({link})\n" if link else "")

    files = [r.source for r in batch.results if not r.source.startswith(("mlflow:", "optuna:"))]
    written = write_outputs(files, image, figure, page, batch, markdown, text)
    failing = [r for r in batch.results if r.diagnosis is not None and fails(fail_on, r.code, r.diagnosis.variant)]
    return Report(batch, tuple(written), tuple(failing))


def fails(fail_on, code: str | None, variant: str | None) -> bool:
    """Whether a diagnosis is one `fail_on` names, by its code or by its code/variant."""
    return bool(fail_on) and code is not None and (code in fail_on or f"{code}/{variant}" in fail_on)


def run_batch(inputs, options: Options, progress: Callable[[int], None] | None = None):
    """Diagnose every run the inputs name; refuses inputs that name no log at all."""
    from .batch import diagnose_many, expand  # noqa: PLC0415
    from ..read.formats import log_suffixes  # noqa: PLC0415

    if not expand(inputs):
        endings = ", ".join(log_suffixes())
        raise InputFileError(t("no training logs found there ({endings} or TensorBoard runs); pass history files "
                               "or a folder holding them", endings=endings))
    return diagnose_many(list(inputs), options, progress=progress)


def tracked_inputs(inputs) -> bool:
    """True for `mlflow:` and `optuna:` inputs (the tracking code is imported only then); refuses a mix."""
    if not any(i.startswith(("mlflow:", "optuna:")) for i in inputs):
        return False
    from .tracked import is_tracked  # noqa: PLC0415

    return is_tracked(inputs)


def grid_items(batch, load) -> tuple[list, int]:
    """(name, history, diagnosis) of the most urgent diagnosed runs for the grid, and how many were diagnosed."""
    ok = [r for r in batch.results if r.diagnosis is not None]
    if not ok:
        raise InputFileError(t("no run there could be diagnosed; nothing to draw"))
    # the diagnoses are the batch's; only the curves of the panels drawn are read again (files)
    return [(r.name, load(r.source), r.diagnosis) for r in ok[:GRID_MAX]], len(ok)


def is_page(path: str | None) -> bool:
    return bool(path) and path.lower().endswith((".html", ".htm"))


def outputs(output: str | None, html: str | None) -> tuple[str | None, str | None]:
    """(image, page) to write: an `output` ending in .html is the page alone; `html` adds it to the image."""
    if is_page(output):
        if html:
            raise OptionError(t("-o already names the HTML page; use --html with an image for -o"))
        return None, output
    if html is not None and not is_page(html):
        raise OptionError(t("--html {path}: the page's name must end in .html", path=html))
    return output, html


def image_link(output: str, markdown_path: str) -> str:
    """The figure's path as the Markdown file sees it, percent-encoded (a link no file name can break)."""
    from urllib.parse import quote  # noqa: PLC0415

    return quote(os.path.relpath(os.path.abspath(output), os.path.dirname(os.path.abspath(markdown_path))))


def page_link(page: str, markdown_path: str) -> str:
    """The Markdown line that links the interactive page (written beside the Markdown summary)."""
    from ..core.safe import md  # noqa: PLC0415

    text = t("Open the interactive report ({name})", name=md(os.path.basename(page)))
    return f"[{text}]({image_link(page, markdown_path)})"


def write_outputs(inputs, image, figure, page, batch, markdown_path, markdown) -> list[str]:
    """Write what was asked for, all or nothing, never over an input: the image (`figure()` gives its
    writer), the page of `batch`, the Markdown (`markdown(image link or None)`, then the page's link
    line). Returns the paths written."""
    from ..core.atomic import WritePlan, text_writer  # noqa: PLC0415

    plan, written = WritePlan(inputs), []
    if image:
        plan.add(image, figure())
        written.append(image)
    if page:
        from ..show.page import page_writer  # noqa: PLC0415

        plan.add(page, page_writer(batch))
        written.append(page)
    if markdown_path:
        text = markdown(image_link(image, markdown_path) if image else None)
        if page:
            text += "\n" + page_link(page, markdown_path) + "\n"
        plan.add(markdown_path, text_writer(text))
        written.append(markdown_path)
    plan.commit()
    return written
