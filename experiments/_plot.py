"""Small plotting helpers shared by the studies (matplotlib's object API,
no pyplot state, Agg backend)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

__all__ = ["figure", "show_image", "log_axis_label", "wide_log_ticks", "RULE_LABELS"]

#: How figures and tables name the parameter-choice rules of :func:`solvers.choose_reg`.
RULE_LABELS = {"gcv": "GCV", "upre": "UPRE", "discrepancy": "discrepancy", "lcurve": "L-curve"}


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


def wide_log_ticks(ax, *, decades: float = 6.0, numticks: int = 6) -> None:
    """On each log axis of `ax` spanning more than `decades` decades: at most
    `numticks` labelled decades and no minor ticks (too dense to read there,
    and most of a figure's drawing time)."""
    from matplotlib.ticker import LogLocator, NullLocator

    for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        low, high = sorted(limits)
        if axis.get_scale() == "log" and low > 0 and np.log10(high / low) > decades:
            axis.set_major_locator(LogLocator(numticks=numticks))
            axis.set_minor_locator(NullLocator())
