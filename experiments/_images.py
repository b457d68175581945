"""Test images shipped with the dependencies (never downloaded)."""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["camera"]


def camera(size: int = 256) -> np.ndarray:
    """scikit-image's bundled ``camera`` photograph, resized to ``size x size``.

    Returns float64 values on the 0-255 scale (anti-aliased resize), a new
    array on every call (the resized image is computed once per size).
    """
    return _camera(int(size)).copy()


@functools.lru_cache(maxsize=8)
def _camera(size: int) -> np.ndarray:
    from skimage import data
    from skimage.transform import resize

    image = data.camera().astype(np.float64)
    if image.shape != (size, size):
        image = resize(image, (size, size), anti_aliasing=True, preserve_range=True)
    image.flags.writeable = False
    return image
