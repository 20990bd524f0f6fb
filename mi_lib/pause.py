"""A pause that training time does not count: ``kill -TSTP`` (or Ctrl-Z) stops a training process while the machine is
needed for something else, and the stopped span is kept apart from the epoch's wall time.

Why: :func:`mi_lib.training.train` records each epoch's wall time, which the pages' timing tables and the long tier's
campaign cost read. A process stopped with ``SIGSTOP`` cannot tell it was stopped, so that pause counts as training
time; ``SIGTSTP`` can be caught, so :class:`PauseClock` notes the time, stops the process itself, and on ``SIGCONT``
adds the stopped span to :attr:`PauseClock.paused_s`."""

from __future__ import annotations

import os
import signal
import threading
import time


class PauseClock:
    """While entered (``with PauseClock() as clock:``), ``SIGTSTP`` stops this process and the seconds it stayed
    stopped accumulate in ``paused_s``. Where the signal cannot be caught (not the main thread, or no ``SIGTSTP`` on
    this platform) it does nothing and ``paused_s`` stays 0; the previous handler is restored on exit."""

    def __init__(self) -> None:
        self.paused_s = 0.0
        self._previous = None
        self._installed = False

    def _stop(self, signum, frame) -> None:
        stopped = time.perf_counter()
        os.kill(os.getpid(), signal.SIGSTOP)  # returns once SIGCONT resumes the process
        self.paused_s += time.perf_counter() - stopped

    def __enter__(self) -> PauseClock:
        if hasattr(signal, "SIGTSTP") and threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTSTP, self._stop)
            self._installed = True
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:
            # None: the previous handler was not set from Python; the default (stop) is the closest we can restore
            signal.signal(signal.SIGTSTP, signal.SIG_DFL if self._previous is None else self._previous)
            self._installed = False
