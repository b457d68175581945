"""Input validation and the one dtype rule.

The dtype rule (modelled on scikit-image's ``_supported_float_type``):
float32, float64, complex64 and complex128 are kept; booleans and integers
become float64; float16 becomes float32; extended precision becomes the
64-bit type of the same kind.  Anything else (objects, strings, dates) is a
``TypeError``.  Several inputs combine by numpy's promotion of their
supported types (float32 with complex128 gives complex128).
"""

from __future__ import annotations

import math
import numbers
import reprlib

import numpy as np

__all__ = ["float_dtype", "as_float_array", "check_kernel", "check_shape", "check_origin", "check_real",
           "check_int", "ints_per_axis", "check_option", "check_max_bytes", "check_allocation",
           "DEFAULT_MAX_BYTES", "AllocationTooLargeError"]

#: Default limit, in bytes, on any allocation whose size comes from the
#: caller's numbers (a matrix, an FFT grid, an extended image), chosen for a
#: 24 GiB machine.
DEFAULT_MAX_BYTES = 4 * 2**30


class AllocationTooLargeError(MemoryError, ValueError):
    """An allocation would exceed the memory limit (``max_bytes``).

    It is both a ``MemoryError`` and a ``ValueError`` so that either
    ``except`` clause catches it.
    """


def check_option(value, name: str, allowed, aliases=None) -> str:
    """The one rule for option strings: a ``str``, compared without regard
    to case, returned in its canonical spelling.

    Parameters
    ----------
    value : str
        The option as given.
    name : str
        Name of the argument, used in error messages.
    allowed : iterable of str
        Canonical spellings.
    aliases : dict, optional
        Other accepted spellings (any case) mapped to canonical ones.

    Returns
    -------
    str
        The canonical spelling.

    Raises
    ------
    TypeError
        If `value` is not a string.
    ValueError
        If `value` is not an allowed spelling; the message lists them.

    Examples
    --------
    >>> check_option("f", "order", ("C", "F"))
    'F'
    >>> check_option("Mirror", "boundary", ("zero", "symmetric"), {"mirror": "symmetric"})
    'symmetric'
    """
    allowed = tuple(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r}; "
                        f"allowed: {', '.join(map(repr, allowed))}")
    table = {a.casefold(): a for a in allowed}
    for alias, target in (aliases or {}).items():
        table.setdefault(alias.casefold(), target)
    key = value.casefold()
    if key not in table:
        extra = f" (aliases {', '.join(map(repr, aliases))})" if aliases else ""
        raise ValueError(f"unknown {name} {value!r}; allowed: {', '.join(map(repr, allowed))}{extra}")
    return table[key]


def check_max_bytes(max_bytes) -> float:
    """A memory limit: a finite, positive number of bytes.

    Raises
    ------
    TypeError
        Not a real number (booleans refused).
    ValueError
        NaN, infinite, zero or negative.
    """
    if isinstance(max_bytes, (bool, np.bool_)) or np.ndim(max_bytes) != 0 \
            or np.asarray(max_bytes).dtype.kind not in "iuf":
        raise TypeError(f"max_bytes must be a positive number of bytes, got {max_bytes!r}")
    value = float(max_bytes)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"max_bytes must be a positive number of bytes, finite and > 0; got {max_bytes!r}")
    return value


def check_allocation(nbytes, what: str, max_bytes=DEFAULT_MAX_BYTES, *, hint: str = "",
                     error=AllocationTooLargeError) -> int:
    """Refuse, before allocating, an estimated `nbytes` above `max_bytes`.

    Parameters
    ----------
    nbytes : int
        Estimated bytes (compute it with Python integers, which do not
        overflow).
    what : str
        What would be allocated, with its shape (it starts the message).
    max_bytes : float
        The limit (validated by :func:`check_max_bytes`).
    hint : str, optional
        What to do instead, appended to the message.
    error : type, optional
        Exception class raised (a subclass of :class:`AllocationTooLargeError`).

    Returns
    -------
    int
        `nbytes`, when it fits.

    Raises
    ------
    AllocationTooLargeError
        If ``nbytes > max_bytes``; the message gives both sizes in GiB.

    Examples
    --------
    >>> check_allocation(8 * 10**6, "a grid of shape (1000, 1000)")
    8000000
    >>> check_allocation(8 * 10**10, "a grid of shape (100000, 100000)")
    Traceback (most recent call last):
    ...
    convops._validation.AllocationTooLargeError: a grid of shape (100000, 100000) would need about 74.51 GiB, above max_bytes = 4.00 GiB; raise max_bytes to allow it
    """
    limit = check_max_bytes(max_bytes)
    nbytes = int(nbytes)
    if nbytes > limit:
        advice = hint or "raise max_bytes to allow it"
        raise error(f"{what} would need about {nbytes / 2**30:.2f} GiB, above max_bytes = "
                    f"{limit / 2**30:.2f} GiB; {advice}")
    return nbytes


def _one_float_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype.kind == "f":
        if dtype.itemsize <= 2:
            return np.dtype(np.float32)
        return dtype if dtype.itemsize in (4, 8) else np.dtype(np.float64)
    if dtype.kind == "c":
        return dtype if dtype.itemsize in (8, 16) else np.dtype(np.complex128)
    raise TypeError(
        f"unsupported dtype {dtype}; allowed: bool, integers, float16/32/64, complex64/128"
    )


def float_dtype(*args) -> np.dtype:
    """The floating dtype the package computes in for the given inputs.

    Parameters
    ----------
    *args : array_like or dtype
        Arrays, scalars or dtypes.

    Returns
    -------
    numpy.dtype
        One of float32, float64, complex64, complex128.

    Raises
    ------
    TypeError
        If an input has a non-numeric dtype.

    Examples
    --------
    >>> float_dtype(np.int16)
    dtype('float64')
    >>> float_dtype(np.float32, np.complex64)
    dtype('complex64')
    """
    if not args:
        return np.dtype(np.float64)
    dtypes = []
    for a in args:
        if isinstance(a, (np.dtype, type)) or (isinstance(a, str) and not isinstance(a, np.ndarray)):
            dtypes.append(_one_float_dtype(a))
        else:
            dtypes.append(_one_float_dtype(np.asarray(a).dtype))
    return np.result_type(*dtypes)


def all_finite(arr: np.ndarray) -> bool:
    """Whether every value of a float or complex array is finite: NaN propagates through ``min`` and
    ``max`` and an infinity is one of them, so two reductions decide it without a boolean temporary."""
    parts = (arr.real, arr.imag) if np.iscomplexobj(arr) else (arr,)
    return all(bool(np.isfinite(np.min(p)) and np.isfinite(np.max(p))) for p in parts if p.size)


def as_float_array(a, name: str, *, dtype=None, finite: bool = True) -> np.ndarray:
    """Convert `a` to an ndarray of the package's float dtype.

    Parameters
    ----------
    a : array_like
        Input values.
    name : str
        Name used in error messages.
    dtype : dtype, optional
        Dtype to use instead of the rule's choice for `a` alone.
    finite : bool
        Reject NaN and infinity.

    Raises
    ------
    TypeError
        For non-numeric input.
    ValueError
        For empty input or (with `finite`) non-finite values.
    """
    try:
        arr = np.asarray(a)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{name} must be a rectangular array of numbers, got the ragged sequence "
                         f"{reprlib.repr(a)} ({exc})") from None
    if arr.dtype == object:
        try:
            arr = arr.astype(np.complex128 if any(isinstance(v, complex) for v in arr.flat) else np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be numeric, got an array of Python objects") from None
    try:
        target = float_dtype(arr) if dtype is None else np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None
    arr = np.asarray(arr, dtype=target)
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); it needs at least one element")
    if finite and not all_finite(arr):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} non-finite value(s) (NaN or inf); all must be finite")
    return arr


def check_kernel(kernel, ndim: int | None = None, *, name: str = "kernel") -> np.ndarray:
    """Validate a convolution kernel and convert it by the dtype rule.

    Raises
    ------
    TypeError
        Non-numeric kernel.
    ValueError
        Empty kernel, a zero-dimensional kernel, non-finite values, or a
        kernel whose number of dimensions differs from `ndim`.
    """
    k = as_float_array(kernel, name)
    if k.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension, got the scalar {k.item()!r}")
    if ndim is not None and k.ndim != ndim:
        raise ValueError(f"{name} has {k.ndim} dimension(s) (shape {k.shape}) but the image shape has {ndim}")
    return k


def check_shape(shape, *, name: str = "shape") -> tuple[int, ...]:
    """Validate an image shape: positive integers (an int means 1-D).

    Raises
    ------
    TypeError
        Non-integer entries (floats, even whole ones, are refused).
    ValueError
        Empty shape or entries < 1.
    """
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        items = tuple(shape)
    except TypeError:
        raise TypeError(f"{name} must be an int or a tuple of ints, got {shape!r}") from None
    if not items:
        raise ValueError(f"{name} must have at least one dimension, got {shape!r}")
    out = []
    for s in items:
        if isinstance(s, bool) or not isinstance(s, (numbers.Integral, np.integer)):
            raise TypeError(f"{name} entries must be integers, got {s!r} in {shape!r}")
        if s < 1:
            raise ValueError(f"{name} entries must be positive, got {s!r} in {shape!r}")
        out.append(int(s))
    return tuple(out)


def _is_int(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_real(value, name: str, *, low: float = 0.0, high: float = math.inf, low_open: bool = False) -> float:
    """A finite real number in ``[low, high]`` (``(low, high]`` with `low_open`).

    Raises
    ------
    TypeError
        Not a real number (booleans and strings are refused; numpy scalars
        and 0-d arrays are accepted).
    ValueError
        Non-finite or out of range; the message gives the allowed range.
    """
    if isinstance(value, (bool, np.bool_)) or np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    if not math.isfinite(value) or too_low or value > high:
        if high == math.inf:
            rule = f"{'>' if low_open else '>='} {low:g}"
            raise ValueError(f"{name} must be a finite number {rule}, got {value!r}")
        raise ValueError(f"{name} must lie in {'(' if low_open else '['}{low:g}, {high:g}], got {value!r}")
    return value


def check_int(value, name: str, *, minimum: int | None = None) -> int:
    """An integer (not a bool or a float), at least `minimum` when given."""
    if not _is_int(value):
        rule = "" if minimum is None else f" >= {minimum}"
        raise TypeError(f"{name} must be an integer{rule}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def ints_per_axis(value, ndim: int, name: str) -> tuple[int, ...]:
    """One integer per axis: an int is repeated, a sequence must have `ndim` ints.

    Raises
    ------
    TypeError
        Not an int or a sequence of ints.
    ValueError
        A sequence with the wrong number of entries.
    """
    if _is_int(value):
        return (int(value),) * ndim
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be an int or a sequence of ints, got {value!r}") from None
    if len(items) != ndim:
        raise ValueError(f"{name} {value!r} has {len(items)} entries; the kernel has {ndim} dimension(s)")
    for item in items:
        if not _is_int(item):
            raise TypeError(f"{name} entries must be integers, got {item!r} in {value!r}")
    return tuple(int(i) for i in items)


def check_origin(origin, kernel_shape: tuple[int, ...], output: str) -> tuple[int, ...]:
    """Validate an origin (scipy.ndimage's meaning) for each axis.

    The allowed range on an axis of kernel length ``m`` is
    ``-(m // 2) <= origin <= (m - 1) // 2``.  A non-zero origin is only
    meaningful for the ``'same'`` output window.

    Raises
    ------
    TypeError
        Non-integer origin.
    ValueError
        Wrong number of entries, out of range, or non-zero with an output
        other than ``'same'``.
    """
    origins = ints_per_axis(origin, len(kernel_shape), "origin")
    for axis, (o, m) in enumerate(zip(origins, kernel_shape)):
        lo, hi = -(m // 2), (m - 1) // 2
        if not lo <= o <= hi:
            raise ValueError(
                f"origin {o} on axis {axis} is out of range for a kernel of length {m}; "
                f"allowed {lo} <= origin <= {hi}"
            )
    if output != "same" and any(origins):
        raise ValueError(f"origin {origin!r} applies to output='same' only; got output={output!r}")
    return origins
