"""The derivation cache cannot run code, cannot let a wrong answer through, and is only
used in a folder that nobody else can write (issue 11, "The derivation cache executes
what it reads").

Each tampering case writes a record by hand where the pipeline will look for it, then
asks for the derivation again: the answer must be the true one (recomputed), a
:class:`CacheWarning` must say the record was ignored, the canary file that a payload
would create must not exist, and the record must have been rewritten.
"""

from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import pytest
import sympy as sp

from infogeo.errors import CacheWarning, DerivationError, NormalizationError
from infogeo.symbolic import (
    SymbolicFamily,
    amari_chentsov_tensor_result,
    cache,
    catalogue,
    compile_manifold,
    fisher_information,
    fisher_information_result,
)
from infogeo.symbolic import normalization as norm_module
from infogeo.symbolic._serialize import to_tree
from infogeo.symbolic.cache import FORMAT, VERSION, _digest
from infogeo.symbolic.normalization import normalization_key
from infogeo.symbolic.pipeline import record_key


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache folder, empty, with nothing remembered in memory."""
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path / "cache"))
    cache._MEMORY.clear()
    norm_module._VERIFIED.clear()
    yield tmp_path / "cache" / "symbolic"
    cache._MEMORY.clear()
    norm_module._VERIFIED.clear()


def _exponential() -> tuple[SymbolicFamily, sp.Matrix]:
    fam = catalogue.exponential()
    return fam, sp.Matrix([[1 / fam.params[0] ** 2]])  # REFERENCE.md: I = 1/λ²


def _record(key: str, kind: str, body: dict) -> dict:
    return {"format": FORMAT, "version": VERSION, "key": key, "kind": kind, "body": body,
            "digest": _digest(key, kind, body)}


def _derive_with_warning(fam: SymbolicFamily, match: str = "ignored derivation cache"
                         ) -> sp.Matrix:
    cache._MEMORY.clear()
    with pytest.warns(CacheWarning, match=match):
        return fisher_information(fam)


def _valid_body(fam: SymbolicFamily, value: sp.Matrix) -> dict:
    return {"status": "closed", "value": to_tree(value), "strategy": "hessian_free",
            "methods": [], "attempts": [], "check_point": {"lam": 1.5}, "check_error": 0.0}


# ---------------------------------------------------------------------- format
def test_records_are_json_trees_with_key_and_digest(folder: Path) -> None:
    fam, truth = _exponential()
    assert fisher_information(fam) == truth
    record = json.loads((folder / f"{record_key(fam, 'fisher')}.json").read_text())
    assert record["key"] == record_key(fam, "fisher") and record["kind"] == "fisher"
    assert record["digest"] == _digest(record["key"], "fisher", record["body"])
    assert record["body"]["value"][0] == "matrix"  # a tree, no text for sympify
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / f"{record_key(fam, 'fisher')}.json").stat().st_mode) == 0o600


# ---------------------------------------------------------------------- planted code
PLANTED = {
    "old srepr format": lambda canary, key: {
        "value": f"__import__('os').system('touch {canary}')", "strategy": "x",
        "numeric": False, "methods": [], "attempts": [], "check_point": {},
        "check_error": 0.0},
    "function not allowed": lambda canary, key: _record(key, "fisher", {
        "status": "closed", "value": ["matrix", 1, 1, [["fn", "__import__", [
            ["sym", "os", {}]]]]], "strategy": "hessian_free", "methods": [],
        "attempts": [], "check_point": {"lam": 1.0}, "check_error": 0.0}),
    "sympy class that evaluates text": lambda canary, key: _record(key, "fisher", {
        "status": "closed", "value": ["matrix", 1, 1, [["fn", "Function", [
            ["sym", "x", {}]]]]], "strategy": "hessian_free", "methods": [],
        "attempts": [], "check_point": {"lam": 1.0}, "check_error": 0.0}),
    "string where a tree belongs": lambda canary, key: _record(key, "fisher", {
        "status": "closed", "value": f"__import__('os').system('touch {canary}')",
        "strategy": "hessian_free", "methods": [], "attempts": [],
        "check_point": {"lam": 1.0}, "check_error": 0.0}),
    "dunder symbol name": lambda canary, key: _record(key, "fisher", {
        "status": "closed", "value": ["matrix", 1, 1, [["sym", "__class__", {}]]],
        "strategy": "hessian_free", "methods": [], "attempts": [],
        "check_point": {"lam": 1.0}, "check_error": 0.0}),
    "huge power (denial of service)": lambda canary, key: _record(key, "fisher", {
        "status": "closed", "value": ["matrix", 1, 1, [["fn", "Pow", [
            ["int", "9"], ["int", "999999999"]]]]], "strategy": "hessian_free",
        "methods": [], "attempts": [], "check_point": {"lam": 1.0}, "check_error": 0.0}),
    "factorial bomb": lambda canary, key: _record(key, "fisher", {
        "status": "closed", "value": ["matrix", 1, 1, [["fn", "factorial", [
            ["int", "100000000"]]]]], "strategy": "hessian_free", "methods": [],
        "attempts": [], "check_point": {"lam": 1.0}, "check_error": 0.0}),
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_planted_records_never_run_code(case: str, folder: Path, tmp_path: Path) -> None:
    fam, truth = _exponential()
    key = record_key(fam, "fisher")
    canary = tmp_path / "canary"
    folder.mkdir(parents=True, mode=0o700)
    (folder / f"{key}.json").write_text(json.dumps(PLANTED[case](canary, key)))
    assert _derive_with_warning(fam) == truth
    assert not canary.exists()
    rewritten = json.loads((folder / f"{key}.json").read_text())
    assert rewritten["digest"] == _digest(key, "fisher", rewritten["body"])
    cache._MEMORY.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # the rewritten record is accepted
        assert fisher_information(fam) == truth


# ---------------------------------------------------------------------- corrupt records
def _corrupt_cases(fam: SymbolicFamily, truth: sp.Matrix) -> dict[str, bytes]:
    key = record_key(fam, "fisher")
    good = _record(key, "fisher", _valid_body(fam, truth))
    text = json.dumps(good)
    no_digest = {k: v for k, v in good.items() if k != "digest"}
    edited = json.loads(text)
    edited["body"]["value"] = to_tree(sp.Matrix([[2 / fam.params[0] ** 2]]))  # digest kept
    other = catalogue.rayleigh()
    mismatched = _record(record_key(other, "fisher"), "fisher",
                         _valid_body(other, sp.Matrix([[4 / other.params[0] ** 2]])))
    wrong_shape = _record(key, "fisher", {**_valid_body(fam, truth),
                                          "value": to_tree(sp.eye(2))})
    foreign = _record(key, "fisher", {**_valid_body(fam, truth),
                                      "value": to_tree(sp.Matrix([[sp.Symbol("y")]]))})
    not_closed = _record(key, "fisher", {**_valid_body(fam, truth), "value": [
        "matrix", 1, 1, [["fn", "Max", [["int", "1"], ["const", "oo"]]]]]})
    bad_status = _record(key, "fisher", {**_valid_body(fam, truth), "status": "maybe"})
    return {
        "{}": b"{}", "[]": b"[]", "null": b"null", "empty file": b"",
        "truncated": text[: len(text) // 2].encode(),
        "missing keys": json.dumps(no_digest).encode(),
        "edited value, stale digest": json.dumps(edited).encode(),
        "record of another family": json.dumps(mismatched).encode(),
        "wrong shape": json.dumps(wrong_shape).encode(),
        "symbol not of the family": json.dumps(foreign).encode(),
        "not a closed form": json.dumps(not_closed).encode(),
        "unknown status": json.dumps(bad_status).encode(),
        "not utf-8": b"\xff\xfe\x00garbage",
        "nesting bomb": b"[" * 100_000 + b"]" * 100_000,
        "oversize": b" " * (cache.MAX_RECORD_BYTES + 10),
    }


@pytest.mark.parametrize("case", [
    "{}", "[]", "null", "empty file", "truncated", "missing keys",
    "edited value, stale digest", "record of another family", "wrong shape",
    "symbol not of the family", "not a closed form", "unknown status", "not utf-8",
    "nesting bomb", "oversize"])
def test_corrupt_or_mismatched_records_are_ignored_and_rewritten(case: str, folder: Path
                                                                  ) -> None:
    fam, truth = _exponential()
    path = folder / f"{record_key(fam, 'fisher')}.json"
    folder.mkdir(parents=True, mode=0o700)
    path.write_bytes(_corrupt_cases(fam, truth)[case])
    assert _derive_with_warning(fam) == truth
    rewritten = json.loads(path.read_text())
    assert rewritten["key"] == record_key(fam, "fisher")


def test_symlinked_record_is_not_followed(folder: Path, tmp_path: Path) -> None:
    fam, truth = _exponential()
    folder.mkdir(parents=True, mode=0o700)
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    (folder / f"{record_key(fam, 'fisher')}.json").symlink_to(target)
    assert _derive_with_warning(fam, match="unreadable") == truth


def test_planted_normalization_record_cannot_pass_an_unnormalized_density(folder: Path
                                                                          ) -> None:
    """The numeric normalization check always runs; the cache only holds a label."""
    x, lam = sp.Symbol("x", positive=True), sp.Symbol("lam", positive=True)
    fam = SymbolicFamily(-lam * x, [lam], x, (0, sp.oo))  # missing log(lam): mass 1/λ
    folder.mkdir(parents=True, mode=0o700)
    key = normalization_key(fam)
    (folder / f"{key}.json").write_text(json.dumps(
        _record(key, "normalization", {"label": "symbolic"})))
    with pytest.raises(NormalizationError, match="integrates to"):
        fisher_information(fam)


def test_bad_normalization_label_is_ignored(folder: Path) -> None:
    fam, truth = _exponential()
    folder.mkdir(parents=True, mode=0o700)
    key = normalization_key(fam)
    (folder / f"{key}.json").write_text(json.dumps(
        _record(key, "normalization", {"label": "__import__('os')"})))
    assert _derive_with_warning(fam, match="unknown normalization label") == truth


# ---------------------------------------------------------------------- the folder
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_folder_writable_by_others_is_refused(mode: int, folder: Path) -> None:
    fam, truth = _exponential()
    folder.mkdir(parents=True)
    folder.chmod(mode)
    with pytest.warns(CacheWarning, match="writable by group or others"):
        assert fisher_information(fam) == truth
    assert list(folder.iterdir()) == []  # nothing written there


def test_folder_owned_by_another_user_is_refused(folder: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "getuid"):
        pytest.skip("no user ids on this platform")
    fam, truth = _exponential()
    folder.mkdir(parents=True, mode=0o700)
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)  # as seen by another user
    with pytest.warns(CacheWarning, match="owned by another user"):
        assert fisher_information(fam) == truth
    assert list(folder.iterdir()) == []


def test_folder_really_owned_by_another_user(folder: Path) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to give a folder away")
    fam, truth = _exponential()
    folder.mkdir(parents=True, mode=0o700)
    os.chown(folder, 65534, 65534)
    # as root we may read it, but it is not ours: refused
    with pytest.warns(CacheWarning, match="owned by another user"):
        assert fisher_information(fam) == truth
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------------- the switch
def test_cache_false_reaches_every_cache_use(folder: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    monkeypatch.setattr(cache, "load", lambda *a, **k: used.append("load"))
    monkeypatch.setattr(cache, "store", lambda *a, **k: used.append("store"))
    checks: list[int] = []
    real_check = norm_module._numeric_check
    monkeypatch.setattr(norm_module, "_numeric_check",
                        lambda *a: checks.append(1) or real_check(*a))
    fam, truth = _exponential()
    assert fisher_information_result(fam, cache=False).value == truth
    amari_chentsov_tensor_result(fam, cache=False)
    compile_manifold(fam, cache=False)
    assert used == [] and not folder.exists()
    assert len(checks) == 3  # nothing remembered in memory either: checked each time


def test_failures_are_remembered_until_more_time_is_given(folder: Path) -> None:
    b = sp.Symbol("b", positive=True)
    x = sp.Symbol("x", real=True)
    # normalized (the sine part is odd), but no strategy closes its Fisher integrals
    fam = SymbolicFamily(sp.log(b) - b * sp.Abs(x) - sp.log(2)
                         + sp.log(1 + sp.sin(b * x) / 2), [b], x)
    with pytest.raises(DerivationError) as first:
        fisher_information(fam, timeout=1.0)
    assert not first.value.remembered and first.value.attempts
    assert first.value.quantity == "Fisher information" and first.value.budget == 1.0
    with pytest.raises(DerivationError) as second:
        fisher_information(fam, timeout=1.0)
    assert second.value.remembered and second.value.elapsed == 0.0
    assert second.value.attempts == first.value.attempts
    result = fisher_information_result(fam, timeout=1.0, allow_numeric=True, at={b: 1.5})
    assert result.numeric and result.attempts == first.value.attempts
    with pytest.raises(DerivationError) as fresh:
        fisher_information(fam, timeout=1.0, cache=False)
    assert not fresh.value.remembered
    if first.value.timed_out:  # a larger budget tries again
        with pytest.raises(DerivationError) as longer:
            fisher_information(fam, timeout=1.5)
        assert not longer.value.remembered


def test_expression_trees_round_trip_exactly() -> None:
    import pickle

    from infogeo.symbolic import parse_params
    from infogeo.symbolic._serialize import from_tree

    p, = parse_params("p:(0,1)")
    a = sp.Symbol("a", positive=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    values = [
        sp.Matrix([[sp.polygamma(1, a), -1 / a], [1 / (p * (1 - p)),
                                                   ((1 - sp.EulerGamma) ** 2 + sp.pi**2 / 6)]]),
        sp.Array([sp.Float("0.1", 30), sp.Float(-3.5e-300), sp.Float(0.0),
                  sp.besseli(0, a) / sp.besseli(1, a), sp.sqrt(2) * sp.zeta(3)]),
        sp.Piecewise((sp.log(p), sp.Eq(k, 0)), (sp.log(1 - p), True)),
        sp.Rational(-3, 7), -sp.oo, sp.exp(a), sp.I * a,
    ]
    for value in values:
        back = from_tree(json.loads(json.dumps(to_tree(value))))
        assert back == value and type(back) is type(value if not isinstance(
            value, sp.MatrixBase) else sp.ImmutableMatrix(value))
    back = from_tree(to_tree(p))
    assert back == p and back.domain == sp.Interval.open(0, 1)
    assert pickle.loads(pickle.dumps(p)) == p
