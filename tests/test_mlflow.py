"""MLflow runs read through the real client from a real `mlflow server` (sqlite) on localhost."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from conftest import needs  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from lossdoctor.cli import cli  # noqa: E402

pytestmark = [pytest.mark.slow, needs("mlflow")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}", "--artifacts-destination", str(root / "artifacts"),
         "--workers", "1"],
        stdout=open(root / "server.log", "w"), stderr=subprocess.STDOUT, cwd=root)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(uri + "/health", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("mlflow server exited: " + (root / "server.log").read_text()[-2000:])
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("mlflow server did not start in 90 s")
    yield uri
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def log_run(client, exp_id, name, train, val, with_epoch=False):
    run = client.create_run(exp_id, run_name=name)
    for i, (t, v) in enumerate(zip(train, val)):
        step = i * 10 + 9 if with_epoch else i
        client.log_metric(run.info.run_id, "train_loss" if with_epoch else "loss", t, step=step)
        client.log_metric(run.info.run_id, "val_loss", v, step=step)
        if with_epoch:
            client.log_metric(run.info.run_id, "epoch", i, step=step)
    client.set_terminated(run.info.run_id)
    return run.info.run_id


@pytest.fixture(scope="module")
def experiment(server):
    from mlflow.tracking import MlflowClient
    c = MlflowClient(tracking_uri=server)
    exp = c.create_experiment("sweep")
    e = np.arange(1, 31, dtype=float)
    ids = {
        "learning": log_run(c, exp, "still-learning", list(np.exp(-e / 20)), list(1.1 * np.exp(-e / 22))),
        "overfitting": log_run(c, exp, "overfits", list(np.exp(-e / 6)), list(0.4 + 0.002 * (e - 8) ** 2)),
        "lightning": log_run(c, exp, "lightning-style", list(np.exp(-e / 20)), list(1.1 * np.exp(-e / 22)),
                             with_epoch=True),
    }
    empty = c.create_run(exp, run_name="no-metrics").info.run_id
    c.set_terminated(empty)
    return server, ids, empty


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_a_whole_experiment_is_a_sweep(experiment):
    uri, ids, _ = experiment
    r = run("diagnose", "mlflow:sweep", "--tracking-uri", uri, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = {row["run"]: row for row in map(json.loads, r.output.splitlines())}
    assert set(rows) == {"still-learning", "overfits", "lightning-style", "no-metrics"}
    assert rows["overfits"]["diagnosis"]["code"] == "overfitting"
    assert rows["still-learning"]["diagnosis"]["code"] == "learning"
    assert rows["still-learning"]["epochs"] == 30 and rows["still-learning"]["unit"] == "epoch"
    assert rows["lightning-style"]["diagnosis"]["code"] == "learning" and rows["lightning-style"]["epochs"] == 30
    assert "logged no metrics" in rows["no-metrics"]["error"]


def test_one_run_and_write_back(experiment):
    uri, ids, _ = experiment
    r = run("diagnose", f"mlflow:runs/{ids['overfitting']}", "--tracking-uri", uri, "--write-back")
    assert r.exit_code == 0 and r.output.startswith("[overfitting]")
    from mlflow.tracking import MlflowClient
    c = MlflowClient(tracking_uri=uri)
    tags = c.get_run(ids["overfitting"]).data.tags
    assert tags["lossdoctor.code"] == "overfitting" and tags["lossdoctor.title"].startswith("Overfitting")
    arts = [a.path for a in c.list_artifacts(ids["overfitting"], "lossdoctor")]
    assert arts == ["lossdoctor/loss_report.png"]
    local = c.download_artifacts(ids["overfitting"], "lossdoctor/loss_report.png")
    with open(local, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_env_var_names_the_server(experiment, monkeypatch):
    uri, ids, _ = experiment
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    r = run("diagnose", f"mlflow:runs/{ids['learning']}")
    assert r.exit_code == 0 and r.output.startswith("[learning]")


@pytest.mark.parametrize("args,message", [
    (["mlflow:nope"], "no MLflow experiment 'nope' there; experiments:"),
    (["mlflow:runs/0123456789abcdef0123456789abcdef"], "MLflow:"),
])
def test_unknown_experiment_or_run_is_one_line_and_exit_2(experiment, args, message):
    uri, _, _ = experiment
    r = run("diagnose", *args, "--tracking-uri", uri)
    assert r.exit_code == 2 and message in r.output and len(r.output.strip().splitlines()) == 1


def test_run_without_loss_metrics_is_exit_2(experiment):
    uri, _, empty = experiment
    r = run("diagnose", f"mlflow:runs/{empty}", "--tracking-uri", uri)
    assert r.exit_code == 2 and "logged no metrics" in r.output


def test_unreachable_server_is_one_line_fast():
    t = time.time()
    r = run("diagnose", "mlflow:sweep", "--tracking-uri", f"http://127.0.0.1:{free_port()}")
    assert r.exit_code == 2 and "does not answer" in r.output and time.time() - t < 10


def test_a_lightning_run_logged_through_mlflowlogger(experiment, tmp_path):
    pl = pytest.importorskip("lightning.pytorch")
    sys.path.insert(0, os.path.dirname(__file__))
    from fw_lightning import Net, loaders
    from lightning.pytorch.loggers import MLFlowLogger
    uri, _, _ = experiment
    pl.seed_everything(0)
    logger = MLFlowLogger(experiment_name="lightning", tracking_uri=uri, run_name="pl-run")
    trainer = pl.Trainer(max_epochs=12, accelerator="cpu", logger=logger, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                         log_every_n_steps=1, default_root_dir=str(tmp_path))
    trainer.fit(Net(hidden=16), *loaders(200))
    r = run("diagnose", "mlflow:lightning", "--tracking-uri", uri, "--format", "json")
    assert r.exit_code == 0, r.output
    row = json.loads(r.output.splitlines()[0])
    assert row["run"] == "pl-run" and row["epochs"] == 12 and row["unit"] == "epoch"
    assert row["train"]["key"] == "train_loss" and row["val"]["key"] == "val_loss"


def test_grid_figure_of_an_experiment(experiment, tmp_path):
    import matplotlib.image as mpimg
    uri, _, _ = experiment
    out = tmp_path / "grid.png"
    r = run("plot", "mlflow:sweep", "--tracking-uri", uri, "-o", str(out))
    assert r.exit_code == 0 and "4 runs:" in r.output and "wrote" in r.output
    img = mpimg.imread(out)
    assert img.shape[0] > 200 and img.std() > 0.01


def test_figure_of_one_run(experiment, tmp_path):
    uri, ids, _ = experiment
    out = tmp_path / "one.svg"
    r = run("plot", f"mlflow:runs/{ids['overfitting']}", "--tracking-uri", uri, "-o", str(out))
    assert r.exit_code == 0 and r.output.startswith("[overfitting]") and out.read_text().startswith("<?xml")


def test_html_page_of_an_experiment(experiment, tmp_path):
    import re

    uri, _, _ = experiment
    out = tmp_path / "sweep.html"
    r = run("report", "mlflow:sweep", "--tracking-uri", uri, "-o", str(out), "--markdown", str(tmp_path / "s.md"))
    assert r.exit_code == 0, r.output
    data = json.loads(re.search(r'id="runs-data">(.*?)</script>', out.read_text(), re.S).group(1))
    by_run = {row["run"]: row for row in data}
    assert by_run["overfits"]["code"] == "overfitting" and len(by_run["overfits"]["val"]["y"]) == 30
    assert "logged no metrics" in by_run["no-metrics"]["error"]
    assert "(sweep.html)" in (tmp_path / "s.md").read_text()


def test_mlflow_millisecond_timestamps_become_seconds(experiment):
    """MLflow stores milliseconds since 1970: a run that logged an epoch a minute is 60 s per epoch."""
    from mlflow.tracking import MlflowClient

    import lossdoctor.read.mlflow as ml
    uri, _, _ = experiment
    c = MlflowClient(tracking_uri=uri)
    exp = c.create_experiment("clock")
    run_id = c.create_run(exp, run_name="a-minute-an-epoch").info.run_id
    start_ms = 1_700_000_000_000
    for i in range(5):
        c.log_metric(run_id, "loss", 1.0 / (i + 1), timestamp=start_ms + 60_000 * i, step=i)
        c.log_metric(run_id, "val_loss", 1.1 / (i + 1), timestamp=start_ms + 60_000 * i, step=i)
    h = ml.run_history(c, c.get_run(run_id))
    assert list(h.elapsed.y) == [0.0, 60.0, 120.0, 180.0, 240.0]
