"""One shape for the constructors (issue 13): the vector families take their sample size
as ``sample_dim`` (geomstats' name), required everywhere; the former keywords still work
with a DeprecationWarning and build the same manifold."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from infogeo.manifolds import Categorical, Dirichlet, FixedMeanNormal, MultivariateNormal

#: (class, former keyword, manifold dimension of sample size 3)
FAMILIES = [(Categorical, "n_categories", 2), (Dirichlet, "k", 3),
            (MultivariateNormal, "d", 9), (FixedMeanNormal, "d", 6)]


@pytest.mark.parametrize(("cls", "old", "dim"), FAMILIES)
def test_sample_dim_by_keyword_and_position(cls: type, old: str, dim: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the current spelling warns about nothing
        by_keyword, by_position = cls(sample_dim=3), cls(3)
    for m in (by_keyword, by_position):
        assert m.sample_dim == 3 and m.dim == dim
        assert getattr(m, old) == 3  # the former attribute stays
    assert repr(by_keyword) == repr(by_position) and "sample_dim=3" in repr(by_keyword)


@pytest.mark.parametrize(("cls", "old", "dim"), FAMILIES)
def test_former_keyword_is_deprecated_and_equivalent(cls: type, old: str, dim: int) -> None:
    with pytest.warns(DeprecationWarning, match=f"{cls.__name__}\\({old}=...\\) is deprecated"):
        m = cls(**{old: 3})
    new = cls(sample_dim=3)
    assert repr(m) == repr(new) and m.dim == dim
    theta = new.random_point(np.random.default_rng(0), 2)
    np.testing.assert_array_equal(m.metric_matrix(theta), new.metric_matrix(theta))


@pytest.mark.parametrize(("cls", "old", "dim"), FAMILIES)
def test_bad_sizes_are_refused(cls: type, old: str, dim: int) -> None:
    with pytest.raises(TypeError, match="give the sample size once"):
        cls(3, **{old: 3})
    with pytest.raises(ValueError, match="sample_dim must be a positive integer"):
        cls(sample_dim=0)
    with pytest.raises(ValueError, match="sample_dim must be a positive integer"):
        cls(sample_dim=2.5)
    if cls is not Dirichlet:
        with pytest.raises(TypeError, match="needs sample_dim"):
            cls()


def test_dirichlet_former_default_is_deprecated() -> None:
    with pytest.warns(DeprecationWarning, match="without sample_dim is deprecated"):
        m = Dirichlet()
    assert m.sample_dim == 3


def test_the_warning_points_at_the_caller() -> None:
    with pytest.warns(DeprecationWarning) as record:
        MultivariateNormal(d=2)
    assert record[0].filename == __file__
