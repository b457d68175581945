"""Kernels up to ten times the image: the operator (every method) and the
matrix, forward and adjoint, against numpy.pad followed by a direct loop
over the output positions.

scipy.ndimage's ``mode='reflect'`` is wrong once the extension reaches four
image lengths on one side; the operator must not inherit that."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from convops import (BOUNDARIES, METHODS, OUTPUTS, AllocationTooLargeError, convolution_matrix,
                     convolution_operator, dot_test)

NUMPY_PAD = {"zero": "constant", "circular": "wrap", "replicate": "edge", "symmetric": "symmetric",
             "reflect": "reflect"}


def pad_then_loop(images, kernel, boundary, output, origin, correlate):
    """numpy.pad by the rule, then every output as an explicit sum over the
    window it reads (a batch of images on the leading axis)."""
    ndim = kernel.ndim
    pads = [(0, 0)]
    for m, o in zip(kernel.shape, origin):
        if output == "full":
            pads.append((m - 1, m - 1))
        elif output == "valid":
            pads.append((0, 0))
        else:  # kernel centre at m // 2, shifted by the origin
            before = m // 2 + o if correlate else (m - 1) // 2 - o
            pads.append((before, m - 1 - before))
    padded = np.pad(images, pads, mode=NUMPY_PAD[boundary])
    weights = kernel.conj() if correlate else np.flip(kernel)
    windows = sliding_window_view(padded, kernel.shape, axis=tuple(range(1, ndim + 1)))
    return np.tensordot(windows, weights, axes=ndim)


def reference_matrix(kernel, shape, **kw):
    size = int(np.prod(shape))
    basis = np.eye(size).reshape((size, *shape))
    return pad_then_loop(basis, kernel, **kw).reshape(size, -1).T


@st.composite
def large_kernel_problems(draw):
    ndim = draw(st.sampled_from([1, 1, 2]))
    top = 8 if ndim == 1 else 4
    shape = tuple(draw(st.integers(1, top)) for _ in range(ndim))
    output = draw(st.sampled_from(sorted(OUTPUTS)))
    if output == "valid":
        kshape = tuple(draw(st.integers(1, n)) for n in shape)
    else:
        kshape = tuple(draw(st.integers(1, 10 * n)) for n in shape)
    if output == "same":  # the extreme origins are the likeliest to break
        origin = tuple(draw(st.sampled_from([-(m // 2), (m - 1) // 2, 0])) for m in kshape)
    else:
        origin = (0,) * ndim
    return dict(shape=shape, kshape=kshape, output=output, origin=origin,
                boundary=draw(st.sampled_from(sorted(BOUNDARIES))), correlate=draw(st.booleans()),
                complex_kernel=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@given(large_kernel_problems())
def test_large_kernels_every_method_forward_and_adjoint(p):
    rng = np.random.default_rng(p["seed"])
    kernel = rng.standard_normal(p["kshape"])
    if p["complex_kernel"]:
        kernel = kernel + 1j * rng.standard_normal(p["kshape"])
    kw = dict(boundary=p["boundary"], output=p["output"], origin=p["origin"], correlate=p["correlate"])
    R = reference_matrix(kernel, p["shape"], **kw)
    x = rng.standard_normal(R.shape[1])
    v = rng.standard_normal(R.shape[0]) + 1j * rng.standard_normal(R.shape[0])
    A = convolution_matrix(kernel, p["shape"], **kw)
    np.testing.assert_allclose(A.toarray(), R, rtol=1e-12, atol=1e-11)
    for method in METHODS:
        op = convolution_operator(kernel, p["shape"], method=method, **kw)
        np.testing.assert_allclose(op @ x, R @ x, rtol=1e-11, atol=1e-10, err_msg=f"forward, {op.method}")
        np.testing.assert_allclose(op.rmatvec(v), R.conj().T @ v, rtol=1e-11, atol=1e-10,
                                   err_msg=f"adjoint, {op.method}")
        dot_test(op, rng=p["seed"])


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_kernel_of_17_on_two_samples(method, boundary):
    # scipy.ndimage.convolve([1., 4.], arange(1., 18.), mode='reflect') gives
    # [364., 408.]; numpy.pad + valid convolution gives [381., 408.].
    h, x = np.arange(1.0, 18.0), np.array([1.0, 4.0])
    op = convolution_operator(h, 2, boundary=boundary, output="same", method=method)
    expected = np.convolve(np.pad(x, (8, 8), NUMPY_PAD[boundary]), h, "valid")
    np.testing.assert_allclose(op @ x, expected, rtol=1e-14)
    R = reference_matrix(h, (2,), boundary=boundary, output="same", origin=(0,), correlate=False)
    np.testing.assert_allclose(op.rmatvec(np.array([1.0, -2.0])), R.T @ [1.0, -2.0], rtol=1e-14)


def test_folded_kernel_keeps_the_cost_of_a_small_one():
    # A 301 x 201 kernel on a 5 x 6 image: the symmetric rule folds it
    # onto one period (10 x 12 taps), so the extension stays small.
    rng = np.random.default_rng(0)
    kernel, image = rng.standard_normal((301, 201)), rng.standard_normal((5, 6))
    op = convolution_operator(kernel, image.shape, boundary="symmetric", output="same", method="direct")
    assert op._plan.weights.shape == (10, 12)
    expected = pad_then_loop(image[None], kernel, "symmetric", "same", (0, 0), False)[0]
    np.testing.assert_allclose(op.apply(image), expected, rtol=1e-10)


def test_replicate_same_keeps_the_taps_that_move():
    # 20000 taps on 3 samples: the taps that read the first or last sample
    # for every output merge, leaving at most 2n - 1.
    kernel = np.random.default_rng(1).standard_normal(20000)
    op = convolution_operator(kernel, (3,), boundary="replicate", output="same")
    assert op._plan.weights.size <= 5
    R = reference_matrix(kernel, (3,), boundary="replicate", output="same", origin=(0,), correlate=False)
    x, v = np.array([1.0, -2.0, 0.5]), np.array([0.25, 3.0, -1.0])
    for method in ("direct", "fft"):
        op = convolution_operator(kernel, (3,), boundary="replicate", output="same", method=method)
        np.testing.assert_allclose(op @ x, R @ x, rtol=1e-12)
        np.testing.assert_allclose(op.rmatvec(v), R.T @ v, rtol=1e-12)


def test_auto_counts_the_outputs_scipy_ndimage_computes():
    # A 'valid' window of 11 outputs: scipy.ndimage correlates all 20000
    # positions with 19990 taps and builds a 19990 x 19990 offset table.
    op = convolution_operator(np.ones(19990), (20000,), boundary="zero", output="valid")
    assert op.method == "fft"
    with pytest.raises(AllocationTooLargeError, match="direct work arrays"):
        convolution_operator(np.ones(19990), (20000,), boundary="zero", output="valid", method="direct",
                             max_bytes=1e8)


def test_direct_refuses_the_offset_table_of_a_huge_kernel():
    with pytest.raises(AllocationTooLargeError, match="direct work arrays"):
        convolution_operator(np.ones(10**6), (3,), boundary="zero", output="full", method="direct")


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("boundary", ["circular", "symmetric", "reflect", "replicate"])
def test_folded_float32_kernel_on_float64_data_keeps_float64_accuracy(boundary, method):
    rng = np.random.default_rng(0)
    h32, x = rng.standard_normal(40).astype(np.float32), rng.standard_normal(3)
    expected = pad_then_loop(x[None], h32.astype(np.float64), boundary, "same", (0,), False)[0]
    op = convolution_operator(h32, (3,), boundary=boundary, output="same", method=method)
    y = op @ x
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, expected, rtol=1e-13, atol=1e-13 * np.abs(expected).max())
    assert (op @ x.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_folding_huge_taps_does_not_overflow(method):
    op = convolution_operator([-1e308, 1e308, 1e308], (1,), boundary="circular", output="same", method=method)
    np.testing.assert_allclose(op @ np.array([1.0]), [1e308], rtol=1e-15)
