"""The command line and the study registry: which studies run by default,
the index page, loading studies strictly, no side effects at import, a
scheduler address checked at start, and checks that survive ``python -O``."""

import ast
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import experiments
from experiments import _cli, _sweep, bench_convops
from experiments._study import STUDY_MODULES, Study, StudyError, load_studies

PACKAGE = Path(experiments.__file__).parent


def _fake(name, *, by_default=True):
    """A study that takes no time: its data is its name and setup."""

    def compute(quick=False, progress=False, **setup):
        return {"name": name, "quick": quick, "tables": {"values": [{"x": 1}]}}

    return Study(name, f"What is {name}?", compute, lambda data: {}, lambda data: f"{data['name']} done.",
                 by_default)


@pytest.fixture
def fake_studies(monkeypatch):
    studies = {"fast": _fake("fast"), "other": _fake("other"), "slow": _fake("slow", by_default=False)}
    monkeypatch.setattr(_cli, "load_studies", lambda: studies)
    return studies


# -- which studies run ---------------------------------------------------------------

def test_default_run_leaves_out_the_benchmark_and_the_index_says_how_to_run_it(fake_studies, tmp_path):
    assert _cli.main(["--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fast").is_dir() and (tmp_path / "other").is_dir() and not (tmp_path / "slow").exists()
    index = (tmp_path / "index.md").read_text()
    assert f"python -m experiments slow --quick --out {tmp_path}" in index
    assert f"python -m experiments slow --quick --out {tmp_path}" in (tmp_path / "index.html").read_text()
    # Running it later adds it to the index, which keeps the earlier results.
    assert _cli.main(["slow", "--quick", "--no-progress", "--out", str(tmp_path)]) == 0
    index = (tmp_path / "index.md").read_text()
    assert all(f"## {name}" in index for name in ("fast", "other", "slow")) and "Not in this index" not in index
    assert index.index("## fast") < index.index("## other") < index.index("## slow")  # registry order


def test_a_study_that_fails_leaves_no_stale_result_in_the_index(fake_studies, tmp_path, monkeypatch):
    assert _cli.main(["all", "--quick", "--no-progress", "--out", str(tmp_path)]) == 0

    def broken(quick=False, progress=False, **setup):
        raise RuntimeError("no data today")

    monkeypatch.setitem(fake_studies, "other", Study("other", "What is other?", broken, lambda d: {}, lambda d: ""))
    assert _cli.main(["fast", "other", "--quick", "--no-progress", "--out", str(tmp_path)]) == 1
    index = (tmp_path / "index.md").read_text()
    assert "## fast" in index and "## slow" in index and "## other" not in index
    assert "python -m experiments other --quick" in index


def test_all_runs_every_study(fake_studies, tmp_path):
    outputs, failures = _cli.run_studies(["all"], out=tmp_path, quick=True, progress=False, log=lambda *a: None)
    assert not failures and [o.name for o in outputs] == ["fast", "other", "slow"]
    outputs, _ = _cli.run_studies(None, out=tmp_path / "b", quick=True, progress=False, log=lambda *a: None)
    assert [o.name for o in outputs] == ["fast", "other"]


def test_list_says_which_studies_run_by_default(fake_studies, capsys):
    assert _cli.main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("fast [default]") and lines[2].startswith("slow [only when named")


def test_the_real_registry_runs_everything_but_the_benchmark():
    studies = load_studies()
    assert list(studies) == list(STUDY_MODULES)
    assert [name for name, s in studies.items() if not s.run_by_default] == ["benchmark"]


def test_unknown_study_name_is_refused(fake_studies, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        _cli.main(["fats", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "'fats'" in err and "fast" in err and "'all'" in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", STUDY_MODULES)
def test_unknown_setup_keyword_is_a_type_error_naming_it(name):
    study = load_studies()[name]
    with pytest.raises(TypeError, match=r"'sizez'.*allowed"):
        study.compute(quick=True, sizez=3)


# -- the registry fails loudly ---------------------------------------------------

GOOD = '''
NAME = "{name}"
QUESTION = "Does it work?"
def compute(quick=False, progress=False, **setup):
    return {{}}
def draw(data):
    return {{}}
def summarize(data):
    return ""
'''


def _package(tmp_path, monkeypatch, name, modules: dict):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for stem, text in modules.items():
        (folder / f"{stem}.py").write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_registry_loads_listed_studies_in_order(tmp_path, monkeypatch):
    package = _package(tmp_path, monkeypatch, "studies_ok", {
        "one": GOOD.format(name="one"), "two": GOOD.format(name="two") + "RUN_BY_DEFAULT = False\n",
        "_helper": "", "bench_thing": ""})
    studies = load_studies(package=package, modules=("two", "one"))
    assert list(studies) == ["two", "one"]
    assert [s.run_by_default for s in studies.values()] == [False, True]


@pytest.mark.parametrize("case, modules, listed, message", [
    ("misspelt", {"one": GOOD.format(name="one")}, ("one", "onne"), r"'studies_misspelt\.onne'.*does not exist"),
    ("import", {"one": GOOD.format(name="one") + "import no_such_module_here\n"}, ("one",),
     r"'studies_import\.one' failed to import.*no_such_module_here"),
    ("error", {"one": GOOD.format(name="one") + "1 / 0\n"}, ("one",), r"'studies_error\.one' failed.*ZeroDivision"),
    ("parts", {"one": GOOD.format(name="one").replace("def summarize", "def summarise")
               .replace("QUESTION", "QUESTON")}, ("one",),
     r"'studies_parts\.one' is not a study: QUESTION \(missing\); summarize \(missing\)"),
    ("stray", {"one": GOOD.format(name="one"), "two": GOOD.format(name="two")}, ("one",),
     r"studies_stray\.two are neither listed"),
    ("duplicate", {"one": GOOD.format(name="one"), "two": GOOD.format(name="one")}, ("one", "two"),
     r"'studies_duplicate\.two' reuses the name 'one'"),
])
def test_a_broken_study_module_is_an_error_naming_it(tmp_path, monkeypatch, case, modules, listed, message):
    package = _package(tmp_path, monkeypatch, f"studies_{case}", modules)
    with pytest.raises(StudyError, match=message):
        load_studies(package=package, modules=listed)


# -- no side effects at import; the public names ------------------------------------

def test_importing_every_module_changes_no_backend_and_no_environment():
    modules = [f"experiments.{path.stem}" for path in sorted(PACKAGE.glob("*.py")) if path.stem != "__main__"]
    light = 'import sys, experiments; assert "numpy" not in sys.modules, "importing experiments loads numpy"'
    code = textwrap.dedent(f"""
        import os, sys
        import matplotlib
        matplotlib.use("svg")
        before = dict(os.environ)
        import importlib
        for name in {modules!r}:
            importlib.import_module(name)
        assert matplotlib.get_backend() == "svg", matplotlib.get_backend()
        changed = {{k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k)}}
        assert not changed, changed
    """)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS") and k != "MPLBACKEND"}
    for script in (code, light):  # numpy unloaded: the entry point pins BLAS before numpy reads it
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-2000:]


def test_public_names():
    assert experiments.__all__ == ["run_studies", "sweep_settings", "crop_problem", "CropProblem"]
    assert experiments.run_studies is _cli.run_studies
    from experiments._sweep import sweep_settings
    assert experiments.sweep_settings is sweep_settings
    from experiments._problems import CropProblem, crop_problem
    assert experiments.crop_problem is crop_problem and experiments.CropProblem is CropProblem
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        experiments.nothing


def test_entry_point_configures_the_process(fake_studies, monkeypatch):
    import matplotlib

    for variable in _cli._BLAS_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    backend = matplotlib.get_backend()
    try:
        assert _cli.main(["--list"]) == 0
        assert matplotlib.get_backend().lower() == "agg"
        assert all(os.environ[v] == "1" for v in _cli._BLAS_VARIABLES)
    finally:
        matplotlib.use(backend)


# -- a scheduler address is checked at start --------------------------------------------

def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_wrong_scheduler_address_fails_at_once(fake_studies, tmp_path, capsys, monkeypatch):
    pytest.importorskip("dask.distributed", reason="the distributed extra is part of the test extra")
    assert _sweep.CONNECT_TIMEOUT <= 10  # "at once": a few seconds, not dask's 30 s default
    monkeypatch.setattr(_sweep, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{_unused_port()}"
    start = time.perf_counter()
    status = _cli.main(["--quick", "--no-progress", "--out", str(tmp_path), "--scheduler", address])
    assert time.perf_counter() - start < 15
    assert status == 1
    assert address in capsys.readouterr().err
    assert not (tmp_path / "fast").exists()  # nothing ran
    with pytest.raises(ConnectionError, match="127.0.0.1"):
        _cli.run_studies(["fast"], out=tmp_path, executor=address, log=lambda *a: None)


# -- checks survive python -O -------------------------------------------------------

def test_no_assert_statements_in_experiments():
    found = [f"{path.name}:{node.lineno}" for path in sorted(PACKAGE.glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Assert)]
    assert not found


def test_benchmark_refuses_to_time_results_that_disagree(monkeypatch):
    wrong = lambda kernel, shape, **kw: 2 * bench_convops.convolution_matrix(kernel, shape, **kw)
    monkeypatch.setattr(bench_convops, "coo_build", wrong)
    with pytest.raises(RuntimeError, match="convolution_matrix and the COO build disagree"):
        bench_convops.run_build(8, 3, cases=[("zero", "same")], repeat=1)
    monkeypatch.setattr(bench_convops, "ndi", SimpleNamespace(convolve=lambda image, kernel, mode: image + 1))
    with pytest.raises(RuntimeError, match=r"ndimage\.convolve \(zero, kernel 3x3\) disagree"):
        bench_convops.run_apply(8, (3,), repeat=1)
