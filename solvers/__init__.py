"""solvers: inverse problems on any linear operator.

Direct and iterative least-squares solvers that accept anything with
``matvec``/``rmatvec`` (a scipy ``LinearOperator``, a pylops operator, a
sparse array), inverse kernels, image restoration for every boundary rule,
the frequency-domain filters they are checked against, and FIR/IIR inverse
filters.  Every solver returns a :class:`SolverResult`.
"""

from . import _direct, _fir, _frequency, _iir, _inverse_kernel, _iterative, _restore, _result, _separable
from ._direct import *  # noqa: F401,F403
from ._fir import *  # noqa: F401,F403
from ._frequency import *  # noqa: F401,F403
from ._iir import *  # noqa: F401,F403
from ._inverse_kernel import *  # noqa: F401,F403
from ._iterative import *  # noqa: F401,F403
from ._restore import *  # noqa: F401,F403
from ._result import *  # noqa: F401,F403
from ._separable import *  # noqa: F401,F403

__all__ = [
    *_result.__all__,
    *_direct.__all__,
    *_iterative.__all__,
    *_frequency.__all__,
    *_inverse_kernel.__all__,
    *_restore.__all__,
    *_iir.__all__,
    *_fir.__all__,
    *_separable.__all__,
]
