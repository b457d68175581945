"""The README's Python examples and every docstring example run."""

import contextlib
import doctest
import io
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules():
    for package in ("convops", "solvers"):
        pkg = importlib.import_module(package)
        yield package
        for info in pkgutil.iter_modules(pkg.__path__):
            yield f"{package}.{info.name}"


@pytest.mark.parametrize("name", list(_modules()))
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0


def test_readme_examples_run_and_print_what_the_readme_says():
    text = (ROOT / "README.md").read_text()
    examples = re.findall(r"```python\n(.*?)```(?:\s*prints\s*```\n(.*?)```)?", text, re.S)
    assert examples, "the README has no Python example"
    assert sum(1 for _, printed in examples if printed) >= 3
    for code, printed in examples:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
        if printed:
            assert out.getvalue().strip() == printed.strip()
