"""The public path of the Optuna pruner and study reader: `lossdoctor.optuna` is `lossdoctor.live.optuna`, the same module."""

import sys

from .live import optuna as _module

sys.modules[__name__] = _module
