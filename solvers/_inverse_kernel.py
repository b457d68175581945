"""Inverse kernels: an FIR ``g`` with ``f * g`` close to a delayed impulse (see :func:`inverse_kernel`)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.fft as sfft
import scipy.signal as ss
from scipy.sparse.linalg import LinearOperator

from convops import convolution_operator
from convops._validation import DEFAULT_MAX_BYTES, check_allocation, check_kernel, check_option, check_real

from ._direct import least_squares
from ._iterative import gradient_descent, nesterov, pcg
from ._kernel_problem import KernelProblem, check_invertible, check_size, pow2
from ._linalg import inner, norm, squared_norm
from ._result import SolverResult

__all__ = ["inverse_kernel", "full_convolution_norm_bound", "INVERSE_KERNEL_METHODS"]

#: Methods of :func:`inverse_kernel`.
INVERSE_KERNEL_METHODS = ("auto", "direct", "gd", "nesterov", "cg")

# 'auto' solves directly up to this many unknowns.
_DIRECT_MAX_UNKNOWNS = 4096
#: Most DFT points of the default grid of :func:`full_convolution_norm_bound` (beyond: ``||f||_1``).
NORM_BOUND_MAX_GRID = 2**24


def full_convolution_norm_bound(kernel, *, grid=None, max_bytes=DEFAULT_MAX_BYTES) -> float:
    r"""A proven upper bound on the 2-norm of full convolution with `kernel`.

    Full convolution on any support is a section of the convolution on infinite sequences, of norm
    :math:`\sup_\omega |F(\omega)|`, at most the maximum on a DFT grid plus the largest change of :math:`|F|`
    between grid points:

    .. math:: \sup_\omega |F(\omega)| \le \max_k |F(\omega_k)| +
              \sum_{a} \frac{\pi}{K_a} \sum_j |j_a - c_a|\,|f_j|

    with :math:`K_a` grid points and centre :math:`c_a` on axis ``a``, and
    by :math:`\|f\|_1` (Young's inequality); the smaller bound is returned.

    Parameters
    ----------
    kernel : array_like
        The kernel ``f``.
    grid : tuple of int, optional
        DFT grid; default 1 point on an axis of length 1 (exact there), else ``max(32 m, 2**(16 / k))``
        (``k`` such axes), and ``||f||_1`` alone when that is above ``NORM_BOUND_MAX_GRID`` points.
    max_bytes : float, optional
        Memory limit of the grid (``convops._validation.check_allocation``).

    Returns
    -------
    float
        ``B`` with ``||f * g||_2 <= B ||g||_2`` for every ``g``.

    Examples
    --------
    >>> bound = full_convolution_norm_bound([1.0, 1.0])   # sup |1 + e^{-iw}| = 2
    >>> 2.0 <= bound < 2.001
    True
    """
    f = check_kernel(kernel)
    l1, k = float(np.abs(f).sum()), max(1, sum(m > 1 for m in f.shape))
    default = tuple(1 if m == 1 else max(32 * m, int(2 ** (16 / k))) for m in f.shape)
    if grid is None and math.prod(default) > NORM_BOUND_MAX_GRID:
        return l1
    grid = grid or default
    check_allocation(16 * math.prod(grid), f"the DFT grid {grid} of full_convolution_norm_bound", max_bytes)
    peak = float(np.abs(sfft.fftn(f, s=grid)).max())
    slack = 0.0
    for axis, (m, k) in enumerate(zip(f.shape, grid)):
        offsets = np.abs(np.arange(m) - (m - 1) / 2).reshape([-1 if a == axis else 1 for a in range(f.ndim)])
        slack += math.pi / k * float((offsets * np.abs(f)).sum())
    return min(peak + slack, l1)


class _NormalEquations:
    r"""(A^H A + reg I) g by FFT and its T. Chan circulant preconditioner.

    ``A^H A`` is convolution with the autocorrelation ``R`` of ``f``; on ``P >= p + m - 1``
    points per axis its circular form (spectrum ``|F_P|^2``) does not wrap on the support.  The
    preconditioner is T. Chan's circulant of size ``P`` (weights ``(P - |k|) / P``) on ``g``
    zero-padded to ``P`` and cropped back (Hermitian positive definite).
    """

    def __init__(self, problem: KernelProblem):
        f = problem.f
        self.real = not np.iscomplexobj(f)
        self.reg = problem.reg
        self.grid = tuple(sfft.next_fast_len(p + m - 1, real=self.real) for p, m in zip(problem.size, f.shape))
        self.size = problem.size
        self.crop = tuple(slice(0, p) for p in problem.size)
        spectrum = self._fft(f)
        self.gram = (spectrum.real ** 2 + spectrum.imag ** 2).astype(np.real(f).dtype)
        autocorrelation = ss.correlate(f, f, mode="full")  # lag k at index k + m - 1
        weights = np.ones(autocorrelation.shape)
        positions = []
        for axis, (m, n) in enumerate(zip(f.shape, self.grid)):
            lags = np.arange(-(m - 1), m)
            shape = [-1 if a == axis else 1 for a in range(f.ndim)]
            weights = weights * np.clip((n - np.abs(lags)) / n, 0.0, None).reshape(shape)
            positions.append(np.mod(lags, n))
        circulant = np.zeros(self.grid, dtype=autocorrelation.dtype)
        np.add.at(circulant, np.ix_(*positions), weights * autocorrelation)
        eig = self._fft(circulant).real + self.reg
        self.precond = np.maximum(eig, 1e-12 * eig.max()).astype(self.gram.dtype)

    def _fft(self, a):
        return sfft.rfftn(a, s=self.grid) if self.real else sfft.fftn(a, s=self.grid)

    def _ifft(self, a):
        axes = tuple(range(a.ndim))
        return sfft.irfftn(a, s=self.grid, axes=axes) if self.real else sfft.ifftn(a, s=self.grid, axes=axes)

    def apply(self, g):
        spectrum = self._fft(g)
        spectrum *= self.gram
        out = self._ifft(spectrum)[self.crop]
        return out + self.reg * g if self.reg else np.ascontiguousarray(out)

    def solve_preconditioner(self, r):
        spectrum = self._fft(r)
        spectrum /= self.precond
        return np.ascontiguousarray(self._ifft(spectrum)[self.crop])

    def operator(self, fn, dtype) -> LinearOperator:
        """`fn` (``apply`` or ``solve_preconditioner``) on flat vectors."""
        n, flat = math.prod(self.size), (lambda v: fn(v.reshape(self.size)).ravel())
        op = LinearOperator((n, n), matvec=flat, dtype=dtype)
        op.matvec = flat  # the sizes are ours: skip the per-call shape checks
        return op


def _pcg(problem: KernelProblem, delay, *, tol, maxiter, callback, progress) -> SolverResult:
    """Preconditioned CG on the normal equations, T = A^H A + reg I by FFT."""
    normal = _NormalEquations(problem)
    b = problem.rhs(delay).ravel()

    def measure(g, gradient):
        # 0.5||A g - delta||^2 + 0.5 reg||g||^2 = 0.5 + 0.5 Re<g, T g - 2b>, with T g - b = gradient
        objective = max(0.5 + 0.5 * float(np.real(inner(g, gradient - b))), 0.0)
        data_term = 2 * objective - problem.reg * squared_norm(g) if problem.reg else 2 * objective
        return objective, math.sqrt(max(data_term, 0.0))

    wrapped = None if callback is None else (lambda x, k: callback(problem.to_g(x.reshape(problem.size)), k))
    return pcg(normal.operator(normal.apply, b.dtype), b, tol=tol, maxiter=maxiter, callback=wrapped,
               preconditioner=normal.operator(normal.solve_preconditioner, b.dtype), progress=progress, measure=measure)


def inverse_kernel(kernel, size, *, method="auto", delay="center", reg=0.0, tol=None, maxiter=None,
                   step=None, callback=None, progress=False, max_bytes=DEFAULT_MAX_BYTES) -> SolverResult:
    r"""Least-squares FIR inverse of a kernel: ``g`` with ``f * g`` close to ``delta_d``.

    Minimises :math:`\tfrac12\|f * g - \delta_d\|_2^2 + \tfrac12\lambda\|g\|_2^2` over ``g`` of shape `size`, with
    full (zero-boundary) convolution.  The residual is never zero (the exact inverse is IIR); it falls
    geometrically with the size unless the transfer function has zeros on the unit circle.

    Parameters
    ----------
    kernel : array_like, shape (m,) or (m, n) or N-D
        The kernel ``f`` (not all zeros).
    size : int or tuple of int
        Shape ``(p, q)`` of the inverse (an int is used on every axis).
    method : {'auto', 'direct', 'gd', 'nesterov', 'cg'}, optional
        ``'direct'``: :func:`solvers.least_squares` on the full convolution matrix.  ``'gd'``, ``'nesterov'``:
        :func:`solvers.gradient_descent`, :func:`solvers.nesterov` on :func:`convops.convolution_operator`.
        ``'cg'``: :func:`solvers.pcg` on the normal equations by FFT, preconditioned by T. Chan's circulant.
        ``'auto'``: ``'direct'`` up to 4096 unknowns, else ``'cg'``.
    delay : 'center', 'optimal', int or tuple of int, optional
        Position ``d`` of the impulse on the full grid (shape ``m + p - 1``; an int is used on every axis).
        ``'center'`` (alias ``'centre'``) is ``(m + p - 2) // 2`` per axis. ``'optimal'`` (the optimum-lag spiking
        filter) computes the error :math:`\|f * g_d - \delta_d\|_2` of every delay (1-D: a Toeplitz recursion in
        ``O((m + p) p)``; N-D: one dense QR of ``[A; sqrt(reg) I]``) and takes the smallest (ties within 1e-9 go
        to the delay nearest the centre); see ``info['errors_by_delay']``.
    reg : float, optional
        Tikhonov weight :math:`\lambda \ge 0`.
    tol : float, optional
        Iterative methods stop when :math:`\|A^H(\delta_d - A g) - \lambda g\|_2 \le
        tol\,\|A^H \delta_d\|_2` (default ``1e-10``; ``1e-5`` for single precision).
    maxiter : int, optional
        Iteration limit (default 10 000; ``max(200, 10 * sqrt(p q))`` for ``'cg'``).
    step : float, optional
        Fixed step for ``'gd'``/``'nesterov'`` (e.g. 5e-5); default ``1/L`` with ``L`` from
        :func:`full_convolution_norm_bound` (proven).
    callback, progress
        As in :func:`solvers.gradient_descent` (`callback` gets ``g`` of shape `size`).
    max_bytes : float, optional
        Memory limit of the work arrays (FFT grids, ``g``, residual; the matrix of ``'direct'``).

    Returns
    -------
    SolverResult
        ``solution`` is ``g`` (shape `size`); ``residual`` is ``f * g - delta_d`` on the full grid; ``info`` holds
        ``delay``, ``method``, ``error_norm`` (:math:`\|f * g - \delta_d\|_2`) and, for ``delay='optimal'``,
        ``errors_by_delay`` (that error for every delay).

    Raises
    ------
    ValueError
        All-zero or non-finite kernel, size < 1, negative `reg`, a delay outside the full grid, an unknown method,
        or ``'optimal'`` above the cost limits (a dense QR of more than 2.5e7 entries, a 1-D scan above 2e9
        operations or 1e7 delays); work arrays above `max_bytes` (``AllocationTooLargeError``).
    TypeError
        Non-integer size or delay.

    Notes
    -----
    The gradient is the correlation :math:`f \star (f * g - \delta_d) + \lambda g` (``'valid'``).  ``'cg'``
    applies ``A^H A`` as convolution with the autocorrelation of ``f`` by FFT on ``p + m - 1`` points per axis:
    two FFT pairs per iteration, no matrix.

    References
    ----------
    .. [1] E. A. Robinson and S. Treitel, *Geophysical Signal Analysis*,
       1980 (optimum-lag spiking filters).
    .. [2] T. F. Chan, "An optimal circulant preconditioner for Toeplitz
       systems", SIAM J. Sci. Stat. Comput. 9(4), 1988.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import inverse_kernel
    >>> f = np.array([[0.0, 0.1, 0.0], [0.1, 1.0, 0.1], [0.0, 0.1, 0.0]])
    >>> result = inverse_kernel(f, (9, 9))
    >>> result.solution.shape, result.residual.shape, result.info["delay"]
    ((9, 9), (11, 11), (5, 5))
    >>> result.info["error_norm"] < 1e-3
    True
    """
    f = check_invertible(kernel)
    size = check_size(size, f.ndim)
    reg = check_real(reg, "reg")
    method = check_option(method, "method", INVERSE_KERNEL_METHODS)
    if method == "auto":
        method = "direct" if math.prod(size) <= _DIRECT_MAX_UNKNOWNS else "cg"
    grid = math.prod(sfft.next_fast_len(p + m - 1) for p, m in zip(size, f.shape))   # >= the full grid
    check_allocation(8 * grid * np.dtype(np.result_type(f, np.complex64)).itemsize + (method == "direct") * 24
                     * math.prod(size) * f.size, f"inverse_kernel(method={method!r}) of size {size}", max_bytes)
    problem = KernelProblem(f, size, reg)
    delay, errors = problem.resolve(delay)
    if tol is None:
        tol = 1e-10 if np.finfo(f.dtype).bits == 64 else 1e-5
    info = {"method": method, **({} if errors is None else {"errors_by_delay": errors}), "delay": delay}

    if method == "direct":
        solved = least_squares(problem.matrix(), problem.target(delay).ravel(), reg=problem.reg)
    elif method == "cg":
        maxiter = max(200, int(10 * math.sqrt(math.prod(size)))) if maxiter is None else maxiter
        solved = _pcg(problem, delay, tol=tol, maxiter=maxiter, callback=callback, progress=progress)
    else:
        solver = gradient_descent if method == "gd" else nesterov
        op = convolution_operator(problem.f, size, boundary="zero", output="full")
        wrapped = None if callback is None else (lambda x, k: callback(problem.to_g(x.reshape(size)), k))
        solved = solver(op, problem.target(delay).ravel(), reg=problem.reg, tol=tol,
                        step=None if step is None else pow2(step, 2 * problem.e),    # steps in h = 2**e g
                        maxiter=10_000 if maxiter is None else maxiter,
                        lipschitz=None if step is not None else full_convolution_norm_bound(problem.f),
                        callback=wrapped, progress=progress)
        units = {"step": -2 * problem.e, "lipschitz": 2 * problem.e}
        info.update({k: pow2(v, units[k]) if k in units and v is not None else v
                     for k, v in solved.info.items() if k in (*units, "restarts")})
    h = solved.solution.reshape(size)
    residual = problem.residual(h, delay)
    info["error_norm"] = norm(residual)
    history = dataclasses.replace(solved.history, gradient_norm=pow2(solved.history.gradient_norm, problem.e))
    return SolverResult(solution=problem.to_g(h), iterations=solved.iterations, converged=solved.converged,
                        history=history, objective=problem.objective(h, residual),
                        residual=residual, message=solved.message, info=info)

