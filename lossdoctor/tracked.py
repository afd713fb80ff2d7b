"""Runs kept in a tracking server (MLflow), diagnosed like files: one run, or a whole experiment."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace

from .batch import Batch, diagnose_loaded
from .errors import InputFileError
from .options import Options
from .readers import mlflow as ml
from .i18n import t


def is_tracked(inputs) -> bool:
    """True when the inputs name tracking-server runs (`mlflow:...`) rather than files."""
    tracked = [ml.is_mlflow(i) for i in inputs]
    if any(tracked) and not all(tracked):
        raise InputFileError(t("{input}: mix either files or mlflow: runs in one command, not both", input=inputs[0]))
    return bool(tracked) and all(tracked)


def diagnose_tracked(inputs, options: Options, uri: str | None) -> tuple[Batch, dict, object]:
    """Every run the `mlflow:` inputs name: the batch, the histories by source, and the client."""
    items, c = [], None
    for spec in inputs:
        c, runs = ml.experiment_runs(spec, uri)
        if not runs:
            raise InputFileError(t("{spec}: the experiment has no runs yet", spec=spec))
        items += [(f"{ml.PREFIX}{ml.RUN_PREFIX}{r.info.run_id}", ml.run_name(r),
                   (lambda r=r, c=c: ml.run_history(c, r))) for r in runs]
    batch, histories = diagnose_loaded(items, options)
    return batch, histories, c


def single_run(inputs) -> bool:
    return len(inputs) == 1 and ml.is_single_run(inputs[0])


def write_back(c, batch: Batch, histories: dict) -> int:
    """Tags and the report figure on every diagnosed run; returns how many runs were written."""
    from .plot import render_figure  # noqa: PLC0415

    written = 0
    with tempfile.TemporaryDirectory(prefix="lossdoctor-") as tmp:
        for r in batch.results:
            if r.diagnosis is None:
                continue
            run_id = r.source[len(ml.PREFIX) + len(ml.RUN_PREFIX):]
            path = os.path.join(tmp, "loss_report.png")
            # titled by the run's name, as the MLflow UI lists it, not by its id
            render_figure(histories[r.source], replace(r.diagnosis, source=r.name), path)
            ml.write_back(c, run_id, r.diagnosis, path)
            written += 1
    return written
