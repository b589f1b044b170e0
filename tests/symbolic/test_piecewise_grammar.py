"""The safe grammar's Piecewise and conditions, in process and through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from infogeo.cli import main
from infogeo.symbolic.parsing import parse_density

X = sp.Symbol("x", real=True)
K = sp.Symbol("k", integer=True, nonnegative=True)
P, LAM = sp.Symbol("p", positive=True), sp.Symbol("lam", positive=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("Piecewise((log(p), x < 1), (log(lam), True))",
     sp.Piecewise((sp.log(P), X < 1), (sp.log(LAM), True))),
    ("Piecewise((p, 0 <= x < 1), (lam, x >= 1), (0, True))",
     sp.Piecewise((P, (X >= 0) & (X < 1)), (LAM, X >= 1), (0, True))),
    ("Piecewise((p, (x > 0) & (x <= 1) | Eq(x, 3)), (lam, ~(x == 2)), (0, True))",
     sp.Piecewise((P, ((X > 0) & (X <= 1)) | sp.Eq(X, 3)), (LAM, sp.Ne(X, 2)), (0, True))),
    ("Piecewise((p, Ne(x, 0) and not x > 5), (lam, x != 7 or x > p), (0, True))",
     sp.Piecewise((P, sp.Ne(X, 0) & (X <= 5)), (LAM, sp.Ne(X, 7) | (X > P)), (0, True))),
])
def test_piecewise_densities_parse_to_the_same_sympy_objects(text: str, expected) -> None:
    assert parse_density(text, [P, LAM], X) == expected


@pytest.mark.parametrize(("text", "match"), [
    ("x > 0", "only as conditions"),
    ("Eq(x, p) + lam", "is a condition"),
    ("Piecewise((x, x > 0), (p, 1))", "not a condition"),
    ("Piecewise((x, x > 0, lam), (p, True))", "pair"),
    ("Piecewise(x, (p, True))", "pair"),
    ("Piecewise((x, x > 0), (p, True), evaluate=False)", "keyword"),
    ("Piecewise((x, x.is_positive), (p, True))", "not a condition"),
    ("Piecewise((x, x in p), (lam, True))", "comparison In is not allowed"),
    ("Piecewise((x, log(x)), (lam, True))", "not a condition"),
    ("Piecewise((x, Eq(x)), (lam, True))", "2 positional"),
    ("Piecewise(" + ", ".join(["(x, x > 0)"] * 25) + ")", "1 to 20 pieces"),
    ("Piecewise((x, x > 9**9**9), (p, True))", "too large"),
])
def test_bad_piecewise_text_is_refused_with_a_reason(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_density(text + ("" if "lam" in text else "*lam"), [P, LAM], X)


def test_cli_derives_the_zip_from_a_piecewise_string(
        capsys: pytest.CaptureFixture[str], tmp_path, monkeypatch) -> None:
    """Lambert (1992): I_ww = (1 − e^{−λ})/((1 − w)π₀), π₀ = w + (1 − w)e^{−λ}."""
    monkeypatch.setenv("INFOGEO_CACHE_DIR", str(tmp_path))
    code = main(["fisher", "--logpdf", "Piecewise((log(w + (1-w)*exp(-lam)), Eq(k, 0)), "
                 "(log(1-w) + k*log(lam) - lam - loggamma(k+1), True))", "--params",
                 "w:(0,1) lam>0", "--var", "k", "--support", "0,oo", "--discrete",
                 "--at", "w=0.3 lam=1.5", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    w, lam = 0.3, 1.5
    pi0 = w + (1 - w) * np.exp(-lam)
    assert not data["numeric"]
    assert data["fisher_at"][0][0] == pytest.approx((1 - np.exp(-lam)) / ((1 - w) * pi0),
                                                    rel=1e-12)
    assert data["fisher_at"][0][1] == pytest.approx(-np.exp(-lam) / pi0, rel=1e-12)
