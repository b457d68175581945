"""The regularised IIR inverse conj(H)/(|H|^2 + reg): references from long FFTs, numpy.polyval, closed forms."""

import numpy as np
import pytest

from solvers import iir_inverse
from solvers._iir import MAX_FACTOR_DEGREE, spectral_factor

KERNELS = {
    "diff": [1.0, -1.0],                               # zero at 1
    "pair": [1.0, 1.0],                                # zero at -1
    "box4": [0.25, 0.25, 0.25, 0.25],                  # zeros at -1, +-i
    "inner": [1.0, -0.5],
    "outer": [1.0, -2.0],
    "mixed": list(np.poly([0.5, 2.0, -1.0])),          # inside, outside, on the circle
    "double": list(np.convolve([1.0, 1.0], [1.0, 1.0])),   # double zero at -1
    "complex": [1.0, 1j, 0.3 - 2j],
    "complex_circle": list(np.poly([np.exp(0.7j), 0.4 + 0.3j])),
    "delayed": [0.0, 0.0, 1.0, -1.0, 0.0],
}
REGS = [1e-1, 1e-4]


def reference_response(h, reg, w):
    """conj(H)/(|H|^2 + reg) with H(e^{iw}) = sum h[k] e^{-iwk} by numpy.polyval."""
    H = np.polyval(np.asarray(h)[::-1], np.exp(-1j * w))
    return np.conj(H) / (np.abs(H) ** 2 + reg)


def fft_filter(h, reg, n):
    """The n-point DFT of conj(H)/(|H|^2 + reg): circular filtering, aliasing below rounding for large n."""
    H = np.fft.fft(h, n)
    return np.conj(H) / (np.abs(H) ** 2 + reg)


@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize("name", KERNELS)
def test_frequency_response_is_the_wiener_inverse(name, reg):
    h = KERNELS[name]
    w = np.linspace(-np.pi, np.pi, 4096, endpoint=False)
    ref = reference_response(h, reg, w)
    got = iir_inverse(h, reg=reg).frequency_response(w)
    assert got.dtype == np.complex128 and got.shape == w.shape
    assert np.abs(got - ref).max() <= 1e-10 * np.abs(ref).max()


@pytest.mark.parametrize("name", ["inner", "outer", "mixed", "complex"])
def test_frequency_response_of_the_exact_inverse(name):
    h = np.poly([0.5, 2.0, -0.3]) if name == "mixed" else KERNELS[name]
    w = np.linspace(-np.pi, np.pi, 1000).reshape(10, 100)
    ref = 1.0 / np.polyval(np.asarray(h)[::-1], np.exp(-1j * w))
    got = iir_inverse(h).frequency_response(w)
    assert got.shape == w.shape
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize("name", KERNELS)
def test_impulse_response_and_apply_equal_long_ffts(name, reg, rng=np.random.default_rng(5)):
    h = np.asarray(KERNELS[name])
    inv = iir_inverse(h, reg=reg)
    # g decays as q^|n|, q the largest pole radius: aliasing (and wrap-around of x) below 1e-16
    decay = np.log(1e-17) / np.log(np.abs(inv.inner_zeros).max())
    n = 2 ** int(np.ceil(np.log2(2 * decay + 2100)))
    G = fft_filter(h, reg, n)
    g = np.fft.ifft(G)
    lags = np.arange(-50, 51)
    got = inv.impulse_response(-50, 51)
    assert got.dtype == (np.complex128 if np.iscomplexobj(h) else np.float64)
    np.testing.assert_allclose(got, g[lags % n], rtol=0, atol=1e-10 * np.abs(g).max())

    x = rng.standard_normal(2000)
    y = np.fft.ifft(np.fft.fft(x, n) * G)[:2000]       # 2000 + margin zeros: no wrap-around
    y = y if np.iscomplexobj(h) else y.real
    got = inv.apply(x)
    assert got.shape == x.shape and got.dtype == y.dtype
    assert np.abs(got - y)[200:-200].max() <= 1e-10 * np.abs(y).max()


def test_first_difference_closed_form():
    # h = [1, -1]: q + 1/q = 2 + reg, sigma^2 = 1/q, g[n] = q^(n+1)/(1+q) (n >= 0), g[-1-n] = -g[n]
    reg = 0.01
    q = 1.0 / ((2 + reg + np.sqrt(reg * (4 + reg))) / 2)
    inv = iir_inverse([1.0, -1.0], reg=reg)
    sigma2, coefficients = inv.factor
    np.testing.assert_allclose([sigma2, coefficients[1]], [1 / q, -q], rtol=1e-14)
    n = np.arange(0, 30)
    right = q ** (n + 1) / (1 + q)
    np.testing.assert_allclose(inv.impulse_response(0, 30), right, rtol=1e-13)
    np.testing.assert_allclose(inv.impulse_response(-30, 0), -right[::-1], rtol=1e-13)
    # far lags by the jump-ahead
    np.testing.assert_allclose(inv.impulse_response(10**5, 10**5 + 3), q ** (10**5 + 1 + np.arange(3)) / (1 + q),
                               rtol=1e-9)


def test_small_reg_tends_to_the_exact_inverse():
    h = [1.0, -0.5, 0.06]
    exact = iir_inverse(h).impulse_response(-20, 41)
    close = iir_inverse(h, reg=1e-10).impulse_response(-20, 41)
    assert np.abs(close - exact).max() < 1e-8
    assert iir_inverse(h, reg=0.0).factor is None and iir_inverse(h, reg=0).reg == 0.0


@pytest.mark.parametrize("reg", [1e-1, 1e-4, 1e-8])
@pytest.mark.parametrize("h", [KERNELS["box4"], KERNELS["double"], KERNELS["complex"], KERNELS["complex_circle"],
                               list(np.random.default_rng(3).standard_normal(12))], ids=str)
def test_spectral_factor_reproduces_p(h, reg):
    h = np.asarray(h)
    r = np.correlate(h, h, "full").astype(np.complex128)     # r[k] = sum h[l+k] conj(h[l]), k = -M..M
    r[h.size - 1] += reg
    sigma2, q, roots = spectral_factor(h, reg)
    assert q[0] == 1 and q.size == h.size and roots.size == h.size - 1
    assert np.abs(roots).max() < 1.0
    np.testing.assert_allclose(np.sort_complex(roots), np.sort_complex(np.roots(q)), atol=1e-7)
    assert np.abs(sigma2 * np.correlate(q, q, "full") - r).max() <= 1e-12 * np.abs(r).max()
    # on the circle, in product form: sigma^2 |Q|^2 = |H|^2 + reg to about eps/sqrt(reg)
    z = np.exp(1j * np.linspace(-np.pi, np.pi, 4096, endpoint=False))
    P = np.abs(np.polyval(h[::-1], 1 / z)) ** 2 + reg
    Q2 = np.prod(np.abs(1 - roots[:, None] / z) ** 2, axis=0)
    assert np.abs(sigma2 * Q2 / P - 1).max() <= 1e-14 / np.sqrt(reg)
    inv = iir_inverse(h, reg=reg)
    assert inv.reg == reg and inv.factor[0] == sigma2
    np.testing.assert_array_equal(inv.factor[1], q)


def test_scale_equivariance_and_extreme_scales():
    h, reg = np.array([1.0, -1.0, 0.5]), 1e-3
    g = iir_inverse(h, reg=reg).impulse_response(-10, 10)
    for s in (2.0**-500, 3.0, 1e150):
        got = iir_inverse(s * h, reg=s * s * reg).impulse_response(-10, 10)
        np.testing.assert_allclose(got * s, g, rtol=1e-12, atol=1e-14 * np.abs(g).max())


def test_single_tap():
    inv = iir_inverse([0.0, 2.0], reg=1.0)
    np.testing.assert_allclose(inv.impulse_response(-2, 2), [0.0, 0.4, 0.0, 0.0])
    np.testing.assert_allclose(inv.apply([1.0, 2.0, 3.0]), [0.8, 1.2, 0.0])


@pytest.mark.parametrize("call, exc, match", [
    (lambda: iir_inverse([1.0, -1.0], reg=-1e-3), ValueError, "reg must be a finite number >= 0, got -0.001"),
    (lambda: iir_inverse([1.0, -1.0], reg=np.nan), ValueError, "reg must be a finite number >= 0, got nan"),
    (lambda: iir_inverse([1.0, -1.0], reg=np.inf), ValueError, "reg must be a finite number >= 0, got inf"),
    (lambda: iir_inverse([1.0, -1.0], reg="1"), TypeError, "reg must be a real number"),
    (lambda: iir_inverse([1.0, -1.0], reg=1j), TypeError, "reg must be a real number"),
    (lambda: iir_inverse([1.0, -1.0], reg=0.0), ValueError, "no stable inverse: h has a zero at z = 1"),
    (lambda: iir_inverse(np.ones(MAX_FACTOR_DEGREE + 2), reg=1.0), ValueError, f"above the limit of {MAX_FACTOR_DEGREE:,}"),
    (lambda: iir_inverse([1.0, -0.5]).frequency_response([1j]), TypeError, "w must be real"),
    (lambda: iir_inverse([1.0, -0.5], reg=1.0).frequency_response([np.nan]), ValueError, "w must be finite"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_a_failed_factorisation_is_refused(monkeypatch):
    import solvers._iir as module
    monkeypatch.setattr(module, "_polish", lambda c, reg, z: 0.9 * z)     # roots of a wrong Q
    with pytest.raises(ValueError, match=r"spectral factorisation of \|H\|\^2 \+ reg failed for reg = 0.01"):
        iir_inverse([1.0, 0.5, -1.0], reg=0.01)
