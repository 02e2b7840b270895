"""Sphinx configuration of neuromem's site: `make docs` builds it into docs/_build/html.

Sphinx (not MkDocs) because the API pages come from the numpydoc docstrings through autodoc, as
Brian2's and xarray's do, and because MyST lets the how-tos stay plain Markdown that
tests/test_docs.py runs. The gallery is generated from the notebooks (docs/_ext/neuromem_pages.py)
rather than by sphinx-gallery, which would rerun every notebook and its experiments on each build.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from neuromem import __version__  # noqa: E402

project = "neuromem"
author = "the neuromem developers"
copyright = "2026, the neuromem developers"
release = __version__
version = __version__

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "neuromem_pages"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
suppress_warnings = []

napoleon_google_docstring = False
napoleon_numpy_docstring = True
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {}

# neuromem's `#:` comments on attributes are prose; napoleon would take the words before their first
# colon for a type ("not registered tasks" as the type of ModelCard.protocols). Keep them as written.
from sphinx.ext.napoleon.docstring import GoogleDocstring  # noqa: E402


def _attribute_as_written(self):
    lines = [self._lines.next(), *self._dedent(self._consume_to_end())]
    return "", self.__class__(lines, self._config).lines()


GoogleDocstring._consume_inline_attribute = _attribute_as_written

html_theme = "furo"
html_title = f"neuromem {version}"
html_static_path = ["_static"]
