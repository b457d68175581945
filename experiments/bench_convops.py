"""Benchmark: building the convolution matrix and applying the operator,
each beside its peer measured in the same run.

Run ``python -m experiments.bench_convops`` (``--quick`` for a small size).

* Build: ``convolution_matrix`` against the straightforward vectorised
  build (COO triplets from the same index maps, then ``.tocsr()``), in
  million non-zeros per second, with the build's peak memory as a multiple
  of the finished matrix (tracemalloc, in a separate untimed run).
* Apply: ``convolution_operator(...).apply`` against ``scipy.ndimage.convolve``
  (small kernels) and against a product with a cached FFT spectrum after
  ``numpy.pad`` (large kernels), for every boundary rule.
"""

from __future__ import annotations

if __name__ == "__main__":  # run as a script: pin BLAS before numpy loads
    from experiments._cli import configure_process

    configure_process()

import argparse
import tracemalloc

import numpy as np
import scipy.fft as sfft
import scipy.ndimage as ndi
import scipy.sparse as sp
from tqdm.auto import tqdm

from convops import BOUNDARIES, convolution_matrix, convolution_operator
from convops._geometry import plan_convolution

from ._cli import configure_process
from ._timing import best_time, check_agreement, compare_times, format_table

__all__ = ["coo_build", "run_build", "run_apply", "run", "main"]


def coo_build(kernel, shape, *, boundary, output):
    """The straightforward vectorised build: one (row, column, value)
    triplet per tap and output, then ``tocsr()`` sums the duplicates."""
    g = plan_convolution(kernel, shape, boundary=boundary, output=output)
    grids = np.meshgrid(*(np.arange(n) for n in g.out_shape), indexing="ij")
    rows = np.ravel_multi_index([q.ravel() for q in grids], g.out_shape)
    r_all, c_all, v_all = [], [], []
    for tap in np.ndindex(*g.weights.shape):
        cols = []
        for axis, t in enumerate(tap):
            cols.append(g.extension(axis)[grids[axis].ravel() + t])
        valid = np.all([c >= 0 for c in cols], axis=0)
        r_all.append(rows[valid])
        c_all.append(np.ravel_multi_index([c[valid] for c in cols], g.in_shape))
        v_all.append(np.full(int(valid.sum()), g.weights[tap]))
    coo = sp.coo_array((np.concatenate(v_all), (np.concatenate(r_all), np.concatenate(c_all))),
                       shape=(int(np.prod(g.out_shape)), int(np.prod(g.in_shape))))
    return coo.tocsr()


def _nbytes(A) -> int:
    return A.data.nbytes + A.indices.nbytes + A.indptr.nbytes


def run_build(size=512, ksize=15, *, cases=None, repeat=3, seed=0, progress=False):
    """Build speed and peak memory against the COO build."""
    rng = np.random.default_rng(seed)
    kernel = rng.standard_normal((ksize, ksize))
    cases = cases or [(b, "same") for b in BOUNDARIES] + [("zero", "full")]
    rows = []
    for boundary, output in tqdm(cases, desc="matrix build", disable=not progress, leave=False):
        build = lambda: convolution_matrix(kernel, (size, size), boundary=boundary, output=output)
        A = build()
        times = compare_times({"ours": build, "coo": lambda: coo_build(kernel, (size, size), boundary=boundary,
                                                                       output=output)}, repeat=repeat)
        t_ours, t_coo = times["ours"], times["coo"]
        B = coo_build(kernel, (size, size), boundary=boundary, output=output)
        check_agreement(abs(A - B).max(), 1e-12 * abs(kernel).sum(), "convolution_matrix and the COO build")
        del B
        tracemalloc.start()
        A2 = build()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append(dict(image=f"{size}x{size}", kernel=f"{ksize}x{ksize}", boundary=boundary, output=output,
                         nnz=A.nnz, matrix_MiB=_nbytes(A) / 2**20,
                         ours_s=t_ours, coo_s=t_coo, ours_Mnnz_s=A.nnz / t_ours / 1e6,
                         coo_Mnnz_s=A.nnz / t_coo / 1e6, speedup=t_coo / t_ours,
                         peak_over_matrix=peak / _nbytes(A2)))
        del A, A2
    return rows


def _fft_peer(image, kernel, boundary):
    """np.pad by the rule, then a product with a cached rfft spectrum."""
    m = kernel.shape
    if boundary == "circular":
        padded = np.zeros(image.shape)
        padded[: m[0], : m[1]] = kernel
        spectrum = sfft.rfft2(np.roll(padded, (-(m[0] // 2), -(m[1] // 2)), axis=(0, 1)))
        return lambda: sfft.irfft2(sfft.rfft2(image) * spectrum, s=image.shape)
    lo = [(k - 1) // 2 for k in m]
    pads = [(a, k - 1 - a) for a, k in zip(lo, m)]
    grid = [sfft.next_fast_len(n + k - 1, real=True) for n, k in zip(image.shape, m)]
    spectrum = sfft.rfft2(kernel, s=grid)
    mode = BOUNDARIES[boundary].numpy_pad
    crop = tuple(slice(k - 1, k - 1 + n) for k, n in zip(m, image.shape))
    return lambda: sfft.irfft2(sfft.rfft2(np.pad(image, pads, mode=mode), s=grid) * spectrum, s=grid)[crop]


def run_apply(size=512, ksizes=(3, 5, 15, 31), *, repeat=25, seed=0, progress=False):
    """Forward apply ('same') against ndimage and the cached-FFT product."""
    rng = np.random.default_rng(seed)
    image = rng.standard_normal((size, size))
    rows = []
    for k in tqdm(ksizes, desc="operator apply", disable=not progress, leave=False):
        kernel = rng.standard_normal((k, k))
        for boundary, rule in BOUNDARIES.items():
            op = convolution_operator(kernel, image.shape, boundary=boundary, output="same")
            peers = {"ndimage": lambda: ndi.convolve(image, kernel, mode=rule.ndimage),
                     "cached_fft": _fft_peer(image, kernel, boundary)}
            check_agreement(np.abs(op.apply(image) - peers["ndimage"]()).max(), 1e-8,
                            f"convolution_operator and ndimage.convolve ({boundary}, kernel {k}x{k})")
            times = compare_times({"ours": lambda: op.apply(image), **peers}, repeat=repeat)
            best_peer = min(("ndimage", "cached_fft"), key=times.get)
            rows.append(dict(image=f"{size}x{size}", kernel=f"{k}x{k}", boundary=boundary, method=op.method,
                             ours_ms=1e3 * times["ours"], ndimage_ms=1e3 * times["ndimage"],
                             cached_fft_ms=1e3 * times["cached_fft"],
                             adjoint_ms=1e3 * best_time(lambda: op.apply_adjoint(image), repeat=repeat),
                             ratio_to_best_peer=times["ours"] / times[best_peer], best_peer=best_peer))
    return rows


def run(quick: bool = False, progress: bool = False):
    """Both tables as ``{'build': rows, 'apply': rows}``."""
    if quick:
        return {"build": run_build(96, 7, cases=[("replicate", "same")], repeat=2, progress=progress),
                "apply": run_apply(96, (3, 15), repeat=3, progress=progress)}
    return {"build": run_build(progress=progress), "apply": run_apply(progress=progress)}


def main(argv=None):
    configure_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    args = parser.parse_args(argv)
    tables = run(args.quick)
    print("Matrix build (image 512x512, kernel 15x15; best of 3):" if not args.quick else "Matrix build:")
    print(format_table(tables["build"]))
    print("\nForward apply, output 'same' (best of 25, interleaved):")
    print(format_table(tables["apply"]))


if __name__ == "__main__":
    main()
