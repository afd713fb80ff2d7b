"""The public path of the Keras callback: `lossdoctor.keras` is `lossdoctor.live.keras`, the same module."""

import sys

from .live import keras as _module

sys.modules[__name__] = _module
