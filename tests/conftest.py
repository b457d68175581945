import os

# Single-threaded BLAS: multi-threaded level-1/LAPACK kernels slow down by an
# order of magnitude when the machine's cores are shared (set before numpy loads).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=40, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")


import pytest


@pytest.fixture
def computed_once(monkeypatch):
    """``computed_once(module, data)``: the study `module`'s ``compute``
    returns `data` (its quick run, computed once by the test module), so a
    command-line test checks what is written without computing it again."""
    def patch(module, data):
        monkeypatch.setattr(module, "compute", lambda quick=False, progress=False, **setup: data)
    return patch
