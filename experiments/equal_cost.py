r"""FIR against IIR inverses of 1-D kernels at the same cost.

Every inverse ``g`` of a kernel ``h`` is scored by its error
:math:`\|h * g - \delta_d\|_2` (over the whole, possibly infinite, response)
and its noise gain :math:`\|g\|_2^2`, against its **cost**: multiply-adds per
output sample.

- **LS FIR** of ``C`` taps at the optimal delay
  (``fir_inverse(h, C, delay="optimal", method="ls")``): cost ``C``;
- the **truncated exact inverse** of ``C`` taps (``method="truncated"``) where
  a stable inverse exists: cost ``C``;
- the **fitted IIR** ``B/A`` of every order ``(nb, na)`` with
  ``nb + na + 1 = C``, ``na`` in ``orders`` (:func:`solvers.fit_iir_inverse`):
  one recursion, cost ``C``.  The fit takes 0.02 to 0.5 s per delay, so its
  delay is searched only at the LS-optimal delays of the FIRs of ``C`` and of
  ``nb + 1`` taps (the fit's own start), each plus ``delay_offsets``, not over
  the whole grid, with ``maxiter`` Levenberg-Marquardt steps per start;
- the **regularised two-sided IIR** :math:`\bar H / (|H|^2 + \lambda)`
  (:func:`solvers.iir_inverse` with ``reg``): a numerator of ``M + 1``
  coefficients and a causal and an anti-causal recursion of ``M`` poles each,
  cost ``3M + 1`` for a kernel of degree ``M``; its error and noise gain come
  from its frequency response on a dense grid (the integrands are smooth
  trigonometric rationals, so the grid mean is exact up to aliasing);
- the **exact IIR inverse** ``1/H`` (``reg = 0``) where it is stable: a gain
  and ``M`` poles split between the two passes, cost ``M + 1``, error 0.

**With noise.**  For a white signal ``x`` of unit variance and white noise
``n`` of standard deviation :math:`\sigma` added before inversion, the mean
squared error per sample is, exactly,

.. math:: E\,|g * (h * x + n) - x_{\cdot - d}|^2
          = \|h * g - \delta_d\|_2^2 + \sigma^2 \|g\|_2^2 ,

and that closed form is what the study reports as the noisy MSE.  The FIR of
``C`` taps that minimises it is the Tikhonov LS FIR with ``reg =`` :math:`\sigma^2`
(``fir_inverse(..., reg=sigma**2)``); the regularised IIR's :math:`\lambda`
is the grid value of least noisy MSE (without noise its error falls to 0 as
:math:`\lambda \to 0` while its noise gain grows without bound, so the
noiseless "best" :math:`\lambda` is the smallest one and says nothing); the
fitted IIRs, fitted without noise, are scored as they are.

Time per sample of one member of each family is measured on a signal of
``timing_samples`` samples (``np.convolve``, ``scipy.signal.oaconvolve``,
``scipy.signal.lfilter``, ``scipy.signal.sosfilt``, ``IIRInverse.apply``).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import scipy.linalg as sla
import scipy.signal as sig
from tqdm.auto import tqdm

from convops import box_psf, gaussian_psf, motion_psf
from experiments._metrics import fit_power_law
from experiments._plot import figure, log_axis_label
from experiments._study import study_setup
from experiments._timing import compare_times
from solvers import fir_inverse, fit_iir_inverse, iir_inverse

__all__ = ["NAME", "QUESTION", "compute", "draw", "summarize"]

NAME = "equal_cost"
QUESTION = ("For the same cost (multiply-adds per output sample), is an FIR or an IIR approximation of an "
            "inverse filter better, for which kernels, and why?")


def _zeros_kernel(zeros) -> np.ndarray:
    """The real monic kernel with these zeros (closed under conjugation), scaled to sum of |h| 1."""
    h = np.real(np.poly(zeros))
    return h / np.abs(h).sum()


def _pair(radius: float, angle: float):
    return (radius * np.exp(1j * angle), radius * np.exp(-1j * angle))


#: The kernels: name -> 1-D array.  Zeros of the synthetic ones at angles pi/3 and 2 pi/3.
KERNELS = {
    "Gaussian σ=1": gaussian_psf(1.0, shape=(1, 7)).ravel(),
    "Gaussian σ=2": gaussian_psf(2.0, shape=(1, 13)).ravel(),
    "box 3": box_psf((1, 3)).ravel(),
    "box 5": box_psf((1, 5)).ravel(),
    "motion 7": motion_psf(7, shape=(1, 7)).ravel(),
    "difference [1, -1]": np.array([1.0, -1.0]),
    "minimum phase, near": _zeros_kernel(_pair(0.95, np.pi / 3)),
    "maximum phase, near": _zeros_kernel(_pair(1 / 0.95, np.pi / 3)),
    "mixed phase, near": _zeros_kernel(_pair(0.95, np.pi / 3) + _pair(1 / 0.95, 2 * np.pi / 3)),
    "minimum phase, far": _zeros_kernel(_pair(0.5, np.pi / 3)),
    "maximum phase, far": _zeros_kernel(_pair(2.0, np.pi / 3)),
    "mixed phase, far": _zeros_kernel(_pair(0.5, np.pi / 3) + _pair(2.0, 2 * np.pi / 3)),
}
QUICK_KERNELS = ("box 5", "difference [1, -1]", "minimum phase, near", "maximum phase, near", "minimum phase, far")

#: A zero within this distance of the unit circle is "on" it (iir_inverse's tolerance); within NEAR, "near".
ON_CIRCLE = 1e-6
NEAR = 0.1
#: The classes of kernels by the distance of their nearest zero to the circle.
CLASSES = ("on the circle", "near the circle", "far from the circle")
#: Points of the frequency grid for the regularised inverse's error and noise gain: its aliasing error is
#: about q**GRID, q the largest pole radius (1 - q is about sqrt(reg) for a zero on the circle).
GRID = 2 ** 17

_SETTINGS = {
    False: dict(kernels=KERNELS, coefficients=tuple(range(2, 25)), iir_coefficients=(3, 5, 8, 12, 16),
                orders=(1, 2, 4), delay_offsets=(-1, 0, 1), maxiter=15, noise_levels=(1e-3, 1e-2),
                regs=tuple(10.0 ** np.arange(-8, 0.5, 1.0)), grid=GRID, timing_samples=100_000),
    True: dict(kernels={k: KERNELS[k] for k in QUICK_KERNELS}, coefficients=tuple(range(2, 14)),
               iir_coefficients=(5, 8), orders=(1, 2, 4), delay_offsets=(0,), maxiter=15,
               noise_levels=(1e-3, 1e-2), regs=tuple(10.0 ** np.arange(-6, 0.5, 1.0)), grid=2 ** 15,
               timing_samples=100_000),
}


# -- computation ----------------------------------------------------------------
def zero_distance(h) -> float:
    """Distance ``min | |z| - 1 |`` of the zeros of ``h`` to the unit circle (inf without zeros)."""
    zeros = np.roots(h)
    return float(np.min(np.abs(np.abs(zeros) - 1))) if zeros.size else float("inf")


def kernel_class(h) -> str:
    """'on the circle', 'near the circle' or 'far from the circle' (see ON_CIRCLE, NEAR)."""
    distance = zero_distance(h)
    return CLASSES[0] if distance <= ON_CIRCLE else CLASSES[1] if distance < NEAR else CLASSES[2]


def iir_noise_gain(b, a) -> float:
    r""":math:`\|g\|_2^2` of ``g = B/A`` over its infinite response, from the discrete Lyapunov
    equation of a state-space form (exact to rounding)."""
    b, a = np.atleast_1d(b).astype(float), np.atleast_1d(a).astype(float)
    if a.size == 1:
        return float(np.sum(b ** 2) / a[0] ** 2)
    n = max(a.size, b.size)
    with warnings.catch_warnings():     # a leading numerator coefficient at rounding level is dropped
        warnings.simplefilter("ignore", sig.BadCoefficients)
        A, B, C, D = sig.tf2ss(np.pad(b, (0, n - b.size)), np.pad(a, (0, n - a.size)))
    W = sla.solve_discrete_lyapunov(A, B @ B.T)
    return float(D[0, 0] ** 2 + (C @ W @ C.T)[0, 0])


def _fir_family(h, coefficients, noise_levels) -> dict:
    """LS and truncated FIRs at every number of taps, and the Tikhonov LS FIR for each noise level."""
    n = len(coefficients)
    out = {"error": np.zeros(n), "noise_gain": np.zeros(n), "delay": np.zeros(n, dtype=int),
           "truncated_error": np.full(n, np.nan), "truncated_noise_gain": np.full(n, np.nan),
           "noisy_mse": {s: np.zeros(n) for s in noise_levels}}
    for i, C in enumerate(coefficients):
        ls = fir_inverse(h, C, delay="optimal", method="ls")
        out["error"][i], out["delay"][i] = ls.info["error_norm"], ls.info["delay"]
        out["noise_gain"][i] = float(np.sum(ls.solution ** 2))
        try:
            cut = fir_inverse(h, C, delay="optimal", method="truncated")
        except ValueError:
            pass
        else:
            out["truncated_error"][i] = cut.info["error_norm"]
            out["truncated_noise_gain"][i] = float(np.sum(cut.solution ** 2))
        for s in noise_levels:
            reg = fir_inverse(h, C, delay="optimal", method="ls", reg=s ** 2)
            out["noisy_mse"][s][i] = reg.info["error_norm"] ** 2 + s ** 2 * float(np.sum(reg.solution ** 2))
    return out


def _iir_fits(h, coefficients, fir_delays: dict, orders, offsets, maxiter, bar) -> list[dict]:
    """One row per fitted IIR: every order with nb + na + 1 = C and every searched delay (the LS-optimal
    delays of the FIRs of C and of nb + 1 taps, each plus `offsets`, clipped to the grid)."""
    rows = []
    for C in coefficients:
        last = h.size + C - 2
        for na in orders:
            nb = C - 1 - na
            if nb < 0:
                continue
            if nb + 1 not in fir_delays:
                fir_delays[nb + 1] = int(fir_inverse(h, nb + 1, delay="optimal").info["delay"])
            centres = (fir_delays[C], fir_delays[nb + 1])
            for d in sorted({min(max(c + o, 0), last) for c in centres for o in offsets}):
                start = time.perf_counter()
                fit = fit_iir_inverse(h, (nb, na), delay=d, maxiter=maxiter)
                rows.append({"C": C, "nb": nb, "na": na, "delay": d, "error": fit.info["error_norm"],
                             "noise_gain": iir_noise_gain(fit.b, fit.a), "pole_radius": fit.info["pole_radius"],
                             "seconds": time.perf_counter() - start})
        bar.update()
    return rows


def _best_iir(rows, coefficients, noise_levels) -> dict:
    """Per C: the fit of least error (its order, delay, noise gain) and the least noisy MSE of any fit."""
    n = len(coefficients)
    best = {"error": np.full(n, np.nan), "noise_gain": np.full(n, np.nan), "na": np.zeros(n, dtype=int),
            "delay": np.zeros(n, dtype=int), "pole_radius": np.full(n, np.nan),
            "noisy_mse": {s: np.full(n, np.nan) for s in noise_levels}}
    for i, C in enumerate(coefficients):
        at = [r for r in rows if r["C"] == C]
        if not at:
            continue
        top = min(at, key=lambda r: r["error"])
        best["error"][i], best["noise_gain"][i] = top["error"], top["noise_gain"]
        best["na"][i], best["delay"][i], best["pole_radius"][i] = top["na"], top["delay"], top["pole_radius"]
        for s in noise_levels:
            best["noisy_mse"][s][i] = min(r["error"] ** 2 + s ** 2 * r["noise_gain"] for r in at)
    return best


def _two_sided(h, regs, noise_levels, grid: int) -> dict:
    """The regularised inverse on the reg grid (error and noise gain from the frequency response) and the
    exact inverse where it is stable."""
    trimmed = np.trim_zeros(h)
    w = 2 * np.pi * np.arange(grid) / grid
    H = np.polyval(trimmed[::-1], np.exp(-1j * w))
    errors, gains, costs = np.zeros(len(regs)), np.zeros(len(regs)), set()
    for i, reg in enumerate(regs):
        inverse = iir_inverse(h, reg=reg)
        G = inverse.frequency_response(w)
        errors[i] = np.sqrt(np.mean(np.abs(H * G - 1) ** 2))
        gains[i] = np.mean(np.abs(G) ** 2)
        costs.add(inverse.cost)
    out = {"cost": costs.pop(), "regs": np.array(regs), "error": errors, "noise_gain": gains,
           "best": {}, "exact": None}
    for s in noise_levels:
        mse = errors ** 2 + s ** 2 * gains
        k = int(np.argmin(mse))
        out["best"][s] = {"reg": float(regs[k]), "noisy_mse": float(mse[k]), "error": float(errors[k]),
                          "noise_gain": float(gains[k])}
    try:
        exact = iir_inverse(h)
    except ValueError as exc:
        out["exact_message"] = str(exc)
    else:
        G = exact.frequency_response(w)
        gain = float(np.mean(np.abs(G) ** 2))
        out["exact"] = {"cost": exact.cost, "error": float(np.sqrt(np.mean(np.abs(H * G - 1) ** 2))),
                        "noise_gain": gain, "noisy_mse": {s: float(np.mean(np.abs(H * G - 1) ** 2)) + s ** 2 * gain
                                                          for s in noise_levels}}
    return out


TIMED_FIR, TIMED_IIR = "FIR 8 taps, np.convolve", "IIR (5, 2), scipy.signal.lfilter"


def _timings(samples: int) -> dict:
    """Seconds per output sample of one member of each family, on white noise of `samples` samples."""
    h = KERNELS["minimum phase, near"]
    x = np.random.default_rng(0).standard_normal(samples)
    g = fir_inverse(h, 8, delay="optimal").solution
    fit = fit_iir_inverse(h, (5, 2), delay=0)
    sos = sig.tf2sos(fit.b, fit.a)
    wiener = iir_inverse(h, reg=1e-4)
    funcs = {TIMED_FIR: lambda: np.convolve(x, g),
             "FIR 8 taps, scipy.signal.oaconvolve": lambda: sig.oaconvolve(x, g),
             TIMED_IIR: lambda: sig.lfilter(fit.b, fit.a, x),
             "IIR (5, 2), scipy.signal.sosfilt": lambda: sig.sosfilt(sos, x),
             f"two-sided regularised IIR (cost {3 * (h.size - 1) + 1}), IIRInverse.apply": lambda: wiener.apply(x)}
    best = compare_times(funcs, repeat=5)
    return {"samples": samples, "seconds_per_sample": {k: v / samples for k, v in best.items()}}


def _member_times(kernels: dict, coefficients, samples: int, noise_levels) -> dict:
    """Measured nanoseconds per output sample of every member on white noise of `samples` samples: the FIR of
    each length (``np.convolve``), each fitted order (``scipy.signal.lfilter``; the time depends on the order
    only) and each kernel's two-sided inverses (``IIRInverse.apply``: the regularised one at its λ of least
    noisy MSE for each noise level, by λ, since the tail it runs past the end grows as λ falls; and the exact
    one where it exists)."""
    x = np.random.default_rng(1).standard_normal(samples)
    rng = np.random.default_rng(2)
    per = lambda seconds: seconds / samples * 1e9
    fir = compare_times({C: (lambda g=rng.standard_normal(C): np.convolve(x, g)) for C in coefficients}, repeat=3)
    orders = sorted({(r["nb"], r["na"]) for k in kernels.values() for r in k["iir_rows"]})
    iir = compare_times({o: (lambda o=o: sig.lfilter(rng.standard_normal(o[0] + 1),
                                                     np.poly(0.5 * np.ones(o[1])), x)) for o in orders}, repeat=3)
    out = {"samples": samples, "fir_ns": {int(C): per(t) for C, t in fir.items()},
           "iir_ns": {f"{nb},{na}": per(t) for (nb, na), t in iir.items()}, "two_sided_ns": {}, "exact_ns": {}}
    for name, k in kernels.items():
        regs = sorted({k["two_sided"]["best"][s]["reg"] for s in noise_levels})
        funcs = {reg: (lambda f=iir_inverse(k["kernel"], reg=reg): f.apply(x)) for reg in regs}
        if k["two_sided"]["exact"] is not None:
            funcs["exact"] = lambda f=iir_inverse(k["kernel"]): f.apply(x)
        times = {key: per(t) for key, t in compare_times(funcs, repeat=3).items()}
        out["two_sided_ns"][name] = {reg: times[reg] for reg in regs}
        if "exact" in times:
            out["exact_ns"][name] = times["exact"]
    return out


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Error, noise gain and noisy MSE of each family of inverses against the cost, for every kernel.

    Parameters
    ----------
    quick : bool, optional
        Five kernels, FIRs of 2..13 taps, IIRs of 5 and 8 coefficients, two delays per order (seconds).
    progress : bool, optional
        Show a progress bar over the kernels and IIR sizes.
    **setup
        ``kernels`` (dict name -> 1-D array; default :data:`KERNELS`, quick :data:`QUICK_KERNELS`);
        ``coefficients`` (FIR lengths ``C``, default 2..24); ``iir_coefficients`` (the ``C`` of the fitted
        IIRs, default (3, 5, 8, 12, 16)); ``orders`` (the ``na`` of the fits, ``nb = C - 1 - na``,
        default (1, 2, 4)); ``delay_offsets`` (fit delays: the LS-optimal delays of the FIRs of ``C`` and of
        ``nb + 1`` taps plus these, clipped to the grid; default (-1, 0, 1), quick (0,)); ``maxiter``
        (Levenberg-Marquardt iterations of each fit, default 15); ``noise_levels`` (sigma of the white noise,
        default (1e-3, 1e-2)); ``regs`` (the grid of lambda of the regularised IIR, default 10**(-8..0) in
        whole decades, quick 10**(-6..0)); ``grid`` (points of the frequency grid of the regularised IIR's
        error and noise gain, default 2**17, quick 2**15); ``timing_samples`` (signal length of the timings, default 100 000).

    Returns
    -------
    dict
        ``'kernels'``: per kernel its ``'kernel'``, ``'class'``, ``'zero_distance'``, ``'fir'`` (by length:
        ``'error'``, ``'noise_gain'``, ``'delay'``, ``'truncated_error'``, ``'truncated_noise_gain'``,
        ``'noisy_mse'`` by sigma), ``'iir_rows'`` (every fit), ``'iir'`` (by ``iir_coefficients``: the fit of
        least error and the least noisy MSE by sigma), ``'two_sided'`` (the reg grid's errors and noise gains,
        the best reg by sigma, the exact inverse or None); ``'timing'`` (one member of each family beside
        scipy's alternatives); ``'times'`` (every member's measured time per sample, see
        :func:`_member_times`); ``'tables'``; the setup.
    """
    settings = study_setup(_SETTINGS[bool(quick)], setup, study=NAME)
    kernels = {name: np.asarray(h, dtype=float) for name, h in settings["kernels"].items()}
    for name, h in kernels.items():
        if h.ndim != 1 or h.size < 2:
            raise ValueError(f"kernels[{name!r}] must be 1-D with at least 2 taps, got shape {h.shape}")
    coefficients = tuple(int(c) for c in settings["coefficients"])
    iir_coefficients = tuple(int(c) for c in settings["iir_coefficients"])
    missing = sorted(set(iir_coefficients) - set(coefficients))
    if missing:
        raise ValueError(f"iir_coefficients {missing} are not in coefficients {coefficients}: the fit's delay "
                         f"search starts from the LS FIR of the same C")
    noise_levels = tuple(float(s) for s in settings["noise_levels"])
    out = {}
    with tqdm(total=len(kernels) * len(iir_coefficients), disable=not progress, desc=NAME) as bar:
        for name, h in kernels.items():
            fir = _fir_family(h, coefficients, noise_levels)
            fir_delays = {C: int(d) for C, d in zip(coefficients, fir["delay"])}
            rows = _iir_fits(h, iir_coefficients, fir_delays, settings["orders"], settings["delay_offsets"],
                             int(settings["maxiter"]), bar)
            out[name] = {"kernel": h, "class": kernel_class(h), "zero_distance": zero_distance(h), "fir": fir,
                         "iir_rows": rows, "iir": _best_iir(rows, iir_coefficients, noise_levels),
                         "two_sided": _two_sided(h, settings["regs"], noise_levels, int(settings["grid"]))}
    samples = int(settings["timing_samples"])
    return {"quick": bool(quick), "setup": settings, "coefficients": np.array(coefficients),
            "iir_coefficients": np.array(iir_coefficients), "noise_levels": noise_levels, "kernels": out,
            "timing": _timings(samples), "times": _member_times(out, coefficients, samples, noise_levels),
            "tables": _tables(out, coefficients, iir_coefficients, noise_levels)}


def _tables(kernels: dict, coefficients, iir_coefficients, noise_levels) -> dict:
    cost_rows = []
    for name, k in kernels.items():
        for i, C in enumerate(coefficients):
            row = {"kernel": name, "class": k["class"], "C": C, "fir_error": k["fir"]["error"][i],
                   "fir_noise_gain": k["fir"]["noise_gain"][i], "truncated_error": k["fir"]["truncated_error"][i]}
            j = iir_coefficients.index(C) if C in iir_coefficients else None
            row["iir_error"] = k["iir"]["error"][j] if j is not None else np.nan
            row["iir_noise_gain"] = k["iir"]["noise_gain"][j] if j is not None else np.nan
            for s in noise_levels:
                row[f"fir_mse_sigma{s:g}"] = k["fir"]["noisy_mse"][s][i]
                row[f"iir_mse_sigma{s:g}"] = k["iir"]["noisy_mse"][s][j] if j is not None else np.nan
            cost_rows.append(row)
    fits = [{"kernel": name, **r} for name, k in kernels.items() for r in k["iir_rows"]]
    two_sided = [{"kernel": name, "cost": k["two_sided"]["cost"], "reg": reg, "error": e, "noise_gain": g}
                 for name, k in kernels.items()
                 for reg, e, g in zip(k["two_sided"]["regs"], k["two_sided"]["error"], k["two_sided"]["noise_gain"])]
    return {"error_vs_cost": cost_rows, "iir_fits": fits, "two_sided": two_sided}


# -- figures ---------------------------------------------------------------------
#: Errors below this are drawn on it (log axes); the exact inverse's error is rounding.
FLOOR = 1e-16
_STYLE = {"fir": dict(color="k", marker="o", ms=3, lw=1), "truncated": dict(color="tab:red", ls="--", lw=1),
          "iir": dict(color="tab:blue", marker="s", ms=4, lw=1.5), "two_sided": dict(color="tab:green", marker="D"),
          "exact": dict(color="tab:purple", marker="*", ms=10)}


def _front(costs, values):
    """The Pareto front: the least value at a cost at most each cost (NaN ignored)."""
    costs, values = np.asarray(costs, float), np.asarray(values, float)
    keep = ~np.isnan(values)
    order = np.argsort(costs[keep])
    return costs[keep][order], np.minimum.accumulate(values[keep][order])


def _panels(data: dict):
    names = list(data["kernels"])
    ncols = min(4, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = figure(nrows, ncols, width=3.6, height=3.0)
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return fig, list(zip(names, axes))


def _title(name, k):
    return f"{name}\n({k['class']}, |h| = {k['kernel'].size} taps)"


def _draw_error(data: dict):
    fig, panels = _panels(data)
    C, ic = data["coefficients"], data["iir_coefficients"]
    for name, ax in panels:
        k = data["kernels"][name]
        floor = lambda v: np.maximum(v, FLOOR)
        ax.plot(C, floor(k["fir"]["error"]), label="LS FIR (Pareto front)", **_STYLE["fir"])
        if not np.isnan(k["fir"]["truncated_error"]).all():
            ax.plot(C, floor(k["fir"]["truncated_error"]), label="truncated exact inverse", **_STYLE["truncated"])
        rows = k["iir_rows"]
        ax.plot([r["C"] for r in rows], floor([r["error"] for r in rows]), ".", color="tab:blue", alpha=0.3,
                ms=4, label="fitted IIR, every order and delay")
        x, y = _front(ic, k["iir"]["error"])
        ax.plot(x, floor(y), label="fitted IIR (Pareto front)", **_STYLE["iir"])
        _plot_two_sided(ax, k["two_sided"], "error", floor)
        _finish_axes(ax, "error ||h * g − δ_d||₂", _title(name, k))
    panels[0][1].legend(fontsize=6, loc="lower left")
    fig.suptitle(f"Error against cost (errors below {FLOOR:g} drawn at {FLOOR:g})", fontsize=11)
    return fig


def _plot_two_sided(ax, ts: dict, key: str, transform=lambda y: y) -> None:
    """The regularised two-sided IIR at every λ (one cost) and the exact 1/H where it exists."""
    ax.plot(np.full(ts[key].size, ts["cost"]), transform(ts[key]), ls="none", mfc="none", ms=4,
            label="regularised two-sided IIR, every λ", **_STYLE["two_sided"])
    if ts["exact"] is not None:
        ax.plot(ts["exact"]["cost"], transform(ts["exact"][key]), ls="none", label="exact IIR 1/H", **_STYLE["exact"])


def _finish_axes(ax, quantity: str, title: str) -> None:
    """Log scale, the cost axis, the quantity's label, the kernel's title, a grid."""
    ax.set_yscale("log")
    ax.set_xlabel("cost C [multiply-adds per sample]")
    ax.set_ylabel(log_axis_label(quantity))
    ax.set_title(title, fontsize=8)
    ax.grid(True, which="both", alpha=0.3)


def _draw_noise_gain(data: dict):
    fig, panels = _panels(data)
    C, ic = data["coefficients"], data["iir_coefficients"]
    for name, ax in panels:
        k = data["kernels"][name]
        ax.plot(C, k["fir"]["noise_gain"], label="LS FIR", **_STYLE["fir"])
        if not np.isnan(k["fir"]["truncated_noise_gain"]).all():
            ax.plot(C, k["fir"]["truncated_noise_gain"], label="truncated exact inverse", **_STYLE["truncated"])
        ax.plot(ic, k["iir"]["noise_gain"], label="fitted IIR of least error", **_STYLE["iir"])
        _plot_two_sided(ax, k["two_sided"], "noise_gain")
        _finish_axes(ax, "noise gain ||g||₂²", _title(name, k))
    panels[0][1].legend(fontsize=6, loc="best")
    fig.suptitle("Noise gain against cost (white noise of variance σ² comes out as σ²·||g||²)", fontsize=11)
    return fig


def _draw_noisy(data: dict):
    fig, panels = _panels(data)
    C, ic = data["coefficients"], data["iir_coefficients"]
    styles = dict(zip(sorted(data["noise_levels"], reverse=True), ("-", ":", "-.")))
    for name, ax in panels:
        k = data["kernels"][name]
        for s, ls in styles.items():
            ax.plot(C, k["fir"]["noisy_mse"][s], ls=ls, color="k", lw=1, label=f"Tikhonov LS FIR, σ = {s:g}")
            x, y = _front(ic, k["iir"]["noisy_mse"][s])
            ax.plot(x, y, ls=ls, color="tab:blue", marker="s", ms=3, lw=1.5, label=f"fitted IIR, σ = {s:g}")
            best = k["two_sided"]["best"][s]
            ax.plot(k["two_sided"]["cost"], best["noisy_mse"], ls="none", color="tab:green",
                    marker="D" if ls == "-" else "d", label=f"regularised IIR (best λ), σ = {s:g}")
        _finish_axes(ax, "MSE ||h*g − δ||² + σ²||g||²", _title(name, k))
    panels[0][1].legend(fontsize=6, loc="lower left")
    fig.suptitle("Mean squared error per sample with white noise (white unit-variance signal; Pareto fronts)",
                 fontsize=11)
    return fig


def _draw_error_time(data: dict):
    """Error against measured time per sample: every member, and each family's Pareto front."""
    fig, panels = _panels(data)
    t = data["times"]
    floor = lambda v: np.maximum(v, FLOOR)
    for name, ax in panels:
        k = data["kernels"][name]
        x, y = _front([t["fir_ns"][int(C)] for C in data["coefficients"]], k["fir"]["error"])
        ax.plot(x, floor(y), label="LS FIR, np.convolve (Pareto front)", **_STYLE["fir"])
        rows = k["iir_rows"]
        times = [t["iir_ns"][f"{r['nb']},{r['na']}"] for r in rows]
        ax.plot(times, floor([r["error"] for r in rows]), ".", color="tab:blue", alpha=0.3, ms=4,
                label="fitted IIR, lfilter, every order and delay")
        x, y = _front(times, [r["error"] for r in rows])
        ax.plot(x, floor(y), label="fitted IIR (Pareto front)", **_STYLE["iir"])
        ts = k["two_sided"]
        timed = t["two_sided_ns"][name]
        ax.plot(list(timed.values()), floor([ts["error"][list(ts["regs"]).index(reg)] for reg in timed]), ls="none",
                mfc="none", ms=4, label="regularised two-sided IIR, IIRInverse.apply, the best λ of each σ",
                **_STYLE["two_sided"])
        if ts["exact"] is not None:
            ax.plot(t["exact_ns"][name], floor(ts["exact"]["error"]), ls="none", label="exact IIR 1/H",
                    **_STYLE["exact"])
        _finish_axes(ax, "error ||h * g − δ_d||₂", _title(name, k))
        ax.set_xscale("log")
        ax.set_xlabel(log_axis_label("measured time per sample", "ns"))
    panels[0][1].legend(fontsize=6, loc="lower left")
    fig.suptitle(f"Error against measured time per output sample ({t['samples']:,} samples, best of 3; errors "
                 f"below {FLOOR:g} drawn at {FLOOR:g})", fontsize=11)
    return fig


def _draw_timing(data: dict):
    timing = data["timing"]["seconds_per_sample"]
    fig, ax = figure(1, 1, width=7.0, height=3.0)
    names = list(timing)
    ax.barh(range(len(names)), [timing[n] * 1e9 for n in names], color="tab:gray")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("time per output sample [ns]")
    ax.set_title(f"One filter of each family on {data['timing']['samples']:,} samples (best of 5)", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def draw(data: dict) -> dict:
    """Error, noise gain and noisy MSE against cost per kernel, error against measured time, and the time of one
    member of each family beside scipy's alternatives."""
    return {"error_vs_cost": _draw_error(data), "noise_gain_vs_cost": _draw_noise_gain(data),
            "noisy_mse_vs_cost": _draw_noisy(data), "error_vs_time": _draw_error_time(data),
            "timing": _draw_timing(data)}


# -- findings (each one computed from the data; the summary states them) ------------
#: "Wins" means a ratio of errors (or of noisy MSEs) of at least this.
WIN = 10.0
#: Ties: a ratio of noisy MSEs within this factor.
TIE = 1.2
#: The FIR "reaches" an IIR's error when it is at most this error or the IIR's, whichever is larger.
REACH_FLOOR = 1e-6


def at_cost(data: dict, name: str, C: int) -> dict:
    """The FIR and the best fitted IIR of cost `C` of kernel `name`: errors, noise gains, noisy MSEs."""
    k = data["kernels"][name]
    i, j = list(data["coefficients"]).index(C), list(data["iir_coefficients"]).index(C)
    return {"fir_error": float(k["fir"]["error"][i]), "iir_error": float(k["iir"]["error"][j]),
            "fir_noise_gain": float(k["fir"]["noise_gain"][i]), "iir_noise_gain": float(k["iir"]["noise_gain"][j]),
            "iir_na": int(k["iir"]["na"][j]), "iir_pole_radius": float(k["iir"]["pole_radius"][j]),
            "fir_mse": {s: float(k["fir"]["noisy_mse"][s][i]) for s in data["noise_levels"]},
            "iir_mse": {s: float(k["iir"]["noisy_mse"][s][j]) for s in data["noise_levels"]}}


def error_ratio(data: dict, name: str, C: int) -> float:
    """FIR error / fitted-IIR error at cost `C` (inf when the IIR is exact to rounding)."""
    a = at_cost(data, name, C)
    return a["fir_error"] / a["iir_error"] if a["iir_error"] > 0 else float("inf")


def fir_taps_to_reach(data: dict, name: str, C: int):
    """Fewest FIR taps whose error is at most max(IIR error at cost C, REACH_FLOOR); None if none in the sweep."""
    target = max(at_cost(data, name, C)["iir_error"], REACH_FLOOR)
    fir = data["kernels"][name]["fir"]["error"]
    hits = np.flatnonzero(fir <= target)
    return int(data["coefficients"][hits[0]]) if hits.size else None


def zero_radius(h) -> float:
    """Decay factor per sample of the exact inverse: the zero nearest the circle as |z| inside, 1/|z| outside."""
    radii = np.abs(np.roots(h))
    return float(np.max(np.where(radii < 1, radii, 1 / radii)))


FAMILIES = ("FIR", "fitted IIR", "regularised two-sided IIR", "exact IIR")


def _members(data: dict, name: str, sigma: float, axis: str) -> dict:
    """Per family, its members as (cost or measured ns per sample, noisy MSE at `sigma`)."""
    k, ts = data["kernels"][name], data["kernels"][name]["two_sided"]
    if axis == "cost":
        fitted = [(C, m) for C, m in zip(data["iir_coefficients"], k["iir"]["noisy_mse"][sigma]) if not np.isnan(m)]
        return {"FIR": list(zip(data["coefficients"], k["fir"]["noisy_mse"][sigma])), "fitted IIR": fitted,
                "regularised two-sided IIR": [(ts["cost"], ts["best"][sigma]["noisy_mse"])],
                "exact IIR": [(ts["exact"]["cost"], ts["exact"]["noisy_mse"][sigma])] if ts["exact"] else []}
    t = data["times"]
    fitted = [(t["iir_ns"][f"{r['nb']},{r['na']}"], r["error"] ** 2 + sigma ** 2 * r["noise_gain"])
              for r in k["iir_rows"]]
    return {"FIR": [(t["fir_ns"][int(C)], m) for C, m in zip(data["coefficients"], k["fir"]["noisy_mse"][sigma])],
            "fitted IIR": fitted,
            "regularised two-sided IIR": [(t["two_sided_ns"][name][ts["best"][sigma]["reg"]],
                                           ts["best"][sigma]["noisy_mse"])],
            "exact IIR": [(t["exact_ns"][name], ts["exact"]["noisy_mse"][sigma])] if ts["exact"] else []}


def cost_to_reach(data: dict, name: str, sigma: float, axis: str = "cost") -> dict:
    """The least noisy MSE of any inverse within the budget (``'best'``), and per family the least cost whose
    MSE is within TIE of it (``'cost'``: family -> cost, or None when no member is).

    `axis` ``'cost'``: the cost in multiply-adds, the budget the largest FIR length; ``'time'``: the measured
    nanoseconds per sample (``data['times']``), every member (no budget)."""
    budget = int(data["coefficients"][-1]) if axis == "cost" else math.inf
    members = {fam: [(c, float(m)) for c, m in rows if c <= budget]
               for fam, rows in _members(data, name, sigma, axis).items()}
    best = min(m for rows in members.values() for _, m in rows)
    cost = {fam: min((c for c, m in rows if m <= TIE * best), default=None) for fam, rows in members.items()}
    return {"best": best, "cost": cost}


def cheapest(data: dict, name: str, sigma: float, axis: str = "cost") -> tuple[str, float]:
    """The family (and cost, or measured ns per sample for ``axis='time'``) that comes within TIE of the least
    noisy MSE at the least cost (ties: FAMILIES order)."""
    cost = cost_to_reach(data, name, sigma, axis)["cost"]
    fam = min((f for f in FAMILIES if cost[f] is not None), key=lambda f: (cost[f], FAMILIES.index(f)))
    return fam, cost[fam]


def tie_from(ratios: dict):
    """The least C from which on every ratio (FIR/IIR MSE, by C) is at most TIE; None if not even at the last C."""
    start = None
    for C in sorted(ratios, reverse=True):
        if ratios[C] > TIE:
            break
        start = C
    return start


def findings(data: dict) -> dict:
    """The measured facts the summary states, by kernel and class."""
    ic = [int(c) for c in data["iir_coefficients"]]
    names = list(data["kernels"])
    wins = {C: {n: error_ratio(data, n, C) for n in names if error_ratio(data, n, C) >= WIN} for C in ic}
    best_ratio = {n: max(error_ratio(data, n, C) for C in ic) for n in names}
    causal_loses = [n for n in names if best_ratio[n] < 1.0]
    s_low, s_high = min(data["noise_levels"]), max(data["noise_levels"])
    # noise: the fits that win without noise, against the Tikhonov FIR and the regularised two-sided IIR
    noisy = []
    for C in ic:
        for n in wins[C]:
            a = at_cost(data, n, C)
            ts = data["kernels"][n]["two_sided"]["best"][s_low]
            noisy.append({"kernel": n, "C": C, "ratio": wins[C][n], "noise_gain": a["iir_noise_gain"],
                          "pole_radius": a["iir_pole_radius"],
                          "fir_mse": a["fir_mse"][s_low], "iir_mse": a["iir_mse"][s_low],
                          "two_sided_mse": ts["noisy_mse"], "two_sided_cost": data["kernels"][n]["two_sided"]["cost"]})
    far = {n: {C: at_cost(data, n, C)["fir_mse"][s_high] / at_cost(data, n, C)["iir_mse"][s_high] for C in ic}
           for n in names if data["kernels"][n]["class"] == CLASSES[2]}
    return {"wins": wins, "best_ratio": best_ratio, "causal_loses": causal_loses, "noisy": noisy,
            "far_mse_ratio": far, "sigma_low": s_low, "sigma_high": s_high}


# -- summary ---------------------------------------------------------------------
def _g(value) -> str:
    return "exact (≤ 1e-15)" if value <= 1e-15 else f"{value:.2g}"


def _table(data: dict) -> list[str]:
    ic = [int(c) for c in data["iir_coefficients"]]
    C1, C2 = ic[0] if len(ic) == 1 else (5 if 5 in ic else ic[0]), ic[-1]
    s = max(data["noise_levels"])
    lines = [f"| kernel | class (nearest zero's distance) | FIR / IIR error, C = {C1} | FIR / IIR error, C = {C2} | "
             f"FIR taps to reach the IIR's error at C = {C1} (or {REACH_FLOOR:g}) | IIR noise gain, C = {C2} | exact 1/H: cost | "
             f"σ = {s:g}, MSE at C = {C2}: FIR / IIR | regularised two-sided: cost, MSE (λ) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, k in data["kernels"].items():
        a, b = at_cost(data, name, C1), at_cost(data, name, C2)
        taps = fir_taps_to_reach(data, name, C1)
        ts = k["two_sided"]
        exact = "none (zero on the circle)" if ts["exact"] is None else str(ts["exact"]["cost"])
        best = ts["best"][s]
        lines.append(f"| {name} | {k['class']} ({k['zero_distance']:.2g}) | "
                     f"{_g(a['fir_error'])} / {_g(a['iir_error'])} "
                     f"| {_g(b['fir_error'])} / {_g(b['iir_error'])} | "
                     f"{taps if taps is not None else '> ' + str(data['coefficients'][-1])} | "
                     f"{b['iir_noise_gain']:.2g} | {exact} | {b['fir_mse'][s]:.2g} / {b['iir_mse'][s]:.2g} | "
                     f"{ts['cost']}, {best['noisy_mse']:.2g} ({best['reg']:g}) |")
    return lines


def _noise_table(data: dict) -> list[str]:
    levels = sorted(data["noise_levels"])
    head = " | ".join(f"σ = {s:g}: least MSE | {' | '.join(FAMILIES)}" for s in levels)
    lines = [f"Least cost (multiply-adds per sample) at which each family comes within {TIE:g}× of the least noisy "
             f"MSE of any inverse of cost ≤ {data['coefficients'][-1]} ('—': none does):", "",
             f"| kernel | {head} |", "|---|" + "---:|" * (len(levels) * (1 + len(FAMILIES)))]
    for name in data["kernels"]:
        cells = []
        for s in levels:
            reach = cost_to_reach(data, name, s)
            cells += [f"{reach['best']:.2g}"] + ["—" if reach["cost"][f] is None else str(reach["cost"][f])
                                                 for f in FAMILIES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _list(items: dict, fmt) -> str:
    return "; ".join(fmt(n, v) for n, v in items.items()) if items else "none"


def _sentences(data: dict) -> list[str]:
    f = findings(data)
    ic = [int(c) for c in data["iir_coefficients"]]
    kernels = data["kernels"]
    cls = lambda n: kernels[n]["class"]
    out = []
    for c in CLASSES:
        members = [n for n in kernels if cls(n) == c]
        if not members:
            continue
        poles = [n for n in members if any(n in f["wins"][C] for C in ic)]
        rest = [n for n in members if n not in poles]
        line = (f"- **{c.capitalize()}**: the fitted IIR is {WIN:g}× or more better than the LS FIR of the same cost "
                f"at some C ≤ {ic[-1]} for {', '.join(poles) or 'none'}; not for {', '.join(rest) or 'none'}.")
        for s in sorted(data["noise_levels"]):
            parts = [f"{n}: {fam} ({c})" for n in members for fam, c in [cheapest(data, n, s)]]
            line += (f" With noise σ = {s:g}, the cheapest family within {TIE:g}× of the least MSE (cost): "
                     + "; ".join(parts) + ".")
        out.append(line)
    out.append("")
    for C in ic:
        out.append(f"- Without noise, at C = {C} the fitted IIR beats the LS FIR of the same cost by {WIN:g}× or more "
                   f"for: " + _list(f["wins"][C], lambda n, r: f"{n} ({cls(n)}, "
                   + ("IIR exact to rounding)" if at_cost(data, n, C)["iir_error"] <= 1e-15
                      else f"×{r:.3g})")) + ".")
    never = {n: r for n, r in f["best_ratio"].items() if r < 2 and not any(n in f["wins"][C] for C in ic)}
    out.append(f"- The fitted IIR is never better than 2× the FIR at any C ≤ {ic[-1]} for: "
               + _list(never, lambda n, r: f"{n} ({cls(n)}, best ×{r:.2g})") + ".")
    if f["causal_loses"]:
        parts = []
        for n in f["causal_loses"]:
            ts = kernels[n]["two_sided"]
            exact = (f"the exact two-sided inverse costs {ts['exact']['cost']} with error {ts['exact']['error']:.1e}"
                     if ts["exact"] else "no exact inverse")
            parts.append(f"{n} (fitted / FIR error ≥ {1 / f['best_ratio'][n]:.2g} at every C; {exact})")
        out.append("- The fitted IIR is causal, so it does worse than the FIR at every C for " + "; ".join(parts)
                   + ": its poles must lie inside the circle while the inverse's tail runs backwards; a two-sided "
                   "recursion is what these kernels need.")
    circle = [r for r in f["noisy"] if kernels[r["kernel"]]["class"] == CLASSES[0]]
    if circle:
        s = f["sigma_low"]
        worse = [r for r in circle if r["iir_mse"] >= r["fir_mse"]]
        two = [r for r in circle if r["two_sided_mse"] * WIN <= min(r["fir_mse"], r["iir_mse"])]
        out.append(f"- With noise, zeros on the circle: the fits that win there without noise put their largest pole "
                   f"at radius {min(r['pole_radius'] for r in circle):.7f} or more (the stability margin), with noise "
                   f"gains ||g||² of {min(r['noise_gain'] for r in circle):.2g} to "
                   f"{max(r['noise_gain'] for r in circle):.2g}. At σ = {s:g}, of these {len(circle)} (kernel, C) "
                   f"pairs, the Tikhonov FIR of the same cost has an MSE at most the IIR's in {len(worse)} ("
                   + ", ".join(f"{r['kernel']} C = {r['C']}: {r['fir_mse']:.3g} against {r['iir_mse']:.3g}"
                               for r in worse) + "); the regularised two-sided IIR has an MSE at least "
                   f"{WIN:g}× below both in {len(two)} of them ("
                   + ", ".join(f"{r['kernel']}: {r['two_sided_mse']:.2g} at cost {r['two_sided_cost']}"
                               for r in {r['kernel']: r for r in two}.values()) + ").")
    chosen = {(n, s): k["two_sided"]["best"][s]["reg"] for n, k in kernels.items() for s in data["noise_levels"]}
    wiener = [key for key, reg in chosen.items() if np.isclose(reg, key[1] ** 2)]
    out.append(f"- The regularised IIR's λ of least noisy MSE on the grid is σ² for {len(wiener)} of the "
               f"{len(chosen)} (kernel, σ) pairs: Wiener's optimum for a white signal of unit variance.")
    if f["far_mse_ratio"]:
        s = f["sigma_high"]
        parts = []
        for n, ratios in f["far_mse_ratio"].items():
            start = tie_from(ratios)
            detail = ", ".join(f"{r:.3g} at C = {C}" for C, r in ratios.items())
            parts.append(f"{n}: " + (f"C ≥ {start}" if start is not None else f"not even at C = {ic[-1]}")
                         + f" (FIR/IIR MSE {detail})")
        out.append(f"- Zeros far from the circle: at σ = {s:g} the Tikhonov FIR's MSE is at most {TIE:g}× the best "
                   "fitted IIR's at every C from the one given on: " + "; ".join(parts) + ". Once the FIR's truncation error falls below "
                   "the noise floor σ²||g||², which the exact inverse's noise gain sets for both, the two tie.")
    return out


def _why(data: dict) -> str:
    C = int(data["coefficients"][-1])
    decaying, circle = [], []
    for name, k in data["kernels"].items():
        if k["class"] == CLASSES[0]:
            fit = fit_power_law(data["coefficients"], k["fir"]["error"])
            circle.append(f"{name}: C^{fit['exponent']:.2f}")
        else:
            r = zero_radius(k["kernel"])
            decaying.append(f"{name}: r = {r:.3g}, r^{C} = {r ** C:.2g}, FIR error {k['fir']['error'][-1]:.2g}")
    text = ("**Why.** The exact inverse's impulse response decays like r^n, r the decay factor of the zero nearest "
            "the circle (|z| inside, 1/|z| outside); an FIR must cover that tail tap by tap, while one pole per zero "
            "reproduces it whole.")
    if decaying:
        text += f" At C = {C}: " + "; ".join(decaying) + "."
    if circle:
        text += (" A zero on the circle gives a tail that does not decay: the LS FIR error falls like a power of C "
                 f"(log-log fit over C = {data['coefficients'][0]}..{C}: " + "; ".join(circle) + "), and the "
                 "fitted poles go to the stability margin, taking the noise gain with them.")
    return text


def _time_sentence(data: dict) -> str:
    """Per noise level, the family that reaches the least noisy MSE (within TIE) in the least measured time."""
    parts = []
    for sigma in sorted(data["noise_levels"]):
        winners = [f"{n}: {fam} ({ns:.3g} ns)" for n in data["kernels"] for fam, ns in [cheapest(data, n, sigma, "time")]]
        parts.append(f"σ = {sigma:g}: " + "; ".join(winners))
    return (f"**In measured time** (the x axis of error_vs_time, every member), the family that comes within "
            f"{TIE:g}× of the least noisy MSE of all in the least time per sample — " + ". ".join(parts) + ".")


def _timing_sentence(data: dict) -> str:
    t = data["timing"]["seconds_per_sample"]
    fir, iir = t[TIMED_FIR], t[TIMED_IIR]
    return (f"**Time** per output sample on {data['timing']['samples']:,} samples (best of 5, this machine): "
            + "; ".join(f"{k}: {v * 1e9:.3g} ns" for k, v in t.items())
            + f". At 8 multiply-adds per sample the recursion (lfilter) takes {iir / fir:.2g}× the time of the "
            "direct FIR (np.convolve): a recursion's multiply-adds run one sample after another.")


def summarize(data: dict) -> str:
    """The answer in Markdown, with the measured numbers."""
    s = data["noise_levels"]
    lines = [
        "Cost = multiply-adds per output sample (FIR: C taps; fitted IIR B/A: nb + na + 1; regularised two-sided "
        "IIR: 3M + 1 for a kernel of degree M; exact 1/H: M + 1). Errors ‖h * g − δ_d‖₂ over the whole response; "
        f"noisy MSE = ‖h * g − δ_d‖² + σ²‖g‖² (white unit-variance signal, white noise of σ in {list(s)}), the "
        "exact mean squared error per sample. The fitted IIR's delay was searched only at the LS-optimal delays "
        f"of the FIRs of C and of nb + 1 taps plus {list(data['setup']['delay_offsets'])}; orders na in "
        f"{list(data['setup']['orders'])}.",
        "",
        *_table(data),
        "",
        *_noise_table(data),
        "",
        *_sentences(data),
        "",
        _why(data),
        "",
        _time_sentence(data),
        "",
        _timing_sentence(data),
    ]
    return "\n".join(lines)
