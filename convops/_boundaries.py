"""The one table of boundary rules and output windows.

Every other module validates names, writes error messages and documents
options from the tables here; tests are parametrised from them too.

A boundary rule is an *index map*: it sends an index ``e`` of the extended
signal (any integer, negative or beyond the end) to the index of the image
sample it copies, or to ``-1`` where the extension is zero.  Because the map
is periodic where the rule is (numpy.pad's repeated reflection), a kernel
larger than the image needs no special case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._validation import check_option

__all__ = [
    "BoundaryRule",
    "BOUNDARIES",
    "BOUNDARY_ALIASES",
    "OUTPUTS",
    "LIBRARIES",
    "LIBRARY_ALIASES",
    "canonical_boundary",
    "canonical_output",
    "boundary_from",
    "boundary_to",
]


def _zero(e: np.ndarray, n: int) -> np.ndarray:
    return np.where((e >= 0) & (e < n), e, -1)


def _circular(e: np.ndarray, n: int) -> np.ndarray:
    return np.mod(e, n)


def _replicate(e: np.ndarray, n: int) -> np.ndarray:
    return np.clip(e, 0, n - 1)


def _symmetric(e: np.ndarray, n: int) -> np.ndarray:
    r = np.mod(e, 2 * n)
    return np.where(r < n, r, 2 * n - 1 - r)


def _reflect(e: np.ndarray, n: int) -> np.ndarray:
    if n == 1:
        return np.zeros_like(e)
    r = np.mod(e, 2 * n - 2)
    return np.where(r < n, r, 2 * n - 2 - r)


def _no_period(n: int) -> None:
    return None


@dataclass(frozen=True)
class BoundaryRule:
    """One boundary rule and its names elsewhere.

    Attributes
    ----------
    name : str
        Canonical name used throughout this package.
    picture : str
        What the rule does to the signal ``a b c d`` (two samples each side).
    numpy_pad, ndimage, signal, matlab : str or None
        The rule's name in ``numpy.pad``, ``scipy.ndimage`` filters,
        ``scipy.signal.convolve2d`` (``boundary=``) and MATLAB
        (``imfilter``/``padarray``); ``None`` where the library lacks it.
    index_map : callable
        ``index_map(e, n)`` maps extended indices ``e`` (int array) of a
        signal of length ``n`` to sample indices, ``-1`` meaning zero.
    period : callable
        ``period(n)``: the period of the index map on a signal of length
        ``n`` (``n`` for ``circular``, ``2n`` for ``symmetric``, ``2n - 2``
        for ``reflect``), or ``None`` where the extension is not periodic.
    """

    name: str
    picture: str
    numpy_pad: str
    ndimage: str
    signal: str | None
    matlab: str | None
    index_map: Callable[[np.ndarray, int], np.ndarray]
    period: Callable[[int], int | None] = _no_period

    def extend(self, e, n: int) -> np.ndarray:
        """Map extended indices ``e`` onto ``range(n)`` (``-1``: zero)."""
        return self.index_map(np.asarray(e, dtype=np.int64), int(n))


#: Canonical boundary rules, in the order used in docs and tests.
BOUNDARIES: dict[str, BoundaryRule] = {
    rule.name: rule
    for rule in (
        BoundaryRule("zero", "0 0 | a b c d | 0 0", "constant", "constant", "fill", "0", _zero),
        BoundaryRule("circular", "c d | a b c d | a b", "wrap", "wrap", "wrap", "circular", _circular,
                     lambda n: n),
        BoundaryRule("replicate", "a a | a b c d | d d", "edge", "nearest", None, "replicate", _replicate),
        BoundaryRule("symmetric", "b a | a b c d | d c", "symmetric", "reflect", "symm", "symmetric", _symmetric,
                     lambda n: 2 * n),
        BoundaryRule("reflect", "c b | a b c d | c b", "reflect", "mirror", None, None, _reflect,
                     lambda n: max(2 * n - 2, 1)),
    )
}

#: Other accepted spellings of canonical names.  Our ``'mirror'`` is our
#: ``'symmetric'`` (``b a | a b c d``, scipy.ndimage's ``'reflect'``), NOT
#: scipy.ndimage's ``'mirror'`` (which is our ``'reflect'``, ``c b | a b c d``);
#: translate scipy.ndimage's names with ``boundary_from(name, 'scipy.ndimage')``.
BOUNDARY_ALIASES: dict[str, str] = {"mirror": "symmetric"}

#: Output windows and the length of each output axis for an image axis of
#: length ``n`` and a kernel axis of length ``m``.
OUTPUTS: dict[str, str] = {
    "same": "n (the image's size; centre of the kernel at index m//2)",
    "full": "n + m - 1 (every output that touches the image)",
    "valid": "n - m + 1 (no boundary needed; requires m <= n)",
}

# Names other libraries give to our rules (beyond each rule's main name).
# scipy.signal: every key of scipy/signal/_signaltools.py's ``_boundarydict``
# that convolve2d runs ('reflect' is in that dict but convolve2d refuses it).
_EXTRA_NAMES: dict[str, dict[str, str]] = {
    "numpy": {},
    "ndimage": {"grid-constant": "zero", "grid-wrap": "circular", "grid-mirror": "symmetric"},
    "signal": {"pad": "zero", "circular": "circular", "symmetric": "symmetric"},
    "matlab": {"0": "zero", "zero": "zero", "conv2": "zero"},
}

#: Libraries whose mode names :func:`boundary_from` understands.
LIBRARIES: tuple[str, ...] = ("numpy", "ndimage", "signal", "matlab")

#: Other accepted spellings of the library names (the modules' full names).
LIBRARY_ALIASES: dict[str, str] = {
    "numpy.pad": "numpy",
    "np.pad": "numpy",
    "scipy.ndimage": "ndimage",
    "scipy.signal": "signal",
    "scipy.signal.convolve2d": "signal",
    "octave": "matlab",
}

_LIBRARY_FIELD = {"numpy": "numpy_pad", "ndimage": "ndimage", "signal": "signal", "matlab": "matlab"}


def _library(name) -> str:
    return check_option(name, "library", LIBRARIES, LIBRARY_ALIASES)


def _allowed_boundaries() -> str:
    aliases = ", ".join(f"{a!r} for {c!r}" for a, c in BOUNDARY_ALIASES.items())
    return f"{', '.join(map(repr, BOUNDARIES))} (alias {aliases})"


def canonical_boundary(name) -> str:
    """Return the canonical name of a boundary rule.

    Parameters
    ----------
    name : str
        A canonical name (``'zero'``, ``'circular'``, ``'replicate'``,
        ``'symmetric'``, ``'reflect'``) or an alias (``'mirror'``), in any
        case.  Our alias ``'mirror'`` is our ``'symmetric'``
        (``b a | a b c d``, scipy.ndimage's ``'reflect'``), NOT
        scipy.ndimage's ``'mirror'``; use :func:`boundary_from` for other
        libraries' names.

    Returns
    -------
    str
        The canonical name.

    Raises
    ------
    TypeError
        If `name` is not a string.
    ValueError
        If `name` is not a known rule; the message lists the allowed names
        and suggests :func:`boundary_from` for other libraries' names.

    Examples
    --------
    >>> canonical_boundary("mirror")
    'symmetric'
    """
    if not isinstance(name, str):
        raise TypeError(f"boundary must be a str, got {type(name).__name__} {name!r}; "
                        f"allowed: {_allowed_boundaries()}")
    try:
        return check_option(name, "boundary", BOUNDARIES, BOUNDARY_ALIASES)
    except ValueError:
        hint = ""
        for lib in LIBRARIES:
            try:
                hint = f"; {name!r} is {lib}'s name for {boundary_from(name, lib)!r}, see boundary_from()"
                break
            except ValueError:
                continue
        raise ValueError(f"unknown boundary {name!r}; allowed: {_allowed_boundaries()}{hint}") from None


def canonical_output(name) -> str:
    """Return the output window name, validated against :data:`OUTPUTS`
    (any case).

    Raises
    ------
    TypeError, ValueError
        If `name` is not one of ``'same'``, ``'full'``, ``'valid'``.

    Examples
    --------
    >>> canonical_output("Full")
    'full'
    """
    return check_option(name, "output", OUTPUTS)


def boundary_from(name, library: str) -> str:
    """Translate another library's boundary mode name into ours.

    The same word means different rules in different libraries: numpy's
    ``'reflect'`` is scipy.ndimage's ``'mirror'`` (``c b | a b c d``), and
    numpy's ``'symmetric'`` is scipy.ndimage's ``'reflect'``
    (``b a | a b c d``).  Our own alias ``'mirror'`` is our ``'symmetric'``
    (scipy.ndimage's ``'reflect'``), NOT scipy.ndimage's ``'mirror'``:
    ``boundary_from('mirror', 'scipy.ndimage')`` is ``'reflect'``.

    ==================  ==========================================================
    library             names (ours in brackets)
    ==================  ==========================================================
    ``numpy``           constant (zero), wrap (circular), edge (replicate),
                        symmetric (symmetric), reflect (reflect)
    ``ndimage``         constant, grid-constant (zero), wrap, grid-wrap
                        (circular), nearest (replicate), reflect, grid-mirror
                        (symmetric), mirror (reflect)
    ``signal``          fill, pad (zero), wrap, circular (circular), symm,
                        symmetric (symmetric); convolve2d has no replicate or
                        reflect rule
    ``matlab``          0, zero, conv2 (zero), circular, replicate, symmetric
    ==================  ==========================================================

    Parameters
    ----------
    name : str or int
        The mode name in `library`, in any case (MATLAB's numeric ``0`` is
        accepted).
    library : {'numpy', 'ndimage', 'signal', 'matlab'}
        ``numpy.pad``, ``scipy.ndimage`` filters, ``scipy.signal.convolve2d``
        or MATLAB's ``imfilter``/``padarray``; the full module names
        ``'numpy.pad'``, ``'scipy.ndimage'``, ``'scipy.signal'`` (see
        :data:`LIBRARY_ALIASES`) and any case are accepted too.

    Returns
    -------
    str
        Canonical boundary name.

    Raises
    ------
    ValueError
        If the library is unknown or has no such mode, or the mode has no
        counterpart here (e.g. ndimage's ``'constant'`` with ``cval != 0``
        is not representable; only the zero constant is).

    Examples
    --------
    >>> boundary_from("reflect", "scipy.ndimage")
    'symmetric'
    >>> boundary_from("mirror", "scipy.ndimage")
    'reflect'
    >>> boundary_from("reflect", "numpy")
    'reflect'
    >>> boundary_from("symm", "scipy.signal")
    'symmetric'
    >>> boundary_from(0, "matlab")
    'zero'
    """
    library = _library(library)
    if isinstance(name, (bool, np.bool_)) or not isinstance(name, (str, int, np.integer)):
        raise TypeError(f"name must be a str (or MATLAB's 0), got {type(name).__name__} {name!r}")
    key = str(name).casefold()
    field = _LIBRARY_FIELD[library]
    known = {getattr(rule, field): rule.name for rule in BOUNDARIES.values() if getattr(rule, field)}
    known.update(_EXTRA_NAMES[library])
    if key not in known:
        raise ValueError(
            f"{library} has no boundary mode {name!r} that this package supports; "
            f"allowed: {', '.join(map(repr, sorted(known)))}"
        )
    return known[key]


def boundary_to(name: str, library: str) -> str | None:
    """Name of our boundary rule `name` in `library` (``None`` if it has none).

    Examples
    --------
    >>> boundary_to("symmetric", "ndimage")
    'reflect'
    >>> boundary_to("mirror", "scipy.ndimage")  # our alias 'mirror' is 'symmetric'
    'reflect'
    """
    library = _library(library)
    return getattr(BOUNDARIES[canonical_boundary(name)], _LIBRARY_FIELD[library])
