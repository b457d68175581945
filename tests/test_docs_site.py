"""The documentation's API page generator and the check of a built site."""

import importlib
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS))

_apigen = importlib.import_module("_apigen")
check_site = importlib.import_module("check_site")


@pytest.mark.parametrize("package", _apigen.PACKAGES)
def test_every_public_name_gets_an_api_page(package):
    module = importlib.import_module(package)
    page = _apigen.package_page(package)
    grouped = _apigen.public_names(package)
    assert sorted(sum(grouped.values(), [])) == sorted(module.__all__)
    for name in module.__all__:
        assert f"\n   {name}\n" in page, name


def test_kinds_of_names():
    assert _apigen.kind_of(importlib.import_module("convops").convolution_matrix) == "function"
    assert _apigen.kind_of(importlib.import_module("solvers").SolverResult) == "class"
    assert _apigen.kind_of(importlib.import_module("convops").BOUNDARIES) == "data"


def _site(tmp_path, body, *, api=True, gallery=()):
    """A tiny built site: index.html with `body`, API pages for every public name, gallery pages."""
    root = tmp_path / "html"
    (root / "api" / "generated").mkdir(parents=True)
    (root / "_images").mkdir()
    (root / "_images" / "ok.png").write_bytes(b"png")
    (root / "index.html").write_text(f"<html><body><p id='top'>x</p>{body}</body></html>")
    if api:
        for package in check_site.PACKAGES:
            for name in importlib.import_module(package).__all__:
                (root / "api" / "generated" / f"{package}.{name}.html").write_text(
                    f"<dt id='{package}.{name}'>{name}</dt>")
    docs = tmp_path / "docs"
    (docs / "gallery").mkdir(parents=True)
    (root / "auto_examples").mkdir()
    for stem, image in gallery:
        (docs / "gallery" / f"{stem}.py").write_text("")
        if image is not None:
            (root / "_images" / image).write_bytes(b"png")
            (root / "auto_examples" / f"{stem}.html").write_text(f"<img src='../_images/{image}'>")
    return root, docs


def test_a_clean_site_passes(tmp_path):
    root, docs = _site(tmp_path, "<img src='_images/ok.png'><a href='#top'>top</a>"
                                 "<a href='https://example.org/'>a link to follow</a>",
                       gallery=[("plot_a", "sphx_glr_plot_a_001.png")])
    assert check_site.check_site(root, docs) == []


@pytest.mark.parametrize("body, expected", [
    ("<script src='https://cdn.example.org/mathjax.js'></script>", "loaded from the network"),
    ("<link rel='stylesheet' href='//fonts.example.org/f.css'>", "loaded from the network"),
    ("<div style=\"background: url('https://example.org/a.png')\"></div>", "loaded from the network"),
    ("<img src='_images/missing.png'>", "missing"),
    ("<a href='guide/nowhere.html'>x</a>", "broken link"),
    ("<a href='#nowhere'>x</a>", "missing anchor"),
])
def test_the_check_finds_each_kind_of_problem(tmp_path, body, expected):
    root, docs = _site(tmp_path, body)
    problems = check_site.check_site(root, docs)
    assert len(problems) == 1 and expected in problems[0], problems


def test_the_check_finds_a_missing_api_page_and_a_gallery_page_without_figure(tmp_path):
    root, docs = _site(tmp_path, "", gallery=[("plot_a", "sphx_glr_plot_a_001.png"), ("plot_b", None)])
    (root / "api" / "generated" / "solvers.restore.html").unlink()
    problems = check_site.check_site(root, docs)
    assert sorted(problems) == ["no API page for solvers.restore", "no gallery page for plot_b.py"]
    (root / "auto_examples" / "plot_b.html").write_text("<p>no figure</p>")
    assert "auto_examples/plot_b.html shows no figure of plot_b.py" in check_site.check_site(root, docs)
