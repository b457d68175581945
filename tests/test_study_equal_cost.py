"""The equal-cost study: its data hold the claims its summary makes."""

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.signal as sig

from experiments import equal_cost as study
from solvers import fit_iir_inverse, iir_inverse


@pytest.fixture(scope="module")
def data():
    return study.compute(quick=True)


def _k(data, name):
    return data["kernels"][name]


# -- the numbers are right -----------------------------------------------------------
def test_fir_error_matches_an_independent_least_squares_solve(data):
    k = _k(data, "maximum phase, near")
    C = list(data["coefficients"])
    for taps in (3, 8):
        i = C.index(taps)
        A = sla.convolution_matrix(k["kernel"], taps, mode="full")
        target = np.zeros(A.shape[0])
        target[k["fir"]["delay"][i]] = 1.0
        g = np.linalg.lstsq(A, target, rcond=None)[0]
        assert k["fir"]["error"][i] == pytest.approx(np.linalg.norm(A @ g - target), rel=1e-9)
        assert k["fir"]["noise_gain"][i] == pytest.approx(g @ g, rel=1e-9)
        # the optimal delay: no other delay does better
        errors = []
        for d in range(A.shape[0]):
            t = np.zeros(A.shape[0])
            t[d] = 1.0
            errors.append(np.linalg.norm(A @ np.linalg.lstsq(A, t, rcond=None)[0] - t))
        assert k["fir"]["error"][i] == pytest.approx(min(errors), rel=1e-9)


def test_iir_noise_gain_is_the_sum_of_squares_of_the_impulse_response():
    fit = fit_iir_inverse(study.KERNELS["mixed phase, near"], (4, 2), delay=3)
    g = sig.lfilter(fit.b, fit.a, np.eye(1, 3000).ravel())
    assert study.iir_noise_gain(fit.b, fit.a) == pytest.approx(g @ g, rel=1e-9)
    assert study.iir_noise_gain([2.0, 1.0], [1.0]) == 5.0


def test_two_sided_error_and_noise_gain_match_the_time_domain(data):
    k = _k(data, "box 5")
    ts = k["two_sided"]
    i = int(np.argmin(np.abs(ts["regs"] - 1e-2)))
    inv = iir_inverse(k["kernel"], reg=ts["regs"][i])
    g = inv.impulse_response(-4000, 4000)
    r = np.convolve(k["kernel"], g)
    centre = 4000                             # h * g is zero-phase about n = 0
    assert np.argmax(r) == centre
    r[centre] -= 1.0
    assert ts["error"][i] == pytest.approx(np.linalg.norm(r), rel=1e-8)
    assert ts["noise_gain"][i] == pytest.approx(g @ g, rel=1e-8)
    assert ts["cost"] == 3 * 4 + 1
    for name, kernel in data["kernels"].items():       # Wiener's optimum for a white signal: lambda = sigma^2
        for s, best in kernel["two_sided"]["best"].items():
            assert best["reg"] == pytest.approx(s ** 2), name
    # the chosen reg minimises the closed-form noisy MSE on the grid
    for s, best in ts["best"].items():
        assert best["noisy_mse"] == pytest.approx(np.min(ts["error"] ** 2 + s ** 2 * ts["noise_gain"]))


def test_noisy_mse_is_the_closed_form_and_the_best_iir_is_the_least_error_fit(data):
    for name, k in data["kernels"].items():
        for j, C in enumerate(data["iir_coefficients"]):
            rows = [r for r in k["iir_rows"] if r["C"] == C]
            assert {r["nb"] + r["na"] + 1 for r in rows} == {C}
            assert k["iir"]["error"][j] == min(r["error"] for r in rows)
            for s in data["noise_levels"]:
                assert k["iir"]["noisy_mse"][s][j] == pytest.approx(
                    min(r["error"] ** 2 + s ** 2 * r["noise_gain"] for r in rows))
        # the Tikhonov FIR (reg = sigma^2) minimises the noisy MSE over FIRs: never above the plain LS FIR's
        for s in data["noise_levels"]:
            plain = k["fir"]["error"] ** 2 + s ** 2 * k["fir"]["noise_gain"]
            assert np.all(k["fir"]["noisy_mse"][s] <= plain * (1 + 1e-9)), (name, s)


def test_kernel_classes_follow_the_zeros(data):
    assert study.kernel_class(study.KERNELS["box 3"]) == "on the circle"
    assert study.kernel_class(study.KERNELS["difference [1, -1]"]) == "on the circle"
    assert study.kernel_class(study.KERNELS["minimum phase, near"]) == "near the circle"
    assert study.kernel_class(study.KERNELS["maximum phase, near"]) == "near the circle"
    assert study.kernel_class(study.KERNELS["mixed phase, far"]) == "far from the circle"
    assert study.zero_radius(study.KERNELS["maximum phase, far"]) == pytest.approx(0.5)
    assert _k(data, "minimum phase, near")["zero_distance"] == pytest.approx(0.05)


# -- the claims of the summary ---------------------------------------------------------
def test_zeros_on_the_circle_favour_poles_without_noise(data):
    # [1, -1]: at C = 5 the IIR beats the FIR of C = 5 by hundreds, and no FIR of the sweep reaches it
    assert study.error_ratio(data, "difference [1, -1]", 5) > 300
    assert study.fir_taps_to_reach(data, "difference [1, -1]", 5) is None
    # box 5 needs na = 4 poles for its 4 zeros on the circle: at C = 5 (nb = 0) it barely helps, at C = 8 it wins
    assert study.error_ratio(data, "box 5", 5) < 1.2
    assert study.error_ratio(data, "box 5", 8) > 100
    assert study.at_cost(data, "box 5", 8)["iir_na"] == 4
    wins = study.findings(data)["wins"]
    assert "difference [1, -1]" in wins[5] and "box 5" in wins[8] and "box 5" not in wins[5]


def test_zero_on_the_circle_ls_fir_error_is_one_over_sqrt_taps_plus_one(data):
    # [1, -1]: the residual of delta_d is its projection on the constant vector of the C + 1 outputs
    C = data["coefficients"]
    np.testing.assert_allclose(_k(data, "difference [1, -1]")["fir"]["error"], 1 / np.sqrt(C + 1.0), rtol=1e-9)


def test_near_zero_minimum_phase_is_inverted_exactly_by_two_poles(data):
    a = study.at_cost(data, "minimum phase, near", 5)
    assert a["iir_error"] < 1e-12
    assert a["iir_pole_radius"] == pytest.approx(0.95)
    assert np.all(_k(data, "minimum phase, near")["fir"]["error"] > 0.2)   # FIRs up to 12 taps
    s = max(data["noise_levels"])
    assert a["fir_mse"][s] > 10 * a["iir_mse"][s]                           # and the IIR wins with noise too


def test_a_causal_iir_does_not_help_a_maximum_phase_kernel(data):
    f = study.findings(data)
    assert f["causal_loses"] == ["maximum phase, near"]
    for C in data["iir_coefficients"]:
        assert study.error_ratio(data, "maximum phase, near", C) < 1
    exact = _k(data, "maximum phase, near")["two_sided"]["exact"]
    assert exact["cost"] == 3 and exact["error"] < 1e-12


def test_poles_on_the_circle_amplify_noise_and_the_regularised_iir_wins(data):
    f = study.findings(data)
    circle = [r for r in f["noisy"] if _k(data, r["kernel"])["class"] == "on the circle"]
    assert {r["kernel"] for r in circle} == {"box 5", "difference [1, -1]"}
    for r in circle:
        assert r["noise_gain"] > 1e5 and r["pole_radius"] > 0.99999
        assert r["two_sided_mse"] * study.WIN <= min(r["fir_mse"], r["iir_mse"])
    # at sigma = 1e-3 the Tikhonov FIR beats the fitted IIR on [1, -1] at C = 5
    a = study.at_cost(data, "difference [1, -1]", 5)
    s = min(data["noise_levels"])
    assert a["fir_mse"][s] < a["iir_mse"][s]


def test_far_zeros_short_fir_ties_the_iir_under_noise(data):
    a = study.at_cost(data, "minimum phase, far", 8)
    assert a["fir_error"] < 5e-3
    s = max(data["noise_levels"])
    assert a["fir_mse"][s] <= 1.05 * a["iir_mse"][s]
    assert study.findings(data)["far_mse_ratio"]["minimum phase, far"][8] <= study.TIE
    assert study.tie_from(study.findings(data)["far_mse_ratio"]["minimum phase, far"]) == 8
    # the FIR error falls like r^C, r = 0.5 the zero radius
    C, e = data["coefficients"], _k(data, "minimum phase, far")["fir"]["error"]
    rate = np.exp(np.polyfit(C[C >= 4], np.log(e[C >= 4]), 1)[0])
    assert rate == pytest.approx(0.5, rel=0.1)


def test_with_noise_the_cheapest_family_depends_on_the_zeros(data):
    for s in data["noise_levels"]:
        for name in ("box 5", "difference [1, -1]"):            # on the circle: only the regularised IIR
            reach = study.cost_to_reach(data, name, s)
            assert study.cheapest(data, name, s) == ("regularised two-sided IIR", _k(data, name)["two_sided"]["cost"])
            assert reach["cost"]["FIR"] is None and reach["cost"]["fitted IIR"] is None
        assert study.cheapest(data, "minimum phase, near", s) == ("exact IIR", 3)
        assert study.cost_to_reach(data, "minimum phase, near", s)["cost"]["fitted IIR"] == 5   # the least C fitted
        assert study.cheapest(data, "maximum phase, near", s) == ("exact IIR", 3)
        assert study.cost_to_reach(data, "minimum phase, near", s)["cost"]["FIR"] is None
    # far zeros: a short FIR reaches the least MSE too
    assert study.cost_to_reach(data, "minimum phase, far", max(data["noise_levels"]))["cost"]["FIR"] <= 8


def test_timing_measures_every_family(data):
    t = data["timing"]["seconds_per_sample"]
    assert set(t) >= {study.TIMED_FIR, study.TIMED_IIR}
    assert all(0 < v < 1e-6 for v in t.values())


def test_measured_times_cover_every_member_and_drive_the_time_axis(data):
    t = data["times"]
    assert sorted(t["fir_ns"]) == [int(C) for C in data["coefficients"]]
    orders = {f"{r['nb']},{r['na']}" for k in data["kernels"].values() for r in k["iir_rows"]}
    assert set(t["iir_ns"]) == orders
    assert set(t["two_sided_ns"]) == set(data["kernels"])
    for name, k in data["kernels"].items():       # timed at the best λ of each noise level
        assert set(t["two_sided_ns"][name]) == {k["two_sided"]["best"][s]["reg"] for s in data["noise_levels"]}
    assert set(t["exact_ns"]) == {n for n, k in data["kernels"].items() if k["two_sided"]["exact"] is not None}
    values = [*t["fir_ns"].values(), *t["iir_ns"].values(), *t["exact_ns"].values(),
              *(v for by_reg in t["two_sided_ns"].values() for v in by_reg.values())]
    assert all(0 < v < 1e4 for v in values)
    # the time axis reaches the same least MSE as the cost axis when the budget admits the same members,
    # and the cheapest family in time is one that reaches it
    s = min(data["noise_levels"])
    for name in data["kernels"]:
        reach = study.cost_to_reach(data, name, s, axis="time")
        fam, ns = study.cheapest(data, name, s, axis="time")
        assert reach["cost"][fam] == ns and all(v is None or v >= ns for v in reach["cost"].values())
        members = study._members(data, name, s, "time")
        assert reach["best"] == min(m for rows in members.values() for c, m in rows)
        # the time axis has no budget, so its members include the cost axis's: never a worse best
        assert reach["best"] <= study.cost_to_reach(data, name, s)["best"]
        # and its members are the same inverses: the same MSEs, whatever their times
        by_cost = study._members(data, name, s, "cost")
        assert sorted(m for _, m in members["FIR"]) == sorted(m for _, m in by_cost["FIR"])
    # on the circle only the regularised two-sided IIR reaches the least MSE, whatever the axis
    assert study.cheapest(data, "box 5", s, axis="time")[0] == "regularised two-sided IIR"


def test_draw_and_summarize(data):
    figures = study.draw(data)
    assert set(figures) == {"error_vs_cost", "noise_gain_vs_cost", "noisy_mse_vs_cost", "error_vs_time", "timing"}
    visible = [ax for ax in figures["error_vs_cost"].axes if ax.get_visible()]
    assert len(visible) == len(data["kernels"])
    for ax in visible:
        assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
    text = study.summarize(data)
    assert f"×{study.error_ratio(data, 'difference [1, -1]', 5):.3g}" in text
    assert "maximum phase, near" in text
    assert f"{study.at_cost(data, 'minimum phase, far', 8)['fir_error']:.2g}" in text
    for sigma in data["noise_levels"]:
        fam, ns = study.cheapest(data, "box 5", sigma, axis="time")
        assert f"box 5: {fam} ({ns:.3g} ns)" in text


def test_setup_keywords_are_checked():
    with pytest.raises(TypeError, match="unknown setup keyword"):
        study.compute(quick=True, kernal={})
    with pytest.raises(ValueError, match="iir_coefficients"):
        study.compute(quick=True, iir_coefficients=(30,))


def test_pareto_front_is_the_running_minimum():
    costs, values = study._front([5, 3, 8, 4], [0.5, 0.9, 0.7, np.nan])
    assert costs.tolist() == [3, 5, 8] and values.tolist() == [0.9, 0.5, 0.5]
