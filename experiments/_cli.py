"""``python -m experiments [NAME ...] [--out DIR] [--quick]``."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import traceback
from pathlib import Path

from ._report import write_index, write_study
from ._study import load_studies
from ._sweep import sweep_settings

__all__ = ["main", "run_studies"]


def run_studies(names=None, *, out="results", quick=False, progress=True, executor=None, workers=None,
                fresh=False, log=print):
    """Run studies by name (all by default), write their outputs and the index.

    Parameter sweeps run on `executor` (see :mod:`experiments._sweep`:
    ``'processes'`` by default, ``'serial'``, a ``dask.distributed.Client``
    or a scheduler address) and keep finished results in
    ``<out>/.sweeps`` so that a re-run skips them (``fresh=True`` clears it).

    Returns ``(outputs, failures)``: the written studies and, for each study
    that raised, its name and traceback text.
    """
    studies = load_studies()
    names = list(studies) if not names else list(names)
    unknown = [n for n in names if n not in studies]
    if unknown:
        raise ValueError(f"unknown study {', '.join(map(repr, unknown))}; allowed: {', '.join(studies)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / ".sweeps"
    if fresh and cache.exists():
        shutil.rmtree(cache)
    outputs, failures = [], []
    with sweep_settings(executor=executor, workers=workers, cache=cache, progress=progress):
        for name in names:
            _run_one(studies[name], out, quick, progress, outputs, failures, log)
    if outputs:
        md, page = write_index(outputs, out, quick=quick)
        log(f"index: {md} and {page}")
    return outputs, failures


def _run_one(study, out, quick, progress, outputs, failures, log):
    """Run, draw and write one study; a failure is logged, not raised."""
    log(f"== {study.name}: {study.question}")
    start = time.perf_counter()
    try:
        data = study.compute(quick=quick, progress=progress)
        figures = study.draw(data)
        summary = study.summarize(data)
        output = write_study(study.name, study.question, data, figures, summary, out)
    except Exception:  # one broken study must not hide the others' results
        failures.append((study.name, traceback.format_exc()))
        log(failures[-1][1])
        return
    output.seconds = time.perf_counter() - start
    outputs.append(output)
    log(summary.strip())
    log(f"-> {out / study.name} ({output.seconds:.1f} s)\n")


def main(argv=None) -> int:
    studies = load_studies()
    parser = argparse.ArgumentParser(prog="python -m experiments", description="Run the studies.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"studies to run (default all: {', '.join(studies)})")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="small version of each study (seconds)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--list", action="store_true", help="list the studies and their questions")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run parameter sweeps on this Dask scheduler (e.g. tcp://10.0.0.5:8786); "
                             'needs pip install ".[distributed]"')
    parser.add_argument("--workers", type=int, help="local processes for sweeps (default: one per CPU)")
    parser.add_argument("--serial", action="store_true", help="run sweeps in this process")
    parser.add_argument("--fresh", action="store_true", help="recompute sweeps instead of reusing <out>/.sweeps")
    args = parser.parse_args(argv)
    if args.list:
        for study in studies.values():
            print(f"{study.name}: {study.question}")
        return 0
    try:
        executor = args.scheduler or ("serial" if args.serial else "processes")
        _, failures = run_studies(args.names, out=args.out, quick=args.quick, progress=not args.no_progress,
                                  executor=executor, workers=args.workers, fresh=args.fresh)
    except ValueError as exc:
        parser.error(str(exc))
    if failures:
        print(f"failed: {', '.join(name for name, _ in failures)}", file=sys.stderr)
        return 1
    return 0
