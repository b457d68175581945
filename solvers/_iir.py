r"""The exact IIR inverse :math:`1/H(z)`, :math:`H(z) = \sum_k h[k] z^{-k}`, of a 1-D FIR kernel
(stable when no zero of :math:`H` lies on the unit circle, causal when all lie inside), and the
regularised one :math:`\bar H / (|H|^2 + \lambda)` by spectral factorisation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.signal as ss
from scipy.special import gammaln

from convops import DEFAULT_MAX_BYTES, float_dtype
from convops._validation import as_float_array, check_allocation, check_int, check_real

from ._kernel_problem import check_invertible

__all__ = ["IIRInverse", "iir_inverse", "spectral_factor"]

#: Default ``| |z| - 1 |`` at or below which a zero lies on the unit circle (no stable
#: inverse); a pole that close decays over more than 3.6e7 samples.
DEFAULT_TOL = 1e-6

#: Highest kernel degree whose spectral factorisation (dense Newton solves, cost ~ degree^3) is run.
MAX_FACTOR_DEGREE = 500

#: Largest relative spread of sigma^2 |Q|^2 / (|H|^2 + reg) on the circle (4M + 4 points)
#: accepted from the spectral factorisation; above it ``spectral_factor`` raises.
FACTOR_RTOL = 1e-6

#: Most samples one run of the recursions may span (decay lengths grow as poles near the circle).
MAX_RECURSION_SAMPLES = 50_000_000

_EPS = np.finfo(np.float64).eps


def _trim(h: np.ndarray) -> tuple[np.ndarray, int]:
    """The taps from the first to the last non-zero one, and the number of leading zeros."""
    nz = np.flatnonzero(h)
    c = h[nz[0]: nz[-1] + 1].astype(np.complex128 if np.iscomplexobj(h) else np.float64)
    return c, int(nz[0])


def _circle_offender(coefficients: np.ndarray, zeros: np.ndarray, tol: float):
    """(zero, distance, |H(u)|) of the nearest zero that prevents a stable inverse, or None."""
    if zeros.size == 0:
        return None
    dist = np.abs(np.abs(zeros) - 1.0)
    # The nearest point of the circle, z / |z|; any for z = 0 or a subnormal z.
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


def _sections(poles, real: bool) -> np.ndarray | None:
    """Second-order sections of ``prod_k 1/(1 - p_k z^{-1})``: real ones (conjugate pairs of poles,
    ``real``), else one complex first-order section per pole; None without poles."""
    if len(poles) == 0:
        return None
    if real:
        return ss.zpk2sos([], poles, 1.0)
    sos = np.zeros((len(poles), 6), dtype=np.complex128)
    sos[:, 0] = sos[:, 3] = 1.0
    sos[:, 4] = -np.asarray(poles)
    return sos


def _cascade(poles, x: np.ndarray) -> np.ndarray:
    """``x`` filtered by ``prod_k 1/(1 - p_k z^{-1})`` (see :func:`_sections`)."""
    sos = _sections(poles, not np.iscomplexobj(x))
    return x if sos is None else ss.sosfilt(sos, x)


def _tail_length(poles: np.ndarray) -> int:
    """Smallest n with C(n+k-1, k-1) rho^n <= eps: where the impulse response of
    ``prod 1/(1 - p z^{-1})`` (k poles, largest radius rho) falls below machine precision."""
    k = poles.size
    rho = float(np.abs(poles).max()) if k else 0.0
    if k == 0 or rho * k <= _EPS:
        return k

    def above(n):
        return gammaln(n + k) - gammaln(k) - gammaln(n + 1) + n * math.log(rho) > math.log(_EPS)

    hi = 1
    while above(hi) and hi < 2**62:
        hi *= 2
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if above(mid) else (lo, mid)
    return hi


def _wilson(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Newton's (Wilson's) iteration for ``b`` with ``sum_l b[l+k] conj(b[l]) = r[k]``, ``k = 0..M``:
    each step solves ``b_new * b + b * b_new = r + b * b`` (correlations, real-linear in
    ``b_new``, ``Im b_new[0] = 0``); it stops when the step stops shrinking or reaches rounding."""
    n = b.size
    lag = np.arange(n)[None, :] - np.arange(n)[:, None]
    tot = np.arange(n)[None, :] + np.arange(n)[:, None]
    real = not np.iscomplexobj(r)
    last = math.inf
    for _ in range(60):
        a1 = np.where(lag >= 0, np.conj(b)[np.clip(lag, 0, n - 1)], 0)   # (x * b)[k] = a1 @ x
        a2 = np.where(tot < n, b[np.clip(tot, 0, n - 1)], 0)             # (b * x)[k] = a2 @ conj(x)
        t = r + np.correlate(b, b, "full")[n - 1:]
        if real:
            new = np.linalg.solve((a1 + a2).real, t.real)
        else:
            s, d = a1 + a2, a1 - a2
            k = np.block([[s.real, -d.imag], [s.imag, d.real]])
            rhs = np.concatenate([t.real, t.imag])
            k[n], rhs[n] = 0.0, 0.0
            k[n, n] = 1.0                                               # gauge: Im b[0] = 0
            x = np.linalg.solve(k, rhs)
            new = x[:n] + 1j * x[n:]
        step = float(np.abs(new - b).max())
        if step >= last:
            break
        b, last = new, step
        if step <= 4 * n * _EPS * np.abs(b).max():
            break
    return b


def _polish(c: np.ndarray, reg: float, z: np.ndarray) -> np.ndarray:
    """Newton steps on the roots `z` of ``P(z) = H(z) conj(H(1/conj z)) + reg``, evaluated in this
    product form (Horner on `c`), where ``P``'s coefficients would hold `reg` only to ``eps/reg``."""
    a, s = c[::-1], np.conj(c)[::-1]                    # H(z) = a(1/z), conj(H(1/conj z)) = s(z)
    da, ds = np.polyder(a), np.polyder(s)

    def p(z):
        return np.polyval(a, 1 / z) * np.polyval(s, z) + reg

    for _ in range(4):
        slope = np.polyval(a, 1 / z) * np.polyval(ds, z) - np.polyval(da, 1 / z) * np.polyval(s, z) / z**2
        step = z - p(z) / slope
        z = np.where(np.isfinite(step) & (np.abs(p(step)) < np.abs(p(z))), step, z)
    return z


def spectral_factor(h, reg: float) -> tuple[float, np.ndarray, np.ndarray]:
    r"""The minimum-phase factor of :math:`|H(e^{i\omega})|^2 + \lambda`, :math:`\lambda` = `reg` > 0.

    :math:`P(z) = H(z) \bar H(1/z) + \lambda = \sigma^2 Q(z) \bar Q(1/z)` with
    :math:`Q(z) = \sum_k q[k] z^{-k}`, ``q[0] = 1``, all roots strictly inside the circle
    (``h`` trimmed of leading and trailing zeros, degree ``M``).

    Parameters
    ----------
    h : array_like, shape (m,)
        Kernel, as in :func:`iir_inverse`.
    reg : float
        :math:`\lambda > 0`.

    Returns
    -------
    sigma2 : float
    q : ndarray, shape (M + 1,)
        Coefficients of ``Q`` (real for a real `h`).
    roots : ndarray of complex, shape (M,)
        The roots of ``Q`` (the causal poles of :func:`iir_inverse`).

    Raises
    ------
    ValueError
        Bad `h` or `reg`, degree above ``MAX_FACTOR_DEGREE``, or a factor whose
        :math:`\sigma^2 |Q|^2 / P` varies by more than ``FACTOR_RTOL`` on the circle.

    Notes
    -----
    The roots of :math:`z^M P(z)` (``numpy.roots``) come in pairs
    :math:`r, 1/\bar r`; those inside start Newton's iteration on the coefficients of
    :math:`\sigma Q` (Wilson's), which converges quadratically to rounding.  The roots of
    that factor are polished by Newton steps on :math:`P(z) = H(z) \bar H(1/z) + \lambda`
    in this product form (its coefficients hold :math:`\lambda` only to
    :math:`\epsilon |h|^2/\lambda`), and :math:`\sigma^2` is the mean of
    :math:`P / |Q|^2` on ``4M + 4`` points of the circle: :math:`\sigma^2 |Q|^2` then
    matches :math:`P` on the circle to about :math:`\epsilon / \sqrt\lambda` relative
    (``q = numpy.poly(roots)``).  `h` is scaled by a power of two first (``sigma2`` scales
    back), so ``P`` neither overflows nor underflows.

    Examples
    --------
    >>> from solvers._iir import spectral_factor
    >>> sigma2, q, roots = spectral_factor([1.0, -1.0], 0.25)   # 2.25 - z - 1/z = (1 - q/z)(1 - q z)/q
    >>> round(sigma2, 12), q.round(12), roots.round(12)
    (1.640388203202, array([ 1.       , -0.6096118]), array([0.6096118+0.j]))
    """
    reg = check_real(reg, "reg", low=0.0, low_open=True)
    c, _ = _trim(check_invertible(h, ndim=1, name="h"))
    m = c.size - 1
    if m > MAX_FACTOR_DEGREE:
        raise ValueError(f"h has degree {m:,} (taps between the first and last non-zero one), above the "
                         f"limit of {MAX_FACTOR_DEGREE:,} for the spectral factorisation of |H|^2 + reg")
    e = math.frexp(float(np.abs(c).max()))[1]
    cs, regs = c * math.ldexp(1.0, -e), math.ldexp(reg, -2 * e)
    r = np.correlate(cs, cs, "full")
    r[m] += regs
    if m == 0:
        return math.ldexp(float(r[0].real), 2 * e), np.ones(1, dtype=c.dtype), np.zeros(0, dtype=np.complex128)
    roots = np.roots(r)
    start = roots[np.argsort(np.abs(roots))[:m]]
    start = np.where(np.abs(start) < 1.0, start, start / np.abs(start) * (1.0 - 1e-8))
    q0 = np.poly(start)
    q0 = q0.real if not np.iscomplexobj(c) else q0
    b = _wilson(r[m:], np.sqrt(r[m].real / np.sum(np.abs(q0) ** 2)) * q0)
    poles = np.roots(b).astype(np.complex128)
    poles = _polish(cs, regs, np.where(np.abs(poles) < 1.0, poles, 1.0 / np.conj(poles)))
    # sigma^2 = P / |Q|^2, both in product form (the polished poles), averaged over the circle
    z = np.exp(2j * np.pi * np.arange(4 * m + 4) / (4 * m + 4))
    ratio = np.abs(np.polyval(cs[::-1], 1 / z)) ** 2 + regs
    for p in poles:
        ratio = ratio / np.abs(1.0 - p / z) ** 2
    spread = float(np.ptp(ratio) / ratio.mean())
    if np.any(np.abs(poles) >= 1.0) or not spread <= FACTOR_RTOL:
        raise ValueError(f"the spectral factorisation of |H|^2 + reg failed for reg = {reg!r} (too small for "
                         f"this kernel of degree {m}): largest root of Q at |z| = {np.abs(poles).max():.17g}, "
                         f"sigma^2 |Q|^2 / (|H|^2 + reg) varies by {spread:.3g} on the circle")
    q = np.poly(poles)
    return math.ldexp(float(ratio.mean()), 2 * e), q if np.iscomplexobj(c) else q.real, poles


@dataclass(frozen=True, eq=False)
class IIRInverse:
    r"""The stable two-sided (exact or regularised) inverse of an FIR kernel, in factored form.

    Built by :func:`iir_inverse`.  For ``reg = 0`` the kernel factors as

    .. math:: H(z) = c\, z^{-D} \prod_{|z_k| < 1} (1 - z_k z^{-1})
                     \prod_{|z_k| > 1} (1 - z_k z^{-1})

    with ``c = gain`` (the first non-zero tap) and ``D = delay`` (the number
    of leading zero taps); its inverse, convergent on the unit circle, is

    .. math:: \frac{1}{H(z)} = \frac{z^{D + N_o}}{c \prod_{|z_k|>1} (-z_k)}
              \prod_{|z_k| < 1} \frac{1}{1 - z_k z^{-1}}
              \prod_{|z_k| > 1} \frac{1}{1 - z_k^{-1} z},

    (``N_o`` outer zeros): causal poles at the inner zeros, anti-causal poles at
    the reciprocals of the outer ones, and an advance of ``D + N_o`` samples.
    For ``reg`` :math:`= \lambda > 0`, with ``factor`` :math:`(\sigma^2, Q)` (see
    :func:`spectral_factor`, roots :math:`q_k` of ``Q`` strictly inside the circle) and the
    trimmed kernel ``c`` of degree ``M``,

    .. math:: G(z) = \frac{\bar H(1/z)}{|H|^2 + \lambda} = \frac{z^{D + M}}{\sigma^2}
              \sum_{j=0}^{M} \bar c[M - j] z^{-j}
              \prod_k \frac{1}{1 - q_k z^{-1}} \prod_k \frac{1}{1 - \bar q_k z}:

    the same recursions after an FIR factor (a correlation with the kernel).

    Attributes
    ----------
    kernel : ndarray, shape (m,)
        The kernel (by the package's dtype rule).
    gain : complex or float
        First non-zero tap ``c``.
    delay : int
        Leading zero taps ``D`` of the kernel (the inverse advances by it).
    inner_zeros, outer_zeros : ndarray of complex
        Zeros inside and outside the unit circle of the denominator: of ``h``
        (``reg = 0``), of :math:`|H|^2 + \lambda` (the ``q_k`` and :math:`1/\bar q_k`).
    reg : float
        The regularisation :math:`\lambda` (0: the exact inverse).
    factor : tuple (float, ndarray) or None
        ``(sigma2, q)``, :math:`|H|^2 + \lambda = \sigma^2 |Q|^2` with ``q[0] = 1``; None for ``reg = 0``.

    Notes
    -----
    The recursions run as sections, one per pole (or per real pair), the
    anti-causal ones on the time-reversed signal.  The impulse response
    vanishes for ``n < -D`` exactly when the kernel is minimum phase.
    """

    kernel: np.ndarray
    gain: complex
    delay: int
    inner_zeros: np.ndarray
    outer_zeros: np.ndarray
    reg: float = 0.0
    factor: tuple | None = None
    _scale: Any = field(init=False, repr=False)
    _anti: np.ndarray = field(init=False, repr=False)        # a in 1/(1 - a z): 1/outer_zeros
    _numerator: np.ndarray = field(init=False, repr=False)   # b[j] of the FIR factor sum_j b[j] z^-j
    _fir: np.ndarray = field(init=False, repr=False)         # the FIR factor apply() runs (with the gain
    #                                                          when there are no sections)
    _causal: Any = field(init=False, repr=False)             # sections of the causal recursion (or None)
    _anticausal: Any = field(init=False, repr=False)         # ... of the anti-causal one, on reversed time

    def __post_init__(self):
        for name in ("kernel", "inner_zeros", "outer_zeros"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.factor is None:
            # the last coefficient of np.poly is prod(-z_k) over the outer zeros
            scale = 1.0 / (self.gain * np.atleast_1d(np.poly(self.outer_zeros))[-1])
            anti, numerator = 1.0 / self.outer_zeros, np.ones(1)
        else:
            scale = 1.0 / self.factor[0]
            anti, numerator = np.conj(self.inner_zeros), np.conj(_trim(self.kernel)[0][::-1])
        object.__setattr__(self, "_scale", scale)
        object.__setattr__(self, "_anti", anti)
        object.__setattr__(self, "_numerator", numerator)
        # the sections apply() runs, built once; the gain goes into the first section's numerator
        real = not np.iscomplexobj(self.kernel)
        causal, anticausal = _sections(self.inner_zeros, real), _sections(anti, real)
        gain = np.real(scale) if real else scale
        if causal is not None:
            causal[0, :3] *= gain
        elif anticausal is not None:
            anticausal[0, :3] *= gain
        else:
            numerator = numerator * gain
        object.__setattr__(self, "_fir", numerator)
        object.__setattr__(self, "_causal", causal)
        object.__setattr__(self, "_anticausal", anticausal)

    @property
    def advance(self) -> int:
        """How far the recursions are shifted left: ``D + N_o`` (``D + M`` when ``reg > 0``)."""
        n = self.outer_zeros.size if self.factor is None else self._numerator.size - 1
        return self.delay + n

    @property
    def cost(self) -> int:
        """Multiply-adds per output sample of the realisation :meth:`apply` runs, counted minimally: the FIR
        factor's taps (a gain for ``reg = 0``, ``M + 1`` for ``reg > 0``) and one per pole over the two passes,
        that is ``M + 1`` for the exact inverse of a kernel of degree ``M`` and ``3M + 1`` for the regularised one.

        Examples
        --------
        >>> from solvers import iir_inverse
        >>> iir_inverse([1.0, -2.5, 1.0]).cost, iir_inverse([1.0, -1.0], reg=1e-3).cost
        (3, 4)
        """
        return int(self._numerator.size + self.inner_zeros.size + self._anti.size)

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
            ``g[start:stop]``, exact to rounding; dtype by the package's rule.

        Raises
        ------
        ValueError
            ``stop <= start``, or recursions longer than ``MAX_RECURSION_SAMPLES``
            (a pole very near the unit circle).

        Notes
        -----
        With ``w[j] = g[j - D - N_o]``, for ``j >= 1`` only the causal
        recursion is left: the outputs ``s_k`` of its sections obey
        ``s[j] = C s[j - 1]`` with ``C[k, l] = p_l`` (``l <= k``, ``p`` the inner
        zeros), so ``s[j] = C^j s[0]`` by repeated squaring; ``j <= 0`` is the
        same in reversed time.  Cost ``O(K^3 log|start| + (stop - start))``
        plus the decay lengths (``K`` zeros); relative error up to ``|start| eps``.

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
        _check_samples(stop - start, f"stop - start = {stop - start:,} samples asked for")
        first, last = start + self.advance, stop + self.advance      # recursion indices j = n + advance
        first -= self._numerator.size - 1                               # the FIR factor's reach
        right = _side(self.inner_zeros, self._anti, max(first, 1), last)
        left = _side(self._anti, self.inner_zeros, 1 - min(last, 1), 1 - first)
        out = self._scale * np.convolve(np.concatenate([left[::-1], right]), self._numerator, "valid")
        out = out if np.iscomplexobj(self.kernel) else out.real
        return out.astype(float_dtype(self.kernel), copy=False)

    def apply(self, x, axis: int = -1) -> np.ndarray:
        """Filter a signal with the inverse: ``y = g * x`` on ``x``'s indices, along one axis.

        Parameters
        ----------
        x : array_like, shape (..., N, ...)
            Signal (or a stack of signals), taken as zero outside ``0 .. N-1`` along `axis`.
        axis : int, optional
            The axis to filter along (every other index is a separate signal).

        Returns
        -------
        ndarray, shape of `x`
            ``y[n] = sum_k g[k] x[n - k]`` for ``n = 0 .. N-1`` along `axis`, dtype
            ``convops.float_dtype(h, x)``.

        Raises
        ------
        ValueError
            A scalar `x`, an `axis` out of range, or recursions over more than ``MAX_RECURSION_SAMPLES``
            samples per line.
        convops.AllocationTooLargeError
            Work arrays (about four of every line's samples and tail) above ``convops.DEFAULT_MAX_BYTES``.

        Notes
        -----
        The FIR factor (``reg > 0``) is a convolution; then the causal recursion runs forward, on
        past the end until its output has decayed below machine precision, and the anti-causal one
        backward from there (the second pass starts from the state the first one left over that
        tail): the exact two-sided convolution of the zero-extended `x`, at the cost of one
        ``scipy.signal.sosfilt`` over the causal sections and one over the anti-causal sections
        (the gain is folded into the first section), plus the tail (at most
        ``MAX_RECURSION_SAMPLES``).

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
        if x.ndim == 0:
            raise ValueError("x must have at least one axis, got a scalar")
        axis = check_int(axis, "axis")
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"axis {axis} is out of range for x of shape {x.shape}")
        x = np.moveaxis(x, axis, -1)
        n, shift = x.shape[-1], self.advance                            # recursion index j = n + shift
        tail = _tail_length(self.inner_zeros) if self._anticausal is not None else 0   # causal decay
        _check_samples(shift + tail, f"beyond the signal; causal poles of radius up to "
                                     f"{np.abs(self.inner_zeros).max(initial=0):.12g} decay that slowly")
        dtype = np.result_type(x, self.kernel, np.float64)
        lines = math.prod(x.shape[:-1])
        check_allocation(4 * np.dtype(dtype).itemsize * lines * (n + shift + tail), f"the recursions' work arrays: "
                         f"{lines:,} line(s) of {n + shift + tail:,} samples", DEFAULT_MAX_BYTES,
                         hint="filter fewer lines at a time")
        result = float_dtype(self.kernel, x)
        x = x.astype(dtype, copy=False)
        w = _fir_factor(x, self._fir, n + shift)
        out = w.copy() if w is x else w                 # never a view of the caller's array
        if self._causal is not None:
            if tail:
                zi = np.zeros((self._causal.shape[0], *w.shape[:-1], 2), dtype)
                out, zi = ss.sosfilt(self._causal, w, zi=zi)
                rest = ss.sosfilt(self._causal, np.zeros((*w.shape[:-1], tail), dtype), zi=zi)[0]
            else:
                out = ss.sosfilt(self._causal, w)
        if self._anticausal is not None:
            zi = np.zeros((self._anticausal.shape[0], *w.shape[:-1], 2), dtype)
            if tail:
                zi = ss.sosfilt(self._anticausal, rest[..., ::-1], zi=zi)[1]
            out = ss.sosfilt(self._anticausal, out[..., ::-1], zi=zi)[0][..., ::-1]
        out = np.moveaxis(out[..., shift: shift + n], -1, axis)
        return out.astype(result, copy=False)

    def frequency_response(self, w) -> np.ndarray:
        r"""The inverse's frequency response :math:`G(e^{i\omega}) = \sum_n g[n] e^{-i\omega n}`.

        Parameters
        ----------
        w : array_like of float, any shape
            Frequencies in radians per sample.

        Returns
        -------
        ndarray of complex128, shape of `w`
            :math:`1/H` (``reg = 0``) or :math:`\bar H / (|H|^2 + \lambda)`, evaluated from
            the factored form (gain, poles, FIR factor), not from `h`.

        Raises
        ------
        TypeError
            Non-real `w`.
        ValueError
            Non-finite `w`.

        Examples
        --------
        >>> from solvers import iir_inverse
        >>> iir_inverse([1.0, 1.0], reg=1.0).frequency_response([0.0, 3.141592653589793]).round(12) + 0j
        array([0.4+0.j, 0. +0.j])
        """
        w = np.asarray(w)
        if w.dtype.kind not in "iuf":
            raise TypeError(f"w must be real (radians per sample), got dtype {w.dtype}")
        if not np.isfinite(w).all():
            raise ValueError("w must be finite, got a non-finite frequency")
        z = np.exp(1j * w.astype(np.float64))
        out = self._scale * z ** self.advance * np.polyval(self._numerator[::-1], 1.0 / z)
        for p in self.inner_zeros:
            out = out / (1.0 - p / z)
        for a in self._anti:
            out = out / (1.0 - a * z)
        return out


def _fir_factor(x: np.ndarray, b: np.ndarray, length: int) -> np.ndarray:
    """``sum_j b[j] x[n - j]`` along the last axis for ``n = 0 .. length - 1`` (x zero outside its range;
    ``length >= x.shape[-1] + b.size - 1``); `x` itself when ``b = [1]`` and no padding is asked for."""
    n = x.shape[-1]
    if b.size == 1 and b[0] == 1 and length == n:
        return x
    if x.ndim == 1 and length == n + b.size - 1:
        return np.convolve(x, b)
    w = np.zeros((*x.shape[:-1], length), dtype=np.result_type(x, b))
    if b.size == 1:
        np.multiply(x, b[0], out=w[..., :n])
    elif x.ndim == 1:
        w[: n + b.size - 1] = np.convolve(x, b)
    else:
        x = np.ascontiguousarray(x)             # lines along the last axis, for the passes below
        for j, bj in enumerate(b):              # one pass per tap: the factor is short (the kernel's length)
            w[..., j: j + n] += bj * x
    return w


def _check_samples(n: int, why: str):
    if n > MAX_RECURSION_SAMPLES:
        raise ValueError(f"the recursions would run over {n:,} samples ({why}), above the limit of "
                         f"{MAX_RECURSION_SAMPLES:,}")


def _side(poles: np.ndarray, driver_poles: np.ndarray, first: int, stop: int) -> np.ndarray:
    """Indices ``first .. stop - 1`` (``first >= 0``) of the cascade of `poles` driven by the
    impulse response of the cascade of `driver_poles`, reversed (see :func:`_far_response`)."""
    if stop <= first:
        return np.zeros(0)
    tail = 0 if poles.size == 0 else _tail_length(driver_poles)
    _check_samples(tail, f"poles of radius up to {np.abs(driver_poles).max(initial=0):.12g} decay that slowly")
    impulse = np.zeros(tail + 1, dtype=np.complex128)
    impulse[0] = 1.0
    return _far_response(poles, _cascade(driver_poles, impulse)[::-1], first, stop - first)


def _far_response(poles: np.ndarray, v: np.ndarray, first: int, count: int) -> np.ndarray:
    """``y[first .. first + count - 1]`` (``first >= 0``) of the cascade of `poles` driven
    by `v`, whose last entry is index 0: ``s[first] = C^first s[0]`` (see
    :meth:`IIRInverse.impulse_response`), then the sections run."""
    if poles.size == 0:
        return np.concatenate([v[-1:] if first == 0 else [], np.zeros(count - (first == 0))])
    state = np.empty(poles.size, dtype=np.complex128)
    y = v
    for k, p in enumerate(poles):
        y = _cascade([p], y)
        state[k] = y[-1]
    state = np.linalg.matrix_power(np.tril(np.broadcast_to(poles, (poles.size,) * 2)), first) @ state
    y = state[0] * poles[0] ** np.arange(count)
    for p, s0 in zip(poles[1:], state[1:]):
        y = np.concatenate([[s0], ss.lfilter([1.0], [1.0, -p], y[1:], zi=[p * s0])[0]])
    return y


def iir_inverse(h, *, reg: float = 0.0, tol: float = DEFAULT_TOL) -> IIRInverse:
    r"""The exact, stable (two-sided) IIR inverse ``1/H(z)`` of an FIR kernel.

    Parameters
    ----------
    h : array_like, shape (m,)
        FIR kernel ``h[0] + h[1] z^-1 + ...``; real or complex, finite, not
        all zero.  Exact leading zeros are a pure delay (the inverse
        advances by it); exact trailing zeros are ignored.
    reg : float, optional
        :math:`\lambda \ge 0`: for ``reg > 0`` the regularised (Wiener) inverse
        :math:`\bar H / (|H|^2 + \lambda)`, stable for every kernel; 0 (default) the exact one.
    tol : float, optional
        ``reg = 0`` only.  A zero with ``| |z| - 1 | <= tol`` (absolute: zeros do not depend on
        the scale of `h`) lies on the unit circle, as does one where ``H``
        vanishes to rounding (see Notes).  Default ``1e-6`` (``DEFAULT_TOL``).

    Returns
    -------
    IIRInverse
        The factorisation with ``impulse_response(start, stop)``, ``apply(x)`` and
        ``frequency_response(w)``.

    Raises
    ------
    ValueError
        If `h` is empty, all zero, not 1-D or not finite, if `reg` or `tol` is
        negative or not finite, if ``reg > 0`` and the degree of `h` exceeds
        ``MAX_FACTOR_DEGREE``, or if ``reg = 0`` and a zero lies on (within `tol` of) the unit circle (no
        stable inverse; the message gives the zero, its distance and ``|H|``).
    TypeError
        Non-numeric `h`, `reg` or `tol`.

    Notes
    -----
    The zeros (``numpy.roots``) inside the circle become causal poles, those outside
    anti-causal ones: a stable two-sided inverse,
    :math:`g[n] = \frac{1}{2\pi} \int_{-\pi}^{\pi} e^{i\omega n} / H(e^{i\omega}) \, d\omega`.

    A zero ``z`` is refused when ``| |z| - 1 | <= tol`` or when ``H``
    vanishes to rounding at the nearest point ``u = z/|z|`` of the circle,
    ``|H(u)| <= 4 M eps sum|h|`` (Horner's error bound, ``M`` the degree): this
    catches k-fold zeros, which ``numpy.roots`` finds only to about ``eps**(1/k)``.

    For ``reg > 0``, :math:`g[n] = \frac{1}{2\pi} \int_{-\pi}^{\pi} e^{i\omega n}
    \bar H(e^{i\omega}) / (|H(e^{i\omega})|^2 + \lambda) \, d\omega`, computed from the
    spectral factor (:func:`spectral_factor`; see :class:`IIRInverse`).  As
    :math:`\lambda \to 0` it tends to ``1/H`` where that is stable.

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
    >>> inv = iir_inverse([1.0, -1.0], reg=0.25)    # zero at 1: regularised only
    >>> inv.impulse_response(-2, 3).round(6)   # q**(n+1)/(1+q) for n >= 0, odd about -1/2; q = 0.6096
    array([-0.23088 , -0.378732,  0.378732,  0.23088 ,  0.140747])
    >>> iir_inverse([1.0, 1.0])
    Traceback (most recent call last):
    ...
    ValueError: no stable inverse: h has a zero at z = -1 at distance 0 from the unit circle (tol = 1e-06; |H| = 0 at the nearest point of the circle), so 1/H(z) has a pole on the circle
    """
    h = check_invertible(h, ndim=1, name="h")
    reg = check_real(reg, "reg", low=0.0)
    tol = check_real(tol, "tol", low=0.0)
    c, delay = _trim(h)
    if reg > 0:
        sigma2, q, poles = spectral_factor(c, reg)
        return IIRInverse(kernel=h, gain=c[0], delay=delay, inner_zeros=poles,
                          outer_zeros=1.0 / np.conj(poles), reg=reg, factor=(sigma2, q))
    zeros = np.roots(c).astype(np.complex128)
    offender = _circle_offender(c, zeros, tol)
    if offender is not None:
        z, dist, value = offender
        raise ValueError(f"no stable inverse: h has a zero at z = {z.real if z.imag == 0 else z:.6g} at "
                         f"distance {dist:.3g} from the unit circle (tol = {tol:g}; |H| = {value:.3g} at the "
                         "nearest point of the circle), so 1/H(z) has a pole on the circle")
    inside = np.abs(zeros) < 1.0
    return IIRInverse(kernel=h, gain=c[0], delay=delay,
                      inner_zeros=zeros[inside], outer_zeros=zeros[~inside])

