"""Stage 7, live: diagnosis while training runs. `core` is the framework-free `LiveDoctor` (and
its `CallbackOptions`, declared once); `keras`, `lightning` and `huggingface` are thin callbacks
over it, `optuna` and `ray` prune or stop a sweep's trials on the same judgement. A framework is
imported only when its adapter is used.

May import: every stage below (`core` ... `run`).
"""

from .core import CallbackOptions, LiveDoctor, Verdict

__all__ = ["CallbackOptions", "LiveDoctor", "Verdict"]
