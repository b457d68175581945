r"""FIR against IIR inverses of 2-D blurs at the same cost, without noise and on a noisy photograph.

The 2-D side of :mod:`experiments.equal_cost`.  Every inverse ``g`` of a
kernel ``h`` is scored against its **cost** in multiply-adds per pixel:

- **LS FIR** ``p x p`` (:func:`solvers.inverse_kernel`, the centre delay): cost ``p^2``;
- the **truncated inverse** ``p x p``: the exact (infinite) inverse where ``H`` has
  no zero on the frequency torus, else the regularised one, sampled on the same
  support (:func:`solvers.inverse_impulse_response`): cost ``p^2``;
- the **separable IIR** of a separable kernel ``h = a b^T``: the exact or regularised
  two-sided IIR inverse of each factor (:func:`solvers.iir_inverse`), run along the
  columns and then the rows (:func:`solvers.apply_inverse`): cost the sum of the
  axes', ``M + 1`` (exact) or ``3M + 1`` (regularised) each for a factor of degree ``M``;
- the **Wiener filter by FFT** on the whole image (:func:`solvers.wiener_filter`),
  cost by the flop model :func:`experiments.bench_inverse_cost.fft_count` of one
  forward and one inverse real FFT of the image plus the product.

**Without noise** the error is :math:`\|h * g - \delta_d\|_2` over the whole
plane: for an FIR the full convolution (``scipy.signal.convolve2d``); for the
separable IIR, with :math:`P = A G_a` and :math:`Q = B G_b` on a grid of
``grid`` frequencies per axis, :math:`\overline{|PQ - 1|^2} = \overline{|P|^2}\,
\overline{|Q|^2} - 2\,\mathrm{Re}(\bar P \bar Q) + 1` (bars: grid means), exact
up to aliasing.  The noise gain is :math:`\|g\|_2^2`.

**With noise**, the blurred photograph (circular blur, so that every family sees
the same model) plus white Gaussian noise of standard deviation ``sigma`` gray
levels is restored by each inverse, its regularisation chosen by the minimum
error against the truth (an oracle: the study compares families, not rules for
choosing), and scored by PSNR.  The truncated inverse is sampled only for
λ >= :data:`TRUNCATED_MIN_REG` and the separable IIR run only for λ >=
:data:`IIR_MIN_REG` (below them their decay, and with it the work, grows
without bound as λ -> 0).  The LS FIR with λ is the inverse of least mean
squared error for a *white* signal; a photograph is not white, so its PSNR
need not grow with the support at the oracle's λ (the figure shows it).
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi
import scipy.signal as sig
from tqdm.auto import tqdm

from convops import AllocationTooLargeError, box_psf, gaussian_psf
from experiments._images import camera
from experiments._metrics import psnr
from experiments._plot import figure, log_axis_label
from experiments._study import study_setup
from experiments.bench_inverse_cost import fft_count
from solvers import (apply_inverse, iir_inverse, inverse_impulse_response, inverse_kernel, separate,
                     wiener_filter)

__all__ = ["NAME", "QUESTION", "KERNELS", "FAMILIES", "compute", "draw", "summarize", "full_error", "crop_support",
           "best_at", "winners"]

NAME = "equal_cost_2d"
QUESTION = ("For 2-D blurs, separable or not, does an LS FIR kernel, a truncated inverse, a separable IIR or an "
            "FFT filter restore best for the same number of multiply-adds per pixel, without and with noise?")

CROSS = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]) / 5.0

#: The kernels (each sums to 1).
KERNELS = {
    "Gaussian σ=1": gaussian_psf(1.0, shape=(7, 7)),
    "Gaussian σ=2": gaussian_psf(2.0, shape=(13, 13)),
    "anisotropic Gaussian (2, 0.7) at 30°": gaussian_psf((2.0, 0.7), angle=30.0),
    "box 3x3": box_psf((3, 3)),
    "cross 3x3": CROSS,
}
FAMILIES = ("LS FIR", "truncated inverse", "separable IIR", "Wiener by FFT")
#: The truncated regularised inverse is sampled from a grid that grows as its decay slows (poles near the
#: circle as λ -> 0): below this λ it is not computed.
TRUNCATED_MIN_REG = 1e-4
#: The separable IIR runs its recursions over an extension as long as its slowest decay: below this λ
#: (poles within about 5e-3 of the circle for the box) it is not run on the image.
IIR_MIN_REG = 1e-5
#: The LS FIRs are solved by CG (converged to rounding: 225 unknowns at most), 10-20x faster here than a
#: dense least-squares solve of the full matrix.
FIR_METHOD = "cg"

_SETTINGS = {
    False: dict(kernels=KERNELS, sizes=(3, 5, 7, 9, 11, 15), regs=tuple(10.0 ** np.arange(-7, 0.25, 0.5)),
                noise_levels=(1.0, 5.0), image_size=128, grid=4096, seed=0),
    True: dict(kernels={k: KERNELS[k] for k in ("Gaussian σ=1", "box 3x3", "cross 3x3")}, sizes=(3, 5),
               regs=(1e-4, 1e-2, 1e-1), noise_levels=(5.0,), image_size=48, grid=1024, seed=0),
}


# -- computation ----------------------------------------------------------------
def full_error(kernel, g) -> float:
    r""":math:`\|h * g - \delta_d\|_2` over the full convolution, ``d`` the centre of the full grid."""
    full = sig.convolve2d(kernel, g)
    full[tuple((n - 1) // 2 for n in full.shape)] -= 1.0
    return float(np.linalg.norm(full))


#: Memory limit of each inverse_impulse_response call (its FFT grid grows as the inverse's decay slows).
MAX_BYTES = 2 ** 28


def _exact_inverse(kernel) -> str:
    """``'exists'``; ``'H vanishes'`` on the frequency torus (the rule of
    :func:`solvers.inverse_impulse_response`); or ``'too slow to sample'`` (decays too slowly for MAX_BYTES)."""
    try:
        inverse_impulse_response(kernel, (1, 1), max_bytes=MAX_BYTES)
    except AllocationTooLargeError:
        return "too slow to sample"
    except ValueError:
        return "H vanishes"
    return "exists"


def crop_support(g_large, kernel_shape, size) -> np.ndarray:
    """The samples of an inverse on a ``size`` support from those on a larger one, both anchored at the centre
    of their full grids (:func:`solvers.inverse_impulse_response`'s anchor): offset ``d_P - d_p`` per axis,
    ``d = (m + p - 2) // 2``."""
    index = []
    for m, big, p in zip(kernel_shape, g_large.shape, size):
        start = (m + big - 2) // 2 - (m + p - 2) // 2
        if start < 0 or start + p > big:
            raise ValueError(f"a support of {p} does not nest in one of {big} for a kernel of {m}")
        index.append(slice(start, start + p))
    return g_large[tuple(index)]


def _truncated(h, sizes, regs, exact) -> dict:
    """``{reg: {p: g}}``: the exact inverse (reg 0) where it exists and the regularised ones with
    reg >= TRUNCATED_MIN_REG, sampled once on the largest support and cropped."""
    big, out = max(sizes), {}
    for reg in ([0.0] if exact == "exists" else []) + [r for r in regs if r >= TRUNCATED_MIN_REG]:
        try:
            g = inverse_impulse_response(h, (big, big), reg=reg, max_bytes=MAX_BYTES).solution
        except AllocationTooLargeError:
            continue
        out[reg] = {p: crop_support(g, h.shape, (p, p)) for p in sizes}
    return out


def _separable_iir(col, row, reg, grid):
    """Error and noise gain of the separable IIR (exact for reg = 0) from the factors' frequency responses."""
    w = 2 * np.pi * np.arange(grid) / grid
    parts = []
    for f in (col, row):
        inv = iir_inverse(f, reg=reg)
        F = np.polyval(np.asarray(f, float)[::-1], np.exp(-1j * w))        # sum_k f[k] e^{-i w k}
        G = inv.frequency_response(w)
        parts.append((F * G, np.mean(np.abs(G) ** 2), inv))
    (P, gp, ip), (Q, gq, iq) = parts
    # |PQ - 1|^2 with p = P - 1, q = Q - 1 expanded into products of 1-D means (no cancellation near 0)
    p, q = P - 1, Q - 1
    p2, q2, mp, mq = np.mean(np.abs(p) ** 2), np.mean(np.abs(q) ** 2), np.mean(p), np.mean(q)
    mse = p2 + q2 + p2 * q2 + 2 * np.real(mp * np.conj(mq) + p2 * np.conj(mq) + q2 * np.conj(mp))
    return float(np.sqrt(max(mse, 0.0))), float(gp * gq), [ip, iq]


def _noiseless(h, sizes, regs, grid, truncated, exact) -> dict:
    out = {"exact": exact, "min_abs_H": inverse_impulse_response(h, (1, 1), reg=1e-3).info["min_abs_H"],
           "fir": [], "truncated": [], "separable": None}
    for p in sizes:
        fir = inverse_kernel(h, p, method=FIR_METHOD)
        g = fir.solution
        out["fir"].append({"size": p, "cost": p * p, "error": full_error(h, g), "noise_gain": float(np.sum(g ** 2)),
                           "reported_error": fir.info["error_norm"]})
        best = min(({"reg": r, "g": g[p]} for r, g in truncated.items()), key=lambda c: full_error(h, c["g"]))
        out["truncated"].append({"size": p, "cost": p * p, "reg": best["reg"], "error": full_error(h, best["g"]),
                                 "noise_gain": float(np.sum(best["g"] ** 2))})
    try:
        col, row = separate(h)
    except ValueError:
        return out
    rows = []
    for reg in ([0.0] if exact == "exists" else []) + list(regs):
        try:
            error, gain, inverses = _separable_iir(col, row, reg, grid)
        except ValueError:
            continue
        rows.append({"reg": reg, "cost": sum(inv.cost for inv in inverses), "error": error, "noise_gain": gain})
    out["separable"] = {"col": col, "row": row, "rows": rows}
    return out


def _restorations(h, image, sigmas, sizes, regs, seed, separable, truncated) -> dict:
    """Best PSNR (over the reg grid) of each family and size for each noise level."""
    blurred = ndi.convolve(image, h, mode="wrap")
    out = {}
    for k, sigma in enumerate(sigmas):
        b = blurred + sigma * np.random.default_rng(seed + k).standard_normal(image.shape)
        score = lambda x: psnr(x, image)
        rows = {"LS FIR": [], "truncated inverse": [], "separable IIR": [], "Wiener by FFT": []}
        for p in sizes:
            best = max((score(apply_inverse(b, inverse_kernel(h, p, reg=r, method=FIR_METHOD), boundary="circular")), r)
                       for r in regs)
            rows["LS FIR"].append({"size": p, "cost": p * p, "psnr": best[0], "reg": best[1]})
            best = max((score(apply_inverse(b, g[p], kernel_shape=h.shape, boundary="circular")), r)
                       for r, g in truncated.items())
            rows["truncated inverse"].append({"size": p, "cost": p * p, "psnr": best[0], "reg": best[1]})
        if separable is not None:
            scored = []
            for r in (r for r in regs if r >= IIR_MIN_REG):
                inverses = [iir_inverse(separable[axis], reg=r) for axis in ("col", "row")]
                scored.append((score(apply_inverse(b, inverses, boundary="circular")), r,
                               sum(inv.cost for inv in inverses)))
            best = max(scored)
            rows["separable IIR"].append({"cost": best[2], "psnr": best[0], "reg": best[1]})
        best = max((score(wiener_filter(b, h, c)), c) for c in regs)
        rows["Wiener by FFT"].append({"cost": round(fft_count(1, 2, block=image.shape[0]), 1), "psnr": best[0],
                                      "reg": best[1]})
        out[sigma] = {"blurred": b, "rows": rows}
    return out


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Errors, noise gains and noisy PSNRs of each family against cost, for every kernel.

    Parameters
    ----------
    quick : bool, optional
        Three kernels, supports 3 and 5, a 48x48 image, three values of λ, one noise level (seconds).
    progress : bool, optional
        Progress bar over the kernels.
    **setup
        ``kernels`` (name -> 2-D array), ``sizes`` (FIR supports ``p``), ``regs`` (the grid of λ and of
        Wiener's c searched by the oracle), ``noise_levels`` (σ in gray levels, image 0..255),
        ``image_size``, ``grid`` (frequencies per axis of the separable IIR's error), ``seed``.

    Returns
    -------
    dict
        ``'kernels'``: per kernel ``'kernel'``, ``'separable'`` (bool), ``'noiseless'`` (``min_abs_H``, ``fir``
        and ``truncated`` rows by size, ``separable`` factors and rows by λ or None) and ``'noisy'`` (by σ:
        the best PSNR per family and size, with its λ); ``'image'``; ``'tables'``; the setup.
    """
    settings = study_setup(_SETTINGS[bool(quick)], setup, study=NAME)
    sizes, regs = tuple(int(p) for p in settings["sizes"]), tuple(float(r) for r in settings["regs"])
    sigmas = tuple(float(s) for s in settings["noise_levels"])
    if not regs or max(regs) < max(TRUNCATED_MIN_REG, IIR_MIN_REG):
        raise ValueError(f"regs must hold a value >= {max(TRUNCATED_MIN_REG, IIR_MIN_REG):g} (the truncated inverse is "
                         f"sampled for λ >= {TRUNCATED_MIN_REG:g}, the separable IIR run for λ >= {IIR_MIN_REG:g}); "
                         f"got {regs}")
    image = camera(int(settings["image_size"]))
    kernels = {}
    for name, h in tqdm(settings["kernels"].items(), desc=NAME, disable=not progress):
        h = np.asarray(h, dtype=float)
        if h.ndim != 2:
            raise ValueError(f"kernels[{name!r}] must be 2-D, got shape {h.shape}")
        exact = _exact_inverse(h)
        truncated = _truncated(h, sizes, regs, exact)
        clean = _noiseless(h, sizes, regs, int(settings["grid"]), truncated, exact)
        kernels[name] = {"kernel": h, "separable": clean["separable"] is not None, "noiseless": clean,
                         "noisy": _restorations(h, image, sigmas, sizes, regs, int(settings["seed"]),
                                                clean["separable"], truncated)}
    data = {"quick": bool(quick), "setup": settings, "sizes": np.array(sizes), "noise_levels": sigmas,
            "image": image, "kernels": kernels}
    data["tables"] = _tables(data)
    return data


def _tables(data) -> dict:
    clean, noisy = [], []
    for name, k in data["kernels"].items():
        n = k["noiseless"]
        for f, t in zip(n["fir"], n["truncated"]):
            clean.append({"kernel": name, "family": "LS FIR", **{c: f[c] for c in ("size", "cost", "error", "noise_gain")}})
            clean.append({"kernel": name, "family": "truncated inverse",
                          **{c: t[c] for c in ("size", "cost", "error", "noise_gain")}})
        for r in (n["separable"] or {"rows": []})["rows"]:
            clean.append({"kernel": name, "family": f"separable IIR (λ = {r['reg']:g})", "size": "",
                          **{c: r[c] for c in ("cost", "error", "noise_gain")}})
        for sigma, part in k["noisy"].items():
            for family, rows in part["rows"].items():
                for r in rows:
                    noisy.append({"kernel": name, "sigma": sigma, "family": family, "size": r.get("size", ""),
                                  "cost": r["cost"], "psnr": r["psnr"], "reg": r["reg"]})
    return {"noiseless": clean, "noisy": noisy}


# -- findings -------------------------------------------------------------------
#: PSNRs within this many dB are a tie.
TIE_DB = 0.1


def best_at(data, name, sigma) -> dict:
    """Per family its best PSNR and the least cost reaching within TIE_DB of it (None for no member)."""
    out = {}
    for family, rows in data["kernels"][name]["noisy"][sigma]["rows"].items():
        if rows:
            top = max(r["psnr"] for r in rows)
            out[family] = {"psnr": top, "cost": min(r["cost"] for r in rows if r["psnr"] >= top - TIE_DB)}
    return out


def winners(data, name, sigma) -> dict:
    """``'best'``: the family of the highest PSNR; ``'cheapest'``: the family (and cost) that comes within
    TIE_DB of that PSNR at the least cost (ties: FAMILIES order)."""
    fam = best_at(data, name, sigma)
    top = max(v["psnr"] for v in fam.values())
    best = max(fam, key=lambda f: fam[f]["psnr"])
    reach = {}
    for family, rows in data["kernels"][name]["noisy"][sigma]["rows"].items():
        ok = [r["cost"] for r in rows if r["psnr"] >= top - TIE_DB]
        if ok:
            reach[family] = min(ok)
    cheap = min(reach, key=lambda f: (reach[f], FAMILIES.index(f)))
    return {"best": best, "psnr": top, "cheapest": cheap, "cost": reach[cheap]}


# -- figures ----------------------------------------------------------------------
_STYLE = {"LS FIR": dict(color="k", marker="o", ms=3), "truncated inverse": dict(color="tab:red", ls="--", marker="x"),
          "separable IIR": dict(color="tab:blue", marker="s", ms=6, ls="none"),
          "Wiener by FFT": dict(color="tab:green", marker="D", ms=6, ls="none")}


def _panels(data, rows=1):
    names = list(data["kernels"])
    fig, axes = figure(rows, len(names), width=3.3, height=3.0)
    return fig, np.atleast_2d(axes).reshape(rows, len(names)), names


def _draw_noiseless(data):
    fig, axes, names = _panels(data)
    for ax, name in zip(axes[0], names):
        n = data["kernels"][name]["noiseless"]
        ax.plot([r["cost"] for r in n["fir"]], [max(r["error"], 1e-16) for r in n["fir"]], label="LS FIR",
                **_STYLE["LS FIR"])
        ax.plot([r["cost"] for r in n["truncated"]], [max(r["error"], 1e-16) for r in n["truncated"]],
                label="truncated inverse", **_STYLE["truncated inverse"])
        if n["separable"]:
            ax.plot([r["cost"] for r in n["separable"]["rows"]], [max(r["error"], 1e-16) for r in n["separable"]["rows"]],
                    label="separable IIR (every λ)", mfc="none", **_STYLE["separable IIR"])
        ax.set(xscale="log", yscale="log", xlabel=log_axis_label("cost", "multiply-adds per pixel"),
               title=f"{name}\nmin |H| = {n['min_abs_H']:.2g}" + (", separable" if n["separable"] else ""))
        ax.title.set_fontsize(8)
        ax.grid(True, which="both", alpha=0.3)
    axes[0, 0].set_ylabel(log_axis_label("error ||h * g − δ||₂"))
    axes[0, 0].legend(fontsize=6)
    fig.suptitle("2-D inverses without noise: error against cost (below 1e-16 drawn at 1e-16)", fontsize=10)
    return fig


def _draw_noisy(data):
    sigmas = data["noise_levels"]
    fig, axes, names = _panels(data, rows=len(sigmas))
    for i, sigma in enumerate(sigmas):
        for ax, name in zip(axes[i], names):
            for family, rows in data["kernels"][name]["noisy"][sigma]["rows"].items():
                if rows:
                    ax.plot([r["cost"] for r in rows], [r["psnr"] for r in rows], label=family, **_STYLE[family])
            ax.set(xscale="log", xlabel=log_axis_label("cost", "multiply-adds per pixel"), title=f"{name}, σ = {sigma:g}")
            ax.title.set_fontsize(8)
            ax.grid(True, which="both", alpha=0.3)
        axes[i, 0].set_ylabel("PSNR [dB] (best λ)")
    axes[0, 0].legend(fontsize=6)
    fig.suptitle(f"Restoring a noisy {data['image'].shape[0]}² photograph (circular blur): PSNR against cost",
                 fontsize=10)
    return fig


def draw(data: dict) -> dict:
    """Error against cost without noise, and PSNR against cost on the noisy photograph."""
    return {"error_vs_cost_2d": _draw_noiseless(data), "psnr_vs_cost_2d": _draw_noisy(data)}


# -- summary ----------------------------------------------------------------------
def summarize(data: dict) -> str:
    """The answer in Markdown, with the measured numbers."""
    p = int(data["sizes"][-1])
    regs = ", ".join(f"{r:.3g}" for r in data["setup"]["regs"])
    lines = [f"Cost in multiply-adds per pixel; FIR supports {list(map(int, data['sizes']))}; λ (and Wiener's c) "
             f"chosen on the grid [{regs}] by the least error against the truth (oracle); truncated inverse for "
             f"λ ≥ {TRUNCATED_MIN_REG:g}, separable IIR for λ ≥ {IIR_MIN_REG:g}; the Wiener filter's cost is the flop "
             f"model of two real FFTs of the {data['image'].shape[0]}² image and the product.", "",
             f"| kernel | min \\|H\\| | LS FIR error, {p}x{p} | truncated inverse error, {p}x{p} | separable IIR: "
             "cost, error (λ) |", "|---|---:|---:|---:|---|"]
    for name, k in data["kernels"].items():
        n = k["noiseless"]
        sep = "not separable"
        if n["separable"] and n["separable"]["rows"]:
            top = min(n["separable"]["rows"], key=lambda r: r["error"])
            sep = f"{top['cost']}, {top['error']:.2g} ({top['reg']:g})"
        lines.append(f"| {name} | {n['min_abs_H']:.2g} | {n['fir'][-1]['error']:.2g} | {n['truncated'][-1]['error']:.2g} "
                     f"| {sep} |")
    never = all(f["error"] <= t["error"] * (1 + 1e-9) + 1e-15 for k in data["kernels"].values()
                for f, t in zip(k["noiseless"]["fir"], k["noiseless"]["truncated"]))
    lines += ["", f"- The LS FIR's error is at most the truncated inverse's at every support and kernel: {never}."]
    for sigma in data["noise_levels"]:
        parts = []
        for name in data["kernels"]:
            w = winners(data, name, sigma)
            fams = best_at(data, name, sigma)
            detail = ", ".join(f"{f} {v['psnr']:.2f} dB (cost {v['cost']:g})" for f, v in fams.items())
            parts.append(f"{name}: best {w['best']} {w['psnr']:.2f} dB; within {TIE_DB:g} dB at the least cost: "
                         f"{w['cheapest']} (cost {w['cost']:g}) [{detail}]")
        lines.append(f"- With noise σ = {sigma:g} (gray levels): " + "; ".join(parts) + ".")
    return "\n".join(lines)
