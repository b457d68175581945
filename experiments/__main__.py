"""Command line: ``python -m experiments``.

Builds the convolution matrix for each boundary rule and output window and
checks it against scipy (scipy.ndimage for 'same', numpy.pad followed by
scipy.signal's valid convolution for the others).
"""

import numpy as np
import scipy.ndimage as ndi
import scipy.signal as ss

from convops import BOUNDARIES, OUTPUTS, convolution_matrix, convolution_operator

from ._timing import format_table


def main():
    rng = np.random.default_rng(0)
    kernel, image = rng.standard_normal((4, 5)), rng.standard_normal((32, 24))
    rows = []
    for name, rule in BOUNDARIES.items():
        for output in OUTPUTS:
            A = convolution_matrix(kernel, image.shape, boundary=name, output=output)
            op = convolution_operator(kernel, image.shape, boundary=name, output=output)
            if output == "same":
                ref = ndi.convolve(image, kernel, mode=rule.ndimage)
            else:
                width = [(m - 1, m - 1) if output == "full" else (0, 0) for m in kernel.shape]
                ref = ss.convolve(np.pad(image, width, mode=rule.numpy_pad), kernel, mode="valid")
            y = A @ image.ravel()
            rows.append(dict(boundary=name, output=output, shape=f"{A.shape[0]}x{A.shape[1]}", nnz=A.nnz,
                             max_error_vs_scipy=float(np.abs(y - ref.ravel()).max()),
                             operator_vs_matrix=float(np.abs(op @ image.ravel() - y).max())))
    print(f"Convolution matrices for a {kernel.shape} kernel on a {image.shape} image:")
    print(format_table(rows))
    worst = max(max(r["max_error_vs_scipy"], r["operator_vs_matrix"]) for r in rows)
    print(f"\nlargest difference: {worst:.2e}")
    if worst > 1e-10:
        raise SystemExit("matrices disagree with scipy")


if __name__ == "__main__":
    main()
