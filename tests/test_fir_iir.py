"""FIR and IIR inverses of 1-D kernels: closed forms, optimality, references."""

import time

import numpy as np
import pytest
import scipy.linalg as sla
from hypothesis import given
from hypothesis import strategies as st

from solvers import fir_inverse, iir_inverse

MIXED = np.real(np.poly([0.5, -0.4, 0.3 + 0.5j, 0.3 - 0.5j, -2.0, 1.6]))   # 4 inside, 2 outside
MIN_PHASE = np.real(np.poly([0.8, 0.5 * np.exp(1j), 0.5 * np.exp(-1j), -0.3]))


def spike(n, d):
    e = np.zeros(n)
    e[d] = 1.0
    return e


def lstsq_inverse(h, length, d, reg=0.0):
    """Independent reference: dense least squares on scipy's convolution matrix."""
    a = sla.convolution_matrix(np.asarray(h, dtype=complex if np.iscomplexobj(h) else float),
                               length, mode="full")
    b = spike(a.shape[0], d)
    if reg:
        a = np.vstack([a, np.sqrt(reg) * np.eye(length)])
        b = np.concatenate([b, np.zeros(length)])
    return np.linalg.lstsq(a, b, rcond=None)[0]


# -- the exact IIR inverse ----------------------------------------------------------
@pytest.mark.parametrize("a", [0.5, -0.8, 0.3 + 0.6j], ids=["a=0.5", "a=-0.8", "complex"])
def test_first_order_inverse_is_geometric(a):
    inv = iir_inverse([1.0, -a])
    n = np.arange(40)
    np.testing.assert_allclose(inv.impulse_response(0, 40), a**n, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(inv.impulse_response(-6, 0), 0.0)   # causal
    assert inv.phase == "minimum"
    for length in (1, 5, 17):
        res = fir_inverse([1.0, -a], length, method="truncated")
        np.testing.assert_allclose(res.solution, a ** np.arange(length), rtol=1e-13)
        # h * g - delta = -a^L at index L: the error of truncation is |a|^L
        assert res.info["error_norm"] == pytest.approx(abs(a) ** length, rel=1e-10)


def test_maximum_phase_inverse_is_anticausal():
    a = 0.6
    inv = iir_inverse([-a, 1.0])          # zero at 1/a, outside
    assert inv.phase == "maximum"
    g = inv.impulse_response(-30, 5)
    n = np.arange(-30, 5)
    expected = np.where(n <= -1, a ** (-n - 1.0), 0.0)   # 1/H = z / (1 - a z)
    np.testing.assert_allclose(g, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("a, b", [(0.5, -2.0), (-0.9, 1.1), (0.4j, 3.0)])
def test_two_sided_inverse_closed_form(a, b):
    # 1/((1 - a/z)(1 - b/z)) with |a| < 1 < |b|, by partial fractions:
    # g[n] = a^(n+1)/(a-b) for n >= 0 and b^(n+1)/(a-b) for n < 0
    n = np.arange(-40, 40)
    expected = np.where(n >= 0, a ** (n + 1.0), b ** (n + 1.0)) / (a - b)
    g = iir_inverse(np.poly([a, b])).impulse_response(-40, 40)
    np.testing.assert_allclose(g, expected, rtol=1e-11, atol=1e-15)


def test_truncated_keeps_the_delayed_window_of_the_iir_inverse():
    # maximum phase [-a, 1]: g_IIR[k] = a^(-k-1) for k <= -1, so the window
    # g[n] = g_IIR[n - d] is a^(d-n-1) for n < d and 0 from n = d on
    a, length = 0.6, 9
    for d in (0, 3, 9):
        res = fir_inverse([-a, 1.0], length, delay=d, method="truncated")
        n = np.arange(length)
        np.testing.assert_allclose(res.solution, np.where(n < d, a ** (d - n - 1.0), 0.0),
                                   rtol=1e-12, atol=1e-15)


def test_leading_zeros_are_a_delay_and_trailing_zeros_change_nothing():
    inv = iir_inverse([0.0, 0.0, 1.0, -0.5, 0.0])
    assert inv.delay == 2 and inv.gain == 1.0
    n = np.arange(-4, 10)
    np.testing.assert_allclose(inv.impulse_response(-4, 10),
                               np.where(n >= -2, 0.5 ** (n + 2.0), 0.0), rtol=1e-13)


def test_mixed_phase_inverse_recovers_a_signal():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(400)
    inv = iir_inverse(MIXED)
    assert inv.phase == "mixed" and inv.inner_zeros.size == 4 and inv.outer_zeros.size == 2
    # the full convolution is a finite signal: the two-sided inverse returns s exactly
    y = inv.apply(np.convolve(MIXED, s))
    np.testing.assert_allclose(y[:400], s, atol=1e-10)
    np.testing.assert_allclose(y[400:], 0.0, atol=1e-10)
    # from a window of h * s only the middle is recovered; the ends are not
    m = MIXED.size
    z = inv.apply(np.convolve(MIXED, s, mode="valid"))       # z[n] ~ s[n + m - 1]
    err = np.abs(z - s[m - 1:])
    assert err[80:-80].max() < 1e-8          # decay 0.63^80 ~ 1e-16 times the gain
    assert err[:5].max() > 1e-3 and err[-5:].max() > 1e-3


def test_impulse_response_convolved_with_h_is_a_spike():
    g = iir_inverse(MIXED).impulse_response(-200, 200)
    c = np.convolve(MIXED, g)                # index k <-> n = k - 200
    np.testing.assert_allclose(c[100:300], spike(c.size, 200)[100:300], atol=1e-12)


@pytest.mark.parametrize("h", [[1.0, 1.0], [1.0, 2.0, 1.0], [1.0, 3.0, 3.0, 1.0],
                               [1.0, 4.0, 6.0, 4.0, 1.0], [1.0, -1j], [1.0, -0.9999995]],
                         ids=["[1,1]", "double", "triple", "fourfold", "z=i", "near"])
def test_zero_on_the_unit_circle_has_no_stable_inverse(h):
    with pytest.raises(ValueError, match=r"no stable inverse.*zero at z = .* at distance .* unit circle"):
        iir_inverse(h)


def test_unit_circle_tolerance_is_honoured():
    with pytest.raises(ValueError, match="distance 5e-07"):
        iir_inverse([1.0, -0.9999995])
    inv = iir_inverse([1.0, -0.9999995], tol=1e-7)
    assert inv.inner_zeros[0] == pytest.approx(0.9999995)
    with pytest.raises(ValueError, match="distance 1e-06"):
        iir_inverse([1.0, -1.000001], tol=2e-6)


def test_iir_dtypes():
    assert iir_inverse(np.array([1, -2], dtype=np.int64)).impulse_response(0, 3).dtype == np.float64
    inv32 = iir_inverse(np.array([1.0, -0.5], dtype=np.float32))
    assert inv32.impulse_response(0, 3).dtype == np.float32
    assert inv32.apply(np.ones(4, np.float32)).dtype == np.float32
    assert inv32.apply(np.ones(4, np.complex128)).dtype == np.complex128
    assert iir_inverse([1.0, 0.5j]).impulse_response(0, 3).dtype == np.complex128


def _real_polynomial(radii, angles):
    """Real coefficients from zeros r e^{+-i theta} (real zeros for theta in {0, pi})."""
    zeros = []
    for r, t in zip(radii, angles):
        zeros += [r * np.exp(1j * t), r * np.exp(-1j * t)] if 0 < t < np.pi else [r * np.cos(t)]
    return np.real(np.poly(zeros))


@given(st.lists(st.tuples(st.floats(0.0, 0.9), st.sampled_from([0.0, 0.7, 1.9, np.pi])),
                min_size=1, max_size=3),
       st.floats(-3, 3).filter(lambda c: abs(c) > 0.1))
def test_minimum_phase_inverse_inverts(zeros, gain):
    h = gain * _real_polynomial(*zip(*zeros))
    inv = iir_inverse(h)
    assert inv.phase == "minimum"
    y = inv.apply(np.concatenate([h, np.zeros(60)]))        # g * h on 0..m+59
    scale = np.abs(inv.impulse_response(0, 400)).max() * np.abs(h).sum()
    np.testing.assert_allclose(y, spike(y.size, 0), atol=1e-12 * scale)


@given(st.lists(st.tuples(st.floats(0.1, 0.8) | st.floats(1.25, 4.0), st.floats(-3.1, 3.1)),
                min_size=1, max_size=4))
def test_complex_mixed_phase_inverse_inverts(zeros):
    h = np.poly([r * np.exp(1j * t) for r, t in zeros])
    g = iir_inverse(h).impulse_response(-150, 150)
    c = np.convolve(h, g)
    scale = np.abs(g).max() * np.abs(h).sum()
    np.testing.assert_allclose(c[50:250], spike(c.size, 150)[50:250], atol=1e-12 * scale)


# -- least squares -------------------------------------------------------------------
@pytest.mark.parametrize("h", [MIXED, MIN_PHASE, [0.5, 1.0], [1.0, 2.0, 1.0]],
                         ids=["mixed", "min-phase", "max-phase", "[1,2,1]"])
def test_ls_matches_dense_lstsq(h):
    for length in (1, 4, 9):
        for d in sorted({0, (len(h) + length - 2) // 2, len(h) + length - 2}):
            res = fir_inverse(h, length, delay=d)
            np.testing.assert_allclose(res.solution, lstsq_inverse(h, length, d),
                                       rtol=1e-9, atol=1e-11)
            np.testing.assert_allclose(res.residual, np.convolve(h, res.solution)
                                       - spike(len(h) + length - 1, d), atol=1e-14)


def test_ls_complex_and_regularised_match_dense_lstsq():
    rng = np.random.default_rng(1)
    h = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    for reg in (0.0, 0.3):
        res = fir_inverse(h, 7, delay=4, reg=reg)
        np.testing.assert_allclose(res.solution, lstsq_inverse(h, 7, 4, reg), rtol=1e-10)
        g = res.solution
        assert res.objective == pytest.approx(0.5 * res.info["error_norm"] ** 2
                                              + 0.5 * reg * np.vdot(g, g).real, rel=1e-12)
        # optimality: the gradient A^H r + reg g vanishes
        assert res.history.gradient_norm[-1] < 1e-12


@pytest.mark.parametrize("h", [MIXED, MIN_PHASE, [-0.7, 1.0]], ids=["mixed", "min", "max"])
def test_ls_is_never_worse_than_truncation(h):
    for length in range(1, 13):
        for d in range(len(h) + length - 1):
            ls = fir_inverse(h, length, delay=d).info["error_norm"]
            cut = fir_inverse(h, length, delay=d, method="truncated").info["error_norm"]
            assert ls <= cut * (1 + 1e-10) + 1e-15, (length, d)


@pytest.mark.parametrize("a", [0.5, -0.9])
def test_first_order_ls_error_closed_form(a):
    # range(A) has the one-dimensional complement v[n] = a^(L - n), so
    # ||h * g - delta_d|| = |v[d]| / ||v|| = |a|^(L-d) sqrt((1 - a^2) / (1 - a^(2L+2)))
    for length in (1, 3, 10, 25):
        norm_v = np.sqrt((1 - a ** (2 * length + 2)) / (1 - a**2))
        for d in (0, length // 2, length):
            err = fir_inverse([1.0, -a], length, delay=d).info["error_norm"]
            assert err == pytest.approx(abs(a) ** (length - d) / norm_v, rel=1e-9)


def test_unit_circle_zero_slows_ls_to_inverse_square_root():
    # same argument with a = -1: the error is exactly 1/sqrt(L + 1)
    errors = {L: fir_inverse([1.0, 1.0], L).info["error_norm"] for L in (8, 16, 32, 64, 128)}
    for L, e in errors.items():
        assert e == pytest.approx(1 / np.sqrt(L + 1), rel=1e-9)
    ratio = errors[128] / errors[64]
    assert abs(ratio - 1 / np.sqrt(2)) < 5e-3          # not r^L: no geometric decay
    # the frequency error never falls: H(pi) = 0 so |H G - 1| = 1 there
    assert fir_inverse([1.0, 1.0], 64).info["max_frequency_error"] == pytest.approx(1.0)


def test_minimum_phase_ls_error_falls_at_the_largest_zero_radius():
    # error ~ C r^L with r = 0.8 the largest zero radius; the other zeros
    # (radius <= 0.5) perturb the slope by O((0.5/0.8)^10) over L = 10..40,
    # measured 1e-4, so a 2% tolerance leaves a wide margin while a wrong
    # rate (0.5, or a sub-geometric decay) is far outside it.
    lengths = np.arange(10, 41, 2)
    errors = [fir_inverse(MIN_PHASE, int(L)).info["error_norm"] for L in lengths]
    slope = np.polyfit(lengths, np.log(errors), 1)[0]
    assert slope == pytest.approx(np.log(0.8), rel=0.02)


def test_maximum_phase_kernel_needs_delay():
    h, length = [0.5, 1.0], 12        # zero at -2: the inverse is anti-causal
    at_zero = fir_inverse(h, length, delay=0)
    best = fir_inverse(h, length, delay="optimal")
    assert best.info["delay"] == length                 # as late as the grid allows
    gain = at_zero.info["error_norm"] / best.info["error_norm"]
    assert gain > 1e3
    assert gain == pytest.approx(2.0**length, rel=1e-8)   # v[n] = (-1/2)^n: |v[0]/v[L]|


def test_optimal_delay_scans_every_delay():
    length = 10
    res = fir_inverse(MIXED, length, delay="optimal")
    errors = res.info["errors_by_delay"]
    assert errors.shape == (len(MIXED) + length - 1,)
    direct = [fir_inverse(MIXED, length, delay=d).info["error_norm"] for d in range(errors.size)]
    np.testing.assert_allclose(errors, direct, rtol=1e-8, atol=1e-14)
    assert res.info["delay"] == int(np.argmin(direct))
    assert res.info["error_norm"] == pytest.approx(min(direct), rel=1e-8)
    # the mixed kernel's best delay is inside the grid, beating both ends
    assert 0 < res.info["delay"] < errors.size - 1
    # other methods use the same (least-squares) delay
    assert fir_inverse(MIXED, length, delay="optimal", method="truncated").info["delay"] \
        == res.info["delay"]


def test_optimal_delay_with_regularisation_matches_per_delay_solves():
    res = fir_inverse(MIXED, 6, delay="optimal", reg=0.05)
    direct = [fir_inverse(MIXED, 6, delay=d, reg=0.05).info["error_norm"]
              for d in range(len(MIXED) + 5)]
    np.testing.assert_allclose(res.info["errors_by_delay"], direct, rtol=1e-9)


def test_centre_delay():
    assert fir_inverse(MIXED, 8, delay="centre").info["delay"] == (len(MIXED) + 8 - 2) // 2
    assert fir_inverse(MIXED, 7, delay="center").info["delay"] == (len(MIXED) + 7 - 2) // 2


# -- frequency sampling and the frequency error -------------------------------------------
def test_frequency_method_is_exact_for_circular_convolution():
    for h, length, d in ((MIXED, 12, 5), (MIXED, 4, 9), ([1.0, 0.5j, -0.2], 6, 1)):
        g = fir_inverse(h, length, delay=d, method="frequency").solution
        circular = np.zeros(length, dtype=g.dtype)
        for k, tap in enumerate(h):               # kernel folded onto the p-point circle
            circular += tap * np.roll(g, k)
        np.testing.assert_allclose(circular, spike(length, d % length), atol=1e-10)


def test_frequency_method_refuses_a_zero_on_its_grid():
    with pytest.raises(ValueError, match=r"zero on the 8-point DFT grid at index 4"):
        fir_inverse([1.0, 1.0], 8, method="frequency")
    assert fir_inverse([1.0, 1.0], 7, method="frequency").solution.dtype == np.float64


@pytest.mark.parametrize("method", ["ls", "truncated", "frequency"])
def test_max_frequency_error_is_the_dtft_of_the_residual(method):
    length, d = 9, 6
    res = fir_inverse(MIXED, length, delay=d, method=method)
    nfft = res.info["nfft"]
    assert nfft >= 16 * (len(MIXED) + length) and nfft & (nfft - 1) == 0
    w = 2 * np.pi * np.arange(nfft) / nfft
    z = np.exp(1j * w)
    hg = np.polyval(MIXED[::-1], 1 / z) * np.polyval(res.solution[::-1], 1 / z)
    direct = np.abs(hg - np.exp(-1j * w * d)).max()
    assert res.info["max_frequency_error"] == pytest.approx(direct, rel=1e-9)
    # Parseval: the RMS over frequency is the error norm, so the max is above it
    assert res.info["error_norm"] <= res.info["max_frequency_error"] * (1 + 1e-12)


# -- LMS ---------------------------------------------------------------------------------
def test_lms_converges_to_the_ls_inverse():
    # White unit-variance training noise makes the mean squared error of a
    # fixed g exactly ||h * g - delta_d||^2, so the Wiener filter NLMS seeks is
    # the LS inverse.  With mu = 0.1 and spectrum |H|^2 in [0.25, 2.25] the
    # slowest mode decays over ~16 / (0.1 * 0.2) = 800 samples: 20 000 are
    # ~25 time constants; the remaining jitter is ~sqrt(mu/2) times the LS
    # error (1e-5 here), far below the 1e-2 asserted.
    h, length = [1.0, -0.5], 16
    lms = fir_inverse(h, length, method="lms", mu=0.1, n_samples=20_000, rng=7)
    ls = fir_inverse(h, length)
    assert np.linalg.norm(lms.solution - ls.solution) < 1e-2 * np.linalg.norm(ls.solution)
    assert lms.converged
    assert lms.info["error_norm"] <= 1.1 * ls.info["error_norm"]
    assert lms.iterations == 20_000
    hist = lms.history
    assert len(hist) == 1 + 200 and hist.objective[0] == 1.0
    assert hist.objective[-1] < 1e-6                    # learning curve came down
    assert hist.residual_norm[-1] == pytest.approx(lms.info["error_norm"])
    assert np.all(np.diff(hist.time) >= 0)


def test_lms_with_delay_on_a_mixed_phase_kernel():
    h = np.real(np.poly([0.5, -2.0]))
    lms = fir_inverse(h, 24, delay="optimal", method="lms", n_samples=30_000, rng=3)
    ls = fir_inverse(h, 24, delay=lms.info["delay"])
    assert lms.info["delay"] == fir_inverse(h, 24, delay="optimal").info["delay"]
    assert np.linalg.norm(lms.solution - ls.solution) < 5e-2 * np.linalg.norm(ls.solution)


def test_complex_lms_converges_to_the_ls_inverse():
    h, length = np.poly([0.5j, -0.3 + 0.2j]), 8
    lms = fir_inverse(h, length, method="lms", mu=0.2, n_samples=20_000, rng=5)
    ls = fir_inverse(h, length)
    assert lms.solution.dtype == np.complex128 and lms.converged
    assert np.linalg.norm(lms.solution - ls.solution) < 1e-2 * np.linalg.norm(ls.solution)


def test_lms_reports_a_short_run_as_not_converged():
    res = fir_inverse([1.0, -0.5], 16, method="lms", n_samples=100, rng=0)
    assert not res.converged and "not within" in res.message


def test_lms_is_reproducible_with_a_seed():
    a = fir_inverse([1.0, 0.3], 4, method="lms", n_samples=500, rng=11).solution
    b = fir_inverse([1.0, 0.3], 4, method="lms", n_samples=500,
                    rng=np.random.default_rng(11)).solution
    np.testing.assert_array_equal(a, b)


# -- dtypes and bad input --------------------------------------------------------------------
@pytest.mark.parametrize("method", ["ls", "truncated", "frequency"])
@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.float64, np.complex64],
                         ids=["int32", "float32", "float64", "complex64"])
def test_fir_dtypes(method, dtype):
    res = fir_inverse(np.array([2, -1], dtype=dtype), 5, method=method)
    expected = {np.int32: np.float64}.get(dtype, np.dtype(dtype))
    assert res.solution.dtype == expected and res.residual.dtype == expected
    assert res.residual.shape == (6,) and res.solution.shape == (5,)


BAD_INPUT = [
    (lambda: fir_inverse([], 3), ValueError, "empty"),
    (lambda: fir_inverse([0.0, 0.0], 3), ValueError, "all zeros"),
    (lambda: fir_inverse([1.0, np.nan], 3), ValueError, "non-finite"),
    (lambda: fir_inverse([[1.0, 2.0]], 3), ValueError, "1-D"),
    (lambda: fir_inverse(["a", "b"], 3), TypeError, "dtype"),
    (lambda: fir_inverse([1.0, 2.0], 0), ValueError, "length must be >= 1, got 0"),
    (lambda: fir_inverse([1.0, 2.0], 3.0), TypeError, "length must be an integer"),
    (lambda: fir_inverse([1.0, 2.0], True), TypeError, "length"),
    (lambda: fir_inverse([1.0, 2.0], 3, delay=4), ValueError, r"delay 4 .* allowed 0\.\.3"),
    (lambda: fir_inverse([1.0, 2.0], 3, delay=-1), ValueError, r"allowed 0\.\.3"),
    (lambda: fir_inverse([1.0, 2.0], 3, delay=1.5), TypeError, "delay must be an int or a sequence of ints, got 1.5"),
    (lambda: fir_inverse([1.0, 2.0], 3, delay="best"), ValueError, "unknown delay 'best'; allowed: 'center'"),
    (lambda: fir_inverse([1.0, 2.0], 3, method="qr"), ValueError, r"'qr'.*'ls', 'truncated'"),
    (lambda: fir_inverse([1.0, 2.0], 3, method="frequency", reg=1.0), ValueError,
     r"\['reg'\] do not apply to method='frequency'"),
    (lambda: fir_inverse([1.0, 2.0], 3, mu=0.5), ValueError, r"\['mu'\] do not apply"),
    (lambda: fir_inverse([1.0, 2.0], 3, reg=-1.0), ValueError, "reg must be a finite number >= 0, got -1.0"),
    (lambda: fir_inverse([1.0, 2.0], 3, method="lms", mu=3.0), ValueError, r"mu must lie in \(0"),
    (lambda: fir_inverse([1.0, 2.0], 3, method="lms", n_samples=10.0), TypeError, "n_samples"),
    (lambda: fir_inverse([1.0, 1.0], 3, method="truncated"), ValueError, "no stable inverse"),
    (lambda: iir_inverse([1.0, 2.0], tol=-1.0), ValueError, "tol must be a finite number >= 0, got -1.0"),
    (lambda: iir_inverse([1.0, 2.0]).impulse_response(3, 3), ValueError, "stop must exceed"),
    (lambda: iir_inverse([1.0, 2.0]).impulse_response(0.5, 3), TypeError, "start"),
    (lambda: iir_inverse([1.0, 2.0]).apply(np.ones((2, 2)), axis=2), ValueError, "axis 2 is out of range"),
]


@pytest.mark.parametrize("call, exc, match", BAD_INPUT, ids=[m for _, _, m in BAD_INPUT])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# -- cost: far indices, long recursions, long training --------------------------------
@pytest.mark.parametrize("zeros", [[0.9995, 1.6], [0.9996, 0.9 + 0.1j, 0.9 - 0.1j, 1.3, -1.2], [0.5j, 1.0004 + 0.2j]],
                         ids=["two-sided", "mixed-5", "complex"])
@pytest.mark.parametrize("start", [10_000, -10_000, -5, 3])
def test_far_impulse_response_equals_the_full_recursion(zeros, start):
    inv = iir_inverse(np.poly(zeros))
    k = max(-start, 0)                               # apply runs the recursions over every index
    full = inv.apply(np.eye(1, k + start + 7, k)[0])[k + start:]
    scale = np.abs(inv.impulse_response(-30, 30)).max()
    np.testing.assert_allclose(inv.impulse_response(start, start + 7), full, rtol=0, atol=1e-11 * scale)


@pytest.mark.parametrize("a, b", [(0.5, 2.0), (0.9995, 1.6), (-0.6, 1.0 + 1.0j)])
@pytest.mark.parametrize("start", [-400, 5_000])
def test_two_sided_closed_form_far_from_the_origin(a, b, start):
    n = np.arange(start, start + 5)
    expected = (a if start >= 0 else b) ** (n + 1.0) / (a - b)
    got = iir_inverse(np.poly([a, b])).impulse_response(start, start + 5)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=0)


def test_billionth_sample_of_a_pole_near_the_circle():
    # g[n] = a^n (causal) and a^(-n-1) (anti-causal) with a = 1 - 1e-9, so that
    # a^n = exp(n log a) ~ 0.37 at n = 1e9.  The zero, computed by numpy.roots,
    # is exact to eps, and a^n has relative condition n: rtol 1e-6 ~ 1e9 eps.
    a = 1 - 1e-9
    n = np.arange(10**9, 10**9 + 4)
    began = time.perf_counter()
    causal = iir_inverse([1.0, -a], tol=1e-12).impulse_response(10**9, 10**9 + 4)
    anticausal = iir_inverse([-a, 1.0], tol=1e-12).impulse_response(-(10**9) - 4, -(10**9))
    assert time.perf_counter() - began < 1.0
    np.testing.assert_allclose(causal, np.exp(n * np.log(a)), rtol=1e-6)
    np.testing.assert_allclose(anticausal[::-1], np.exp((n - 1) * np.log(a)), rtol=1e-6)


@pytest.mark.parametrize("call, pattern", [
    (lambda: iir_inverse(np.poly([1 - 1e-9, 2.0]), tol=1e-12).impulse_response(-3, 3),
     r"over 36,043,662,394 samples \(poles of radius up to 0.999999999 decay that slowly\), above the limit"),
    (lambda: iir_inverse(np.poly([1 - 1e-9, 2.0]), tol=1e-12).apply(np.ones(5)),
     r"over 36,043,662,395 samples \(beyond the signal; causal poles of radius up to 0.999999999"),
    (lambda: iir_inverse([1.0, -0.5]).impulse_response(0, 10**9),
     r"stop - start = 1,000,000,000 samples asked for\), above the limit of 50,000,000"),
    (lambda: fir_inverse([1.0, -0.5], 4, method="lms", n_samples=10**9),
     r"method='lms' costs 1,000,000,000 samples, above the limit of 10,000,000"),
    (lambda: fir_inverse([1.0, -0.5], 40_000, method="lms", n_samples=10**6),
     r"method='lms' with 1000000 samples and 40000 taps costs 40,000,000,000 operations, above the limit"),
], ids=["impulse-tail", "apply-tail", "samples-asked", "lms-samples", "lms-work"])
def test_long_recursions_are_refused_at_once(call, pattern):
    began = time.perf_counter()
    with pytest.raises(ValueError, match=pattern):
        call()
    assert time.perf_counter() - began < 1.0


def test_lms_progress_bar_and_learning_curve(capsys):
    res = fir_inverse(MIN_PHASE, 6, method="lms", n_samples=4000, block=400, rng=1, progress=True)
    assert "fir inverse (lms)" in capsys.readouterr().err
    assert res.history.objective.size == 1 + 4000 // 400           # g = 0, then one row per block
    quiet = fir_inverse(MIN_PHASE, 6, method="lms", n_samples=4000, block=400, rng=1)
    np.testing.assert_array_equal(quiet.solution, res.solution)
    assert capsys.readouterr().err == ""


def test_lms_defaults_scale_with_the_length():
    # 50,000 samples at mu = 0.1 left a 32-tap inverse of [1, 0.95] at 1.70x the least-squares error.
    res = fir_inverse([1.0, 0.95], 32, method="lms", rng=0)
    assert res.info["n_samples"] == 8000 * 32 and res.info["mu"] == 0.25
    assert res.info["error_norm"] <= 1.015 * res.info["ls_error_norm"]
