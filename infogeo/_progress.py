"""A one-line progress display on the terminal for the command line: which step of a
derivation runs, and for how long (wall-clock seconds, refreshed by a small thread while
sympy computes)."""

from __future__ import annotations

import threading
import time
from typing import TextIO

__all__ = ["ProgressLine"]


class ProgressLine:
    """``with ProgressLine(sys.stderr, enabled) as show: show("step")``.

    The line is rewritten in place (``\\r``) every ``interval`` seconds and erased on exit,
    so what the command prints afterwards is unchanged. Disabled, it does nothing.
    """

    def __init__(self, stream: TextIO, enabled: bool, interval: float = 0.25) -> None:
        self.stream = stream
        self.enabled = enabled
        self.interval = interval
        self.stage = "starting"
        self.start = time.perf_counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._width = 0
        self._thread: threading.Thread | None = None

    def __call__(self, stage: str) -> None:
        self.stage = stage
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        text = f"infogeo: {self.stage} ({time.perf_counter() - self.start:.1f} s)"
        with self._lock:
            pad = " " * max(self._width - len(text), 0)
            self.stream.write(f"\r{text}{pad}")
            self.stream.flush()
            self._width = len(text)

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self._draw()

    def clear(self) -> None:
        """Erase the line (before printing something else on the terminal)."""
        if self.enabled and self._width:
            with self._lock:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
                self._width = 0

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.clear()
