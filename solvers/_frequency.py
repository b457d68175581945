r"""Frequency-domain restoration: inverse, pseudo-inverse and Wiener filters.

Every function here obtains the transfer function ``H`` from
:func:`convops.psf2otf` and therefore assumes circular boundaries: the DFT
diagonalises the block-circulant matrix ``A`` of
``convops.convolution_matrix(kernel, shape, boundary='circular',
output='same')``, whose eigenvalues are ``H`` and whose singular values are
``|H|``.  Each filter is then the matching matrix solve done in
``O(N log N)`` by the one spectral solve of ``solvers._spectral``, which
also holds the one rule of what counts as a zero of ``H``
(``|H| <= 8 eps log2(2 P) max|H|`` on P values, see ``zeros_of``) and
scales ``H`` and the image by powers of two, so that the result is correct
whenever it is representable, for kernels and images anywhere in the
floating-point range.

Real images with real kernels use real FFTs (``scipy.fft.rfftn``, half the
spectrum); anything complex uses complex FFTs, with the same answers and
counts.  The output dtype is ``convops.float_dtype(blurred, kernel)`` and
the computation runs in it.  Counts of frequencies always refer to the full
grid of ``blurred.size`` values.  The number of threads of the FFTs follows
``scipy.fft.set_workers``.
"""

from __future__ import annotations

import math
import numbers
import sys
from typing import NamedTuple

import numpy as np
import scipy.fft as sfft

from convops._validation import as_float_array, check_kernel, check_real, check_shape

from ._spectral import Spectrum, eigenvalues, zeros_of

__all__ = [
    "PseudoInverseResult",
    "ThresholdChoice",
    "inverse_filter",
    "pseudo_inverse_filter",
    "threshold_for_count",
    "wiener_filter",
]


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
    zeroed : int
        Number of values ``#{|H| < threshold}`` that this threshold zeroes.
    requested : int
        The count asked for.
    exact : bool
        ``zeroed == requested``.
    """

    threshold: float
    zeroed: int
    requested: int
    exact: bool


def _check_kernel(kernel, ndim: int) -> np.ndarray:
    k = check_kernel(kernel, ndim)
    if not np.any(k):
        raise ValueError(f"kernel is all zeros (shape {k.shape}); H = 0 at every frequency and nothing can be recovered")
    return k


def _spectrum(blurred, kernel, zero_rtol=None) -> Spectrum:
    """Validate the inputs; return their :class:`~solvers._spectral.Spectrum`."""
    g = as_float_array(blurred, "blurred")
    if g.ndim == 0:
        raise ValueError(f"blurred must have at least one dimension, got a scalar {blurred!r}")
    return Spectrum(g, _check_kernel(kernel, g.ndim), "fft", rtol=zero_rtol)


def inverse_filter(blurred, kernel, *, zero_tol=None) -> np.ndarray:
    r"""Invert a circular convolution by dividing spectra: ``IDFT(G / H)``.

    Assumes circular boundaries: the DFT diagonalises the circulant matrix
    of circular ``same`` convolution with `kernel`, so this is the exact
    solve ``A^{-1} y`` of that matrix (``scipy.ndimage.convolve(x, kernel,
    mode='wrap')``, centre at index ``m // 2``).

    Parameters
    ----------
    blurred : array_like, shape (M, N) or (N,) or N-D
        Blurred image ``g``.
    kernel : array_like, same number of dimensions as `blurred`
        Point-spread function ``h``; may be larger than the image (it is
        folded onto the grid periodically).
    zero_tol : float, optional
        Relative tolerance of the zero rule: ``H`` counts as zero where
        ``|H| <= zero_tol * max|H|``.  The default is the rule every filter
        uses, ``ZERO_EPS * eps * sqrt(kernel.size)`` (``solvers._spectral.zero_rtol``:
        ``1.1e-14`` for a 3x3 kernel in double precision, ``5.7e-6`` in
        single), a bound on the rounding error of ``H`` that catches the
        numerical zeros of exact zeros without refusing merely
        ill-conditioned kernels.

    Returns
    -------
    ndarray, shape of `blurred`
        The estimate ``f``; dtype ``convops.float_dtype(blurred, kernel)``.

    Raises
    ------
    ValueError
        ``H`` has zeros (the message gives their number and the smallest
        ``|H|``, and suggests :func:`pseudo_inverse_filter` or
        :func:`wiener_filter`), the kernel is all zeros, inputs are empty or
        non-finite, their numbers of dimensions differ, `zero_tol` is
        negative, or the result is too large to be represented.
    TypeError
        Non-numeric inputs.

    See Also
    --------
    pseudo_inverse_filter, wiener_filter

    Notes
    -----
    With ``G = DFT(g)`` and ``H = psf2otf(h, g.shape)``

    .. math:: \hat f = \mathrm{IDFT}\left( G[u] / H[u] \right).

    Noise in ``g`` is amplified by ``1 / |H[u]|``; near-zeros of ``H`` make
    the estimate useless long before they make it infinite.  ``H`` and
    ``g`` are scaled by powers of two before the division and the result
    scaled back, so a kernel of ``1e-200`` or ``1e200`` or an image near the
    largest float gives the exact answer whenever it is representable.

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
    if zero_tol is not None:
        zero_tol = check_real(zero_tol, "zero_tol")
    spectrum = _spectrum(blurred, kernel, zero_tol)
    if spectrum.zeros:
        raise ValueError(
            f"H has {spectrum.zeros} zero(s) among its {math.prod(spectrum.shape)} values (smallest |H| = "
            f"{spectrum.smallest:.3g}, zero when |H| <= {spectrum.rtol:.3g} * max|H|); the inverse filter does "
            "not exist: use pseudo_inverse_filter(blurred, kernel, threshold) or wiener_filter(blurred, kernel, c)"
        )
    return spectrum.solve()[0]


def pseudo_inverse_filter(blurred, kernel, threshold) -> PseudoInverseResult:
    r"""Inverse filter that discards the frequencies where ``|H| < threshold``.

    Assumes circular boundaries: the DFT diagonalises the circulant matrix
    ``A`` of circular ``same`` convolution, whose singular values are
    ``|H|``, so this is the truncated-SVD pseudo-inverse of ``A`` that drops
    the singular values below `threshold`.

    Parameters
    ----------
    blurred : array_like, shape (M, N) or (N,) or N-D
        Blurred image ``g``.
    kernel : array_like, same number of dimensions as `blurred`
        Point-spread function ``h``.
    threshold : float
        Absolute threshold on ``|H|``, a finite number ``>= 0``
        (:func:`threshold_for_count` finds one for a wanted count).

    Returns
    -------
    PseudoInverseResult
        ``(estimate, zeroed)``: the estimate (shape of `blurred`, dtype
        ``convops.float_dtype(blurred, kernel)``) and the number of the
        ``blurred.size`` values of ``H`` that were zeroed: those with
        ``|H| < threshold`` and the zeros of ``H`` (with ``threshold = 0``:
        exactly the zeros of ``H``, by the rule of ``solvers._spectral.zeros_of``).

    Raises
    ------
    ValueError
        Negative or non-finite `threshold`, an all-zero kernel, empty or
        non-finite inputs, mismatched numbers of dimensions, or a result too
        large to be represented.
    TypeError
        Non-numeric inputs or threshold.

    See Also
    --------
    threshold_for_count, inverse_filter, wiener_filter

    Notes
    -----
    .. math::

        \hat f = \mathrm{IDFT}\left( G[u] \, H^{+}[u] \right), \qquad
        H^{+}[u] = \begin{cases} 1 / H[u] & |H[u]| \ge \tau \text{ and } |H[u]| > r \max|H| \\
                                 0 & \text{otherwise,} \end{cases}

    with ``r`` the tolerance of the zero rule (``solvers._spectral.zero_rtol``):
    the zeros of ``H``, exact or numerical (the FFT gives ``1e-16`` for an
    exact zero), always get ``0`` (the Moore-Penrose convention), so
    ``threshold = 0`` never divides by roundoff.  The threshold is in units
    of ``|H|`` and is compared after the common scaling by a power of two,
    so the count does not depend on the scale.  Each zeroed frequency removes
    one singular vector (a sinusoid) from the estimate: small thresholds
    leave ripples, large ones ghosts and blur.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import pseudo_inverse_filter
    >>> g = np.random.default_rng(0).standard_normal((6, 6))
    >>> cross = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    >>> est, zeroed = pseudo_inverse_filter(g, cross, 1e-6)
    >>> zeroed, est.shape
    (4, (6, 6))
    """
    threshold = check_real(threshold, "threshold")
    return PseudoInverseResult(*_spectrum(blurred, kernel).solve(threshold=threshold))


def threshold_for_count(kernel, shape, count, *, rtol=None) -> ThresholdChoice:
    r"""Threshold for :func:`pseudo_inverse_filter` that zeroes `count` values of ``|H|``.

    Assumes circular boundaries, like every frequency-domain filter here
    (``H = psf2otf(kernel, shape)``).

    Parameters
    ----------
    kernel : array_like, ``len(shape)`` dimensions
        Point-spread function.
    shape : int or tuple of int
        Image shape; ``H`` has ``prod(shape)`` values.
    count : int
        Wanted number of zeroed values, ``0 <= count <= prod(shape)``.
    rtol : float, optional
        Values of ``|H|`` closer than ``rtol * max|H|`` are ties (FFT
        roundoff separates equal values by a few ulps).  Default ``1e-9``
        for double-precision kernels, ``1e-4`` for single precision.

    Returns
    -------
    ThresholdChoice
        ``(threshold, zeroed, requested, exact)``.  ``zeroed`` is the count
        :func:`pseudo_inverse_filter` gives with this threshold (the values
        ``|H| < threshold`` and the zeros of ``H``): the reachable
        count nearest to `count` (half-way requests go to the smaller one);
        ``exact`` says whether `count` itself was reachable.

    Raises
    ------
    TypeError
        `count` not an integer, non-numeric kernel or bad shape.
    ValueError
        `count` outside ``[0, prod(shape)]``, an all-zero kernel, a
        negative `rtol`, a shape whose spectrum would not fit in memory.

    Notes
    -----
    Let ``Z`` be the number of zeros of ``H`` by the one zero rule
    (``solvers._spectral.zeros_of``), which every threshold zeroes, and sort
    the other values ``s_0 <= s_1 <= ... <= s_{P-Z-1}`` of ``|H|``.  The
    count ``Z`` is reachable with the threshold ``0``, and no smaller count
    is; a count ``Z + j`` is reachable when a threshold separates
    ``s_{j-1}`` from ``s_j``, i.e. ``s_j - s_{j-1} > rtol * max|H|``; the
    count ``P`` always is.  The threshold is the midpoint
    ``(s_{j-1} + s_j) / 2`` of the gap, so roundoff in another evaluation
    of ``H`` does not change the count, and ``2 max|H|`` for ``P``.

    Many counts are unreachable because ``|H|`` has ties: a real kernel
    gives ``|H[-u]| = |H[u]|``, and a kernel that is constant along an axis
    of length ``M`` repeats every value ``M`` times.

    Examples
    --------
    >>> from solvers import threshold_for_count
    >>> choice = threshold_for_count([[1, 1, 1]], (4, 8), 10)
    >>> choice.zeroed, choice.exact, round(choice.threshold, 6)
    (8, False, 0.707107)
    """
    shape = check_shape(shape)
    k = _check_kernel(kernel, len(shape))
    size = int(np.prod(shape))
    if isinstance(count, (bool, np.bool_)) or not isinstance(count, (numbers.Integral, np.integer)):
        raise TypeError(f"count must be an integer, got {count!r}")
    if not 0 <= count <= size:
        raise ValueError(f"count must be in [0, {size}] (the number of values of H for shape {shape}), got {count}")
    if rtol is None:
        rtol = 1e-9 if np.finfo(k.dtype).bits == 64 else 1e-4
    rtol = check_real(rtol, "rtol")
    a = np.abs(eigenvalues(k, shape)).ravel()
    zero = zeros_of(a)
    s = np.sort(a[~zero])
    top = float(s[-1]) if s.size else 0.0
    gaps = np.flatnonzero(np.diff(s) > rtol * top) + 1
    reachable = size - s.size + np.concatenate(([0], gaps, [s.size]))
    thresholds = np.concatenate(([0.0], s[gaps - 1] / 2 + s[gaps] / 2, [min(2 * top, sys.float_info.max)]))
    i = min(int(np.searchsorted(reachable, count)), reachable.size - 1)
    j = i - 1 if i and count - reachable[i - 1] <= reachable[i] - count else i
    zeroed = int(reachable[j])
    return ThresholdChoice(float(thresholds[j]), zeroed, int(count), zeroed == count)


def _mirror(a: np.ndarray, axes: tuple) -> np.ndarray:
    """``a[-u]`` (indices modulo the length) along `axes`."""
    return np.roll(np.flip(a, axes), 1, axes)


def _nsr(c, spectrum: Spectrum):
    """`c` as a scalar or an array laid out like ``H`` (validated)."""
    H, shape = spectrum.H, spectrum.shape
    arr = np.asarray(c)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"c must be a real number or a real array, got dtype {arr.dtype}")
    if arr.ndim == 0:
        return check_real(arr, "c")
    arr = as_float_array(arr, "c", dtype=H.real.dtype)
    if arr.min() < 0:
        raise ValueError(f"c must be >= 0 everywhere, got a minimum of {float(arr.min())!r}")
    half = H.shape
    if arr.shape not in (shape, half):
        allowed = f"{shape} or the rfftn half {half}" if spectrum.half else f"{shape}"
        raise ValueError(f"c has shape {arr.shape}; allowed: a scalar, or an array of shape {allowed}")
    if not spectrum.half:
        return arr
    # Real data: c must be even, c[u] == c[-u], as the spectra are Hermitian.
    # Of the half, only the columns that hold their own mirror can break it.
    full = arr.shape == shape
    n = shape[-1]
    part = arr if full else arr[..., [0, n // 2] if n % 2 == 0 else [0]]
    axes = tuple(range(arr.ndim if full else arr.ndim - 1))
    if not np.allclose(part, _mirror(part, axes), rtol=1e-6, atol=1e-6 * arr.max()):
        raise ValueError(
            "c must satisfy c[u] == c[-u] for real images and kernels (their spectra are Hermitian); "
            "an fftshift-ed array needs numpy.fft.ifftshift first"
        )
    return arr[..., : half[-1]] if full else arr


def wiener_filter(blurred, kernel, c) -> np.ndarray:
    r"""Wiener (Tikhonov) filter ``IDFT(G conj(H) / (|H|^2 + c))``.

    Assumes circular boundaries: the DFT diagonalises the circulant matrix
    ``A`` of circular ``same`` convolution, so a constant `c` gives exactly
    the Tikhonov solution ``(A^H A + c I)^{-1} A^H y``.

    Parameters
    ----------
    blurred : array_like, shape (M, N) or (N,) or N-D
        Blurred (and noisy) image ``g``.
    kernel : array_like, same number of dimensions as `blurred`
        Point-spread function ``h``.
    c : float or ndarray
        Noise-to-signal power ratio ``S_n[u] / S_f[u]``, ``>= 0`` and finite:
        a constant, or an array in the unshifted DFT layout of shape
        ``blurred.shape``.  For real images and kernels such an array must be
        Hermitian-symmetric (``c[u] == c[-u]``, as a ratio of power spectra
        of real signals is), and only its ``rfftn`` half is read; the half
        itself, of shape ``blurred.shape[:-1] + (blurred.shape[-1]//2 + 1,)``,
        is accepted as well.

    Returns
    -------
    ndarray, shape of `blurred`
        The estimate; dtype ``convops.float_dtype(blurred, kernel)``.

    Raises
    ------
    ValueError
        Negative or non-finite `c`, `c` of another shape (or not symmetric),
        an all-zero kernel, empty or non-finite inputs, mismatched numbers
        of dimensions, or a result too large to be represented.
    TypeError
        Non-numeric inputs or complex `c`.

    See Also
    --------
    inverse_filter, pseudo_inverse_filter

    Notes
    -----
    .. math::

        \hat f = \mathrm{IDFT}\left( G[u] \,
                 \frac{\overline{H[u]}}{|H[u]|^2 + c[u]} \right)

    At the zeros of ``H`` (exact or numerical, by the one rule of
    ``solvers._spectral.zeros_of``) the filter is ``0``, the pseudo-inverse
    convention; ``c = 0`` is thus the pseudo-inverse with threshold 0.
    ``|conj(H)/(|H|^2+c)| <= 1/(2 sqrt(c))`` bounds the noise gain.
    ``c`` is in units of ``|H|^2``: ``H`` is scaled by a power of two
    ``2**-e`` near ``1/max|H|`` and ``c`` by ``2**-2e`` (the image too when
    its FFT could overflow), so the result is correct whenever it is
    representable, for any scale of the kernel and the image.

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
