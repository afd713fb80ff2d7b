import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import SAMPLES, write
from lossdoctor.cli import cli


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_text_report_verdict_first():
    r = run("diagnose", str(SAMPLES / "overfitting.json"))
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].startswith("[overfitting]")
    assert "Evidence:" in r.output and "What to do:" in r.output
    assert r.output.index("Evidence:") < r.output.index("What to do:")


def test_json_schema():
    r = run("diagnose", str(SAMPLES / "still_learning.json"), "--format", "json")
    d = json.loads(r.output)
    assert {"source", "epochs", "window", "train", "val", "diagnosis", "best_epoch"} <= set(d)
    assert d["diagnosis"]["code"] == "learning" and d["diagnosis"]["fixes"]
    assert {"key", "trend", "slope", "slope_low", "slope_high"} <= set(d["train"])
    assert d["window"]["last_epoch"] == 25


def test_markdown():
    r = run("diagnose", str(SAMPLES / "data_problem.json"), "--format", "markdown")
    assert r.exit_code == 0 and r.output.startswith("## lossdoctor: The dataset has a problem")
    assert "| train | `loss` | **flat**" in r.output


def test_stdin():
    r = run("diagnose", "-", input=(SAMPLES / "still_learning.json").read_text())
    assert r.exit_code == 0 and r.output.startswith("[learning]")


@pytest.mark.parametrize("content,expected", [
    ("", "Error: {p}: is empty; point lossdoctor at a saved training history\n"),
    ('{"accuracy": [0.5, 0.6]}', "Error: {p}: no training loss found; available keys: accuracy. "
                                 "Pass the training loss with --train-key.\n"),
])
def test_bad_input_one_line_exit_2(tmp_path, content, expected):
    p = write(tmp_path, "h.json", content)
    r = CliRunner().invoke(cli, ["diagnose", p])
    assert r.exit_code == 2
    assert r.stderr == expected.format(p=p)


def test_wrong_key_message_names_the_option(tmp_path):
    r = run("diagnose", str(SAMPLES / "still_learning.json"), "--val-key", "val_mae")
    assert r.exit_code == 2
    assert "no series 'val_mae'; available keys: loss, val_loss. Pass one of them with --val-key." in r.stderr


def test_real_subprocess_run():
    p = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", str(SAMPLES / "nan_loss.json"),
                        "--format", "json"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["diagnosis"]["code"] == "non_finite"
    bad = subprocess.run([sys.executable, "-m", "lossdoctor", "diagnose", "/no/such/file.json"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr == "Error: /no/such/file.json: no such file; check the path\n"
    assert "Traceback" not in bad.stderr


def test_version_and_help():
    assert run("--version").output.startswith("lossdoctor, version")
    assert "Example: lossdoctor diagnose" in run("diagnose", "-h").output


def test_text_path_imports_no_matplotlib_or_keras():
    code = ("import sys; from lossdoctor.cli import cli; "
            f"cli(['diagnose', {str(SAMPLES / 'overfitting.json')!r}], standalone_mode=False); "
            "print(sorted(m for m in ('matplotlib', 'keras', 'scipy.stats', 'jax', 'numpy.ma') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip().endswith("[]")


def test_input_format_overrides_detection_and_is_checked():
    good = run("diagnose", str(SAMPLES / "still_learning.json"), "--input-format", "json")
    assert good.exit_code == 0 and good.output.startswith("[learning]")
    wrong = run("diagnose", str(SAMPLES / "still_learning.json"), "--input-format", "csv")
    assert wrong.exit_code == 2 and wrong.output.startswith("Error: ") and len(wrong.output.splitlines()) == 1
    unknown = run("diagnose", str(SAMPLES / "still_learning.json"), "--input-format", "yaml")
    assert unknown.exit_code == 2 and "Invalid value for '--input-format'" in unknown.output


def test_batch_markdown_is_a_table_of_every_run(tmp_path):
    for name in ("overfitting.json", "still_learning.json", "nan_loss.json"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    (tmp_path / "broken.json").write_text("{not json")
    r = run("diagnose", str(tmp_path), "--format", "markdown")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].startswith("## lossdoctor: 4 runs:")
    rows = [l for l in lines if l.startswith("| ") and not l.startswith("| run")]
    assert [row.split("|")[1].strip() for row in rows] == ["nan_loss.json", "overfitting.json",
                                                          "still_learning.json", "broken.json"]
    assert "| non_finite |" in rows[0] and "| error |" in rows[-1]


def test_step_only_log_is_reported_in_steps(tmp_path):
    rows = ["step,train_loss,val_loss"] + [f"{s},{2.0 * 0.97 ** (s / 10):.4f},{2.1 * 0.975 ** (s / 10):.4f}"
                                           for s in range(10, 410, 10)]
    path = write(tmp_path, "steps.csv", "\n".join(rows) + "\n")
    d = json.loads(run("diagnose", path, "--format", "json").output)
    assert d["unit"] == "step" and d["epochs"] == 400
    text = run("diagnose", path).output
    assert "judged on steps 270-400" in text and "over steps 270-400" in text and "at step 400" in text
    assert not re.findall(r"\b(?:over|at|judged on) epochs? \d", text)
    md = run("diagnose", path, "--format", "markdown").output
    assert "400 steps" in md and "at step 400" in md


def test_csv_export_of_a_sweep_and_of_one_run(tmp_path):
    import csv as csvmod
    import io
    for name in ("overfitting.json", "still_learning.json"):
        (tmp_path / name).write_bytes((SAMPLES / name).read_bytes())
    (tmp_path / "broken.json").write_text("[1, 2")
    r = run("diagnose", str(tmp_path), "--format", "csv")
    rows = list(csvmod.DictReader(io.StringIO(r.output)))
    assert r.exit_code == 0 and [row["run"] for row in rows] == ["overfitting.json", "still_learning.json", "broken.json"]
    assert rows[0]["code"] == "overfitting" and rows[0]["best_epoch"] == "2" and rows[-1]["code"] == "error"
    one = list(csvmod.DictReader(io.StringIO(run("diagnose", str(SAMPLES / "still_learning.json"), "--format", "csv").output)))
    assert len(one) == 1 and one[0]["code"] == "learning"


def test_report_over_a_folder_fails_on_any_matching_run(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    for name in ("overfitting.json", "still_learning.json", "nan_loss.json"):
        (runs / name).write_bytes((SAMPLES / name).read_bytes())
    png, md = tmp_path / "grid.png", tmp_path / "summary.md"
    r = run("report", str(runs), "-o", str(png), "--markdown", str(md), "--fail-on", "overfitting,non_finite")
    assert r.exit_code == 1
    assert "2 run(s) are in --fail-on: nan_loss.json (non_finite), overfitting.json (overfitting)" in r.output
    assert png.read_bytes()[:4] == b"\x89PNG" and "| still_learning.json |" in md.read_text()
    ok = run("report", str(runs), "-o", str(png), "--fail-on", "diverging")
    assert ok.exit_code == 0


def test_readme_lists_every_input_format():
    from conftest import ROOT
    from lossdoctor.read.formats import format_names
    readme = (ROOT / "README.md").read_text()
    line = next(l for l in readme.splitlines() if l.startswith("- `--input-format` is one of"))
    nxt = readme[readme.index(line):].split("\n- ")[0]
    assert all(f"`{name}`" in nxt for name in format_names())
