"""Direct least squares against numpy's SVD solutions, pinv and scipy lsqr."""

import numpy as np
import pylops
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import aslinearoperator, lsqr

import convops
import solvers._direct as direct
from solvers import cgls, least_squares
from reference import random_vector, tikhonov_reference
from test_iterative import relerr


def random_matrix(rng, m, n, rank=None, dtype=np.float64):
    rank = min(m, n) if rank is None else rank
    A = rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))
    if np.dtype(dtype).kind == "c":
        A = A + 1j * (rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n)))
    return A.astype(dtype)


SHAPES = {"tall": (30, 12), "wide": (10, 25), "square": (15, 15)}


@pytest.mark.parametrize("method", ["dense", "sparse", "auto"])
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("reg", [0.0, 0.5])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128], ids=["real", "complex"])
def test_matches_lstsq_on_stacked_system(method, shape, reg, dtype):
    rng = np.random.default_rng(1)
    m, n = SHAPES[shape]
    A, b = random_matrix(rng, m, n, dtype=dtype), random_vector(rng, m, dtype)
    res = least_squares(sp.csr_array(A), b, reg=reg, method=method)
    assert relerr(res.solution, tikhonov_reference(A, b, reg)) < 1e-10
    assert res.solution.dtype == dtype and res.solution.shape == (A.shape[1],)
    assert res.converged and res.iterations == 0 and len(res.history) == 1
    np.testing.assert_allclose(res.residual, A @ res.solution - b, atol=1e-12)
    x = res.solution
    objective = 0.5 * np.linalg.norm(A @ x - b) ** 2 + 0.5 * reg * np.linalg.norm(x) ** 2
    np.testing.assert_allclose([res.objective, res.history.objective[0]], objective, rtol=1e-10, atol=1e-20)
    assert res.history.gradient_norm[0] < 1e-10 * np.linalg.norm(A.conj().T @ b)
    assert res.info["method"] == ("dense" if method == "auto" else method)


def test_matches_scipy_lsqr_on_a_large_convolution_matrix():
    # 2,704 unknowns: 'auto' picks the sparse factorisation
    rng = np.random.default_rng(2)
    kernel = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]) / 5
    A = convops.convolution_matrix(kernel, (52, 52), boundary="replicate", output="same")
    b, reg = rng.standard_normal((52, 52)), 0.01
    res = least_squares(A, b, reg=reg)
    assert res.info["method"] == "sparse"
    ref = lsqr(A, b.ravel(), damp=np.sqrt(reg), atol=1e-14, btol=1e-14, iter_lim=20_000)[0]
    assert relerr(res.solution, ref) < 1e-8
    full = convops.convolution_matrix(kernel, (52, 52), boundary="zero", output="full")
    res = least_squares(full, rng.standard_normal(full.shape[0]))  # tall, full column rank
    ref = lsqr(full, full @ res.solution + res.residual, atol=1e-14, btol=1e-14, iter_lim=20_000)[0]
    assert res.info["system"].startswith("LU of [[I, A]") and relerr(res.solution, ref) < 1e-8


@pytest.mark.parametrize("shape,rank", [((20, 8), 5), ((8, 20), 5), ((12, 12), 11)],
                         ids=["tall", "wide", "square"])
def test_rank_deficient_dense_is_minimum_norm_and_sparse_refuses(shape, rank):
    rng = np.random.default_rng(3)
    A, b = random_matrix(rng, *shape, rank=rank), rng.standard_normal(shape[0])
    res = least_squares(sp.csr_array(A), b, method="dense")
    np.testing.assert_allclose(res.solution, np.linalg.pinv(A) @ b, rtol=1e-8, atol=1e-10)
    assert res.info["rank"] == rank
    with pytest.raises(ValueError, match="rank deficient.*reg > 0.*method='dense'"):
        least_squares(sp.csr_array(A), b, method="sparse")
    # regularised, the sparse system is positive definite again
    reg = least_squares(sp.csr_array(A), b, reg=0.1, method="sparse")
    assert relerr(reg.solution, tikhonov_reference(A, b, 0.1)) < 1e-8


def test_structurally_singular_sparse_system_is_refused():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((10, 4))
    A[:, 2] = 0.0
    with pytest.raises(ValueError, match=r"shape \(10, 4\) is rank deficient"):
        least_squares(sp.csr_array(A), rng.standard_normal(10), method="sparse")
    res = least_squares(A, A @ np.array([1.0, 2.0, 5.0, 3.0]))
    np.testing.assert_allclose(res.solution, [1.0, 2.0, 0.0, 3.0], atol=1e-12)


def test_every_input_kind_gives_the_same_answer():
    rng = np.random.default_rng(5)
    kernel = np.array([[1.0, 2.0], [0.5, -1.0]])
    shape = (7, 6)
    op = convops.convolution_operator(kernel, shape, boundary="replicate", output="same")
    M = convops.convolution_matrix(kernel, shape, boundary="replicate", output="same")
    b = rng.standard_normal(shape)
    ref = tikhonov_reference(M.toarray(), b.ravel(), 0.05)
    kinds = {"csr_array": M, "csc_matrix": sp.csc_matrix(M), "dense": M.toarray(),
             "operator": op, "scipy-LinearOperator": aslinearoperator(M),
             "pylops": pylops.MatrixMult(M.toarray())}
    for name, A in kinds.items():
        for method in ["auto", "dense", "sparse"]:
            res = least_squares(A, b, reg=0.05, method=method)
            assert relerr(res.solution, ref) < 1e-10, (name, method)


def test_float32_stays_float32():
    rng = np.random.default_rng(6)
    A = random_matrix(rng, 20, 8).astype(np.float32)
    b = rng.standard_normal(20).astype(np.float32)
    for method in ["dense", "sparse"]:
        for reg in [0.0, 0.5]:
            res = least_squares(sp.csr_array(A), b, reg=reg, method=method)
            assert res.solution.dtype == np.float32 and res.residual.dtype == np.float32
            ref = tikhonov_reference(A.astype(float), b.astype(float), reg)
            assert relerr(res.solution, ref) < 1e-4


def test_large_matrix_free_operator_is_refused_with_advice():
    op = convops.convolution_operator(np.ones((3, 3)), (50, 50), boundary="zero", output="same")
    with pytest.raises(ValueError, match=r"matrix-free.*\(2500, 2500\).*cgls"):
        least_squares(op, np.ones(2500))
    small = convops.convolution_operator(np.ones((3, 3)), (6, 5), boundary="zero", output="same")
    res = least_squares(small, np.ones(30), reg=0.1)
    assert res.info["method"] == "dense"
    ref = cgls(small, np.ones(30), reg=0.1, tol=1e-13).solution
    assert relerr(res.solution, ref) < 1e-10


def test_dense_size_limit(monkeypatch):
    monkeypatch.setattr(direct, "DENSE_MAX_BYTES", 1000)
    A = sp.csr_array(np.eye(40, 30) + np.eye(40, 30, k=1))
    with pytest.raises(ValueError, match=r"shape \(40, 30\).*MiB.*method='sparse'"):
        least_squares(A, np.ones(40), method="dense")
    assert least_squares(A, np.ones(40)).info["method"] == "sparse"


def test_bad_input_is_refused_with_the_value():
    A, b = sp.csr_array(np.eye(4, 3)), np.ones(4)
    with pytest.raises(ValueError, match="unknown method 'qr'; allowed: 'auto', 'dense', 'sparse'"):
        least_squares(A, b, method="qr")
    with pytest.raises(ValueError, match="reg must be a finite number >= 0, got -0.1"):
        least_squares(A, b, reg=-0.1)
    with pytest.raises(ValueError, match="reg must be a finite number >= 0, got inf"):
        least_squares(A, b, reg=np.inf)
    with pytest.raises(TypeError, match="reg must be a real number"):
        least_squares(A, b, reg=1j)
    with pytest.raises(ValueError, match=r"b has shape \(3,\).*\(4, 3\)"):
        least_squares(A, np.ones(3))
    with pytest.raises(ValueError, match="non-finite"):
        least_squares(A, [1.0, np.inf, 0.0, 0.0])
    with pytest.raises(TypeError, match="tuple"):
        least_squares((1, 2), b)


@settings(max_examples=30, deadline=None)
@given(m=st.integers(1, 9), n=st.integers(1, 9), seed=st.integers(0, 2**32 - 1),
       reg=st.sampled_from([0.0, 0.1]))
def test_sparse_and_dense_agree_on_full_rank_random_shapes(m, n, seed, reg):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((m, m)))[0]
    V = np.linalg.qr(rng.standard_normal((n, n)))[0]
    S = np.zeros((m, n))
    k = min(m, n)
    S[:k, :k] = np.diag(rng.uniform(0.5, 2.0, k))
    A, b = U @ S @ V.T, rng.standard_normal(m)
    dense = least_squares(A, b, reg=reg, method="dense").solution
    sparse = least_squares(sp.csr_array(A), b, reg=reg, method="sparse").solution
    np.testing.assert_allclose(sparse, dense, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(dense, tikhonov_reference(A, b, reg), rtol=1e-9, atol=1e-10)


def test_auto_factorises_sparse_inputs_and_falls_back_to_the_minimum_norm_solution():
    from convops import convolution_matrix

    rng = np.random.default_rng(0)
    kernel = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    A = convolution_matrix(kernel, (20, 20), boundary="zero", output="full")  # 400 unknowns, full rank
    b = rng.standard_normal(A.shape[0])
    result = least_squares(A, b)
    assert result.info["method"] == "sparse"
    np.testing.assert_allclose(result.solution, np.linalg.lstsq(A.toarray(), b, rcond=None)[0], atol=1e-10)
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)
    S = convolution_matrix(cross, (24, 24), boundary="circular", output="same")  # singular
    y = rng.standard_normal(S.shape[0])
    fallback = least_squares(S, y)
    assert fallback.info["method"] == "dense"
    np.testing.assert_allclose(fallback.solution, np.linalg.pinv(S.toarray()) @ y, atol=1e-9)
    with pytest.raises(ValueError, match="rank deficient"):
        least_squares(S, y, method="sparse")
