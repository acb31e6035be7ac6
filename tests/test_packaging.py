"""A regular install works: the wheel, installed into a clean venv, runs ``rolechain demo``
from a directory that holds no source tree (its profiles ship as package data)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
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


def test_demo_runs_from_an_installed_wheel(tmp_path: Path) -> None:
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
    out = run(venv / "bin" / "rolechain", "demo", cwd=neutral, env=env)
    assert "arn:aws:sts::" in out
