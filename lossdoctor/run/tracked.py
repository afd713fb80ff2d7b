"""Runs kept elsewhere than in files, diagnosed like files: an MLflow experiment or run
(`mlflow:...`), an Optuna study or trial (`optuna:...`)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace

from .batch import Batch, diagnose_loaded
from ..core.errors import InputFileError
from .options import Options
from ..read import mlflow as ml
from ..read import optunastudy as op
from ..core.i18n import t

PREFIXES = (ml.PREFIX, op.PREFIX)


def is_tracked(inputs) -> bool:
    """True when the inputs name tracked runs (`mlflow:...`, `optuna:...`) rather than files."""
    kinds = {next((p for p in PREFIXES if i.startswith(p)), "file") for i in inputs}
    if len(kinds) > 1:
        raise InputFileError(t("{input}: name either files, mlflow: runs or optuna: studies in one command, not a "
                               "mix", input=inputs[0]))
    return bool(inputs) and kinds != {"file"}


def diagnose_tracked(inputs, options: Options, uri: str | None) -> tuple[Batch, dict, object]:
    """Every run the inputs name: the batch, the histories by source, and the MLflow client (or None)."""
    items, c = [], None
    for spec in inputs:
        if op.is_optuna(spec):
            items += op.study_trials(spec)
            continue
        c, runs = ml.experiment_runs(spec, uri)
        if not runs:
            raise InputFileError(t("{spec}: the experiment has no runs yet", spec=spec))
        items += [(f"{ml.PREFIX}{ml.RUN_PREFIX}{r.info.run_id}", ml.run_name(r),
                   (lambda r=r, c=c: ml.run_history(c, r))) for r in runs]
    batch, histories = diagnose_loaded(items, options)
    return batch, histories, c


def single_run(inputs) -> bool:
    """One MLflow run (`mlflow:runs/ID`) or one Optuna trial (`...&trial=N`): reported as a file is."""
    return len(inputs) == 1 and (ml.is_single_run(inputs[0]) or op.is_single_trial(inputs[0]))


def write_back(c, batch: Batch, histories: dict) -> int:
    """Tags and the report figure on every diagnosed run; returns how many runs were written."""
    from ..show.plot import render_figure  # noqa: PLC0415

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
