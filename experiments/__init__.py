"""experiments: reproducible studies (run with ``python -m experiments``).

From Python::

    from experiments import run_studies, sweep_settings
    run_studies(["boundaries"], out="results", executor=client)   # a dask.distributed.Client

Test problems for studies of your own: :func:`crop_problem` observes the
``valid`` part of a blurred larger scene (no boundary rule is right).

Each study is also a module with ``compute(quick=False, progress=False,
**setup)``, ``draw(data)`` and ``summarize(data)`` (see
:mod:`experiments._study`).

Importing this package has no side effects (no matplotlib backend, no
environment variables) and does not load numpy: the command line pins BLAS
to one thread before numpy loads (:func:`experiments._cli.configure_process`).
"""

from ._cli import run_studies
from ._sweep import sweep_settings

__all__ = ["run_studies", "sweep_settings", "crop_problem", "CropProblem"]

_PROBLEMS = ("crop_problem", "CropProblem")


def __getattr__(name):
    """The test problems, imported on first use (they load numpy)."""
    if name in _PROBLEMS:
        from . import _problems

        return getattr(_problems, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
