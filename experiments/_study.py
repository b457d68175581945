"""What a study is, and the registry of studies.

A study is a module in this package with

- ``NAME`` (str): the name used on the command line;
- ``QUESTION`` (str): the question it answers, one or two sentences;
- ``compute(quick=False, progress=False) -> dict``: runs the study and
  returns its data (numbers, small arrays, tables as lists of dicts): no
  plotting, so it can be used from a notebook;
- ``draw(data) -> dict[str, matplotlib.figure.Figure]``: the figures, by
  file stem;
- ``summarize(data) -> str``: Markdown stating the answer with the numbers.

``--quick`` runs a small version (seconds) for CI.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

__all__ = ["Study", "STUDY_MODULES", "load_studies"]

#: Study modules in the order they run and appear in the index.
STUDY_MODULES = ("pseudoinverse", "inverse_kernel", "fir_vs_iir", "boundaries", "matrices", "benchmark")


@dataclass(frozen=True)
class Study:
    name: str
    question: str
    compute: Callable[..., dict]
    draw: Callable[[dict], dict]
    summarize: Callable[[dict], str]

    @classmethod
    def from_module(cls, module: ModuleType) -> "Study":
        return cls(module.NAME, module.QUESTION, module.compute, module.draw, module.summarize)


def load_studies() -> dict[str, Study]:
    """Import every study module that exists, by name, in run order."""
    studies = {}
    for stem in STUDY_MODULES:
        try:
            module = importlib.import_module(f"experiments.{stem}")
        except ModuleNotFoundError as exc:
            if exc.name == f"experiments.{stem}":
                continue
            raise
        study = Study.from_module(module)
        studies[study.name] = study
    return studies
