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
    (dict(order="K"), ValueError, r"order must be 'C'.*or 'F'.*got 'K'"),
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
