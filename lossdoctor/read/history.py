"""The in-memory training history that every reader produces and every analysis consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Mapping

import numpy as np

from ..core.safe import printable


@dataclass(frozen=True, eq=False)
class Series:
    """One logged quantity.

    Attributes:
        key: the name as logged (`loss`, `val_loss`, `train_loss_step`, ...).
        x: position of each value on the epoch axis, 1-based as Keras prints epochs.
            A value logged at the end of epoch 3 sits at 3.0; a step-level value
            logged half-way through epoch 3 sits at 2.5.
        y: the values; NaN and inf are kept, they are a finding.
        per_step: True when the values were logged per step (or per batch)
            rather than once per epoch.
        duplicates: how many values the reader dropped because an epoch was logged twice.
    """

    key: str
    x: np.ndarray
    y: np.ndarray
    per_step: bool = False
    duplicates: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", np.asarray(self.x, dtype=float))
        object.__setattr__(self, "y", np.asarray(self.y, dtype=float))

    def __len__(self) -> int:
        return len(self.y)


def epoch_series(key: str, values, every: int = 1) -> Series:
    """Build a once-per-epoch `Series` at epochs `every`, 2 x `every`, ... (1, 2, ... by default).

    None is a value that was not logged and is left out (a missing value is no finding); NaN and
    inf are values that were logged, and are kept.
    """
    values = values if isinstance(values, np.ndarray) else list(values)
    if isinstance(values, list) and any(v is None for v in values):
        x = [every * (i + 1) for i, v in enumerate(values) if v is not None]
        return Series(key, x, [v for v in values if v is not None])
    y = np.asarray(values, dtype=float)
    return Series(key, np.arange(1, len(y) + 1, dtype=float) * every, y)


def evaluation_every(values: Mapping[str, object]) -> dict[str, int]:
    """Validation series logged every k-th epoch only, as Keras' `fit(validation_freq=k)` leaves
    `History.history`: `val_<name>` with len(<name>) // k values. `{key: k}` for each such key."""
    out = {}
    for k, v in values.items():
        twin = values.get(k[4:]) if isinstance(k, str) and k.startswith("val_") else None
        if twin is None:
            continue
        n, m = len(twin), len(v)
        every = n // m if 2 <= m < n else 0
        if every >= 2 and n // every == m:
            out[k] = every
    return out


@dataclass(frozen=True, eq=False)
class History:
    """Every series read from one training log.

    Attributes:
        series: the series by key, in the order they were found.
        source: where the history came from (a path, `<stdin>`, `<callback>`).
        format: the detected format (`keras-json`, `csvlogger`, ...).
        notes: things the reader noticed and the user should know
            (earlier runs skipped, columns renamed, rows dropped).
        x_unit: `epoch`, or `step` for logs that carry steps but no epochs.
        elapsed: wall-clock seconds since training started (since the first logged time, for logs
            that carry clock times rather than durations), at positions on the epoch axis, when
            the log carries times (console epoch durations, W&B `_runtime`, TensorBoard wall
            times, MLflow timestamps, the callbacks' own clock); None when it carries none.
        steps: the training step (global step) logged at positions on the epoch axis, when the
            log carries both (Hugging Face's log_history, Lightning's metrics.csv): what a framework
            that names its checkpoints by step (`checkpoint-<step>`) needs; None otherwise.
        recorded: what the log itself says about the weights kept, JSON-ready:
            `restored_epoch` (Keras' "Restoring model weights from the end of the best epoch: N"),
            `best_checkpoint`, `best_metric`, `best_epoch` (Hugging Face's trainer_state.json).
        roles_unclear: keys that the log gave twice on one line, or on two lines of every epoch,
            with nothing to tell which is the training and which the validation value (a printed
            `loss: 0.5 ... loss: 0.6`; the second is `<key>_2`): never chosen without the user
            naming the series.
    """

    series: Mapping[str, Series]
    source: str = "<memory>"
    format: str = "unknown"
    notes: tuple[str, ...] = field(default_factory=tuple)
    x_unit: str = "epoch"
    elapsed: Series | None = None
    steps: Series | None = None
    recorded: Mapping = field(default_factory=dict)
    roles_unclear: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # key names, the source and the notes come from the log: no control character goes further
        if any(printable(k) != k for k in self.series):
            object.__setattr__(self, "series", {printable(k): Series(printable(k), s.x, s.y, s.per_step, s.duplicates)
                                                for k, s in self.series.items()})
        object.__setattr__(self, "source", printable(self.source))
        object.__setattr__(self, "notes", tuple(printable(n) for n in self.notes))

    @classmethod
    def from_dict(cls, values: Mapping[str, object], source: str = "<memory>",
                  format: str = "dict", notes: tuple[str, ...] = ()) -> History:
        """Build a history from `{key: [value per epoch]}`, as Keras' `History.history`.

        None is a value not logged; a `val_<name>` with len(<name>) // k values is placed at every
        k-th epoch (`fit(validation_freq=k)`).
        """
        every = evaluation_every(values)
        return cls({k: epoch_series(k, v, every.get(k, 1)) for k, v in values.items()}, source, format, notes)

    @property
    def keys(self) -> list[str]:
        return list(self.series)

    @property
    def epochs(self) -> int:
        """The number of epochs covered (the last epoch position, rounded up)."""
        last = [float(np.max(s.x[np.isfinite(s.x)])) for s in self.series.values() if np.isfinite(s.x).any()]
        return int(np.ceil(max(last))) if last else 0

    def __contains__(self, key: str) -> bool:
        return key in self.series

    def __getitem__(self, key: str) -> Series:
        return self.series[key]
