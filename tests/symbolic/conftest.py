"""Shared fixtures: derivations are served from a per-session cache directory.

The first derivation of a family in a session is cold (its strategies and numeric
cross-check run); later requests in the same session are served from memory. The disk
cache goes to a temporary directory so a stale user cache can never hide a regression.
"""

from __future__ import annotations

import os
import tempfile

import pytest

_SESSION_DIR = tempfile.mkdtemp(prefix="infogeo-symbolic-tests-")
os.environ["INFOGEO_CACHE_DIR"] = _SESSION_DIR


@pytest.fixture(scope="session")
def fisher_of():
    """fisher_of(name) -> (family, DerivationResult), derived once per session."""
    from infogeo.symbolic import catalogue, fisher_information_result

    memo: dict[str, tuple] = {}

    def get(name: str, **kwargs):
        key = (name, tuple(sorted(kwargs.items())))
        if key not in memo:
            fam = catalogue.get(name, **kwargs)
            memo[key] = (fam, fisher_information_result(fam))
        return memo[key]

    return get
