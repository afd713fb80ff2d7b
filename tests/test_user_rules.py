"""Rules of the user's own: registered in code or loaded by the CLI's --rules, checked, and their errors."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from lossdoctor import History, diagnose
from lossdoctor.core.errors import RuleError
from lossdoctor.rules import outcomes, register_rule, unregister_rule

E = np.arange(1.0, 31.0)
NOISY = History.from_dict({"loss": list(np.exp(-E / 10)),
                           "val_loss": list(np.exp(-E / 12) * np.exp(0.2 * np.random.default_rng(0).standard_normal(30)))})

MODULE = '''
from lossdoctor.rules import register_rule

@register_rule("team:noisy_val", "data_problem", "noisy_val", "The validation loss is too noisy to trust",
               "{val_key} jumps by about {val_noise} from epoch to epoch.",
               ("Use a larger validation set.",))
def noisy_val(facts):
    return facts.val is not None and facts.val.noise > 0.05
'''


@pytest.fixture
def noisy_rule():
    @register_rule("test:noisy", "data_problem", "noisy_val", "Too noisy: {val_key}",
                   "{val_key} moves {val_change}.", ("Use a larger validation set.",))
    def noisy(facts):
        return facts.val is not None and facts.val.noise > 0.05
    yield
    unregister_rule("test:noisy")


def test_a_registered_rule_decides_and_speaks(noisy_rule):
    d = diagnose(NOISY)
    assert (d.code, d.variant, d.rule) == ("data_problem", "noisy_val", "test:noisy")
    assert d.title == "Too noisy: val_loss" and d.fixes == ("Use a larger validation set.",)
    assert ("data_problem", "noisy_val") in outcomes()


def test_after_unregistering_the_built_in_rules_decide_again(noisy_rule):
    unregister_rule("test:noisy")
    assert diagnose(NOISY).rule != "test:noisy"


def test_bad_rules_are_refused_with_what_to_do(noisy_rule):
    with pytest.raises(RuleError, match="unknown code 'overfit'; use one of: non_finite"):
        register_rule("x", "overfit", "v", "t", "s", ())
    with pytest.raises(RuleError, match="already registered"):
        register_rule("test:noisy", "plateau", "v", "t", "s", ())
    with pytest.raises(RuleError, match=r"unknown placeholder\(s\) nope; available: "):
        register_rule("y", "plateau", "v", "t {nope}", "s", ())


def test_a_rule_that_raises_is_one_clear_error():
    @register_rule("test:broken", "plateau", "broken", "t", "s", ())
    def broken(facts):
        raise ZeroDivisionError("oops")
    try:
        with pytest.raises(RuleError, match="your rule 'test:broken' failed"):
            diagnose(NOISY)
    finally:
        unregister_rule("test:broken")


def test_the_command_line_loads_rule_modules(tmp_path):
    (tmp_path / "team_rules.py").write_text(MODULE)
    hist = tmp_path / "h.json"
    hist.write_text(json.dumps({k: NOISY[k].y.tolist() for k in ("loss", "val_loss")}))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = lambda *a, **kw: subprocess.run([sys.executable, "-m", "lossdoctor", *a], capture_output=True,  # noqa: E731
                                          text=True, env={**env, **kw})
    r = run("--rules", "team_rules", "diagnose", str(hist))
    assert r.returncode == 0 and r.stdout.startswith("[data_problem] The validation loss is too noisy to trust")
    r = run("diagnose", str(hist), LOSSDOCTOR_RULES="team_rules")
    assert r.stdout.startswith("[data_problem] The validation loss is too noisy")
    r = run("--rules", "no_such_rules", "diagnose", str(hist))
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "could not import the rules module 'no_such_rules'" in r.stderr and "Traceback" not in r.stderr
