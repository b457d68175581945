"""Separable 2-D kernels: splitting, axis-by-axis inverses, and the 2-D optimum."""

import numpy as np
import pytest
import scipy.signal as ss

from convops import convolution_matrix
from solvers import fir_inverse, separable_inverse, separate

CROSS = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
COL = np.array([1.0, -0.6, 0.2])          # zeros 0.3 +- 0.33i: minimum phase
ROW = np.array([0.5, 1.0, 0.3])           # zeros -1.63, -0.37: mixed phase
RANK_ONE = np.outer(COL, ROW)


def lstsq_2d(kernel, shape, delay, reg=0.0):
    """Independent 2-D reference: dense least squares on the full convolution matrix."""
    a = convolution_matrix(kernel, shape, boundary="zero", output="full").toarray()
    full = tuple(m + p - 1 for m, p in zip(kernel.shape, shape))
    b = np.zeros(full)
    b[delay] = 1.0
    b = b.ravel()
    if reg:
        a = np.vstack([a, np.sqrt(reg) * np.eye(a.shape[1])])
        b = np.concatenate([b, np.zeros(a.shape[1])])
    g = np.linalg.lstsq(a, b, rcond=None)[0].reshape(shape)
    residual = ss.convolve2d(kernel, g, mode="full")
    residual[delay] -= 1.0
    return g, np.linalg.norm(residual)


# -- separate -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_separate_recovers_the_outer_product(dtype):
    rng = np.random.default_rng(0)
    c, r = rng.standard_normal(4), rng.standard_normal(5)
    if np.dtype(dtype).kind == "c":
        c = c + 1j * rng.standard_normal(4)
    kernel = np.outer(c, r).astype(dtype)
    col, row = separate(kernel)
    assert col.dtype == dtype and row.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(np.outer(col, row), kernel, atol=tol * np.abs(kernel).max())
    top = col[np.argmax(np.abs(col))]
    assert top.real > 0 and top.imag == 0
    assert np.linalg.norm(col) == pytest.approx(np.linalg.norm(row), rel=1e-5)   # balanced


def test_separate_accepts_vectors_as_rank_one():
    col, row = separate([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(np.outer(col, row), [[1.0, 2.0, 3.0]])


def test_cross_is_not_separable():
    with pytest.raises(ValueError, match=r"numerical rank 2 \(sigma_2/sigma_1 = 0\.5"):
        separate(CROSS)
    with pytest.raises(ValueError, match="numerical rank 2"):
        separable_inverse(CROSS, 5)
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match="numerical rank 3"):
        separate(rng.standard_normal((3, 4)))


def test_rank_tolerance():
    noisy = RANK_ONE + 1e-8 * np.random.default_rng(2).standard_normal(RANK_ONE.shape)
    with pytest.raises(ValueError, match="numerical rank"):
        separate(noisy)
    col, row = separate(noisy, rtol=1e-6)
    np.testing.assert_allclose(np.outer(col, row), RANK_ONE, atol=1e-7)


# -- separable inverses ------------------------------------------------------------------
@pytest.mark.parametrize("shape, delay", [((6, 7), "centre"), ((5, 5), (0, 2)),
                                          ((4, 6), "optimal")],
                         ids=["centre", "(0,2)", "optimal"])
def test_separable_ls_is_the_2d_least_squares_inverse(shape, delay):
    # the full convolution matrix of outer(c, r) is kron(A_c, A_r), whose
    # pseudo-inverse is kron(A_c^+, A_r^+): the outer product of the 1-D LS
    # inverses is the 2-D LS optimum of the same support
    res = separable_inverse(RANK_ONE, shape, delay=delay)
    g2, e2d = lstsq_2d(RANK_ONE, shape, res.info["delay"])
    np.testing.assert_allclose(res.solution, g2, atol=1e-10)
    assert res.info["error_norm"] == pytest.approx(e2d, rel=1e-9)


def test_ls_error_identity():
    # LS residuals are orthogonal to the range: a[d1] = ||a||^2 = 1 - e1^2,
    # hence ||f * g - delta||^2 = e1^2 + e2^2 - e1^2 e2^2 exactly
    for shape in ((2, 3), (5, 4), (9, 9)):
        res = separable_inverse(RANK_ONE, shape)
        e1, e2 = res.info["error_norms"]
        assert res.info["error_norm"] ** 2 == pytest.approx(e1**2 + e2**2 - e1**2 * e2**2,
                                                            rel=1e-10)


@pytest.mark.parametrize("method, options", [("truncated", {}), ("frequency", {}),
                                             ("ls", {"reg": 0.05})],
                         ids=["truncated", "frequency", "ls-reg"])
def test_other_inverses_are_bounded_and_beaten_by_2d_least_squares(method, options):
    shape = (7, 6)
    res = separable_inverse(RANK_ONE, shape, method=method, **options)
    e1, e2 = res.info["error_norms"]
    # (a - delta) b^T + delta (b - delta)^T with ||b|| <= 1 + e2
    assert res.info["error_norm"] <= (e1 + e2 + e1 * e2) * (1 + 1e-12)
    assert res.info["error_bound"] == pytest.approx(e1 + e2 + e1 * e2)
    _, e2d = lstsq_2d(RANK_ONE, shape, res.info["delay"])
    assert e2d < res.info["error_norm"]


def test_regularised_separable_inverse_is_not_the_2d_ridge():
    # A^H A + reg I does not factor: the 2-D ridge solution has the smaller
    # ridge objective and differs from the separable one
    shape, reg = (5, 5), 0.05
    res = separable_inverse(RANK_ONE, shape, reg=reg)
    g2, e2d = lstsq_2d(RANK_ONE, shape, res.info["delay"], reg=reg)
    ridge_2d = e2d**2 + reg * np.sum(g2**2)
    ridge_sep = res.info["error_norm"] ** 2 + reg * np.sum(res.solution**2)
    assert ridge_2d < ridge_sep
    assert np.abs(g2 - res.solution).max() > 1e-3


def test_axes_are_the_1d_inverses_and_residual_is_on_the_full_grid():
    shape = (4, 5)
    res = separable_inverse(RANK_ONE, shape, method="truncated", delay=(1, 3))
    col, row = res.info["factors"]
    g1 = fir_inverse(col, 4, delay=1, method="truncated").solution
    g2 = fir_inverse(row, 5, delay=3, method="truncated").solution
    np.testing.assert_allclose(res.solution, np.outer(g1, g2), rtol=1e-12)
    expected = ss.convolve2d(RANK_ONE, res.solution, mode="full")
    expected[1, 3] -= 1.0
    assert res.residual.shape == (3 + 4 - 1, 3 + 5 - 1)
    np.testing.assert_allclose(res.residual, expected, atol=1e-13)
    assert res.objective == pytest.approx(0.5 * np.sum(expected**2))
    assert res.info["delay"] == (1, 3)
    assert [r.info["delay"] for r in res.info["axes"]] == [1, 3]


def test_default_delay_is_the_centre_of_the_full_grid():
    res = separable_inverse(RANK_ONE, (6, 5))
    assert res.info["delay"] == ((3 + 6 - 2) // 2, (3 + 5 - 2) // 2)


def test_max_frequency_error_2d():
    res = separable_inverse(RANK_ONE, (4, 4), method="truncated")
    n1, n2 = res.info["nfft"]
    assert n1 >= 4 * (3 + 4) and n2 >= 4 * (3 + 4)
    w1 = 2 * np.pi * np.arange(n1)[:, None] / n1
    w2 = 2 * np.pi * np.arange(n2)[None, :] / n2
    d1, d2 = res.info["delay"]
    r = res.residual
    dtft = sum(r[i, j] * np.exp(-1j * (w1 * i + w2 * j))
               for i in range(r.shape[0]) for j in range(r.shape[1]))
    assert res.info["max_frequency_error"] == pytest.approx(np.abs(dtft).max(), rel=1e-9)
    assert d1 == d2 == (3 + 4 - 2) // 2


def test_axis_by_axis_does_not_extend_to_rank_two():
    # forcing the cross through a rank-one approximation gives an inverse of
    # the wrong kernel; the 2-D least-squares inverse of the cross does far better
    shape = (7, 7)
    res = separable_inverse(CROSS, shape, rtol=0.6)
    _, e2d = lstsq_2d(CROSS, shape, res.info["delay"])
    assert e2d < 0.5 * res.info["error_norm"]


def test_lms_options_reach_both_axes():
    res = separable_inverse(RANK_ONE, (4, 4), method="lms", n_samples=300, rng=0)
    assert res.iterations == 600
    assert all(len(r.history) > 1 for r in res.info["axes"])


def test_separable_dtypes():
    assert separable_inverse(RANK_ONE.astype(np.float32), 3).solution.dtype == np.float32
    assert separable_inverse(RANK_ONE.astype(np.int64), 3).solution.dtype == np.float64
    res = separable_inverse(RANK_ONE * (1 + 1j), 3)
    assert res.solution.dtype == np.complex128 and res.residual.dtype == np.complex128


BAD_INPUT = [
    (lambda: separate([1.0, 2.0]), ValueError, "must be 2-D"),
    (lambda: separate(np.ones((2, 2, 2))), ValueError, "must be 2-D"),
    (lambda: separate(np.zeros((2, 3))), ValueError, "all zeros"),
    (lambda: separate([[1.0, np.inf]]), ValueError, "non-finite"),
    (lambda: separate(RANK_ONE, rtol=-1.0), ValueError, "rtol must be a finite number >= 0, got -1.0"),
    (lambda: separable_inverse(RANK_ONE, (3, 3, 3)), ValueError, r"size \(3, 3, 3\) has 3 entries"),
    (lambda: separable_inverse(RANK_ONE, (3, 0)), ValueError, "size entries must be >= 1, got 0"),
    (lambda: separable_inverse(RANK_ONE, 2.5), TypeError, "size"),
    (lambda: separable_inverse(RANK_ONE, 3, delay=(1, 2, 3)), ValueError, r"delay \(1, 2, 3\) has 3 entries"),
    (lambda: separable_inverse(RANK_ONE, 3, delay=(0, 9)), ValueError, r"allowed 0\.\.4"),
    (lambda: separable_inverse(RANK_ONE, 3, method="svd"), ValueError, "unknown method"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT, ids=[m for _, _, m in BAD_INPUT])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
