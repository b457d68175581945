"""experiments.crop_problem: the observation is the 'valid' part of a blurred larger scene, checked
against scipy.signal.convolve2d and direct loops."""

import doctest

import numpy as np
import pytest
from scipy.signal import convolve2d

from experiments import _problems, crop_problem
from experiments._images import photograph


def test_the_docstring_example_runs():
    assert doctest.testmod(_problems, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


@pytest.mark.parametrize("kernel_shape, shape, corner", [((5, 5), (20, 30), None), ((4, 7), (17, 9), (40, 3)),
                                                         ((1, 1), (8, 8), (0, 0)), ((6, 1), (1, 12), (500, 100))],
                         ids=["odd", "even-odd", "1x1", "one-row"])
def test_observation_is_the_valid_convolution_of_the_scene(kernel_shape, shape, corner):
    rng = np.random.default_rng(3)
    kernel = rng.random(kernel_shape)
    problem = crop_problem(kernel, shape, corner=corner, noise_std=0.0)
    photo = photograph("camera")
    extent = tuple(n + m - 1 for n, m in zip(shape, kernel_shape))
    if corner is None:
        corner = tuple((p - e) // 2 for p, e in zip(photo.shape, extent))
    np.testing.assert_array_equal(problem.scene, photo[corner[0]:corner[0] + extent[0],
                                                       corner[1]:corner[1] + extent[1]])
    np.testing.assert_allclose(problem.observed, convolve2d(problem.scene, kernel, "valid"), rtol=1e-12, atol=1e-9)
    # the truth under each observed value: the scene pixel its kernel is centred on (anchor m // 2)
    m0, m1 = kernel_shape
    for i, j in [(0, 0), (shape[0] - 1, shape[1] - 1), (shape[0] // 2, shape[1] // 3)]:
        direct = sum(kernel[k, l] * problem.scene[i + m0 - 1 - k, j + m1 - 1 - l] for k in range(m0) for l in range(m1))
        assert problem.observed[i, j] == pytest.approx(direct, rel=1e-12)
        r, c = i + m0 - 1 - m0 // 2, j + m1 - 1 - m1 // 2
        assert problem.truth[i, j] == problem.scene[r, c]
    np.testing.assert_array_equal(problem.truth, problem.scene[problem.crop])


def test_noise_is_seeded_gaussian_of_the_given_level():
    kernel = np.ones((3, 3)) / 9
    a = crop_problem(kernel, (200, 200), noise_std=2.0, seed=7)
    b = crop_problem(kernel, (200, 200), noise_std=2.0, seed=7)
    clean = crop_problem(kernel, (200, 200), noise_std=0.0)
    np.testing.assert_array_equal(a.observed, b.observed)
    noise = a.observed - clean.observed
    np.testing.assert_allclose(noise, np.random.default_rng(7).normal(0.0, 2.0, (200, 200)), atol=1e-9)
    assert noise.std() == pytest.approx(2.0, rel=0.02)


def test_peak_one_scales_the_scene_to_the_unit_interval():
    problem = crop_problem(np.ones((1, 1)), (512, 512), image="astronaut", noise_std=0.0, peak=1.0)
    assert 0.0 <= problem.scene.min() and problem.scene.max() <= 1.0 and problem.scene.max() > 0.9


@pytest.mark.parametrize("kwargs, match", [
    ({"kernel": np.ones(3)}, "2-D"),
    ({"shape": (510, 20)}, "does not fit"), ({"shape": (10, 0)}, "shape must be two ints"),
    ({"corner": (505, 0)}, "leaves"), ({"corner": (-1, 0)}, "corner must be two ints"),
    ({"noise_std": -1.0}, "noise_std"), ({"noise_std": float("nan")}, "noise_std"), ({"image": "lena"}, "'camera'"),
    ({"peak": 0.0}, "peak")])
def test_bad_input_is_refused_with_a_clear_error(kwargs, match):
    args = {"kernel": np.ones((5, 5)) / 25, "shape": (20, 20), **kwargs}
    kernel, shape = args.pop("kernel"), args.pop("shape")
    with pytest.raises(ValueError, match=match):
        crop_problem(kernel, shape, **args)


@pytest.mark.parametrize("kwargs, match", [({"noise_std": "2"}, "noise_std"), ({"peak": "1"}, "peak"),
                                           ({"noise_std": 1j}, "noise_std"), ({"kernel": np.ones((3, 3)) * 1j}, "real")])
def test_non_numbers_and_complex_kernels_are_refused_with_a_type_error(kwargs, match):
    args = {"kernel": np.ones((5, 5)) / 25, **kwargs}
    with pytest.raises(TypeError, match=match):
        crop_problem(args.pop("kernel"), (20, 20), **args)
