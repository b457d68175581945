"""
Boundary models on a crop
=========================

A restoration is only as good as its model of the image outside its
borders. Here a 128x128 photograph is blurred by a 7x7 Gaussian with
**replicate** boundaries (what a camera sees is closest to this: the scene
goes on past the edge), and restored by :func:`solvers.restore` with a
Tikhonov weight of 1e-4 under each boundary model. The crops show the top
left corner, where the models differ; the numbers are the mean absolute
error in a 6-pixel band along the border and inside it, in gray levels of
a [0, 1] image.
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data, transform

from convops import convolution_operator
from solvers import restore

image = transform.resize(data.camera() / 255.0, (128, 128), anti_aliasing=True)
y, x = np.mgrid[-3:4, -3:4]
kernel = np.exp(-(x**2 + y**2) / 2.0)
kernel /= kernel.sum()
blur = convolution_operator(kernel, image.shape, boundary="replicate", output="same")
blurred = (blur @ image.ravel()).reshape(image.shape)

band = np.zeros(image.shape, bool)
band[:6] = band[-6:] = True
band[:, :6] = band[:, -6:] = True
crop = (slice(0, 40), slice(0, 40))

models = ("replicate", "symmetric", "zero", "circular")
fig, axes = plt.subplots(2, len(models) + 1, figsize=(13, 5.6), layout="constrained")
axes[0, 0].imshow(image[crop], cmap="gray", vmin=0, vmax=1)
axes[0, 0].set_title("original (crop)")
axes[1, 0].imshow(blurred[crop], cmap="gray", vmin=0, vmax=1)
axes[1, 0].set_title("blurred, replicate")
for col, model in enumerate(models, start=1):
    r = restore(blurred, kernel, boundary=model, reg=1e-4)
    err = np.abs(r.solution - image)
    axes[0, col].imshow(r.solution[crop], cmap="gray", vmin=0, vmax=1)
    axes[0, col].set_title(f"model '{model}' ({r.info['method']})")
    im = axes[1, col].imshow(err[crop], cmap="magma", norm="log", vmin=1e-4, vmax=1)
    axes[1, col].set_title(f"|error|: border {err[band].mean():.1e}\ninterior {err[~band].mean():.1e}",
                           fontsize=10)
    print(f"{model:9s} ({r.info['method']}) border {err[band].mean():.1e}  interior {err[~band].mean():.1e}")
for ax in axes.flat:
    ax.set_xticks([]), ax.set_yticks([])
fig.colorbar(im, ax=axes[1, :], shrink=0.8, label="absolute error")
plt.show()

# %%
# The right model leaves an error that is as small at the border as inside;
# ``symmetric`` is close (a mirrored scene is a fair guess for a smooth
# one) and is solved exactly by the DCT; ``zero`` and ``circular`` put a
# dark frame or the opposite edge into the model, and the restoration
# rings from the border inwards. The ``boundaries`` study (``python -m
# experiments boundaries``) does this for every pair of rules.
