"""experiments: reproducible studies (run with ``python -m experiments``).

When this package is imported before numpy, it pins BLAS to one thread
(unless the environment says otherwise): the studies time solvers side by
side with their peers, and multi-threaded BLAS kernels slow down by an order
of magnitude on a machine whose cores are shared.
"""

import os as _os
import sys as _sys

if "numpy" not in _sys.modules:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        _os.environ.setdefault(_var, "1")
