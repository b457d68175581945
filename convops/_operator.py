"""The matrix-free convolution operator: same numbers as the matrix, exact
adjoint, direct or FFT computation picked by cost.

The direct path hands ``same`` windows to ``scipy.ndimage`` only inside the
region where its boundary modes are proven right (each side of the extension
at most ``_NDIMAGE_MAX_SIDE`` image lengths, checked exhaustively by
``tests/test_convops_ndimage.py``): scipy.ndimage's ``mode='reflect'`` reads
a wrong sample where the extension reaches 4n or more samples past the start
of an axis of n samples (scipy 1.17).  Elsewhere the image is extended by the
rule's index map and a valid correlation follows.  Kernels larger than a
period of the rule are folded first (:meth:`Geometry.reduced`), which keeps
both paths inside that region and bounds their cost.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft
import scipy.ndimage as ndi
from scipy.sparse.linalg import LinearOperator

from ._fourier import circular_spectrum, spectrum_nbytes
from ._geometry import Geometry, plan_convolution
from ._validation import DEFAULT_MAX_BYTES, check_allocation, check_max_bytes, check_option, float_dtype

__all__ = ["convolution_operator", "ConvolutionOperator", "METHODS"]

#: Ways of applying the operator.
METHODS = ("auto", "direct", "fft")

# Cost model (nanoseconds) measured on a 2-core machine with scipy 1.17:
# scipy.ndimage costs about 2 ns per output plus 0.6 ns per tap and output;
# an rfftn/irfftn pair with a product about 0.75 ns per P log2 P (P = grid
# size) plus about 2 ns per grid point for padding and cropping.
_DIRECT_PER_OUTPUT, _DIRECT_PER_TAP = 2.0, 0.6
_FFT_PER_NLOGN, _FFT_PER_POINT = 0.75, 2.0

# scipy.ndimage's boundary modes are used for the 'same' window only where
# the extension on each side of every axis is at most this many image
# lengths (verified for every mode; 'reflect' first fails at 4).
_NDIMAGE_MAX_SIDE = 2


def _ndimage_correlate(x, weights, offsets, mode):
    """``y[k] = sum_t w[t] x_ext[k + offset + t]`` (per axis) by
    ``scipy.ndimage.correlate``, for offsets in ``-(m - 1) .. 0``."""
    origin = [-off - m // 2 for off, m in zip(offsets, weights.shape)]
    # scipy.ndimage drops every weight of magnitude <= 2.2e-16 (an absolute
    # threshold), so the weights are scaled by a power of two to a largest
    # magnitude in [0.5, 1) and the result scaled back: both exact.
    exponent = int(np.frexp(np.abs(weights).max())[1]) if np.any(weights) else 0
    # (ndimage conjugates complex correlation weights; undo it.)
    scaled = _times_power_of_two(weights.conj() if np.iscomplexobj(weights) else weights, -exponent)
    return _times_power_of_two(ndi.correlate(x, scaled, mode=mode, origin=origin), exponent)


def _times_power_of_two(a: np.ndarray, exponent: int) -> np.ndarray:
    """``a * 2**exponent`` in the dtype of `a`, exact unless it under- or
    overflows (two factors, so that each is representable)."""
    if exponent == 0:
        return a
    real = np.finfo(a.dtype).dtype
    for part in (exponent // 2, exponent - exponent // 2):
        a = a * real.type(2.0**part)
    return a


def _ndimage_same_is_safe(weights_shape, offsets, in_shape) -> bool:
    """Whether a correlation-form 'same' window lies where scipy.ndimage's
    boundary modes are right (see ``_NDIMAGE_MAX_SIDE``)."""
    for m, off, n in zip(weights_shape, offsets, in_shape):
        before, after = -off, m - 1 + off
        if not (0 <= before <= _NDIMAGE_MAX_SIDE * n and 0 <= after <= _NDIMAGE_MAX_SIDE * n):
            return False
    return True


class ConvolutionOperator(LinearOperator):
    """Matrix-free convolution; see :func:`convolution_operator`.

    Attributes
    ----------
    geometry : Geometry
        The validated problem (kernel, shapes, offsets, boundary, output).
    in_shape, out_shape : tuple of int
        Image and output shapes (``shape`` is ``(prod(out_shape), prod(in_shape))``).
    method : {'direct', 'fft'}
        How the operator is applied.
    order : {'C', 'F'}
        Vectorisation order of ``matvec`` inputs and outputs.
    """

    def __init__(self, geometry: Geometry, method: str, workers=None):
        self.geometry = geometry
        self._plan = geometry.reduced()  # the same map with the fewest taps
        self.in_shape = geometry.in_shape
        self.out_shape = geometry.out_shape
        self.order = geometry.order
        self.method = method
        self.workers = workers
        self._spectra: dict = {}
        super().__init__(geometry.weights.dtype, (math.prod(self.out_shape), math.prod(self.in_shape)))

    # -- public N-D interface -------------------------------------------------
    def apply(self, image) -> np.ndarray:
        """Convolve an image of ``in_shape``; returns an array of ``out_shape``
        (possibly a view into a larger work array)."""
        x = self._as_input(image, self.in_shape, "image")
        if self._real_kernel_complex_input(x):
            return self.apply(x.real) + 1j * self.apply(x.imag)
        return self._forward_fft(x) if self.method == "fft" else self._forward_direct(x)

    def apply_adjoint(self, data) -> np.ndarray:
        """Apply the adjoint to an array of ``out_shape``; returns ``in_shape``."""
        y = self._as_input(data, self.out_shape, "data")
        if self._real_kernel_complex_input(y):
            return self.apply_adjoint(y.real) + 1j * self.apply_adjoint(y.imag)
        return self._adjoint_fft(y) if self.method == "fft" else self._adjoint_direct(y)

    # -- LinearOperator hooks -------------------------------------------------
    def _matvec(self, x):
        x = np.asarray(x).reshape(self.in_shape, order=self.order)
        return self.apply(x).ravel(order=self.order)

    def _rmatvec(self, y):
        y = np.asarray(y).reshape(self.out_shape, order=self.order)
        return self.apply_adjoint(y).ravel(order=self.order)

    def _matmat(self, X):
        return np.column_stack([self._matvec(col) for col in np.asarray(X).T])

    def _rmatmat(self, Y):
        return np.column_stack([self._rmatvec(col) for col in np.asarray(Y).T])

    # -- helpers --------------------------------------------------------------
    def _as_input(self, a, shape, name):
        a = np.asarray(a)
        if a.shape != shape:
            raise ValueError(f"{name} has shape {a.shape}; this operator expects {shape}")
        return a.astype(float_dtype(self.dtype, a), copy=False)

    def _real_kernel_complex_input(self, a) -> bool:
        return np.iscomplexobj(a) and not np.iscomplexobj(self.geometry.weights)

    def _weights(self, dtype):
        return self._plan.weights.astype(dtype, copy=False)

    def _extend(self, x):
        """The extended image the output window reads (``ext_shape``), by
        the boundary rule's index map (any extension length).

        Like ``numpy.pad``: one array, the image copied into place (it always
        lies inside: every offset is in ``-(m - 1) .. 0``), then the border
        of each axis in turn gathered from the samples already in place.
        """
        g = self._plan
        starts = [-off for off in g.offsets]
        if tuple(g.ext_shape) == x.shape:
            return x
        out = np.empty(g.ext_shape, dtype=x.dtype)
        image = [slice(s, s + n) for s, n in zip(starts, g.in_shape)]
        out[tuple(image)] = x
        for axis in range(g.ndim):
            source, start, n = g.extension(axis), starts[axis], g.in_shape[axis]
            # Axes before `axis` are extended already, those after are not yet.
            region = [slice(None)] * axis + [slice(None)] + image[axis + 1:]
            for part in (slice(0, start), slice(start + n, source.size)):
                src = source[part]
                if not src.size:
                    continue
                region[axis] = part
                if src.min() < 0:  # the zero rule: no sample is read
                    out[tuple(region)] = 0
                    continue
                region[axis] = start + src
                values = out[tuple(region)]
                region[axis] = part
                out[tuple(region)] = values
        return out

    def _fold(self, z):
        """Adjoint of :meth:`_extend`: add every extended sample back onto
        the image sample it copies (zero-extension samples are dropped).

        Works in place on the work array `z` (border samples are added into
        the image region, which they never overlap) and returns a view.
        """
        g = self._plan
        for axis in range(g.ndim):
            n, start = g.in_shape[axis], -g.offsets[axis]
            if start == 0 and z.shape[axis] == n:
                continue

            def at(index):
                return (slice(None),) * axis + (index,)

            source = g.extension(axis)
            border = np.flatnonzero(source >= 0)
            border = border[(border < start) | (border >= start + n)]
            if border.size <= 64:
                for p in border:
                    z[at(start + source[p])] += z[at(p)]
            else:
                np.add.at(np.moveaxis(z, axis, 0), start + source[border], np.moveaxis(z, axis, 0)[border])
            z = z[at(slice(start, start + n))]
        return z

    def _spectrum(self, size, offsets, real, adjoint, dtype):
        """The kernel's spectrum on the grid, computed and cached in the
        precision of the data (`dtype`: a float32 kernel on float64 data
        is transformed in float64)."""
        key = (size, offsets, real, adjoint, np.dtype(dtype))
        if key not in self._spectra:
            if adjoint:
                self._spectra[key] = self._spectrum(size, offsets, real, False, dtype).conj()
            else:
                self._spectra[key] = circular_spectrum(self._weights(dtype), size, offsets,
                                                       real=real, workers=self.workers)
        return self._spectra[key]

    # -- FFT path ---------------------------------------------------------------
    def _circular(self, a, shape, offsets, adjoint):
        """Circular convolution on `shape` (``a`` zero-padded to it)."""
        real = not np.iscomplexobj(self.geometry.weights) and not np.iscomplexobj(a)
        spectrum = self._spectrum(shape, offsets, real, adjoint, a.dtype)
        if real:
            product = sfft.rfftn(a, s=shape, workers=self.workers)
            product *= spectrum
            out = sfft.irfftn(product, s=shape, axes=tuple(range(a.ndim)), workers=self.workers)
        else:
            product = sfft.fftn(a, s=shape, workers=self.workers)
            product *= spectrum
            out = sfft.ifftn(product, workers=self.workers, overwrite_x=True)
        return out.astype(float_dtype(self.dtype, a), copy=False)

    def _forward_fft(self, x):
        grid, offsets = _fft_grid(self._plan)
        if _is_periodic_same(self._plan):
            return self._circular(x, grid, offsets, adjoint=False)
        out = self._circular(self._extend(x), grid, offsets, adjoint=False)
        return out[tuple(slice(0, n) for n in self.out_shape)]

    def _adjoint_fft(self, y):
        grid, offsets = _fft_grid(self._plan)
        if _is_periodic_same(self._plan):
            return self._circular(y, grid, offsets, adjoint=True)
        z = self._circular(y, grid, offsets, adjoint=True)  # y zero-padded to the grid
        return self._fold(z[tuple(slice(0, n) for n in self._plan.ext_shape)])

    # -- direct path (scipy.ndimage) ----------------------------------------
    def _forward_direct(self, x):
        g = self._plan
        w = self._weights(x.dtype)
        if g.output == "same" and _ndimage_same_is_safe(w.shape, g.offsets, g.in_shape):
            return _ndimage_correlate(x, w, g.offsets, g.rule.ndimage)
        # Valid correlation of the extension (offset 0 on the extended grid).
        full = _ndimage_correlate(self._extend(x), w, (0,) * g.ndim, "constant")
        return full[tuple(slice(0, n) for n in self.out_shape)]

    def _adjoint_direct(self, y):
        g = self._plan
        w = self._weights(y.dtype)
        # The adjoint of y[k] = sum_t w[t] x[k + off + t] is the correlation
        # with flip(conj(w)) at offset -(m - 1) - off.
        flipped = np.flip(w.conj())
        if g.output == "same" and g.boundary in ("zero", "circular"):
            offsets = tuple(-(m - 1) - off for m, off in zip(w.shape, g.offsets))
            if _ndimage_same_is_safe(w.shape, offsets, g.in_shape):
                return _ndimage_correlate(y, flipped, offsets, g.rule.ndimage)
        # Full convolution of y with conj(w): the adjoint of the valid
        # correlation, then fold the extension back.
        padded = np.zeros(g.ext_shape, dtype=y.dtype)
        padded[tuple(slice(0, n) for n in self.out_shape)] = y
        z = _ndimage_correlate(padded, flipped, tuple(-(m - 1) for m in w.shape), "constant")
        return self._fold(z)


def _is_periodic_same(g: Geometry) -> bool:
    return g.boundary == "circular" and g.output == "same"


def _fft_grid(g: Geometry):
    """The periodic grid of the FFT path and the offsets on it."""
    if _is_periodic_same(g):
        return g.in_shape, g.offsets
    real = not np.iscomplexobj(g.weights)
    return tuple(sfft.next_fast_len(n, real=real) for n in g.ext_shape), (0,) * g.ndim


def _direct_passes(g: Geometry):
    """The scipy.ndimage calls of the direct path (`g` reduced), forward and
    adjoint: ``(input shape, output positions)`` of each.  Where a 'same'
    window cannot go to scipy.ndimage, it correlates the whole extended
    image (``ext_shape`` outputs) and crops."""
    m = g.weights.shape
    forward_same = g.output == "same" and _ndimage_same_is_safe(m, g.offsets, g.in_shape)
    adjoint_offsets = tuple(-(k - 1) - off for k, off in zip(m, g.offsets))
    adjoint_same = (g.output == "same" and g.boundary in ("zero", "circular")
                    and _ndimage_same_is_safe(m, adjoint_offsets, g.in_shape))
    return [g.in_shape if forward_same else g.ext_shape, g.in_shape if adjoint_same else g.ext_shape]


def _ndimage_table_nbytes(array_shape, weights_shape, taps: int) -> int:
    """Bytes of the offset table scipy.ndimage builds for a filter: one
    offset per tap for every distinct border position, ``prod(min(n, m))``
    of them."""
    return 8 * taps * math.prod(min(n, m) for n, m in zip(array_shape, weights_shape))


def work_nbytes(g: Geometry, method: str) -> int:
    """Estimated bytes of the work arrays of one application (`g` reduced),
    in double precision: the extended image, the FFT grid and its cached
    and working spectra, or scipy.ndimage's input, output and offset table."""
    item = 16 if np.iscomplexobj(g.weights) else 8
    ext = 0 if (method == "fft" and _is_periodic_same(g)) else math.prod(g.ext_shape)
    out = math.prod(g.out_shape)
    if method == "fft":
        grid, _ = _fft_grid(g)
        real = item == 8
        return ext * item + out * item + 2 * spectrum_nbytes(grid, np.dtype(np.float64 if real else np.complex128),
                                                             real=real)
    taps = int(np.count_nonzero(g.weights))
    return max(2 * math.prod(shape) * item + ext * item + out * item
               + _ndimage_table_nbytes(shape, g.weights.shape, taps) for shape in _direct_passes(g))


def _pick_method(g: Geometry) -> str:
    """The cheaper way for the reduced geometry `g`, by the cost model: the
    outputs scipy.ndimage really computes (the whole extended image where
    it cannot take the 'same' window) times the taps, plus its offset
    table, against the FFT of the grid; the slower of forward and adjoint."""
    taps = int(np.count_nonzero(g.weights))
    direct = max(math.prod(shape) * (_DIRECT_PER_OUTPUT + _DIRECT_PER_TAP * taps)
                 + _ndimage_table_nbytes(shape, g.weights.shape, taps) / 8 * _DIRECT_PER_TAP
                 for shape in _direct_passes(g))
    if _is_periodic_same(g):
        points = math.prod(g.in_shape)
    else:
        points = math.prod(sfft.next_fast_len(n, real=True) for n in g.ext_shape)
    fft = points * (_FFT_PER_NLOGN * math.log2(max(points, 2)) + _FFT_PER_POINT)
    if np.iscomplexobj(g.weights):
        direct, fft = 4 * direct, 2 * fft
    return "direct" if direct <= fft else "fft"


def convolution_operator(
    kernel,
    shape,
    *,
    boundary,
    output,
    origin=0,
    order="C",
    correlate=False,
    method="auto",
    workers=None,
    max_bytes=DEFAULT_MAX_BYTES,
) -> ConvolutionOperator:
    r"""Matrix-free convolution with `kernel` on images of `shape`.

    Gives the same numbers as :func:`convolution_matrix` with the same
    arguments, forward and adjoint, without storing the matrix.

    Parameters
    ----------
    kernel, shape, boundary, output, origin, order, correlate
        As in :func:`convolution_matrix`.
    method : {'auto', 'direct', 'fft'}, optional
        ``'direct'`` uses ``scipy.ndimage`` (cost proportional to the
        number of taps); ``'fft'`` multiplies by a cached kernel spectrum
        (cost ``P log P`` for a grid of ``P`` points: the image for
        ``circular``/``same``, the extended image otherwise); ``'auto'``
        picks the cheaper by a cost model measured on this package's
        reference machine (small kernels go direct).
    workers : int, optional
        Passed to ``scipy.fft`` (parallel transforms).
    max_bytes : float, optional
        Refuse, when the operator is made, work arrays (extended image, FFT
        grid and spectra) whose estimated size exceeds this many bytes
        (default :data:`convops.DEFAULT_MAX_BYTES`).

    Returns
    -------
    ConvolutionOperator
        A ``scipy.sparse.linalg.LinearOperator`` of shape
        ``(prod(out_shape), prod(shape))`` and the kernel's dtype.
        ``op @ x.ravel(order)`` convolves; ``op.H`` (``rmatvec``) is the exact
        adjoint; ``op.apply(image)`` and ``op.apply_adjoint(data)`` work on
        N-D arrays.  Usable by scipy's iterative solvers and, through
        ``pylops.LinearOperator(op)``, by PyLops.

    Raises
    ------
    TypeError, ValueError
        As :func:`convolution_matrix`, or an unknown `method`.
    AllocationTooLargeError
        The work arrays would exceed `max_bytes` (also a ``ValueError``).

    Notes
    -----
    The forward map is "extend, then convolve":
    :math:`y = C\,E\,x` with :math:`E` the boundary extension and :math:`C`
    the valid correlation with the flipped kernel.  Its adjoint is
    :math:`E^H C^H`: full convolution with the conjugate weights
    (correlation with the conjugate kernel), then :math:`E^T` folds every
    extended sample back onto the image sample it copied.  For ``zero`` and
    ``circular`` with ``output='same'`` that is plain correlation with the
    conjugate kernel.

    Computation runs in the precision of the result: a float32 kernel
    applied to float64 data is transformed (FFT) or filtered in float64,
    float32 on float32 stays float32.  A kernel longer than the period of
    a periodic rule (``n``, ``2n``, ``2n - 2`` for ``circular``,
    ``symmetric``, ``reflect``) is first folded onto one period (in double
    precision, so float64 data keeps float64 accuracy), a ``zero``-rule
    kernel is cut to the taps that reach the image, and ``replicate`` taps
    that read an edge sample for every output are summed onto one, so the
    cost of a kernel much larger than the image stays that of one of about
    twice its size.  ``'auto'`` counts the outputs scipy.ndimage really
    computes (the whole extended image where the window cannot go to it
    directly) and its offset table, which `max_bytes` also bounds.  ``'direct'`` calls ``scipy.ndimage`` with its boundary
    modes only where they are right; elsewhere it extends the image by the
    rule's index map and runs a valid correlation.

    Examples
    --------
    >>> import numpy as np
    >>> from convops import convolution_operator, convolution_matrix
    >>> rng = np.random.default_rng(0)
    >>> h, x = rng.standard_normal((3, 4)), rng.standard_normal((6, 5))
    >>> op = convolution_operator(h, x.shape, boundary="replicate", output="full")
    >>> A = convolution_matrix(h, x.shape, boundary="replicate", output="full")
    >>> bool(np.allclose(op @ x.ravel(), A @ x.ravel()))
    True
    >>> y = rng.standard_normal(op.shape[0])
    >>> bool(np.allclose(op.rmatvec(y), A.T @ y))
    True
    """
    geometry = plan_convolution(kernel, shape, boundary=boundary, output=output, origin=origin,
                                order=order, correlate=correlate)
    method = check_option(method, "method", METHODS)
    check_max_bytes(max_bytes)
    plan = geometry.reduced()
    if method == "auto":
        method = _pick_method(plan)
    check_allocation(
        work_nbytes(plan, method),
        f"the {method} work arrays of the convolution operator for kernel {geometry.kernel.shape} on "
        f"image {geometry.in_shape} ({geometry.output}, {geometry.boundary})",
        max_bytes,
    )
    return ConvolutionOperator(geometry, method, workers)

