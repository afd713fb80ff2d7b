"""Runs read from an MLflow tracking server: `mlflow:EXPERIMENT` (every run) or `mlflow:runs/RUN_ID`.

The metric histories come through the real client (`MlflowClient.get_metric_history`), one
value per logged step, and are laid out as the Lightning CSV reader lays out sparse rows: with an
`epoch` metric the steps are placed inside their epochs; a loss logged at steps 0, 1, ..., n-1
and nothing else (Keras autologging) is per epoch. mlflow is imported only here, when asked for.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request

from ..core.errors import HistoryFormatError, InputFileError
from .history import History
from .records import records_to_history
from ..core.i18n import t

PREFIX = "mlflow:"
RUN_PREFIX = "runs/"
MAX_RUNS = 5000


def is_mlflow(spec: str) -> bool:
    return isinstance(spec, str) and spec.startswith(PREFIX)


def is_single_run(spec: str) -> bool:
    return spec[len(PREFIX):].startswith(RUN_PREFIX)


SCHEMES = ("http", "https", "sqlite", "file", "databricks", "postgresql", "mysql", "mssql")
DEADLINE = 300.0  # seconds for reading one mlflow: input, whatever the server does


def tracking_uri(uri: str | None) -> str:
    """The tracking URI, checked: a known scheme, no blank, and a local store that exists (a
    mistyped sqlite path must not create a new database: reading changes nothing)."""
    import urllib.parse  # noqa: PLC0415

    uri = (uri or os.environ.get("MLFLOW_TRACKING_URI") or "").strip()
    if not uri:
        raise InputFileError(t("no MLflow tracking server given; pass --tracking-uri http://host:5000 or set "
                               "MLFLOW_TRACKING_URI"))
    scheme = urllib.parse.urlsplit(uri).scheme.split("+")[0].lower()
    if any(c.isspace() for c in uri) or (scheme and scheme not in SCHEMES and len(scheme) > 1):
        raise InputFileError(t("{uri} is not an MLflow tracking URI; use http://host:5000, sqlite:///path/mlflow.db "
                               "or a local mlruns folder", uri=repr(uri)))
    local = _local_path(uri, scheme)
    if local is not None and not os.path.exists(local):
        raise InputFileError(t("no MLflow store at {path}; check --tracking-uri (reading never creates one)",
                               path=local))
    return uri


def _local_path(uri: str, scheme: str) -> str | None:
    """The file or folder of a local store (sqlite:///x.db, file:///mlruns, a plain path), else None."""
    if scheme == "sqlite":
        path = uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else ""  # sqlite:////abs, sqlite:///rel
        return None if path in ("", ":memory:") else path
    if scheme == "file":
        return uri[len("file://"):] or "."
    return uri if not scheme or len(scheme) == 1 else None  # a plain path (or C:\ on Windows)


MAX_BODY = 256 << 20  # bytes of one reply from a tracking server (MLflow pages its metric histories)


class _BoundedBodies:
    """While active, a reply longer than `MAX_BODY` stops being read: the MLflow client reads each
    reply whole into memory (through `requests`), so a server sending without end would fill it."""

    def __init__(self):
        self.too_big = False

    def __enter__(self):
        try:
            from requests.models import Response  # noqa: PLC0415
        except ImportError:  # a client that does not use requests (a local store)
            self.response = None
            return self
        self.response, self.original = Response, Response.iter_content
        guard, original = self, self.original

        def iter_content(response, *args, **kwargs):
            seen = 0
            for chunk in original(response, *args, **kwargs):
                seen += len(chunk)
                if seen > MAX_BODY:
                    guard.too_big = True
                    response.close()
                    raise guard.error()
                yield chunk
        Response.iter_content = iter_content
        return self

    @staticmethod
    def error() -> InputFileError:
        return InputFileError(t("the MLflow server sent a reply of more than {size} MB; check --tracking-uri (is it "
                                "an MLflow server?)", size=MAX_BODY >> 20))

    def __exit__(self, *exc):
        if self.response is not None:
            self.response.iter_content = self.original
        return False


def _ask(what: str, fn):
    """A call to the tracking server: whatever goes wrong there (HTTP 500, a reply that is not
    MLflow's JSON, wrong types, a timeout, a reply without end) is one clear error, within
    `DEADLINE` in all and `MAX_BODY` bytes a reply."""
    from ..core.deadline import within  # noqa: PLC0415

    late = lambda: InputFileError(t("the MLflow server took longer than {seconds} s to answer ({what}); check it, "  # noqa: E731
                                    "or read fewer runs", seconds=f"{DEADLINE:g}", what=what))
    limit, body = within(DEADLINE, late), _BoundedBodies()
    try:
        with limit, body:
            return fn()
    except InputFileError:
        raise
    except Exception as err:  # the client's and its transport's errors, whatever their class
        if body.too_big:  # the client wrapped the size error in one of its own
            raise body.error() from None
        if limit.expired:  # the transport caught the deadline's error and raised its own
            raise late() from None
        first = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
        raise InputFileError(t("MLflow: {what} failed ({error}); check that --tracking-uri is an MLflow tracking "
                               "server", what=what, error=first)) from None


def client(uri: str | None):
    """An `MlflowClient` for `uri`, after checking that the server answers (seconds, not minutes)."""
    uri = tracking_uri(uri)
    if uri.startswith(("http://", "https://")):
        _check_reachable(uri)
        # the client retries a dead server for minutes by default: once is enough here
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    try:
        import logging  # noqa: PLC0415

        for name in ("mlflow", "alembic"):  # their INFO lines are not the user's output
            logging.getLogger(name).setLevel(logging.WARNING)
        from mlflow.tracking import MlflowClient  # noqa: PLC0415
    except ImportError as err:
        raise InputFileError(t("reading MLflow runs needs the mlflow package: pip install 'lossdoctor[mlflow]'")) from err
    return _ask(t("connecting"), lambda: MlflowClient(tracking_uri=uri))


def _check_reachable(uri: str) -> None:
    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=5) as r:
            r.read(64)
    except urllib.error.HTTPError:
        return  # it answered: some servers have no /health, the client will say more
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise InputFileError(t("the MLflow tracking server at {uri} does not answer ({reason}); start it (mlflow "
                               "server ...) or check --tracking-uri", uri=uri, reason=reason)) from err


def _experiment(c, name_or_id: str):
    from mlflow.exceptions import MlflowException  # noqa: PLC0415

    exp = c.get_experiment_by_name(name_or_id)
    if exp is None and name_or_id.isdigit():
        try:
            exp = c.get_experiment(name_or_id)
        except MlflowException:
            exp = None
    if exp is None:
        names = ", ".join(e.name for e in c.search_experiments(max_results=20)) or t("none")
        raise InputFileError(t("no MLflow experiment {name} there; experiments: {names}", name=repr(name_or_id),
                               names=names))
    return exp


def experiment_runs(spec: str, uri: str | None) -> tuple[object, list]:
    """The client and the runs an `mlflow:` spec names (an experiment's, newest first, or one run)."""
    from mlflow.exceptions import MlflowException  # noqa: PLC0415

    c = client(uri)
    target = spec[len(PREFIX):]

    def runs_of():
        if target.startswith(RUN_PREFIX):
            return [c.get_run(target[len(RUN_PREFIX):])]
        exp = _experiment(c, target)
        runs, token = [], None
        while len(runs) < MAX_RUNS:
            page = c.search_runs([exp.experiment_id], max_results=1000, page_token=token)
            runs += list(page)
            token = page.token
            if not token:
                break
        return runs
    try:
        return c, _ask(t("listing the runs"), runs_of)
    except MlflowException as err:
        raise InputFileError(f"MLflow: {str(err).splitlines()[0]}") from err


def run_name(run) -> str:
    return run.info.run_name or run.info.run_id


def run_history(c, run) -> History:
    """One run's metric histories as a `History` (format `mlflow`)."""
    keys = sorted(run.data.metrics)
    source = f"{PREFIX}{RUN_PREFIX}{run.info.run_id}"
    if not keys:
        raise HistoryFormatError(t("the run logged no metrics; log the training and validation loss per epoch"))
    rows: dict[int, dict] = {}
    histories = _ask(t("reading the metric histories"),
                     lambda: [(key, c.get_metric_history(run.info.run_id, key)) for key in keys])
    for key, history in histories:
        for m in history:
            row = rows.setdefault(int(m.step), {"step": float(m.step)})
            row[key] = float(m.value)
            row["_timestamp"] = max(row.get("_timestamp", 0.0), m.timestamp / 1000.0)  # ms since 1970
    ordered = [rows[s] for s in sorted(rows)]
    if "epoch" not in keys and [r["step"] for r in ordered] == list(range(len(ordered))):
        for r in ordered:  # one value per step 0, 1, ...: steps are epochs (Keras autologging)
            r["epoch"] = r.pop("step")
    return records_to_history(ordered, source, "mlflow")


def write_back(c, run_id: str, d, figure_path: str | None) -> None:
    """Record the diagnosis on the run (tags) and its figure (an artifact), for the MLflow UI."""
    c.set_tag(run_id, "lossdoctor.code", d.code)
    c.set_tag(run_id, "lossdoctor.variant", d.variant)
    c.set_tag(run_id, "lossdoctor.title", d.title)
    if figure_path:
        c.log_artifact(run_id, figure_path, artifact_path="lossdoctor")
