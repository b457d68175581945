"""The boundary table: index maps equal numpy.pad and scipy.ndimage, and the
name translation between libraries."""

import numpy as np
import pytest
import scipy.ndimage as ndi

from convops import BOUNDARIES, BOUNDARY_ALIASES, LIBRARIES, boundary_from, boundary_to, canonical_boundary
from convops import canonical_output


@pytest.mark.parametrize("name", list(BOUNDARIES))
@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_index_map_equals_numpy_pad_with_repeated_reflection(name, n):
    rule = BOUNDARIES[name]
    pad = 3 * n + 5  # wider than the signal: repeated reflection / wrapping
    signal = np.arange(1.0, n + 1)
    expected = np.pad(signal, pad, mode=rule.numpy_pad)
    idx = rule.extend(np.arange(-pad, n + pad), n)
    got = np.where(idx >= 0, signal[np.maximum(idx, 0)], 0.0)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", list(BOUNDARIES))
def test_ndimage_name_is_the_same_rule(name):
    rule = BOUNDARIES[name]
    signal = np.array([1.0, 2.0, 3.0, 4.0])
    for tap, step in ((0, -2), (4, 2)):  # output k reads x[k + step]
        shift = np.zeros(5)
        shift[tap] = 1.0
        got = ndi.correlate(signal, shift, mode=rule.ndimage)
        idx = rule.extend(np.arange(4) + step, 4)
        expected = np.where(idx >= 0, signal[np.maximum(idx, 0)], 0.0)
        np.testing.assert_array_equal(got, expected)


def test_pictures_describe_the_rules():
    for rule in BOUNDARIES.values():
        idx = rule.extend(np.arange(-2, 6), 4)
        letters = "".join("0" if i < 0 else "abcd"[i] for i in idx)
        assert rule.picture.replace(" ", "").replace("|", "") == letters


@pytest.mark.parametrize("library, name, expected", [
    ("numpy", "constant", "zero"), ("numpy", "wrap", "circular"), ("numpy", "edge", "replicate"),
    ("numpy", "symmetric", "symmetric"), ("numpy", "reflect", "reflect"),
    ("ndimage", "constant", "zero"), ("ndimage", "wrap", "circular"), ("ndimage", "nearest", "replicate"),
    ("ndimage", "reflect", "symmetric"), ("ndimage", "mirror", "reflect"), ("ndimage", "grid-mirror", "symmetric"),
    ("ndimage", "grid-wrap", "circular"), ("signal", "fill", "zero"), ("signal", "wrap", "circular"),
    ("signal", "symm", "symmetric"), ("matlab", 0, "zero"), ("matlab", "circular", "circular"),
    ("matlab", "replicate", "replicate"), ("matlab", "symmetric", "symmetric"),
])
def test_boundary_from(library, name, expected):
    assert boundary_from(name, library) == expected


def test_boundary_to_round_trips():
    for library in LIBRARIES:
        for name in BOUNDARIES:
            other = boundary_to(name, library)
            if other is not None:
                assert boundary_from(other, library) == name
    assert boundary_to("reflect", "matlab") is None


def test_aliases_and_errors():
    assert canonical_boundary("mirror") == "symmetric"
    assert canonical_boundary("Circular") == "circular"
    assert set(BOUNDARY_ALIASES.values()) <= set(BOUNDARIES)
    with pytest.raises(ValueError) as err:
        canonical_boundary("wrap")
    message = str(err.value)
    assert "'wrap'" in message and all(repr(n) in message for n in BOUNDARIES)
    assert "boundary_from" in message
    with pytest.raises(TypeError, match="boundary must be a str"):
        canonical_boundary(0)
    with pytest.raises(ValueError, match="numpy has no boundary mode 'nearest'"):
        boundary_from("nearest", "numpy")
    with pytest.raises(ValueError, match="unknown library 'torch'"):
        boundary_from("wrap", "torch")
    with pytest.raises(ValueError, match=r"unknown output 'half'.*'same', 'full', 'valid'"):
        canonical_output("half")
