r"""Direct least-squares solves: dense SVD or a sparse factorisation."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from convops._validation import check_option, check_real

from ._operators import apply, least_squares_iterate, problem_data, residual_and_gradient
from ._result import HistoryRecorder, SolverResult

__all__ = ["least_squares"]

#: Ways of solving.
METHODS = ("auto", "dense", "sparse")

#: ``method='auto'`` solves densely up to this many unknowns.
DENSE_MAX_COLUMNS = 2000

#: ... but a sparse input sparsely from this many unknowns on (dense SVD if rank deficient).
SPARSE_FIRST_COLUMNS = 256

#: Largest dense matrix (bytes) ever materialised from a sparse or matrix-free input.
DENSE_MAX_BYTES = 2**28


def least_squares(A, b, *, reg=0.0, method="auto") -> SolverResult:
    r"""Minimum-norm least-squares or Tikhonov solution by a direct solve.

    Computes :math:`x = A^+ b` (``reg = 0``: the least-squares solution of minimum norm) or the minimiser of
    :math:`\frac12\|A x - b\|_2^2 + \frac12\lambda\|x\|_2^2` (``reg`` = :math:`\lambda > 0`), i.e. :math:`(A^H
    A + \lambda I)^{-1} A^H b`.

    Parameters
    ----------
    A : sparse array or matrix, ndarray, LinearOperator or pylops operator
        The matrix, shape ``(m, n)``, e.g. :func:`convops.convolution_matrix`; a matrix-free operator is
        materialised only when small (`method`).
    b : array_like, m entries
        The data; an N-D array is flattened row-major (``b.ravel()``).
    reg : float, optional
        Tikhonov weight :math:`\lambda \ge 0`.
    method : {'auto', 'dense', 'sparse'}, optional
        ``'dense'``: ``numpy.linalg.lstsq`` (SVD) on :math:`A`, or on :math:`[A; \sqrt{\lambda} I]` with data
        :math:`[b; 0]`; the minimum-norm solution even when :math:`A` is rank deficient. ``'sparse'``: a
        sparse LU factorisation (``scipy.sparse.linalg.splu``, see Notes); needs :math:`A` of full rank when
        ``reg = 0``. ``'auto'``: dense for an ndarray and any input with ``n <= 256``; sparse for a larger
        sparse input, falling back to dense when :math:`A` is rank deficient and the dense matrix fits (``n <=
        2000`` and 256 MiB); dense for a matrix-free operator that fits, else an error.

    Returns
    -------
    SolverResult
        As in :func:`solvers.gradient_descent` with ``iterations = 0``, ``converged = True``, a one-entry
        ``history``, and ``info`` with ``method`` (``'dense'`` or ``'sparse'``), ``system`` (what was
        factorised), ``reg`` and, dense with ``reg = 0``, the numerical ``rank``.

    Raises
    ------
    TypeError
        Unsupported `A`, non-numeric data, non-real `reg`.
    ValueError
        `b` of the wrong size, non-finite data, negative or non-finite `reg`, unknown `method`; a dense matrix
        that would exceed 256 MiB; a large matrix-free operator (use :func:`cgls`); a sparse system that is
        singular to working precision (`A` rank deficient: use ``reg > 0`` or ``method='dense'``).

    Notes
    -----
    Sparse systems (:math:`A` is ``m x n``):

    * ``reg > 0``: :math:`(A^H A + \lambda I)\,x = A^H b`.
    * ``reg = 0`` and ``m >= n``: the augmented system
      :math:`\begin{bmatrix} I & A \\ A^H & 0 \end{bmatrix}
      \begin{bmatrix} r \\ x \end{bmatrix} = \begin{bmatrix} b \\ 0 \end{bmatrix}`
      (:math:`r = b - A x`), nonsingular iff :math:`A` has full column rank.
    * ``reg = 0`` and ``m < n``: the minimum-norm solution
      :math:`x = A^H (A A^H)^{-1} b` from
      :math:`\begin{bmatrix} I & A^H \\ A & 0 \end{bmatrix}
      \begin{bmatrix} x \\ y \end{bmatrix} = \begin{bmatrix} 0 \\ b \end{bmatrix}`
      (:math:`x = -A^H y`), nonsingular iff :math:`A` has full row rank.

    A sparse solve is refused (``ValueError``) when ``splu`` finds the matrix singular, a pivot is at rounding
    level, the solution is not finite, or :math:`\|A^H(A x - b) + \lambda x\|_2 > \sqrt{\varepsilon}\,\|A^H
    b\|_2` (a numerically singular system gives meaningless values).

    Cost: dense, :math:`O(m n \min(m, n))` time and :math:`O(m n)` memory; sparse, that of the LU fill-in
    (about :math:`O(n^{3/2})` for a 2-D convolution matrix).

    References
    ----------
    .. [1] Å. Björck, "Numerical Methods for Least Squares Problems", SIAM (1996), sections 1.4 (minimum-norm
       solutions, augmented systems) and 2.2 (Tikhonov regularisation).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> A = sp.csr_array(np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    >>> res = least_squares(A, [2.0, 1.0, 2.0], method="sparse")
    >>> np.round(res.solution, 12)
    array([1., 1.])
    >>> res = least_squares(np.ones((1, 2)), [2.0])  # minimum norm
    >>> np.round(res.solution, 12)
    array([1., 1.])
    """
    rec = HistoryRecorder()
    op, dtype, b_vec, _ = problem_data(A, b)
    reg = check_real(reg, "reg")
    method = check_option(method, "method", METHODS)
    fallback = None
    if method == "auto":
        method, fallback = _auto_method(A, op.shape, dtype)
    try:
        x, r, it, info = _solve(method, A, op, b_vec, reg, dtype)
    except _RankDeficientError:
        if fallback is None:
            raise
        method = fallback
        x, r, it, info = _solve(method, A, op, b_vec, reg, dtype)
    rec.record(objective=it.objective, residual_norm=it.residual_norm, gradient_norm=it.gradient_norm)
    return SolverResult(solution=x, iterations=0, converged=True, history=rec.history(),
                        objective=it.objective, residual=r, info={"method": method, "reg": reg, **info},
                        message=f"solved directly ({method}: {info['system']})")


def _solve(method, A, op, b_vec, reg, dtype):
    """Solve by `method`; return x, the residual, its bookkeeping and info."""
    if method == "dense":
        x, info = _solve_dense(_dense(A, op, dtype), b_vec, reg)
    else:
        x, info = _solve_sparse(_sparse(A, op, dtype), b_vec, reg)
    r, g = residual_and_gradient(op, b_vec, x, reg, dtype)
    it = least_squares_iterate(x, r, g, reg)
    if method == "sparse":
        _check_sparse_solution(it, op, b_vec, dtype, info["system"])
    return x, r, it, info


# -- choosing and materialising -------------------------------------------------
def _auto_method(A, shape, dtype) -> tuple[str, str | None]:
    """The method for ``'auto'`` and what to fall back to on rank deficiency."""
    m, n = shape
    if isinstance(A, np.ndarray):
        return "dense", None
    fits = n <= DENSE_MAX_COLUMNS and m * n * dtype.itemsize <= DENSE_MAX_BYTES
    if sp.issparse(A) and (n > SPARSE_FIRST_COLUMNS or not fits):
        return "sparse", ("dense" if fits else None)
    if fits:
        return "dense", None
    raise ValueError(f"A is a matrix-free operator of shape {shape} ({type(A).__name__}); solving it "
                     f"directly needs the {m} x {n} matrix ({m * n * dtype.itemsize / 2**20:.0f} MiB, {n} "
                     "products with A). Use cgls (or gradient_descent, nesterov) instead, or pass the sparse "
                     "matrix (convops.convolution_matrix)")


def _dense(A, op, dtype) -> np.ndarray:
    """`A` as a dense array of the working dtype."""
    if isinstance(A, np.ndarray):
        return np.asarray(A, dtype=dtype)
    nbytes = op.shape[0] * op.shape[1] * dtype.itemsize
    if nbytes > DENSE_MAX_BYTES:
        instead = "method='sparse' or cgls" if sp.issparse(A) else "cgls"
        raise ValueError(f"the dense form of A (shape {op.shape}) would take {nbytes / 2**20:.0f} MiB, "
                         f"more than the {DENSE_MAX_BYTES // 2**20} MiB allowed; use {instead}")
    if sp.issparse(A):
        return A.toarray().astype(dtype, copy=False)
    return np.column_stack([apply(op.matvec, e, dtype) for e in np.eye(op.shape[1], dtype=dtype)])


def _sparse(A, op, dtype) -> sp.csc_array:
    return sp.csc_array(A if sp.issparse(A) else _dense(A, op, dtype)).astype(dtype, copy=False)


def _augmented(top_right, bottom_left) -> sp.csc_array:
    """``[[I, top_right], [bottom_left, 0]]``."""
    eye = sp.identity(top_right.shape[0], dtype=top_right.dtype, format="csc")
    return sp.csc_array(sp.bmat([[eye, top_right], [bottom_left, None]], format="csc"))


# -- solving --------------------------------------------------------------------
def _solve_dense(M: np.ndarray, b: np.ndarray, reg: float):
    n = M.shape[1]
    if reg == 0.0:
        x, _, rank, _ = np.linalg.lstsq(M, b, rcond=None)
        return x, {"system": "SVD of A (numpy.linalg.lstsq)", "rank": int(rank)}
    stacked = np.vstack([M, math.sqrt(reg) * np.eye(n, dtype=M.dtype)])
    rhs = np.concatenate([b, np.zeros(n, dtype=b.dtype)])
    x = np.linalg.lstsq(stacked, rhs, rcond=None)[0]
    return x, {"system": "SVD of [A; sqrt(reg) I] (numpy.linalg.lstsq)"}


def _solve_sparse(M: sp.csc_array, b: np.ndarray, reg: float):
    m, n = M.shape
    MH = M.conj().T
    if reg > 0.0:
        K = sp.csc_array(MH @ M + reg * sp.identity(n, dtype=M.dtype, format="csc"))
        return _lu_solve(K, MH @ b, M.shape, "MMD_AT_PLUS_A"), {"system": "LU of A^H A + reg I"}
    if m == n:  # square: the least-squares solution of a nonsingular A is A^{-1} b
        return _lu_solve(M, b, M.shape), {"system": "LU of A"}
    if m > n:
        K = _augmented(M, MH)
        rhs = np.concatenate([b, np.zeros(n, dtype=b.dtype)])
        return _lu_solve(K, rhs, M.shape)[m:], {"system": "LU of [[I, A], [A^H, 0]]"}
    K = _augmented(MH, M)
    rhs = np.concatenate([np.zeros(n, dtype=b.dtype), b])
    return _lu_solve(K, rhs, M.shape)[:n], {"system": "LU of [[I, A^H], [A, 0]]"}


class _RankDeficientError(ValueError):
    """The sparse factorisation found A rank deficient."""


def _rank_deficient(shape, detail: str) -> ValueError:
    return _RankDeficientError(f"the sparse least-squares system is singular to working precision ({detail})"
                               f": A of shape {shape} is rank deficient (or too ill-conditioned). "
                               "Use reg > 0 (Tikhonov) or method='dense' (SVD, minimum-norm solution)")


def _lu_solve(K, rhs, shape, ordering="COLAMD") -> np.ndarray:
    """SuperLU with `ordering` of the columns (minimum degree on K + K^T for the symmetric normal equations:
    about 5x faster than COLAMD on 2-D convolution matrices)."""
    try:
        lu = sla.splu(K, permc_spec=ordering)
    except RuntimeError as exc:  # SuperLU: "Factor is exactly singular"
        raise _rank_deficient(shape, str(exc)) from None
    # Rounding hides exact singularity (a consistent singular system "solves" to an arbitrary
    # solution); a pivot at rounding level gives it away.
    pivots = np.abs(lu.U.diagonal())
    floor = max(K.shape) * np.finfo(K.dtype).eps * pivots.max()
    if pivots.min() <= floor:
        raise _rank_deficient(shape, f"LU pivot {pivots.min():.2g} <= n eps max|pivot| = {floor:.2g}")
    z = lu.solve(rhs.astype(K.dtype, copy=False))
    if not np.all(np.isfinite(z)):
        raise _rank_deficient(shape, "non-finite solution")
    return z


def _check_sparse_solution(it, op, b, dtype, system) -> None:
    atb_norm = float(np.linalg.norm(apply(op.rmatvec, b, dtype)))
    bound = math.sqrt(np.finfo(dtype).eps) * atb_norm
    if not it.gradient_norm <= bound:  # also refuses NaN
        raise _rank_deficient(op.shape, f"{system}: ||A^H(A x - b) + reg x|| = {it.gradient_norm:.3g} > "
                                        f"sqrt(eps) ||A^H b|| = {bound:.3g}")
