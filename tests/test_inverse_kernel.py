"""inverse_kernel against closed forms and against itself by every method."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given
from hypothesis import strategies as st

from convops import convolution_matrix
from solvers import full_convolution_norm_bound, inverse_kernel

CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)
ZERO_FREE = np.array([[0, 0.2, 0], [0.2, 1, 0.2], [0, 0.2, 0]])  # F >= 0.2 on the torus


def lstsq_inverse(f, size, delay, reg=0.0):
    """Independent reference: dense lstsq on scipy.signal's full convolution."""
    f = np.asarray(f)
    size = (size,) * f.ndim if np.isscalar(size) else size
    columns = []
    for idx in np.ndindex(*size):
        e = np.zeros(size)
        e[idx] = 1
        columns.append(ss.convolve(f, e, mode="full").ravel())
    A = np.array(columns).T
    delta = np.zeros(A.shape[0])
    delta[np.ravel_multi_index(delay, tuple(m + p - 1 for m, p in zip(f.shape, size)))] = 1
    if reg:
        A = np.vstack([A, np.sqrt(reg) * np.eye(A.shape[1])])
        delta = np.concatenate([delta, np.zeros(A.shape[1])])
    return np.linalg.lstsq(A, delta, rcond=None)[0].reshape(size)


@pytest.mark.parametrize("fshape, size", [((3, 3), (5, 5)), ((2, 4), (6, 3)), ((4,), (9,)), ((3, 2), (1, 1))],
                         ids=str)
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_direct_equals_lstsq_and_pinv(fshape, size, reg):
    rng = np.random.default_rng(0)
    f = rng.standard_normal(fshape)
    full = tuple(m + p - 1 for m, p in zip(fshape, size))
    delay = tuple((n - 1) // 2 for n in full)
    result = inverse_kernel(f, size, method="direct", reg=reg)
    assert result.info["delay"] == delay
    np.testing.assert_allclose(result.solution, lstsq_inverse(f, size, delay, reg), rtol=1e-9, atol=1e-12)
    if reg == 0:
        A = convolution_matrix(f, size, boundary="zero", output="full").toarray()
        target = np.zeros(full)
        target[delay] = 1
        np.testing.assert_allclose(result.solution.ravel(), np.linalg.pinv(A) @ target.ravel(), atol=1e-10)
    expected_residual = ss.convolve(f, result.solution, mode="full")
    expected_residual[delay] -= 1
    np.testing.assert_allclose(result.residual, expected_residual, atol=1e-12)
    assert result.objective == pytest.approx(0.5 * np.sum(expected_residual ** 2)
                                             + 0.5 * reg * np.sum(result.solution ** 2), rel=1e-12)


@pytest.mark.parametrize("method", ["gd", "nesterov", "cg"])
@pytest.mark.parametrize("reg", [0.0, 0.01])
def test_iterative_methods_reach_the_direct_solution(method, reg):
    rng = np.random.default_rng(1)
    f = rng.standard_normal((3, 4)) + 2 * np.eye(3, 4)
    size = (7, 6)
    direct = inverse_kernel(f, size, method="direct", reg=reg)
    result = inverse_kernel(f, size, method=method, reg=reg, tol=1e-12, maxiter=200_000)
    assert result.converged, result.message
    error = np.linalg.norm(result.solution - direct.solution) / np.linalg.norm(direct.solution)
    assert error < 1e-8
    assert len(result.history) == result.iterations + 1


def test_cg_needs_fewer_iterations_than_nesterov_than_gd():
    f = np.array([[1.0, 0.5, 0.2], [0.3, -0.8, 0.1], [0.2, 0.1, 0.6]])
    its = {m: inverse_kernel(f, (15, 15), method=m, tol=1e-9, maxiter=100_000).iterations
           for m in ("gd", "nesterov", "cg")}
    assert its["cg"] < its["nesterov"] < its["gd"]


def test_complex_and_one_dimensional_kernels():
    rng = np.random.default_rng(2)
    f = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    direct = inverse_kernel(f, 9, method="direct")
    cg = inverse_kernel(f, 9, method="cg", tol=1e-13)
    np.testing.assert_allclose(cg.solution, direct.solution, atol=1e-10)
    np.testing.assert_allclose(direct.solution, lstsq_inverse(f, (9,), direct.info["delay"]), atol=1e-10)
    assert np.iscomplexobj(cg.solution)


def test_float32_kernel_stays_float32():
    f = ZERO_FREE.astype(np.float32)
    for method in ("cg", "nesterov"):
        result = inverse_kernel(f, (9, 9), method=method)
        assert result.solution.dtype == np.float32 and result.converged
        reference = inverse_kernel(ZERO_FREE, (9, 9), method="direct").solution
        np.testing.assert_allclose(result.solution, reference, atol=1e-4)


def test_cross_keeps_a_large_residual_while_a_zero_free_kernel_falls_geometrically():
    sizes = [3, 5, 9, 15, 21, 31]
    cross = np.array([inverse_kernel(CROSS, p).info["error_norm"] for p in sizes])
    good = np.array([inverse_kernel(ZERO_FREE, p).info["error_norm"] for p in sizes])
    # The cross's transfer function 1 + 2cos(u) + 2cos(v) vanishes on a curve:
    # the error decays only slowly and stays large.
    assert np.all(cross > 0.2)
    assert cross[-1] > 0.35 * cross[0]
    # No zeros: the error falls geometrically (a constant factor per added tap).
    rates = np.log(good[1:] / good[:-1]) / np.diff(sizes)
    assert np.all(rates < -0.3)
    assert good[-1] < 1e-6 * good[0]


def test_optimal_delay_from_one_factorisation():
    rng = np.random.default_rng(3)
    f = rng.standard_normal((3, 3))
    size = (5, 4)
    result = inverse_kernel(f, size, delay="optimal", reg=0.01)
    errors = result.info["errors_by_delay"]
    assert errors.shape == (7, 6)
    # Each delay's entry is the error of that delay's regularised solution.
    for delay in [(0, 0), (3, 2), (6, 5), result.info["delay"]]:
        direct = inverse_kernel(f, size, method="direct", delay=delay, reg=0.01)
        assert errors[delay] == pytest.approx(direct.info["error_norm"], rel=1e-9, abs=1e-14)
    assert result.info["error_norm"] == pytest.approx(errors.min(), rel=1e-9)
    assert result.info["error_norm"] <= inverse_kernel(f, size, reg=0.01).info["error_norm"]
    unregularised = inverse_kernel(f, size, delay="optimal")
    for delay in [(0, 0), (4, 1)]:
        direct = inverse_kernel(f, size, method="direct", delay=delay)
        assert unregularised.info["errors_by_delay"][delay] == pytest.approx(direct.info["error_norm"], rel=1e-9)


def test_fixed_step_of_the_text_is_used_as_is():
    f = np.random.default_rng(4).standard_normal((3, 3))
    slow = inverse_kernel(f, (5, 5), method="gd", step=5e-5, maxiter=50)
    assert slow.info["step"] == 5e-5 and not slow.converged
    assert "maximum number of iterations (50)" in slow.message
    assert np.all(np.diff(slow.history.objective) <= 0)


def test_norm_bound_is_a_tight_upper_bound():
    rng = np.random.default_rng(5)
    for shape, size in [((3,), (300,)), ((3, 3), (30, 30)), ((2, 5), (30, 30))]:
        f = rng.standard_normal(shape)
        bound = full_convolution_norm_bound(f)
        A = convolution_matrix(f, size, boundary="zero", output="full").toarray()
        sigma_max = np.linalg.norm(A, 2)
        assert sigma_max <= bound <= 1.1 * sigma_max
        assert bound <= np.abs(f).sum()


def test_interrupt_and_callback_return_the_iterate_so_far():
    def interrupt(g, k):
        if k == 3:
            raise KeyboardInterrupt

    result = inverse_kernel(CROSS, (31, 31), method="cg", callback=interrupt)
    assert not result.converged and result.message == "interrupted" and result.iterations == 3
    stopped = inverse_kernel(CROSS, (31, 31), method="cg", callback=lambda g, k: k == 2)
    assert stopped.iterations == 2 and stopped.message == "stopped by callback"


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(kernel=np.zeros((3, 3))), ValueError, "kernel is all zeros"),
    (dict(kernel=[[np.nan, 1.0]]), ValueError, "non-finite"),
    (dict(size=0), ValueError, r"size entries must be >= 1, got 0"),
    (dict(size=(3, 0)), ValueError, r"size entries must be >= 1"),
    (dict(size=(3, 3, 3)), ValueError, r"size \(3, 3, 3\) has 3 entries; the kernel has 2"),
    (dict(size=2.5), TypeError, r"size must be an int or a sequence of ints, got 2.5"),
    (dict(reg=-1.0), ValueError, r"reg must be a finite number >= 0, got -1.0"),
    (dict(method="svd"), ValueError, r"unknown method 'svd'; allowed: 'auto', 'direct', 'gd', 'nesterov', 'cg'"),
    (dict(delay=(9, 0)), ValueError, r"delay 9 on axis 0 is outside the full grid of shape \(7, 7\): allowed 0\.\.6"),
    (dict(delay="middle"), ValueError, r"unknown delay 'middle'"),
    (dict(delay=(1,)), ValueError, r"delay \(1,\) has 1 entries; the kernel has 2 dimension"),
])
def test_bad_input(kwargs, error, pattern):
    args = dict(kernel=CROSS, size=(5, 5))
    args.update(kwargs)
    with pytest.raises(error, match=pattern):
        inverse_kernel(args.pop("kernel"), args.pop("size"), **args)


def test_optimal_delay_refuses_what_it_cannot_factorise():
    with pytest.raises(ValueError, match="delay='optimal' factorising a dense"):
        inverse_kernel(CROSS, (101, 101), delay="optimal")


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 6), st.integers(1, 6), st.integers(0, 1000))
def test_cg_equals_direct_on_random_shapes(m, n, p, q, seed):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((m, n))
    if not np.any(f):
        return
    direct = inverse_kernel(f, (p, q), method="direct", reg=1e-3)
    cg = inverse_kernel(f, (p, q), method="cg", reg=1e-3, tol=1e-12, maxiter=10_000)
    assert cg.converged
    np.testing.assert_allclose(cg.solution, direct.solution, atol=1e-8 * max(1, np.abs(direct.solution).max()))


@pytest.mark.parametrize("h, length, delay", [([1.0, -0.5], 8, 0), ([0.5, 1.0, 0.2], 11, 6), ([1.0, 1.0], 9, "center")],
                         ids=["min-phase", "mixed", "unit-circle"])
@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_one_dimensional_inverse_kernel_equals_fir_least_squares(h, length, delay, reg):
    from solvers import fir_inverse

    fir = fir_inverse(h, length, delay=delay, method="ls", reg=reg)
    for method in ("direct", "cg"):
        ik = inverse_kernel(h, length, delay=delay if delay == "center" else (delay,), method=method, reg=reg,
                            tol=1e-13)
        assert ik.info["delay"] == (fir.info["delay"],)
        np.testing.assert_allclose(ik.solution, fir.solution, atol=1e-9)
        assert ik.objective == pytest.approx(fir.objective, rel=1e-9, abs=1e-15)
    optimal_fir = fir_inverse(h, length, delay="optimal", method="ls", reg=reg)
    optimal_ik = inverse_kernel(h, length, delay="optimal", reg=reg)
    # [1, 1] has the same error at every delay: ties go to the centre, in both.
    assert optimal_ik.info["delay"] == (optimal_fir.info["delay"],)
    if h == [1.0, 1.0]:
        assert optimal_fir.info["delay"] == (len(h) + length - 2) // 2
    assert optimal_ik.info["error_norm"] == pytest.approx(optimal_fir.info["error_norm"], rel=1e-9)
    np.testing.assert_allclose(optimal_ik.info["errors_by_delay"], optimal_fir.info["errors_by_delay"], atol=1e-12)


@pytest.mark.parametrize("kernel, size, method", [
    (np.ones(3), 10**9, "auto"), (np.ones((3, 3)), (10**5, 10**5), "auto"), (np.ones((3, 3)), (3000, 3000), "gd"),
    (np.ones(3), 10**6, "direct"),
], ids=["1d-cg", "2d-cg", "2d-gd", "1d-direct"])
def test_work_arrays_above_max_bytes_are_refused_at_once(kernel, size, method):
    import time
    from convops._validation import AllocationTooLargeError
    began = time.perf_counter()
    with pytest.raises(AllocationTooLargeError, match=rf"^inverse_kernel\(method='\w+'\) of size .* would need about "):
        inverse_kernel(kernel, size, method=method, max_bytes=2**26)
    assert time.perf_counter() - began < 0.5


@pytest.mark.parametrize("shape", [(1,), (5,), (1, 1), (1, 6), (6, 1), (3, 4), (2, 1, 3)], ids=str)
def test_norm_bound_is_above_the_largest_singular_value(shape):
    rng = np.random.default_rng(len(shape))
    f = rng.standard_normal(shape)
    sigma = max(np.linalg.norm(convolution_matrix(f, size, boundary="zero", output="full").toarray(), 2)
                for size in [(6,) * f.ndim, tuple(20 if m > 1 else 1 for m in shape)])
    bound = full_convolution_norm_bound(f)
    assert sigma * (1 - 1e-12) <= bound <= np.abs(f).sum() * (1 + 1e-12)
    if sum(m > 1 for m in shape) <= 1:                   # one axis: the sup of |F| to within 2 pi ||j f||_1 / 32m
        assert bound <= np.max(np.abs(np.fft.fft(f.ravel(), 2**16))) * (1 + 1e-3) + 1e-12


@pytest.mark.parametrize("shape", [(600, 600), (1, 10**7)], ids=str)
def test_norm_bound_of_a_huge_kernel_returns_at_once(shape):
    import time
    from convops._validation import AllocationTooLargeError
    f = np.ones(shape)
    began = time.perf_counter()
    assert full_convolution_norm_bound(f) == f.size            # ||f||_1, here also sup |F| = F(0)
    assert time.perf_counter() - began < 1.0
    with pytest.raises(AllocationTooLargeError, match=r"^the DFT grid \(4096, 4096\) of full_convolution_norm_bound"):
        full_convolution_norm_bound(np.ones((3, 3)), grid=(4096, 4096), max_bytes=2**20)
