"""Small plotting helpers shared by the studies (matplotlib's object API,
no pyplot state, Agg backend)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["figure", "show_image", "log_axis_label"]


def figure(nrows: int = 1, ncols: int = 1, *, width: float = 5.0, height: float = 3.6, **kwargs):
    """A new Figure and its axes (an array when there are several)."""
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def show_image(ax, image, title: str = "", *, vmin=None, vmax=None, cmap="gray", colorbar: bool = False):
    """An image panel without ticks; real part of complex data is refused."""
    image = np.asarray(image)
    if np.iscomplexobj(image):
        raise TypeError("show_image draws real images; pass abs() or .real explicitly")
    handle = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    if colorbar:
        ax.figure.colorbar(handle, ax=ax, shrink=0.8)
    return handle


def log_axis_label(quantity: str, unit: str = "") -> str:
    """Axis label with the unit in brackets and the log scale said."""
    return f"{quantity}{f' [{unit}]' if unit else ''} (log scale)"
