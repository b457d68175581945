"""inverse_impulse_response against the exact 1-D IIR inverse, separable products, the
least-squares inverse of the same support and the regularised frequency response."""

import functools
import math
import re

import numpy as np
import pytest
import scipy.signal as ss

from convops import AllocationTooLargeError, psf2otf
from solvers import iir_inverse, inverse_kernel
from solvers._inverse_response import _sample, inverse_impulse_response

CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)
ZERO_FREE = np.array([[0, 0.2, 0], [0.2, 1, 0.2], [0, 0.2, 0]])  # H >= 0.2 on the torus


def anchor(m, p):
    """Entry j of the support holds lag j - (m + p - 2) // 2 of the inverse."""
    return (m + p - 2) // 2


@pytest.mark.parametrize("h", [
    pytest.param([1.0, -0.5], id="minimum-1"),
    pytest.param([1.0, 0.3, 0.2], id="minimum-2"),
    pytest.param([-0.5, 1.0], id="maximum-1"),
    pytest.param([0.2, -0.9, 1.0], id="maximum-2"),
    pytest.param([1.0, -2.5, 1.0], id="mixed"),
    pytest.param([0.0, 0.4, 1.0, -0.7, 0.1], id="mixed-leading-zero"),
    pytest.param([1.0, 0.5j, -0.3], id="complex"),
])
@pytest.mark.parametrize("p", [1, 6, 13])
def test_1d_equals_the_exact_iir_inverse(h, p):
    c = anchor(len(h), p)
    expected = iir_inverse(h).impulse_response(-c, p - c)
    result = inverse_impulse_response(h, p)
    assert result.solution.shape == (p,)
    assert result.solution.dtype == expected.dtype
    assert result.info["anchor"] == result.info["delay"] == (c,)
    np.testing.assert_allclose(result.solution, expected, rtol=0, atol=1e-12 * np.abs(expected).max(initial=1))


def test_1d_peak_of_f_conv_g_is_at_the_default_delay_and_matches_inverse_kernel():
    h, p = np.array([0.3, 1.0, -0.4]), 12
    result = inverse_impulse_response(h, p)
    ls = inverse_kernel(h, p, method="direct")
    assert result.info["delay"] == ls.info["delay"]
    full = np.convolve(h, result.solution)
    assert np.argmax(np.abs(full)) == result.info["delay"][0]
    np.testing.assert_allclose(result.residual, full - np.eye(1, full.size, result.info["delay"][0])[0], atol=1e-15)
    np.testing.assert_allclose(result.solution, ls.solution, atol=0.02)   # both near the exact inverse


@pytest.mark.parametrize("factors, p", [
    pytest.param(([1.0, 0.4], [0.3, 1.0, 0.2]), (7, 6), id="2d-min-x-mixed"),
    pytest.param(([0.2, 1.0], [1.0, -2.5, 1.0]), (5, 9), id="2d-max-x-mixed"),
    pytest.param(([1.0, 0.3], [0.2, 1.0], [1.0, -0.4, 0.1]), (4, 5, 6), id="3d"),
])
def test_separable_kernel_gives_the_outer_product_of_the_1d_inverses(factors, p):
    factors = [np.array(h) for h in factors]
    c = tuple(anchor(h.size, q) for h, q in zip(factors, p))
    expected = functools.reduce(np.multiply.outer, [iir_inverse(h).impulse_response(-ch, q - ch)
                                                    for h, q, ch in zip(factors, p, c)])
    result = inverse_impulse_response(functools.reduce(np.multiply.outer, factors), p)
    assert result.info["anchor"] == c
    np.testing.assert_allclose(result.solution, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("f, p", [
    pytest.param(ZERO_FREE, 5, id="zero-free-5"),
    pytest.param(ZERO_FREE, 9, id="zero-free-9"),
    pytest.param(ZERO_FREE, (4, 7), id="zero-free-4x7"),
    pytest.param(np.array([[1.0, 0.3], [-0.2, 0.1]]), 6, id="2x2-6"),
    pytest.param(np.array([1.0, -2.5, 1.0]), 10, id="1d-mixed-10"),
    pytest.param(np.array([[0.1, 0.3, 0.0], [0.2, 2.0, -0.4]]), (3, 8), id="2x3-3x8"),
])
def test_least_squares_inverse_never_has_a_larger_error_than_the_truncated_exact_one(f, p):
    truncated = inverse_impulse_response(f, p)
    ls = inverse_kernel(f, p, method="direct")
    assert truncated.info["delay"] == ls.info["delay"]
    r = ss.convolve(f, truncated.solution, mode="full")
    r[truncated.info["delay"]] -= 1
    error = np.linalg.norm(r)
    assert math.isclose(error, truncated.info["error_norm"], rel_tol=1e-12)
    assert math.isclose(truncated.objective, 0.5 * error**2, rel_tol=1e-12)
    assert ls.info["error_norm"] <= error * (1 + 1e-12)
    assert error < 1.0                                   # and the truncation is a useful inverse


@pytest.mark.parametrize("f, sizes", [
    pytest.param(ZERO_FREE, [5, 9, 15], id="zero-free-odd"),
    pytest.param(ZERO_FREE, [(4, 6), (8, 10), (12, 14)], id="zero-free-even"),
    pytest.param(np.array([[1.0, 0.3], [-0.2, 0.1]]), [4, 8, 12], id="2x2"),
])
def test_least_squares_inverse_converges_entry_by_entry_to_the_sampled_exact_one(f, sizes):
    """Same anchor as inverse_kernel's default delay: the entrywise difference falls with the support."""
    gaps = [np.abs(inverse_impulse_response(f, p).solution - inverse_kernel(f, p, method="direct").solution).max()
            for p in sizes]
    assert all(b < 0.5 * a for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[-1] < 3e-3


@pytest.fixture(scope="module")
def cross_reg():
    return inverse_impulse_response(CROSS, 65, reg=1e-2)


def test_regularised_inverse_of_the_cross_matches_quadrature(cross_reg):
    """Samples against the midpoint rule for the integral of conj(H)/(|H|^2 + reg) e^{i w.n}."""
    reg, n, c = 1e-2, 1024, cross_reg.info["anchor"]
    w = 2 * np.pi * np.arange(n) / n
    # the kernel's entry k multiplies e^{-i w.k}: H = e^{-i(w1 + w2)} (1 + 2 cos w1 + 2 cos w2)
    shift = np.exp(-1j * w)
    H = np.outer(shift, shift) * (1 + 2 * np.cos(w)[:, None] + 2 * np.cos(w)[None, :])
    W = np.conj(H) / (np.abs(H) ** 2 + reg)
    for j in [(0, 0), (c[0], c[1]), (c[0] + 3, c[1] - 7), (40, 2)]:
        lag = np.array(j) - c
        sample = np.exp(1j * w * lag[0]) @ W @ np.exp(1j * w * lag[1]) / n**2
        assert abs(cross_reg.solution[j] - sample) <= 1e-12 * np.abs(cross_reg.solution).max()


def test_regularised_inverse_of_the_cross_spectrum_converges_to_conj_h_over_abs_h2_plus_reg(cross_reg):
    reg, n = 1e-2, 128
    H = psf2otf(CROSS, (n, n))
    W = np.conj(H) / (np.abs(H) ** 2 + reg)
    g, c = cross_reg.solution, cross_reg.info["anchor"][0]
    errors = []
    for p in (9, 17, 33, 65):
        start = c - anchor(3, p)               # the support of p inside that of 65, by lag
        crop = g[start: start + p, start: start + p]
        # odd m and p: lag j - c of the kernel's inverse is psf2otf's lag j - p // 2 of the centred one
        errors.append(np.abs(psf2otf(crop, (n, n)) - W).max() / np.abs(W).max())
    assert all(b < 0.95 * a for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 0.4


def test_regularised_inverse_of_a_smaller_support_is_the_crop_of_a_larger_one(cross_reg):
    small = inverse_impulse_response(CROSS, 17, reg=1e-2)
    r = ss.convolve2d(CROSS, small.solution)
    r[small.info["delay"]] -= 1
    np.testing.assert_allclose(small.residual, r, rtol=0, atol=1e-15)
    assert math.isclose(small.objective, 0.5 * np.sum(r**2) + 0.5e-2 * np.sum(small.solution**2), rel_tol=1e-12)
    start = cross_reg.info["anchor"][0] - small.info["anchor"][0]
    np.testing.assert_allclose(small.solution, cross_reg.solution[start: start + 17, start: start + 17],
                               rtol=0, atol=1e-11 * np.abs(cross_reg.solution).max())


def test_cross_without_reg_raises_naming_the_smallest_abs_h_and_suggesting_reg():
    with pytest.raises(ValueError, match=r"H vanishes on the frequency torus: smallest \|H\| found = "
                                         r"[0-9.e+-]+ \(max \|H\| = 5\).*use reg > 0"):
        inverse_impulse_response(CROSS, 5)


def test_zero_exactly_on_the_grid_is_a_zero():
    with pytest.raises(ValueError, match=r"smallest \|H\| found = 0 .*use reg > 0"):
        inverse_impulse_response([[1.0, 1.0]], (1, 4))       # H vanishes at w = (., pi)


def test_slow_decay_is_refused_by_the_memory_limit_suggesting_reg():
    h = [1.0, 1.0 + 1e-4]                      # zero at distance 1e-4 from the circle
    with pytest.raises(AllocationTooLargeError, match=r"decays too slowly \(H nearly vanishes: smallest \|H\| "
                                                      r"found = 0\.0001.*use reg > 0"):
        inverse_impulse_response(h, 8, max_bytes=2**22)
    result = inverse_impulse_response(h, 8, reg=1e-2, max_bytes=2**22)
    assert result.info["reg"] == 1e-2
    with pytest.raises(AllocationTooLargeError, match=r"decays too slowly .*use a larger reg"):
        inverse_impulse_response(CROSS, 5, reg=1e-12, max_bytes=2**22)


@pytest.mark.parametrize("f, p, reg", [
    pytest.param(ZERO_FREE, 9, 0.0, id="zero-free"),
    pytest.param(np.array([1.0, -1.9, 0.95]), 11, 0.0, id="1d-poles-near-circle"),
    pytest.param(CROSS, 7, 0.5, id="cross-reg"),
])
def test_doubling_answer_agrees_with_a_grid_four_times_larger(f, p, reg):
    tol = 1e-12
    result = inverse_impulse_response(f, p, reg=reg, tol=tol)
    size = result.solution.shape
    assert result.info["change"] <= tol
    finer = tuple(4 * n for n in result.info["grid"])
    reference = _sample(f.astype(float), size, result.info["anchor"], finer, reg)[0]
    np.testing.assert_allclose(result.solution, reference, rtol=0, atol=tol * np.abs(reference).max())


def test_float32_kernel_gives_float32_samples():
    result = inverse_impulse_response(ZERO_FREE.astype(np.float32), 5)
    assert result.solution.dtype == np.float32
    assert result.iterations == 0 and result.converged and len(result.history) == 0


@pytest.mark.parametrize("kwargs, error, message", [
    pytest.param(dict(kernel=ZERO_FREE, shape=(5, 5, 5)), ValueError, r"shape \(5, 5, 5\) has 3 entries", id="ndim"),
    pytest.param(dict(kernel=ZERO_FREE, shape=(5, 0)), ValueError, r"shape entries must be >= 1, got 0", id="zero"),
    pytest.param(dict(kernel=ZERO_FREE, shape=5.0), TypeError, r"shape must be an int", id="float-shape"),
    pytest.param(dict(kernel=ZERO_FREE, shape=5, reg=-1e-3), ValueError, r"reg must be a finite number >= 0, "
                 r"got -0.001", id="negative-reg"),
    pytest.param(dict(kernel=ZERO_FREE, shape=5, reg=np.nan), ValueError, r"reg must be a finite", id="nan-reg"),
    pytest.param(dict(kernel=ZERO_FREE, shape=5, tol=0.0), ValueError, r"tol must be a finite number > 0", id="tol"),
    pytest.param(dict(kernel=[[1.0, np.inf]], shape=5), ValueError, r"kernel contains 1 non-finite", id="inf"),
    pytest.param(dict(kernel=np.zeros((2, 2)), shape=5), ValueError, r"kernel is all zeros", id="all-zero"),
    pytest.param(dict(kernel=ZERO_FREE, shape=(10**6, 10**6)), AllocationTooLargeError,
                 r"for a support of shape \(1000000, 1000000\) would need about .* use a smaller shape", id="huge"),
    pytest.param(dict(kernel=ZERO_FREE, shape=5, max_bytes=-1), ValueError, r"max_bytes must be a positive",
                 id="max-bytes"),
])
def test_bad_input_is_refused_with_a_clear_error(kwargs, error, message):
    with pytest.raises(error, match=message):
        inverse_impulse_response(**kwargs)


@pytest.mark.parametrize("f", [
    pytest.param([1.0, -2 * np.cos(1.0), 1.0], id="1d-simple-zeros-at-irrational-angles"),
    pytest.param(np.array([-np.exp(-1j), 2.0, -np.exp(1j)]), id="1d-double-zero"),
    pytest.param(np.outer([1.0, -np.exp(0.7j)], [1.0, 0.3]), id="2d-zero-line"),
])
def test_zero_between_grid_points_is_found(f):
    """No power-of-two grid holds these zeros of H; the refinement finds them."""
    with pytest.raises(ValueError, match=r"H vanishes on the frequency torus: .*use reg > 0") as caught:
        inverse_impulse_response(f, 6)
    assert float(re.search(r"smallest \|H\| found = (\S+) ", str(caught.value)).group(1)) < 1e-13


@pytest.mark.parametrize("scale, reg", [(1e150, 0.0), (1e150, 0.1), (1e-150, 0.0), (1e-150, 0.1), (2.0**-1000, 0.0)],
                         ids=["huge", "huge-reg", "tiny", "tiny-reg", "near-underflow"])
def test_scaling_the_kernel_scales_the_inverse(scale, reg):
    """g(s f, s^2 reg) = g(f, reg) / s, though |H|^2 leaves the float range."""
    reference = inverse_impulse_response(ZERO_FREE, 5, reg=reg).solution
    scaled = inverse_impulse_response(ZERO_FREE * scale, 5, reg=reg * scale**2)
    np.testing.assert_allclose(scaled.solution * scale, reference, rtol=1e-12, atol=1e-12 * np.abs(reference).max())
    assert math.isfinite(scaled.objective) and scaled.info["min_abs_H"] == pytest.approx(0.2 * scale, rel=1e-12)


def test_an_inverse_beyond_the_float_range_is_refused():
    with pytest.raises(ValueError, match=r"the inverse overflows.*use a larger reg"):
        inverse_impulse_response(ZERO_FREE * 1e-310, 5)
