"""The boundaries study: the right boundary model wins at the border, and
the command line writes the study's outputs.

The quick study takes seconds, so it runs once, through the command line,
and the data its ``compute`` returned there is kept for the claims.
"""

import csv
import json

import numpy as np
import pytest
import scipy.ndimage as ndi

from experiments import boundaries as study
from experiments._cli import run_studies


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    returned = {}
    compute = study.compute

    def recording(**kwargs):
        returned["data"] = compute(**kwargs)
        return returned["data"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(study, "compute", recording)
        outputs, failures = run_studies([study.NAME], out=out, quick=True, progress=False, log=lambda *a: None)
    assert not failures, failures
    return returned["data"], out


@pytest.fixture(scope="module")
def data(run):
    return run[0]


def test_the_right_model_has_the_smallest_border_error(data):
    border = data["border"]
    assert data["rules"] == list(study.RULES)
    np.testing.assert_array_equal(np.argmin(border, axis=1), np.arange(len(study.RULES)))


def test_wrong_models_are_worse_at_the_border_by_a_clear_factor(data):
    excess = data["excess"]
    off = ~np.eye(len(study.RULES), dtype=bool)
    assert excess[off].min() > 2
    np.testing.assert_allclose(np.diag(excess), 1.0)


def test_the_right_models_border_error_is_near_its_interior_error(data):
    right_border, right_interior = np.diag(data["border"]), np.diag(data["interior"])
    assert np.all(right_border < 2 * right_interior)
    assert np.all(right_border < 1.0)  # gray levels: the Tikhonov bias only


def test_zero_and_circular_models_ring_on_a_non_periodic_image(data):
    rules, border = study.RULES, data["border"]
    for true in ("replicate", "symmetric", "reflect"):
        i = rules.index(true)
        for model in ("zero", "circular"):
            assert border[i, rules.index(model)] > 20 * border[i, i]


def test_the_circular_model_is_the_fft_wiener_filter(data):
    assert max(data["wiener_vs_fft_restore"].values()) < 1e-8
    assert all(row[study.RULES.index("circular")] == "fft" for row in data["methods"])
    assert data["converged"].all()


def test_the_shown_errors_follow_from_the_images(data):
    images, setup = data["images"], data["setup"]
    original, true = images["original"], images["shown_true"]
    kernel = study.gaussian_kernel(setup["kernel_size"], setup["sigma"])
    np.testing.assert_allclose(images["blurred"], ndi.convolve(original, kernel, mode="nearest"))  # replicate
    band = setup["band"]
    inner = np.zeros(original.shape, bool)
    inner[band:-band, band:-band] = True
    i = study.RULES.index(true)
    for j, model in enumerate(study.RULES):
        error = images["restored"][model] - original
        assert np.sqrt(np.mean(error[~inner] ** 2)) == pytest.approx(data["border"][i, j])
        assert np.sqrt(np.mean(error[inner] ** 2)) == pytest.approx(data["interior"][i, j])


def test_with_noise_zero_and_circular_still_ring(data):
    noisy = data["noisy"]
    right = study.RULES.index(noisy["true"])
    assert noisy["reg"] == noisy["reg_candidates"][int(np.argmin(noisy["reg_candidate_rms"]))]
    for model in ("zero", "circular"):
        assert noisy["border"][study.RULES.index(model)] > 3 * noisy["border"][right]


def test_figures_have_labelled_axes_and_the_summary_states_the_claim(data):
    figures = study.draw(data)
    assert set(figures) == {"error_matrix", "error_vs_distance", "ringing"}
    for ax in figures["error_vs_distance"].axes:
        assert ax.get_xlabel() and ax.get_yscale() == "log"
    heat = figures["error_matrix"].axes[0]
    assert heat.get_xlabel() == "assumed boundary model" and heat.get_ylabel() == "true boundary rule"
    summary = study.summarize(data)
    assert "smallest border error for every true rule" in summary
    assert f"{data['border'][0, 0]:.3g}" in summary


def test_the_command_line_writes_figures_data_and_tables(run):
    data, out = run
    folder = out / study.NAME
    for stem in ("error_matrix", "error_vs_distance", "ringing"):
        assert (folder / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = json.loads((folder / "data.json").read_text())
    np.testing.assert_allclose(written["border"], data["border"])
    np.testing.assert_allclose(written["interior"], data["interior"])
    with (folder / "errors.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(study.RULES) ** 2
    assert {(r["true"], r["model"]) for r in rows} == {(t, m) for t in study.RULES for m in study.RULES}
    assert study.NAME in (out / "index.md").read_text()
    assert (out / "index.html").exists()


def test_custom_setup():
    from experiments import sweep_settings

    with sweep_settings(executor="serial", cache=None):
        data = study.compute(size=16, kernel_size=3, sigma=2.0, noisy_regs=(0.01,))
    assert data["images"]["original"].shape == (16, 16)
    assert data["setup"]["kernel"].startswith("3x3 Gaussian, sigma 2 px")
    assert data["setup"]["band"] == 3 // 2 + 5
    assert data["distance"].size == 8  # distances 0 ... 7 on a 16x16 image
    assert data["noisy"]["reg_candidates"] == [0.01] and data["noisy"]["reg"] == 0.01
