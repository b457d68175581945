"""Inner products and norms for solver loops, by single-threaded ``numpy.einsum``: BLAS level-1
calls (``numpy.vdot``, ``numpy.linalg.norm``) slow down tenfold on cores shared with other processes."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["inner", "norm", "squared_norm", "ldexp", "exponent"]


def inner(a: np.ndarray, b: np.ndarray):
    """``sum(conj(a) * b)`` over all elements (a Python or numpy scalar)."""
    a, b = np.asarray(a).reshape(-1), np.asarray(b).reshape(-1)
    return np.einsum("i,i->", a.conj() if a.dtype.kind == "c" else a, b)


def norm(a: np.ndarray) -> float:
    """Euclidean norm of all elements; rescaled by a power of two if the sum of squares leaves the range."""
    a = np.asarray(a).reshape(-1)
    ss = float(sum(np.einsum("i,i->", p, p) for p in ((a.real, a.imag) if a.dtype.kind == "c" else (a,))))
    if ss < np.finfo(a.dtype).tiny or ss == math.inf:
        e = exponent(a)  # exact rescaling by a power of two
        return ldexp(norm(ldexp(a, -e)), e) if e else math.sqrt(ss)
    return math.sqrt(ss)


def squared_norm(a: np.ndarray) -> float:
    """``norm(a)**2``, inf (not an ``OverflowError``) when it exceeds the float range."""
    n = norm(a)
    return n * n


def exponent(a) -> int:
    """``e`` with ``max |a_i|`` in ``[2**(e-1), 2**e)``; 0 for a zero or empty `a`."""
    big = float(np.max(np.abs(a), initial=0.0))
    return math.frexp(big)[1] if 0.0 < big < math.inf else 0


def ldexp(a, e: int):
    """``a * 2**e`` (exact unless it leaves the floating-point range; an overflow gives inf)."""
    with np.errstate(over="ignore", under="ignore"):
        return a * 2.0 ** (e // 2) * 2.0 ** (e - e // 2) if e else a
