"""Linear operators for the solvers: wrapping (:func:`as_operator`), checked products
(:func:`apply`), norms (:func:`operator_norm`)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.linalg import eigvalsh_tridiagonal
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from convops import float_dtype
from convops._validation import as_float_array, check_int, check_real

from ._linalg import exponent, inner, ldexp, norm

__all__ = ["as_operator", "operator_norm"]

#: Failure probability of the randomised upper bound of :func:`operator_norm`.
FAILURE_PROBABILITY = 1e-6


def as_operator(A) -> LinearOperator:
    """Wrap any supported linear map as a scipy ``LinearOperator``.

    Parameters
    ----------
    A : LinearOperator, pylops operator, sparse array or matrix, or ndarray
        A scipy ``LinearOperator`` is returned unchanged, a 2-D ndarray or sparse array/matrix wrapped by
        ``aslinearoperator``, and any object with ``shape``, ``dtype``, ``matvec`` and ``rmatvec`` (a pylops
        operator) by those two methods.

    Returns
    -------
    scipy.sparse.linalg.LinearOperator
        An operator with ``matvec`` (``A x``) and ``rmatvec`` (``A^H y``).

    Raises
    ------
    TypeError
        For any other type, or a non-numeric array.
    ValueError
        For an ndarray that is not 2-D, or a matrix (dense or sparse) with non-finite entries.

    Examples
    --------
    >>> import numpy as np
    >>> op = as_operator(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> op.rmatvec(np.array([1.0, 1.0]))
    array([4., 6.])
    """
    if isinstance(A, LinearOperator):
        return A
    if sp.issparse(A) or isinstance(A, np.ndarray):
        float_dtype(A.dtype)
        if A.ndim != 2:
            raise ValueError(f"A must be a 2-D array (a matrix), got an array of shape {A.shape}")
        bad = np.count_nonzero(~np.isfinite(A.data if sp.issparse(A) else A))
        if bad:
            raise ValueError(f"A contains {bad} non-finite value(s) (NaN or inf); all must be finite")
        return aslinearoperator(A)
    if all(hasattr(A, name) for name in ("shape", "dtype", "matvec", "rmatvec")):
        return LinearOperator(shape=tuple(A.shape), dtype=np.dtype(A.dtype), matvec=A.matvec,
                              rmatvec=A.rmatvec)
    raise TypeError(f"A of type {type(A).__module__}.{type(A).__qualname__} is not supported; allowed: a "
                    "scipy LinearOperator, a pylops operator (shape, dtype, matvec, rmatvec), a scipy sparse "
                    "array/matrix or a 2-D numpy array")


def operator_dtype(op) -> np.dtype:
    """The working dtype of an operator (float64 when it declares none)."""
    return float_dtype(op.dtype if op.dtype is not None else np.float64)


def apply(fn, v, dtype, name: str = "A") -> np.ndarray:
    """``fn(v)`` as a 1-D array of the working dtype; ``ValueError`` (naming the operator
    `name`) when it has non-finite entries and `v` has none."""
    out = fn(v)
    if not (type(out) is np.ndarray and out.ndim == 1 and out.dtype == dtype):
        out = np.asarray(out).reshape(-1).astype(dtype, copy=False)
    if not math.isfinite(abs(np.add.reduce(out))) and np.all(np.isfinite(v)):
        bad = np.count_nonzero(~np.isfinite(out))
        if bad:
            raise ValueError(f"the operator {name} returned {bad} non-finite value(s) (NaN or inf) "
                             "for a finite input; check its entries or its matvec/rmatvec")
    return out


def as_vector(v, size: int, name: str, dtype, against: str) -> np.ndarray:
    """Flatten `v` (row-major) to a finite vector of `size` entries."""
    arr = as_float_array(v, name, dtype=dtype)
    if arr.size != size:
        raise ValueError(f"{name} has shape {arr.shape} ({arr.size} entries) but {against}")
    return arr.ravel()


def problem_data(A, b, x0=None):
    """Operator, working dtype, data vector and start vector (or None):
    `b` needs ``A.shape[0]`` finite entries and `x0` ``A.shape[1]``."""
    op = as_operator(A)
    b_arr = np.asarray(b)
    x0_arr = None if x0 is None else np.asarray(x0)
    dtype = float_dtype(operator_dtype(op), b_arr, *(() if x0_arr is None else (x0_arr,)))
    m, n = op.shape
    b_vec = as_vector(b_arr, m, "b", dtype, f"A has shape {op.shape} and needs {m} entries")
    x_vec = None if x0_arr is None else as_vector(
        x0_arr, n, "x0", dtype, f"A has shape {op.shape} and needs {n} entries")
    return op, dtype, b_vec, x_vec


def residual_and_gradient(op, b, x, reg, dtype):
    """``r = A x - b`` and ``g = A^H r + reg x`` (one product with each)."""
    r = apply(op.matvec, x, dtype) - b
    return r, apply(op.rmatvec, r, dtype) + reg * x


class Iterate(NamedTuple):
    """One iterate with its bookkeeping; its arrays are never modified later."""

    x: np.ndarray
    r: np.ndarray  # the residual A x - b of the method's system
    objective: float
    residual_norm: float
    gradient_norm: float


def least_squares_iterate(x, r, g, reg, gnorm=None) -> Iterate:
    """Bookkeeping of ``0.5 ||r||^2 + 0.5 reg ||x||^2`` from ``x``,
    ``r = A x - b`` and the gradient ``g`` (whose norm may be known)."""
    rnorm = norm(r)
    objective = 0.5 * rnorm * rnorm  # inf, not OverflowError, beyond the range
    if reg:
        objective += 0.5 * reg * (xnorm := norm(x)) * xnorm
    return Iterate(x, r, objective, rnorm, norm(g) if gnorm is None else gnorm)


# -- operator norm ------------------------------------------------------------
#: Most Lanczos steps :func:`operator_norm` takes.
MAX_LANCZOS_STEPS = 1000


def _lanczos(op, dtype, steps: int, tol: float | None, rng) -> tuple[float, bool, int]:
    """Largest Ritz value of ``A^H A / 4**e`` (Lanczos), whether the Krylov space became invariant, and `e`:
    each product is scaled by ``2**-e`` (``||A v_0|| ~ 2**e``), so that A^H A neither over- nor underflows."""
    gen = np.random.default_rng(rng)
    n = op.shape[1]
    v = gen.standard_normal(n) + (1j * gen.standard_normal(n) if dtype.kind == "c" else 0)
    v, v_prev, beta, e = (v / norm(v)).astype(dtype), 0.0, 0.0, None
    alphas, betas, theta = [], [], 0.0
    for j in range(steps):
        w = apply(op.matvec, v, dtype)
        e = exponent(w) if e is None else e
        w = ldexp(apply(op.rmatvec, ldexp(w, -e), dtype), -e)
        alphas.append(float(np.real(inner(v, w))))
        previous, theta = theta, float(eigvalsh_tridiagonal(
            np.array(alphas), np.array(betas), select="i", select_range=(j, j))[0]) if j else alphas[0]
        w -= alphas[-1] * v
        w -= beta * v_prev
        beta = norm(w)
        if beta == 0.0 or (tol is not None and j and abs(theta - previous) <= tol * theta):
            break
        betas.append(beta)
        v_prev, v = v, w / beta
    return max(theta, 0.0), beta == 0.0, e or 0


def operator_norm(A, *, maxiter=100, tol=1e-6, rng=None, upper=False,
                  failure_probability=FAILURE_PROBABILITY) -> float:
    r"""The spectral norm :math:`\|A\|_2` by Lanczos on :math:`A^H A`: a lower estimate or an upper bound.

    Parameters
    ----------
    A : LinearOperator, pylops operator, sparse array or matrix, or ndarray
        The linear map (see :func:`as_operator`).
    maxiter : int, optional
        Maximum number of Lanczos steps, from 1 (2 with `upper`) to 1000.
    tol : float, optional
        Estimate: stop when successive estimates of :math:`\|A\|_2^2` differ by at most ``tol`` times the
        current one.  Upper bound (``tol > 0``): the fewest steps whose bound is at most ``1 + tol`` times the
        estimate.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the random start vector.
    upper : bool, optional
        Return the randomised upper bound instead of the estimate.
    failure_probability : float, optional
        With `upper`: the probability :math:`\delta \in (0, 1]` that the bound is below :math:`\|A\|_2`.

    Returns
    -------
    float
        :math:`\sqrt{\theta_j}` (the estimate), or with `upper` :math:`\sqrt{(1 + \sqrt{\epsilon})\,\theta_j /
        (1 - \varepsilon_j)}`.

    Raises
    ------
    TypeError, ValueError
        For an unsupported `A` or invalid `maxiter`, `tol`, `failure_probability`; with `upper`, a `maxiter`
        too small for a finite bound.

    Notes
    -----
    After :math:`j` Lanczos steps on :math:`M = A^H A` from a random Gaussian start, the largest Ritz value
    :math:`\theta_j` converges to :math:`\|A\|_2^2` **from below**.  Upper bound: Kuczyński and Woźniakowski
    [1]_ prove :math:`P\{\theta < (1 - \varepsilon)\lambda_{max}\} \le 1.648\sqrt{N} e^{-(2k -
    1)\sqrt{\varepsilon}}` for :math:`k` products on any positive semidefinite :math:`M` of order :math:`N`
    from a uniform start.  With :math:`k = j - 1` and :math:`\delta` = `failure_probability`,

    .. math:: \varepsilon_j = \bigl(\ln(1.648\sqrt{N}/\delta) / (2j - 3)\bigr)^2,
              \qquad \|A\|_2^2 \le \theta_j / (1 - \varepsilon_j)

    with probability at least :math:`1 - \delta`; :math:`N = n`, or :math:`2n` for complex :math:`A`.  The
    factor :math:`1 + \sqrt{\epsilon}` covers rounding; an invariant Krylov space gives :math:`\varepsilon_j =
    0`.  The step count depends only on :math:`N`, :math:`\delta` and `tol` (about 50 for :math:`N = 10^6`,
    ``tol=0.05``, :math:`\delta = 10^{-6}`).

    References
    ----------
    .. [1] J. Kuczyński and H. Woźniakowski, "Estimating the largest eigenvalue by the power and Lanczos
       algorithms with a random start", SIAM J. Matrix Anal. Appl. 13(4), 1094-1122 (1992).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([3.0, 1.0, 0.5])
    >>> round(operator_norm(A, rng=0), 6)
    3.0
    >>> 3.0 <= operator_norm(A, rng=0, upper=True, tol=0.05) <= 3.0 * 1.05**0.5
    True
    """
    op = as_operator(A)
    maxiter = check_int(maxiter, "maxiter", minimum=2 if upper else 1)
    if maxiter > MAX_LANCZOS_STEPS:
        raise ValueError(f"maxiter must be <= {MAX_LANCZOS_STEPS} Lanczos steps, got {maxiter}")
    tol = check_real(tol, "tol", low_open=bool(upper))
    delta = check_real(failure_probability, "failure_probability", low=0.0, high=1.0, low_open=True)
    dtype = operator_dtype(op)
    if not upper:
        theta, _, e = _lanczos(op, dtype, maxiter, tol, rng)
        return ldexp(math.sqrt(theta), e)  # theta estimates ||A||^2 / 4**e
    log_term = math.log(1.648 * math.sqrt(op.shape[1] * (2 if dtype.kind == "c" else 1)) / delta)
    steps = min(maxiter, max(2, math.ceil((log_term / math.sqrt(tol / (1 + tol)) + 3) / 2)))
    slack = (log_term / (2 * steps - 3)) ** 2
    if slack >= 1.0:
        raise ValueError(f"maxiter={maxiter} Lanczos steps give no upper bound at failure_probability="
                         f"{delta!r}; allowed: more steps or a larger failure_probability")
    theta, invariant, e = _lanczos(op, dtype, steps, None, rng)
    bound = theta * (1.0 + math.sqrt(np.finfo(dtype).eps)) / (1.0 if invariant else 1.0 - slack)
    return ldexp(math.sqrt(bound), e)
