"""Separable (rank-one) 2-D kernels: splitting them and inverting them axis by axis."""

from __future__ import annotations

import numpy as np

from convops import float_dtype
from convops._validation import check_option, check_real

from ._fir import FIR_METHODS, fir_inverse
from ._kernel_problem import (KernelProblem, check_invertible, check_size, frequency_error, frequency_grid, parse_delay,
                              pow2)
from ._result import HistoryRecorder, SolverResult

__all__ = ["separate", "separable_inverse"]

#: Oversampling of the 2-D grid of ``max_frequency_error`` (16 per axis would be 16 times larger).
FREQUENCY_OVERSAMPLING_2D = 4


def _default_rtol(k: np.ndarray) -> float:
    """The default rank tolerance of :func:`separate`."""
    return max(1e-10, 100 * max(k.shape) * float(np.finfo(k.dtype).eps))


def separate(kernel, *, rtol: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Split a rank-one 2-D kernel into a column and a row factor.

    Parameters
    ----------
    kernel : array_like, shape (m, n)
        Real or complex, finite.
    rtol : float, optional
        Separable when ``sigma_2 <= rtol sigma_1``.  Default ``max(1e-10, 100 max(m, n) eps)`` (``eps`` of the
        kernel's dtype: rounding to float32 alone leaves ``sigma_2 / sigma_1 ~ 1e-7``).

    Returns
    -------
    col : ndarray, shape (m,)
    row : ndarray, shape (n,)
        ``kernel ~= numpy.outer(col, row)``, the largest entry of `col` real
        and positive; dtype ``convops.float_dtype(kernel)``.

    Raises
    ------
    ValueError
        A kernel that is not 2-D, empty, non-finite or all zero, a negative
        `rtol`, or a numerical rank above one.
    TypeError
        Non-numeric kernel.

    Notes
    -----
    From the SVD ``kernel = U diag(sigma) V^H``: ``col = sqrt(sigma_1) U[:, 0]``, ``row = sqrt(sigma_1) V^H[0, :]``.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import separate
    >>> col, row = separate(np.outer([1.0, 2.0, 1.0], [1.0, -1.0]))
    >>> np.allclose(np.outer(col, row), [[1, -1], [2, -2], [1, -1]])
    True
    >>> separate([[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    Traceback (most recent call last):
    ...
    ValueError: kernel is not separable: numerical rank 2 (sigma_2/sigma_1 = 0.5 > rtol = 1e-10); a rank-r kernel is a sum of r separable terms
    """
    k = check_invertible(kernel, ndim=2)
    rtol = _default_rtol(k) if rtol is None else check_real(rtol, "rtol")
    u, s, vh = np.linalg.svd(k.astype(np.complex128 if np.iscomplexobj(k) else np.float64))
    rank = int(np.count_nonzero(s > rtol * s[0]))
    if rank > 1:
        raise ValueError(f"kernel is not separable: numerical rank {rank} (sigma_2/sigma_1 = "
                         f"{s[1] / s[0]:.3g} > rtol = {rtol:g}); a rank-r kernel is a sum of r "
                         "separable terms")
    col, row = np.sqrt(s[0]) * u[:, 0], np.sqrt(s[0]) * vh[0]
    j = int(np.argmax(np.abs(col)))
    phase = col[j] / abs(col[j])
    col, row = col * np.conj(phase), row * phase
    col[j] = abs(col[j])                        # real and positive, not merely to rounding
    dtype = float_dtype(k)
    return col.astype(dtype), row.astype(dtype)


def separable_inverse(kernel, size, *, method: str = "ls", delay="centre",
                      rtol: float | None = None, **options) -> SolverResult:
    r"""Inverse of a separable 2-D kernel, built axis by axis.

    Parameters
    ----------
    kernel : array_like, shape (m, n)
        A numerically rank-one kernel (see :func:`separate`).
    size : int or (int, int)
        Shape ``(p, q)`` of the inverse; an int means ``(size, size)``.
    method : {'ls', 'truncated', 'frequency', 'lms'}, optional
        Method of :func:`solvers.fir_inverse` used on both axes.
    delay : 'center', 'centre', 'optimal', int or (int, int), optional
        Target position ``(d1, d2)`` on the full grid ``(m + p - 1, n + q - 1)``,
        as in :func:`solvers.inverse_kernel`; ``'optimal'`` is each axis's own.
    rtol : float, optional
        Rank tolerance of :func:`separate`.
    **options
        Passed to :func:`solvers.fir_inverse` for both axes (``reg`` acts on each axis, which is not the 2-D
        Tikhonov problem).

    Returns
    -------
    SolverResult
        ``solution``: ``g = outer(g1, g2)``, shape ``(p, q)``, dtype ``convops.float_dtype(kernel)``;
        ``residual``: ``f * g - delta_d`` on the full grid; ``objective``: ``0.5 ||f * g - delta_d||_F^2``;
        ``iterations`` and ``converged`` combine the two axes; ``info``: ``'delay'`` ``(d1, d2)``, ``'method'``,
        ``'factors'`` ``(col, row)``, ``'axes'`` (the 1-D results), ``'error_norms'`` ``(e1, e2)``,
        ``'error_norm'``, ``'error_bound'`` (``e1 + e2 + e1 e2``), and as in :func:`solvers.fir_inverse` (grid
        ``>= 4 (m + p)`` by ``>= 4 (n + q)``) ``'max_frequency_error'`` and ``'nfft'``.

    Raises
    ------
    ValueError, TypeError
        As :func:`separate` (in particular a kernel of rank above one) and
        :func:`solvers.fir_inverse` (size, delay, method, options).

    Notes
    -----
    With ``f = c r^T``, ``g = g_1 g_2^T``, ``a = c * g_1`` and ``b = r * g_2``,
    ``f * g = a b^T`` and

    .. math:: f * g - \delta_{d_1} \delta_{d_2}^T
              = (a - \delta_{d_1}) b^T + \delta_{d_1} (b - \delta_{d_2})^T ,

    so ``||f * g - delta_d|| <= e_1 + e_2 + e_1 e_2`` for 1-D errors ``e_i``;
    for least-squares factors (no ``reg``) exactly

    .. math:: \|f * g - \delta_d\|^2 = e_1^2 + e_2^2 - e_1^2 e_2^2 .

    The full convolution matrix of ``f`` is ``A_1 \otimes A_2``, with pseudo-inverse ``A_1^+ \otimes A_2^+``: with
    ``reg = 0`` the separable LS inverse *is* the 2-D one of :func:`solvers.inverse_kernel`, for two 1-D solves;
    with ``reg > 0`` or another method it approximates it.  Kernels of higher rank need
    :func:`solvers.inverse_kernel`.

    References
    ----------
    .. [1] R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th
       ed., Pearson, 2018, sec. 3.4 (separable filter kernels).
    .. [2] C. F. Van Loan, "The ubiquitous Kronecker product", *J. Comput.
       Appl. Math.* 123 (2000), 85-100 (pseudo-inverse of a Kronecker product).

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import separable_inverse
    >>> f = np.outer([1.0, -0.5], [1.0, 0.25])
    >>> res = separable_inverse(f, (8, 8), delay=0)
    >>> res.solution.shape, bool(res.info["error_norm"] < 1e-2)
    ((8, 8), True)
    """
    k = check_invertible(kernel, ndim=2)
    size = check_size(size, 2)
    col, row = separate(k, rtol=rtol)
    method = check_option(method, "method", FIR_METHODS)
    problem = KernelProblem(k.astype(np.complex128 if np.iscomplexobj(k) else np.float64), size)
    d = parse_delay(delay, problem.full_shape)
    frequency_grid(problem.full_shape, FREQUENCY_OVERSAMPLING_2D)     # refused before any work
    axes = [fir_inverse(factor, n, delay=d if d == "optimal" else (d_axis,), method=method, **options)
            for factor, n, d_axis in zip((col, row), size, (0, 0) if d == "optimal" else d)]
    d = tuple(a.info["delay"] for a in axes)
    g = np.outer(axes[0].solution, axes[1].solution)
    residual = problem.residual(pow2(g, problem.e), d)
    error = float(np.linalg.norm(residual))
    e1, e2 = (a.info["error_norm"] for a in axes)
    max_err, nfft = frequency_error(residual, FREQUENCY_OVERSAMPLING_2D)
    rec = HistoryRecorder()
    rec.record(objective=0.5 * error**2, residual_norm=error,
               gradient_norm=pow2(np.linalg.norm(problem.gradient(pow2(g, problem.e), residual)), problem.e))
    return SolverResult(solution=g.astype(float_dtype(k)), iterations=sum(a.iterations for a in axes),
        converged=all(a.converged for a in axes), history=rec.history(), objective=0.5 * error**2,
        residual=residual.astype(float_dtype(k)), message=f"outer product of two 1-D '{method}' inverses",
        info={"delay": d, "method": method, "factors": (col, row), "axes": tuple(axes),
              "error_norms": (e1, e2), "error_norm": error, "error_bound": e1 + e2 + e1 * e2,
              "max_frequency_error": max_err, "nfft": nfft})
