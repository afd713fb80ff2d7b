"""The public path of the Lightning callback: `lossdoctor.lightning` is `lossdoctor.live.lightning`, the same module."""

import sys

from .live import lightning as _module

sys.modules[__name__] = _module
