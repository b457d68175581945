"""experiments: reproducible studies (run with ``python -m experiments``).

From Python::

    from experiments import run_studies, sweep_settings
    run_studies(["boundaries"], out="results", executor=client)   # a dask.distributed.Client

Each study is also a module with ``compute(quick=False, progress=False,
**setup)``, ``draw(data)`` and ``summarize(data)`` (see
:mod:`experiments._study`).

Importing this package has no side effects (no matplotlib backend, no
environment variables) and does not load numpy: the command line pins BLAS
to one thread before numpy loads (:func:`experiments._cli.configure_process`).
"""

from ._cli import run_studies
from ._sweep import sweep_settings

__all__ = ["run_studies", "sweep_settings"]
