"""How every run of a command is read and judged: one value passed from the front ends down."""

from __future__ import annotations

from typing import NamedTuple


class Options(NamedTuple):
    """The choices a user makes for every run (the CLI's --train-key, --val-key, --window,
    --input-format, --horizon, --classes)."""

    train_key: str | None = None
    val_key: str | None = None
    window: float | None = None
    input_format: str | None = None
    horizon: float | None = None
    classes: int | None = None
