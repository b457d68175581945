r"""Inverse and pseudo-inverse filtering of a horizontal motion blur.

The model of the text on inverse and pseudo-inverse filtering: a 256x256
image ``f`` (scikit-image's ``camera``, gray levels 0-255) blurred by a
31-point horizontal average, ``h = ones((1, 31)) / 31``, with *circular*
convolution, ``g = h * f`` (``scipy.ndimage.convolve(f, h, mode='wrap')``).
The DFT then diagonalises the blur exactly, ``G = H F``, and

* the inverse filter ``IDFT(G / H)`` recovers ``f`` to roundoff, because
  ``H`` has no zeros here (31 is odd, 256 a power of two);
* the pseudo-inverse filter sets ``1/H`` to zero where ``|H| < tau``; the
  text shows the thresholds that zero 512, 28,682 (about 28,680) and
  59,648 of the 65,536 values of ``H``: ripples, then ghosts, then an
  unintelligible image.

The study finds each threshold with :func:`solvers.threshold_for_count`
and reports the count it really gives.  Not every count is reachable:
``|H|`` depends only on the column frequency ``u`` (the blur is
horizontal), so every value repeats once per row, and values tie across
columns as well (``|H[u]| = 1/31`` exactly at ``u = 8, 16, ..., 248``).
The study finds these ties in the spectrum and reports which requested
counts fall inside a tie group.  Without noise the error of the
pseudo-inverse is, by Parseval, the energy of ``F`` on the zeroed
frequencies: it grows with every frequency zeroed (the sweep).

Then noise of mean 0 and variance 1 is added to ``g``.  The plain inverse
amplifies it by up to ``1 / min|H|``; the pseudo-inverse at its best
threshold and the Wiener filter ``conj(H) / (|H|^2 + c)`` at its best
constant ``c`` are compared.  Both "best" values are oracle choices: the
threshold and ``c`` minimising the mean squared error against the
original, which a real restoration cannot know; they show what each
filter can do at most.  Beside them, the values chosen from the data
alone by :func:`solvers.choose_reg` (GCV, UPRE, the discrepancy principle
and the L-curve, with the noise's known standard deviation where a rule
needs it): ``filter='tsvd'`` chooses the threshold on ``|H|`` (the
pseudo-inverse's ``tau``), ``filter='tikhonov'`` the Wiener constant ``c``.

``quick=True`` runs the same code on a 64x64 image with a 7-point blur
(``|H| = 1/7`` ties at ``u = 8, 16, ..., 56``, the same structure) and
the text's counts moved onto that grid: two columns (128), just past the
start of the ``1/7`` tie group (1,794 and 1,795, like 28,680 and 28,682
are just past 28,672), and 59 of the 64 columns (3,776).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.ndimage as ndi
from tqdm.auto import tqdm

from convops import BOUNDARIES, psf2otf
from solvers import (REG_FILTERS, REG_RULES, inverse_filter, pseudo_inverse_filter, threshold_for_count,
                     wiener_filter)

from ._images import camera
from ._problems import choose_reg_quietly
from ._metrics import PEAK, error_metrics, mse, psnr
from ._plot import RULE_LABELS, figure, log_axis_label, show_image
from ._study import study_setup

__all__ = ["NAME", "QUESTION", "compute", "draw", "summarize"]

NAME = "pseudoinverse"
QUESTION = ("What do the inverse and pseudo-inverse filters recover from a 31-point horizontal blur "
            "(with the text's thresholds, and which counts of zeroed values can a threshold give at all), "
            "and how do the pseudo-inverse and the Wiener filter compare once noise is added?")


#: Values of ``|H|`` closer than this fraction of ``max|H|`` are ties
#: (the default of :func:`solvers.threshold_for_count` in double precision).
TIE_RTOL = 1e-9


@dataclass(frozen=True)
class Setup:
    """Sizes of one run of the study."""

    size: int  # the image is size x size
    length: int  # points of the horizontal blur
    counts: tuple  # requested numbers of zeroed values of H
    seed: int = 0  # of the noise
    noise_std: float = 1.0  # gray levels (variance 1, as in the text)
    c_decades: tuple = (-7.0, 1.0)  # Wiener constants 10**a ... 10**b
    c_points: int = 65


FULL = Setup(size=256, length=31, counts=(512, 28680, 28682, 59648))
QUICK = Setup(size=64, length=7, counts=(128, 1794, 1795, 3776))


# ---------------------------------------------------------------- spectrum

def _spectrum(kernel, shape) -> dict:
    """``|H|``, sorted, with the facts that decide which counts are reachable."""
    magnitude = np.abs(psf2otf(kernel, shape))
    tol = TIE_RTOL * magnitude.max()
    return {
        "sorted": np.sort(magnitude, axis=None),
        "column_magnitude": magnitude[0].copy(),
        # |H| is the same down each column: it depends on the column frequency only.
        "column_spread": float(np.ptp(magnitude, axis=0).max()),
        "columns_only": bool(np.ptp(magnitude, axis=0).max() <= tol),
        "min": float(magnitude.min()),
        "max": float(magnitude.max()),
        "tol": float(tol),
    }


def _tie_group(spectrum: dict, count: int) -> dict:
    """The values of ``|H|`` tied with the ``count``-th smallest (0-based),
    i.e. with the first value a threshold zeroing `count` values must keep."""
    s = spectrum["sorted"]
    if count >= s.size:
        return {"value": None, "start": s.size, "end": s.size, "size": 0, "columns": []}
    value = s[count]
    tied = np.flatnonzero(np.abs(s - value) <= spectrum["tol"])
    columns = np.flatnonzero(np.abs(spectrum["column_magnitude"] - value) <= spectrum["tol"])
    return {"value": float(value), "start": int(tied[0]), "end": int(tied[-1]) + 1, "size": int(tied.size),
            "columns": columns.tolist()}


def _reachable(spectrum: dict, kernel, shape) -> list:
    """Every count ``1 ... size`` that some threshold gives, as the
    :class:`solvers.ThresholdChoice` that gives it: the ranks where the sorted
    ``|H|`` jumps by more than the tie tolerance, each confirmed by
    :func:`solvers.threshold_for_count`."""
    s = spectrum["sorted"]
    candidates = np.append(np.flatnonzero(np.diff(s) > spectrum["tol"]) + 1, s.size)
    choices = [threshold_for_count(kernel, shape, int(z)) for z in candidates]
    return [choice for choice in choices if choice.exact]


# ---------------------------------------------------------------- parts of compute

def _text_counts(blurred, original, kernel, spectrum, counts) -> tuple[list, dict]:
    """The text's counts: threshold, count really zeroed, tie group, error."""
    rows, restored = [], {}
    for requested in counts:
        choice = threshold_for_count(kernel, original.shape, requested)
        estimate, zeroed = pseudo_inverse_filter(blurred, kernel, choice.threshold)
        group = _tie_group(spectrum, requested)
        rows.append({"requested": requested, "threshold": choice.threshold, "zeroed": zeroed,
                     "reported_zeroed": choice.zeroed, "exact": choice.exact,
                     "tie_value": group["value"], "tie_start": group["start"], "tie_end": group["end"],
                     "tie_size": group["size"], "tie_columns": group["columns"],
                     **error_metrics(estimate, original)})
        restored[requested] = estimate
    return rows, restored


def _zeroed_sweep(blurred, original, kernel, reachable, *, desc, progress) -> dict:
    """Pseudo-inverse error at every reachable count."""
    thresholds, zeroed, errors = [], [], []
    for choice in tqdm(reachable, desc=desc, disable=not progress, leave=False):
        estimate, z = pseudo_inverse_filter(blurred, kernel, choice.threshold)
        thresholds.append(choice.threshold)
        zeroed.append(z)
        errors.append(mse(estimate, original))
    return {"threshold": np.array(thresholds), "zeroed": np.array(zeroed), "mse": np.array(errors)}


def _wiener_sweep(noisy, original, kernel, cs, *, progress) -> np.ndarray:
    return np.array([mse(wiener_filter(noisy, kernel, c), original)
                     for c in tqdm(cs, desc="Wiener c", disable=not progress, leave=False)])


def _chosen(noisy, original, kernel, setup: Setup) -> list:
    """The threshold (``'tsvd'``) and the Wiener constant (``'tikhonov'``) each rule chooses from the data."""
    rows = []
    for filt in REG_FILTERS:
        for rule in REG_RULES:
            choice = choose_reg_quietly(noisy, kernel, boundary="circular", rule=rule, filter=filt,
                                        noise_std=setup.noise_std)
            if filt == "tsvd":
                estimate, zeroed = pseudo_inverse_filter(noisy, kernel, choice.value)
            else:
                estimate, zeroed = wiener_filter(noisy, kernel, choice.value), None
            rows.append({"rule": rule, "filter": filt, "value": choice.value, "interior": choice.interior,
                         "zeroed": zeroed,
                         "mse": mse(estimate, original), "psnr": psnr(estimate, original)})
    return rows


def _noisy_part(blurred, original, kernel, reachable, setup: Setup, progress) -> tuple[dict, dict]:
    """Noise of variance 1: inverse, best pseudo-inverse, best Wiener."""
    rng = np.random.default_rng(setup.seed)
    noisy = blurred + rng.normal(0.0, setup.noise_std, blurred.shape)
    try:
        inverse = inverse_filter(noisy, kernel)
        inverse_error = None
    except ValueError as exc:  # H has zeros: the inverse filter does not exist
        inverse, inverse_error = None, str(exc)
    sweep = _zeroed_sweep(noisy, original, kernel, reachable, desc="thresholds (noisy)", progress=progress)
    best = int(np.argmin(sweep["mse"]))
    pseudo, _ = pseudo_inverse_filter(noisy, kernel, sweep["threshold"][best])
    cs = np.logspace(*setup.c_decades, setup.c_points)
    wiener_mse = _wiener_sweep(noisy, original, kernel, cs, progress=progress)
    best_c = float(cs[np.argmin(wiener_mse)])
    wiener = wiener_filter(noisy, kernel, best_c)
    result = {
        "noise_std": setup.noise_std, "seed": setup.seed,
        "noise_mse": mse(noisy, blurred),
        "mse_noisy": mse(noisy, original), "psnr_noisy": psnr(noisy, original),
        "inverse_exists": inverse is not None, "inverse_error": inverse_error,
        "mse_inverse": None if inverse is None else mse(inverse, original),
        "psnr_inverse": None if inverse is None else psnr(inverse, original),
        "best_threshold": float(sweep["threshold"][best]), "best_zeroed": int(sweep["zeroed"][best]),
        "mse_pseudo": mse(pseudo, original), "psnr_pseudo": psnr(pseudo, original),
        "best_c": best_c, "mse_wiener": mse(wiener, original), "psnr_wiener": psnr(wiener, original),
        "threshold_sweep": sweep, "c_sweep": {"c": cs, "mse": wiener_mse},
        "chosen": _chosen(noisy, original, kernel, setup),
    }
    images = {"noisy": noisy, "noisy_inverse": inverse, "noisy_pseudo": pseudo, "noisy_wiener": wiener}
    return result, images


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Run the study; returns its numbers, sweeps and images (no plotting).

    Parameters
    ----------
    quick : bool, optional
        64x64 image and a 7-point blur instead of 256x256 and 31 points
        (the defaults of the setup below: :data:`QUICK` instead of :data:`FULL`).
    progress : bool, optional
        Progress bars on the sweeps.
    **setup
        Override the fields of :class:`Setup`:

        size : int
            The image (scikit-image's ``camera``, resized) is size x size
            (default 256; quick 64).
        length : int
            Points of the horizontal average ``ones((1, length)) / length``
            (default 31; quick 7).
        counts : tuple of int
            Requested numbers of zeroed values of H (default the text's
            512, 28,680, 28,682 and 59,648; quick 128, 1,794, 1,795, 3,776).
        seed : int
            Seed of the noise (default 0).
        noise_std : float
            Standard deviation of the noise in gray levels (default 1).
        c_decades : tuple of float
            Wiener constants from ``10**c_decades[0]`` to
            ``10**c_decades[1]`` (default (-7, 1)) ...
        c_points : int
            ... on this many points (default 65).

    Returns
    -------
    dict
        ``setup``; ``spectrum`` (``column_spread``, ``columns_only``,
        ``min``, ``max``, ``sorted``); ``counts`` (one row per requested
        count: ``requested``, ``threshold``, ``zeroed`` (from
        :func:`solvers.pseudo_inverse_filter`), ``reported_zeroed`` (from
        :func:`solvers.threshold_for_count`), ``exact``, the tie group of
        the requested rank and ``mse``/``psnr``); ``blurred`` and
        ``inverse`` errors; ``sweep`` (``zeroed``, ``threshold``, ``mse`` at
        every reachable count); ``noisy`` (``best_threshold``,
        ``best_zeroed``, ``mse_pseudo``, ``best_c``, ``mse_wiener``, the
        inverse filter's error, both sweeps and ``chosen``: one row per rule of
        :data:`solvers.REG_RULES` and filter (``'tsvd'``: the threshold, with
        ``zeroed``; ``'tikhonov'``: the Wiener constant), with ``value``,
        ``mse`` and ``psnr``); ``images``; ``tables``.

    Raises
    ------
    TypeError
        Naming an unknown setup keyword.
    """
    setup = Setup(**study_setup(asdict(QUICK if quick else FULL), setup, study=NAME))
    original = camera(setup.size)
    kernel = np.ones((1, setup.length)) / setup.length
    shape = original.shape
    blurred = ndi.convolve(original, kernel, mode=BOUNDARIES["circular"].ndimage)
    spectrum = _spectrum(kernel, shape)
    reachable = _reachable(spectrum, kernel, shape)
    rows, restored = _text_counts(blurred, original, kernel, spectrum, setup.counts)
    inverse = inverse_filter(blurred, kernel)
    sweep = _zeroed_sweep(blurred, original, kernel, reachable, desc="thresholds", progress=progress)
    noisy, noisy_images = _noisy_part(blurred, original, kernel, reachable, setup, progress)
    noisy_row = {k: v for k, v in noisy.items() if not k.endswith("_sweep") and k != "chosen"}
    return {
        "setup": {**asdict(setup), "kernel": f"ones((1, {setup.length})) / {setup.length}",
                  "boundary": "circular", "values": original.size, "rows": shape[0]},
        "spectrum": spectrum,
        "reachable": np.array([choice.zeroed for choice in reachable]),
        "counts": rows,
        "blurred": error_metrics(blurred, original),
        "inverse": error_metrics(inverse, original),
        "sweep": sweep,
        "noisy": noisy,
        "images": {"original": original, "blurred": blurred, "inverse": inverse,
                   "restored": restored, **noisy_images},
        "tables": {
            "counts": [{k: v for k, v in r.items() if k != "tie_columns"} for r in rows],
            "sweep": [{"zeroed": z, "threshold": t, "mse": e}
                      for z, t, e in zip(sweep["zeroed"], sweep["threshold"], sweep["mse"])],
            "noisy": [noisy_row],
            "chosen": noisy["chosen"],
        },
    }


# ---------------------------------------------------------------- figures

_GRAY = {"vmin": 0.0, "vmax": PEAK}


def _by_threshold(counts: list) -> list:
    """The rows grouped by threshold (requests that give the same one merge)."""
    groups: dict = {}
    for row in counts:
        groups.setdefault(row["threshold"], []).append(row)
    return list(groups.values())


def _count_label(group: list) -> str:
    asked = " and ".join(f"{row['requested']:,}" for row in group)
    row = group[0]
    return f"asked {asked}: zeroed {row['zeroed']:,}" + ("" if row["exact"] else " (nearest reachable)")


def _draw_text_images(data: dict):
    images, setup = data["images"], data["setup"]
    fig, axes = figure(2, 3, width=3.4, height=3.7)
    axes = axes.ravel()
    show_image(axes[0], images["original"], "original", **_GRAY)
    show_image(axes[1], images["blurred"],
               f"{setup['length']}-point horizontal blur (circular)\nPSNR {data['blurred']['psnr']:.1f} dB",
               **_GRAY)
    show_image(axes[2], images["inverse"],
               f"inverse filter 1/H (nothing zeroed)\nMSE {data['inverse']['mse']:.1e}", **_GRAY)
    for ax, group in zip(axes[3:], _by_threshold(data["counts"])):
        row = group[0]
        show_image(ax, images["restored"][row["requested"]],
                   f"pseudo-inverse, \u03c4 = {row['threshold']:.4g}, PSNR {row['psnr']:.1f} dB\n"
                   + _count_label(group).replace(" (", "\n("), **_GRAY)
    fig.suptitle(f"Pseudo-inverse filtering of a {setup['size']}\u00d7{setup['size']} image "
                 f"(of {setup['values']:,} values of H; display 0\u2013255)")
    return fig


def _shade_ties(ax, data: dict) -> None:
    """Shade the tie groups that make requested counts unreachable."""
    for group in _by_threshold(data["counts"]):
        row = group[0]
        if not row["exact"]:
            ax.axvspan(row["tie_start"], row["tie_end"], color="0.85", zorder=0,
                       label=f"{row['tie_size']:,} ties at |H| = {row['tie_value']:.4g}")


def _draw_spectrum(data: dict):
    spec, setup = data["spectrum"], data["setup"]
    fig, (left, right) = figure(1, 2, width=5.4, height=4.0)
    left.semilogy(np.arange(setup["size"]), spec["column_magnitude"], ".", ms=3, color="C0")
    left.axhline(1 / setup["length"], color="C3", lw=0.8, ls="--", label=f"1/{setup['length']}")
    left.set_xlabel("column frequency u [DFT index]")
    left.set_ylabel(log_axis_label("|H(v, u)|, the same for every row v"))
    left.set_title("|H| depends on the column frequency only")
    left.legend(loc="lower right", fontsize=8)
    right.semilogy(np.arange(spec["sorted"].size), spec["sorted"], color="C0", lw=1, label="sorted |H|")
    _shade_ties(right, data)
    for i, group in enumerate(_by_threshold(data["counts"])):
        color = f"C{i + 1}"
        for row in group:
            right.axvline(row["requested"], color=color, lw=0.8, ls=":")
        right.axhline(group[0]["threshold"], color=color, lw=0.8,
                      label=f"\u03c4 = {group[0]['threshold']:.3g}, {_count_label(group)}")
    right.set_xlabel(f"rank of |H| (0 ... {setup['values'] - 1:,})")
    right.set_ylabel(log_axis_label("sorted |H|"))
    right.set_title("Sorted |H| (dotted: counts asked)")
    right.legend(loc="lower right", fontsize=7)
    return fig


def _draw_sweep(data: dict):
    sweep, setup = data["sweep"], data["setup"]
    fig, ax = figure(1, 1, width=6.6, height=4.4)
    ax.semilogy(sweep["zeroed"], sweep["mse"], ".-", ms=3, lw=0.8, label="every reachable count")
    _shade_ties(ax, data)
    for i, group in enumerate(_by_threshold(data["counts"])):
        row = group[0]
        ax.plot(row["zeroed"], row["mse"], "o", ms=8, mfc="none", color=f"C{i + 1}", label=_count_label(group))
    ax.axhline(data["blurred"]["mse"], color="gray", ls="--", lw=0.8, label="blurred image, not restored")
    ax.set_xlabel(f"values of H zeroed (of {setup['values']:,})")
    ax.set_ylabel(log_axis_label("MSE against the original", "gray levels\u00b2"))
    ax.set_title("Noise-free pseudo-inverse: the error grows with every frequency dropped")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _draw_noisy_images(data: dict):
    images, noisy = data["images"], data["noisy"]
    panels = [(images["original"], "original"),
              (images["noisy"], f"blurred + noise (variance {noisy['noise_std'] ** 2:g})\n"
                                f"MSE {noisy['mse_noisy']:.1f}, PSNR {noisy['psnr_noisy']:.1f} dB")]
    if noisy["inverse_exists"]:
        panels.append((images["noisy_inverse"], f"inverse filter 1/H\nMSE {noisy['mse_inverse']:.3g}, "
                                          f"PSNR {noisy['psnr_inverse']:.1f} dB"))
    panels += [(images["noisy_pseudo"], f"best pseudo-inverse, \u03c4 = {noisy['best_threshold']:.3g}\n"
                                  f"({noisy['best_zeroed']:,} zeroed) MSE {noisy['mse_pseudo']:.1f}, "
                                  f"PSNR {noisy['psnr_pseudo']:.1f} dB"),
               (images["noisy_wiener"], f"best Wiener, c = {noisy['best_c']:.2g}\n"
                                  f"MSE {noisy['mse_wiener']:.1f}, PSNR {noisy['psnr_wiener']:.1f} dB")]
    fig, axes = figure(1, len(panels), width=3.3, height=3.7)
    for ax, (image, title) in zip(axes, panels):
        show_image(ax, image, title, **_GRAY)
    fig.suptitle("Noisy blurred image restored (oracle choice of \u03c4 and c; display clipped to 0\u2013255)")
    return fig


_RULE_MARKERS = {"gcv": "s", "upre": "^", "discrepancy": "D", "lcurve": "v"}


def _draw_noisy_curves(data: dict):
    noisy = data["noisy"]
    fig, (left, right) = figure(1, 2, width=5.4, height=4.2, sharey=True)
    t, c = noisy["threshold_sweep"], noisy["c_sweep"]
    left.loglog(t["threshold"], t["mse"], ".-", ms=3, lw=0.8, color="C0", label="pseudo-inverse")
    left.plot(noisy["best_threshold"], noisy["mse_pseudo"], "o", ms=8, mfc="none", color="C0",
              label=f"best \u03c4 = {noisy['best_threshold']:.3g}")
    left.axhline(noisy["mse_wiener"], color="C1", lw=0.8, label="best Wiener")
    left.set_xlabel(log_axis_label("threshold \u03c4 on |H|"))
    left.set_ylabel(log_axis_label("MSE against the original", "gray levels\u00b2"))
    left.set_title("Pseudo-inverse: zero 1/H where |H| < \u03c4")
    right.loglog(c["c"], c["mse"], ".-", ms=3, lw=0.8, color="C1", label="Wiener")
    right.plot(noisy["best_c"], noisy["mse_wiener"], "o", ms=8, mfc="none", color="C1",
               label=f"best c = {noisy['best_c']:.2g}")
    right.axhline(noisy["mse_pseudo"], color="C0", lw=0.8, label="best pseudo-inverse")
    right.set_xlabel(log_axis_label("Wiener constant c"))
    right.set_title("Wiener: conj(H) / (|H|\u00b2 + c)")
    for row in noisy["chosen"]:   # the values chosen from the data alone
        ax = left if row["filter"] == "tsvd" else right
        ax.plot(row["value"], row["mse"], _RULE_MARKERS[row["rule"]], ms=7, color="C3",
                label=f"{RULE_LABELS[row['rule']]}: {row['value']:.3g}")
    for ax in (left, right):
        ax.axhline(noisy["mse_noisy"], color="gray", ls="--", lw=0.8, label="blurred + noisy, not restored")
        if noisy["inverse_exists"]:
            ax.axhline(noisy["mse_inverse"], color="k", ls=":", lw=0.8, label="inverse filter 1/H")
        ax.legend(fontsize=7, loc="upper center", ncols=2)
    top = max(np.max(t["mse"]), np.max(c["mse"]), noisy["mse_inverse"] or 0)
    left.set_ylim(min(noisy["mse_pseudo"], noisy["mse_wiener"]) / 1.5, top * 20)
    fig.suptitle(f"Error under noise of variance {noisy['noise_std'] ** 2:g} (circles: the oracle's best values; "
                 "red: the values rules choose from the data)")
    return fig


def draw(data: dict) -> dict:
    """The study's figures, by file stem."""
    return {"text_images": _draw_text_images(data), "spectrum": _draw_spectrum(data),
            "zeroed_sweep": _draw_sweep(data), "noisy_images": _draw_noisy_images(data),
            "noisy_curves": _draw_noisy_curves(data)}


# ---------------------------------------------------------------- summary

def _reachability_sentence(group: list, setup: dict) -> str:
    row = group[0]
    asked = " and ".join(f"{r['requested']:,}" for r in group)
    if row["exact"]:
        return f"{asked}: reachable exactly (\u03c4 = {row['threshold']:.4g})."
    columns = row["tie_columns"]
    where = (f"the {len(columns)} columns u = {columns[0]}, {columns[1]}, ..., {columns[-1]}"
             if len(columns) > 2 else f"the columns u = {columns}")
    return (f"{asked}: not reachable. The ranks {row['tie_start']:,}\u2013{row['tie_end'] - 1:,} of the sorted "
            f"|H| are a tie group of {row['tie_size']:,} values equal to {row['tie_value']:.6g} "
            f"(1/{setup['length']} = {1 / setup['length']:.6g}), at {where} \u00d7 {setup['rows']} rows; a "
            f"threshold zeroes either {row['tie_start']:,} or {row['tie_end']:,} values, and the nearest, "
            f"{row['zeroed']:,}, is used (\u03c4 = {row['threshold']:.4g}).")


def _noisy_sentences(noisy: dict, spec: dict) -> list:
    inverse = (f"gives MSE {noisy['mse_inverse']:.3g} (PSNR {noisy['psnr_inverse']:.1f} dB): the noise is "
               f"amplified by up to 1/min|H| = {1 / spec['min']:.0f}"
               if noisy["inverse_exists"] else f"does not exist ({noisy['inverse_error']})")
    pseudo, wiener = noisy["mse_pseudo"], noisy["mse_wiener"]
    winner = "Wiener" if wiener < pseudo else "The pseudo-inverse"
    return [
        f"- With noise of variance {noisy['noise_std'] ** 2:g} (seed {noisy['seed']}), the plain inverse filter "
        f"{inverse}. The blurred noisy image itself has MSE {noisy['mse_noisy']:.1f}.",
        f"- Best pseudo-inverse (oracle threshold \u03c4 = {noisy['best_threshold']:.3g}, {noisy['best_zeroed']:,} "
        f"zeroed): MSE {pseudo:.1f}, PSNR {noisy['psnr_pseudo']:.2f} dB. Best Wiener (oracle c = "
        f"{noisy['best_c']:.2g}): MSE {wiener:.1f}, PSNR {noisy['psnr_wiener']:.2f} dB. {winner} is better, "
        f"by a factor {max(pseudo, wiener) / min(pseudo, wiener):.2f} in MSE.",
    ]


def summarize(data: dict) -> str:
    """Markdown: the answer with the measured numbers."""
    setup, spec, sweep = data["setup"], data["spectrum"], data["sweep"]
    table = ["| asked | threshold \u03c4 | zeroed | exact | MSE | PSNR [dB] |", "|---|---|---|---|---|---|"]
    table += [f"| {r['requested']:,} | {r['threshold']:.4g} | {r['zeroed']:,} | {'yes' if r['exact'] else 'no'} "
              f"| {r['mse']:.2f} | {r['psnr']:.2f} |" for r in data["counts"]]
    grows = bool(np.all(np.diff(sweep["mse"]) >= 0))
    lines = [
        f"Model of the text: a {setup['size']}\u00d7{setup['size']} image, blur `{setup['kernel']}`, "
        f"circular convolution (the DFT diagonalises it exactly). Blurred: MSE {data['blurred']['mse']:.1f}, "
        f"PSNR {data['blurred']['psnr']:.1f} dB.",
        "",
        f"- Without noise the inverse filter exists (min|H| = {spec['min']:.3g}, no zeros) and restores the "
        f"image to roundoff: MSE {data['inverse']['mse']:.2g}.",
        f"- |H| depends on the column frequency only (largest difference down a column: "
        f"{spec['column_spread']:.1g}), so each value repeats {setup['rows']} times: besides 0 (the inverse "
        f"filter) only {data['reachable'].size} of the {setup['values']:,} counts 1 ... {setup['values']:,} of "
        f"zeroed values are reachable by a threshold.",
        *[f"- {_reachability_sentence(g, setup)}" for g in _by_threshold(data["counts"])],
        "",
        *table,
        "",
        f"- Noise-free, the error {'never decreases' if grows else 'does not always grow'} as more values are "
        f"zeroed (Parseval: it is the image energy at the zeroed frequencies), from MSE {sweep['mse'][0]:.3g} "
        f"at {sweep['zeroed'][0]:,} zeroed to {sweep['mse'][-1]:.3g} at {sweep['zeroed'][-1]:,}.",
        *_noisy_sentences(data["noisy"], spec),
        "",
        *_chosen_table(data["noisy"]),
    ]
    return "\n".join(lines)


def _chosen_table(noisy: dict) -> list:
    """The values chosen from the data alone, beside the oracle's."""
    oracle = {"tsvd": (noisy["best_threshold"], noisy["psnr_pseudo"]), "tikhonov": (noisy["best_c"], noisy["psnr_wiener"])}
    lines = [f"Chosen from the data alone (`choose_reg`, circular model, the known noise_std = {noisy['noise_std']:g} "
             f"for UPRE and discrepancy), against the oracle:", "",
             "| rule | pseudo-inverse \u03c4 (TSVD) | zeroed | PSNR [dB] | Wiener c (Tikhonov) | PSNR [dB] |",
             "|---|---|---|---|---|---|"]
    rows = {(r["rule"], r["filter"]): r for r in noisy["chosen"]}
    for rule in RULE_LABELS:
        t, w = rows[rule, "tsvd"], rows[rule, "tikhonov"]
        edge = lambda r: "" if r["interior"] else " (grid's end)"
        lines.append(f"| {RULE_LABELS[rule]} | {t['value']:.4g}{edge(t)} | {t['zeroed']:,} | {t['psnr']:.2f} "
                     f"({t['psnr'] - oracle['tsvd'][1]:+.2f}) | {w['value']:.3g}{edge(w)} | {w['psnr']:.2f} "
                     f"({w['psnr'] - oracle['tikhonov'][1]:+.2f}) |")
    lines.append(f"| oracle | {oracle['tsvd'][0]:.4g} | {noisy['best_zeroed']:,} | {oracle['tsvd'][1]:.2f} | "
                 f"{oracle['tikhonov'][0]:.3g} | {oracle['tikhonov'][1]:.2f} |")
    return lines
