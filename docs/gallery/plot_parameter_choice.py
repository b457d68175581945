"""
Choosing the regularisation: GCV, UPRE, discrepancy and the L-curve
===================================================================

Tikhonov restoration :math:`\\min_x \\|A x - b\\|_2^2 + \\lambda \\|x\\|_2^2`
needs a weight :math:`\\lambda`, and the truth is not there to tune it.
:func:`solvers.choose_reg` picks it by a rule and returns a
:class:`solvers.ParameterChoice` with the whole curve the rule was read
from. With circular boundaries the spectrum of :math:`A` is known, and for
every :math:`\\lambda` on the grid the curves are exact:

.. math::

   \\mathrm{GCV}(\\lambda) = \\frac{n\\,\\|A x_\\lambda - b\\|_2^2}
   {\\bigl(n - \\operatorname{tr} A (A^H A + \\lambda I)^{-1} A^H\\bigr)^2},

the discrepancy principle takes the :math:`\\lambda` with
:math:`\\|A x_\\lambda - b\\|_2 = \\tau \\sigma \\sqrt n`, and the L-curve
the corner of maximum curvature of
:math:`(\\log\\|A x_\\lambda - b\\|, \\log\\|x_\\lambda\\|)`.

A 128x128 photograph is blurred by a Gaussian of standard deviation 1.5
with circular boundaries, and white noise of standard deviation 0.01 is
added; the noise level the rules need is estimated from the blurred image
(:func:`solvers.estimate_noise`).
"""

import matplotlib.pyplot as plt
import numpy as np
from skimage import data
from skimage.metrics import peak_signal_noise_ratio as psnr

from convops import convolution_operator, gaussian_psf
from solvers import choose_reg, estimate_noise, restore

image = data.camera()[::4, ::4] / 255.0
kernel = gaussian_psf(1.5)
rng = np.random.default_rng(0)
blur = convolution_operator(kernel, image.shape, boundary="circular", output="same")
blurred = (blur @ image.ravel()).reshape(image.shape) + 0.01 * rng.standard_normal(image.shape)
print(f"estimated noise standard deviation {estimate_noise(blurred):.4f} (true 0.0100)")

rules = ("gcv", "upre", "discrepancy", "lcurve")
choices = {rule: choose_reg(blurred, kernel, boundary="circular", rule=rule) for rule in rules}
grid = choices["gcv"].grid[::4]    # every 4th value of the rules' grid, for the quality curve
quality = np.array([psnr(image, restore(blurred, kernel, boundary="circular", reg=lam).solution, data_range=1)
                    for lam in grid])
for rule, choice in choices.items():
    value = psnr(image, restore(blurred, kernel, boundary="circular", reg=choice.value).solution, data_range=1)
    print(f"{rule:11s} reg {choice.value:.2e}  PSNR {value:.2f} dB")
print(f"best on the grid: reg {grid[quality.argmax()]:.2e}  PSNR {quality.max():.2f} dB")

# %%
# The GCV function, the L-curve, and the quality each :math:`\lambda` would
# give (known here only because the original is), with the choice of each
# rule marked.

colors = dict(zip(rules, ("C0", "C1", "C2", "C3")))
fig, (gcv_ax, l_ax, q_ax) = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
gcv = choices["gcv"]
gcv_ax.loglog(gcv.grid, gcv.function, "k", lw=1)
gcv_ax.axvline(gcv.value, color=colors["gcv"], label=f"GCV minimum {gcv.value:.1e}")
gcv_ax.set_xlabel(r"$\lambda$")
gcv_ax.set_title("GCV function")
gcv_ax.legend(fontsize=9)

lc = choices["lcurve"]
l_ax.loglog(lc.residual_norms, lc.solution_norms, "k", lw=1)
for rule, choice in choices.items():
    i = np.argmin(np.abs(np.log(lc.grid) - np.log(choice.value)))
    l_ax.plot(lc.residual_norms[i], lc.solution_norms[i], "o", color=colors[rule], label=rule)
# zoom on the corner, where the choices lie
chosen = [np.argmin(np.abs(np.log(lc.grid) - np.log(c.value))) for c in choices.values()]
l_ax.set_xlim(lc.residual_norms[chosen].min() / 3, lc.residual_norms[chosen].max() * 3)
l_ax.set_ylim(lc.solution_norms[chosen].min() / 3, lc.solution_norms[chosen].max() * 3)
l_ax.set_xlabel(r"$\|A x_\lambda - b\|_2$")
l_ax.set_ylabel(r"$\|x_\lambda\|_2$")
l_ax.set_title("L-curve (near its corner)")
l_ax.legend(fontsize=9)

q_ax.semilogx(grid, quality, "k", lw=1)
for rule, choice in choices.items():
    q_ax.axvline(choice.value, color=colors[rule], ls="--", label=rule)
q_ax.set_ylim(quality.max() - 12, quality.max() + 1)
q_ax.set_xlim(1e-6, grid.max())
q_ax.set_xlabel(r"$\lambda$")
q_ax.set_ylabel("PSNR (dB)")
q_ax.set_title("quality of the restoration")
q_ax.legend(fontsize=9)
plt.show()

# %%
# On this image GCV and UPRE land close to the best :math:`\lambda`, the
# discrepancy principle closer still, and the L-curve's corner
# under-regularises (a smaller :math:`\lambda`, more noise). The same call
# with another ``boundary`` uses a hybrid Krylov method instead of the
# spectrum.
