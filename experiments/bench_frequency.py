"""Cost of the frequency-domain filters against the bare FFTs they need.

Each filter needs an ``rfft2`` of the image, an ``rfft2`` of the zero-padded
kernel and an ``irfft2`` of a product; the rest (``|H|``, masks, the
division) should stay a small fraction.  The ratio filter / bare FFTs is
the figure to watch (target: at most 1.5).

Run with ``python -m experiments.bench_frequency [--quick]``.
"""

from __future__ import annotations

if __name__ == "__main__":  # run as a script: pin BLAS before numpy loads
    from experiments._cli import configure_process

    configure_process()

import argparse

import numpy as np
import scipy.fft as sfft

from experiments._cli import configure_process
from experiments._timing import compare_times, format_table
from solvers import inverse_filter, pseudo_inverse_filter, wiener_filter

__all__ = ["run", "main"]

TARGET_RATIO = 1.5
BARE = "bare FFTs (rfft2 x2 + irfft2)"


def run(quick: bool = False, *, seed: int = 0, progress: bool = False) -> list[dict]:
    """Time the filters and the bare FFTs on one image.

    Parameters
    ----------
    quick : bool, optional
        256x256 image instead of 2048x2048.
    seed : int, optional
        Seed of the random image and kernel.
    progress : bool, optional
        Accepted for a uniform interface (the run takes seconds).

    Returns
    -------
    list of dict
        One row per method: ``method``, ``shape``, ``kernel``, ``seconds``
        (best of the repeats) and ``ratio`` (seconds / seconds of the bare FFTs).
    """
    n = 256 if quick else 2048
    shape = (n, n)
    rng = np.random.default_rng(seed)
    image = rng.standard_normal(shape)
    kernel = rng.random((15, 15))
    kernel /= kernel.sum()  # max|H| = 1, so the threshold and c are relative

    def bare_ffts():
        spectrum = sfft.rfft2(image)
        spectrum *= sfft.rfft2(kernel, s=shape)
        return sfft.irfft2(spectrum, s=shape)

    methods = {
        BARE: bare_ffts,
        "wiener_filter(c=1e-3)": lambda: wiener_filter(image, kernel, 1e-3),
        "pseudo_inverse_filter(threshold=1e-2)": lambda: pseudo_inverse_filter(image, kernel, 1e-2),
        "inverse_filter": lambda: inverse_filter(image, kernel),
    }
    # Interleaved rounds: a load change on a shared machine then affects the
    # filters and the bare FFTs alike.
    times = compare_times(methods, repeat=30 if quick else 9)
    base = times[BARE]
    return [
        {"method": name, "shape": f"{n}x{n}", "kernel": "15x15", "seconds": t, "ratio": t / base}
        for name, t in times.items()
    ]


def main(argv=None) -> None:
    """Print the table of :func:`run`."""
    configure_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256x256 instead of 2048x2048")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick)
    print(format_table(rows, ["method", "shape", "seconds", "ratio"]))
    worst = max(r["ratio"] for r in rows if r["method"] != BARE)
    print(f"\nworst ratio {worst:.3g} (target <= {TARGET_RATIO}); kernel 15x15, float64, "
          f"scipy.fft workers: {sfft.get_workers()}")


if __name__ == "__main__":
    main()
