"""Cache of symbolic derivations: in memory and on disk, safe to read.

Records live in ``$INFOGEO_CACHE_DIR/symbolic`` (default ``~/.cache/infogeo/symbolic``);
``INFOGEO_CACHE_DIR=off``, :func:`set_cache_enabled(False) <set_cache_enabled>`,
:func:`cache_disabled` or a ``cache=False`` argument turn caching off.

A disk record is JSON::

    {"format": "infogeo.symbolic.cache", "version": 1, "key": ..., "kind": ...,
     "body": {...}, "digest": sha256 of the canonical JSON of key, kind and body}

Expressions in the body are JSON trees (:mod:`._serialize`), rebuilt from an allow-list
of sympy classes: reading a record cannot execute code. A record is used only if it
parses, is not too large, answers the key it is filed under, matches its digest and
passes the caller's validation; otherwise it is ignored with a
:class:`~infogeo.errors.CacheWarning`, deleted, recomputed and rewritten.

The folder is created with mode 0700. A folder owned by another user, or writable by
group or others, is refused (with a warning): derivations then run without the disk
cache, since whoever can write there could plant records.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from ..errors import CacheWarning

__all__ = ["cache_dir", "usable_cache_dir", "load", "store", "forget", "clear_cache",
           "set_cache_enabled", "cache_disabled", "enabled"]

T = TypeVar("T")
FORMAT = "infogeo.symbolic.cache"
VERSION = 1
MAX_RECORD_BYTES = 2_000_000
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,120}$")

_MEMORY: dict[str, tuple[str, Any]] = {}
_ENABLED = [True]
_WARNED: set[str] = set()


def enabled() -> bool:
    """Whether caching is on for this process (see :func:`set_cache_enabled`)."""
    return _ENABLED[0]


def cache_dir() -> Path | None:
    """The configured on-disk cache directory, or None when disk caching is off."""
    env = os.environ.get("INFOGEO_CACHE_DIR")
    if env is not None and env.strip().lower() in ("", "off", "0", "none"):
        return None
    path = Path(env) if env else Path.home() / ".cache" / "infogeo"
    return path / "symbolic"


def set_cache_enabled(enabled: bool) -> None:
    """Turn the cache (memory and disk) on or off for this process."""
    _ENABLED[0] = bool(enabled)


@contextlib.contextmanager
def cache_disabled() -> Iterator[None]:
    """Context manager: derive everything afresh inside the block."""
    previous = _ENABLED[0]
    _ENABLED[0] = False
    try:
        yield
    finally:
        _ENABLED[0] = previous


def _warn(message: str, once: bool = False) -> None:
    if once and message in _WARNED:
        return
    _WARNED.add(message)
    warnings.warn(message, CacheWarning, stacklevel=3)


def _unsafe_reason(st: os.stat_result) -> str | None:
    if not stat.S_ISDIR(st.st_mode):
        return "it is not a directory"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"it is owned by another user (uid {st.st_uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"it is writable by group or others (mode {stat.S_IMODE(st.st_mode):#o})"
    return None


def usable_cache_dir(create: bool = False) -> Path | None:
    """The cache directory if it is safe to use (created with mode 0700 if ``create``).

    Returns None, with a :class:`~infogeo.errors.CacheWarning`, when the folder is owned
    by another user or writable by group or others.
    """
    directory = cache_dir()
    if directory is None:
        return None
    try:
        if create:
            for folder in (directory.parent, directory):
                if not folder.exists():
                    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(directory)
    except OSError:
        return None  # missing (nothing to read) or not creatable: no disk cache
    reason = _unsafe_reason(st)
    if reason is not None:
        _warn(f"infogeo: not using the derivation cache folder {directory}: {reason}; "
              "derivations run without the disk cache (fix with: chmod 700 on a folder "
              "you own, or set INFOGEO_CACHE_DIR)", once=True)
        return None
    return directory


def _digest(key: str, kind: str, body: Any) -> str:
    canonical = json.dumps({"key": key, "kind": kind, "body": body}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _read(path: Path) -> Any:
    """The JSON of a record file: a regular file we own, opened without following links."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise ValueError(f"owned by another user (uid {st.st_uid})")
        data = fh.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise ValueError(f"larger than {MAX_RECORD_BYTES} bytes")
    return json.loads(data.decode("utf-8"))


def _body(record: Any, key: str, kind: str) -> dict[str, Any]:
    """The body of a well-formed record for (key, kind); ValueError otherwise."""
    if not isinstance(record, dict):
        raise ValueError(f"not a record (a JSON {type(record).__name__})")
    fields = {"format", "version", "key", "kind", "body", "digest"}
    if set(record) != fields:
        missing, extra = fields - set(record), set(record) - fields
        raise ValueError(f"malformed record (missing {sorted(missing)}, unexpected "
                         f"{sorted(extra)})")
    if record["format"] != FORMAT or record["version"] != VERSION:
        raise ValueError(f"unknown format {record['format']!r} version {record['version']!r}")
    if record["key"] != key or record["kind"] != kind:
        raise ValueError(f"it answers another question (key {str(record['key'])[:40]!r}, "
                         f"kind {str(record['kind'])[:20]!r})")
    if not isinstance(record["body"], dict):
        raise ValueError("malformed body")
    if record["digest"] != _digest(key, kind, record["body"]):
        raise ValueError("its digest does not match its content (corrupt or edited)")
    return record["body"]


def load(key: str, kind: str, decode: Callable[[dict[str, Any]], T]) -> T | None:
    """The value stored under ``key`` (memory first, then disk), or None.

    ``decode`` turns a record body into the value and raises ``ValueError``,
    ``TypeError`` or ``KeyError`` if the body does not validate; such a record is ignored
    with a :class:`~infogeo.errors.CacheWarning` and deleted.
    """
    if not _ENABLED[0]:
        return None
    if not _KEY.match(key):
        raise ValueError(f"key must be letters, digits, '-' or '_', got {key!r}")
    if key in _MEMORY and _MEMORY[key][0] == kind:
        return _MEMORY[key][1]
    directory = usable_cache_dir()
    if directory is None:
        return None
    path = directory / f"{key}.json"
    try:
        record = _read(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as err:
        _reject(path, f"unreadable ({type(err).__name__}: {str(err)[:80]})")
        return None
    try:
        value = decode(_body(record, key, kind))
    except (ValueError, TypeError, KeyError, IndexError, RecursionError) as err:
        _reject(path, str(err)[:160] or type(err).__name__)
        return None
    _MEMORY[key] = (kind, value)
    return value


def _reject(path: Path, reason: str) -> None:
    _warn(f"infogeo: ignored derivation cache record {path}: {reason}; recomputing")
    with contextlib.suppress(OSError):
        path.unlink()
    return None


def store(key: str, kind: str, body: dict[str, Any] | None, value: Any) -> None:
    """Remember ``value`` in memory, and write ``body`` (JSON-serializable) to disk.

    ``body=None`` keeps the value in memory only. Writing goes to a temporary file
    renamed into place (atomic); a read-only or refused folder never breaks a derivation.
    """
    if not _ENABLED[0]:
        return
    if not _KEY.match(key):
        raise ValueError(f"key must be letters, digits, '-' or '_', got {key!r}")
    _MEMORY[key] = (kind, value)
    if body is None:
        return
    directory = usable_cache_dir(create=True)
    if directory is None:
        return
    record = {"format": FORMAT, "version": VERSION, "key": key, "kind": kind,
              "body": body, "digest": _digest(key, kind, body)}
    try:
        text = json.dumps(record)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")  # mode 0600
    except (OSError, TypeError, ValueError):
        return
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, directory / f"{key}.json")
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def forget(key: str) -> None:
    """Drop one record (memory and disk)."""
    _MEMORY.pop(key, None)
    directory = usable_cache_dir()
    if directory is not None and _KEY.match(key):
        with contextlib.suppress(OSError):
            (directory / f"{key}.json").unlink()


def clear_cache(disk: bool = True) -> None:
    """Forget every cached derivation (also on disk unless ``disk`` is false)."""
    _MEMORY.clear()
    directory = usable_cache_dir() if disk else None
    if directory is not None:
        for f in directory.glob("*.json"):
            with contextlib.suppress(OSError):
                f.unlink()
