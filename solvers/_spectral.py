r"""One spectral solve ``conj(H) Y / (|H|^2 + c)`` with the one zero rule and exact scaling, for
the frequency-domain filters and the FFT and DCT paths of :func:`solvers.restore`."""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft

from convops import DEFAULT_MAX_BYTES, float_dtype, psf2otf
from convops._validation import check_allocation, check_option

__all__ = ["ZERO_EPS", "zeros_of", "eigenvalues", "Spectrum"]

#: ``H[u]`` is a zero when ``|H[u]| <= ZERO_EPS * eps * log2(2 P) * max|H|`` on ``P`` values.
ZERO_EPS = 8


def zeros_of(H, *, size=None, rtol=None) -> np.ndarray:
    r"""The zeros of a transfer function `H`, ``|H| <= rtol * max|H|``: the one zero rule (a mask).

    `size` is the number of values of the full grid (default ``H.size``) and `rtol` defaults to
    ``ZERO_EPS * eps * log2(2 size)`` in the precision of `H` (``1.1e-14`` on 6x6 in double
    precision, ``2.2e-5`` on 2048x2048 in single).  An FFT of ``P`` points errs by about
    :math:`\epsilon \log_2 P \, \|c\|_2 \le \epsilon \log_2 P \max|H|` (Higham, *Accuracy and
    Stability of Numerical Algorithms*, ch. 24; Parseval): values below the tolerance are zeros.

    >>> import numpy as np
    >>> from convops import psf2otf
    >>> H = psf2otf([[0, 1, 0], [1, 1, 1], [0, 1, 0]], (6, 6))
    >>> int(zeros_of(H).sum()), int((H == 0).sum())
    (4, 2)
    """
    a = H if H.dtype.kind == "f" and H.min() >= 0 else np.abs(H)  # no copy of a magnitude
    if rtol is None:
        rtol = ZERO_EPS * float(np.finfo(a.dtype).eps) * math.log2(2 * (size or a.size))
    return a <= rtol * a.max()


def eigenvalues(kernel, shape, basis: str = "fft", *, real=False, max_bytes=DEFAULT_MAX_BYTES) -> np.ndarray:
    r"""Eigenvalues of ``same`` convolution with `kernel` in the basis that diagonalises it.

    ``'fft'`` (circular boundary): ``psf2otf(kernel, shape, real=real)``; ``'dct'`` (symmetric
    boundary, a kernel of odd size equal to its flip on each axis, which the caller checks):
    real, of shape `shape`.  ``ValueError`` for an all-zero kernel, ``AllocationTooLargeError``
    for a spectrum above `max_bytes` (``convops._validation.check_allocation``).

    The symmetric extension of ``N`` values is even and ``2N``-periodic, so the DCT-II
    eigenvalues are the ``2N``-point DFT of the kernel folded as ``c[(j - m//2) mod 2N] += k[j]``,
    per axis the DCT-I of ``c[0..N]``:
    :math:`\lambda[u] = c[0] + (-1)^u c[N] + 2 \sum_{t=1}^{N-1} c[t] \cos(\pi u t / N)`.

    >>> import numpy as np
    >>> np.round(eigenvalues(np.array([1.0, 2.0, 1.0]) / 4, (4,), "dct"), 6)
    array([1.      , 0.853553, 0.5     , 0.146447])
    """
    if not np.any(kernel):
        raise ValueError(f"kernel is all zeros (shape {kernel.shape}); H = 0 everywhere and nothing can be recovered")
    check_allocation(3 * math.prod(n + 1 for n in shape) * 16, f"the spectrum of shape {tuple(shape)}", max_bytes)
    if check_option(basis, "basis", ("fft", "dct")) == "fft":
        return psf2otf(kernel, shape, real=real)
    pos = [np.mod(np.arange(m) - m // 2, 2 * n) for m, n in zip(kernel.shape, shape)]
    keep = [np.flatnonzero(p <= n) for p, n in zip(pos, shape)]
    c = np.zeros(tuple(n + 1 for n in shape), dtype=kernel.dtype)
    np.add.at(c, np.ix_(*(p[i] for p, i in zip(pos, keep))), kernel[np.ix_(*keep)])
    return sfft.dctn(c, type=1)[tuple(slice(0, n) for n in shape)]


def scale_in_place(x: np.ndarray, e: int) -> np.ndarray:
    """``x * 2**e`` in place, by factors a float holds: exact unless the result under- or overflows."""
    step = np.finfo(x.dtype).maxexp - 2
    with np.errstate(over="ignore", under="ignore"):  # Spectrum.solve checks the result
        while e:
            part = max(-step, min(step, e))
            x *= 2.0**part
            e -= part
    return x


def max_exponent(x: np.ndarray) -> int:
    """``e`` with ``max|x|`` (real and imaginary parts) in ``[2**e, 2**(e+1))`` (0 for all zeros)."""
    parts = (x.real, x.imag) if np.iscomplexobj(x) else (x,)
    return int(np.frexp(max(max(p.max(), -p.min()) for p in parts))[1]) - 1


class Spectrum:
    r"""``A = Q^H diag(H) Q`` of `kernel` in `basis` ({'fft', 'dct'}) and ``Y = Q y``.

    Computes in ``convops.float_dtype(y, kernel)`` (a real kernel stays
    real; real data and kernel use the ``rfftn`` half, counted on the full
    grid).  Attributes: ``H`` (scaled, ``max|H|`` in ``[1, 2)``), ``zeros``
    (by :func:`zeros_of`, tolerance `rtol`), ``smallest`` (``min |H|``, unscaled).

    The kernel and ``H`` are scaled by ``2**-e`` and, when ``max|y|`` is outside
    ``[2**(-emax/4), 2**(emax/4)]``, the data by ``2**-d``; the result is scaled back
    by ``2**(d - e)``.  A regularisation is in units of ``|H|^2``, a threshold of ``|H|``.

    >>> import numpy as np
    >>> s = Spectrum(np.ones((6, 6)), np.full((3, 3), 1e-200), "fft")
    >>> s.zeros, float(s.solve()[0][0, 0])
    (20, 1.111111111111111e+199)
    """

    def __init__(self, y: np.ndarray, kernel: np.ndarray, basis: str, *, rtol=None):
        dtype = float_dtype(y, kernel)
        y = y.astype(dtype, copy=False)
        kernel = kernel.astype(dtype if np.iscomplexobj(kernel) else np.finfo(dtype).dtype)  # a copy
        self.shape, self.basis = y.shape, check_option(basis, "basis", ("fft", "dct"))
        self.half = self.basis == "fft" and not (np.iscomplexobj(y) or np.iscomplexobj(kernel))
        k = max_exponent(kernel)  # taps near the largest float must not overflow the transform
        self.H = eigenvalues(scale_in_place(kernel, -k), y.shape, self.basis, real=self.half)
        self.a = np.abs(self.H)
        e = int(np.frexp(self.a.max())[1]) - 1
        for v in (self.H, self.a):
            scale_in_place(v, -e)
        self.e = e + k
        self.zero = zeros_of(self.a, size=y.size, rtol=rtol)
        self.zeros, self.smallest = self.count(self.zero), float(np.ldexp(self.a.min(), self.e))
        d = max_exponent(y)
        self.d = d if abs(d) > np.finfo(dtype).maxexp // 4 else 0
        self.Y = self._forward(scale_in_place(y.copy(), -self.d) if self.d else y)

    def _forward(self, x):
        return sfft.dctn(x, norm="ortho") if self.basis == "dct" else sfft.rfftn(x) if self.half else sfft.fftn(x)

    def _backward(self, X):
        if self.basis == "dct":
            return sfft.idctn(X, norm="ortho", overwrite_x=True)
        return sfft.irfftn(X, s=self.shape, overwrite_x=True) if self.half else sfft.ifftn(X, overwrite_x=True)

    def apply(self, x: np.ndarray, adjoint: bool = False) -> np.ndarray:
        """``A x`` (``A^H x`` with `adjoint`), scaled like the solve (the interface of convops' operators)."""
        d = max_exponent(x)
        X = self._forward(scale_in_place(x.copy(), -d))
        X *= np.conjugate(self.H) if adjoint else self.H
        return scale_in_place(self._backward(X), d + self.e)

    def apply_adjoint(self, x: np.ndarray) -> np.ndarray:
        return self.apply(x, adjoint=True)

    def count(self, mask: np.ndarray) -> int:
        """True values of `mask` on the full grid (a half spectrum's inner columns count twice)."""
        edges = mask[..., [0, -1] if self.shape[-1] % 2 == 0 and self.shape[-1] > 1 else [0]]
        n = int(np.count_nonzero(mask))
        return 2 * n - int(np.count_nonzero(edges)) if self.half else n

    def solve(self, reg=0.0, threshold: float = 0.0) -> tuple[np.ndarray, int]:
        """``x = Q^H (conj(H) / (|H|^2 + reg)) Q y``, 0 at the zeros of ``H`` and where ``|H| < threshold``
        (both unscaled), and the count of those; call once.  ``ValueError`` if ``x`` overflows."""
        drop, a, Y, H = self.zero, self.a, self.Y, self.H
        del self.a, self.Y
        with np.errstate(over="ignore", under="ignore"):
            if threshold > 0:
                drop = drop | (a < np.ldexp(threshold, -self.e))
            a *= a
            if np.ndim(reg) or reg:
                a += np.ldexp(reg, -2 * self.e)
            np.putmask(a, drop, np.inf)
            np.reciprocal(a, out=a)
        Y *= np.conjugate(H, out=H)
        np.conjugate(H, out=H)  # H as it was, for apply
        Y *= a
        del a
        x = scale_in_place(self._backward(Y), self.d - self.e)
        if not np.isfinite(x).all():
            raise ValueError(f"the solution overflowed: it exceeds the largest {x.dtype} (the data are too "
                             "large for the amplification of the inverse); use a larger threshold or regularisation")
        return x, self.count(drop)
