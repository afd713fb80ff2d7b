"""Every rule, tested on facts built directly; every outcome complete; the README's table true."""

import string

import pytest

from conftest import ROOT
from lossdoctor.words.advice import ADVICE
from lossdoctor.judge.codes import BY_NAME, NAMES, colour, is_healthy, severity
from lossdoctor.analyse.facts import Facts, RuleSettings
from lossdoctor.analyse.metric import MetricReading
from lossdoctor.analyse.signals import Signals
from lossdoctor.rules import (PLATEAU_RULES, PRECEDENCE_RULES, TRAIN_RISING_RULES, TREND_TABLE, VAL_FLAT_RULES,
                              VAL_RISING_RULES, classify, outcomes)
from lossdoctor.analyse.trend import Trend
from lossdoctor.words import context


def trend(kind="flat", reason=None, change=0.0, z=0.0, noise=0.01, key="loss", level=1.0, fit=20):
    reason = reason or {"falling": "moving", "rising": "moving", "flat": "small", "unknown": "too_few"}[kind]
    end = level * (1 + change)
    return Trend(key, kind, change / 10, change / 10, change / 10, change, 0.5, level, 10, 11.0, 20.0, reason,
                 level, end, noise, z, 1.0, fit)


def metric(better=False, chance=None):
    return MetricReading("val_accuracy", True, 18.0, 0.9, 0.8, 0.88, 0.01, better, chance)


def facts(train="flat", val="flat", **kw):
    t = kw.pop("train_trend", None) or trend(train)
    v = kw.pop("val_trend", None) or (trend(val, key="val_loss") if val else None)
    base = dict(train=t, val=v, train_key="loss", val_key="val_loss" if v else None, window=(11.0, 20.0),
                best_key="val_loss" if v else "loss", best_epoch=15.0, best_value=0.9, since_best=5.0,
                best_train=0.8, progress=0.5, val_stalled=True)
    base.update(kw)
    return Facts(**base)


CASES = [
    ("non_finite", facts(nonfinite={"loss": 7.0})),
    ("exploded", facts(exploded=True, explosion=30.0)),
    ("insufficient", facts(train="unknown")),
    ("trend:falling/falling", facts("falling", "falling")),
    ("overfitting:val_rising", facts("falling", "rising")),
    ("overfitting:overconfident_rising", facts("falling", "rising", metric=metric(better=True))),
    ("overfitting:overconfident", facts("falling", "flat", val_stalled=True, metric=metric(better=True))),
    ("overfitting:never_generalised", facts("flat", "flat", metric=metric(chance=2))),
    ("trend:flat/falling", facts("flat", "falling")),
    ("trend:flat/rising", facts("flat", "rising")),
    ("trend:rising/rising", facts("rising", "rising")),
    ("train_rising:default", facts("rising", "flat")),
    ("diverging:train_blew_up", facts("rising", "flat", train_jump=30.0, train_off_peak=0.9)),
    ("trend:falling/none", facts("falling", None)),
    ("trend:rising/none", facts("rising", None)),
    ("overfitting:val_stalled", facts("falling", "flat", val_stalled=True)),
    ("overfitting:val_stopped", facts("falling", "flat", val_stalled=False)),
    ("plateau:frozen", facts(frozen=True)),
    ("plateau:chance", facts(chance_classes=2)),
    ("plateau:lr_decayed", facts(signals=Signals(lr_key="lr", lr_now=1e-7, lr_peak=1e-3, lr_decayed=True))),
    ("data_problem:val_is_train", facts("falling", "falling", signals=Signals(val_is_train=True))),
    ("overfitting:val_lost_ground", facts(val_above_best=4.0)),
    ("plateau:unsteady", facts(train_trend=trend("flat", "unsteady", change=0.3, z=1.2))),
    ("plateau:converged", facts(progress=0.6)),
    ("plateau:creeping", facts(progress=0.05, train_trend=trend("flat", "small", change=-0.02, z=-30))),
    ("plateau:train_only", facts(val=None, progress=0.05)),
    ("plateau:never_learned", facts(progress=0.05)),
]


@pytest.mark.parametrize("rule_id,f", CASES, ids=[c[0] for c in CASES])
def test_each_rule_decides_its_facts(rule_id, f):
    assert classify(f).id == rule_id


def test_every_rule_is_tested_here():
    named = {r.id for r in (*PRECEDENCE_RULES, *PLATEAU_RULES, *VAL_FLAT_RULES, *VAL_RISING_RULES,
                            *TRAIN_RISING_RULES)}
    named |= {f"trend:{t}/{v or 'none'}" for (t, v), cell in TREND_TABLE.items() if not cell.refine}
    assert named == {rule_id for rule_id, _ in CASES}


def test_rules_near_their_thresholds():
    s = RuleSettings()
    lost = facts(val_above_best=s.above_best_sigmas - 0.01)
    assert classify(lost).id != "overfitting:val_lost_ground"
    creeping = facts(progress=0.05, train_trend=trend("flat", "small", change=-s.creep_change / 2, z=-30))
    assert classify(creeping).id == "plateau:never_learned"
    assert classify(facts(progress=s.converged_progress)).id == "plateau:converged"
    jumped = dict(train_jump=s.explosion_factor, train_off_peak=s.recovered_share)
    assert classify(facts("rising", "falling", **jumped)).id == "diverging:train_blew_up"
    below = dict(train_jump=s.explosion_factor * 0.99, train_off_peak=1.0)
    assert classify(facts("rising", "flat", **below)).id == "train_rising:default"
    recovering = dict(train_jump=50.0, train_off_peak=s.recovered_share * 0.9)
    assert classify(facts("rising", "flat", **recovering)).id == "train_rising:default"


def test_every_outcome_has_advice_a_severity_a_colour_and_every_placeholder():
    ctx = context(facts())
    for code, variant in outcomes():
        assert (code, variant) in ADVICE, (code, variant)
        assert code in BY_NAME and severity(code) < len(NAMES) and colour(code).startswith("#")
        is_healthy(code, variant)
        advice = ADVICE[(code, variant)]
        for text in (advice.title, advice.summary, *advice.fixes):
            for _, name, _, _ in string.Formatter().parse(text):
                assert name is None or name in ctx, (code, variant, name)
    assert set(ADVICE) <= outcomes(), set(ADVICE) - outcomes()  # no advice for what cannot happen


def test_every_rule_says_what_it_detects():
    for rule in (*PRECEDENCE_RULES, *PLATEAU_RULES, *VAL_FLAT_RULES):
        assert rule.doc, rule.id


def test_readme_names_every_code_and_variant():
    readme = (ROOT / "README.md").read_text()
    for code, variant in outcomes():
        assert f"`{code}`" in readme, code
        if variant not in ("default", "no_val"):
            assert f"`{variant}`" in readme, (code, variant)
    rows = {tuple(c.strip() for c in line.strip().strip("|").split("|")[:4])
            for line in readme.splitlines() if line.startswith("| ")}
    for (t, v), cell in TREND_TABLE.items():
        val = v or "none logged"
        if cell.refine:  # a row for each code its refinements give (plateau variants: the list below it)
            for rule in cell.refine:
                assert any(r[0] == t and r[2] == f"`{rule.code}`" for r in rows), (t, v, rule.id)
        else:
            assert (t, val, f"`{cell.code}`", f"`{cell.variant}`") in rows, (t, v)
