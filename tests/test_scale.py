"""Large problems take the matrix-free path on their own, in their dtype,
with memory proportional to the image."""

import tracemalloc

import numpy as np
import pytest
import scipy.ndimage as ndi

import solvers._kernel_problem as kernel_problem_module
import solvers._restore as restore_module
from convops import BOUNDARIES
from solvers import inverse_kernel, restore


def refuse_matrices(monkeypatch, module):
    def no_matrix(*args, **kwargs):
        raise AssertionError("an explicit matrix was built")

    monkeypatch.setattr(module, "convolution_matrix", no_matrix)


@pytest.mark.parametrize("boundary", list(BOUNDARIES))
def test_restore_goes_matrix_free_for_large_images(monkeypatch, boundary):
    refuse_matrices(monkeypatch, restore_module)
    rng = np.random.default_rng(0)
    image = ndi.gaussian_filter(rng.random((160, 150)), 2).astype(np.float32)
    kernel = np.outer(np.hanning(7)[1:-1], np.hanning(6)[1:-1]).astype(np.float32)
    kernel /= kernel.sum()
    blurred = ndi.convolve(image, kernel, mode=BOUNDARIES[boundary].ndimage)
    result = restore(blurred, kernel, boundary=boundary, reg=1e-4, tol=1e-5)
    assert result.info["method"] in ("cg", "fft", "dct")
    assert result.solution.dtype == np.float32 and result.residual.dtype == np.float32
    assert result.converged


def test_restore_memory_is_proportional_to_the_image():
    rng = np.random.default_rng(1)
    blurred = rng.random((512, 512)).astype(np.float32)
    kernel = np.ones((15, 13), dtype=np.float32) / 195
    tracemalloc.start()
    result = restore(blurred, kernel, boundary="replicate", reg=1e-2, maxiter=5)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.info["method"] == "cg"
    # The explicit matrix would hold 512*512*195 entries (about 600 MiB);
    # the solve needs a few image-sized vectors and FFT buffers.
    assert peak < 40 * blurred.nbytes


def test_inverse_kernel_goes_matrix_free_for_large_supports(monkeypatch):
    refuse_matrices(monkeypatch, kernel_problem_module)
    f = np.random.default_rng(2).standard_normal((9, 9)).astype(np.float32)
    result = inverse_kernel(f, (81, 81))
    assert result.info["method"] == "cg" and result.converged
    assert result.solution.dtype == np.float32
