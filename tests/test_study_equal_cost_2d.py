"""The 2-D equal-cost study: its numbers against independent computations, and its claims against its data."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal as sig

from convops import convolution_matrix
from experiments import _cli
from experiments import equal_cost_2d as study
from experiments._metrics import psnr
from solvers import inverse_impulse_response, inverse_kernel, iir_inverse, wiener_filter


@pytest.fixture(scope="module")
def data():
    return study.compute(quick=True)


def test_fir_error_is_the_least_squares_residual_of_the_explicit_matrix(data):
    k = data["kernels"]["cross 3x3"]
    h = k["kernel"]
    for row in k["noiseless"]["fir"]:
        p = row["size"]
        A = convolution_matrix(h, (p, p), boundary="zero", output="full").toarray()
        target = np.zeros((h.shape[0] + p - 1, h.shape[1] + p - 1))
        target[tuple((n - 1) // 2 for n in target.shape)] = 1.0
        g = np.linalg.lstsq(A, target.ravel(), rcond=None)[0]
        assert row["error"] == pytest.approx(np.linalg.norm(A @ g - target.ravel()), rel=1e-8)
        assert row["error"] == pytest.approx(row["reported_error"], rel=1e-8)
        assert row["noise_gain"] == pytest.approx(g @ g, rel=1e-8)


def test_the_ls_fir_never_loses_to_the_truncated_inverse_of_its_support(data):
    for k in data["kernels"].values():
        for f, t in zip(k["noiseless"]["fir"], k["noiseless"]["truncated"]):
            assert f["error"] <= t["error"] * (1 + 1e-9)
    assert "at every support and kernel: True" in study.summarize(data)


def test_cropping_the_largest_support_gives_the_smaller_ones():
    h = study.KERNELS["Gaussian σ=1"]
    big = inverse_impulse_response(h, (9, 9)).solution
    for p in (3, 5, 7):
        np.testing.assert_allclose(study.crop_support(big, h.shape, (p, p)),
                                   inverse_impulse_response(h, (p, p)).solution, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="does not nest"):
        study.crop_support(big, h.shape, (11, 11))


def test_separable_iir_error_from_1d_means_equals_a_2d_grid():
    h = study.KERNELS["box 3x3"]
    col, row = np.full(3, 1 / 3), np.full(3, 1 / 3)
    error, gain, invs = study._separable_iir(col, row, 1e-2, 256)
    w = 2 * np.pi * np.arange(256) / 256
    H = np.fft.fft2(h, (256, 256))
    G = np.outer(*(inv.frequency_response(w) for inv in invs))
    assert error == pytest.approx(np.sqrt(np.mean(np.abs(H * G - 1) ** 2)), rel=1e-9)
    assert gain == pytest.approx(np.mean(np.abs(G) ** 2), rel=1e-9)
    # the exact inverse of a separable Gaussian: error at rounding level, not the square root of it
    g = study.KERNELS["Gaussian σ=1"]
    a = g[3] / g[3].sum()
    assert study._separable_iir(a, a, 0.0, 1024)[0] < 1e-13


def test_noisy_rows_are_the_psnr_of_the_restorations_they_name(data):
    name, sigma = "cross 3x3", data["noise_levels"][0]
    part = data["kernels"][name]["noisy"][sigma]
    h, b, image = data["kernels"][name]["kernel"], part["blurred"], data["image"]
    # the blurred image is the circular blur plus noise of the stated level
    residual = b - ndi.convolve(image, h, mode="wrap")
    assert abs(residual.std() / sigma - 1) < 0.1
    fir = part["rows"]["LS FIR"][0]
    g = inverse_kernel(h, fir["size"], reg=fir["reg"]).solution      # odd sizes: anchored at the centre
    restored = sig.convolve2d(np.pad(b, fir["size"], mode="wrap"), g, mode="same")
    restored = restored[fir["size"]: -fir["size"], fir["size"]: -fir["size"]]
    assert psnr(restored, image) == pytest.approx(fir["psnr"], abs=1e-6)
    best_c = part["rows"]["Wiener by FFT"][0]
    assert psnr(wiener_filter(b, h, best_c["reg"]), image) == pytest.approx(best_c["psnr"], abs=1e-9)
    assert best_c["psnr"] == max(psnr(wiener_filter(b, h, c), image) for c in data["setup"]["regs"])


def test_separable_iir_only_for_separable_kernels_and_costs(data):
    for name, k in data["kernels"].items():
        n = k["noiseless"]
        assert k["separable"] == (name != "cross 3x3")
        if k["separable"]:
            M = sum(np.trim_zeros(f).size - 1 for f in (n["separable"]["col"], n["separable"]["row"]))
            for r in n["separable"]["rows"]:
                assert r["cost"] == (M + 2 if r["reg"] == 0 else 3 * M + 2)
    # the box has zeros on the circle: no exact inverse, in 1-D or in 2-D
    assert data["kernels"]["box 3x3"]["noiseless"]["exact"] == "H vanishes"
    with pytest.raises(ValueError):
        iir_inverse(np.full(3, 1 / 3))
    assert data["kernels"]["Gaussian σ=1"]["noiseless"]["exact"] == "exists"


def test_summary_states_the_winners_from_the_data(data):
    text = study.summarize(data)
    for sigma in data["noise_levels"]:
        for name in data["kernels"]:
            w = study.winners(data, name, sigma)
            fams = study.best_at(data, name, sigma)
            assert w["psnr"] == max(v["psnr"] for v in fams.values())
            assert fams[w["best"]]["psnr"] == w["psnr"]
            assert f"{name}: best {w['best']} {w['psnr']:.2f} dB" in text
            assert f"{w['cheapest']} (cost {w['cost']:g})" in text
            # nothing reaches within the tie at a lower cost
            for family, rows in data["kernels"][name]["noisy"][sigma]["rows"].items():
                assert all(r["cost"] >= w["cost"] for r in rows if r["psnr"] >= w["psnr"] - study.TIE_DB)


def test_figures_and_cli_outputs(tmp_path, data, computed_once):
    computed_once(study, data)
    outputs, failures = _cli.run_studies([study.NAME], out=tmp_path, quick=True, progress=False, log=lambda *a: None)
    assert not failures
    folder = tmp_path / study.NAME
    assert {f.name for f in folder.glob("*.png")} == {"error_vs_cost_2d.png", "psnr_vs_cost_2d.png"}
    assert len((folder / "noisy.csv").read_text().splitlines()) > 1


def test_a_reg_grid_below_the_families_limits_is_refused():
    with pytest.raises(ValueError, match="regs must hold a value >= 0.0001"):
        study.compute(quick=True, regs=(1e-6,))
