r"""Image restoration in matrix form (Solution I) for every boundary rule, by the fastest exact route."""

from __future__ import annotations

import math

import numpy as np

from convops import canonical_boundary, canonical_output, convolution_matrix, convolution_operator
from convops._matrix import matrix_nbytes
from convops._geometry import plan_convolution
from convops._validation import as_float_array, check_kernel, check_option, check_real, float_dtype

from ._direct import least_squares
from ._iterative import cgls
from ._linalg import norm
from ._result import History, SolverResult
from ._spectral import Spectrum

__all__ = ["restore", "RESTORE_METHODS"]

#: Methods of :func:`restore`.
RESTORE_METHODS = ("auto", "direct", "cg", "fft", "dct")

# 'auto' factorises the sparse matrix up to this many pixels.
_DIRECT_MAX_PIXELS = 64 * 64


def image_shape(data_shape, kernel_shape, output):
    sign = {"same": 0, "full": -1, "valid": 1}[output]
    shape = tuple(n + sign * (m - 1) for n, m in zip(data_shape, kernel_shape))
    if min(shape) < 1:
        raise ValueError(f"blurred data of shape {tuple(data_shape)} is smaller than the kernel "
                         f"{tuple(kernel_shape)} allows for output={output!r}")
    return shape


def is_centro_symmetric(kernel) -> bool:
    """Odd on every axis and equal to its flip on each axis (to 1e-13 of the largest tap)."""
    tol = 1e-13 * np.abs(kernel).max()
    return all(m % 2 and np.abs(kernel - np.flip(kernel, axis)).max() <= tol for axis, m in enumerate(kernel.shape))


def restoration_data(blurred, kernel, boundary, output, what):
    """The one validation of a restoration problem: canonical boundary and output, data and kernel in one dtype
    (`what` names the task in the all-zero-kernel error), and the exact basis, 'fft', 'dct' or None."""
    boundary, output = canonical_boundary(boundary), canonical_output(output)
    y = as_float_array(blurred, "blurred")
    f = check_kernel(kernel, y.ndim)
    if not np.any(f):
        raise ValueError(f"kernel is all zeros: {what}")
    dtype = float_dtype(y, f)
    y, f = y.astype(dtype, copy=False), f.astype(dtype, copy=False)
    exact = ("fft" if boundary == "circular" and output == "same" else
             "dct" if boundary == "symmetric" and output == "same" and is_centro_symmetric(f) else None)
    return boundary, output, y, f, exact


def check_exact_method(method, exact, boundary, output, kernel_shape):
    """Refuse 'fft' or 'dct' where it is not exact."""
    if method == "fft" and exact != "fft":
        raise ValueError(f"method='fft' is exact only for boundary='circular' with output='same'; "
                         f"got boundary={boundary!r}, output={output!r}")
    if method == "dct" and exact != "dct":
        raise ValueError(f"method='dct' needs boundary='symmetric', output='same' and a kernel of odd size equal to "
                         f"its flip on each axis; got boundary={boundary!r}, output={output!r}, kernel shape "
                         f"{kernel_shape}")


def restore(blurred, kernel, *, boundary, reg=0.0, method="auto", output="same", tol=1e-8, maxiter=None,
            callback=None, progress=False, noise_std=None) -> SolverResult:
    r"""Restore an image blurred by `kernel` under a boundary rule (Solution I).

    Solves :math:`\min_x \|A x - y\|_2^2 + \lambda \|x\|_2^2` with ``A`` the convolution matrix of `kernel` for
    the boundary rule and output window (``order='C'``), the same model of the edges as the blur; with
    :math:`\lambda = 0` the minimum-norm solution :math:`A^+ y`.

    Parameters
    ----------
    blurred : array_like
        Observed data ``y`` (shape of the output window).
    kernel : array_like
        Blur kernel (same number of dimensions as `blurred`).
    boundary : {'zero', 'circular', 'replicate', 'symmetric', 'reflect'}
        Boundary rule of the model (``'mirror'`` is ``'symmetric'``).
    reg : float or {'gcv', 'upre', 'discrepancy', 'lcurve'}, optional
        Tikhonov weight :math:`\lambda \ge 0`, or the rule that chooses the regularisation from the data
        alone (see Notes); the chosen value is ``info['reg']`` and the rule ``info['reg_rule']``.
    noise_std : float, optional
        Standard deviation of the noise, for the rules that need it (``'upre'``, ``'discrepancy'``); by
        default :func:`solvers.estimate_noise` of `blurred`.
    method : {'auto', 'direct', 'cg', 'fft', 'dct'}, optional
        ``'fft'`` (circular, ``'same'``: exact, by the DFT), ``'dct'`` (symmetric, ``'same'``, kernel of odd size
        equal to its flip on each axis: exact, by the DCT-II), ``'direct'`` (:func:`solvers.least_squares` on the
        sparse matrix), ``'cg'`` (alias ``'cgls'``: :func:`solvers.cgls` on :func:`convops.convolution_operator`).  ``'auto'``:
        ``'fft'`` or ``'dct'`` when they apply, else ``'direct'`` up to 64x64 pixels (matrix fitting in memory),
        else ``'cg'``.
    output : {'same', 'full', 'valid'}, optional
        Window of the blur model: the image has the shape of `blurred`, ``N - m + 1``
        (``'full'``) or ``N + m - 1`` (``'valid'``: `boundary` is unused).
    tol, maxiter, callback, progress
        For ``'cg'``: as in :func:`solvers.cgls` (`callback` gets ``x`` flattened).

    Returns
    -------
    SolverResult
        ``solution``: the restored image; ``residual``: ``A x - y`` shaped like
        `blurred`; ``objective``: :math:`\tfrac12\|Ax-y\|^2 + \tfrac12\lambda\|x\|^2`;
        ``info``: ``method``, ``boundary``, ``output``, ``reg``, ``reg_rule`` (None for a given value), ``stop``
        (how CGLS ended: ``'discrepancy'``, ``'tol'``, ``'maxiter'``, ...; None for the other methods), for
        ``'cg'`` also ``noise_std`` and ``discrepancy`` (the bound :math:`\tau\sigma\sqrt m`, None unless
        ``reg='discrepancy'``, whether or not the solve reached it), for ``'fft'``/``'dct'`` ``zeroed`` (the zeros of ``H``).  A CGLS solve with ``reg = 0``
        that stops at `maxiter` says in ``message`` why (the problem is ill-posed) and what to do.

    Raises
    ------
    ValueError
        Invalid boundary, output, method or reg; ``'fft'``/``'dct'`` where they
        do not apply; NaN/inf in the data; a singular sparse system with ``reg = 0``.
    TypeError
        Non-numeric input.

    Notes
    -----
    Each method with each rule (`reg` a string):

    - ``'fft'``, ``'dct'``, ``'direct'`` and ``'auto'``: :math:`\lambda` = :func:`solvers.choose_reg` of the
      rule (this boundary, window and `noise_std`), then the Tikhonov solution at that :math:`\lambda` (exact
      curves on the FFT/DCT models, the hybrid Golub-Kahan choice on the others);
    - ``'cg'`` with ``'gcv'``, ``'upre'`` or ``'lcurve'``: the same :math:`\lambda`, solved by CGLS to `tol`;
    - ``'cg'`` with ``'discrepancy'``: no Tikhonov term (``info['reg'] = 0``); the iterations are the
      regularisation, CGLS stopped at the first iterate with :math:`\|A x_k - y\|_2 \le \tau\sigma\sqrt m`
      (:math:`\tau = 1.01`, :math:`\sigma` = `noise_std` or :func:`solvers.estimate_noise` of `blurred`,
      ``m`` data values; ``info['stop'] = 'discrepancy'``), or at `tol`/`maxiter` if it never gets there.

    The DFT diagonalises circular ``'same'`` convolution, the orthonormal DCT-II symmetric ``'same'`` convolution
    with a centro-symmetric kernel (see ``solvers._spectral.Spectrum``). Both compute :math:`x = Q^H \bar\Lambda
    (|\Lambda|^2 + \lambda)^{-1} Q y`, with 0 at the zeros of :math:`\Lambda` (the one zero rule), right whenever
    representable.

    Examples
    --------
    >>> import numpy as np, scipy.ndimage as ndi
    >>> from solvers import restore
    >>> rng = np.random.default_rng(0)
    >>> image = rng.random((32, 32))
    >>> kernel = np.array([[1.0, 2.0, 1.0], [2.0, 8.0, 2.0], [1.0, 2.0, 1.0]]) / 20
    >>> blurred = ndi.convolve(image, kernel, mode="nearest")   # replicate
    >>> result = restore(blurred, kernel, boundary="replicate")
    >>> result.info["method"], bool(np.allclose(result.solution, image))
    ('direct', True)
    >>> restore(blurred, kernel, boundary="symmetric").info["method"]
    'dct'
    """
    boundary, output, y, f, exact = restoration_data(blurred, kernel, boundary, output, "nothing can be restored")
    method = check_option(method, "method", RESTORE_METHODS, aliases={"cgls": "cg"})
    reg_rule = sigma = None
    if isinstance(reg, str):
        from ._parameter_choice import REG_RULES, choose_reg, noise_level  # imports this module
        reg_rule = check_option(reg, "reg (a rule)", REG_RULES)
        if reg_rule == "discrepancy" and method == "cg":          # the iterations are the regularisation
            reg, sigma = 0.0, noise_level(y, noise_std, reg_rule)
        else:
            reg = choose_reg(y, f, boundary=boundary, rule=reg_rule, noise_std=noise_std, output=output).value
    reg = check_real(reg, "reg")
    shape = image_shape(y.shape, f.shape, output)
    if method == "auto":
        small = math.prod(shape) <= _DIRECT_MAX_PIXELS and matrix_nbytes(plan_convolution(
            f, shape, boundary=boundary, output=output)) < 2**28
        method = exact or ("direct" if small else "cg")
    check_exact_method(method, exact, boundary, output, f.shape)

    info = {"method": method, "boundary": boundary, "output": output, "reg": reg, "reg_rule": reg_rule,
            "stop": None}
    if method in ("fft", "dct"):
        op = Spectrum(y, f, method)
        x, info["zeroed"] = op.solve(reg)
        iterations, converged, message, history = 0, True, f"solved exactly by the {method.upper()}", None
    else:
        op = convolution_operator(f, shape, boundary=boundary, output=output)
        if method == "direct":
            solved = least_squares(convolution_matrix(f, shape, boundary=boundary, output=output), y.ravel(), reg=reg)
        else:
            solved = cgls(op, y.ravel(), reg=reg, tol=tol, maxiter=maxiter, callback=callback, progress=progress,
                          noise_std=sigma)
            info.update(noise_std=sigma, discrepancy=solved.info["discrepancy"])
            info["stop"] = solved.info["stop"]
        x = solved.solution.reshape(shape)
        iterations, converged, message, history = (solved.iterations, solved.converged, solved.message, solved.history)
        if not converged and reg == 0 and method == "cg":
            message += ("; with reg = 0 the least-squares problem of a blur is ill-posed and CGLS fits the noise as it "
                        "goes on: stop it early by the discrepancy principle with reg='discrepancy' (and noise_std, "
                        "else estimated), use reg > 0, or reg='gcv', 'upre', 'discrepancy' or 'lcurve' with another "
                        "method to choose the Tikhonov weight from the data")
    residual = np.asarray(op.apply(x)) - y
    with np.errstate(over="ignore"):                                  # inf when a square overflows
        objective = float(0.5 * np.float64(norm(residual)) ** 2 + (0.5 * reg * np.float64(norm(x)) ** 2 if reg else 0))
    if history is None:
        history = History(np.array([objective]), np.array([norm(residual)]),
                          np.array([norm(op.apply_adjoint(residual) + reg * x)]), np.array([0.0]))
    return SolverResult(solution=x, iterations=iterations, converged=converged, history=history,
                        objective=objective, residual=residual, message=message, info=info)
