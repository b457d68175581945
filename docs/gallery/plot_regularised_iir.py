"""
The regularised IIR inverse of [1, −1]
======================================

The first difference :math:`h = [1, -1]` has :math:`H(e^{i\\omega}) = 1 -
e^{-i\\omega}`, which vanishes at :math:`\\omega = 0`: its inverse, the
running sum, is not stable. For :math:`\\lambda > 0`,
:func:`solvers.iir_inverse` builds instead the two-sided IIR filter with
frequency response

.. math:: G(\\omega) = \\frac{\\overline{H(\\omega)}}{|H(\\omega)|^2 + \\lambda},

Wiener's inverse in recursive form: :math:`|H|^2 + \\lambda` is factored
into a minimum-phase part and its mirror image, applied by a causal and an
anti-causal recursion. Larger :math:`\\lambda` trades accuracy at low
frequencies for a shorter, tamer impulse response.
"""

import matplotlib.pyplot as plt
import numpy as np

from solvers import iir_inverse

h = [1.0, -1.0]
w = np.linspace(1e-3, np.pi, 2000)
H = 1 - np.exp(-1j * w)
regs = (1e-1, 1e-2, 1e-3)
n = np.arange(-40, 41)

fig, (freq, imp) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
freq.loglog(w, 1 / np.abs(H), "k", lw=1, label="1/|H| (unstable)")
for reg in regs:
    g = iir_inverse(h, reg=reg)
    G = g.frequency_response(w)
    freq.loglog(w, np.abs(G), label=rf"$\lambda$ = {reg:g}")
    imp.plot(n, g.impulse_response(n[0], n[-1] + 1), ".-", ms=3, label=rf"$\lambda$ = {reg:g}")
    peak = np.abs(G).max()
    print(f"reg {reg:g}: max |G| = {peak:.2f} (1/(2 sqrt(reg)) = {1 / (2 * np.sqrt(reg)):.2f}), "
          f"|G H| at w = pi: {np.abs(G[-1] * H[-1]):.4f}")
freq.set_xlabel(r"$\omega$ (rad/sample)")
freq.set_ylabel("magnitude")
freq.set_title("frequency response")
freq.legend(fontsize=9)
imp.set_xlabel("n")
imp.set_title("impulse response g[n] (two-sided)")
imp.legend(fontsize=9)
plt.show()

# %%
# The magnitude :math:`|H|/(|H|^2+\lambda)` peaks at :math:`1/(2\sqrt\lambda)`
# where :math:`|H|^2 = \lambda` and falls to zero at :math:`\omega = 0`;
# at high frequencies, where :math:`|H| \gg \sqrt\lambda`, :math:`G` is
# close to :math:`1/H`. The impulse response is antisymmetric,
# :math:`g[n] = -g[-1-n]` (as :math:`\overline{H}` is, up to a delay of one
# sample), and decays geometrically, the faster the larger :math:`\lambda`:

for reg in regs:
    g = iir_inverse(h, reg=reg).impulse_response(-200, 200)    # n = -200 ... 199
    print(f"reg {reg:g}: max |g[n] + g[-1-n]| = {np.abs(g + g[::-1]).max():.1e}, "
          f"|g[199]| / |g[0]| = {abs(g[-1] / g[200]):.1e}")
