r"""FIR and IIR inverses of a 1-D FIR kernel.

A kernel ``h`` of length ``m`` is the polynomial

.. math:: H(z) = \sum_{k=0}^{m-1} h[k] z^{-k}.

Its exact inverse :math:`1/H(z)` is IIR (a recursion never ends) and it is
stable only if no zero of :math:`H` lies on the unit circle; it is causal
only if every zero lies inside (a minimum-phase kernel).  :func:`iir_inverse`
builds the stable two-sided inverse; :func:`fir_inverse` approximates it by
an FIR kernel of a given length in four ways (truncation, least squares,
frequency sampling, LMS adaptation) and reports how well each does.

Conventions (those of :func:`solvers.inverse_kernel` restricted to 1-D):
kernel ``h`` of length ``m``, inverse ``g`` of length ``p``, the ``full``
convolution ``h * g`` of length ``m + p - 1`` (``numpy.convolve``), and the
target ``delta_d``: one at index ``d`` of that grid, ``0 <= d <= m + p - 2``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.fft as sfft
import scipy.linalg as sla
import scipy.signal as ss
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import gammaln

from convops import float_dtype
from convops._validation import as_float_array, check_int, check_kernel, check_real

from ._inverse_kernel import best_delay
from ._result import History, HistoryRecorder, SolverResult

__all__ = ["IIRInverse", "iir_inverse", "fir_inverse", "FIR_METHODS", "DELAY_KEYWORDS"]

#: Default distance to the unit circle, ``| |z| - 1 |``, at or below which a
#: zero of the kernel counts as lying on the circle (no stable inverse).  A
#: pole that close has an impulse response decaying over more than 3.6e7
#: samples before it drops below machine precision.
DEFAULT_TOL = 1e-6

#: The FIR methods of :func:`fir_inverse`, each with the options it takes.
FIR_METHODS: dict[str, tuple[str, ...]] = {
    "ls": ("reg",),
    "truncated": ("tol",),
    "frequency": (),
    "lms": ("mu", "n_samples", "rng", "block", "rtol"),
}

#: Words accepted for ``delay`` besides an integer: the least-squares
#: optimal delay and the centre ``(m + p - 2) // 2`` of the full grid.
DELAY_KEYWORDS = ("optimal", "centre", "center")

#: Oversampling of the frequency grid on which ``max_frequency_error`` is
#: taken: the next power of two >= FREQUENCY_OVERSAMPLING * (m + p).
FREQUENCY_OVERSAMPLING = 16

_EPS = np.finfo(np.float64).eps

# -- input checks ----------------------------------------------------------------
def _check_h(h, name: str = "h") -> np.ndarray:
    """A non-zero, finite 1-D kernel converted by the dtype rule."""
    k = check_kernel(h, name=name)
    if k.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got an array of shape {k.shape}")
    if not np.any(k):
        raise ValueError(f"{name} is all zeros (length {k.size}); it has no inverse")
    return k


def _check_delay(delay, m: int, p: int) -> int | str:
    """An integer delay on the full grid, or 'optimal' (centre is resolved)."""
    top = m + p - 2
    if isinstance(delay, str):
        if delay not in DELAY_KEYWORDS:
            raise ValueError(f"delay must be an integer in 0..{top} or one of {DELAY_KEYWORDS}, "
                             f"got {delay!r}")
        return "optimal" if delay == "optimal" else top // 2
    if isinstance(delay, bool) or not isinstance(delay, (numbers.Integral, np.integer)):
        raise TypeError(f"delay must be an integer in 0..{top} or one of {DELAY_KEYWORDS}, "
                        f"got {delay!r}")
    if not 0 <= delay <= top:
        raise ValueError(f"delay {delay!r} is outside the full grid: allowed 0..{top} "
                         f"(= len(h) + length - 2 with len(h) = {m}, length = {p})")
    return int(delay)


# -- factorisation -----------------------------------------------------------------
def _trim(h: np.ndarray) -> tuple[np.ndarray, int]:
    """The taps from the first to the last non-zero one, and the number of
    leading zeros (exact trailing zeros change nothing and are dropped)."""
    nz = np.flatnonzero(h)
    c = h[nz[0]: nz[-1] + 1].astype(np.complex128 if np.iscomplexobj(h) else np.float64)
    return c, int(nz[0])


def _circle_offender(coefficients: np.ndarray, zeros: np.ndarray, tol: float):
    """The zero that prevents a stable inverse, or None.

    A zero offends when ``| |z| - 1 | <= tol``, or when ``H`` vanishes to
    rounding at the point ``u = z / |z|`` of the circle nearest to it:
    ``|H(u)| <= 4 M eps ||c||_1`` (M the degree; Horner's error bound), i.e.
    the kernel is within rounding of one with a zero at ``u``.  The second
    test catches multiple zeros on the circle, whose computed copies scatter
    by about ``eps**(1/k)`` (k the multiplicity) and so miss a small `tol`.
    Returns (zero, distance, |H(u)|) of the offender nearest the circle.
    """
    if zeros.size == 0:
        return None
    dist = np.abs(np.abs(zeros) - 1.0)
    # The nearest point of the circle, z / |z|; for z = 0 (or a subnormal z,
    # whose quotient overflows) any point will do.
    tiny = np.abs(zeros) < np.finfo(float).tiny
    safe = np.where(tiny, 1.0, zeros)
    on_circle = safe / np.abs(safe)
    values = np.abs(np.polyval(coefficients, on_circle))
    rounding = 4 * zeros.size * _EPS * np.abs(coefficients).sum()
    bad = np.flatnonzero((dist <= tol) | (values <= rounding))
    if bad.size == 0:
        return None
    k = bad[np.argmin(dist[bad])]
    return complex(zeros[k]), float(dist[k]), float(values[k])


def _sections(poles: np.ndarray, real: bool) -> np.ndarray | None:
    """All-pole second-order sections ``1 / prod (1 - p z^{-1})``, or None."""
    if poles.size == 0:
        return None
    if real:  # conjugate pairs: real sections, ordered by scipy for safety
        return ss.zpk2sos([], poles, 1.0)
    order = poles[np.argsort(np.abs(poles))]
    if order.size % 2:
        order = np.append(order, 0.0)
    pairs = order.reshape(-1, 2)
    sos = np.zeros((pairs.shape[0], 6), dtype=np.complex128)
    sos[:, 0] = sos[:, 3] = 1.0
    sos[:, 4] = -pairs.sum(axis=1)
    sos[:, 5] = pairs.prod(axis=1)
    return sos


def _tail_length(poles: np.ndarray) -> int:
    """Smallest n with C(n+k-1, k-1) rho^n <= eps: beyond it the impulse
    response of ``prod 1/(1 - p z^{-1})`` (k poles, largest radius rho) is
    below machine precision relative to its first value."""
    k = poles.size
    rho = float(np.abs(poles).max()) if k else 0.0
    if k == 0 or rho * k <= _EPS:
        return k

    def above(n):
        return gammaln(n + k) - gammaln(k) - gammaln(n + 1) + n * math.log(rho) > math.log(_EPS)

    hi = 1
    while above(hi):
        hi *= 2
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if above(mid) else (lo, mid)
    return hi


# -- the exact inverse ----------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class IIRInverse:
    r"""The stable two-sided inverse of an FIR kernel, in factored form.

    Built by :func:`iir_inverse`.  The kernel factors as

    .. math:: H(z) = c\, z^{-D} \prod_{|z_k| < 1} (1 - z_k z^{-1})
                     \prod_{|z_k| > 1} (1 - z_k z^{-1})

    with ``c = gain`` (the first non-zero tap) and ``D = delay`` (the number
    of leading zero taps); its inverse, convergent on the unit circle, is

    .. math:: \frac{1}{H(z)} = \frac{z^{D + N_o}}{c \prod_{|z_k|>1} (-z_k)}
              \prod_{|z_k| < 1} \frac{1}{1 - z_k z^{-1}}
              \prod_{|z_k| > 1} \frac{1}{1 - z_k^{-1} z},

    (``N_o`` outer zeros): a causal recursion with poles at the inner zeros,
    an anti-causal recursion with poles at the reciprocals of the outer
    zeros, and an advance of ``D + N_o`` samples.

    Attributes
    ----------
    kernel : ndarray, shape (m,)
        The kernel (by the package's dtype rule).
    gain : complex or float
        First non-zero tap ``c``.
    delay : int
        Leading zero taps ``D`` of the kernel (its pure delay; the inverse
        advances by it).
    inner_zeros, outer_zeros : ndarray of complex
        Zeros inside and outside the unit circle: the causal poles and the
        (reciprocal) anti-causal poles of the inverse.

    Notes
    -----
    The recursions run as second-order sections (``scipy.signal.sosfilt``);
    real kernels use ``scipy.signal.zpk2sos``, complex ones pair their poles
    by increasing radius.  The impulse response vanishes for ``n < -D``
    exactly when the kernel is minimum phase (no outer zeros); otherwise it
    extends to ``n -> -infinity``.
    """

    kernel: np.ndarray
    gain: complex
    delay: int
    inner_zeros: np.ndarray
    outer_zeros: np.ndarray
    _causal: Any = field(init=False, repr=False)
    _anticausal: Any = field(init=False, repr=False)
    _scale: Any = field(init=False, repr=False)
    _tail: int = field(init=False, repr=False)

    def __post_init__(self):
        real = not np.iscomplexobj(self.kernel)
        for name in ("kernel", "inner_zeros", "outer_zeros"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        # np.poly returns real coefficients for conjugate pairs: its last one
        # is prod(-z_k) over the outer zeros.
        scale = 1.0 / (self.gain * np.atleast_1d(np.poly(self.outer_zeros))[-1])
        object.__setattr__(self, "_scale", scale)
        object.__setattr__(self, "_causal", _sections(self.inner_zeros, real))
        object.__setattr__(self, "_anticausal", _sections(1.0 / self.outer_zeros, real))
        object.__setattr__(self, "_tail", _tail_length(self.inner_zeros))

    @property
    def advance(self) -> int:
        """``D + N_o``: how far the inverse's recursions are shifted left."""
        return self.delay + self.outer_zeros.size

    @property
    def phase(self) -> str:
        """``'minimum'`` (causal inverse), ``'maximum'`` (anti-causal) or ``'mixed'``."""
        if self.outer_zeros.size == 0:
            return "minimum"
        return "maximum" if self.inner_zeros.size == 0 else "mixed"

    def impulse_response(self, start: int, stop: int) -> np.ndarray:
        """The inverse's impulse response ``g[n]`` for ``n = start, ..., stop - 1``.

        Parameters
        ----------
        start, stop : int
            Index range, like ``range(start, stop)``; negative indices are
            the anti-causal part (``g[-1]`` multiplies ``x[n + 1]``).

        Returns
        -------
        ndarray, shape (stop - start,)
            ``g[start:stop]``, exact to rounding (the recursions are run far
            enough that the neglected tails are below machine precision);
            dtype by the package's rule for the kernel.

        Examples
        --------
        >>> from solvers import iir_inverse
        >>> iir_inverse([1.0, -0.5]).impulse_response(-1, 4)
        array([0.   , 1.   , 0.5  , 0.25 , 0.125])
        """
        start = check_int(start, "start")
        stop = check_int(stop, "stop")
        if stop <= start:
            raise ValueError(f"stop must exceed start, got start={start}, stop={stop}")
        out = self._convolve(np.ones(1), start, stop - start)
        return out.astype(float_dtype(self.kernel), copy=False)

    def apply(self, x) -> np.ndarray:
        """Filter a 1-D signal with the inverse: ``y = g * x`` on ``x``'s indices.

        Parameters
        ----------
        x : array_like, shape (N,)
            Signal, taken as zero outside ``0 .. N-1``.

        Returns
        -------
        ndarray, shape (N,)
            ``y[n] = sum_k g[k] x[n - k]`` for ``n = 0 .. N-1``, dtype
            ``convops.float_dtype(h, x)``.

        Notes
        -----
        The causal recursion runs forward from rest, then the anti-causal
        one runs backward (on the time-reversed signal) from rest at a point
        beyond the end where the causal output has decayed below machine
        precision, so `y` is the exact two-sided convolution of the
        zero-extended `x` (cost ``O(N)`` plus that decay length).  End
        effects are those of the zero extension: when ``x = h * s`` in full
        (``numpy.convolve``), ``y`` returns ``s`` (followed by zeros) exactly;
        when `x` is only a window of ``h * s``, the samples near its ends
        miss the parts of ``h * s`` outside the window and are wrong over
        the decay lengths of the two recursions.

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import iir_inverse
        >>> h = np.array([1.0, -2.5, 1.0])          # zeros at 0.5 and 2: mixed phase
        >>> s = np.array([1.0, 2.0, 3.0])
        >>> np.round(iir_inverse(h).apply(np.convolve(h, s)), 12) + 0.0
        array([1., 2., 3., 0., 0.])
        """
        x = as_float_array(x, "x")
        if x.ndim != 1:
            raise ValueError(f"x must be 1-D, got an array of shape {x.shape}")
        out = self._convolve(x, 0, x.size)
        return out.astype(float_dtype(self.kernel, x), copy=False)

    def _convolve(self, x: np.ndarray, first: int, count: int) -> np.ndarray:
        """``(g * x)[n]`` for ``n = first .. first + count - 1`` (x zero outside)."""
        shift = self.advance
        lo = min(first + shift, 0)            # recursion indices: w[j] = g-output[j - shift]
        hi = first + shift + count
        end = hi if self._anticausal is None else max(hi + self._tail, x.size)
        complex_ = np.iscomplexobj(self.kernel) or np.iscomplexobj(x)
        buf = np.zeros(end - lo, dtype=np.complex128 if complex_ else np.float64)
        n_copy = max(0, min(x.size, end))
        buf[-lo: -lo + n_copy] = x[:n_copy]
        if self._causal is not None:
            buf = ss.sosfilt(self._causal, buf)
        if self._anticausal is not None:
            buf = ss.sosfilt(self._anticausal, buf[::-1])[::-1]
        return self._scale * buf[first + shift - lo: hi - lo]


def _format_zero(z: complex) -> str:
    return f"{z.real:.6g}" if z.imag == 0 else f"{z:.6g}"


def iir_inverse(h, *, tol: float = DEFAULT_TOL) -> IIRInverse:
    r"""The exact, stable (two-sided) IIR inverse ``1/H(z)`` of an FIR kernel.

    Parameters
    ----------
    h : array_like, shape (m,)
        FIR kernel ``h[0] + h[1] z^-1 + ...``; real or complex, finite, not
        all zero.  Exact leading zeros are a pure delay (the inverse
        advances by it); exact trailing zeros are ignored.
    tol : float, optional
        A zero with ``| |z| - 1 | <= tol`` counts as lying on the unit circle
        (so does one where ``H`` vanishes to rounding, see Notes).  Default
        ``1e-6`` (``DEFAULT_TOL``); the test is absolute because the zeros
        do not depend on the scale of `h`.

    Returns
    -------
    IIRInverse
        The factorisation (gain, delay, inner and outer zeros) with
        ``impulse_response(start, stop)`` and ``apply(x)``.

    Raises
    ------
    ValueError
        If `h` is empty, all zero, not 1-D or not finite, if `tol` is
        negative, or if a zero lies on (within `tol` of) the unit circle: then
        ``1/H`` has a pole there and no stable inverse exists; the message
        gives the zero, its distance to the circle and ``|H|`` there.
    TypeError
        Non-numeric `h`.

    Notes
    -----
    The zeros are the roots of the trimmed coefficients (``numpy.roots``).
    Zeros strictly inside the circle become causal poles; zeros outside
    become anti-causal poles, run by recursion on the time-reversed signal,
    so a mixed-phase kernel has a stable inverse that is two-sided:

    .. math:: g[n] = \frac{1}{2\pi} \int_{-\pi}^{\pi}
              \frac{e^{i\omega n}}{H(e^{i\omega})} \, d\omega .

    A zero ``z`` is refused when ``| |z| - 1 | <= tol`` or when ``H``
    vanishes to rounding at the nearest point ``u = z/|z|`` of the circle,
    ``|H(u)| <= 4 M eps sum|h|`` (Horner's error bound, ``M`` the degree):
    the kernel is then within rounding of one with a zero on the circle.
    The second test is needed because a k-fold zero is computed by
    ``numpy.roots`` only to about ``eps**(1/k)`` (7e-6 for a triple zero,
    2e-4 for a fourfold one, 0.07 for an elevenfold one), far above `tol`,
    while ``H`` near it is of the size of rounding.  So the binomial kernels
    ``[1, 3, 3, 1]``, ``[1, 4, 6, 4, 1]``, ... (multiple zero at -1) are
    refused, and so is a cluster such as ``(1 - 0.9999 z^-1)^4`` whose
    ``|H|`` on the circle (1e-16) is at rounding level.

    References
    ----------
    .. [1] A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal
       Processing*, 3rd ed., Pearson, 2010, sec. 5.6 (minimum-phase and
       all-pass decomposition, inverse systems) and 3.3 (regions of
       convergence of two-sided sequences).

    Examples
    --------
    >>> from solvers import iir_inverse
    >>> inv = iir_inverse([1.0, -0.5])             # zero at 0.5: minimum phase
    >>> inv.phase, inv.impulse_response(0, 4)
    ('minimum', array([1.   , 0.5  , 0.25 , 0.125]))
    >>> iir_inverse([-0.5, 1.0]).impulse_response(-3, 1)   # zero at 2: anti-causal
    array([0.25, 0.5 , 1.  , 0.  ])
    >>> iir_inverse([1.0, 1.0])
    Traceback (most recent call last):
    ...
    ValueError: no stable inverse: h has a zero at z = -1 at distance 0 from the unit circle (tol = 1e-06; |H| = 0 at the nearest point of the circle), so 1/H(z) has a pole on the circle
    """
    h = _check_h(h)
    tol = check_real(tol, "tol", low=0.0)
    c, delay = _trim(h)
    zeros = np.roots(c).astype(np.complex128)
    offender = _circle_offender(c, zeros, tol)
    if offender is not None:
        z, dist, value = offender
        raise ValueError(
            f"no stable inverse: h has a zero at z = {_format_zero(z)} at distance {dist:.3g} "
            f"from the unit circle (tol = {tol:g}; |H| = {value:.3g} at the nearest point of "
            f"the circle), so 1/H(z) has a pole on the circle"
        )
    inside = np.abs(zeros) < 1.0
    return IIRInverse(kernel=h, gain=c[0], delay=delay,
                      inner_zeros=zeros[inside], outer_zeros=zeros[~inside])


# -- FIR approximations ------------------------------------------------------------------
class _Solve(NamedTuple):
    """What one FIR method hands back to :func:`fir_inverse`."""

    g: np.ndarray
    iterations: int = 0
    converged: bool = True
    history: History | None = None
    message: str = "direct solve"
    info: dict = {}


def _work_dtype(h: np.ndarray) -> np.dtype:
    return np.dtype(np.complex128 if np.iscomplexobj(h) else np.float64)


def _target(n: int, d: int, dtype) -> np.ndarray:
    e = np.zeros(n, dtype=dtype)
    e[d] = 1.0
    return e


def _residual(h: np.ndarray, g: np.ndarray, d: int) -> np.ndarray:
    """``h * g - delta_d`` on the full grid."""
    r = np.convolve(h, g)
    r[d] -= 1.0
    return r


def _gradient(h: np.ndarray, r: np.ndarray, g: np.ndarray, reg: float) -> np.ndarray:
    """``A^H r + reg g``: the correlation of the residual with the kernel ('valid')."""
    return np.correlate(r, h, "valid") + reg * g


def _frequency_error(residual: np.ndarray, oversampling: int) -> tuple[float, tuple[int, ...]]:
    """``max |DTFT(residual)|`` on a grid of the next power of two >=
    ``oversampling * (n + 1)`` points per axis of length ``n``."""
    shape = tuple(1 << math.ceil(math.log2(oversampling * (n + 1))) for n in residual.shape)
    return float(np.abs(sfft.fftn(residual, shape)).max()), shape


def _reversed_kernel_rhs(h: np.ndarray, p: int, d: int) -> np.ndarray:
    """``A^H delta_d``: ``conj(h[d - i])`` at ``i`` where ``0 <= d - i < m``."""
    j = d - np.arange(p)
    ok = (j >= 0) & (j < h.size)
    b = np.zeros(p, dtype=_work_dtype(h))
    b[ok] = np.conj(h[j[ok]])
    return b


def _ls_solve(h: np.ndarray, p: int, d: int, reg: float) -> np.ndarray:
    """Levinson solve of the Toeplitz normal equations ``(A^H A + reg I) g = A^H delta_d``."""
    h = h.astype(_work_dtype(h))
    lags = np.correlate(h, h, "full")[h.size - 1:]       # c[k] = sum_j conj(h[j]) h[j + k]
    column = np.zeros(p, dtype=lags.dtype)
    column[: min(p, lags.size)] = lags[:p]
    column[0] = column[0].real + reg
    return sla.solve_toeplitz(column, _reversed_kernel_rhs(h, p, d))


def _ls_all_delays(h: np.ndarray, p: int, reg: float) -> tuple[np.ndarray, np.ndarray]:
    """LS inverses and errors ``||h * g_d - delta_d||`` for every delay at once.

    One QR factorisation of ``[A; sqrt(reg) I]`` (A the full convolution
    matrix) gives every column of ``(A^H A + reg I)^{-1} A^H`` (the
    pseudo-inverse when reg = 0): column d is the inverse for delay d.
    """
    h = h.astype(_work_dtype(h))
    a = sla.convolution_matrix(h, p, mode="full")
    n = a.shape[0]
    stacked = np.vstack([a, math.sqrt(reg) * np.eye(p)]) if reg else a
    q, r = sla.qr(stacked, mode="economic")
    inverses = sla.solve_triangular(r, q[:n].conj().T)
    errors = np.linalg.norm(a @ inverses - np.eye(n), axis=0)
    return inverses, errors


def _fir_ls(h, p, d, *, reg) -> _Solve:
    return _Solve(_ls_solve(h, p, d, reg), message="Toeplitz normal equations solved (Levinson)")


def _fir_truncated(h, p, d, *, tol) -> _Solve:
    inverse = iir_inverse(h, tol=tol)
    return _Solve(inverse._convolve(np.ones(1), -d, p),
                  message=f"IIR inverse ({inverse.phase} phase) truncated to indices "
                          f"{-d}..{p - 1 - d}",
                  info={"phase": inverse.phase})


def _fir_frequency(h, p, d) -> _Solve:
    fold = np.zeros(p, dtype=_work_dtype(h))
    np.add.at(fold, np.arange(h.size) % p, h)            # H on the p-point grid
    real = not np.iscomplexobj(h)
    spectrum = sfft.rfft(fold) if real else sfft.fft(fold)
    small = np.abs(spectrum) <= 16 * _EPS * np.abs(h).sum()
    if small.any():
        k = int(np.flatnonzero(small)[0])
        raise ValueError(
            f"method='frequency': H has a zero on the {p}-point DFT grid at index {k} "
            f"(omega = 2 pi {k}/{p} = {2 * np.pi * k / p:.6g}, |H| = {abs(spectrum[k]):.3g}); "
            f"1/H does not exist there: choose another length or method"
        )
    phase = np.exp(-2j * np.pi * np.arange(spectrum.size) * d / p)
    g = sfft.irfft(phase / spectrum, n=p) if real else sfft.ifft(phase / spectrum)
    return _Solve(g, message=f"inverse DFT of exp(-i omega d)/H on {p} points")


def _white_noise(gen: np.random.Generator, n: int, complex_: bool) -> np.ndarray:
    """Unit-variance white noise (circular complex for complex kernels)."""
    if complex_:
        return (gen.standard_normal(n) + 1j * gen.standard_normal(n)) / math.sqrt(2.0)
    return gen.standard_normal(n)


def _fir_lms(h, p, d, *, mu, n_samples, rng, block, rtol) -> _Solve:
    dtype = _work_dtype(h)
    hw = h.astype(dtype)
    u = _white_noise(np.random.default_rng(rng), n_samples, dtype.kind == "c")
    x = np.convolve(u, hw)[:n_samples]                       # what the inverse sees
    wanted = np.concatenate([np.zeros(d, dtype), u[: max(n_samples - d, 0)]])
    regressors = sliding_window_view(np.concatenate([np.zeros(p - 1, dtype), x]), p)[:, ::-1]
    # Regularised NLMS: the step is mu / (||x_k||^2 + eps) with eps a tenth of
    # the regressor's expected energy p ||h||^2 (unit-variance input), so
    # that a rare near-zero regressor cannot throw the filter far off.
    safeguard = 0.1 * p * float(np.vdot(hw, hw).real)
    energy = np.convolve(np.abs(x) ** 2, np.ones(p))[:n_samples] + safeguard
    g = np.zeros(p, dtype)
    rec = HistoryRecorder()
    rec.record(objective=1.0, residual_norm=1.0,
               gradient_norm=np.linalg.norm(_reversed_kernel_rhs(hw, p, d)))
    squared = np.empty(n_samples)
    for start in range(0, n_samples, block):
        for k in range(start, min(start + block, n_samples)):
            xk = regressors[k]
            e = wanted[k] - xk @ g
            squared[k] = abs(e) ** 2
            g += (mu * e / energy[k]) * xk.conj()
        r = _residual(hw, g, d)
        rec.record(objective=squared[start:k + 1].mean(), residual_norm=np.linalg.norm(r),
                   gradient_norm=np.linalg.norm(_gradient(hw, r, g, 0.0)))
    error = float(np.linalg.norm(_residual(hw, g, d)))
    ls_error = float(np.linalg.norm(_residual(hw, _ls_solve(h, p, d, 0.0), d)))
    converged = error <= (1.0 + rtol) * ls_error + math.sqrt(_EPS)
    verdict = "within" if converged else "not within"
    return _Solve(g, iterations=n_samples, converged=converged, history=rec.history(),
                  message=f"NLMS ran {n_samples} samples; error {error:.3g} is {verdict} "
                          f"(1 + {rtol:g}) x the least-squares error {ls_error:.3g}",
                  info={"mu": mu, "n_samples": n_samples, "block": block,
                        "ls_error_norm": ls_error, "rtol": rtol})


_SOLVERS = {"ls": _fir_ls, "truncated": _fir_truncated, "frequency": _fir_frequency,
            "lms": _fir_lms}


def _method_options(method: str, given: dict) -> dict:
    """The options of `method` with defaults filled; others must be unset (None)."""
    if not isinstance(method, str) or method not in FIR_METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {tuple(FIR_METHODS)}")
    stray = [k for k, v in given.items() if v is not None and k not in FIR_METHODS[method]]
    if stray:
        raise ValueError(f"option(s) {stray} do not apply to method={method!r}, "
                         f"which takes {FIR_METHODS[method] or 'no options'}")
    opts = {k: given[k] for k in FIR_METHODS[method]}
    checks = {
        "reg": lambda v: check_real(0.0 if v is None else v, "reg", low=0.0),
        "tol": lambda v: check_real(DEFAULT_TOL if v is None else v, "tol", low=0.0),
        "mu": lambda v: check_real(0.1 if v is None else v, "mu", low=0.0, high=2.0,
                                    low_open=True),
        "n_samples": lambda v: check_int(50_000 if v is None else v, "n_samples", minimum=1),
        "rng": lambda v: v,
        "block": lambda v: None if v is None else check_int(v, "block", minimum=1),
        "rtol": lambda v: check_real(0.1 if v is None else v, "rtol", low=0.0),
    }
    opts = {k: checks[k](v) for k, v in opts.items()}
    if method == "lms" and opts["block"] is None:
        opts["block"] = max(1, opts["n_samples"] // 200)
    return opts


def fir_inverse(h, length, *, delay=0, method="ls", reg=None, tol=None, mu=None,
                n_samples=None, rng=None, block=None, rtol=None) -> SolverResult:
    r"""An FIR approximation ``g`` (``length`` taps) of the inverse of an FIR kernel.

    Parameters
    ----------
    h : array_like, shape (m,)
        Kernel, real or complex, finite, not all zero.
    length : int
        Number of taps ``p >= 1`` of the inverse.
    delay : int or {'optimal', 'centre', 'center'}, optional
        Index ``d`` of the target spike on the full grid, ``0 <= d <= m + p - 2``.
        ``'centre'`` is ``(m + p - 2) // 2`` (the default of
        :func:`solvers.inverse_kernel`); ``'optimal'`` is the delay with the
        smallest least-squares error (see Notes; ties go to the delay
        nearest the centre).  Default 0: a causal
        inverse, right for minimum-phase kernels only.
    method : {'ls', 'truncated', 'frequency', 'lms'}, optional
        ``'ls'`` (default): least squares, the optimum for the support.
        ``'truncated'``: the exact IIR inverse's impulse response, cut.
        ``'frequency'``: frequency sampling of ``1/H`` on ``p`` points.
        ``'lms'``: Widrow's adaptive inverse, trained on white noise.
    reg : float, optional
        ``'ls'`` only: Tikhonov weight ``lambda >= 0`` (default 0).
    tol : float, optional
        ``'truncated'`` only: unit-circle tolerance of :func:`iir_inverse`
        (default ``1e-6``).
    mu : float, optional
        ``'lms'`` only: normalised step, ``0 < mu <= 2`` (default 0.1).
    n_samples : int, optional
        ``'lms'`` only: length of the training noise (default 50 000).
    rng : None, int or numpy.random.Generator, optional
        ``'lms'`` only: seed or generator of the training noise
        (``numpy.random.default_rng(rng)``; None draws fresh entropy).
    block : int, optional
        ``'lms'`` only: samples per history row (default ``n_samples // 200``).
    rtol : float, optional
        ``'lms'`` only: the run counts as converged when its error is at
        most ``(1 + rtol)`` times the least-squares error (+ ``sqrt(eps)``);
        default 0.1.

    Returns
    -------
    SolverResult
        ``solution``: ``g``, shape ``(p,)``, dtype ``convops.float_dtype(h)``.
        ``residual``: ``h * g - delta_d``, shape ``(m + p - 1,)``.
        ``objective``: ``0.5 ||h * g - delta_d||^2 + 0.5 reg ||g||^2``.
        ``history``: one row for the direct methods; for ``'lms'`` row 0 is
        ``g = 0`` and then one row per block (see Notes).
        ``info``: ``'delay'`` (int), ``'method'``, ``'reg'``,
        ``'error_norm'`` (``||h * g - delta_d||_2``),
        ``'max_frequency_error'`` (``max |H(w) G(w) - exp(-i w d)|`` over
        ``nfft`` equispaced frequencies, ``nfft`` the next power of two
        ``>= 16 (m + p)``), ``'nfft'``; with ``delay='optimal'`` also
        ``'errors_by_delay'`` (the LS error of every delay 0..m+p-2); and
        the method's extras: ``'phase'`` for ``'truncated'``; ``'mu'``,
        ``'n_samples'``, ``'block'``, ``'rtol'`` and ``'ls_error_norm'``
        for ``'lms'``.

    Raises
    ------
    ValueError
        Empty, all-zero, non-1-D or non-finite `h`; ``length < 1``; a delay
        outside ``0..m+p-2`` or an unknown word; an unknown method; an option
        given to a method that does not take it or out of range; for
        ``'truncated'`` a zero of `h` on the unit circle; for
        ``'frequency'`` a zero of ``H`` on the ``p``-point DFT grid.
    TypeError
        Non-numeric `h`; non-integer `length`, `delay`, `n_samples` or `block`.

    Notes
    -----
    With ``A`` the ``(m + p - 1) x p`` full convolution matrix of `h`
    (``scipy.linalg.convolution_matrix(h, p, 'full')``), ``g`` aims at

    .. math:: \min_g \tfrac12 \|A g - \delta_d\|_2^2 + \tfrac12 \lambda \|g\|_2^2 ,

    the 1-D case of :func:`solvers.inverse_kernel` (same matrix, same
    target, same objective).  Its normal equations
    ``(A^H A + lambda I) g = A^H delta_d`` are Toeplitz: the first column
    is the autocorrelation ``c[k] = sum_j conj(h[j]) h[j + k]`` (plus
    ``lambda`` at lag 0) and the right-hand side is the conjugated,
    reversed kernel placed so that ``conj(h[d - i])`` sits at ``i``;
    ``scipy.linalg.solve_toeplitz`` (Levinson, ``O(p^2)``) solves them.

    ``'truncated'`` keeps ``g[n] = g_IIR[n - d]``, ``n = 0..p-1``: the delay
    lets ``d`` samples of the anti-causal part in.  For ``h = [1, -a]`` and
    ``d = 0`` it is ``a^n`` and its error is ``|a|^p``.  ``'frequency'`` is
    ``g = IDFT_p(exp(-2 pi i k d / p) / H_p[k])`` with ``H_p`` the ``p``-point
    DFT of ``h`` (folded modulo ``p`` when ``m > p``): exact for circular
    convolution on ``p`` points, aliased for the linear one.

    ``'lms'`` (normalised LMS, complex form) filters unit-variance white
    noise ``u`` by ``h`` and adapts ``g`` so that ``(g * h * u)[n]`` tracks
    ``u[n - d]``:

    .. math:: e_n = u[n-d] - g^T x_n, \qquad
              g \leftarrow g + \frac{\mu\, e_n\, \overline{x_n}}
              {\|x_n\|^2 + \epsilon}

    with ``x_n = (x[n], ..., x[n-p+1])``, ``x = h * u`` from rest and
    ``epsilon = 0.1 p ||h||^2``, a tenth of the regressor's expected energy
    (regularised NLMS: a rare near-zero regressor cannot throw ``g`` far
    off, which matters for short filters).  Because ``u`` is white, the mean squared
    error of a fixed ``g`` is exactly ``||h * g - delta_d||^2``, so the
    Wiener solution the algorithm hunts is the ``'ls'`` solution (with
    ``lambda = 0``); a constant step leaves a misadjustment of about
    ``mu / (2 - mu)`` in the excess error.  History: column ``objective``
    is the mean of ``|e_n|^2`` over each block (row 0: 1, the exact value for
    ``g = 0``), ``residual_norm`` is ``||h * g - delta_d||`` at the block's
    end, ``gradient_norm`` is ``||A^H (h * g - delta_d)||`` and ``time`` the
    seconds elapsed.  ``converged`` is a verdict after the fact (the run
    always uses all samples): the final error is at most ``(1 + rtol)``
    times the ``'ls'`` error plus ``sqrt(eps)``.

    ``delay='optimal'`` is the optimum-lag spiking filter of Wiener-Levinson
    deconvolution: the LS inverses of all ``m + p - 1`` delays come from one
    QR factorisation of ``[A; sqrt(lambda) I]`` (column ``d`` of the
    regularised pseudo-inverse is the inverse for delay ``d``, cost
    ``O((m + p) p^2)``), and the delay of the smallest error is taken.  For
    the other methods it is the same LS-optimal delay (computed with
    ``lambda = 0``), not an optimum of their own error.

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
    h = _check_h(h)
    p = check_int(length, "length", minimum=1)
    opts = _method_options(method, dict(reg=reg, tol=tol, mu=mu, n_samples=n_samples,
                                        rng=rng, block=block, rtol=rtol))
    d = _check_delay(delay, h.size, p)
    extra: dict[str, Any] = {}
    if d == "optimal":
        _, errors = _ls_all_delays(h, p, opts.get("reg", 0.0))
        (d,) = best_delay(errors)
        extra["errors_by_delay"] = errors
    solve = _SOLVERS[method](h, p, d, **opts)
    return _result(h, solve, d, method, opts.get("reg", 0.0), extra)


def _result(h, solve: _Solve, d: int, method: str, reg: float, extra: dict) -> SolverResult:
    """Residual, objective, errors and history of an FIR inverse."""
    hw = h.astype(_work_dtype(h))
    g = solve.g
    r = _residual(hw, g, d)
    error = float(np.linalg.norm(r))
    objective = 0.5 * error**2 + 0.5 * reg * float(np.vdot(g, g).real)
    history = solve.history
    if history is None:
        rec = HistoryRecorder()
        rec.record(objective=objective, residual_norm=error,
                   gradient_norm=np.linalg.norm(_gradient(hw, r, g, reg)))
        history = rec.history()
    max_err, nfft = _frequency_error(r, FREQUENCY_OVERSAMPLING)
    dtype = float_dtype(h)
    info = {"delay": d, "method": method, "reg": reg, "error_norm": error,
            "max_frequency_error": max_err, "nfft": nfft[0], **extra, **solve.info}
    return SolverResult(solution=g.astype(dtype), iterations=solve.iterations,
                        converged=solve.converged, history=history, objective=objective,
                        residual=r.astype(dtype), message=solve.message, info=info)
