r"""Streaming central moments, merged chunk by chunk in bounded memory.

Chunks are reduced on their own and merged with the pairwise updates of Chan, Golub &
LeVeque (1979) and Pébay (2008), which are stable for any number of chunks (no
:math:`E[x^2] - E[x]^2` cancellation). For two parts A and B with
:math:`n = n_A + n_B` and :math:`\delta = \bar x_B - \bar x_A`:

.. math::

    M_2 &= M_{2,A} + M_{2,B} + \delta^2 \frac{n_A n_B}{n}\\
    M_3 &= M_{3,A} + M_{3,B} + \delta^3 \frac{n_A n_B (n_A - n_B)}{n^2}
          + 3\delta\,\frac{n_A M_{2,B} - n_B M_{2,A}}{n}\\
    M_4 &= M_{4,A} + M_{4,B} + \delta^4 \frac{n_A n_B (n_A^2 - n_A n_B + n_B^2)}{n^3}
          + 6\delta^2\,\frac{n_A^2 M_{2,B} + n_B^2 M_{2,A}}{n^2}
          + 4\delta\,\frac{n_A M_{3,B} - n_B M_{3,A}}{n}

with :math:`M_p = \sum_k (x_k - \bar x)^p` (P. Pébay, "Formulas for robust, one-pass
parallel computation of covariances and arbitrary-order statistical moments", Sandia
report SAND2008-6212). The co-moment :math:`C = \sum_k (a_k - \bar a)(b_k - \bar b)`
merges as :math:`C = C_A + C_B + \delta_a\delta_b\, n_A n_B / n`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["StreamingMoments", "StreamingCoMoment"]


class StreamingMoments:
    """Running mean and central moment sums over the leading axis of chunks.

    Parameters
    ----------
    order : {2, 4}
        Highest central moment kept. Order 4 adds :attr:`m3`, :attr:`m4` and with them
        :meth:`tail_ess`, the diagnostic of how many draws the variance rests on.

    Attributes
    ----------
    n : int
    mean, m2, m3, m4 : ndarray or None
        :math:`\\bar x` and :math:`M_p = \\sum_k (x_k - \\bar x)^p` (``None`` before the
        first chunk; ``m3``/``m4`` only with ``order=4``).
    """

    def __init__(self, order: int = 2) -> None:
        if order not in (2, 4):
            raise ValueError(f"order must be 2 or 4, got {order!r}")
        self.order = order
        self.n = 0
        self.mean: NDArray | None = None
        self.m2: NDArray | None = None
        self.m3: NDArray | None = None
        self.m4: NDArray | None = None

    def update(self, chunk: NDArray) -> None:
        """Merge the samples ``chunk[k]`` (leading axis) into the running moments."""
        nb = chunk.shape[0]
        if nb == 0:
            return
        shape = chunk.shape[1:]
        # samples along the last, contiguous axis: the reductions run 2-3x faster than
        # along the first axis of a tall, narrow array
        dev = np.array(np.reshape(chunk, (nb, -1)).T, dtype=float, order="C")
        mean_b = dev.mean(axis=1)
        dev -= mean_b[:, None]
        dev2 = dev * dev
        m2 = dev2.sum(axis=1).reshape(shape)
        if self.order == 2:
            self.merge(nb, mean_b.reshape(shape), m2)
            return
        self.merge(nb, mean_b.reshape(shape), m2,
                   np.einsum("ij,ij->i", dev2, dev).reshape(shape),
                   np.einsum("ij,ij->i", dev2, dev2).reshape(shape))

    def merge(self, nb: int, mean_b: NDArray, m2_b: NDArray, m3_b: NDArray | None = None,
              m4_b: NDArray | None = None) -> None:
        """Merge precomputed moments of ``nb`` samples (``m3_b``, ``m4_b`` for order 4)."""
        if nb == 0:
            return
        if self.order == 4 and (m3_b is None or m4_b is None):
            raise ValueError("an order-4 accumulator needs m3_b and m4_b")
        if self.mean is None or self.m2 is None:
            self.n, self.mean, self.m2 = nb, np.array(mean_b, dtype=float), np.array(m2_b)
            if self.order == 4:
                self.m3, self.m4 = np.array(m3_b), np.array(m4_b)
            return
        na, n = self.n, self.n + nb
        delta = mean_b - self.mean
        if self.order == 4:
            assert self.m3 is not None and self.m4 is not None
            assert m3_b is not None and m4_b is not None  # checked above
            m2_a, m3_a = self.m2, self.m3
            self.m4 = (self.m4 + m4_b
                       + delta**4 * (na * nb * (na * na - na * nb + nb * nb) / n**3)
                       + 6.0 * delta**2 * (na * na * m2_b + nb * nb * m2_a) / n**2
                       + 4.0 * delta * (na * m3_b - nb * m3_a) / n)
            self.m3 = (m3_a + m3_b + delta**3 * (na * nb * (na - nb) / n**2)
                       + 3.0 * delta * (na * m2_b - nb * m2_a) / n)
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + m2_b + delta**2 * (na * nb / n)
        self.n = n

    def _require(self) -> NDArray:
        if self.m2 is None:
            raise ValueError("no samples were accumulated")
        return self.m2

    def variance(self) -> NDArray:
        """Sample variance :math:`M_2 / (n - 1)` (``inf`` with one sample: unknown)."""
        m2 = self._require()
        if self.n < 2:
            return np.full_like(m2, np.inf)
        return m2 / (self.n - 1)

    def stderr(self) -> NDArray:
        """Standard error of the mean, :math:`\\sqrt{M_2 / (n (n - 1))}`; ``inf`` with one
        sample (a single draw says nothing about the spread)."""
        return np.sqrt(self.variance() / self.n)

    def tail_ess(self) -> NDArray:
        r"""Effective number of draws behind the variance, :math:`M_2^2 / M_4 = n/\hat\kappa`.

        Kish's effective sample size of the squared deviations: ``n`` divided by the
        sample kurtosis :math:`\hat\kappa = n M_4 / M_2^2`. Near 1 when one draw carries
        the whole variance (a rare event, an infinite-variance tail); then the standard
        error rests on that draw and cannot be trusted. ``inf`` where the draws do not
        vary.
        """
        m2 = self._require()
        if self.m4 is None:
            raise ValueError("tail_ess needs an accumulator of order 4")
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.m4 > 0, m2 * m2 / np.where(self.m4 > 0, self.m4, 1.0),
                            np.inf)


class StreamingCoMoment:
    """Running co-moment :math:`C = \\sum_k (a_k - \\bar a)(b_k - \\bar b)` of two
    equally shaped streams (leading axis: samples)."""

    def __init__(self) -> None:
        self.n = 0
        self.mean_a: NDArray | None = None
        self.mean_b: NDArray | None = None
        self.c: NDArray | None = None

    def update(self, a: NDArray, b: NDArray) -> None:
        """Merge the paired samples ``a[k]``, ``b[k]``."""
        nb = a.shape[0]
        if nb == 0:
            return
        ma, mb = a.mean(axis=0), b.mean(axis=0)
        cb = ((a - ma) * (b - mb)).sum(axis=0)
        if self.c is None or self.mean_a is None or self.mean_b is None:
            self.n, self.mean_a, self.mean_b, self.c = nb, ma, mb, cb
            return
        n = self.n + nb
        da, db = ma - self.mean_a, mb - self.mean_b
        self.c = self.c + cb + da * db * (self.n * nb / n)
        self.mean_a = self.mean_a + da * (nb / n)
        self.mean_b = self.mean_b + db * (nb / n)
        self.n = n

    def covariance(self) -> NDArray:
        """Sample covariance :math:`C / (n - 1)`."""
        if self.c is None:
            raise ValueError("no samples were accumulated")
        return self.c / max(self.n - 1, 1)
