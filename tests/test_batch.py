import json
import shutil
import subprocess
import sys

import matplotlib.image as mpimg
import pytest
from click.testing import CliRunner

from conftest import SAMPLE_CODES, SAMPLES
from lossdoctor.run.batch import diagnose_many, expand
from lossdoctor.judge.codes import NAMES as SEVERITY
from lossdoctor.cli import cli


@pytest.fixture
def sweep(tmp_path):
    root = tmp_path / "runs"
    for i, name in enumerate(sorted(SAMPLE_CODES)):
        d = root / f"trial_{i}"
        d.mkdir(parents=True)
        shutil.copy(SAMPLES / name, d / name)
    (root / "trial_0" / "notes.txt").write_text("learning rate 1e-3, nothing else here\n")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.json").write_text("{}")
    return root


def test_expand_finds_logs_recursively_and_skips_hidden(sweep):
    found = expand([str(sweep)])
    assert len(found) == len(SAMPLE_CODES) + 1
    assert not any(".hidden" in f for f in found)


def test_batch_sorted_by_urgency_with_errors_last(sweep):
    batch = diagnose_many([str(sweep)])
    codes = [r.code for r in batch.results if r.code]
    assert codes == sorted(codes, key=SEVERITY.index)
    assert batch.results[-1].error and batch.results[-1].name.endswith("notes.txt")
    assert batch.summary["overfitting"] == 2 and batch.summary["error"] == 1


def test_parallel_and_serial_agree(sweep):
    serial = diagnose_many([str(sweep)], workers=1)
    parallel = diagnose_many([str(sweep)], workers=2)
    assert [(r.name, r.code) for r in serial.results] == [(r.name, r.code) for r in parallel.results]


def test_cli_table_json_lines_and_glob(sweep):
    r = CliRunner().invoke(cli, ["diagnose", str(sweep)])
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].split()[:6] == ["run", "epochs", "train", "val", "code", "best"]
    assert lines[-1].startswith(f"{len(SAMPLE_CODES) + 1} runs: ")
    assert any("error" in l and "notes.txt" in l for l in lines)
    r = CliRunner().invoke(cli, ["diagnose", str(sweep), "--format", "json"])
    objs = [json.loads(l) for l in r.output.splitlines()]
    assert len(objs) == len(SAMPLE_CODES) + 1 and "error" in objs[-1] and objs[0]["diagnosis"]["code"] == "non_finite"
    r = CliRunner().invoke(cli, ["diagnose", str(sweep / "*" / "*.json")])
    assert r.exit_code == 0 and r.output.splitlines()[-1].startswith(f"{len(SAMPLE_CODES) - 1} runs")


def test_only_unreadable_files_exit_2(tmp_path):
    (tmp_path / "a.json").write_text("")
    (tmp_path / "b.csv").write_text("junk")
    r = CliRunner().invoke(cli, ["diagnose", str(tmp_path / "a.json"), str(tmp_path / "b.csv")])
    assert r.exit_code == 2 and "2 runs: 2 error" in r.output


def test_grid_figure(sweep, tmp_path):
    out = tmp_path / "grid.png"
    r = subprocess.run([sys.executable, "-m", "lossdoctor", "plot", str(sweep), "-o", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    img = mpimg.imread(str(out))
    assert img.shape[1] >= 900 and img[..., :3].std() > 0.05


def test_grid_axes_titles(sweep):
    from lossdoctor import diagnose, load_history
    from lossdoctor.show.plot import plot_grid
    items = []
    for p in sorted(sweep.glob("trial_*/*.json"))[:4]:
        h = load_history(str(p))
        items.append((p.name, h, diagnose(h)))
    fig = plot_grid(items, total=10)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert len(titles) == 4 and all("[" in t for t in titles)
    assert "the 4 most urgent of 10 runs" in fig._suptitle.get_text()


def test_an_internal_error_in_a_batch_stays_one_and_exits_3(tmp_path, monkeypatch):
    import lossdoctor.run.batch as lb
    from click.testing import CliRunner
    from lossdoctor.cli import cli
    for name in ("a.json", "boom.json"):
        (tmp_path / name).write_bytes((SAMPLES / "still_learning.json").read_bytes())
    real = lb.diagnose

    def flaky(history, *args, **kwargs):
        if history.source.endswith("boom.json"):
            raise RuntimeError("injected")
        return real(history, *args, **kwargs)
    monkeypatch.setattr(lb, "diagnose", flaky)
    r = CliRunner().invoke(cli, ["diagnose", str(tmp_path), "--format", "json"])
    assert r.exit_code == 3
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert rows[0]["run"] == "a.json" and rows[0]["diagnosis"]["code"] == "learning"
    assert rows[1]["exit_code"] == 3 and rows[1]["error"].startswith("internal error (RuntimeError: injected)")


def test_a_hugging_face_output_dir_is_one_run_and_its_other_files_are_not_runs(tmp_path):
    import sys as _sys
    _sys.path.insert(0, str(SAMPLES.parent / "tests"))
    from formats import hf_trainer_state
    out = tmp_path / "out"
    for sub in ("checkpoint-500", "checkpoint-1000"):
        (out / sub).mkdir(parents=True)
        (out / sub / "trainer_state.json").write_text(hf_trainer_state(epochs=6))
        (out / sub / "config.json").write_text(json.dumps({"hidden_size": 32, "model_type": "bert"}))
    for name in ("config.json", "all_results.json", "vocab.json", "tokenizer_config.json"):
        (out / name).write_text(json.dumps({"epoch": 6.0, "train_loss": 0.3}))
    found = expand([str(out)])
    assert found == [str(out / "checkpoint-1000" / "trainer_state.json")]
    (out / "trainer_state.json").write_text(hf_trainer_state(epochs=6))
    assert expand([str(out)]) == [str(out / "trainer_state.json")]
    batch = diagnose_many([str(out)])
    assert len(batch.results) == 1 and batch.skipped == 8  # 6 config/result files, 2 older checkpoint states
    from lossdoctor.show.render import summary_line
    assert summary_line(batch).endswith("(8 file(s) that are not training logs skipped)")


def test_lightning_versions_are_separate_tensorboard_runs(tmp_path):
    pytest.importorskip("tensorboard")
    from lossdoctor.read.discover import is_event_path
    logs = tmp_path / "lightning_logs"
    for v in range(3):
        (logs / f"version_{v}").mkdir(parents=True)
        (logs / f"version_{v}" / "events.out.tfevents.1.host").write_bytes(b"")
    assert not is_event_path(str(logs))
    assert [p.rsplit("/", 1)[-1] for p in expand([str(logs)])] == ["version_0", "version_1", "version_2"]


def test_batch_table_aligns_wide_characters(tmp_path):
    from lossdoctor.show.render import batch_to_text, display_width
    for name in ("训练记录.json", "plain.json"):
        (tmp_path / name).write_bytes((SAMPLES / "still_learning.json").read_bytes())
    lines = batch_to_text(diagnose_many([str(tmp_path)])).splitlines()
    rows = [l for l in lines if l.endswith("Still learning: the best case")]
    assert len(rows) == 2
    starts = {display_width(r[: r.index("learning")]) for r in rows}
    assert len(starts) == 1  # the code column starts at the same screen column
