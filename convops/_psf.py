r"""Point-spread functions of common blurs: Gaussian, linear motion, defocus disk and box.

Every generator returns a 2-D float64 array that sums to 1.  The centre of a
PSF of shape ``(M, N)`` is the middle of the array, ``((M - 1) / 2, (N - 1) / 2)``:
a pixel centre for odd sizes (the default shapes are odd), the corner between
four pixels for even ones.  Offsets are ``(r, c)`` = (row, column) from that
centre.  Angles are in degrees, counter-clockwise as the image is displayed
(rows downward): the direction at angle ``theta`` is ``(r, c) = (-sin theta,
cos theta)``, so 0 is along a row (to the right) and 90 is up a column.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import DEFAULT_MAX_BYTES, check_allocation, check_real

__all__ = ["gaussian_psf", "motion_psf", "disk_psf", "box_psf"]

#: Float64 work arrays of the size of the PSF (or its grid of pixel corners) that a generator
#: may hold at once; the estimate checked against ``DEFAULT_MAX_BYTES`` before allocating.
_WORK_ARRAYS = 8


def _psf_shape(shape, name: str = "shape") -> tuple[int, int]:
    """``(rows, cols)`` from an int (a square) or a pair of positive ints."""
    items = (shape, shape) if isinstance(shape, (numbers.Integral, np.integer)) else shape
    try:
        items = tuple(items)
    except TypeError:
        raise TypeError(f"{name} must be an int or a pair of ints, got {shape!r}") from None
    if len(items) != 2:
        raise ValueError(f"{name} must have 2 entries (rows, cols), got {shape!r}")
    for s in items:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} entries must be integers, got {s!r} in {shape!r}")
        if s < 1:
            raise ValueError(f"{name} entries must be positive, got {s!r} in {shape!r}")
    return int(items[0]), int(items[1])


def _check_size(shape: tuple[int, ...], what: str, extra: int = 0) -> None:
    """Refuse a PSF whose work arrays would exceed the memory limit (Python ints: no overflow)."""
    n = math.prod(s + 1 for s in shape) * _WORK_ARRAYS + extra
    check_allocation(8 * n, f"the {what} PSF of shape {shape}", DEFAULT_MAX_BYTES,
                     hint="choose a smaller size or shape")


def _odd_size(half_extent: float, name: str, value) -> int:
    """Smallest odd size ``2 k + 1`` whose pixels, centred on 0, cover ``[-e, e]``."""
    if not half_extent < 2.0**52:
        raise ValueError(f"{name} = {value!r} gives a PSF too large to build")
    return 2 * max(0, math.ceil(half_extent - 0.5)) + 1


def _offsets(n: int) -> np.ndarray:
    """Pixel-centre offsets from the middle of an axis of length ``n``."""
    return np.arange(n) - (n - 1) / 2


def _angle(angle) -> tuple[float, float]:
    """(cos, sin) of `angle` degrees, exact at multiples of 90."""
    a = check_real(angle, "angle", low=-math.inf)
    quarter = a / 90.0
    if quarter == round(quarter):
        return [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][int(round(quarter)) % 4]
    t = math.radians(a)
    return math.cos(t), math.sin(t)


def gaussian_psf(sigma, *, shape=None, angle=0.0) -> np.ndarray:
    r"""A sampled, normalised 2-D Gaussian, optionally anisotropic and rotated.

    .. math:: h[r, c] = \frac{1}{Z} \exp\!\left(-\tfrac12 v^T \Sigma^{-1} v\right),
              \quad v = (r, c),\quad
              \Sigma = R \begin{pmatrix}\sigma_r^2 & 0 \\ 0 & \sigma_c^2\end{pmatrix} R^T

    with ``(r, c)`` the offsets of the pixel centres from the centre of the
    array, ``Z`` the sum over the array, and ``R`` the rotation by `angle`
    counter-clockwise as displayed (rows downward):
    ``R = [[cos t, -sin t], [sin t, cos t]]`` acting on ``(-r, c)``, that is
    :math:`\Sigma_{rr} = \sigma_r^2 \cos^2 t + \sigma_c^2 \sin^2 t`,
    :math:`\Sigma_{cc} = \sigma_c^2 \cos^2 t + \sigma_r^2 \sin^2 t`,
    :math:`\Sigma_{rc} = (\sigma_r^2 - \sigma_c^2) \sin t \cos t`.

    Parameters
    ----------
    sigma : float or (float, float)
        Standard deviations ``(sigma_row, sigma_col)`` before rotation, in
        pixels, finite and > 0; a float is used for both.
    shape : int or (int, int), optional
        Shape of the result (an int means a square; any parity).  Default: per
        axis ``2 * int(4 s + 0.5) + 1`` with ``s = sqrt(Sigma_aa)`` the standard
        deviation along that axis, the support of
        ``scipy.ndimage.gaussian_filter(..., truncate=4)``.
    angle : float, optional
        Rotation in degrees, counter-clockwise as displayed.  With ``angle=90``
        the row and column deviations swap.

    Returns
    -------
    ndarray of float64, shape `shape`
        Non-negative, summing to 1, symmetric under the point reflection
        about the centre.

    Raises
    ------
    ValueError
        A sigma that is not finite and > 0, a non-finite angle, a shape with
        entries < 1 or a PSF above the memory limit.
    TypeError
        Non-numeric sigma or angle, non-integer shape.

    Notes
    -----
    Sampled (point values), not integrated over the pixels: for
    ``sigma < 0.5`` the discrete variance is smaller than ``sigma**2``.
    The isotropic PSF is ``outer(g_r, g_c)`` of the 1-D sampled Gaussians.

    Examples
    --------
    >>> from convops import gaussian_psf
    >>> h = gaussian_psf(1.0)
    >>> h.shape, round(float(h.sum()), 12), bool(h[4, 4] == h.max())
    ((9, 9), 1.0, True)
    >>> gaussian_psf((1.0, 3.0), angle=90).shape     # the long axis turned to the columns
    (25, 9)
    """
    if np.ndim(sigma) == 0:
        sigma = (sigma, sigma)
    if np.ndim(sigma) != 1 or len(sigma) != 2:
        raise ValueError(f"sigma must be a number or a pair (sigma_row, sigma_col), got {sigma!r}")
    sr, sc = (check_real(s, "sigma", low=0.0, low_open=True) for s in sigma)
    cos, sin = _angle(angle)
    if shape is None:
        stds = (math.hypot(sr * cos, sc * sin), math.hypot(sr * sin, sc * cos))
        shape = tuple(_odd_size(int(4.0 * s + 0.5), "sigma", sigma) for s in stds)
    else:
        shape = _psf_shape(shape)
    _check_size(shape, "Gaussian")
    r = _offsets(shape[0])[:, None]
    c = _offsets(shape[1])[None, :]
    # coordinates along the rotated row axis (cos, sin) and column axis (-sin, cos)
    a = (r * cos + c * sin) / sr
    b = (c * cos - r * sin) / sc
    h = np.exp(-0.5 * (a * a + b * b))
    return h / h.sum()


def _cells(x: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Pixel indices (offset by the half-length handled by the caller) of coordinates `x`: the
    pixel ``round(x)``; a coordinate on an edge (``x + 0.5`` integral) is split half to each side."""
    lo = np.floor(x + 0.5)
    edge = (x + 0.5) == lo
    return [(lo.astype(np.int64), np.where(edge, 0.5, 1.0)), ((lo - 1).astype(np.int64), np.where(edge, 0.5, 0.0))]


def motion_psf(length, angle=0.0, *, shape=None) -> np.ndarray:
    r"""Linear motion blur: a line segment, each pixel weighted by its exact length inside.

    .. math:: h[r, c] = \frac{1}{L} \left| S \cap \left[r - \tfrac12, r + \tfrac12\right]
              \times \left[c - \tfrac12, c + \tfrac12\right] \right|, \quad
              S = \{ t\,u : |t| \le L/2 \},\ u = (-\sin\theta, \cos\theta)

    in (row, column) offsets from the centre of the array: the segment of
    length ``L`` centred there, drawn with zero width and anti-aliased by the
    exact length (to rounding) of the segment in each pixel square.  A piece
    lying on the edge between two pixels counts half to each.

    Parameters
    ----------
    length : float
        Length ``L`` of the motion in pixels, finite and >= 0 (not necessarily
        an integer).  ``L <= 1`` (the segment stays in the centre pixel) gives
        the identity ``[[1.0]]`` for the default shape.
    angle : float, optional
        Direction in degrees, counter-clockwise as displayed: 0 is horizontal
        (along a row), 90 vertical (along a column).
    shape : int or (int, int), optional
        Shape of the result (an int means a square); it must contain the
        segment.  Default: the smallest odd shape that does, per axis
        ``2 ceil(e - 1/2) + 1`` with half-extent ``e = L |u_a| / 2``.  For even
        lengths the default is odd (``[1/2, 1, ..., 1, 1/2] / L`` at angle 0,
        ``L + 1`` taps, centred on a pixel); ``shape=(1, L)`` gives the
        ``L``-pixel box, centred between two pixels.

    Returns
    -------
    ndarray of float64, shape `shape`
        Non-negative, summing to 1, centroid at the centre of the array.

    Raises
    ------
    ValueError
        A negative or non-finite length or angle, a shape that does not
        contain the segment or above the memory limit.
    TypeError
        Non-numeric length or angle, non-integer shape.

    Notes
    -----
    Angle 0 with an odd integer ``L`` is the ``1 x L`` box ``1/L``; angle 90 is
    its transpose.  The segment is cut at every pixel edge it crosses
    (``O(L)`` pieces) and each piece is credited to the pixel holding its
    midpoint.  MATLAB's ``fspecial('motion', L, theta)`` uses the same angle
    convention but a segment of length ``L - 1`` and a different anti-aliasing.

    Examples
    --------
    >>> from convops import motion_psf
    >>> motion_psf(3)
    array([[0.33333333, 0.33333333, 0.33333333]])
    >>> motion_psf(4)
    array([[0.125, 0.25 , 0.25 , 0.25 , 0.125]])
    >>> motion_psf(3, 90).shape, motion_psf(1, 45)
    ((3, 1), array([[1.]]))
    """
    length = check_real(length, "length", low=0.0)
    cos, sin = _angle(angle)
    u = np.array([-sin, cos])
    half = length / 2
    extents = half * np.abs(u)
    needed = tuple(_odd_size(e, "length", length) for e in extents)
    shape = needed if shape is None else _psf_shape(shape)
    _check_size(shape, "motion", extra=8 * (int(2 * length) + 8))
    if any(e > s / 2 + 1e-12 * max(1.0, e) for e, s in zip(extents, shape)):
        raise ValueError(f"shape {shape} is too small for a motion of length {length:g} at angle {angle!r}: "
                         f"it needs at least {tuple(max(1, math.ceil(2 * e)) for e in extents)} "
                         f"(the default shape is {needed})")
    h = np.zeros(shape)
    if length == 0:
        breaks = np.array([0.0, 0.0])
        weights = np.array([1.0])
    else:
        # parameters t in [-half, half] where the segment crosses an edge x = k + 1/2 (k integer)
        # of either axis, in array coordinates (centre at (s - 1) / 2)
        ts = [np.array([-half, half])]
        for a in range(2):
            if u[a] != 0:
                centre = (shape[a] - 1) / 2
                ends = sorted((centre - half * u[a], centre + half * u[a]))
                k = np.arange(math.ceil(ends[0] - 0.5), math.floor(ends[1] - 0.5) + 1) + 0.5
                ts.append((k - centre) / u[a])
        breaks = np.unique(np.clip(np.concatenate(ts), -half, half))
        weights = np.diff(breaks) / length
    mid = (breaks[:-1] + breaks[1:]) / 2
    coords = [(s - 1) / 2 + mid * ua for s, ua in zip(shape, u)]
    for rows, wr in _cells(coords[0]):
        for cols, wc in _cells(coords[1]):
            w = weights * wr * wc
            keep = w > 0
            np.add.at(h, (rows[keep], cols[keep]), w[keep])
    return h / h.sum()


def _quadrant_area(x: np.ndarray, y: np.ndarray, r: float) -> np.ndarray:
    r"""Signed area of the disk of radius `r` (centre 0) within ``[0, x] x [0, y]``."""
    sx, sy = np.sign(x), np.sign(y)
    x = np.minimum(np.abs(x), r)
    y = np.minimum(np.abs(y), r)
    s_star = np.sqrt(np.maximum(r * r - y * y, 0.0))     # where the circle is at height y
    a = np.minimum(x, s_star)

    def primitive(s):                                    # integral of sqrt(r^2 - s^2) ds from 0
        return 0.5 * (s * np.sqrt(np.maximum(r * r - s * s, 0.0)) + r * r * np.arcsin(np.minimum(s / r, 1.0)))

    return sx * sy * (y * a + primitive(x) - primitive(a))


def _disk_areas(radius: float, shape: tuple[int, int]) -> np.ndarray:
    """Area of each pixel square of `shape` inside the disk of `radius` centred on the array."""
    xr = np.arange(shape[0] + 1) - shape[0] / 2               # pixel edges, from the centre
    xc = np.arange(shape[1] + 1) - shape[1] / 2
    if radius == 0:
        return np.zeros(shape)
    g = _quadrant_area(xr[:, None], xc[None, :], radius)
    area = g[1:, 1:] - g[:-1, 1:] - g[1:, :-1] + g[:-1, :-1]
    # exact 0 and 1 where a pixel lies wholly outside or inside (no cancellation left there)
    near_r = np.maximum(np.minimum(np.abs(xr[:-1]), np.abs(xr[1:])), 0.0) * (xr[:-1] * xr[1:] > 0)
    near_c = np.maximum(np.minimum(np.abs(xc[:-1]), np.abs(xc[1:])), 0.0) * (xc[:-1] * xc[1:] > 0)
    far_r = np.maximum(np.abs(xr[:-1]), np.abs(xr[1:]))
    far_c = np.maximum(np.abs(xc[:-1]), np.abs(xc[1:]))
    r2 = radius * radius
    area[near_r[:, None] ** 2 + near_c[None, :] ** 2 >= r2] = 0.0
    area[far_r[:, None] ** 2 + far_c[None, :] ** 2 <= r2] = 1.0
    return area


def disk_psf(radius, *, shape=None) -> np.ndarray:
    r"""Uniform disk (defocus), each pixel weighted by its exact area inside the circle.

    .. math:: h[r, c] = \frac{1}{\pi R^2} \left| D_R \cap \left[r - \tfrac12, r + \tfrac12\right]
              \times \left[c - \tfrac12, c + \tfrac12\right] \right|

    with ``(r, c)`` the offsets of the pixel centres from the centre of the
    array and :math:`D_R` the disk of radius ``R`` centred there.

    Parameters
    ----------
    radius : float
        Radius ``R`` in pixels, finite and >= 0.  ``R <= 1/2`` (the disk inside
        the centre pixel) gives ``[[1.0]]`` for the default shape.
    shape : int or (int, int), optional
        Shape of the result (an int means a square; any parity); it must
        contain the disk (``R <= s / 2`` on both axes).  Default: the smallest
        odd square that does, ``2 ceil(R - 1/2) + 1``.

    Returns
    -------
    ndarray of float64, shape `shape`
        Non-negative, summing to 1, symmetric under flips and (for a square
        shape) transposition.

    Raises
    ------
    ValueError
        A negative or non-finite radius, a shape that does not contain the
        disk or above the memory limit.
    TypeError
        Non-numeric radius, non-integer shape.

    Notes
    -----
    The areas are exact in closed form, not supersampled: with
    :math:`G(x, y)` the area of the disk in ``[0, x] x [0, y]``
    (:math:`G = y\,a + P(x) - P(a)`, :math:`a = \min(x, \sqrt{R^2 - y^2})`,
    :math:`P(s) = \tfrac12 (s \sqrt{R^2 - s^2} + R^2 \arcsin(s / R))`, signs
    by quadrant), a pixel's area is the inclusion-exclusion of ``G`` at its
    four corners.  Their sum is :math:`\pi R^2` to rounding (about
    ``R^2 eps`` per pixel), which is the normalisation.

    Examples
    --------
    >>> from convops import disk_psf
    >>> h = disk_psf(1.5)
    >>> h.shape, round(float(h.sum()), 12)
    ((3, 3), 1.0)
    >>> bool(h[1, 1] * 3.141592653589793 * 1.5**2 == 1.0)     # the centre pixel lies inside
    True
    """
    radius = check_real(radius, "radius", low=0.0)
    size = _odd_size(radius, "radius", radius)
    needed = (size, size)
    shape = needed if shape is None else _psf_shape(shape)
    if any(radius > s / 2 for s in shape):
        raise ValueError(f"shape {shape} is too small for a disk of radius {radius:g}: each side must be "
                         f">= {2 * radius:g} (the default shape is {needed})")
    _check_size(shape, "disk")
    if radius == 0:                 # the point at the centre: one pixel, or split between 2 or 4
        h = np.zeros(shape)
        h[tuple(slice((s - 1) // 2, s // 2 + 1) for s in shape)] = 1.0
        return h / h.sum()
    h = _disk_areas(radius, shape)
    return h / h.sum()


def box_psf(shape) -> np.ndarray:
    r"""Uniform box: :math:`h[r, c] = 1 / (M N)` on a shape ``(M, N)``.

    Parameters
    ----------
    shape : int or (int, int)
        ``(M, N)``; an int means a square; even sizes allowed (their centre
        lies between pixels: a 'same' blur with the anchor ``M // 2`` shifts
        by half a pixel).

    Returns
    -------
    ndarray of float64, shape `shape`
        All entries ``1 / (M N)``.

    Raises
    ------
    ValueError
        Entries < 1, or a box above the memory limit.
    TypeError
        Non-integer shape.

    Examples
    --------
    >>> from convops import box_psf
    >>> box_psf((1, 4))
    array([[0.25, 0.25, 0.25, 0.25]])
    """
    shape = _psf_shape(shape)
    check_allocation(8 * math.prod(shape), f"the box PSF of shape {shape}", DEFAULT_MAX_BYTES,
                     hint="choose a smaller shape")
    return np.full(shape, 1.0 / math.prod(shape))
