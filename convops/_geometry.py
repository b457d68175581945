"""Where each output sample reads the image: the geometry shared by the
sparse matrix and the matrix-free operator.

Every convolution here is written in *correlation form*::

    y[k] = sum_t w[t] * x_ext[k + offset + t]          (per axis, t = 0..m-1)

where ``w`` is the conjugate kernel for correlation (complex kernels are
conjugated, as scipy.signal.correlate and scipy.ndimage.correlate do) and
the kernel flipped on every axis for convolution, and ``x_ext`` is the image extended by the
boundary rule's index map.  The offset encodes the output window and the
anchor:

==========  =================================  ==============================
output      convolution                        correlation
==========  =================================  ==============================
``full``    ``-(m - 1)``                       ``-(m - 1)``
``same``    ``-((m - 1) // 2) + origin``       ``-(m // 2) - origin``
``valid``   ``0``                              ``0``
==========  =================================  ==============================

With these offsets ``same`` equals ``scipy.ndimage.convolve`` (or
``correlate``) with the same ``origin``: the kernel's centre sits at index
``m // 2``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._boundaries import BOUNDARIES, BoundaryRule, canonical_boundary, canonical_output
from ._validation import check_kernel, check_option, check_origin, check_shape

__all__ = ["Geometry", "plan_convolution", "output_shape"]


def _output_length(n: int, m: int, output: str) -> int:
    if output == "same":
        return n
    if output == "full":
        return n + m - 1
    return n - m + 1


def _offset(m: int, output: str, origin: int, correlate: bool) -> int:
    if output == "full":
        return -(m - 1)
    if output == "valid":
        return 0
    return -(m // 2) - origin if correlate else -((m - 1) // 2) + origin


def _check_valid_fits(kernel_shape, shape, output: str) -> None:
    if output == "valid" and any(m > n for m, n in zip(kernel_shape, shape)):
        raise ValueError(
            f"output='valid' needs a kernel no larger than the image on every axis; "
            f"kernel shape {tuple(kernel_shape)}, image shape {tuple(shape)}"
        )


def output_shape(kernel_shape, shape, output: str) -> tuple[int, ...]:
    """Shape of the output window for an image `shape` and a kernel shape.

    Parameters
    ----------
    kernel_shape : int or tuple of int
        Kernel shape (positive integers).
    shape : int or tuple of int
        Image shape, with as many entries as `kernel_shape`.
    output : {'same', 'full', 'valid'}
        Output window.

    Returns
    -------
    tuple of int
        ``N`` (same), ``N + m - 1`` (full) or ``N - m + 1`` (valid) per axis.

    Raises
    ------
    TypeError, ValueError
        Invalid shapes or window, shapes of different lengths, or a
        ``'valid'`` window with a kernel larger than the image.

    Examples
    --------
    >>> output_shape((3, 4), (10, 10), "full")
    (12, 13)
    """
    kernel_shape = check_shape(kernel_shape, name="kernel_shape")
    shape = check_shape(shape)
    output = canonical_output(output)
    if len(kernel_shape) != len(shape):
        raise ValueError(f"kernel_shape {kernel_shape} has {len(kernel_shape)} entries but shape {shape} "
                         f"has {len(shape)}; they need one entry per axis each")
    _check_valid_fits(kernel_shape, shape, output)
    return tuple(_output_length(n, m, output) for n, m in zip(shape, kernel_shape))


@dataclass(frozen=True)
class Geometry:
    """A validated convolution problem (see the module docstring).

    Attributes
    ----------
    kernel : ndarray
        The kernel as given, converted by the dtype rule.
    weights : ndarray
        Correlation-form weights ``w`` (the kernel flipped for convolution,
        conjugated for correlation).
    in_shape, out_shape : tuple of int
        Image and output shapes.
    offsets : tuple of int
        Per-axis offset of the correlation form.
    boundary, output : str
        Canonical boundary rule and output window.
    origin : tuple of int
    correlate : bool
    order : {'C', 'F'}
        Vectorisation order of images and outputs.
    """

    kernel: np.ndarray
    weights: np.ndarray
    in_shape: tuple
    out_shape: tuple
    offsets: tuple
    boundary: str
    output: str
    origin: tuple
    correlate: bool
    order: str

    @property
    def rule(self) -> BoundaryRule:
        return BOUNDARIES[self.boundary]

    @property
    def ndim(self) -> int:
        return len(self.in_shape)

    @property
    def ext_shape(self) -> tuple[int, ...]:
        """Shape of the extended image the output window reads."""
        return tuple(o + m - 1 for o, m in zip(self.out_shape, self.weights.shape))

    def extension(self, axis: int) -> np.ndarray:
        """Image index read at each extended position on `axis` (``-1``: zero).

        Position ``p`` of the extended axis is image index ``offset + p``
        before the boundary rule is applied.
        """
        start = self.offsets[axis]
        return self.rule.extend(np.arange(start, start + self.ext_shape[axis]), self.in_shape[axis])

    def reduced(self) -> "Geometry":
        """The same linear map with the fewest taps the boundary rule allows.

        For a periodic rule (``circular``, ``symmetric``, ``reflect``:
        period ``P`` = ``n``, ``2n``, ``2n - 2``) taps ``t`` and ``t + P``
        read the same sample, so an axis longer than ``P`` folds onto one
        period, ``W[r] = sum_{t = r mod P} w[t]``, and the offset is taken
        modulo ``P`` into ``-(P - 1) .. 0``.  For ``zero``, taps that never
        reach the image are cut off.  For ``replicate``, taps that read the
        first (last) sample for every output are summed onto one tap.  The
        result gives the same numbers with at most ``2n - 1`` taps per axis
        (``same``), which bounds the cost of a kernel much larger than the
        image.

        Sums are formed in double precision (complex128 for complex
        kernels), so the weights of a folded float32 kernel are float64;
        they are scaled by a power of two first where the sum could
        overflow.  Applied in the data's precision, float32 data gives
        float32 results and float64 data the accuracy of a float64 kernel.
        """
        weights, offsets = self.weights, list(self.offsets)
        for axis, (m, n, k) in enumerate(zip(self.weights.shape, self.in_shape, self.out_shape)):
            period = self.rule.period(n)
            off = offsets[axis]
            if period is not None and m > period:
                folds = -(-m // period)
                pad = [(0, 0)] * weights.ndim
                pad[axis] = (0, folds * period - m)
                w = np.pad(_wide(weights), pad)
                shape = weights.shape[:axis] + (folds, period) + weights.shape[axis + 1:]
                weights = _exact_sum(w.reshape(shape), axis, folds)
                offsets[axis] = -((-off) % period)
            elif self.boundary in ("zero", "replicate"):
                first, last = max(0, -off - (k - 1)), min(m - 1, n - 1 - off)
                if first > 0 or last < m - 1:
                    index = [slice(None)] * weights.ndim
                    index[axis] = slice(first, last + 1)
                    kept = weights[tuple(index)]
                    if self.boundary == "replicate":
                        kept = _wide(kept).copy()
                        for tail, end in ((slice(0, first), 0), (slice(last + 1, m), -1)):
                            index[axis] = tail
                            part = weights[tuple(index)]
                            if part.shape[axis]:
                                index[axis] = slice(end, end + 1) if end == 0 else slice(-1, None)
                                kept[tuple(index)] += _exact_sum(_wide(part), axis, part.shape[axis],
                                                                 keepdims=True)
                    weights = kept
                    offsets[axis] = off + first
        if weights is self.weights:
            return self
        return replace(self, weights=np.ascontiguousarray(weights), offsets=tuple(offsets))

    def transposed(self) -> "Geometry":
        """The same problem with every axis reversed (``order`` swapped).

        The column-major vectorisation of the problem is the row-major one
        of its transpose; the matrix builder works in row-major order only.
        """
        return replace(
            self,
            kernel=self.kernel.T,
            weights=self.weights.T,
            in_shape=self.in_shape[::-1],
            out_shape=self.out_shape[::-1],
            offsets=self.offsets[::-1],
            origin=self.origin[::-1],
            order="C" if self.order == "F" else "F",
        )


def _wide(weights: np.ndarray) -> np.ndarray:
    """`weights` in double precision (complex128 for complex ones)."""
    return weights.astype(np.result_type(weights.dtype, np.float64), copy=False)


def _exact_sum(a: np.ndarray, axis: int, count: int, keepdims: bool = False) -> np.ndarray:
    """Sum of `count` terms of `a` along `axis`, scaled by a power of two
    (exact) first where the sum of terms below the largest finite number
    could still overflow."""
    if count > 1 and a.size and np.abs(a).max() > np.finfo(a.dtype).max / count:
        exponent = int(count - 1).bit_length()
        return _ldexp(_ldexp(a, -exponent).sum(axis=axis, keepdims=keepdims), exponent)
    return a.sum(axis=axis, keepdims=keepdims)


def _ldexp(a: np.ndarray, exponent: int) -> np.ndarray:
    """``a * 2**exponent`` (real and imaginary parts apart)."""
    if not np.iscomplexobj(a):
        return np.ldexp(a, exponent)
    out = np.empty_like(a)
    out.real, out.imag = np.ldexp(a.real, exponent), np.ldexp(a.imag, exponent)
    return out


def plan_convolution(kernel, shape, *, boundary, output, origin=0, order="C", correlate=False) -> Geometry:
    """Validate the arguments of a convolution and return its geometry.

    Raises
    ------
    TypeError, ValueError
        For any invalid argument; the message names the value and what is
        allowed.
    """
    shape = check_shape(shape)
    kernel = check_kernel(kernel, len(shape))
    boundary = canonical_boundary(boundary)
    output = canonical_output(output)
    order = check_option(order, "order", ("C", "F"))
    if not isinstance(correlate, (bool, np.bool_)):
        raise TypeError(f"correlate must be True or False, got {correlate!r}")
    origins = check_origin(origin, kernel.shape, output)
    _check_valid_fits(kernel.shape, shape, output)
    weights = kernel.conj() if correlate else np.flip(kernel)
    offsets = tuple(_offset(m, output, o, bool(correlate)) for m, o in zip(kernel.shape, origins))
    out = tuple(_output_length(n, m, output) for n, m in zip(shape, kernel.shape))
    return Geometry(kernel, np.ascontiguousarray(weights), shape, out, offsets, boundary, output,
                    origins, bool(correlate), order)
