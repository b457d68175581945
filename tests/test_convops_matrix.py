"""convolution_matrix against independent references for every rule and window."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as ss
import scipy.sparse as sp

from convops import BOUNDARIES, OUTPUTS, convolution_matrix, psf2otf
from reference import DTYPES, IMAGES, KERNELS, TOL, draw, fits, reference

GRID = [
    pytest.param(b, o, k, i, d, id=f"{b}-{o}-{k}-{i}-{d}")
    for b in BOUNDARIES for o in OUTPUTS for k in KERNELS for i in IMAGES for d in DTYPES
    if fits(KERNELS[k], IMAGES[i], o)
]


@pytest.mark.parametrize("boundary, output, kname, iname, dname", GRID)
@pytest.mark.parametrize("correlate", [False, True], ids=["conv", "corr"])
def test_matrix_equals_pad_then_valid(boundary, output, kname, iname, dname, correlate):
    rng = np.random.default_rng(7)
    dtype = DTYPES[dname]
    kernel, image = draw(rng, KERNELS[kname], dtype), draw(rng, IMAGES[iname], dtype)
    A = convolution_matrix(kernel, image.shape, boundary=boundary, output=output, correlate=correlate)
    expected = reference(image.astype(np.complex128), kernel.astype(np.complex128), boundary, output,
                         correlate=correlate)
    assert A.dtype == dtype
    assert A.shape == (expected.size, image.size)
    got = A @ image.ravel()
    np.testing.assert_allclose(got, expected.ravel(), rtol=TOL[dtype], atol=TOL[dtype] * 10)


@pytest.mark.parametrize("boundary", list(BOUNDARIES) + ["mirror"])
@pytest.mark.parametrize("kshape", [(3, 3), (4, 4), (2, 5), (5, 2), (6, 1)], ids=str)
@pytest.mark.parametrize("correlate", [False, True], ids=["convolve", "correlate"])
def test_same_equals_ndimage_for_every_origin(boundary, kshape, correlate):
    rng = np.random.default_rng(3)
    kernel, image = rng.standard_normal(kshape), rng.standard_normal((7, 6))
    mode = BOUNDARIES["symmetric" if boundary == "mirror" else boundary].ndimage
    filt = ndi.correlate if correlate else ndi.convolve
    for o0 in range(-(kshape[0] // 2), (kshape[0] - 1) // 2 + 1):
        for o1 in range(-(kshape[1] // 2), (kshape[1] - 1) // 2 + 1):
            A = convolution_matrix(kernel, image.shape, boundary=boundary, output="same",
                                   origin=(o0, o1), correlate=correlate)
            expected = filt(image, kernel, mode=mode, origin=(o0, o1))
            np.testing.assert_allclose(A @ image.ravel(), expected.ravel(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("boundary, signal_name", [("zero", "fill"), ("circular", "wrap"), ("symmetric", "symm")])
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("kshape", [(3, 3), (4, 2), (2, 5)], ids=str)
def test_matches_scipy_signal_convolve2d(boundary, signal_name, output, kshape):
    rng = np.random.default_rng(11)
    kernel, image = rng.standard_normal(kshape), rng.standard_normal((8, 7))
    # scipy.signal's 'same' keeps full outputs from (m-1)//2 on: origin -1 on even axes.
    origin = tuple(-1 if (m % 2 == 0 and output == "same") else 0 for m in kshape)
    A = convolution_matrix(kernel, image.shape, boundary=boundary, output=output, origin=origin)
    expected = ss.convolve2d(image, kernel, mode=output, boundary=signal_name)
    np.testing.assert_allclose(A @ image.ravel(), expected.ravel(), rtol=1e-12, atol=1e-12)


def test_one_dimensional_against_numpy_convolve():
    rng = np.random.default_rng(0)
    h, x = rng.standard_normal(5), rng.standard_normal(11)
    for output in OUTPUTS:
        A = convolution_matrix(h, x.size, boundary="zero", output=output)
        if output == "same":
            expected = ndi.convolve(x, h, mode="constant")
        else:
            expected = np.convolve(x, h, mode=output)
        np.testing.assert_allclose(A @ x, expected, rtol=1e-12, atol=1e-12)


def test_three_dimensional_against_reference():
    rng = np.random.default_rng(5)
    kernel, image = rng.standard_normal((2, 3, 2)), rng.standard_normal((4, 3, 5))
    for boundary in BOUNDARIES:
        for output in OUTPUTS:
            A = convolution_matrix(kernel, image.shape, boundary=boundary, output=output)
            expected = reference(image, kernel, boundary, output)
            np.testing.assert_allclose(A @ image.ravel(), expected.ravel(), rtol=1e-12, atol=1e-12)


def test_full_zero_is_block_toeplitz_like_scipy_linalg():
    import scipy.linalg as sl

    h = np.array([1.0, -2.0, 0.5])
    A = convolution_matrix(h, 6, boundary="zero", output="full").toarray()
    np.testing.assert_array_equal(A, sl.convolution_matrix(h, 6, mode="full"))


@pytest.mark.parametrize("shape", [(6, 5), (4, 4), (1, 7), (5, 1)], ids=str)
@pytest.mark.parametrize("kshape", [(3, 3), (4, 2), (7, 9)], ids=str)
def test_circular_same_is_diagonalised_by_the_dft(shape, kshape):
    rng = np.random.default_rng(2)
    kernel = rng.standard_normal(kshape)
    A = convolution_matrix(kernel, shape, boundary="circular", output="same").toarray()
    dft = np.kron(*(np.fft.fft(np.eye(n)) for n in shape))  # row-major 2-D DFT
    D = dft @ A @ np.linalg.inv(dft)
    H = psf2otf(kernel, shape)
    np.testing.assert_allclose(np.diag(D), H.ravel(), atol=1e-10)
    np.testing.assert_allclose(D - np.diag(np.diag(D)), 0, atol=1e-10)


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
@pytest.mark.parametrize("output", list(OUTPUTS))
def test_order_F_is_the_permuted_order_C(boundary, output):
    rng = np.random.default_rng(4)
    kernel, shape = rng.standard_normal((3, 2)), (5, 4)
    AC = convolution_matrix(kernel, shape, boundary=boundary, output=output)
    AF = convolution_matrix(kernel, shape, boundary=boundary, output=output, order="F")
    out_shape = reference(np.zeros(shape), kernel, boundary, output).shape
    perm_in = np.arange(np.prod(shape)).reshape(shape).ravel(order="F")
    perm_out = np.arange(np.prod(out_shape)).reshape(out_shape).ravel(order="F")
    np.testing.assert_allclose(AF.toarray(), AC.toarray()[np.ix_(perm_out, perm_in)], rtol=1e-14, atol=1e-15)
    x = rng.standard_normal(shape)
    expected = reference(x, kernel, boundary, output)
    np.testing.assert_allclose(AF @ x.ravel(order="F"), expected.ravel(order="F"), rtol=1e-12)


def test_matlab_convmtx2_layout():
    # MATLAB: convmtx2([1 2; 3 4], 2, 2) (column-major, 'full' zero padding).
    expected = np.array([
        [1, 0, 0, 0], [3, 1, 0, 0], [0, 3, 0, 0], [2, 0, 1, 0], [4, 2, 3, 1],
        [0, 4, 0, 3], [0, 0, 2, 0], [0, 0, 4, 2], [0, 0, 0, 4]], dtype=float)
    A = convolution_matrix([[1, 2], [3, 4]], (2, 2), boundary="zero", output="full", order="F")
    np.testing.assert_array_equal(A.toarray(), expected)


def test_taps_on_the_same_pixel_are_summed():
    kernel = np.arange(1.0, 10.0).reshape(3, 3)
    A = convolution_matrix(kernel, (1, 1), boundary="replicate", output="same")
    assert A.shape == (1, 1) and A.toarray()[0, 0] == kernel.sum()
    # Replicate corner of a 2x2 image: the corner pixel collects four taps.
    B = convolution_matrix(np.ones((3, 3)), (2, 2), boundary="replicate", output="same")
    np.testing.assert_array_equal(B.toarray()[0], [4.0, 2.0, 2.0, 1.0])


def test_canonical_csr_without_stored_zeros():
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    A = convolution_matrix(cross, (6, 7), boundary="symmetric", output="same")
    assert isinstance(A, sp.csr_array)
    assert A.has_canonical_format
    assert np.all(A.data != 0)
    rows = np.split(A.indices, A.indptr[1:-1])
    assert all(np.all(np.diff(r) > 0) for r in rows)
    assert A.nnz <= 5 * 42
    assert A.indices.dtype == np.int32 and A.indptr.dtype == np.int32


@pytest.mark.parametrize("kernel, dtype", [
    (np.ones((2, 2), dtype=np.int64), np.float64), (np.ones((2, 2), dtype=bool), np.float64),
    (np.ones((2, 2), dtype=np.float32), np.float32), (np.ones((2, 2), dtype=np.complex64), np.complex64),
    (np.ones((2, 2), dtype=np.float16), np.float32)], ids=["int64", "bool", "float32", "complex64", "float16"])
def test_dtype_rule(kernel, dtype):
    assert convolution_matrix(kernel, (3, 3), boundary="zero", output="same").dtype == dtype


def test_complex_correlation_conjugates_like_scipy():
    rng = np.random.default_rng(9)
    kernel = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    image = rng.standard_normal((5, 6)) + 1j * rng.standard_normal((5, 6))
    A = convolution_matrix(kernel, image.shape, boundary="zero", output="full", correlate=True)
    np.testing.assert_allclose(A @ image.ravel(), ss.correlate(image, kernel, mode="full").ravel(), atol=1e-12)


@pytest.mark.parametrize("boundary", ["zero", "circular"])
@pytest.mark.parametrize("origin", [(0, 0), (-1, 1), (1, -1)], ids=str)
def test_correlation_is_the_adjoint_of_convolution(boundary, origin):
    rng = np.random.default_rng(8)
    kernel = rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3))
    C = convolution_matrix(kernel, (6, 5), boundary=boundary, output="same", origin=origin)
    Ct = convolution_matrix(kernel, (6, 5), boundary=boundary, output="same", origin=origin, correlate=True)
    np.testing.assert_allclose(C.conj().T.toarray(), Ct.toarray(), atol=1e-12)


@pytest.mark.parametrize("boundary", ["zero", "replicate", "symmetric"])
def test_long_kernel_on_a_small_image_builds_in_linear_memory(boundary):
    # 400 taps on 3 samples, 'full': every output reads the image its own
    # way (about 400 runs), yet the matrix has only about 1200 entries.
    import tracemalloc

    from test_convops_large_kernels import reference_matrix

    kernel = np.random.default_rng(0).standard_normal(400)
    tracemalloc.start()
    try:
        A = convolution_matrix(kernel, (3,), boundary=boundary, output="full")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_500_000  # a run pattern of 400 x 3 doubles each made 3.8 MB
    R = reference_matrix(kernel, (3,), boundary=boundary, output="full", origin=(0,), correlate=False)
    np.testing.assert_allclose(A.toarray(), R, rtol=1e-12, atol=1e-12)
