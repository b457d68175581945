r"""What the boundary model does to a restoration.

A blur mixes pixels near an edge with values beyond it, and what those
values are is a modelling choice: zeros, the image wrapped around
(circular, the model every FFT filter assumes), the edge pixel repeated
(replicate), or a mirror image (symmetric, reflect).  A restoration
inverts one such model.  This study blurs a photograph, which is not
periodic, under each boundary rule in turn (the *true* model,
``scipy.ndimage.convolve`` with the rule's ``ndimage`` mode) and restores
it with :func:`solvers.restore` under each rule (the *assumed* model, the
rule's convolution matrix; the circular model is solved by the FFT and
equals :func:`solvers.wiener_filter` with ``c = reg``).

Every restoration minimises :math:`\|A x - y\|^2 + \lambda \|x\|^2` with
the same small :math:`\lambda`, so that the models differ in nothing but
their boundary rule.  The error is measured as an RMS error in gray
levels over a border band (pixels within ``k`` of an edge, ``k`` = kernel
half-width + 5) and over the interior (the rest), for every pair (true
rule, assumed rule), together with its profile against the distance to
the nearest edge.

The claim tested: with the right model the border error is about as
small as the interior error; a wrong model leaves a residual at the
border that the inverse amplifies into ringing, so its border error is
larger, by orders of magnitude for the zero and circular models on a
non-periodic image, and by a clear factor even between the similar
replicate, symmetric and reflect models.  That last distinction needs
clean data: a second run with noise of variance 1 (the true rule
replicate, :math:`\lambda` chosen for that noise) shows the noise
amplification hiding it while the zero and circular models still ring.

``quick=True`` uses a 48x48 image (sparse direct solves) instead of
128x128 (CGLS; the DFT for circular, the DCT for symmetric).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.ndimage as ndi
from matplotlib.colors import LogNorm
from matplotlib.patches import Rectangle

from convops import BOUNDARIES, psf2otf
from solvers import restore, wiener_filter

from ._images import camera
from ._plot import figure, log_axis_label, show_image
from ._study import study_setup
from ._sweep import run_sweep
from ._metrics import PEAK, mse

__all__ = ["NAME", "QUESTION", "compute", "draw", "summarize"]

NAME = "boundaries"
QUESTION = ("When an image is blurred under one boundary rule and restored assuming another, how much larger is "
            "the error near the edges than with the right rule, and does it stay there?")

RULES = tuple(BOUNDARIES)

#: The true rule shown in the images and used for the noisy run: the
#: realistic one for a photograph (the scene continues like its edge).
SHOWN = "replicate"


@dataclass(frozen=True)
class Setup:
    """Sizes and constants of one run of the study."""

    size: int  # the image is size x size
    kernel_size: int = 7  # Gaussian kernel, kernel_size x kernel_size
    sigma: float = 1.0  # pixels
    reg: float = 1e-6  # Tikhonov weight of the noise-free run, the same for every model
    band_extra: int = 5  # border band = kernel half-width + band_extra pixels
    noise_std: float = 1.0  # gray levels, the noisy run
    noisy_regs: tuple = (1e-3, 1e-2, 1e-1)  # candidates for the noisy run's reg
    seed: int = 0

    @property
    def band(self) -> int:
        return self.kernel_size // 2 + self.band_extra


FULL = Setup(size=128)
QUICK = Setup(size=48)


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """Normalised ``size x size`` Gaussian, centre at ``size // 2``."""
    x = np.arange(size) - size // 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    kernel = np.outer(g, g)
    return kernel / kernel.sum()


def distance_to_edge(shape) -> np.ndarray:
    """Distance in pixels of every pixel to the nearest edge (0 on the edge)."""
    rows, cols = np.indices(shape)
    return np.minimum.reduce([rows, cols, shape[0] - 1 - rows, shape[1] - 1 - cols])


def _rms(error: np.ndarray, where: np.ndarray) -> float:
    return float(np.sqrt(mse(error[where], 0.0)))


def _blur(image, kernel, rule: str) -> np.ndarray:
    """The true model: ``scipy.ndimage.convolve`` with the rule's mode."""
    return ndi.convolve(image, kernel, mode=BOUNDARIES[rule].ndimage)


def _errors(estimate, original, distance, band) -> dict:
    error = estimate - original
    profile = [_rms(error, distance == d) for d in range(int(distance.max()) + 1)]
    return {"border": _rms(error, distance < band), "interior": _rms(error, distance >= band),
            "whole": float(np.sqrt(mse(error, 0.0))),
            "profile": np.array(profile)}


def _inputs(size, kernel_size, sigma, true, noise_std=0.0, seed=0):
    """Original, kernel, edge distances and the blurred (optionally noisy) data."""
    original = camera(size)
    kernel = gaussian_kernel(kernel_size, sigma)
    blurred = _blur(original, kernel, true)
    if noise_std:
        blurred = blurred + np.random.default_rng(seed).normal(0.0, noise_std, original.shape)
    return original, kernel, distance_to_edge(original.shape), blurred


def restore_task(params: dict, rng=None) -> dict:
    """One sweep task: blur under ``params['true']``, restore assuming
    ``params['model']``; the errors (and, if asked, the image).

    The noise, when there is any, comes from ``params['seed']`` so that every
    model sees the same noisy data.
    """
    original, kernel, distance, blurred = _inputs(params["size"], params["kernel_size"], params["sigma"],
                                                  params["true"], params.get("noise_std", 0.0),
                                                  params.get("seed", 0))
    result = restore(blurred, kernel, boundary=params["model"], reg=params["reg"])
    record = {"method": result.info["method"], "iterations": result.iterations, "converged": result.converged,
              **_errors(result.solution, original, distance, params["band"])}
    if params["model"] == "circular":
        record["wiener_gap"] = float(np.abs(wiener_filter(blurred, kernel, params["reg"]) - result.solution).max())
    if params.get("keep_image"):
        record["solution"] = result.solution
    return record


def _common(setup: Setup) -> dict:
    return {"size": setup.size, "kernel_size": setup.kernel_size, "sigma": setup.sigma, "band": setup.band}


def _matrix_run(setup: Setup) -> dict:
    """Noise-free: every (true rule, model rule) pair, as one sweep."""
    grid = [{**_common(setup), "true": t, "model": m, "reg": setup.reg, "keep_image": t == SHOWN}
            for t in RULES for m in RULES]
    records = run_sweep(restore_task, grid, seed=setup.seed, desc="boundaries pairs")
    n = len(RULES)
    table = lambda key: np.array([r[key] for r in records]).reshape(n, n)
    shown = [(p["model"], np.array(r["solution"])) for p, r in zip(grid, records) if p["true"] == SHOWN]
    return {"border": table("border"), "interior": table("interior"),
            "profiles": np.array([r["profile"] for r in records]).reshape(n, n, -1),
            "methods": table("method").tolist(), "iterations": table("iterations"),
            "converged": table("converged"),
            "wiener_vs_fft_restore": {p["true"]: r["wiener_gap"] for p, r in zip(grid, records)
                                      if p["model"] == "circular"},
            "shown": {"restored": dict(shown)}}


def _noisy_run(setup: Setup) -> dict:
    """True rule SHOWN plus noise; reg is the candidate that minimises the
    right model's whole-image error (an oracle choice), then used for all."""
    noisy = {**_common(setup), "true": SHOWN, "noise_std": setup.noise_std, "seed": setup.seed}
    tried = run_sweep(restore_task, [{**noisy, "model": SHOWN, "reg": reg} for reg in setup.noisy_regs],
                      seed=setup.seed, desc="boundaries noisy reg")
    candidates = [r["whole"] for r in tried]
    reg = setup.noisy_regs[int(np.argmin(candidates))]
    records = run_sweep(restore_task, [{**noisy, "model": m, "reg": reg} for m in RULES], seed=setup.seed,
                        desc="boundaries noisy models")
    return {"true": SHOWN, "noise_std": setup.noise_std, "seed": setup.seed, "reg": reg,
            "reg_candidates": list(setup.noisy_regs), "reg_candidate_rms": candidates,
            "border": np.array([r["border"] for r in records]),
            "interior": np.array([r["interior"] for r in records])}


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Run the study; returns the error matrices, profiles and images.

    Parameters
    ----------
    quick : bool, optional
        48x48 image instead of 128x128 (the default `size` below).
    progress : bool, optional
        Unused: the sweeps show progress as :func:`experiments._sweep.sweep_settings` says.
    **setup
        Override the fields of :class:`Setup`:

        size : int
            The image (scikit-image's ``camera``, resized) is size x size
            (default 128; quick 48).
        kernel_size : int
            The Gaussian kernel is kernel_size x kernel_size (default 7).
        sigma : float
            Its standard deviation in pixels (default 1).
        reg : float
            Tikhonov weight of the noise-free run, the same for every model
            (default 1e-6).
        band_extra : int
            The border band is ``kernel_size // 2 + band_extra`` pixels wide
            (default 5).
        noise_std : float
            Noise of the noisy run, gray levels (default 1).
        noisy_regs : tuple of float
            Candidates for the noisy run's reg (default (1e-3, 1e-2, 1e-1)).
        seed : int
            Seed of the noise (default 0).

    Returns
    -------
    dict
        ``setup``; ``rules`` (order of rows and columns); ``border`` and
        ``interior``: RMS errors [gray levels], shape (true rule, model
        rule); ``excess``: ``border`` divided by the right model's border
        error in the same row; ``profiles`` (true, model, distance to the
        edge); ``methods``, ``iterations``, ``converged`` of every solve;
        ``wiener_vs_fft_restore`` (largest difference between
        :func:`solvers.wiener_filter` and the circular restoration);
        ``noisy`` (the run with noise); ``images``; ``tables``.

    Raises
    ------
    TypeError
        Naming an unknown setup keyword.
    """
    setup = Setup(**study_setup(asdict(QUICK if quick else FULL), setup, study=NAME))
    original, kernel, _, shown_blurred = _inputs(setup.size, setup.kernel_size, setup.sigma, SHOWN)
    run = _matrix_run(setup)
    noisy = _noisy_run(setup)
    border, interior = run["border"], run["interior"]
    excess = border / np.diag(border)[:, None]
    rows = [{"true": t, "model": m, "method": run["methods"][i][j], "iterations": run["iterations"][i, j],
             "converged": run["converged"][i, j], "border_rms": border[i, j], "interior_rms": interior[i, j],
             "border_excess": excess[i, j]}
            for i, t in enumerate(RULES) for j, m in enumerate(RULES)]
    noisy_rows = [{"true": SHOWN, "model": m, "reg": noisy["reg"], "border_rms": noisy["border"][j],
                   "interior_rms": noisy["interior"][j]} for j, m in enumerate(RULES)]
    return {
        "setup": {**asdict(setup), "band": setup.band, "kernel": f"{setup.kernel_size}x{setup.kernel_size} "
                  f"Gaussian, sigma {setup.sigma:g} px, sum 1",
                  "min_abs_H": float(np.abs(psf2otf(kernel, original.shape)).min())},
        "rules": list(RULES),
        "border": border, "interior": interior, "excess": excess,
        "profiles": run["profiles"], "distance": np.arange(run["profiles"].shape[-1]),
        "methods": run["methods"], "iterations": run["iterations"], "converged": run["converged"],
        "wiener_vs_fft_restore": run["wiener_vs_fft_restore"],
        "noisy": noisy,
        "images": {"original": original, "shown_true": SHOWN, "blurred": shown_blurred, **run["shown"]},
        "tables": {"errors": rows, "noisy_errors": noisy_rows},
    }


# ---------------------------------------------------------------- figures

def _label(rule: str) -> str:
    return "circular (FFT)" if rule == "circular" else rule


def _error_norm(data: dict) -> LogNorm:
    values = np.concatenate([data["border"].ravel(), data["interior"].ravel()])
    return LogNorm(vmin=values.min(), vmax=values.max())


def _heat_map(ax, matrix, title, norm, rules):
    handle = ax.imshow(matrix, cmap="magma_r", norm=norm)
    ax.set_xticks(range(len(rules)), [_label(r) for r in rules], rotation=30, ha="right")
    ax.set_yticks(range(len(rules)), rules)
    ax.set_xlabel("assumed boundary model")
    ax.set_ylabel("true boundary rule")
    ax.set_title(title)
    middle = np.sqrt(norm.vmin * norm.vmax)
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8,
                color="white" if value > middle else "black", fontweight="bold" if i == j else None)
    return handle


def _draw_heat_maps(data: dict):
    setup = data["setup"]
    fig, axes = figure(1, 2, width=4.6, height=4.3)
    norm = _error_norm(data)
    _heat_map(axes[0], data["border"], f"border band (within {setup['band']} px of an edge)", norm, data["rules"])
    handle = _heat_map(axes[1], data["interior"], "interior", norm, data["rules"])
    fig.colorbar(handle, ax=axes, shrink=0.8, label=log_axis_label("RMS error", "gray levels"))
    fig.suptitle(f"Restoration error, {setup['size']}\u00d7{setup['size']} image, {setup['kernel']}, "
                 f"reg = {setup['reg']:g}, no noise")
    return fig


def _draw_profiles(data: dict):
    rules, setup = data["rules"], data["setup"]
    fig, axes = figure(1, len(rules), width=3.1, height=3.4, sharey=True)
    for i, (ax, true) in enumerate(zip(axes, rules)):
        for j, model in enumerate(rules):
            ax.semilogy(data["distance"], data["profiles"][i, j], color=f"C{j}",
                        lw=2.2 if i == j else 0.9, label=_label(model))
        ax.axvspan(0, setup["band"] - 0.5, color="0.9", zorder=0)
        ax.set_title(f"true rule: {true}")
        ax.set_xlabel("distance to the nearest edge [px]")
    axes[0].set_ylabel(log_axis_label("RMS error", "gray levels"))
    axes[-1].legend(title="assumed model", fontsize=7, title_fontsize=7, loc="upper right")
    fig.suptitle("Error against the distance to the edge (thick: the right model; shaded: border band)")
    return fig


def _draw_ringing(data: dict):
    images, setup, rules = data["images"], data["setup"], data["rules"]
    original, true = images["original"], images["shown_true"]
    fig, axes = figure(2, len(rules) + 1, width=2.6, height=2.9)
    show_image(axes[0, 0], original, "original", vmin=0, vmax=PEAK)
    show_image(axes[1, 0], images["blurred"], f"blurred ({true})", vmin=0, vmax=PEAK)
    norm = LogNorm(vmin=1e-2, vmax=1e3)
    i = rules.index(true)
    for j, model in enumerate(rules, start=1):
        estimate = images["restored"][model]
        show_image(axes[0, j], estimate, f"model: {_label(model)}", vmin=0, vmax=PEAK)
        handle = axes[1, j].imshow(np.maximum(np.abs(estimate - original), norm.vmin), cmap="inferno", norm=norm,
                                   interpolation="nearest")
        axes[1, j].set_xticks([])
        axes[1, j].set_yticks([])
        axes[1, j].set_title(f"border {data['border'][i, j - 1]:.3g}, interior {data['interior'][i, j - 1]:.3g}",
                             fontsize=8)
        band = setup["band"] - 0.5
        axes[1, j].add_patch(Rectangle((band, band), setup["size"] - 1 - 2 * band, setup["size"] - 1 - 2 * band,
                                       fill=False, ec="cyan", lw=0.7, ls="--"))
    fig.colorbar(handle, ax=axes[1, :], shrink=0.9, pad=0.01, label=log_axis_label("|error|", "gray levels"))
    fig.suptitle(f"True rule {true}, restored under each model (top: display 0\u2013255; "
                 f"bottom: |error| and RMS errors, dashed: inner edge of the border band)")
    return fig


def draw(data: dict) -> dict:
    """The study's figures, by file stem."""
    return {"error_matrix": _draw_heat_maps(data), "error_vs_distance": _draw_profiles(data),
            "ringing": _draw_ringing(data)}


# ---------------------------------------------------------------- summary

def _row_sentence(data: dict, i: int) -> str:
    rules, border, excess = data["rules"], data["border"], data["excess"]
    others = [j for j in range(len(rules)) if j != i]
    runner = min(others, key=lambda j: border[i, j])
    best = int(np.argmin(border[i]))
    verdict = "the smallest" if best == i else f"not the smallest ({rules[best]} is smaller)"
    return (f"true {rules[i]}: right model border {border[i, i]:.3g} vs interior {data['interior'][i, i]:.3g} "
            f"({verdict}); the best wrong model, {_label(rules[runner])}, {border[i, runner]:.3g} "
            f"(\u00d7{excess[i, runner]:.1f}); the worst, {_label(rules[int(np.argmax(border[i]))])}, "
            f"{border[i].max():.3g} (\u00d7{excess[i].max():.0f}).")


def summarize(data: dict) -> str:
    """Markdown: the answer with the measured numbers."""
    setup, rules, noisy = data["setup"], data["rules"], data["noisy"]
    header = "| true \\ model | " + " | ".join(_label(r) for r in rules) + " |"
    table = [header, "|---" * (len(rules) + 1) + "|"]
    table += [f"| {t} | " + " | ".join(f"{data['border'][i, j]:.3g} / {data['interior'][i, j]:.3g}"
                                       for j in range(len(rules))) + " |" for i, t in enumerate(rules)]
    right = rules.index(noisy["true"])
    noisy_cells = ", ".join(f"{_label(m)} {noisy['border'][j]:.3g}" for j, m in enumerate(rules))
    wins = all(int(np.argmin(data["border"][i])) == i for i in range(len(rules)))
    off = ~np.eye(len(rules), dtype=bool)
    unconverged = int((~data["converged"]).sum())
    return "\n".join([
        f"A {setup['size']}\u00d7{setup['size']} photograph (not periodic), blurred by a {setup['kernel']} "
        f"(min |H| on the circular grid {setup['min_abs_H']:.2g}) under each true rule, restored by "
        f"`solvers.restore` under each assumed rule with the same Tikhonov weight reg = {setup['reg']:g}: small "
        f"enough that the right model's bias stays well below one gray level, large enough for CGLS to "
        f"converge. No noise. RMS errors [gray levels], border band = within {setup['band']} px of an edge.",
        "",
        f"- The right model has the smallest border error for {'every' if wins else 'not every'} true rule; "
        f"wrong models' border errors are {data['excess'][off].min():.1f} to {data['excess'][off].max():.0f} "
        f"times the right one's.",
        *[f"- {_row_sentence(data, i)}" for i in range(len(rules))],
        f"- The circular model is the FFT: `wiener_filter(y, h, c=reg)` gives the same image (largest "
        f"difference {max(data['wiener_vs_fft_restore'].values()):.1g} gray levels). On a non-periodic image it "
        f"rings from every edge (see error_vs_distance): the wrap joins the top edge to the bottom one and the "
        f"left to the right.",
        f"- Solves: {unconverged} of {data['converged'].size} did not meet the CGLS stopping rule.",
        "",
        "Border / interior RMS error (rows: true rule, columns: assumed model):",
        "",
        *table,
        "",
        f"With noise of variance {noisy['noise_std'] ** 2:g} (true rule {noisy['true']}, reg = {noisy['reg']:g}, the "
        f"candidate of {noisy['reg_candidates']} with the smallest error for the right model: an oracle choice), "
        f"the border RMS errors are {noisy_cells}; interior {noisy['interior'][right]:.3g}. The noise the inverse "
        f"amplifies hides the difference between the smooth extensions, while zero and circular still ring.",
    ])
