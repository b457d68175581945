r"""Low-order stable causal IIR inverses ``B(z)/A(z)`` of a 1-D FIR kernel, fitted over the
whole infinite response: see :func:`fit_iir_inverse`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import scipy.linalg as sla
import scipy.signal as ss

from convops import float_dtype
from convops._validation import as_float_array, check_int, check_real

from ._kernel_problem import best_delay, check_invertible, parse_delay, refuse

__all__ = ["IIRFit", "fit_iir_inverse"]

#: Default largest pole radius of a fit (the stability margin ``1 - max_radius``).
DEFAULT_MAX_RADIUS = 1.0 - 1e-6
#: Most arithmetic a fit may cost (delays x starts x iterations x work of one step).
MAX_FIT_WORK = 2_000_000_000
#: Most samples :meth:`IIRFit.impulse_response` and :meth:`IIRFit.apply` may produce.
MAX_SAMPLES = 50_000_000
#: Steiglitz-McBride iterations run before the Levenberg-Marquardt refinement.
SM_ITERATIONS = 10
#: Relative decrease of the squared error below which Levenberg-Marquardt stops.
_RTOL = 1e-10
#: Most samples past the head over which the Gauss-Newton matrix is summed.
_JACOBIAN_TAIL = 20_000


def _gram(rows: np.ndarray, den: np.ndarray) -> np.ndarray:
    r"""``G[i, j] = sum_{n >= 0} v_i[n] v_j[n]`` over the infinite impulse responses ``v_i`` of
    ``rows[i](z) / den(z)`` (polynomials in ``z^-1``, ``den[0] = 1``, roots inside the circle).

    The first ``n0 = max(len(rows), deg den)`` samples are filtered; after them every ``v_i``
    obeys ``s[n+1] = F s[n]``, ``v_i[n] = c s[n]`` (``F`` the companion matrix of `den`,
    ``c`` its first row, ``s = (v[n-1], ..., v[n-q])``), so the tail is ``S W S^T`` with
    ``W = F^T W F + c^T c`` (a discrete Lyapunov equation)."""
    q = den.size - 1
    n0 = max(rows.shape[1], q, 1)
    padded = np.zeros((rows.shape[0], n0))
    padded[:, : rows.shape[1]] = rows
    v = ss.lfilter([1.0], den, padded, axis=1)
    g = v @ v.T
    if q:
        f = sla.companion(den)
        c = f[:1]
        if q <= 12:      # (I - F^T (x) F^T) vec W = vec(c^T c), row-major vec
            w = np.linalg.solve(np.eye(q * q) - np.kron(f.T, f.T), (c.T @ c).ravel()).reshape(q, q)
        else:
            w = sla.solve_discrete_lyapunov(f.T, c.T @ c)
        s = v[:, n0 - q:][:, ::-1]
        g = g + s @ w @ s.T
    return 0.5 * (g + g.T)


def _shifts(x: np.ndarray, count: int, length: int, first: int = 0) -> np.ndarray:
    """Rows ``z^{-k} x`` for ``k = first .. first + count - 1``, each of `length` entries."""
    out = np.zeros((count, length))
    for i in range(count):
        k = first + i
        out[i, k: k + x.size] = x
    return out


def _spike(d: int, length: int) -> np.ndarray:
    e = np.zeros(length)
    e[d] = 1.0
    return e


def _error2(h, b, a, d) -> float:
    """``||h * b / a - delta_d||^2`` over the infinite response: the H2 norm of
    ``(H B - z^{-d} A) / A``."""
    num = np.zeros(max(h.size + b.size - 1, d + a.size))
    num[: h.size + b.size - 1] += np.convolve(h, b)
    num[d: d + a.size] -= a
    return max(float(_gram(num[None], a)[0, 0]), 0.0)


def _best_b(h, nb, a, d) -> np.ndarray:
    """The numerator of least error for the denominator `a`: linear least squares on the
    columns ``u_k = z^{-k} H/A`` against ``delta_d``: ``G b = (u_k[d])_k`` with the exact
    (Toeplitz) Gram matrix ``G`` of the ``u_k``."""
    g = _gram(_shifts(h, nb + 1, h.size + nb), a)
    x = np.zeros(d + 1)
    x[: min(h.size, d + 1)] = h[: d + 1]
    u = ss.lfilter([1.0], a, x)                      # u_0[0..d]
    rhs = np.array([u[d - k] if k <= d else 0.0 for k in range(nb + 1)])
    try:
        return np.linalg.solve(g, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(g, rhs, rcond=None)[0]


def _stabilise(a: np.ndarray, max_radius: float) -> np.ndarray:
    """`a` with every root outside the circle reflected to ``1/conj(p)`` (same ``|A|`` on the
    circle up to a constant) and every root beyond `max_radius` pulled onto that radius."""
    if a.size == 1:
        return a
    p = np.roots(a)
    r = np.abs(p)
    if r.max() <= max_radius:
        return a
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(r > 1.0, 1.0 / np.conj(p), p)
    r = np.abs(p)
    p = np.where(r > max_radius, p * (max_radius / np.maximum(r, 1e-300)), p)
    return np.real(np.poly(p))


def _steiglitz_mcbride(h, nb, na, d, a, max_radius, iterations):
    """Iterative prefiltering: with ``x = H/A_k`` and ``y = z^{-d}/A_k`` (infinite responses),
    ``(b, a_{k+1})`` minimise ``||A y - B x||`` (linear, exact Gram), then stabilised."""
    length = max(h.size + nb, d + na + 1)
    rows = np.vstack([_shifts(h, nb + 1, length), _shifts(_spike(0, 1), na + 1, length, first=d)])
    done = 0
    for done in range(1, iterations + 1):
        g = _gram(rows, a)
        cols = np.r_[np.arange(nb + 1), np.arange(nb + 2, nb + 2 + na)]
        sign = np.r_[np.ones(nb + 1), -np.ones(na)]
        m = g[np.ix_(cols, cols)] * np.outer(sign, sign)
        rhs = g[cols, nb + 1] * sign
        theta = np.linalg.lstsq(m, rhs, rcond=None)[0]
        new = _stabilise(np.r_[1.0, theta[nb + 1:]], max_radius)
        change = np.abs(new - a).max()
        a = new
        if change <= 1e-12:
            break
    return a, done


def _horizon(a: np.ndarray, head: int) -> int:
    """Samples over which the Gauss-Newton matrix is summed: the head, then until the
    response of ``1/A^2`` has decayed by about 1e-10 (at most ``_JACOBIAN_TAIL`` more)."""
    if a.size == 1:
        return head
    rho = float(np.abs(np.roots(a)).max())
    if rho < 1e-3:
        return head + 4 * a.size
    decay = 2.0 * math.log(1e-10) / math.log(rho) + 10 * a.size
    return head + int(min(decay, _JACOBIAN_TAIL))


def _levenberg_marquardt(h, nb, na, d, b, a, max_radius, maxiter):
    """Levenberg-Marquardt on ``theta = (b, a_1..a_na)``: Gauss-Newton matrix from the
    columns ``z^{-k} H/A`` and ``-z^{-k} H B/A^2`` (summed until they decay, see
    :func:`_horizon`); steps are stabilised and kept only when the exact infinite-horizon
    error decreases, so the truncation only affects the step, never the error."""
    f = _error2(h, b, a, d)
    mu = 1e-3
    it = 0
    head = max(h.size + nb + na, d + na + 1)
    for it in range(1, maxiter + 1):
        if f <= 1e-30:
            break
        n = _horizon(a, head)
        x = np.zeros(n)
        x[: h.size] = h
        u = ss.lfilter([1.0], a, x)                  # H/A
        y = ss.lfilter(b, a, x)                      # H B/A
        e = y.copy()
        e[d] -= 1.0
        w = ss.lfilter([1.0], a, y)                  # H B/A^2
        jac = np.empty((n, nb + 1 + na))
        for k in range(nb + 1):
            jac[:k, k] = 0.0
            jac[k:, k] = u[: n - k]
        for k in range(1, na + 1):
            jac[:k, nb + k] = 0.0
            jac[k:, nb + k] = -w[: n - k]
        jtj, jte = jac.T @ jac, jac.T @ e
        improved = False
        while mu < 1e12:
            lhs = jtj + mu * np.diag(np.diag(jtj) + 1e-300)
            try:
                step = -np.linalg.solve(lhs, jte)
            except np.linalg.LinAlgError:
                mu *= 10.0
                continue
            predicted = -(step @ jte) - 0.5 * (step @ jtj @ step)
            if predicted <= _RTOL * f:                # the model promises nothing more
                break
            a_new = _stabilise(np.r_[1.0, a[1:] + step[nb + 1:]], max_radius)
            b_new = _best_b(h, nb, a_new, d)       # exact for the new poles: at least as good
            f_new = _error2(h, b_new, a_new, d)
            if f_new < f:
                decrease = f - f_new
                b, a, f = b_new, a_new, f_new
                mu = max(mu / 3.0, 1e-12)
                improved = True
                break
            mu *= 4.0
        if not improved or decrease <= _RTOL * f:
            break
    return b, a, f, it


def _zeros_start(h, na, max_radius) -> np.ndarray:
    """A denominator from the zeros of `h` (reflected inside, largest radius first, conjugate
    pairs kept together): the exact inverse's poles, as many as fit in ``na``."""
    nz = np.flatnonzero(h)
    z = np.roots(h[nz[0]: nz[-1] + 1]) if nz[-1] > nz[0] else np.zeros(0, complex)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(np.abs(z) > 1.0, 1.0 / np.conj(z), z)
    z = np.where(np.abs(z) > max_radius, z * max_radius / np.maximum(np.abs(z), 1e-300), z)
    chosen = []
    for p in sorted(z, key=lambda p: -abs(p)):
        if abs(p.imag) <= 1e-12 * max(abs(p), 1e-300):
            if len(chosen) + 1 <= na:
                chosen.append(p.real)
        elif p.imag > 0 and len(chosen) + 2 <= na:
            chosen += [p, np.conj(p)]
    a = np.real(np.poly(chosen)) if chosen else np.ones(1)
    return np.r_[a, np.zeros(na + 1 - a.size)]


def _fit_one(h, nb, na, d, max_radius, maxiter):
    """Best fit at delay `d` from three starts; never worse than the least-squares FIR."""
    a_fir = np.r_[1.0, np.zeros(na)]
    b_fir = _best_b(h, nb, a_fir, d)
    fir = (_error2(h, b_fir, a_fir, d), b_fir, a_fir, 0, "fir")
    candidates = [fir]
    if na:
        b, a, f, it = _levenberg_marquardt(h, nb, na, d, b_fir, a_fir, max_radius, maxiter)
        candidates.append((f, b, a, it, "fir+lm"))
        a, it_sm = _steiglitz_mcbride(h, nb, na, d, a_fir, max_radius, SM_ITERATIONS)
        b = _best_b(h, nb, a, d)
        b, a, f, it = _levenberg_marquardt(h, nb, na, d, b, a, max_radius, maxiter)
        candidates.append((f, b, a, it + it_sm, "steiglitz-mcbride+lm"))
        a = _zeros_start(h, na, max_radius)
        b = _best_b(h, nb, a, d)
        b, a, f, it = _levenberg_marquardt(h, nb, na, d, b, a, max_radius, maxiter)
        candidates.append((f, b, a, it, "zeros+lm"))
    f, b, a, it, start = min(candidates, key=lambda c: c[0])
    b_final = _best_b(h, nb, a, d)                   # b exact for the final poles: never worse
    f_final = _error2(h, b_final, a, d)
    if f_final <= f:
        b, f = b_final, f_final
    if f > fir[0]:                                    # the FIR is a member of the family
        f, b, a, it, start = fir
    assert f <= fir[0]
    return f, b, a, it, start, fir[0]


@dataclass(frozen=True, eq=False)
class IIRFit:
    r"""A stable causal IIR filter ``g = B(z)/A(z)`` fitted as an inverse of a kernel.

    Built by :func:`fit_iir_inverse`.

    Attributes
    ----------
    b : ndarray, shape (nb + 1,)
        Numerator ``b[0] + b[1] z^-1 + ...`` (float64).
    a : ndarray, shape (na + 1,)
        Denominator with ``a[0] = 1``, every root of modulus ``<= max_radius`` (float64).
    delay : int
        Index ``d`` of the target spike ``delta_d``.
    kernel : ndarray, shape (m,)
        The kernel ``h`` (by the package's dtype rule).
    info : Mapping
        ``'error_norm'``, ``'fir_error_norm'``, ``'iterations'``, ``'method'``,
        ``'start'``, ``'max_radius'``, ``'pole_radius'`` and, with
        ``delay='optimal'``, ``'errors_by_delay'`` (see :func:`fit_iir_inverse`).
    """

    b: np.ndarray
    a: np.ndarray
    delay: int
    kernel: np.ndarray
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        for name in ("b", "a", "kernel"):
            arr = np.array(getattr(self, name))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "info", MappingProxyType(dict(self.info)))

    @property
    def poles(self) -> np.ndarray:
        """Roots of ``A`` (all of modulus below 1)."""
        return np.roots(self.a) if self.a.size > 1 else np.zeros(0, complex)

    def impulse_response(self, start: int, stop: int) -> np.ndarray:
        """``g[n]`` for ``n = start, ..., stop - 1`` (zero for ``n < 0``: causal).

        Parameters
        ----------
        start, stop : int
            Index range, like ``range(start, stop)``; ``stop - start`` and
            ``stop`` at most ``MAX_SAMPLES`` (5e7).

        Returns
        -------
        ndarray, shape (stop - start,)
            By ``scipy.signal.lfilter(b, a, delta)``; dtype ``convops.float_dtype(h)``.

        Raises
        ------
        ValueError
            ``stop <= start`` or too many samples.
        TypeError
            Non-integer `start` or `stop`.

        Examples
        --------
        >>> from solvers import fit_iir_inverse
        >>> fit_iir_inverse([1.0, -0.5], (0, 1), delay=0).impulse_response(-1, 4)
        array([0.   , 1.   , 0.5  , 0.25 , 0.125])
        """
        start = check_int(start, "start")
        stop = check_int(stop, "stop")
        if stop <= start:
            raise ValueError(f"stop must exceed start, got start={start}, stop={stop}")
        refuse(max(stop, stop - start), f"impulse_response({start}, {stop})", MAX_SAMPLES, "samples")
        out = np.zeros(stop - start)
        if stop > 0:
            first = max(start, 0)
            impulse = np.zeros(stop)
            impulse[0] = 1.0
            out[first - start:] = ss.lfilter(self.b, self.a, impulse)[first:]
        return out.astype(float_dtype(self.kernel), copy=False)

    @property
    def cost(self) -> int:
        """Multiply-adds per output sample of one recursion: ``nb + na + 1``.

        Examples
        --------
        >>> from solvers import fit_iir_inverse
        >>> fit_iir_inverse([1.0, -0.5], (0, 1), delay=0).cost
        2
        """
        return int(np.size(self.b) + np.size(self.a) - 1)

    def apply(self, x) -> np.ndarray:
        """Filter a 1-D signal from rest: ``y = g * x`` on ``x``'s indices.

        Parameters
        ----------
        x : array_like, shape (N,)
            Real signal, zero before index 0.

        Returns
        -------
        ndarray, shape (N,)
            ``scipy.signal.lfilter(b, a, x)``, dtype ``convops.float_dtype(h, x)``.

        Raises
        ------
        ValueError
            `x` not 1-D or not finite.
        TypeError
            Non-numeric or complex `x`.

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import fit_iir_inverse
        >>> fit = fit_iir_inverse([1.0, -0.5], (0, 1), delay=0)
        >>> np.round(fit.apply(np.convolve([1.0, -0.5], [1.0, 2.0, 3.0])), 12)
        array([1., 2., 3., 0.])
        """
        x = as_float_array(x, "x")
        if x.ndim != 1:
            raise ValueError(f"x must be 1-D, got an array of shape {x.shape}")
        if np.iscomplexobj(x):
            raise TypeError(f"x must be real (the fit is real), got dtype {x.dtype}")
        refuse(x.size, "apply", MAX_SAMPLES, "samples")
        return ss.lfilter(self.b, self.a, x.astype(np.float64)).astype(float_dtype(self.kernel, x), copy=False)

    def frequency_response(self, w) -> np.ndarray:
        """``G(e^{iw}) = B(e^{iw}) / A(e^{iw})`` at `w` radians/sample (``scipy.signal.freqz``).

        Parameters
        ----------
        w : array_like of float
            Frequencies in radians per sample, finite.

        Returns
        -------
        ndarray of complex128, shape of `w`

        Examples
        --------
        >>> import numpy as np
        >>> from solvers import fit_iir_inverse
        >>> fit = fit_iir_inverse([1.0, -0.5], (0, 1), delay=0)
        >>> np.round(np.abs(fit.frequency_response([0.0, np.pi])), 12)   # 1/(1 - 0.5 e^{-iw})
        array([2.        , 0.66666667])
        """
        w = as_float_array(w, "w")
        if np.iscomplexobj(w):
            raise TypeError(f"w must be real, got dtype {w.dtype}")
        refuse(w.size, "frequency_response", MAX_SAMPLES, "frequencies")
        flat = w.astype(np.float64).ravel()
        return ss.freqz(self.b, self.a, worN=flat)[1].reshape(w.shape)


def _check_order(order) -> tuple[int, int]:
    if (not isinstance(order, (tuple, list)) or len(order) != 2):
        raise TypeError(f"order must be a pair (nb, na) of non-negative integers, got {order!r}")
    nb = check_int(order[0], "order[0] (nb)", minimum=0)
    na = check_int(order[1], "order[1] (na)", minimum=0)
    return nb, na


def fit_iir_inverse(h, order, *, delay="optimal", max_radius: float = DEFAULT_MAX_RADIUS,
                    maxiter: int = 50) -> IIRFit:
    r"""The stable causal IIR inverse ``g = B(z)/A(z)`` of given orders that fits an FIR kernel best.

    Parameters
    ----------
    h : array_like, shape (m,)
        Real kernel ``h[0] + h[1] z^-1 + ...``, finite, not all zero.
    order : (int, int)
        ``(nb, na)``: degrees of ``B`` and ``A``, each ``>= 0``.  ``na = 0`` is
        the least-squares FIR of ``nb + 1`` taps (``(0, 0)``: the best gain).
    delay : int or {'optimal', 'center', 'centre'}, optional
        Index ``d`` of the target spike, ``0 <= d <= m + nb + na - 1`` (the full
        grid of an inverse with ``nb + na + 1`` coefficients); ``'center'`` its
        middle ``(m + nb + na - 1) // 2``; ``'optimal'`` (default) fits every
        delay of that range and keeps the least error (ties: nearest the middle).
    max_radius : float, optional
        Largest pole modulus, in ``(0, 1)``; default ``1 - 1e-6`` (the
        stability margin).  Poles tending to the circle (zeros of ``h`` on it)
        stop there.
    maxiter : int, optional
        Levenberg-Marquardt iterations per start and delay (default 50).

    Returns
    -------
    IIRFit
        ``b``, ``a``, ``delay``, ``impulse_response(start, stop)``,
        ``apply(x)``, ``frequency_response(w)`` and ``info``:
        ``'error_norm'`` (``||h * g - delta_d||_2`` over the infinite
        response, exact to rounding), ``'fir_error_norm'`` (that of the
        least-squares FIR of ``nb + 1`` taps at the same delay, the start
        ``A = 1``), ``'iterations'`` (Steiglitz-McBride plus Levenberg-Marquardt
        iterations of the winning start), ``'method'``, ``'start'`` (``'fir'``,
        ``'fir+lm'``, ``'steiglitz-mcbride+lm'`` or ``'zeros+lm'``),
        ``'max_radius'``, ``'pole_radius'`` (largest ``|pole|``, 0 without
        poles) and, for ``delay='optimal'``, ``'errors_by_delay'`` (ndarray,
        one error norm per delay).

    Raises
    ------
    ValueError
        Empty, all-zero, non-1-D or non-finite `h`; a negative order; a delay
        outside ``0..m+nb+na-1`` or an unknown word; `max_radius` outside
        ``(0, 1)``; `maxiter < 1`; an estimated cost above ``MAX_FIT_WORK``
        (2e9 operations: delays x 3 starts x ``(maxiter + 10)`` iterations x
        ``(nb + na + 1)^2 (2 m + 2 nb + 4 na) + 8 (2 na + 1)^3``), refused before any work.
    TypeError
        Non-numeric or complex `h`; `order` not a pair; non-integer orders,
        delay or `maxiter`.

    Notes
    -----
    With ``e = h * g - delta_d``, i.e. :math:`E(z) = (H B - z^{-d} A)/A`, the fit
    minimises over ``b`` and ``a`` (``a_0 = 1``, poles ``|p| <= max_radius``)

    .. math:: \|e\|_2^2 = \sum_{n \ge 0} e[n]^2
              = \frac{1}{2\pi} \int_{-\pi}^{\pi} |E(e^{i\omega})|^2 \, d\omega .

    Every sum over the infinite response (this error, the Gram matrices below)
    is exact: the first samples are filtered and the tail, which follows the
    recursion of ``A``, is ``s^T W s`` with ``W`` from the discrete Lyapunov
    equation ``W = F^T W F + c^T c`` of the companion matrix ``F`` of ``A``.

    The fit runs on ``h / max|h|`` (``a`` does not depend on the scale of `h`,
    ``b`` scales by its inverse), so tiny or huge kernels do not underflow.

    The problem is not convex.  Three starts are refined by Levenberg-Marquardt
    (exact Gauss-Newton matrix of the infinite response, columns
    ``z^{-k} H/A`` and ``-z^{-k} H B/A^2``): the least-squares FIR (``A = 1``),
    Steiglitz-McBride iterative prefiltering (``SM_ITERATIONS`` = 10 linear
    fits of ``A (z^{-d}/A_k) = B (H/A_k)``), and the zeros of ``h`` as poles
    (the exact inverse when ``h`` is minimum phase and ``na >= m - 1``).  A
    step whose ``A`` has a root outside the circle reflects it to
    ``1/conj(p)`` (``|A|`` on the circle is kept up to a constant), then
    pulls any root beyond `max_radius` onto that radius; steps are kept only
    when the exact error decreases.  Finally ``b`` is re-solved by exact
    linear least squares for the final ``A``.  The least error among the starts and
    the FIR itself is returned, so the fit is never worse than the FIR of
    ``nb + 1`` taps at the same delay.  The fit is a local optimum of the best
    start, not a certified global one.

    Accuracy and cost: the Lyapunov equation's conditioning grows like
    ``1 / (1 - max_radius)``; with the default margin ``error_norm`` agrees with
    the closed form of ``h = [1, 1]`` to about 1e-11 relative (1e-9 at
    ``max_radius = 1 - 1e-8``).  Each delay costs a few hundred small solves
    (about 0.1 to 0.5 s); ``delay='optimal'`` fits all ``m + nb + na`` delays,
    so a long kernel is faster with an explicit delay.

    References
    ----------
    .. [1] K. Steiglitz and L. E. McBride, "A technique for the identification
       of linear systems", *IEEE Trans. Automatic Control* 10 (1965), 461-464.
    .. [2] D. W. Marquardt, "An algorithm for least-squares estimation of
       nonlinear parameters", *J. SIAM* 11 (1963), 431-441.
    .. [3] A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal
       Processing*, 3rd ed., 2010, sec. 5.6 (minimum phase, inverse systems).

    Examples
    --------
    >>> from solvers import fit_iir_inverse
    >>> fit = fit_iir_inverse([1.0, -0.5], (0, 1), delay=0)   # 1/(1 - 0.5 z^-1), exact
    >>> fit.b.round(12) + 0.0, fit.a.round(12) + 0.0, fit.info["error_norm"] < 1e-12
    (array([1.]), array([ 1. , -0.5]), True)
    >>> fit = fit_iir_inverse([1.0, 0.9], (1, 1))
    >>> bool(fit.info["error_norm"] < fit.info["fir_error_norm"])
    True
    """
    h = check_invertible(h, ndim=1, name="h")
    if np.iscomplexobj(h):
        raise TypeError(f"h must be real, got dtype {h.dtype}")
    nb, na = _check_order(order)
    max_radius = check_real(max_radius, "max_radius", low=0.0, high=1.0, low_open=True)
    if max_radius >= 1.0:
        raise ValueError(f"max_radius must be below 1 (a stability margin), got {max_radius!r}")
    maxiter = check_int(maxiter, "maxiter", minimum=1)
    scale = float(np.abs(h).max())
    hw = h.astype(np.float64) / scale               # the fit of h / s is the fit of h, b times s
    full = h.size + nb + na
    d = parse_delay(delay, (full,))
    delays = range(full) if d == "optimal" else [d[0]]
    params = nb + na + 1
    per_step = params * params * (h.size + nb + 3 * na + full) + 8 * (2 * na + 1) ** 3
    refuse(len(delays) * 3 * (maxiter + SM_ITERATIONS) * per_step * (1 if na else 0) + len(delays) * per_step,
           f"fit_iir_inverse with order {(nb, na)} on {len(delays)} delay(s)"
           f"{' (delay=optimal)' if d == 'optimal' else ''}", MAX_FIT_WORK)
    fits = [_fit_one(hw, nb, na, k, max_radius, maxiter) for k in delays]
    errors = np.sqrt([f[0] for f in fits])
    pick = best_delay(errors)[0] if d == "optimal" else 0
    f, b, a, it, start, fir = fits[pick]
    chosen = delays[pick]
    poles = np.roots(a) if a.size > 1 else np.zeros(0)
    info = {"error_norm": math.sqrt(f), "fir_error_norm": math.sqrt(fir), "iterations": it,
            "method": "steiglitz-mcbride + levenberg-marquardt (exact infinite-horizon error)",
            "start": start, "max_radius": max_radius,
            "pole_radius": float(np.abs(poles).max(initial=0.0)), "delay": chosen,
            **({"errors_by_delay": errors} if d == "optimal" else {})}
    return IIRFit(b=b / scale, a=a, delay=chosen, kernel=h, info=info)
