"""Inner products and norms for solver loops, by single-threaded ``numpy.einsum``: BLAS level-1
calls (``numpy.vdot``, ``numpy.linalg.norm``) slow down tenfold on cores shared with other processes."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["inner", "norm"]


def inner(a: np.ndarray, b: np.ndarray):
    """``sum(conj(a) * b)`` over all elements (a Python or numpy scalar)."""
    a, b = np.asarray(a).reshape(-1), np.asarray(b).reshape(-1)
    if a.dtype.kind == "c":
        a = a.conj()
    return np.einsum("i,i->", a, b)


def norm(a: np.ndarray) -> float:
    """Euclidean norm of all elements."""
    a = np.asarray(a).reshape(-1)
    if a.dtype.kind == "c":
        return math.sqrt(float(np.einsum("i,i->", a.real, a.real) + np.einsum("i,i->", a.imag, a.imag)))
    return math.sqrt(float(np.einsum("i,i->", a, a)))
