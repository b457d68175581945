"""What a study is, and the registry of studies.

A study is a module in this package with

- ``NAME`` (str): the name used on the command line;
- ``QUESTION`` (str): the question it answers, one or two sentences;
- ``compute(quick=False, progress=False, **setup) -> dict``: runs the study
  and returns its data (numbers, small arrays, tables as lists of dicts): no
  plotting, so it can be used from a notebook.  Its setup (kernels, sizes,
  constants) comes as keyword arguments whose defaults are the study's own
  values, documented in its docstring; :func:`study_setup` checks them;
- ``draw(data) -> dict[str, matplotlib.figure.Figure]``: the figures, by
  file stem;
- ``summarize(data) -> str``: Markdown stating the answer with the numbers;
- optionally ``RUN_BY_DEFAULT`` (bool, default True): False for a study that
  runs only when named (``python -m experiments NAME`` or ``all``), such as
  the benchmark, which takes minutes.

``--quick`` runs a small version (seconds) for CI.

Every study module is listed in :data:`STUDY_MODULES`; the other public
modules of the package are benchmarks (``bench_*``).  A listed module that
does not import or lacks a part of a study is an error naming it, and so is
a public module that is neither listed nor a benchmark: a study never
vanishes from the run without a word.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Mapping

__all__ = ["Study", "STUDY_MODULES", "StudyError", "load_studies", "study_setup"]

#: Study modules in the order they run and appear in the index.
STUDY_MODULES = ("pseudoinverse", "inverse_kernel", "fir_vs_iir", "equal_cost", "equal_cost_2d", "boundaries",
                 "regularization", "matrices", "benchmark")

#: Public modules of the package that are not studies start with this.
BENCHMARK_PREFIX = "bench_"

#: What every study module defines: attribute -> (test, what it must be).
_REQUIRED = {
    "NAME": (lambda v: isinstance(v, str) and v.isidentifier(), "a name (str, a Python identifier)"),
    "QUESTION": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty str"),
    "compute": (callable, "a function"),
    "draw": (callable, "a function"),
    "summarize": (callable, "a function"),
}


class StudyError(ImportError):
    """A study module that cannot be used: it fails to import or lacks a part."""


@dataclass(frozen=True)
class Study:
    """One study, as the command line runs it.

    Attributes
    ----------
    name, question : str
        The module's ``NAME`` and ``QUESTION``.
    compute, draw, summarize : callable
        The module's functions (see the module docstring).
    run_by_default : bool
        Whether ``python -m experiments`` runs it without being named (the
        module's ``RUN_BY_DEFAULT``, True when absent).
    """

    name: str
    question: str
    compute: Callable[..., dict]
    draw: Callable[[dict], dict]
    summarize: Callable[[dict], str]
    run_by_default: bool = True

    @classmethod
    def from_module(cls, module: ModuleType) -> "Study":
        """The study a module defines; :class:`StudyError` naming the module
        and each missing or malformed part otherwise."""
        problems = [f"{attr} (must be {what})" if hasattr(module, attr) else f"{attr} (missing)"
                    for attr, (valid, what) in _REQUIRED.items()
                    if not (hasattr(module, attr) and valid(getattr(module, attr)))]
        by_default = getattr(module, "RUN_BY_DEFAULT", True)
        if not isinstance(by_default, bool):
            problems.append(f"RUN_BY_DEFAULT (must be a bool, got {by_default!r})")
        if problems:
            raise StudyError(f"study module {module.__name__!r} is not a study: {'; '.join(problems)}",
                             name=module.__name__)
        return cls(module.NAME, module.QUESTION, module.compute, module.draw, module.summarize, by_default)


def load_studies(*, package: str = "experiments", modules=STUDY_MODULES) -> dict[str, Study]:
    """Import every study module, by name, in run order.

    Parameters
    ----------
    package : str, optional
        The package that holds the studies.
    modules : sequence of str, optional
        Module names in `package`, in run order (default :data:`STUDY_MODULES`).

    Returns
    -------
    dict
        ``{study name: Study}`` in run order.

    Raises
    ------
    StudyError
        Naming the module: a listed module does not exist, fails to import or
        lacks ``NAME``/``QUESTION``/``compute``/``draw``/``summarize``; two
        modules share a name; or a public module of `package` is neither
        listed nor a benchmark (``bench_*``).
    """
    parent = importlib.import_module(package)
    present = {info.name for info in pkgutil.iter_modules(parent.__path__)}
    stray = sorted(name for name in present - set(modules)
                   if not name.startswith(("_", BENCHMARK_PREFIX)))
    if stray:
        raise StudyError(f"module(s) {', '.join(f'{package}.{s}' for s in stray)} are neither listed in "
                         f"STUDY_MODULES ({', '.join(modules)}) nor benchmarks ({BENCHMARK_PREFIX}*) nor "
                         f"private (_*): add a study to STUDY_MODULES, or rename a helper")
    studies: dict[str, Study] = {}
    for stem in modules:
        qualified = f"{package}.{stem}"
        if stem not in present:
            raise StudyError(f"study module {qualified!r} listed in STUDY_MODULES does not exist; "
                             f"modules present: {', '.join(sorted(present))}", name=qualified)
        try:
            module = importlib.import_module(qualified)
        except Exception as exc:
            raise StudyError(f"study module {qualified!r} failed to import: {type(exc).__name__}: {exc}",
                             name=qualified) from exc
        study = Study.from_module(module)
        if study.name in studies:
            raise StudyError(f"study module {qualified!r} reuses the name {study.name!r}", name=qualified)
        studies[study.name] = study
    return studies


def study_setup(defaults: Mapping, setup: Mapping, *, study: str) -> dict:
    """A study's setup: its `defaults` updated by the caller's keywords.

    Parameters
    ----------
    defaults : mapping
        Every setup keyword of the study with its default value.
    setup : mapping
        The keywords given to ``compute``.
    study : str
        The study's name, for the error message.

    Returns
    -------
    dict
        ``{**defaults, **setup}``.

    Raises
    ------
    TypeError
        Naming every keyword of `setup` that is not in `defaults`, and the
        allowed ones.
    """
    unknown = [key for key in setup if key not in defaults]
    if unknown:
        raise TypeError(f"{study}.compute() got unknown setup keyword(s) {', '.join(map(repr, unknown))}; "
                        f"allowed: {', '.join(defaults)}")
    return {**defaults, **setup}
