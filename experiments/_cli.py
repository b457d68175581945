"""``python -m experiments [NAME ...|all] [--out DIR] [--quick]``."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from ._report import read_study, write_index, write_study
from ._study import load_studies
from ._sweep import connect, sweep_settings

__all__ = ["main", "run_studies", "configure_process", "ALL"]

#: The name that selects every study, including those not run by default.
ALL = "all"

#: BLAS thread counts the entry points pin to one (unless already set).
_BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

#: Executors that are not a Dask scheduler address.
_LOCAL_EXECUTORS = ("serial", "processes")


def configure_process() -> None:
    """Set up a command-line process: matplotlib's non-interactive Agg
    backend, and BLAS pinned to one thread (unless the environment says
    otherwise).

    Only the entry points call this (``python -m experiments`` and the
    benchmark scripts), never an import: a notebook keeps its backend and
    its environment.  The studies time solvers side by side with their
    peers, and multi-threaded BLAS kernels slow down by an order of
    magnitude on a machine whose cores are shared.  BLAS reads the variables
    when numpy loads, which is why importing :mod:`experiments` does not
    load numpy; subprocesses (a fresh interpreter measuring peak memory)
    inherit them.
    """
    import matplotlib

    matplotlib.use("Agg")
    for variable in _BLAS_VARIABLES:
        os.environ.setdefault(variable, "1")


def _select(studies: dict, names) -> list[str]:
    """Names of the studies to run: the default ones when `names` is empty,
    every one for ``'all'``; ValueError naming any unknown name."""
    names = list(names or ())
    if not names:
        return [name for name, study in studies.items() if study.run_by_default]
    unknown = [n for n in names if n not in studies and n != ALL]
    if unknown:
        raise ValueError(f"unknown study {', '.join(map(repr, unknown))}; allowed: {', '.join(studies)} "
                         f"or {ALL!r}")
    if ALL in names:
        return list(studies)
    return list(dict.fromkeys(names))


def _command(name: str, quick: bool, out: Path) -> str:
    options = (" --quick" if quick else "") + ("" if Path(out) == Path("results") else f" --out {out}")
    return f"python -m experiments {name}{options}"


def run_studies(names=None, *, out="results", quick=False, progress=True, executor=None, workers=None,
                fresh=False, log=print):
    """Run studies by name, write their outputs and the index.

    Parameters
    ----------
    names : sequence of str, optional
        Study names, or ``'all'`` for every study.  Default: the studies
        run by default (every one but the benchmark, which takes minutes).
    out : path, optional
        Output folder: one subfolder per study, ``index.md`` and
        ``index.html``.  The index also shows the results that earlier runs
        (in the same mode) left in `out`, and says how to run the studies
        that have none.
    quick : bool, optional
        Small version of each study (seconds).
    progress : bool, optional
        Progress bars.
    executor : {'processes', 'serial'}, str, Client or Executor, optional
        Where parameter sweeps run (see :mod:`experiments._sweep`):
        ``'processes'`` by default, ``'serial'``, a
        ``dask.distributed.Client`` or a scheduler address, to which this
        function connects before running anything.
    workers : int, optional
        Local processes for sweeps (default: one per CPU).
    fresh : bool, optional
        Clear the sweep cache ``<out>/.sweeps`` first; otherwise a re-run
        skips the finished sweep tasks.
    log : callable, optional
        Called with each line of the log.

    Returns
    -------
    outputs : list of StudyOutput
        The studies written by this run.
    failures : list of (str, str)
        For each study that raised, its name and traceback text.

    Raises
    ------
    ValueError
        Naming an unknown study.
    ConnectionError
        Naming the address, when `executor` is a scheduler address and no
        scheduler answers (within a few seconds).
    """
    studies = load_studies()
    selected = _select(studies, names)
    out = Path(out)
    owned = None
    if isinstance(executor, str) and executor not in _LOCAL_EXECUTORS:
        owned = executor = connect(executor)  # now, not when the first sweep has work: a wrong address fails at once
    try:
        out.mkdir(parents=True, exist_ok=True)
        cache = out / ".sweeps"
        if fresh and cache.exists():
            shutil.rmtree(cache)
        outputs, failures = [], []
        with sweep_settings(executor=executor, workers=workers, cache=cache, progress=progress):
            for name in selected:
                _run_one(studies[name], out, quick, progress, outputs, failures, log)
    finally:
        if owned is not None:
            owned.close()
    if outputs:
        _write_index(studies, selected, outputs, out, quick, log)
    return outputs, failures


def _write_index(studies, selected, outputs, out, quick, log):
    """The index: this run's outputs, earlier runs' outputs (in the same mode)
    of the studies this run did not select, and how to run the others."""
    fresh = {o.name: o for o in outputs}
    shown, not_run = [], []
    for name, study in studies.items():
        output = fresh.get(name) if name in selected else read_study(out, name)
        if output is not None and output.quick == quick:
            shown.append(output)
        else:
            not_run.append((name, study.question, _command(name, quick, out)))
    md, page = write_index(shown, out, quick=quick, not_run=not_run)
    log(f"index: {md} and {page}")


def _run_one(study, out, quick, progress, outputs, failures, log):
    """Run, draw and write one study; a failure is logged, not raised."""
    log(f"== {study.name}: {study.question}")
    start = time.perf_counter()
    try:
        data = study.compute(quick=quick, progress=progress)
        figures = study.draw(data)
        summary = study.summarize(data)
        output = write_study(study.name, study.question, data, figures, summary, out, quick=quick,
                             seconds=time.perf_counter() - start)
    except Exception:  # one broken study must not hide the others' results
        failures.append((study.name, traceback.format_exc()))
        log(failures[-1][1])
        return
    outputs.append(output)
    log(summary.strip())
    log(f"-> {out / study.name} ({output.seconds:.1f} s)\n")


def main(argv=None) -> int:
    """The command line; returns the exit status."""
    configure_process()
    studies = load_studies()
    default = [name for name, study in studies.items() if study.run_by_default]
    on_request = [name for name in studies if name not in default]
    parser = argparse.ArgumentParser(prog="python -m experiments", description="Run the studies.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"studies to run (default: {', '.join(default)}; "
                             f"only when named: {', '.join(on_request) or 'none'}; '{ALL}': every study)")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="small version of each study (seconds)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--list", action="store_true",
                        help="list the studies, their questions and whether they run by default")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run parameter sweeps on this Dask scheduler (e.g. tcp://10.0.0.5:8786); "
                             'needs pip install ".[distributed]"')
    parser.add_argument("--workers", type=int, help="local processes for sweeps (default: one per CPU)")
    parser.add_argument("--serial", action="store_true", help="run sweeps in this process")
    parser.add_argument("--fresh", action="store_true", help="recompute sweeps instead of reusing <out>/.sweeps")
    args = parser.parse_args(argv)
    if args.list:
        for study in studies.values():
            when = "default" if study.run_by_default else f"only when named: python -m experiments {study.name}"
            print(f"{study.name} [{when}]: {study.question}")
        return 0
    try:
        executor = args.scheduler or ("serial" if args.serial else "processes")
        _, failures = run_studies(args.names, out=args.out, quick=args.quick, progress=not args.no_progress,
                                  executor=executor, workers=args.workers, fresh=args.fresh)
    except ValueError as exc:
        parser.error(str(exc))
    except (ConnectionError, ImportError) as exc:
        print(f"python -m experiments: error: {exc}", file=sys.stderr)
        return 1
    if failures:
        print(f"failed: {', '.join(name for name, _ in failures)}", file=sys.stderr)
        return 1
    return 0
