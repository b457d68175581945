"""Iterative least-squares solvers against closed forms (numpy lstsq on the
stacked Tikhonov system, scipy lsqr) and the promises of their docstrings."""

import numpy as np
import pylops
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import aslinearoperator, lsqr

import convops
from solvers import as_operator, cgls, gradient_descent, nesterov, operator_norm
from reference import random_vector, tikhonov_reference

SOLVERS = [gradient_descent, nesterov, cgls]
SOLVER_IDS = ["gd", "nesterov", "cgls"]


# -- problems and references --------------------------------------------------------
def matrix_with_singular_values(rng, m, n, s, dtype=np.float64):
    """U diag(s) V^H with random orthonormal U, V (len(s) <= min(m, n))."""
    complex_ = np.dtype(dtype).kind == "c"

    def orthonormal(k):
        z = rng.standard_normal((k, k)) + (1j * rng.standard_normal((k, k)) if complex_ else 0)
        return np.linalg.qr(z)[0]

    S = np.zeros((m, n))
    S[: len(s), : len(s)] = np.diag(s)
    return (orthonormal(m) @ S @ orthonormal(n).conj().T).astype(dtype)


def normal_residual(A, b, x, reg):
    """||A^H (b - A x) - reg x||_2, computed independently of the solvers."""
    return np.linalg.norm(A.conj().T @ (b - A @ x) - reg * x)


def relerr(x, ref):
    return np.linalg.norm(x - ref) / np.linalg.norm(ref)


def well_conditioned(rng, m, n, rank=None, dtype=np.float64):
    rank = min(m, n) if rank is None else rank
    return matrix_with_singular_values(rng, m, n, np.linspace(1.0, 2.0, rank), dtype)


# -- agreement with closed forms ------------------------------------------------------
SHAPES = {"tall": (40, 15, None), "wide": (12, 30, None), "square": (20, 20, None),
          "rank-deficient": (30, 16, 6)}


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("reg", [0.0, 0.5])
def test_matches_lstsq_on_stacked_system(solver, shape, reg):
    rng = np.random.default_rng(1)
    m, n, rank = SHAPES[shape]
    A, b = well_conditioned(rng, m, n, rank), rng.standard_normal(m)
    res = solver(A, b, reg=reg, tol=1e-12, maxiter=5000)
    assert res.converged, res.message
    assert relerr(res.solution, tikhonov_reference(A, b, reg)) < 1e-8
    assert res.solution.shape == (n,)


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_matches_scipy_lsqr_on_convolution_matrix(solver):
    rng = np.random.default_rng(2)
    kernel = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]) / 5
    A = convops.convolution_matrix(kernel, (12, 10), boundary="replicate", output="full")
    b, reg = rng.standard_normal(A.shape[0]), 0.05
    ref = lsqr(A, b, damp=np.sqrt(reg), atol=1e-15, btol=1e-15, iter_lim=10_000)[0]
    res = solver(A, b, reg=reg, tol=1e-12, maxiter=20_000)
    assert res.converged, res.message
    assert relerr(res.solution, ref) < 1e-8


def test_cgls_needs_at_most_n_iterations_on_small_problems():
    rng = np.random.default_rng(3)
    for m, n in [(30, 12), (12, 12), (25, 5)]:
        A, b = well_conditioned(rng, m, n), rng.standard_normal(m)
        res = cgls(A, b, tol=1e-10)
        assert res.converged and res.iterations <= n
        assert relerr(res.solution, np.linalg.lstsq(A, b, rcond=None)[0]) < 1e-9


def test_acceleration_beats_gradient_descent_on_ill_conditioned_problem():
    rng = np.random.default_rng(4)
    A = matrix_with_singular_values(rng, 60, 30, np.logspace(0, -1.5, 30))  # cond ~ 32
    b = rng.standard_normal(60)
    runs = {name: f(A, b, tol=1e-8, maxiter=50_000)
            for name, f in [("gd", gradient_descent), ("nesterov", nesterov), ("cgls", cgls)]}
    assert all(r.converged for r in runs.values())
    assert runs["nesterov"].iterations < runs["gd"].iterations / 5
    assert runs["cgls"].iterations < runs["nesterov"].iterations
    plain = nesterov(A, b, tol=1e-8, maxiter=50_000, restart=False)
    assert runs["nesterov"].info["restarts"] > 0 and plain.info["restarts"] == 0
    assert runs["nesterov"].iterations < plain.iterations


# -- every accepted kind of operator -----------------------------------------------------
KERNEL = np.array([[0.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, 0.5]]) / 3
IMAGE_SHAPE = (9, 8)


def replicate_operators():
    op = convops.convolution_operator(KERNEL, IMAGE_SHAPE, boundary="replicate", output="same")
    M = convops.convolution_matrix(KERNEL, IMAGE_SHAPE, boundary="replicate", output="same")
    dense = M.toarray()
    return dense, {
        "dense": dense,
        "csr_array": M,
        "csr_matrix": sp.csr_matrix(M),
        "scipy-LinearOperator": aslinearoperator(dense),
        "convolution_operator": op,
        "pylops-MatrixMult": pylops.MatrixMult(dense),
        "pylops-wrapped": pylops.LinearOperator(op),
    }


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_every_operator_kind_gives_the_same_answer(solver):
    rng = np.random.default_rng(5)
    dense, kinds = replicate_operators()
    image = rng.standard_normal((dense.shape[0] // IMAGE_SHAPE[1], IMAGE_SHAPE[1]))
    reg = 0.1  # well conditioned: the point is that every kind of operator gives the same numbers
    ref = tikhonov_reference(dense, image.ravel(), reg)
    for name, A in kinds.items():
        res = solver(A, image, reg=reg, tol=1e-11, maxiter=20_000)
        assert res.converged, (name, res.message)
        assert res.solution.shape == (dense.shape[1],)
        assert relerr(res.solution, ref) < 1e-8, name


def test_pylops_convolve2d_matches_zero_boundary_matrix():
    rng = np.random.default_rng(6)
    P = pylops.signalprocessing.Convolve2D(IMAGE_SHAPE, h=KERNEL, offset=(1, 1))
    M = convops.convolution_matrix(KERNEL, IMAGE_SHAPE, boundary="zero", output="same")
    x = rng.standard_normal(IMAGE_SHAPE)
    np.testing.assert_allclose(P @ x.ravel(), M @ x.ravel(), atol=1e-12)  # same forward model
    b = rng.standard_normal(IMAGE_SHAPE)
    ref = tikhonov_reference(M.toarray(), b.ravel(), 0.01)
    for solver in SOLVERS:
        res = solver(P, b, reg=0.01, tol=1e-11, maxiter=20_000)
        assert res.converged and relerr(res.solution, ref) < 1e-8


def test_as_operator_wraps_and_refuses():
    dense = np.arange(6.0).reshape(3, 2)
    v, w = np.array([1.0, -1.0]), np.array([1.0, 2.0, 3.0])
    for A in [dense, sp.csr_array(dense), pylops.MatrixMult(dense), aslinearoperator(dense)]:
        op = as_operator(A)
        assert op.shape == (3, 2)
        np.testing.assert_allclose(op.matvec(v), dense @ v)
        np.testing.assert_allclose(op.rmatvec(w), dense.T @ w)
    lin = aslinearoperator(dense)
    assert as_operator(lin) is lin
    with pytest.raises(TypeError, match="list"):
        as_operator([[1.0, 2.0]])
    with pytest.raises(TypeError, match="str"):
        as_operator("matrix")
    with pytest.raises(ValueError, match=r"2-D.*\(2, 2, 2\)"):
        as_operator(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="dtype"):
        as_operator(np.array([["a", "b"]], dtype=object))


# -- dtypes ------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_float32_stays_float32(solver):
    rng = np.random.default_rng(7)
    kernel = KERNEL.astype(np.float32)
    image = rng.standard_normal(IMAGE_SHAPE).astype(np.float32)
    kinds = {
        "dense": well_conditioned(rng, 30, 12).astype(np.float32),
        "csr_array": convops.convolution_matrix(kernel, IMAGE_SHAPE, boundary="replicate",
                                                output="same"),
        "convolution_operator": convops.convolution_operator(kernel, IMAGE_SHAPE,
                                                             boundary="replicate", output="same"),
        # declared float32 but computes in float64 (a float64 kernel): cast back
        "pylops-Convolve2D": pylops.signalprocessing.Convolve2D(IMAGE_SHAPE, h=KERNEL,
                                                                 offset=(1, 1), dtype="float32"),
    }
    for name, A in kinds.items():
        b = image.ravel()[: A.shape[0]]
        res = solver(A, b, reg=0.5, tol=1e-5, maxiter=5000)
        assert res.converged, (name, res.message)
        assert res.solution.dtype == np.float32, name
        assert res.residual.dtype == np.float32, name
        ref = tikhonov_reference(as_operator(A).matmat(np.eye(A.shape[1])), b.astype(float), 0.5)
        assert relerr(res.solution, ref) < 1e-4, name


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_complex_problems(solver):
    rng = np.random.default_rng(8)
    A = well_conditioned(rng, 25, 10, dtype=np.complex128)
    b = random_vector(rng, 25, np.complex128)
    for reg in [0.0, 0.3]:
        res = solver(A, b, reg=reg, tol=1e-12, maxiter=5000)
        assert res.converged and res.solution.dtype == np.complex128
        assert relerr(res.solution, tikhonov_reference(A, b, reg)) < 1e-8
    # a real operator with complex data solves real and imaginary parts together
    R, z = well_conditioned(rng, 25, 10), random_vector(rng, 25, np.complex128)
    res = solver(sp.csr_array(R), z, tol=1e-12, maxiter=5000)
    assert res.solution.dtype == np.complex128
    assert relerr(res.solution, np.linalg.lstsq(R, z, rcond=None)[0]) < 1e-8
    res64 = solver(A.astype(np.complex64), b.astype(np.complex64), tol=1e-4, maxiter=5000)
    assert res64.converged and res64.solution.dtype == np.complex64


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_complex_solve_follows_its_real_embedding(solver):
    # C^n as R^2n: A x = b  <=>  [[Re A, -Im A], [Im A, Re A]] [Re x; Im x] = [Re b; Im b],
    # with the same inner products, so the iterates must coincide
    rng = np.random.default_rng(81)
    A = matrix_with_singular_values(rng, 20, 8, np.logspace(0, -1, 8), np.complex128)
    b = random_vector(rng, 20, np.complex128)
    R = np.block([[A.real, -A.imag], [A.imag, A.real]])
    kwargs = dict(reg=0.01, tol=1e-10, maxiter=5000)
    if solver is not cgls:
        kwargs["lipschitz"] = 1.0
    z = solver(A, b, **kwargs)
    x = solver(R, np.concatenate([b.real, b.imag]), **kwargs)
    assert z.converged and x.converged
    assert z.iterations == x.iterations and z.info.get("restarts") == x.info.get("restarts")
    np.testing.assert_allclose(np.concatenate([z.solution.real, z.solution.imag]), x.solution,
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(z.history.objective, x.history.objective, rtol=1e-8)


# -- history, stopping rule, reporting ------------------------------------------------------
@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_history_matches_the_iterates(solver):
    rng = np.random.default_rng(9)
    A, b, reg = well_conditioned(rng, 30, 12), rng.standard_normal(30), 0.2
    res = solver(A, b, reg=reg, tol=1e-10, maxiter=2000)
    h = res.history
    assert len(h) == res.iterations + 1
    assert len(h.residual_norm) == len(h.gradient_norm) == len(h.time) == len(h)
    assert np.all(np.diff(h.time) >= 0)
    x = res.solution
    r = A @ x - b
    np.testing.assert_allclose(res.residual, r, atol=1e-10)
    objective = 0.5 * np.linalg.norm(r) ** 2 + 0.5 * reg * np.linalg.norm(x) ** 2
    np.testing.assert_allclose([h.objective[-1], res.objective], objective, rtol=1e-10)
    np.testing.assert_allclose(h.residual_norm[-1], np.linalg.norm(r), rtol=1e-8)
    np.testing.assert_allclose(h.gradient_norm[-1], normal_residual(A, b, x, reg), rtol=1e-3, atol=1e-12)
    # entry 0 is the start x = 0
    np.testing.assert_allclose(h.objective[0], 0.5 * np.linalg.norm(b) ** 2)
    np.testing.assert_allclose(h.gradient_norm[0], np.linalg.norm(A.T @ b))


def test_gradient_descent_objective_and_cgls_residual_are_non_increasing():
    rng = np.random.default_rng(10)
    A = matrix_with_singular_values(rng, 40, 20, np.logspace(0, -1, 20))
    b = rng.standard_normal(40)
    gd = gradient_descent(A, b, reg=0.01, tol=1e-10, maxiter=20_000)
    obj = gd.history.objective
    assert gd.converged and len(obj) > 50
    assert np.all(np.diff(obj) <= 1e-13 * obj[0])
    cg = cgls(A, b, tol=1e-12, maxiter=200)
    res_norm = cg.history.residual_norm
    assert cg.converged and np.all(np.diff(res_norm) <= 1e-13 * res_norm[0])


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
@pytest.mark.parametrize("tol", [1e-3, 1e-9])
def test_stopping_rule_is_the_documented_one(solver, tol):
    rng = np.random.default_rng(11)
    A, b, reg = well_conditioned(rng, 30, 12), rng.standard_normal(30), 0.1
    res = solver(A, b, reg=reg, tol=tol, maxiter=5000)
    threshold = tol * np.linalg.norm(A.T @ b)
    assert res.converged
    assert res.history.gradient_norm[-1] <= threshold
    assert res.history.gradient_norm[-2] > threshold  # it stops as soon as the rule holds
    assert normal_residual(A, b, res.solution, reg) <= threshold * (1 + 1e-6)
    # relative to ||A^H b||: scaling the data by a power of two changes nothing
    scaled = solver(A, 2.0**20 * b, reg=reg, tol=tol, maxiter=5000)
    assert scaled.iterations == res.iterations
    np.testing.assert_allclose(scaled.solution, 2.0**20 * res.solution, rtol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_non_convergence_is_reported_not_raised(solver):
    rng = np.random.default_rng(12)
    A, b = well_conditioned(rng, 30, 12), rng.standard_normal(30)
    res = solver(A, b, tol=1e-14, maxiter=3)
    assert not res.converged and res.iterations == 3 and len(res.history) == 4
    assert "maximum number of iterations (3)" in res.message
    assert res.history.gradient_norm[-1] > 1e-14 * np.linalg.norm(A.T @ b)
    start = solver(A, b, maxiter=0, x0=np.ones(12))
    assert start.iterations == 0 and not start.converged
    np.testing.assert_array_equal(start.solution, np.ones(12))


def test_fixed_step_is_used_as_given():
    rng = np.random.default_rng(13)
    A, b, x0 = rng.standard_normal((10, 4)), rng.standard_normal(10), rng.standard_normal(4)
    res = gradient_descent(A, b, x0=x0, step=5e-5, reg=0.5, maxiter=1)
    assert res.info["step"] == 5e-5
    np.testing.assert_allclose(res.solution, x0 - 5e-5 * (A.T @ (A @ x0 - b) + 0.5 * x0))


@pytest.mark.parametrize("solver", [gradient_descent, nesterov], ids=["gd", "nesterov"])
def test_step_from_lipschitz_bound_and_from_estimate(solver):
    rng = np.random.default_rng(14)
    op = convops.convolution_operator(KERNEL, IMAGE_SHAPE, boundary="zero", output="same")
    b = rng.standard_normal(op.shape[0])
    bound = np.abs(KERNEL).sum()  # ||A||_2 <= ||h||_1 for convolution
    res = solver(op, b, reg=0.1, lipschitz=bound, tol=1e-8, maxiter=5000)
    assert res.converged and res.info["lipschitz"] == pytest.approx(bound**2 + 0.1)
    assert res.info["step"] == pytest.approx(1 / (bound**2 + 0.1))
    assert res.info["lipschitz_source"] == "given"
    est = solver(op, b, reg=0.1, tol=1e-8, maxiter=5000)
    true_norm = np.linalg.norm(op.matmat(np.eye(op.shape[1])), 2)
    assert est.converged and est.info["lipschitz_source"] == "lanczos"
    assert true_norm <= est.info["operator_norm"] <= 1.05 * true_norm
    assert est.info["step"] == pytest.approx(1 / (est.info["operator_norm"] ** 2 + 0.1))


@pytest.mark.parametrize("solver", [gradient_descent, nesterov], ids=["gd", "nesterov"])
def test_divergence_is_reported_with_the_best_iterate(solver):
    rng = np.random.default_rng(15)
    A, b = well_conditioned(rng, 20, 8), rng.standard_normal(20)
    with np.errstate(over="ignore", invalid="ignore"):
        res = solver(A, b, step=10.0, maxiter=5000)
    assert not res.converged and res.message.startswith("diverged")
    assert np.all(np.isfinite(res.solution))
    assert res.objective == np.nanmin(res.history.objective)


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_callback_sees_every_iterate_and_can_stop(solver):
    rng = np.random.default_rng(16)
    A, b = well_conditioned(rng, 30, 12), rng.standard_normal(30)
    seen = []

    def callback(x, k):
        seen.append((k, x.copy()))
        return k == 4

    res = solver(A, b, tol=1e-14, callback=callback)
    assert res.message == "stopped by callback" and not res.converged
    assert res.iterations == 4 and [k for k, _ in seen] == [1, 2, 3, 4]
    np.testing.assert_array_equal(seen[-1][1], res.solution)
    objectives = [0.5 * np.linalg.norm(A @ x - b) ** 2 for _, x in seen]
    np.testing.assert_allclose(res.history.objective[1:], objectives, rtol=1e-10)


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_zero_data_gives_zero_at_once(solver):
    A = np.arange(12.0).reshape(4, 3)
    res = solver(A, np.zeros(4), x0=np.ones(3))
    assert res.converged and res.iterations == 0 and len(res.history) == 1
    np.testing.assert_array_equal(res.solution, np.zeros(3))
    # data orthogonal to the range of A: A^H b = 0, so x = 0 is exact too
    res = solver(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), [0.0, 0.0, 3.0])
    assert res.converged and res.iterations == 0 and res.objective == 4.5


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_image_data_and_start_are_flattened_row_major(solver):
    rng = np.random.default_rng(19)
    op = convops.convolution_operator(KERNEL, IMAGE_SHAPE, boundary="circular", output="same")
    image, x0 = rng.standard_normal(IMAGE_SHAPE), rng.standard_normal(IMAGE_SHAPE)
    res = solver(op, image, x0=x0, reg=0.1, tol=1e-10, maxiter=5000)
    flat = solver(op, image.ravel(), x0=x0.ravel(), reg=0.1, tol=1e-10, maxiter=5000)
    assert res.solution.shape == (image.size,)
    np.testing.assert_array_equal(res.solution, flat.solution)
    # the start is used: a start at the answer converges at once
    again = solver(op, image, x0=res.solution.reshape(IMAGE_SHAPE), reg=0.1, tol=1e-8)
    assert again.converged and again.iterations == 0


def test_progress_bar_is_shown_only_when_asked(capsys):
    rng = np.random.default_rng(20)
    A, b = well_conditioned(rng, 30, 12), rng.standard_normal(30)
    quiet = cgls(A, b)
    assert capsys.readouterr().err == ""
    loud = cgls(A, b, progress=True)
    assert "cgls" in capsys.readouterr().err
    np.testing.assert_array_equal(quiet.solution, loud.solution)


# -- bad input ------------------------------------------------------------------------------
BAD_COMMON = [
    ({"reg": -1.0}, ValueError, "reg must be a finite number >= 0, got -1.0"),
    ({"reg": np.nan}, ValueError, "reg"),
    ({"reg": "0.1"}, TypeError, "reg must be a real number, got '0.1'"),
    ({"x0": np.zeros(5)}, ValueError, r"x0 has shape \(5,\).*\(6, 4\)"),
]
BAD_STEP = [
    ({"step": 0.0}, ValueError, "step must be a finite number > 0, got 0.0"),
    ({"step": -1e-3}, ValueError, "step"),
    ({"step": np.inf}, ValueError, "step must be a finite number > 0, got inf"),
    ({"step": np.nan}, ValueError, "step"),
    ({"lipschitz": 0.0}, ValueError, "lipschitz must be a finite number > 0"),
]


@pytest.mark.parametrize("solver", SOLVERS, ids=SOLVER_IDS)
def test_bad_arguments_are_refused_with_the_value(solver):
    A, b = np.ones((6, 4)), np.ones(6)
    cases = BAD_COMMON + (BAD_STEP if solver is not cgls else [])
    for kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            solver(A, b, **kwargs)
    with pytest.raises(ValueError, match=r"b has shape \(5,\).*\(6, 4\)"):
        solver(A, np.ones(5))
    with pytest.raises(ValueError, match="non-finite"):
        solver(A, [1.0, np.nan, 0, 0, 0, 0])
    with pytest.raises(TypeError, match="dict"):
        solver({"A": A}, b)


def test_operator_norm_is_a_lower_bound_converging_from_below():
    rng = np.random.default_rng(21)
    A = rng.standard_normal((30, 20))
    true = np.linalg.norm(A, 2)
    estimates = [operator_norm(A, maxiter=k, tol=0.0, rng=1) for k in (1, 2, 5, 20, 200)]
    assert all(e <= true * (1 + 1e-12) for e in estimates)
    assert np.all(np.diff(estimates) >= -1e-12 * true)
    assert estimates[-1] == pytest.approx(true, rel=1e-8)
    C = well_conditioned(rng, 10, 6, dtype=np.complex128) * 3
    assert operator_norm(sp.csr_array(C), rng=2) == pytest.approx(6.0, rel=1e-5)
    assert operator_norm(np.zeros((3, 2))) == 0.0
    with pytest.raises(TypeError, match="maxiter"):
        operator_norm(A, maxiter=5.0)
    with pytest.raises(ValueError, match="maxiter must be >= 1"):
        operator_norm(A, maxiter=0)


# -- properties ------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 9), n=st.integers(1, 9), seed=st.integers(0, 2**32 - 1),
       reg=st.sampled_from([0.0, 0.01, 1.0]), complex_=st.booleans())
def test_cgls_matches_lstsq_for_random_shapes(m, n, seed, reg, complex_):
    rng = np.random.default_rng(seed)
    dtype = np.complex128 if complex_ else np.float64
    k = min(m, n)
    A = matrix_with_singular_values(rng, m, n, rng.uniform(0.5, 2.0, k), dtype)
    b = random_vector(rng, m, dtype)
    res = cgls(A, b, reg=reg, tol=1e-12, maxiter=10 * n)
    assert res.converged
    ref = tikhonov_reference(A, b, reg)
    assert np.linalg.norm(res.solution - ref) <= 1e-9 * max(np.linalg.norm(ref), 1e-300)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_gradient_methods_agree_with_cgls_on_random_shapes(m, n, seed):
    rng = np.random.default_rng(seed)
    A = matrix_with_singular_values(rng, m, n, rng.uniform(0.5, 2.0, min(m, n)))
    b = rng.standard_normal(m)
    ref = cgls(A, b, reg=0.1, tol=1e-13, maxiter=10 * n).solution
    for solver in (gradient_descent, nesterov):
        res = solver(A, b, reg=0.1, tol=1e-11, maxiter=20_000)
        assert res.converged
        assert np.linalg.norm(res.solution - ref) <= 1e-8 * max(np.linalg.norm(ref), 1e-300)


# -- iterations as the regularisation: CGLS stopped by the discrepancy principle -------------------------------------
def _noisy_blur(seed=0, shape=(40, 36), sigma=0.02):
    """A smooth image blurred (replicate, Gaussian 7x7) plus white noise: an ill-posed least-squares problem."""
    import scipy.ndimage as ndi
    rng = np.random.default_rng(seed)
    truth = ndi.gaussian_filter(rng.random(shape), 2.0) * 4
    t = np.arange(7) - 3
    g = np.exp(-0.5 * (t / 1.5) ** 2)
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    A = convops.convolution_operator(kernel, shape, boundary="replicate", output="same")
    b = A.matvec(truth.ravel()) + sigma * rng.standard_normal(truth.size)
    return A, b, truth, kernel


def test_cgls_stops_at_the_first_iterate_that_meets_the_discrepancy_principle():
    A, b, truth, _ = _noisy_blur()
    sigma, tau = 0.02, 1.05
    errors = []
    free = cgls(A, b, tol=0.0, maxiter=60, callback=lambda x, k: errors.append(np.linalg.norm(x - truth.ravel())))
    target = tau * sigma * np.sqrt(b.size)
    r = free.history.residual_norm                      # every iterate's ||A x_k - b||, the start included
    first = int(np.argmax(r <= target))
    assert r[0] > target and r[-1] < target and 0 < first < 60
    seen = []
    stopped = cgls(A, b, tol=0.0, maxiter=60, noise_std=sigma, tau=tau, callback=lambda x, k: seen.append(x.copy()))
    assert stopped.iterations == first and stopped.converged and stopped.info["stop"] == "discrepancy"
    assert stopped.info["discrepancy"] == pytest.approx(target, rel=1e-15)
    np.testing.assert_allclose(stopped.history.residual_norm, r[: first + 1], rtol=1e-12)
    assert stopped.history.residual_norm[-1] <= target < stopped.history.residual_norm[-2]
    # the residual returned is that of the solution, checked against the operator
    np.testing.assert_allclose(np.linalg.norm(A.matvec(stopped.solution) - b), r[first], rtol=1e-8)
    np.testing.assert_array_equal(seen[-1], stopped.solution)
    # semi-convergence: the error falls, then rises; the discrepancy stop is near its minimum
    best = int(np.argmin(errors)) + 1
    assert 1 < best < 60 and errors[-1] > 1.5 * errors[best - 1]
    assert errors[first - 1] < 1.3 * errors[best - 1]
    assert free.info["stop"] == "maxiter" and free.info["discrepancy"] is None


def test_cgls_discrepancy_at_the_start_and_never_met():
    A, b, _, _ = _noisy_blur()
    at_start = cgls(A, b, noise_std=np.linalg.norm(b))   # ||b|| <= tau sigma sqrt(m): x0 = 0 is the answer
    assert at_start.iterations == 0 and at_start.info["stop"] == "discrepancy" and not at_start.solution.any()
    never = cgls(A, b, noise_std=1e-9, maxiter=5)
    assert never.iterations == 5 and not never.converged and never.info["stop"] == "maxiter"


@pytest.mark.parametrize("kwargs, error, match", [
    ({"noise_std": -0.1}, ValueError, "noise_std"), ({"noise_std": 0.0}, ValueError, "noise_std"),
    ({"noise_std": np.nan}, ValueError, "noise_std"), ({"noise_std": np.inf}, ValueError, "noise_std"),
    ({"noise_std": "0.1"}, TypeError, "noise_std"), ({"noise_std": 0.1, "tau": 0.5}, ValueError, "tau"),
    ({"noise_std": 0.1, "tau": np.nan}, ValueError, "tau"), ({"tau": 0.9}, ValueError, "tau"),
])
def test_cgls_bad_noise_std_and_tau(kwargs, error, match):
    with pytest.raises(error, match=match):
        cgls(np.ones((6, 4)), np.ones(6), **kwargs)
