"""The inverse-kernel problem shared by :func:`solvers.inverse_kernel`, :func:`solvers.fir_inverse`
and :func:`solvers.separable_inverse`: delays, target, residual, objective and cost limits."""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.fft as sfft
import scipy.linalg as sla
import scipy.signal as ss

from convops import convolution_matrix
from convops._validation import check_kernel, check_option, ints_per_axis

from ._linalg import squared_norm

__all__ = ["DELAY_KEYWORDS", "KernelProblem", "best_delay", "check_invertible", "check_size", "frequency_error",
           "frequency_grid", "parse_delay", "pow2", "refuse"]

#: Words accepted for a delay besides indices: the centre of the full grid, and the best delay.
DELAY_KEYWORDS = ("center", "centre", "optimal")

#: Largest dense ``[A; sqrt(reg) I]`` factorised for the errors of every delay.
DENSE_QR_MAX_ENTRIES = 25_000_000
#: Largest ``(m + p - 1) p`` (1-D delay scan) or ``p**2`` (Levinson solve).
TOEPLITZ_MAX_WORK = 2_000_000_000
#: Most delays ``m + p - 1`` of the 1-D delay scan (a Python loop).
SCAN_MAX_DELAYS = 10_000_000
#: Largest grid of :func:`frequency_error`.
FREQUENCY_GRID_MAX = 2**26


def check_invertible(kernel, *, ndim: int | None = None, name: str = "kernel") -> np.ndarray:
    """A finite, non-zero kernel (of `ndim` dimensions when given), by the dtype rule."""
    f = check_kernel(kernel, name=name)
    if ndim is not None and f.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got an array of shape {f.shape}")
    if not np.any(f):
        raise ValueError(f"{name} is all zeros (shape {f.shape}); it has no inverse")
    return f


def check_size(size, ndim: int) -> tuple[int, ...]:
    """One support length >= 1 per axis (an int is used on every axis)."""
    size = ints_per_axis(size, ndim, "size")
    for s in size:
        if s < 1:
            raise ValueError(f"size entries must be >= 1, got {s!r} in {size!r}")
    return size


def parse_delay(delay, full_shape: tuple[int, ...]):
    """'center' (alias 'centre'), 'optimal', an int for every axis or one int
    per axis, inside the full grid; returns a tuple of ints or 'optimal'."""
    if isinstance(delay, str):
        delay = check_option(delay, "delay", ("center", "optimal"), {"centre": "center"})
        return "optimal" if delay == "optimal" else tuple((n - 1) // 2 for n in full_shape)
    delay = ints_per_axis(delay, len(full_shape), "delay")
    for axis, (d, n) in enumerate(zip(delay, full_shape)):
        if not 0 <= d < n:
            raise ValueError(f"delay {d} on axis {axis} is outside the full grid of shape {full_shape}: "
                             f"allowed 0..{n - 1}")
    return delay


def best_delay(errors: np.ndarray, *, rtol: float = 1e-9) -> tuple[int, ...]:
    """The delay of smallest error; among ties (within `rtol`, e.g. a zero on the unit circle)
    the one nearest the centre of the grid, so that the choice does not hang on rounding."""
    errors = np.asarray(errors)
    ties = np.argwhere(errors <= errors.min() * (1 + rtol) + np.finfo(float).tiny)
    centre = (np.array(errors.shape) - 1) / 2
    nearest = np.argmin(np.abs(ties - centre).sum(axis=1))
    return tuple(int(i) for i in ties[nearest])


def frequency_grid(shape: tuple[int, ...], oversampling: int) -> tuple[int, ...]:
    """The next power of two >= ``oversampling * (n + 1)`` points per axis of length ``n``."""
    grid = tuple(1 << math.ceil(math.log2(oversampling * (n + 1))) for n in shape)
    refuse(math.prod(grid), f"the frequency error on a {'x'.join(map(str, grid))} grid", FREQUENCY_GRID_MAX, "points")
    return grid


def frequency_error(residual: np.ndarray, oversampling: int) -> tuple[float, tuple[int, ...]]:
    """``max |DTFT(residual)|`` on :func:`frequency_grid`, and that grid."""
    grid = frequency_grid(residual.shape, oversampling)
    return float(np.abs(sfft.fftn(residual, grid)).max()), grid


def refuse(work: int, what: str, limit: int = TOEPLITZ_MAX_WORK, unit: str = "operations"):
    """Raise at once when `work` exceeds `limit`, naming what and how much."""
    if work > limit:
        raise ValueError(f"{what} costs {work:,} {unit}, above the limit of {limit:,}; use a smaller "
                         f"size{' or give the delay explicitly' if 'optimal' in what else ''}")


def pow2(a, e: int):
    """``a * 2**e`` in two exact steps (inf or 0 only when the result leaves the range)."""
    return a * 2.0 ** (e // 2) * 2.0 ** (e - e // 2)


class KernelProblem:
    """Kernel, support `size`, Tikhonov `reg`, posed for ``f = 2**-e kernel`` (``max|f|`` in ``[1/2, 1)``) and
    ``reg 4**-e``: ``g = 2**-e h`` (:meth:`to_g`); residual and objective are the same, gradients ``2**-e`` times."""

    def __init__(self, kernel: np.ndarray, size: tuple[int, ...], reg: float = 0.0):
        self.e = int(np.frexp(np.abs(kernel).max())[1])
        self.f = pow2(kernel, -self.e)
        self.size = tuple(size)
        self.reg = min(pow2(reg, -2 * self.e), np.finfo(float).max)
        self.full_shape = tuple(m + p - 1 for m, p in zip(kernel.shape, self.size))
        self.dtype = kernel.dtype

    def to_g(self, h):
        return pow2(h, -self.e)

    def target(self, delay) -> np.ndarray:
        delta = np.zeros(self.full_shape, dtype=self.dtype)
        delta[delay] = 1
        return delta

    def rhs(self, delay) -> np.ndarray:
        """A^H delta_d: the conjugate kernel, reversed, placed by the delay."""
        return ss.correlate(self.target(delay), self.f, mode="valid")

    def residual(self, g, delay) -> np.ndarray:
        r = ss.convolve(self.f, g, mode="full")
        r[delay] -= 1
        return r

    def gradient(self, g, residual) -> np.ndarray:
        """A^H r + reg g: the correlation of the residual with the kernel ('valid')."""
        return ss.correlate(residual, self.f, mode="valid") + self.reg * g

    def objective(self, g, residual) -> float:
        return 0.5 * squared_norm(residual) + 0.5 * self.reg * squared_norm(g)

    def matrix(self):
        return convolution_matrix(self.f, self.size, boundary="zero", output="full")

    def resolve(self, delay):
        """``(delay tuple, errors of every delay or None)`` for a user's delay."""
        delay = parse_delay(delay, self.full_shape)
        if delay != "optimal":
            return delay, None
        errors = self.delay_errors()
        return best_delay(errors), errors

    # -- 1-D: Toeplitz normal equations T g = A^H delta_d, T = A^H A + reg I ----------
    @functools.cached_property
    def _toeplitz(self):
        """t[k] = sum_j conj(f[j]) f[j + k], k = 0..p (sums for p < 64, else one FFT), and T's first column."""
        f, (p,) = self.f, self.size
        t, lags = np.zeros(p + 1, dtype=f.dtype), min(p + 1, f.size)      # t[k] = 0 for k >= m
        if p < 64:
            t[:lags] = [np.vdot(f[: f.size - k], f[k:]) for k in range(lags)]
        else:
            n, real = sfft.next_fast_len(f.size + lags), f.dtype.kind == "f"
            spectrum = (sfft.rfft if real else sfft.fft)(f, n)
            t[:lags] = (sfft.irfft if real else sfft.ifft)(spectrum.real ** 2 + spectrum.imag ** 2, n)[:lags]
        column = t[:-1].copy()
        column[0] = column[0].real + self.reg
        return t, column

    def levinson(self, delay) -> np.ndarray:
        """The 1-D solution for `delay` by Levinson on the Toeplitz normal equations."""
        (p,) = self.size
        refuse(p * p, f"a Levinson solve of length {p}")
        return sla.solve_toeplitz(self._toeplitz[1], self.rhs(delay))

    def delay_errors(self) -> np.ndarray:
        """Error ``||f * g_d - delta_d||`` of every delay, in double precision: in 1-D the scan,
        checked at two delays by direct solves; when that fails or in N-D, dense QR."""
        wide = self if self.f.dtype in (np.float64, np.complex128) else \
            KernelProblem(self.f.astype(np.result_type(self.f, np.float64)), self.size, self.reg)
        if self.f.ndim == 1:
            errors = wide._scan()
            checks = {best_delay(errors)[0], errors.size - 1}
            if all(abs(np.linalg.norm(wide.residual(wide.levinson((d,)), (d,))) ** 2 - errors[d] ** 2) <= 1e-9
                   for d in checks):
                return errors
        return wide._dense_errors()

    def _scan(self) -> np.ndarray:
        r"""1-D errors of every delay in ``O((m + p) p)`` time: with ``Z`` the down-shift,
        ``g_{d+1} = Z g_d + (conj(f[d+1]) - r^T g_d) x + g_d[p-1] z``, ``x = T^{-1} e_0``,
        ``z = T^{-1} s`` (``r_j = t[-j-1]``, ``s_i = t[i-p]``, ``s_0 = 0``), ``g_0 = conj(f[0]) x``,
        and with ``a_d = A^H e_d``, ``||A g_d - e_d||^2 = 1 - Re(a_d^H g_d) - reg ||g_d||^2``."""
        f, (p,), reg = self.f, self.size, self.reg
        n = self.full_shape[0]
        refuse(n, f"delay='optimal' (a scan of {n} delays)", SCAN_MAX_DELAYS, "delays")
        refuse(n * p, f"delay='optimal' on {n} delays of a length-{p} inverse")
        t, column = self._toeplitz
        rhs = np.zeros((p, 2), dtype=np.result_type(column, float))
        rhs[0, 0] = 1.0
        rhs[1:, 1] = np.conj(t[p - np.arange(1, p)])
        x, z = sla.solve_toeplitz(column, rhs).T
        r = np.zeros(p, dtype=x.dtype)
        r[: p - 1] = np.conj(t[1:p])
        fc = np.conj(np.concatenate([f, np.zeros(max(n - f.size, 0) + 1, dtype=f.dtype)]))
        buffer = np.zeros(n + p, dtype=x.dtype)   # g_d is buffer[n - d: n - d + p]
        buffer[n:] = fc[0] * x
        squared = np.empty(n)
        for d in range(n):
            g = buffer[n - d: n - d + p]
            lo = max(0, d - f.size + 1)
            fit = np.einsum("i,i", g[lo: d + 1], np.conj(fc[d - lo::-1][: min(d, p - 1) + 1 - lo]))
            squared[d] = 1.0 - fit.real - (reg * np.einsum("i,i", g.conj(), g).real if reg else 0.0)
            if d + 1 < n:
                alpha, beta = fc[d + 1] - np.einsum("i,i", r, g), g[p - 1]   # no BLAS threads
                g = buffer[n - d - 1: n - d - 1 + p]
                g += alpha * x
                g += beta * z
        return np.sqrt(np.clip(squared, 0.0, None))

    def _dense_errors(self) -> np.ndarray:
        """The errors of every delay from one thin QR factorisation ``[A; sqrt(reg) I] = QR``:
        with ``Q_A`` the rows of ``A`` and ``q_d = Q_A^H e_d``, ``||A g_d - e_d||^2 =
        1 - 2 ||q_d||^2 + q_d^H (Q_A^H Q_A) q_d`` (``1 - ||q_d||^2`` when reg = 0)."""
        rows, unknowns = math.prod(self.full_shape), math.prod(self.size)
        refuse((rows + unknowns) * unknowns, f"delay='optimal' factorising a dense {rows + unknowns}x{unknowns} "
               "matrix", DENSE_QR_MAX_ENTRIES, "entries")
        A = self.matrix().toarray()
        if self.reg:
            A = np.vstack([A, math.sqrt(self.reg) * np.eye(unknowns, dtype=A.dtype)])
        q = np.linalg.qr(A)[0][:rows]
        leverage = np.einsum("ij,ij->i", q.conj(), q).real
        if self.reg:
            squared = 1.0 - 2.0 * leverage + np.einsum("ij,ij->i", (q @ (q.conj().T @ q)).conj(), q).real
        else:
            squared = 1.0 - leverage
        return np.sqrt(np.clip(squared, 0.0, None)).reshape(self.full_shape)
