"""The public path of the Hugging Face `Trainer` callback: `lossdoctor.huggingface` is
`lossdoctor.live.huggingface`, the same module."""

import sys

from .live import huggingface as _module

sys.modules[__name__] = _module
