"""Sphinx configuration for the infogeo documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html``. Gallery scripts are executed
by sphinx-gallery unless ``-D plot_gallery=0`` is given (CI switches execution off: the
test suite already runs every gallery script).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import infogeo

project = "infogeo"
author = "infogeo developers"
copyright = "2026, infogeo developers"
release = infogeo.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": "../gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
}

intersphinx_mapping: dict[str, tuple[str, None]] = {}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb",
                    "auto_examples/*.py", "auto_examples/*.zip", "auto_examples/*.json",
                    "auto_examples/*.md5"]
html_theme = "alabaster"
html_theme_options = {"description": "Information geometry in Python", "fixed_sidebar": True}
suppress_warnings = ["config.cache"]
nitpicky = False
