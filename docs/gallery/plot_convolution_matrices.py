"""
The convolution matrix of every boundary rule
=============================================

:func:`convops.convolution_matrix` builds the sparse matrix :math:`A` with
:math:`A\\,\\mathrm{vec}(x) = \\mathrm{vec}(x * h)` for every boundary rule
and output window. Here a 3x3 kernel of ones acts on a 6x6 image (36
unknowns), vectorised row-major. Each entry of :math:`A` counts the kernel
taps that land on one image pixel: away from the edges every row holds nine
ones; at the edges the rule decides where the taps that fall outside go,
and the rules that fold them back onto the image (``replicate``,
``symmetric``, ``reflect``) make entries of 2 to 4.
"""

import matplotlib.pyplot as plt
import numpy as np

from convops import BOUNDARIES, convolution_matrix

kernel = np.ones((3, 3))
shape = (6, 6)

fig, axes = plt.subplots(1, len(BOUNDARIES) + 1, figsize=(15, 3.4), layout="constrained")
panels = [(rule, "same") for rule in BOUNDARIES] + [("zero", "full")]
for ax, (rule, output) in zip(axes, panels):
    A = convolution_matrix(kernel, shape, boundary=rule, output=output).toarray()
    image = ax.imshow(np.ma.masked_equal(A, 0), cmap="viridis", vmin=1, vmax=4, interpolation="nearest")
    ax.set_title(f"{rule}, {output}\n{A.shape[0]}x{A.shape[1]}, nnz {np.count_nonzero(A)}", fontsize=10)
    ax.set_xticks([]), ax.set_yticks([])
fig.colorbar(image, ax=axes, shrink=0.8, label="taps per pixel")
plt.show()

# %%
# ``zero`` with ``full`` output is the Toeplitz-block-Toeplitz matrix of
# MATLAB's ``convmtx2`` (with ``order="F"``); ``circular`` is
# block-circulant, diagonalised by the 2-D DFT, whose eigenvalues are
# :func:`convops.psf2otf`. Every row of a rule that keeps the taps
# (all but ``zero``) sums to the kernel's sum, 9:

for rule in BOUNDARIES:
    A = convolution_matrix(kernel, shape, boundary=rule, output="same")
    sums = sorted({int(s) for s in np.asarray(A.sum(axis=1)).ravel()})
    print(f"{rule:9s} largest entry {A.max():.0f}, row sums {sums}")
