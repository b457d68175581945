"""
FIR against IIR inverses at equal cost
======================================

An FIR kernel's exact inverse is IIR, and a kernel with zeros on the unit
circle has none at all. What buys the smaller error for the same number of
multiply-adds per output sample :math:`C`: a least-squares FIR inverse of
:math:`C` taps (:func:`solvers.fir_inverse`, at its optimal delay), or a
stable recursive filter :math:`B(z)/A(z)` with
:math:`n_b + n_a + 1 = C` coefficients fitted to the same objective
:math:`\\|h * g - \\delta_d\\|_2` over its whole infinite response
(:func:`solvers.fit_iir_inverse`)?

The kernel is the 4-point box :math:`h = [1, 1, 1, 1]/4`, whose transfer
function vanishes at :math:`z = -1` and :math:`z = \\pm i`.
"""

import matplotlib.pyplot as plt
import numpy as np

from solvers import fir_inverse, fit_iir_inverse

box = np.ones(4) / 4
costs = np.arange(2, 11)
fir_err, iir_err, iir_order = [], [], []
for C in costs:
    fir = fir_inverse(box, int(C), delay="optimal")
    na = (C - 1) // 2
    nb = C - 1 - na
    # the fit is searched at the FIR's optimal delay and one sample earlier
    fits = [fit_iir_inverse(box, (int(nb), int(na)), delay=d)
            for d in {fir.info["delay"], max(fir.info["delay"] - 1, 0)}]
    best = min(fits, key=lambda fit: fit.info["error_norm"])
    fir_err.append(fir.info["error_norm"])
    iir_err.append(best.info["error_norm"])
    iir_order.append((int(nb), int(na)))
    print(f"C = {C:2d}: FIR {fir.info['error_norm']:.3f}   IIR {(int(nb), int(na))} {best.info['error_norm']:.2e}"
          f"   largest pole radius {best.info['pole_radius']:.6f}")

fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.semilogy(costs, fir_err, "o-", label="least-squares FIR of C taps")
ax.semilogy(costs, iir_err, "s-", label=r"fitted IIR $B/A$, $n_b + n_a + 1 = C$")
ax.set_xlabel("cost C (multiply-adds per sample)")
ax.set_ylabel(r"$\|h * g - \delta_d\|_2$")
ax.set_title("Inverses of the 4-point box at equal cost")
ax.legend()
plt.show()

# %%
# Once the denominator has a pole for each of the three zeros
# (:math:`n_a \ge 3`), the fitted IIR is far better than any FIR of the
# same cost. Its remaining error is set by ``max_radius``: the poles sit at
# the stability margin, just inside the circle, and such a filter amplifies
# noise enormously. The ``equal_cost`` study (``python -m experiments
# equal_cost``) weighs both, error and noise gain, on more kernels.
