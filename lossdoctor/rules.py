"""The public path of rules of your own (`register_rule`): `lossdoctor.rules` is `lossdoctor.judge.rules`, the same module."""

import sys

from .judge import rules as _module

sys.modules[__name__] = _module
