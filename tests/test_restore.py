"""restore: every route equals the closed-form matrix solution."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from convops import BOUNDARIES, convolution_matrix
from solvers import restore, wiener_filter

RNG = np.random.default_rng(0)
ASYMMETRIC = RNG.random((4, 3)) + 0.5 * np.eye(4, 3)
SYMMETRIC = np.outer([1.0, 3.0, 1.0], [1.0, 2.0, 5.0, 2.0, 1.0]) / 45.0 + 0.1 * np.eye(3, 5)[:, ::-1]
SYMMETRIC = (SYMMETRIC + SYMMETRIC[::-1] + SYMMETRIC[:, ::-1] + SYMMETRIC[::-1, ::-1]) / 4
SMOOTH = np.array([[1.0, 2.0, 1.0], [2.0, 8.0, 2.0], [1.0, 2.0, 1.0]]) / 20


def closed_form(kernel, shape, boundary, y, reg, output="same"):
    A = convolution_matrix(kernel, shape, boundary=boundary, output=output).toarray()
    if reg:
        return np.linalg.solve(A.T @ A + reg * np.eye(A.shape[1]), A.T @ y.ravel()).reshape(shape)
    return (np.linalg.pinv(A) @ y.ravel()).reshape(shape)


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
@pytest.mark.parametrize("kernel", [SMOOTH, ASYMMETRIC, SYMMETRIC], ids=["smooth3x3", "asym4x3", "sym3x5"])
@pytest.mark.parametrize("reg", [0.0, 1e-2])
def test_every_route_equals_the_closed_form(boundary, kernel, reg):
    shape = (12, 11)
    y = RNG.random(shape)
    expected = closed_form(kernel, shape, boundary, y, reg)
    auto = restore(y, kernel, boundary=boundary, reg=reg)
    np.testing.assert_allclose(auto.solution, expected, rtol=1e-8, atol=1e-8 * np.abs(expected).max())
    direct = restore(y, kernel, boundary=boundary, reg=reg, method="direct")
    np.testing.assert_allclose(direct.solution, expected, rtol=1e-8, atol=1e-8 * np.abs(expected).max())
    if reg:
        cg = restore(y, kernel, boundary=boundary, reg=reg, method="cg", tol=1e-12, maxiter=5000)
        assert cg.converged
        np.testing.assert_allclose(cg.solution, expected, atol=1e-8 * np.abs(expected).max())
    A = convolution_matrix(kernel, shape, boundary=boundary, output="same")
    residual = (A @ auto.solution.ravel() - y.ravel()).reshape(shape)
    np.testing.assert_allclose(auto.residual, residual, atol=1e-10)
    assert auto.objective == pytest.approx(0.5 * np.sum(residual ** 2) + 0.5 * reg * np.sum(auto.solution ** 2))


def test_auto_picks_the_exact_fast_paths():
    y = RNG.random((10, 9))
    assert restore(y, ASYMMETRIC, boundary="circular").info["method"] == "fft"
    assert restore(y, SYMMETRIC, boundary="symmetric").info["method"] == "dct"
    assert restore(y, SYMMETRIC, boundary="mirror").info["method"] == "dct"
    assert restore(y, ASYMMETRIC, boundary="symmetric").info["method"] == "direct"
    assert restore(RNG.random((80, 80)), SMOOTH, boundary="replicate", reg=1e-2).info["method"] == "cg"


@pytest.mark.parametrize("shape", [(8, 8), (9, 7), (1, 12), (13,)], ids=str)
@pytest.mark.parametrize("reg", [0.0, 1e-3])
def test_dct_equals_sparse_direct_for_symmetric_boundaries(shape, reg):
    kernel = SYMMETRIC if len(shape) == 2 else np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16
    y = RNG.random(shape)
    dct = restore(y, kernel, boundary="symmetric", reg=reg, method="dct")
    direct = restore(y, kernel, boundary="symmetric", reg=reg, method="direct")
    scale = np.abs(direct.solution).max()
    np.testing.assert_allclose(dct.solution, direct.solution, atol=1e-9 * scale)


def test_dct_with_a_kernel_larger_than_the_image():
    y = RNG.random((2, 3))  # kernel 3x5: repeated reflection, still Toeplitz-plus-Hankel
    dct = restore(y, SYMMETRIC, boundary="symmetric", reg=1e-3, method="dct")
    np.testing.assert_allclose(dct.solution, closed_form(SYMMETRIC, y.shape, "symmetric", y, 1e-3), atol=1e-10)


def test_fft_route_equals_wiener_and_pseudo_inverse():
    y = RNG.random((16, 16))
    fft = restore(y, SMOOTH, boundary="circular", reg=0.05)
    np.testing.assert_allclose(fft.solution, wiener_filter(y, SMOOTH, 0.05), atol=1e-12)
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)  # H has zeros on 6x6
    min_norm = restore(y[:6, :6], cross, boundary="circular", method="fft")
    np.testing.assert_allclose(min_norm.solution, closed_form(cross, (6, 6), "circular", y[:6, :6], 0.0), atol=1e-10)


@pytest.mark.parametrize("output", ["valid", "full"])
def test_other_windows(output):
    shape = (9, 10)
    image = RNG.random(shape)
    A = convolution_matrix(ASYMMETRIC, shape, boundary="reflect", output=output)
    y = (A @ image.ravel()).reshape(image.shape[0] + (3 if output == "full" else -3),
                                    image.shape[1] + (2 if output == "full" else -2))
    result = restore(y, ASYMMETRIC, boundary="reflect", output=output, reg=1e-3)
    assert result.solution.shape == shape and result.residual.shape == y.shape
    np.testing.assert_allclose(result.solution, closed_form(ASYMMETRIC, shape, "reflect", y, 1e-3, output),
                               atol=1e-9)


def test_the_right_boundary_model_restores_the_border():
    image = ndi.zoom(RNG.random((8, 8)), 4, order=1)  # smooth, not periodic
    kernel = np.ones((5, 5)) / 25 + 0.2 * np.pad([[1.0]], 2)
    blurred = ndi.convolve(image, kernel, mode="nearest")  # replicate
    right = restore(blurred, kernel, boundary="replicate", reg=1e-8).solution
    wrong = restore(blurred, kernel, boundary="circular", reg=1e-8).solution
    border = np.ones(image.shape, bool)
    border[3:-3, 3:-3] = False
    assert np.abs(right - image)[border].max() < 1e-4
    assert np.abs(wrong - image)[border].mean() > 100 * np.abs(right - image)[border].mean()


def test_float32_stays_float32():
    y = RNG.random((20, 20)).astype(np.float32)
    for boundary, method in [("circular", "fft"), ("symmetric", "dct"), ("replicate", "cg"), ("zero", "direct")]:
        result = restore(y, SMOOTH.astype(np.float32), boundary=boundary, reg=1e-3, method=method)
        assert result.solution.dtype == np.float32, method


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(boundary="wrap"), r"unknown boundary 'wrap'"),
    (dict(reg=-1), r"reg must be a finite number >= 0, got -1"),
    (dict(method="lu"), r"unknown method 'lu'; allowed: 'auto', 'direct', 'cg', 'fft', 'dct'"),
    (dict(method="fft", boundary="zero"), r"method='fft' is exact only for boundary='circular'"),
    (dict(method="dct", boundary="symmetric"), r"method='dct' needs boundary='symmetric'.*odd size"),
    (dict(kernel=np.zeros((3, 3))), r"kernel is all zeros"),
    (dict(blurred=np.full((6, 6), np.nan)), r"blurred contains 36 non-finite"),
    (dict(output="valid", blurred=np.ones((2, 2)), kernel=np.ones((4, 4))), None),
    (dict(output="full", blurred=np.ones((2, 2)), kernel=np.ones((4, 4))), r"smaller than the kernel"),
])
def test_bad_input(kwargs, pattern):
    args = dict(blurred=np.ones((6, 6)), kernel=ASYMMETRIC, boundary="zero")
    args.update(kwargs)
    if pattern is None:  # valid window: a 2x2 observation of a 5x5 image is underdetermined but fine
        assert restore(args.pop("blurred"), args.pop("kernel"), **args).solution.shape == (5, 5)
        return
    with pytest.raises(ValueError, match=pattern):
        restore(args.pop("blurred"), args.pop("kernel"), **args)


def test_singular_sparse_system_has_a_clear_message():
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)  # H = 0 on even grids
    y = RNG.random((48, 48))
    with pytest.raises(ValueError, match="rank deficient"):
        restore(y, cross, boundary="circular", method="direct")
    # The same problem by the DFT gives the minimum-norm solution, and reg > 0 is fine.
    assert np.isfinite(restore(y, cross, boundary="circular").solution).all()
    assert np.isfinite(restore(y, cross, boundary="circular", method="direct", reg=1e-3).solution).all()


def test_non_convergent_cg_is_reported():
    result = restore(RNG.random((40, 40)), SMOOTH, boundary="replicate", method="cg", maxiter=3)
    assert not result.converged and result.iterations == 3


# --- spectral paths: zero rule, scale, precision ------------------------------

CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)
BOX = np.ones((3, 3)) / 9  # DCT eigenvalues (1 + 2 cos(pi u / N)) (1 + 2 cos(pi v / N)) / 9: zeros for 3 | N


@pytest.mark.parametrize("method, kernel, boundary", [("fft", CROSS, "circular"), ("dct", BOX, "symmetric")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_spectral_paths_give_the_minimum_norm_solution_at_zeros(method, kernel, boundary, dtype):
    shape = (6, 12)
    rng = np.random.default_rng(20)
    y = RNG.random(shape) + (1j * rng.random(shape) if np.dtype(dtype).kind == "c" else 0)
    A = convolution_matrix(kernel, shape, boundary=boundary, output="same").toarray()
    expected = (np.linalg.pinv(A, rcond=1e-10) @ y.ravel()).reshape(shape)
    result = restore(y.astype(dtype), kernel.astype(np.float32 if dtype == np.float32 else float),
                     boundary=boundary, method=method)
    assert result.solution.dtype == dtype
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(result.solution, expected, atol=tol * np.abs(expected).max())
    np.testing.assert_allclose(result.residual, (A @ expected.ravel() - y.ravel()).reshape(shape),
                               atol=tol * np.abs(y).max())


@pytest.mark.parametrize("method, boundary", [("fft", "circular"), ("dct", "symmetric")])
@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_spectral_paths_are_right_for_any_scale_of_the_kernel(method, boundary, scale):
    # closed form: with s k and reg, the solution is that of k and reg / s^2, divided by s;
    # reg = 1e-3 is negligible against s^2 |H|^2 for s = 1e200
    y = RNG.random((8, 7))
    reg = 1e-3 if scale > 1 else 0.0
    expected = closed_form(SMOOTH, y.shape, boundary, y, 0.0) / scale
    result = restore(y, scale * SMOOTH, boundary=boundary, method=method, reg=reg)
    np.testing.assert_allclose(result.solution, expected, rtol=1e-10)
    np.testing.assert_allclose(result.residual, 0, atol=1e-10)


@pytest.mark.parametrize("method, boundary", [("fft", "circular"), ("dct", "symmetric")])
def test_spectral_paths_are_right_for_an_image_near_the_largest_float(method, boundary):
    y = RNG.random((8, 7))
    x = closed_form(SMOOTH, y.shape, boundary, y, 1e-2)
    scale = 0.5 * np.finfo(float).max / np.abs(x).max()
    np.testing.assert_allclose(restore(scale * y, SMOOTH, boundary=boundary, method=method, reg=1e-2).solution,
                               scale * x, rtol=1e-10)


@pytest.mark.parametrize("method, boundary", [("fft", "circular"), ("dct", "symmetric")])
def test_single_precision_kernel_on_a_double_image_keeps_double_accuracy(method, boundary):
    y = RNG.random((9, 8))
    k32 = SMOOTH.astype(np.float32)
    result = restore(y, k32, boundary=boundary, method=method)
    assert result.solution.dtype == np.float64
    np.testing.assert_allclose(result.solution, closed_form(k32.astype(float), y.shape, boundary, y, 0.0),
                               atol=1e-12)


# --- every path, every boundary, kernels up to several times the image ----------

def lstsq_reference(kernel, shape, boundary, y, reg):
    """Solution of min ||A x - y||^2 + reg ||x||^2 by dense lstsq of [A; sqrt(reg) I], and A."""
    A = convolution_matrix(kernel, shape, boundary=boundary, output="same").toarray()
    stacked = np.vstack([A, np.sqrt(reg) * np.eye(A.shape[1])])
    x = np.linalg.lstsq(stacked, np.concatenate([y.ravel(), np.zeros(A.shape[1])]), rcond=None)[0]
    return x.reshape(shape), A


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
@pytest.mark.parametrize("kshape", [(3, 3), (7, 5), (13, 9), (21, 17), (45, 37)], ids=str)
@pytest.mark.parametrize("symmetric", [True, False], ids=["symmetric-kernel", "asymmetric-kernel"])
def test_every_path_with_kernels_up_to_several_times_the_image(boundary, kshape, symmetric):
    shape = (5, 4)
    rng = np.random.default_rng(30)
    kernel = rng.random(kshape)
    if symmetric:
        kernel = kernel + kernel[::-1] + kernel[:, ::-1] + kernel[::-1, ::-1]
    kernel /= kernel.sum()
    y = rng.random(shape)
    reg = 1e-2
    expected, A = lstsq_reference(kernel, shape, boundary, y, reg)
    methods = ["auto", "direct", "cg"] + ["fft"] * (boundary == "circular") + ["dct"] * (boundary == "symmetric" and symmetric)
    for method in methods:
        result = restore(y, kernel, boundary=boundary, reg=reg, method=method, tol=1e-13, maxiter=2000)
        np.testing.assert_allclose(result.solution, expected, atol=1e-9, err_msg=method)
        np.testing.assert_allclose(result.residual, (A @ expected.ravel() - y.ravel()).reshape(shape), atol=1e-9,
                                   err_msg=method)


def test_spectral_methods_take_any_case_and_count_the_zeros_of_h():
    # the 3x3 cross on 6x6 (circular): H = 1 + 2 cos u + 2 cos v is zero at (pi, +-pi/3) and (+-pi/3, pi)
    cross = np.array([[0.0, 1, 0], [1, 1, 1], [0, 1, 0]])
    u = 2 * np.pi * np.arange(6) / 6
    expected = int(np.count_nonzero(np.abs(1 + 2 * np.cos(u)[:, None] + 2 * np.cos(u)[None, :]) < 1e-9))
    y = ndi.convolve(np.random.default_rng(0).random((6, 6)), cross, mode="wrap")
    result = restore(y, cross, boundary="CIRCULAR", method="FFT")
    assert result.info["method"] == "fft" and result.info["zeroed"] == expected == 4
    box = np.ones((3, 3)) / 9                                 # centro-symmetric: DCT, no zeros on 8x8
    assert restore(np.ones((8, 8)), box, boundary="symmetric", method="Dct").info["zeroed"] == 0
