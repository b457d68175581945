"""estimate_noise against known noise levels on smooth and natural images."""

import numpy as np
import pytest
from skimage import color, data

from solvers import estimate_noise


def _smooth(n=256):
    t = np.linspace(0.0, 1.0, n)
    return 0.5 + 0.25 * np.add.outer(np.sin(3 * t), np.cos(5 * t)) + 0.1 * np.outer(t, t)


IMAGES = {
    "smooth": (_smooth(), {0.01: 0.03, 0.03: 0.03, 0.1: 0.03}),
    "camera": (data.camera() / 255.0, {0.03: 0.2, 0.1: 0.05}),
    "astronaut": (color.rgb2gray(data.astronaut()), {0.03: 0.1, 0.1: 0.05}),
}


@pytest.mark.parametrize("name", IMAGES)
def test_known_sigma_is_found(name):
    image, tolerances = IMAGES[name]
    rng = np.random.default_rng(1)
    for sigma, rtol in tolerances.items():
        estimates = [estimate_noise(image + sigma * rng.standard_normal(image.shape)) for _ in range(3)]
        assert np.median(estimates) == pytest.approx(sigma, rel=rtol), (name, sigma, estimates)


def test_estimate_only_errs_upwards_on_texture_and_grows_with_sigma():
    image = data.camera() / 255.0
    rng = np.random.default_rng(2)
    estimates = [estimate_noise(image + s * rng.standard_normal(image.shape)) for s in (0.01, 0.03, 0.1)]
    assert all(e > s for e, s in zip(estimates, (0.01, 0.03, 0.1)))
    assert estimates == sorted(estimates)


def test_images_the_mask_removes_have_no_noise():
    r, c = np.mgrid[0:40, 0:50].astype(float)
    for image in (3 * r - 2 * c + 7, r**2 + np.sin(c), np.outer(np.arange(40.0), np.ones(50))):
        assert estimate_noise(image) == pytest.approx(0.0, abs=1e-9)


def test_one_and_three_dimensions_and_scale_equivariance():
    rng = np.random.default_rng(3)
    signal = np.linspace(0, 5, 20_000) + 0.2 * rng.standard_normal(20_000)
    assert estimate_noise(signal) == pytest.approx(0.2, rel=0.03)
    volume = 0.5 * rng.standard_normal((30, 30, 30))
    assert estimate_noise(volume) == pytest.approx(0.5, rel=0.05)
    image = rng.standard_normal((64, 64))
    for scale in (1e-200, 1e200):
        assert estimate_noise(scale * image) == pytest.approx(scale * estimate_noise(image), rel=1e-12)
    assert estimate_noise(image.astype(np.float32)) == pytest.approx(estimate_noise(image), rel=1e-5)


@pytest.mark.parametrize("bad, error, words", [
    (np.ones((2, 10)), ValueError, "at least 3"),
    (np.float64(1.0), ValueError, "at least 3"),
    (np.full((5, 5), np.nan), ValueError, "non-finite"),
    (np.ones((5, 5)) + 1j, TypeError, "real"),
    ([["a"] * 5] * 5, TypeError, "image"),
])
def test_bad_input_is_named(bad, error, words):
    with pytest.raises(error, match=words):
        estimate_noise(bad)
