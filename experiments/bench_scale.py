"""Benchmark: large images without matrices, and cost against size.

Run ``python -m experiments.bench_scale`` (``--quick`` for small sizes).

1. A 2048x2048 float32 image blurred by a 15x13 kernel with replicate
   boundaries, restored with Tikhonov regularisation by ``solvers.restore``
   (matrix-free CG, chosen automatically): total time, iterations and the
   peak memory of the whole process (measured in a fresh subprocess), one
   CG iteration against two FFT-based operator applications and against
   pylops' ``cgls`` with its ``Convolve2D`` (method 'fft'), same run.
2. Cost against image size (256^2 to 4096^2 pixels): the matrix build
   (3x3 kernel, against the COO build), one forward application (15x13
   kernel, against ``scipy.ndimage.convolve`` and pylops' ``Convolve2D``)
   and one solver iteration (against pylops' ``cgls`` and one iteration
   of scikit-image's ``richardson_lucy``).
"""

from __future__ import annotations

if __name__ == "__main__":  # run as a script: pin BLAS before numpy loads
    from experiments._cli import configure_process

    configure_process()

import argparse
import json
import math
import subprocess
import sys

import numpy as np

from ._cli import configure_process
from ._timing import compare_times, format_table

__all__ = ["blur_problem", "peak_rss_GiB", "run_large_restore", "run_cost_vs_size", "run", "main"]

KERNEL_SHAPE = (15, 13)


def blur_problem(n: int, *, dtype=np.float32, noise=0.01, seed=0):
    """A smooth non-periodic n x n image, a 15x13 blur, replicate-blurred data with noise."""
    import scipy.ndimage as ndi

    rng = np.random.default_rng(seed)
    image = ndi.gaussian_filter(rng.random((n, n)), 3.0) + np.linspace(0, 1, n)[None, :]
    ys, xs = np.mgrid[-7:8, -6:7]
    kernel = np.exp(-(ys ** 2 / 18.0 + xs ** 2 / 8.0) - 0.1 * xs * ys / 4.0)
    kernel /= kernel.sum()
    blurred = ndi.convolve(image, kernel, mode="nearest") + noise * rng.standard_normal((n, n))
    return image.astype(dtype), kernel.astype(dtype), blurred.astype(dtype)


_CHILD = """
import json, resource, sys, time
import numpy as np
from experiments.bench_scale import blur_problem, peak_rss_GiB
from solvers import restore
n, reg, tol = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
image, kernel, blurred = blur_problem(n)
before = peak_rss_GiB()
start = time.perf_counter()
result = restore(blurred, kernel, boundary="replicate", reg=reg, tol=tol)
seconds = time.perf_counter() - start
peak = peak_rss_GiB()
error = float(np.linalg.norm(result.solution - image) / np.linalg.norm(image))
print(json.dumps(dict(seconds=seconds, iterations=result.iterations, converged=result.converged,
                      method=result.info["method"], dtype=str(result.solution.dtype),
                      peak_rss_GiB=peak, rss_before_solve_GiB=before,
                      input_MiB=blurred.nbytes / 2**20, relative_error=error)))
"""


def peak_rss_GiB() -> float:
    """Peak resident memory of this process in GiB.

    Linux's ``VmHWM`` (reset by ``exec``, so a fresh interpreter starts
    from zero); elsewhere ``ru_maxrss``, which on Linux is inherited from
    the parent across ``fork``/``exec`` and so overstates a child's peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**20  # kB
    except OSError:
        pass
    import resource

    scale = 2**30 if sys.platform == "darwin" else 2**20  # bytes on macOS, kB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def _solve_in_subprocess(n, reg, tol):
    """restore() in a fresh interpreter, so that its peak memory is this solve's."""
    out = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(reg), str(tol)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _per_iteration(times: dict, name: str, extra: int) -> float:
    """Seconds per iteration from runs of 1 and 1 + `extra` iterations (setup cancels)."""
    return (times[f"{name}+"] - times[name]) / extra


def _iteration_times(n, reg, *, repeat=3, extra=4):
    """Per-iteration seconds of our CGLS and pylops' CGLS, and one forward
    and one adjoint application of our FFT operator, measured interleaved."""
    import pylops
    from pylops.optimization.basic import cgls as pylops_cgls

    from convops import convolution_operator
    from solvers import cgls

    _, kernel, blurred = blur_problem(n)
    b = blurred.ravel()
    op = convolution_operator(kernel, blurred.shape, boundary="replicate", output="same", method="fft")
    offset = tuple(m // 2 for m in kernel.shape)
    pop = pylops.signalprocessing.Convolve2D(blurred.shape, kernel, offset=offset, method="fft", dtype="float32")
    x0 = np.zeros(b.size, dtype=np.float32)
    ours = lambda k: cgls(op, b, reg=reg, maxiter=k, tol=0.0)
    theirs = lambda k: pylops_cgls(pop, b, x0=x0, niter=k, damp=math.sqrt(reg), tol=0.0)
    times = compare_times({
        "forward": lambda: op.matvec(b),
        "adjoint": lambda: op.rmatvec(b),
        "ours_cgls": lambda: ours(1), "ours_cgls+": lambda: ours(1 + extra),
        "pylops_cgls": lambda: theirs(1), "pylops_cgls+": lambda: theirs(1 + extra),
    }, repeat=repeat)
    times["ours_cgls"] = _per_iteration(times, "ours_cgls", extra)
    times["pylops_cgls"] = _per_iteration(times, "pylops_cgls", extra)
    dtypes = dict(ours=str(cgls(op, b, reg=reg, maxiter=1, tol=0.0).solution.dtype),
                  pylops=str(pylops_cgls(pop, b, x0=x0, niter=1, damp=math.sqrt(reg), tol=0.0)[0].dtype))
    return {k: v for k, v in times.items() if not k.endswith("+")}, dtypes


def run_large_restore(n=2048, *, reg=1e-3, tol=1e-4, repeat=3):
    """Part 1: the large replicate-boundary restoration."""
    solve = _solve_in_subprocess(n, reg, tol)
    times, dtypes = _iteration_times(n, reg, repeat=repeat)
    two_applications = times["forward"] + times["adjoint"]
    return dict(size=f"{n}x{n}", kernel=f"{KERNEL_SHAPE[0]}x{KERNEL_SHAPE[1]}", reg=reg, tol=tol, **solve,
                seconds_per_iteration=solve["seconds"] / max(solve["iterations"], 1),
                forward_s=times["forward"], adjoint_s=times["adjoint"],
                cgls_iteration_s=times["ours_cgls"], pylops_cgls_iteration_s=times["pylops_cgls"],
                iteration_over_two_applications=times["ours_cgls"] / two_applications,
                pylops_over_ours=times["pylops_cgls"] / times["ours_cgls"],
                ours_dtype=dtypes["ours"], pylops_dtype=dtypes["pylops"])


def run_cost_vs_size(sizes=(256, 512, 1024, 2048, 4096), *, repeat=3, extra=4, progress=False):
    """Part 2: build, apply and one iteration against size, beside the peers."""
    import pylops
    import scipy.ndimage as ndi
    from pylops.optimization.basic import cgls as pylops_cgls
    from skimage.restoration import richardson_lucy
    from tqdm.auto import tqdm

    from convops import convolution_matrix, convolution_operator
    from solvers import cgls

    from .bench_convops import coo_build

    rows = []
    small = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16
    for n in tqdm(sizes, desc="cost vs size", disable=not progress, leave=False):
        _, kernel, blurred = blur_problem(n)
        b = blurred.ravel()
        op = convolution_operator(kernel, blurred.shape, boundary="replicate", output="same")
        offset = tuple(m // 2 for m in kernel.shape)
        pop = pylops.signalprocessing.Convolve2D(blurred.shape, kernel, offset=offset, method="fft",
                                                 dtype="float32")
        x0 = np.zeros(b.size, dtype=np.float32)
        positive = np.clip(blurred, 1e-3, None)
        ours = lambda k: cgls(op, b, reg=1e-3, maxiter=k, tol=0.0)
        theirs = lambda k: pylops_cgls(pop, b, x0=x0, niter=k, damp=math.sqrt(1e-3), tol=0.0)
        times = compare_times({
            "build": lambda: convolution_matrix(small, (n, n), boundary="replicate", output="same"),
            "build_coo": lambda: coo_build(small, (n, n), boundary="replicate", output="same"),
            "apply": lambda: op.apply(blurred),
            "apply_ndimage": lambda: ndi.convolve(blurred, kernel, mode="nearest"),
            "apply_pylops": lambda: pop.matvec(b),
            "iteration": lambda: ours(1), "iteration+": lambda: ours(1 + extra),
            "iteration_pylops": lambda: theirs(1), "iteration_pylops+": lambda: theirs(1 + extra),
            "iteration_skimage_rl": lambda: richardson_lucy(positive, kernel, num_iter=1, clip=False),
        }, repeat=repeat)
        for key in ("iteration", "iteration_pylops"):
            times[key] = _per_iteration(times, key, extra)
            del times[f"{key}+"]
        rows.append(dict(pixels=n * n, size=f"{n}x{n}", method=op.method,
                         **{f"{k}_s": v for k, v in times.items()}))
    return rows


def run(quick: bool = False, progress: bool = False):
    """Both parts; quick mode uses small images."""
    if quick:
        return {"large": run_large_restore(256, repeat=2),
                "cost": run_cost_vs_size((64, 128, 256), repeat=2, progress=progress)}
    return {"large": run_large_restore(), "cost": run_cost_vs_size(progress=progress)}


def main(argv=None):
    configure_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    args = parser.parse_args(argv)
    result = run(args.quick, progress=not args.quick)
    large = result["large"]
    print(f"Restoring a {large['size']} float32 image, {large['kernel']} kernel, replicate boundaries, "
          f"reg={large['reg']}, tol={large['tol']}:")
    print(format_table([{k: v for k, v in large.items() if k not in ("size", "kernel", "reg", "tol")}]))
    print("\nCost against size (seconds, best of 3, interleaved with the peers):")
    print(format_table(result["cost"]))


if __name__ == "__main__":
    main()
