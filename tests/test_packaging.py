"""The distribution: ``python -m build`` makes an sdist and a wheel (which ``.ci/run``
checks with ``twine check --strict``, kept out of the test extras: its docutils clashes
with the AWS CLI's); the wheel holds the package with its typing marker and the demo's
profiles, and no tests or benchmarks; both install into a clean venv, where the wheel runs
``rolechain demo`` from a directory that holds no source tree.

Under ``.ci/run`` (``ROLECHAIN_TEST_DIST``) these check the very files CI built and every
interpreter installed; otherwise they build them once per session, without network (no
build isolation: the test extras hold setuptools and build)."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
CI_DIST = os.environ.get("ROLECHAIN_TEST_DIST")  # read now: isolated_env clears ROLECHAIN_*

pytestmark = pytest.mark.packaging  # builds: a few seconds; -m "not packaging" skips


def run(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv[:4]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@dataclass(frozen=True)
class Dist:
    """The two files ``python -m build`` made."""

    sdist: Path
    wheel: Path


def build_dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The files CI built, else ``python -m build``'s (the session fixture ``dist``)."""
    if CI_DIST:
        out = Path(CI_DIST)
    else:
        out = tmp_path_factory.mktemp("dist")
        run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT)
    (sdist,) = out.glob("rolechain-*.tar.gz")
    (wheel,) = out.glob("rolechain-*-py3-none-any.whl")
    return Dist(sdist, wheel)


@dataclass(frozen=True)
class Installed:
    """rolechain installed into a fresh venv, and how to run things from it."""

    venv: Path
    python: Path
    neutral: Path  # an empty directory outside the repository, to run from
    env: dict[str, str]  # the environment without PYTHONPATH or VIRTUAL_ENV


def install(tmp_path: Path, wheel: Path) -> Installed:
    """``wheel`` alone into a fresh venv; its dependencies (pydantic, boto3, moto for the
    demo's local STS) come from this test environment's site-packages through a plain path
    entry, which does not run its .pth files (so not an editable install's finder)."""
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    Path(purelib.strip(), "test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = run(python, "-c", "import resolver; print(resolver.__file__)", cwd=neutral, env=env)
    assert Path(where.strip()).is_relative_to(venv), where
    return Installed(venv, python, neutral, env)


def install_wheel(tmp_path: Path, dist: Dist) -> Installed:
    return install(tmp_path, dist.wheel)


def test_the_wheel_holds_the_package_its_data_and_nothing_else(dist: Dist) -> None:
    names = zipfile.ZipFile(dist.wheel).namelist()
    info = f"rolechain-{PROJECT['version']}.dist-info"
    assert {"resolver/py.typed", "resolver/demo/profiles.toml", "resolver/__init__.py"} <= set(
        names
    )
    assert {"resolver/stscreds/__init__.py", "resolver/cli/fastpath.py"} <= set(names)
    assert f"{info}/licenses/LICENSE" in names
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"resolver", info}, tops  # no tests/, benchmarks/, examples/, docs/
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_the_metadata_says_what_pyproject_says(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        text = wheel.read(f"rolechain-{PROJECT['version']}.dist-info/METADATA").decode()
    metadata = email.message_from_string(text)
    assert metadata["Name"] == "rolechain"
    assert metadata["Version"] == PROJECT["version"]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["Requires-Python"] == ">=3.10"
    classifiers = set(metadata.get_all("Classifier") or [])
    for minor in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {minor}" in classifiers
    assert "Typing :: Typed" in classifiers
    assert {"aws", "sts", "credentials"} <= set((metadata["Keywords"] or "").split(","))
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Changelog"} <= set(urls), urls
    assert metadata.get_payload().startswith("# rolechain")  # the README, as Markdown
    assert metadata["Description-Content-Type"] == "text/markdown"


def test_the_sdist_holds_the_sources_and_installs(dist: Dist, tmp_path: Path) -> None:
    prefix = f"rolechain-{PROJECT['version']}/"
    with tarfile.open(dist.sdist) as sdist:
        names = {name.removeprefix(prefix) for name in sdist.getnames()}
    assert {"pyproject.toml", "LICENSE", "README.md", "CHANGELOG.md", "SECURITY.md"} <= names
    assert {"resolver/py.typed", "resolver/demo/profiles.toml"} <= names
    assert not [name for name in names if name.startswith(("tests/", "benchmarks/"))]
    # A wheel built from the sdist alone (as pip does for an sdist) installs and runs.
    wheels = tmp_path / "from-sdist"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "-w", wheels, dist.sdist)  # fmt: skip
    (wheel,) = wheels.glob("rolechain-*.whl")
    installed = install(tmp_path, wheel)
    rolechain = installed.venv / "bin" / "rolechain"
    out = run(rolechain, "--version", cwd=installed.neutral, env=installed.env)
    assert out == f"rolechain {PROJECT['version']}\n"
    code = "import resolver; print(resolver.__version__)"
    assert run(installed.python, "-c", code, cwd=installed.neutral, env=installed.env) == (
        f"{PROJECT['version']}\n"
    )


def test_demo_runs_from_an_installed_wheel(tmp_path: Path, dist: Dist) -> None:
    installed = install_wheel(tmp_path, dist)
    out = run(
        installed.venv / "bin" / "rolechain", "demo", cwd=installed.neutral, env=installed.env
    )
    assert "arn:aws:sts::" in out


# The examples type-checked from the install; asyncio_bridge.py needs aiobotocore's types.
TYPED_EXAMPLES = ("assume_role", "mfa_custom_token", "mfa_stdin", "web_identity", "boto3_bridge")


def test_mypy_strict_passes_on_every_public_name_from_a_regular_install(
    tmp_path: Path, dist: Dist
) -> None:
    """``resolver/py.typed`` ships: a user's code that uses every public name of
    ``resolver.stscreds`` and ``resolver.stscreds.aio`` (tests/surface_user.py) and the
    examples pass ``mypy --strict`` against the installed wheel, not the source tree."""
    installed = install_wheel(tmp_path, dist)
    found = list(installed.venv.glob("lib/python3*/site-packages/resolver/py.typed"))
    assert len(found) == 1, found
    user = installed.neutral / "uses_every_public_name.py"
    user.write_text((ROOT / "tests" / "surface_user.py").read_text())
    for name in TYPED_EXAMPLES:
        source = ROOT / "examples" / "stscreds" / f"{name}.py"
        (installed.neutral / f"example_{name}.py").write_text(source.read_text())
    checked = sorted(path.name for path in installed.neutral.glob("*.py"))
    mypy = (sys.executable, "-m", "mypy", "--strict", "--python-executable", installed.python)
    cache = ("--cache-dir", tmp_path / "mypy-cache")
    out = run(*mypy, *cache, *checked, cwd=installed.neutral, env=installed.env)
    assert f"no issues found in {len(checked)} source files" in out
