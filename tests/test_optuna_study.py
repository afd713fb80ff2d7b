"""Reading an Optuna study: `lossdoctor diagnose/report optuna:STORAGE?study=NAME` on real studies
made by Optuna (an SQLite database and a journal file), run as a subprocess; the storage is only read."""

import hashlib
import json
import os
import subprocess
import sys

import pytest

optuna = pytest.importorskip("optuna")

import lossdoctor  # noqa: E402
import lossdoctor.optuna as ld  # noqa: E402
from test_optuna import curves  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)

KINDS = ("learning", "overfitting", "diverging", "chance")
EXPECTED = {"learning": "learning", "overfitting": "overfitting", "diverging": "diverging", "chance": "plateau"}


def objective(trial):
    trial.suggest_float("lr", 1e-4, 1.0, log=True)
    kind = KINDS[trial.number % len(KINDS)]
    trial.set_user_attr("kind", kind)
    train, val = curves(kind, trial.number, epochs=20)
    for epoch in range(1, len(train) + 1):
        ld.report(trial, epoch, {"loss": train[epoch - 1], "val_loss": val[epoch - 1]})
    return float(val[-1])


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lossdoctor", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture(scope="module")
def study_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    url = f"sqlite:///{folder / 'sweep.db'}"
    optuna.create_study(study_name="sweep", storage=url).optimize(objective, n_trials=8)
    optuna.create_study(study_name="empty", storage=url)
    plain = optuna.create_study(study_name="plain", storage=url)  # trial.report alone: one series

    def reported_only(trial):
        for epoch in range(1, 16):
            trial.report(1.0 / epoch + 0.2, epoch)
        return 0.0
    plain.optimize(reported_only, n_trials=1)
    score = optuna.create_study(study_name="accuracy", storage=url, direction="maximize")

    def accuracy(trial):
        for epoch in range(1, 16):
            trial.report(1 - 1.0 / epoch, epoch)
        return 1.0
    score.optimize(accuracy, n_trials=1)
    return folder / "sweep.db"


def test_every_trial_of_a_study_is_diagnosed_from_its_storage(study_db):
    before = digest(study_db)
    listing = set(os.listdir(study_db.parent))
    r = cli("diagnose", f"optuna:sqlite:///{study_db}?study=sweep", "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 8
    study = optuna.load_study(study_name="sweep", storage=f"sqlite:///{study_db}")
    kinds = {tr.number: tr.user_attrs["kind"] for tr in study.trials}
    for row in rows:
        number = int(row["source"].rsplit("trial=", 1)[1])
        code = row["diagnosis"]["code"]
        assert code == EXPECTED[kinds[number]], (number, kinds[number], code)
    assert digest(study_db) == before and set(os.listdir(study_db.parent)) == listing  # only read


def test_one_trial_reads_like_one_file(study_db):
    r = cli("diagnose", f"optuna:{study_db}?study=sweep&trial=1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("[overfitting]") and "study=sweep&trial=1 (optuna, 20 epochs" in " ".join(r.stdout.split())


def test_report_writes_the_sweep_page_table_and_exit_code(study_db, tmp_path):
    page, md = tmp_path / "sweep.html", tmp_path / "sweep.md"
    r = cli("report", f"optuna:sqlite:///{study_db}?study=sweep", "-o", str(page), "--markdown", str(md),
            "--fail-on", "diverging")
    assert r.returncode == 1, r.stderr
    assert "2 run(s) are in --fail-on" in r.stderr
    table = md.read_text()
    assert table.count("| trial ") == 8 and "(lr=" in table
    assert "trial 2 (lr=" in page.read_text()


def test_a_journal_file_is_read_too(tmp_path):
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    log = tmp_path / "journal.log"
    optuna.create_study(study_name="j", storage=JournalStorage(JournalFileBackend(str(log)))).optimize(
        objective, n_trials=4)
    before, listing = digest(log), set(os.listdir(tmp_path))
    r = cli("diagnose", f"optuna:{log}", "--format", "json")  # the only study: no ?study= needed
    assert r.returncode == 0, r.stderr
    assert sorted(json.loads(line)["diagnosis"]["code"] for line in r.stdout.splitlines()) == sorted(EXPECTED.values())
    assert digest(log) == before and set(os.listdir(tmp_path)) == listing


def test_the_same_from_python(study_db, tmp_path):
    rep = lossdoctor.report(f"optuna:sqlite:///{study_db}?study=sweep", html=None,
                            markdown=str(tmp_path / "s.md"), fail_on=["overfitting"])
    assert rep.exit_code == 1 and len(rep.failing) == 2 and len(rep.batch.results) == 8
    study = optuna.create_study()  # in memory: no URL to read it by
    study.optimize(objective, n_trials=4)
    batch = ld.diagnose_study(study)
    assert sorted(r.code for r in batch.results) == sorted(EXPECTED.values())
    assert all(r.name.startswith("trial ") for r in batch.results)


def test_a_study_with_reported_values_only_is_read_as_one_loss_and_says_so(study_db):
    r = cli("diagnose", f"optuna:{study_db}?study=plain&trial=0")
    assert r.returncode == 0, r.stderr
    assert "read as its loss; report the training loss too" in " ".join(r.stdout.split())


@pytest.mark.parametrize("spec, message", [
    ("optuna:{db}", "name the study with ?study=NAME; studies there: "),
    ("optuna:{db}?study=nope", "no Optuna study 'nope' there; studies: "),
    ("optuna:{db}?study=empty", "empty: the study has no trials yet"),
    ("optuna:{db}?study=sweep&trial=99", "sweep has no trial 99"),
    ("optuna:{db}?study=sweep&trial=one", "trial= takes a trial number"),
    ("optuna:{db}?study=accuracy", "maximises its objective, so its trials report a score, not a loss"),
    ("optuna:sqlite:///{dir}/missing.db?study=x", "no SQLite database there"),
    ("optuna:{dir}/missing.db?study=x", "no such file"),
    ("optuna:?study=x", "name the study's storage"),
])
def test_bad_inputs_get_one_line_and_exit_2(study_db, spec, message):
    before, listing = digest(study_db), set(os.listdir(study_db.parent))
    r = cli("diagnose", spec.format(db=study_db, dir=study_db.parent))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("Error: ") and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert digest(study_db) == before and set(os.listdir(study_db.parent)) == listing


def test_files_that_are_not_a_storage_are_refused_untouched(tmp_path):
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("create table a(x)")
    text = tmp_path / "notes.txt"
    text.write_text("not a journal\n")
    for path, message in ((other, "a SQLite database, but not an Optuna storage"),
                          (text, "neither a SQLite database nor an Optuna journal log")):
        before = digest(path)
        r = cli("diagnose", f"optuna:{path}?study=x")
        assert r.returncode == 2 and message in r.stderr, r.stderr
        assert digest(path) == before
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "other.db"]


def test_write_back_is_for_mlflow_runs_only(study_db):
    r = cli("diagnose", f"optuna:{study_db}?study=sweep", "--write-back")
    assert r.returncode == 2 and "use it with mlflow: inputs" in r.stderr


def test_files_and_studies_are_not_mixed(study_db, tmp_path):
    f = tmp_path / "h.json"
    f.write_text(json.dumps({"loss": [1, 0.5, 0.3], "val_loss": [1, 0.6, 0.4]}))
    r = cli("diagnose", f"optuna:{study_db}?study=sweep", str(f))
    assert r.returncode == 2 and "not a mix" in r.stderr
