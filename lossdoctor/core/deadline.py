"""A wall-clock limit on a piece of work that may not end by itself (a rule of the user's own, a
tracking server that never stops answering): SIGALRM in the main thread, the error of the
caller's choice when it fires. Elsewhere (another thread, a platform without SIGALRM) no limit."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


class within:
    """`with within(2.0, lambda: RuleError(...)):` raises that error if the block runs longer."""

    def __init__(self, seconds: float, error: Callable[[], BaseException]):
        self.seconds, self.error, self.previous = seconds, error, None
        self.expired = False  # set when the limit fired (a library may wrap the error in one of its own)

    def __enter__(self):
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            if signal.getitimer(signal.ITIMER_REAL)[0] == 0:  # never shorten or replace an outer limit
                self.previous = signal.signal(signal.SIGALRM, self._expired)
                signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def _expired(self, signum, frame):
        self.expired = True
        raise self.error()

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False
