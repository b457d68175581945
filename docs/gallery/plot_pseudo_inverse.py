"""
Pseudo-inverse filtering, and the counts a threshold can reach
==============================================================

The first of the two texts this toolkit grew from blurs a 256x256 image by
a 31-point horizontal average with circular boundaries, so that the DFT
diagonalises the blur, :math:`G = H F`, and inverts it by the
pseudo-inverse filter

.. math:: \\hat F[u] = \\begin{cases} G[u] / H[u] & |H[u]| \\ge \\tau \\\\ 0 & \\text{otherwise,} \\end{cases}

with thresholds :math:`\\tau` that zero 512, about 28,680 and 59,648 of the
65,536 values of :math:`H`. :func:`solvers.threshold_for_count` finds the
threshold for a wanted count, and says whether any threshold gives it:
:math:`|H|` depends only on the column frequency and ties across columns,
so most counts cannot be reached.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from convops import convolution_operator, psf2otf
from solvers import pseudo_inverse_filter, threshold_for_count

image = data.camera()[::2, ::2].astype(float)            # 256 x 256, gray levels 0-255
kernel = np.ones((1, 31)) / 31
blurred = (convolution_operator(kernel, image.shape, boundary="circular", output="same")
           @ image.ravel()).reshape(image.shape)

H = np.abs(psf2otf(kernel, image.shape))
tied = np.isclose(H, 1 / 31, rtol=0, atol=1e-9 * H.max())
print(f"{tied.sum()} of the {H.size} values of |H| equal 1/31 (columns u = 8, 16, ..., 248)")

counts = (512, 28680, 59648)
fig, axes = plt.subplots(1, len(counts) + 1, figsize=(14, 4), layout="constrained")
axes[0].imshow(blurred, cmap="gray", vmin=0, vmax=255)
axes[0].set_title("blurred (31-point average)")
for ax, count in zip(axes[1:], counts):
    choice = threshold_for_count(kernel, image.shape, count)
    estimate, zeroed = pseudo_inverse_filter(blurred, kernel, choice.threshold)
    rmse = np.sqrt(np.mean((estimate - image) ** 2))
    ax.imshow(estimate, cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"asked {count:,}, zeroed {zeroed:,}\nthreshold {choice.threshold:.4f}, RMSE {rmse:.1f}", fontsize=10)
    print(f"asked {count:6,d}: threshold {choice.threshold:.6f} zeroes {zeroed:6,d} (exact: {choice.exact}), "
          f"RMSE {rmse:.2f} gray levels")
for ax in axes:
    ax.set_xticks([]), ax.set_yticks([])
plt.show()

# %%
# 512 and 59,648 are reachable; about 28,680 is not: the nearest reachable
# count is the one just below the tie group at exactly :math:`1/31`, and the
# next one above it adds the whole group at once. Small thresholds leave
# ripples, large ones ghosts and blur.
