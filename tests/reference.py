"""Independent references for the tests: numpy.pad, then a direct 'valid'
convolution or correlation from scipy.signal (no code shared with convops)."""

import numpy as np
import scipy.signal as ss

# The curated grid the convops tests share.
KERNELS = {"odd3x3": (3, 3), "even4x4": (4, 4), "nonsquare2x5": (2, 5), "1x1": (1, 1),
           "1xN": (1, 4), "Nx1": (5, 1)}
IMAGES = {"large9x8": (9, 8), "small2x3": (2, 3)}
DTYPES = {"float32": np.float32, "float64": np.float64, "complex128": np.complex128}
TOL = {np.float32: 2e-5, np.float64: 1e-12, np.complex128: 1e-12}


def draw(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def fits(kernel_shape, image_shape, output):
    return output != "valid" or all(m <= n for m, n in zip(kernel_shape, image_shape))


NUMPY_PAD = {"zero": "constant", "circular": "wrap", "replicate": "edge",
             "symmetric": "symmetric", "mirror": "symmetric", "reflect": "reflect"}


def pads(kernel_shape, output, origin=0, correlate=False):
    """(before, after) extension of each axis that makes the window 'valid'."""
    origins = (origin,) * len(kernel_shape) if np.isscalar(origin) else tuple(origin)
    out = []
    for m, o in zip(kernel_shape, origins):
        if output == "full":
            out.append((m - 1, m - 1))
        elif output == "valid":
            out.append((0, 0))
        else:
            before = m // 2 + o if correlate else (m - 1) // 2 - o
            out.append((before, m - 1 - before))
    return out


def reference(image, kernel, boundary, output, origin=0, correlate=False):
    """Pad by numpy's rule, then a direct valid convolution (or correlation)."""
    image = np.asarray(image)
    kernel = np.asarray(kernel)
    padded = np.pad(image, pads(kernel.shape, output, origin, correlate), mode=NUMPY_PAD[boundary])
    if correlate:
        return ss.correlate(padded, kernel, mode="valid", method="direct")
    return ss.convolve(padded, kernel, mode="valid", method="direct")


# Shared by the solver tests.
def random_vector(rng, size, dtype=np.float64):
    v = rng.standard_normal(size)
    if np.dtype(dtype).kind == "c":
        v = v + 1j * rng.standard_normal(size)
    return v.astype(dtype)


def tikhonov_reference(A, b, reg):
    """Minimum-norm minimiser of 0.5||Ax - b||^2 + 0.5 reg ||x||^2 by SVD."""
    n = A.shape[1]
    stacked = np.vstack([A, np.sqrt(reg) * np.eye(n)])
    return np.linalg.lstsq(stacked, np.concatenate([b, np.zeros(n)]), rcond=None)[0]
