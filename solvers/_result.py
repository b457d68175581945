"""The one result type every solver returns."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

__all__ = ["History", "SolverResult"]  # HistoryRecorder is internal


@dataclass(frozen=True)
class History:
    """Per-iteration record of a solve (entry 0 is the starting point).

    Attributes
    ----------
    objective : ndarray of float
        ``0.5 ||A x - b||^2 + 0.5 reg ||x||^2`` (or the method's documented objective).
    residual_norm : ndarray of float
        ``||A x - b||_2``.
    gradient_norm : ndarray of float
        ``||A^H (A x - b) + reg x||_2`` (the normal-equations residual).
    time : ndarray of float
        Seconds elapsed since the solve started.
    """

    objective: np.ndarray
    residual_norm: np.ndarray
    gradient_norm: np.ndarray
    time: np.ndarray

    def __len__(self) -> int:
        return len(self.objective)

    @classmethod
    def empty(cls) -> "History":
        z = np.zeros(0)
        return cls(z, z, z, z)


@dataclass(frozen=True)
class SolverResult:
    """What every solver and inverse in :mod:`solvers` returns.

    Attributes
    ----------
    solution : ndarray
        The estimate (an image, an inverse kernel, a vector).
    iterations : int
        Iterations performed (0 for direct methods).
    converged : bool
        Whether the documented stopping rule was met (direct solves: True).
    history : History
        Per-iteration objective, residual norm, gradient norm and time.
    objective : float
        Final objective value.
    residual : ndarray or None
        Final residual ``A x - b``, shaped like the data where that has a shape.
    message : str
        Why the solver stopped.
    info : Mapping
        Method-specific extras (step size, delay, ...), read-only.
    """

    solution: np.ndarray
    iterations: int
    converged: bool
    history: History
    objective: float
    residual: np.ndarray | None = None
    message: str = ""
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))


class HistoryRecorder:
    """Collects the per-iteration record of a solve; ``.history()`` freezes it."""

    def __init__(self):
        self._start = time.perf_counter()
        self._rows: list[tuple[float, float, float, float]] = []

    def record(self, *, objective, residual_norm, gradient_norm) -> None:
        self._rows.append((float(objective), float(residual_norm), float(gradient_norm),
                           time.perf_counter() - self._start))

    def history(self) -> History:
        if not self._rows:
            return History.empty()
        cols = np.array(self._rows, dtype=float).T
        return History(*cols)
