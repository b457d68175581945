"""The shared inverse-kernel problem: delay spellings, errors of every delay, cost limits."""

import time

import numpy as np
import pytest
import scipy.linalg as sla

from solvers import fir_inverse, inverse_kernel, separable_inverse
from solvers._kernel_problem import KernelProblem

KERNELS = {
    "min-phase": np.real(np.poly([0.8, 0.5j, -0.5j, -0.3])),
    "max-phase": np.real(np.poly([1.25, -2.0, 1.5j, -1.5j])),
    "mixed": np.real(np.poly([0.5, -0.4, 0.3 + 0.5j, 0.3 - 0.5j, -2.0, 1.6])),
    "near-circle": np.real(np.poly([0.999, -0.998, 1.002, 0.9j, -0.9j])),
    "complex": np.array([0.3 + 0.4j, 1.0, -0.2 + 0.7j, 0.1j]),
}


def dense_errors(h, p, reg):
    """||A g_d - e_d|| for every d from the explicit pseudo-inverse of [A; sqrt(reg) I]."""
    A = sla.convolution_matrix(np.asarray(h, dtype=complex), p, mode="full")
    n = A.shape[0]
    stacked = np.vstack([A, np.sqrt(reg) * np.eye(p)])
    inverses = np.linalg.pinv(stacked)[:, :n]          # column d: the solution for delay d
    return np.linalg.norm(A @ inverses - np.eye(n), axis=0)


# (pinv of the near-circle kernel's matrix at p = 40, reg = 0 has condition 1e7: no reference at 1e-10)
@pytest.mark.parametrize("name, p, reg", [(name, p, reg) for name in KERNELS for p in (1, 7, 40) for reg in (0.0, 0.03)
                                          if (name, p, reg) != ("near-circle", 40, 0.0)])
def test_toeplitz_scan_equals_the_dense_errors(name, p, reg):
    h = KERNELS[name]
    problem = KernelProblem(h.astype(complex if np.iscomplexobj(h) else float), (p,), reg)
    expected = dense_errors(h, p, reg) ** 2
    np.testing.assert_allclose(problem._scan() ** 2, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(problem._dense_errors() ** 2, expected, rtol=1e-10, atol=1e-12)


def test_ill_conditioned_scan_agrees_with_the_dense_path():
    h = KERNELS["near-circle"]
    problem = KernelProblem(h, (60,), 0.0)
    np.testing.assert_allclose(problem.delay_errors() ** 2, problem._dense_errors() ** 2, atol=1e-9)


def test_a_scan_that_fails_its_check_falls_back_to_the_dense_path(monkeypatch):
    problem = KernelProblem(KERNELS["mixed"], (12,), 0.0)
    wrong = np.linspace(0.1, 0.9, problem.full_shape[0])
    monkeypatch.setattr(KernelProblem, "_scan", lambda self: wrong)
    np.testing.assert_allclose(problem.delay_errors(), problem._dense_errors(), rtol=0, atol=0)


@pytest.mark.parametrize("reg", [0.0, 0.02])
def test_optimal_delay_of_a_long_inverse_is_the_dense_optimum(reg):
    h = KERNELS["mixed"]
    result = fir_inverse(h, 300, delay="optimal", reg=reg)
    errors = dense_errors(h, 300, reg)
    np.testing.assert_allclose(result.info["errors_by_delay"] ** 2, errors**2, atol=1e-12)
    # errors below 1e-6 are ties at rounding level: any of them is optimal
    assert result.info["error_norm"] <= max(errors.min() * (1 + 1e-8), 1e-6)


@pytest.mark.parametrize("call, pattern", [
    (lambda: fir_inverse([0.5, 1.0], 50_000, delay="optimal"),
     r"delay='optimal' on 50001 delays of a length-50000 inverse costs 2,500,050,000 operations, above the limit"),
    (lambda: inverse_kernel([0.5, 1.0], 50_000, delay="optimal"), r"on 50001 delays of a length-50000 inverse"),
    (lambda: fir_inverse([0.5, 1.0], 60_000), r"a Levinson solve of length 60000 costs 3,600,000,000 operations"),
    (lambda: inverse_kernel(np.ones((3, 3)), (101, 101), delay="optimal"),
     r"delay='optimal' factorising a dense 20810x10201 matrix costs 212,282,810 entries, above the limit of 25,000,000"),
    (lambda: fir_inverse([1.0, -0.5], 5_000_000, method="frequency"),
     r"the frequency error on a 134217728 grid costs 134,217,728 points, above the limit of 67,108,864"),
    (lambda: separable_inverse(np.outer([1.0, 0.5], [1.0, 0.3]), 3000),
     r"the frequency error on a 16384x16384 grid costs 268,435,456 points"),
], ids=["fir-scan", "inverse-kernel-scan", "levinson", "dense-2d", "fir-frequency-grid", "separable-frequency-grid"])
def test_cost_limits_refuse_at_once(call, pattern):
    began = time.perf_counter()
    with pytest.raises(ValueError, match=pattern):
        call()
    assert time.perf_counter() - began < 1.0


CALLS = {
    "inverse_kernel-1d": (lambda d: inverse_kernel([0.5, 1.0, 0.2], 6, delay=d, method="direct"), (8,)),
    "inverse_kernel-2d": (lambda d: inverse_kernel(np.outer([1.0, 0.3], [1.0, -0.4]), (3, 4), delay=d), (4, 5)),
    "fir_inverse": (lambda d: fir_inverse([0.5, 1.0, 0.2], 6, delay=d), (8,)),
    "separable_inverse": (lambda d: separable_inverse(np.outer([1.0, 0.3], [1.0, -0.4]), (3, 4), delay=d), (4, 5)),
}


def as_tuple(delay):
    return tuple(np.atleast_1d(delay).tolist())


@pytest.mark.parametrize("name", list(CALLS))
def test_every_function_takes_the_same_delay_spellings(name):
    call, full = CALLS[name]
    centre = tuple((n - 1) // 2 for n in full)
    assert as_tuple(call("center").info["delay"]) == centre
    assert as_tuple(call("centre").info["delay"]) == centre
    assert as_tuple(call(1).info["delay"]) == (1,) * len(full)
    assert as_tuple(call(tuple(range(1, len(full) + 1))).info["delay"]) == tuple(range(1, len(full) + 1))
    optimal = call("optimal").info
    if "errors_by_delay" in optimal:
        errors = optimal["errors_by_delay"]
        assert errors.shape == full and errors[as_tuple(optimal["delay"])] == errors.min()
    assert as_tuple(call("CENTRE").info["delay"]) == centre                   # any case, as in convops
    assert call("Optimal").info["delay"] == optimal["delay"]
    with pytest.raises(ValueError, match=r"^unknown delay 'middle'; allowed: 'center', 'optimal' \(aliases 'centre'\)$"):
        call("middle")
    with pytest.raises(ValueError, match=rf"^delay {full[0]} on axis 0 is outside the full grid of shape "
                                         rf"\({full[0]},{' ' + str(full[1]) if len(full) == 2 else ''}\): "
                                         rf"allowed 0\.\.{full[0] - 1}$"):
        call(full[0])
    with pytest.raises(TypeError, match=r"^delay must be an int or a sequence of ints, got 1.5$"):
        call(1.5)


def test_single_precision_kernels_choose_the_same_delay():
    h = np.array([0.5, 1.0, 0.25])                     # exact in float32
    wide = inverse_kernel(h, 30, delay="optimal")
    narrow = inverse_kernel(h.astype(np.float32), 30, delay="optimal")
    assert narrow.solution.dtype == np.float32
    assert narrow.info["delay"] == wide.info["delay"] == (fir_inverse(h, 30, delay="optimal").info["delay"],)
    np.testing.assert_allclose(narrow.info["errors_by_delay"], wide.info["errors_by_delay"], rtol=1e-12)


@pytest.mark.parametrize("call, upper, canonical, allowed", [
    (lambda m: fir_inverse([1.0, 0.5], 4, method=m), "LS", "ls", "'ls', 'truncated', 'frequency', 'lms'"),
    (lambda m: inverse_kernel([1.0, 0.5], 4, method=m), "CG", "cg", "'auto', 'direct', 'gd', 'nesterov', 'cg'"),
    (lambda m: separable_inverse(np.outer([1.0, 0.5], [1.0, 0.25]), 4, method=m), "Ls", "ls",
     "'ls', 'truncated', 'frequency', 'lms'"),
], ids=["fir_inverse", "inverse_kernel", "separable_inverse"])
def test_methods_follow_the_one_case_rule_of_option_strings(call, upper, canonical, allowed):
    # convops._validation.check_option: any case, the canonical spelling in info, one message
    assert call(upper).info["method"] == canonical
    with pytest.raises(ValueError, match=rf"^unknown method 'nope'; allowed: {allowed}$"):
        call("nope")
    with pytest.raises(TypeError, match=r"^method must be a str, got int 3"):
        call(3)


@pytest.mark.parametrize("p", [3, 64, 200])
@pytest.mark.parametrize("kind", ["real", "complex"])
def test_autocorrelation_lags_match_numpy_correlate(p, kind):
    rng = np.random.default_rng(p)
    f = rng.standard_normal(50) + (1j * rng.standard_normal(50) if kind == "complex" else 0)
    problem = KernelProblem(f, (p,))
    reference = np.correlate(problem.f, problem.f, "full")[49:]     # sum_j conj(f[j]) f[j + k]
    t = problem._toeplitz[0]
    np.testing.assert_allclose(t[: min(p + 1, 50)], reference[: p + 1], atol=1e-13 * reference[0].real)
    assert not np.any(t[50:])


def test_delay_scan_of_a_long_kernel_computes_only_the_lags_it_uses(monkeypatch):
    import solvers._kernel_problem as kp
    f = np.random.default_rng(0).standard_normal(10**5)
    began = time.perf_counter()
    t = KernelProblem(f, (3,))._toeplitz[0]                  # np.correlate 'full' is O(m^2): seconds
    assert time.perf_counter() - began < 0.5
    np.testing.assert_allclose(t, [f[: f.size - k] @ f[k:] / 2.0 ** (2 * int(np.frexp(np.abs(f).max())[1]))
                                   for k in range(4)], rtol=1e-12)
    assert kp.SCAN_MAX_DELAYS == 10**7
    monkeypatch.setattr(kp, "SCAN_MAX_DELAYS", 100)
    with pytest.raises(ValueError, match=r"^delay='optimal' \(a scan of 102 delays\) costs 102 delays, above the "
                                         r"limit of 100; use a smaller size or give the delay explicitly$"):
        fir_inverse(np.ones(100), 3, delay="optimal")


KERNEL_1D = np.array([0.4, 1.0, -0.3, 0.2])
SCALED_CALLS = {
    "inverse_kernel-direct": lambda f: inverse_kernel(f, 6, method="direct", delay="optimal", reg=0.0),
    "inverse_kernel-cg": lambda f: inverse_kernel(f, 6, method="cg"),
    "inverse_kernel-gd": lambda f: inverse_kernel(f, 6, method="gd", maxiter=60, tol=1e-30),
    "inverse_kernel-2d": lambda f: inverse_kernel(np.outer(f, KERNEL_1D[::-1]), (3, 3), method="cg"),
    "fir-ls": lambda f: fir_inverse(f, 6, delay="optimal"),
    "fir-lms": lambda f: fir_inverse(f, 6, method="lms", n_samples=2000, rng=0),
    "fir-truncated": lambda f: fir_inverse(f, 6, method="truncated", delay=3),
    "fir-frequency": lambda f: fir_inverse(f, 6, method="frequency"),
    "separable": lambda f: separable_inverse(np.outer(f, KERNEL_1D[::-1]), 5, delay="optimal"),
}


@pytest.mark.parametrize("scale", [1e-170, 1e170])
@pytest.mark.parametrize("name", list(SCALED_CALLS))
def test_tiny_and_huge_kernels_give_the_scaled_solution(name, scale):
    # f' = s f: the minimiser is g / s (with reg s^2, the same weighted problem); residual and objective unchanged
    call = SCALED_CALLS[name]
    plain, scaled = call(KERNEL_1D), call(scale * KERNEL_1D)
    assert np.all(np.isfinite(scaled.solution))
    np.testing.assert_allclose(scaled.solution * scale, plain.solution, rtol=1e-12 if "lms" not in name else 1e-9,
                               atol=1e-14 * np.abs(plain.solution).max())
    np.testing.assert_allclose(scaled.residual, plain.residual, atol=1e-12)
    assert scaled.info["delay"] == plain.info["delay"]
    np.testing.assert_allclose(scaled.objective, plain.objective, rtol=1e-9, atol=1e-24)
    np.testing.assert_allclose(scaled.history.gradient_norm / scale, plain.history.gradient_norm, rtol=1e-6,
                               atol=1e-10)                              # rounding-level gradients differ
    if "errors_by_delay" in plain.info:
        np.testing.assert_allclose(scaled.info["errors_by_delay"], plain.info["errors_by_delay"], atol=1e-12)


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_regularised_problem_scales_with_the_square_of_the_kernel(scale):
    plain, scaled = fir_inverse(KERNEL_1D, 6, reg=1e-3), fir_inverse(scale * KERNEL_1D, 6, reg=1e-3 * scale**2)
    np.testing.assert_allclose(scaled.solution * scale, plain.solution, rtol=1e-12)
    np.testing.assert_allclose(scaled.objective, plain.objective, rtol=1e-12)
    assert scaled.info["reg"] == 1e-3 * scale**2
