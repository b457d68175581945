r"""Frequency-domain restoration: inverse, pseudo-inverse and Wiener filters.

All take ``H`` from :func:`convops.psf2otf` and so assume circular
boundaries, and solve by the one spectral solve of ``solvers._spectral``
(one zero rule, exact scaling, in ``convops.float_dtype(blurred, kernel)``).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from convops._validation import as_float_array, check_kernel, check_real, check_shape

from ._spectral import Spectrum, eigenvalues, zeros_of

__all__ = ["PseudoInverseResult", "ThresholdChoice", "inverse_filter", "pseudo_inverse_filter",
           "threshold_for_count", "wiener_filter"]


class PseudoInverseResult(NamedTuple):
    """Result of :func:`pseudo_inverse_filter`.

    Attributes
    ----------
    estimate : ndarray
        The restored image, shaped like the blurred one.
    zeroed : int
        How many of the ``blurred.size`` values of ``H`` were set to zero.
    """

    estimate: np.ndarray
    zeroed: int


class ThresholdChoice(NamedTuple):
    """Result of :func:`threshold_for_count`.

    Attributes
    ----------
    threshold : float
        Threshold for :func:`pseudo_inverse_filter`.
    zeroed, requested : int
        Number of values it zeroes (the zeros of ``H`` and ``|H| < threshold``); the count asked for.
    exact : bool
        ``zeroed == requested``.
    """

    threshold: float
    zeroed: int
    requested: int
    exact: bool


def _spectrum(blurred, kernel, zero_rtol=None) -> Spectrum:
    """Validate the inputs; return their :class:`~solvers._spectral.Spectrum`."""
    g = as_float_array(blurred, "blurred")
    if g.ndim == 0:
        raise ValueError(f"blurred must have at least one dimension, got a scalar {blurred!r}")
    return Spectrum(g, check_kernel(kernel, g.ndim), "fft", rtol=zero_rtol)


def inverse_filter(blurred, kernel, *, zero_tol=None) -> np.ndarray:
    r"""Invert a circular convolution by dividing spectra: ``IDFT(G / H)``.

    Assumes circular boundaries: the exact solve ``A^{-1} y`` for the circulant
    ``A`` of ``scipy.ndimage.convolve(x, kernel, mode='wrap')`` (centre ``m // 2``).

    Parameters
    ----------
    blurred : array_like, shape (M, N) or (N,) or N-D
        Blurred image ``g``.
    kernel : array_like, same number of dimensions as `blurred`
        Point-spread function ``h``; may be larger than the image (it is
        folded onto the grid periodically).
    zero_tol : float, optional
        ``H`` is zero where ``|H| <= zero_tol * max|H|``; default that of the
        one zero rule, ``8 eps log2(2 P)`` (``solvers._spectral.zeros_of``).

    Returns
    -------
    ndarray, shape of `blurred`
        The estimate ``f``; dtype ``convops.float_dtype(blurred, kernel)``.

    Raises
    ------
    ValueError
        ``H`` has zeros, the kernel is all zeros, inputs are empty or non-finite, their numbers of
        dimensions differ, `zero_tol` is negative, or the result is not representable.
    TypeError
        Non-numeric inputs.

    Notes
    -----
    :math:`\hat f = \mathrm{IDFT}( G[u] / H[u] )` with ``G = DFT(g)``, ``H =
    psf2otf(h, g.shape)``: noise is amplified by ``1 / |H[u]|``.  Scaling by
    powers of two makes the answer right whenever it is representable.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.ndimage import convolve
    >>> from solvers import inverse_filter
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> k = np.array([[0, 0.1, 0], [0.1, 0.6, 0.1], [0, 0.1, 0]])
    >>> np.allclose(inverse_filter(convolve(x, k, mode="wrap"), k), x)
    True
    """
    spectrum = _spectrum(blurred, kernel, None if zero_tol is None else check_real(zero_tol, "zero_tol"))
    if spectrum.zeros:
        raise ValueError(f"H has {spectrum.zeros} zero(s) among its {math.prod(spectrum.shape)} values "
                         f"(smallest |H| = {spectrum.smallest:.3g}); the inverse filter does not exist: use "
                         "pseudo_inverse_filter(blurred, kernel, threshold) or "
                         "wiener_filter(blurred, kernel, c)")
    return spectrum.solve()[0]


def pseudo_inverse_filter(blurred, kernel, threshold) -> PseudoInverseResult:
    r"""Inverse filter that discards the zeros of ``H`` and the frequencies where ``|H| < threshold``.

    Assumes circular boundaries: ``|H|`` are the singular values of the circulant
    matrix ``A`` of circular ``same`` convolution (a truncated-SVD pseudo-inverse).

    Parameters
    ----------
    blurred, kernel : array_like
        Blurred image ``g`` and point-spread function ``h``, as in :func:`inverse_filter`.
    threshold : float
        Absolute threshold on ``|H|``, a finite number ``>= 0``
        (:func:`threshold_for_count` finds one for a wanted count; without the original image,
        ``choose_reg(blurred, kernel, filter='tsvd', rule='gcv').value`` chooses one from the data).

    Returns
    -------
    PseudoInverseResult
        ``(estimate, zeroed)``: the estimate (shape of `blurred`, dtype
        ``convops.float_dtype(blurred, kernel)``) and how many of the
        ``blurred.size`` values of ``H`` were zeroed.

    Raises
    ------
    ValueError
        Negative or non-finite `threshold`, bad inputs as for :func:`inverse_filter`.
    TypeError
        Non-numeric inputs or threshold.

    Notes
    -----
    .. math::

        \hat f = \mathrm{IDFT}\left( G[u] \, H^{+}[u] \right), \qquad
        H^{+}[u] = \begin{cases} 1 / H[u] & |H[u]| \ge \tau \text{ and } |H[u]| > r \max|H| \\
                                 0 & \text{otherwise,} \end{cases}

    with ``r`` the tolerance of the one zero rule (``solvers._spectral.zeros_of``),
    so ``threshold = 0`` zeroes exactly the zeros of ``H`` (exact or
    numerical), whatever the scale.  Small thresholds leave ripples, large
    ones ghosts and blur.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import pseudo_inverse_filter
    >>> g = np.random.default_rng(0).standard_normal((6, 6))
    >>> cross = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    >>> est, zeroed = pseudo_inverse_filter(g, cross, 0.0)
    >>> zeroed, est.shape
    (4, (6, 6))
    """
    threshold = check_real(threshold, "threshold")
    return PseudoInverseResult(*_spectrum(blurred, kernel).solve(threshold=threshold))


def threshold_for_count(kernel, shape, count, *, rtol=None) -> ThresholdChoice:
    r"""Threshold for :func:`pseudo_inverse_filter` that zeroes `count` values of ``H``.

    Assumes circular boundaries (``H = psf2otf(kernel, shape)``).

    Parameters
    ----------
    kernel : array_like, ``len(shape)`` dimensions
        Point-spread function.
    shape : int or tuple of int
        Image shape; ``H`` has ``prod(shape)`` values.
    count : int
        Wanted number of zeroed values, ``0 <= count <= prod(shape)``.
    rtol : float, optional
        Values of ``|H|`` closer than ``rtol * max|H|`` are ties (equal up to
        FFT roundoff); default ``1e-9`` (double precision), ``1e-4`` (single).

    Returns
    -------
    ThresholdChoice
        ``zeroed`` is the count :func:`pseudo_inverse_filter` gives with the threshold: the reachable
        count nearest to `count` (half-way requests go to the smaller one).

    Raises
    ------
    TypeError
        `count` not an integer, non-numeric kernel or bad shape.
    ValueError
        `count` outside ``[0, prod(shape)]``, an all-zero kernel, a negative
        `rtol`, a shape whose spectrum would not fit in memory.

    Notes
    -----
    Every threshold zeroes the ``Z`` zeros of ``H`` (the one zero rule).  With
    the other values sorted, ``s_0 <= s_1 <= ...``, ``Z + j`` is reachable
    when ``s_j - s_{j-1} > rtol * max|H|``, by the midpoint
    ``(s_{j-1} + s_j) / 2``; ``2 max|H|`` zeroes all.  Ties (``|H[-u]| =
    |H[u]|`` for a real kernel) make counts unreachable.

    Examples
    --------
    >>> from solvers import threshold_for_count
    >>> choice = threshold_for_count([[1, 1, 1]], (4, 8), 10)
    >>> choice.zeroed, choice.exact, round(choice.threshold, 6)
    (8, False, 0.707107)
    """
    shape = check_shape(shape)
    k = check_kernel(kernel, len(shape))
    size = math.prod(shape)
    if isinstance(count, (bool, np.bool_)) or not isinstance(count, (numbers.Integral, np.integer)):
        raise TypeError(f"count must be an integer, got {count!r}")
    if not 0 <= count <= size:
        raise ValueError(f"count must be in [0, {size}] (the number of values of H for shape {shape}), got {count}")
    rtol = check_real((1e-9 if np.finfo(k.dtype).bits == 64 else 1e-4) if rtol is None else rtol, "rtol")
    a = np.abs(eigenvalues(k, shape)).ravel()
    s = np.sort(a[~zeros_of(a)])
    top = float(s[-1]) if s.size else 0.0
    gaps = np.flatnonzero(np.diff(s) > rtol * top) + 1
    reachable = size - s.size + np.concatenate(([0], gaps, [s.size]))
    thresholds = np.concatenate(([0.0], s[gaps - 1] / 2 + s[gaps] / 2, [min(2 * top, np.finfo(float).max)]))
    i = min(int(np.searchsorted(reachable, count)), reachable.size - 1)
    j = i - 1 if i and count - reachable[i - 1] <= reachable[i] - count else i
    return ThresholdChoice(float(thresholds[j]), int(reachable[j]), int(count), int(reachable[j]) == count)


def _nsr(c, spectrum: Spectrum):
    """`c` validated, as a scalar or an array laid out like ``H``."""
    arr, shape, half = np.asarray(c), spectrum.shape, spectrum.H.shape
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"c must be a real number or a real array, got dtype {arr.dtype}")
    if arr.ndim == 0:
        return check_real(arr, "c")
    arr = as_float_array(arr, "c", dtype=spectrum.H.real.dtype)
    if arr.min() < 0:
        raise ValueError(f"c must be >= 0 everywhere, got a minimum of {float(arr.min())!r}")
    if arr.shape not in (shape, half):
        allowed = f"{shape} or the rfftn half {half}" if spectrum.half else f"{shape}"
        raise ValueError(f"c has shape {arr.shape}; allowed: a scalar, or an array of shape {allowed}")
    if not spectrum.half:
        return arr
    # Real data: c[u] == c[-u]; of the half, only columns that are their own mirror can break it.
    full = arr.shape == shape
    part = arr if full else arr[..., [0, shape[-1] // 2] if shape[-1] % 2 == 0 else [0]]
    axes = tuple(range(arr.ndim if full else arr.ndim - 1))
    if not np.allclose(part, np.roll(np.flip(part, axes), 1, axes), rtol=1e-6, atol=1e-6 * arr.max()):
        raise ValueError("c must satisfy c[u] == c[-u] for real images and kernels (their spectra are Hermitian); "
                         "an fftshift-ed array needs numpy.fft.ifftshift first")
    return arr[..., : half[-1]] if full else arr


def wiener_filter(blurred, kernel, c) -> np.ndarray:
    r"""Wiener (Tikhonov) filter ``IDFT(G conj(H) / (|H|^2 + c))``.

    Assumes circular boundaries: a constant `c` gives exactly the Tikhonov solution
    ``(A^H A + c I)^{-1} A^H y`` for the circulant ``A`` of circular ``same`` convolution.

    Parameters
    ----------
    blurred, kernel : array_like
        Blurred (and noisy) image ``g`` and point-spread function ``h``, as in :func:`inverse_filter`.
    c : float or ndarray
        Noise-to-signal power ratio ``S_n[u] / S_f[u]``, ``>= 0`` and finite: a
        constant, or an unshifted DFT-layout array of shape ``blurred.shape``
        (for real data ``c[u] == c[-u]``, or its ``rfftn`` half).  Without the original image,
        ``choose_reg(blurred, kernel, rule='gcv').value`` (or ``'upre'``, ``'discrepancy'``,
        ``'lcurve'``) chooses the constant from the data: the Tikhonov weight of circular
        restoration is the same number.

    Returns
    -------
    ndarray, shape of `blurred`
        The estimate; dtype ``convops.float_dtype(blurred, kernel)``.

    Raises
    ------
    ValueError
        Negative or non-finite `c`, `c` of another shape (or not symmetric), bad inputs as for :func:`inverse_filter`.
    TypeError
        Non-numeric inputs or complex `c`.

    Notes
    -----
    :math:`\hat f = \mathrm{IDFT}( G[u] \, \overline{H[u]} / (|H[u]|^2 + c[u]) )`,
    and ``0`` at the zeros of ``H`` (the one zero rule): ``c = 0`` is the
    pseudo-inverse with threshold 0.  ``1/(2 sqrt(c))`` bounds the noise
    gain.  ``c`` is in units of ``|H|^2``; the result is right whenever it
    is representable, for any scale of kernel and image.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import wiener_filter
    >>> g = np.ones((4, 4))
    >>> k = np.full((3, 3), 1 / 9)
    >>> np.round(wiener_filter(g, k, 1.0), 12)[0]
    array([0.5, 0.5, 0.5, 0.5])
    """
    spectrum = _spectrum(blurred, kernel)
    return spectrum.solve(_nsr(c, spectrum))[0]
