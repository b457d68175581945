"""Timing and table printing shared by the benchmarks."""

from __future__ import annotations

import time
from typing import Callable, Iterable, Mapping, Sequence

__all__ = ["best_time", "compare_times", "check_agreement", "format_table"]


def best_time(func: Callable[[], object], *, repeat: int = 5, number: int = 1) -> float:
    """Best-of-`repeat` wall time in seconds of `number` calls of `func`, per call.

    The minimum is the least disturbed run on a shared machine; the first
    call is included in the repeats (nothing is cached by this function).
    """
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def compare_times(funcs: Mapping[str, Callable[[], object]], *, repeat: int = 7) -> dict[str, float]:
    """Best wall time in seconds of each function, measured interleaved.

    Each round calls every function once, in turn, so that a change of load
    on a shared machine affects all of them alike, starting from a different
    one each round (the first call of a round tends to pay for the cache
    state the previous one left); the best of `repeat` rounds is reported
    for each.
    """
    best = {name: float("inf") for name in funcs}
    order = list(funcs.items())
    for round_ in range(repeat):
        shift = round_ % len(order)
        for name, func in order[shift:] + order[:shift]:
            start = time.perf_counter()
            func()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def check_agreement(difference: float, tolerance: float, what: str) -> None:
    """Refuse to time implementations that give different numbers.

    Raises
    ------
    RuntimeError
        When `difference` (the largest difference between the two results)
        exceeds `tolerance` or is NaN; `what` names the two.  A plain
        check, not ``assert``, so that it also runs under ``python -O``.
    """
    if not difference <= tolerance:
        raise RuntimeError(f"{what} disagree: largest difference {difference:.3g} exceeds the tolerance "
                           f"{tolerance:.3g}")


def format_table(rows: Iterable[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """Render dict rows as an aligned plain-text (Markdown) table."""
    rows = list(rows)
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())

    def cell(v):
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    body = [[cell(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(columns)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(columns), sep, *(line(b) for b in body)])
