"""convops: the convolution operator in every form.

Sparse convolution matrices and matrix-free operators for every boundary
rule and output window, the transfer function ``psf2otf``, a dot test, and
the table of boundary rules with their names in other libraries.
"""

from ._boundaries import (
    BOUNDARIES,
    BOUNDARY_ALIASES,
    LIBRARIES,
    LIBRARY_ALIASES,
    OUTPUTS,
    BoundaryRule,
    boundary_from,
    boundary_to,
    canonical_boundary,
    canonical_output,
)
from ._dottest import dot_test, dot_test_tolerance
from ._fourier import psf2otf
from ._geometry import Geometry, output_shape
from ._matrix import DEFAULT_MAX_BYTES, MatrixTooLargeError, convolution_matrix
from ._operator import METHODS, ConvolutionOperator, convolution_operator
from ._psf import box_psf, disk_psf, gaussian_psf, motion_psf
from ._validation import AllocationTooLargeError, float_dtype

__all__ = [
    "BOUNDARIES",
    "BOUNDARY_ALIASES",
    "LIBRARIES",
    "LIBRARY_ALIASES",
    "OUTPUTS",
    "AllocationTooLargeError",
    "BoundaryRule",
    "ConvolutionOperator",
    "Geometry",
    "METHODS",
    "DEFAULT_MAX_BYTES",
    "MatrixTooLargeError",
    "boundary_from",
    "boundary_to",
    "canonical_boundary",
    "canonical_output",
    "convolution_matrix",
    "convolution_operator",
    "dot_test",
    "dot_test_tolerance",
    "float_dtype",
    "output_shape",
    "psf2otf",
    "gaussian_psf",
    "motion_psf",
    "disk_psf",
    "box_psf",
]
