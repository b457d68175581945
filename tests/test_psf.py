"""PSF generators against closed forms, scipy.ndimage and scikit-image."""

import math

import numpy as np
import pytest
import scipy.ndimage as ndi

from convops import AllocationTooLargeError, box_psf, disk_psf, gaussian_psf, motion_psf
from convops._psf import _disk_areas


def _gauss1d(sigma, n):
    x = np.arange(n) - (n - 1) / 2
    g = np.exp(-0.5 * (x / sigma) ** 2)
    return g / g.sum()


def _moments(h):
    r = np.arange(h.shape[0]) - (h.shape[0] - 1) / 2
    c = np.arange(h.shape[1]) - (h.shape[1] - 1) / 2
    R, C = np.meshgrid(r, c, indexing="ij")
    mr, mc = (h * R).sum(), (h * C).sum()
    return mr, mc, np.array([[(h * (R - mr) ** 2).sum(), (h * (R - mr) * (C - mc)).sum()],
                             [(h * (R - mr) * (C - mc)).sum(), (h * (C - mc) ** 2).sum()]])


# --- Gaussian -------------------------------------------------------------------------------

@pytest.mark.parametrize("sigma", [0.7, 1.0, 2.3])
def test_gaussian_isotropic_is_outer_product_and_ndimage_filter_of_impulse(sigma):
    h = gaussian_psf(sigma)
    radius = int(4 * sigma + 0.5)
    assert h.shape == (2 * radius + 1,) * 2 and h.dtype == np.float64
    g = _gauss1d(sigma, h.shape[0])
    np.testing.assert_allclose(h, np.outer(g, g), rtol=1e-12, atol=1e-16)
    impulse = np.zeros((2 * h.shape[0] + 1,) * 2)
    impulse[h.shape[0], h.shape[0]] = 1.0
    ref = ndi.gaussian_filter(impulse, sigma, mode="constant", truncate=4.0)
    crop = ref[h.shape[0] - radius: h.shape[0] + radius + 1, h.shape[0] - radius: h.shape[0] + radius + 1]
    np.testing.assert_allclose(h, crop, rtol=1e-10, atol=1e-15)
    assert math.isclose(h.sum(), 1.0, rel_tol=1e-14)


def test_gaussian_given_shape_even_is_symmetric_and_normalised():
    h = gaussian_psf((1.0, 2.0), shape=(6, 7))
    assert h.shape == (6, 7) and math.isclose(h.sum(), 1.0, rel_tol=1e-14)
    np.testing.assert_allclose(h, h[::-1, ::-1], rtol=1e-14)
    np.testing.assert_allclose(h, np.outer(_gauss1d(1.0, 6), _gauss1d(2.0, 7)), rtol=1e-12)


def test_gaussian_rotation_by_90_degrees_swaps_axes():
    h0 = gaussian_psf((1.2, 3.1))
    h90 = gaussian_psf((1.2, 3.1), angle=90)
    np.testing.assert_allclose(h90, h0.T, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(gaussian_psf((3.1, 1.2)), h0.T, rtol=1e-12, atol=1e-18)


@pytest.mark.parametrize("angle", [30.0, 60.0, -20.0, 135.0])
def test_gaussian_rotated_second_moments_match_rotated_covariance(angle):
    sr, sc = 2.0, 4.0
    h = gaussian_psf((sr, sc), angle=angle, shape=61)
    t = math.radians(angle)
    # directions in (row, col): rotated row axis (cos t, sin t), column axis (-sin t, cos t)
    ur, uc = np.array([math.cos(t), math.sin(t)]), np.array([-math.sin(t), math.cos(t)])
    cov = sr**2 * np.outer(ur, ur) + sc**2 * np.outer(uc, uc)
    mr, mc, m2 = _moments(h)
    assert abs(mr) < 1e-12 and abs(mc) < 1e-12
    np.testing.assert_allclose(m2, cov, atol=1e-6)


def test_gaussian_counter_clockwise_as_displayed():
    # long axis (columns) turned by 45 degrees counter-clockwise points up-right: (row -1, col +1)
    h = gaussian_psf((0.5, 3.0), angle=45, shape=9)
    assert h[3, 5] > 10 * h[5, 5 - 0] and h[3, 5] > 10 * h[3, 3]


# --- motion ---------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [1, 3, 5, 9])
def test_motion_odd_integer_length_is_box_and_90_is_transpose(length):
    h = motion_psf(length)
    np.testing.assert_array_equal(h, np.full((1, length), 1.0 / length))
    np.testing.assert_array_equal(motion_psf(length, 90), h.T)
    np.testing.assert_array_equal(motion_psf(length, 180), h)


@pytest.mark.parametrize("length", [2, 4, 8])
def test_motion_even_length_default_and_box_shape(length):
    h = motion_psf(length)
    ref = np.full(length + 1, 1.0 / length)
    ref[[0, -1]] /= 2
    np.testing.assert_allclose(h, ref[None, :], rtol=1e-15)
    np.testing.assert_allclose(motion_psf(length, shape=(1, length)), box_psf((1, length)), rtol=1e-15)


@pytest.mark.parametrize("length,angle", [(0, 0.0), (0, 33.0), (1, 0.0), (1, 45.0), (1, 77.0), (0.6, 10.0)])
def test_motion_short_is_identity(length, angle):
    np.testing.assert_array_equal(motion_psf(length, angle), [[1.0]])


@pytest.mark.parametrize("length,angle", [(7.0, 30.0), (10.0, 45.0), (5.5, 100.0), (12.3, -63.0), (6.0, 200.0)])
def test_motion_centroid_sum_and_length_against_supersampled_line(length, angle):
    h = motion_psf(length, angle)
    assert math.isclose(h.sum(), 1.0, rel_tol=1e-14) and h.min() >= 0
    mr, mc, m2 = _moments(h)
    assert abs(mr) < 1e-12 and abs(mc) < 1e-12
    # independent reference: many points evenly spread along the segment, binned by pixel
    t = math.radians(angle)
    u = np.array([-math.sin(t), math.cos(t)])
    s = (np.arange(100_000) + 0.5) / 100_000 - 0.5
    pts = s[:, None] * length * u + (np.array(h.shape) - 1) / 2
    idx = np.floor(pts + 0.5).astype(int)
    ref = np.zeros(h.shape)
    np.add.at(ref, (idx[:, 0], idx[:, 1]), 1.0 / s.size)
    np.testing.assert_allclose(h, ref, atol=4e-5)
    # the variance along the direction is that of a uniform segment, L^2 / 12, plus pixel rounding
    assert abs(u @ m2 @ u - length**2 / 12) < 0.25


def test_motion_direction_counter_clockwise_as_displayed():
    h = motion_psf(5, 45)
    assert h[0, -1] > 0 and h[-1, 0] > 0 and h[0, 0] == 0 and h[-1, -1] == 0


def test_motion_on_pixel_edge_splits_half():
    h = motion_psf(3, shape=(2, 3))       # the row centre lies on the edge between the two rows
    np.testing.assert_allclose(h, np.full((2, 3), 1 / 6), rtol=1e-15)


# --- disk -----------------------------------------------------------------------------------

@pytest.mark.parametrize("radius", [0.8, 2.5, 7.3, 20.0])
def test_disk_area_is_pi_r_squared_and_matches_supersampling(radius):
    h = disk_psf(radius)
    areas = _disk_areas(radius, h.shape)
    assert math.isclose(areas.sum(), math.pi * radius**2, rel_tol=1e-12)
    np.testing.assert_allclose(h, areas / areas.sum(), rtol=1e-14)
    # independent: supersample each pixel on a 64 x 64 grid of points
    n = 64
    sub = (np.arange(n) + 0.5) / n - 0.5
    x = (np.arange(h.shape[0]) - (h.shape[0] - 1) / 2)[:, None] + sub[None, :]
    inside = (x.ravel()[:, None] ** 2 + x.ravel()[None, :] ** 2) <= radius**2
    ref = inside.reshape(h.shape[0], n, h.shape[1], n).mean(axis=(1, 3))
    np.testing.assert_allclose(areas, ref, atol=3.0 / n)


def test_disk_support_against_skimage_at_large_radius():
    skm = pytest.importorskip("skimage.morphology")
    radius = 25
    h = disk_psf(radius)
    ref = skm.disk(radius).astype(bool)
    assert ref.shape == h.shape
    area = h * math.pi * radius**2
    full = area > 1 - 1e-9
    assert np.all(ref[full])                        # pixels fully inside have their centre inside
    assert np.all(area[ref] > 0)                    # skimage's pixels all meet the disk
    assert (ref & ~full).sum() < 2 * math.pi * radius  # they differ on the rim only


@pytest.mark.parametrize("radius", [1.0, 3.7, 6.0])
def test_disk_symmetric_under_flips_and_transpose(radius):
    h = disk_psf(radius)
    for other in (h[::-1], h[:, ::-1], h.T):
        np.testing.assert_allclose(other, h, rtol=1e-13, atol=1e-17)
    h = disk_psf(radius, shape=(2 * math.ceil(radius) + 2,) * 2)
    np.testing.assert_allclose(h[::-1, ::-1], h, rtol=1e-13, atol=1e-17)


def test_disk_small_radius_is_identity():
    np.testing.assert_array_equal(disk_psf(0), [[1.0]])
    np.testing.assert_array_equal(disk_psf(0.5), [[1.0]])
    np.testing.assert_array_equal(disk_psf(0, shape=2), np.full((2, 2), 0.25))


# --- box and errors -------------------------------------------------------------------------

def test_box():
    np.testing.assert_array_equal(box_psf((2, 4)), np.full((2, 4), 0.125))
    assert box_psf(3).shape == (3, 3)


@pytest.mark.parametrize("call,error,match", [
    (lambda: gaussian_psf(-1.0), ValueError, "sigma"),
    (lambda: gaussian_psf(0.0), ValueError, "sigma"),
    (lambda: gaussian_psf(float("nan")), ValueError, "sigma"),
    (lambda: gaussian_psf((1.0, 2.0, 3.0)), ValueError, "sigma"),
    (lambda: gaussian_psf("1"), TypeError, "sigma"),
    (lambda: gaussian_psf(1.0, angle=float("inf")), ValueError, "angle"),
    (lambda: gaussian_psf(1e6), AllocationTooLargeError, "Gaussian PSF"),
    (lambda: gaussian_psf(1e300), ValueError, "sigma"),
    (lambda: gaussian_psf(1.0, shape=(0, 3)), ValueError, "shape"),
    (lambda: gaussian_psf(1.0, shape=(3.0, 3)), TypeError, "shape"),
    (lambda: gaussian_psf(1.0, shape=(3, 3, 3)), ValueError, "shape"),
    (lambda: motion_psf(-2), ValueError, "length"),
    (lambda: motion_psf(float("inf")), ValueError, "length"),
    (lambda: motion_psf(5, shape=(1, 4)), ValueError, "too small"),
    (lambda: motion_psf(3e9), AllocationTooLargeError, "motion PSF"),
    (lambda: motion_psf(5, "left"), TypeError, "angle"),
    (lambda: disk_psf(-0.1), ValueError, "radius"),
    (lambda: disk_psf(3, shape=5), ValueError, "too small"),
    (lambda: disk_psf(1e6), AllocationTooLargeError, "disk PSF"),
    (lambda: box_psf((10**6, 10**6)), AllocationTooLargeError, "box PSF"),
    (lambda: box_psf(-1), ValueError, "shape"),
    (lambda: box_psf(None), TypeError, "shape"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
