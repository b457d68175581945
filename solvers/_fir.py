"""FIR approximations (``p`` taps) of the inverse of a 1-D FIR kernel: see :func:`fir_inverse`."""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np
import scipy.fft as sfft
from numpy.lib.stride_tricks import sliding_window_view

from convops import float_dtype
from convops._validation import check_int, check_option, check_real

from ._iir import DEFAULT_TOL, iir_inverse
from ._kernel_problem import KernelProblem, check_invertible, frequency_error, frequency_grid, pow2, refuse
from ._linalg import squared_norm
from ._progress import progress_bar
from ._result import History, HistoryRecorder, SolverResult

__all__ = ["fir_inverse", "FIR_METHODS"]

#: The FIR methods of :func:`fir_inverse`, each with the options it takes.
FIR_METHODS: dict[str, tuple[str, ...]] = {
    "ls": ("reg",),
    "truncated": ("tol",),
    "frequency": (),
    "lms": ("mu", "n_samples", "rng", "block", "rtol"),
}

#: Oversampling of the grid of ``max_frequency_error`` (see :func:`frequency_grid`).
FREQUENCY_OVERSAMPLING = 16
#: Most training samples of ``'lms'``.
MAX_LMS_SAMPLES = 10_000_000
#: Default normalised LMS step.
LMS_DEFAULT_MU = 0.25


def lms_default_samples(length: int) -> int:
    """Default LMS training length for a filter of `length` taps: ``max(50 000, 8000 length)``, at most
    :data:`MAX_LMS_SAMPLES`."""
    return min(max(50_000, 8000 * length), MAX_LMS_SAMPLES)

_EPS = np.finfo(np.float64).eps


class _Solve(NamedTuple):
    """What one FIR method hands back to :func:`fir_inverse`."""
    g: np.ndarray
    iterations: int = 0
    converged: bool = True
    history: History | None = None
    message: str = "direct solve"
    info: dict = {}


def _fir_ls(problem: KernelProblem, d: int) -> _Solve:
    return _Solve(problem.levinson((d,)), message="Toeplitz normal equations solved (Levinson)")


def _fir_truncated(problem: KernelProblem, d: int, *, tol) -> _Solve:
    inverse = iir_inverse(problem.f, tol=tol)
    (p,) = problem.size
    return _Solve(inverse.impulse_response(-d, p - d),
                  message=f"IIR inverse ({inverse.phase} phase) truncated to indices {-d}..{p - 1 - d}",
                  info={"phase": inverse.phase})


def _fir_frequency(problem: KernelProblem, d: int) -> _Solve:
    h, (p,) = problem.f, problem.size
    fold = np.zeros(p, dtype=h.dtype)
    np.add.at(fold, np.arange(h.size) % p, h)            # H on the p-point grid
    real = not np.iscomplexobj(h)
    spectrum = sfft.rfft(fold) if real else sfft.fft(fold)
    small = np.abs(spectrum) <= 16 * _EPS * np.abs(h).sum()
    if small.any():
        k = int(np.flatnonzero(small)[0])
        raise ValueError(f"method='frequency': H has a zero on the {p}-point DFT grid at index {k} (omega = "
                         f"2 pi {k}/{p} = {2 * np.pi * k / p:.6g}, |H| = {abs(spectrum[k]):.3g}); 1/H does not "
                         f"exist there: choose another length or method")
    phase = np.exp(-2j * np.pi * np.arange(spectrum.size) * d / p)
    g = sfft.irfft(phase / spectrum, n=p) if real else sfft.ifft(phase / spectrum)
    return _Solve(g, message=f"inverse DFT of exp(-i omega d)/H on {p} points")


def _fir_lms(problem: KernelProblem, d: int, *, mu, n_samples, rng, block, rtol, progress) -> _Solve:
    hw, (p,) = problem.f, problem.size
    refuse(n_samples, "method='lms'", MAX_LMS_SAMPLES, "samples")
    refuse(n_samples * p, f"method='lms' with {n_samples} samples and {p} taps")
    ls_error = float(np.linalg.norm(problem.residual(problem.levinson((d,)), d)))
    dtype = hw.dtype
    gen = np.random.default_rng(rng)
    u = gen.standard_normal(n_samples)                    # unit-variance white noise (circular if complex)
    if dtype.kind == "c":
        u = (u + 1j * gen.standard_normal(n_samples)) / math.sqrt(2.0)
    x = np.convolve(u, hw)[:n_samples]                       # what the inverse sees
    wanted = np.concatenate([np.zeros(d, dtype), u[: max(n_samples - d, 0)]])
    regressors = sliding_window_view(np.concatenate([np.zeros(p - 1, dtype), x]), p)[:, ::-1]
    # Regularised NLMS: eps = 0.1 p ||h||^2 (see fir_inverse's Notes)
    safeguard = 0.1 * p * squared_norm(hw)
    energy = np.convolve(np.abs(x) ** 2, np.ones(p))[:n_samples] + safeguard
    g = np.zeros(p, dtype)
    rec = HistoryRecorder()
    rec.record(objective=1.0, residual_norm=1.0, gradient_norm=np.linalg.norm(problem.rhs((d,))))
    squared = np.empty(n_samples)
    with progress_bar(n_samples, "fir inverse (lms)", progress, unit="sample") as bar:
        for start in range(0, n_samples, block):
            for k in range(start, min(start + block, n_samples)):
                xk = regressors[k]
                e = wanted[k] - xk @ g
                squared[k] = abs(e) ** 2
                g += (mu * e / energy[k]) * xk.conj()
            r = problem.residual(g, d)
            rec.record(objective=squared[start:k + 1].mean(), residual_norm=np.linalg.norm(r),
                       gradient_norm=np.linalg.norm(problem.gradient(g, r)))
            bar.update(k + 1 - start)
    error = float(np.linalg.norm(problem.residual(g, d)))
    converged = error <= (1.0 + rtol) * ls_error + math.sqrt(_EPS)
    verdict = "within" if converged else "not within"
    return _Solve(g, iterations=n_samples, converged=converged, history=rec.history(),
                  message=f"NLMS ran {n_samples} samples; error {error:.3g} is {verdict} "
                          f"(1 + {rtol:g}) x the least-squares error {ls_error:.3g}",
                  info={"mu": mu, "n_samples": n_samples, "block": block, "ls_error_norm": ls_error, "rtol": rtol})


_SOLVERS = {"ls": _fir_ls, "truncated": _fir_truncated, "frequency": _fir_frequency, "lms": _fir_lms}


def _method_options(method: str, given: dict, length: int) -> dict:
    """The options of `method` with defaults filled (LMS's scale with the `length`); others must be unset (None)."""
    stray = [k for k, v in given.items() if v is not None and k not in FIR_METHODS[method]]
    if stray:
        raise ValueError(f"option(s) {stray} do not apply to method={method!r}, "
                         f"which takes {FIR_METHODS[method] or 'no options'}")
    opts = {k: given[k] for k in FIR_METHODS[method]}
    checks = {"reg": lambda v: check_real(0.0 if v is None else v, "reg", low=0.0),
              "tol": lambda v: check_real(DEFAULT_TOL if v is None else v, "tol", low=0.0),
              "mu": lambda v: check_real(LMS_DEFAULT_MU if v is None else v, "mu", low=0.0, high=2.0, low_open=True),
              "n_samples": lambda v: check_int(lms_default_samples(length) if v is None else v, "n_samples", minimum=1),
              "rng": lambda v: v,
              "block": lambda v: None if v is None else check_int(v, "block", minimum=1),
              "rtol": lambda v: check_real(0.1 if v is None else v, "rtol", low=0.0)}
    opts = {k: checks[k](v) for k, v in opts.items()}
    if method == "lms" and opts["block"] is None:
        opts["block"] = max(1, opts["n_samples"] // 200)
    return opts


def fir_inverse(h, length, *, delay=0, method="ls", reg=None, tol=None, mu=None,
                n_samples=None, rng=None, block=None, rtol=None, progress=False) -> SolverResult:
    r"""An FIR approximation ``g`` (``length`` taps) of the inverse of an FIR kernel.

    Parameters
    ----------
    h : array_like, shape (m,)
        Kernel, real or complex, finite, not all zero.
    length : int
        Number of taps ``p >= 1`` of the inverse.
    delay : int, (int,) or {'center', 'centre', 'optimal'}, optional
        Index ``d`` of the target spike on the full grid, ``0 <= d <= m + p - 2``, as in
        :func:`solvers.inverse_kernel`.  Default 0: a causal inverse, right for minimum-phase kernels only.
    method : {'ls', 'truncated', 'frequency', 'lms'}, optional
        ``'ls'`` (default): least squares, the optimum for the support.
        ``'truncated'``: the exact IIR inverse's impulse response, cut.
        ``'frequency'``: frequency sampling of ``1/H`` on ``p`` points.
        ``'lms'``: Widrow's adaptive inverse, trained on white noise.
    reg : float, optional
        ``'ls'`` only: Tikhonov weight ``lambda >= 0`` (default 0).
    tol : float, optional
        ``'truncated'`` only: unit-circle tolerance of :func:`iir_inverse` (default ``1e-6``).
    mu : float, optional
        ``'lms'`` only: normalised step, ``0 < mu <= 2`` (default 0.25).
    n_samples : int, optional
        ``'lms'`` only: length of the training noise (default ``max(50 000, 8000 length)``: the slowest mode of a
        long filter needs a number of samples that grows with its length; with the defaults the error of the
        inverse of ``[1, 0.95]`` is within 1.5 % of the least-squares optimum for lengths 4 to 64).
    rng : None, int or numpy.random.Generator, optional
        ``'lms'`` only: seed or generator of the training noise (``numpy.random.default_rng``).
    block : int, optional
        ``'lms'`` only: samples per history row (default ``n_samples // 200``).
    rtol : float, optional
        ``'lms'`` only: converged when the error is at most ``(1 + rtol)``
        times the least-squares error (+ ``sqrt(eps)``); default 0.1.
    progress : bool, optional
        ``'lms'`` only: show a progress bar over the training samples.

    Returns
    -------
    SolverResult
        ``solution``: ``g``, shape ``(p,)``, dtype ``convops.float_dtype(h)``.
        ``residual``: ``h * g - delta_d``, shape ``(m + p - 1,)``.
        ``objective``: ``0.5 ||h * g - delta_d||^2 + 0.5 reg ||g||^2``.
        ``history``: one row, or for ``'lms'`` ``g = 0`` then one per block.
        ``info``: ``'delay'`` (int), ``'method'``, ``'reg'``, ``'error_norm'`` (``||h * g - delta_d||_2``),
        ``'max_frequency_error'`` (``max |H(w) G(w) - exp(-i w d)|`` on ``'nfft'`` frequencies, the next power of
        two ``>= 16 (m + p)``); ``'errors_by_delay'`` with ``delay='optimal'``; ``'phase'`` for ``'truncated'``;
        ``'mu'``, ``'n_samples'``, ``'block'``, ``'rtol'`` and ``'ls_error_norm'`` for ``'lms'``.

    Raises
    ------
    ValueError
        Empty, all-zero, non-1-D or non-finite `h`; ``length < 1``; a delay outside ``0..m+p-2`` or an unknown
        word; work above a limit, refused at once (``length**2``, ``(m + length - 1) length`` or ``n_samples
        length`` above 2e9, ``n_samples`` or scanned delays above 1e7, a frequency grid above 2**26 points); an
        unknown method; an option given to a method that does not take it or out of range; a zero of `h` on the
        unit circle (``'truncated'``) or of ``H`` on the ``p``-point DFT grid (``'frequency'``).
    TypeError
        Non-numeric `h`; non-integer `length`, `delay`, `n_samples` or `block`.

    Notes
    -----
    With ``A`` the ``(m + p - 1) x p`` full convolution matrix of `h`, ``g`` aims at

    .. math:: \min_g \tfrac12 \|A g - \delta_d\|_2^2 + \tfrac12 \lambda \|g\|_2^2 ,

    the 1-D :func:`solvers.inverse_kernel`; ``'ls'`` solves its Toeplitz normal equations by Levinson
    (``scipy.linalg.solve_toeplitz``, ``O(p^2)``).

    ``'truncated'`` keeps ``g[n] = g_IIR[n - d]``, ``n = 0..p-1`` (for ``h = [1, -a]``, ``d = 0``: ``a^n``, error
    ``|a|^p``).  ``'frequency'`` is ``g = IDFT_p(exp(-2 pi i k d / p) / H_p[k])``, ``H_p`` the ``p``-point DFT of
    ``h`` folded modulo ``p``: exact for circular convolution on ``p`` points.

    ``'lms'`` (normalised LMS) adapts ``g`` so that ``(g * h * u)[n]`` tracks ``u[n - d]`` for unit-variance white
    noise ``u``:

    .. math:: e_n = u[n-d] - g^T x_n, \qquad
              g \leftarrow g + \frac{\mu\, e_n\, \overline{x_n}}
              {\|x_n\|^2 + \epsilon}

    with ``x_n = (x[n], ..., x[n-p+1])``, ``x = h * u`` from rest and ``epsilon = 0.1 p ||h||^2`` (so a rare
    near-zero regressor cannot throw ``g`` far off).  As ``u`` is white, the mean squared error of a fixed ``g``
    is ``||h * g - delta_d||^2``: LMS hunts the ``'ls'`` solution (``lambda = 0``), misadjusted by about
    ``mu / (2 - mu)``.  History: ``objective`` is the mean ``|e_n|^2`` of each block (row 0: 1), ``residual_norm`` and
    ``gradient_norm`` those of ``h * g - delta_d`` at the block's end.

    ``delay='optimal'`` (the optimum-lag spiking filter) scans the LS errors of all delays in ``O((m + p) p)``;
    every method takes that delay.

    References
    ----------
    .. [1] B. Widrow and S. D. Stearns, *Adaptive Signal Processing*,
       Prentice-Hall, 1985, ch. 6 (LMS) and ch. 10 (adaptive inverse
       modelling).
    .. [2] E. A. Robinson and S. Treitel, *Geophysical Signal Analysis*,
       Prentice-Hall, 1980, ch. 6 (least-squares spiking filters and the
       optimum lag).
    .. [3] N. Levinson, "The Wiener RMS error criterion in filter design and
       prediction", *J. Math. Phys.* 25 (1947), 261-278.
    .. [4] A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal
       Processing*, 3rd ed., 2010, sec. 5.6 (minimum and maximum phase).

    Examples
    --------
    >>> from solvers import fir_inverse
    >>> res = fir_inverse([1.0, -0.5], 4, method="truncated")
    >>> res.solution, round(res.info["error_norm"], 6)
    (array([1.   , 0.5  , 0.25 , 0.125]), 0.0625)
    >>> res = fir_inverse([1.0, -0.5], 4)              # least squares: smaller error
    >>> bool(res.info["error_norm"] < 0.0625)
    True
    >>> fir_inverse([0.5, 1.0], 8, delay="optimal").info["delay"]   # maximum phase
    8
    """
    h = check_invertible(h, ndim=1, name="h")
    p = check_int(length, "length", minimum=1)
    method = check_option(method, "method", FIR_METHODS)
    opts = _method_options(method, dict(reg=reg, tol=tol, mu=mu, n_samples=n_samples, rng=rng, block=block, rtol=rtol), p)
    if method == "lms":
        opts["progress"] = progress
    reg = opts.pop("reg", 0.0)
    problem = KernelProblem(h.astype(np.complex128 if np.iscomplexobj(h) else np.float64), (p,), reg)
    frequency_grid(problem.full_shape, FREQUENCY_OVERSAMPLING)     # refused before any work
    (d,), errors = problem.resolve(delay)
    solve = _SOLVERS[method](problem, d, **opts)
    g = solve.g
    r = problem.residual(g, d)
    error = float(np.linalg.norm(r))
    objective = problem.objective(g, r)
    history = solve.history
    if history is None:
        rec = HistoryRecorder()
        rec.record(objective=objective, residual_norm=error, gradient_norm=np.linalg.norm(problem.gradient(g, r)))
        history = rec.history()
    max_err, nfft = frequency_error(r, FREQUENCY_OVERSAMPLING)
    history = dataclasses.replace(history, gradient_norm=pow2(history.gradient_norm, problem.e))  # of g, not h
    dtype = float_dtype(h)
    info = {"delay": d, "method": method, "reg": reg, "error_norm": error,
            "max_frequency_error": max_err, "nfft": nfft[0], **solve.info,
            **({} if errors is None else {"errors_by_delay": errors})}
    return SolverResult(solution=problem.to_g(g).astype(dtype), iterations=solve.iterations,
                        converged=solve.converged, history=history, objective=objective,
                        residual=r.astype(dtype), message=solve.message, info=info)
