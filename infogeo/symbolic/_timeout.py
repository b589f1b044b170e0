"""Time limits and budgets for sympy calls.

sympy is pure Python and cannot be interrupted from another thread, so a limit is enforced
with a profiling timer (``signal.setitimer(ITIMER_PROF)``) when called from the main thread
of a POSIX process: the handler raises :class:`DerivationTimeout` between two bytecodes of
whatever sympy is doing. Limits nest (the earliest deadline wins). Outside the main thread,
or on platforms without ``setitimer``, the call simply runs without a limit.

Limits count **processor time** of this process (``time.process_time``), not wall-clock
time: on an idle machine the two agree, and on a busy one a derivation does not fail, nor
a failure get remembered, because other programs took the processor.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator

__all__ = ["DerivationTimeout", "time_limit", "Budget", "clock", "outer_limit_expired"]

_deadlines: list[float] = []
_SIGNAL = getattr(signal, "SIGPROF", None)
_TIMER = getattr(signal, "ITIMER_PROF", None)


def clock() -> float:
    """The clock that limits and budgets count in: processor seconds of this process."""
    return time.process_time()


class DerivationTimeout(BaseException):
    """A sympy call ran past its time limit.

    A ``BaseException`` (like ``KeyboardInterrupt``) because sympy catches ``Exception``
    in places and would otherwise swallow the interruption.
    """


def _handler(signum: int, frame: object) -> None:
    # raise only inside a block whose deadline has passed: a tick that arrives late (the
    # timer repeats, and a signal can be pending while a block is being left) must not
    # interrupt unrelated code, it only re-arms or disarms the timer
    if _deadlines and clock() >= min(_deadlines):
        raise DerivationTimeout("time limit reached")
    _arm()


def _supported() -> bool:
    return (_TIMER is not None and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread())


def _arm() -> None:
    assert _TIMER is not None  # _supported() was checked by the caller
    if _deadlines:
        remaining = max(min(_deadlines) - clock(), 1e-4)
        # repeat every 0.1 s after the deadline, in case the first exception is swallowed
        signal.setitimer(_TIMER, remaining, 0.1)
    else:
        signal.setitimer(_TIMER, 0)


def _leave(deadline: float, previous: object) -> None:
    """Undo what entering a block did (idempotent: it may be re-run if a tick of an
    enclosing, expired limit interrupts it)."""
    assert _SIGNAL is not None and _TIMER is not None  # _supported()
    if deadline in _deadlines:
        _deadlines.remove(deadline)
    _arm()
    if not _deadlines and previous is not _handler:
        signal.setitimer(_TIMER, 0)  # never leave a timer running under another handler
        signal.signal(_SIGNAL, previous if previous is not None  # type: ignore[arg-type]
                      else signal.SIG_DFL)


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DerivationTimeout` inside the block after ``seconds`` (None: no limit).

    If an enclosing limit expires while this block runs, the exception raised here is
    caught by whoever handles this block's timeout; the enclosing alarm is then re-armed
    for (at least) a moment later, so the enclosing block still stops.
    """
    if seconds is not None and seconds <= 0:
        raise DerivationTimeout("time limit reached")
    if seconds is None or not _supported():
        yield
        return
    assert _SIGNAL is not None and _TIMER is not None  # _supported()
    previous = signal.getsignal(_SIGNAL)
    if previous is not _handler:
        signal.signal(_SIGNAL, _handler)
    deadline = clock() + seconds
    _deadlines.append(deadline)
    try:
        _arm()
        yield
    finally:
        # the cleanup must complete: a tick of an expired enclosing limit may interrupt
        # it (the enclosing limit's timer repeats, so that limit still stops later)
        for _ in range(100):
            try:
                _leave(deadline, previous)
                break
            except DerivationTimeout:
                continue


def outer_limit_expired() -> bool:
    """Whether an enclosing limit has run out.

    Code that catches :class:`DerivationTimeout` from its own short limit (to try
    something else) must re-raise it when this is true: the time of the whole block is up.
    """
    return bool(_deadlines) and clock() >= min(_deadlines)


class Budget:
    """A total time budget shared by several steps (``None``: unlimited).

    >>> budget = Budget(10.0)
    >>> with budget.limit(2.0):   # this step gets at most 2 s of the remaining budget
    ...     pass
    """

    def __init__(self, seconds: float | None) -> None:
        if seconds is not None and not seconds > 0:
            raise ValueError(f"timeout must be > 0 seconds (or None), got {seconds!r}")
        self.seconds = seconds
        self.start = clock()

    @property
    def elapsed(self) -> float:
        return clock() - self.start

    def remaining(self) -> float:
        """Seconds left (``inf`` without a budget)."""
        if self.seconds is None:
            return float("inf")
        return max(self.seconds - self.elapsed, 0.0)

    def exhausted(self) -> bool:
        return self.remaining() <= 0.0

    def limit(self, cap: float | None = None) -> contextlib.AbstractContextManager[None]:
        """A :func:`time_limit` of ``min(cap, remaining)`` seconds."""
        left = self.remaining()
        seconds = min(left, cap) if cap is not None else left
        return time_limit(None if seconds == float("inf") else seconds)
