"""The diagnosis rules: facts in, (code, variant) out. Rules are data.

Precedence rules are checked first, in order; then the pair of trends is looked up in
`TREND_TABLE`, whose cells either decide (a code and a variant) or name the refinement rules
that do, checked in order and ending with an explicit `otherwise` rule. Each rule's docstring
says what it detects; adding one touches only this module (and its advice in `advice.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.errors import RuleError
from ..analyse.facts import Facts
from ..core.i18n import t
from ..analyse.trend import FALLING, FLAT, RISING, UNKNOWN


class Rule:
    """A rule: its stable id, the (code, variant) it gives, and the test of the facts it applies to."""

    __slots__ = ("id", "code", "variant", "test")

    def __init__(self, id: str, code: str, variant: str, test: Callable[[Facts], bool]):  # noqa: A002
        self.id, self.code, self.variant, self.test = id, code, variant, test

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


def train_blew_up(f: Facts) -> bool:
    """The training loss is rising, now sits far above its best (10x) and is not coming back down:
    diverging, even if the validation loss has not followed yet (the weights are being wrecked)."""
    s = f.settings
    return (f.train.trend == RISING and f.train_jump >= s.explosion_factor
            and f.train_off_peak >= s.recovered_share)


def val_is_train(f: Facts) -> bool:
    """The validation loss equals the training loss, number for number: it is not a validation loss."""
    return f.signals.val_is_train


def lr_decayed(f: Facts) -> bool:
    """Flat while the logged learning rate has decayed below 1% of its peak: the schedule stopped learning."""
    return f.signals.lr_decayed


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


def otherwise(f: Facts) -> bool:
    """The catch-all of a refinement list: none of the rules before it applied."""
    return True


def never_generalised(f: Facts) -> bool:
    """The validation accuracy sat at chance (1/K) for the whole run while the training loss fell:
    the model memorised and never generalised; no checkpoint can fix that, whatever the trends."""
    return (f.metric is not None and f.metric.chance_classes is not None
            and f.progress >= f.settings.converged_progress)


def overconfident(f: Facts) -> bool:
    """The validation loss is past its best, but the validation metric kept improving after it:
    the model is over-confident on its mistakes, not worse; keep the metric's best checkpoint."""
    return f.val_stalled and f.metric is not None and f.metric.better_after_loss_best


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


PRECEDENCE_RULES = (
    Rule("non_finite", "non_finite", "default", non_finite),
    Rule("exploded", "diverging", "exploded", exploded),
    Rule("insufficient", "insufficient_data", "default", insufficient),
    Rule("data_problem:val_is_train", "data_problem", "val_is_train", val_is_train),
    Rule("overfitting:never_generalised", "overfitting", "never_generalised", never_generalised),
)

PLATEAU_RULES = (
    Rule("plateau:frozen", "plateau", "frozen", frozen),
    Rule("plateau:chance", "plateau", "chance", at_chance),
    Rule("overfitting:val_lost_ground", "overfitting", "val_above_best", val_lost_ground),
    Rule("plateau:unsteady", "plateau", "unstable", unsteady),
    Rule("plateau:lr_decayed", "plateau", "lr_decayed", lr_decayed),
    Rule("plateau:converged", "plateau", "converged", converged),
    Rule("plateau:creeping", "plateau", "slow", creeping),
    Rule("plateau:train_only", "plateau", "no_val", train_only),
    Rule("plateau:never_learned", "plateau", "stuck", otherwise),
)

VAL_RISING_RULES = (
    Rule("overfitting:overconfident_rising", "overfitting", "overconfident", overconfident),
    Rule("overfitting:val_rising", "overfitting", "val_rising", otherwise),
)

TRAIN_RISING_RULES = (
    Rule("diverging:train_blew_up", "diverging", "train_blew_up", train_blew_up),
    Rule("train_rising:default", "train_rising", "default", otherwise),
)

VAL_FLAT_RULES = (
    Rule("overfitting:overconfident", "overfitting", "overconfident", overconfident),
    Rule("overfitting:val_stalled", "overfitting", "val_flat", val_stalled),
    # flat without a long stall yet: validation stopped improving, the start of overfitting (the
    # documented case: train falling, val flat). The live callback confirms it before acting.
    Rule("overfitting:val_stopped", "overfitting", "val_stopped", otherwise),
)


class Cell:
    """One cell of the trend table: a decided (code, variant), or the refinement rules that decide."""

    __slots__ = ("code", "variant", "refine")

    def __init__(self, code: str, variant: str | None = None, refine: tuple = ()):
        self.code, self.variant, self.refine = code, variant, refine


# (train trend, val trend or None) -> the cell
TREND_TABLE: dict[tuple[str, str | None], Cell] = {
    (FALLING, FALLING): Cell("learning", "default"),
    (FALLING, FLAT): Cell("overfitting", refine=VAL_FLAT_RULES),
    (FALLING, RISING): Cell("overfitting", refine=VAL_RISING_RULES),
    (FLAT, FALLING): Cell("data_problem", "default"),
    (FLAT, FLAT): Cell("plateau", refine=PLATEAU_RULES),
    (FLAT, RISING): Cell("overfitting", "late"),
    (RISING, RISING): Cell("diverging", "default"),
    (RISING, FLAT): Cell("train_rising", refine=TRAIN_RISING_RULES),
    (RISING, FALLING): Cell("train_rising", refine=TRAIN_RISING_RULES),
    (FALLING, None): Cell("learning", "no_val"),
    (FLAT, None): Cell("plateau", refine=PLATEAU_RULES),
    (RISING, None): Cell("diverging", "no_val"),
}


def trend_code(train: str, val: str | None) -> str:
    """The code of a pair of trend readings in the table (a phase of the timeline); `learning` for
    a pair it has no cell for."""
    cell = TREND_TABLE.get((train, val))
    return cell.code if cell else "learning"


# Rules of the user's own (`register_rule`), checked after the precedence rules, before the table.
USER_RULES: list[Rule] = []


def register_rule(id: str, code: str, variant: str, title: str, summary: str, fixes: tuple[str, ...]):  # noqa: A002
    """Add a rule of your own: a decorator for a function `facts -> bool`.

    Example:
        @register_rule("team:tiny_val", "data_problem", "tiny_val", "The validation set is too small",
                       "{val_key} moves by {val_change} ...", ("Use at least 1,000 validation samples.",))
        def tiny_val(facts):
            return facts.val is not None and facts.val.noise > 0.2

    `code` is one of the diagnosis codes (so --fail-on, stop_on and the batch order work as
    usual); `variant` names your case; the title, summary and fixes may use the placeholders of
    the built-in advice ({train_key}, {val_key}, {train_change}, {best_epoch}, {api_stop_best}, ...).
    Rules are checked in the order they were registered, after the NaN/explosion checks and
    before the trend table. Raises `RuleError` on an unknown code, a taken id or an unknown
    placeholder.
    """
    from ..words.advice import ADVICE, Advice  # noqa: PLC0415
    from .codes import NAMES  # noqa: PLC0415

    if code not in NAMES:
        raise RuleError(t("rule {id}: unknown code {code}; use one of: {codes}", id=repr(id), code=repr(code),
                          codes=", ".join(NAMES)))
    if any(r.id == id for r in (*PRECEDENCE_RULES, *USER_RULES)):
        raise RuleError(t("rule {id} is already registered; pick another id", id=repr(id)))
    if (code, variant) in outcomes() - {(r.code, r.variant) for r in USER_RULES}:
        raise RuleError(t("rule {id}: {code}/{variant} is one of lossdoctor's own outcomes, with its own advice; name "
                          "your case with a variant of its own", id=repr(id), code=code, variant=variant))
    _check_placeholders(id, (title, summary, *fixes))

    def add(test: Callable[[Facts], bool]) -> Callable[[Facts], bool]:
        ADVICE[(code, variant)] = Advice(title, summary, tuple(fixes))
        USER_RULES.append(Rule(id, code, variant, test))
        return test
    return add


def unregister_rule(id: str) -> None:  # noqa: A002
    """Remove a rule added with `register_rule`, and its advice (nothing happens if there is none)."""
    from ..words.advice import ADVICE  # noqa: PLC0415

    gone = [r for r in USER_RULES if r.id == id]
    USER_RULES[:] = [r for r in USER_RULES if r.id != id]
    builtin = outcomes() - {(r.code, r.variant) for r in USER_RULES}
    for r in gone:
        if (r.code, r.variant) not in builtin and all((u.code, u.variant) != (r.code, r.variant) for u in USER_RULES):
            ADVICE.pop((r.code, r.variant), None)


def load_rule_modules(names) -> None:
    """Import the modules that register rules of your own (the CLI's --rules, LOSSDOCTOR_RULES)."""
    import importlib  # noqa: PLC0415

    for name in names:
        try:
            importlib.import_module(name)
        except RuleError:
            raise
        except Exception as err:
            raise RuleError(t("could not import the rules module {name} ({error}); check it is on PYTHONPATH and "
                              "imports cleanly", name=repr(name), error=f"{type(err).__name__}: {err}")) from None


def _check_placeholders(id: str, templates) -> None:  # noqa: A002
    """Every `{...}` of a rule's texts is a plain `{name}` the advice knows: no format spec, no
    conversion, no attribute or index, no positional `{}`, no lone brace (each of which could fail,
    or allocate without bound, when the text is filled)."""
    import string  # noqa: PLC0415

    from ..read.history import History  # noqa: PLC0415
    from ..words import context  # noqa: PLC0415

    from ..analyse.facts import compute_facts  # noqa: PLC0415
    sample = compute_facts(History.from_dict({"loss": [1.0, 0.8, 0.7, 0.65, 0.6], "val_loss": [1.1, 0.9, 0.8, 0.8, 0.82]}))
    known = set(context(sample))
    for template in templates:
        if not isinstance(template, str):
            raise RuleError(t("rule {id}: its title, summary and fixes must be text, not {type}", id=repr(id),
                              type=type(template).__name__))
        try:
            fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template)
                      if name is not None]
        except ValueError as err:
            raise RuleError(t("rule {id}: {template} is not a valid template ({error}); write placeholders as "
                              "{{name}} and a literal brace as {{{{ or }}}}", id=repr(id), template=repr(template[:80]),
                              error=err)) from None
        odd = [name for name, spec, conv in fields if spec or conv or not name.isidentifier()]
        if odd:
            raise RuleError(t("rule {id}: placeholder {field} is not a plain {{name}}: format specs, conversions, "
                              "attributes, indexes and positional {{}} are not allowed", id=repr(id),
                              field=repr("{" + odd[0] + "}" if odd[0] else "{}")))
        unknown = {name for name, _, _ in fields} - known
        if unknown:
            raise RuleError(t("rule {id}: unknown placeholder(s) {names}; available: {known}", id=repr(id),
                              names=", ".join(sorted(unknown)), known=", ".join(sorted(known))))


RULE_SECONDS = 2.0  # the longest a rule of your own may take on one history


def _user_test(rule: Rule, facts: Facts) -> bool:
    """A rule of the user's own, asked and answered as True or False, within `RULE_SECONDS`.

    Raises:
        RuleError: it raised, answered with something that is not True or False (a numpy array,
            an object whose truth cannot be told), or took longer than `RULE_SECONDS`.
    """
    from ..core.deadline import within  # noqa: PLC0415

    late = lambda: RuleError(t("your rule {id} took longer than {seconds} s on one history; make it faster or "  # noqa: E731
                                "remove it", id=repr(rule.id), seconds=f"{RULE_SECONDS:g}"))
    with within(RULE_SECONDS, late):
        try:
            hit = rule.test(facts)
            if hasattr(hit, "shape") and getattr(hit, "shape", ()) != ():
                raise TypeError(f"it returned an array of shape {hit.shape}, not True or False")
            return bool(hit)
        except RuleError:
            raise
        except Exception as err:
            raise RuleError(t("your rule {id} failed ({error}); fix or remove it", id=repr(rule.id),
                              error=f"{type(err).__name__}: {err}")) from None


def classify(facts: Facts) -> Rule:
    """The rule that decides the diagnosis for these facts."""
    for rule in PRECEDENCE_RULES:
        if rule.test(facts):
            return rule
    for rule in USER_RULES:
        if _user_test(rule, facts):
            return rule
    cell = TREND_TABLE[(facts.train.trend, facts.val_trend)]
    if not cell.refine:
        return Rule(f"trend:{facts.train.trend}/{facts.val_trend or 'none'}", cell.code, cell.variant, otherwise)
    return next(rule for rule in cell.refine if rule.test(facts))


def outcomes() -> set[tuple[str, str]]:
    """Every (code, variant) a rule can produce."""
    rules = [*PRECEDENCE_RULES, *PLATEAU_RULES, *VAL_FLAT_RULES, *VAL_RISING_RULES, *TRAIN_RISING_RULES]
    out = {(r.code, r.variant) for r in rules}
    out |= {(r.code, r.variant) for r in USER_RULES}
    return out | {(c.code, c.variant) for c in TREND_TABLE.values() if not c.refine}
