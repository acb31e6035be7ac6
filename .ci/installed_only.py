"""CI only, installed by ``.ci/run`` into each test venv's site-packages as
``_rolechain_installed_only.py`` with a ``.pth`` line that imports it at start-up.

Every Python process of that venv then imports ``resolver`` from the venv's own
site-packages, whatever puts the repository first on ``sys.path``: ``python -m pytest``
and ``python -c``/``-m`` children started in the repository (the working directory comes
first), ``PYTHONPATH`` pointing at it, pytest's rootdir insertion for the ``tests``
package. So the test suite exercises the installed wheel, not the source tree; the
tests' own ``conftest.py`` checks this with ``ROLECHAIN_TEST_INSTALLED=1``. Only
``python -S`` (no site-packages at all) bypasses it. Standard library only, nothing
imported beyond what start-up already loaded.
"""

import os
import sys
from importlib.machinery import ModuleSpec, PathFinder

SITE = os.path.dirname(os.path.abspath(__file__))


class InstalledOnly:
    """A meta path finder ahead of the others that finds ``resolver`` in ``SITE`` only."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if name != "resolver":
            return None  # submodules follow the package's __path__
        spec = PathFinder.find_spec(name, [SITE])
        if spec is None:
            raise ImportError(f"resolver is not installed in {SITE}")
        return spec


sys.meta_path.insert(0, InstalledOnly)
