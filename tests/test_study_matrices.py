"""The 'matrices' study: its claims, checked on the data it returns."""

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from convops import BOUNDARIES, OUTPUTS, convolution_matrix, psf2otf
from experiments import _cli, matrices


@pytest.fixture(scope="module")
def data():
    return matrices.compute(quick=True)


def _row(data, case, boundary, output):
    return next(r for r in data["tables"]["checks"]
                if r["case"] == case and r["boundary"] == boundary and r["output"] == output)


def test_every_matrix_agrees_with_scipy(data):
    checks = data["tables"]["checks"]
    cases = {r["case"] for r in checks}
    assert len(checks) == len(cases) * len(BOUNDARIES) * len(OUTPUTS)
    assert max(r["max_abs_diff_scipy"] for r in checks) < 1e-12
    assert {r["reference"].split("(")[0] for r in checks if r["output"] == "same"} == {"ndimage.convolve"}


def test_reference_matrix_detects_a_wrong_matrix():
    kernel = np.random.default_rng(1).standard_normal((3, 3))
    R, _ = matrices.reference_matrix(kernel, (5, 5), "reflect", "same")
    wrong = convolution_matrix(kernel, (5, 5), boundary="symmetric", output="same").toarray()
    flipped = convolution_matrix(kernel, (5, 5), boundary="reflect", output="same", correlate=True).toarray()
    assert np.abs(wrong - R).max() > 0.1 and np.abs(flipped - R).max() > 0.1


def test_shapes_and_valid_window_independent_of_rule(data):
    k, n = data["shown"]["kernel_size"], data["shown"]["image_size"]
    case = f"ones {k}x{k} on {n}x{n} (shown)"
    full = _row(data, case, "zero", "full")
    assert (full["rows"], full["cols"]) == ((n + k - 1) ** 2, n * n) and full["rows"] > full["cols"]
    assert (_row(data, case, "zero", "valid")["rows"], _row(data, case, "zero", "same")["rows"]) == ((n - k + 1) ** 2,
                                                                                                      n * n)
    for r in data["tables"]["checks"]:
        assert (r["max_abs_diff_zero_rule"] == 0) == (r["output"] == "valid" or r["boundary"] == "zero")
    shown = data["shown"]["matrices"]
    for boundary in BOUNDARIES:  # the kernel of ones: entries count taps, each row sums to k*k inside
        assert shown[boundary]["same"].shape == (n * n, n * n)
        assert np.all(shown[boundary]["valid"].sum(axis=1) == k * k)
    assert shown["replicate"]["full"].max() == k * k  # the corner output reads only the corner pixel


@pytest.mark.parametrize("case", ["random 3x3 on 6x6", "random 5x5 on 8x8"])
def test_structures(data, case):
    row = lambda b, o: _row(data, case, b, o)
    assert row("zero", "same")["toeplitz"] == 0 and row("zero", "full")["toeplitz"] == 0
    assert row("zero", "same")["circulant"] > 0.1
    assert row("circular", "same")["circulant"] == 0
    for boundary in ("replicate", "symmetric", "reflect"):
        assert row(boundary, "same")["toeplitz"] > 0.1 and row(boundary, "same")["circulant"] > 0.1
    assert row("symmetric", "same")["toeplitz_plus_hankel"] < 1e-12
    assert row("reflect", "same")["toeplitz_plus_hankel"] > 0.1
    # replicate = symmetric for a 3x3 kernel; with 5x5 the merged taps break the Hankel part
    assert (row("replicate", "same")["toeplitz_plus_hankel"] < 1e-12) == case.startswith("random 3x3")


def test_structure_defects_directly():
    kernel = np.random.default_rng(2).standard_normal((3, 3))
    A = convolution_matrix(kernel, (5, 5), boundary="circular", output="same").toarray()
    first = A[0].reshape(5, 5)
    for row, (i, j) in enumerate(np.ndindex(5, 5)):  # every row a cyclic shift of the first
        np.testing.assert_array_equal(A[row].reshape(5, 5), np.roll(first, (i, j), axis=(0, 1)))
    assert matrices.structure_defects(A, (5, 5), (5, 5))["circulant"] == 0
    A[3, 7] += 1.0
    defects = matrices.structure_defects(A, (5, 5), (5, 5))
    assert defects["circulant"] >= 1.0 and defects["toeplitz"] >= 1.0


def test_singular_values_against_H(data):
    svd, rows = data["svd"], {r["boundary"]: r for r in data["tables"]["singular_values"]}
    n = svd["size"]
    h = np.sort(np.abs(psf2otf(matrices.CROSS, (n, n))).ravel())[::-1]
    np.testing.assert_allclose(svd["H_sorted"], h, atol=1e-14)
    np.testing.assert_allclose(svd["sigma"]["circular"], h, atol=1e-12)
    assert rows["circular"]["max_abs_diff_H"] < 1e-12
    for boundary in BOUNDARIES:
        sigma = np.asarray(svd["sigma"][boundary])
        assert np.all(np.diff(sigma) <= 1e-12)  # descending
        assert rows[boundary]["max_diff_closed_form"] < 1e-12
        if boundary != "circular":
            assert np.abs(sigma - h).max() > 0.1 and rows[boundary]["max_abs_diff_H"] > 0.1
            assert rows[boundary]["sigma_min"] < 0.5 * h[-1]  # the small end differs most
    assert rows["reflect"]["near_zero"] > 0 and rows["zero"]["near_zero"] == 0
    assert svd["replicate_minus_symmetric"] == 0


def test_draw_and_summarize(data):
    figures = matrices.draw(data)
    assert set(figures) == {"sparsity", "singular_values"}
    assert all(isinstance(f, Figure) for f in figures.values())
    assert len(figures["sparsity"].axes) == len(BOUNDARIES) * len(OUTPUTS) + 1  # + colorbar
    text = matrices.summarize(data)
    circ = next(r for r in data["tables"]["singular_values"] if r["boundary"] == "circular")
    assert f"{circ['max_abs_diff_H']:.1e}" in text
    assert "| reflect |" in text


def test_run_writes_outputs(tmp_path, data, computed_once):
    computed_once(matrices, data)
    outputs, failures = _cli.run_studies([matrices.NAME], out=tmp_path, quick=True, progress=False,
                                         log=lambda *a: None)
    assert not failures and [o.name for o in outputs] == ["matrices"]
    folder = tmp_path / "matrices"
    for name in ("sparsity.png", "singular_values.png", "data.json", "arrays.npz", "checks.csv",
                 "singular_values.csv"):
        assert (folder / name).stat().st_size > 0, name
    saved = json.loads((folder / "data.json").read_text())
    assert len(saved["tables"]["checks"]) == 3 * len(BOUNDARIES) * len(OUTPUTS)
    assert (tmp_path / "index.md").read_text().count("matrices/sparsity.png") == 1
    assert (tmp_path / "index.html").exists()


def test_custom_setup():
    kernel = np.array([[0.0, 0.5, 0.0], [0.5, 2.0, 0.5], [0.0, 0.5, 0.0]])
    data = matrices.compute(shown=(2, 4), checked=((3, 5),), svd_kernel=kernel, svd_size=6)
    assert {r["case"] for r in data["tables"]["checks"]} == {"ones 2x2 on 4x4 (shown)", "random 2x2 on 4x4",
                                                             "random 3x3 on 5x5"}
    assert data["shown"]["matrices"]["zero"]["same"].shape == (16, 16)
    h = np.sort(np.abs(psf2otf(kernel, (6, 6))).ravel())[::-1]
    np.testing.assert_allclose(data["svd"]["sigma"]["circular"], h, atol=1e-12)
    assert "[[0, 0.5, 0], [0.5, 2, 0.5], [0, 0.5, 0]]" in matrices.summarize(data)
    with pytest.raises(ValueError, match="svd_kernel"):
        matrices.compute(svd_kernel=np.arange(9.0).reshape(3, 3))
