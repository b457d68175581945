"""scipy.ndimage's boundary modes are right where the operator uses them.

The operator hands a 'same' window to scipy.ndimage only when the extension
on each side of every axis is at most ``_NDIMAGE_MAX_SIDE`` image lengths.
These tests check scipy.ndimage itself, exhaustively in that region (every
mode, every kernel length, every origin, convolution and correlation),
against numpy.pad and a direct valid convolution, so that a scipy release
that breaks it is caught here."""

import numpy as np
import pytest
import scipy.ndimage as ndi
from numpy.lib.stride_tricks import sliding_window_view

from convops import BOUNDARIES
from convops._operator import _NDIMAGE_MAX_SIDE


def pad_then_valid(x, kernel, numpy_mode, before, correlate):
    pads = [(b, m - 1 - b) for b, m in zip(before, kernel.shape)]
    padded = np.pad(x, pads, mode=numpy_mode)
    weights = kernel if correlate else np.flip(kernel)
    return np.tensordot(sliding_window_view(padded, kernel.shape), weights, axes=kernel.ndim)


def sides(m, origin, correlate):
    before = m // 2 + origin if correlate else (m - 1) // 2 - origin
    return before, m - 1 - before


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_ndimage_is_right_in_the_region_the_operator_uses_1d(boundary):
    rule = BOUNDARIES[boundary]
    rng = np.random.default_rng(0)
    checked, wrong = 0, []
    for n in range(1, 6):
        x = rng.standard_normal(n)
        limit = _NDIMAGE_MAX_SIDE * n
        for m in range(1, 2 * limit + 2):
            h = rng.standard_normal(m)
            for origin in range(-(m // 2), (m - 1) // 2 + 1):
                for correlate in (False, True):
                    before, after = sides(m, origin, correlate)
                    if max(before, after) > limit:
                        continue
                    filt = ndi.correlate if correlate else ndi.convolve
                    got = filt(x, h, mode=rule.ndimage, origin=origin)
                    expected = pad_then_valid(x, h, rule.numpy_pad, (before,), correlate)
                    if not np.allclose(got, expected, rtol=1e-12, atol=1e-12):
                        wrong.append(dict(n=n, m=m, origin=origin, correlate=correlate))
                    checked += 1
    assert not wrong, f"scipy.ndimage mode={rule.ndimage!r} is wrong at {wrong[:5]} ({len(wrong)} cases)"
    assert checked > 500


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_ndimage_is_right_in_the_region_the_operator_uses_2d(boundary):
    rule = BOUNDARIES[boundary]
    rng = np.random.default_rng(1)
    for shape in [(1, 2), (2, 3), (3, 2)]:
        x = rng.standard_normal(shape)
        for kshape in [(2 * _NDIMAGE_MAX_SIDE * shape[0] + 1, 2 * _NDIMAGE_MAX_SIDE * shape[1] + 1), (4, 5)]:
            h = rng.standard_normal(kshape)
            extremes = [sorted({-(m // 2), 0, (m - 1) // 2}) for m in kshape]
            for o0 in extremes[0]:
                for o1 in extremes[1]:
                    before = [sides(m, o, False) for m, o in zip(kshape, (o0, o1))]
                    if max(max(b) - _NDIMAGE_MAX_SIDE * n for b, n in zip(before, shape)) > 0:
                        continue
                    got = ndi.convolve(x, h, mode=rule.ndimage, origin=(o0, o1))
                    expected = pad_then_valid(x, h, rule.numpy_pad, [b[0] for b in before], False)
                    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
