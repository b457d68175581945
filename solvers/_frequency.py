r"""Frequency-domain restoration: inverse, pseudo-inverse and Wiener filters.

Every function here obtains the transfer function ``H`` from
:func:`convops.psf2otf` and therefore assumes circular boundaries: the DFT
diagonalises the block-circulant matrix ``A`` of
``convops.convolution_matrix(kernel, shape, boundary='circular',
output='same')``, whose eigenvalues are ``H`` and whose singular values are
``|H|``.  Each filter is then the matching matrix solve done in
``O(N log N)``.

Real images with real kernels use real FFTs (``scipy.fft.rfftn``, half the
spectrum); anything complex uses complex FFTs.  The output dtype is
``convops.float_dtype(blurred, kernel)``.  Counts of frequencies always
refer to the full grid of ``blurred.size`` values.  The number of threads of
the FFTs follows ``scipy.fft.set_workers``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import scipy.fft as sfft

from convops import float_dtype, psf2otf
from convops._validation import as_float_array, check_kernel, check_real, check_shape

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


class _Grid(NamedTuple):
    shape: tuple  # image shape
    real: bool  # spectra are rfftn halves


def _spectra(blurred, kernel):
    """Validate the inputs; return ``G``, ``H`` (both ours to overwrite) and the grid."""
    g = as_float_array(blurred, "blurred")
    if g.ndim == 0:
        raise ValueError(f"blurred must have at least one dimension, got a scalar {blurred!r}")
    k = _check_kernel(kernel, g.ndim)
    dtype = float_dtype(g, k)
    real = dtype.kind == "f"
    g = g.astype(dtype, copy=False)
    # A real kernel stays real (its precision follows the working dtype).
    k = k.astype(dtype if real or k.dtype.kind == "c" else np.finfo(dtype).dtype, copy=False)
    grid = _Grid(g.shape, real)
    if real:
        return sfft.rfftn(g), psf2otf(k, g.shape, real=True), grid
    return sfft.fftn(g), psf2otf(k, g.shape), grid


def _back(G: np.ndarray, grid: _Grid) -> np.ndarray:
    """Inverse DFT of the filtered spectrum, refusing overflowed results."""
    if grid.real:
        out = sfft.irfftn(G, s=grid.shape, overwrite_x=True)
    else:
        out = sfft.ifftn(G, overwrite_x=True)
    if not np.isfinite(out).all():
        raise ValueError(
            "the restored image overflowed (non-finite values); the image values are too large "
            "for the amplification of 1/H: rescale the image or use a larger threshold or c"
        )
    return out


def _full_count(mask: np.ndarray, grid: _Grid) -> int:
    """Number of True values of `mask` on the full DFT grid.

    A half spectrum stands for its conjugate mirror as well: every column
    counts twice except column 0 and, for an even last axis, the last one.
    """
    n = int(np.count_nonzero(mask))
    if not grid.real:
        return n
    n = 2 * n - int(np.count_nonzero(mask[..., 0]))
    if grid.shape[-1] % 2 == 0 and grid.shape[-1] > 1:
        n -= int(np.count_nonzero(mask[..., -1]))
    return n


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
        ``H`` counts as zero where ``|H| <= zero_tol * max|H|``.  The
        default is ``1e-12`` in double precision, about a thousand times
        the roundoff of an FFT, so it catches the numerical zeros of exact
        zeros without refusing merely ill-conditioned kernels; and ``1e-5``
        in single precision, whose FFT roundoff is near ``1e-7 * max|H|``.

    Returns
    -------
    ndarray, shape of `blurred`
        The estimate ``f``; dtype ``convops.float_dtype(blurred, kernel)``.

    Raises
    ------
    ValueError
        ``H`` has zeros (the message gives their number and suggests
        :func:`pseudo_inverse_filter` or :func:`wiener_filter`), the kernel
        is all zeros, inputs are empty or non-finite, their numbers of
        dimensions differ, `zero_tol` is negative, or the result overflows.
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
    the estimate useless long before they make it infinite.

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
    G, H, grid = _spectra(blurred, kernel)
    if zero_tol is None:
        zero_tol = 1e-12 if H.real.dtype == np.float64 else 1e-5
    zero_tol = check_real(zero_tol, "zero_tol")
    a = np.abs(H)
    tol = zero_tol * a.max()
    zeros = _full_count(a <= tol, grid)
    del a  # temporaries go before the inverse FFT allocates its output
    if zeros:
        size = int(np.prod(grid.shape))
        raise ValueError(
            f"H has {zeros} zero(s) among its {size} values (|H| <= zero_tol * max|H| = {tol:.3g}); "
            "the inverse filter does not exist: use pseudo_inverse_filter(blurred, kernel, threshold) "
            "or wiener_filter(blurred, kernel, c)"
        )
    with np.errstate(invalid="ignore", over="ignore"):  # _back reports overflow
        G /= H
    del H
    return _back(G, grid)


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
        ``blurred.size`` values of ``H`` that were zeroed,
        ``#{|H| < threshold}`` (with ``threshold = 0``: the exact zeros).

    Raises
    ------
    ValueError
        Negative or non-finite `threshold`, an all-zero kernel, empty or
        non-finite inputs, mismatched numbers of dimensions, or overflow.
    TypeError
        Non-numeric inputs or threshold.

    See Also
    --------
    threshold_for_count, inverse_filter, wiener_filter

    Notes
    -----
    .. math::

        \hat f = \mathrm{IDFT}\left( G[u] \, H^{+}[u] \right), \qquad
        H^{+}[u] = \begin{cases} 1 / H[u] & |H[u]| \ge \tau,\ H[u] \ne 0 \\
                                 0 & \text{otherwise.} \end{cases}

    Exact zeros of ``H`` always get ``0`` (the Moore-Penrose convention), so
    ``threshold = 0`` never divides by zero.  Each zeroed frequency removes
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
    G, H, grid = _spectra(blurred, kernel)
    a = np.abs(H)
    drop = a < threshold if threshold > 0 else a == 0
    del a
    zeroed = _full_count(drop, grid)
    np.putmask(H, drop, 1)
    np.putmask(G, drop, 0)
    with np.errstate(invalid="ignore", over="ignore"):  # _back reports overflow
        G /= H
    del H, drop
    return PseudoInverseResult(_back(G, grid), zeroed)


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
        the threshold really gives, ``#{|H| < threshold}``: the reachable
        count nearest to `count` (half-way requests go to the smaller one);
        ``exact`` says whether `count` itself was reachable.

    Raises
    ------
    TypeError
        `count` not an integer, non-numeric kernel or bad shape.
    ValueError
        `count` outside ``[0, prod(shape)]``, an all-zero kernel, a
        negative `rtol`.

    Notes
    -----
    Sort the values ``s_0 <= s_1 <= ... <= s_{P-1}`` of ``|H|``.  A count
    ``z`` is reachable when a threshold separates ``s_{z-1}`` from ``s_z``,
    i.e. ``s_z - s_{z-1} > rtol * s_{P-1}`` (with ``s_{-1} = 0``, so a
    count of 0 is unreachable when ``|H|`` has numerical zeros; ``z = P``
    is always reachable).  The threshold is the midpoint
    ``(s_{z-1} + s_z) / 2`` of the gap, so roundoff in another evaluation
    of ``H`` does not change the count; it is ``0`` for ``z = 0`` and
    ``2 max|H|`` for ``z = P``.

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
    s = np.sort(np.abs(psf2otf(k, shape)), axis=None)
    tol = rtol * s[-1]
    reachable = np.flatnonzero(np.diff(s, prepend=-np.inf if s[0] > tol else s[0]) > tol)
    reachable = np.append(reachable, size)
    i = int(np.searchsorted(reachable, count))
    below = int(reachable[max(i - 1, 0)])
    above = int(reachable[min(i, reachable.size - 1)])
    zeroed = above if above - count < count - below else below
    if zeroed == size:
        threshold = 2.0 * float(s[-1])
    elif zeroed == 0:
        threshold = 0.0
    else:
        threshold = float(s[zeroed - 1] + s[zeroed]) / 2
    return ThresholdChoice(threshold, zeroed, int(count), zeroed == count)


def _mirror(a: np.ndarray, axes: tuple) -> np.ndarray:
    """``a[-u]`` (indices modulo the length) along `axes`."""
    return np.roll(np.flip(a, axes), 1, axes)


def _nsr(c, H: np.ndarray, grid: _Grid):
    """`c` as a scalar or an array laid out like ``H`` (validated)."""
    arr = np.asarray(c)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"c must be a real number or a real array, got dtype {arr.dtype}")
    if arr.ndim == 0:
        return check_real(arr, "c")
    arr = as_float_array(arr, "c", dtype=H.real.dtype)
    if arr.min() < 0:
        raise ValueError(f"c must be >= 0 everywhere, got a minimum of {float(arr.min())!r}")
    half = H.shape
    if arr.shape not in (grid.shape, half):
        allowed = f"{grid.shape} or the rfftn half {half}" if grid.real else f"{grid.shape}"
        raise ValueError(f"c has shape {arr.shape}; allowed: a scalar, or an array of shape {allowed}")
    if not grid.real:
        return arr
    # Real data: c must be even, c[u] == c[-u], as the spectra are Hermitian.
    # Of the half, only the columns that hold their own mirror can break it.
    full = arr.shape == grid.shape
    n = grid.shape[-1]
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
        of dimensions, or overflow.
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

    Where the denominator is zero (``c[u] = 0`` and ``H[u] = 0``) the filter
    is defined as ``0``, the pseudo-inverse convention; ``c = 0`` is thus the
    pseudo-inverse with threshold 0.  ``|conj(H)/(|H|^2+c)| <= 1/(2 sqrt(c))``
    bounds the noise gain.

    Examples
    --------
    >>> import numpy as np
    >>> from solvers import wiener_filter
    >>> g = np.ones((4, 4))
    >>> k = np.full((3, 3), 1 / 9)
    >>> np.round(wiener_filter(g, k, 1.0), 12)[0]
    array([0.5, 0.5, 0.5, 0.5])
    """
    G, H, grid = _spectra(blurred, kernel)
    c = _nsr(c, H, grid)
    denom = np.abs(H)
    denom *= denom
    denom += c
    if np.any(c == 0):
        vanish = denom == 0
        np.putmask(H, vanish, 0)
        np.putmask(denom, vanish, 1)
    np.conjugate(H, out=H)
    with np.errstate(invalid="ignore", over="ignore"):  # _back reports overflow
        G *= H
        G /= denom
    del H, denom
    return _back(G, grid)
