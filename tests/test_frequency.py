"""Frequency-domain filters against dense circulant matrices and scipy.ndimage."""

import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st

from convops import convolution_matrix, psf2otf
from solvers import (
    PseudoInverseResult,
    ThresholdChoice,
    inverse_filter,
    pseudo_inverse_filter,
    threshold_for_count,
    wiener_filter,
)

CROSS = np.array([[0.0, 1, 0], [1, 1, 1], [0, 1, 0]])
TOL = {np.float32: 2e-4, np.float64: 1e-9, np.complex64: 2e-4, np.complex128: 1e-9}


def dominant_kernel(rng, kshape, dtype=np.float64):
    """Kernel with |H| >= 0.4 everywhere: one tap of 1, the rest sum below 0.6."""
    k = rng.uniform(-1, 1, kshape)
    if np.dtype(dtype).kind == "c":
        k = k + 1j * rng.uniform(-1, 1, kshape)
    k *= 0.6 / max(np.abs(k).sum(), 1e-300)
    k[tuple(rng.integers(0, m) for m in kshape)] = 1.0
    return k.astype(dtype)


def image(rng, shape, dtype=np.float64):
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def circulant(kernel, shape):
    """Dense matrix of circular 'same' convolution (the spatial reference)."""
    return convolution_matrix(kernel, shape, boundary="circular", output="same").toarray()


def assert_close(actual, expected, dtype):
    scale = max(np.abs(expected).max(), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=TOL[np.dtype(dtype).type] * scale)


# image shape, kernel shape, dtype: odd/even, square/non-square, 1-D, kernel larger than image
CASES = [
    pytest.param((8, 8), (3, 3), np.float64, id="8x8-k3x3-f64"),
    pytest.param((7, 9), (2, 4), np.float64, id="7x9-k2x4-f64"),
    pytest.param((7, 9), (4, 3), np.float32, id="7x9-k4x3-f32"),
    pytest.param((6, 5), (3, 2), np.complex128, id="6x5-k3x2-c128"),
    pytest.param((4, 6), (5, 3), np.complex64, id="4x6-k5x3-c64"),
    pytest.param((9,), (4,), np.float64, id="1d-9-k4-f64"),
    pytest.param((3, 4), (5, 7), np.float64, id="3x4-k5x7-larger"),
    pytest.param((1, 7), (1, 3), np.float64, id="1x7-k1x3"),
]


@pytest.mark.parametrize("shape, kshape, dtype", CASES)
def test_inverse_filter_undoes_ndimage_wrap(shape, kshape, dtype):
    rng = np.random.default_rng(0)
    x, k = image(rng, shape, dtype), dominant_kernel(rng, kshape, dtype)
    y = ndi.convolve(x, k, mode="wrap")
    est = inverse_filter(y, k)
    assert est.dtype == dtype
    assert_close(est, x, dtype)


@pytest.mark.parametrize("shape, kshape, dtype", CASES)
def test_inverse_filter_equals_dense_solve(shape, kshape, dtype):
    rng = np.random.default_rng(1)
    y, k = image(rng, shape, dtype), dominant_kernel(rng, kshape, dtype)
    A = circulant(k.astype(np.complex128 if np.iscomplexobj(k) else np.float64), shape)
    expected = np.linalg.solve(A, y.ravel().astype(np.result_type(y, A))).reshape(shape)
    assert_close(inverse_filter(y, k), expected, dtype)


def truncated_pinv_solution(A, y, tau):
    """Solution of the truncated-SVD pseudo-inverse (singular values < tau dropped)."""
    U, s, Vh = np.linalg.svd(A)
    keep = s >= tau
    return Vh[keep].conj().T @ ((U[:, keep].conj().T @ y) / s[keep]), int(np.count_nonzero(~keep))


def gap_threshold(s, frac):
    """A threshold in a clear gap of the singular values, near the given fraction."""
    s = np.sort(s)
    gaps = np.flatnonzero(np.diff(s) > 1e-3 * s[-1]) + 1
    j = gaps[np.argmin(np.abs(gaps - frac * s.size))]
    return (s[j - 1] + s[j]) / 2


@pytest.mark.parametrize("shape, kshape, dtype", CASES)
@pytest.mark.parametrize("frac", [0.3, 0.7])
def test_pseudo_inverse_equals_truncated_svd(shape, kshape, dtype, frac):
    rng = np.random.default_rng(2)
    y = image(rng, shape, dtype)
    k = image(rng, kshape, dtype)  # arbitrary kernel: small singular values are dropped
    wide = np.complex128 if np.iscomplexobj(k) else np.float64
    A = circulant(k.astype(wide), shape)
    tau = gap_threshold(np.linalg.svd(A, compute_uv=False), frac)
    expected, dropped = truncated_pinv_solution(A, y.ravel().astype(np.result_type(y, A)), tau)
    est, zeroed = pseudo_inverse_filter(y, k, tau)
    assert zeroed == dropped > 0
    assert est.dtype == dtype
    assert_close(est, expected.reshape(shape), dtype)


@pytest.mark.parametrize("shape, kshape, dtype", CASES)
@pytest.mark.parametrize("lam", [1e-3, 0.5])
def test_wiener_constant_equals_tikhonov(shape, kshape, dtype, lam):
    rng = np.random.default_rng(3)
    y, k = image(rng, shape, dtype), image(rng, kshape, dtype)
    wide = np.complex128 if np.iscomplexobj(k) else np.float64
    A = circulant(k.astype(wide), shape)
    b = y.ravel().astype(np.result_type(y, A))
    expected = np.linalg.solve(A.conj().T @ A + lam * np.eye(A.shape[1]), A.conj().T @ b)
    est = wiener_filter(y, k, lam)
    assert est.dtype == dtype
    assert_close(est, expected.reshape(shape), dtype)


def even_spectrum(rng, shape):
    """A positive array with c[u] == c[-u] (the DFT of a real even sequence)."""
    c = rng.uniform(0.01, 1.0, shape)
    return (c + np.roll(np.flip(c), 1, axis=tuple(range(len(shape))))) / 2


@pytest.mark.parametrize("shape, kshape, dtype", [
    pytest.param((6, 8), (3, 2), np.float64, id="6x8-real"),
    pytest.param((5, 7), (2, 3), np.float64, id="5x7-real"),
    pytest.param((5, 6), (3, 3), np.complex128, id="5x6-complex"),
    pytest.param((10,), (3,), np.float64, id="1d-real"),
])
def test_wiener_array_equals_generalised_tikhonov(shape, kshape, dtype):
    # c as an array: (A^H A + C)^{-1} A^H y with C the circulant matrix of eigenvalues c.
    rng = np.random.default_rng(4)
    y, k = image(rng, shape, dtype), image(rng, kshape, dtype)
    c = even_spectrum(rng, shape) if np.dtype(dtype).kind == "f" else rng.uniform(0.01, 1.0, shape)
    n = int(np.prod(shape))
    C = np.fft.ifftn(c[None] * np.fft.fftn(np.eye(n).reshape((n, *shape)), axes=range(1, len(shape) + 1)),
                     axes=range(1, len(shape) + 1)).reshape(n, n).T
    A = circulant(k, shape)
    expected = np.linalg.solve(A.conj().T @ A + C, A.conj().T @ y.ravel()).reshape(shape)
    if np.dtype(dtype).kind == "f":
        expected = expected.real  # C is real for an even c
    assert_close(wiener_filter(y, k, c), expected, dtype)
    if np.dtype(dtype).kind == "f":
        half = c[..., : shape[-1] // 2 + 1]
        assert_close(wiener_filter(y, k, half), expected, dtype)


def test_wiener_zero_c_at_zeros_of_h_gives_zero_not_nan():
    # [[1, 1]] on a (3, 2) grid: H = 2 on column 0 and exactly 0 on column 1.
    k = np.array([[1.0, 1.0]])
    H = psf2otf(k, (3, 2))
    assert np.all(H[:, 1] == 0)
    y = np.random.default_rng(5).standard_normal((3, 2))
    A = circulant(k, (3, 2))
    expected = (np.linalg.pinv(A, rcond=1e-10) @ y.ravel()).reshape(3, 2)
    for c in (0.0, np.zeros((3, 2)), np.zeros((3, 2), complex).real):
        est = wiener_filter(y, k, c)
        assert np.all(np.isfinite(est))
        np.testing.assert_allclose(est, expected, atol=1e-12)
    est, zeroed = pseudo_inverse_filter(y, k, 0.0)
    assert zeroed == 3
    np.testing.assert_allclose(est, expected, atol=1e-12)
    # complex data take the other (full FFT) path
    np.testing.assert_allclose(wiener_filter(y + 0j, k, 0.0), expected, atol=1e-12)


def cross_zero_count(M, N):
    """Zeros of H = 1 + 2 cos(2 pi u / M) + 2 cos(2 pi v / N), the cross's transfer function."""
    u, v = np.meshgrid(np.arange(M), np.arange(N), indexing="ij")
    return int(np.count_nonzero(np.isclose(1 + 2 * np.cos(2 * np.pi * u / M) + 2 * np.cos(2 * np.pi * v / N),
                                           0, atol=1e-9)))


@pytest.mark.parametrize("shape", [(6, 6), (12, 12), (6, 12), (12, 6)])
def test_inverse_filter_names_zero_count_of_cross(shape):
    zeros = cross_zero_count(*shape)
    assert zeros > 0
    with pytest.raises(ValueError, match=rf"H has {zeros} zero\(s\).*pseudo_inverse_filter.*wiener_filter"):
        inverse_filter(np.ones(shape), CROSS)
    with pytest.raises(ValueError, match=rf"H has {zeros} zero"):
        inverse_filter(np.ones(shape, complex), CROSS)


@pytest.mark.parametrize("shape", [(3, 3), (4, 4), (5, 7)])
def test_inverse_filter_cross_without_zeros(shape):
    assert cross_zero_count(*shape) == 0
    x = np.random.default_rng(6).standard_normal(shape)
    np.testing.assert_allclose(inverse_filter(ndi.convolve(x, CROSS, mode="wrap"), CROSS), x, atol=1e-9)


def test_zero_tol_decides_what_counts_as_zero():
    k = np.array([1.0, 0.999])  # |H| = 0.001 at the Nyquist frequency of an even grid
    y = np.ones(4)
    with pytest.raises(ValueError, match="H has 1 zero"):
        inverse_filter(y, k, zero_tol=1e-2)
    assert np.all(np.isfinite(inverse_filter(y, k)))
    with pytest.raises(ValueError, match="zero_tol"):
        inverse_filter(y, k, zero_tol=-1e-3)


@pytest.mark.parametrize("call", [
    lambda k: inverse_filter(np.ones((4, 4)), k),
    lambda k: pseudo_inverse_filter(np.ones((4, 4)), k, 0.1),
    lambda k: wiener_filter(np.ones((4, 4)), k, 0.1),
    lambda k: threshold_for_count(k, (4, 4), 3),
], ids=["inverse", "pseudo", "wiener", "threshold"])
def test_zero_kernel_is_refused(call):
    with pytest.raises(ValueError, match="kernel is all zeros"):
        call(np.zeros((3, 3)))


@pytest.mark.parametrize("threshold, exc, text", [
    (-0.5, ValueError, "-0.5"),
    (np.nan, ValueError, "nan"),
    (np.inf, ValueError, "inf"),
    (True, TypeError, "True"),
    ("0.1", TypeError, "0.1"),
    (np.array([0.1, 0.2]), TypeError, "threshold"),
])
def test_bad_threshold(threshold, exc, text):
    with pytest.raises(exc, match=text):
        pseudo_inverse_filter(np.ones((4, 4)), CROSS, threshold)


@pytest.mark.parametrize("c, exc, text", [
    (-1e-3, ValueError, "-0.001"),
    (np.nan, ValueError, "nan"),
    (np.full((4, 6), -1.0), ValueError, "minimum of -1"),
    (np.full((4, 6), np.inf), ValueError, "non-finite"),
    (np.ones((4, 5)), ValueError, r"shape \(4, 5\).*\(4, 6\).*\(4, 4\)"),
    (np.ones((4, 6)) + 1j, TypeError, "complex"),
    (np.fft.fftshift(np.arange(24.0).reshape(4, 6)), ValueError, r"c\[u\] == c\[-u\]"),
])
def test_bad_c(c, exc, text):
    with pytest.raises(exc, match=text):
        wiener_filter(np.ones((4, 6)), CROSS, c)


def test_half_c_edge_columns_must_be_even():
    c = np.ones((4, 4))  # rfftn half of a (4, 6) image
    c[1, 0] = 2.0  # column 0 holds its own mirror: c[1, 0] must equal c[3, 0]
    with pytest.raises(ValueError, match=r"c\[u\] == c\[-u\]"):
        wiener_filter(np.ones((4, 6)), CROSS, c)
    c = np.ones((4, 4))
    c[1, 1] = 2.0  # an interior column: its mirror lies in the omitted half
    assert np.all(np.isfinite(wiener_filter(np.ones((4, 6)), CROSS, c)))


@pytest.mark.parametrize("blurred, kernel, exc, text", [
    (np.array([[1.0, np.nan], [0, 0]]), CROSS, ValueError, "blurred contains 1 non-finite"),
    (np.ones((3, 3)), [[1.0, np.inf]], ValueError, "kernel contains 1 non-finite"),
    (np.ones((0, 3)), CROSS, ValueError, "blurred is empty"),
    (np.ones((4, 4)), np.ones(3), ValueError, r"kernel has 1 dimension.*image shape has 2"),
    (np.array(["a", "b"]), np.ones(2), TypeError, "dtype"),
    (3.0, np.ones(2), ValueError, "at least one dimension"),
])
def test_bad_inputs(blurred, kernel, exc, text):
    for call in (lambda: inverse_filter(blurred, kernel), lambda: pseudo_inverse_filter(blurred, kernel, 0.1),
                 lambda: wiener_filter(blurred, kernel, 0.1)):
        with pytest.raises(exc, match=text):
            call()


def test_an_image_near_the_largest_float_gives_the_finite_answer():
    # closed form: a constant image has only the DC term, divided by H(0) = sum(kernel)
    y = np.full((8, 8), 1e308)  # finite, but its DFT is not
    np.testing.assert_allclose(inverse_filter(y, CROSS[:1]), y, rtol=1e-15)  # the identity kernel
    np.testing.assert_allclose(pseudo_inverse_filter(y, CROSS, 1.0).estimate, y / 5, rtol=1e-14)
    np.testing.assert_allclose(wiener_filter(y, CROSS, 1.0), y / 26 * 5, rtol=1e-14)
    np.testing.assert_allclose(wiener_filter(np.full((4, 4), 1e307), np.ones((2, 2)), 0.1), 1e307 * 4 / 16.1,
                               rtol=1e-14)


def test_a_kernel_near_the_largest_float_gives_the_finite_answer():
    # a 5x5 box of 1e307 on 8x8 has H(0) = 2.5e308 (beyond the largest float) and no zeros
    y = np.full((8, 8), 1e300)
    np.testing.assert_allclose(wiener_filter(y, np.full((5, 5), 1e307), 0.0), 4e-9, rtol=1e-13)
    np.testing.assert_allclose(inverse_filter(y, np.full((5, 5), 1e307)), 4e-9, rtol=1e-13)


def test_a_result_beyond_the_float_range_is_an_error_not_inf():
    y = np.full((4, 4), 1e308)
    k = np.array([[0.03, 0.01]])  # |H| >= 0.02 and H(0) = 0.04: the answer is 2.5e309
    for call in (lambda: inverse_filter(y, k), lambda: pseudo_inverse_filter(y, k, 0.0),
                 lambda: wiener_filter(y, k, 0.0), lambda: wiener_filter(np.full((4, 4), 3e38, np.float32),
                                                                           k.astype(np.float32), 0.0)):
        with pytest.raises(ValueError, match="overflowed"):
            call()


@pytest.mark.parametrize("count, exc, text", [
    (-1, ValueError, r"\[0, 16\].*-1"),
    (17, ValueError, r"\[0, 16\].*17"),
    (3.0, TypeError, "3.0"),
    (True, TypeError, "True"),
])
def test_bad_count(count, exc, text):
    with pytest.raises(exc, match=text):
        threshold_for_count(CROSS, (4, 4), count)


# --- threshold_for_count -------------------------------------------------

def blur31_groups():
    """Reachable counts of the 31-point horizontal blur on 256x256, from the closed form.

    |H(v)| = |sin(31 pi v / 256) / (31 sin(pi v / 256))| on every row; v and
    256 - v are equal, so each column value occurs 512 times (256 for v = 0
    and 128), and every multiple of 8 gives exactly 1/31 (sin(31 pi j / 32)
    = +-sin(pi j / 32)).  Returns the cumulative counts of the tie groups.
    """
    v = np.arange(129)
    with np.errstate(invalid="ignore", divide="ignore"):
        mag = np.abs(np.sin(31 * np.pi * v / 256) / (31 * np.sin(np.pi * v / 256)))
    mag[0] = 1.0
    sizes = np.where((v == 0) | (v == 128), 256, 512)
    order = np.argsort(mag)
    mag, sizes = mag[order], np.cumsum(sizes[order])
    last_of_group = np.append(np.diff(mag) > 1e-12, True)
    assert np.all(np.diff(mag)[np.diff(mag) > 1e-12] > 1e-6)  # groups are far apart
    return np.concatenate(([0], sizes[last_of_group]))


@pytest.mark.parametrize("count", [512, 28_680, 28_682, 59_648, 0, 65_536, 300, 1000])
def test_threshold_for_count_horizontal_blur(count):
    kernel = np.ones((1, 31)) / 31
    reachable = blur31_groups()
    choice = threshold_for_count(kernel, (256, 256), count)
    assert isinstance(choice, ThresholdChoice) and choice.requested == count
    assert choice.exact == (count in reachable) == (choice.zeroed == count)
    assert choice.zeroed in reachable and choice.zeroed % 256 == 0
    assert np.abs(reachable - count).min() == abs(choice.zeroed - count)
    a = np.abs(psf2otf(kernel, (256, 256)))
    assert np.abs(a - choice.threshold).min() > 1e-6  # in a gap, away from roundoff
    y = np.random.default_rng(7).standard_normal((256, 256))
    assert pseudo_inverse_filter(y, kernel, choice.threshold).zeroed == choice.zeroed
    assert pseudo_inverse_filter(y + 0j, kernel, choice.threshold).zeroed == choice.zeroed


def test_threshold_for_count_counts_from_the_texts():
    kernel = np.ones((1, 31)) / 31
    choices = {n: threshold_for_count(kernel, (256, 256), n) for n in (512, 28_680, 28_682, 59_648)}
    assert choices[512].exact and choices[59_648].exact
    assert not choices[28_680].exact and not choices[28_682].exact
    # |H| = 1/31 exactly on the 7,936 values of v = 8, 16, ..., 128 (15 pairs
    # and v = 128); the reachable counts around 28,680 are 28,672 and 36,608
    assert choices[28_680].zeroed == choices[28_682].zeroed == 28_672
    assert choices[28_680].threshold < 1 / 31
    assert threshold_for_count(kernel, (256, 256), 28_672 + 7_936).exact


def test_ties_differ_by_roundoff_in_the_horizontal_blur():
    # the FFT splits the 1/31 tie group by ulps: a threshold of exactly 1/31
    # zeroes part of it, a count no robust threshold reproduces
    kernel = np.ones((1, 31)) / 31
    a = np.abs(psf2otf(kernel, (256, 256)))
    tied = a[np.isclose(a, 1 / 31, rtol=1e-12, atol=0)]
    assert tied.size == 7_936 and np.unique(tied).size > 1
    fragile = pseudo_inverse_filter(np.ones((256, 256)), kernel, 1 / 31).zeroed
    assert 28_672 < fragile < 28_672 + 7_936
    assert not threshold_for_count(kernel, (256, 256), fragile).exact


def test_threshold_for_count_half_way_rule():
    # [[1, 1, 1]] on (4, 8): |H(v)| = |1 + 2 cos(2 pi v / 8)|, 4 rows each;
    # sorted: 0.414 (8 values), 1 (12), 2.414 (8), 3 (4) -> reachable 0, 8, 20, 28, 32
    k = [[1.0, 1.0, 1.0]]
    expected = {0: 0, 4: 0, 5: 8, 8: 8, 14: 8, 15: 20, 24: 20, 25: 28, 30: 28, 31: 32, 32: 32}
    for count, zeroed in expected.items():
        choice = threshold_for_count(k, (4, 8), count)
        assert choice.zeroed == zeroed, count
        assert pseudo_inverse_filter(np.ones((4, 8)), k, choice.threshold).zeroed == zeroed


def test_threshold_for_count_numerical_zeros_make_zero_unreachable():
    # the cross on 6x6 has 4 zeros of H, two of which the FFT gives as ~1e-16
    choice = threshold_for_count(CROSS, (6, 6), 0)
    assert (choice.zeroed, choice.exact) == (4, False)
    assert pseudo_inverse_filter(np.ones((6, 6)), CROSS, choice.threshold).zeroed == 4


@pytest.mark.parametrize("kernel_dtype", [np.float64, np.float32, np.complex128])
def test_threshold_for_count_every_count_small_grid(kernel_dtype):
    rng = np.random.default_rng(8)
    k = image(rng, (3, 2), kernel_dtype)
    shape = (5, 6)
    y = image(rng, shape, kernel_dtype)
    got = [threshold_for_count(k, shape, n) for n in range(31)]
    reachable = sorted({c.zeroed for c in got})
    for n, c in enumerate(got):
        assert pseudo_inverse_filter(y, k, c.threshold).zeroed == c.zeroed
        assert abs(c.zeroed - n) == min(abs(r - n) for r in reachable)
        assert c.exact == (c.zeroed == n)
    # a real kernel pairs H(u) with conj H(-u): on 5x6, 2 self-paired values and
    # 14 pairs make 16 groups, so at most 17 reachable counts (0 included)
    if np.dtype(kernel_dtype).kind == "f":
        assert len(reachable) <= 17
    else:
        assert len(reachable) == 31


# --- dtypes -----------------------------------------------------------------

@pytest.mark.parametrize("img_dtype, k_dtype, out", [
    (np.float32, np.float32, np.float32),
    (np.float32, np.float64, np.float64),
    (np.int16, np.float32, np.float64),
    (np.uint8, np.int64, np.float64),
    (np.complex64, np.float32, np.complex64),
    (np.float64, np.complex128, np.complex128),
    (np.float32, np.complex64, np.complex64),
])
def test_output_dtype(img_dtype, k_dtype, out):
    y = (np.arange(30).reshape(5, 6) % 7).astype(img_dtype)
    k = np.array([[0.1, 0.2], [1.0, 0.1]]).astype(k_dtype)
    for est in (inverse_filter(y, k), pseudo_inverse_filter(y, k, 0.1).estimate, wiener_filter(y, k, 0.01)):
        assert est.dtype == out
    if np.dtype(out).kind == "c" and np.dtype(k_dtype).kind == "c":
        k = k * (1 + 1j)
        assert np.abs(inverse_filter(y, k).imag).max() > 0  # a complex result is not cut to its real part


@pytest.mark.parametrize("img_dtype", [np.float64, np.complex128])
def test_single_precision_kernel_computes_in_double_with_double_image(img_dtype):
    rng = np.random.default_rng(9)
    y = image(rng, (6, 7), img_dtype)
    k32 = dominant_kernel(rng, (3, 3), np.float32)
    A = circulant(k32.astype(np.float64), (6, 7))
    expected = np.linalg.solve(A, y.ravel()).reshape(6, 7)
    assert_close(inverse_filter(y, k32), expected, np.float64)
    assert_close(wiener_filter(y, k32, 0.0), expected, np.float64)


def test_pseudo_inverse_result_is_a_named_pair():
    res = pseudo_inverse_filter(np.ones((6, 6)), CROSS, 0.5)
    assert isinstance(res, PseudoInverseResult)
    est, zeroed = res
    assert est is res.estimate and zeroed == res.zeroed
    # |H| < 0.5 on 6x6: the values of 1 + 2 cos(pi a / 3) + 2 cos(pi b / 3) below 0.5 in magnitude
    assert zeroed == cross_zero_count(6, 6)


# --- properties --------------------------------------------------------------

shapes = st.one_of(
    st.tuples(st.integers(1, 12)),
    st.tuples(st.integers(1, 7), st.integers(1, 7)),
)


@st.composite
def problems(draw):
    shape = draw(shapes)
    kshape = tuple(draw(st.integers(1, 9)) for _ in shape)
    seed = draw(st.integers(0, 2**32 - 1))
    complex_ = draw(st.booleans())
    dtype = np.complex128 if complex_ else np.float64
    rng = np.random.default_rng(seed)
    return image(rng, shape, dtype), dominant_kernel(rng, kshape, dtype)


@settings(deadline=None, max_examples=40)
@given(problems())
def test_property_filters_agree_without_zeros(problem):
    y, k = problem
    inv = inverse_filter(y, k)
    np.testing.assert_allclose(pseudo_inverse_filter(y, k, 0.0).estimate, inv, atol=1e-10)
    np.testing.assert_allclose(pseudo_inverse_filter(y, k, 0.3).estimate, inv, atol=1e-10)  # |H| >= 0.4
    np.testing.assert_allclose(wiener_filter(y, k, 1e-12), inv, atol=1e-8 * max(1, np.abs(inv).max()))
    A = circulant(k, y.shape)
    np.testing.assert_allclose(A @ inv.ravel(), y.ravel(), atol=1e-9)


@settings(deadline=None, max_examples=30)
@given(problems(), st.floats(1e-3, 1e3))
def test_property_wiener_shrinks_toward_zero(problem, c):
    # ||W G|| decreases as c grows, and the noise gain is at most 1 / (2 sqrt(c))
    y, k = problem
    small, large = wiener_filter(y, k, c), wiener_filter(y, k, 2 * c)
    assert np.linalg.norm(large) <= np.linalg.norm(small) * (1 + 1e-12)
    assert np.linalg.norm(small) <= np.linalg.norm(y) / (2 * np.sqrt(c)) * (1 + 1e-9)


# --- one zero rule, scale, precision ------------------------------------------

def circulant_pinv_solution(kernel, y):
    """Minimum-norm least-squares solution by the SVD of the dense circulant matrix."""
    A = circulant(kernel, y.shape)
    return (np.linalg.pinv(A, rcond=1e-10) @ y.ravel()).reshape(y.shape)


@pytest.mark.parametrize("shape", [(6, 6), (12, 12), (6, 12)], ids=str)
def test_one_zero_rule_for_every_filter(shape):
    zeros = cross_zero_count(*shape)
    rng = np.random.default_rng(10)
    y = ndi.convolve(rng.random(shape), CROSS, mode="wrap") + 1e-3 * rng.standard_normal(shape)  # noisy
    expected = circulant_pinv_solution(CROSS, y)
    for data in (y, y + 0j):  # real (half spectrum) and complex data: the same counts and answers
        est, zeroed = pseudo_inverse_filter(data, CROSS, 0.0)
        assert zeroed == zeros
        np.testing.assert_allclose(est, expected, atol=1e-9)
        np.testing.assert_allclose(wiener_filter(data, CROSS, 0.0), expected, atol=1e-9)
        with pytest.raises(ValueError, match=rf"H has {zeros} zero\(s\) among its {y.size} values \(smallest \|H\|"):
            inverse_filter(data, CROSS)
        # a threshold t zeroes |H| < t and the zeros
        t = 1.5
        H = np.abs(psf2otf(CROSS, shape))
        assert pseudo_inverse_filter(data, CROSS, t).zeroed == np.count_nonzero(H < t) > zeros
    choice = threshold_for_count(CROSS, shape, zeros)
    assert choice == (0.0, zeros, zeros, True)


@pytest.mark.parametrize("scale", [1e-200, 1e-30, 1e30, 1e200])
def test_filters_are_right_for_any_scale_of_the_kernel(scale):
    # closed form: filtering with s k equals filtering with k (c / s^2, threshold / s), divided by s
    rng = np.random.default_rng(11)
    y, k = image(rng, (6, 7)), dominant_kernel(rng, (3, 3))
    inv = inverse_filter(y, k)
    np.testing.assert_allclose(inverse_filter(y, scale * k), inv / scale, rtol=1e-12)
    np.testing.assert_allclose(wiener_filter(y, scale * k, 0.0), inv / scale, rtol=1e-12)
    if 1e-150 < scale < 1e150:  # c = 0.1 s^2 representable
        np.testing.assert_allclose(wiener_filter(y, scale * k, 0.1 * scale**2), wiener_filter(y, k, 0.1) / scale,
                                   rtol=1e-12)
    t = np.median(np.abs(psf2otf(k, y.shape)))
    est, zeroed = pseudo_inverse_filter(y, scale * k, t * scale)
    ref = pseudo_inverse_filter(y, k, t)
    assert zeroed == ref.zeroed > 0
    np.testing.assert_allclose(est, ref.estimate / scale, rtol=1e-12)
    # c = 1e-3 is negligible against |H|^2 ~ 1e400: the inverse filter, not zeros
    np.testing.assert_allclose(wiener_filter(y, 1e200 * k, 1e-3), inv / 1e200, rtol=1e-12)


def test_single_precision_is_right_for_any_scale():
    rng = np.random.default_rng(12)
    y, k = image(rng, (6, 7), np.float32), dominant_kernel(rng, (3, 3), np.float32)
    for scale in (np.float32(1e-30), np.float32(1e30)):
        est = wiener_filter(y, k * scale, 0.0)
        assert est.dtype == np.float32
        np.testing.assert_allclose(est, inverse_filter(y, k) / scale, rtol=1e-5)


@pytest.mark.parametrize("scale", [1e-300, 1e300, "largest"])
def test_filters_are_right_for_any_scale_of_the_image(scale):
    rng = np.random.default_rng(13)
    y, k = image(rng, (6, 7)), dominant_kernel(rng, (3, 3))
    inv, wie = inverse_filter(y, k), wiener_filter(y, k, 0.3)
    if scale == "largest":  # the results reach 0.99 of the largest float; the DFT of the data overflows
        scale = 0.99 * np.finfo(float).max / max(np.abs(inv).max(), np.abs(wie).max(), np.abs(y).max())
    np.testing.assert_allclose(inverse_filter(scale * y, k), scale * inv, rtol=1e-12)
    np.testing.assert_allclose(wiener_filter(scale * y, k, 0.3), scale * wie, rtol=1e-12)


@pytest.mark.parametrize("img_dtype, k_dtype", [(np.float32, np.float32), (np.float64, np.float32),
                                                (np.complex64, np.float32)])
def test_precision_follows_the_result_with_zeros_of_h(img_dtype, k_dtype):
    # the cross on 6x6: single precision gives numerical zeros near 1e-7, which
    # the rule must zero like the exact ones
    rng = np.random.default_rng(14)
    y = image(rng, (6, 6), img_dtype)
    expected = circulant_pinv_solution(CROSS, y.astype(np.complex128 if np.dtype(img_dtype).kind == "c" else float))
    out = np.result_type(img_dtype, k_dtype)
    for est in (pseudo_inverse_filter(y, CROSS.astype(k_dtype), 0.0).estimate, wiener_filter(y, CROSS.astype(k_dtype), 0)):
        assert est.dtype == out
        assert_close(est, expected, out)
    assert pseudo_inverse_filter(y, CROSS.astype(k_dtype), 0.0).zeroed == 4


@st.composite
def kernels_with_zeros(draw):
    """A random kernel convolved with [1, 1] along an axis: H has exact zeros on even grids."""
    shape = draw(st.tuples(st.integers(1, 8), st.integers(2, 8)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = ndi.convolve(np.pad(rng.uniform(-1, 1, (draw(st.integers(1, 4)), draw(st.integers(1, 4)))), ((0, 0), (1, 1))),
                     [[1.0, 1.0]], mode="constant")
    return shape, k * 10.0 ** draw(st.integers(-200, 200)), rng.standard_normal(shape)


@settings(deadline=None, max_examples=30)
@given(kernels_with_zeros())
def test_property_counts_agree_for_real_and_complex_data_and_the_threshold_search(problem):
    shape, k, y = problem
    zeroed = pseudo_inverse_filter(y, k, 0.0).zeroed
    assert pseudo_inverse_filter(y + 0j, k, 0.0).zeroed == zeroed
    choice = threshold_for_count(k, shape, zeroed)
    assert choice.exact and choice.threshold == 0.0
    np.testing.assert_allclose(wiener_filter(y, k, 0.0), pseudo_inverse_filter(y + 0j, k, 0.0).estimate.real,
                               rtol=1e-9, atol=1e-9 * np.abs(wiener_filter(y, k, 0.0)).max())


def test_threshold_for_count_refuses_a_grid_beyond_the_memory_limit():
    from convops._validation import AllocationTooLargeError
    with pytest.raises(AllocationTooLargeError, match=r"shape \(1000000, 1000000\) would need about .* GiB, above max_bytes"):
        threshold_for_count(CROSS, (10**6, 10**6), 0)
