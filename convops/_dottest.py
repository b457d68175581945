"""The dot test: <A u, v> = <u, A^H v> for random u, v."""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import aslinearoperator

__all__ = ["dot_test", "dot_test_tolerance"]


def dot_test_tolerance(dtype) -> float:
    """Default relative tolerance of :func:`dot_test` for an operator dtype:
    ``1e-4`` in single precision, ``1e-10`` in double."""
    return 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10


def dot_test(op, *, rng=None, rtol=None, complex_vectors=None, raise_error=True) -> float:
    r"""Check that `op`'s adjoint is exact: :math:`\langle A u, v\rangle = \langle u, A^H v\rangle`.

    Parameters
    ----------
    op : LinearOperator, sparse array, ndarray or pylops operator
        Anything with ``matvec``/``rmatvec`` (or that
        ``scipy.sparse.linalg.aslinearoperator`` accepts).
    rng : numpy.random.Generator or int, optional
        Source of the random vectors (``numpy.random.default_rng(rng)``).
    rtol : float, optional
        Allowed relative mismatch ``|a - b| / max(||Au|| ||v||, ||u|| ||A^H v||)``
        (the Cauchy-Schwarz scale of both inner products, so that an
        operator that is zero or nearly so is not failed for rounding);
        default from :func:`dot_test_tolerance` for the operator's dtype.
    complex_vectors : bool, optional
        Use complex ``u`` and ``v``; default: when the operator is complex.
    raise_error : bool, optional
        Raise ``AssertionError`` when the mismatch exceeds `rtol`.

    Returns
    -------
    float
        The relative mismatch.

    Examples
    --------
    >>> from convops import convolution_operator, dot_test
    >>> op = convolution_operator([[1.0, 2.0], [3.0, 4.0]], (5, 6), boundary="reflect", output="same")
    >>> dot_test(op, rng=0) < 1e-12
    True
    """
    if not (hasattr(op, "matvec") and hasattr(op, "rmatvec")):
        op = aslinearoperator(op)
    rng = np.random.default_rng(rng)
    m, n = op.shape
    dtype = np.dtype(op.dtype)
    use_complex = dtype.kind == "c" if complex_vectors is None else complex_vectors
    real = np.float32 if dtype in (np.float32, np.complex64) else np.float64

    def draw(size):
        v = rng.standard_normal(size).astype(real)
        return v + 1j * rng.standard_normal(size).astype(real) if use_complex else v

    u, v = draw(n), draw(m)
    au = np.asarray(op.matvec(u)).ravel()
    ahv = np.asarray(op.rmatvec(v)).ravel()
    lhs, rhs = np.vdot(v, au), np.vdot(ahv, u)
    scale = max(np.linalg.norm(au) * np.linalg.norm(v), np.linalg.norm(u) * np.linalg.norm(ahv),
                np.finfo(real).tiny)
    mismatch = float(abs(lhs - rhs) / scale)
    tol = dot_test_tolerance(dtype) if rtol is None else rtol
    if raise_error and not mismatch <= tol:
        raise AssertionError(f"dot test failed: <Au, v> = {lhs}, <u, A^H v> = {rhs}, "
                             f"relative mismatch {mismatch:.3e} > {tol:.1e}")
    return mismatch
