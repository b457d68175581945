"""The one progress-bar rule of every long solve: a solve that finishes early shrinks the
total to what was done (a bar closed below its total looks like a failure); an interrupted one
is left as it stood."""

from __future__ import annotations

from contextlib import contextmanager

from tqdm.auto import tqdm

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(total: int, desc: str, enabled: bool, *, unit: str = "it"):
    """A tqdm bar over `total` steps labelled `desc` (a no-op one unless `enabled`) whose
    total shrinks to the steps done when the ``with`` block ends normally.

    >>> with progress_bar(1000, "demo", False) as bar:
    ...     bar.update(10)      # converged after 10 of 1000 iterations
    """
    if not enabled:  # no tqdm at all: its first bar in a process costs ~10 ms
        yield _NoBar()
        return
    bar = tqdm(total=total, desc=desc, mininterval=0.25, unit=unit, leave=False)
    try:
        yield bar
    except BaseException:
        bar.close()
        raise
    if bar.n < bar.total:
        bar.total = bar.n
        bar.refresh()
    bar.close()


class _NoBar:
    """What a disabled bar offers: nothing happens."""

    n = 0

    def update(self, n: int = 1) -> None:
        pass
