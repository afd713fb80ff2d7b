"""Optuna studies: every trial's history, read from the study's storage, diagnosed like a run.

    lossdoctor report optuna:sqlite:///sweep.db?study=mlp -o sweep.html
    lossdoctor diagnose 'optuna:postgresql://user@host/db?study=mlp'
    lossdoctor diagnose 'optuna:sqlite:///sweep.db?study=mlp&trial=12'     # one trial
    lossdoctor diagnose optuna:journal.log?study=mlp                        # a JournalFileBackend log

A trial's history is what it reported: `trial.report(value, step)` gives one value per step (the
validation loss, as Optuna's pruners read it), and `lossdoctor.optuna.report` keeps the training
loss beside it in the trial's user attributes. The storage is only read: a SQLite file is opened
read-only, a missing file or study is an error, nothing is created.

optuna is imported only when such an input is read (`pip install 'lossdoctor[optuna]'`).
"""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

from ..core.errors import HistoryFormatError, InputFileError
from .history import History, Series
from ..core.i18n import t

PREFIX = "optuna:"
TRAIN_PREFIX = "lossdoctor:train:"  # a user attribute per step: the training loss reported with it
VAL_MISSING = "lossdoctor:val_missing"
MAX_TRIALS = 100_000
_PARAM = re.compile(r"([?&])(study|trial)=([^&]*)")


def is_optuna(spec: str) -> bool:
    return spec.startswith(PREFIX)


def parse(spec: str) -> tuple[str, str | None, int | None]:
    """(storage, study name or None, trial number or None) of an `optuna:` input.

    The storage is an SQLAlchemy URL (`sqlite:///sweep.db`, `postgresql://...`, its own query kept)
    or the path of a SQLite file or of a journal log; `study=` and `trial=` are taken out of it.
    """
    rest = spec[len(PREFIX):]
    found = {m.group(2): unquote(m.group(3)) for m in _PARAM.finditer(rest)}
    storage = _PARAM.sub(lambda m: m.group(1), rest)
    storage = re.sub(r"[?&]+$", "", storage.replace("?&", "?"))
    if not storage:
        raise InputFileError(t("name the study's storage, e.g. optuna:sqlite:///sweep.db?study=NAME"))
    trial = found.get("trial")
    if trial is not None and not trial.isdigit():
        raise InputFileError(t("trial= takes a trial number (0, 1, ...)"))
    return storage, found.get("study") or None, int(trial) if trial is not None else None


def is_single_trial(spec: str) -> bool:
    return is_optuna(spec) and parse(spec)[2] is not None


def _optuna():
    try:
        import optuna  # noqa: PLC0415 - only when a study is read
    except ImportError as err:
        raise InputFileError(t("reading an Optuna study needs optuna: pip install 'lossdoctor[optuna]'")) from err
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _is_sqlite_file(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def storage_of(storage: str):
    """The Optuna storage, opened for reading only; one clear error when it is not there."""
    optuna = _optuna()
    if "://" not in storage:  # a path: a SQLite file, or a journal log
        if not os.path.isfile(storage):
            raise InputFileError(t("{path}: no such file; name a SQLite file or a journal log, or a database URL "
                                   "(sqlite:///sweep.db, postgresql://...)", path=storage))
        if not _is_sqlite_file(storage):
            _check_journal(storage)
            from optuna.storages.journal import JournalFileBackend, JournalStorage  # noqa: PLC0415

            return JournalStorage(JournalFileBackend(storage))
        storage = f"sqlite:///{os.path.abspath(storage)}"
    if storage.startswith("sqlite:///"):
        path = storage[len("sqlite:///"):].split("?", 1)[0]
        if not os.path.isfile(path) or not _is_sqlite_file(path):
            raise InputFileError(t("{path}: no SQLite database there; check the path in {url}", path=path,
                                   url=storage))
        _check_tables(path)
        storage = f"sqlite:///file:{os.path.abspath(path)}?mode=ro&uri=true"
    try:
        return optuna.storages.RDBStorage(storage, skip_table_creation=True)
    except ImportError as err:
        raise InputFileError(t("{url}: the database driver is not installed ({reason})", url=storage,
                               reason=str(err).splitlines()[0])) from err
    except Exception as err:  # sqlalchemy's and the driver's errors: unreachable, refused, old schema
        raise InputFileError(t("{url}: Optuna cannot open this storage ({reason})", url=storage,
                               reason=str(err).splitlines()[0][:200])) from err


def _check_journal(path: str) -> None:
    """A journal log's first line is a JSON operation (`{"op_code": ...}`); refuse anything else."""
    import json  # noqa: PLC0415

    with open(path, "rb") as f:
        first = f.readline(1 << 16)
    try:
        op = json.loads(first)
        ok = isinstance(op, dict) and "op_code" in op
    except ValueError:
        ok = False
    if not ok:
        raise InputFileError(t("{path}: neither a SQLite database nor an Optuna journal log; name the study's "
                               "storage (sqlite:///sweep.db, a journal file, postgresql://...)", path=path))


def _check_tables(path: str) -> None:
    import sqlite3  # noqa: PLC0415

    try:
        with sqlite3.connect(f"file:{os.path.abspath(path)}?mode=ro", uri=True) as db:
            tables = {r[0] for r in db.execute("select name from sqlite_master where type='table'")}
    except sqlite3.Error as err:
        raise InputFileError(t("{path}: the SQLite file cannot be read ({reason})", path=path, reason=str(err))) from err
    if "studies" not in tables or "trials" not in tables:
        raise InputFileError(t("{path}: a SQLite database, but not an Optuna storage (no studies table)", path=path))


def load_study(spec: str):
    """The study an `optuna:` input names (the only one in the storage when `study=` is left out)."""
    storage_url, name, _ = parse(spec)
    storage = storage_of(storage_url)
    names = [s.study_name for s in storage.get_all_studies()]
    if name is None:
        if len(names) != 1:
            listed = ", ".join(names[:20]) or t("none")
            raise InputFileError(t("name the study with ?study=NAME; studies there: {names}", names=listed))
        name = names[0]
    if name not in names:
        listed = ", ".join(names[:20]) or t("none")
        raise InputFileError(t("no Optuna study {name} there; studies: {names}", name=repr(name), names=listed))
    optuna = _optuna()
    return optuna.load_study(study_name=name, storage=storage)


def study_trials(spec: str) -> list[tuple[str, str, object]]:
    """`(source, name, load)` of every trial an `optuna:` input names, in trial order."""
    storage_url, _, number = parse(spec)
    study = load_study(spec)
    if len(study.directions) > 1:
        raise InputFileError(t("{study}: a multi-objective study; its trials report no intermediate values to "
                               "diagnose", study=study.study_name))
    trials = study.get_trials(deepcopy=False)[:MAX_TRIALS]
    if number is not None:
        trials = [tr for tr in trials if tr.number == number]
        if not trials:
            raise InputFileError(t("{study} has no trial {n}", study=study.study_name, n=number))
    if not trials:
        raise InputFileError(t("{study}: the study has no trials yet", study=study.study_name))
    _check_direction(study, trials)
    base = f"{PREFIX}{storage_url}?study={study.study_name}"
    return [(f"{base}&trial={tr.number}", trial_name(tr),
             (lambda tr=tr: trial_history(tr, f"{base}&trial={tr.number}"))) for tr in trials]


def _check_direction(study, trials) -> None:
    """A maximised objective reports a score, not a loss, unless `lossdoctor.optuna.report` sent it."""
    import optuna  # noqa: PLC0415

    if study.direction == optuna.study.StudyDirection.MAXIMIZE and not any(
            any(k.startswith(TRAIN_PREFIX) for k in tr.user_attrs) for tr in trials):
        raise InputFileError(t("{study} maximises its objective, so its trials report a score, not a loss; report the "
                               "losses with lossdoctor.optuna.report(trial, epoch, logs)", study=study.study_name))


def trial_name(trial) -> str:
    """'trial 12 (lr=0.001, batch_size=32)': the number and the parameters tried, shortened."""
    params = ", ".join(f"{k}={_short(v)}" for k, v in trial.params.items())
    if len(params) > 60:
        params = params[:59] + "…"
    return t("trial {n}", n=trial.number) + (f" ({params})" if params else "")


def _short(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def trial_history(trial, source: str | None = None) -> History:
    """The history of a trial: its reported values (the validation loss) and the training losses
    `lossdoctor.optuna.report` stored beside them in its user attributes."""
    attrs = trial.user_attrs
    train = {}
    for key, value in attrs.items():
        if key.startswith(TRAIN_PREFIX):
            try:
                train[int(key[len(TRAIN_PREFIX):])] = float(value)
            except (TypeError, ValueError):
                continue
    reported = {int(k): float(v) for k, v in trial.intermediate_values.items()}
    source = source or f"<optuna trial {trial.number}>"
    if not reported and not train:
        raise HistoryFormatError(t("trial {n} reported no values; call trial.report(val_loss, epoch) each epoch "
                                   "(or lossdoctor.optuna.report)", n=trial.number))
    series, notes = {}, ()
    if train:
        steps = sorted(train)
        series["loss"] = Series("loss", steps, [train[s] for s in steps])
    if reported:
        steps = sorted(reported)
        key = "loss" if attrs.get(VAL_MISSING) or not train else "val_loss"
        series.setdefault(key, Series(key, steps, [reported[s] for s in steps]))
        if not train:
            notes = (t("the trial reported one value per step, read as its loss; report the training loss too "
                       "(lossdoctor.optuna.report) to tell overfitting from learning"),)
    return History(series, source=source, format="optuna", notes=notes)
