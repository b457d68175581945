"""``python -m experiments [NAME ...] [--out DIR] [--quick]``."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

from ._report import write_index, write_study
from ._study import load_studies

__all__ = ["main", "run_studies"]


def run_studies(names=None, *, out="results", quick=False, progress=True, log=print):
    """Run studies by name (all by default), write their outputs and the index.

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
    outputs, failures = [], []
    for name in names:
        study = studies[name]
        log(f"== {name}: {study.question}")
        start = time.perf_counter()
        try:
            data = study.compute(quick=quick, progress=progress)
            figures = study.draw(data)
            summary = study.summarize(data)
            output = write_study(name, study.question, data, figures, summary, out)
        except Exception:  # one broken study must not hide the others' results
            failures.append((name, traceback.format_exc()))
            log(failures[-1][1])
            continue
        output.seconds = time.perf_counter() - start
        outputs.append(output)
        log(summary.strip())
        log(f"-> {out / name} ({output.seconds:.1f} s)\n")
    if outputs:
        md, page = write_index(outputs, out, quick=quick)
        log(f"index: {md} and {page}")
    return outputs, failures


def main(argv=None) -> int:
    studies = load_studies()
    parser = argparse.ArgumentParser(prog="python -m experiments", description="Run the studies.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"studies to run (default all: {', '.join(studies)})")
    parser.add_argument("--out", default="results", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", help="small version of each study (seconds)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--list", action="store_true", help="list the studies and their questions")
    args = parser.parse_args(argv)
    if args.list:
        for study in studies.values():
            print(f"{study.name}: {study.question}")
        return 0
    try:
        _, failures = run_studies(args.names, out=args.out, quick=args.quick, progress=not args.no_progress)
    except ValueError as exc:
        parser.error(str(exc))
    if failures:
        print(f"failed: {', '.join(name for name, _ in failures)}", file=sys.stderr)
        return 1
    return 0
