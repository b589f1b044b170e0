"""Skip marks for the tests that need the optional geomstats extra."""

from __future__ import annotations

import pytest

from infogeo.interop import import_geomstats

try:
    import_geomstats()
except ImportError as err:
    HAVE_GEOMSTATS, REASON = False, (
        f"needs the optional geomstats extra (numpy < 2.4), not importable here: {err}. "
        "Run: PYTHONPATH=. /work/venv-gs/bin/python -m pytest tests/interop")
else:
    HAVE_GEOMSTATS, REASON = True, ""

#: module-level ``pytestmark`` of a geomstats test module
GEOMSTATS_MARKS = [pytest.mark.geomstats, pytest.mark.skipif(not HAVE_GEOMSTATS, reason=REASON)]

_SKIP = pytest.mark.skipif(not HAVE_GEOMSTATS, reason=REASON or "geomstats importable")


def geomstats_test(func):  # noqa: ANN001, ANN201 - a test-function decorator
    """Mark one test as needing geomstats (``geomstats`` marker, skipped with a reason)."""
    return pytest.mark.geomstats(_SKIP(func))
