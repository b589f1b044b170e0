"""Sphinx configuration for the infogeo documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html``. sphinx-gallery executes the
gallery (``gallery/``) and the tutorials (``docs/tutorials/``) and scrapes their
figures; ``-D plot_gallery=0`` skips execution for a quick text-only build. CI builds with
execution and then compares every figure of the built pages with a direct run of its
script (``tests/test_gallery.py``). ``docs/families.rst`` is generated at the start of
every build by ``docs/_families.py``.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # _families, _gallery_order

import _families

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
# class pages (docs/_templates/autosummary/class.rst): sphinx's default template with the
# member tables after the class instead of inside it and no `automethod:: __init__` (the
# constructor's parameters are in the class docstring). Inside an autoclass of a name that
# aliases another class (manifolds.ShootingResult = _newton.NewtonResult), which autodoc
# renders as "alias of ...", those nested directives broke the build.
templates_path = ["_templates"]
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

sphinx_gallery_conf = {
    "examples_dirs": ["../gallery", "tutorials"],
    "gallery_dirs": ["auto_examples", "auto_tutorials"],
    "filename_pattern": r"/plot_",
    "within_subsection_order": "_gallery_order.CourseOrder",
    "download_all_examples": False,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
    # a `# sphinx_gallery_...` comment configures the build; readers need not see it
    "remove_config_comments": True,
}

intersphinx_mapping: dict[str, tuple[str, None]] = {}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "tutorials"] + [
    f"{gallery}/*.{ext}" for gallery in ("auto_examples", "auto_tutorials")
    for ext in ("ipynb", "py", "zip", "json", "md5")]
html_theme = "alabaster"
html_theme_options = {"description": "Information geometry in Python", "fixed_sidebar": True}
suppress_warnings = ["config.cache"]
nitpicky = False


def setup(app):  # noqa: ANN001, ANN201 - the Sphinx extension hook
    """Regenerate the per-family reference before Sphinx reads the sources."""
    app.connect("builder-inited", lambda app: _families.write())
