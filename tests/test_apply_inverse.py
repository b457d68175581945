"""apply_inverse: alignment of inverse kernels on 'same' blurs, against numpy.pad + direct sums."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from convops import boundary_to, convolution_operator, gaussian_psf, motion_psf
from solvers import inverse_kernel, iir_inverse, separable_inverse
from solvers import apply_inverse, inverse_anchor


def _blur(x, f, boundary):
    return convolution_operator(f, x.shape, boundary=boundary, output="same").apply(x)


def _reference(y, g, anchor, boundary):
    """z[n] = sum_k g[k] y~[n + a - k], y~ the numpy.pad extension, by an explicit loop over taps."""
    pad = max(g.shape) + max(abs(a) for a in anchor) + 1
    ext = np.pad(y, pad, mode=boundary_to(boundary, "numpy"))
    z = np.zeros(y.shape)
    for k in np.ndindex(g.shape):
        sl = tuple(slice(pad + a - kk, pad + a - kk + n) for a, kk, n in zip(anchor, k, y.shape))
        z += g[k] * ext[sl]
    return z


def _psnr(x, z):
    return 10 * np.log10(1.0 / np.mean((x - z) ** 2))


def _kernel(rng, shape, tap=None):
    """A well-conditioned kernel: a dominant tap (default near the middle) plus small random ones."""
    f = 0.15 * rng.random(shape)
    f[tuple(s // 2 for s in shape) if tap is None else tap] += 1.0
    return f / f.sum()


# --- the anchor -----------------------------------------------------------------------------

@pytest.mark.parametrize("m", [1, 2, 3, 4, 7, 8])
@pytest.mark.parametrize("p", [1, 2, 5, 6, 15, 16])
def test_inverse_anchor_formula(m, p):
    (a,), (o,) = inverse_anchor((m,), (p,))
    d = (m + p - 2) // 2
    assert a == d - m // 2 and o == a - p // 2
    if m % 2 and p % 2:
        assert o == 0
    elif p > 1 or m % 2:
        assert o == -1


# --- impulse: the composite response peaks where the impulse was ------------------------------

@pytest.mark.parametrize("m", [(3, 5), (4, 6), (3, 4), (4, 3)], ids=lambda s: f"m{s[0]}x{s[1]}")
@pytest.mark.parametrize("p", [(9, 9), (10, 10), (9, 10), (10, 9)], ids=lambda s: f"p{s[0]}x{s[1]}")
def test_impulse_returns_to_its_position(m, p):
    rng = np.random.default_rng(sum(m) * 10 + sum(p))
    f = _kernel(rng, m)
    x = np.zeros((31, 33))
    x[14, 17] = 1.0
    y = _blur(x, f, "zero")
    res = inverse_kernel(f, p)
    z = apply_inverse(y, res, boundary="zero")
    assert np.unravel_index(np.argmax(z), z.shape) == (14, 17)
    assert abs(z[14, 17] - 1) < 0.05 and np.abs(z - x).max() < 0.1
    np.testing.assert_allclose(z, _reference(y, res.solution, inverse_anchor(m, p)[0], "zero"),
                               rtol=1e-12, atol=1e-12)
    # scipy.ndimage without an origin is shifted by p // 2 - a pixels
    shift = tuple(pi // 2 - a for pi, a in zip(p, inverse_anchor(m, p)[0]))
    plain = ndi.convolve(y, res.solution, mode="constant")
    assert np.unravel_index(np.argmax(plain), plain.shape) == (14 - shift[0], 17 - shift[1])


# --- images ---------------------------------------------------------------------------------

def _cases():
    rng = np.random.default_rng(3)
    yield "motion-even", 0.6 * motion_psf(8, shape=(1, 8)) + 0.4 * np.eye(1, 8, 4), 16, rng
    f = 0.5 * motion_psf(6, 30, shape=(4, 6))
    f[2, 3] += 0.5
    yield "motion-even-angle", f, 16, rng
    yield "gauss-odd-16", gaussian_psf(0.8), 16, rng
    yield "gauss-odd-15", gaussian_psf(0.8), 15, rng


@pytest.mark.parametrize("name,f,size,rng", list(_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_random_image_restored_better_than_unshifted_ndimage(name, f, size, rng):
    x = ndi.uniform_filter(rng.random((48, 50)), 3)
    y = _blur(x, f, "symmetric")
    res = inverse_kernel(f, size)
    z = apply_inverse(y, res)
    anchor, origin = inverse_anchor(f.shape, res.solution.shape)
    np.testing.assert_allclose(z, _reference(y, res.solution, anchor, "symmetric"), rtol=1e-12, atol=1e-12)
    plain = ndi.convolve(y, res.solution, mode="reflect")
    np.testing.assert_allclose(z, ndi.convolve(y, res.solution, mode="reflect", origin=origin),
                               rtol=1e-12, atol=1e-12)
    inner = (slice(8, -8), slice(8, -8))
    if any(origin):
        assert _psnr(x[inner], z[inner]) > _psnr(x[inner], plain[inner]) + 5
    else:
        np.testing.assert_allclose(z, plain, rtol=1e-12, atol=1e-12)
    assert _psnr(x[inner], z[inner]) > _psnr(x[inner], y[inner])


def test_photograph_motion_blur():
    data = pytest.importorskip("skimage.data")
    x = data.camera()[200:264, 200:264] / 255.0
    f = 0.6 * motion_psf(8, shape=(1, 8)) + 0.4 * np.eye(1, 8, 4)
    y = _blur(x, f, "symmetric")
    res = inverse_kernel(f, 16)
    z = apply_inverse(y, res)
    plain = ndi.convolve(y, res.solution, mode="reflect")
    assert _psnr(x, z) > _psnr(x, plain) + 5 and _psnr(x, z) > _psnr(x, y) + 5


def test_array_inverse_needs_kernel_shape_and_matches_result():
    rng = np.random.default_rng(5)
    f = _kernel(rng, (4, 5))
    y = rng.random((20, 21))
    res = inverse_kernel(f, (7, 8))
    np.testing.assert_allclose(apply_inverse(y, res.solution, kernel_shape=f.shape), apply_inverse(y, res),
                               rtol=1e-14, atol=1e-14)
    with pytest.raises(ValueError, match="kernel_shape"):
        apply_inverse(y, res.solution)


def test_separable_inverse_result():
    f = gaussian_psf((0.8, 0.6), shape=(5, 4))
    x = ndi.uniform_filter(np.random.default_rng(2).random((30, 32)), 3)
    y = _blur(x, f, "replicate")
    sep = separable_inverse(f, (9, 10))
    full = inverse_kernel(f, (9, 10))
    z = apply_inverse(y, sep, boundary="replicate")
    np.testing.assert_allclose(z, apply_inverse(y, full, boundary="replicate"), atol=1e-8)
    np.testing.assert_allclose(z, _reference(y, sep.solution, inverse_anchor((5, 4), (9, 10))[0], "replicate"),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("delay,tap", [(0, (0, 0)), ((1, 13), (1, 3)), ((11, 2), (2, 0))])
def test_far_delays_pad_the_inverse(delay, tap):
    # anchors d - m // 2 outside 0 .. p - 1: (-1, -2), (0, 11), (10, 0) for p = (10, 11);
    # the dominant tap of f at `tap` makes g ~ delta_{d - tap} a good inverse for that delay
    rng = np.random.default_rng(9)
    f = _kernel(rng, (3, 4), tap)
    x = np.zeros((25, 27))
    x[12, 13] = 1.0
    y = _blur(x, f, "zero")
    res = inverse_kernel(f, (10, 11), delay=delay)
    z = apply_inverse(y, res, boundary="zero")
    anchor = inverse_anchor((3, 4), (10, 11), res.info["delay"])[0]
    np.testing.assert_allclose(z, _reference(y, res.solution, anchor, "zero"), rtol=1e-12, atol=1e-12)
    assert np.unravel_index(np.argmax(z), z.shape) == (12, 13)


# --- IIR ------------------------------------------------------------------------------------

@pytest.mark.parametrize("h", [[1.0, -0.5], [1.0, -2.5, 1.0], [0.2, 1.0, 0.3, -0.1]], ids=["min", "mixed", "m4"])
def test_iir_inverse_undoes_circular_blur_exactly(h):
    rng = np.random.default_rng(1)
    x = rng.random(40)
    y = _blur(x, np.asarray(h), "circular")
    np.testing.assert_allclose(apply_inverse(y, iir_inverse(h), boundary="circular"), x, atol=1e-10)
    # along an axis of an image
    X = rng.random((6, 40))
    Y = np.stack([_blur(row, np.asarray(h), "circular") for row in X])
    np.testing.assert_allclose(apply_inverse(Y, iir_inverse(h), boundary="circular", axis=1), X, atol=1e-10)
    np.testing.assert_allclose(apply_inverse(Y.T, iir_inverse(h), boundary="circular", axis=0), X.T, atol=1e-10)


def test_iir_matches_long_fir_truncation_with_reference():
    h = np.array([0.3, 1.0, -0.4])
    inv = iir_inverse(h)
    y = np.random.default_rng(4).random(30)
    g = inv.impulse_response(-60, 61)           # g[-60 .. 60]; negligible beyond
    # z[n] = (g * y~)[n - m // 2]: anchor -(m // 2) relative to index 0 of g, i.e. 60 - 1 in the array
    z = _reference(y, g, (60 - 1,), "symmetric")
    np.testing.assert_allclose(apply_inverse(y, inv), z, atol=1e-12)


# --- errors ---------------------------------------------------------------------------------

def test_bad_input():
    rng = np.random.default_rng(0)
    f = _kernel(rng, (3, 3))
    res = inverse_kernel(f, 5)
    y = rng.random((10, 10))
    with pytest.raises(TypeError, match="inverse must be"):
        apply_inverse(y, "g")
    with pytest.raises(ValueError, match="axes"):
        apply_inverse(y[0], res)
    with pytest.raises(ValueError, match="boundary"):
        apply_inverse(y, res, boundary="periodic")
    with pytest.raises(ValueError, match="delay"):
        apply_inverse(y, res, delay=3)
    with pytest.raises(ValueError, match="kernel_shape"):
        apply_inverse(y, res, kernel_shape=(4, 3))
    with pytest.raises(ValueError, match="delay 20"):
        apply_inverse(y, res.solution, kernel_shape=3, delay=20)
    with pytest.raises(ValueError, match="non-finite"):
        apply_inverse(np.full((10, 10), np.nan), res)
    with pytest.raises(ValueError, match="axis"):
        apply_inverse(y, iir_inverse([1.0, 0.5]), axis=2)
    with pytest.raises(TypeError, match="axis"):
        apply_inverse(y, iir_inverse([1.0, 0.5]), axis=1.0)
    with pytest.raises(ValueError, match="kernel_shape"):
        apply_inverse(y, iir_inverse([1.0, 0.5]), kernel_shape=2)
    with pytest.raises(ValueError, match="unknown delay"):
        inverse_anchor(3, 5, "optimal")
    with pytest.raises(ValueError, match="inverse_shape"):
        inverse_anchor(3, 0)


def test_dtype_rule():
    rng = np.random.default_rng(6)
    f = _kernel(rng, (3, 4))
    res = inverse_kernel(f, 6)
    y32 = rng.random((12, 13)).astype(np.float32)
    z = apply_inverse(y32, res)
    assert z.dtype == np.float64 and z.shape == y32.shape
    np.testing.assert_allclose(z, apply_inverse(y32.astype(np.float64), res), rtol=1e-14, atol=1e-14)
    assert apply_inverse(y32, res.solution.astype(np.float32), kernel_shape=(3, 4)).dtype == np.float32
    assert apply_inverse(rng.random(20).astype(np.float32), iir_inverse([1.0, 0.5])).dtype == np.float64


def test_separable_iir_inverse_undoes_a_circular_blur_row_and_column_recursions():
    from convops import convolution_operator
    from solvers import iir_inverse, separate
    rows, cols = np.array([1.0, 0.4, 0.1]), np.array([0.3, 1.0, -0.2, 0.05])   # cols: mixed phase, even size
    kernel = np.outer(rows, cols)
    image = np.random.default_rng(0).random((40, 50))
    blurred = convolution_operator(kernel, image.shape, boundary="circular", output="same").apply(image)
    a, b = separate(kernel)
    restored = apply_inverse(blurred, [iir_inverse(a), iir_inverse(b)], boundary="circular")
    np.testing.assert_allclose(restored, image, atol=1e-12)
    with pytest.raises(ValueError, match="one IIRInverse per axis"):
        apply_inverse(blurred, [iir_inverse(a)], boundary="circular")
