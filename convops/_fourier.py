"""Transfer functions: the kernel's spectrum on a periodic grid."""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft

from ._validation import DEFAULT_MAX_BYTES, check_allocation, check_kernel, check_max_bytes, check_shape

__all__ = ["psf2otf", "circular_spectrum", "spectrum_nbytes"]


def spectrum_nbytes(shape, dtype, *, real: bool) -> int:
    """Bytes of the work of :func:`circular_spectrum` on `shape`: the grid
    (`dtype`) and its spectrum (the complex type of the same precision;
    the half spectrum with `real`), as a Python int (no overflow)."""
    points = math.prod(int(n) for n in shape)
    item = np.dtype(dtype).itemsize
    complex_item = 2 * np.finfo(np.dtype(dtype)).dtype.itemsize
    half = math.prod(int(n) for n in shape[:-1]) * (int(shape[-1]) // 2 + 1) if real else points
    return points * item + half * complex_item


def circular_spectrum(weights: np.ndarray, shape, offsets, *, real: bool, workers=None) -> np.ndarray:
    """Spectrum of ``y[k] = sum_t w[t] x[(k + offset + t) mod N]`` on `shape`.

    The periodic correlation is the circular convolution ``c * x`` with
    ``c[(-offset - t) mod N] += w[t]``; taps that wrap onto the same place
    (a kernel larger than the grid) add up.

    Parameters
    ----------
    weights : ndarray
        Correlation-form weights ``w``.
    shape : tuple of int
        Periodic grid.
    offsets : tuple of int
        Per-axis offset.
    real : bool
        Return the half spectrum of ``scipy.fft.rfftn`` (real `weights`).
    """
    c = np.zeros(shape, dtype=weights.dtype)
    positions = [np.mod(-off - np.arange(m), n) for off, m, n in zip(offsets, weights.shape, shape)]
    np.add.at(c, np.ix_(*positions), weights)
    return sfft.rfftn(c, workers=workers) if real else sfft.fftn(c, workers=workers)


def psf2otf(kernel, shape, *, real: bool = False, max_bytes=DEFAULT_MAX_BYTES) -> np.ndarray:
    r"""Transfer function (optical transfer function) of `kernel` on `shape`.

    Zero-pads the kernel to `shape`, moves its centre (index ``m // 2`` on
    each axis) to the origin circularly, and takes the DFT: the eigenvalues
    of circular ``same`` convolution, matching MATLAB's ``psf2otf`` and
    ``scipy.ndimage.convolve(..., mode='wrap')``.

    Parameters
    ----------
    kernel : array_like, shape (m, n) or N-D
        Point-spread function; its number of dimensions must equal ``len(shape)``.
    shape : int or tuple of int
        Image shape.  A kernel larger than the image on some axis is folded
        onto it periodically (the taps add up), as circular convolution does.
    real : bool, optional
        Return only the non-negative frequencies of the last axis
        (``scipy.fft.rfftn`` layout, shape ``shape[:-1] + (shape[-1]//2 + 1,)``);
        requires a real kernel.
    max_bytes : float, optional
        Refuse, before allocating, a grid and spectrum whose estimated size
        exceeds this many bytes (default :data:`convops.DEFAULT_MAX_BYTES`).

    Returns
    -------
    ndarray, complex
        ``H`` with ``fftn(convolve(x, kernel, mode='wrap')) == H * fftn(x)``.
        complex64 for float32/complex64 kernels, complex128 otherwise.

    Raises
    ------
    TypeError, ValueError
        Invalid kernel, shape or `max_bytes`, or ``real=True`` with a
        complex kernel.
    AllocationTooLargeError
        The grid and spectrum would exceed `max_bytes` (also a
        ``ValueError`` and a ``MemoryError``).

    Notes
    -----
    Every frequency-domain function of this package obtains ``H`` here, and
    therefore assumes circular boundaries: the DFT diagonalises the
    block-circulant matrix of ``boundary='circular', output='same'`` only.

    .. math:: H[u] = \sum_j h[j] \, e^{-2\pi i \langle u, (j - m//2)/N \rangle}

    Examples
    --------
    >>> import numpy as np
    >>> from convops import psf2otf
    >>> H = psf2otf([[0, 1, 0], [1, 1, 1], [0, 1, 0]], (4, 4))
    >>> np.round(H.real, 12)[0]
    array([5., 3., 1., 3.])
    """
    shape = check_shape(shape)
    kernel = check_kernel(kernel, len(shape))
    if real and np.iscomplexobj(kernel):
        raise ValueError("real=True needs a real kernel; got a complex one")
    check_max_bytes(max_bytes)
    check_allocation(spectrum_nbytes(shape, kernel.dtype, real=real),
                     f"psf2otf on shape {shape} (grid and spectrum)", max_bytes)
    weights = np.flip(kernel)
    offsets = tuple(-((m - 1) // 2) for m in kernel.shape)
    return circular_spectrum(weights, shape, offsets, real=real)
