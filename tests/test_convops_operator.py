"""The matrix-free operator equals the matrix, forward and adjoint, with exact
adjoints (dot tests) for every rule, window, kernel, image, dtype and method."""

import numpy as np
import pylops
import pytest
import scipy.sparse.linalg as spla

from convops import (BOUNDARIES, OUTPUTS, convolution_matrix, convolution_operator, dot_test,
                     dot_test_tolerance, psf2otf)
from reference import DTYPES, IMAGES, KERNELS, TOL, draw, fits

GRID = [
    pytest.param(b, o, k, i, d, id=f"{b}-{o}-{k}-{i}-{d}")
    for b in BOUNDARIES for o in OUTPUTS for k in KERNELS for i in IMAGES for d in DTYPES
    if fits(KERNELS[k], IMAGES[i], o)
]


@pytest.mark.parametrize("boundary, output, kname, iname, dname", GRID)
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_operator_equals_matrix_forward_and_adjoint(boundary, output, kname, iname, dname, method):
    rng = np.random.default_rng(17)
    dtype = DTYPES[dname]
    kernel, image = draw(rng, KERNELS[kname], dtype), draw(rng, IMAGES[iname], dtype)
    A = convolution_matrix(kernel, image.shape, boundary=boundary, output=output)
    op = convolution_operator(kernel, image.shape, boundary=boundary, output=output, method=method)
    assert op.shape == A.shape and op.dtype == dtype and op.method == method
    y = op @ image.ravel()
    assert y.dtype == dtype
    np.testing.assert_allclose(y, A @ image.ravel(), rtol=TOL[dtype], atol=TOL[dtype] * 10)
    v = draw(rng, A.shape[0], dtype)
    z = op.rmatvec(v)
    assert z.dtype == dtype
    np.testing.assert_allclose(z, A.conj().T @ v, rtol=TOL[dtype], atol=TOL[dtype] * 10)
    dot_test(op, rng=1)
    dot_test(A, rng=2)


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_operator_origin_correlate_and_order(boundary, output, method):
    rng = np.random.default_rng(23)
    kernel, image = rng.standard_normal((4, 3)), rng.standard_normal((7, 5))
    origin = (1, -1) if output == "same" else 0
    for correlate in (False, True):
        for order in ("C", "F"):
            kw = dict(boundary=boundary, output=output, origin=origin, correlate=correlate, order=order)
            A = convolution_matrix(kernel, image.shape, **kw)
            op = convolution_operator(kernel, image.shape, method=method, **kw)
            x = image.ravel(order=order)
            np.testing.assert_allclose(op @ x, A @ x, atol=1e-12)
            v = rng.standard_normal(A.shape[0])
            np.testing.assert_allclose(op.rmatvec(v), A.T @ v, atol=1e-12)


def test_real_kernel_on_complex_images():
    rng = np.random.default_rng(1)
    kernel = rng.standard_normal((3, 4))
    image = rng.standard_normal((6, 6)) + 1j * rng.standard_normal((6, 6))
    for method in ("direct", "fft"):
        op = convolution_operator(kernel, image.shape, boundary="reflect", output="full", method=method)
        A = convolution_matrix(kernel, image.shape, boundary="reflect", output="full")
        np.testing.assert_allclose(op @ image.ravel(), A @ image.ravel(), atol=1e-12)
        np.testing.assert_allclose(op.H @ (A @ image.ravel()), A.T @ (A @ image.ravel()), atol=1e-10)


def test_apply_on_images_and_matmat():
    rng = np.random.default_rng(2)
    kernel, image = rng.standard_normal((3, 3)), rng.standard_normal((5, 8))
    op = convolution_operator(kernel, image.shape, boundary="replicate", output="valid")
    A = convolution_matrix(kernel, image.shape, boundary="replicate", output="valid")
    out = op.apply(image)
    assert out.shape == op.out_shape == (3, 6)
    np.testing.assert_allclose(out.ravel(), A @ image.ravel(), atol=1e-12)
    X = rng.standard_normal((image.size, 3))
    np.testing.assert_allclose(op @ X, A @ X, atol=1e-12)
    np.testing.assert_allclose(op.H @ (A @ X), A.T @ (A @ X), atol=1e-12)
    with pytest.raises(ValueError, match=r"shape \(5, 7\).*expects \(5, 8\)"):
        op.apply(np.zeros((5, 7)))


def test_auto_method_picks_by_cost():
    small = convolution_operator(np.ones((3, 3)), (256, 256), boundary="symmetric", output="same")
    large = convolution_operator(np.ones((25, 25)), (256, 256), boundary="symmetric", output="same")
    assert small.method == "direct" and large.method == "fft"


def test_fft_spectrum_is_cached_and_circular_same_uses_psf2otf():
    rng = np.random.default_rng(4)
    kernel, image = rng.standard_normal((5, 4)), rng.standard_normal((8, 9))
    op = convolution_operator(kernel, image.shape, boundary="circular", output="same", method="fft")
    op.apply(image)
    op.apply(image)
    assert len(op._spectra) == 1
    (spectrum,) = op._spectra.values()
    np.testing.assert_allclose(spectrum, psf2otf(kernel, image.shape, real=True), atol=1e-12)


def test_usable_by_scipy_and_pylops_solvers():
    rng = np.random.default_rng(5)
    kernel, image = rng.standard_normal((3, 3)) + 3 * np.eye(3), rng.standard_normal((10, 10))
    op = convolution_operator(kernel, image.shape, boundary="symmetric", output="full")
    A = convolution_matrix(kernel, image.shape, boundary="symmetric", output="full")
    b = A @ image.ravel()
    x_scipy = spla.lsqr(op, b, atol=1e-14, btol=1e-14, iter_lim=2000)[0]
    np.testing.assert_allclose(x_scipy, image.ravel(), atol=1e-8)
    pop = pylops.LinearOperator(op)
    assert pylops.utils.dottest(pop, *pop.shape, rtol=1e-10)
    x_pylops = pylops.optimization.basic.cgls(pop, b, niter=500, tol=1e-14)[0]
    np.testing.assert_allclose(x_pylops, image.ravel(), atol=1e-7)


def test_float32_stays_float32_and_dot_test_tolerance():
    rng = np.random.default_rng(6)
    kernel = rng.standard_normal((7, 7)).astype(np.float32)
    for method in ("direct", "fft"):
        op = convolution_operator(kernel, (64, 48), boundary="reflect", output="same", method=method)
        x = rng.standard_normal(64 * 48).astype(np.float32)
        assert (op @ x).dtype == np.float32 and op.rmatvec(x).dtype == np.float32
        assert dot_test(op, rng=0) < dot_test_tolerance(np.float32)


def test_dot_test_catches_a_wrong_adjoint():
    from scipy.sparse.linalg import LinearOperator

    A = np.random.default_rng(0).standard_normal((6, 4))
    wrong = LinearOperator(A.shape, matvec=lambda x: A @ x, rmatvec=lambda y: 1.001 * A.T @ y, dtype=float)
    with pytest.raises(AssertionError, match="dot test failed"):
        dot_test(wrong, rng=0)
    assert dot_test(wrong, rng=0, raise_error=False) > 1e-4


def test_unknown_method():
    with pytest.raises(ValueError, match=r"unknown method 'fast'.*'auto', 'direct', 'fft'"):
        convolution_operator(np.ones(3), 5, boundary="zero", output="same", method="fast")


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_float32_kernel_on_float64_image_is_computed_in_float64(boundary, output, method):
    rng = np.random.default_rng(8)
    kernel32 = rng.standard_normal((6, 5)).astype(np.float32)
    image = rng.standard_normal((12, 11))
    op = convolution_operator(kernel32, image.shape, boundary=boundary, output=output, method=method)
    # Reference: the same (float32-representable) kernel in float64.
    A = convolution_matrix(kernel32.astype(np.float64), image.shape, boundary=boundary, output=output)
    y = op @ image.ravel()
    expected = A @ image.ravel()
    assert y.dtype == np.float64
    assert np.linalg.norm(y - expected) <= 1e-14 * np.linalg.norm(expected)
    v = rng.standard_normal(A.shape[0])
    z, expected_z = op.rmatvec(v), A.T @ v
    assert z.dtype == np.float64
    assert np.linalg.norm(z - expected_z) <= 1e-14 * np.linalg.norm(expected_z)
    # float32 on float32 stays float32 (and single-precision accurate).
    y32 = op @ image.ravel().astype(np.float32)
    assert y32.dtype == np.float32
    assert np.linalg.norm(y32 - expected) <= 1e-5 * np.linalg.norm(expected)


def test_options_follow_one_case_rule():
    rng = np.random.default_rng(9)
    kernel, image = rng.standard_normal((3, 2)), rng.standard_normal((5, 4))
    A = convolution_matrix(kernel, image.shape, boundary="symmetric", output="full", order="F")
    for kw in (dict(boundary="SYMMETRIC", output="Full", order="f", method="FFT"),
               dict(boundary="Mirror", output="FULL", order="F", method="Direct")):
        op = convolution_operator(kernel, image.shape, **kw)
        np.testing.assert_allclose(op @ image.ravel("F"), A @ image.ravel("F"), atol=1e-12)
        B = convolution_matrix(kernel, image.shape, **{k: v for k, v in kw.items() if k != "method"})
        assert (B != A).nnz == 0


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-17, 1e200, 1e300])
def test_operator_is_right_at_any_scale_of_the_kernel(boundary, output, scale):
    # scipy.ndimage drops weights of magnitude <= 2.2e-16 (an absolute
    # threshold): a kernel of 1e-17 was applied as all zeros.
    rng = np.random.default_rng(5)
    kernel, image = scale * rng.standard_normal((3, 4)), rng.standard_normal((9, 8)) / scale
    A = convolution_matrix(kernel, image.shape, boundary=boundary, output=output)
    v = rng.standard_normal(A.shape[0]) / scale
    for method in ("direct", "fft"):
        op = convolution_operator(kernel, image.shape, boundary=boundary, output=output, method=method)
        y, ref = op @ image.ravel(), A @ image.ravel()
        assert np.abs(y - ref).max() <= 1e-14 * np.abs(ref).max(), method
        z, ref = op.rmatvec(v), A.T @ v
        assert np.abs(z - ref).max() <= 1e-14 * np.abs(ref).max(), method
