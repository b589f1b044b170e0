"""Cache of symbolic derivations: in memory and on disk.

Entries are keyed by a hash of the ``srepr`` of the inputs and the infogeo version (see
:meth:`SymbolicFamily.key`), and stored as JSON with every sympy object written as its
``srepr`` (exact, and readable back with ``sympify``). The directory is
``$INFOGEO_CACHE_DIR`` if set, else ``~/.cache/infogeo``; set ``INFOGEO_CACHE_DIR=off``
(or call :func:`set_cache_enabled(False)`) to disable caching.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import sympy as sp

__all__ = ["cache_dir", "load", "store", "clear_cache", "set_cache_enabled", "cache_disabled",
           "to_text", "from_text"]

_MEMORY: dict[str, dict[str, Any]] = {}
_ENABLED = [True]


def cache_dir() -> Path | None:
    """The on-disk cache directory, or None when disk caching is off."""
    env = os.environ.get("INFOGEO_CACHE_DIR")
    if env is not None and env.strip().lower() in ("", "off", "0", "none"):
        return None
    path = Path(env) if env else Path.home() / ".cache" / "infogeo"
    return path / "symbolic"


def set_cache_enabled(enabled: bool) -> None:
    """Turn the cache (memory and disk) on or off for this process."""
    _ENABLED[0] = bool(enabled)


@contextlib.contextmanager
def cache_disabled() -> Any:
    """Context manager: derive everything afresh inside the block."""
    previous = _ENABLED[0]
    _ENABLED[0] = False
    try:
        yield
    finally:
        _ENABLED[0] = previous


def clear_cache(disk: bool = True) -> None:
    """Forget every cached derivation (also on disk unless ``disk`` is false)."""
    _MEMORY.clear()
    directory = cache_dir()
    if disk and directory is not None and directory.exists():
        for f in directory.glob("*.json"):
            with contextlib.suppress(OSError):
                f.unlink()


def to_text(obj: Any) -> str:
    """Exact text form of a sympy object."""
    return sp.srepr(obj)


def from_text(text: str) -> Any:
    """Inverse of :func:`to_text`."""
    return sp.sympify(text)


def load(key: str) -> dict[str, Any] | None:
    """The record stored under ``key`` (memory first, then disk), or None."""
    if not _ENABLED[0]:
        return None
    if key in _MEMORY:
        return _MEMORY[key]
    directory = cache_dir()
    if directory is None:
        return None
    path = directory / f"{key}.json"
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    _MEMORY[key] = record
    return record


def store(key: str, record: dict[str, Any]) -> None:
    """Store a JSON-serializable record (write to a temp file, then rename: atomic)."""
    if not _ENABLED[0]:
        return
    _MEMORY[key] = record
    directory = cache_dir()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh)
        os.replace(tmp, directory / f"{key}.json")
    except OSError:
        pass  # a read-only home must not break a derivation
