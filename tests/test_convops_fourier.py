"""psf2otf against MATLAB's construction and the circulant matrix."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from convops import convolution_matrix, psf2otf


def matlab_psf2otf(psf, shape):
    """MATLAB's recipe: zero-pad, circshift the centre to (0, 0), fft2."""
    padded = np.zeros(shape, dtype=complex)
    padded[: psf.shape[0], : psf.shape[1]] = psf
    padded = np.roll(padded, (-(psf.shape[0] // 2), -(psf.shape[1] // 2)), axis=(0, 1))
    return np.fft.fft2(padded)


@pytest.mark.parametrize("kshape", [(3, 3), (4, 4), (1, 31), (5, 2), (8, 8)], ids=str)
def test_psf2otf_matches_matlab_recipe(kshape):
    rng = np.random.default_rng(0)
    kernel = rng.standard_normal(kshape)
    np.testing.assert_allclose(psf2otf(kernel, (8, 32)), matlab_psf2otf(kernel, (8, 32)), atol=1e-12)


@pytest.mark.parametrize("kshape", [(3, 3), (4, 6), (9, 11)], ids=str)
def test_psf2otf_diagonalises_wrap_convolution(kshape):
    rng = np.random.default_rng(1)
    kernel, image = rng.standard_normal(kshape), rng.standard_normal((6, 7))
    H = psf2otf(kernel, image.shape)  # (9, 11) is larger than the image: folded
    blurred = ndi.convolve(image, kernel, mode="wrap")
    np.testing.assert_allclose(np.fft.fft2(blurred), H * np.fft.fft2(image), atol=1e-10)
    A = convolution_matrix(kernel, image.shape, boundary="circular", output="same")
    np.testing.assert_allclose(A @ image.ravel(), np.fft.ifft2(H * np.fft.fft2(image)).real.ravel(), atol=1e-12)


def test_psf2otf_real_half_spectrum_and_dtypes():
    rng = np.random.default_rng(2)
    kernel = rng.standard_normal((3, 4))
    full = psf2otf(kernel, (10, 9))
    half = psf2otf(kernel, (10, 9), real=True)
    assert half.shape == (10, 5)
    np.testing.assert_allclose(half, full[:, :5], atol=1e-12)
    assert psf2otf(kernel.astype(np.float32), (10, 9)).dtype == np.complex64
    assert psf2otf(np.ones((2, 2), dtype=int), (4, 4)).dtype == np.complex128
    np.testing.assert_allclose(psf2otf([1.0, 2.0, 3.0], 5), np.fft.fft([2.0, 3.0, 0, 0, 1.0]), atol=1e-12)
