"""The boundary table: index maps equal numpy.pad and scipy.ndimage, and the
name translation between libraries."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as ss

from convops import BOUNDARIES, BOUNDARY_ALIASES, LIBRARIES, boundary_from, boundary_to, canonical_boundary
from convops import LIBRARY_ALIASES, OUTPUTS, canonical_output, convolution_matrix


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


@pytest.mark.parametrize("alias", sorted(LIBRARY_ALIASES))
def test_full_module_names_are_accepted(alias):
    library = LIBRARY_ALIASES[alias]
    for name in BOUNDARIES:
        other = boundary_to(name, library)
        if other is not None:
            assert boundary_from(other, alias) == boundary_from(other, library) == name
            assert boundary_to(name, alias) == other
    assert boundary_from("REFLECT", "SciPy.NDImage") == "symmetric"


def _convolve2d_names():
    """Every boundary name scipy.signal.convolve2d runs (its table, filtered
    by what convolve2d itself accepts)."""
    table = getattr(ss._signaltools, "_boundarydict", None) or {
        "fill": 0, "pad": 0, "wrap": 2, "circular": 2, "symm": 1, "symmetric": 1}
    names = []
    for name in table:
        try:
            ss.convolve2d(np.ones((2, 2)), np.ones((2, 2)), boundary=name)
        except ValueError:
            continue
        names.append(name)
    return names


@pytest.mark.parametrize("name", _convolve2d_names())
@pytest.mark.parametrize("output", list(OUTPUTS))
def test_every_convolve2d_boundary_maps_to_the_same_rule(name, output):
    rng = np.random.default_rng(12)
    kernel, image = rng.standard_normal((3, 4)), rng.standard_normal((6, 5))
    ours = boundary_from(name, "scipy.signal")
    origin = (0, -1) if output == "same" else 0  # scipy.signal's anchor (m - 1) // 2 on the even axis
    A = convolution_matrix(kernel, image.shape, boundary=ours, output=output, origin=origin)
    expected = ss.convolve2d(image, kernel, mode=output, boundary=name)
    np.testing.assert_allclose(A @ image.ravel(), expected.ravel(), rtol=1e-12, atol=1e-12)


def test_signal_names_convolve2d_refuses_are_refused():
    for name in ("reflect", "edge", "nearest"):
        with pytest.raises(ValueError, match=r"signal has no boundary mode"):
            boundary_from(name, "signal")


def test_our_mirror_is_ndimage_reflect_not_ndimage_mirror():
    assert canonical_boundary("mirror") == "symmetric" == boundary_from("reflect", "scipy.ndimage")
    assert boundary_from("mirror", "scipy.ndimage") == "reflect"
    for doc in (canonical_boundary.__doc__, boundary_from.__doc__):
        assert "NOT scipy.ndimage's ``'mirror'``" in " ".join(doc.split())


def test_option_case_rule_for_every_option():
    assert canonical_boundary("ZERO") == "zero" and canonical_output("Same") == "same"
    assert boundary_from("Symm", "Scipy.Signal") == "symmetric"
    assert boundary_to("Reflect", "NUMPY") == "reflect"
    with pytest.raises(TypeError, match=r"library must be a str, got int 3"):
        boundary_from("wrap", 3)
