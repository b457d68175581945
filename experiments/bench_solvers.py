"""Benchmark: least-squares inverse kernels, beside scipy's solvers in the same run.

Run ``python -m experiments.bench_solvers`` (``--quick`` for small sizes).

1. The 127x127 inverse of a random 7x7 kernel to the least-squares
   optimum (relative objective within 1e-10): ``inverse_kernel(method='cg')``
   (CG on the block-Toeplitz normal equations by FFT, circulant
   preconditioner) against ``scipy.sparse.linalg.lsqr`` on the sparse full
   convolution matrix (at the loosest tolerance that reaches the same
   accuracy) and ``spsolve`` on the normal equations.
2. The second text's setting, a random 11x7 kernel and a 201x201 inverse:
   its fixed-step gradient descent (step 5e-5, 50,000 iterations) beside
   CG to the optimum.

The optimum is the smallest objective found by any method with its tightest
tolerance (CG at tol 1e-14 and lsqr at atol = btol = 1e-15, which agree).
"""

from __future__ import annotations

if __name__ == "__main__":  # run as a script: pin BLAS before numpy loads
    from experiments._cli import configure_process

    configure_process()

import argparse
import time

import numpy as np
import scipy.sparse.linalg as spla

from convops import convolution_matrix, convolution_operator
from solvers import gradient_descent, inverse_kernel

from ._cli import configure_process
from ._timing import format_table

__all__ = ["inverse_kernel_problem", "run_lsq", "run_fixed_step", "run", "main"]

TARGET_GAP = 1e-10


def inverse_kernel_problem(kernel_shape, size, seed=0):
    """Random kernel, its full convolution matrix and the centred target."""
    rng = np.random.default_rng(seed)
    f = rng.standard_normal(kernel_shape)
    full = tuple(m + p - 1 for m, p in zip(kernel_shape, size))
    delay = tuple((n - 1) // 2 for n in full)
    target = np.zeros(full)
    target[delay] = 1.0
    return f, target, delay


def _objective(f, g, target):
    from scipy.signal import fftconvolve

    r = fftconvolve(f, g.reshape(-1, target.shape[1] - f.shape[1] + 1))
    return 0.5 * float(np.sum((r - target) ** 2))


def _timed(func):
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def run_lsq(kernel_shape=(7, 7), size=(127, 127), *, seed=0, with_spsolve=True):
    """Time to the least-squares optimum: ours against lsqr and spsolve."""
    f, target, delay = inverse_kernel_problem(kernel_shape, size, seed)
    A = convolution_matrix(f, size, boundary="zero", output="full")
    b = target.ravel()
    ours, t_ours = _timed(lambda: inverse_kernel(f, size, method="cg", delay=delay))
    tight = inverse_kernel(f, size, method="cg", delay=delay, tol=1e-14, maxiter=10_000)
    lsqr_tight = spla.lsqr(A, b, atol=1e-15, btol=1e-15, iter_lim=200_000)[0]
    optimum = min(tight.objective, _objective(f, lsqr_tight, target))
    rows = [dict(method="inverse_kernel cg (FFT, preconditioned)", seconds=t_ours,
                 iterations=ours.iterations, relative_gap=(ours.objective - optimum) / optimum)]
    for tol in (1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14):
        (x, _, iters, *_), t_lsqr = _timed(lambda: spla.lsqr(A, b, atol=tol, btol=tol, iter_lim=200_000))
        gap = (_objective(f, x, target) - optimum) / optimum
        if gap <= TARGET_GAP:
            break
    rows.append(dict(method=f"scipy lsqr on the sparse matrix (atol=btol={tol:g})", seconds=t_lsqr,
                     iterations=iters, relative_gap=gap))
    if with_spsolve:
        normal = (A.T @ A).tocsc()
        x, t_sp = _timed(lambda: spla.spsolve(normal, A.T @ b))
        rows.append(dict(method="scipy spsolve on the normal equations", seconds=t_sp, iterations=0,
                         relative_gap=(_objective(f, x, target) - optimum) / optimum))
    for row in rows:
        row["speedup_vs_ours"] = row["seconds"] / rows[0]["seconds"]
    return dict(kernel=f"{kernel_shape[0]}x{kernel_shape[1]}", size=f"{size[0]}x{size[1]}",
                optimum=optimum, rows=rows)


def run_fixed_step(kernel_shape=(11, 7), size=(201, 201), *, iterations=50_000, step=5e-5, seed=0,
                   progress=False):
    """The second text's fixed-step gradient descent beside CG to the optimum."""
    f, target, delay = inverse_kernel_problem(kernel_shape, size, seed)
    ours, t_ours = _timed(lambda: inverse_kernel(f, size, method="cg", delay=delay))
    tight = inverse_kernel(f, size, method="cg", delay=delay, tol=1e-14, maxiter=20_000)
    optimum = tight.objective
    op = convolution_operator(f, size, boundary="zero", output="full")
    fixed, t_fixed = _timed(lambda: gradient_descent(op, target.ravel(), step=step, maxiter=iterations,
                                                     tol=0.0, progress=progress))
    return dict(kernel=f"{kernel_shape[0]}x{kernel_shape[1]}", size=f"{size[0]}x{size[1]}", optimum=optimum,
                rows=[dict(method="inverse_kernel cg (FFT, preconditioned)", seconds=t_ours,
                           iterations=ours.iterations, relative_gap=(ours.objective - optimum) / optimum),
                      dict(method=f"gradient descent, fixed step {step:g} (the text's)", seconds=t_fixed,
                           iterations=fixed.iterations, relative_gap=(fixed.objective - optimum) / optimum)],
                fixed_step_history=fixed.history.objective, cg_history=ours.history.objective)


def run(quick: bool = False, progress: bool = False):
    """Both tables; quick mode shrinks sizes and the fixed-step run."""
    if quick:
        return {"lsq": run_lsq((5, 5), (31, 31), with_spsolve=False),
                "fixed_step": run_fixed_step((5, 3), (41, 41), iterations=2000, progress=progress)}
    return {"lsq": run_lsq(), "fixed_step": run_fixed_step(progress=progress)}


def main(argv=None):
    configure_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    args = parser.parse_args(argv)
    tables = run(args.quick, progress=not args.quick)
    for key, title in (("lsq", "Least-squares inverse kernel to a relative objective gap of 1e-10"),
                       ("fixed_step", "The second text's setting")):
        t = tables[key]
        print(f"\n{title}: kernel {t['kernel']}, inverse {t['size']}, optimum objective {t['optimum']:.12g}")
        print(format_table(t["rows"]))


if __name__ == "__main__":
    main()
