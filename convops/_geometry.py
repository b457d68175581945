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
from ._validation import check_kernel, check_origin, check_shape

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


def output_shape(kernel_shape, shape, output: str) -> tuple[int, ...]:
    """Shape of the output window for an image `shape` and a kernel shape.

    Examples
    --------
    >>> output_shape((3, 4), (10, 10), "full")
    (12, 13)
    """
    output = canonical_output(output)
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
    if order not in ("C", "F"):
        raise ValueError(f"order must be 'C' (row-major) or 'F' (column-major, MATLAB's), got {order!r}")
    if not isinstance(correlate, (bool, np.bool_)):
        raise TypeError(f"correlate must be True or False, got {correlate!r}")
    origins = check_origin(origin, kernel.shape, output)
    if output == "valid" and any(m > n for m, n in zip(kernel.shape, shape)):
        raise ValueError(
            f"output='valid' needs a kernel no larger than the image on every axis; "
            f"kernel shape {kernel.shape}, image shape {shape}"
        )
    weights = kernel.conj() if correlate else np.flip(kernel)
    offsets = tuple(_offset(m, output, o, bool(correlate)) for m, o in zip(kernel.shape, origins))
    out = tuple(_output_length(n, m, output) for n, m in zip(shape, kernel.shape))
    return Geometry(kernel, np.ascontiguousarray(weights), shape, out, offsets, boundary, output,
                    origins, bool(correlate), order)
