"""The studies' image-quality measures: scikit-image's, on the 0..255 scale, against closed forms."""

import numpy as np
import pytest

from experiments._metrics import PEAK, error_metrics, mse, psnr, ssim


def test_against_closed_forms():
    reference = np.random.default_rng(0).random((32, 40)) * PEAK
    shifted = reference + 2.0                               # mse 4 exactly
    assert mse(shifted, reference) == pytest.approx(4.0)
    assert psnr(shifted, reference) == pytest.approx(10 * np.log10(PEAK**2 / 4.0))
    assert psnr(shifted / PEAK, reference / PEAK, peak=1.0) == pytest.approx(psnr(shifted, reference))
    assert ssim(reference, reference) == pytest.approx(1.0)
    assert ssim(reference[::-1], reference) < 0.2            # unrelated structure
    assert set(error_metrics(shifted, reference)) == {"mse", "psnr", "ssim"}
    assert mse(np.full(7, 3.0), 0.0) == pytest.approx(9.0)   # an error against zero
