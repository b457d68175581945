r"""Cost of applying each realisation of an inverse filter, counted and measured beside scipy.

For every realisation, the cost per output sample both as a **count** of
multiply-adds and as **measured time**, on a 1-D signal of :data:`SAMPLES`
samples and a :data:`IMAGE` image (quick: 10**5 samples, 256x256):

=====================================  ===========================================================
realisation                            multiply-adds per output sample
=====================================  ===========================================================
FIR of ``L`` taps, direct              ``L`` (``p q`` for a ``p x q`` kernel)
FIR by FFT (overlap-add, block ``N``)  :math:`(2 N \log_2 N + 3N) / (N - L + 1)`, a flop model
fitted IIR ``B/A``                     ``nb + na + 1`` (one pass)
exact two-sided IIR ``1/H``            ``M + 1`` (a gain and ``M`` poles over the two passes)
regularised two-sided IIR              ``3M + 1`` (FIR factor ``M + 1``, ``M`` poles per pass)
separable 2-D IIR                      the sum of its axes' counts
=====================================  ===========================================================

Measured: ``IIRInverse.apply`` (``solvers.iir_inverse``) against
``scipy.signal.sosfilt`` running the same sections in the same passes (one
forward over the causal sections, one on the reversed signal over the
anti-causal ones, ``np.convolve`` for the FIR factor), and against one
``sosfilt`` over all sections in one forward pass (the same multiply-adds,
not the same filter: the lower bound of a single call); ``IIRFit.apply``
against ``lfilter`` and ``sosfilt``; FIRs by ``np.convolve``,
``scipy.signal.oaconvolve`` and ``lfilter``; on the image,
``solvers.apply_inverse`` against ``scipy.ndimage.convolve`` and
``scipy.signal.oaconvolve`` (FIR) and against ``numpy.pad`` plus ``sosfilt``
along each axis (separable IIR).  Every pair is checked to give the same
numbers before it is timed.

Run with ``python -m experiments.bench_inverse_cost [--quick]``.
"""

from __future__ import annotations

if __name__ == "__main__":  # run as a script: pin BLAS before numpy loads
    from experiments._cli import configure_process

    configure_process()

import argparse
import math

import numpy as np
import scipy.ndimage as ndi
import scipy.signal as ss

from convops import gaussian_psf
from experiments._cli import configure_process
from experiments._timing import check_agreement, compare_times, format_table
from solvers import apply_inverse, fit_iir_inverse, inverse_anchor, inverse_kernel, iir_inverse

__all__ = ["SAMPLES", "IMAGE", "TARGET_RATIO", "fft_count", "run", "by_realisation", "ratio", "main"]

SAMPLES = 10**6
IMAGE = (2048, 2048)
#: IIRInverse.apply on SAMPLES samples: at most this many times sosfilt over the same sections.
TARGET_RATIO = 1.5

#: A mixed-phase kernel with zeros at radius 0.95 and 1/0.95 (two causal and two anti-causal poles).
MIXED = np.real(np.poly([0.95 * np.exp(1j * np.pi / 3), 0.95 * np.exp(-1j * np.pi / 3),
                         np.exp(2j * np.pi / 3) / 0.95, np.exp(-2j * np.pi / 3) / 0.95]))
CROSS = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])


def fft_count(taps: int, ndim: int = 1, block: int | None = None) -> float:
    r"""Multiply-adds per output sample of an overlap-add FFT convolution with a kernel of `taps` taps per
    axis on `ndim` axes: :math:`(2 P \log_2 P + 3P) / (N - L + 1)^d` with :math:`P = N^d` points per block
    (a flop model: ``P log2 P`` per real transform, forward and inverse, and 3 per point for the complex
    product), ``N`` the power of two at least ``8 L`` unless given."""
    n = block or 2 ** max(3, math.ceil(math.log2(8 * taps)))
    points = n ** ndim
    return (2 * points * math.log2(points) + 3 * points) / (n - taps + 1) ** ndim


def _peer_sections(inv):
    """sosfilt sections of an IIRInverse, built from its public factored form (independently of apply):
    ``(scale, numerator, causal poles, anti-causal poles)`` as in the docstring of IIRInverse."""
    if inv.factor is None:
        scale = 1.0 / (inv.gain * np.atleast_1d(np.poly(inv.outer_zeros))[-1])
        numerator, anti = np.ones(1), 1.0 / inv.outer_zeros
    else:
        scale = 1.0 / inv.factor[0]
        numerator, anti = np.trim_zeros(inv.kernel)[::-1], inv.inner_zeros.conj()
    causal = ss.zpk2sos([], inv.inner_zeros, float(np.real(scale))) if inv.inner_zeros.size else None
    anticausal = ss.zpk2sos([], anti, 1.0 if causal is not None else float(np.real(scale))) if anti.size else None
    if causal is None and anticausal is None:
        numerator = numerator * np.real(scale)
    return numerator, causal, anticausal


def _two_pass(x, numerator, causal, anticausal, shift, axis=-1):
    """The same filter as IIRInverse.apply by numpy and scipy alone: the FIR factor, a forward pass over
    the causal sections and a pass over the reversed signal with the anti-causal ones, along `axis`."""
    n = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = n + shift
    w = np.zeros(shape)
    for j, b in enumerate(numerator):
        index = [slice(None)] * x.ndim
        index[axis] = slice(j, j + n)
        w[tuple(index)] += b * x
    if causal is not None:
        w = ss.sosfilt(causal, w, axis=axis)
    if anticausal is not None:
        w = np.flip(ss.sosfilt(anticausal, np.flip(w, axis), axis=axis), axis)
    return np.take(w, np.arange(shift, shift + n), axis=axis)


def _row(realisation, signal, count, times, ours, same, samples) -> list[dict]:
    """One row per implementation: its time per output sample and its role (``'ours'``, ``'same work'``: scipy
    doing the same recursions or convolution, ``'peer'``)."""
    role = lambda name: "ours" if name == ours else "same work" if name == same else "peer"
    return [{"realisation": realisation, "signal": signal, "count": count, "implementation": name,
             "role": role(name), "ns_per_sample": t / samples * 1e9} for name, t in times.items()]


def by_realisation(rows) -> dict:
    """``{realisation: {implementation: row}}`` of :func:`run`'s rows, in order."""
    out = {}
    for r in rows:
        out.setdefault(r["realisation"], {})[r["implementation"]] = r
    return out


def ratio(group: dict) -> float:
    """Our time / the time of scipy doing the same work, for one realisation's rows (NaN without ours)."""
    t = {r["role"]: r["ns_per_sample"] for r in group.values() if r["role"] != "peer"}
    return t["ours"] / t["same work"] if "ours" in t else math.nan


def _iir_rows(x, repeat):
    rows = []
    cases = {"exact 1/H, mixed phase (M = 4)": (MIXED, 0.0),
             "regularised [1, -1], λ = 1e-3 (M = 1)": (np.array([1.0, -1.0]), 1e-3),
             "regularised Gaussian σ = 2, λ = 1e-4 (M = 12)": (gaussian_psf(2.0, shape=(1, 13)).ravel(), 1e-4)}
    for name, (h, reg) in cases.items():
        inv = iir_inverse(h, reg=reg)
        numerator, causal, anticausal = _peer_sections(inv)
        # the tail past the end is what apply adds; the peer runs the same recursions over the signal only,
        # so the comparison is checked away from the last samples and timed over the signal
        shift = inv.advance
        check_agreement(np.abs(inv.apply(x)[: -2000] - _two_pass(x, numerator, causal, anticausal, shift)[: -2000]).max(),
                        1e-9 * np.abs(x).max(), f"IIRInverse.apply and scipy's two passes ({name})")
        every = np.vstack([s for s in (causal, anticausal) if s is not None])
        times = compare_times({"IIRInverse.apply": lambda: inv.apply(x),
                               "sosfilt, same sections and passes": lambda: _two_pass(x, numerator, causal,
                                                                                        anticausal, shift),
                               "sosfilt, all sections in one pass": lambda: ss.sosfilt(every, x)}, repeat=repeat)
        rows.extend(_row(name, f"{x.size:,}", inv.cost, times, "IIRInverse.apply", "sosfilt, same sections and passes",
                         x.size))
    fit = fit_iir_inverse(MIXED, (5, 2), delay=2)
    sos = ss.tf2sos(fit.b, fit.a)
    check_agreement(np.abs(fit.apply(x) - ss.sosfilt(sos, x)).max(), 1e-9 * np.abs(x).max(), "IIRFit.apply and sosfilt")
    times = compare_times({"IIRFit.apply": lambda: fit.apply(x), "lfilter": lambda: ss.lfilter(fit.b, fit.a, x),
                           "sosfilt": lambda: ss.sosfilt(sos, x)}, repeat=repeat)
    rows.extend(_row("fitted IIR (nb, na) = (5, 2) of the mixed-phase kernel", f"{x.size:,}", fit.cost, times,
                     "IIRFit.apply", "lfilter", x.size))
    return rows


def _fir_rows(x, repeat):
    rows = []
    for taps in (8, 64):
        fir_taps = np.random.default_rng(taps).standard_normal(taps)
        check_agreement(np.abs(np.convolve(x, fir_taps)[: x.size] - ss.lfilter(fir_taps, [1.0], x)).max(),
                        1e-9 * taps, "np.convolve and lfilter")
        times = compare_times({"np.convolve": lambda: np.convolve(x, fir_taps),
                               "scipy.signal.oaconvolve": lambda: ss.oaconvolve(x, fir_taps),
                               "lfilter(g, 1)": lambda: ss.lfilter(fir_taps, [1.0], x)}, repeat=repeat)
        rows.extend(_row(f"FIR of {taps} taps (direct; by FFT ≈ {fft_count(taps):.0f})", f"{x.size:,}", taps,
                         times, None, None, x.size))
    return rows


def _image_rows(image, repeat):
    rows = []
    fir = inverse_kernel(CROSS, 15, reg=1e-3)
    g = fir.solution
    anchor = inverse_anchor(CROSS.shape, g.shape)[0]
    origin = tuple(a - p // 2 for a, p in zip(anchor, g.shape))
    ndimage = lambda: ndi.convolve(image, g, mode="reflect", origin=tuple(-o for o in origin))
    ours = lambda: apply_inverse(image, fir, boundary="symmetric")
    pad = [(p, p) for p in g.shape]

    def oaconv():
        full = ss.oaconvolve(np.pad(image, pad, mode="symmetric"), g, mode="full")
        start = [p + a for p, a in zip(g.shape, anchor)]
        return full[start[0]: start[0] + image.shape[0], start[1]: start[1] + image.shape[1]]

    check_agreement(np.abs(ours() - ndimage()).max(), 1e-9, "apply_inverse and ndimage.convolve")
    check_agreement(np.abs(ours() - oaconv()).max(), 1e-9, "apply_inverse and oaconvolve")
    times = compare_times({"apply_inverse": ours, "ndimage.convolve": ndimage, "oaconvolve (padded)": oaconv},
                          repeat=repeat)
    rows.extend(_row(f"FIR 15x15, LS inverse of the cross (direct; by FFT ≈ {fft_count(15, 2):.0f})",
                     "x".join(map(str, image.shape)), 225, times, "apply_inverse", "ndimage.convolve", image.size))

    h = gaussian_psf(2.0, shape=(1, 13)).ravel()
    inv = iir_inverse(h, reg=1e-4)
    numerator, causal, anticausal = _peer_sections(inv)
    ours = lambda: apply_inverse(image, [inv, inv], boundary="symmetric")
    # the extension apply_inverse documents: twice the recursions' decay to eps, + m + the advance
    rho = np.abs(inv.inner_zeros).max()
    margin = math.ceil(2 * math.log(np.finfo(float).eps) / math.log(rho)) + h.size + inv.advance

    def peer():
        y = image
        for axis in (0, 1):                     # extend along the axis, filter, keep the image's part
            widths = [(0, 0), (0, 0)]
            widths[axis] = (margin, margin)
            y = _two_pass(np.pad(y, widths, mode="symmetric"), numerator, causal, anticausal, inv.advance, axis)
            y = np.take(y, np.arange(margin - h.size // 2, margin - h.size // 2 + image.shape[axis]), axis=axis)
        return y

    check_agreement(np.abs(ours() - peer()).max(), 1e-9 * np.abs(image).max(), "apply_inverse and scipy (separable)")
    times = compare_times({"apply_inverse": ours, "np.pad + sosfilt per axis": peer}, repeat=repeat)
    rows.extend(_row("separable regularised IIR, Gaussian σ = 2 (13 x 13), λ = 1e-4 per axis",
                     "x".join(map(str, image.shape)), 2 * inv.cost, times, "apply_inverse",
                     "np.pad + sosfilt per axis", image.size))
    return rows


def run(quick: bool = False, *, seed: int = 0, progress: bool = False) -> list[dict]:
    """Count and time every realisation.

    Parameters
    ----------
    quick : bool, optional
        10**5 samples and a 256x256 image instead of :data:`SAMPLES` and :data:`IMAGE`.
    seed : int, optional
        Seed of the white-noise signal and image.
    progress : bool, optional
        Accepted for a uniform interface.

    Returns
    -------
    list of dict
        One row per realisation and implementation: ``realisation``, ``signal``, ``count`` (multiply-adds per
        output sample), ``implementation``, ``role`` (``'ours'``; ``'same work'``: scipy running the same
        recursions or convolution, the one our time is divided by in :func:`ratio`; ``'peer'``) and
        ``ns_per_sample`` (measured, best of interleaved rounds).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(10**5 if quick else SAMPLES)
    image = rng.standard_normal((256, 256) if quick else IMAGE)
    repeat = 5 if quick else 7
    return _iir_rows(x, repeat) + _fir_rows(x, repeat) + _image_rows(image, 3 if not quick else 5)


def main(argv=None) -> None:
    """Print the table of :func:`run`."""
    configure_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10**5 samples and 256x256")
    args = parser.parse_args(argv)
    for name, group in by_realisation(run(quick=args.quick)).items():
        first = next(iter(group.values()))
        print(f"{name} ({first['signal']}; {first['count']} multiply-adds per sample)")
        for impl, r in group.items():
            print(f"    {impl} [{r['role']}]: {r['ns_per_sample']:.3g} ns/sample")
        if not math.isnan(ratio(group)):
            print(f"    ours / same work: {ratio(group):.2f}")

if __name__ == "__main__":
    main()
