r"""Applying an inverse kernel to a blurred image, aligned by the inverse's delay (see :func:`apply_inverse`)."""

from __future__ import annotations

import math

import numpy as np

from convops import boundary_to, canonical_boundary, convolution_operator, float_dtype
from convops._validation import as_float_array, check_allocation, check_int, ints_per_axis

from ._iir import IIRInverse
from ._result import SolverResult

__all__ = ["apply_inverse", "inverse_anchor"]

_EPS = np.finfo(np.float64).eps


def inverse_anchor(kernel_shape, inverse_shape, delay="center") -> tuple[tuple[int, ...], tuple[int, ...]]:
    r"""Where an inverse kernel must be anchored to undo a 'same' blur.

    A blur ``y = convolution_operator(f, shape, output='same')`` (anchor
    ``m // 2``, as ``scipy.ndimage.convolve``) is ``y[n] = (f * x)[n + m//2]``.
    An inverse ``g`` (shape ``p``) with ``f * g ~ delta_d`` gives
    ``(g * y)[i] ~ x[i + m//2 - d]``, so the output must read the full
    convolution ``g * y`` at

    .. math:: z[n] = (g * y)[n + a], \qquad a = d - \lfloor m / 2 \rfloor

    per axis: the anchor ``a`` of ``g``.  ``scipy.ndimage``'s anchor of a
    'same' convolution with ``origin=o`` is ``p // 2 + o``, hence

    .. math:: o = d - \lfloor m/2 \rfloor - \lfloor p/2 \rfloor .

    With the default delay ``d = (m + p - 2) // 2``: ``o = 0`` when ``m`` and
    ``p`` are both odd, ``o = -1`` otherwise (the one-pixel shift).

    Parameters
    ----------
    kernel_shape : int or tuple of int
        Shape ``m`` of the blur kernel (an int: the same on every axis of `inverse_shape`).
    inverse_shape : int or tuple of int
        Shape ``p`` of the inverse.
    delay : 'center', 'centre', int or tuple of int, optional
        Delay ``d`` of ``f * g ~ delta_d`` on the full grid ``m + p - 1``.

    Returns
    -------
    anchor : tuple of int
        ``a`` per axis (may lie outside ``0 .. p - 1`` for unusual delays).
    origin : tuple of int
        ``a - p // 2``, scipy.ndimage's origin (in range only when ``0 <= a < p``).

    Raises
    ------
    ValueError
        Sizes < 1, mismatched numbers of axes, a delay outside ``0 .. m + p - 2``
        or an unknown delay string.
    TypeError
        Non-integer sizes or delay.

    Examples
    --------
    >>> from solvers import inverse_anchor
    >>> inverse_anchor((9, 8), (15, 15))      # odd/odd: no shift; even kernel: -1
    ((7, 6), (0, -1))
    """
    p = _shape(inverse_shape, "inverse_shape")
    m = _shape(kernel_shape, "kernel_shape", len(p))
    if len(m) != len(p):
        raise ValueError(f"kernel_shape {m} and inverse_shape {p} have different numbers of axes")
    full = tuple(a + b - 1 for a, b in zip(m, p))
    if isinstance(delay, str):
        if delay.casefold() not in ("center", "centre"):
            raise ValueError(f"unknown delay {delay!r}; allowed: 'center' (alias 'centre'), an int or a tuple of ints")
        d = tuple((n - 1) // 2 for n in full)
    else:
        d = ints_per_axis(delay, len(p), "delay")
        for axis, (di, n) in enumerate(zip(d, full)):
            if not 0 <= di < n:
                raise ValueError(f"delay {di} on axis {axis} is outside the full grid 0 .. {n - 1} "
                                 f"(kernel {m}, inverse {p})")
    anchor = tuple(di - mi // 2 for di, mi in zip(d, m))
    return anchor, tuple(a - pi // 2 for a, pi in zip(anchor, p))


def _shape(value, name, ndim=None) -> tuple[int, ...]:
    """Positive ints per axis: an int is repeated over `ndim` axes (one when `ndim` is None)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        value = (value,) * (ndim or 1)
    try:
        n = len(value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}") from None
    if ndim is not None and n != ndim:
        raise ValueError(f"{name} {tuple(value)!r} has {n} entries; the inverse has {ndim} axes")
    items = ints_per_axis(tuple(value), n, name)
    if not items or any(s < 1 for s in items):
        raise ValueError(f"{name} entries must be positive, got {tuple(value)!r}")
    return items


def _from_result(result: SolverResult, kernel_shape, delay):
    g = as_float_array(result.solution, "inverse.solution")
    if "delay" not in result.info:
        raise ValueError("inverse is a SolverResult without info['delay']: pass the result of "
                         "solvers.inverse_kernel or solvers.separable_inverse, or the array g "
                         "with kernel_shape (and delay)")
    if delay is not None:
        raise ValueError(f"delay={delay!r} given with a SolverResult, which carries its own "
                         f"delay {result.info['delay']!r}")
    d = ints_per_axis(result.info["delay"], g.ndim, "inverse.info['delay']")
    r = result.residual
    known = None
    if r is not None and np.ndim(r) == g.ndim and all(a >= b for a, b in zip(np.shape(r), g.shape)):
        known = tuple(a - b + 1 for a, b in zip(np.shape(r), g.shape))
    if kernel_shape is None:
        if known is None:
            raise ValueError("inverse is a SolverResult without a full-grid residual: pass kernel_shape")
        m = known
    else:
        m = _shape(kernel_shape, "kernel_shape", g.ndim)
        if known is not None and m != known:
            raise ValueError(f"kernel_shape {m} disagrees with the inverse's full grid "
                             f"{np.shape(r)} (kernel shape {known})")
    return g, m, d


def apply_inverse(blurred, inverse, *, boundary="symmetric", kernel_shape=None, delay=None, axis=-1):
    r"""Apply an inverse kernel to a blurred image, aligned so that it undoes a 'same' blur.

    The blur is the package's convention,
    ``y = convolution_operator(f, x.shape, boundary=..., output='same') @ x``
    (``scipy.ndimage.convolve``, anchor ``m // 2``).  For an FIR inverse ``g``
    (shape ``p``) with ``f * g ~ delta_d`` the result is the 'same'
    convolution

    .. math:: z[n] = \sum_k g[k]\, \tilde y[n + a - k], \qquad a = d - \lfloor m/2 \rfloor

    with :math:`\tilde y` the image extended by `boundary`, that is
    ``convolution_operator(g, y.shape, boundary=boundary, output='same',
    origin=a - p // 2)`` (see :func:`inverse_anchor`); when ``a`` falls outside
    ``0 .. p - 1`` (a delay far from the centre), ``g`` is zero-padded first.
    Then ``z ~ x`` away from the borders, with no shift, for odd and even
    ``m`` and ``p`` alike.

    Parameters
    ----------
    blurred : array_like
        The blurred image ``y`` (any number of axes; for an IIR inverse,
        filtered along `axis`).
    inverse : SolverResult, array_like or IIRInverse
        - the result of :func:`solvers.inverse_kernel` or
          :func:`solvers.separable_inverse`: ``g = inverse.solution``, ``d =
          inverse.info['delay']`` and ``m`` from the full grid of
          ``inverse.residual`` (shape ``m + p - 1``);
        - an array ``g``: then `kernel_shape` is required (the anchor depends
          on the parity of ``m``) and `delay` defaults to the centre of the
          full grid, ``(m + p - 2) // 2``, the default of :func:`solvers.inverse_kernel`;
        - a list of IIRInverse, one per axis: the exact inverse of a separable
          kernel ``f = a_0 (x) a_1 (x) ...`` (see :func:`solvers.separate`),
          ``[iir_inverse(a_0), iir_inverse(a_1), ...]``, applied axis by axis
          as below (row and column recursions over the whole image);
        - an :class:`solvers.IIRInverse` of a 1-D kernel ``h`` (``1/H`` exactly,
          ``g * h = delta_0``): applied along `axis` as
          ``z[n] = (g * y~)[n - m // 2]``, with ``y~`` the extension of ``y``
          by `boundary` over ``L`` samples on each side, ``L`` about
          ``2 log(eps) / log(rho) + m`` for the slowest pole radius ``rho`` (so
          that the tail of ``g`` beyond it is below rounding).
    boundary : {'symmetric', 'zero', 'circular', 'replicate', 'reflect'} or alias, optional
        Extension of the blurred image.  Default ``'symmetric'``
        (``scipy.ndimage``'s ``'reflect'``), which suits photographs.
    kernel_shape : int or tuple of int, optional
        Shape ``m`` of the blur kernel; required with an array `inverse`,
        checked against a SolverResult's.
    delay : 'center', int or tuple of int, optional
        Only with an array `inverse` (default ``'center'``).
    axis : int, optional
        Axis along which an IIRInverse filters (default the last).

    Returns
    -------
    ndarray, shape of `blurred`
        The restored image, dtype ``convops.float_dtype(blurred, g)``.

    Raises
    ------
    TypeError
        An `inverse` of another type, non-integer shapes, delay or axis.
    ValueError
        Non-finite or empty input, an array `inverse` without `kernel_shape`,
        a number of axes differing from `blurred`'s, a delay outside the full
        grid, a `delay` given with a SolverResult, an unknown boundary, an
        axis out of range, or work arrays above the memory limit.

    Notes
    -----
    Applying ``g`` with ``scipy.ndimage.convolve(y, g)`` and no origin uses
    the anchor ``p // 2``: a result shifted by ``p // 2 - a`` pixels, one
    pixel on every axis where ``m`` or ``p`` is even (default delay).

    Examples
    --------
    >>> import numpy as np
    >>> from convops import convolution_operator, motion_psf
    >>> from solvers import inverse_kernel
    >>> from solvers import apply_inverse
    >>> f = 0.5 * motion_psf(4, shape=(1, 4)) + 0.5 * np.eye(1, 4, 1)   # even length
    >>> x = np.zeros((5, 12)); x[2, 5] = 1.0
    >>> y = convolution_operator(f, x.shape, boundary="zero", output="same").apply(x)
    >>> z = apply_inverse(y, inverse_kernel(f, (1, 15)), boundary="zero")
    >>> [int(i) for i in np.unravel_index(np.argmax(z), z.shape)], bool(abs(z[2, 5] - 1) < 0.05)
    ([2, 5], True)
    """
    y = as_float_array(blurred, "blurred")
    if isinstance(inverse, (list, tuple)) and inverse and all(isinstance(i, IIRInverse) for i in inverse):
        if len(inverse) != y.ndim or kernel_shape is not None or delay is not None:
            raise ValueError(f"a separable IIR inverse needs one IIRInverse per axis of blurred ({y.ndim}), got "
                             f"{len(inverse)}; kernel_shape and delay do not apply")
        for ax, inv in enumerate(inverse):      # the factors of a separable kernel, axis by axis
            y = _apply_iir(y, inv, boundary, ax)
        return y
    if isinstance(inverse, IIRInverse):
        if kernel_shape is not None or delay is not None:
            raise ValueError("kernel_shape and delay apply to FIR inverses; an IIRInverse carries its kernel")
        return _apply_iir(y, inverse, boundary, axis)
    if isinstance(inverse, SolverResult):
        g, m, d = _from_result(inverse, kernel_shape, delay)
    elif isinstance(inverse, (np.ndarray, list, tuple)):
        g = as_float_array(inverse, "inverse")
        if kernel_shape is None:
            raise ValueError("inverse is an array: pass kernel_shape, the shape of the blur kernel "
                             "(the anchor depends on the parity of its sizes)")
        m = _shape(kernel_shape, "kernel_shape", g.ndim)
        d = "center" if delay is None else delay
    else:
        raise TypeError(f"inverse must be a SolverResult (inverse_kernel, separable_inverse), an array "
                        f"or an IIRInverse, got {type(inverse).__name__}")
    if g.ndim != y.ndim:
        raise ValueError(f"the inverse has {g.ndim} axes (shape {g.shape}) but blurred has {y.ndim} "
                         f"(shape {y.shape})")
    anchor, _ = inverse_anchor(m, g.shape, d)
    before = tuple(max(0, -a) for a in anchor)
    after = tuple(max(0, a - p + 1) for a, p in zip(anchor, g.shape))
    if any(before) or any(after):
        check_allocation(8 * math.prod(p + b + c for p, b, c in zip(g.shape, before, after)),
                         f"the zero-padded inverse of shape {g.shape}")
        g = np.pad(g, tuple(zip(before, after)))
        anchor = tuple(a + b for a, b in zip(anchor, before))
    origin = tuple(a - p // 2 for a, p in zip(anchor, g.shape))
    op = convolution_operator(g, y.shape, boundary=boundary, output="same", origin=origin)
    return np.asarray(op.apply(y.astype(float_dtype(y, g), copy=False)))


def _apply_iir(y: np.ndarray, inverse: IIRInverse, boundary, axis) -> np.ndarray:
    axis = check_int(axis, "axis")
    if not -y.ndim <= axis < y.ndim:
        raise ValueError(f"axis {axis} is out of range for blurred of shape {y.shape}")
    axis %= y.ndim
    mode = boundary_to(canonical_boundary(boundary), "numpy")
    m = inverse.kernel.size
    radii = np.concatenate([np.abs(inverse.inner_zeros), 1.0 / np.abs(inverse.outer_zeros)])
    rho = float(radii.max(initial=0.0))
    decay = 0 if rho < _EPS else math.ceil(2 * math.log(_EPS) / math.log(rho))
    pad = decay + m + inverse.advance
    n = y.shape[axis]
    extended = n + 2 * pad
    check_allocation(16 * 4 * extended * (y.size // n), f"the extension of blurred {y.shape} by {pad:,} "
                     f"samples on each side of axis {axis} (poles of radius up to {rho:.12g})")
    widths = [(0, 0)] * y.ndim
    widths[axis] = (pad, pad)
    y_ext = np.pad(y, widths, mode=mode)
    w = inverse.apply(y_ext, axis=axis)
    start = pad - m // 2
    return np.take(w, np.arange(start, start + n), axis=axis)
