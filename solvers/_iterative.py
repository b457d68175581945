r"""Iterative solvers on any linear operator, driven by one iteration engine.

The least-squares solvers minimise :math:`\tfrac12 \|A x - b\|_2^2 + \tfrac12 \lambda \|x\|_2^2`
(:math:`\lambda = \texttt{reg} \ge 0`) using only products with :math:`A` and :math:`A^H` (any operator of
:func:`as_operator`); :func:`pcg` solves a Hermitian positive definite :math:`T x = b`.  One engine gives
every method its stopping rule (see :func:`gradient_descent`, :func:`pcg`), history, callback, progress bar,
divergence and Ctrl-C handling, and a :class:`~solvers.SolverResult`.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator, NamedTuple

import numpy as np
from scipy.sparse.linalg import LinearOperator

from convops._validation import check_int, check_real

from ._linalg import exponent, inner, ldexp, norm
from ._operators import (Iterate, apply, as_operator, least_squares_iterate, operator_norm, problem_data,
                         residual_and_gradient)
from ._progress import progress_bar
from ._result import HistoryRecorder, SolverResult

__all__ = ["gradient_descent", "nesterov", "cgls", "pcg"]

#: Largest relative excess of the default Lipschitz bound over the Lanczos estimate of ``||A||^2``.
LIPSCHITZ_TOL = 0.05

#: Seed of the Lanczos start vector used to choose a step, so that solves repeat.
_STEP_SEED = 0


# -- the engine ------------------------------------------------------------------
#: Largest `maxiter` of every method (the history grows by one entry per iteration).
MAX_ITERATIONS = 10**8


def check_stopping(tol, maxiter) -> tuple[float, int]:
    """`tol` (finite, >= 0) and `maxiter` (an int from 0 to ``MAX_ITERATIONS``): every method's one check."""
    tol, maxiter = check_real(tol, "tol"), check_int(maxiter, "maxiter", minimum=0)
    if maxiter > MAX_ITERATIONS:
        raise ValueError(f"maxiter must be <= {MAX_ITERATIONS:_} (10**8) iterations, got {maxiter}")
    return tol, maxiter


class _Outcome(NamedTuple):
    converged: bool
    message: str
    use_best: bool  # return the iterate of lowest objective, not the last
    reason: str  # info['stop']: 'tol', 'discrepancy', 'maxiter', 'callback', 'diverged', 'breakdown', 'interrupted'


def _outcome(it: Iterate, k: int, threshold: float, maxiter: int, stop: bool, rule: str, target):
    """How the solve ends after iterate `k`, or None to continue."""
    if not (math.isfinite(it.objective) and math.isfinite(it.gradient_norm)):
        return _Outcome(False, f"diverged: non-finite values at iteration {k} (step too "
                               "large?); returning the iterate of lowest objective", True, "diverged")
    if target is not None and it.residual_norm <= target:
        return _Outcome(True, f"converged: discrepancy principle ||A x - b||_2 <= tau * noise_std * sqrt(m) "
                              f"after {k} iterations", False, "discrepancy")
    if it.gradient_norm <= threshold:
        return _Outcome(True, f"converged: {rule} after {k} iterations", False, "tol")
    if stop:
        return _Outcome(False, "stopped by callback", False, "callback")
    if k >= maxiter:
        return _Outcome(False, f"not converged: maximum number of iterations ({maxiter}) reached", False, "maxiter")
    return None


def _run(iterates: Iterator[Iterate], *, scale, zero: Callable[[], Iterate], tol, maxiter,
         callback, progress, name, rule, rhs, info, e=0, target=None) -> SolverResult:
    """Run `iterates` (the start, then one per iteration; an early return is a breakdown) until
    ``gradient_norm <= tol * scale``, or, with a `target`, until the first iterate (the start included) with
    ``residual_norm <= target`` (the discrepancy principle, checked before the gradient rule); ``scale == 0``
    returns ``zero()``.  The iterates solve the problem with data scaled by ``2**-e`` (`target` in those
    units): the callback, history and result are scaled back (an objective beyond the floating-point range
    becomes inf there), the stopping and divergence checks are not.  ``info['stop']`` says how it ended:
    ``'tol'``, ``'discrepancy'``, ``'maxiter'``, ``'callback'``, ``'diverged'``, ``'breakdown'`` or
    ``'interrupted'``."""
    rec = HistoryRecorder()
    record = lambda it: rec.record(objective=ldexp(it.objective, 2 * e), residual_norm=ldexp(
        it.residual_norm, e), gradient_norm=ldexp(it.gradient_norm, e))
    if scale == 0.0:
        it = zero()._replace(gradient_norm=0.0)
        record(it)
        return SolverResult(solution=ldexp(it.x, e), iterations=0, converged=True, history=rec.history(),
                            objective=ldexp(it.objective, 2 * e), residual=ldexp(it.r, e),
                            info={**info, "best_iteration": 0, "stop": "tol"},
                            message=f"converged: {rhs} = 0, so x = 0 is the exact solution")
    threshold = tol * scale
    best = last = outcome = None
    best_k = 0
    try:
        with progress_bar(maxiter, name, progress) as bar:
            for k, it in enumerate(iterates):
                record(it)
                last = it
                if best is None or it.objective <= best.objective:
                    best, best_k = it, k
                if k:
                    bar.update()
                stop = k > 0 and callback is not None and bool(callback(ldexp(it.x, e), k))
                outcome = _outcome(it, k, threshold, maxiter, stop, rule, target)
                if outcome is not None:
                    break
    except KeyboardInterrupt:
        if best is None:
            raise
        outcome = _Outcome(False, "interrupted", True, "interrupted")
    if outcome is None:
        outcome = _Outcome(False, "breakdown: zero or negative curvature of a search direction (the residual "
                                  "is at rounding level, or the system is not positive definite)", False,
                           "breakdown")
    chosen = best if outcome.use_best else last
    history = rec.history()
    return SolverResult(solution=ldexp(chosen.x, e), iterations=len(history) - 1, converged=outcome.converged,
                        history=history, objective=ldexp(chosen.objective, 2 * e), residual=ldexp(chosen.r, e),
                        message=outcome.message, info={**info, "best_iteration": best_k, "stop": outcome.reason})


# -- least squares: the shared start -------------------------------------------------
_LS_RULE = "||A^H(b - A x) - reg x||_2 <= tol ||A^H b||_2"


class _Start(NamedTuple):
    """Validated least-squares problem and starting point, `b` and `x` scaled by ``2**-e``."""
    op: LinearOperator
    dtype: np.dtype
    b: np.ndarray
    reg: float
    atb_norm: float
    x: np.ndarray
    r: np.ndarray  # A x - b
    g: np.ndarray  # A^H r + reg x
    e: int  # max |b_i| ~ 2**e


def _start(A, b, x0, reg, tol, maxiter) -> tuple[_Start, float, int]:
    """Checked arguments and the start (A^H b; with `x0` also A x0 - b and the gradient)."""
    op, dtype, b, x = problem_data(A, b, x0)
    e = exponent(b)  # solve for data of max |b_i| ~ 1: no over- or underflow at any scale
    b, x = ldexp(b, -e), None if x is None else ldexp(x, -e)
    reg = check_real(reg, "reg")
    tol, maxiter = check_stopping(tol, maxiter)
    atb = apply(op.rmatvec, b, dtype)
    x, r, g = (np.zeros(op.shape[1], dtype), -b, -atb) if x is None else (
        x, *residual_and_gradient(op, b, x, reg, dtype))
    return _Start(op, dtype, b, reg, norm(atb), x, r, g, e), tol, maxiter


def _run_least_squares(iterates, s: _Start, *, tol, maxiter, callback, progress, name, info, target=None):
    def zero():  # A^H b = 0: x = 0 solves the normal equations exactly
        x = np.zeros(s.op.shape[1], s.dtype)
        return least_squares_iterate(x, -s.b, x, s.reg, 0.0)

    info.update(reg=s.reg, atb_norm=ldexp(s.atb_norm, s.e))  # the same dict: the method may update it
    return _run(iterates, scale=s.atb_norm, zero=zero, tol=tol, maxiter=maxiter, callback=callback,
                progress=progress, name=name, rule=_LS_RULE, rhs="A^H b", info=info, e=s.e,
                target=None if target is None else ldexp(target, -s.e))


#: The discrepancy principle's default safety factor tau (the residual stops at tau * noise_std * sqrt(m)), for
#: :func:`cgls`, :func:`solvers.choose_reg` and :func:`solvers.restore` alike.
DEFAULT_TAU = 1.01


def discrepancy_target(noise_std, tau, m) -> float:
    r"""The discrepancy principle's bound :math:`\tau \sigma \sqrt m` on :math:`\|A x - b\|_2`, from checked
    `noise_std` (finite, > 0) and `tau` (finite, >= 1); `m` is the number of data values."""
    sigma = check_real(noise_std, "noise_std", low=0.0, low_open=True)
    tau = check_real(tau, "tau", low=1.0)
    return tau * sigma * math.sqrt(m)


def _step_size(s: _Start, step, lipschitz) -> dict:
    """The step and how it was chosen (see :func:`gradient_descent`); no Lanczos when x = 0."""
    unbounded = dict.fromkeys(("step", "operator_norm", "lipschitz", "lipschitz_source"))
    if step is not None:
        return {**unbounded, "step": check_real(step, "step", low_open=True)}
    if lipschitz is not None:
        a_norm, source = check_real(lipschitz, "lipschitz", low_open=True), "given"
    elif s.atb_norm == 0.0:
        return unbounded
    else:
        a_norm = operator_norm(s.op, maxiter=1000, tol=LIPSCHITZ_TOL, rng=_STEP_SEED, upper=True)
        source = "lanczos"
    lip = a_norm * a_norm + s.reg
    return {"step": 1.0 / lip if lip else 1.0, "operator_norm": a_norm, "lipschitz": lip,
            "lipschitz_source": source}


# -- the three methods ---------------------------------------------------------
def _gd_iterates(s: _Start, step) -> Iterator[Iterate]:
    x, g = s.x, s.g
    yield least_squares_iterate(x, s.r, g, s.reg)
    while True:
        x = x - step * g
        r, g = residual_and_gradient(s.op, s.b, x, s.reg, s.dtype)
        yield least_squares_iterate(x, r, g, s.reg)


def _nesterov_iterates(s: _Start, step, restart, info) -> Iterator[Iterate]:
    x_prev, g_prev = s.x, s.g
    x, g = s.x, s.g
    t = 1.0
    yield least_squares_iterate(x, s.r, g, s.reg)
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
        r, g_next = residual_and_gradient(s.op, s.b, x_next, s.reg, s.dtype)
        x_prev, g_prev, x, g, t = x, g, x_next, g_next, t_next
        yield least_squares_iterate(x, r, g, s.reg)


def _cgls_iterates(s: _Start) -> Iterator[Iterate]:
    x, r, g = s.x, s.r, s.g
    p = -g
    gamma = (gnorm := norm(g)) * gnorm
    yield least_squares_iterate(x, r, g, s.reg, math.sqrt(gamma))
    while True:
        q = apply(s.op.matvec, p, s.dtype)
        delta = (qnorm := norm(q)) * qnorm + (s.reg * (pnorm := norm(p)) * pnorm if s.reg else 0.0)
        if not delta > 0.0:
            return
        alpha = gamma / delta
        x, r = x + alpha * p, r + alpha * q  # new arrays: an interruption leaves the last iterate intact
        del q
        g = apply(s.op.rmatvec, r, s.dtype) + s.reg * x
        gamma, gamma_prev = (gnorm := norm(g)) * gnorm, gamma
        p *= gamma / gamma_prev
        p -= g
        yield least_squares_iterate(x, r, g, s.reg, math.sqrt(gamma))


_COMMON_PARAMETERS = r"""
    A : LinearOperator, pylops operator, sparse array or matrix, or ndarray
        The linear map, shape ``(m, n)`` (see :func:`as_operator`).
    b : array_like, m entries
        The data; an N-D array (an image) is flattened (``b.ravel()``).
    x0 : array_like, n entries, optional
        Starting point (flattened row-major); zero by default."""


def gradient_descent(A, b, *, x0=None, reg=0.0, step=None, maxiter=1000, tol=1e-8, lipschitz=None,
                     callback: Callable | None = None, progress: bool = False) -> SolverResult:
    r"""Least squares with Tikhonov regularisation by gradient descent.

    Minimises :math:`f(x) = \frac12\|A x - b\|_2^2 + \frac12\lambda\|x\|_2^2`.

    Parameters
    ----------%(common)s
    reg : float, optional
        Tikhonov weight :math:`\lambda \ge 0`.
    step : float, optional
        Fixed step :math:`\tau > 0` (convergent for :math:`\tau < 2/L`); default :math:`\tau = 1/L` with
        :math:`L` as in the Notes.
    maxiter : int, optional
        Maximum number of iterations, from 0 to ``10**8``.
    tol : float, optional
        Relative tolerance of the stopping rule (>= 0).
    lipschitz : float, optional
        An upper bound on :math:`\|A\|_2`, e.g. :math:`\|h\|_1` for convolution with a kernel :math:`h`; only
        used when `step` is None.
    callback : callable, optional
        Called as ``callback(x, k)`` after iteration ``k`` (``x`` must not be modified); returning True stops
        the solve.
    progress : bool, optional
        Show a tqdm progress bar.

    Returns
    -------
    SolverResult
        ``solution`` (1-D, n entries, working dtype), ``iterations``, ``converged``, ``history`` (entry 0 is
        the start), ``objective``, ``residual`` (:math:`A x - b`, 1-D), ``message`` and ``info`` with
        ``step``, ``operator_norm`` (the bound on :math:`\|A\|_2` used), ``lipschitz`` (:math:`L`),
        ``lipschitz_source`` (``'given'`` or ``'lanczos'``; these three None for a given `step`), ``reg``,
        ``atb_norm`` and ``best_iteration`` (the iterate of lowest objective).

    Raises
    ------
    TypeError
        Unsupported `A`, non-numeric data, non-integer `maxiter`, non-real `reg`, `tol`, `step` or
        `lipschitz`.
    ValueError
        `b` or `x0` of the wrong size, non-finite `b`, `x0` or matrix entries, negative `reg`, `tol` or
        `maxiter`, `maxiter` above ``10**8``, non-positive or non-finite `step` or `lipschitz`; an operator's
        non-finite values for a finite input.

    Notes
    -----
    The update is

    .. math:: x_{k+1} = x_k - \tau\,\bigl(A^H (A x_k - b) + \lambda x_k\bigr).

    The gradient is Lipschitz with constant :math:`L = \|A\|_2^2 + \lambda`: :math:`L = \texttt{lipschitz}^2 +
    \lambda` when `lipschitz` is given, else the seeded randomised bound of :func:`operator_norm`
    (``upper=True, tol=0.05``: wrong with probability at most ``1e-6``, at most 5 % above the Lanczos
    estimate).  With :math:`L` an upper bound the step :math:`1/L` decreases the objective monotonically.

    Stopping rule: stop when :math:`\|A^H(b - A x_k) - \lambda x_k\|_2 \le \texttt{tol}\,\|A^H b\|_2` (2-norm
    of the normal-equations residual), or after `maxiter` iterations (``converged=False``).  If :math:`A^H b =
    0` the exact minimiser ``x = 0`` is returned at once.  Non-finite iterates (a divergence, e.g. from too
    large a `step`) stop with ``converged=False``.  Ctrl-C returns the iterate of lowest objective with
    ``converged=False`` and message ``'interrupted'`` instead of raising.

    Cost per iteration: one product with :math:`A` and one with :math:`A^H` (the history is free).  Setup:
    :math:`A^H b` (and one more of each with `x0`), and about 50 Lanczos steps when the step is bounded.

    Applied to least squares this is the Landweber iteration [1]_.

    References
    ----------
    .. [1] L. Landweber, "An iteration formula for Fredholm integral equations of the first kind", Amer. J.
       Math. 73(3), 615-624 (1951).

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
    return _run_least_squares(_gd_iterates(s, info["step"]), s, tol=tol, maxiter=maxiter,
                callback=callback, progress=progress, name="gradient descent", info=info)


def nesterov(A, b, *, x0=None, reg=0.0, step=None, maxiter=1000, tol=1e-8, lipschitz=None,
             restart=True, callback: Callable | None = None, progress: bool = False) -> SolverResult:
    r"""Least squares with Tikhonov regularisation by accelerated gradient.

    Nesterov's method with the FISTA momentum and optional adaptive restart; minimises :math:`f(x) =
    \frac12\|A x - b\|_2^2 + \frac12\lambda\|x\|_2^2`.

    Parameters
    ----------%(common)s
    reg, step, maxiter, tol, lipschitz, callback, progress
        As in :func:`gradient_descent` (the same default step :math:`1/L`).
    restart : bool, optional
        Reset the momentum when it points uphill (see Notes).

    Returns
    -------
    SolverResult
        As in :func:`gradient_descent`; ``info['restarts']`` counts the restarts.

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

    Adaptive gradient restart: when :math:`\operatorname{Re}\langle \nabla f(y_k), x_{k+1} - x_k\rangle > 0`
    the momentum is reset (:math:`t_{k+1} = 1`, so :math:`y_{k+1} = x_{k+1}`).

    Stopping rule and special cases as in :func:`gradient_descent`, the residual taken at :math:`x_k`, not
    :math:`y_k`.  Cost per iteration: one product with :math:`A` and one with :math:`A^H`: as :math:`f` is
    quadratic, :math:`\nabla f(y_k)` is the same combination of :math:`\nabla f(x_k)` and :math:`\nabla
    f(x_{k-1})` as :math:`y_k` of the iterates.

    References
    ----------
    .. [1] Y. Nesterov, "A method for solving the convex programming problem with convergence rate O(1/k^2)",
       Soviet Math. Dokl. 27 (1983).
    .. [2] A. Beck and M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear inverse
       problems", SIAM J. Imaging Sci. 2(1), 183-202 (2009).
    .. [3] B. O'Donoghue and E. Candès, "Adaptive restart for accelerated gradient schemes", Found. Comput.
       Math. 15, 715-732 (2015).

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
    return _run_least_squares(_nesterov_iterates(s, info["step"], bool(restart), info), s, tol=tol, info=info,
                              maxiter=maxiter, callback=callback, progress=progress, name="nesterov")


def cgls(A, b, *, x0=None, reg=0.0, maxiter=None, tol=1e-8, noise_std=None, tau=DEFAULT_TAU,
         callback: Callable | None = None, progress: bool = False) -> SolverResult:
    r"""Least squares with Tikhonov regularisation by conjugate gradients (CGLS).

    Conjugate gradients on :math:`(A^H A + \lambda I)\,x = A^H b` without forming :math:`A^H A`.

    Parameters
    ----------%(common)s
    reg, tol, callback, progress
        As in :func:`gradient_descent`.
    maxiter : int, optional
        Maximum number of iterations (0 to ``10**8``); default ``min(n, 10_000)`` (in exact arithmetic CGLS
        ends within ``n``).
    noise_std : float, optional
        Standard deviation :math:`\sigma > 0` of white noise in `b`: stop by the discrepancy principle at the
        first iterate with :math:`\|A x_k - b\|_2 \le \tau \sigma \sqrt m` (see Notes).
    tau : float, optional
        Safety factor :math:`\tau \ge 1` of the discrepancy principle (used with `noise_std`).

    Returns
    -------
    SolverResult
        As in :func:`gradient_descent` (``info`` holds ``reg``, ``atb_norm``, ``best_iteration`` and
        ``discrepancy``, the bound :math:`\tau\sigma\sqrt m` or None, and ``stop``, how the solve ended:
        ``'discrepancy'``, ``'tol'``, ``'maxiter'``, ``'callback'``, ``'breakdown'``, ``'diverged'`` or
        ``'interrupted'``); ``history.residual_norm[k]`` is
        :math:`\|A x_k - b\|_2` for every iterate, the start included.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gradient_descent` (there is no `step`); `noise_std` not finite and positive, `tau` not
        finite and at least 1.

    Notes
    -----
    With :math:`r_0 = A x_0 - b`, :math:`g_0 = A^H r_0 + \lambda x_0`, :math:`p_0 = -g_0`:

    .. math::

        q_k &= A p_k, \qquad
        \alpha_k = \frac{\|g_k\|^2}{\|q_k\|^2 + \lambda\|p_k\|^2}, \\
        x_{k+1} &= x_k + \alpha_k p_k, \qquad r_{k+1} = r_k + \alpha_k q_k, \\
        g_{k+1} &= A^H r_{k+1} + \lambda x_{k+1}, \qquad
        p_{k+1} = -g_{k+1} + \frac{\|g_{k+1}\|^2}{\|g_k\|^2}\,p_k.

    :math:`r_k` is updated recursively (:math:`A x_k - b` up to rounding); the objective is non-increasing,
    and so is :math:`\|r_k\|` for :math:`\lambda = 0`.

    Stopping rule and special cases as in :func:`gradient_descent` (the residual is :math:`-g_k`);
    :math:`\|q_k\|^2 + \lambda\|p_k\|^2 = 0` stops with a breakdown (residual at rounding level).

    With `noise_std` the discrepancy principle (Morozov; iterations as the regularisation [3]_) is checked
    first, at every iterate from :math:`x_0` on: the solve stops at the first :math:`k` with
    :math:`\|r_k\|_2 \le \tau \sigma \sqrt m` (absolute, 2-norm of the recursively updated residual,
    :math:`m` the number of data values), with ``converged=True``.  With ``reg = 0`` the residual norm is
    non-increasing, so that iterate is the first to meet the bound and every earlier one is above it; the
    error to the truth typically falls and then rises again (semi-convergence), which `callback`, given
    each :math:`x_k`, can record.  Cost per
    iteration: one product with :math:`A` and one with :math:`A^H`; memory: four vectors of length ``n`` and
    two of length ``m``.

    References
    ----------
    .. [1] Å. Björck, "Numerical Methods for Least Squares Problems", SIAM (1996), section 7.4 (CGLS).
    .. [2] M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear systems", J. Res.
       Nat. Bur. Standards 49 (1952).
    .. [3] P. C. Hansen, *Discrete Inverse Problems: Insight and Algorithms*, SIAM (2010), section 6.3.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> res = cgls(A, [2.0, 1.0, 2.0])
    >>> res.converged, res.iterations, np.round(res.solution, 6)
    (True, 2, array([1., 1.]))

    Stopped by the discrepancy principle (:math:`\|r\| \le 1.01 \cdot 0.5 \sqrt 3 = 0.875`):

    >>> res = cgls(A, [2.0, 1.0, 2.5], noise_std=0.5)
    >>> res.iterations, np.round(res.history.residual_norm, 3), round(res.info["discrepancy"], 3)
    (1, array([3.354, 0.83 ]), 0.875)
    """
    op = as_operator(A)
    if maxiter is None:
        maxiter = min(op.shape[1], 10_000)
    s, tol, maxiter = _start(op, b, x0, reg, tol, maxiter)
    target = None if noise_std is None else discrepancy_target(noise_std, tau, s.b.size)
    if noise_std is None:
        check_real(tau, "tau", low=1.0)
    return _run_least_squares(_cgls_iterates(s), s, tol=tol, maxiter=maxiter, callback=callback,
                progress=progress, name="cgls", info={"discrepancy": target}, target=target)


def _pcg_iterates(T, M, b, x, g, threshold, measure) -> Iterator[Iterate]:
    def iterate(x, g, gnorm):
        objective, residual_norm = measure(x, g)
        return Iterate(x, g, objective, residual_norm, gnorm)

    dtype, restart, gamma = b.dtype, True, None
    yield iterate(x, g, norm(g))
    while True:
        z = apply(M.matvec, g, dtype, "preconditioner") if M is not None else g
        gamma, gamma_prev = float(np.real(inner(g, z))), (None if restart else gamma)
        if restart:
            p = -z
        else:
            p *= gamma / gamma_prev
            p -= z
        q = apply(T.matvec, p, dtype, "T")
        curvature = float(np.real(inner(p, q)))
        if not curvature > 0.0:
            return
        alpha = gamma / curvature
        x, g, restart = x + alpha * p, g + alpha * q, False
        gnorm = norm(g)
        if gnorm <= threshold:  # confirm with the true residual: the recursive one drifts
            g, restart = apply(T.matvec, x, dtype, "T") - b, True
            gnorm = norm(g)
        yield iterate(x, g, gnorm)


def pcg(T, b, *, preconditioner=None, x0=None, maxiter=None, tol=1e-8, callback: Callable | None = None,
        progress: bool = False, measure: Callable | None = None) -> SolverResult:
    r"""Preconditioned conjugate gradients for a Hermitian positive definite system.

    Solves :math:`T x = b`, e.g. normal equations with a fast :math:`T` (:func:`solvers.inverse_kernel`
    applies one by FFT).

    Parameters
    ----------
    T : LinearOperator, pylops operator, sparse array or matrix, or ndarray
        The Hermitian positive definite matrix, shape ``(n, n)`` (see :func:`as_operator`; only ``matvec`` is
        used).
    b : array_like, n entries
        Right-hand side, flattened row-major.
    preconditioner : LinearOperator, sparse array or matrix, or ndarray, optional
        :math:`M^{-1}`, Hermitian positive definite, shape ``(n, n)``, applied by its ``matvec``; none by
        default.
    x0 : array_like, n entries, optional
        Starting point; zero by default.
    maxiter : int, optional
        Maximum number of iterations (0 to ``10**8``); default ``min(n, 10_000)``.
    tol, callback, progress
        As in :func:`gradient_descent`.
    measure : callable, optional
        ``measure(x, g)`` with :math:`g = T x - b` returns the recorded ``(objective, residual_norm)``;
        default the energy :math:`\frac12 \operatorname{Re}\langle x, g - b\rangle` and :math:`\|g\|_2`.

    Returns
    -------
    SolverResult
        As in :func:`gradient_descent`, with ``residual`` :math:`T x - b`, ``objective`` and ``history`` from
        `measure` (``gradient_norm`` is :math:`\|T x - b\|_2`) and ``info`` with ``b_norm``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gradient_descent`; a `T` or `preconditioner` not ``(n, n)``.

    Notes
    -----
    With :math:`g_0 = T x_0 - b`, :math:`z_0 = M^{-1} g_0`, :math:`p_0 = -z_0`:

    .. math::

        \alpha_k &= \frac{\operatorname{Re}\langle g_k, z_k\rangle}
                         {\operatorname{Re}\langle p_k, T p_k\rangle}, \qquad
        x_{k+1} = x_k + \alpha_k p_k, \qquad g_{k+1} = g_k + \alpha_k T p_k, \\
        z_{k+1} &= M^{-1} g_{k+1}, \qquad
        p_{k+1} = -z_{k+1} + \frac{\operatorname{Re}\langle g_{k+1}, z_{k+1}\rangle}
                                   {\operatorname{Re}\langle g_k, z_k\rangle}\,p_k.

    Stopping rule: :math:`\|b - T x_k\|_2 \le \texttt{tol}\,\|b\|_2` (that of :func:`gradient_descent` for
    :math:`T = A^H A + \lambda I`, :math:`b = A^H y`), checked on the true residual :math:`T x_k - b` once the
    recursive one meets it (one more product; the directions restart from it if it fails). ``b = 0`` returns
    ``x = 0``; :math:`p^H T p \le 0` is a breakdown; Ctrl-C returns the iterate of lowest objective.  Cost per
    iteration: one product with :math:`T` and one with :math:`M^{-1}`.

    References
    ----------
    .. [1] M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear systems", J. Res.
       Nat. Bur. Standards 49 (1952).

    Examples
    --------
    >>> import numpy as np
    >>> T = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> res = pcg(T, [1.0, 2.0], preconditioner=np.diag([1 / 4, 1 / 3]))
    >>> res.converged, np.allclose(T @ res.solution, [1.0, 2.0])
    (True, True)
    """
    T, dtype, b, x = problem_data(T, b, x0)
    n = T.shape[1]
    if T.shape[0] != n:
        raise ValueError(f"T must be square (Hermitian positive definite), got shape {T.shape}")
    M = None if preconditioner is None else as_operator(preconditioner)
    if M is not None and M.shape != (n, n):
        raise ValueError(f"preconditioner has shape {M.shape}; allowed: ({n}, {n}), that of T")
    tol, maxiter = check_stopping(tol, min(n, 10_000) if maxiter is None else maxiter)
    e = exponent(b) if measure is None else 0  # as in the least-squares start; a given measure sees x
    b, x = ldexp(b, -e), None if x is None else ldexp(x, -e)
    if measure is None:
        def measure(x, g):
            return 0.5 * float(np.real(inner(x, g) - inner(x, b))), norm(g)
    g = -b if x is None else apply(T.matvec, x, dtype, "T") - b
    x = np.zeros(n, dtype) if x is None else x
    b_norm = norm(b)

    def zero():
        x = np.zeros(n, dtype)
        return Iterate(x, x, *measure(x, x), 0.0)

    return _run(_pcg_iterates(T, M, b, x, g, tol * b_norm, measure), scale=b_norm, zero=zero,
                tol=tol, maxiter=maxiter, callback=callback, progress=progress, name="pcg",
                rule="||b - T x||_2 <= tol ||b||_2", rhs="b", info={"b_norm": ldexp(b_norm, e)}, e=e)


for _f in (gradient_descent, nesterov, cgls):
    _f.__doc__ = _f.__doc__.replace("%(common)s", _COMMON_PARAMETERS)
del _f
