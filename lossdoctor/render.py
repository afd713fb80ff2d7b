"""The public path of the text, Markdown and JSON renderers: `lossdoctor.render` is `lossdoctor.show.render`, the same module."""

import sys

from .show import render as _module

sys.modules[__name__] = _module
