"""A tracking server that misbehaves (a fake one on localhost, from the standard library), and URIs
that are wrong: one clear error line (exit 2) each, within a bounded time, nothing created."""

import http.server
import json
import socket
import threading
import time

import pytest

from conftest import needs  # noqa: E402

pytestmark = needs("mlflow")

from click.testing import CliRunner  # noqa: E402

from lossdoctor.cli import cli  # noqa: E402

EXPERIMENT = {"experiment": {"experiment_id": "1", "name": "exp", "lifecycle_stage": "active"}}
RUN = {"info": {"run_id": "r1", "experiment_id": "1", "run_name": "r1", "status": "FINISHED", "start_time": 1,
                "lifecycle_stage": "active", "artifact_uri": "x"},
       "data": {"metrics": [{"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}]}}


def serve(behaviour):
    """A localhost server whose API answers as `behaviour(path)` says: (status, body bytes, delay)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            status, body, delay = (200, b"OK", 0) if self.path.startswith("/health") else behaviour(self.path)
            time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass
        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{port}"


def api(metric_history):
    def behaviour(path):
        if "experiments/get-by-name" in path:
            return 200, json.dumps(EXPERIMENT).encode(), 0
        if "runs/search" in path:
            return 200, json.dumps({"runs": [RUN]}).encode(), 0
        if "metrics/get-history" in path:
            return metric_history
        return 404, b"{}", 0
    return behaviour


@pytest.mark.parametrize("behaviour,says", [
    (lambda path: (500, b"<html>Internal Server Error</html>", 0), "MLflow"),
    (lambda path: (200, b"<html>a web page, not MLflow</html>", 0), "MLflow"),
    (lambda path: (200, b'{"experiment": 17}', 0), "MLflow"),
    (api((500, b"oops", 0)), "MLflow: reading the metric histories failed"),
    (api((200, b'{"metrics": "not a list"}', 0)), "MLflow"),
])
def test_a_misbehaving_server_gets_one_clear_line(behaviour, says, monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    httpd, uri = serve(behaviour)
    try:
        r = CliRunner().invoke(cli, ["diagnose", "mlflow:exp", "--tracking-uri", uri])
    finally:
        httpd.shutdown()
    assert r.exit_code == 2, r.output
    assert says in r.output and "internal error" not in r.output and "Traceback" not in r.output


def test_a_server_that_never_finishes_is_given_up_on(monkeypatch):
    import lossdoctor.read.mlflow as ml
    monkeypatch.setattr(ml, "DEADLINE", 2.0)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    httpd, uri = serve(api((200, b'{"metrics": []}', 30)))
    start = time.perf_counter()
    try:
        r = CliRunner().invoke(cli, ["diagnose", "mlflow:exp", "--tracking-uri", uri])
    finally:
        httpd.shutdown()
    assert r.exit_code == 2 and "took longer than 2 s" in r.output and time.perf_counter() - start < 15


@pytest.mark.parametrize("uri,says", [("http://local host:5000", "is not an MLflow tracking URI"),
                                      ("gopher://x", "is not an MLflow tracking URI"),
                                      ("sqlite:///{tmp}/typo/mlflow.db", "no MLflow store at"),
                                      ("{tmp}/no-mlruns-here", "no MLflow store at")])
def test_a_wrong_tracking_uri_creates_nothing(uri, says, tmp_path):
    r = CliRunner().invoke(cli, ["diagnose", "mlflow:exp", "--tracking-uri", uri.format(tmp=tmp_path)])
    assert r.exit_code == 2 and says in r.output
    assert list(tmp_path.iterdir()) == []


def test_a_reply_without_end_is_cut_at_the_size_limit(monkeypatch):
    """A server that sends far more than any MLflow reply: reading stops at MAX_BODY, within the
    same second, instead of filling memory until the deadline."""
    import tracemalloc

    import lossdoctor.read.mlflow as ml
    monkeypatch.setattr(ml, "MAX_BODY", 1 << 20)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    httpd, uri = serve(api((200, b" " * (40 << 20), 0)))
    try:
        CliRunner().invoke(cli, ["diagnose", "mlflow:exp", "--tracking-uri", uri])  # MLflow's imports, untraced
        start = time.perf_counter()
        tracemalloc.start()
        r = CliRunner().invoke(cli, ["diagnose", "mlflow:exp", "--tracking-uri", uri])
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        httpd.shutdown()
    assert r.exit_code == 2 and "sent a reply of more than 1 MB" in r.output, r.output
    assert time.perf_counter() - start < 15
    assert peak < 20 << 20  # the client never held the 40 MB body
    import requests.models
    assert requests.models.Response.iter_content.__name__ == "iter_content" and \
        requests.models.Response.iter_content.__qualname__ == "Response.iter_content"  # restored
