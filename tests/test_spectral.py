"""The one spectral solve: DCT eigenvalues against dense matrices, the zero rule against closed forms."""

import numpy as np
import pytest
import scipy.fft as sfft

from convops import convolution_matrix, psf2otf
from solvers._spectral import eigenvalues, zeros_of


def symmetric_kernel(rng, kshape):
    k = rng.random(kshape)
    for axis in range(k.ndim):
        k = k + np.flip(k, axis)
    return k


@pytest.mark.parametrize("shape, kshape", [
    ((5,), (3,)), ((4,), (9,)), ((4, 3), (3, 5)), ((1, 6), (1, 3)), ((3, 2), (7, 9)), ((2, 3), (11, 13)),
], ids=str)
def test_dct_eigenvalues_diagonalise_the_symmetric_matrix(shape, kshape):
    # C A C^T = diag(lambda) with C the orthonormal DCT-II, also for kernels
    # longer than the image (repeated reflection)
    k = symmetric_kernel(np.random.default_rng(0), kshape)
    A = convolution_matrix(k, shape, boundary="symmetric", output="same").toarray()
    C = np.ones((1, 1))
    for n in shape:
        C = np.kron(C, sfft.dct(np.eye(n), norm="ortho", axis=0))
    D = C @ A @ C.T
    lam = eigenvalues(k, shape, "dct")
    assert lam.shape == shape and lam.dtype == np.float64
    np.testing.assert_allclose(D, np.diag(lam.ravel()), atol=1e-12 * np.abs(k).sum())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, n", [(3, 6), (5, 60), (15, 255), (31, 248), (64, 512)])
def test_zero_rule_finds_exactly_the_zeros_of_box_kernels(dtype, m, n):
    # m x m box on n x n (n a multiple of m): H(u, v) = D(u) D(v) with the
    # Dirichlet kernel D(u) = sin(pi m u / n) / (m sin(pi u / n)), zero at
    # the multiples u != 0 of n/m; the other values are far above the tolerance
    k = np.ones((m, m), dtype) / m**2
    u = np.arange(n)
    zero = (u % (n // m) == 0) & (u != 0)
    expected = zero[:, None] | zero[None, :]
    np.testing.assert_array_equal(zeros_of(psf2otf(k, (n, n))), expected)


def test_zero_rule_is_relative_and_counts_numerical_zeros():
    cross = np.array([[0.0, 1, 0], [1, 1, 1], [0, 1, 0]])
    H = psf2otf(cross, (6, 6))
    assert np.count_nonzero(H == 0) == 2  # the other two zeros come out as 2e-16
    for scale in (1e-300, 1.0, 1e300):
        assert np.count_nonzero(zeros_of(H * scale)) == 4
    u = 2 * np.pi * np.arange(6) / 6
    closed = np.abs(1 + 2 * np.cos(u)[:, None] + 2 * np.cos(u)[None, :])
    assert np.count_nonzero(zeros_of(H, rtol=0.25)) == np.count_nonzero(closed <= 1.25 + 1e-9) == 18


def test_eigenvalues_use_the_shared_memory_guard_and_case_rule():
    from convops._validation import AllocationTooLargeError
    k = np.array([1.0, 2.0, 1.0]) / 4
    np.testing.assert_array_equal(eigenvalues(k, (4,), "DCT"), eigenvalues(k, (4,), "dct"))
    with pytest.raises(AllocationTooLargeError, match=r"spectrum of shape \(100,\) would need .* max_bytes"):
        eigenvalues(k, (100,), max_bytes=1000)                 # 3 * 101 * 16 bytes
    with pytest.raises(ValueError, match="unknown basis 'dst'"):
        eigenvalues(k, (4,), "dst")
