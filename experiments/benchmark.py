"""Study: the speed of convops and solvers beside their peers, on this machine.

Runs the benchmarks, each of which measures our implementation and
its peers in the same run (interleaved, best of several rounds):

- :mod:`experiments.bench_convops`: building the sparse convolution matrix
  (against the straightforward COO build) and applying the operator
  (against ``scipy.ndimage.convolve`` and a product with a cached FFT);
- :mod:`experiments.bench_frequency`: the frequency-domain filters against
  the bare FFTs they need;
- :mod:`experiments.bench_solvers`: least-squares inverse kernels against
  ``scipy.sparse.linalg.lsqr`` and ``spsolve``, and the fixed-step gradient
  descent of the second text beside CG;
- :mod:`experiments.bench_scale`: a 2048x2048 replicate-boundary
  restoration without a matrix (time, peak memory, one CG iteration against
  two operator applications and against pylops), and the cost of the
  build, the apply and one solver iteration against image size beside
  scipy.ndimage, pylops and scikit-image;
- :mod:`experiments.bench_inverse_cost`: every realisation of an inverse
  filter (FIR direct and by FFT, fitted IIR, exact and regularised two-sided
  IIR, separable 2-D IIR), its multiply-adds per sample beside its measured
  time on a 10**6-sample signal and a 2048x2048 image, against scipy.signal
  and scipy.ndimage doing the same work;
- :mod:`experiments.bench_regularization`: the GCV choice of the
  regularisation against the restoration it is for (one Wiener filter of a
  1024x1024 image; the CGLS solve of a 512x512 replicate-boundary problem).

The study is a list of sections, :data:`SECTIONS`; each has a name, a
function ``compute(quick, progress) -> dict`` whose ``'tables'`` entry
holds lists of row dicts (written as CSV files) and whose other entries are
kept under ``data[name]``, a function ``draw(data) -> {stem: Figure}`` and a
function ``summarize(data) -> list`` of rows ``(target, measured, met)``.
A new section is one more entry in the list.

Run with ``python -m experiments benchmark`` (several minutes, so it runs
only when named: ``python -m experiments`` leaves it out; ``--quick``:
seconds, small sizes, for which the targets were not set).  From Python,
``compute(sections=["frequency"])`` runs only the sections named.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
from tqdm import tqdm

from . import bench_convops, bench_frequency, bench_inverse_cost, bench_regularization, bench_scale, bench_solvers
from ._plot import figure, log_axis_label
from ._study import study_setup

__all__ = ["NAME", "QUESTION", "RUN_BY_DEFAULT", "Section", "SECTIONS", "TARGETS", "compute", "draw", "summarize"]

NAME = "benchmark"
QUESTION = ("How fast are the convolution matrix, the operator, the frequency-domain filters and the "
            "inverse-kernel solvers on this machine, against peers measured in the same run?")
#: Several minutes: the benchmark runs only when named on the command line.
RUN_BY_DEFAULT = False

#: Speed targets (the measured figures are stated beside them).
TARGETS = dict(
    build_speedup=10.0,        # matrix build at least this many times faster than the COO build
    apply_ratio=1.0,           # forward apply no slower than the best peer ...
    apply_noise=0.1,           # ... up to this fraction of timing noise (small kernels call ndimage itself)
    inverse_size="127x127",    # inverse kernel of this size (bench_solvers' full run) ...
    inverse_seconds=0.5,       # ... to the optimum in under this many seconds
    inverse_speedup=5.0,       # ... and at least this many times faster than lsqr
    frequency_ratio=bench_frequency.TARGET_RATIO,  # filter time / bare FFT time
    optimum_gap=bench_solvers.TARGET_GAP,          # relative objective gap that counts as the optimum
    large_size="2048x2048",    # the large restoration (bench_scale's full run) ...
    large_seconds=60.0,        # ... well under a minute
    large_peak_GiB=3.0,        # ... with peak memory under this
    iteration_ratio=1.5,       # one CG iteration / two FFT-based operator applications
    iir_apply_ratio=bench_inverse_cost.TARGET_RATIO,  # IIRInverse.apply / sosfilt of the same sections
    choice_ratio=bench_regularization.TARGET_RATIO,   # choose_reg / the restoration it is for
)


@dataclass(frozen=True)
class Section:
    """One part of the benchmark.

    Attributes
    ----------
    name : str
        Key of the section's extra data in the study data.
    compute : callable
        ``compute(quick, progress) -> dict`` with a ``'tables'`` entry
        ``{table name: list of row dicts}``; other entries are extra data.
    draw : callable
        ``draw(data) -> {file stem: Figure}`` from the whole study data.
    summarize : callable
        ``summarize(data) -> list of (target, measured, met)`` rows, where
        `met` is a bool (or None when the row states no target).
    """

    name: str
    compute: Callable[[bool, bool], dict]
    draw: Callable[[dict], dict]
    summarize: Callable[[dict], list]


def _ok(met) -> str:
    return "—" if met is None else ("yes" if met else "no")


def _log_bars(ax, values, headroom=8.0):
    """Log y axis for bars: from the decade below the smallest bar to
    `headroom` times the largest (room for labels)."""
    ax.set_yscale("log")
    ax.set_ylim(10.0 ** np.floor(np.log10(0.5 * min(values))), headroom * max(values))


# --------------------------------------------------------------------------
# convops: matrix build and forward apply
# --------------------------------------------------------------------------

def _compute_convops(quick, progress):
    return {"tables": bench_convops.run(quick, progress=progress)}


def _case(row) -> str:
    return f"{row['boundary']}, {row['output']}\n{row['nnz'] / 1e6:.3g}M nonzeros"


def _draw_build(data):
    rows = data["tables"]["build"]
    x = np.arange(len(rows))
    fig, ax = figure(width=max(4.5, 1.3 * len(rows)), height=3.8)
    ours = ax.bar(x - 0.2, [r["ours_Mnnz_s"] for r in rows], 0.4, label="convolution_matrix")
    ax.bar(x + 0.2, [r["coo_Mnnz_s"] for r in rows], 0.4, label="COO triplets + tocsr()")
    for bar, r in zip(ours, rows):
        ax.annotate(f"{r['speedup']:.1f}x\npeak {r['peak_over_matrix']:.2f}x", (bar.get_x() + bar.get_width() / 2,
                    bar.get_height()), ha="center", va="bottom", fontsize=7, xytext=(0, 2),
                    textcoords="offset points")
    _log_bars(ax, [r[k] for r in rows for k in ("ours_Mnnz_s", "coo_Mnnz_s")])
    ax.set_xticks(x, [_case(r) for r in rows], fontsize=8)
    ax.set(xlabel="boundary rule and output window", ylabel=log_axis_label("build rate", "million nonzeros/s"),
           title="Sparse matrix build (labels: speed-up over COO;\npeak memory of the build / memory of the matrix)")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def _draw_apply(data):
    rows = data["tables"]["apply"]
    kernels = list(dict.fromkeys(r["kernel"] for r in rows))
    fig, axes = figure(1, len(kernels), width=4.0, height=3.8, sharey=True)
    axes = np.atleast_1d(axes)
    series = (("ours_ms", "convolution_operator"), ("ndimage_ms", "ndimage.convolve"),
              ("cached_fft_ms", "pad + cached FFT"))
    for ax, kernel in zip(axes, kernels):
        part = [r for r in rows if r["kernel"] == kernel]
        x = np.arange(len(part))
        for i, (key, label) in enumerate(series):
            ax.bar(x + (i - 1) * 0.27, [r[key] for r in part], 0.27, label=label)
        ax.set_xticks(x, [f"{r['boundary']}\n({r['method']})" for r in part], fontsize=7)
        ax.set(title=f"kernel {kernel}", xlabel="boundary rule (our method)")
    _log_bars(axes[0], [r[key] for r in rows for key, _ in series], headroom=2.0)
    axes[0].set_ylabel(log_axis_label("forward apply time", "ms"))
    axes[0].legend(fontsize=7)
    fig.suptitle("Forward apply, output 'same', random image (best of the rounds)")
    return fig


def _draw_convops(data):
    return {"build": _draw_build(data), "apply": _draw_apply(data)}


def _summarize_convops(data):
    build, apply = data["tables"]["build"], data["tables"]["apply"]
    slowest = min(build, key=lambda r: r["speedup"])
    worst = max(apply, key=lambda r: r["ratio_to_best_peer"])
    median = float(np.median([r["ratio_to_best_peer"] for r in apply]))
    by_method = {m: [r["ratio_to_best_peer"] for r in apply if r["method"] == m] for m in
                 dict.fromkeys(r["method"] for r in apply)}
    peak = max(r["peak_over_matrix"] for r in build)
    allowed = TARGETS["apply_ratio"] * (1 + TARGETS["apply_noise"])
    return [
        (f"matrix build >= {TARGETS['build_speedup']:g}x faster than COO",
         f"{slowest['speedup']:.1f}x to {max(r['speedup'] for r in build):.1f}x over {len(build)} cases "
         f"(slowest: {slowest['boundary']}, {slowest['output']}, {slowest['nnz'] / 1e6:.3g}M nonzeros, "
         f"{slowest['matrix_MiB']:.0f} MiB); peak memory <= {peak:.2f}x the matrix",
         slowest["speedup"] >= TARGETS["build_speedup"]),
        (f"forward apply no slower than the best peer (time ratio <= {TARGETS['apply_ratio']:g}, "
         f"{TARGETS['apply_noise']:.0%} allowed for timing noise)",
         f"median ratio {median:.2f}, worst {worst['ratio_to_best_peer']:.2f} (kernel {worst['kernel']}, "
         f"{worst['boundary']}, vs {worst['best_peer']}) over {len(apply)} cases; by our method: "
         + ", ".join(f"{m} {min(v):.2f}-{max(v):.2f}" for m, v in by_method.items()),
         worst["ratio_to_best_peer"] <= allowed),
    ]


# --------------------------------------------------------------------------
# Frequency-domain filters
# --------------------------------------------------------------------------

def _compute_frequency(quick, progress):
    return {"tables": {"frequency": bench_frequency.run(quick, progress=progress)}}


def _draw_frequency(data):
    rows = data["tables"]["frequency"]
    y = np.arange(len(rows))
    fig, ax = figure(width=6.5, height=2.8)
    bars = ax.barh(y, [r["ratio"] for r in rows], color="tab:blue")
    for bar, r in zip(bars, rows):
        ax.annotate(f"{1e3 * r['seconds']:.2f} ms", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    va="center", fontsize=8, xytext=(3, 0), textcoords="offset points")
    ax.axvline(TARGETS["frequency_ratio"], color="k", ls="--", lw=1,
               label=f"target {TARGETS['frequency_ratio']:g}")
    ax.set_yticks(y, [r["method"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.4 * max(TARGETS["frequency_ratio"], max(r["ratio"] for r in rows)))
    ax.set(xlabel="time / time of the bare FFTs (labels: time per call)",
           title=f"Frequency-domain filters, image {rows[0]['shape']}")
    ax.legend(fontsize=8, loc="upper right")
    return {"frequency": fig}


def _summarize_frequency(data):
    filters = [r for r in data["tables"]["frequency"] if r["method"] != bench_frequency.BARE]
    worst = max(r["ratio"] for r in filters)
    measured = ", ".join(f"{r['method'].split('(')[0]} {r['ratio']:.2f}x" for r in filters)
    return [(f"Wiener/pseudo-inverse/inverse filters within {TARGETS['frequency_ratio']:g}x of their FFTs",
             f"{measured} ({data['tables']['frequency'][0]['shape']})", worst <= TARGETS["frequency_ratio"])]


# --------------------------------------------------------------------------
# Inverse kernels
# --------------------------------------------------------------------------

def _compute_solvers(quick, progress):
    raw = bench_solvers.run(quick, progress=progress)
    extras = {key: {k: v for k, v in part.items() if k != "rows"} for key, part in raw.items()}
    return {"tables": {"inverse_kernel": raw["lsq"]["rows"], "fixed_step": raw["fixed_step"]["rows"]}, **extras}


def _short(method: str) -> str:
    """'scipy lsqr on the sparse matrix (atol=...)' -> 'scipy lsqr', etc."""
    words = method.split()
    return " ".join(words[:2]) if words[0] != "gradient" else "fixed-step GD"


def _relative_gap(history, optimum):
    gap = (np.asarray(history, dtype=float) - optimum) / optimum
    return np.maximum(gap, np.finfo(float).eps)


def _draw_solvers(data):
    rows, lsq, fixed = data["tables"]["inverse_kernel"], data["solvers"]["lsq"], data["solvers"]["fixed_step"]
    fig, (ax, ax_hist) = figure(1, 2, width=5.2, height=4.0)
    colors = ["tab:blue", "tab:orange", "tab:green"][:len(rows)]
    bars = ax.bar(np.arange(len(rows)), [r["seconds"] for r in rows], color=colors)
    for bar, r in zip(bars, rows):
        steps = f"{r['iterations']} it." if r["iterations"] else "direct"
        ax.annotate(f"{r['seconds']:.3g} s\n{steps}\ngap {r['relative_gap']:.0e}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=7,
                    xytext=(0, 2), textcoords="offset points")
    _log_bars(ax, [r["seconds"] for r in rows], headroom=20.0)
    ax.set_xticks(np.arange(len(rows)), [_short(r["method"]) for r in rows], fontsize=8)
    ax.set(ylabel=log_axis_label("time to the optimum", "s"),
           title=f"Inverse {lsq['size']} of a random {lsq['kernel']} kernel\n"
                 f"(relative objective gap <= {TARGETS['optimum_gap']:g})")
    for key, label, style in (("fixed_step_history", "fixed-step gradient descent", "-"),
                              ("cg_history", "inverse_kernel CG (preconditioned)", "o-")):
        gap = _relative_gap(fixed[key], fixed["optimum"])
        ax_hist.loglog(np.arange(1, gap.size + 1), gap, style, ms=3, label=label)
    ax_hist.axhline(TARGETS["optimum_gap"], color="k", ls="--", lw=1,
                    label=f"counts as optimal ({TARGETS['optimum_gap']:g})")
    ax_hist.set(xlabel=log_axis_label("iteration + 1"), ylabel=log_axis_label("relative objective gap"),
                title=f"The second text's setting: inverse {fixed['size']}\nof a random {fixed['kernel']} kernel "
                      "(gap floored at eps)")
    ax_hist.legend(fontsize=8)
    return {"inverse_kernel": fig}


def _summarize_solvers(data):
    rows, fixed_rows = data["tables"]["inverse_kernel"], data["tables"]["fixed_step"]
    ours, lsqr = rows[0], next(r for r in rows if "lsqr" in r["method"])
    spsolve = [r for r in rows if "spsolve" in r["method"]]
    size = data["solvers"]["lsq"]["size"]
    cg, fixed = fixed_rows
    target_size = f" (set for {TARGETS['inverse_size']})" if size != TARGETS["inverse_size"] else ""
    return [
        (f"inverse kernel {size} to the optimum in < {TARGETS['inverse_seconds']:g} s{target_size}",
         f"{ours['seconds']:.3g} s, {ours['iterations']} iterations, relative gap {ours['relative_gap']:.1e}",
         ours["seconds"] < TARGETS["inverse_seconds"]),
        (f"... and >= {TARGETS['inverse_speedup']:g}x faster than lsqr",
         f"{lsqr['speedup_vs_ours']:.1f}x (lsqr {lsqr['seconds']:.3g} s, {lsqr['iterations']} iterations"
         + (f"; spsolve on the normal equations {spsolve[0]['seconds']:.3g} s, "
            f"{spsolve[0]['speedup_vs_ours']:.0f}x ours)" if spsolve else ")"),
         lsqr["speedup_vs_ours"] >= TARGETS["inverse_speedup"]),
        (f"the text's fixed-step descent stops short of the optimum ({data['solvers']['fixed_step']['size']})",
         f"relative gap {fixed['relative_gap']:.2e} after {fixed['iterations']:,} iterations "
         f"({fixed['seconds']:.3g} s); "
         f"CG {cg['relative_gap']:.1e} after {cg['iterations']} ({cg['seconds']:.3g} s)",
         fixed["relative_gap"] > TARGETS["optimum_gap"] >= cg["relative_gap"]),
    ]


# --------------------------------------------------------------------------
# Scale: large images without matrices, cost against size
# --------------------------------------------------------------------------

_COST_SERIES = (  # column, label, style
    ("build_s", "matrix build, ours (3x3)", "o-"), ("build_coo_s", "matrix build, COO peer", "o:"),
    ("apply_s", "apply, ours", "s-"), ("apply_ndimage_s", "apply, scipy.ndimage", "s:"),
    ("apply_pylops_s", "apply, pylops Convolve2D (fft)", "s--"),
    ("iteration_s", "CGLS iteration, ours", "^-"), ("iteration_pylops_s", "CGLS iteration, pylops", "^--"),
    ("iteration_skimage_rl_s", "Richardson-Lucy iteration, scikit-image", "^:"),
)


def _compute_scale(quick, progress):
    raw = bench_scale.run(quick, progress=progress)
    return {"tables": {"large_restore": [raw["large"]], "cost_vs_size": raw["cost"]}}


def _draw_scale(data):
    rows = data["tables"]["cost_vs_size"]
    pixels = np.array([r["pixels"] for r in rows], dtype=float)
    fig, ax = figure(1, 1, width=7.5, height=5.2)
    for column, label, style in _COST_SERIES:
        ax.loglog(pixels, [r[column] for r in rows], style, ms=4, label=label)
    anchor = rows[0]["apply_s"]  # reference slopes through the first apply time
    ax.loglog(pixels, anchor * pixels / pixels[0], color="0.6", lw=3, alpha=0.5, label="slope N")
    ax.loglog(pixels, anchor * pixels * np.log(pixels) / (pixels[0] * np.log(pixels[0])), color="0.3", lw=3,
              alpha=0.4, label="slope N log N")
    ax.set(xlabel=log_axis_label("image size N", "pixels"), ylabel=log_axis_label("time", "s"),
           title=f"Cost against size ({bench_scale.KERNEL_SHAPE[0]}x{bench_scale.KERNEL_SHAPE[1]} kernel, "
                 "replicate boundaries, float32)")
    ax.legend(fontsize=7, ncol=2)
    return {"cost_vs_size": fig}


def _summarize_scale(data):
    large = data["tables"]["large_restore"][0]
    note = f" (set for {TARGETS['large_size']})" if large["size"] != TARGETS["large_size"] else ""
    return [
        (f"restore {large['size']} (kernel {large['kernel']}, replicate, Tikhonov) well under "
         f"{TARGETS['large_seconds']:g} s{note}",
         f"{large['seconds']:.3g} s, {large['iterations']} CG iterations ({large['method']}), "
         f"relative error {large['relative_error']:.3g}", large["seconds"] < TARGETS["large_seconds"]),
        (f"... with peak memory under {TARGETS['large_peak_GiB']:g} GiB",
         f"{large['peak_rss_GiB']:.2f} GiB (whole process, {large['rss_before_solve_GiB']:.2f} GiB before the solve)",
         large["peak_rss_GiB"] < TARGETS["large_peak_GiB"]),
        (f"one CG iteration <= {TARGETS['iteration_ratio']:g}x two FFT-based operator applications",
         f"{large['iteration_over_two_applications']:.2f}x ({large['cgls_iteration_s']:.3g} s against "
         f"{large['forward_s']:.3g} + {large['adjoint_s']:.3g} s)",
         large["iteration_over_two_applications"] <= TARGETS["iteration_ratio"]),
        ("one CG iteration beats pylops' cgls with Convolve2D (fft)",
         f"pylops {large['pylops_cgls_iteration_s']:.3g} s per iteration, {large['pylops_over_ours']:.2f}x ours",
         large["pylops_over_ours"] > 1.0),
        ("float32 stays float32 end to end", f"solution {large['dtype']}, iterations {large['ours_dtype']}",
         large["dtype"] == large["ours_dtype"] == "float32"),
    ]


# --------------------------------------------------------------------------
# Cost of applying inverse filters
# --------------------------------------------------------------------------

def _compute_inverse_cost(quick, progress):
    return {"tables": {"inverse_cost": bench_inverse_cost.run(quick, progress=progress)}}


def _draw_inverse_cost(data):
    groups = bench_inverse_cost.by_realisation(data["tables"]["inverse_cost"])
    rows = sum(len(g) for g in groups.values())
    fig, ax = figure(width=8.0, height=0.22 * rows + 0.35 * len(groups) + 1.2)
    y, labels, ticks = 0.0, [], []
    colours = {"ours": "tab:red", "same work": "tab:blue", "peer": "tab:gray"}
    for name, group in groups.items():
        for i, (impl, r) in enumerate(group.items()):
            ax.barh(y + 0.22 * i, r["ns_per_sample"], 0.2, color=colours[r["role"]])
            ax.annotate(f"{impl}: {r['ns_per_sample']:.3g}", (r["ns_per_sample"], y + 0.22 * i), va="center",
                        fontsize=6, xytext=(2, 0), textcoords="offset points")
        first = next(iter(group.values()))
        ticks.append(y + 0.22 * (len(group) - 1) / 2)
        labels.append(f"{name}\n{first['signal']}, {first['count']} multiply-adds/sample")
        y += 0.22 * len(group) + 0.35
    ax.set_xscale("log")
    ax.set_yticks(ticks, labels, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlim(right=ax.get_xlim()[1] * 30)
    ax.set(xlabel=log_axis_label("time per output sample", "ns"),
           title="Applying inverse filters: ours (red), scipy doing\nthe same work (blue), other peers (grey)")
    return {"inverse_cost": fig}


def _summarize_inverse_cost(data):
    groups = bench_inverse_cost.by_realisation(data["tables"]["inverse_cost"])
    ours = {name: g for name, g in groups.items() if any(r["role"] == "ours" for r in g.values())}
    iir = {name: g for name, g in ours.items() if "IIRInverse.apply" in g}
    worst = max(bench_inverse_cost.ratio(g) for g in iir.values())
    signal = next(iter(next(iter(iir.values())).values()))["signal"]

    def ns(group, role):
        return next(r for r in group.values() if r["role"] == role)["ns_per_sample"]

    return [(f"IIRInverse.apply on {signal} samples <= {TARGETS['iir_apply_ratio']:g}x scipy's sosfilt "
             "over the same sections and passes",
             "; ".join(f"{name}: {bench_inverse_cost.ratio(g):.2f}x ({ns(g, 'ours'):.3g} against "
                       f"{ns(g, 'same work'):.3g} ns/sample; one sosfilt over all sections "
                       f"{g['sosfilt, all sections in one pass']['ns_per_sample']:.3g})" for name, g in iir.items()),
             worst <= TARGETS["iir_apply_ratio"]),
            *[(f"{name} ({next(iter(g.values()))['signal']})",
               f"{next(i for i, r in g.items() if r['role'] == 'ours')} {ns(g, 'ours'):.3g} ns/sample, "
               f"{bench_inverse_cost.ratio(g):.2f}x {next(i for i, r in g.items() if r['role'] == 'same work')}",
               None) for name, g in ours.items() if name not in iir]]


# --------------------------------------------------------------------------
# Choosing the regularisation parameter
# --------------------------------------------------------------------------

def _compute_regularization(quick, progress):
    return {"tables": {"regularization": bench_regularization.run(quick, progress=progress)}}


def _draw_regularization(data):
    rows = data["tables"]["regularization"]
    fig, ax = figure(width=6.5, height=2.6)
    y = np.arange(len(rows))
    ax.barh(y - 0.2, [r["choice_s"] for r in rows], 0.4, color="tab:red", label="choose_reg (GCV)")
    ax.barh(y + 0.2, [r["reference_s"] for r in rows], 0.4, color="tab:blue", label="the restoration it serves")
    for i, r in enumerate(rows):
        ax.annotate(f"{r['ratio']:.2f}x", (max(r["choice_s"], r["reference_s"]), i), va="center", fontsize=8,
                    xytext=(3, 0), textcoords="offset points")
    ax.set_yticks(y, [f"{r['boundary']} {r['size']}\n({r['method']}; vs {r['reference']})" for r in rows], fontsize=7)
    ax.set_xscale("log")
    ax.set(xlabel=log_axis_label("time", "s"), title="Choosing the parameter against restoring with it")
    ax.legend(fontsize=7, loc="lower right")
    return {"regularization": fig}


def _summarize_regularization(data):
    out = []
    for r in data["tables"]["regularization"]:
        out.append((f"GCV choice ({r['boundary']}, {r['size']}, {r['method']}) <= {TARGETS['choice_ratio']:g}x "
                    f"{r['reference']}", f"{r['ratio']:.2f}x ({r['choice_s']:.3g} s against {r['reference_s']:.3g} s; "
                    f"{r['grid_points']} grid points" + (f", {r['iterations']} Golub-Kahan steps" if r["iterations"]
                                                          else "") + ")", r["ratio"] <= TARGETS["choice_ratio"]))
    return out


#: The sections, in the order they run and appear.
SECTIONS: list[Section] = [
    Section("convops", _compute_convops, _draw_convops, _summarize_convops),
    Section("frequency", _compute_frequency, _draw_frequency, _summarize_frequency),
    Section("solvers", _compute_solvers, _draw_solvers, _summarize_solvers),
    Section("scale", _compute_scale, _draw_scale, _summarize_scale),
    Section("inverse_cost", _compute_inverse_cost, _draw_inverse_cost, _summarize_inverse_cost),
    Section("regularization", _compute_regularization, _draw_regularization, _summarize_regularization),
]


# --------------------------------------------------------------------------
# The study
# --------------------------------------------------------------------------

def _run_sections(data: dict) -> list[Section]:
    """The sections whose results `data` holds, in order."""
    return [section for section in SECTIONS if section.name in data["seconds"]]


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Run the sections.

    Parameters
    ----------
    quick : bool, optional
        Small sizes (seconds instead of minutes).
    progress : bool, optional
        Progress bar over the sections (and inside those that support one).
    **setup
        sections : sequence of str, optional
            Names of the sections to run (default: every one of
            :data:`SECTIONS`: ``'convops'``, ``'frequency'``, ``'solvers'``,
            ``'scale'``, ``'inverse_cost'``, ``'regularization'``), run in the order of :data:`SECTIONS`.

    Returns
    -------
    dict
        ``quick``, ``setup``, ``tables`` (every section's tables, by name),
        ``seconds`` (each section's run time) and each section's extra data
        under its name.

    Raises
    ------
    TypeError
        Naming an unknown setup keyword.
    ValueError
        Naming an unknown section.
    """
    known = [section.name for section in SECTIONS]
    setup = study_setup({"sections": tuple(known)}, setup, study=NAME)
    names = [setup["sections"]] if isinstance(setup["sections"], str) else list(setup["sections"])
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(f"sections must name at least one of {', '.join(map(repr, known))}; "
                         f"got {setup['sections']!r}")
    chosen = [section for section in SECTIONS if section.name in names]
    data = {"quick": quick, "setup": {"sections": [s.name for s in chosen]}, "tables": {}, "seconds": {}}
    for section in tqdm(chosen, desc="benchmark", disable=not progress):
        start = time.perf_counter()
        result = dict(section.compute(quick, progress))
        data["tables"].update(result.pop("tables"))
        if result:
            data[section.name] = result
        data["seconds"][section.name] = time.perf_counter() - start
    return data


def draw(data: dict) -> dict:
    """The figures of every section run."""
    figures = {}
    for section in _run_sections(data):
        figures.update(section.draw(data))
    return figures


def summarize(data: dict) -> str:
    """Each target beside the measured figure, as a Markdown table."""
    lines = ["| target | measured | met |", "|---|---|---|"]
    for section in _run_sections(data):
        for target, measured, met in section.summarize(data):
            lines.append(f"| {target} | {measured} | {_ok(met)} |")
    note = (" Quick mode: small sizes, for which the targets were not set." if data["quick"] else "")
    seconds = ", ".join(f"{name} {s:.0f} s" for name, s in data["seconds"].items())
    return "\n".join([f"Measured on this machine, each implementation beside its peers in the same run "
                      f"(best of interleaved rounds; sections took {seconds}).{note}", "", *lines])
