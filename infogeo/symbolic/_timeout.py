"""Time limits for sympy calls.

sympy is pure Python and cannot be interrupted from another thread, so a limit is enforced
with ``SIGALRM`` (``signal.setitimer``) when called from the main thread of a POSIX
process: the handler raises :class:`DerivationTimeout` between two bytecodes of whatever
sympy is doing. Limits nest (the earliest deadline wins). Outside the main thread, or on
platforms without ``SIGALRM``, the call simply runs without a limit.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

__all__ = ["DerivationTimeout", "time_limit"]

_deadlines: list[float] = []


class DerivationTimeout(BaseException):
    """A sympy call ran past its time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) because sympy catches ``Exception``
    in places and would otherwise swallow the interruption.
    """


def _handler(signum: int, frame: object) -> None:
    raise DerivationTimeout("time limit reached")


def _supported() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _arm() -> None:
    if _deadlines:
        remaining = max(min(_deadlines) - time.monotonic(), 1e-4)
        # repeat every 0.1 s after the deadline, in case the first exception is swallowed
        signal.setitimer(signal.ITIMER_REAL, remaining, 0.1)
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DerivationTimeout` inside the block after ``seconds`` (None: no limit).

    If an enclosing limit expires while this block runs, the exception raised here is
    caught by whoever handles this block's timeout; the enclosing alarm is then re-armed
    for (at least) a moment later, so the enclosing block still stops.
    """
    if seconds is None or not _supported():
        yield
        return
    previous = signal.getsignal(signal.SIGALRM)
    if previous is not _handler:
        signal.signal(signal.SIGALRM, _handler)
    deadline = time.monotonic() + seconds
    _deadlines.append(deadline)
    try:
        _arm()
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _deadlines.remove(deadline)
        _arm()
        if not _deadlines and previous is not _handler:
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
