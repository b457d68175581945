r"""Test problems without the inverse crime: the observation is a crop of a larger blurred scene.

A restoration that blurs with a boundary rule and restores with the same rule commits the *inverse
crime*: the model is exact by construction.  A real photograph is a window on a larger scene, blurred
with the scene around it, so that no boundary rule is right.  :func:`crop_problem` makes such data: a
window of one of scikit-image's bundled photographs (the *scene*), blurred, of which only the ``valid``
part is observed (every observed value is a weighted sum of scene pixels, none invented), plus noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from convops import convolution_operator
from convops._validation import check_real

from ._images import photograph
from ._metrics import PEAK

__all__ = ["CropProblem", "crop_problem"]


@dataclass(frozen=True, eq=False)
class CropProblem:
    r"""A blurred, noisy crop of a larger scene, and the truth under it.

    Attributes
    ----------
    observed : ndarray, shape (N0, N1)
        ``valid`` part of the blurred scene plus noise: :math:`y = (h * s)_{\mathrm{valid}} + e`.
    truth : ndarray, shape (N0, N1)
        ``scene[crop]``: the pixels the observed values are centred on (what a ``'same'`` restoration
        of `observed` estimates).
    scene : ndarray, shape (N0 + m0 - 1, N1 + m1 - 1)
        The larger true scene (what an ``output='valid'`` restoration of `observed` estimates).
    crop : tuple of slice
        ``truth == scene[crop]``: ``m - 1 - m // 2`` pixels in from the top and the left.
    window : tuple of slice
        ``scene == photograph(image)[window] * peak / 255``.
    kernel : ndarray, shape (m0, m1)
        The blur.
    noise_std : float
        Standard deviation of the Gaussian noise, in the units of `scene`.
    image : str
        The photograph.
    """

    observed: np.ndarray
    truth: np.ndarray
    scene: np.ndarray
    crop: tuple
    window: tuple
    kernel: np.ndarray
    noise_std: float
    image: str


def crop_problem(kernel, shape, *, image="camera", corner=None, noise_std=1.0, seed=0, peak=PEAK) -> CropProblem:
    r"""A restoration problem free of the inverse crime: the ``valid`` part of a blurred larger scene.

    The scene ``s`` is the window of shape ``(N0 + m0 - 1, N1 + m1 - 1)`` of a photograph whose top-left
    corner is `corner`; the observation is

    .. math:: y[i, j] = \sum_{k, l} h[k, l]\, s[i + m_0 - 1 - k,\ j + m_1 - 1 - l] + e[i, j],
              \quad 0 \le i < N_0,\ 0 \le j < N_1,

    (``scipy.signal.convolve2d(s, h, 'valid')``, computed by :func:`convops.convolution_operator` with
    ``output='valid'``), ``e`` white Gaussian noise of standard deviation `noise_std`.  The value
    ``y[i, j]`` is centred (the anchor ``m // 2`` of ``'same'`` convolution) on the scene pixel
    ``(i + m0 - 1 - m0 // 2, j + m1 - 1 - m1 // 2)``: the truth under ``y`` is ``scene[crop]`` and
    ``y - e`` equals ``scipy.ndimage.convolve(scene, h)[crop]`` whatever the boundary mode.

    Parameters
    ----------
    kernel : array_like, shape (m0, m1)
        The blur, real.
    shape : (int, int)
        Shape ``(N0, N1)`` of the observation, each at least 1.
    image : str, optional
        A photograph of :func:`experiments._images.photograph` (default ``'camera'``, 512x512).
    corner : (int, int), optional
        Top-left pixel of the scene in the photograph; default: the scene centred in it.
    noise_std : float, optional
        Standard deviation of the noise, in the units of `peak` (default 1 gray level of 255), >= 0.
    seed : int or numpy.random.Generator, optional
        Seed of the noise (``numpy.random.default_rng(seed)``).
    peak : float, optional
        White of the scene: 255 (the studies' gray levels, default) or 1 (values in [0, 1]), > 0.

    Returns
    -------
    CropProblem
        ``observed``, ``truth``, ``scene``, the slices ``crop`` and ``window``, ``kernel``, ``noise_std``,
        ``image``.

    Raises
    ------
    ValueError
        A kernel that is not 2-D or not finite, a `shape` or `corner` that is not two non-negative ints,
        a scene that does not fit in the photograph (naming its size), a negative or non-finite
        `noise_std` or a non-positive `peak`.
    TypeError
        A complex or non-numeric kernel.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.signal import convolve2d
    >>> from experiments import crop_problem
    >>> problem = crop_problem(np.ones((3, 5)) / 15, (64, 48), noise_std=0.0)
    >>> problem.observed.shape, problem.scene.shape, problem.crop
    ((64, 48), (66, 52), (slice(1, 65, None), slice(2, 50, None)))
    >>> bool(np.allclose(problem.observed, convolve2d(problem.scene, problem.kernel, "valid")))
    True
    """
    h = np.asarray(kernel)
    if h.dtype.kind not in "biuf":
        raise TypeError(f"kernel must be a real array, got dtype {h.dtype}")
    h = h.astype(np.float64)
    if h.ndim != 2 or h.size == 0 or not np.all(np.isfinite(h)):
        raise ValueError(f"kernel must be a non-empty finite 2-D array, got shape {h.shape}")
    shape = _pair(shape, "shape", minimum=1)
    noise_std = check_real(noise_std, "noise_std", low=0.0)
    peak = check_real(peak, "peak", low=0.0, low_open=True)
    photo = photograph(image)
    extent = tuple(n + m - 1 for n, m in zip(shape, h.shape))
    if any(e > p for e, p in zip(extent, photo.shape)):
        raise ValueError(f"the scene of shape {extent} (observation {shape} + kernel {h.shape} - 1) does not fit "
                         f"in the {image!r} photograph of shape {photo.shape}")
    if corner is None:
        corner = tuple((p - e) // 2 for p, e in zip(photo.shape, extent))
    corner = _pair(corner, "corner", minimum=0)
    if any(c + e > p for c, e, p in zip(corner, extent, photo.shape)):
        raise ValueError(f"a scene of shape {extent} at corner {corner} leaves the {image!r} photograph of shape "
                         f"{photo.shape}")
    window = tuple(slice(c, c + e) for c, e in zip(corner, extent))
    scene = photo[window] * (peak / 255.0)
    crop = tuple(slice(m - 1 - m // 2, m - 1 - m // 2 + n) for n, m in zip(shape, h.shape))
    blurred = np.asarray(convolution_operator(h, extent, boundary="zero", output="valid").apply(scene))
    noise = np.random.default_rng(seed).normal(0.0, noise_std, shape) if noise_std else 0.0
    return CropProblem(observed=blurred + noise, truth=scene[crop].copy(), scene=scene, crop=crop, window=window,
                       kernel=h, noise_std=noise_std, image=image)


def _pair(value, name, *, minimum):
    """Two ints >= `minimum`, as a tuple."""
    try:
        pair = tuple(int(v) for v in value)
        ok = len(pair) == 2 and all(p == v for p, v in zip(pair, value))
    except (TypeError, ValueError):
        ok = False
    if not ok or min(pair) < minimum:
        raise ValueError(f"{name} must be two ints >= {minimum}, got {value!r}")
    return pair


def choose_reg_quietly(*args, **kwargs):
    """:func:`solvers.choose_reg` without its ``RuntimeWarning`` for a choice at the end of the grid: a study
    records the choice's ``interior`` flag and states it, instead of printing the warning mid-run."""
    import warnings

    from solvers import choose_reg

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".* is at the end of the grid", category=RuntimeWarning)
        return choose_reg(*args, **kwargs)
