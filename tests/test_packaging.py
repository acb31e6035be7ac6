"""A regular install works: the wheel, installed into a clean venv, runs ``rolechain demo``
from a directory that holds no source tree (its profiles ship as package data)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.packaging  # builds a wheel: a few seconds; -m "not packaging" skips


def run(*argv: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv[:4]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@dataclass(frozen=True)
class Installed:
    """rolechain's wheel installed into a fresh venv, and how to run things from it."""

    venv: Path
    python: Path
    neutral: Path  # an empty directory outside the repository, to run from
    env: dict[str, str]  # the environment without PYTHONPATH or VIRTUAL_ENV


def install_wheel(tmp_path: Path) -> Installed:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT)
    (wheel,) = wheels.glob("rolechain-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    # The wheel itself, no source tree; the dependencies (pydantic, boto3, moto for the
    # demo's local STS) come from this test environment's site-packages through a plain
    # path entry, which does not run its .pth files (so not the editable install's finder).
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    Path(purelib.strip(), "test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = run(python, "-c", "import resolver; print(resolver.__file__)", cwd=neutral, env=env)
    assert Path(where.strip()).is_relative_to(venv), where
    return Installed(venv, python, neutral, env)


def test_demo_runs_from_an_installed_wheel(tmp_path: Path) -> None:
    installed = install_wheel(tmp_path)
    out = run(
        installed.venv / "bin" / "rolechain", "demo", cwd=installed.neutral, env=installed.env
    )
    assert "arn:aws:sts::" in out


# The examples type-checked from the install; asyncio_bridge.py needs aiobotocore's types.
TYPED_EXAMPLES = ("assume_role", "mfa_custom_token", "mfa_stdin", "web_identity", "boto3_bridge")


def test_mypy_strict_passes_on_every_public_name_from_a_regular_install(tmp_path: Path) -> None:
    """``resolver/py.typed`` ships: a user's code that uses every public name of
    ``resolver.stscreds`` and ``resolver.stscreds.aio`` (tests/surface_user.py) and the
    examples pass ``mypy --strict`` against the installed wheel, not the source tree."""
    installed = install_wheel(tmp_path)
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
