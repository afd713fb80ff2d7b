"""The diagnosis codes: one table from which the batch order, `Diagnosis.ok`, the CLI's code list
and the figure colours are derived."""

from __future__ import annotations


class Code:
    """A diagnosis code (a plain class: a dataclass costs start-up time on every CLI run).

    Attributes:
        name: the stable code (JSON, `--fail-on`, `stop_on`).
        healthy: the run is fine as it is (still learning; a plateau only when `converged`).
        colour: the figure colour of its panels (Okabe-Ito, readable with colour-vision deficiencies).
    """

    __slots__ = ("name", "healthy", "colour")

    def __init__(self, name: str, healthy: bool, colour: str):
        self.name, self.healthy, self.colour = name, healthy, colour


# most urgent first: the order of the batch table
CODES: tuple[Code, ...] = (
    Code("non_finite", False, "#CC0000"),
    Code("diverging", False, "#CC0000"),
    Code("train_rising", False, "#CC79A7"),
    Code("overfitting", False, "#D55E00"),
    Code("data_problem", False, "#E69F00"),
    Code("plateau", False, "#0072B2"),
    Code("insufficient_data", False, "#999999"),
    Code("learning", True, "#009E73"),
)
BY_NAME = {c.name: c for c in CODES}
NAMES = tuple(c.name for c in CODES)
HEALTHY_VARIANTS = {("plateau", "converged")}
# what a live callback stops on unless told otherwise: a run that can no longer recover
DEFAULT_STOP_ON = ("non_finite", "diverging")
# verdicts the live callback confirms with this many more diagnoses in a row than `confirm` (and
# never announces on the first diagnosis): a flat validation loss beside a falling training loss
# is the start of overfitting, and also how a run that still learns slowly looks for a few epochs
LIVE_EXTRA_CONFIRM = {("overfitting", "val_stopped"): 3}


def severity(code: str | None) -> int:
    """Rank in the batch order (0 most urgent); unknown codes and errors sort last."""
    return NAMES.index(code) if code in BY_NAME else len(NAMES)


def is_healthy(code: str, variant: str) -> bool:
    """True for the healthy outcomes: still learning, or converged."""
    return BY_NAME[code].healthy or (code, variant) in HEALTHY_VARIANTS


def colour(code: str) -> str:
    return BY_NAME[code].colour if code in BY_NAME else "#999999"
