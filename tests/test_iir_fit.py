"""Low-order IIR inverses B/A fitted over the infinite response: closed forms, stability,
never worse than the FIR they contain, exact error norms, filtering references, errors."""

import math

import numpy as np
import pytest
import scipy.signal as ss
from scipy.optimize import minimize_scalar

from solvers import fir_inverse, iir_inverse
from solvers import fit_iir_inverse

MIXED = np.real(np.poly([0.5, -0.4, 0.3 + 0.5j, 0.3 - 0.5j, -2.0, 1.6]))   # 4 inside, 2 outside
MIN_PHASE = np.real(np.poly([0.8, 0.5 * np.exp(1j), 0.5 * np.exp(-1j), -0.3]))
ON_CIRCLE = {"[1,1]": [1.0, 1.0], "box4": [0.25] * 4, "[1,-1]": [1.0, -1.0]}


def long_sum_error(h, fit, rtol=1e-18):
    """Independent reference: ||h * g - delta_d|| from a long direct convolution, with N
    chosen so that the dropped tail (poles of radius rho) is below rtol."""
    rho = max(fit.info["pole_radius"], 1e-3)
    n = int(math.log(rtol) / math.log(rho)) + 200
    g = fit.impulse_response(0, n)
    e = np.convolve(h, g)[:n]
    e[fit.delay] -= 1.0
    return float(np.linalg.norm(e))


# -- closed forms -------------------------------------------------------------------
@pytest.mark.parametrize("a", [0.5, -0.8, 0.95])
def test_first_order_kernel_is_inverted_exactly(a):
    fit = fit_iir_inverse([1.0, -a], (0, 1), delay="optimal")
    assert fit.delay == 0
    assert fit.info["error_norm"] < 1e-10
    np.testing.assert_allclose(fit.b, [1.0], atol=1e-10)
    np.testing.assert_allclose(fit.a, [1.0, -a], atol=1e-10)


@pytest.mark.parametrize("na", [4, 5])
def test_minimum_phase_kernel_is_inverted_exactly(na):
    fit = fit_iir_inverse(MIN_PHASE, (0, na), delay=0)
    assert fit.info["error_norm"] < 1e-10
    exact = iir_inverse(MIN_PHASE).impulse_response(0, 60)        # 1/H by its zeros
    np.testing.assert_allclose(fit.impulse_response(0, 60), exact, atol=1e-9)


@pytest.mark.parametrize("r", [0.99, 0.9999, 1 - 1e-6])
def test_zero_on_circle_first_order_closed_form(r):
    # h = 1 + z^-1, g = b/(1 - p z^-1): ||e||^2 = (1 + p)/2 at the best b = (1 - p)/2,
    # least at the stability margin p = -r.
    fit = fit_iir_inverse([1.0, 1.0], (0, 1), delay=0, max_radius=r)
    assert fit.info["error_norm"] == pytest.approx(math.sqrt((1 - r) / 2), rel=1e-8)
    np.testing.assert_allclose(fit.a, [1.0, r], rtol=1e-9)
    np.testing.assert_allclose(fit.b, [(1 + r) / 2], rtol=1e-8)


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_scale_of_the_kernel_scales_the_numerator_only(scale):
    ref = fit_iir_inverse(MIXED, (1, 1), delay=3)
    fit = fit_iir_inverse(scale * MIXED, (1, 1), delay=3)
    assert fit.info["error_norm"] == pytest.approx(ref.info["error_norm"], rel=1e-12)
    np.testing.assert_allclose(fit.a, ref.a, rtol=1e-12)
    np.testing.assert_allclose(fit.b * scale, ref.b, rtol=1e-12)


def test_order_zero_zero_is_the_best_gain():
    h = np.array([1.0, 2.0, -0.5])
    fit = fit_iir_inverse(h, (0, 0), delay=1)
    np.testing.assert_allclose(fit.b, [h[1] / (h @ h)], rtol=1e-12)
    assert fit.info["error_norm"] == pytest.approx(math.sqrt(1 - h[1] ** 2 / (h @ h)), rel=1e-12)


# -- stability and never worse than the FIR -------------------------------------------
CASES = [  # (kernel id, kernel, order, delay)
    ("[1,1]", ON_CIRCLE["[1,1]"], (1, 2), 1),
    ("box4", ON_CIRCLE["box4"], (2, 2), 3),
    ("box4", ON_CIRCLE["box4"], (1, 3), 0),
    ("[1,-1]", ON_CIRCLE["[1,-1]"], (2, 1), 1),
    ("max-phase", [0.5, 1.0], (1, 1), 2),
    ("max-phase-3", [1.0, 2.5, 1.0], (2, 2), 3),
    ("mixed", MIXED, (2, 2), 4),
    ("mixed", MIXED, (3, 1), 5),
    ("min-phase", MIN_PHASE, (1, 2), 0),
]


@pytest.mark.parametrize("name, h, order, delay", CASES, ids=[f"{c[0]}-{c[2]}-d{c[3]}" for c in CASES])
def test_stable_and_never_worse_than_the_fir(name, h, order, delay):
    fit = fit_iir_inverse(h, order, delay=delay)
    poles = np.roots(fit.a) if fit.a.size > 1 else np.zeros(0)
    assert fit.a[0] == 1.0 and fit.a.shape == (order[1] + 1,) and fit.b.shape == (order[0] + 1,)
    assert np.all(np.abs(poles) <= fit.info["max_radius"] * (1 + 1e-12))
    assert np.all(np.abs(poles) < 1.0)
    fir = fir_inverse(h, order[0] + 1, delay=delay, method="ls").info["error_norm"]
    assert fit.info["fir_error_norm"] == pytest.approx(fir, rel=1e-9, abs=1e-12)
    assert fit.info["error_norm"] <= fir + 1e-12


def test_optimal_delay_picks_the_least_of_errors_by_delay():
    h = [0.5, 1.0]                                  # maximum phase: wants a delay
    fit = fit_iir_inverse(h, (1, 1))
    errors = fit.info["errors_by_delay"]
    assert errors.shape == (len(h) + 1 + 1,)
    assert fit.info["error_norm"] == pytest.approx(errors.min(), rel=1e-12)
    assert errors[fit.delay] == pytest.approx(errors.min(), rel=1e-9)
    one = fit_iir_inverse(h, (1, 1), delay=1)
    assert one.info["error_norm"] == pytest.approx(errors[1], rel=1e-9, abs=1e-12)
    assert fit.info["error_norm"] <= fir_inverse(h, 2, delay="optimal").info["error_norm"] + 1e-12


# -- the error norm is that of the infinite response --------------------------------
@pytest.mark.parametrize("h, order, delay", [([1.0, 2.5, 1.0], (2, 2), 3), (MIXED, (2, 2), 4),
                                             ([0.5, 1.0], (1, 1), 2), (ON_CIRCLE["box4"], (1, 1), 4)],
                         ids=["max-phase", "mixed", "first-order-max", "box"])
def test_error_norm_equals_a_long_direct_sum(h, order, delay):
    fit = fit_iir_inverse(h, order, delay=delay)
    assert fit.info["error_norm"] > 1e-3
    assert fit.info["error_norm"] == pytest.approx(long_sum_error(np.asarray(h, float), fit), rel=1e-10)


def test_error_norm_near_the_circle_equals_a_long_direct_sum():
    fit = fit_iir_inverse([1.0, 1.0], (1, 1), delay=0, max_radius=0.999)
    assert fit.info["pole_radius"] == pytest.approx(0.999, rel=1e-12)
    assert fit.info["error_norm"] == pytest.approx(long_sum_error(np.array([1.0, 1.0]), fit), rel=1e-10)


# -- filtering ------------------------------------------------------------------------
def test_apply_impulse_and_frequency_response_agree_with_references():
    fit = fit_iir_inverse(MIXED, (2, 2), delay=4)
    x = np.random.default_rng(0).standard_normal(300)
    g = fit.impulse_response(0, 2000)                # poles < 0.6: the tail is below 1e-300
    np.testing.assert_allclose(fit.apply(x), np.convolve(x, g)[:300], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(fit.impulse_response(-3, 2), np.r_[0.0, 0.0, 0.0, g[:2]])
    w = np.linspace(-np.pi, np.pi, 37)
    z = np.exp(-1j * w)                                # B(z)/A(z) as polynomials in z^-1
    direct = np.polyval(fit.b[::-1], z) / np.polyval(fit.a[::-1], z)
    np.testing.assert_allclose(fit.frequency_response(w), direct, rtol=1e-12)
    np.testing.assert_allclose(fit.frequency_response(w), ss.freqz(fit.b, fit.a, worN=w)[1], rtol=1e-12)
    dft = np.fft.fft(g, 4096)[:5]                      # the response's DTFT at 2 pi k / 4096
    np.testing.assert_allclose(fit.frequency_response(2 * np.pi * np.arange(5) / 4096), dft, rtol=1e-10)


def test_dtype_of_outputs():
    fit = fit_iir_inverse(np.array([1.0, -0.5], dtype=np.float32), (0, 1), delay=0)
    assert fit.impulse_response(0, 4).dtype == np.float32
    assert fit.apply(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert fit.apply(np.ones(3)).dtype == np.float64
    assert fit.b.dtype == fit.a.dtype == np.float64


# -- bad input ------------------------------------------------------------------------
@pytest.mark.parametrize("order, exc, words", [
    ((1,), TypeError, "order"), (3, TypeError, "order"), ((1, 2, 3), TypeError, "order"),
    ((1.5, 1), TypeError, "nb"), ((1, True), TypeError, "na"), ((-1, 1), ValueError, "nb"),
    ((1, -2), ValueError, "na"), ("ab", TypeError, "order"),
])
def test_bad_order(order, exc, words):
    with pytest.raises(exc, match=words):
        fit_iir_inverse([1.0, 0.5], order)


@pytest.mark.parametrize("h, exc, words", [
    ([0.0, 0.0], ValueError, "all zeros"), ([1.0, np.nan], ValueError, "finite"),
    ([1.0, np.inf], ValueError, "finite"), ([1.0 + 1j, 0.5], TypeError, "real"),
    ([[1.0, 2.0]], ValueError, "1-D"), ([], ValueError, "h"),
])
def test_bad_kernel(h, exc, words):
    with pytest.raises(exc, match=words):
        fit_iir_inverse(h, (1, 1), delay=0)


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"delay": -1}, ValueError, "0..3"), ({"delay": 4}, ValueError, "0..3"),
    ({"delay": "best"}, ValueError, "optimal"), ({"delay": 1.0}, TypeError, "delay"),
    ({"max_radius": 1.0}, ValueError, "max_radius"), ({"max_radius": 0.0}, ValueError, "max_radius"),
    ({"maxiter": 0}, ValueError, "maxiter"),
])
def test_bad_options(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        fit_iir_inverse([1.0, 0.5], (1, 1), **kwargs)


def test_cost_is_refused_before_any_work():
    with pytest.raises(ValueError, match="above the limit"):
        fit_iir_inverse(np.ones(500), (300, 300))


def test_sample_counts_are_checked():
    fit = fit_iir_inverse([1.0, -0.5], (0, 1), delay=0)
    with pytest.raises(ValueError, match="stop must exceed start"):
        fit.impulse_response(3, 3)
    with pytest.raises(ValueError, match="above the limit"):
        fit.impulse_response(0, 10**9)
    with pytest.raises(TypeError, match="start"):
        fit.impulse_response(0.5, 3)


# -- optimality against a brute-force search ------------------------------------------
def dense_error(h, nb, p, d, n=3000):
    """Independent reference for one real pole p: the best numerator by dense least squares
    on the truncated columns z^-k H/(1 - p z^-1) (poles |p| <= 0.95: the tail is below 1e-60)."""
    x = np.zeros(n)
    x[: len(h)] = h
    u = ss.lfilter([1.0], [1.0, -p], x)
    cols = np.column_stack([np.r_[np.zeros(k), u[: n - k]] for k in range(nb + 1)])
    target = np.zeros(n)
    target[d] = 1.0
    coef = np.linalg.lstsq(cols, target, rcond=None)[0]
    return float(np.linalg.norm(cols @ coef - target))


@pytest.mark.parametrize("h, nb, d", [([1.0, 2.5, 1.0], 0, 1), ([1.0, 2.5, 1.0], 1, 2), (MIXED, 1, 4)],
                         ids=["max-phase-(0,1)", "max-phase-(1,1)", "mixed-(1,1)"])
def test_one_pole_fit_is_the_brute_force_optimum(h, nb, d):
    grid = np.linspace(-0.95, 0.95, 191)
    errors = [dense_error(h, nb, p, d) for p in grid]
    k = int(np.argmin(errors))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    best = minimize_scalar(lambda p: dense_error(h, nb, p, d), bounds=(lo, hi), method="bounded",
                           options={"xatol": 1e-10}).fun
    fit = fit_iir_inverse(h, (nb, 1), delay=d)
    assert fit.info["pole_radius"] < 0.95
    assert fit.info["error_norm"] <= best * (1 + 1e-9)
    assert fit.info["error_norm"] == pytest.approx(best, rel=1e-7)
