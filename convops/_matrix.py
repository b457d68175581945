"""The sparse convolution matrix, written straight into CSR arrays."""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import scipy.sparse as sp
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ._geometry import Geometry, plan_convolution
from ._validation import DEFAULT_MAX_BYTES, AllocationTooLargeError, check_allocation, check_max_bytes

__all__ = ["convolution_matrix", "MatrixTooLargeError", "DEFAULT_MAX_BYTES", "matrix_nbytes"]

# Blocks of at least this many entries are filled by several threads.
_SPLIT_ENTRIES = 1 << 22
_WORKERS = max(1, min(4, os.cpu_count() or 1))


class MatrixTooLargeError(AllocationTooLargeError):
    """The explicit matrix would exceed the memory limit.

    Like every :class:`~convops.AllocationTooLargeError` it is both a
    ``MemoryError`` and a ``ValueError`` so that either ``except`` clause
    catches it.
    """


def _index_dtype(nnz: int, ncols: int) -> np.dtype:
    return np.dtype(np.int32) if max(nnz, ncols) < np.iinfo(np.int32).max else np.dtype(np.int64)


def matrix_nbytes(geometry: Geometry) -> int:
    """Upper bound on the bytes of the CSR matrix of `geometry`, computed
    without allocating: rows x min(non-zero taps, pixels) x (value + index
    bytes), plus the row pointers."""
    rows = int(np.prod(geometry.out_shape, dtype=object))
    cols = int(np.prod(geometry.in_shape, dtype=object))
    per_row = min(int(np.count_nonzero(geometry.weights)), cols)
    nnz = rows * per_row
    idx = _index_dtype(nnz, cols).itemsize
    return nnz * (geometry.weights.dtype.itemsize + idx) + (rows + 1) * idx


class _AxisClasses:
    """Output positions of one axis grouped into runs that read the image
    alike.

    Output ``k`` reads image sample ``ext[k + t]`` (``-1``: zero) with
    weight ``w[t]``.  Consecutive outputs whose reads are the previous ones
    shifted by one sample form a run; every run shares one pattern
    (:meth:`pattern`), made when it is needed so that the memory stays
    linear in the number of outputs however many runs a long kernel makes.
    """

    def __init__(self, ext: np.ndarray, m: int):
        n_out = ext.size - m + 1
        self.ext, self.m = ext, m
        # step[p]: extended position p+1 continues position p (shift by one).
        step = ((ext[:-1] >= 0) & (ext[1:] == ext[:-1] + 1)) | ((ext[1:] < 0) & (ext[:-1] < 0))
        # Output k continues output k-1 when steps k-1 .. k+m-2 all hold.
        breaks = np.concatenate(([0], np.cumsum(~step)))
        continues = (breaks[m:] - breaks[:-m]) == 0 if m <= step.size else np.zeros(0, bool)
        starts = np.concatenate(([0], np.flatnonzero(~continues[: n_out - 1]) + 1))
        self.starts = starts
        self.sizes = np.diff(np.append(starts, n_out))
        self.label = np.repeat(np.arange(starts.size), self.sizes)

    def pattern(self, run: int):
        """``(u, taps, inverse)`` of a run: the sorted distinct samples ``u``
        its first output reads, the taps that read a sample, and the index
        into ``u`` of the sample each of those taps reads."""
        row = self.ext[self.starts[run]: self.starts[run] + self.m]
        taps = np.flatnonzero(row >= 0)
        u, inverse = np.unique(row[taps], return_inverse=True)
        return u, taps, inverse


def _merge_taps(block: np.ndarray, pattern) -> np.ndarray:
    """Sum the taps of axis 0 of `block` that read the same sample; the
    merged axis (one entry per sample of the pattern) moves to the end."""
    u, taps, inverse = pattern
    out = np.zeros((u.size,) + block.shape[1:], dtype=block.dtype)
    np.add.at(out, inverse, block[taps])
    return np.moveaxis(out, 0, -1)


def convolution_matrix(
    kernel,
    shape,
    *,
    boundary,
    output,
    origin=0,
    order="C",
    correlate=False,
    max_bytes=DEFAULT_MAX_BYTES,
) -> sp.csr_array:
    r"""Sparse matrix of convolution with `kernel` on images of `shape`.

    ``A @ x.ravel(order)`` is the convolution (or correlation) of the image
    ``x`` with `kernel` under the boundary rule, in the output window,
    vectorised in `order`.

    Parameters
    ----------
    kernel : array_like, shape (m,) or (m, n) or N-D
        Convolution kernel; its number of dimensions must equal ``len(shape)``.
        Integers and booleans become float64; float32/complex kernels keep
        their dtype, and so does the matrix.
    shape : int or tuple of int
        Image shape ``(N,)``, ``(M, N)`` or N-D.  May be smaller than the
        kernel (the boundary rule repeats, as ``numpy.pad`` does).
    boundary : {'zero', 'circular', 'replicate', 'symmetric', 'reflect'}
        How the image is extended beyond its edges (``'mirror'`` is an alias
        of ``'symmetric'``; see :data:`convops.BOUNDARIES` and
        :func:`convops.boundary_from` for other libraries' names).
    output : {'same', 'full', 'valid'}
        Output window; sizes per axis for an image axis ``N`` and kernel
        axis ``m``:

        ========= ============= =============================================
        output    length        meaning
        ========= ============= =============================================
        ``same``  ``N``         centred on the image (kernel centre ``m//2``)
        ``full``  ``N + m - 1`` every output that touches the image
        ``valid`` ``N - m + 1`` outputs that need no boundary (``m <= N``)
        ========= ============= =============================================
    origin : int or tuple of int, optional
        Shift of the ``'same'`` window with scipy.ndimage's meaning; allowed
        ``-(m//2) <= origin <= (m-1)//2`` on each axis.  Must be 0 for the
        other windows.
    order : {'C', 'F'}, optional
        Vectorisation of images and outputs: row-major (``x.ravel()``) or
        column-major (``x.ravel('F')``, MATLAB's ``x(:)``).
    correlate : bool, optional
        Build correlation instead: no kernel flip, complex kernels
        conjugated (as ``scipy.signal.correlate`` does), anchored like
        ``scipy.ndimage.correlate``.  With ``zero`` or ``circular``
        boundaries and ``output='same'``, correlation is the adjoint of
        convolution.
    max_bytes : float, optional
        Refuse (before allocating) a matrix whose estimated size exceeds
        this many bytes (finite and positive).  Default
        :data:`convops.DEFAULT_MAX_BYTES` (4 GiB); the build peaks at about
        twice the finished matrix.

    Returns
    -------
    scipy.sparse.csr_array, shape (prod(out_shape), prod(shape))
        In canonical form (sorted column indices, no duplicates, no stored
        zeros); int32 indices when they fit.

    Raises
    ------
    TypeError, ValueError
        Invalid kernel, shape, boundary, output, origin or order (the
        message names the value and what is allowed).
    MatrixTooLargeError
        The estimated size exceeds `max_bytes` (a subclass of both
        ``MemoryError`` and ``ValueError``); use
        :func:`convops.convolution_operator` instead.

    See Also
    --------
    convolution_operator : the matrix-free twin with the same numbers.
    scipy.linalg.convolution_matrix : the dense 1-D zero-boundary case.

    Notes
    -----
    Per axis, output ``k`` is (convolution, kernel ``h``)

    .. math:: y_k = \sum_{j=0}^{m-1} h_j \, x_{\beta(k + s - j)}

    with ``s = m - 1 - (m-1)//2 + origin = m//2 + origin`` for ``same``,
    ``0`` for ``full`` and ``m - 1`` for ``valid``, and ``beta`` the
    boundary rule's index map (``x_{-1} = 0`` for ``zero``).  With
    ``boundary='zero'`` and ``output='full'`` this is the classic
    Toeplitz-block-Toeplitz matrix (MATLAB's ``convmtx2``); ``circular``
    with ``same`` gives a block-circulant matrix diagonalised by the DFT
    with eigenvalues ``psf2otf(kernel, shape)``; ``symmetric`` gives
    Toeplitz-plus-Hankel blocks.  Taps that land on the same pixel
    (replicate corners, images smaller than the kernel) are summed.

    The build writes the CSR arrays directly: output positions of each
    axis fall into runs that read the image alike (the interior and a few
    positions near each edge), and each combination of runs is one strided
    block of the CSR arrays filled by broadcasting.  A kernel longer than
    the image is first folded or cut (:meth:`Geometry.reduced`, the same
    matrix), and each run's pattern is made only when its block is, so
    peak memory is the finished matrix plus O(number of rows) however long
    the kernel.

    The adjoint is ``A.conj().T``; for ``zero`` and ``circular`` it is
    correlation with the conjugate kernel, for the other rules correlation
    followed by folding the extension back onto the image.

    Examples
    --------
    >>> import numpy as np
    >>> from convops import convolution_matrix
    >>> A = convolution_matrix([1.0, 2.0, 3.0], 4, boundary="zero", output="full")
    >>> A.toarray()
    array([[1., 0., 0., 0.],
           [2., 1., 0., 0.],
           [3., 2., 1., 0.],
           [0., 3., 2., 1.],
           [0., 0., 3., 2.],
           [0., 0., 0., 3.]])
    >>> convolution_matrix([1.0, 2.0, 3.0], 4, boundary="circular", output="same").toarray()
    array([[2., 1., 0., 3.],
           [3., 2., 1., 0.],
           [0., 3., 2., 1.],
           [1., 0., 3., 2.]])
    """
    geometry = plan_convolution(kernel, shape, boundary=boundary, output=output, origin=origin,
                                order=order, correlate=correlate)
    check_max_bytes(max_bytes)
    check_allocation(
        matrix_nbytes(geometry),
        f"the convolution matrix for kernel {geometry.kernel.shape} on image {geometry.in_shape} "
        f"({geometry.output}, {geometry.boundary})",
        max_bytes,
        hint="use convops.convolution_operator(...) for a matrix-free operator with the same numbers, "
             "or raise max_bytes",
        error=MatrixTooLargeError,
    )
    if geometry.order == "F":
        geometry = geometry.transposed()
    return _build_csr(geometry)


def _build_csr(g: Geometry) -> sp.csr_array:
    ndim = g.ndim
    dtype = g.weights.dtype
    # The same matrix from the fewest taps (long kernels folded or cut).
    g = g.reduced()
    w = g.weights
    classes = [_AxisClasses(g.extension(d), w.shape[d]) for d in range(ndim)]
    col_strides = [int(np.prod(g.in_shape[d + 1:], dtype=np.int64)) for d in range(ndim)]
    row_steps = [int(np.prod(g.out_shape[d + 1:], dtype=np.int64)) for d in range(ndim)]

    # Merged weights of every combination of runs, with stored zeros dropped.
    blocks = {}
    counts = np.zeros([len(c.starts) for c in classes], dtype=np.int64)
    for combo in itertools.product(*(range(len(c.starts)) for c in classes)):
        patterns = [classes[d].pattern(c) for d, c in enumerate(combo)]
        block = w
        for pattern in patterns:
            block = _merge_taps(block, pattern)
        flat = block.ravel().astype(dtype, copy=False)
        nz = np.flatnonzero(flat)
        counts[combo] = nz.size
        if nz.size:
            sub = np.unravel_index(nz, block.shape)
            cols = sum(patterns[d][0][sub[d]] * col_strides[d] for d in range(ndim))
            blocks[combo] = (flat[nz], cols)

    row_counts = counts[np.ix_(*(c.label for c in classes))].ravel()
    nnz = int(row_counts.sum())
    ncols = int(np.prod(g.in_shape))
    idx_dtype = _index_dtype(nnz, ncols)
    indptr = np.empty(row_counts.size + 1, dtype=np.int64)
    indptr[0] = 0
    np.cumsum(row_counts, out=indptr[1:])
    del row_counts
    data = np.empty(nnz, dtype=dtype)
    indices = np.empty(nnz, dtype=idx_dtype)

    tasks = []
    for combo, (values, cols) in blocks.items():
        first = [int(classes[d].starts[c]) for d, c in enumerate(combo)]
        sizes = [int(classes[d].sizes[c]) for d, c in enumerate(combo)]
        row0 = sum(k * s for k, s in zip(first, row_steps))
        base = int(indptr[row0])
        strides = [int(indptr[row0 + step] - base) if n > 1 else 0 for step, n in zip(row_steps, sizes)]
        tasks.extend(_split_block(base, strides, sizes, values, cols.astype(idx_dtype), col_strides))
    fill = partial(_fill_block, data, indices)
    if nnz >= _SPLIT_ENTRIES and _WORKERS > 1:
        with ThreadPoolExecutor(_WORKERS) as pool:  # numpy releases the GIL while copying
            list(pool.map(lambda task: fill(*task), tasks))
    else:
        for task in tasks:
            fill(*task)

    matrix = sp.csr_array((data, indices, indptr.astype(idx_dtype, copy=False)),
                          shape=(int(np.prod(g.out_shape)), ncols), copy=False)
    matrix.has_sorted_indices = True
    matrix.has_canonical_format = True
    return matrix


def _split_block(base, strides, sizes, values, cols, col_strides):
    """Cut a large block along its first long axis into one piece per worker."""
    total = int(np.prod(sizes)) * values.size
    axis = next((d for d, n in enumerate(sizes) if n > 1), None)
    if total < _SPLIT_ENTRIES or _WORKERS == 1 or axis is None:
        return [(base, strides, sizes, values, cols, col_strides)]
    pieces = []
    for chunk in np.array_split(np.arange(sizes[axis]), _WORKERS):
        if chunk.size:
            sub = list(sizes)
            sub[axis] = chunk.size
            shift = int(chunk[0])
            pieces.append((base + shift * strides[axis], strides, sub, values,
                           cols + cols.dtype.type(shift * col_strides[axis]), col_strides))
    return pieces


def _fill_block(data, indices, base, strides, sizes, values, cols, col_strides):
    """Write one block of rows: entry ``e`` of the row at offset
    ``(i_0, ..., i_D-1)`` from the block's first row holds ``values[e]`` at
    column ``cols[e] + sum_d i_d * col_strides[d]``."""
    ndim = len(sizes)
    view_shape = (*sizes, values.size)
    data_view = as_strided(data[base:], view_shape, [s * data.itemsize for s in strides] + [data.itemsize])
    data_view[...] = values
    shifted = cols
    for d in range(ndim - 1):
        shape_d = [1] * (ndim + 1)
        shape_d[d] = sizes[d]
        shifted = shifted + (np.arange(sizes[d], dtype=cols.dtype) * col_strides[d]).reshape(shape_d)
    last = np.arange(sizes[-1], dtype=cols.dtype).reshape(sizes[-1], 1) * col_strides[-1]
    idx_view = as_strided(indices[base:], view_shape, [s * indices.itemsize for s in strides] + [indices.itemsize])
    np.add(shifted, last, out=idx_view)
