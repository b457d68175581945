r"""Choosing the regularisation parameter from the data alone, and restoring without the inverse crime.

Every other study picks its Tikhonov weight by an *oracle*: the value with the least error against
the original, which a real restoration cannot know.  This study chooses it with the rules of
:func:`solvers.choose_reg`, which see only the blurred, noisy data ``b`` (and, for two of them, the
noise level :math:`\sigma`):

- GCV: minimise :math:`G(\lambda) = n \|(I - A_\lambda) b\|^2 / (n - \mathrm{tr} A_\lambda)^2`;
- UPRE: minimise :math:`U(\lambda) = \|(I - A_\lambda) b\|^2 / n + 2 \sigma^2 \mathrm{tr} A_\lambda / n
  - \sigma^2`;
- the discrepancy principle (Morozov): :math:`\|A x_\lambda - b\| = \tau \sigma \sqrt n`, :math:`\tau = 1.01`;
- the L-curve: the corner (largest curvature) of :math:`(\log \|A x_\lambda - b\|, \log \|x_\lambda\|)`.

**Part 1, the rules in their own model.**  A photograph (scikit-image's ``camera``, 256x256, gray levels
0-255) blurred *circularly* by a Gaussian (``convops.gaussian_psf(2)``, 17x17) and by a motion blur
(``convops.motion_psf(15, 30)``, 15 pixels at 30 degrees), plus white Gaussian noise of standard deviation
0.5, 2 and 8 gray levels.  The circular model is then exact and the DFT gives every rule's curve exactly;
UPRE and the discrepancy principle are given the true :math:`\sigma`.  Each choice is scored by the PSNR
of its Tikhonov (Wiener) restoration, against the oracle: the :math:`\lambda` of least mean squared error
(the grid's best, refined by a bounded scalar search in :math:`\log\lambda`).

**Part 2, without the inverse crime.**  The observation is the ``valid`` part of a larger blurred scene
(:func:`experiments.crop_problem`: the 144x144 window of the 512x512 ``camera`` at (64, 176), the Gaussian
blur, noise of standard deviation 2, a 128x128 observation): every observed value is a weighted sum of true
pixels, some of them outside the observed window, and no boundary rule is right.  It is restored under every
boundary rule (``output='same'``) and with ``output='valid'``, the unknown-boundary model, which
reconstructs the larger scene (its centre, under the observation, is compared), each with the Tikhonov
:math:`\lambda` that GCV chooses from the data (:func:`solvers.choose_reg`: exact on the circular and
symmetric models, the hybrid Golub-Kahan method on the others, at most 150 steps; where GCV does not settle
there, the discrepancy principle with the noise level from :func:`solvers.estimate_noise`, and the table
says so: nothing of the truth is used).  Errors are measured separately on the border band, the pixels
within the kernel's radius ``m // 2`` of an edge (the pixels whose blurred value depends on the scene
outside the window), and on the interior.

``quick=True``: 64x64 images, a 9x9 Gaussian (sigma 1) and a 7-pixel motion blur, two noise levels (2 and
8), a 48x48 crop.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import scipy.ndimage as ndi
from scipy.optimize import minimize_scalar
from tqdm.auto import tqdm

from convops import BOUNDARIES, gaussian_psf, motion_psf, psf2otf
from solvers import REG_RULES, estimate_noise, restore, wiener_filter

from ._images import camera
from ._metrics import PEAK, mse, psnr
from ._plot import RULE_LABELS, figure, log_axis_label, show_image, wide_log_ticks
from ._problems import choose_reg_quietly, crop_problem
from ._study import study_setup
from .boundaries import distance_to_edge

__all__ = ["NAME", "QUESTION", "compute", "draw", "summarize"]

NAME = "regularization"
QUESTION = ("Without the original image, how close to the best (oracle) restoration do GCV, UPRE, the "
            "discrepancy principle and the L-curve come, and when the data are a crop of a larger blurred "
            "scene (no boundary rule is right), which boundary model restores the border best?")

#: The rule of part 2 for a model where the setup's rule does not settle (it needs no exact spectrum).
FALLBACK_RULE = "discrepancy"

#: The models of part 2: every boundary rule with ``output='same'``, then the unknown-boundary model.
CROP_MODELS = tuple((rule, "same") for rule in BOUNDARIES) + (("zero", "valid"),)


@dataclass(frozen=True)
class Setup:
    """Sizes and constants of one run of the study."""

    size: int  # part 1: camera resized to size x size
    gaussian_sigma: float  # pixels
    motion_length: float  # pixels
    crop_size: int  # part 2: the observation is crop_size x crop_size
    motion_angle: float = 30.0  # degrees, counter-clockwise
    noise_stds: tuple = (0.5, 2.0, 8.0)  # gray levels
    num: int = 100  # points of each rule's lambda grid
    oracle_step: int = 2  # the oracle's error is evaluated at every oracle_step-th grid point, then refined
    crop_image: str = "camera"  # part 2's photograph, at full resolution
    crop_corner: tuple = (64, 176)  # top-left pixel of part 2's scene in the photograph (the face and camera)
    crop_noise_std: float = 2.0  # gray levels
    crop_rule: str = "gcv"  # the rule of part 2
    crop_maxiter: int = 150  # most Golub-Kahan steps of part 2's choices off the spectral paths
    seed: int = 0


FULL = Setup(size=256, gaussian_sigma=2.0, motion_length=15.0, crop_size=128)
QUICK = Setup(size=64, gaussian_sigma=1.0, motion_length=7.0, crop_size=48, noise_stds=(2.0, 8.0), crop_maxiter=60,
              crop_corner=(96, 208))


def _blurs(setup: Setup) -> dict:
    return {f"Gaussian \u03c3 = {setup.gaussian_sigma:g} px": gaussian_psf(setup.gaussian_sigma),
            f"motion {setup.motion_length:g} px at {setup.motion_angle:g}\u00b0":
                motion_psf(setup.motion_length, setup.motion_angle)}


# ---------------------------------------------------------------- part 1: the rules on exact curves

def _norms(noisy, kernel, value) -> tuple[np.ndarray, float, float]:
    """The Tikhonov restoration at `value` and its residual and solution norms (circular model)."""
    estimate = wiener_filter(noisy, kernel, value)
    residual = ndi.convolve(estimate, kernel, mode=BOUNDARIES["circular"].ndimage) - noisy
    return estimate, float(np.linalg.norm(residual)), float(np.linalg.norm(estimate))


def _minimisers(noisy, kernel, grid, step, risks: dict) -> dict:
    """For each risk (a function of the restoration :math:`x_\\lambda`): its values on every `step`-th point
    of `grid` and the :math:`\\lambda` that minimises it, the best of those points refined by a bounded
    search in :math:`\\log\\lambda` between its two neighbours."""
    coarse = grid[::step]
    curves = np.array([[risk(estimate) for risk in risks.values()]
                       for estimate in (wiener_filter(noisy, kernel, lam) for lam in coarse)]).T
    logs, found = np.log(coarse), {}
    for (name, risk), curve in zip(risks.items(), curves):
        i = int(np.argmin(curve))
        best = minimize_scalar(lambda t: risk(wiener_filter(noisy, kernel, math.exp(t))), method="bounded",
                               bounds=(logs[max(i - 1, 0)], logs[min(i + 1, coarse.size - 1)]),
                               options={"xatol": 1e-3})
        found[name] = {"value": math.exp(best.x) if best.fun <= curve[i] else float(coarse[i]), "grid": coarse,
                       "curve": curve}
    return found


def _case(original, kernel, noise_std, rng, setup: Setup) -> tuple[dict, np.ndarray]:
    """One blur and noise level: every rule's choice and curve, the oracle, their errors."""
    blurred = ndi.convolve(original, kernel, mode=BOUNDARIES["circular"].ndimage)
    noisy = blurred + rng.normal(0.0, noise_std, original.shape)
    choices = {}
    for rule in REG_RULES:
        choice = choose_reg_quietly(noisy, kernel, boundary="circular", rule=rule, noise_std=noise_std, num=setup.num)
        estimate, residual_norm, solution_norm = _norms(noisy, kernel, choice.value)
        choices[rule] = {"value": choice.value, "interior": choice.interior, "method": choice.method, "noise_std": choice.noise_std,
                         "tau": choice.tau, "grid": choice.grid, "function": choice.function,
                         "residual_norms": choice.residual_norms, "solution_norms": choice.solution_norms,
                         "residual_norm": residual_norm, "solution_norm": solution_norm,
                         "mse": mse(estimate, original), "psnr": psnr(estimate, original)}
    transfer = psf2otf(kernel, original.shape, real=True)
    found = _minimisers(noisy, kernel, choices["gcv"]["grid"], setup.oracle_step, {
        "error": lambda x: mse(x, original),
        "predictive": lambda x: mse(np.fft.irfft2(transfer * np.fft.rfft2(x), s=x.shape), blurred)})
    oracle, predictive = found["error"], found["predictive"]
    estimate, residual_norm, solution_norm = _norms(noisy, kernel, oracle["value"])
    oracle = {"value": oracle["value"], "grid": oracle["grid"], "mse_curve": oracle["curve"],
              "residual_norm": residual_norm, "solution_norm": solution_norm, "mse": mse(estimate, original),
              "psnr": psnr(estimate, original)}
    predictive["psnr"] = psnr(wiener_filter(noisy, kernel, predictive["value"]), original)
    return {"noise_std": noise_std, "estimated_noise_std": estimate_noise(noisy), "choices": choices,
            "oracle": oracle, "predictive": predictive, "psnr_observed": psnr(noisy, original)}, noisy


def _rules_part(setup: Setup, progress: bool) -> tuple[list, dict]:
    original = camera(setup.size)
    cases, observed = [], {}
    tasks = [(b, k, s) for b, k in _blurs(setup).items() for s in setup.noise_stds]
    for index, (blur, kernel, noise_std) in enumerate(tqdm(tasks, desc="rules", disable=not progress,
                                                           leave=False)):
        rng = np.random.default_rng([setup.seed, index])
        case, noisy = _case(original, kernel, noise_std, rng, setup)
        cases.append({"blur": blur, "kernel_shape": kernel.shape, **case})
        observed[f"{blur}, noise {noise_std:g}"] = noisy
    return cases, {"original": original, "observed": observed}


# ---------------------------------------------------------------- part 2: the crop, every model

def _model_label(boundary: str, output: str) -> str:
    return "unknown boundary (valid)" if output == "valid" else boundary


def _band_errors(estimate, truth, border) -> dict:
    """PSNR and RMSE on the border band and on the interior."""
    return {f"{part}_{name}": value for part, where in (("border", border), ("interior", ~border))
            for name, value in (("psnr", psnr(estimate[where], truth[where])),
                                ("rmse", math.sqrt(mse(estimate[where], truth[where]))))}


def _crop_choice(observed, kernel, boundary, output, setup: Setup) -> tuple:
    """The crop's rule for one model, or, where it does not settle in ``crop_maxiter`` Golub-Kahan steps
    (:func:`solvers.choose_reg` refuses it), :data:`FALLBACK_RULE` (with choose_reg's own step limit) and
    the refusal."""
    options = {"boundary": boundary, "output": output}
    try:
        return choose_reg_quietly(observed, kernel, rule=setup.crop_rule, maxiter=setup.crop_maxiter, **options), None
    except ValueError as exc:   # an unsettled choice is refused, not returned
        if setup.crop_rule == FALLBACK_RULE or "did not settle" not in str(exc):
            raise
        return choose_reg_quietly(observed, kernel, rule=FALLBACK_RULE, **options), str(exc)


def _crop_part(setup: Setup, progress: bool) -> dict:
    kernel = gaussian_psf(setup.gaussian_sigma)
    problem = crop_problem(kernel, (setup.crop_size, setup.crop_size), image=setup.crop_image,
                           corner=setup.crop_corner, noise_std=setup.crop_noise_std, seed=setup.seed)
    band = max(kernel.shape) // 2
    border = distance_to_edge(problem.truth.shape) < band
    rows, restored = [], {}
    for boundary, output in tqdm(CROP_MODELS, desc="crop models", disable=not progress, leave=False):
        choice, refused = _crop_choice(problem.observed, kernel, boundary, output, setup)
        result = restore(problem.observed, kernel, boundary=boundary, output=output, reg=choice.value)
        estimate = result.solution[problem.crop] if output == "valid" else result.solution
        label = _model_label(boundary, output)
        restored[label] = estimate
        rows.append({"model": label, "boundary": boundary, "output": output, "rule": choice.rule,
                     "reg": choice.value, "interior": choice.interior, "choice_method": choice.method,
                     "choice_steps": choice.iterations,
                     "refused": refused, "method": result.info["method"], "iterations": result.iterations,
                     "converged": result.converged, **_band_errors(estimate, problem.truth, border)})
    return {"rows": rows, "band": band, "kernel_shape": kernel.shape, "noise_std": setup.crop_noise_std,
            "estimated_noise_std": estimate_noise(problem.observed), "image": setup.crop_image,
            "rule": setup.crop_rule, "fallback_rule": FALLBACK_RULE, "maxiter": setup.crop_maxiter,
            "window": [(s.start, s.stop) for s in problem.window],
            "border_winner": rows[int(np.argmax([r["border_psnr"] for r in rows]))]["model"],
            "interior_winner": rows[int(np.argmax([r["interior_psnr"] for r in rows]))]["model"],
            "images": {"truth": problem.truth, "observed": problem.observed, "restored": restored},
            "observed_errors": _band_errors(problem.observed, problem.truth, border)}


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Run the study; returns the rules' curves and choices, the oracle, and the crop's restorations.

    Parameters
    ----------
    quick : bool, optional
        Small sizes (:data:`QUICK` instead of :data:`FULL`).
    progress : bool, optional
        Progress bars.
    **setup
        Override the fields of :class:`Setup`:

        size : int
            Part 1's image (``camera``, resized) is size x size (default 256; quick 64).
        gaussian_sigma : float
            Standard deviation of the Gaussian blur, pixels (default 2; quick 1); also part 2's blur.
        motion_length, motion_angle : float
            The motion blur: length in pixels (default 15; quick 7) and direction in degrees (30).
        noise_stds : tuple of float
            Part 1's noise levels, gray levels (default (0.5, 2, 8); quick (2, 8)).
        num : int
            Points of each rule's lambda grid (default 100).
        oracle_step : int
            The oracle's error is evaluated on every oracle_step-th grid point and then refined (default 2).
        crop_size : int
            Part 2's observation is crop_size x crop_size (default 128; quick 48).
        crop_image : str
            Part 2's photograph (default ``'camera'``, 512x512).
        crop_corner : (int, int) or None
            Top-left pixel of part 2's scene in the photograph (default (64, 176): the face and the camera;
            quick (96, 208)); None centres it.
        crop_noise_std : float
            Part 2's noise, gray levels (default 2).
        crop_rule : {'gcv', 'upre', 'discrepancy', 'lcurve'}
            The rule that chooses part 2's lambda for every model (default ``'gcv'``); where it does not
            settle, :data:`FALLBACK_RULE` (the row says so), with choose_reg's own step limit.
        crop_maxiter : int
            Most Golub-Kahan steps of part 2's choices off the spectral paths (default 150; quick 60).
        seed : int
            Seed of the noise (default 0).

    Returns
    -------
    dict
        ``setup``; ``cases`` (one per blur and noise level: ``blur``, ``noise_std``,
        ``estimated_noise_std``, ``choices`` (per rule: ``value``, the curve ``grid``, ``function``,
        ``residual_norms``, ``solution_norms``, and at the value ``residual_norm``, ``solution_norm``,
        ``mse``, ``psnr``), ``oracle`` (``value``, its coarse ``grid`` and ``mse_curve``, ``mse``,
        ``psnr``)); ``crop`` (``rows``: per model the rule, ``reg``, ``border_psnr``/``_rmse``,
        ``interior_psnr``/``_rmse``; ``band``; ``border_winner``, ``interior_winner``; ``images``);
        ``images``; ``tables``.

    Raises
    ------
    TypeError
        Naming an unknown setup keyword.
    """
    setup = Setup(**study_setup(asdict(QUICK if quick else FULL), setup, study=NAME))
    cases, images = _rules_part(setup, progress)
    crop = _crop_part(setup, progress)
    psnr_rows = [{"blur": c["blur"], "noise_std": c["noise_std"], "rule": rule, "value": ch["value"],
                  "psnr": ch["psnr"], "oracle_value": c["oracle"]["value"], "oracle_psnr": c["oracle"]["psnr"],
                  "psnr_gap": ch["psnr"] - c["oracle"]["psnr"]}
                 for c in cases for rule, ch in c["choices"].items()]
    return {
        "setup": {**asdict(setup), "rules": list(REG_RULES), "boundary": "circular",
                  "kernels": {b: list(k.shape) for b, k in _blurs(setup).items()}},
        "cases": cases,
        "crop": crop,
        "images": images,
        "tables": {"psnr": psnr_rows,
                   "crop": [{k: v for k, v in r.items()} for r in crop["rows"]]},
    }


# ---------------------------------------------------------------- figures

_MARKS = {rule: f"C{i}" for i, rule in enumerate(REG_RULES)}


def _mark(ax, choice_value, oracle_value, color):
    ax.axvline(choice_value, color=color, lw=1.2, label="chosen")
    ax.axvline(oracle_value, color="k", lw=0.9, ls="--", label="oracle")


def _draw_curves(data: dict, blur: str):
    cases = [c for c in data["cases"] if c["blur"] == blur]
    fig, axes = figure(len(cases), 5, width=3.2, height=2.7)
    axes = np.asarray(axes).reshape(len(cases), 5)
    for row, case in zip(axes, cases):
        ch, oracle = case["choices"], case["oracle"]
        tag = f"\u03c3 = {case['noise_std']:g}"
        gcv, upre, disc = ch["gcv"], ch["upre"], ch["discrepancy"]
        row[0].loglog(gcv["grid"], gcv["function"], color=_MARKS["gcv"], lw=1)
        _mark(row[0], gcv["value"], oracle["value"], _MARKS["gcv"])
        row[0].set_ylabel(f"{tag}\n" + log_axis_label("G(\u03bb)"))
        row[1].semilogx(upre["grid"], upre["function"], color=_MARKS["upre"], lw=1)
        row[1].semilogx(case["predictive"]["grid"], case["predictive"]["curve"], color="k", lw=0.8, ls=":",
                        label="\u2016A(x\u03bb \u2212 x)\u2016\u00b2/n (truth)")
        _mark(row[1], upre["value"], oracle["value"], _MARKS["upre"])
        row[1].set_ylabel("U(\u03bb) [gray levels\u00b2]")
        top = 4 * max(upre["function"].min(), 0) + 4 * case["noise_std"] ** 2
        row[1].set_ylim(upre["function"].min() - 0.1 * top, upre["function"].min() + top)
        row[2].loglog(disc["grid"], disc["residual_norms"], color=_MARKS["discrepancy"], lw=1)
        row[2].axhline(disc["tau"] * disc["noise_std"] * math.sqrt(data["setup"]["size"] ** 2), color="0.5",
                       lw=0.8, ls=":", label="\u03c4\u03c3\u221an")
        _mark(row[2], disc["value"], oracle["value"], _MARKS["discrepancy"])
        row[2].set_ylabel(log_axis_label("\u2016Ax \u2212 b\u2016"))
        lc = ch["lcurve"]
        row[3].loglog(lc["residual_norms"], lc["solution_norms"], color="0.3", lw=1)
        for rule in REG_RULES:
            row[3].plot(ch[rule]["residual_norm"], ch[rule]["solution_norm"], "o", ms=5, color=_MARKS[rule],
                        label=RULE_LABELS[rule])
        row[3].plot(oracle["residual_norm"], oracle["solution_norm"], "k*", ms=8, label="oracle")
        row[3].set_ylabel(log_axis_label("\u2016x\u2016"))
        curve = 10 * np.log10(PEAK**2 / oracle["mse_curve"])
        row[4].semilogx(oracle["grid"], curve, color="k", lw=1)
        shown = oracle["grid"][curve >= oracle["psnr"] - 12]
        values = [ch[rule]["value"] for rule in REG_RULES] + [oracle["value"]]
        row[4].set_xlim(min(shown.min(), *values) / 3, max(shown.max(), *values) * 3)
        for rule in REG_RULES:
            row[4].plot(ch[rule]["value"], ch[rule]["psnr"], "o", ms=5, color=_MARKS[rule], label=RULE_LABELS[rule])
        row[4].plot(oracle["value"], oracle["psnr"], "k*", ms=8, label="oracle")
        row[4].set_ylim(oracle["psnr"] - 12, oracle["psnr"] + 1.5)
        row[4].set_ylabel("PSNR [dB]")
        for ax in row[[0, 1, 2, 4]]:
            ax.set_xlabel(log_axis_label("\u03bb"))
        row[3].set_xlabel(log_axis_label("\u2016Ax \u2212 b\u2016"))
    for ax, title in zip(axes[0], ("GCV", "UPRE (true \u03c3)", "discrepancy (true \u03c3, \u03c4 = 1.01)",
                                   "L-curve, every rule's point", "PSNR of x\u03bb against the original")):
        ax.set_title(title, fontsize=9)
    axes[0, 0].legend(fontsize=7)
    axes[0, 1].legend(fontsize=7)
    axes[0, 2].legend(fontsize=7)
    axes[0, 3].legend(fontsize=7)
    for ax in axes.ravel():
        wide_log_ticks(ax)
    fig.suptitle(f"{blur} (circular model, exact curves by the DFT): each rule's function, its choice "
                 "(solid) and the oracle (dashed)")
    return fig


def _draw_psnr(data: dict):
    cases = data["cases"]
    fig, ax = figure(1, 1, width=8.0, height=3.8)
    x = np.arange(len(cases))
    width = 0.8 / (len(REG_RULES) + 1)
    for i, rule in enumerate(REG_RULES):
        ax.bar(x + i * width, [c["choices"][rule]["psnr"] for c in cases], width, color=_MARKS[rule],
               label=RULE_LABELS[rule])
    ax.bar(x + len(REG_RULES) * width, [c["oracle"]["psnr"] for c in cases], width, color="k", label="oracle")
    ax.set_xticks(x + 0.4 - width / 2, [f"{c['blur'].split(' ')[0]}\n\u03c3 = {c['noise_std']:g}" for c in cases])
    low = min(min(c["choices"][r]["psnr"] for r in REG_RULES) for c in cases)
    ax.set_ylim(max(low - 2, 0), max(c["oracle"]["psnr"] for c in cases) + 2)
    ax.set_ylabel("PSNR of the restoration [dB]")
    ax.set_title("Tikhonov restoration with \u03bb chosen from the data, against the oracle's \u03bb")
    ax.legend(fontsize=8, ncols=5, loc="upper right")
    return fig


def _draw_crop(data: dict):
    crop = data["crop"]
    images = crop["images"]
    panels = [(images["truth"], "truth (the crop)"),
              (images["observed"], f"observed: valid part + noise \u03c3 = {crop['noise_std']:g}")]
    for row in crop["rows"]:
        marks = [" (best border)" if row["model"] == crop["border_winner"] else ""]
        panels.append((images["restored"][row["model"]],
                       f"{row['model']}{marks[0]}, {RULE_LABELS[row['rule']]} \u03bb = {row['reg']:.2g}\n"
                       f"border {row['border_psnr']:.1f} dB, interior {row['interior_psnr']:.1f} dB"))
    ncols = (len(panels) + 1) // 2
    fig, axes = figure(2, ncols, width=3.2, height=3.5)
    for ax, (image, title) in zip(axes.ravel(), panels):
        show_image(ax, image, title, vmin=0, vmax=PEAK)
    for ax in axes.ravel()[len(panels):]:
        ax.set_axis_off()
    fig.suptitle(f"A {images['truth'].shape[0]}\u00b2 crop of a larger blurred scene, restored under each model "
                 f"(border band: {crop['band']} px = kernel radius; display 0\u2013255)")
    return fig


def _draw_crop_errors(data: dict):
    rows = data["crop"]["rows"]
    fig, ax = figure(1, 1, width=7.0, height=3.8)
    x = np.arange(len(rows))
    for offset, part, label in ((-0.2, "border", f"border band ({data['crop']['band']} px)"),
                                (0.2, "interior", "interior")):
        values = [r[f"{part}_psnr"] for r in rows]
        ax.bar(x + offset, values, 0.4, label=label)
        for xi, value in zip(x + offset, values):   # the value, also for a bar below the axis
            ax.text(xi, max(value, 0.0) + 0.5, f"{value:.1f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [r["model"].replace(" (", "\n(") for r in rows], fontsize=8)
    ax.set_ylabel("PSNR against the truth [dB]")
    ax.set_ylim(0, max(max(r["border_psnr"], r["interior_psnr"]) for r in rows) + 4)
    fallback = [r["model"] for r in rows if r["refused"]]
    ax.set_title(f"Border and interior error per model (\u03bb by {RULE_LABELS[data['crop']['rule']]}"
                 + (f"; {RULE_LABELS[data['crop']['fallback_rule']]} for {', '.join(fallback)})" if fallback else ")"))
    ax.legend(fontsize=8, loc="lower right")
    return fig


def draw(data: dict) -> dict:
    """The study's figures, by file stem."""
    blurs = list(dict.fromkeys(c["blur"] for c in data["cases"]))
    figures = {f"curves_{blur.split(' ')[0].lower()}": _draw_curves(data, blur) for blur in blurs}
    figures.update(psnr=_draw_psnr(data), crop_restorations=_draw_crop(data), crop_errors=_draw_crop_errors(data))
    return figures


# ---------------------------------------------------------------- summary

def _rules_table(data: dict) -> list:
    head = "| blur | \u03c3 | " + " | ".join(RULE_LABELS[r] for r in REG_RULES) + " | oracle |"
    lines = [head, "|---" * (len(REG_RULES) + 3) + "|"]
    for c in data["cases"]:
        cells = [f"{c['choices'][r]['psnr']:.2f} ({c['choices'][r]['psnr'] - c['oracle']['psnr']:+.2f})"
                 + ("" if c["choices"][r]["interior"] else ", grid's end") for r in REG_RULES]
        lines.append(f"| {c['blur']} | {c['noise_std']:g} | " + " | ".join(cells)
                     + f" | {c['oracle']['psnr']:.2f} (\u03bb = {c['oracle']['value']:.2g}) |")
    return lines


def _choice_label(row: dict) -> str:
    label = f"{row['choice_method']}, {row['choice_steps']} steps" if row["choice_method"] == "hybrid" else \
        f"exact ({row['choice_method']})"
    return label if row["interior"] else label + ", at the grid's end"


def _crop_table(crop: dict) -> list:
    lines = ["| model | rule | \u03bb | choice | border PSNR [dB] | border RMSE | interior PSNR [dB] | interior RMSE |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {RULE_LABELS[r['rule']]} | {r['reg']:.3g} | {_choice_label(r)} | {r['border_psnr']:.2f} | "
              f"{r['border_rmse']:.2f} | {r['interior_psnr']:.2f} | {r['interior_rmse']:.2f} |" for r in crop["rows"]]
    return lines


#: Interior PSNRs closer than this to the best are reported as ties.
_TIED_DB = 0.1


def summarize(data: dict) -> str:
    """Markdown: the answer with the measured numbers."""
    setup, cases, crop = data["setup"], data["cases"], data["crop"]
    gaps = {r: np.array([c["choices"][r]["psnr"] - c["oracle"]["psnr"] for c in cases]) for r in REG_RULES}
    closest = max(REG_RULES, key=lambda r: np.median(gaps[r]))
    ratios = {r: np.array([c["choices"][r]["value"] / c["oracle"]["value"] for c in cases]) for r in REG_RULES}
    predicted = np.array([c["predictive"]["value"] / c["oracle"]["value"] for c in cases])
    upre_to_predictive, gcv_to_predictive = (np.array([c["choices"][r]["value"] / c["predictive"]["value"]
                                                       for c in cases]) for r in ("upre", "gcv"))
    rows = sorted(crop["rows"], key=lambda r: -r["border_psnr"])
    best, second = rows[0], rows[1]
    inner = max(crop["rows"], key=lambda r: r["interior_psnr"])
    tied = [r for r in crop["rows"] if r is not inner and r["interior_psnr"] >= inner["interior_psnr"] - _TIED_DB]
    observed = crop["observed_errors"]
    failed = [r for r in crop["rows"] if r["interior_psnr"] < observed["interior_psnr"]]
    worst = rows[-1]
    rule = RULE_LABELS[crop["rule"]]
    refused = [r for r in crop["rows"] if r["refused"]]
    return "\n".join([
        f"Part 1: a {setup['size']}\u00d7{setup['size']} photograph blurred circularly ({', '.join(setup['kernels'])}),"
        f" noise of standard deviation {', '.join(f'{s:g}' for s in setup['noise_stds'])} gray levels; every rule's "
        f"curve is exact (DFT); UPRE and discrepancy get the true \u03c3. PSNR [dB] of the Tikhonov restoration at "
        f"the chosen \u03bb (difference to the oracle's):",
        "",
        *_rules_table(data),
        "",
        "- Median difference to the oracle: " + ", ".join(
            f"{RULE_LABELS[r]} {np.median(gaps[r]):+.2f} dB (worst {gaps[r].min():+.2f})" for r in REG_RULES)
        + f". Closest to the oracle in the median: {RULE_LABELS[closest]}.",
        f"- GCV and UPRE aim at the predictive risk \u2016A(x\u03bb \u2212 x)\u2016\u00b2/n, not at the error "
        f"\u2016x\u03bb \u2212 x\u2016\u00b2/n: the \u03bb minimising the predictive risk (with the truth) is "
        f"{np.median(predicted):.2g} of the oracle's in the median ({predicted.min():.2g}\u2013{predicted.max():.2g}),"
        f" and UPRE's choice is {np.median(upre_to_predictive):.2g} of it "
        f"({upre_to_predictive.min():.2g}\u2013{upre_to_predictive.max():.2g}), GCV's "
        f"{np.median(gcv_to_predictive):.2g} ({gcv_to_predictive.min():.2g}\u2013{gcv_to_predictive.max():.2g}).",
        "- Chosen \u03bb over the oracle's (median, range): " + ", ".join(
            f"{RULE_LABELS[r]} {np.median(ratios[r]):.2g} ({ratios[r].min():.2g}\u2013{ratios[r].max():.2g})"
            for r in REG_RULES) + ".",
        "- estimate_noise on the noisy data: " + ", ".join(
            f"{c['estimated_noise_std']:.3g} for \u03c3 = {c['noise_std']:g}" for c in cases[:len(setup['noise_stds'])])
        + f" ({cases[0]['blur']}).",
        "",
        f"Part 2, without the inverse crime: the valid part of a blurred {crop['window'][0][1] - crop['window'][0][0]}"
        f"\u00b2 window of `{crop['image']}` ({crop['kernel_shape'][0]}\u00d7{crop['kernel_shape'][1]} Gaussian), noise "
        f"\u03c3 = {crop['noise_std']:g} (estimate_noise: {crop['estimated_noise_std']:.3g}); \u03bb chosen by "
        f"{rule} for every model (`choose_reg(..., rule='{crop['rule']}')`, at most {crop['maxiter']} Golub-Kahan "
        f"steps off the spectral paths)"
        + (f", except where it did not settle: {', '.join(r['model'] for r in refused)} "
           f"({RULE_LABELS[crop['fallback_rule']]} there, \u03c3 from estimate_noise)" if refused else "")
        + "; border band = within "
        f"{crop['band']} px (the kernel's radius) of an edge. The observation itself: border "
        f"{crop['observed_errors']['border_psnr']:.2f} dB, interior {crop['observed_errors']['interior_psnr']:.2f} dB.",
        "",
        *_crop_table(crop),
        "",
        *[f"- {r['model']}: {r['refused']}" for r in refused],
        f"- At the border the {best['model']} model wins: {best['border_psnr']:.2f} dB, "
        f"{best['border_psnr'] - second['border_psnr']:.2f} dB ahead of {second['model']} and "
        f"{best['border_psnr'] - worst['border_psnr']:.2f} dB ahead of the worst, {worst['model']}.",
        f"- In the interior the best is {inner['model']} ({inner['interior_psnr']:.2f} dB); "
        + (f"{', '.join(r['model'] for r in tied)} {'is' if len(tied) == 1 else 'are'} within {_TIED_DB:g} dB of it."
           if tied else f"no other model is within {_TIED_DB:g} dB of it."),
        *([f"- Worse than the observation itself ({observed['interior_psnr']:.2f} dB) in the interior: "
           + ", ".join(f"{r['model']} ({r['interior_psnr']:.2f} dB, \u03bb = {r['reg']:.2g})" for r in failed) + "."]
          if failed else []),
    ])
