r"""Iterative least-squares solvers on any linear operator.

Every solver here minimises

.. math:: f(x) = \tfrac12 \|A x - b\|_2^2 + \tfrac12 \lambda \|x\|_2^2,
          \qquad \lambda = \texttt{reg} \ge 0,

using only products with :math:`A` and :math:`A^H`, so `A` can be a scipy
``LinearOperator`` (for instance :func:`convops.convolution_operator`), a
pylops operator, a scipy sparse array or matrix, or a dense ndarray.  The
gradient is :math:`\nabla f(x) = A^H (A x - b) + \lambda x` and the minimiser
solves the normal equations :math:`(A^H A + \lambda I) x = A^H b`.

All three methods share one stopping rule, one history and one way of
reporting: they stop when

.. math:: \|A^H (b - A x) - \lambda x\|_2 \le \texttt{tol}\,\|A^H b\|_2

(the 2-norm of the normal-equations residual relative to that of
:math:`A^H b`), or after `maxiter` iterations, and return a
:class:`~solvers.SolverResult`.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator, NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, aslinearoperator
from tqdm.auto import tqdm

from convops import float_dtype
from convops._validation import as_float_array, check_int, check_real

from ._linalg import inner, norm
from ._result import HistoryRecorder, SolverResult

__all__ = ["as_operator", "operator_norm", "gradient_descent", "nesterov", "cgls"]

#: Safety factor on the power-iteration estimate of ``||A||^2`` when the step
#: size is chosen automatically (the estimate is a lower bound).
STEP_SAFETY = 1.01

#: Seed of the power iteration used to choose a step, so that solves repeat.
_STEP_SEED = 0


# -- operators ----------------------------------------------------------------
def as_operator(A) -> LinearOperator:
    """Wrap any supported linear map as a scipy ``LinearOperator``.

    Parameters
    ----------
    A : LinearOperator, pylops operator, sparse array or matrix, or ndarray
        The linear map.  A scipy ``LinearOperator`` is returned unchanged;
        a 2-D ndarray or scipy sparse array/matrix is wrapped by
        ``scipy.sparse.linalg.aslinearoperator``; any other object with
        ``shape``, ``dtype``, ``matvec`` and ``rmatvec`` (a pylops
        ``LinearOperator``, which is not a scipy subclass) is wrapped by
        those two methods.

    Returns
    -------
    scipy.sparse.linalg.LinearOperator
        An operator with ``matvec`` (``A x``) and ``rmatvec`` (``A^H y``).

    Raises
    ------
    TypeError
        For any other type, or a non-numeric array.
    ValueError
        For an ndarray that is not 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> op = as_operator(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> op.rmatvec(np.array([1.0, 1.0]))
    array([4., 6.])
    """
    if isinstance(A, LinearOperator):
        return A
    if sp.issparse(A):
        float_dtype(A.dtype)
        return aslinearoperator(A)
    if isinstance(A, np.ndarray):
        float_dtype(A.dtype)
        if A.ndim != 2:
            raise ValueError(f"A must be a 2-D array (a matrix), got an array of shape {A.shape}")
        return aslinearoperator(A)
    if all(hasattr(A, name) for name in ("shape", "dtype", "matvec", "rmatvec")):
        return LinearOperator(shape=tuple(A.shape), dtype=np.dtype(A.dtype),
                              matvec=A.matvec, rmatvec=A.rmatvec)
    raise TypeError(
        f"A of type {type(A).__module__}.{type(A).__qualname__} is not supported; "
        "allowed: a scipy LinearOperator, a pylops operator (shape, dtype, matvec, "
        "rmatvec), a scipy sparse array/matrix or a 2-D numpy array"
    )


def _operator_dtype(op) -> np.dtype:
    return float_dtype(op.dtype if op.dtype is not None else np.float64)


def _apply(fn, v, dtype) -> np.ndarray:
    """``fn(v)`` as a 1-D array of the working dtype (some operators upcast)."""
    return np.asarray(fn(v)).reshape(-1).astype(dtype, copy=False)


# -- input checks ---------------------------------------------------------------
def _as_vector(v, size: int, name: str, dtype, against: str) -> np.ndarray:
    """Flatten `v` (row-major) to a finite vector of `size` entries."""
    arr = as_float_array(v, name, dtype=dtype)
    if arr.size != size:
        raise ValueError(f"{name} has shape {arr.shape} ({arr.size} entries) but {against}")
    return arr.ravel()


def _data(A, b, x0=None):
    """Operator, working dtype, data vector and start vector (or None)."""
    op = as_operator(A)
    b_arr = np.asarray(b)
    x0_arr = None if x0 is None else np.asarray(x0)
    dtype = float_dtype(_operator_dtype(op), b_arr, *(() if x0_arr is None else (x0_arr,)))
    m, n = op.shape
    b_vec = _as_vector(b_arr, m, "b", dtype, f"A has shape {op.shape} and needs {m} entries")
    x_vec = None if x0_arr is None else _as_vector(
        x0_arr, n, "x0", dtype, f"A has shape {op.shape} and needs {n} entries")
    return op, dtype, b_vec, x_vec


# -- operator norm ------------------------------------------------------------
def operator_norm(A, *, maxiter=100, tol=1e-6, rng=None) -> float:
    r"""Estimate the spectral norm :math:`\|A\|_2` by power iteration on :math:`A^H A`.

    Parameters
    ----------
    A : LinearOperator, pylops operator, sparse array or matrix, or ndarray
        The linear map (see :func:`as_operator`).
    maxiter : int, optional
        Maximum number of power iterations (each one product with `A` and
        one with :math:`A^H`), at least 1.
    tol : float, optional
        Stop when two successive estimates differ by at most ``tol`` times
        the current one.
    rng : int or numpy.random.Generator, optional
        Seed or generator for the random start vector.

    Returns
    -------
    float
        The estimate :math:`\sqrt{\|A^H A v_k\|_2}` for the unit vector
        :math:`v_k` of the last iteration; 0.0 if ``A v = 0``.

    Raises
    ------
    TypeError, ValueError
        For an unsupported `A` or invalid `maxiter`, `tol`.

    Notes
    -----
    Power iteration :math:`v_{k+1} = A^H A v_k / \|A^H A v_k\|` from a random
    start.  The estimate is a **lower bound** on the largest singular value
    :math:`\sigma_1` that converges to it **from below** (monotonically); the
    rate is :math:`(\sigma_2/\sigma_1)^2` per iteration, so a bound can be
    far from converged when the top singular values cluster.  Wherever an
    upper bound is required (a step size), use a proven bound such as
    :math:`\|h\|_1` for convolution with `h`, or a safety factor.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.diag([3.0, 1.0, 0.5])
    >>> round(operator_norm(A, rng=0), 6)
    3.0
    """
    op = as_operator(A)
    maxiter = check_int(maxiter, "maxiter", minimum=1)
    tol = check_real(tol, "tol")
    dtype = _operator_dtype(op)
    gen = np.random.default_rng(rng)
    v = gen.standard_normal(op.shape[1])
    if dtype.kind == "c":
        v = v + 1j * gen.standard_normal(op.shape[1])
    v = (v / norm(v)).astype(dtype)
    estimate = 0.0
    for _ in range(maxiter):
        u = _apply(op.rmatvec, _apply(op.matvec, v, dtype), dtype)
        norm_u = float(norm(u))
        if norm_u == 0.0:
            return 0.0
        previous, estimate = estimate, math.sqrt(norm_u)
        v = u / norm_u
        if abs(estimate - previous) <= tol * estimate:
            break
    return estimate


# -- shared iteration machinery ---------------------------------------------------
class _Iterate(NamedTuple):
    """One iterate with its bookkeeping; its arrays are never modified later."""

    x: np.ndarray
    r: np.ndarray  # A x - b
    objective: float
    residual_norm: float
    gradient_norm: float


def _iterate(x, r, g, reg, gnorm=None) -> _Iterate:
    """Bookkeeping from ``x``, ``r = A x - b`` and the gradient ``g`` (whose
    norm the caller may already know)."""
    rnorm = float(norm(r))
    objective = 0.5 * rnorm**2
    if reg:
        objective += 0.5 * reg * float(norm(x)) ** 2
    return _Iterate(x, r, objective, rnorm, float(norm(g)) if gnorm is None else gnorm)


class _Start(NamedTuple):
    """Validated problem and starting point shared by every method."""

    op: LinearOperator
    dtype: np.dtype
    b: np.ndarray
    reg: float
    atb_norm: float
    x: np.ndarray
    r: np.ndarray  # A x - b
    g: np.ndarray  # A^H r + reg x


def _start(A, b, x0, reg, tol, maxiter) -> tuple[_Start, float, int]:
    """Check the common arguments and evaluate the start: one product with
    A^H for A^H b, and with `x0` one more with each of A and A^H."""
    op, dtype, b, x = _data(A, b, x0)
    reg = check_real(reg, "reg")
    tol = check_real(tol, "tol")
    maxiter = check_int(maxiter, "maxiter", minimum=0)
    atb = _apply(op.rmatvec, b, dtype)
    if x is None:
        x, r, g = np.zeros(op.shape[1], dtype), -b, -atb
    else:
        r = _apply(op.matvec, x, dtype) - b
        g = _apply(op.rmatvec, r, dtype) + reg * x
    return _Start(op, dtype, b, reg, float(norm(atb)), x, r, g), tol, maxiter


def _zero_solution(s: _Start, info) -> SolverResult:
    """The exact answer x = 0 when A^H b = 0 (in particular when b = 0)."""
    x = np.zeros(s.op.shape[1], s.dtype)
    it = _iterate(x, -s.b, x, s.reg)
    rec = HistoryRecorder()
    rec.record(objective=it.objective, residual_norm=it.residual_norm, gradient_norm=0.0)
    return SolverResult(solution=x, iterations=0, converged=True, history=rec.history(),
                        objective=it.objective, residual=it.r,
                        message="converged: A^H b = 0, so x = 0 solves the normal "
                                "equations exactly",
                        info={**info, "best_iteration": 0})


class _Outcome(NamedTuple):
    converged: bool
    message: str
    use_best: bool  # return the iterate of lowest objective, not the last


def _outcome(it: _Iterate, k: int, threshold: float, maxiter: int, stop: bool):
    """How the solve ends after iterate `k`, or None to continue."""
    if not (math.isfinite(it.objective) and math.isfinite(it.gradient_norm)):
        return _Outcome(False, f"diverged: non-finite values at iteration {k} (step too "
                               "large?); returning the iterate of lowest objective", True)
    if it.gradient_norm <= threshold:
        return _Outcome(True, "converged: ||A^H(b - A x) - reg x||_2 <= tol ||A^H b||_2 "
                              f"after {k} iterations", False)
    if stop:
        return _Outcome(False, "stopped by callback", False)
    if k >= maxiter:
        return _Outcome(False, f"not converged: maximum number of iterations ({maxiter}) "
                               "reached", False)
    return None


def _run(iterates: Iterator[_Iterate], s: _Start, *, tol, maxiter, callback, progress,
         name, info) -> SolverResult:
    """Drive a method's iterates: stopping rule, history, callback, progress
    bar, divergence and Ctrl-C handling, and the result.

    `iterates` yields the start, then one iterate per iteration; it may
    return early when the method cannot make progress (a breakdown).  It is
    not started when ``A^H b = 0``.  The method may update `info` while it
    runs (it is copied into the result at the end).
    """
    if s.atb_norm == 0.0:
        return _zero_solution(s, {**info, "reg": s.reg, "atb_norm": 0.0})
    rec = HistoryRecorder()
    threshold = tol * s.atb_norm
    best = last = outcome = None
    best_k = 0
    try:
        with tqdm(total=maxiter, desc=name, disable=not progress, mininterval=0.25,
                  unit="it") as bar:
            for k, it in enumerate(iterates):
                rec.record(objective=it.objective, residual_norm=it.residual_norm,
                           gradient_norm=it.gradient_norm)
                last = it
                if best is None or it.objective <= best.objective:
                    best, best_k = it, k
                if k:
                    bar.update()
                stop = k > 0 and callback is not None and bool(callback(it.x, k))
                outcome = _outcome(it, k, threshold, maxiter, stop)
                if outcome is not None:
                    break
    except KeyboardInterrupt:
        if best is None:
            raise
        outcome = _Outcome(False, "interrupted", True)
    if outcome is None:
        outcome = _Outcome(False, "breakdown: no further progress is possible in floating "
                                  "point", False)
    chosen = best if outcome.use_best else last
    history = rec.history()
    return SolverResult(solution=chosen.x, iterations=len(history) - 1,
                        converged=outcome.converged, history=history,
                        objective=chosen.objective, residual=chosen.r, message=outcome.message,
                        info={**info, "reg": s.reg, "atb_norm": s.atb_norm,
                              "best_iteration": best_k})


def _step_size(s: _Start, step, lipschitz) -> dict:
    """The step and how it was chosen (see :func:`gradient_descent`); no
    power iteration when the answer is known to be x = 0."""
    if step is not None:
        step = check_real(step, "step", low_open=True)
        return {"step": step, "operator_norm": None, "lipschitz": None}
    if lipschitz is not None:
        a_norm = check_real(lipschitz, "lipschitz", low_open=True)
        lip = a_norm**2 + s.reg
    elif s.atb_norm == 0.0:
        return {"step": None, "operator_norm": None, "lipschitz": None}
    else:
        a_norm = operator_norm(s.op, rng=_STEP_SEED)
        lip = STEP_SAFETY * (a_norm**2 + s.reg)
    if lip == 0.0:  # A = 0 and reg = 0: any step gives the exact answer
        lip = 1.0
    return {"step": 1.0 / lip, "operator_norm": a_norm, "lipschitz": lip}


def _residual_and_gradient(s: _Start, x):
    """``r = A x - b`` and ``g = A^H r + reg x`` (one product with each)."""
    r = _apply(s.op.matvec, x, s.dtype) - s.b
    return r, _apply(s.op.rmatvec, r, s.dtype) + s.reg * x


# -- the three methods ---------------------------------------------------------
def _gd_iterates(s: _Start, step) -> Iterator[_Iterate]:
    x, g = s.x, s.g
    yield _iterate(x, s.r, g, s.reg)
    while True:
        x = x - step * g
        r, g = _residual_and_gradient(s, x)
        yield _iterate(x, r, g, s.reg)


def _nesterov_iterates(s: _Start, step, restart, info) -> Iterator[_Iterate]:
    x_prev, g_prev = s.x, s.g
    x, g = s.x, s.g
    t = 1.0
    yield _iterate(x, s.r, g, s.reg)
    while True:
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_next
        # f is quadratic, so the gradient at y = x + beta (x - x_prev) is the
        # same combination of the gradients at x and x_prev.
        y = x + beta * (x - x_prev)
        g_y = g + beta * (g - g_prev)
        x_next = y - step * g_y
        if restart and float(np.real(inner(g_y, x_next - x))) > 0:
            t_next = 1.0
            info["restarts"] += 1
        r, g_next = _residual_and_gradient(s, x_next)
        x_prev, g_prev, x, g, t = x, g, x_next, g_next, t_next
        yield _iterate(x, r, g, s.reg)


def _cgls_iterates(s: _Start) -> Iterator[_Iterate]:
    # CGLS's objective never increases, so the best iterate is the last one:
    # x, r and p are updated in place (fewer large temporaries), on copies
    # of the start so that the caller's x0 is left alone.
    x, r, g = s.x.copy(), s.r.copy(), s.g
    p = -g
    gamma = float(norm(g)) ** 2
    yield _iterate(x, r, g, s.reg, math.sqrt(gamma))
    while True:
        q = _apply(s.op.matvec, p, s.dtype)
        delta = float(norm(q)) ** 2 + (s.reg * float(norm(p)) ** 2 if s.reg else 0.0)
        if not delta > 0.0:
            return
        alpha = gamma / delta
        x += alpha * p
        r += alpha * q
        del q
        g = _apply(s.op.rmatvec, r, s.dtype)
        if s.reg:
            g += s.reg * x
        gamma, gamma_prev = float(norm(g)) ** 2, gamma
        p *= gamma / gamma_prev
        p -= g
        yield _iterate(x, r, g, s.reg, math.sqrt(gamma))


_COMMON_PARAMETERS = r"""
    A : LinearOperator, pylops operator, sparse array or matrix, or ndarray
        The linear map, shape ``(m, n)`` (see :func:`as_operator`).
    b : array_like, m entries
        The data; an N-D array (an image) is flattened row-major
        (``b.ravel()``).
    x0 : array_like, n entries, optional
        Starting point (flattened row-major); zero by default."""


def gradient_descent(A, b, *, x0=None, reg=0.0, step=None, maxiter=1000, tol=1e-8,
                     lipschitz=None, callback: Callable | None = None,
                     progress: bool = False) -> SolverResult:
    r"""Least squares with Tikhonov regularisation by gradient descent.

    Minimises :math:`f(x) = \frac12\|A x - b\|_2^2 + \frac12\lambda\|x\|_2^2`.

    Parameters
    ----------%(common)s
    reg : float, optional
        Tikhonov weight :math:`\lambda \ge 0`.
    step : float, optional
        Fixed step size :math:`\tau > 0`, used as given (gradient descent
        converges for :math:`\tau < 2/L`).  By default :math:`\tau = 1/L`
        with :math:`L` as in the Notes.
    maxiter : int, optional
        Maximum number of iterations (>= 0).
    tol : float, optional
        Relative tolerance of the stopping rule (>= 0).
    lipschitz : float, optional
        An upper bound on :math:`\|A\|_2` (the Lipschitz constant of
        :math:`x \mapsto A x`), e.g. :math:`\|h\|_1` for convolution with a
        kernel :math:`h`.  Only used when `step` is None.
    callback : callable, optional
        Called as ``callback(x, k)`` after iteration ``k`` (``x`` must not
        be modified); returning True stops the solve.
    progress : bool, optional
        Show a tqdm progress bar.

    Returns
    -------
    SolverResult
        ``solution`` (1-D, n entries, working dtype), ``iterations``,
        ``converged``, ``history`` (entry 0 is the start), ``objective``,
        ``residual`` (:math:`A x - b`, 1-D), ``message`` and ``info`` with
        ``step``, ``operator_norm`` (the bound or estimate of
        :math:`\|A\|_2` used), ``lipschitz`` (the :math:`L` used; both None
        for a given `step`), ``reg``, ``atb_norm`` (:math:`\|A^H b\|_2`) and
        ``best_iteration`` (the iterate of lowest objective).

    Raises
    ------
    TypeError
        Unsupported `A`, non-numeric data, non-integer `maxiter`, non-real
        `reg`, `tol`, `step` or `lipschitz`.
    ValueError
        `b` or `x0` of the wrong size, non-finite data, negative `reg` or
        `tol`, negative `maxiter`, non-positive or non-finite `step` or
        `lipschitz`.

    Notes
    -----
    The update is

    .. math:: x_{k+1} = x_k - \tau\,\bigl(A^H (A x_k - b) + \lambda x_k\bigr).

    The gradient is Lipschitz with constant :math:`L = \|A\|_2^2 + \lambda`.
    With `lipschitz` given, :math:`L = \texttt{lipschitz}^2 + \lambda`;
    otherwise :math:`\|A\|_2` is estimated by :func:`operator_norm` (a lower
    bound) and :math:`L = 1.01\,(\|A\|_{est}^2 + \lambda)`.  The step
    :math:`1/L` is then below :math:`2/L_{true}` (enough for convergence and
    a monotonically decreasing objective) as long as the estimate is at
    least :math:`0.71\,\|A\|_2`; power iteration from a random start is far
    closer than that.

    Stopping rule: stop when
    :math:`\|A^H(b - A x_k) - \lambda x_k\|_2 \le \texttt{tol}\,\|A^H b\|_2`
    (2-norm of the normal-equations residual relative to
    :math:`\|A^H b\|_2`), or after `maxiter` iterations (``converged=False``).
    If :math:`A^H b = 0` (e.g. ``b = 0``) the exact minimiser ``x = 0`` is
    returned at once.  Non-finite values stop the solve with
    ``converged=False``.  A ``KeyboardInterrupt`` (Ctrl-C) during the
    iterations returns the iterate of lowest objective so far (with the
    default step, the current one: the objective decreases monotonically)
    with ``converged=False`` and message ``'interrupted'`` instead of
    raising.

    Cost per iteration: one product with :math:`A` and one with :math:`A^H`;
    the history (objective, :math:`\|A x - b\|`, gradient norm) comes from
    :math:`r = A x - b` and the gradient at no extra cost.  Setup: one
    product with :math:`A^H` for :math:`A^H b` (one more of each with
    `x0`), and the power iteration when the step is estimated.

    Applied to least squares this is the Landweber iteration [1]_.

    References
    ----------
    .. [1] L. Landweber, "An iteration formula for Fredholm integral
       equations of the first kind", Amer. J. Math. 73(3), 615-624 (1951).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> res = gradient_descent(A, [2.0, 1.0, 2.0])
    >>> res.converged, np.round(res.solution, 6)
    (True, array([1., 1.]))
    """
    s, tol, maxiter = _start(A, b, x0, reg, tol, maxiter)
    info = _step_size(s, step, lipschitz)
    return _run(_gd_iterates(s, info["step"]), s, tol=tol, maxiter=maxiter,
                callback=callback, progress=progress, name="gradient descent", info=info)


def nesterov(A, b, *, x0=None, reg=0.0, step=None, maxiter=1000, tol=1e-8, lipschitz=None,
             restart=True, callback: Callable | None = None,
             progress: bool = False) -> SolverResult:
    r"""Least squares with Tikhonov regularisation by accelerated gradient.

    Nesterov's method with the FISTA momentum sequence and, optionally,
    adaptive gradient restart; minimises
    :math:`f(x) = \frac12\|A x - b\|_2^2 + \frac12\lambda\|x\|_2^2`.

    Parameters
    ----------%(common)s
    reg, step, maxiter, tol, lipschitz
        As in :func:`gradient_descent` (the default step is the same
        :math:`1/L`).
    restart : bool, optional
        Reset the momentum when it points uphill (see Notes).
    callback, progress
        As in :func:`gradient_descent`.

    Returns
    -------
    SolverResult
        As in :func:`gradient_descent`; ``info['restarts']`` counts the
        restarts.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gradient_descent`.

    Notes
    -----
    With :math:`t_0 = 1`, :math:`x_{-1} = x_0`:

    .. math::

        t_{k+1} &= \tfrac12\bigl(1 + \sqrt{1 + 4 t_k^2}\bigr), \\
        y_k &= x_k + \frac{t_k - 1}{t_{k+1}}\,(x_k - x_{k-1}), \\
        x_{k+1} &= y_k - \tau\,\nabla f(y_k),
        \qquad \nabla f(y) = A^H (A y - b) + \lambda y.

    Adaptive gradient restart: when
    :math:`\operatorname{Re}\langle \nabla f(y_k), x_{k+1} - x_k\rangle > 0`
    the momentum is reset (:math:`t_{k+1} = 1`, so :math:`y_{k+1} = x_{k+1}`).
    The objective is not monotone; the iterate of lowest objective is kept
    for an interrupted solve.

    Stopping rule: stop when
    :math:`\|A^H(b - A x_k) - \lambda x_k\|_2 \le \texttt{tol}\,\|A^H b\|_2`
    (2-norm of the normal-equations residual at :math:`x_k`, not
    :math:`y_k`, relative to :math:`\|A^H b\|_2`), or after `maxiter`
    iterations (``converged=False``).  The special cases (:math:`A^H b = 0`,
    non-finite values, Ctrl-C) are as in :func:`gradient_descent`.

    Cost per iteration: one product with :math:`A` and one with
    :math:`A^H`, as for gradient descent.  Because :math:`f` is quadratic,
    :math:`\nabla f(y_k)` is the same affine combination of
    :math:`\nabla f(x_k)` and :math:`\nabla f(x_{k-1})` as :math:`y_k` of
    the iterates, so only the gradient at :math:`x_{k+1}` is computed, and it
    serves the update, the stopping rule and the history.

    References
    ----------
    .. [1] Y. Nesterov, "A method for solving the convex programming problem
       with convergence rate O(1/k^2)", Soviet Math. Dokl. 27 (1983).
    .. [2] A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding
       algorithm for linear inverse problems", SIAM J. Imaging Sci. 2(1),
       183-202 (2009).
    .. [3] B. O'Donoghue and E. Candès, "Adaptive restart for accelerated
       gradient schemes", Found. Comput. Math. 15, 715-732 (2015).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> res = nesterov(A, [2.0, 1.0, 2.0])
    >>> res.converged, np.round(res.solution, 6)
    (True, array([1., 1.]))
    """
    s, tol, maxiter = _start(A, b, x0, reg, tol, maxiter)
    info = {**_step_size(s, step, lipschitz), "restarts": 0}
    return _run(_nesterov_iterates(s, info["step"], bool(restart), info), s, tol=tol,
                maxiter=maxiter, callback=callback, progress=progress, name="nesterov",
                info=info)


def cgls(A, b, *, x0=None, reg=0.0, maxiter=None, tol=1e-8,
         callback: Callable | None = None, progress: bool = False) -> SolverResult:
    r"""Least squares with Tikhonov regularisation by conjugate gradients (CGLS).

    Conjugate gradients on the normal equations
    :math:`(A^H A + \lambda I)\,x = A^H b` in the CGLS form, which never
    forms :math:`A^H A`.

    Parameters
    ----------%(common)s
    reg : float, optional
        Tikhonov weight :math:`\lambda \ge 0`.
    maxiter : int, optional
        Maximum number of iterations (>= 0).  Default ``min(n, 10_000)``:
        in exact arithmetic CGLS terminates in at most ``n`` iterations
        (as many as :math:`A^H A + \lambda I` has distinct eigenvalues); in
        floating point a few more can be needed on ill-conditioned problems.
    tol : float, optional
        Relative tolerance of the stopping rule (>= 0).
    callback, progress
        As in :func:`gradient_descent`.

    Returns
    -------
    SolverResult
        As in :func:`gradient_descent` (``info`` holds ``reg``, ``atb_norm``
        and ``best_iteration``).

    Raises
    ------
    TypeError, ValueError
        As in :func:`gradient_descent` (there is no `step`).

    Notes
    -----
    With :math:`r_0 = A x_0 - b`, :math:`g_0 = A^H r_0 + \lambda x_0`,
    :math:`p_0 = -g_0`:

    .. math::

        q_k &= A p_k, \qquad
        \alpha_k = \frac{\|g_k\|^2}{\|q_k\|^2 + \lambda\|p_k\|^2}, \\
        x_{k+1} &= x_k + \alpha_k p_k, \qquad r_{k+1} = r_k + \alpha_k q_k, \\
        g_{k+1} &= A^H r_{k+1} + \lambda x_{k+1}, \qquad
        p_{k+1} = -g_{k+1} + \frac{\|g_{k+1}\|^2}{\|g_k\|^2}\,p_k.

    The residual :math:`r_k` is updated recursively (it agrees with
    :math:`A x_k - b` up to rounding); the objective
    :math:`\frac12\|r_k\|^2 + \frac12\lambda\|x_k\|^2` is non-increasing and,
    for :math:`\lambda = 0`, so is :math:`\|r_k\|`.

    Stopping rule: stop when
    :math:`\|A^H(b - A x_k) - \lambda x_k\|_2 \le \texttt{tol}\,\|A^H b\|_2`
    (2-norm of the normal-equations residual :math:`-g_k` relative to
    :math:`\|A^H b\|_2`), or after `maxiter` iterations (``converged=False``),
    or when :math:`\|q_k\|^2 + \lambda\|p_k\|^2 = 0` (a breakdown, only
    possible in floating point once the residual is at rounding level).  The
    special cases (:math:`A^H b = 0`, non-finite values, Ctrl-C) are as in
    :func:`gradient_descent`.

    Cost per iteration: one product with :math:`A` and one with
    :math:`A^H`; the history needs no extra products.  Memory: four vectors
    of length ``n`` and two of length ``m``.

    References
    ----------
    .. [1] Å. Björck, "Numerical Methods for Least Squares Problems", SIAM
       (1996), section 7.4 (CGLS).
    .. [2] M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients
       for solving linear systems", J. Res. Nat. Bur. Standards 49 (1952).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> res = cgls(A, [2.0, 1.0, 2.0])
    >>> res.converged, res.iterations, np.round(res.solution, 6)
    (True, 2, array([1., 1.]))
    """
    op = as_operator(A)
    if maxiter is None:
        maxiter = min(op.shape[1], 10_000)
    s, tol, maxiter = _start(op, b, x0, reg, tol, maxiter)
    return _run(_cgls_iterates(s), s, tol=tol, maxiter=maxiter, callback=callback,
                progress=progress, name="cgls", info={})


for _f in (gradient_descent, nesterov, cgls):
    _f.__doc__ = _f.__doc__.replace("%(common)s", _COMMON_PARAMETERS)
del _f
