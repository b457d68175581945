"""The regularization study: every chosen value is choose_reg's, every error follows from the images,
the oracle is the least error, and the crop's winner at the border is the argmax of its table.

The quick study runs once, through the command line, and the data its ``compute`` returned there is
kept for the claims.
"""

import csv
import json

import numpy as np
import pytest
import scipy.ndimage as ndi

from convops import gaussian_psf
from experiments import crop_problem
from experiments import regularization as study
from experiments._cli import run_studies
from experiments._plot import RULE_LABELS
from solvers import REG_RULES, choose_reg, wiener_filter


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    returned = {}
    compute, draw = study.compute, study.draw

    def computing(**kwargs):
        returned["data"] = compute(**kwargs)
        return returned["data"]

    def drawing(data):
        returned["figures"] = draw(data)
        return returned["figures"]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(study, "compute", computing)
        patch.setattr(study, "draw", drawing)
        outputs, failures = run_studies([study.NAME], out=out, quick=True, progress=False, log=lambda *a: None)
    assert not failures, failures
    return returned["data"], out, returned["figures"]


@pytest.fixture(scope="module")
def data(run):
    return run[0]


def _psnr(estimate, truth):
    return 10 * np.log10(255.0**2 / np.mean((np.asarray(estimate) - truth) ** 2))


def _cases(data):
    kernels = dict(zip([c["blur"] for c in data["cases"][::len(study.QUICK.noise_stds)]],
                       study._blurs(study.QUICK).values()))
    for case in data["cases"]:
        observed = data["images"]["observed"][f"{case['blur']}, noise {case['noise_std']:g}"]
        yield case, kernels[case["blur"]], observed


def test_every_chosen_value_is_choose_regs_and_its_psnr_follows(data):
    original = data["images"]["original"]
    assert len(data["cases"]) == 2 * len(study.QUICK.noise_stds)
    for case, kernel, observed in _cases(data):
        # the data: the original blurred circularly, plus noise of the stated level
        noise = observed - ndi.convolve(original, kernel, mode="wrap")
        assert noise.std() == pytest.approx(case["noise_std"], rel=0.1)
        for rule in REG_RULES:
            row = case["choices"][rule]
            direct = choose_reg(observed, kernel, rule=rule, noise_std=case["noise_std"], num=study.QUICK.num)
            assert row["value"] == direct.value
            np.testing.assert_array_equal(row["function"], direct.function)
            assert row["psnr"] == pytest.approx(_psnr(wiener_filter(observed, kernel, row["value"]), original),
                                                rel=1e-12)


def test_the_oracle_has_the_least_error(data):
    for case, kernel, observed in _cases(data):
        oracle = case["oracle"]
        assert oracle["mse"] <= oracle["mse_curve"].min() * (1 + 1e-12)
        for rule in REG_RULES:   # up to the oracle's search tolerance (1e-3 in log lambda: ~1e-6 dB)
            assert oracle["psnr"] >= case["choices"][rule]["psnr"] - 1e-4
        assert oracle["psnr"] == pytest.approx(
            _psnr(wiener_filter(observed, kernel, oracle["value"]), data["images"]["original"]), rel=1e-12)
        # a local minimum: a few percent either side is worse
        for factor in (0.9, 1.1):
            worse = _psnr(wiener_filter(observed, kernel, oracle["value"] * factor), data["images"]["original"])
            assert worse <= oracle["psnr"] + 1e-6


def test_upre_finds_the_least_predictive_risk_which_is_computed_right(data):
    original = data["images"]["original"]
    for case, kernel, observed in _cases(data):
        predictive = case["predictive"]
        clean = ndi.convolve(original, kernel, mode="wrap")
        for j in (0, predictive["grid"].size // 2, int(np.argmin(predictive["curve"]))):
            x = wiener_filter(observed, kernel, predictive["grid"][j])
            risk = np.mean((ndi.convolve(x, kernel, mode="wrap") - clean) ** 2)
            assert predictive["curve"][j] == pytest.approx(risk, rel=1e-9)
        assert 1 / 1.5 < case["choices"]["upre"]["value"] / predictive["value"] < 1.5


def test_the_discrepancy_choice_meets_its_equation(data):
    for case, kernel, observed in _cases(data):
        row = case["choices"]["discrepancy"]
        x = wiener_filter(observed, kernel, row["value"])
        residual = np.linalg.norm(ndi.convolve(x, kernel, mode="wrap") - observed)
        assert residual == pytest.approx(row["residual_norm"], rel=1e-10)
        assert residual == pytest.approx(1.01 * case["noise_std"] * np.sqrt(observed.size), rel=1e-8)


def test_the_lcurve_choice_is_at_the_largest_curvature_of_its_points(data):
    for case, _, _ in _cases(data):
        row = case["choices"]["lcurve"]
        t = np.log(row["grid"])
        x, y = np.log(row["residual_norms"]), np.log(row["solution_norms"])
        x1, y1 = np.gradient(x, t), np.gradient(y, t)
        x2, y2 = np.gradient(x1, t), np.gradient(y1, t)
        kappa = (x1 * y2 - x2 * y1) / (x1**2 + y1**2) ** 1.5   # finite differences, independent of the closed form
        i = int(np.argmax(kappa[2:-2])) + 2
        assert row["grid"][i - 2] <= row["value"] <= row["grid"][i + 2]
        assert kappa[i] > 0                                        # a corner, not the concave side


def test_the_crop_is_the_valid_part_of_the_scene_and_the_models_use_the_stated_rule(data):
    crop, setup = data["crop"], data["setup"]
    kernel = gaussian_psf(setup["gaussian_sigma"])
    problem = crop_problem(kernel, (setup["crop_size"],) * 2, image=setup["crop_image"], corner=setup["crop_corner"],
                           noise_std=setup["crop_noise_std"], seed=setup["seed"])
    np.testing.assert_array_equal(crop["images"]["observed"], problem.observed)
    np.testing.assert_array_equal(crop["images"]["truth"], problem.truth)
    assert [(r["boundary"], r["output"]) for r in crop["rows"]] == list(study.CROP_MODELS)
    for row in crop["rows"]:
        options = {"boundary": row["boundary"], "output": row["output"]}
        if row["refused"]:   # the setup's rule did not settle: it is refused again, and the fallback is used
            assert row["rule"] == study.FALLBACK_RULE != setup["crop_rule"]
            with pytest.raises(ValueError, match="did not settle"):
                choose_reg(problem.observed, kernel, rule=setup["crop_rule"], maxiter=setup["crop_maxiter"],
                           **options)
            direct = choose_reg(problem.observed, kernel, rule=row["rule"], **options)
        else:
            assert row["rule"] == setup["crop_rule"]
            direct = choose_reg(problem.observed, kernel, rule=row["rule"], maxiter=setup["crop_maxiter"], **options)
        assert row["reg"] == direct.value
    # the spectral models always settle
    assert not any(r["refused"] for r in crop["rows"] if r["boundary"] in ("circular", "symmetric"))


def test_border_and_interior_errors_follow_from_the_images_on_a_partition(data):
    crop = data["crop"]
    truth = crop["images"]["truth"]
    band = crop["band"]
    assert band == max(gaussian_psf(data["setup"]["gaussian_sigma"]).shape) // 2
    interior = np.zeros(truth.shape, bool)
    interior[band:-band, band:-band] = True
    n = truth.shape[0]
    assert np.count_nonzero(~interior) == n**2 - (n - 2 * band) ** 2
    for row in crop["rows"]:
        estimate = crop["images"]["restored"][row["model"]]
        assert estimate.shape == truth.shape
        assert row["border_psnr"] == pytest.approx(_psnr(estimate[~interior], truth[~interior]), rel=1e-12)
        assert row["interior_psnr"] == pytest.approx(_psnr(estimate[interior], truth[interior]), rel=1e-12)
        assert row["border_rmse"] == pytest.approx(np.sqrt(np.mean((estimate - truth)[~interior] ** 2)), rel=1e-12)


def test_the_border_winner_is_the_argmax_of_the_table_and_the_summary_says_so(data):
    rows = data["crop"]["rows"]
    winner = rows[int(np.argmax([r["border_psnr"] for r in rows]))]
    assert data["crop"]["border_winner"] == winner["model"]
    summary = study.summarize(data)
    assert f"At the border the {winner['model']} model wins: {winner['border_psnr']:.2f} dB" in summary
    for row in rows:
        assert f"| {row['model']} | {RULE_LABELS[row['rule']]} | {row['reg']:.3g} |" in summary
    for case in data["cases"]:
        assert f"{case['oracle']['psnr']:.2f}" in summary
    # the circular model rings from every edge of a scene that is not periodic
    circular = next(r for r in rows if r["model"] == "circular")
    assert circular["border_psnr"] < winner["border_psnr"] - 5


def test_figures_are_drawn_with_labelled_axes(run):
    figures = run[2]
    assert set(figures) == {"curves_gaussian", "curves_motion", "psnr", "crop_restorations", "crop_errors"}
    for ax in figures["curves_gaussian"].axes:
        assert ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_xscale() == "log"
    assert figures["crop_errors"].axes[0].get_ylabel().startswith("PSNR")


def test_the_command_line_writes_figures_and_tables(run):
    data, out, _ = run
    folder = out / study.NAME
    for stem in ("curves_gaussian", "curves_motion", "psnr", "crop_restorations", "crop_errors"):
        assert (folder / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (folder / "psnr.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(data["cases"]) * len(REG_RULES)
    with (folder / "crop.csv").open() as handle:
        assert [r["model"] for r in csv.DictReader(handle)] == [r["model"] for r in data["crop"]["rows"]]
    written = json.loads((folder / "data.json").read_text())
    assert written["crop"]["border_winner"] == data["crop"]["border_winner"]
    assert study.NAME in (out / "index.md").read_text()


def test_custom_setup():
    data = study.compute(size=32, noise_stds=(4.0,), crop_size=24, gaussian_sigma=1.0, motion_length=5.0,
                         crop_image="astronaut", crop_corner=None, crop_maxiter=30, num=20)
    assert data["images"]["original"].shape == (32, 32)
    assert [c["noise_std"] for c in data["cases"]] == [4.0, 4.0]
    assert all(c["choices"]["gcv"]["grid"].size == 20 for c in data["cases"])
    assert data["crop"]["images"]["truth"].shape == (24, 24) and data["crop"]["image"] == "astronaut"
    assert "astronaut" in study.summarize(data)
