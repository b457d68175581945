"""Study: the convolution matrix of every boundary rule and output window.

Three questions about ``convops.convolution_matrix``:

1. *What does it look like?*  A grid of pictures of ``|A|``, one per
   (boundary rule, output window), for a 3x3 kernel of ones on a 6x6 image:
   each entry then counts the kernel taps that land on one image pixel, so
   the taps the boundary rule merges at the edges stand out.
2. *Is it right?*  Every matrix is rebuilt column by column from scipy (the
   response to each unit image): ``scipy.ndimage.convolve`` with the rule's
   ndimage mode for ``same``, ``numpy.pad`` with the rule's numpy mode then
   ``scipy.signal.convolve(..., 'valid')`` for ``full`` and ``valid``.  Its
   structure is measured: shift invariance (Toeplitz-block-Toeplitz), rows
   that are cyclic shifts of the first (block-circulant) and the residual of
   the best Toeplitz-plus-Hankel fit along each axis.
3. *How far are its singular values from* ``|H|``?  For the 3x3 cross
   ``[[0,1,0],[1,1,1],[0,1,0]]`` on a 16x16 image, the singular values of
   each ``same`` matrix against the sorted ``|psf2otf(kernel, shape)|``.
   The DFT diagonalises the circular matrix, so they coincide; the other
   rules are diagonalised by other transforms (for a 3x3 kernel symmetric in
   each axis: DST-I for ``zero``, DCT-II for ``symmetric``, DCT-I
   eigenvalues for ``reflect``), i.e. ``|H|`` on other frequency grids, and
   those closed forms are checked too.

Run with ``python -m experiments matrices``.  Quick mode is the same study
(it takes about a second).
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi
import scipy.signal as ss
from matplotlib import colormaps
from matplotlib.colors import BoundaryNorm, ListedColormap

from convops import BOUNDARIES, OUTPUTS, convolution_matrix, output_shape, psf2otf

from ._plot import figure, log_axis_label
from ._study import study_setup

__all__ = ["NAME", "QUESTION", "compute", "draw", "summarize", "reference_matrix", "structure_defects"]

NAME = "matrices"
QUESTION = ("What does the convolution matrix look like for each boundary rule and output window, "
            "does it agree with scipy, and how far are its singular values from |H|?")

#: Kernel and image sizes of the pictures (a kernel of ones: entries count taps).
SHOWN = (3, 6)
#: Random kernels (kernel size, image size) whose matrices are checked as well.
CHECKED = ((3, 6), (5, 8))
#: Kernel (the second text's cross) and image size of the singular value comparison.
CROSS = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
SVD_SIZE = 16
#: Singular values below this fraction of the largest count as zero.
RANK_TOL = 1e-12

# Frequency grids whose |H| the 'same' matrices' spectra equal, for a 3x3
# kernel symmetric in each axis: (transform, grid size, first index, what).
# With a 3x3 kernel replicate extends by one sample exactly as symmetric does.
_TRANSFORMS = {
    "circular": ("DFT", lambda n: n, 0, "singular values"),
    "zero": ("DST-I", lambda n: 2 * n + 2, 1, "singular values"),
    "replicate": ("DCT-II", lambda n: 2 * n, 0, "singular values"),
    "symmetric": ("DCT-II", lambda n: 2 * n, 0, "singular values"),
    "reflect": ("DCT-I", lambda n: 2 * n - 2, 0, "eigenvalues"),
}


# --------------------------------------------------------------------------
# Computation
# --------------------------------------------------------------------------

def _scipy_convolve(image, kernel, boundary, output):
    """Convolution by scipy alone: ndimage for 'same', pad + signal 'valid' otherwise."""
    rule = BOUNDARIES[boundary]
    if output == "same":
        return ndi.convolve(image, kernel, mode=rule.ndimage), f"ndimage.convolve(mode={rule.ndimage!r})"
    width = [(m - 1, m - 1) if output == "full" else (0, 0) for m in kernel.shape]
    padded = np.pad(image, width, mode=rule.numpy_pad)
    name = f"numpy.pad(mode={rule.numpy_pad!r}) + signal.convolve('valid')"
    return ss.convolve(padded, kernel, mode="valid", method="direct"), name


def reference_matrix(kernel, shape, boundary, output):
    """The convolution matrix built by scipy, one column per unit image.

    Returns
    -------
    matrix : ndarray, shape (prod(out_shape), prod(shape))
        Column ``j`` is the scipy convolution of the ``j``-th unit image
        (row-major numbering), vectorised row-major.
    name : str
        The scipy functions used.
    """
    kernel = np.asarray(kernel, dtype=float)
    columns = []
    for j in range(int(np.prod(shape))):
        unit = np.zeros(shape)
        unit.flat[j] = 1.0
        response, name = _scipy_convolve(unit, kernel, boundary, output)
        columns.append(response.ravel())
    return np.stack(columns, axis=1), name


def _toeplitz_plus_hankel_residual(blocks):
    """Largest residual of the best Toeplitz-plus-Hankel fit of each block.

    `blocks` has shape (r, c, count): `count` matrices of size r x c.
    """
    r, c, count = blocks.shape
    i, j = np.indices((r, c))
    diagonals = (i - j + c - 1).ravel()  # Toeplitz: constant along i - j
    antidiagonals = (i + j).ravel()       # Hankel: constant along i + j
    basis = np.zeros((r * c, 2 * (r + c - 1)))
    basis[np.arange(r * c), diagonals] = 1.0
    basis[np.arange(r * c), r + c - 1 + antidiagonals] = 1.0
    values = blocks.reshape(r * c, count)
    fit = basis @ np.linalg.lstsq(basis, values, rcond=None)[0]
    return float(np.abs(fit - values).max())


def structure_defects(A, out_shape, in_shape):
    """How far a 2-D convolution matrix is from three structures (0: exactly).

    Parameters
    ----------
    A : ndarray, shape (prod(out_shape), prod(in_shape))
        Dense matrix acting on row-major vectorised images.
    out_shape, in_shape : tuple of int
        Output and image shapes (2-D).

    Returns
    -------
    dict
        ``toeplitz`` : max |A[(i,j),(k,l)] - A[(i+1,j),(k+1,l)]| and the same
        along the second axis: 0 for a Toeplitz-block-Toeplitz matrix
        (entries depend on ``(i-k, j-l)`` only).
        ``circulant`` : max difference between each row (as an image) and
        the first row cyclically shifted by the row's output position: 0 when
        every row is a cyclic shift of the first (block-circulant with
        circulant blocks when square).
        ``toeplitz_plus_hankel`` : largest residual of the least-squares
        fit of every block ``A[(:, j), (:, l)]`` and ``A[(i, :), (k, :)]`` by
        a Toeplitz plus a Hankel matrix.
    """
    T = np.asarray(A).reshape(*out_shape, *in_shape)
    toeplitz = max(np.abs(T[1:, :, 1:, :] - T[:-1, :, :-1, :]).max(initial=0.0),
                   np.abs(T[:, 1:, :, 1:] - T[:, :-1, :, :-1]).max(initial=0.0))
    first = T[0, 0]
    circulant = max(np.abs(T[i, j] - np.roll(first, (i, j), axis=(0, 1))).max()
                    for i, j in np.ndindex(*out_shape))
    along_rows = T.transpose(0, 2, 1, 3).reshape(out_shape[0], in_shape[0], -1)
    along_cols = T.transpose(1, 3, 0, 2).reshape(out_shape[1], in_shape[1], -1)
    plus_hankel = max(_toeplitz_plus_hankel_residual(along_rows), _toeplitz_plus_hankel_residual(along_cols))
    return dict(toeplitz=float(toeplitz), circulant=float(circulant), toeplitz_plus_hankel=plus_hankel)


def _check_rows(case, kernel, n):
    """One row per (rule, window): size, agreement with scipy, structure, and
    the largest difference from the zero rule's matrix (what the rule changes)."""
    rows = []
    zero = {o: convolution_matrix(kernel, (n, n), boundary="zero", output=o) for o in OUTPUTS}
    for boundary in BOUNDARIES:
        for output in OUTPUTS:
            A = convolution_matrix(kernel, (n, n), boundary=boundary, output=output)
            R, reference = reference_matrix(kernel, (n, n), boundary, output)
            out = output_shape(kernel.shape, (n, n), output)
            rows.append(dict(case=case, boundary=boundary, output=output, rows=A.shape[0], cols=A.shape[1],
                             nnz=A.nnz, max_abs_diff_scipy=float(np.abs(A.toarray() - R).max()),
                             reference=reference, max_abs_diff_zero_rule=float(abs(A - zero[output]).max()),
                             **structure_defects(A.toarray(), out, (n, n))))
    return rows


def _matrices_shown(m, n):
    """|A| for the kernel of ones: the number of taps on each entry."""
    kernel = np.ones((m, m))
    return {b: {o: np.abs(convolution_matrix(kernel, (n, n), boundary=b, output=o).toarray()) for o in OUTPUTS}
            for b in BOUNDARIES}


def _closed_form(kernel, n, boundary, A):
    """Max difference of the matrix's spectrum from |H| on its transform's grid."""
    transform, grid, start, what = _TRANSFORMS[boundary]
    sampled = psf2otf(kernel, (grid(n), grid(n)))[start:start + n, start:start + n].real
    if what == "eigenvalues":
        eig = np.linalg.eigvals(A)
        diff = max(np.abs(np.sort(eig.real) - np.sort(sampled.ravel())).max(), np.abs(eig.imag).max())
    else:
        diff = np.abs(np.linalg.svd(A, compute_uv=False) - np.sort(np.abs(sampled).ravel())[::-1]).max()
    return dict(transform=transform, compared=what, grid=grid(n), max_diff_closed_form=float(diff))


def _singular_values(kernel, n):
    """Singular values of every 'same' matrix against the sorted |H|."""
    if not (np.array_equal(kernel, kernel[::-1]) and np.array_equal(kernel, kernel[:, ::-1])):
        raise ValueError("the closed forms need a kernel symmetric in each axis")
    h = np.sort(np.abs(psf2otf(kernel, (n, n))).ravel())[::-1]
    rules, table = {}, []
    for boundary in BOUNDARIES:
        A = convolution_matrix(kernel, (n, n), boundary=boundary, output="same").toarray()
        sigma = np.linalg.svd(A, compute_uv=False)
        diff = np.abs(sigma - h)
        relative = diff / h
        rules[boundary] = sigma
        table.append(dict(boundary=boundary, max_abs_diff_H=float(diff.max()), argmax=int(diff.argmax()),
                          max_rel_diff_H=float(relative.max()), argmax_rel=int(relative.argmax()),
                          sigma_min=float(sigma[-1]), H_min=float(h[-1]),
                          near_zero=int(np.sum(sigma < RANK_TOL * sigma[0])),
                          **_closed_form(kernel, n, boundary, A)))
    same = {b: convolution_matrix(kernel, (n, n), boundary=b, output="same") for b in ("replicate", "symmetric")}
    return dict(size=n, kernel=kernel, H_sorted=h, sigma=rules, table=table,
                replicate_minus_symmetric=float(abs(same["replicate"] - same["symmetric"]).max()))


def _kernel_text(kernel) -> str:
    rows = ", ".join("[" + ", ".join(f"{v:g}" for v in row) + "]" for row in np.asarray(kernel))
    return f"[{rows}]"


def compute(quick: bool = False, progress: bool = False, **setup) -> dict:
    """Matrices, their checks against scipy and the singular values.

    Parameters
    ----------
    quick : bool, optional
        Ignored: the study is small (about a second) either way.
    progress : bool, optional
        Ignored (nothing long-running).
    **setup
        shown : (int, int)
            Kernel size and image size of the pictures (a kernel of ones;
            default (3, 6)).
        checked : sequence of (int, int)
            (kernel size, image size) of the random kernels whose matrices
            are checked too (default ((3, 6), (5, 8))); `shown` is added
            when missing, since the pictures name the structure found for it.
        svd_kernel : array_like, 3x3
            Kernel of the singular value comparison, symmetric in each axis
            (the closed forms need it; default the cross
            [[0, 1, 0], [1, 1, 1], [0, 1, 0]]).
        svd_size : int
            Its image is svd_size x svd_size (default 16).
        seed : int
            Seed of the random kernels (default 0).

    Returns
    -------
    dict
        ``setup``, ``shown`` (kernel size, image size and ``|A|`` per rule
        and window), ``svd`` (singular values, sorted ``|H|``, per-rule
        comparison) and ``tables``: ``checks`` (one row per case, rule and
        window) and ``singular_values`` (one row per rule).

    Raises
    ------
    TypeError
        Naming an unknown setup keyword.
    ValueError
        When `svd_kernel` is not 3x3 and symmetric in each axis.
    """
    settings = study_setup(dict(shown=SHOWN, checked=CHECKED, svd_kernel=CROSS, svd_size=SVD_SIZE, seed=0),
                           setup, study=NAME)
    m, n = (int(v) for v in settings["shown"])
    checked = tuple(dict.fromkeys([(m, n), *((int(a), int(b)) for a, b in settings["checked"])]))
    kernel = np.asarray(settings["svd_kernel"], dtype=float)
    if kernel.shape != (3, 3) or not (np.array_equal(kernel, kernel[::-1]) and np.array_equal(kernel, kernel[:, ::-1])):
        raise ValueError(f"svd_kernel must be 3x3 and symmetric in each axis (the closed forms need it); "
                         f"got {kernel.tolist()}")
    rng = np.random.default_rng(settings["seed"])
    checks = _check_rows(f"ones {m}x{m} on {n}x{n} (shown)", np.ones((m, m)), n)
    for km, kn in checked:
        checks += _check_rows(f"random {km}x{km} on {kn}x{kn}", rng.standard_normal((km, km)), kn)
    svd = _singular_values(kernel, int(settings["svd_size"]))
    return dict(setup=dict(shown=(m, n), checked=checked, svd_kernel=kernel, svd_size=int(settings["svd_size"]),
                           seed=settings["seed"]),
                shown=dict(kernel_size=m, image_size=n, matrices=_matrices_shown(m, n)),
                svd={k: v for k, v in svd.items() if k != "table"},
                tables=dict(checks=checks, singular_values=svd["table"]))


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------

def _structure(row, tol=1e-12):
    """Name of the structure a row of the checks table shows."""
    if row["circulant"] < tol and row["rows"] == row["cols"]:
        return "block-circulant"
    if row["toeplitz"] < tol:
        return "Toeplitz-block-Toeplitz"
    if row["toeplitz_plus_hankel"] < tol:
        return "Toeplitz-plus-Hankel"
    return "Toeplitz + edge corrections"


def _structures(data, kernel_size, image_size):
    """{(boundary, output): structure name} for a random kernel's checks."""
    case = f"random {kernel_size}x{kernel_size} on {image_size}x{image_size}"
    return {(r["boundary"], r["output"]): _structure(r) for r in data["tables"]["checks"] if r["case"] == case}


def _draw_sparsity(data):
    shown = data["shown"]
    k, n = shown["kernel_size"], shown["image_size"]
    matrices = shown["matrices"]
    structures = _structures(data, k, n)
    top = int(max(np.max(A) for per_rule in matrices.values() for A in per_rule.values()))
    cmap = ListedColormap(colormaps["YlGnBu"](np.linspace(0.3, 1.0, top)))
    norm = BoundaryNorm(np.arange(0.5, top + 1), cmap.N)
    heights = [len(matrices["zero"][o]) for o in OUTPUTS]  # rows of each window's matrices
    fig, axes = figure(len(OUTPUTS), len(matrices), width=3.0, height=3.3,
                       gridspec_kw=dict(height_ratios=heights))
    for c, (boundary, per_rule) in enumerate(matrices.items()):
        for r, (output, A) in enumerate(per_rule.items()):
            ax = axes[r, c]
            handle = ax.imshow(np.ma.masked_equal(A, 0), cmap=cmap, norm=norm, interpolation="nearest")
            ax.set_title(f"{boundary}, {output}: {A.shape[0]}x{A.shape[1]}\n{structures[boundary, output]}",
                         fontsize=9)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_ylabel("output pixel (row-major index)", fontsize=8)
            if r == len(OUTPUTS) - 1:
                ax.set_xlabel("image pixel (row-major index)", fontsize=8)
    bar = fig.colorbar(handle, ax=axes, shrink=0.5, ticks=np.arange(1, top + 1))
    bar.set_label("kernel taps merged on the entry")
    fig.suptitle(f"|A| for convolution with a {k}x{k} kernel of ones on a {n}x{n} image "
                 "(columns: boundary rule; rows: output window; white: zero)\n"
                 f"structure named from the same matrices for a random {k}x{k} kernel")
    return fig


def _draw_singular_values(data, tail=40):
    svd = data["svd"]
    h = np.asarray(svd["H_sorted"])
    index = np.arange(1, h.size + 1)
    end = index > h.size - tail
    fig, (ax, ax_end, ax_diff) = figure(1, 3, width=4.4, height=3.9)
    styles = dict(zip(BOUNDARIES, ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))))
    markers = dict(zip(BOUNDARIES, "o^sxv"))
    eps = np.finfo(float).eps
    for a, part in ((ax, slice(None)), (ax_end, end)):
        a.semilogy(index[part], h[part], "k-", lw=4, alpha=0.3, label="sorted |H| (psf2otf)")
    labels = {b: b for b in BOUNDARIES}
    if svd["replicate_minus_symmetric"] == 0:
        labels["replicate"] = "replicate (= symmetric here)"
    for boundary, sigma in svd["sigma"].items():
        sigma = np.maximum(np.asarray(sigma), eps * h[0])
        label = labels[boundary]
        ax.semilogy(index, sigma, ls=styles[boundary], lw=1.4, label=label)
        ax_end.semilogy(index[end], sigma[end], ls=styles[boundary], marker=markers[boundary], ms=3, lw=1,
                        label=label)
        ax_diff.semilogy(index, np.maximum(np.abs(sigma - h) / h, eps), ls="none", marker=markers[boundary],
                         ms=2.5, alpha=0.7, label=label)
    n = svd["size"]
    ax.set(xlabel="index k (descending order)", ylabel=log_axis_label("singular value sigma_k"),
           title=f"'same' matrices of {_kernel_text(svd['kernel'])} on {n}x{n}\n(zeros floored at eps * sigma_1)")
    smallest = min(np.min(s[end]) for s in map(np.asarray, svd["sigma"].values()) if np.min(s[end]) > 1e-8 * h[0])
    ax_end.set_ylim(smallest / 2, 2 * h[end].max())
    ax_end.set(xlabel="index k (descending order)", ylabel=log_axis_label("singular value sigma_k"),
               title=f"the small end: last {tail} values\n(the singular ones of reflect below the axis)")
    ax_diff.set(xlabel="index k (descending order)", ylabel=log_axis_label("|sigma_k - |H|_(k)| / |H|_(k)"),
                title="relative difference from the sorted |H|\n(floored at eps)")
    for a in (ax, ax_end, ax_diff):
        a.legend(fontsize=7)
    return fig


def draw(data: dict) -> dict:
    """``sparsity`` (the grid of ``|A|``) and ``singular_values``."""
    return {"sparsity": _draw_sparsity(data), "singular_values": _draw_singular_values(data)}


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------

def _pivot(rows, value, fmt="{:.1e}"):
    """Markdown table boundary x output of the max of `value` over rows."""
    lines = ["| boundary | " + " | ".join(OUTPUTS) + " |", "|---" * (len(OUTPUTS) + 1) + "|"]
    for boundary in BOUNDARIES:
        cells = [fmt.format(max(r[value] for r in rows if r["boundary"] == boundary and r["output"] == o))
                 for o in OUTPUTS]
        lines.append(f"| {boundary} | " + " | ".join(cells) + " |")
    return lines


def _structure_lines(rows):
    lines = ["| case | boundary | Toeplitz defect | circulant defect | Toeplitz+Hankel residual | structure |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        if r["output"] == "same" and r["case"].startswith("random"):
            lines.append(f"| {r['case']} | {r['boundary']} | {r['toeplitz']:.1e} | {r['circulant']:.1e} | "
                         f"{r['toeplitz_plus_hankel']:.1e} | {_structure(r)} |")
    return lines


def _svd_lines(svd_rows):
    lines = ["| boundary | max abs difference from sorted abs H (k) | max relative difference (k) | smallest sigma "
             "| sigma < 1e-12 sigma_1 | closed form | its max difference |", "|---|---|---|---|---|---|---|"]
    for r in svd_rows:
        values = "singular values = abs H" if r["compared"] == "singular values" else "eigenvalues = H"
        lines.append(f"| {r['boundary']} | {r['max_abs_diff_H']:.2e} ({r['argmax'] + 1}) | "
                     f"{r['max_rel_diff_H']:.2e} ({r['argmax_rel'] + 1}) | {r['sigma_min']:.3g} | {r['near_zero']} | "
                     f"{values} on the {r['grid']}-point {r['transform']} grid | {r['max_diff_closed_form']:.1e} |")
    return lines


def _agreement_paragraph(checks):
    cases = list(dict.fromkeys(r["case"] for r in checks))
    worst = max(r["max_abs_diff_scipy"] for r in checks)
    return [f"Every matrix equals the one scipy builds column by column (max abs difference {worst:.1e} over "
            f"{len(checks)} matrices: {'; '.join(cases)}); largest difference per rule and window:", "",
            *_pivot(checks, "max_abs_diff_scipy")]


def _structure_paragraph(data):
    checks = data["tables"]["checks"]
    k, n = data["setup"]["checked"][-1]
    found = _structures(data, k, n)
    valid = max(r["max_abs_diff_zero_rule"] for r in checks if r["output"] == "valid")
    same = "; ".join(f"{b}: {found[b, 'same']}" for b in BOUNDARIES)
    full = "; ".join(f"{b}: {found[b, 'full']}" for b in BOUNDARIES)
    return [f"Structure for the random {k}x{k} kernel on {n}x{n}, 'same' window: {same}. 'full' window: {full}. "
            f"The 'valid' window reads no boundary: its matrices differ from the zero rule's by {valid:.1e} "
            "for every rule and kernel.", "", *_structure_lines(checks)]


def _singular_value_paragraph(data):
    svd = data["svd"]
    by_rule = {r["boundary"]: r for r in data["tables"]["singular_values"]}
    circ, total = by_rule["circular"], len(svd["H_sorted"])
    others = [by_rule[b] for b in BOUNDARIES if b != "circular"]
    singular = [r["boundary"] for r in others if r["near_zero"]]
    text = (f"Singular values of the 'same' matrices of the kernel {_kernel_text(svd['kernel'])} on "
            f"{svd['size']}x{svd['size']} against the "
            f"{total} sorted |H|: for circular they coincide (max difference {circ['max_abs_diff_H']:.1e}), "
            "the DFT diagonalising the block-circulant matrix. The other rules differ by up to "
            f"{min(r['max_abs_diff_H'] for r in others):.2f}-{max(r['max_abs_diff_H'] for r in others):.2f} "
            "in absolute terms, and relatively most at k = "
            + ", ".join(f"{r['argmax_rel'] + 1} ({r['boundary']}: {r['max_rel_diff_H']:.0%})" for r in others)
            + ": their smallest singular values are "
            + ", ".join(f"{r['sigma_min']:.2g} ({r['boundary']})" for r in others)
            + f" against a smallest |H| of {circ['H_min']:.3g}. Each is |H| sampled on another frequency grid "
            "(closed forms below, for a 3x3 kernel symmetric in each axis).")
    if singular:
        text += (f" Singular although |H| is not: {', '.join(singular)} "
                 f"({', '.join(str(by_rule[b]['near_zero']) for b in singular)} singular values below "
                 f"{RANK_TOL:g} sigma_1).")
    text += (" With a 3x3 kernel replicate and symmetric extend by the same single sample: their 'same' matrices "
             f"differ by {svd['replicate_minus_symmetric']:.1e}.")
    return [text, "", *_svd_lines(data["tables"]["singular_values"])]


def summarize(data: dict) -> str:
    """The agreement with scipy, the structures and the singular values, in Markdown."""
    return "\n".join([*_agreement_paragraph(data["tables"]["checks"]), "", *_structure_paragraph(data), "",
                      *_singular_value_paragraph(data)])
