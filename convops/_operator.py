"""The matrix-free convolution operator: same numbers as the matrix, exact
adjoint, direct or FFT computation picked by cost."""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft
import scipy.ndimage as ndi
from scipy.sparse.linalg import LinearOperator

from ._fourier import circular_spectrum
from ._geometry import Geometry, plan_convolution
from ._validation import float_dtype

__all__ = ["convolution_operator", "ConvolutionOperator", "METHODS"]

#: Ways of applying the operator.
METHODS = ("auto", "direct", "fft")

# Cost model (nanoseconds) measured on a 2-core machine with scipy 1.17:
# scipy.ndimage costs about 2 ns per output plus 0.6 ns per tap and output;
# an rfftn/irfftn pair with a product about 0.75 ns per P log2 P (P = grid
# size) plus about 2 ns per grid point for padding and cropping.
_DIRECT_PER_OUTPUT, _DIRECT_PER_TAP = 2.0, 0.6
_FFT_PER_NLOGN, _FFT_PER_POINT = 0.75, 2.0


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
        return self.geometry.weights.astype(dtype, copy=False)

    def _extend(self, x):
        """The extended image the output window reads (``ext_shape``)."""
        g = self.geometry
        pads = [(-off, ext - n + off) for off, ext, n in zip(g.offsets, g.ext_shape, g.in_shape)]
        if not any(a or b for a, b in pads):
            return x
        if g.boundary == "zero":
            return np.pad(x, pads)
        return np.pad(x, pads, mode=g.rule.numpy_pad)

    def _fold(self, z):
        """Adjoint of :meth:`_extend`: add every extended sample back onto
        the image sample it copies (zero-extension samples are dropped).

        Works in place on the work array `z` (border samples are added into
        the image region, which they never overlap) and returns a view.
        """
        g = self.geometry
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

    def _spectrum(self, size, offsets, real, adjoint):
        key = (size, offsets, real, adjoint)
        if key not in self._spectra:
            if adjoint:
                self._spectra[key] = self._spectrum(size, offsets, real, False).conj()
            else:
                self._spectra[key] = circular_spectrum(self.geometry.weights, size, offsets,
                                                       real=real, workers=self.workers)
        return self._spectra[key]

    def _is_periodic_same(self) -> bool:
        g = self.geometry
        return g.boundary == "circular" and g.output == "same"

    def _fft_grid(self):
        g = self.geometry
        if self._is_periodic_same():
            return g.in_shape, g.offsets
        real = not np.iscomplexobj(g.weights)
        return tuple(sfft.next_fast_len(n, real=real) for n in g.ext_shape), (0,) * g.ndim

    # -- FFT path ---------------------------------------------------------------
    def _circular(self, a, shape, offsets, adjoint):
        """Circular convolution on `shape` (``a`` zero-padded to it)."""
        real = not np.iscomplexobj(self.geometry.weights) and not np.iscomplexobj(a)
        spectrum = self._spectrum(shape, offsets, real, adjoint)
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
        grid, offsets = self._fft_grid()
        if self._is_periodic_same():
            return self._circular(x, grid, offsets, adjoint=False)
        out = self._circular(self._extend(x), grid, offsets, adjoint=False)
        return out[tuple(slice(0, n) for n in self.out_shape)]

    def _adjoint_fft(self, y):
        grid, offsets = self._fft_grid()
        if self._is_periodic_same():
            return self._circular(y, grid, offsets, adjoint=True)
        z = self._circular(y, grid, offsets, adjoint=True)  # y zero-padded to the grid
        return self._fold(z[tuple(slice(0, n) for n in self.geometry.ext_shape)])

    # -- direct path (scipy.ndimage) ----------------------------------------
    def _forward_direct(self, x):
        g = self.geometry
        dtype = float_dtype(self.dtype, x)
        if g.output == "same":
            filt = ndi.correlate if g.correlate else ndi.convolve
            return filt(x, g.kernel.astype(dtype, copy=False), mode=g.rule.ndimage, origin=list(g.origin))
        # Valid correlation of the extension: ndimage's output k at origin
        # -(m//2) reads samples k .. k+m-1.
        ext = self._extend(x)
        # (ndimage conjugates complex correlation weights; undo it.)
        full = ndi.correlate(ext, self._weights(dtype).conj(), mode="constant",
                             origin=[-(m // 2) for m in g.weights.shape])
        return full[tuple(slice(0, n) for n in self.out_shape)]

    def _adjoint_direct(self, y):
        g = self.geometry
        dtype = float_dtype(self.dtype, y)
        if g.output == "same" and g.boundary in ("zero", "circular"):
            # The adjoint of convolve(h, origin o) is correlate(h, origin o)
            # (which conjugates h), and back.
            filt = ndi.convolve if g.correlate else ndi.correlate
            return filt(y, g.kernel.astype(dtype, copy=False), mode=g.rule.ndimage, origin=list(g.origin))
        # Full convolution of y with conj(w): the adjoint of the valid
        # correlation, then fold the extension back.
        padded = np.zeros(g.ext_shape, dtype=y.dtype)
        padded[tuple(slice(0, n) for n in self.out_shape)] = y
        z = ndi.convolve(padded, self._weights(dtype).conj(), mode="constant",
                         origin=[-(m // 2) for m in g.weights.shape])
        return self._fold(z)


def _pick_method(g: Geometry) -> str:
    taps = int(np.count_nonzero(g.weights))
    outputs = math.prod(g.out_shape)
    direct = outputs * (_DIRECT_PER_OUTPUT + _DIRECT_PER_TAP * taps)
    if g.boundary == "circular" and g.output == "same":
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
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(map(repr, METHODS))}")
    if method == "auto":
        method = _pick_method(geometry)
    return ConvolutionOperator(geometry, method, workers)

