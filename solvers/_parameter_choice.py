r"""The choice of the regularisation parameter from the data alone (GCV, UPRE, discrepancy, L-curve),
exact over the whole curve where a transform diagonalises the blur (circular: DFT; symmetric with a
centro-symmetric kernel: DCT-II)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.fft as sfft
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import brentq, minimize_scalar

from convops import DEFAULT_MAX_BYTES, convolution_operator
from convops._validation import as_float_array, check_allocation, check_int, check_option, check_real

from ._iterative import DEFAULT_TAU
from ._linalg import norm
from ._noise import estimate_noise
from ._restore import check_exact_method, image_shape, restoration_data
from ._spectral import max_exponent, scale_in_place, eigenvalues, zeros_of

__all__ = ["choose_reg", "ParameterChoice", "REG_RULES", "REG_FILTERS"]

#: Rules of :func:`choose_reg`.
REG_RULES = ("gcv", "upre", "discrepancy", "lcurve")
#: Filters of :func:`choose_reg`.
REG_FILTERS = ("tikhonov", "tsvd")

# Most points of a grid (each costs one pass over the spectrum).
_MAX_GRID = 100_000
# Most random probes of the hybrid trace estimate (each costs one Golub-Kahan chain).
_MAX_PROBES = 1000
# Rules that need the noise level.
_NEEDS_SIGMA = ("upre", "discrepancy")


@dataclass(frozen=True, eq=False)
class ParameterChoice:
    r"""A regularisation parameter chosen by a rule, with the curve it was chosen from.

    Attributes
    ----------
    value : float
        The choice: :math:`\lambda` of :math:`\min_x \|Ax-b\|^2 + \lambda\|x\|^2` for ``'tikhonov'`` (the
        `reg` of :func:`solvers.restore`, the `c` of :func:`solvers.wiener_filter`), or the threshold on
        :math:`|H|` (singular values kept where :math:`s_i \ge` `value`) for ``'tsvd'``.
    rule : str
        ``'gcv'``, ``'upre'``, ``'discrepancy'`` or ``'lcurve'``.
    filter : str
        ``'tikhonov'`` or ``'tsvd'``.
    noise_std : float or None
        The :math:`\sigma` used (given or estimated by :func:`solvers.estimate_noise`); None for
        ``'gcv'`` and ``'lcurve'``.
    tau : float or None
        The safety factor of ``'discrepancy'`` (None for the other rules).
    grid : ndarray of float, shape (g,)
        The parameters the curve was evaluated at: ascending :math:`\lambda` for ``'tikhonov'``,
        descending thresholds for ``'tsvd'``.
    function : ndarray of float, shape (g,)
        The rule's function on `grid`: :math:`G`, :math:`U`, :math:`\|Ax-b\| - \tau\sigma\sqrt n`, or the
        L-curve's curvature :math:`\kappa`.
    residual_norms, solution_norms : ndarray of float, shape (g,)
        :math:`\|A x - b\|_2` and :math:`\|x\|_2` on `grid`.
    method : str
        ``'fft'`` or ``'dct'`` (the transform that diagonalised the blur: the curve is exact, except that the
        default grid of a spectrum of more than :data:`BINNED_ABOVE` values is evaluated on its binned spectrum,
        each sum within 3.6e-4 relative; the choice is refined on the exact curve) or ``'hybrid'``
        (the curve estimated at the last Golub-Kahan step, see :func:`choose_reg`).
    iterations : int
        Golub-Kahan steps of ``'hybrid'`` (0 otherwise).
    history : ndarray of float
        The choice of ``'hybrid'`` after each step up to 20, then after every ``(k // 10)``-th step ``k`` (NaN
        where the rule had none); empty otherwise.
    converged : bool
        ``'hybrid'``: whether the choice settled (or the Krylov space became invariant) before `maxiter`.
    interior : bool
        Whether `value` lies strictly inside the grid.  An exact Tikhonov choice at either end of it (where the
        rule's optimum may lie beyond the grid) comes with a ``RuntimeWarning``; ``'hybrid'`` refuses one.  (The
        default TSVD grid holds every truncation: a choice at its end is one of them, without a warning.)
    trace : str
        How :math:`\mathrm{tr} A_\lambda` was computed: ``'exact'`` (from the spectrum, or ``'hybrid'`` once the
        Krylov space holds every singular value, or not needed by the rule) or ``'hutchinson(p)'`` (the
        ``'hybrid'`` estimate from `p` random probes).
    """

    value: float
    rule: str
    filter: str
    noise_std: float | None
    tau: float | None
    grid: np.ndarray
    function: np.ndarray
    residual_norms: np.ndarray
    solution_norms: np.ndarray
    method: str
    iterations: int = 0
    history: np.ndarray = field(default_factory=lambda: np.zeros(0))
    converged: bool = True
    trace: str = "exact"
    interior: bool = True


#: Spectra with more values than this evaluate the default grid of a Tikhonov curve from their binned
#: spectrum (:meth:`_Curve.binned`); the choice itself is refined on the exact curve.
BINNED_ABOVE = 2**18
#: Bins per octave of s^2 of the binned spectrum.
BINS_PER_OCTAVE = 64


class _Curve:
    """Singular values ``s`` (scaled so that ``max s`` is in ``[1, 2)``, 0 at the zeros of ``H``), squared
    coefficients ``c = beta**2`` of the data (scaled), and the multiplicity ``w`` of each on the full grid."""

    def __init__(self, s, c, w, n, e=0, d=0, trace=None):
        self.s, self.c, self.w, self.n, self.e, self.d = s, c, w, n, e, d   # |H| = s * 2**e, b = scaled b * 2**d
        # nodes and weights of trace A_lam = sum w phi(s): those of rho and eta, or a quadrature of their own
        self.ts, self.tw = (s, w) if trace is None else trace
        self.absent = n - float(np.sum(self.tw))        # directions of the data space not among them (phi = 0)

    @classmethod
    def spectral(cls, y, kernel, basis):
        k = max_exponent(kernel)
        kernel = scale_in_place(kernel.copy(), -k)
        half = basis == "fft" and not (np.iscomplexobj(y) or np.iscomplexobj(kernel))
        a = np.abs(eigenvalues(kernel, y.shape, basis, real=half)).astype(np.float64)
        e = int(np.frexp(a.max())[1]) - 1
        scale_in_place(a, -e)
        a[zeros_of(a, size=y.size)] = 0.0
        d = max_exponent(y)
        yb = scale_in_place(y.astype(np.complex128 if np.iscomplexobj(y) else np.float64), -d)
        if basis == "dct":
            Y, norm2 = sfft.dctn(yb, norm="ortho"), 1.0
        else:
            Y, norm2 = (sfft.rfftn(yb) if half else sfft.fftn(yb)), 1.0 / y.size   # Parseval: ||b||^2 = sum |Y|^2 / n
        w = np.ones(a.shape)
        if half and y.shape[-1] > 1:                    # inner columns of the half spectrum stand for two
            inner = slice(1, y.shape[-1] // 2 if y.shape[-1] % 2 == 0 else None)
            w[..., inner] = 2.0
        return cls(a.ravel(), (np.abs(Y) ** 2 * norm2).ravel(), w.ravel(), y.size, e + k, d)

    def tikhonov(self, lam, derivatives=True):
        """Scaled ``rho = ||Ax-b||^2``, ``eta = ||x||^2``, ``n - trace A_lam`` and (with `derivatives`) the
        derivatives of rho, eta in ``t = log lam`` (first and second), at each scaled ``lam > 0`` of a 1-D array,
        in blocks of 2**20 values."""
        lam = np.atleast_1d(np.asarray(lam, dtype=np.float64))
        if not derivatives:
            return self._values(lam)
        step = max(1, 2**20 // self.s.size)
        parts = [self._tikhonov(lam[i:i + step, None], derivatives) for i in range(0, lam.size, step)]
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(len(parts[0])))

    def _values(self, lam):
        """``rho``, ``eta`` and ``n - trace`` one ``lam`` at a time, through one work array: with
        ``u = lam / (s^2 + lam)``, ``rho = sum w c u^2``, ``eta = sum w c s^2 u^2 / lam^2`` and
        ``n - trace = sum w u`` (three passes over the spectrum and three dot products per value)."""
        s2 = self.s**2
        wc = self.w * self.c
        wcs = wc * s2
        u = np.empty_like(s2)
        same = self.ts is self.s
        out = np.empty((3, lam.size))
        for i, value in enumerate(lam):
            np.add(s2, value, out=u)
            np.divide(value, u, out=u)
            dof = float(self.w @ u) if same else float(np.sum(self.tw * value / (self.ts**2 + value)))
            np.square(u, out=u)
            out[:, i] = float(wc @ u), float(wcs @ u) / value**2, dof + self.absent
        return out[0], out[1], out[2]

    def grid_values(self, lam):
        """``rho``, ``eta`` and ``n - trace`` on a grid of ``lam``: exact (:meth:`tikhonov`) up to
        :data:`BINNED_ABOVE` spectral values, else from the binned spectrum (:meth:`binned`)."""
        if self.s.size <= BINNED_ABOVE or self.ts is not self.s:
            return self.tikhonov(lam, derivatives=False)
        rho_s, rho_w, eta_s, eta_w, dof_s, dof_w = self.binned()
        out = np.empty((3, lam.size))
        for i, value in enumerate(np.atleast_1d(lam)):
            out[0, i] = rho_w @ (value / (rho_s + value)) ** 2
            out[1, i] = eta_w @ (1.0 / (eta_s + value)) ** 2
            out[2, i] = dof_w @ (value / (dof_s + value)) + self.absent
        return out[0], out[1], out[2]

    def binned(self, per_octave: int = BINS_PER_OCTAVE):
        r"""The spectrum in bins of :math:`s^2` of relative width :math:`2^{1/k} - 1` (``k = per_octave``), and
        one for :math:`s = 0`: per bin and per sum (``rho``, ``eta``, ``n - trace``) its total weight
        (:math:`\sum w c`, :math:`\sum w c s^2`, :math:`\sum w`) and the weighted mean of :math:`s^2` under it.
        Each term is smooth in :math:`x = s^2`, so replacing :math:`x` by the weighted mean makes the
        first-order error vanish; the second-order one, :math:`\tfrac12 |f''/f| (\delta x)^2` with
        :math:`|f''/f| \le 6/(x + \lambda)^2` and :math:`\delta = 2^{1/k} - 1`, bounds each sum's relative error
        by :math:`3\delta^2` (3.6e-4 for ``k = 64``; 1e-5 is typical).  Cost ``O(n)`` once and ``O(bins)`` per
        ``lam``."""
        s2 = self.s**2
        mantissa, exponent = np.frexp(s2)
        index = (exponent - exponent.min()) * per_octave + np.floor(
            np.log2(np.where(s2 > 0, mantissa, 1.0) * 2.0) * per_octave).astype(np.int64) + 1
        index[s2 == 0] = 0
        wc = self.w * self.c
        out = []
        for weight in (wc, wc * s2, self.w):
            total = np.bincount(index, weight)
            moment = np.bincount(index, weight * s2)
            keep = total > 0
            out += [moment[keep] / total[keep], total[keep]]
        return tuple(out)

    def _tikhonov(self, lam, derivatives):
        s2, wc = self.s**2, self.w * self.c
        g = 1.0 / (s2 + lam)
        wcs = wc * s2
        rho = np.sum(wc * (lam * g) ** 2, axis=1)
        eta = np.sum(wcs * g**2, axis=1)
        tg = g if self.ts is self.s else 1.0 / (self.ts**2 + lam)
        dof = np.sum(self.tw * lam * tg, axis=1) + self.absent    # n - trace A_lam, without cancellation
        if not derivatives:
            return rho, eta, dof
        g3 = wcs * g**3
        eta_l = -2.0 * np.sum(g3, axis=1)
        eta_ll = 6.0 * np.sum(g3 * g, axis=1)
        rho_ll = 2.0 * np.sum(g3 * g * (s2 - 2.0 * lam), axis=1)
        lam = lam[:, 0]
        rho_t = -lam**2 * eta_l                                   # d rho / d lam = -lam d eta / d lam
        eta_t = lam * eta_l
        return rho, eta, dof, rho_t, rho_t + lam**2 * rho_ll, eta_t, eta_t + lam**2 * eta_ll

    def tsvd(self, thresholds):
        """Scaled ``rho``, ``eta`` and ``n - trace`` for keeping ``s >= t``, each `t` of `thresholds`."""
        order = np.argsort(-self.s, kind="stable")
        s, c, w = self.s[order], self.c[order], self.w[order]
        pos = s > 0
        inv = np.zeros_like(s)
        inv[pos] = c[pos] / s[pos] ** 2
        kept = np.searchsorted(-s, -np.asarray(thresholds), side="right")  # count with s >= t
        kept = np.where(np.asarray(thresholds) <= 0, np.count_nonzero(pos), np.minimum(kept, np.count_nonzero(pos)))
        cum = lambda v: np.concatenate([[0.0], np.cumsum(w * v)])[kept]   # noqa: E731
        tail = np.append(np.cumsum((w * c)[::-1])[::-1], 0.0)[kept]      # the dropped part, summed from the end
        return tail, cum(inv), self.n - cum(np.ones_like(s))


def _curvature(rho, eta, _dof, rho_t, rho_tt, eta_t, eta_tt):
    r"""Signed curvature of ``(log sqrt(rho), log sqrt(eta))`` traversed with increasing ``t = log lam``."""
    x1, y1 = 0.5 * rho_t / rho, 0.5 * eta_t / eta
    x2 = 0.5 * (rho_tt / rho - (rho_t / rho) ** 2)
    y2 = 0.5 * (eta_tt / eta - (eta_t / eta) ** 2)
    return (x1 * y2 - x2 * y1) / (x1**2 + y1**2) ** 1.5


def _chord_distance(rho, eta):
    """Distance of each point of the discrete L-curve ``(log sqrt(rho), log sqrt(eta))`` from the chord joining
    its two ends, positive on the convex side (towards small residual and small norm); NaN where undefined."""
    ok = (rho > 0) & (eta > 0)
    out = np.full(rho.shape, np.nan)
    if np.count_nonzero(ok) < 3:
        return out
    x, y = 0.5 * np.log(rho[ok]), 0.5 * np.log(eta[ok])
    vx, vy = x[0] - x[-1], y[0] - y[-1]                  # from the least to the most regularised end
    out[ok] = -(vx * (y - y[-1]) - vy * (x - x[-1])) / math.hypot(vx, vy)
    return out


def _tsvd_grid(s):
    """Thresholds between consecutive distinct singular values (merged within 1e-9 relative), descending:
    keeping 1, 2, ... clusters; the last keeps every nonzero one."""
    v = np.unique(s[s > 0])[::-1]
    if v.size == 0:
        return v
    cut = np.flatnonzero(v[1:] < v[:-1] * (1 - 1e-9))
    lowest = np.append(v[cut], v[-1])                 # the smallest value of each cluster
    nxt = np.append(v[cut + 1], v[-1] / 4)
    return np.sqrt(lowest * nxt)


def _check_grid(grid, name="grid"):
    g = as_float_array(grid, name)
    if np.iscomplexobj(g) or g.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of real numbers, got shape {g.shape}, dtype {g.dtype}")
    if g.size > _MAX_GRID:
        raise ValueError(f"{name} has {g.size} points, above the limit of {_MAX_GRID}")
    if g.size < 3 or g.min() <= 0:
        raise ValueError(f"{name} must hold at least 3 positive values, got {g.size} with minimum {float(g.min())!r}")
    return np.unique(g.astype(np.float64))


def choose_reg(blurred, kernel, *, boundary="circular", rule="gcv", filter="tikhonov", noise_std=None,
               output="same", grid=None, num=200, tau=DEFAULT_TAU, method="auto", maxiter=None, tol=2e-3, probes=None,
               rng=0, max_bytes=DEFAULT_MAX_BYTES) -> ParameterChoice:
    r"""Choose the regularisation parameter of a restoration from the data alone.

    Parameters
    ----------
    blurred : array_like
        Observed data ``b`` (``n`` values), the blurred and noisy image.
    kernel : array_like
        Blur kernel (same number of dimensions as `blurred`).
    boundary : {'zero', 'circular', 'replicate', 'symmetric', 'reflect'}, optional
        Boundary rule of the model (``'mirror'`` is ``'symmetric'``).
    rule : {'gcv', 'upre', 'discrepancy', 'lcurve'}, optional
        The rule (see Notes).
    filter : {'tikhonov', 'tsvd'}, optional
        Filter factors :math:`\phi_i = s_i^2 / (s_i^2 + \lambda)` or :math:`\phi_i = 1[s_i \ge t]`.
    noise_std : float, optional
        :math:`\sigma` of the additive white noise, for ``'upre'`` and ``'discrepancy'``; by default
        :func:`solvers.estimate_noise` of `blurred`.
    output : {'same', 'full', 'valid'}, optional
        Output window of the blur model (the image has the shape of `blurred`, ``N - m + 1`` for ``'full'``,
        ``N + m - 1`` for ``'valid'``).
    grid : array_like of float, optional
        Values to evaluate the rule at (:math:`\lambda` for ``'tikhonov'``, thresholds on :math:`|H|` for
        ``'tsvd'``), at least 3, positive, at most 100000.  Default for ``'tikhonov'``: `num` log-spaced
        :math:`\lambda` from :math:`10^{-12} \max s^2` to :math:`\max s^2`; for ``'tsvd'``: one threshold
        between each two consecutive distinct singular values (every truncation).
    num : int, optional
        Points of the default Tikhonov grid, 3 to 100000.
    tau : float, optional
        Safety factor :math:`\tau \ge 1` of the discrepancy principle (default 1.01).
    method : {'auto', 'fft', 'dct', 'hybrid'}, optional
        ``'fft'``: circular ``'same'``; ``'dct'``: symmetric ``'same'`` with a kernel of odd size equal to its
        flip on each axis; both exact.  ``'hybrid'``: any boundary and window, Tikhonov only, matrix-free (see
        Notes).  ``'auto'``: ``'fft'`` or ``'dct'`` where they apply, else ``'hybrid'``.
    maxiter : int, optional
        Most Golub-Kahan steps of ``'hybrid'``; default ``min(n, number of pixels, 400, s)`` with ``s`` the
        steps whose stored vectors fill 1 GiB, at least 50 (400 up to about :math:`400^2` pixels, 256 at
        :math:`512^2`, 64 at :math:`1024^2`); the ``2 maxiter`` stored vectors must fit in `max_bytes`.
    tol : float, optional
        ``'hybrid'`` stops when the choice, inside the grid, changes by at most ``tol`` (relative) per step from
        each of three consecutive evaluations to the next (see Notes).
    probes : int, optional
        Random probes of the ``'hybrid'`` estimate of :math:`\mathrm{tr} A_\lambda` (``'gcv'``, ``'upre'``),
        1 to 1000; each costs one more product with :math:`A` and :math:`A^T` per step.  Default: 4 up to
        :math:`128^2` data values, then :math:`\lceil 4 \cdot 128^2 / n \rceil` (1 from :math:`256^2` on):
        the estimate's relative error falls like :math:`1/\sqrt{p\, \mathrm{tr} A_\lambda}` and the trace
        grows with the image (measured on a :math:`256^2` photograph, one probe puts GCV's choice within 1 % of
        the exact one).
    rng : int or numpy.random.Generator, optional
        Seed or generator of the probes (the default repeats the choice exactly).
    max_bytes : float, optional
        Limit on the memory of the spectrum or of the Golub-Kahan vectors.

    Returns
    -------
    ParameterChoice
        `value`, `rule`, `filter`, `noise_std`, `tau` and the curve (`grid`, `function`,
        `residual_norms`, `solution_norms`), in the units of `blurred` and of :math:`|H|`.

    Raises
    ------
    ValueError
        Unknown `rule`, `filter`, `boundary` (or one without a diagonalising transform), `output`; a bad
        `grid`, `num`, `tau`, `probes` or `noise_std` (negative, non-finite); a rule that needs :math:`\sigma` when
        the estimate is 0 (a noiseless or constant image) or 0 is given; a discrepancy equation without
        a root (:math:`\tau\sigma\sqrt n \ge \|b\|` or below the part of ``b`` outside the range of ``A``).
    TypeError
        Non-numeric inputs or options of the wrong type.

    Notes
    -----
    With :math:`A = Q^H \mathrm{diag}(H) Q` (``Q`` the unitary DFT or DCT-II), the singular values are
    :math:`s_i = |H_i|` (0 at the zeros of :math:`H`, the one zero rule) and the data's coefficients
    :math:`\beta_i = (Q b)_i`; the real-FFT half spectrum counts each inner column twice.  Then

    .. math:: \|(I - A_\lambda) b\|^2 = \sum_i (1-\phi_i)^2 |\beta_i|^2, \quad
              \|x_\lambda\|^2 = \sum_{s_i>0} \phi_i^2 |\beta_i|^2 / s_i^2, \quad
              \mathrm{tr}\, A_\lambda = \sum_i \phi_i,

    exactly, in :math:`O(n)` per grid point after one transform.  The rules:

    - ``'gcv'``: minimise :math:`G = n \|(I - A_\lambda) b\|^2 / (n - \mathrm{tr} A_\lambda)^2`;
    - ``'upre'``: minimise :math:`U = \|(I - A_\lambda) b\|^2 / n + 2\sigma^2 \mathrm{tr}(A_\lambda)/n - \sigma^2`;
    - ``'discrepancy'`` (Morozov): solve :math:`\|A x_\lambda - b\| = \tau \sigma \sqrt n` (the residual
      grows with :math:`\lambda`; Brent's method on :math:`\log\lambda`); for ``'tsvd'`` the largest
      threshold whose residual is at most :math:`\tau\sigma\sqrt n`;
    - ``'lcurve'``: the corner of :math:`(\log\|A x_\lambda - b\|, \log\|x_\lambda\|)`, the largest signed
      curvature :math:`\kappa = (x'y'' - x''y') / (x'^2 + y'^2)^{3/2}` along increasing :math:`\log\lambda`
      (derivatives in closed form), where the L turns from its vertical to its horizontal leg; for
      ``'tsvd'``, whose L-curve is a set of points, the point farthest from the chord joining its two
      ends on the convex side (the discrete corner; `function` holds that distance).

    ``'hybrid'`` estimates the full problem's curve matrix-free and chooses from it, for every boundary and
    window: ``k`` steps of Golub-Kahan bidiagonalisation of :func:`convops.convolution_operator` from ``b``
    (LSQR's, with full reorthogonalisation), ``A V_k = U_{k+1} B_k``, :math:`U_{k+1}^T b = \|b\| e_1`, give
    :math:`\|A x - b\|` and :math:`\|x\|` of the projected solution :math:`x = V_k y_\lambda`,
    :math:`y_\lambda = \arg\min_y \|B_k y - \|b\| e_1\|^2 + \lambda \|y\|^2` (the SVD of ``B_k``), which are
    Gauss quadratures of those of the full Tikhonov solution and converge to them as ``k`` grows.
    :math:`\mathrm{tr} A_\lambda` is estimated as Golub and von Matt do [3]_: Hutchinson's
    :math:`\mathrm{tr} M = E[z^T M z]` over `probes` random :math:`\pm 1` vectors :math:`z`, each
    :math:`z^T A (A^T A + \lambda I)^{-1} A^T z` by the Gauss-Radau quadrature of its own Golub-Kahan chain
    (three-term recurrence), for every :math:`\lambda` at once; once the space of ``b`` holds every singular
    value of ``A`` (``k`` equal to the smaller dimension) the trace is exact and the rule is that of the full
    problem.  After each of the first 20 steps, then after every ``(k // 10)``-th step ``k``, the rule is applied
    to the estimated curve (``n`` the number of data values); the iteration stops when three consecutive choices
    agree (to `tol` per step).  The returned `value` is that estimate of the
    full problem's choice: the :math:`\lambda` of :math:`\min_x \|Ax-b\|^2 + \lambda\|x\|^2` on the whole
    image (what :func:`solvers.restore` solves with it), not a parameter of the projected problem.  A choice
    that has not settled when `maxiter` ends the iteration is refused (``ValueError``), not returned.

    The weighted GCV of the projected problem (Chung, Nagy and O'Leary [4]_, IR Tools' ``IRhybrid_lsqr``),
    with its adaptive weight and its stopping rule on the GCV of the iteration, was measured on the same
    photograph problems (96 x 96 and 128 x 128, replicate, zero and reflect models, Gaussian and motion blurs,
    noise 1-5 %): it chose well when the GCV of the iteration had an early minimum, and otherwise ran on with
    a falling :math:`\lambda` to PSNRs of 3 to 19 dB where the best Tikhonov solution reaches 22 to 25 dB.

    For ``'tikhonov'`` the grid minimum of ``'gcv'``/``'upre'`` and the grid maximum of ``'lcurve'`` are
    refined by a bounded scalar minimisation in :math:`\log\lambda` between the neighbouring grid points.
    The TSVD grid is descending (fewer values kept as the threshold grows).

    References
    ----------
    .. [1] P. C. Hansen, *Discrete Inverse Problems: Insight and Algorithms*, SIAM, 2010, ch. 5.
    .. [2] P. C. Hansen and D. P. O'Leary, "The use of the L-curve in the regularization of discrete
       ill-posed problems", SIAM J. Sci. Comput. 14(6), 1487-1503, 1993.
    .. [3] G. H. Golub and U. von Matt, "Generalized cross-validation for large-scale problems", J. Comput.
       Graph. Stat. 6(1), 1-34, 1997.
    .. [4] J. Chung, J. G. Nagy and D. P. O'Leary, "A weighted GCV method for Lanczos hybrid regularization",
       Electron. Trans. Numer. Anal. 28, 149-167, 2008.

    Examples
    --------
    >>> import numpy as np, scipy.ndimage as ndi
    >>> from solvers._parameter_choice import choose_reg
    >>> rng = np.random.default_rng(0)
    >>> image = ndi.gaussian_filter(rng.random((64, 64)), 2, mode="wrap")
    >>> kernel = np.outer(*2 * [np.array([1.0, 4, 6, 4, 1]) / 16])
    >>> blurred = ndi.convolve(image, kernel, mode="wrap") + 0.01 * rng.standard_normal(image.shape)
    >>> choice = choose_reg(blurred, kernel, rule="discrepancy", noise_std=0.01)
    >>> choice.rule, choice.tau, choice.grid.shape
    ('discrepancy', 1.01, (200,))
    >>> from solvers import restore                     # ||A x - b|| = tau sigma sqrt(n) = 0.6464
    >>> residual = restore(blurred, kernel, boundary="circular", reg=choice.value).residual
    >>> round(float(np.linalg.norm(residual)), 4)
    0.6464
    >>> gcv = choose_reg(blurred, kernel)               # needs no noise level
    >>> gcv.noise_std is None, bool(gcv.grid[0] < gcv.value < gcv.grid[-1])
    (True, True)
    """
    rule = check_option(rule, "rule", REG_RULES)
    filt = check_option(filter, "filter", REG_FILTERS)
    boundary, output, y, f, exact = restoration_data(blurred, kernel, boundary, output, "no parameter can be chosen")
    method = check_option(method, "method", ("auto", "fft", "dct", "hybrid"))
    if method == "auto":
        method = exact or "hybrid"
    check_exact_method(method, exact, boundary, output, f.shape)
    if method == "hybrid" and filt != "tikhonov":
        raise ValueError(f"filter={filt!r} needs the exact spectrum: boundary='circular' (or 'symmetric' with a "
                         f"kernel of odd size equal to its flip on each axis) and output='same'; got "
                         f"boundary={boundary!r}, output={output!r}")
    tau = check_real(tau, "tau", low=1.0)
    num = check_int(num, "num", minimum=3)
    if num > _MAX_GRID:
        raise ValueError(f"num must be <= {_MAX_GRID}, got {num}")
    sigma = noise_level(y, noise_std, rule)
    # the hybrid-only options are checked on every path: a bad value is an error wherever it is passed
    if maxiter is not None:
        maxiter = check_int(maxiter, "maxiter", minimum=1)
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    if not (isinstance(rng, np.random.Generator) or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)
                                                     and rng >= 0)):
        raise TypeError(f"rng must be a non-negative int seed or a numpy.random.Generator, got {rng!r}")
    if probes is not None:
        probes = check_int(probes, "probes", minimum=1)
        if probes > _MAX_PROBES:
            raise ValueError(f"probes must be <= {_MAX_PROBES}, got {probes}")
    if method == "hybrid":
        if np.iscomplexobj(y) or np.iscomplexobj(f):
            raise ValueError("method='hybrid' takes real data and kernels")
        shape = image_shape(y.shape, f.shape, output)
        op = convolution_operator(f, shape, boundary=boundary, output=output)
        limit = min(y.size, math.prod(shape))
        fits = max(50, 2**30 // (8 * (y.size + math.prod(shape))))
        maxiter = min(limit, 400, fits) if maxiter is None else maxiter
        if maxiter > limit:
            raise ValueError(f"maxiter must be <= {limit} (the number of data values and of pixels), got {maxiter}")
        probes = min(4, -(-4 * 128**2 // y.size)) if probes is None else probes
        pairs = maxiter + 1 + 2 * probes
        check_allocation(8 * pairs * (y.size + math.prod(shape)), f"{pairs} Golub-Kahan vector pairs of {y.size} "
                         f"and {math.prod(shape)} values", max_bytes, hint="lower maxiter")
        return _hybrid(op, y, rule, grid, num, sigma, tau, maxiter, tol, probes, rng)
    check_allocation(16 * y.size * 4, f"the spectrum of shape {y.shape}", max_bytes)
    curve = _Curve.spectral(y, f, method)
    sig = None if sigma is None else sigma / 2.0**curve.d
    if filt == "tikhonov":
        choice = _tikhonov(curve, rule, grid, num, sig, tau, sigma, method)
    else:
        choice = _tsvd(curve, rule, grid, sig, tau, sigma, method)
    # at an end: within 1e-6 (relative) of it, where the refinement between the last two grid points stops
    interior = bool(min(choice.grid) * (1 + 1e-6) < choice.value < max(choice.grid) * (1 - 1e-6))
    if not interior and filt == "tikhonov":        # (the default TSVD grid holds every truncation)
        warnings.warn(f"the {rule!r} choice {choice.value:.6g} is at the end of the grid "
                      f"[{min(choice.grid):.6g}, {max(choice.grid):.6g}]: the rule's optimum may lie beyond it (widen "
                      "the grid), or the model does not fit the data (for a crop of a larger scene, a boundary model "
                      "other than 'circular')", RuntimeWarning, stacklevel=2)
    return replace(choice, interior=interior)


def noise_level(y, noise_std, rule):
    """The checked `noise_std` (finite, > 0) of a `rule` that needs it, or :func:`estimate_noise` of `y` when it
    is None (refused when 0); None for a rule that does not (a given value is still checked)."""
    if rule not in _NEEDS_SIGMA:
        if noise_std is not None:
            check_real(noise_std, "noise_std", low=0.0)
        return None
    if noise_std is not None:
        return check_real(noise_std, "noise_std", low=0.0, low_open=True)
    if np.iscomplexobj(y):
        raise ValueError("noise_std is needed for complex data (estimate_noise takes real images)")
    sigma = estimate_noise(y)
    if sigma == 0:
        raise ValueError(f"rule={rule!r} needs the noise level and estimate_noise(blurred) is 0 (a noiseless "
                         "or constant image); give noise_std > 0")
    return sigma


def _function(rule, rho, dof, n, sig, tau):
    """The rule's function from ``rho = ||Ax-b||^2`` and ``dof = n - trace A``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "gcv":
            return np.where(dof > 0, n * rho / np.maximum(dof, 0) ** 2, np.inf)
        if rule == "upre":
            return rho / n + 2 * sig**2 * (n - dof) / n - sig**2
        return np.sqrt(rho) - tau * sig * math.sqrt(n)


def _tikhonov(curve, rule, grid, num, sig, tau, sigma, method):
    n, up2, upx, lam_unit = curve.n, 2.0**curve.d, 2.0 ** (curve.d - curve.e), 4.0**curve.e
    g = np.logspace(-12, 0, num) * float(curve.s.max()) ** 2 if grid is None else _check_grid(grid) / lam_unit
    rows = curve.tikhonov(g, derivatives=True) if rule == "lcurve" else curve.grid_values(g)
    rho, eta, dof = rows[:3]

    def point(t):                                   # the rule at scaled lambda = exp(t)
        r = curve.tikhonov(math.exp(t), derivatives=rule == "lcurve")
        if rule == "lcurve":
            return -float(_curvature(*r)[0])
        return float(_function(rule, r[0], r[2], n, sig, tau)[0])

    func = _curvature(*rows) if rule == "lcurve" else _function(rule, rho, dof, n, sig, tau)
    logs = np.log(g)
    if rule == "discrepancy":
        value = _discrepancy_root(curve, sig, tau, n, logs)
    else:
        i = int(np.nanargmax(func) if rule == "lcurve" else np.nanargmin(func))
        lo, hi = logs[max(i - 1, 0)], logs[min(i + 1, g.size - 1)]
        best = minimize_scalar(point, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        value = math.exp(best.x) if best.fun <= point(logs[i]) else float(g[i])
    return ParameterChoice(value=value * lam_unit, rule=rule, filter="tikhonov", noise_std=sigma,
                           tau=tau if rule == "discrepancy" else None, grid=g * lam_unit, function=func * (
                               up2**2 if rule in ("gcv", "upre") else up2 if rule == "discrepancy" else 1.0),
                           residual_norms=np.sqrt(rho) * up2, solution_norms=np.sqrt(eta) * upx, method=method)


def _discrepancy_root(curve, sig, tau, n, logs):
    target = tau * sig * math.sqrt(n)
    total = math.sqrt(float(np.sum(curve.w * curve.c)))
    floor = math.sqrt(float(np.sum((curve.w * curve.c)[curve.s == 0])))
    if target >= total:
        raise ValueError(f"the discrepancy principle has no solution: tau * noise_std * sqrt(n) = "
                         f"{target * 2.0**curve.d:.6g} is at least ||blurred|| = {total * 2.0**curve.d:.6g} "
                         "(noise_std too large)")
    if target <= floor:
        raise _NoRoot(f"the discrepancy principle has no solution: tau * noise_std * sqrt(n) = "
                      f"{target * 2.0**curve.d:.6g} is at most the residual of the unregularised solution "
                      f"{floor * 2.0**curve.d:.6g} (noise_std too small)")

    def fun(t):
        return math.sqrt(curve.tikhonov(math.exp(t), derivatives=False)[0][0]) - target

    lo, hi = logs[0], logs[-1]
    for _ in range(60):                              # widen the bracket (the residual is monotone)
        if fun(lo) < 0:
            break
        lo -= 10.0
    for _ in range(60):
        if fun(hi) > 0:
            break
        hi += 10.0
    if not (fun(lo) < 0 < fun(hi)):
        raise ValueError("the discrepancy principle could not be bracketed in lambda from "
                         f"{math.exp(lo):.3g} to {math.exp(hi):.3g} (scaled units)")
    return math.exp(brentq(fun, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500))


def _tsvd(curve, rule, grid, sig, tau, sigma, method):
    n, up2, upx, unit = curve.n, 2.0**curve.d, 2.0 ** (curve.d - curve.e), 2.0**curve.e
    g = _tsvd_grid(curve.s) if grid is None else _check_grid(grid)[::-1] / unit
    if g.size < 3:
        raise ValueError(f"the spectrum has {g.size} distinct nonzero singular values; at least 3 are needed")
    rho, eta, dof = curve.tsvd(g)
    if rule == "lcurve":
        func = _chord_distance(rho, eta)
        if np.all(np.isnan(func)):
            raise ValueError("the discrete L-curve needs at least 3 points with a nonzero residual and solution")
        i = int(np.nanargmax(func))
    else:
        func = _function(rule, rho, dof, n, sig, tau)
        if rule == "discrepancy":
            ok = np.flatnonzero(func <= 0)
            if ok.size == 0:
                raise ValueError(f"the discrepancy principle has no solution on the grid: the smallest residual "
                                 f"{float(np.sqrt(rho.min())) * up2:.6g} exceeds tau * noise_std * sqrt(n) = "
                                 f"{tau * sig * math.sqrt(n) * up2:.6g}")
            i = int(ok[0])                            # the largest threshold that meets it
        else:
            i = int(np.nanargmin(func))
    scale = up2**2 if rule in ("gcv", "upre") else up2 if rule == "discrepancy" else 1.0
    return ParameterChoice(value=float(g[i]) * unit, rule=rule, filter="tsvd", noise_std=sigma,
                           tau=tau if rule == "discrepancy" else None, grid=g * unit, function=func * scale,
                           residual_norms=np.sqrt(rho) * up2, solution_norms=np.sqrt(eta) * upx, method=method)


class _NoRoot(ValueError):
    """The discrepancy equation has no root (on this curve)."""


def _bidiagonal_svd(alphas, betas):
    r"""Singular values of the lower bidiagonal ``B`` ((k+1) x k: ``alphas`` on the diagonal, ``betas`` below)
    and the squared first components of its k+1 left singular vectors, the last for the null space of ``B^T``
    (singular value 0).

    The eigenvalues of the tridiagonal matrix with zero diagonal and off-diagonal ``alpha_1, beta_2, alpha_2,
    ..., alpha_k, beta_{k+1}`` are :math:`\pm s_i` and 0, with eigenvectors interleaving the left and right
    singular vectors over :math:`\sqrt 2` (Golub and Kahan): small singular values to high relative accuracy.
    """
    k = len(alphas)
    e = np.empty(2 * k)
    e[0::2], e[1::2] = alphas, betas
    try:
        w, W = eigh_tridiagonal(np.zeros(2 * k + 1), e, lapack_driver="stemr")
    except np.linalg.LinAlgError:                       # MRRR can fail to converge; QL/QR always does
        w, W = eigh_tridiagonal(np.zeros(2 * k + 1), e, lapack_driver="stev")
    s = np.append(np.abs(w[k + 1:]), 0.0)
    c = np.append(2 * W[0, k + 1:] ** 2, W[0, k] ** 2)
    return s, c


#: A Gram-Schmidt pass that leaves less than this fraction of the norm is repeated (DGKS, 1/sqrt(2)).
_REORTHOGONALISE = 1 / math.sqrt(2)


class _GolubKahan:
    """Golub-Kahan bidiagonalisation of ``op`` from ``u_1 = start / ||start||`` (LSQR's), one step at a time:
    ``A V_k = U_{k+1} B_k`` with ``B_k`` lower bidiagonal (``alphas`` on the diagonal, ``betas`` below).  With
    `keep`, the vectors are stored (room for `steps`) and reorthogonalised (classical Gram-Schmidt, twice);
    without, the three-term recurrence alone (for Gauss quadrature, which tolerates the loss of orthogonality).
    ``invariant`` turns True when a new vector vanishes (the Krylov space is exhausted); ``step`` then does
    nothing."""

    def __init__(self, op, start, steps, keep):
        self.op, self.keep = op, keep
        self.norm = norm(start)
        u = start / self.norm
        v = np.asarray(op.rmatvec(u), dtype=np.float64).ravel()
        self.alphas, self.betas = [norm(v)], []
        self.invariant = self.alphas[0] == 0
        v = v / self.alphas[0] if self.alphas[0] else v
        if keep:
            self.U, self.V = np.zeros((steps + 1, u.size)), np.zeros((steps + 1, v.size))
            self.U[0], self.V[0] = u, v
        self.u, self.v = u, v

    @staticmethod
    def _orthogonalise(w, basis, k):
        """Classical Gram-Schmidt against the first `k` stored vectors, repeated once when it cancelled more than
        a factor 1/sqrt(2) of the norm (the criterion of Daniel, Gragg, Kaufman and Stewart, 1976: "twice is
        enough"; a second pass would change nothing that matters otherwise)."""
        before = norm(w)
        for _ in range(2):                              # single-threaded einsum: BLAS stalls on shared cores
            w -= np.einsum("ij,i->j", basis[:k], np.einsum("ij,j->i", basis[:k], w))
            after = norm(w)
            if after > _REORTHOGONALISE * before:
                break
            before = after
        return w

    def step(self):
        if self.invariant:
            return
        k = len(self.betas) + 1
        u = np.asarray(self.op.matvec(self.v), dtype=np.float64).ravel() - self.alphas[-1] * self.u
        u = self._orthogonalise(u, self.U, k) if self.keep else u
        self.betas.append(norm(u))
        scale = max(self.alphas + self.betas)
        if self.betas[-1] <= 1e-12 * scale:
            self.invariant = True
            return
        self.u = u / self.betas[-1]
        v = np.asarray(self.op.rmatvec(self.u), dtype=np.float64).ravel() - self.betas[-1] * self.v
        v = self._orthogonalise(v, self.V, k) if self.keep else v
        alpha = norm(v)
        if alpha <= 1e-12 * max(scale, alpha):
            self.invariant = True
            return
        self.alphas.append(alpha)
        self.v = v / alpha
        if self.keep:
            self.U[k], self.V[k] = self.u, self.v

    def rule(self):
        """Nodes ``s`` and weights ``c`` (summing to 1) of the Gauss-Radau rule of ``u_1^T f(A A^T) u_1`` =
        ``sum c f(s**2)``, from the SVD of ``B_k`` (the last node 0)."""
        k = len(self.betas)
        return _bidiagonal_svd(self.alphas[:k], self.betas) if k else (np.array([0.0]), np.array([1.0]))


def _hybrid(op, y, rule, grid, num, sigma, tau, maxiter, tol, probes, seed):
    """Golub-Kahan bidiagonalisation of ``b`` (full reorthogonalisation) for rho and eta, `probes` Rademacher
    chains for the trace; the rule applied to the estimated curve at each step until its choice settles."""
    d = max_exponent(y)
    b = scale_in_place(y.astype(np.float64).ravel(), -d)          # scaled data; residuals scale back by 2**d
    sig = None if sigma is None else sigma / 2.0**d
    m, pixels = b.size, op.shape[1]
    if not np.any(b):
        raise ValueError("blurred is all zeros: no parameter can be chosen")
    data = _GolubKahan(op, b, maxiter, keep=True)
    if data.alphas[0] == 0:
        raise ValueError("A^T b = 0: the data are orthogonal to the range of the blur")
    rng = np.random.default_rng(seed)
    chains = [] if rule == "discrepancy" or rule == "lcurve" else [
        _GolubKahan(op, rng.choice([-1.0, 1.0], m), maxiter, keep=False) for _ in range(probes)]
    history, at, choice, converged, exact = [], [], None, False, False
    for k in range(1, maxiter + 1):
        for chain in (data, *chains):
            chain.step()
        if k > 20 and k % (k // 10) and k < maxiter and not data.invariant:
            continue                                    # past 20 steps, the rule at every (k // 10)-th step
        s, c = data.rule()
        steps = len(data.betas)
        exact = data.invariant and steps == min(m, pixels)   # every singular value of A is among s
        trace = None
        if chains and not exact:                        # Hutchinson: E[z^T A_lam z] = trace A_lam, ||z||^2 = m
            nodes = [ch.rule() for ch in chains]
            trace = (np.concatenate([t[0] for t in nodes]), np.concatenate([t[1] for t in nodes]) * (m / len(nodes)))
        curve = _Curve(s, data.norm**2 * c, np.ones(s.size), m, 0, d, trace=trace)
        try:
            choice = _tikhonov(curve, rule, grid, num, sig, tau, sigma, "hybrid")
            history.append(choice.value)
        except _NoRoot:
            history.append(math.nan)
        at.append(k)
        h, gap = history[-3:], np.diff(at[-3:])
        inside = choice is not None and choice.grid[1] < history[-1] < choice.grid[-2]
        if len(h) == 3 and inside and all(abs(h[i + 1] - h[i]) <= tol * gap[i] * abs(h[i]) for i in range(2)):
            converged = True
            break
        if data.invariant:
            converged = True
            break
    if choice is None or math.isnan(history[-1]):
        raise ValueError(f"the discrepancy principle has no solution after {k} Golub-Kahan steps: the "
                         f"residual stays above tau * noise_std * sqrt(n) = {tau * sigma * math.sqrt(y.size):.6g} "
                         "(noise_std too small, or raise maxiter)")
    if not converged:
        raise ValueError(f"the {rule!r} choice did not settle in {k} Golub-Kahan steps (last values "
                         f"{', '.join(f'{v:.3g}' for v in history[-3:])}): raise maxiter or tol, or use a 'circular' "
                         "model (or 'symmetric' with a kernel symmetric in each axis), where every rule is exact")
    return replace(choice, iterations=k, history=np.array(history), converged=converged,
                   trace="exact" if exact or not chains else f"hutchinson({len(chains)})")
