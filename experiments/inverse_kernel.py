r"""The inverse of a 2-D kernel: how good can an FIR inverse of the 3x3 cross be?

The cross ``f = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]`` has the transfer function

.. math:: F(u, v) = 1 + 2\cos u + 2\cos v ,

which vanishes on a closed curve of the frequency torus.  Its exact inverse
``1/F`` is therefore not even stable, and no FIR kernel ``g`` makes
``f * g`` an impulse.  The study computes the least-squares inverse of each
support size (Solution I, the pseudo-inverse of the ``full`` convolution
matrix, :func:`solvers.inverse_kernel` with ``method='direct'``) and shows:

- **error against size**: :math:`\|f * g - \delta\|_2` for odd sizes
  ``p x p``, beside a kernel with no zeros on the torus,
  ``[[0, c, 0], [c, 1, c], [0, c, 0]]`` with ``c = 0.2`` (``F >= 1 - 4c > 0``),
  whose error falls geometrically.  The rate is predicted by the complex
  zeros of ``F``: the inverse decays along an axis like :math:`e^{-s|n|}`
  with :math:`\cosh s = (1 - 2c) / (2c)` (the zero of
  :math:`1 + 2c\cos(\pi + is) + 2c\cos\pi`), and a centred support of size
  ``p`` cuts it at :math:`|n| \approx p/2`, so the error falls by
  :math:`e^{-s/2}` per unit of size.  The cross's error decays only like a
  power of ``p`` (both are fitted);
- **f * g as an image** for one size: a spike on a ringing background;
- **frequency response**: :math:`|G|`, :math:`|F G|` and :math:`|1/F|` along
  the diagonal ``u = v`` (where ``F = 1 + 4 cos u`` vanishes at
  ``u = arccos(-1/4)``) and :math:`|F|`, :math:`|F G|` over the plane with
  the zero curve drawn: ``F G`` is close to 1 except in a band around the
  curve, where it must vanish;
- **convergence** (Solution II, minimising
  :math:`\tfrac12\|f * g - \delta\|^2` with the gradient
  :math:`f \star (f * g - \delta)`, ``'valid'``): gradient descent with the
  fixed step 5e-5 of the text, gradient descent with step ``1/L`` (``L``
  from :func:`solvers.full_convolution_norm_bound`), Nesterov's method,
  circulant-preconditioned CG (``method='cg'``), unpreconditioned CGLS
  (:func:`solvers.cgls`) and the direct solve; objective gap against
  iterations and seconds, with the bound of gradient descent with step
  ``1/L`` on the strongly convex quadratic,

  .. math:: f(g_k) - f^* \le (1 - \mu/L)^{2k} (f(g_0) - f^*),
            \qquad \mu = \sigma_{\min}(A)^2,

  (the square of the general :math:`(1-\mu/L)^k`, valid because the error
  contracts by :math:`\max_\lambda |1 - \lambda/L| = 1 - \mu/L` per step)
  or the sublinear :math:`L\|g_0 - g^*\|^2 / (2k)`, whichever is smaller at
  the end of the run; :math:`\sigma_{\min}` comes from the SVD of the dense
  full convolution matrix.

The rate fits (``fit_geometric_rate``, ``fit_power_law``) live in
:mod:`experiments._metrics`, shared with the other studies.
"""

from __future__ import annotations

import math
import time

import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

from convops import convolution_matrix, convolution_operator, psf2otf
from experiments._metrics import FIT_FLOOR, fit_geometric_rate, fit_power_law
from experiments._plot import figure, log_axis_label, show_image
from experiments._study import study_setup
from experiments._sweep import run_sweep
from solvers import cgls, full_convolution_norm_bound, inverse_kernel

__all__ = ["NAME", "QUESTION", "compute", "draw", "summarize", "plus_kernel", "predicted_rate"]

NAME = "inverse_kernel"
QUESTION = ("How close to an impulse can an FIR inverse g of the 3x3 cross make f * g, how does the error "
            "fall with the size of g (against a kernel without zeros on the unit torus), and how fast do "
            "gradient descent, Nesterov, CG and the direct solve reach the least-squares inverse?")

#: Weight of the zero-free comparison kernel [[0, c, 0], [c, 1, c], [0, c, 0]].
ZERO_FREE_WEIGHT = 0.2
#: The fixed step of the text's gradient descent.
TEXT_STEP = 5e-5
#: A method has reached the optimum when (f - f*) / f* falls to this.
OPTIMUM_RTOL = 1e-10
#: Stopping tolerance of the iterative methods (relative normal-equations residual).
SOLVER_TOL = 1e-10
#: Relative gaps are drawn no lower than this (rounding level).
GAP_FLOOR = 1e-16

#: The setup of compute(), full and quick (see its docstring).
_SETTINGS = {
    False: dict(sizes=tuple(range(3, 64, 2)), image_size=31, grid=256, convergence_size=31,
                fixed_step_iterations=20_000, gd_maxiter=60_000, zero_free_weight=ZERO_FREE_WEIGHT,
                text_step=TEXT_STEP),
    True: dict(sizes=tuple(range(3, 16, 2)), image_size=15, grid=64, convergence_size=9,
               fixed_step_iterations=2_000, gd_maxiter=10_000, zero_free_weight=ZERO_FREE_WEIGHT,
               text_step=TEXT_STEP),
}

_STYLE = {
    "gd, fixed step (text)": dict(color="tab:gray", ls="--"),
    "gd, step 1/L": dict(color="tab:blue"),
    "nesterov": dict(color="tab:orange"),
    "cgls (no preconditioner)": dict(color="tab:purple"),
    "cg (circulant preconditioner)": dict(color="tab:green"),
}


# -- kernels ---------------------------------------------------------------------
def plus_kernel(weight: float) -> np.ndarray:
    """``[[0, w, 0], [w, 1, w], [0, w, 0]]``: ``F = 1 + 2w(cos u + cos v)``."""
    return np.array([[0.0, weight, 0.0], [weight, 1.0, weight], [0.0, weight, 0.0]])


CROSS = plus_kernel(1.0)
ZERO_FREE = plus_kernel(ZERO_FREE_WEIGHT)


def predicted_rate(weight: float) -> float:
    r"""Error factor per unit of size for :func:`plus_kernel` with ``weight < 1/4``.

    :math:`e^{-s/2}` with :math:`\cosh s = (1 - 2w) / (2w)`: the inverse
    decays like :math:`e^{-s|n|}` along the axes (the nearest complex zero of
    ``F`` lies at ``(pi + i s, pi)``) and a centred support of size ``p``
    reaches :math:`|n| = p / 2`.
    """
    if not 0 < weight < 0.25:
        raise ValueError(f"weight must lie in (0, 1/4) for F > 0 on the torus, got {weight!r}")
    return math.exp(-math.acosh((1 - 2 * weight) / (2 * weight)) / 2)


# -- computation ----------------------------------------------------------------
def size_task(params: dict, rng=None) -> float:
    """One sweep task: the least-squares error ||f * g - delta|| of the p x p
    inverse of the plus-shaped kernel of the given weight."""
    return inverse_kernel(plus_kernel(params["weight"]), params["size"], method="direct").info["error_norm"]


def _errors_by_size(weight: float, sizes, *, desc: str) -> np.ndarray:
    """Least-squares error for each size p, as one sweep."""
    return np.array(run_sweep(size_task, [{"weight": weight, "size": int(p)} for p in sizes], desc=desc))


def _size_fits(sizes, cross_errors, zero_free_errors, weight: float) -> dict:
    sizes = np.asarray(sizes)
    usable = zero_free_errors > FIT_FLOOR
    return {
        "zero_free": {**fit_geometric_rate(sizes[usable], zero_free_errors[usable]),
                      "sizes": sizes[usable], "predicted_rate": predicted_rate(weight)},
        "cross": {**fit_power_law(sizes, cross_errors), "sizes": sizes},
    }


def _image_data(size: int) -> dict:
    result = inverse_kernel(CROSS, size, method="direct")
    product = result.residual.copy()
    product[result.info["delay"]] += 1.0
    return {"size": size, "inverse": result.solution, "product": product,
            "error": result.info["error_norm"], "delay": result.info["delay"]}


def _spectrum_data(cross_inverse, zero_free, zero_free_inverse, grid: int) -> dict:
    """|F|, |F G| on the grid (frequencies 2 pi k / grid) and the diagonal u = v."""
    shape = (grid, grid)
    F = psf2otf(CROSS, shape).real                  # real: the kernel is symmetric
    FG = np.abs(F * psf2otf(cross_inverse, shape))
    G = np.abs(psf2otf(cross_inverse, shape))
    FG_free = np.abs(psf2otf(zero_free, shape) * psf2otf(zero_free_inverse, shape))
    half = np.arange(grid // 2 + 1)
    near_zero = np.abs(F) < 0.1
    return {
        "grid": grid, "F": F, "FG": FG,
        "diagonal": {"u": 2 * np.pi * half / grid, "inverse_F": 1.0 / np.abs(F[half, half]),
                     "G": G[half, half], "FG": FG[half, half], "FG_zero_free": FG_free[half, half]},
        "zero_on_diagonal": math.acos(-0.25),
        "FG_near_zero_max": float(FG[near_zero].max()),
        "FG_away_range": (float(FG[~near_zero].min()), float(FG[~near_zero].max())),
        "FG_zero_free_range": (float(FG_free.min()), float(FG_free.max())),
    }


def _extreme_singular_values(kernel, size: int) -> tuple[float, float]:
    A = convolution_matrix(kernel, (size, size), boundary="zero", output="full").toarray()
    s = np.linalg.svd(A, compute_uv=False)
    return float(s[0]), float(s[-1])


def _timed(run):
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def _run_methods(size: int, settings: dict, progress: bool) -> tuple[dict, object, float]:
    """Every iterative method on the cross at one size, and the direct solve."""
    direct, direct_seconds = _timed(lambda: inverse_kernel(CROSS, size, method="direct"))
    target = np.zeros(direct.residual.shape)
    target[direct.info["delay"]] = 1.0
    operator = convolution_operator(CROSS, (size, size), boundary="zero", output="full")
    runs = {
        "gd, fixed step (text)": lambda: inverse_kernel(
            CROSS, size, method="gd", step=settings["text_step"], tol=SOLVER_TOL,
            maxiter=settings["fixed_step_iterations"], progress=progress),
        "gd, step 1/L": lambda: inverse_kernel(CROSS, size, method="gd", tol=SOLVER_TOL,
                                               maxiter=settings["gd_maxiter"], progress=progress),
        "nesterov": lambda: inverse_kernel(CROSS, size, method="nesterov", tol=SOLVER_TOL,
                                           maxiter=settings["gd_maxiter"], progress=progress),
        "cgls (no preconditioner)": lambda: cgls(operator, target, tol=SOLVER_TOL, progress=progress),
        "cg (circulant preconditioner)": lambda: inverse_kernel(CROSS, size, method="cg", tol=SOLVER_TOL,
                                                                progress=progress),
    }
    return {name: _timed(run) for name, run in runs.items()}, direct, direct_seconds


def _method_record(result, seconds: float, optimum: float) -> dict:
    history = result.history
    gap = (history.objective - optimum) / optimum
    reached = np.flatnonzero(gap <= OPTIMUM_RTOL)
    k = int(reached[0]) if reached.size else None
    return {
        "relative_gap": gap, "time": history.time, "iterations": result.iterations,
        "converged": result.converged, "message": result.message, "final_relative_gap": float(gap[-1]),
        "iterations_to_optimum": k, "seconds_to_optimum": None if k is None else float(history.time[k]),
        "seconds": seconds, "seconds_per_iteration": float(history.time[-1]) / max(result.iterations, 1),
        "step": result.info.get("step"),
    }


def _theory(size: int, optimum: float, solution: np.ndarray, iterations: int) -> dict:
    """Linear and sublinear bounds of gradient descent with step 1/L, relative to f*."""
    sigma_max, sigma_min = _extreme_singular_values(CROSS, size)
    lipschitz = full_convolution_norm_bound(CROSS) ** 2
    mu = sigma_min ** 2
    gap0 = (0.5 - optimum) / optimum                      # g0 = 0: f(g0) = ||delta||^2 / 2
    contraction = (1.0 - mu / lipschitz) ** 2
    distance = float(np.linalg.norm(solution)) ** 2        # ||g0 - g*||^2
    linear_end = gap0 * contraction ** iterations
    sublinear_end = lipschitz * distance / (2 * iterations) / optimum
    return {
        "sigma_min": sigma_min, "sigma_max": sigma_max, "mu": mu, "lipschitz": lipschitz,
        "condition_number": sigma_max / sigma_min, "gap0": gap0, "contraction": contraction,
        "distance_squared": distance, "linear_at_end": linear_end, "sublinear_at_end": sublinear_end,
        "drawn": "linear" if linear_end <= sublinear_end else "sublinear",
        "optimum": optimum,
    }


def _convergence_data(size: int, settings: dict, progress: bool) -> dict:
    runs, direct, direct_seconds = _run_methods(size, settings, progress)
    optimum = direct.objective
    methods = {name: _method_record(result, seconds, optimum) for name, (result, seconds) in runs.items()}
    theory = _theory(size, optimum, direct.solution, max(methods["gd, step 1/L"]["iterations"], 1))
    return {"size": size, "direct": {"objective": optimum, "seconds": direct_seconds,
                                     "error": direct.info["error_norm"]},
            "methods": methods, "theory": theory}


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Errors against size, one inverse as an image, its spectrum, and convergence.

    Parameters
    ----------
    quick : bool, optional
        Smaller sizes and fewer iterations (the quick defaults below).
    progress : bool, optional
        Progress bars of the iterative solvers.
    **setup
        sizes : sequence of int
            Odd sizes p of the p x p inverses in the error-against-size sweep
            (default 3, 5, ..., 63; quick 3, ..., 15).
        image_size : int
            Size of the inverse shown as f * g and in frequency (default 31;
            quick 15).
        grid : int
            Frequency grid of the spectra, grid x grid (default 256; quick 64).
        convergence_size : int
            Size of the inverse on which the solvers are compared (default 31;
            quick 9).
        fixed_step_iterations : int
            Iterations of the text's fixed-step gradient descent (default
            20,000; quick 2,000).
        gd_maxiter : int
            Iteration limit of gradient descent with step 1/L and Nesterov
            (default 60,000; quick 10,000).
        zero_free_weight : float
            c of the zero-free comparison kernel ``[[0, c, 0], [c, 1, c],
            [0, c, 0]]``, in (0, 1/4) (default 0.2).
        text_step : float
            The fixed step of the text's gradient descent (default 5e-5).

    Returns
    -------
    dict
        ``setup``, ``sizes``, ``errors`` (``cross``, ``zero_free``),
        ``fits``, ``image``, ``spectrum``, ``convergence`` and ``tables``.

    Raises
    ------
    TypeError
        Naming an unknown setup keyword.
    """
    settings = study_setup(_SETTINGS[bool(quick)], setup, study=NAME)
    sizes = tuple(int(p) for p in settings["sizes"])
    weight = float(settings["zero_free_weight"])
    zero_free_kernel = plus_kernel(weight)
    predicted_rate(weight)  # refuses a weight with zeros on the torus before any work
    cross = _errors_by_size(1.0, sizes, desc="inverse kernel cross sizes")
    zero_free = _errors_by_size(weight, sizes, desc="inverse kernel zero-free sizes")
    image = _image_data(settings["image_size"])
    zero_free_inverse = inverse_kernel(zero_free_kernel, settings["image_size"], method="direct").solution
    convergence = _convergence_data(settings["convergence_size"], settings, progress)
    return {
        "quick": bool(quick), "setup": {**settings, "sizes": sizes}, "cross": CROSS,
        "zero_free_kernel": zero_free_kernel, "zero_free_weight": weight, "text_step": settings["text_step"],
        "sizes": np.array(sizes), "errors": {"cross": cross, "zero_free": zero_free},
        "fits": _size_fits(sizes, cross, zero_free, weight),
        "image": image,
        "spectrum": _spectrum_data(image["inverse"], zero_free_kernel, zero_free_inverse, settings["grid"]),
        "convergence": convergence,
        "tables": {"error_vs_size": [{"size": p, "cross_error": c, "zero_free_error": z}
                                     for p, c, z in zip(sizes, cross, zero_free)],
                   "convergence": _convergence_rows(convergence)},
    }


def _convergence_rows(convergence: dict) -> list[dict]:
    rows = [{"method": "direct (least squares, full matrix)", "iterations": 0, "converged": True,
             "iterations_to_optimum": 0, "seconds_to_optimum": convergence["direct"]["seconds"],
             "seconds": convergence["direct"]["seconds"], "seconds_per_iteration": None,
             "final_relative_gap": 0.0}]
    for name, m in convergence["methods"].items():
        rows.append({"method": name, **{k: m[k] for k in (
            "iterations", "converged", "iterations_to_optimum", "seconds_to_optimum", "seconds",
            "seconds_per_iteration", "final_relative_gap")}})
    return rows


# -- figures ---------------------------------------------------------------------
def _draw_error_vs_size(data: dict):
    fig, (lin, log) = figure(1, 2, width=5.2)
    sizes, errors, fits = data["sizes"], data["errors"], data["fits"]
    for ax in (lin, log):
        ax.plot(sizes, errors["cross"], "o-", ms=3, color="tab:red", label="cross (zeros on the torus)")
        ax.plot(sizes, errors["zero_free"], "s-", ms=3, color="tab:blue",
                label=f"zero-free, c = {data['zero_free_weight']:g}")
        ax.set_yscale("log")
        ax.set_ylabel(log_axis_label("error ||f * g - δ||₂"))
        ax.grid(True, which="both", alpha=0.3)
    geo, power = fits["zero_free"], fits["cross"]
    x = np.asarray(geo["sizes"], float)
    lin.plot(x, np.exp(geo["intercept"]) * geo["rate"] ** x, "k:", lw=1.2,
             label=f"fit: {geo['rate']:.3f}^p (predicted {geo['predicted_rate']:.3f}^p)")
    lin.set_xlabel("size p of the p×p inverse [samples]")
    lin.set_title("Least-squares inverse: error against size")
    x = np.asarray(power["sizes"], float)
    log.plot(x, np.exp(power["intercept"]) * x ** power["exponent"], "k--", lw=1.2,
             label=f"fit: p^{power['exponent']:.2f}")
    log.set_xscale("log")
    log.set_xticks([p for p in (3, 5, 10, 20, 40, 63) if p <= sizes[-1]], minor=False)
    log.xaxis.set_major_formatter(ScalarFormatter())
    log.xaxis.set_minor_formatter(NullFormatter())
    log.set_xlabel(log_axis_label("size p", "samples"))
    log.set_title("The same on log-log axes")
    for ax in (lin, log):
        ax.legend(fontsize=8)
    return fig


def _draw_image(data: dict):
    image = data["image"]
    fig, axes = figure(1, 3, width=3.6, height=3.4)
    p = image["size"]
    limit = float(np.abs(image["inverse"]).max())
    show_image(axes[0], image["inverse"], f"inverse g ({p}×{p})", vmin=-limit, vmax=limit,
               cmap="RdBu_r", colorbar=True)
    residual = image["product"].copy()
    residual[image["delay"]] -= 1.0
    ring = float(np.abs(residual).max())
    show_image(axes[1], image["product"],
               f"f * g ({p + 2}×{p + 2}): spike {image['product'][image['delay']]:.3f} (clipped)",
               cmap="RdBu_r", vmin=-ring, vmax=ring, colorbar=True)
    show_image(axes[2], np.log10(np.maximum(np.abs(residual), 1e-8)),
               f"log10 |f * g − δ| (norm {image['error']:.3f})", cmap="magma", vmin=-8, colorbar=True)
    fig.suptitle("Least-squares inverse of the cross: the residual rings over the whole support "
                 "(black corners: exactly 0)", fontsize=10)
    return fig


def _draw_spectrum(data: dict):
    spec = data["spectrum"]
    fig, axes = figure(1, 3, width=4.0, height=3.6)
    grid = spec["grid"]
    extent = (-np.pi, np.pi, -np.pi, np.pi)
    freqs = np.fft.fftshift(2 * np.pi * np.fft.fftfreq(grid))
    panels = [(np.abs(spec["F"]), "|F(u, v)| of the cross", "viridis", None),
              (spec["FG"], f"|F G| (g of size {data['image']['size']})", "viridis", (0, 1.3))]
    for ax, (values, title, cmap, limits) in zip(axes[:2], panels):
        handle = ax.imshow(np.fft.fftshift(values), extent=extent, origin="lower", cmap=cmap,
                           interpolation="nearest",
                           vmin=None if limits is None else limits[0], vmax=None if limits is None else limits[1])
        ax.contour(freqs, freqs, np.fft.fftshift(spec["F"]), levels=[0.0], colors="w", linewidths=1.0)
        fig.colorbar(handle, ax=ax, shrink=0.8)
        ax.set_title(title + " (white: F = 0)", fontsize=9)
        ax.set_xlabel("u [rad/sample]")
        ax.set_ylabel("v [rad/sample]")
    diag, ax = spec["diagonal"], axes[2]
    ax.semilogy(diag["u"], diag["inverse_F"], "k-", lw=1, label="|1/F| (exact inverse)")
    ax.semilogy(diag["u"], diag["G"], color="tab:blue", label="|G| (FIR inverse)")
    ax.semilogy(diag["u"], diag["FG"], color="tab:red", label="|F G|")
    ax.semilogy(diag["u"], diag["FG_zero_free"], "--", color="tab:gray", label="|F G|, zero-free kernel")
    ax.axvline(spec["zero_on_diagonal"], color="k", ls=":", lw=1)
    ax.set_xlabel("u = v [rad/sample] (diagonal of the plane)")
    ax.set_ylabel(log_axis_label("magnitude"))
    ax.set_title("Along u = v: F = 1 + 4 cos u, zero at arccos(−1/4)", fontsize=9)
    ax.set_ylim(1e-3, 1e3)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def _draw_convergence(data: dict):
    conv = data["convergence"]
    fig, (by_iteration, by_time) = figure(1, 2, width=5.4)
    for name, m in conv["methods"].items():
        gap = np.maximum(m["relative_gap"], GAP_FLOOR)
        k = np.arange(gap.size)
        by_iteration.loglog(k[1:], gap[1:], label=name, **_STYLE[name])
        by_time.loglog(np.maximum(m["time"][1:], 1e-6), gap[1:], label=name, **_STYLE[name])
    theory = conv["theory"]
    k = np.arange(1, conv["methods"]["gd, step 1/L"]["iterations"] + 1)
    if theory["drawn"] == "linear":
        bound = theory["gap0"] * theory["contraction"] ** k
        label = f"bound (1 − μ/L)^(2k) gap₀, μ/L = {theory['mu'] / theory['lipschitz']:.2e}"
    else:
        bound = theory["lipschitz"] * theory["distance_squared"] / (2 * k) / theory["optimum"]
        label = "bound L ||g*||² / (2k)"
    by_iteration.loglog(k, np.maximum(bound, GAP_FLOOR), ":", color="tab:blue", lw=1.5, label=label)
    by_time.axvline(conv["direct"]["seconds"], color="k", lw=1, label="direct solve (time)")
    for ax, xlabel in ((by_iteration, log_axis_label("iteration k", "iterations")),
                       (by_time, log_axis_label("wall time", "seconds"))):
        ax.axhline(OPTIMUM_RTOL, color="k", ls=":", lw=0.8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(log_axis_label("relative objective gap (f − f*) / f*"))
        ax.set_ylim(GAP_FLOOR / 2, 1e3)
        ax.grid(True, which="both", alpha=0.3)
    handles = {}
    for ax in (by_iteration, by_time):
        handles.update(zip(*reversed(ax.get_legend_handles_labels())))
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=4, fontsize=8)
    p = conv["size"]
    by_iteration.set_title(f"Cross, {p}×{p} inverse: gap against iterations")
    by_time.set_title("Gap against time")
    return fig


def draw(data: dict) -> dict:
    """The four figures: error against size, f * g, frequency response, convergence."""
    return {"error_vs_size": _draw_error_vs_size(data), "product_image": _draw_image(data),
            "frequency_response": _draw_spectrum(data), "convergence": _draw_convergence(data)}


# -- summary ---------------------------------------------------------------------
def _fmt(value, spec: str = ".3g") -> str:
    return "—" if value is None else format(value, spec)


def _size_table(data: dict) -> list[str]:
    sizes, errors = list(data["sizes"]), data["errors"]
    picks = sorted({sizes[0], *[p for p in (7, 15, 31, 63) if p in sizes], sizes[-1]})
    lines = ["| size p | cross: error | zero-free: error |", "|---:|---:|---:|"]
    for p in picks:
        i = sizes.index(p)
        lines.append(f"| {p} | {errors['cross'][i]:.4f} | {errors['zero_free'][i]:.3g} |")
    return lines


def _convergence_table(conv: dict) -> list[str]:
    lines = ["| method | iterations run | iterations to optimum | seconds to optimum | seconds per iteration | "
             "final relative gap |", "|---|---:|---:|---:|---:|---:|",
             f"| direct (least squares, full matrix) | — | — | {conv['direct']['seconds']:.3g} | — | 0 |"]
    for name, m in conv["methods"].items():
        lines.append(f"| {name} | {m['iterations']} | {_fmt(m['iterations_to_optimum'], 'd')} | "
                     f"{_fmt(m['seconds_to_optimum'])} | {m['seconds_per_iteration']:.2g} | "
                     f"{m['final_relative_gap']:.2g} |")
    return lines


def _size_paragraph(data: dict) -> str:
    errors, sizes = data["errors"], data["sizes"]
    geo, power = data["fits"]["zero_free"], data["fits"]["cross"]
    c = data["zero_free_weight"]
    return (
        f"**No FIR kernel inverts the cross.** The least-squares inverse of size p×p leaves "
        f"‖f * g − δ‖₂ = {errors['cross'][0]:.3f} at p = {sizes[0]} and still {errors['cross'][-1]:.3f} at "
        f"p = {sizes[-1]}: the error falls only like p^{power['exponent']:.2f} (log-log fit, R² = "
        f"{power['r2']:.3f}), because F = 1 + 2cos u + 2cos v vanishes on a curve of the frequency torus. "
        f"The kernel [[0, c, 0], [c, 1, c], [0, c, 0]] with c = {c:g} (F ≥ {1 - 4 * c:g}) has an error that "
        f"falls geometrically, by {geo['rate']:.3f} per unit of size (fit over p = "
        f"{geo['sizes'][0]}..{geo['sizes'][-1]}, R² = {geo['r2']:.4f}), against {geo['predicted_rate']:.3f} "
        f"predicted from its nearest complex zero; it reaches {errors['zero_free'][-1]:.2g} at p = {sizes[-1]}.")


def _spectrum_paragraph(data: dict) -> str:
    image, spec = data["image"], data["spectrum"]
    away, free = spec["FG_away_range"], spec["FG_zero_free_range"]
    return (
        f"**f * g** (p = {image['size']}) is a spike of height {image['product'][image['delay']]:.3f} on a "
        f"ringing background. In frequency, |F G| stays within {away[0]:.2f}..{away[1]:.2f} where |F| ≥ 0.1 but "
        f"drops to at most {spec['FG_near_zero_max']:.2f} next to the zero curve, where |1/F| is unbounded; for "
        f"the zero-free kernel |F G| lies in {free[0]:.6f}..{free[1]:.6f}.")


def _theory_bullets(data: dict) -> list[str]:
    conv = data["convergence"]
    theory, fixed = conv["theory"], conv["methods"]["gd, fixed step (text)"]
    lipschitz, step = theory["lipschitz"], data["text_step"]
    drawn = ("the linear bound (1 − μ/L)^(2k)" if theory["drawn"] == "linear"
             else "the sublinear bound L‖g*‖²/(2k)")
    return [
        f"- The text's fixed step {step:g} is {1 / step / lipschitz:.0f} times smaller than 1/L = "
        f"{1 / lipschitz:.3g}: after {fixed['iterations']} iterations its relative gap is still "
        f"{fixed['final_relative_gap']:.3g}.",
        f"- Gradient descent with step 1/L: σ_min(A) = {theory['sigma_min']:.4f}, σ_max(A) = "
        f"{theory['sigma_max']:.4f} (L = {lipschitz:.4g} from the proven norm bound), so μ/L = "
        f"{theory['mu'] / lipschitz:.3g} and the gap contracts at least by {theory['contraction']:.6f} per "
        f"iteration. At the last iteration the linear bound gives {theory['linear_at_end']:.2g} and the sublinear "
        f"L‖g*‖²/(2k) gives {theory['sublinear_at_end']:.2g} (relative); the figure draws {drawn}, the "
        f"informative one.",
    ]


def summarize(data: dict) -> str:
    """The answer in Markdown, with the measured numbers."""
    conv = data["convergence"]
    p = conv["size"]
    return "\n".join([
        _size_paragraph(data), "", *_size_table(data), "",
        _spectrum_paragraph(data), "",
        f"**Convergence** on the {p}×{p} inverse (f* = {conv['direct']['objective']:.4g}; 'optimum' means "
        f"(f − f*)/f* ≤ {OPTIMUM_RTOL:g}; stopping rule ‖∇f‖ ≤ {SOLVER_TOL:g}‖Aᴴδ‖):", "",
        *_convergence_table(conv), "",
        *_theory_bullets(data),
        _ranking(conv["methods"]),
    ])


def _ranking(methods: dict) -> str:
    """Methods in order of iterations to the optimum, and how close the converged ones end."""
    reached = sorted((m["iterations_to_optimum"], name) for name, m in methods.items()
                     if m["iterations_to_optimum"] is not None)
    order = ", ".join(f"{name} ({k})" for k, name in reached)
    missed = [name for name, m in methods.items() if m["iterations_to_optimum"] is None]
    ends = [abs(m["final_relative_gap"]) for m in methods.values() if m["converged"]]
    text = f"- Iterations to the optimum, fewest first: {order}."
    if missed:
        text += f" Not reached: {', '.join(missed)}."
    if ends:
        text += f" The converged runs end within {max(ends):.1g} (relative) of the direct objective."
    return text
