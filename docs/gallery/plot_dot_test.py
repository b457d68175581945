"""
The dot test: an exact adjoint for every rule
=============================================

An operator :math:`A` and its adjoint pass the dot test when
:math:`\\langle A u, v\\rangle = \\langle u, A^H v\\rangle` for random
:math:`u, v`. Correlation with the kernel is the adjoint of convolution
only for the ``zero`` and ``circular`` rules; for the others the adjoint of
"extend the image, then convolve" is "correlate, then fold the extension
back onto the image". :func:`convops.convolution_operator` implements the
fold; :func:`convops.dot_test` measures the relative mismatch.

Below, for every rule, the mismatch of the operator's own adjoint and that
of plain correlation used as if it were the adjoint (a common shortcut),
on a 64x64 image with a random 7x7 kernel.
"""

import matplotlib.pyplot as plt
import numpy as np

from convops import BOUNDARIES, convolution_operator, dot_test
from scipy.sparse.linalg import LinearOperator

rng = np.random.default_rng(0)
kernel = rng.standard_normal((7, 7))
shape = (64, 64)

exact, naive = [], []
for rule in BOUNDARIES:
    op = convolution_operator(kernel, shape, boundary=rule, output="same")
    corr = convolution_operator(kernel, shape, boundary=rule, output="same", correlate=True)
    # the shortcut: correlation (flipped kernel) with the same boundary rule as the "adjoint"
    shortcut = LinearOperator(op.shape, matvec=op.matvec, rmatvec=corr.matvec, dtype=op.dtype)
    exact.append(dot_test(op, rng=np.random.default_rng(1), raise_error=False))
    naive.append(dot_test(shortcut, rng=np.random.default_rng(1), raise_error=False))
    print(f"{rule:9s} exact adjoint {exact[-1]:.1e}   correlation as adjoint {naive[-1]:.1e}")

# %%
# The exact adjoint agrees to rounding error for every rule; correlation is
# the adjoint only where the extension adds nothing to fold back.

x = np.arange(len(BOUNDARIES))
fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
tiny = 1e-18   # a mismatch of exactly 0 is drawn at this floor of the log axis
ax.bar(x - 0.2, np.maximum(exact, tiny), 0.4, label="operator's adjoint (fold)")
ax.bar(x + 0.2, np.maximum(naive, tiny), 0.4, label="correlation as adjoint")
ax.axhline(np.finfo(float).eps, color="k", lw=0.8, ls=":", label="machine epsilon")
ax.set_yscale("log")
ax.set_ylim(tiny, 1)
ax.set_xticks(x, list(BOUNDARIES))
ax.set_ylabel(r"$|\langle Au,v\rangle-\langle u,A^Hv\rangle|$ / scale")
ax.set_title("Dot test, 64x64 image, random 7x7 kernel, 'same' window")
ax.legend(loc="upper left", fontsize=9)
plt.show()
