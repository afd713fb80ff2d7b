"""Reports in Chinese: the catalogue is complete and right, the language is chosen as documented,
and no English leaks into a zh report (text, Markdown, JSON words, figure, page) on real histories
of every diagnosis code and variant."""

import importlib.util
import io
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, SAMPLES, SHARED
from lossdoctor import History, diagnose, load_history
from lossdoctor.core import i18n
from lossdoctor.core.i18n import language
from lossdoctor.show.render import to_markdown, to_text
from lossdoctor.rules import outcomes

CJK = re.compile(r"[\u4e00-\u9fff]")
# what a zh report keeps in English on purpose: the words the sources themselves write in English
# ("train loss 不断下降"), the product, and terms of the field Chinese engineers write as they are
KEPT = {"train", "val", "loss", "lossdoctor", "patience", "dropout", "one-hot", "sparse", "warm-up", "warm",
        "restarts", "sigmoid", "tanh", "float", "scaling", "temperature", "leaky", "batch", "normalization",
        "config", "bug", "logits", "pandas", "epoch", "step", "key", "value", "ckpt", "best"}
CODE_LIKE = re.compile(r"--[\w-]+|\S*[()_=./'\"\[\]<>{}:`]\S*|\b[A-Z][a-z]+[A-Z]\w*\b|\b[A-Z]{2,}\w*\b|"
                       r"\b(Keras|Adam|Dense|Normalization|Trainer|Dropout|LeakyReLU|ReLU|StandardScaler)\b")
WORD = re.compile(r"[A-Za-z][A-Za-z-]{2,}")


def english_left(text: str, history, d) -> list[str]:
    """The English words of a zh text, once keys, the source, codes and API spellings are taken out."""
    text = re.sub(r"(?i)lossdoctor", " ", text)
    for k in sorted(history.keys, key=len, reverse=True):
        text = text.replace(k, " ")
    if d is not None:
        text = text.replace(d.source, " ").replace(d.format, " ")
    text = re.sub(r"\[\w+\]|`\w+`", " ", text)  # the [code] of the headline, `code` in Markdown
    text = CODE_LIKE.sub(" ", text)
    return [w for w in WORD.findall(text) if w.lower() not in KEPT]


def synthetic() -> dict:
    """Histories for the outcomes real logs rarely show, built in code."""
    e = np.arange(1, 31, dtype=float)
    same = list(np.exp(-e / 8) + 0.2)
    return {
        "val_is_train": {"loss": same, "val_loss": same},
        "insufficient": {"loss": [1.0, 0.9], "val_loss": [1.1, 1.0]},
        "nan": {"loss": [1.0, 0.8, 0.7, math.nan, math.nan], "val_loss": [1.1, 0.9, 0.8, math.nan, math.nan]},
        "learning": {"loss": list(np.exp(-e / 20)), "val_loss": list(1.1 * np.exp(-e / 22))},
        "no_val": {"loss": list(np.exp(-e / 20))},
        "chance": {"loss": list(0.6931 + 0.001 * np.sin(e)), "val_loss": list(0.6932 + 0.001 * np.cos(e)),
                   "accuracy": [0.5] * 30, "val_accuracy": [0.5] * 30},
    }


def reports(h, d) -> list[str]:
    return [to_text(d), to_markdown(d), " ".join([d.title, d.summary, *d.fixes, *d.evidence, *d.notes])]


def check_zh(h, name: str) -> tuple:
    with language("zh"):
        d = diagnose(h)
        leaks = [(name, w) for text in reports(h, d) for w in english_left(text, h, d)]
    assert CJK.search(d.title) and CJK.search(d.summary), (name, d.title)
    return (d.code, d.variant), leaks


# -- the catalogue -----------------------------------------------------------------------------

def catalog_script():
    pytest.importorskip("babel")
    spec = importlib.util.spec_from_file_location("catalog", ROOT / "scripts" / "catalog.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_message_has_a_zh_translation_with_the_same_placeholders():
    assert catalog_script().problems("zh") == []


def test_the_shipped_catalogue_is_compiled_from_the_po():
    from babel.messages.mofile import write_mo

    mod = catalog_script()
    buf = io.BytesIO()
    write_mo(buf, mod.read(mod.po_path("zh"), "zh"), use_fuzzy=False)
    shipped = (ROOT / "lossdoctor" / "locale" / "zh" / "LC_MESSAGES" / "lossdoctor.mo").read_bytes()
    assert buf.getvalue() == shipped, "run python scripts/catalog.py compile"


def test_a_placeholder_check_catches_a_wrong_translation(tmp_path, monkeypatch):
    """The completeness check can fail: a translation that drops a placeholder is reported."""
    from babel.messages.pofile import write_po

    mod = catalog_script()
    cat = mod.read(mod.po_path("zh"), "zh")
    cat.get("wrote {path}").string = "已写入"
    del cat["Close"]
    folder = tmp_path / "zh" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "lossdoctor.po", "wb") as fh:
        write_po(fh, cat)
    monkeypatch.setattr(mod, "LOCALE", str(tmp_path))
    found = mod.problems("zh")
    assert any("placeholders differ" in p and "wrote {path}" in p for p in found)
    assert any("no zh translation: 'Close'" in p for p in found)


# -- the words ------------------------------------------------------------------------------------

FIVE_CASES = {  # sample -> what its zh title says, as the sources say it
    "still_learning.json": "train loss 不断下降，val loss 不断下降",
    "data_problem.json": "train loss 趋于不变，val loss 不断下降：数据集有问题",
    "plateau_converged.json": "train loss 趋于不变，val loss 趋于不变：学习遇到瓶颈",
    "diverging.json": "train loss 不断上升，val loss 不断上升：最坏的情况",
}


@pytest.mark.parametrize("sample, words", sorted(FIVE_CASES.items()))
def test_the_documented_cases_read_as_their_sources_say(sample, words):
    d = diagnose(load_history(str(SAMPLES / sample)), lang="zh")
    assert words in d.title


def test_overfitting_reads_as_the_source_says():
    e = np.arange(1, 41, dtype=float)
    h = History.from_dict({"loss": list(np.exp(-e / 8)), "val_loss": list(0.5 + 0.002 * (e - 10) ** 2)},
                          format="keras-json")
    d = diagnose(h, lang="zh")
    assert d.code == "overfitting" and "train loss 不断下降" in d.title and "网络过拟合" in d.title
    assert any("EarlyStopping(monitor='val_loss'" in f for f in d.fixes)  # API names stay in English
    assert any("正则化" in f for f in d.fixes) and "验证集损失" in to_text(d)


def survey(paths) -> tuple[set, list]:
    """Read and diagnose each file, then the built histories, all in zh: the outcomes seen and the
    English words left. A file that cannot be diagnosed is checked by its one-line error."""
    from lossdoctor.core.errors import LossDoctorError

    i18n.MISSING.clear()
    seen, leaks = set(), []
    for path in paths:
        try:
            with language("zh"):  # the readers' notes are written when the file is read
                h = load_history(str(path))
        except LossDoctorError:  # not a training log (a README, a config): not this test's business
            continue
        try:
            outcome, found = check_zh(h, path.name)
        except LossDoctorError as err:
            leaks += [(path.name, w) for w in english_left(str(err), h, None)]
            continue
        seen.add(outcome)
        leaks += found
    for name, values in synthetic().items():
        outcome, found = check_zh(History.from_dict(values), name)
        seen.add(outcome)
        leaks += found
    return seen, leaks


def test_no_english_in_zh_reports_of_samples_and_built_histories():
    seen, leaks = survey(sorted(SAMPLES.iterdir()))
    assert not leaks, leaks[:20]
    assert not i18n.MISSING, sorted(i18n.MISSING)[:20]
    assert {("data_problem", "val_is_train"), ("insufficient_data", "default"), ("non_finite", "default"),
            ("plateau", "chance"), ("learning", "no_val")} <= seen


@pytest.mark.slow
def test_no_english_in_zh_reports_of_every_code_and_variant_on_real_histories():
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this clone")
    files = sorted(SHARED.glob("corpus/*.history.json")) + sorted(SHARED.glob("seeds/ps*.history.json")) + \
        sorted(p for p in SHARED.glob("wild/*") if p.is_file())
    seen, leaks = survey(files)
    assert not leaks, leaks[:20]
    assert not i18n.MISSING, sorted(i18n.MISSING)[:20]
    assert set(outcomes()) <= seen, sorted(set(outcomes()) - seen)


def test_json_gains_only_translated_words():
    h = load_history(str(SAMPLES / "overfitting.json"))
    en, zh = diagnose(h, lang="en").to_dict(), diagnose(h, lang="zh").to_dict()
    words = {("diagnosis", "title"), ("diagnosis", "summary"), ("diagnosis", "fixes"), ("diagnosis", "evidence"),
             ("fixes",), ("notes",)}

    def walk(a, b, path=()):
        if path in words:
            return
        if isinstance(a, dict):
            assert a.keys() == b.keys(), path
            for k in a:
                walk(a[k], b[k], path + (k,))
        else:
            assert a == b, path
    walk(en, zh)
    assert zh["diagnosis"]["code"] == "overfitting" and CJK.search(zh["diagnosis"]["title"])


def test_the_language_in_force_is_restored():
    with language("zh"):
        with language(None):
            assert i18n.current() == "zh"
        with language("en"):
            assert i18n.current() == "en"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        diagnose({"loss": [1, 0.5, 0.3]}, lang="fr")


# -- choosing it ------------------------------------------------------------------------------------

def cli(*args, env=None):
    base = {k: v for k, v in os.environ.items() if k not in ("LOSSDOCTOR_LANG", "LANG", "LC_ALL", "LC_MESSAGES")}
    return subprocess.run([sys.executable, "-m", "lossdoctor", *args], capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=60)


@pytest.mark.parametrize("env, args, zh", [
    ({}, ["--lang", "zh"], True),
    ({"LOSSDOCTOR_LANG": "zh"}, [], True),
    ({"LANG": "zh_CN.UTF-8"}, [], True),
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, [], True),
    ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, [], False),  # LC_ALL decides, as for every program
    ({"LOSSDOCTOR_LANG": "zh"}, ["--lang", "en"], False),
    ({"LANG": "zh_CN.UTF-8", "LOSSDOCTOR_LANG": "en"}, [], False),
    ({}, [], False),
])
def test_the_language_is_chosen_by_option_variable_then_locale(env, args, zh):
    r = cli("diagnose", str(SAMPLES / "still_learning.json"), *args, env=env)
    assert r.returncode == 0, r.stderr
    assert bool(CJK.search(r.stdout)) is zh, r.stdout[:200]


def test_lang_works_on_every_command_and_in_errors(tmp_path):
    r = cli("--lang", "zh", "diagnose", str(SAMPLES))
    assert r.returncode == 0 and "次运行：" in r.stdout and "运行" in r.stdout.splitlines()[0]
    r = cli("report", str(SAMPLES / "diverging.json"), "-o", str(tmp_path / "r.png"), "--markdown",
            str(tmp_path / "r.md"), "--lang", "zh")
    assert r.returncode == 0 and "已写入" in r.stdout, r.stderr
    md = (tmp_path / "r.md").read_text()
    assert "## 怎么办" in md and "| 序列 | 键 | 趋势 |" in md
    r = cli("diagnose", str(tmp_path / "missing.json"), "--lang", "zh")
    assert r.returncode == 2 and r.stderr.startswith("错误：") and "没有这个文件" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("diagnose", str(SAMPLES / "diverging.json"), "--lang", "fr")
    assert r.returncode == 2 and "--lang" in r.stderr


def test_zh_page_and_notebook_panel(tmp_path):
    r = cli("report", str(SAMPLES), "-o", str(tmp_path / "p.html"), "--lang", "zh")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "p.html").read_text()
    assert '<html lang="zh-CN">' in page and "按名称筛选" in page and "最佳损失" in page
    labels = json.loads(re.search(r'id="labels-data">(.*?)</script>', page, re.S).group(1))
    assert labels["fixes"] == "怎么办" and labels["shown"] == "显示 {n} / {total} 次运行"
    d = diagnose(load_history(str(SAMPLES / "data_problem.json")), lang="zh")
    panel = d._repr_html_()
    assert "证据" in panel and "怎么办" in panel and ">Evidence<" not in panel


# -- the callback ---------------------------------------------------------------------------------------

def test_the_keras_callback_speaks_zh_in_a_real_fit(capsys):
    keras = pytest.importorskip("keras")
    from lossdoctor.keras import LossDoctor

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0])).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    cb = LossDoctor(budget=None, lang="zh")
    model.fit(x, y, validation_split=0.25, epochs=10, batch_size=32, verbose=0, callbacks=[cb])
    out = capsys.readouterr().out
    assert "轮次 5：LossDoctor：[learning]" in out and "LossDoctor，训练结束：" in out
    assert CJK.search(cb.diagnosis.title)
    with pytest.raises(ValueError, match="unknown language"):
        LossDoctor(lang="klingon")


# -- the figure ------------------------------------------------------------------------------------------

def figure_texts(fig) -> list[str]:
    out = []
    for ax in fig.axes:
        out += [ax.get_title(loc="left"), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in out if t]


def test_the_figure_in_zh_uses_a_cjk_font_and_draws_every_glyph(tmp_path):
    from lossdoctor.show import plot

    if plot.cjk_font() is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk, as .ci/run does)")
    r = cli("plot", str(SAMPLES / "overfitting.json"), "-o", str(tmp_path / "zh.png"), "--lang", "zh")
    assert r.returncode == 0 and r.stderr == "", r.stderr  # no 'Glyph ... missing' warning, no note
    r = cli("plot", str(SAMPLES / "overfitting.json"), "-o", str(tmp_path / "en.png"))
    assert r.returncode == 0
    import matplotlib.image

    zh, en = matplotlib.image.imread(tmp_path / "zh.png"), matplotlib.image.imread(tmp_path / "en.png")
    assert zh.std() > 0.05 and (zh.shape != en.shape or np.abs(zh - en).mean() > 0.001)
    h = load_history(str(SAMPLES / "overfitting.json"))
    with language("zh"):
        texts = figure_texts(plot.styled_figure(h, diagnose(h)))
    assert sum(bool(CJK.search(t)) for t in texts) >= 5
    d = diagnose(h, lang="zh")
    for text in texts:
        assert not english_left(text, h, d), text


def test_the_figure_falls_back_to_english_with_one_note_without_a_cjk_font(monkeypatch, capsys):
    from lossdoctor.show import plot

    monkeypatch.setattr(plot, "cjk_font", lambda: None)
    monkeypatch.setattr(plot, "_told", set())
    h = load_history(str(SAMPLES / "overfitting.json"))
    d = diagnose(h, lang="zh")
    with language("zh"):
        figs = [plot.styled_figure(h, d) for _ in range(3)]
    err = capsys.readouterr().err
    assert err.count("fonts-noto-cjk") == 1  # said once, not per figure
    for fig in figs:
        texts = figure_texts(fig)
        assert not any(CJK.search(t) for t in texts), texts  # never boxes in place of characters
        assert any("Over-confident" in t for t in texts)  # the verdict, made again in English


def test_help_in_zh():
    r = cli("--lang", "zh", "diagnose", "--help")
    assert r.returncode == 0 and "诊断 FILE 中的训练历史" in r.stdout and "跳过格式识别。" in r.stdout
    r = cli("--help", env={"LOSSDOCTOR_LANG": "zh"})
    assert "画出 FILE 的损失曲线" in r.stdout  # the commands' short help in the group's list
    r = cli("diagnose", "--help")
    assert "Diagnose the training history in FILE" in r.stdout and "Skip format detection." in r.stdout


def test_renderers_write_in_the_diagnosis_language_from_python():
    """`diagnose(h, lang="zh")` then `to_text(d)` or `to_markdown(d)`: the headings are Chinese too,
    and the language in force around the call is left as it was."""
    from lossdoctor.show import render
    from lossdoctor.core.i18n import current

    before = current()
    d = diagnose(load_history(str(SAMPLES / "overfitting.json")), lang="zh")
    text, markdown = render.to_text(d), render.to_markdown(d)
    assert "证据：" in text and "怎么办：" in text and "Evidence:" not in text and "What to do:" not in text
    assert "### 怎么办" in markdown and "What to do" not in markdown
    assert current() == before
    english = diagnose(load_history(str(SAMPLES / "overfitting.json")), lang="en")
    assert "What to do:" in render.to_text(english)
