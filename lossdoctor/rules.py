"""The diagnosis rules: facts in, (code, variant) out. Rules are data.

Precedence rules are checked first, in order; then the pair of trends is looked up in
`TREND_TABLE`; a flat training loss then picks its variant from `PLATEAU_RULES`.
Each rule's docstring says what it detects; adding one touches only this module
(and its advice in `advice.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .trend import FALLING, FLAT, RISING, UNKNOWN, Trend


@dataclass(frozen=True, eq=False)
class RuleSettings:
    """Thresholds of the rules.

    Attributes:
        explosion_factor: a loss whose recent level is this many times its best has exploded.
        frozen_spread: a window whose values differ by less than this fraction is frozen.
        converged_progress: a plateau after the loss fell by at least this fraction of its
            start is convergence; less is a model that never learned.
        chance_tolerance: relative distance to ln K that counts as "at chance level".
        max_classes: chance levels ln 2 .. ln max_classes are considered.
        above_best_sigmas, above_best_min: a validation loss whose fitted level now sits above its
            best by this many noise units and by at least this fraction has lost ground...
        above_best_epochs, above_best_share: ...when the best is at least this many epochs and
            this share of the run behind (a best that far back is not a passing dip).
        creep_change, creep_sigmas: a training loss too flat to call falling that still fell by
            this fraction over the window, by this many noise units, is learning slowly.
    """

    explosion_factor: float = 10.0
    frozen_spread: float = 1e-4
    converged_progress: float = 0.15
    chance_tolerance: float = 0.01
    max_classes: int = 10
    above_best_sigmas: float = 3.0
    above_best_min: float = 0.05
    above_best_epochs: float = 2.0
    above_best_share: float = 0.2
    creep_change: float = 0.015
    creep_sigmas: float = 10.0


@dataclass(frozen=True, eq=False)
class Facts:
    """Everything the rules look at, computed once by `diagnose`."""

    train: Trend
    val: Trend | None
    nonfinite: dict            # key -> first non-finite epoch, for series that have one
    exploded: bool             # every loss sits far above its best, and above its start
    explosion: float           # recent level / best, of the training loss
    frozen: bool               # the training loss has not moved at all in the window
    progress: float            # largest fraction a loss fell from its start to the window
    chance_classes: int | None  # K when the loss sits at ln K (and accuracy at 1/K, if logged)
    settings: RuleSettings
    val_stalled: bool = True   # no new best validation loss for a quarter of its window (at least 2 epochs)
    train_above_val: float | None = None  # share of epochs whose training loss is >10% above validation
    val_above_best: float | None = None  # how far the validation loss now sits above its best, in noise units

    @property
    def val_trend(self) -> str | None:
        """The validation trend, None when there is no usable validation series."""
        if self.val is None or self.val.trend == UNKNOWN:
            return None
        return self.val.trend


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    code: str
    variant: str
    test: Callable[[Facts], bool]

    @property
    def doc(self) -> str:
        return (self.test.__doc__ or "").strip()


def non_finite(f: Facts) -> bool:
    """A loss became NaN or inf: training diverged numerically."""
    return bool(f.nonfinite)


def exploded(f: Facts) -> bool:
    """The loss jumped far above its best (10x) and stayed there, even if it now sits flat.

    A loss still climbing steadily is left to the trend table (both rising: `diverging`).
    """
    return f.exploded and f.train.trend != RISING


def insufficient(f: Facts) -> bool:
    """Too few finite training-loss points in the window to call a trend."""
    return f.train.trend == UNKNOWN


def frozen(f: Facts) -> bool:
    """The training loss does not move at all: dead/saturated units or weights blown up early."""
    return f.frozen


def at_chance(f: Facts) -> bool:
    """The loss sits at ln K (0.6931 for two classes): the model predicts the class prior."""
    return f.chance_classes is not None


def converged(f: Facts) -> bool:
    """Flat after the training loss had clearly fallen first: learned what it could."""
    return f.progress >= f.settings.converged_progress and f.val_trend is not None


def train_only(f: Facts) -> bool:
    """Flat training loss, no validation loss to say more."""
    return f.val_trend is None


def never_learned(f: Facts) -> bool:
    """Flat from the start: the loss never fell much, the model is not learning."""
    return True


def val_stalled(f: Facts) -> bool:
    """Validation loss flat and no new best for a while: the model stopped generalising better."""
    return f.val_stalled


def val_lost_ground(f: Facts) -> bool:
    """Both flat now, but the validation loss sits clearly above a best that is well behind.

    The model generalised better earlier and has not come back: overfitting that the last few
    points, taken alone, would hide.
    """
    return f.val_above_best is not None and f.val_above_best >= f.settings.above_best_sigmas


def unsteady(f: Facts) -> bool:
    """A loss moves a lot over the window but too unsteadily to call a trend: oscillating."""
    return any(t is not None and t.reason == "unsteady" for t in (f.train, f.val))


def creeping(f: Facts) -> bool:
    """Flat by size, but falling steadily: a small, sure decline every epoch (learning slowly)."""
    t = f.train
    return (t.reason == "small" and t.relative_change <= -f.settings.creep_change
            and t.z_score <= -f.settings.creep_sigmas)


def val_still_improving(f: Facts) -> bool:
    """Validation loss flat within noise but still reaching new lows: learning, slowly."""
    return True


PRECEDENCE_RULES = (
    Rule("non_finite", "non_finite", "default", non_finite),
    Rule("exploded", "diverging", "exploded", exploded),
    Rule("insufficient", "insufficient_data", "default", insufficient),
)

# (train trend, val trend or None) -> (code, variant); variant None: see PLATEAU_RULES.
TREND_TABLE: dict[tuple[str, str | None], tuple[str, str | None]] = {
    (FALLING, FALLING): ("learning", "default"),
    (FALLING, FLAT): ("overfitting", None),
    (FALLING, RISING): ("overfitting", "val_rising"),
    (FLAT, FALLING): ("data_problem", "default"),
    (FLAT, FLAT): ("plateau", None),
    (FLAT, RISING): ("overfitting", "late"),
    (RISING, RISING): ("diverging", "default"),
    (RISING, FLAT): ("train_rising", "default"),
    (RISING, FALLING): ("train_rising", "default"),
    (FALLING, None): ("learning", "no_val"),
    (FLAT, None): ("plateau", None),
    (RISING, None): ("diverging", "no_val"),
}

PLATEAU_RULES = (
    Rule("plateau:frozen", "plateau", "frozen", frozen),
    Rule("plateau:chance", "plateau", "chance", at_chance),
    Rule("overfitting:val_lost_ground", "overfitting", "val_above_best", val_lost_ground),
    Rule("plateau:unsteady", "plateau", "unstable", unsteady),
    Rule("plateau:converged", "plateau", "converged", converged),
    Rule("plateau:creeping", "plateau", "slow", creeping),
    Rule("plateau:train_only", "plateau", "no_val", train_only),
    Rule("plateau:never_learned", "plateau", "stuck", never_learned),
)


VAL_FLAT_RULES = (
    Rule("overfitting:val_stalled", "overfitting", "val_flat", val_stalled),
    Rule("learning:val_slow", "learning", "val_slow", val_still_improving),
)

# Table cells whose variant (or code) depends on more than the two trends: checked in order.
REFINEMENTS = {"plateau": PLATEAU_RULES, "overfitting": VAL_FLAT_RULES}


def classify(facts: Facts) -> Rule:
    """The rule that decides the diagnosis for these facts."""
    for rule in PRECEDENCE_RULES:
        if rule.test(facts):
            return rule
    code, variant = TREND_TABLE[(facts.train.trend, facts.val_trend)]
    if variant is not None:
        return Rule(f"trend:{facts.train.trend}/{facts.val_trend or 'none'}", code, variant,
                    lambda f: True)
    return next(rule for rule in REFINEMENTS[code] if rule.test(facts))


def chance_classes(level: float, accuracy: float | None, s: RuleSettings) -> int | None:
    """K when `level` is within tolerance of ln K and, if known, `accuracy` is near 1/K."""
    if not math.isfinite(level) or level <= 0:
        return None
    for k in range(2, s.max_classes + 1):
        if abs(level - math.log(k)) <= s.chance_tolerance * math.log(k):
            if accuracy is None or abs(accuracy - 1.0 / k) <= max(0.05, 0.25 / k):
                return k
    return None
