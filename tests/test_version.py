"""One version source: the installed distribution's metadata, for ``resolver.__version__``
and ``rolechain --version``, read without importing ``importlib.metadata``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import resolver
from resolver.cli.main import main

FRESH = """
import sys
import resolver
before = set(sys.modules)
print(resolver.__version__)
print(sorted(set(sys.modules) - before))
"""


def test_the_version_is_the_installed_metadata_s() -> None:
    assert resolver.__version__ == version("rolechain")
    assert resolver.__version__ != "0+unknown"


def test_reading_the_version_imports_no_metadata_library(tmp_path: Path) -> None:
    # a warm ``export`` keys its answers by the version: importlib.metadata (with email
    # and re) would double its time
    done = subprocess.run(
        [sys.executable, "-c", FRESH], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    printed, modules = done.stdout.splitlines()
    assert printed == version("rolechain")
    assert modules == "[]"


def test_version_flag_prints_the_metadata_version(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["--version"])
    except SystemExit as done:
        assert done.code == 0
    assert capsys.readouterr().out == f"rolechain {version('rolechain')}\n"


def test_an_uninstalled_tree_says_so(tmp_path: Path) -> None:
    """A source tree run without any install has no metadata: a version that says so."""
    package = Path(resolver.__file__).parent
    shutil.copytree(package, tmp_path / "resolver", ignore=shutil.ignore_patterns("__pycache__"))
    code = "import resolver; print(resolver.__file__, resolver.__version__)"
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"}, check=False,
    )  # fmt: skip
    where, found = done.stdout.split()
    assert (where, found) == (str(tmp_path / "resolver" / "__init__.py"), "0+unknown")
