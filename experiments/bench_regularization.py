"""Cost of choosing the regularisation parameter, beside the cost of the restoration it is for.

- **Spectral** (``boundary='circular'``): the whole GCV curve (every grid
  point) and its refined minimum by :func:`solvers.choose_reg`, against one
  :func:`solvers.wiener_filter` of the same image (target: at most
  :data:`TARGET_RATIO` times).
- **Matrix-free** (``boundary='replicate'``): the hybrid choice (Golub-Kahan
  estimates of the full problem's curve, the trace by Hutchinson probes) against the CGLS solve at the chosen
  value, :func:`solvers.restore` with ``method='cgls'`` (target: at most
  :data:`TARGET_RATIO` times).

A blurred photograph (Gaussian, sigma 2, 9x9) with white noise of standard
deviation 1 gray level.  Run with
``python -m experiments.bench_regularization [--quick]``.
"""

from __future__ import annotations

if __name__ == "__main__":  # run as a script: pin BLAS before numpy loads
    from experiments._cli import configure_process

    configure_process()

import argparse
import time

import numpy as np

from convops import convolution_operator, gaussian_psf
from experiments._cli import configure_process
from experiments._images import camera
from experiments._timing import compare_times, format_table
from solvers import choose_reg, restore, wiener_filter

__all__ = ["TARGET_RATIO", "SPECTRAL_SIZE", "HYBRID_SIZE", "run", "main"]

TARGET_RATIO = 3.0
SPECTRAL_SIZE = 1024
HYBRID_SIZE = 512
KERNEL = gaussian_psf(2.0, shape=(9, 9))


def _problem(size: int, boundary: str, seed: int) -> np.ndarray:
    image = camera(size)
    clean = convolution_operator(KERNEL, image.shape, boundary=boundary, output="same").apply(image)
    return clean + np.random.default_rng(seed).standard_normal(image.shape)


def run(quick: bool = False, *, seed: int = 0, progress: bool = False) -> list[dict]:
    """Time the choices and the restorations they serve.

    Parameters
    ----------
    quick : bool, optional
        256x256 and 128x128 instead of :data:`SPECTRAL_SIZE` and :data:`HYBRID_SIZE`.
    seed : int, optional
        Seed of the noise.
    progress : bool, optional
        Accepted for a uniform interface.

    Returns
    -------
    list of dict
        Two rows (``'circular'``, ``'replicate'``): ``boundary``, ``size``, ``method`` (of the choice),
        ``choice_s``, ``reference`` (what it is compared with), ``reference_s``, ``ratio``, ``value``
        (the chosen lambda), ``iterations`` (Golub-Kahan steps of the choice, 0 on the spectral path; the
        CGLS iterations of the replicate row's solve are in its ``reference``) and ``grid_points``.
    """
    rows = []
    n = 256 if quick else SPECTRAL_SIZE
    b = _problem(n, "circular", seed)
    choice = choose_reg(b, KERNEL, boundary="circular", rule="gcv")
    times = compare_times({"choose_reg": lambda: choose_reg(b, KERNEL, boundary="circular", rule="gcv"),
                           "wiener_filter": lambda: wiener_filter(b, KERNEL, choice.value)}, repeat=5 if quick else 7)
    rows.append({"boundary": "circular", "size": f"{n}x{n}", "method": choice.method, "choice_s": times["choose_reg"],
                 "reference": "one wiener_filter", "reference_s": times["wiener_filter"],
                 "ratio": times["choose_reg"] / times["wiener_filter"], "value": choice.value, "iterations": 0,
                 "grid_points": int(choice.grid.size)})

    n = 128 if quick else HYBRID_SIZE
    b = _problem(n, "replicate", seed)
    start = time.perf_counter()
    choice = choose_reg(b, KERNEL, boundary="replicate", rule="gcv")
    choice_s = time.perf_counter() - start
    start = time.perf_counter()
    solved = restore(b, KERNEL, boundary="replicate", reg=choice.value, method="cgls")
    solve_s = time.perf_counter() - start
    rows.append({"boundary": "replicate", "size": f"{n}x{n}", "method": choice.method, "choice_s": choice_s,
                 "reference": f"CGLS at the chosen value ({solved.iterations} iterations)", "reference_s": solve_s,
                 "ratio": choice_s / solve_s, "value": choice.value, "iterations": int(choice.iterations),
                 "grid_points": int(choice.grid.size)})
    return rows


def main(argv=None) -> None:
    """Print the table of :func:`run`."""
    configure_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="256x256 and 128x128")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick)
    print(format_table(rows, ["boundary", "size", "method", "choice_s", "reference", "reference_s", "ratio",
                              "iterations"]))
    print(f"\ntarget: ratio <= {TARGET_RATIO:g}")


if __name__ == "__main__":
    main()
