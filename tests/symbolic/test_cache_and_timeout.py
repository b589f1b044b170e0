"""Derivation cache (memory and disk) and the time-limit mechanism."""

from __future__ import annotations

import signal
import time

import pytest
import sympy as sp

from infogeo.symbolic import cache, catalogue, fisher_information_result, normalization
from infogeo.symbolic._timeout import DerivationTimeout, time_limit
from infogeo.symbolic.geometry import alpha_christoffel_symbols


def test_disk_cache_serves_a_warm_derivation(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path))
    # an earlier test in the session (e.g. the estimators' compiled twins) may hold this
    # derivation in memory, which would serve it without writing to the new disk cache
    cache._MEMORY.clear()
    normalization._VERIFIED.clear()
    fam = catalogue.exponential()  # declaring stores nothing

    def stored() -> int:
        return len(list((tmp_path / "symbolic").glob("*.json")))

    assert stored() == 0
    with cache.cache_disabled():
        cold = fisher_information_result(fam)
    assert stored() == 0
    first = fisher_information_result(fam)
    assert stored() == 1  # the Fisher matrix (the normalization check is numeric only)
    assert oct((tmp_path / "symbolic").stat().st_mode & 0o777) == "0o700"
    cache._MEMORY.clear()  # force a read from disk
    warm = fisher_information_result(fam)
    assert warm.value == cold.value == first.value == sp.Matrix([[1 / fam.params[0] ** 2]])
    assert warm.strategy == cold.strategy and warm.seconds == 0.0
    cache.clear_cache()
    assert stored() == 0


def test_cache_key_depends_on_the_density() -> None:
    assert catalogue.normal().key() != catalogue.normal_mean_variance().key()
    assert catalogue.normal().key() == catalogue.normal().key()


def test_time_limit_interrupts_and_nests() -> None:
    start = time.perf_counter()
    with pytest.raises(DerivationTimeout):
        with time_limit(0.2):
            while True:
                sum(range(1000))
    assert time.perf_counter() - start < 2.0
    with time_limit(5.0):  # an inner limit expiring leaves the outer one working
        with pytest.raises(DerivationTimeout):
            with time_limit(0.1):
                while True:
                    sum(range(1000))
        assert sum(range(10)) == 45


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers")
def test_no_timer_outlives_its_blocks() -> None:
    """Leaving limits in every way (normal exit, own timeout, an expired enclosing limit
    interrupting the inner block's exit) leaves no timer armed and the handler restored;
    a late tick outside any block interrupts nothing (it once killed the test process:
    "Profiling timer expired", or raised inside pytest's own code)."""
    before = signal.getsignal(signal.SIGPROF)
    for inner in (0.05, 0.02, 5.0):
        with pytest.raises(DerivationTimeout):
            with time_limit(0.03):
                try:
                    with time_limit(inner):
                        while True:
                            sum(range(1000))
                except DerivationTimeout:
                    while True:  # the outer limit has expired too: its ticks repeat
                        sum(range(1000))
        assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
        assert signal.getsignal(signal.SIGPROF) is before
    from infogeo.symbolic import _timeout

    _timeout._handler(signal.SIGPROF, None)  # a stray tick: no exception, timer disarmed
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_alpha_connection_from_a_family() -> None:
    fam = catalogue.exponential()
    (rate,) = fam.params
    # Γ^(α)λ_λλ = Γ^(0) − (α/2) g⁻¹ T = −1/λ + (α/2)·λ²·2/λ³ = (α − 1)/λ
    a = sp.Symbol("alpha", real=True)
    gamma = alpha_christoffel_symbols(fam, a)
    assert sp.simplify(gamma[0, 0, 0] - (a - 1) / rate) == 0
