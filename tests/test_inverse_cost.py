"""The cost benchmark's counts and peers, and IIRInverse.apply along an axis.

Times are not asserted (noisy machines); what is asserted is that each peer
computes the same filter as ours, and that the counts follow their formulas.
"""

import math

import numpy as np
import pytest
import scipy.signal as ss

from convops import gaussian_psf
from experiments import bench_inverse_cost as bic
from solvers import iir_inverse

KERNELS = {"mixed": (bic.MIXED, 0.0), "difference": (np.array([1.0, -1.0]), 1e-3),
           "minimum phase": (np.array([1.0, -0.5]), 0.0), "maximum phase": (np.array([0.5, -1.0]), 0.0),
           "gaussian": (gaussian_psf(2.0, shape=(1, 13)).ravel(), 1e-4), "gain": (np.array([0.0, 2.0]), 0.0)}


def _long_fft_reference(inv, x, pad=4000):
    """g * x on x's indices from the impulse response over a window wide enough for its decay."""
    g = inv.impulse_response(-pad, pad)
    full = np.convolve(x, g)                      # index i <-> n = i - pad
    return full[pad: pad + x.size]


@pytest.mark.parametrize("name", KERNELS)
def test_apply_equals_the_impulse_response_and_scipys_two_passes(name):
    h, reg = KERNELS[name]
    inv = iir_inverse(h, reg=reg)
    x = np.random.default_rng(1).standard_normal(3000)
    y = inv.apply(x)
    np.testing.assert_allclose(y, _long_fft_reference(inv, x), atol=1e-10 * np.abs(y).max())
    numerator, causal, anticausal = bic._peer_sections(inv)
    # scipy's passes start the reversed pass at the end of the signal: equal away from the last samples
    peer = bic._two_pass(x, numerator, causal, anticausal, inv.advance)
    np.testing.assert_allclose(y[:2000], peer[:2000], atol=1e-10 * np.abs(y).max())


@pytest.mark.parametrize("axis", [0, 1, -1, -3])
def test_apply_along_an_axis_is_apply_on_every_line(axis):
    inv = iir_inverse(bic.MIXED, reg=1e-2)
    x = np.random.default_rng(2).standard_normal((5, 40, 3))
    y = inv.apply(x, axis=axis)
    assert y.shape == x.shape
    lines = np.apply_along_axis(inv.apply, axis, x)
    np.testing.assert_allclose(y, lines, rtol=0, atol=1e-13)
    assert inv.apply(x.astype(np.float32), axis=axis).dtype == np.float64      # the kernel's precision
    single = iir_inverse(bic.MIXED.astype(np.float32), reg=1e-2).apply(x.astype(np.float32), axis=axis)
    assert single.dtype == np.float32


@pytest.mark.parametrize("h", [[1.0], [2.0], [0.5]])
def test_apply_returns_a_new_array_for_a_kernel_without_zeros(h):
    x = np.arange(6.0).reshape(2, 3)
    for axis in (0, 1):
        y = iir_inverse(h).apply(x, axis=axis)
        np.testing.assert_array_equal(y, x / np.sum(h))
        assert not np.shares_memory(y, x)
        y[...] = -1.0
    np.testing.assert_array_equal(x, np.arange(6.0).reshape(2, 3))


def test_apply_refuses_work_arrays_above_the_memory_limit(monkeypatch):
    from convops import AllocationTooLargeError
    from solvers import _iir
    inv = iir_inverse(bic.MIXED)                      # two causal poles: a tail past every line
    x = np.zeros((64, 100))
    tail = _iir._tail_length(inv.inner_zeros)
    need = 4 * 8 * 64 * (100 + inv.advance + tail)
    monkeypatch.setattr(_iir, "DEFAULT_MAX_BYTES", need)
    assert inv.apply(x, axis=1).shape == x.shape                  # at the limit: runs
    monkeypatch.setattr(_iir, "DEFAULT_MAX_BYTES", need - 1)
    with pytest.raises(AllocationTooLargeError, match="64 line"):
        inv.apply(x, axis=1)


def test_apply_rejects_a_bad_axis_and_a_scalar():
    inv = iir_inverse([1.0, -0.5])
    with pytest.raises(ValueError, match="axis 1 is out of range for x of shape"):
        inv.apply(np.ones(4), axis=1)
    with pytest.raises(ValueError, match="at least one axis"):
        inv.apply(3.0)
    with pytest.raises(TypeError):
        inv.apply(np.ones(4), axis=0.5)


def test_fft_count_formula():
    assert bic.fft_count(8, block=64) == pytest.approx((2 * 64 * 6 + 3 * 64) / 57)
    assert bic.fft_count(8) == bic.fft_count(8, block=64)        # smallest power of two >= 8 L
    assert bic.fft_count(8, 2, block=64) == pytest.approx((2 * 4096 * 12 + 3 * 4096) / 57 ** 2)
    # the direct form wins for short filters, the FFT for long ones
    assert bic.fft_count(4) > 4 and bic.fft_count(256) < 256


def test_run_quick_rows_and_counts():
    rows = bic.run(quick=True)
    groups = bic.by_realisation(rows)
    first = {name: next(iter(g.values())) for name, g in groups.items()}
    mixed = next(r for n, r in first.items() if n.startswith("exact 1/H"))
    assert mixed["count"] == np.trim_zeros(bic.MIXED).size                     # M + 1
    gauss = next(r for n, r in first.items() if n.startswith("regularised Gaussian"))
    assert gauss["count"] == 3 * 12 + 1                                         # 3M + 1
    sep = next(r for n, r in first.items() if n.startswith("separable"))
    assert sep["count"] == 2 * gauss["count"] and sep["signal"] == "256x256"
    for name, g in groups.items():
        assert len(g) >= 2 and all(math.isfinite(r["ns_per_sample"]) and r["ns_per_sample"] > 0 for r in g.values())
        roles = sorted(r["role"] for r in g.values())
        if "ours" in roles:
            assert roles.count("ours") == roles.count("same work") == 1
            t = {r["role"]: r["ns_per_sample"] for r in g.values()}
            assert bic.ratio(g) == pytest.approx(t["ours"] / t["same work"])
        else:
            assert set(roles) == {"peer"} and math.isnan(bic.ratio(g))


@pytest.mark.parametrize("name", KERNELS)
def test_cost_counts_a_gain_or_fir_factor_and_every_pole(name):
    h, reg = KERNELS[name]
    degree = np.trim_zeros(h).size - 1
    assert iir_inverse(h, reg=reg).cost == (degree + 1 if reg == 0 else 3 * degree + 1)
