"""The 'benchmark' study: its tables, figures and summary (quick mode).

No assertion here is about speed: timings on a shared machine are noisy,
and the targets are stated beside the measured figures in the study's
output instead.
"""

import copy
import json
import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from convops import BOUNDARIES
from experiments import _cli, bench_frequency, bench_inverse_cost, bench_solvers, benchmark

TABLES = {"build", "apply", "frequency", "inverse_kernel", "fixed_step", "large_restore", "cost_vs_size",
          "inverse_cost", "regularization"}
FIGURES = {"build", "apply", "frequency", "inverse_kernel", "cost_vs_size", "inverse_cost", "regularization"}


@pytest.fixture(scope="module")
def data():
    return benchmark.compute(quick=True)


def _positive(value):
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_tables_have_the_expected_rows(data):
    tables = data["tables"]
    assert set(tables) == TABLES
    assert [(r["boundary"], r["output"]) for r in tables["build"]] == [("replicate", "same")]
    assert len(tables["apply"]) == 2 * len(BOUNDARIES)
    assert {r["boundary"] for r in tables["apply"]} == set(BOUNDARIES)
    assert [r["method"] for r in tables["frequency"]][0] == bench_frequency.BARE
    assert len(tables["frequency"]) == 4 and len(tables["inverse_kernel"]) == 2 and len(tables["fixed_step"]) == 2
    assert set(data["seconds"]) == {s.name for s in benchmark.SECTIONS}


def test_times_positive_and_finite(data):
    tables = data["tables"]
    for r in tables["build"]:
        assert all(_positive(r[k]) for k in ("ours_s", "coo_s", "ours_Mnnz_s", "coo_Mnnz_s", "peak_over_matrix"))
        assert r["ours_Mnnz_s"] == pytest.approx(r["nnz"] / r["ours_s"] / 1e6)
    for r in tables["apply"]:
        assert all(_positive(r[k]) for k in ("ours_ms", "ndimage_ms", "cached_fft_ms", "adjoint_ms"))
        assert r["ratio_to_best_peer"] == pytest.approx(r["ours_ms"] / min(r["ndimage_ms"], r["cached_fft_ms"]))
    for r in tables["frequency"]:
        assert _positive(r["seconds"]) and _positive(r["ratio"])
    for r in tables["inverse_kernel"] + tables["fixed_step"]:
        assert _positive(r["seconds"])


def test_build_measurements_consistent(data):
    for r in data["tables"]["build"]:
        assert r["speedup"] == pytest.approx(r["coo_s"] / r["ours_s"])
        assert r["peak_over_matrix"] >= 1.0  # the build holds at least the finished matrix
        assert r["matrix_MiB"] * 2**20 >= r["nnz"] * 12  # float64 values + int32 indices


def test_solvers_agree_on_the_optimum(data):
    ours, lsqr = data["tables"]["inverse_kernel"]
    assert abs(ours["relative_gap"]) <= bench_solvers.TARGET_GAP
    assert abs(lsqr["relative_gap"]) <= bench_solvers.TARGET_GAP
    cg, _ = data["tables"]["fixed_step"]
    assert abs(cg["relative_gap"]) <= bench_solvers.TARGET_GAP


def test_fixed_step_history(data):
    extra = data["solvers"]["fixed_step"]
    fixed = np.asarray(extra["fixed_step_history"])
    cg = np.asarray(extra["cg_history"])
    _, row = data["tables"]["fixed_step"]
    assert fixed.size == row["iterations"] + 1
    assert np.all(np.diff(fixed) <= 0)  # a step below 1/L: the objective never rises
    assert fixed[-1] > extra["optimum"] * (1 + bench_solvers.TARGET_GAP)  # stops short
    assert cg[-1] == pytest.approx(extra["optimum"], rel=1e-9)
    assert fixed[0] == pytest.approx(cg[0]) == pytest.approx(0.5)  # both start at g = 0: 0.5 ||delta||^2


def test_draw(data):
    figures = benchmark.draw(data)
    assert set(figures) == FIGURES
    assert all(isinstance(f, Figure) for f in figures.values())
    for fig in figures.values():
        for ax in fig.axes:
            assert ax.get_xlabel() or ax.get_ylabel() or ax.get_title()


def test_summary_states_targets_with_measured_numbers(data):
    text = benchmark.summarize(data)
    build = data["tables"]["build"][0]
    assert f"{build['speedup']:.1f}x" in text
    assert f"{data['tables']['inverse_kernel'][1]['speedup_vs_ours']:.1f}x" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| target")]
    targets = [line for line in rows if line.endswith(("| yes |", "| no |"))]
    stated = [line for line in rows if line.endswith("| — |")]        # measured figures without a target
    assert len(targets) == 14 and len(stated) + len(targets) == len(rows)
    ours = [r for r in data["tables"]["inverse_cost"] if r["role"] == "ours"]
    assert len(stated) == len([r for r in ours if r["implementation"] != "IIRInverse.apply"]) == 3
    groups = bench_inverse_cost.by_realisation(data["tables"]["inverse_cost"])
    iir = [g for g in groups.values() if "IIRInverse.apply" in g]
    assert len(iir) == 3 and all(f"{bench_inverse_cost.ratio(g):.2f}x" in targets[-3] for g in iir)
    for row, line in zip(data["tables"]["regularization"], targets[-2:]):
        assert row["ratio"] == pytest.approx(row["choice_s"] / row["reference_s"])
        assert f"{row['ratio']:.2f}x" in line and row["boundary"] in line
    changed = copy.deepcopy(data)
    changed["tables"]["build"][0]["speedup"] = 123.4
    new = benchmark.summarize(changed)
    assert "123.4x" in new and new != text


def test_run_writes_outputs(tmp_path, data, computed_once):
    computed_once(benchmark, data)
    outputs, failures = _cli.run_studies([benchmark.NAME], out=tmp_path, quick=True, progress=False,
                                         log=lambda *a: None)
    assert not failures and [o.name for o in outputs] == ["benchmark"]
    folder = tmp_path / "benchmark"
    for stem in FIGURES:
        assert (folder / f"{stem}.png").stat().st_size > 0
    for table in TABLES:
        lines = (folder / f"{table}.csv").read_text().splitlines()
        assert len(lines) >= 2, table
    saved = json.loads((folder / "data.json").read_text())
    assert saved["solvers"]["fixed_step"]["fixed_step_history"].startswith("arrays.npz:")
    assert (folder / "arrays.npz").exists() and (tmp_path / "index.md").exists()


def test_scale_section_measures_the_large_restore_and_the_peers(data):
    (large,) = data["tables"]["large_restore"]
    assert large["method"] == "cg" and large["converged"] and large["dtype"] == "float32"
    assert large["ours_dtype"] == "float32" and large["pylops_dtype"] == "float32"
    assert 0 < large["relative_error"] < 0.2  # a restoration, not noise
    assert large["peak_rss_GiB"] >= large["rss_before_solve_GiB"] > 0
    for key in ("seconds", "forward_s", "adjoint_s", "cgls_iteration_s", "pylops_cgls_iteration_s"):
        assert _positive(large[key]), key
    assert large["iteration_over_two_applications"] == pytest.approx(
        large["cgls_iteration_s"] / (large["forward_s"] + large["adjoint_s"]))
    rows = data["tables"]["cost_vs_size"]
    assert [r["pixels"] for r in rows] == sorted(r["pixels"] for r in rows)
    # Per-iteration times are differences of two timed runs: finite, but not
    # necessarily positive on a busy machine at quick-mode sizes.
    assert all(math.isfinite(r[c]) for r in rows for c in r if c.endswith("_s"))
    assert all(_positive(r[c]) for r in rows for c in r if c.endswith("_s") and not c.startswith("iteration"))


def test_custom_setup_runs_only_the_sections_named():
    data = benchmark.compute(quick=True, sections=["frequency"])
    assert set(data["tables"]) == {"frequency"} and set(data["seconds"]) == {"frequency"}
    assert set(benchmark.draw(data)) == {"frequency"}
    assert "Wiener/pseudo-inverse/inverse filters" in benchmark.summarize(data)
    with pytest.raises(ValueError, match="sections.*'fourier'"):
        benchmark.compute(sections=["fourier"])
