"""Module-level sweep tasks for the tests (workers import them by name)."""

import os

import numpy as np


def noisy_mean(params, rng):
    x = rng.standard_normal(params["n"]) * params["scale"]
    return {"mean": float(x.mean()), "first": float(x[0]), "pid": os.getpid()}


def count_calls(params, rng):
    folder = params["log"]
    with open(os.path.join(folder, f"call-{params['i']}-{os.getpid()}-{rng.integers(1 << 30)}"), "w"):
        pass
    if os.path.exists(os.path.join(folder, f"interrupt-{params['i']}")):
        raise KeyboardInterrupt  # what Ctrl-C does in the middle of a sweep
    return params["i"] ** 2
