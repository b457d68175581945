"""Error measures and rate fits shared by the studies.

Image quality is scikit-image's (``skimage.metrics``) with an explicit
``data_range``: the studies' images are gray levels 0..255 (the scale of the
texts they reproduce, whose noise has variance 1 in those units)."""

from __future__ import annotations

import numpy as np

from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

__all__ = ["PEAK", "FIT_FLOOR", "mse", "psnr", "ssim", "error_metrics", "fit_geometric_rate", "fit_power_law"]

#: Peak value of the gray scale, for the PSNR.
PEAK = 255.0

#: Errors below this are at rounding level and are left out of the fits.
FIT_FLOOR = 1e-12


def mse(estimate, reference) -> float:
    """Mean squared error (gray levels squared)."""
    return float(mean_squared_error(np.broadcast_to(reference, np.shape(estimate)), np.asarray(estimate)))


def psnr(estimate, reference, peak: float = PEAK) -> float:
    """Peak signal-to-noise ratio in dB for a gray scale of range `peak`."""
    return float(peak_signal_noise_ratio(np.asarray(reference, float), np.asarray(estimate, float), data_range=peak))


def ssim(estimate, reference, peak: float = PEAK) -> float:
    """Structural similarity (scikit-image's defaults: 7x7 windows) for a gray scale of range `peak`."""
    return float(structural_similarity(np.asarray(reference, float), np.asarray(estimate, float), data_range=peak))


def error_metrics(estimate, reference) -> dict:
    """``{'mse': ..., 'psnr': ..., 'ssim': ...}`` of `estimate` against `reference`."""
    return {"mse": mse(estimate, reference), "psnr": psnr(estimate, reference), "ssim": ssim(estimate, reference)}


def fit_geometric_rate(x, y) -> dict:
    """Least-squares fit of ``log y = a + b x``: ``y ~ C rate**x``.

    Returns ``rate = exp(b)`` (the factor per unit of `x`), ``slope`` b,
    ``intercept`` a and the coefficient of determination ``r2`` of the fit.
    """
    return _linear_fit(np.asarray(x, float), np.log(np.asarray(y, float)), rate=True)


def fit_power_law(x, y) -> dict:
    """Least-squares fit of ``log y = a + b log x``: ``y ~ C x**b``.

    Returns ``exponent`` b, ``intercept`` a and ``r2``.
    """
    return _linear_fit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), rate=False)


def _linear_fit(x: np.ndarray, y: np.ndarray, *, rate: bool) -> dict:
    slope, intercept = np.polyfit(x, y, 1)
    r2 = 1.0 - np.sum((y - (intercept + slope * x)) ** 2) / np.sum((y - y.mean()) ** 2)
    key = {"rate": float(np.exp(slope)), "slope": float(slope)} if rate else {"exponent": float(slope)}
    return {**key, "intercept": float(intercept), "r2": float(r2)}
