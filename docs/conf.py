"""Sphinx configuration: furo theme, autodoc of the public API, offline and nitpicky.

``nox -s docs`` builds with ``-W --keep-going -n`` (warnings are errors, every reference must
resolve) and then runs the pages' ``>>>`` examples with ``tests/unit/test_docs_examples.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the package itself, when it is not installed

import boto_session_manager  # noqa: E402

project = "boto_session_manager"
author = "boto_session_manager developers"
copyright = "boto_session_manager developers"
release = boto_session_manager.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinxarg.ext",
]

exclude_patterns = ["_build"]
templates_path: list[str] = []
html_static_path = ["_static"]
html_css_files = ["custom.css"]
smartquotes = False  # keep `--` and quotes in option help and messages as typed
html_theme = "furo"
html_title = f"boto_session_manager {release}"
html_theme_options = {"sidebar_hide_name": False}

# -- autodoc -------------------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_default_options = {"members": True}
add_module_names = False
python_use_unqualified_type_names = True

# -- nitpicky references --------------------------------------------------------------------------
# The build runs offline (``nox -s docs`` and CI have no internet), so intersphinx cannot fetch
# the inventories of Python, boto3, botocore, pytest or cryptography, and references to their
# names cannot resolve. Those names, and only those, are ignored here: every reference to this
# project's own documented names must resolve. Python's builtins resolve without an inventory.
nitpick_ignore_regex = [
    # the standard library, as written in signatures (``from __future__ import annotations``)
    (r"py:class", r"(collections\.abc|os|pathlib|datetime|subprocess)\.\w+"),
    (r"py:class", r"Path|datetime"),
    # third-party projects' types
    (r"py:class", r"(boto3|botocore|pytest|cryptography)(\.\w+)+"),
    # botocore / boto3 names imported under TYPE_CHECKING, so autodoc sees them unqualified
    (r"py:class", r"ServiceResource|Credentials|ReadOnlyCredentials"),
    # internal machinery in public signatures; its counters are described in the API page
    (r"py:class", r"LazyRefreshableProvider|WebIdentityExchange"),
]
