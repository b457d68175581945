"""Test images shipped with the dependencies (never downloaded)."""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["camera", "photograph", "PHOTOGRAPHS"]

#: scikit-image's bundled photographs that :func:`photograph` serves (colour ones in grey).
PHOTOGRAPHS = ("camera", "astronaut", "moon", "coins", "coffee", "chelsea")


def camera(size: int = 256) -> np.ndarray:
    """scikit-image's bundled ``camera`` photograph, resized to ``size x size``.

    Returns float64 values on the 0-255 scale (anti-aliased resize), a new
    array on every call (the resized image is computed once per size).
    """
    return _camera(int(size)).copy()


def photograph(name: str = "camera") -> np.ndarray:
    """One of scikit-image's bundled photographs at its own resolution, in grey.

    Parameters
    ----------
    name : {'camera', 'astronaut', 'moon', 'coins', 'coffee', 'chelsea'}
        The ``skimage.data`` function; colour photographs are converted by
        ``skimage.color.rgb2gray`` (ITU-R BT.709 luminance).

    Returns
    -------
    ndarray of float64, 2-D
        Gray levels on the 0-255 scale, a new array on every call.

    Raises
    ------
    ValueError
        An unknown `name`, naming the allowed ones.
    """
    if name not in PHOTOGRAPHS:
        raise ValueError(f"photograph name must be one of {', '.join(map(repr, PHOTOGRAPHS))}, got {name!r}")
    return _photograph(name).copy()


@functools.lru_cache(maxsize=8)
def _photograph(name: str) -> np.ndarray:
    from skimage import color, data

    image = getattr(data, name)()
    image = 255.0 * color.rgb2gray(image) if image.ndim == 3 else image.astype(np.float64)
    image.flags.writeable = False
    return image


@functools.lru_cache(maxsize=8)
def _camera(size: int) -> np.ndarray:
    from skimage.transform import resize

    image = np.array(_photograph("camera"))
    if image.shape != (size, size):
        image = resize(image, (size, size), anti_aliasing=True, preserve_range=True)
    image.flags.writeable = False
    return image
