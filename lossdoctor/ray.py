"""The public path of the Ray Tune stopper: `lossdoctor.ray` is `lossdoctor.live.ray`, the same module."""

import sys

from .live import ray as _module

sys.modules[__name__] = _module
