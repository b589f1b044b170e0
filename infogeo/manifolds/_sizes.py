"""The one convention for the size of a family's sample: ``sample_dim``.

The vector families are built from the dimension of their samples, named as in geomstats
(``NormalDistributions(sample_dim)``): ``MultivariateNormal(sample_dim)``,
``FixedMeanNormal(sample_dim)``, ``Dirichlet(sample_dim)`` (α has one entry per
coordinate of the sample) and ``Categorical(sample_dim)`` (a category as a one-hot
vector: the number of categories). It is required everywhere; ``dim`` stays the dimension
of the manifold (the number of coordinates of a point). The keywords used before
(``d``, ``k``, ``n_categories``) still work, with a :class:`DeprecationWarning`.
"""

from __future__ import annotations

import warnings

from .._checks import check_positive_int

__all__ = ["resolve_sample_dim"]


def resolve_sample_dim(owner: str, sample_dim: int | None, minimum: int = 1, *,
                       default: int | None = None, **deprecated: int | None) -> int:
    """``sample_dim`` of ``owner``'s constructor, or the one deprecated keyword given.

    Parameters
    ----------
    owner : str
        Class name, for the messages.
    sample_dim : int or None
        The value given under the current name.
    minimum : int
        Smallest valid size.
    default : int, optional
        A default that used to exist (Dirichlet's 3): taken with a DeprecationWarning.
    **deprecated
        The old keyword and its value (None when not given).

    Raises
    ------
    TypeError
        If no size or two sizes are given.
    ValueError
        If the size is not an integer >= ``minimum``.
    """
    given = {name: value for name, value in deprecated.items() if value is not None}
    name = "sample_dim"
    if given:
        if sample_dim is not None or len(given) > 1:
            raise TypeError(f"{owner}: give the sample size once, as sample_dim, got "
                            f"{['sample_dim'] * (sample_dim is not None) + sorted(given)}")
        ((name, sample_dim),) = given.items()
        warnings.warn(f"{owner}({name}=...) is deprecated; use {owner}(sample_dim=...)",
                      DeprecationWarning, stacklevel=3)
    if sample_dim is None:
        if default is None:
            raise TypeError(f"{owner} needs sample_dim (the dimension of its samples)")
        warnings.warn(f"{owner}() without sample_dim is deprecated (it defaults to "
                      f"{default}); use {owner}(sample_dim={default})", DeprecationWarning,
                      stacklevel=3)
        sample_dim = default
    size = check_positive_int(sample_dim, name)
    if size < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {sample_dim!r}")
    return size
