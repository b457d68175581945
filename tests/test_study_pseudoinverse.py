"""The pseudoinverse study: its claims hold on the quick run, its counts
agree with the filter and with an independent spectrum, and the command
line writes its outputs."""

import csv
import json
import warnings

import numpy as np
import pytest
import scipy.ndimage as ndi

from experiments import pseudoinverse as study
from experiments._cli import run_studies
from solvers import REG_FILTERS, REG_RULES, choose_reg, pseudo_inverse_filter, threshold_for_count, wiener_filter


@pytest.fixture(scope="module")
def data():
    return study.compute(quick=True, progress=False)


def _kernel(data):
    length = data["setup"]["length"]
    return np.ones((1, length)) / length


def _sorted_magnitude(data):
    """|H| by numpy's FFT of the zero-padded kernel (the shift to the centre
    does not change magnitudes)."""
    n = data["setup"]["size"]
    padded = np.zeros((n, n))
    padded[0, : data["setup"]["length"]] = 1 / data["setup"]["length"]
    return np.sort(np.abs(np.fft.fft2(padded)), axis=None)


def test_counts_agree_with_the_filter_and_an_independent_spectrum(data):
    blurred, kernel = data["images"]["blurred"], _kernel(data)
    magnitude = _sorted_magnitude(data)
    for row in data["counts"]:
        assert pseudo_inverse_filter(blurred, kernel, row["threshold"]).zeroed == row["zeroed"]
        assert row["reported_zeroed"] == row["zeroed"]
        assert np.count_nonzero(magnitude < row["threshold"]) == row["zeroed"]
        assert row["exact"] == (row["zeroed"] == row["requested"])


def test_the_unreachable_counts_fall_inside_a_tie_group_at_one_over_length(data):
    magnitude = _sorted_magnitude(data)
    setup = data["setup"]
    # QUICK.counts: two columns, two counts just past the start of the 1/7 ties, 59 columns
    assert [row["exact"] for row in data["counts"]] == [True, False, False, True]
    for row in data["counts"]:
        if row["exact"]:
            continue
        requested = row["requested"]
        # no threshold separates the values on either side of the requested rank
        assert magnitude[requested] - magnitude[requested - 1] < 1e-12
        assert row["tie_start"] < requested < row["tie_end"]
        assert row["zeroed"] in (row["tie_start"], row["tie_end"])
        other = row["tie_start"] + row["tie_end"] - row["zeroed"]
        assert abs(row["zeroed"] - requested) <= abs(other - requested)  # the nearest of the two
        assert row["tie_value"] == pytest.approx(1 / setup["length"], rel=1e-9)
        assert row["tie_size"] == len(row["tie_columns"]) * setup["rows"]
        tied = np.abs(magnitude - 1 / setup["length"]) < 1e-9
        assert np.count_nonzero(tied) == row["tie_size"]


def test_magnitude_depends_on_the_column_frequency_only(data):
    assert data["spectrum"]["columns_only"]
    assert data["spectrum"]["column_spread"] <= data["spectrum"]["tol"]


def test_the_text_counts_on_the_full_grid():
    # Cheap without running the full study: only the spectrum of 256x256.
    shape, kernel = (256, 256), np.ones((1, 31)) / 31
    spectrum = study._spectrum(kernel, shape)
    results = {count: threshold_for_count(kernel, shape, count) for count in study.FULL.counts}
    assert results[512].exact and results[59648].exact
    for count in (28680, 28682):
        assert not results[count].exact and results[count].zeroed == 28672
        group = study._tie_group(spectrum, count)
        assert (group["start"], group["size"]) == (28672, 7936)
        assert group["columns"] == list(range(8, 256, 8))


def test_noise_free_error_is_the_image_energy_at_the_zeroed_frequencies(data):
    original = data["images"]["original"]
    power = np.abs(np.fft.fft2(original)) ** 2 / original.size**2
    n = data["setup"]["size"]
    padded = np.zeros((n, n))
    padded[0, : data["setup"]["length"]] = 1 / data["setup"]["length"]
    magnitude = np.abs(np.fft.fft2(padded))
    sweep = data["sweep"]
    expected = [power[magnitude < t].sum() for t in sweep["threshold"]]
    np.testing.assert_allclose(sweep["mse"], expected, rtol=1e-6)
    assert np.all(np.diff(sweep["mse"]) > 0)  # every dropped frequency costs
    assert len(sweep["zeroed"]) == data["reachable"].size


def test_the_inverse_filter_restores_noise_free_data(data):
    assert data["inverse"]["mse"] < 1e-15
    assert data["blurred"]["mse"] > 100


def test_wiener_beats_the_pseudo_inverse_under_noise(data):
    noisy = data["noisy"]
    assert noisy["noise_mse"] == pytest.approx(1.0, rel=0.1)  # variance 1
    assert noisy["mse_wiener"] < noisy["mse_pseudo"] < noisy["mse_noisy"]
    assert noisy["inverse_exists"] and noisy["mse_inverse"] > noisy["mse_noisy"]
    # the oracle choices are the minima of their sweeps, inside the c grid
    assert noisy["mse_pseudo"] == pytest.approx(noisy["threshold_sweep"]["mse"].min())
    c = noisy["c_sweep"]["c"]
    assert noisy["mse_wiener"] == pytest.approx(noisy["c_sweep"]["mse"].min())
    assert c[0] < noisy["best_c"] < c[-1]


def test_the_values_chosen_from_the_data_are_choose_regs_and_their_errors_follow(data):
    noisy, kernel = data["images"]["noisy"], _kernel(data)
    chosen = data["noisy"]["chosen"]
    assert [(r["filter"], r["rule"]) for r in chosen] == [(f, r) for f in REG_FILTERS for r in REG_RULES]
    magnitude = _sorted_magnitude(data)
    original = data["images"]["original"]
    for row in chosen:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            direct = choose_reg(noisy, kernel, rule=row["rule"], filter=row["filter"], noise_std=1.0)
        assert row["value"] == direct.value and row["interior"] == direct.interior
        # a choice at the end of the grid is warned about when called directly (the study records the flag)
        assert any("end of the grid" in str(w.message) for w in caught) == (
            not direct.interior and row["filter"] == "tikhonov")
        if row["filter"] == "tsvd":
            estimate, zeroed = pseudo_inverse_filter(noisy, kernel, row["value"])
            assert row["zeroed"] == zeroed == np.count_nonzero(magnitude < row["value"])
        else:
            estimate = wiener_filter(noisy, kernel, row["value"])
        assert row["psnr"] == pytest.approx(10 * np.log10(255**2 / np.mean((estimate - original) ** 2)), rel=1e-12)
    # the discrepancy principle's Wiener constant meets its equation ||A x - b|| = tau sigma sqrt(n)
    row = next(r for r in chosen if (r["rule"], r["filter"]) == ("discrepancy", "tikhonov"))
    x = wiener_filter(noisy, kernel, row["value"])
    residual = np.linalg.norm(ndi.convolve(x, kernel, mode="wrap") - noisy)
    assert residual == pytest.approx(1.01 * 1.0 * np.sqrt(noisy.size), rel=1e-8)
    # the oracle is the best of its sweep, so no rule beats the oracle threshold by more than the sweep's steps
    sweep = data["noisy"]["threshold_sweep"]
    for row in chosen:
        if row["filter"] == "tsvd":
            assert row["mse"] >= sweep["mse"].min() * (1 - 1e-12)
    assert data["tables"]["chosen"] == chosen


def test_figures_have_labelled_axes_and_the_summary_states_the_numbers(data):
    figures = study.draw(data)
    assert set(figures) == {"text_images", "spectrum", "zeroed_sweep", "noisy_images", "noisy_curves"}
    for name in ("spectrum", "zeroed_sweep", "noisy_curves"):
        for ax in figures[name].axes:
            assert ax.get_xlabel() and ax.get_title()
            assert ax.get_yscale() == "log"
    summary = study.summarize(data)
    middle = data["counts"][1]
    assert "not reachable" in summary and f"{middle['zeroed']:,}" in summary
    assert f"{data['noisy']['mse_wiener']:.1f}" in summary
    for row in data["noisy"]["chosen"]:
        assert f"{row['psnr']:.2f}" in summary
    left, right = figures["noisy_curves"].axes
    labels = [line.get_label() for ax in (left, right) for line in ax.get_lines()]
    assert sum(label.startswith(("GCV:", "UPRE:", "discrepancy:", "L-curve:")) for label in labels) == len(
        data["noisy"]["chosen"])


def test_the_command_line_writes_figures_data_and_index(data, tmp_path, computed_once):
    computed_once(study, data)
    outputs, failures = run_studies([study.NAME], out=tmp_path, quick=True, progress=False, log=lambda *a: None)
    assert not failures
    folder = tmp_path / study.NAME
    for stem in ("text_images", "spectrum", "zeroed_sweep", "noisy_images", "noisy_curves"):
        assert (folder / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = json.loads((folder / "data.json").read_text())
    assert [row["zeroed"] for row in written["counts"]] == [row["zeroed"] for row in data["counts"]]
    assert written["noisy"]["mse_wiener"] < written["noisy"]["mse_pseudo"]
    with (folder / "counts.csv").open() as handle:
        assert [int(r["requested"]) for r in csv.DictReader(handle)] == list(study.QUICK.counts)
    assert (folder / "arrays.npz").exists()
    assert study.NAME in (tmp_path / "index.md").read_text()
    assert (tmp_path / "index.html").exists()


def test_custom_setup():
    data = study.compute(size=32, length=5, counts=(32, 300), c_points=5)
    assert data["images"]["original"].shape == (32, 32)
    assert (data["setup"]["size"], data["setup"]["length"]) == (32, 5)
    assert [r["requested"] for r in data["counts"]] == [32, 300]
    assert data["noisy"]["c_sweep"]["c"].size == 5
    h = np.abs(np.fft.fft(np.r_[np.ones(5), np.zeros(27)] / 5))  # the 5-point average's |H| on 32 columns
    np.testing.assert_allclose(data["spectrum"]["column_magnitude"], h, atol=1e-12)
    assert "1/5" in study.summarize(data)
