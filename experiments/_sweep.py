"""Parameter sweeps on an executor: serial, local processes, or a Dask cluster.

A sweep maps a module-level function over a grid of parameter dicts::

    results = run_sweep(task, [{"size": 3}, {"size": 5}], desc="sizes")

Each task gets its own random generator seeded from the sweep's seed and
the task's parameters (never from the worker that runs it), so the results
are identical whether the tasks run serially, in local processes or on a
Dask cluster.  With a cache folder, every finished result is written there
as it finishes (JSON, atomically) and a re-run loads it instead of
recomputing: an interrupted sweep loses nothing already computed.  The
cache key holds the parameters, the seed and a hash of the task function's
source; after changing code the task calls, delete the cache (the command
line's ``--fresh``).

Where the tasks run is set by :func:`sweep_settings` (the command line does
this from ``--scheduler``/``--workers``), or per call with ``executor=``:

- ``"serial"``: in this process, one after the other;
- ``"processes"`` (the default): a local ``ProcessPoolExecutor``;
- a ``dask.distributed.Client`` or a scheduler address such as
  ``"tcp://10.0.0.5:8786"`` (needs ``pip install ".[distributed]"``);
- any ``concurrent.futures.Executor``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import contextvars
import hashlib
import inspect
import json
import os
from pathlib import Path
from typing import Callable, Mapping, Sequence

__all__ = ["run_sweep", "sweep_settings", "task_key", "task_rng", "connect"]

_SETTINGS: contextvars.ContextVar[dict] = contextvars.ContextVar(
    "sweep_settings", default={"executor": "processes", "cache": None, "workers": None, "progress": False})


def task_key(params: Mapping) -> str:
    """Stable identifier of a task: a hash of its parameters (JSON, sorted keys)."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def task_rng(seed: int, params: Mapping) -> "numpy.random.Generator":
    """The generator of one task: seeded by the sweep seed and the task's parameters."""
    import numpy as np  # here, not at import: importing the package stays light (see experiments/__init__)

    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).digest()
    words = np.frombuffer(digest[:16], dtype=np.uint32).tolist()
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 5.0


def connect(address: str, *, timeout: float | None = None):
    """A ``dask.distributed.Client`` for a scheduler address.

    Parameters
    ----------
    address : str
        Scheduler address, such as ``"tcp://10.0.0.5:8786"``.
    timeout : float, optional
        Seconds to wait for the scheduler (default :data:`CONNECT_TIMEOUT`).

    Raises
    ------
    ImportError
        When ``dask.distributed`` is not installed.
    ConnectionError
        Naming the address, when no scheduler answers within `timeout`.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise ImportError('a Dask scheduler needs the distributed extra: pip install ".[distributed]"') from None
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"no Dask scheduler answered at {address!r} within {timeout:g} s "
                              f"(start one with 'dask scheduler', or check the address): {exc}") from exc


@contextlib.contextmanager
def sweep_settings(*, executor=None, cache=None, workers=None, progress=None):
    """Set where sweeps run (and their cache folder) within a ``with`` block.

    Parameters
    ----------
    executor : {'serial', 'processes'}, Client, str or Executor, optional
        See the module docstring; a string other than the two names is a
        Dask scheduler address.
    cache : path, optional
        Folder for finished results (one JSON file per task).
    workers : int, optional
        Local processes (default: the number of CPUs).
    progress : bool, optional
        Show progress bars.
    """
    current = dict(_SETTINGS.get())
    updates = {"executor": executor, "cache": cache, "workers": workers, "progress": progress}
    current.update({k: v for k, v in updates.items() if v is not None})
    token = _SETTINGS.set(current)
    try:
        yield current
    finally:
        _SETTINGS.reset(token)


def _source_digest(func) -> str:
    """Hash of the task function's source, so an edited task is recomputed."""
    try:
        return hashlib.sha256(inspect.getsource(func).encode()).hexdigest()[:12]
    except (OSError, TypeError):
        return ""


def _call(func, params, seed):
    return func(dict(params), task_rng(seed, params))


def _load(path: Path):
    try:
        return json.loads(path.read_text())["result"]
    except (OSError, ValueError, KeyError):
        return None


def _store(path: Path, params, result) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"params": params, "result": result}, default=_jsonable))
    os.replace(tmp, path)


def _jsonable(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"sweep results must be JSON-serialisable; got {type(value).__name__}")


def _is_dask(executor) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"


def run_sweep(func: Callable, grid: Sequence[Mapping], *, seed: int = 0, executor=None, cache=None,
              desc: str = "sweep", progress=None) -> list:
    """Run ``func(params, rng)`` for every parameter dict of `grid`.

    Parameters
    ----------
    func : callable
        A module-level function (it must pickle) taking the parameter dict
        and a ``numpy.random.Generator``, returning a JSON-serialisable value.
    grid : sequence of dict
        Task parameters (JSON-serialisable).
    seed : int
        Sweep seed; task ``t`` uses :func:`task_rng` ``(seed, t)``.
    executor, cache, progress
        Override the current :func:`sweep_settings`.
    desc : str
        Progress bar label; also names the cache subfolder.

    Returns
    -------
    list
        Results in the order of `grid`.

    Raises
    ------
    KeyboardInterrupt
        Re-raised after cancelling the pending tasks; finished results are
        already in the cache.
    """
    from tqdm.auto import tqdm

    settings = _SETTINGS.get()
    executor = settings["executor"] if executor is None else executor
    cache = settings["cache"] if cache is None else cache
    progress = settings["progress"] if progress is None else progress
    grid = [dict(p) for p in grid]
    identity = {"func": f"{func.__module__}.{func.__qualname__}", "code": _source_digest(func), "seed": seed}
    keys = [task_key({**identity, **p}) for p in grid]
    folder = None if cache is None else Path(cache) / desc.replace(" ", "_")
    results: list = [None] * len(grid)
    done = [False] * len(grid)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for i, key in enumerate(keys):
            path = folder / f"{key}.json"
            if path.exists():
                loaded = _load(path)
                if loaded is not None:
                    results[i], done[i] = loaded, True
    todo = [i for i in range(len(grid)) if not done[i]]
    bar = tqdm(total=len(grid), initial=len(grid) - len(todo), desc=desc, disable=not progress, leave=False)

    def finish(i, value):
        value = json.loads(json.dumps(value, default=_jsonable))  # the same types from every executor
        results[i] = value
        if folder is not None:
            _store(folder / f"{keys[i]}.json", grid[i], value)
        bar.update()

    owned = None
    try:
        if executor == "serial" or not todo:
            for i in todo:
                finish(i, _call(func, grid[i], seed))
            return results
        if executor == "processes":
            owned = executor = cf.ProcessPoolExecutor(max_workers=settings["workers"] or os.cpu_count())
        elif isinstance(executor, str):
            owned = executor = connect(executor)
        futures = {executor.submit(_call, func, grid[i], seed): i for i in todo}
        if _is_dask(executor):
            from dask.distributed import as_completed
        else:
            as_completed = cf.as_completed
        try:
            for future in as_completed(list(futures)):
                finish(futures[future], future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return results
    finally:
        bar.close()
        if owned is not None:
            if isinstance(owned, cf.Executor):
                owned.shutdown(wait=False, cancel_futures=True)
            else:
                owned.close()
