"""Property tests over random kernel and image shapes, rules, windows and
anchors, including the shapes nobody thought of (kernel larger than the
image, 1xN, Nx1, 1x1)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from convops import BOUNDARIES, OUTPUTS, convolution_matrix, convolution_operator, dot_test
from reference import reference


@st.composite
def problems(draw):
    ndim = draw(st.sampled_from([1, 2, 2, 2, 3]))
    kshape = tuple(draw(st.integers(1, 6)) for _ in range(ndim))
    shape = tuple(draw(st.integers(1, 7)) for _ in range(ndim))
    output = draw(st.sampled_from(sorted(OUTPUTS)))
    if output == "valid":
        shape = tuple(max(n, m) for n, m in zip(shape, kshape))
    origin = tuple(draw(st.integers(-(m // 2), (m - 1) // 2)) for m in kshape) if output == "same" else 0
    return dict(kshape=kshape, shape=shape, output=output, origin=origin,
                boundary=draw(st.sampled_from(sorted(BOUNDARIES))),
                correlate=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


def setup(p, *, structural_zeros=False):
    rng = np.random.default_rng(p["seed"])
    kernel = rng.standard_normal(p["kshape"])
    if structural_zeros:  # taps the matrix must not store
        kernel[rng.random(p["kshape"]) < 0.2] = 0.0
    image = rng.standard_normal(p["shape"])
    kw = dict(boundary=p["boundary"], output=p["output"], origin=p["origin"], correlate=p["correlate"])
    return rng, kernel, image, kw


@given(problems())
def test_matrix_equals_reference(p):
    _, kernel, image, kw = setup(p, structural_zeros=True)
    A = convolution_matrix(kernel, image.shape, **kw)
    expected = reference(image, kernel, p["boundary"], p["output"], p["origin"], p["correlate"])
    np.testing.assert_allclose(A @ image.ravel(), expected.ravel(), rtol=1e-12, atol=1e-12)
    assert A.has_canonical_format and np.all(A.data != 0)


@given(problems())
def test_operator_equals_matrix_and_adjoint_is_exact(p):
    # No structural zeros here: an operator that is zero in exact arithmetic
    # has inner products at rounding level, and no relative dot test means
    # anything there.
    rng, kernel, image, kw = setup(p)
    A = convolution_matrix(kernel, image.shape, **kw)
    v = rng.standard_normal(A.shape[0])
    for method in ("direct", "fft"):
        op = convolution_operator(kernel, image.shape, method=method, **kw)
        np.testing.assert_allclose(op @ image.ravel(), A @ image.ravel(), rtol=1e-11, atol=1e-11)
        np.testing.assert_allclose(op.rmatvec(v), A.T @ v, rtol=1e-11, atol=1e-11)
        dot_test(op, rng=p["seed"])
