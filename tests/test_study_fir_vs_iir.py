"""The FIR-against-IIR study: its data hold the claims its summary makes."""

import json
import math

import numpy as np
import pytest
import scipy.linalg as sla

from experiments import fir_vs_iir as study
from experiments._cli import run_studies


@pytest.fixture(scope="module")
def data():
    return study.compute(quick=True)


def _kernel(data, name):
    return data["kernels"][name]


def test_ls_error_matches_an_independent_least_squares_solve(data):
    k = _kernel(data, "minimum phase")
    lengths = list(data["lengths"])
    for L in (3, 8):
        i = lengths.index(L)
        A = sla.convolution_matrix(k["kernel"], L, mode="full")
        target = np.zeros(A.shape[0])
        target[k["delays"][i]] = 1.0
        g = np.linalg.lstsq(A, target, rcond=None)[0]
        assert k["errors"]["ls"][i] == pytest.approx(np.linalg.norm(A @ g - target), rel=1e-9)


@pytest.mark.parametrize("name", list(study.KERNELS))
def test_least_squares_is_never_beaten_at_the_same_delay(data, name):
    errors = _kernel(data, name)["errors"]
    for variant in study.VARIANTS:
        other = errors[variant]
        ok = ~np.isnan(other)
        assert np.all(errors["ls"][ok] <= other[ok] * (1 + 1e-10)), variant


def test_truncation_is_strictly_worse_where_it_exists(data):
    for name in ("minimum phase", "maximum phase"):
        errors = _kernel(data, name)["errors"]
        assert not np.isnan(errors["truncated"]).any()
        assert np.all(errors["ls"] < errors["truncated"])


def test_minimum_phase_error_falls_at_the_rate_of_the_zero_radius(data):
    fits = _kernel(data, "minimum phase")["fits"]
    assert fits["zero_radius"] == pytest.approx(0.8)
    assert fits["geometric"]["r2"] > 0.98
    assert fits["geometric"]["slope"] == pytest.approx(math.log(0.8), rel=0.05)
    # the maximum-phase kernel, given its delay, falls at the same rate
    assert _kernel(data, "maximum phase")["fits"]["geometric"]["slope"] == pytest.approx(math.log(0.8), rel=0.05)


def test_zero_on_the_circle_falls_like_one_over_sqrt_length(data):
    k = _kernel(data, "zero on the circle")
    lengths = data["lengths"]
    np.testing.assert_allclose(k["errors"]["ls"], 1 / np.sqrt(lengths + 1.0), rtol=1e-10)
    assert -0.6 < k["fits"]["power"]["exponent"] < -0.4
    assert np.isnan(k["errors"]["truncated"]).all()
    assert "no stable inverse" in k["iir_message"]
    assert k["failures"]["truncated"]["message"] == k["iir_message"]
    assert k["failures"]["frequency"]["lengths"] == [L for L in lengths if L % 2 == 0]
    assert _kernel(data, "minimum phase")["iir_message"] is None


def test_maximum_phase_kernel_needs_a_delay(data):
    maximum = _kernel(data, "maximum phase")["by_delay"]
    minimum = _kernel(data, "minimum phase")["by_delay"]
    assert maximum["at_zero"] / maximum["at_optimal"] > 100
    assert maximum["optimal"] == maximum["errors"].size - 1          # the end of the full grid
    assert minimum["optimal"] == 0
    assert maximum["errors"].size == study.DELAY_LENGTH + 2
    assert np.all(_kernel(data, "maximum phase")["delays"] > 0)


def test_lms_ends_near_the_least_squares_error(data):
    learning = data["learning"]
    for mu, curve in learning["curves"].items():
        assert curve["final_error"] <= 1.15 * learning["ls_error"], mu
        assert curve["mse"][-1] < 1e-2 * curve["mse"][1]
    fast, slow = learning["curves"][max(study.LEARNING_MUS)], learning["curves"][min(study.LEARNING_MUS)]
    assert fast["samples_to_within"] < slow["samples_to_within"]
    errors = _kernel(data, "minimum phase")["errors"]
    lengths = data["lengths"]
    mid = (lengths >= 4) & (lengths <= 16) & ~np.isnan(errors["lms_mu0.1"])
    assert mid.sum() >= 3
    assert np.all(errors["lms_mu0.1"][mid] <= 1.2 * errors["ls"][mid])


def test_separable_and_2d_least_squares_inverses_agree(data):
    sep = data["separable"]
    for row in sep["rows"]:
        assert row["same_delay"]
        assert row["relative_difference"] < 1e-10
        assert row["separable_error"] == pytest.approx(row["ls2d_error"], rel=1e-8, abs=1e-14)
    assert sep["fit"]["rate"] == pytest.approx(sep["predicted_rate"], rel=0.05)
    assert sep["predicted_rate"] == pytest.approx(math.sqrt(2 - math.sqrt(3)))


def test_draw_and_summarize(data):
    figures = study.draw(data)
    assert set(figures) == {"error_vs_length", "error_vs_delay", "lms_learning", "separable"}
    for ax in figures["error_vs_length"].axes:
        assert ax.get_yscale() == "log"
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None
    text = study.summarize(data)
    assert _kernel(data, "zero on the circle")["iir_message"] in text
    assert f"{_kernel(data, 'minimum phase')['fits']['geometric']['rate']:.4f}" in text


def test_command_line_run_writes_the_outputs(tmp_path, data, computed_once):
    computed_once(study, data)
    outputs, failures = run_studies([study.NAME], out=tmp_path, quick=True, progress=False, log=lambda *a: None)
    assert not failures
    folder = tmp_path / study.NAME
    for stem in ("error_vs_length", "error_vs_delay", "lms_learning", "separable"):
        assert (folder / f"{stem}.png").stat().st_size > 10_000
    saved = json.loads((folder / "data.json").read_text())
    assert saved["lengths"][0] == 1
    assert (folder / "error_vs_length.csv").read_text().startswith("kernel,length,")
    assert study.NAME in (tmp_path / "index.md").read_text()
    assert outputs[0].figures


def test_custom_setup():
    b = np.array([1.0, 3.0, 1.0]) / 5
    data = study.compute(lengths=(1, 2, 4, 8, 9, 10), lms_lengths=(4,), lms_samples=500, separable_sizes=(3, 5),
                         separable_factor=b, learning_samples=1000)
    assert data["lengths"].tolist() == [1, 2, 4, 8, 9, 10]
    lms = data["kernels"]["minimum phase"]["errors"]["lms_mu0.1"]
    assert np.isnan(lms).tolist() == [True, True, False, True, True, True]  # LMS only at length 4
    np.testing.assert_allclose(data["separable"]["kernel"], np.outer(b, b))
    assert [r["size"] for r in data["separable"]["rows"]] == [3, 5]
    assert data["learning"]["samples"] == 1000
    assert "b = [1, 3, 1]/5" in study.summarize(data)
    with pytest.raises(ValueError, match="separable_factor"):
        study.compute(separable_factor=np.ones((2, 2)))
