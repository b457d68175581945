"""
The inverse kernel of the cross, and its frequency response
===========================================================

The 3x3 cross :math:`f = [[0,1,0],[1,1,1],[0,1,0]]` has the transfer
function :math:`F(\\omega) = 1 + 2\\cos\\omega_1 + 2\\cos\\omega_2`, which
vanishes on a curve of the frequency torus: no kernel, finite or not,
inverts it exactly. :func:`solvers.inverse_kernel` computes the best FIR
inverse :math:`g` of a given support in the least-squares sense,

.. math:: \\min_g \\tfrac12 \\| f * g - \\delta_d \\|_2^2 ,

with the spike :math:`\\delta_d` at the centre of the full output grid.
The left panel shows the 15x15 inverse; the right one the magnitude of
:math:`F G` along the diagonal :math:`\\omega_1 = \\omega_2`, which would
be 1 everywhere for an exact inverse, and :math:`1/|F|`, which the inverse
tries to follow and cannot near the zeros of :math:`F`.
"""

import matplotlib.pyplot as plt
import numpy as np

from convops import psf2otf
from solvers import inverse_kernel

cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float)
sizes = (5, 15, 31)
results = {p: inverse_kernel(cross, p) for p in sizes}
for p, r in results.items():
    print(f"{p:2d}x{p:<2d} inverse: error ||f*g - delta|| = {r.info['error_norm']:.3f}")

# %%
# Frequency responses on a 256x256 grid, along the diagonal. The inverse's
# phase is that of a delay; the magnitude of :math:`F G` is what matters.

n = 256
F = psf2otf(cross, (n, n))
w = 2 * np.pi * np.fft.fftfreq(n)
order = np.argsort(w)
diag = np.arange(n)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained",
                                  gridspec_kw={"width_ratios": [1, 1.6]})
g = results[15].solution
lim = np.abs(g).max()
im = left.imshow(g, cmap="RdBu_r", vmin=-lim, vmax=lim)
left.set_title(f"15x15 least-squares inverse g\nerror {results[15].info['error_norm']:.3f}")
fig.colorbar(im, ax=left, shrink=0.85)

right.semilogy(w[order], 1 / np.abs(F[diag, diag])[order], "k", lw=1, label="1/|F| (exact inverse)")
for p, r in results.items():
    G = psf2otf(r.solution, (n, n))
    right.semilogy(w[order], np.abs(F * G)[diag, diag][order], label=f"|F G|, {p}x{p}")
right.set_ylim(1e-2, 1e2)
right.set_xlabel(r"$\omega_1 = \omega_2$ (rad/sample)")
right.set_title("along the diagonal of the frequency plane")
right.legend(fontsize=9, loc="upper left")
plt.show()
