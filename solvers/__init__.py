"""solvers: inverse problems on any linear operator.

Direct and iterative least-squares solvers that accept anything with
``matvec``/``rmatvec`` (a scipy ``LinearOperator``, a pylops operator, a
sparse array), inverse kernels, image restoration for every boundary rule,
the frequency-domain filters they are checked against, FIR/IIR inverse
filters (exact, regularised, fitted at a given order, 2-D) and the noise level of an image.  Every solver returns a
:class:`SolverResult`.
"""

from ._apply import apply_inverse, inverse_anchor
from ._direct import least_squares
from ._fir import FIR_METHODS, fir_inverse
from ._frequency import (PseudoInverseResult, ThresholdChoice, inverse_filter, pseudo_inverse_filter,
                         threshold_for_count, wiener_filter)
from ._iir import IIRInverse, iir_inverse
from ._iir_fit import IIRFit, fit_iir_inverse
from ._inverse_kernel import INVERSE_KERNEL_METHODS, full_convolution_norm_bound, inverse_kernel
from ._inverse_response import inverse_impulse_response
from ._iterative import cgls, gradient_descent, nesterov, pcg
from ._kernel_problem import DELAY_KEYWORDS
from ._noise import estimate_noise
from ._operators import as_operator, operator_norm
from ._parameter_choice import REG_FILTERS, REG_RULES, ParameterChoice, choose_reg
from ._restore import RESTORE_METHODS, restore
from ._result import History, SolverResult
from ._separable import separable_inverse, separate

__all__ = [
    "SolverResult", "History",
    "as_operator", "operator_norm", "least_squares", "gradient_descent", "nesterov", "cgls", "pcg",
    "inverse_kernel", "full_convolution_norm_bound", "INVERSE_KERNEL_METHODS", "DELAY_KEYWORDS",
    "restore", "RESTORE_METHODS", "inverse_filter", "pseudo_inverse_filter", "threshold_for_count",
    "wiener_filter", "PseudoInverseResult", "ThresholdChoice",
    "iir_inverse", "IIRInverse", "fit_iir_inverse", "IIRFit", "fir_inverse", "FIR_METHODS", "separate",
    "separable_inverse", "inverse_impulse_response", "apply_inverse", "inverse_anchor",
    "choose_reg", "ParameterChoice", "REG_RULES", "REG_FILTERS", "estimate_noise",
]
