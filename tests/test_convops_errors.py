"""Bad input gets a clear error naming the value and what is allowed; the
memory guard answers before allocating."""

import time
import tracemalloc

import numpy as np
import pytest

from convops import MatrixTooLargeError, convolution_matrix, convolution_operator, psf2otf

BUILDERS = [convolution_matrix, convolution_operator]
K = np.ones((3, 3))


@pytest.mark.parametrize("build", BUILDERS, ids=["matrix", "operator"])
@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(boundary="wrap"), ValueError, r"unknown boundary 'wrap'; allowed: 'zero', 'circular'"),
    (dict(boundary=None), TypeError, r"boundary must be a str, got NoneType"),
    (dict(output="half"), ValueError, r"unknown output 'half'; allowed: 'same', 'full', 'valid'"),
    (dict(kernel=np.array([[1.0, np.nan, 0.0]])), ValueError, r"kernel contains 1 non-finite"),
    (dict(kernel=np.array([[np.inf]])), ValueError, r"kernel contains 1 non-finite"),
    (dict(kernel=np.zeros((0, 3))), ValueError, r"kernel is empty \(shape \(0, 3\)\)"),
    (dict(kernel=np.array(2.0)), ValueError, r"kernel must have at least one dimension, got the scalar 2.0"),
    (dict(kernel=["a", "b"]), TypeError, r"unsupported dtype"),
    (dict(shape=(0, 4)), ValueError, r"shape entries must be positive, got 0"),
    (dict(shape=(-2, 4)), ValueError, r"shape entries must be positive, got -2"),
    (dict(shape=(4.0, 4)), TypeError, r"shape entries must be integers, got 4.0"),
    (dict(shape=()), ValueError, r"shape must have at least one dimension"),
    (dict(shape="ab"), TypeError, r"shape entries must be integers, got 'a'"),
    (dict(shape=(4, 4, 4)), ValueError, r"kernel has 2 dimension\(s\) \(shape \(3, 3\)\) but the image shape has 3"),
    (dict(shape=(2, 8), output="valid"), ValueError, r"output='valid' needs a kernel no larger than the image.*\(3, 3\).*\(2, 8\)"),
    (dict(origin=2), ValueError, r"origin 2 on axis 0 is out of range for a kernel of length 3; allowed -1 <= origin <= 1"),
    (dict(origin=(0, -2)), ValueError, r"origin -2 on axis 1 is out of range"),
    (dict(origin=(0, 0, 0)), ValueError, r"origin \(0, 0, 0\) has 3 entries; the kernel has 2"),
    (dict(origin=0.5), TypeError, r"origin must be an int or a sequence of ints, got 0.5"),
    (dict(origin=1, output="full"), ValueError, r"origin 1 applies to output='same' only"),
    (dict(order="K"), ValueError, r"unknown order 'K'; allowed: 'C', 'F'"),
    (dict(order=1), TypeError, r"order must be a str, got int 1; allowed: 'C', 'F'"),
    (dict(correlate="yes"), TypeError, r"correlate must be True or False, got 'yes'"),
])
def test_bad_input(build, kwargs, error, pattern):
    args = dict(kernel=K, shape=(5, 6), boundary="zero", output="same")
    args.update(kwargs)
    kernel, shape = args.pop("kernel"), args.pop("shape")
    with pytest.raises(error, match=pattern):
        build(kernel, shape, **args)


def test_memory_guard_answers_at_once_without_allocating():
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(MatrixTooLargeError) as err:
        convolution_matrix(np.ones((15, 15)), (100_000, 100_000), boundary="replicate", output="same")
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    message = str(err.value)
    assert "GiB" in message and "convolution_operator" in message and "max_bytes" in message
    assert "(15, 15)" in message and "(100000, 100000)" in message
    assert isinstance(err.value, MemoryError) and isinstance(err.value, ValueError)
    assert peak < 1 << 20  # nothing near the matrix's size was allocated
    assert elapsed < 5.0  # a bound on "at once" only; no allocation happens


def test_memory_guard_limit_is_a_parameter():
    # 10x10 image, 3x3 kernel: at most 100 * 9 entries of 12 bytes.
    with pytest.raises(MatrixTooLargeError, match=r"above max_bytes"):
        convolution_matrix(K, (10, 10), boundary="zero", output="same", max_bytes=10_000)
    A = convolution_matrix(K, (10, 10), boundary="zero", output="same", max_bytes=20_000)
    assert A.data.nbytes + A.indices.nbytes + A.indptr.nbytes <= 20_000
    with pytest.raises(ValueError, match="max_bytes must be a positive number"):
        convolution_matrix(K, (10, 10), boundary="zero", output="same", max_bytes=-1)


def test_psf2otf_bad_input():
    with pytest.raises(ValueError, match="kernel has 1 dimension"):
        psf2otf(np.ones(3), (4, 4))
    with pytest.raises(ValueError, match="real=True needs a real kernel"):
        psf2otf(np.ones((2, 2)) * 1j, (4, 4), real=True)
    with pytest.raises(ValueError, match="kernel contains"):
        psf2otf([[np.nan]], (4, 4))


def test_psf2otf_refuses_a_huge_grid_at_once():
    from convops import AllocationTooLargeError

    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(AllocationTooLargeError) as err:
        psf2otf(np.ones(3), (10**9,))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    message = str(err.value)
    assert "(1000000000,)" in message and "22.35 GiB" in message and "max_bytes" in message
    assert isinstance(err.value, ValueError) and isinstance(err.value, MemoryError)
    assert peak < 1 << 20 and elapsed < 5.0
    assert psf2otf(np.ones(3), (1000,), max_bytes=24_000).shape == (1000,)  # 8 kB grid + 16 kB spectrum
    with pytest.raises(AllocationTooLargeError, match=r"psf2otf on shape \(1000,\)"):
        psf2otf(np.ones(3), (1000,), max_bytes=23_999)


@pytest.mark.parametrize("kernel, shape, kw", [
    (np.ones(3), (10**10,), dict(boundary="zero", output="same")),
    (np.ones((3, 3)), (10**5, 10**5), dict(boundary="replicate", output="full", method="fft")),
    (np.ones((3, 3)), (10**5, 10**5), dict(boundary="reflect", output="same", method="direct")),
], ids=["1-D", "fft", "direct"])
def test_operator_refuses_huge_work_arrays_at_once(kernel, shape, kw):
    from convops import AllocationTooLargeError

    start = time.perf_counter()
    with pytest.raises(AllocationTooLargeError, match=r"work arrays of the convolution operator .* GiB, above max_bytes"):
        convolution_operator(kernel, shape, **kw)
    assert time.perf_counter() - start < 5.0


def test_operator_work_limit_is_a_parameter():
    from convops import AllocationTooLargeError

    op = convolution_operator(np.ones((3, 3)), (100, 100), boundary="symmetric", output="full", method="direct")
    assert op.apply(np.ones((100, 100))).shape == (102, 102)
    with pytest.raises(AllocationTooLargeError, match=r"\(3, 3\) on image \(100, 100\)"):
        convolution_operator(np.ones((3, 3)), (100, 100), boundary="symmetric", output="full",
                             method="direct", max_bytes=10_000)


@pytest.mark.parametrize("value, error", [
    (float("nan"), ValueError), (float("inf"), ValueError), (0, ValueError), (-1, ValueError),
    (True, TypeError), ("1e9", TypeError), (None, TypeError)], ids=str)
@pytest.mark.parametrize("call", [
    lambda mb: convolution_matrix(K, (4, 4), boundary="zero", output="same", max_bytes=mb),
    lambda mb: convolution_operator(K, (4, 4), boundary="zero", output="same", max_bytes=mb),
    lambda mb: psf2otf(K, (4, 4), max_bytes=mb)], ids=["matrix", "operator", "psf2otf"])
def test_max_bytes_must_be_finite_and_positive(call, value, error):
    with pytest.raises(error, match=r"max_bytes must be a positive number of bytes"):
        call(value)


def test_dot_test_refuses_bad_tolerances_and_non_operators():
    from convops import dot_test

    op = convolution_operator(K, (4, 4), boundary="zero", output="same")
    for rtol in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=r"rtol must be a finite number >= 0, got"):
            dot_test(op, rtol=rtol)
    with pytest.raises(TypeError, match="rtol must be a real number"):
        dot_test(op, rtol="1e-3")
    for bad in ("abc", [[1.0, 2.0]], object()):
        with pytest.raises(TypeError, match=r"op must be a linear operator \(with matvec, rmatvec and shape\)"):
            dot_test(bad)

    class NoShape:
        def matvec(self, x):
            return x

        def rmatvec(self, y):
            return y

    with pytest.raises(TypeError, match=r"op must have a 2-D shape.*NoShape"):
        dot_test(NoShape())


def test_output_shape_refuses_mismatched_or_negative_shapes():
    from convops import output_shape

    assert output_shape((3, 4), (10, 10), "valid") == (8, 7)
    assert output_shape(3, 10, "FULL") == (12,)
    with pytest.raises(ValueError, match=r"kernel_shape \(3, 4\) has 2 entries but shape \(10,\) has 1"):
        output_shape((3, 4), (10,), "same")
    with pytest.raises(ValueError, match=r"output='valid' needs a kernel no larger.*\(12,\).*\(10,\)"):
        output_shape((12,), (10,), "valid")
    with pytest.raises(ValueError, match=r"kernel_shape entries must be positive, got 0"):
        output_shape((0, 3), (10, 10), "full")
    with pytest.raises(ValueError, match=r"unknown output 'half'"):
        output_shape((3,), (10,), "half")


@pytest.mark.parametrize("build", BUILDERS + [lambda k, s, **kw: psf2otf(k, s)], ids=["matrix", "operator", "psf2otf"])
def test_ragged_kernel_is_named(build):
    with pytest.raises(ValueError, match=r"kernel must be a rectangular array of numbers, got the ragged"):
        build([[1, 2], [3]], (4, 4), boundary="zero", output="same")


@pytest.mark.parametrize("name, value, pattern", [
    ("boundary", "ZERO_PAD", r"unknown boundary 'ZERO_PAD'; allowed: 'zero'"),
    ("output", 3, r"output must be a str, got int 3; allowed: 'same', 'full', 'valid'"),
    ("order", "c ", r"unknown order 'c '; allowed: 'C', 'F'"),
    ("method", None, r"method must be a str, got NoneType None; allowed: 'auto', 'direct', 'fft'"),
    ("method", "fast", r"unknown method 'fast'; allowed: 'auto', 'direct', 'fft'"),
])
def test_option_errors_share_one_wording(name, value, pattern):
    args = dict(boundary="zero", output="same", order="C", method="auto")
    args[name] = value
    with pytest.raises((TypeError, ValueError), match=pattern):
        convolution_operator(K, (5, 6), **args)


def test_dot_test_refuses_huge_vectors_at_once():
    from scipy.sparse.linalg import LinearOperator

    from convops import AllocationTooLargeError, dot_test

    huge = LinearOperator((10**11, 10**11), matvec=lambda x: x, rmatvec=lambda y: y, dtype=float)
    with pytest.raises(AllocationTooLargeError, match=r"dot test's vectors for an operator of shape \(100000000000, 100000000000\)"):
        dot_test(huge)
    with pytest.raises(AllocationTooLargeError, match=r"above max_bytes = 0.00 GiB"):
        dot_test(np.eye(4), max_bytes=100)
    assert dot_test(np.eye(4), max_bytes=128) < 1e-15


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
@pytest.mark.parametrize("bad", [None, np.nan, np.inf, -np.inf, "imag-nan"])
def test_all_finite_agrees_with_isfinite(dtype, bad):
    from convops._validation import all_finite
    a = np.random.default_rng(0).standard_normal(50).astype(dtype) * 1e30
    if bad == "imag-nan":
        if not np.iscomplexobj(a):
            return
        a[7] = complex(1.0, np.nan)
    elif bad is not None:
        a[7] = bad
    assert all_finite(a) == bool(np.isfinite(a).all())
