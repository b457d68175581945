r"""One spectral solve: the zero rule, the scaling and ``conj(H) Y / (|H|^2 + c)``.

Circular ``same`` convolution is diagonalised by the DFT, and symmetric
``same`` convolution with a kernel symmetric in each axis by the orthonormal
DCT-II: ``A = Q^H diag(H) Q``.  Every frequency-domain filter and the FFT and
DCT paths of :func:`solvers.restore` solve with ``A`` here, so the rule of
what counts as a zero of ``H`` (:func:`zeros_of`) and the scaling that keeps
the result correct over the whole floating-point range live in one place.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft

from convops import DEFAULT_MAX_BYTES, float_dtype, psf2otf

__all__ = ["ZERO_EPS", "zero_rtol", "zeros_of", "eigenvalues", "Spectrum"]

#: ``H[u]`` is a zero when ``|H[u]| <= ZERO_EPS * eps * sqrt(taps) * max|H|``
#: (:func:`zero_rtol`).
ZERO_EPS = 16


def zero_rtol(dtype, taps: int = 1) -> float:
    r"""Relative tolerance of the zero rule: ``ZERO_EPS * eps(dtype) * sqrt(taps)``.

    Parameters
    ----------
    dtype : dtype
        Precision in which ``H`` was computed (its real counterpart is used).
    taps : int, optional
        Number of taps of the kernel.

    Returns
    -------
    float
        ``1.1e-14`` for a 3x3 kernel in double precision, ``5.7e-6`` in single.

    Notes
    -----
    The DFT of a folded kernel ``k`` (``P`` values) has a rounding error of at
    most about :math:`\epsilon \log_2 P \, \|k\|_1` at each frequency, and
    :math:`\|k\|_1 \le \sqrt{taps}\, \|k\|_2 \le \sqrt{taps} \max|H|` (Parseval:
    ``max|H|^2`` is at least the mean of ``|H|^2``, ``||k||_2^2``).  With
    ``log2 P <= 16`` absorbed in ``ZERO_EPS = 16``, values below the tolerance
    are indistinguishable from an exact zero; measured errors at exact zeros
    (box kernels up to 129x129, products with ``[1, 1]``) stay below
    ``eps * max|H|``, so no genuine value of ``|H|`` is mistaken for a zero
    unless it is within a few thousand rounding errors of one.

    Examples
    --------
    >>> import numpy as np
    >>> bool(zero_rtol(np.float64, 9) == 48 * np.finfo(np.float64).eps)
    True
    """
    return ZERO_EPS * float(np.finfo(dtype).eps) * math.sqrt(taps)


def zeros_of(H, *, taps: int = 1, rtol=None) -> np.ndarray:
    r"""The zeros of a transfer function: ``|H| <= rtol * max|H|``.

    This is the one rule by which every frequency-domain filter, the
    threshold search and the spectral restorations decide that ``H[u] = 0``.

    Parameters
    ----------
    H : ndarray
        Eigenvalues (transfer function), real or complex.
    taps : int, optional
        Number of taps of the kernel ``H`` came from.
    rtol : float, optional
        Relative tolerance; default :func:`zero_rtol` ``(H.dtype, taps)``.

    Returns
    -------
    ndarray of bool, shape of `H`

    Notes
    -----
    The rule is relative to ``max|H|``, so it does not change when the
    kernel is scaled by any factor.

    Examples
    --------
    >>> import numpy as np
    >>> from convops import psf2otf
    >>> H = psf2otf([[0, 1, 0], [1, 1, 1], [0, 1, 0]], (6, 6))
    >>> int(zeros_of(H, taps=9).sum()), int((H == 0).sum())
    (4, 2)
    """
    a = np.abs(H)
    if rtol is None:
        rtol = zero_rtol(a.dtype, taps)
    return a <= rtol * a.max()


def eigenvalues(kernel: np.ndarray, shape, basis: str = "fft", *, real: bool = False) -> np.ndarray:
    r"""Eigenvalues ``H`` of ``same`` convolution with `kernel` in a basis that diagonalises it.

    Parameters
    ----------
    kernel : ndarray
        Validated kernel in the working precision.
    shape : tuple of int
        Image shape.
    basis : {'fft', 'dct'}
        ``'fft'``: circular boundary, ``H = psf2otf(kernel, shape)`` (the
        ``rfftn`` half with `real`).  ``'dct'``: symmetric boundary, for a
        kernel of odd size equal to its flip on each axis (the caller checks).
    real : bool, optional
        Half spectrum for ``'fft'``.

    Returns
    -------
    ndarray
        Complex for ``'fft'``, real of shape `shape` for ``'dct'``.

    Raises
    ------
    ValueError
        The grid would need more than ``convops.DEFAULT_MAX_BYTES``.

    Notes
    -----
    The symmetric extension of an image of length ``N`` is even and periodic
    with period ``2N`` (repeated reflection, for any kernel length), so the
    DCT-II eigenvalues are the ``2N``-point DFT of the folded kernel ``c``
    (``c[(j - m//2) mod 2N] += k[j]``), real and even:

    .. math:: \lambda[u] = c[0] + (-1)^u c[N] + 2 \sum_{t=1}^{N-1} c[t] \cos(\pi u t / N),

    the unnormalised DCT-I of ``c[0..N]``, per axis.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(eigenvalues(np.array([1.0, 2.0, 1.0]) / 4, (4,), "dct"), 6)
    array([1.      , 0.853553, 0.5     , 0.146447])
    """
    nbytes = 4 * math.prod(n + 1 for n in shape) * np.dtype(np.complex128).itemsize
    if nbytes > DEFAULT_MAX_BYTES:
        raise ValueError(f"shape {tuple(shape)} needs about {nbytes / 2**30:.1f} GiB for its transfer "
                         f"function, above the limit of {DEFAULT_MAX_BYTES / 2**30:.0f} GiB")
    if basis == "fft":
        return psf2otf(kernel, shape, real=real)
    pos = [np.mod(np.arange(m) - m // 2, 2 * n) for m, n in zip(kernel.shape, shape)]
    keep = [np.flatnonzero(p <= n) for p, n in zip(pos, shape)]
    c = np.zeros(tuple(n + 1 for n in shape), dtype=kernel.dtype)
    np.add.at(c, np.ix_(*(p[i] for p, i in zip(pos, keep))), kernel[np.ix_(*keep)])
    return sfft.dctn(c, type=1)[tuple(slice(0, n) for n in shape)]


def _ldexp(x: np.ndarray, e: int) -> np.ndarray:
    """``x * 2**e`` in place, exact unless the result under- or overflows."""
    with np.errstate(over="ignore", under="ignore"):  # the caller checks the result
        for part in (x.real, x.imag) if np.iscomplexobj(x) else (x,):
            np.ldexp(part, e, out=part)
    return x


def _exponent(x: np.ndarray) -> int:
    """``e`` with ``max|x|`` in ``[2**(e-1), 2**e)`` (0 for all zeros)."""
    return int(np.frexp(np.abs(x).max())[1])


class Spectrum:
    r"""``A = Q^H diag(H) Q`` and the data ``Y = Q y``, both scaled by powers of two.

    Parameters
    ----------
    y : ndarray
        Data.
    kernel : ndarray
        Validated kernel.  Both are computed in ``convops.float_dtype(y,
        kernel)``; a real kernel stays real.
    basis : {'fft', 'dct'}
        See :func:`eigenvalues`.  Real `y` and `kernel` use the ``rfftn`` half.
    rtol : float, optional
        Tolerance of the zero rule (default :func:`zero_rtol`).

    Attributes
    ----------
    rtol : float
        Tolerance of the zero rule in use.
    zeros : int
        Number of zeros of ``H`` by :func:`zeros_of`, counted on the full grid.
    smallest : float
        ``min |H|``.

    Notes
    -----
    ``H`` is scaled by ``2**-e`` with ``max|H|`` in ``[2**(e-1), 2**e)``; the
    data by ``2**-d`` the same way when ``max|y|`` lies beyond ``2**(emax/2)``
    or below ``2**(-emax/2)`` (``emax`` of the dtype), where its transform
    could overflow or lose digits to underflow.  Powers of two scale
    exactly, so the solve runs on numbers near 1 and the result, scaled back
    by ``2**(d - e)`` once at the end, is correct whenever it is
    representable.  A regularisation ``c`` is in units of ``|H|^2`` and is
    scaled by ``2**(-2e)``, a threshold on ``|H|`` by ``2**-e``.

    Examples
    --------
    >>> import numpy as np
    >>> s = Spectrum(np.ones((6, 6)), np.full((3, 3), 1e-200), "fft")
    >>> s.zeros, float(s.solve()[0][0, 0])
    (20, 1.111111111111111e+199)
    """

    def __init__(self, y: np.ndarray, kernel: np.ndarray, basis: str, *, rtol=None):
        dtype = float_dtype(y, kernel)  # a real kernel stays real, in the working precision
        y = y.astype(dtype, copy=False)
        kernel = kernel.astype(dtype if np.iscomplexobj(kernel) else np.finfo(dtype).dtype, copy=False)
        self.shape, self.basis = y.shape, basis
        self.half = basis == "fft" and not (np.iscomplexobj(y) or np.iscomplexobj(kernel))
        self.H = eigenvalues(kernel, y.shape, basis, real=self.half)
        self.e = _exponent(self.H)
        _ldexp(self.H, -self.e)
        self.a = np.abs(self.H)
        self.rtol = zero_rtol(self.a.dtype, kernel.size) if rtol is None else rtol
        self.zero = zeros_of(self.a, rtol=self.rtol)
        self.zeros = self.count(self.zero)
        self.smallest = float(np.ldexp(self.a.min(), self.e))
        d = _exponent(y)
        self.d = d if abs(d) > np.finfo(y.dtype).maxexp // 2 else 0
        self.Y = self.forward(_ldexp(y.copy(), -self.d) if self.d else y)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if self.basis == "dct":
            return sfft.dctn(x, norm="ortho")
        return sfft.rfftn(x) if self.half else sfft.fftn(x)

    def backward(self, X: np.ndarray) -> np.ndarray:
        if self.basis == "dct":
            return sfft.idctn(X, norm="ortho", overwrite_x=True)
        return sfft.irfftn(X, s=self.shape, overwrite_x=True) if self.half else sfft.ifftn(X, overwrite_x=True)

    def count(self, mask: np.ndarray) -> int:
        """Number of True values of `mask` on the full grid.

        A half spectrum stands for its conjugate mirror as well: every column
        counts twice except column 0 and, for an even last axis, the last one.
        """
        n = int(np.count_nonzero(mask))
        if not self.half:
            return n
        n = 2 * n - int(np.count_nonzero(mask[..., 0]))
        if self.shape[-1] % 2 == 0 and self.shape[-1] > 1:
            n -= int(np.count_nonzero(mask[..., -1]))
        return n

    def solve(self, reg=0.0, threshold: float = 0.0) -> tuple[np.ndarray, int]:
        r"""``x = Q^H W Q y`` with ``W = conj(H) / (|H|^2 + reg)``, 0 at dropped values.

        Parameters
        ----------
        reg : float or ndarray
            ``>= 0``, a scalar or an array in the layout of ``H`` (units of
            ``|H|^2``).
        threshold : float
            Values with ``|H| < threshold`` (units of ``|H|``) are dropped as
            well as the zeros of ``H``.

        Returns
        -------
        x : ndarray
            Shape of the data.  The solve consumes ``H`` and ``Y``: call it once.
        dropped : int
            Number of values of ``W`` set to zero, counted on the full grid.

        Raises
        ------
        ValueError
            The result is too large to be represented.
        """
        drop, a, W, Y = self.zero, self.a, self.H, self.Y
        del self.a, self.H, self.Y
        if threshold > 0:
            drop = drop | (a < np.ldexp(threshold, -self.e))
        a *= a
        a += np.ldexp(reg, -2 * self.e)
        np.putmask(a, drop, 1)
        np.putmask(W, drop, 0)
        Y *= np.conjugate(W, out=W) if np.iscomplexobj(W) else W
        del W
        Y /= a
        del a
        x = _ldexp(self.backward(Y), self.d - self.e)
        if not np.isfinite(x).all():
            raise ValueError("the solution overflowed: its values are beyond the largest floating-point "
                             f"number of {x.dtype} (the data are too large for the amplification of the "
                             "inverse); use a larger threshold or regularisation")
        return x, self.count(drop)
