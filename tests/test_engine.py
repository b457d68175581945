"""The one iteration engine: an upper-bound Lipschitz constant, pcg against
numpy.linalg.solve, Ctrl-C, the progress bar, and the same errors everywhere."""

import functools

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, aslinearoperator

import convops
import solvers
import solvers._progress as progress_module
from solvers import cgls, gradient_descent, inverse_kernel, least_squares, nesterov, operator_norm
from solvers._iterative import pcg
from reference import random_vector, tikhonov_reference


# -- problems ---------------------------------------------------------------------
def with_singular_values(seed, m, n, s, dtype=np.float64):
    rng = np.random.default_rng(seed)
    complex_ = np.dtype(dtype).kind == "c"

    def orthonormal(k, j):
        z = rng.standard_normal((k, j)) + (1j * rng.standard_normal((k, j)) if complex_ else 0)
        return np.linalg.qr(z)[0]

    return ((orthonormal(m, len(s)) * s) @ orthonormal(n, len(s)).conj().T).astype(dtype)


def motion_blur(length, angle):
    """A normalised, anti-aliased (bilinear) line kernel."""
    size = length | 1
    k, c = np.zeros((size, size)), (size - 1) / 2
    for t in np.linspace(-(length - 1) / 2, (length - 1) / 2, 50 * size):
        y, x = c - t * np.sin(np.radians(angle)), c + t * np.cos(np.radians(angle))
        y0, x0 = int(y), int(x)
        for dy, fy in ((0, 1 - (y - y0)), (1, y - y0)):
            for dx, fx in ((0, 1 - (x - x0)), (1, x - x0)):
                if y0 + dy < size and x0 + dx < size:
                    k[y0 + dy, x0 + dx] += fy * fx
    return k / k.sum()


PROBLEMS = {
    # one singular value above a cluster: power iteration stalls on the cluster
    "clustered-top": lambda: with_singular_values(0, 300, 250, np.r_[1.0, np.linspace(0.995, 0.985, 249)]),
    "ill-conditioned": lambda: with_singular_values(1, 60, 40, np.logspace(0, -8, 40)),
    "gaussian": lambda: np.random.default_rng(2).standard_normal((50, 30)),
    "complex": lambda: with_singular_values(3, 40, 30, np.linspace(2.0, 1.9, 30), np.complex128),
    "sparse": lambda: sp.random_array((80, 60), density=0.1, rng=4).tocsr(),
    "line-1x9-replicate": lambda: convops.convolution_operator(np.ones((1, 9)) / 9, (32, 32),
                                                               boundary="replicate", output="same"),
    "diagonal-zero": lambda: convops.convolution_operator(motion_blur(9, 30), (32, 32),
                                                          boundary="zero", output="same"),
}
METHODS = ["gd", "nesterov", "cgls", "pcg"]


@functools.lru_cache(maxsize=None)
def problem(name):
    A = PROBLEMS[name]()
    dense = solvers.as_operator(A).matmat(np.eye(A.shape[1])) if not isinstance(A, np.ndarray) else A
    return A, np.linalg.svd(dense, compute_uv=False)[0] ** 2


# -- 1. the Lipschitz constant is an upper bound ------------------------------------------
@pytest.mark.parametrize("name", list(PROBLEMS))
@pytest.mark.parametrize("solver", [gradient_descent, nesterov], ids=["gd", "nesterov"])
def test_default_lipschitz_is_an_upper_bound_and_close(name, solver):
    A, squared_norm = problem(name)
    b = np.random.default_rng(5).standard_normal(A.shape[0])
    for reg in (0.0, 0.1):
        info = solver(A, b, reg=reg, maxiter=1).info
        true = squared_norm + reg
        assert true <= info["lipschitz"] <= 1.1 * true, (name, reg, info["lipschitz"], true)
        assert info["lipschitz_source"] == "lanczos"
        assert info["step"] == pytest.approx(1.0 / info["lipschitz"])
        assert info["operator_norm"] ** 2 + reg == pytest.approx(info["lipschitz"])


@pytest.mark.parametrize("scale", [1.0, 1e-200, 1e200])
@pytest.mark.parametrize("name", ["clustered-top", "complex", "diagonal-zero"])
def test_operator_norm_upper_bound_and_estimate_bracket_the_norm(name, scale):
    A, squared_norm = problem(name)
    A, norm = A * scale, np.sqrt(squared_norm) * scale  # A^H A of the extreme scales is not representable
    upper = operator_norm(A, upper=True, tol=0.05, maxiter=1000, rng=7)
    assert norm <= upper <= np.sqrt(1.05) * norm * (1 + 1e-12)
    assert operator_norm(A, rng=7) <= norm * (1 + 1e-12)


def test_operator_norm_upper_bound_refuses_too_few_steps():
    with pytest.raises(ValueError, match=r"maxiter=5 Lanczos steps give no upper bound at "
                                         r"failure_probability=1e-06"):
        operator_norm(np.eye(3), upper=True, maxiter=5)
    with pytest.raises(ValueError, match="failure_probability must lie in"):
        operator_norm(np.eye(3), upper=True, failure_probability=0.0)
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        operator_norm(np.eye(3), upper=True, tol=0.0)
    assert operator_norm(np.zeros((3, 2)), upper=True) == 0.0


# -- 2. pcg ------------------------------------------------------------------------------------
def hpd(rng, n, dtype, spread=1.0):
    """A Hermitian positive definite matrix with eigenvalues in [1, 10**spread]."""
    Q = np.linalg.qr(random_vector(rng, (n, n), dtype))[0]
    D = np.diag(np.sqrt(np.logspace(0, 3, n)))  # bad scaling, undone by a Jacobi preconditioner
    return D @ ((Q * np.logspace(0, spread, n)) @ Q.conj().T) @ D


@pytest.mark.parametrize("dtype", [np.float64, np.complex128], ids=["real", "complex"])
@pytest.mark.parametrize("preconditioned", [False, True], ids=["plain", "jacobi"])
def test_pcg_matches_numpy_solve(dtype, preconditioned):
    rng = np.random.default_rng(10)
    for n in (1, 5, 20):
        T, b = hpd(rng, n, dtype), random_vector(rng, n, dtype)
        M = np.diag(1.0 / np.diag(T).real) if preconditioned else None
        res, ref = pcg(T, b, preconditioner=M, tol=1e-12, maxiter=500), np.linalg.solve(T, b)
        assert res.converged and res.solution.dtype == dtype, res.message
        np.testing.assert_allclose(res.solution, ref, rtol=1e-8 * np.linalg.cond(T), atol=0)
        x = res.solution
        assert np.linalg.norm(b - T @ x) <= 1e-12 * np.linalg.norm(b) * (1 + 1e-9)
        np.testing.assert_allclose(res.residual, T @ x - b, atol=1e-12 * np.linalg.norm(b) * n)
        energy = 0.5 * np.real(np.vdot(x, T @ x)) - np.real(np.vdot(b, x))
        np.testing.assert_allclose([res.objective, res.history.objective[-1]], energy, rtol=1e-9)
        assert res.history.gradient_norm[-1] == pytest.approx(np.linalg.norm(T @ x - b), rel=1e-6, abs=1e-14)
        assert len(res.history) == res.iterations + 1


def test_pcg_preconditioner_is_used_and_start_is_used():
    rng = np.random.default_rng(11)
    T, b = hpd(rng, 40, np.float64, spread=0.5), rng.standard_normal(40)
    plain = pcg(T, b, tol=1e-10, maxiter=500)
    jacobi = pcg(T, b, tol=1e-10, preconditioner=sp.diags_array(1.0 / np.diag(T)))
    assert plain.converged and jacobi.converged
    assert jacobi.iterations < plain.iterations / 2
    again = pcg(T, b, x0=jacobi.solution, tol=1e-8)
    assert again.converged and again.iterations == 0


def test_pcg_on_normal_equations_is_the_tikhonov_solution_with_the_shared_rule():
    rng = np.random.default_rng(12)
    A, y, reg = rng.standard_normal((30, 12)), rng.standard_normal(30), 0.3
    T = aslinearoperator(A.T @ A + reg * np.eye(12))
    res = pcg(T, A.T @ y, tol=1e-9)
    ref = cgls(A, y, reg=reg, tol=1e-9)
    assert res.converged and res.iterations == ref.iterations
    np.testing.assert_allclose(res.solution, tikhonov_reference(A, y, reg), rtol=1e-8)
    np.testing.assert_allclose(res.history.gradient_norm[:-1], ref.history.gradient_norm[:-1], rtol=1e-6)
    threshold = 1e-9 * np.linalg.norm(A.T @ y)
    assert res.history.gradient_norm[-1] <= threshold and ref.history.gradient_norm[-1] <= threshold


def test_pcg_zero_rhs_indefinite_matrix_and_measure():
    res = pcg(np.eye(3), np.zeros(3), x0=np.ones(3))
    assert res.converged and res.iterations == 0
    np.testing.assert_array_equal(res.solution, np.zeros(3))
    bad = pcg(np.diag([1.0, -1.0]), [1.0, 1.0])
    assert not bad.converged and bad.message.startswith("breakdown")
    seen = []
    res = pcg(np.diag([1.0, 2.0]), [1.0, 1.0], measure=lambda x, g: (seen.append(1) or 7.0, 3.0))
    assert res.converged and np.all(res.history.objective == 7.0) and np.all(res.history.residual_norm == 3.0)
    assert len(seen) == len(res.history)


# -- 2. Ctrl-C returns the best iterate, for every method ---------------------------------------
def interrupt_at(k, seen):
    def callback(x, i):
        seen[i] = x.copy()
        if i == k:
            raise KeyboardInterrupt
    return callback


def solve(method, A, b, **kwargs):  # pcg on the normal equations, with the operator A^T A
    if method == "pcg":
        return pcg(aslinearoperator(A.T) @ aslinearoperator(A), A.T @ b, **kwargs)
    return {"gd": gradient_descent, "nesterov": nesterov, "cgls": cgls}[method](A, b, **kwargs)


@pytest.mark.parametrize("method", METHODS)
def test_keyboard_interrupt_returns_the_best_iterate(method):
    A = with_singular_values(13, 30, 12, np.logspace(0, -1, 12))
    b = np.random.default_rng(13).standard_normal(30)
    seen = {}
    kwargs = {"step": 1.9, "restart": False} if method == "nesterov" else {}
    res = solve(method, A, b, tol=1e-14, callback=interrupt_at(4, seen), **kwargs)
    assert res.message == "interrupted" and not res.converged
    assert res.iterations == 4 and len(res.history) == 5
    best = int(np.argmin(res.history.objective))
    assert res.info["best_iteration"] == best and res.objective == res.history.objective[best]
    assert method != "nesterov" or best < res.iterations  # oscillating iterates: the best is not the last
    if best:
        np.testing.assert_array_equal(res.solution, seen[best])


def interrupting(M, which, k):
    """`M` as an operator whose `which` product ('matvec' or 'rmatvec') raises KeyboardInterrupt at call `k`."""
    calls = iter(range(1, 1000))

    def product(v, adjoint):
        if adjoint == (which == "rmatvec") and next(calls) == k:
            raise KeyboardInterrupt
        return (M.T if adjoint else M) @ v
    return LinearOperator(M.shape, lambda v: product(v, False), lambda v: product(v, True), dtype=float)


@pytest.mark.parametrize("which, k", [("matvec", 3), ("rmatvec", 3), ("rmatvec", 5)])
@pytest.mark.parametrize("method", METHODS)
def test_interrupted_product_leaves_the_returned_iterate_intact(method, which, k):
    A, b = with_singular_values(15, 20, 8, np.logspace(0, -1, 8)), np.random.default_rng(15).standard_normal(20)
    if method == "pcg":  # T = A^T A, which has only products with T
        T = interrupting(A.T @ A, "matvec", k)
        res, true = pcg(T, A.T @ b, tol=1e-14), lambda x: 0.5 * x @ (A.T @ A) @ x - x @ (A.T @ b)
    else:
        step = {} if method == "cgls" else {"step": 1 / np.linalg.norm(A, 2) ** 2}
        res, true = solve(method, interrupting(A, which, k), b, tol=1e-14, **step), \
            lambda x: 0.5 * np.sum((A @ x - b) ** 2)
    assert res.message == "interrupted" and res.iterations >= 1 and res.objective == min(res.history.objective)
    assert true(res.solution) == pytest.approx(res.objective, rel=1e-12)


def test_inverse_kernel_cg_interrupt_and_history_from_the_engine():
    f = np.array([[1.0, 0.5, 0.2], [0.3, -0.8, 0.1], [0.2, 0.1, 0.6]])
    seen = {}
    res = inverse_kernel(f, (9, 9), method="cg", tol=1e-14, callback=interrupt_at(3, seen))
    assert res.message == "interrupted" and res.iterations == 3 and res.solution.shape == (9, 9)
    np.testing.assert_array_equal(res.solution, seen[int(np.argmin(res.history.objective))])
    done = inverse_kernel(f, (9, 9), method="cg", reg=0.01, tol=1e-12)
    assert done.converged and len(done.history) == done.iterations + 1
    assert done.history.objective[-1] == pytest.approx(done.objective, rel=1e-8)
    assert done.history.residual_norm[-1] == pytest.approx(done.info["error_norm"], rel=1e-6)
    assert np.all(np.diff(done.history.objective) <= 1e-12)


# -- 3. progress: a converged solve closes its bar complete ---------------------------------------
def test_progress_bar_ends_complete_when_the_solve_converges(monkeypatch):
    bars = []

    class Recording(progress_module.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(progress_module, "tqdm", Recording)
    rng = np.random.default_rng(14)
    A, b = rng.standard_normal((30, 12)), rng.standard_normal(30)
    runs = [cgls(A, b, progress=True, maxiter=1000), gradient_descent(A, b, progress=True, tol=1e-6),
            pcg(A.T @ A, A.T @ b, progress=True, maxiter=1000),
            inverse_kernel(np.array([1.0, 0.4]), 12, method="cg", progress=True)]
    assert len(bars) == len(runs)
    for bar, res in zip(bars, runs):
        assert res.converged
        assert bar.n == bar.total == res.iterations


# -- 4. the same errors everywhere -------------------------------------------------------------------
STOPPING = [({"tol": -1}, ValueError, r"tol must be a finite number >= 0, got -1"),
            ({"tol": np.nan}, ValueError, "tol must be a finite number >= 0, got nan"),
            ({"maxiter": -5}, ValueError, r"maxiter must be >= 0, got -5"),
            ({"maxiter": 2.5}, TypeError, r"maxiter must be an integer >= 0, got 2.5"),
            ({"maxiter": True}, TypeError, r"maxiter must be an integer >= 0, got True"),
            ({"maxiter": 10**15}, ValueError, r"maxiter must be <= 100_000_000 .*, got 10{15}")]


@pytest.mark.parametrize("kwargs, error, match", STOPPING, ids=lambda v: str(v)[:20])
def test_stopping_arguments_are_checked_alike_by_every_method(kwargs, error, match):
    A, b = np.eye(4, 3) + 0.1, np.ones(4)
    for solver in (gradient_descent, nesterov, cgls):
        with pytest.raises(error, match=match):
            solver(A, b, **kwargs)
    with pytest.raises(error, match=match):
        pcg(np.eye(3), np.ones(3), **kwargs)
    for method in ("cg", "gd", "nesterov"):
        with pytest.raises(error, match=match):
            inverse_kernel([1.0, 0.5], 5, method=method, **kwargs)


def nan_operator(shape=(6, 4)):
    """A LinearOperator whose products carry a NaN whatever the input."""
    M = np.eye(*shape) + 0.1

    def poisoned(v, T=False):
        out = (M.T if T else M) @ v
        out[1] = np.nan
        return out
    return LinearOperator(shape, matvec=poisoned, rmatvec=lambda v: poisoned(v, True), dtype=float)


def test_non_finite_operators_and_data_are_named():
    b = np.ones(6)
    for solver in (gradient_descent, nesterov, cgls, least_squares):
        with pytest.raises(ValueError, match="operator A returned 1 non-finite value"):
            solver(nan_operator(), b)
    with pytest.raises(ValueError, match="operator T returned 1 non-finite value"):
        pcg(nan_operator((4, 4)), np.ones(4))
    bad = np.eye(6, 4) + 0.1
    bad[2, 1], bad[3, 3] = np.nan, np.inf
    for A in (bad, sp.csr_array(bad)):
        for solver in (cgls, gradient_descent, least_squares):
            with pytest.raises(ValueError, match=r"A contains 2 non-finite value\(s\)"):
                solver(A, b)
        with pytest.raises(ValueError, match=r"A contains 2 non-finite value\(s\)"):
            least_squares(A, b, method="sparse")
    for solver in (gradient_descent, nesterov, cgls):
        with pytest.raises(ValueError, match=r"b contains 2 non-finite value\(s\)"):
            solver(np.eye(6, 4), [np.nan, 1, np.inf, 0, 0, 0])
        with pytest.raises(ValueError, match=r"x0 contains 1 non-finite value\(s\)"):
            solver(np.eye(6, 4), b, x0=[0, np.nan, 0, 0])
    with pytest.raises(ValueError, match=r"b contains 1 non-finite value\(s\)"):
        pcg(np.eye(2), [1.0, np.nan])
    with pytest.raises(ValueError, match=r"T must be square .* \(3, 2\)"):
        pcg(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match=r"preconditioner has shape \(2, 2\); allowed: \(3, 3\)"):
        pcg(np.eye(3), np.ones(3), preconditioner=np.eye(2))


def test_history_recorder_is_internal():
    assert "HistoryRecorder" not in solvers._result.__all__ and "pcg" in solvers._iterative.__all__
    assert solvers._result.HistoryRecorder and {"as_operator", "operator_norm"} <= set(solvers._operators.__all__)


# -- 5. any scale of the data -----------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1e-170, 1e170, 1e-300])
@pytest.mark.parametrize("method", METHODS)
def test_extreme_data_scales_give_the_scaled_lstsq_solution(method, scale):
    A, b = np.array([[2.0, 1.0], [0.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0, 3.0])
    ref, res = np.linalg.lstsq(A, b, rcond=None)[0], solve(method, A, b * scale)
    assert res.converged and res.message.startswith("converged: ||") and res.iterations >= 1
    np.testing.assert_allclose(res.solution, ref * scale, rtol=1e-6)
    residual = np.linalg.norm(A @ ref - b) * scale if method != "pcg" else 0.0
    assert res.history.residual_norm[-1] == pytest.approx(residual, rel=1e-6, abs=1e-6 * scale)
    assert res.objective == (np.inf if scale > 1 else 0.0) or method == "pcg"  # 0.5 ||r||^2 is beyond the range


@pytest.mark.parametrize("c", [1e-200, 1e-160, 1.0, 1e160, 1e200])
def test_norm_neither_underflows_nor_overflows(c):
    for v in (np.array([3.0, 4.0]) * c, np.array([3.0, 4.0j]) * c):
        assert solvers._linalg.norm(v) == pytest.approx(5 * c, rel=1e-15)
