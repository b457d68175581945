"""Sphinx configuration of the spatial-inverse documentation.

Build from the repository's root::

    python -m sphinx -W -b html docs docs/_build/html

The API pages are generated from each package's ``__all__`` (``_apigen.py``),
the gallery is executed by sphinx-gallery, and MathJax is served from the
built site itself (``sphinx-mathjax-offline``), so nothing is fetched from
the internet when a page is opened (``check_site.py`` verifies it).
"""

import importlib
import inspect
import os
import pkgutil
import pprint
import sys
import tomllib
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))       # document this tree, not an installed copy
sys.path.insert(0, str(DOCS))

from _apigen import PACKAGES, write_api_pages  # noqa: E402

os.environ.setdefault("MPLBACKEND", "Agg")
write_api_pages(DOCS)

project = "spatial-inverse"
author = "the spatial-inverse developers"
copyright = "the spatial-inverse developers, BSD-3-Clause"
with open(ROOT / "pyproject.toml", "rb") as _file:
    release = version = tomllib.load(_file)["project"]["version"]

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.doctest",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx-mathjax-offline",           # copies MathJax 3 into _static/mathjax
]

exclude_patterns = ["_build", "_templates", "gallery/**"]
templates_path = ["_templates"]
root_doc = "index"
default_role = "py:obj"
nitpicky = False

# -- API reference ----------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"            # the numpydoc sections state the types
numpydoc_show_class_members = False   # autoclass :members: lists them once
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- maths, offline -----------------------------------------------------------
mathjax_path = "mathjax/tex-chtml.js"   # relative to _static: served by the site

# -- gallery -------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": PACKAGES,
    "backreferences_dir": "api/generated/backreferences",
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_signature": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
    "run_stale_examples": False,
    # the computation-times page loads DataTables from a CDN: not written
    "write_computation_times": False,
}

# -- HTML ------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "spatial-inverse"
html_static_path = []
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
html_copy_source = False


# -- constants: their ``#:`` comment lives in the private module that defines them --
def _constant_doc(fullname):
    """The ``#:`` comment of a public constant, from the module that defines it."""
    from sphinx.pycode import ModuleAnalyzer

    package, _, name = fullname.rpartition(".")
    pkg = importlib.import_module(package)
    value = getattr(pkg, name)
    for info in pkgutil.iter_modules(pkg.__path__, package + "."):
        module = importlib.import_module(info.name)
        if getattr(module, name, None) is not value:
            continue
        try:
            docs = ModuleAnalyzer.for_module(info.name).find_attr_docs()
        except Exception:  # noqa: BLE001 - a module without source: no comment
            continue
        if ("", name) in docs:
            return list(docs[("", name)])
    return None


def _value_block(value):
    """The value of a constant as reStructuredText lines (a literal block)."""
    text = pprint.pformat(value, width=88, sort_dicts=False)
    if "<function" in text or len(text) > 2000:
        if isinstance(value, dict):
            text = f"a dict with keys {list(value)}"
        else:
            return []
    return ["", ".. rubric:: Value", "", "::", ""] + ["    " + line for line in text.splitlines()] + [""]


def _document_constants(app, what, name, obj, options, lines):
    """Give a public constant its ``#:`` comment and its value."""
    if what != "data" or name.rpartition(".")[0] not in PACKAGES:
        return
    doc = _constant_doc(name)
    if doc is None:
        type_doc = (inspect.getdoc(type(obj)) or "").strip()
        doc = [] if "\n".join(lines).strip() == type_doc else list(lines)
    lines[:] = doc + _value_block(obj)


def setup(app):
    # before numpydoc (priority 500), which then parses the text given here
    app.connect("autodoc-process-docstring", _document_constants, priority=400)
