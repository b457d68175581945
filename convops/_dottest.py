"""The dot test: <A u, v> = <u, A^H v> for random u, v."""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import aslinearoperator

from ._validation import DEFAULT_MAX_BYTES, check_allocation, check_real

__all__ = ["dot_test", "dot_test_tolerance"]


def dot_test_tolerance(dtype) -> float:
    """Default relative tolerance of :func:`dot_test` for an operator dtype:
    ``1e-4`` in single precision, ``1e-10`` in double."""
    return 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10


def dot_test(op, *, rng=None, rtol=None, complex_vectors=None, raise_error=True,
             max_bytes=DEFAULT_MAX_BYTES) -> float:
    r"""Check that `op`'s adjoint is exact: :math:`\langle A u, v\rangle = \langle u, A^H v\rangle`.

    Parameters
    ----------
    op : LinearOperator, sparse array, ndarray or pylops operator
        Anything with ``matvec``/``rmatvec`` (or that
        ``scipy.sparse.linalg.aslinearoperator`` accepts).
    rng : numpy.random.Generator or int, optional
        Source of the random vectors (``numpy.random.default_rng(rng)``).
    rtol : float, optional
        Allowed relative mismatch (finite, >= 0) ``|a - b| / max(||Au|| ||v||, ||u|| ||A^H v||)``
        (the Cauchy-Schwarz scale of both inner products, so that an
        operator that is zero or nearly so is not failed for rounding);
        default from :func:`dot_test_tolerance` for the operator's dtype.
    complex_vectors : bool, optional
        Use complex ``u`` and ``v``; default: when the operator is complex.
    raise_error : bool, optional
        Raise ``AssertionError`` when the mismatch exceeds `rtol`.
    max_bytes : float, optional
        Refuse, before drawing them, random vectors (and their images)
        whose estimated size exceeds this many bytes (default
        :data:`convops.DEFAULT_MAX_BYTES`).

    Returns
    -------
    float
        The relative mismatch.

    Raises
    ------
    TypeError
        If `op` is not an operator (``matvec``, ``rmatvec`` and a 2-D
        ``shape``), a sparse array or a 2-D array, or `rtol` is not a number.
    ValueError
        If `rtol` is negative or not finite.
    AllocationTooLargeError
        If the vectors would exceed `max_bytes` (also a ``ValueError``).
    AssertionError
        If the mismatch exceeds `rtol` (with `raise_error`).

    Examples
    --------
    >>> from convops import convolution_operator, dot_test
    >>> op = convolution_operator([[1.0, 2.0], [3.0, 4.0]], (5, 6), boundary="reflect", output="same")
    >>> dot_test(op, rng=0) < 1e-12
    True
    """
    if not (hasattr(op, "matvec") and hasattr(op, "rmatvec")):
        try:
            op = aslinearoperator(op)
        except (TypeError, ValueError):
            raise TypeError(f"op must be a linear operator (with matvec, rmatvec and shape), a sparse array "
                            f"or a 2-D ndarray; got {type(op).__name__}") from None
    shape = getattr(op, "shape", None)
    if shape is None or len(shape) != 2:
        raise TypeError(f"op must have a 2-D shape (rows, columns); got {type(op).__name__} with shape {shape!r}")
    tol = dot_test_tolerance(getattr(op, "dtype", np.float64)) if rtol is None else check_real(rtol, "rtol")
    rng = np.random.default_rng(rng)
    m, n = shape
    dtype = np.dtype(getattr(op, "dtype", None) or np.float64)
    use_complex = dtype.kind == "c" if complex_vectors is None else complex_vectors
    real = np.float32 if dtype in (np.float32, np.complex64) else np.float64
    check_allocation(2 * (int(m) + int(n)) * np.dtype(real).itemsize * (2 if use_complex else 1),
                     f"the dot test's vectors for an operator of shape {tuple(shape)}", max_bytes)

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
    if raise_error and not mismatch <= tol:
        raise AssertionError(f"dot test failed: <Au, v> = {lhs}, <u, A^H v> = {rhs}, "
                             f"relative mismatch {mismatch:.3e} > {tol:.1e}")
    return mismatch
