r"""The exact (IIR) or regularised inverse of an N-D kernel, sampled on a support by FFT
(see :func:`inverse_impulse_response`)."""

from __future__ import annotations

import math

import numpy as np
import scipy.fft as sfft
import scipy.signal as ss

from convops import float_dtype
from convops._validation import DEFAULT_MAX_BYTES, check_allocation, check_max_bytes, check_real, ints_per_axis

from ._kernel_problem import check_invertible, parse_delay
from ._linalg import norm, squared_norm
from ._result import History, SolverResult
from ._spectral import ZERO_EPS, zeros_of

__all__ = ["inverse_impulse_response"]

# Grid points of the first grid per support length plus kernel length, and the fewest per axis.
_OVERSAMPLING = 4
_MIN_GRID = 16
# Smallest grid values of |H| refined by Gauss-Newton, and its iterations.
_REFINED_POINTS = 8
_REFINE_STEPS = 40

_EPS = float(np.finfo(np.float64).eps)


def _grid_bytes(grid, real: bool) -> int:
    """Bytes of one sampling on `grid`: the spectrum, the inverse's spectrum, |H| and the samples."""
    return (32 if real else 64) * math.prod(grid)


def _transfer(f: np.ndarray, omega: np.ndarray):
    r"""``H(omega) = sum_k f[k] exp(-i omega . k)`` and its gradient, at the rows of `omega` (K x ndim)."""
    taps = np.argwhere(f != 0)                       # (T, ndim)
    values = f[tuple(taps.T)].astype(np.complex128)
    phases = np.exp(-1j * (omega @ taps.T))          # (K, T)
    H = phases @ values
    grad = (phases * values) @ (-1j * taps)          # (K, ndim)
    return H, grad


def _slack(f: np.ndarray, grid) -> float:
    r"""How much ``|H|`` may fall between the points of `grid`: at most
    :math:`\sum_a \frac{\pi}{N_a} \sum_k |k_a - c_a|\,|f[k]|` (``c`` the kernel's centre), the
    bound of :func:`solvers.full_convolution_norm_bound`."""
    slack = 0.0
    for axis, (m, n) in enumerate(zip(f.shape, grid)):
        offsets = np.abs(np.arange(m) - (m - 1) / 2).reshape([-1 if b == axis else 1 for b in range(f.ndim)])
        slack += math.pi / n * float((offsets * np.abs(f)).sum())
    return slack


def _refined_minimum(f: np.ndarray, a: np.ndarray, grid) -> float:
    r"""The smallest ``|H|`` found by Gauss-Newton on ``H(omega) = 0`` started from the smallest
    grid values of ``|H|`` (`a`, a full or an ``rfftn`` half spectrum on `grid`):
    catches zeros of ``H`` between grid points."""
    k = min(_REFINED_POINTS, a.size)
    flat = np.argpartition(a.ravel(), k - 1)[:k]
    omega = 2 * np.pi * np.array(np.unravel_index(flat, a.shape), dtype=float).T / np.array(grid)
    best = np.inf
    for _ in range(_REFINE_STEPS):
        H, grad = _transfer(f, omega)
        best = min(best, float(np.abs(H).min()))
        J = np.stack([grad.real, grad.imag], axis=1)                     # (K, 2, ndim)
        r = np.stack([H.real, H.imag], axis=1)[..., None]                # (K, 2, 1)
        step = (np.linalg.pinv(J) @ r)[..., 0]                           # least-norm step to H = 0
        if not np.abs(step).max() > 1e-15:
            break
        omega = np.mod(omega - step, 2 * np.pi)
    return best


def _sample(f: np.ndarray, size, anchor, grid, reg: float):
    r"""The inverse on the periodic grid `grid`, at lags ``j - anchor`` for ``j`` in the support:
    ``(samples, |H| on the grid (an rfftn half for a real f), zeros of H on the grid, rounding level
    of the samples)``; the samples are None when ``reg = 0`` and ``H`` has zeros."""
    real = not np.iscomplexobj(f)
    P = math.prod(grid)
    F = sfft.rfftn(f, s=grid) if real else sfft.fftn(f, s=grid)
    a = np.abs(F)
    zeros = int(np.count_nonzero(zeros_of(a, size=P)))
    if zeros and not reg:
        return None, a, zeros, math.inf
    G = np.conj(F)
    G /= a * a + reg
    # an FFT of P points errs by about eps log2(P) ||G||_2 / sqrt(P) per sample (see zeros_of);
    # a half spectrum holds about half of ||G||^2
    rms = math.sqrt((2.0 if real else 1.0) * float(np.vdot(G, G).real) / P)
    g = sfft.irfftn(G, s=grid) if real else sfft.ifftn(G)
    index = np.ix_(*(np.mod(np.arange(p) - c, n) for p, c, n in zip(size, anchor, grid)))
    return g[index].copy(), a, zeros, ZERO_EPS * _EPS * math.log2(2 * P) * rms


def inverse_impulse_response(kernel, shape, *, reg=0.0, tol=1e-12, max_bytes=DEFAULT_MAX_BYTES) -> SolverResult:
    r"""The exact (IIR) inverse of a kernel, or its regularised inverse, sampled on a support.

    The inverse ``g`` of ``f`` has the frequency response

    .. math:: G(\omega) = \frac{\overline{H(\omega)}}{|H(\omega)|^2 + \lambda}, \qquad
              H(\omega) = \sum_k f[k]\, e^{-i \omega \cdot k},

    (``1/H`` for :math:`\lambda = 0`) and the samples
    :math:`g[n] = (2\pi)^{-D} \int_{[-\pi, \pi]^D} G(\omega) e^{i \omega \cdot n} d\omega`,
    which decay geometrically when ``G`` is analytic on the torus: always for
    :math:`\lambda > 0`, for :math:`\lambda = 0` when ``H`` has no zero on the torus.
    Entry ``j`` of the result holds ``g[j - c]`` with ``c = d = (m + p - 2) // 2`` per
    axis, the default delay of :func:`solvers.inverse_kernel`: then ``f * g`` on the
    full grid (shape ``m + p - 1``) peaks at ``d``, and the result compares entry by
    entry with ``inverse_kernel(f, p).solution``.

    Parameters
    ----------
    kernel : array_like, shape (m,) or (m, n) or N-D
        The kernel ``f`` (finite, not all zeros).
    shape : int or tuple of int
        Shape ``p`` of the support (an int is used on every axis).
    reg : float, optional
        Tikhonov weight :math:`\lambda \ge 0`, in units of ``|H|^2`` (Wiener's ``c``).
    tol : float, optional
        Aliasing tolerance, relative to the largest sample (see Notes).
    max_bytes : float, optional
        Memory limit of the FFT grids (default ``convops.DEFAULT_MAX_BYTES``).

    Returns
    -------
    SolverResult
        ``solution``: the samples (shape `shape`, dtype by the package's rule);
        ``residual``: ``f * g - delta_d`` on the full grid; ``objective``:
        :math:`\tfrac12\|f * g - \delta_d\|_2^2 + \tfrac12\lambda\|g\|_2^2` of the truncated
        inverse; ``iterations = 0``, ``converged = True``, an empty history;
        ``info``: ``grid`` (the last FFT grid), ``reg``, ``delay`` (``d``),
        ``anchor`` (``c``), ``change`` (the relative change at the last doubling),
        ``min_abs_H`` and ``max_abs_H`` (on the grids and at the refined minima),
        ``error_norm`` (:math:`\|f * g - \delta_d\|_2`).

    Raises
    ------
    ValueError
        All-zero or non-finite kernel, `shape` with the wrong number of entries or
        an entry < 1, negative or non-finite `reg`, `tol` <= 0, or ``H`` vanishing on
        the torus with ``reg = 0`` (the message gives the smallest ``|H|`` and
        suggests `reg`).
    convops.AllocationTooLargeError
        (a ``ValueError``) when a grid would exceed `max_bytes`: at once for a
        huge `shape`, or during the doubling when the inverse decays too slowly
        (``H`` nearly vanishes; use `reg`).
    TypeError
        Non-integer `shape`, non-real `reg`, `tol` or `max_bytes`.

    Notes
    -----
    The inverse is sampled on periodic grids of ``N`` points per axis (first
    ``N`` = the power of two >= ``max(16, 4 (p + m))``), where the DFT gives the
    aliased samples :math:`g_N[n] = \sum_{k} g[n + kN]`; ``N`` doubles until
    :math:`\max_j |g_{2N}[j] - g_N[j]| \le tol \max_j |g_{2N}[j]|` (or below the
    FFT's rounding level) and :math:`g_{2N}` is returned.  The aliases of
    :math:`g_{2N}` are the even-``k`` terms of those of :math:`g_N`: when
    :math:`|g[n]| \le C\rho^{|n|}` they are about :math:`\rho^N` times the
    change, so the returned samples err by at most about the last change
    (``tol`` relative) once ``N`` exceeds the decay length: the doubling is
    the verification.  The computation runs in double precision.

    ``H`` vanishes when, on a grid or at one of the smallest grid values of
    ``|H|`` refined by Gauss-Newton on ``H = 0`` (run unless the grid minimum
    exceeds :math:`\sum_a \frac{\pi}{N_a} \sum_k |k_a - c_a|\,|f[k]|`, the most
    ``|H|`` can fall between grid points), the package's zero rule
    (:func:`solvers._spectral.zeros_of`) counts a zero; a zero these miss
    shows as a doubling that does not converge before `max_bytes`.  Assumes
    nothing about boundaries: ``g`` is the inverse on infinite sequences.

    References
    ----------
    .. [1] A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal Processing*,
       3rd ed., Pearson, 2010, sec. 8.4 (sampling the Fourier transform: the
       DFT of ``N`` samples of a DTFT is the ``N``-periodic aliasing of the sequence).

    Examples
    --------
    >>> import numpy as np
    >>> result = inverse_impulse_response([1.0, -0.5], 5)      # 1/(1 - z^-1/2), delay 2
    >>> np.round(result.solution, 12) + 0.0
    array([0.  , 0.  , 1.  , 0.5 , 0.25])
    >>> result.info["anchor"], result.info["delay"]
    ((2,), (2,))
    >>> f = np.array([[0, 0.2, 0], [0.2, 1, 0.2], [0, 0.2, 0]])
    >>> result = inverse_impulse_response(f, (9, 9))
    >>> result.solution.shape, result.residual.shape, round(result.info["error_norm"], 4)
    ((9, 9), (11, 11), 0.0075)
    >>> inverse_impulse_response([[0, 1, 0], [1, 1, 1], [0, 1, 0]], 5)
    Traceback (most recent call last):
    ...
    ValueError: H vanishes on the frequency torus: smallest |H| found = ... (max |H| = 5...); the exact inverse does not exist, use reg > 0 for the regularised inverse conj(H) / (|H|^2 + reg)
    """
    f = check_invertible(kernel)
    size = ints_per_axis(shape, f.ndim, "shape")
    for s in size:
        if s < 1:
            raise ValueError(f"shape entries must be >= 1, got {s!r} in {shape!r}")
    reg = check_real(reg, "reg")
    tol = check_real(tol, "tol", low_open=True)
    max_bytes = check_max_bytes(max_bytes)
    real = not np.iscomplexobj(f)
    full_shape = tuple(m + p - 1 for m, p in zip(f.shape, size))
    delay = parse_delay("center", full_shape)
    anchor = delay

    grid = tuple(max(_MIN_GRID, 1 << math.ceil(math.log2(_OVERSAMPLING * (p + m)))) for p, m in zip(size, f.shape))
    # the first sampling and its first doubling are needed whatever the kernel: refuse a huge shape at once
    check_allocation(_grid_bytes(tuple(2 * n for n in grid), real), f"the FFT grid of shape "
                     f"{tuple(2 * n for n in grid)} for a support of shape {size}", max_bytes,
                     hint="use a smaller shape or raise max_bytes")
    # the problem is solved for 2**-e f (max |taps| in [1/2, 1), exact) and 4**-e reg, so that |H|^2 neither
    # overflows nor underflows; the samples are 2**-e those of that problem
    e = int(np.frexp(np.abs(f).max())[1])
    fw = np.ldexp(f.real, -e) if real else np.ldexp(f.real, -e) + 1j * np.ldexp(f.imag, -e)
    fw = fw.astype(np.float64 if real else np.complex128)
    regw = float(np.ldexp(reg, -2 * e)) if reg else 0.0
    smallest, largest = math.inf, 0.0

    def sample(grid):
        nonlocal smallest, largest
        g, a, zeros, rounding = _sample(fw, size, anchor, grid, regw)
        largest = max(largest, float(np.ldexp(a.max(), e)))
        smallest = min(smallest, float(np.ldexp(a.min(), e)))
        if not regw and float(a.min()) <= _slack(fw, grid):    # else H has no zero between the points
            refined = _refined_minimum(fw, a, grid)
            smallest = min(smallest, float(np.ldexp(refined, e)))
            zeros += int(zeros_of(np.array([refined, a.max()]), size=math.prod(grid))[0])
            if zeros:
                raise ValueError(f"H vanishes on the frequency torus: smallest |H| found = {smallest:.3g} "
                                 f"(max |H| = {largest:.6g}); the exact inverse does not exist, use reg > 0 "
                                 "for the regularised inverse conj(H) / (|H|^2 + reg)")
        return g, rounding

    previous, rounding = sample(grid)
    change = math.inf
    while True:
        finer = tuple(2 * n for n in grid)
        check_allocation(_grid_bytes(finer, real), f"the FFT grid of shape {finer}", max_bytes,
                         hint=f"the inverse decays too slowly (H nearly vanishes: smallest |H| found = "
                              f"{smallest:.3g}, max |H| = {largest:.6g}; change at the last doubling "
                              f"{change:.3g} of the largest sample); use {'a larger reg' if reg else 'reg > 0'} "
                              "or raise max_bytes")
        current, rounding_fine = sample(finer)
        grid = finer
        peak = float(np.abs(current).max())
        step = float(np.abs(current - previous).max())
        change = step / peak if peak else 0.0
        if step <= tol * peak or step <= rounding + rounding_fine:
            break
        previous, rounding = current, rounding_fine

    with np.errstate(over="ignore"):
        g = np.ldexp(current, -e) if real else np.ldexp(current.real, -e) + 1j * np.ldexp(current.imag, -e)
    if not np.all(np.isfinite(g)):
        raise ValueError(f"the inverse overflows: its samples exceed the largest float64 (max |H| = {largest:.3g}); "
                         "use a larger reg or scale the kernel")
    g = g.astype(float_dtype(f), copy=False)
    residual = ss.convolve(f, g, mode="full")
    residual[delay] -= 1
    error = norm(residual)
    info = {"grid": grid, "reg": reg, "delay": delay, "anchor": anchor, "change": change,
            "min_abs_H": smallest, "max_abs_H": largest, "error_norm": error}
    return SolverResult(solution=g, iterations=0, converged=True, history=History.empty(),
                        objective=0.5 * error**2 + (0.5 * reg * squared_norm(g) if reg else 0.0), residual=residual,
                        message=f"sampled on a {'x'.join(map(str, grid))} grid", info=info)
