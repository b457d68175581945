"""The inverse-kernel study: its data hold the claims its summary makes."""

import json
import math

import numpy as np
import pytest
import scipy.signal as ss

from experiments import inverse_kernel as study
from experiments._cli import run_studies


@pytest.fixture(scope="module")
def data():
    return study.compute(quick=True)


def _lstsq_error(kernel, p):
    """||f * g - delta||, g the least-squares p x p inverse, from a matrix built column by column."""
    columns = []
    for j in range(p * p):
        basis = np.zeros(p * p)
        basis[j] = 1.0
        columns.append(ss.convolve2d(kernel, basis.reshape(p, p)).ravel())
    A = np.array(columns).T
    n = p + kernel.shape[0] - 1
    target = np.zeros((n, n))
    target[(n - 1) // 2, (n - 1) // 2] = 1.0
    g = np.linalg.lstsq(A, target.ravel(), rcond=None)[0]
    return float(np.linalg.norm(A @ g - target.ravel()))


def test_errors_match_an_independent_least_squares_solve(data):
    sizes = list(data["sizes"])
    for p in (3, 7):
        i = sizes.index(p)
        assert data["errors"]["cross"][i] == pytest.approx(_lstsq_error(study.CROSS, p), rel=1e-9)
        assert data["errors"]["zero_free"][i] == pytest.approx(_lstsq_error(study.ZERO_FREE, p), rel=1e-9)


def test_cross_error_stays_large_and_decays_slowly(data):
    cross = data["errors"]["cross"]
    assert np.all(cross > 0.1)
    assert np.all(np.diff(cross) < 0)                 # a larger support never does worse
    assert cross[0] / cross[-1] < 3                   # over a five-fold range of sizes
    assert -1.0 < data["fits"]["cross"]["exponent"] < -0.2


def test_zero_free_error_falls_geometrically_at_the_predicted_rate(data):
    zero_free, fit = data["errors"]["zero_free"], data["fits"]["zero_free"]
    assert zero_free[-1] < 1e-2 * zero_free[0]      # while the cross falls less than 3-fold
    assert np.all(zero_free < data["errors"]["cross"])
    assert fit["r2"] > 0.99
    assert fit["rate"] < 0.7
    assert math.log(fit["rate"]) == pytest.approx(math.log(fit["predicted_rate"]), rel=0.1)
    assert fit["predicted_rate"] == pytest.approx(study.predicted_rate(study.ZERO_FREE_WEIGHT))


def test_product_image_is_the_convolution_of_the_kernel_with_its_inverse(data):
    image = data["image"]
    product = ss.convolve2d(study.CROSS, image["inverse"])
    np.testing.assert_allclose(image["product"], product, atol=1e-12)
    residual = product.copy()
    residual[image["delay"]] -= 1
    assert np.linalg.norm(residual) == pytest.approx(image["error"], rel=1e-9)
    assert 0.5 < product[image["delay"]] < 1


def test_frequency_response_fails_only_near_the_zero_curve(data):
    spec = data["spectrum"]
    diag = spec["diagonal"]
    F_diag = 1 + 4 * np.cos(diag["u"])               # F on u = v
    np.testing.assert_allclose(1 / diag["inverse_F"], np.abs(F_diag), atol=1e-12)
    assert spec["FG_near_zero_max"] < 0.5           # |F G| must vanish where F does
    low, high = spec["FG_zero_free_range"]
    assert 0.99 < low <= high < 1.01                 # the zero-free kernel is inverted everywhere
    near = np.argmin(np.abs(diag["u"] - spec["zero_on_diagonal"]))
    assert diag["FG"][near] == diag["FG"].min()


def test_cg_needs_fewest_iterations_and_converged_runs_reach_the_direct_optimum(data):
    methods = data["convergence"]["methods"]
    k = {name: m["iterations_to_optimum"] for name, m in methods.items()}
    cg = k["cg (circulant preconditioner)"]
    assert cg is not None
    assert cg < k["nesterov"] < k["gd, step 1/L"]
    assert cg < k["cgls (no preconditioner)"]
    for name, m in methods.items():
        if m["converged"]:
            assert abs(m["final_relative_gap"]) < 1e-8, name
    assert all(methods[name]["converged"] for name in methods if name != "gd, fixed step (text)")


def test_fixed_step_run_stops_short_of_the_optimum(data):
    fixed = data["convergence"]["methods"]["gd, fixed step (text)"]
    assert not fixed["converged"]
    assert fixed["iterations_to_optimum"] is None
    assert fixed["final_relative_gap"] > 0.1
    assert fixed["step"] == study.TEXT_STEP


def test_gradient_descent_obeys_its_linear_bound(data):
    conv = data["convergence"]
    theory, gd = conv["theory"], conv["methods"]["gd, step 1/L"]
    assert theory["mu"] == pytest.approx(theory["sigma_min"] ** 2)
    assert theory["sigma_max"] ** 2 <= theory["lipschitz"] * (1 + 1e-12)   # the step 1/L is safe
    assert gd["step"] == pytest.approx(1 / theory["lipschitz"])
    k = np.arange(gd["relative_gap"].size)
    bound = theory["gap0"] * theory["contraction"] ** k
    assert np.all(gd["relative_gap"] <= bound * (1 + 1e-9) + 1e-12)
    assert theory["drawn"] == "linear"


def test_draw_and_summarize(data):
    figures = study.draw(data)
    assert set(figures) == {"error_vs_size", "product_image", "frequency_response", "convergence"}
    for ax in figures["convergence"].axes:
        assert ax.get_yscale() == "log" and ax.get_xscale() == "log"
        assert ax.get_xlabel() and ax.get_ylabel()
    text = study.summarize(data)
    assert f"{data['errors']['cross'][-1]:.3f}" in text
    assert f"{data['fits']['zero_free']['rate']:.3f}" in text
    assert f"{data['convergence']['methods']['gd, fixed step (text)']['final_relative_gap']:.3g}" in text


def test_command_line_run_writes_the_outputs(tmp_path, data, computed_once):
    computed_once(study, data)
    outputs, failures = run_studies([study.NAME], out=tmp_path, quick=True, progress=False, log=lambda *a: None)
    assert not failures
    folder = tmp_path / study.NAME
    for stem in ("error_vs_size", "product_image", "frequency_response", "convergence"):
        assert (folder / f"{stem}.png").stat().st_size > 10_000
    saved = json.loads((folder / "data.json").read_text())
    assert saved["sizes"][0] == 3
    assert (folder / "convergence.csv").read_text().startswith("method,")
    assert study.NAME in (tmp_path / "index.md").read_text()
    assert outputs[0].figures


def test_custom_setup():
    from experiments import sweep_settings

    with sweep_settings(executor="serial", cache=None):
        data = study.compute(sizes=(3, 5, 7), image_size=5, grid=16, convergence_size=5, fixed_step_iterations=50,
                             gd_maxiter=300, zero_free_weight=0.1)
    assert data["sizes"].tolist() == [3, 5, 7]
    np.testing.assert_array_equal(data["zero_free_kernel"], study.plus_kernel(0.1))
    assert data["fits"]["zero_free"]["predicted_rate"] == pytest.approx(study.predicted_rate(0.1))
    assert data["image"]["size"] == 5 and data["spectrum"]["F"].shape == (16, 16)
    assert data["convergence"]["size"] == 5
    assert data["convergence"]["methods"]["gd, fixed step (text)"]["iterations"] <= 50
    assert "c = 0.1 " in study.summarize(data)
    with pytest.raises(ValueError, match="weight"):
        study.compute(zero_free_weight=0.3)
