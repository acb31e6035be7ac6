"""Shared fixtures: a hermetic environment for every test, and a real local STS (moto).

``isolated_env`` (autouse) makes sure no test reads the developer's AWS or rolechain
configuration, caches or credentials, or reaches real AWS or IMDS. ``moto_server`` is
one ``moto_server`` process per test session; ``moto`` hands it to a test with fresh
state and a fresh request recording (see ``moto_support.recorded_sts_calls``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.moto_support import MotoServer, start_moto_server

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tests.test_packaging import Dist

ROOT = Path(__file__).resolve().parent.parent
WHERE = "import resolver, sys; print(resolver.__file__, '_rolechain_installed_only' in sys.modules)"


def pytest_configure(config: pytest.Config) -> None:
    """With ``ROLECHAIN_TEST_INSTALLED=1`` (``.ci/run``), the tests must exercise the
    installed wheel: ``resolver`` comes from site-packages, in this process and in a child
    started from the repository root (whose source tree is then first on ``sys.path``),
    which ``.ci/installed_only.py`` guarantees. Anything else stops the run at once."""
    if os.environ.get("ROLECHAIN_TEST_INSTALLED") != "1":
        return
    import resolver

    site = Path(sysconfig.get_path("purelib")).resolve()
    child = subprocess.run(
        [sys.executable, "-c", WHERE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    places = {"pytest": resolver.__file__, "a child in the repository": child.stdout.strip()}
    for who, where in places.items():
        path = Path(where.split()[0] if where else ROOT).resolve()
        if not path.is_relative_to(site) or where.endswith(" False"):
            raise pytest.UsageError(
                f"ROLECHAIN_TEST_INSTALLED=1 but {who} imports resolver from "
                f"{where or child.stderr}, not from {site} through .ci/installed_only.py"
            )


@dataclass(frozen=True)
class IsolatedEnv:
    """The private paths the environment points at, all under the test's ``tmp_path``.

    Only ``rolechain_config`` exists (empty); the AWS files and the cache dir do not.
    """

    home: Path
    aws_config_file: Path
    aws_shared_credentials_file: Path
    rolechain_config: Path
    rolechain_cache_dir: Path
    xdg_config_home: Path
    xdg_cache_home: Path


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IsolatedEnv:
    """Clear every ``AWS_*`` / ``ROLECHAIN_*`` variable and point config and caches at
    ``tmp_path``; IMDS is disabled and loopback is exempt from proxies."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "ROLECHAIN_")) or name in ("DISPLAY", "WAYLAND_DISPLAY"):
            monkeypatch.delenv(name)
    base = tmp_path / "isolated"
    paths = IsolatedEnv(
        home=base / "home",
        aws_config_file=base / "aws" / "config",
        aws_shared_credentials_file=base / "aws" / "credentials",
        rolechain_config=base / "rolechain" / "config.toml",
        rolechain_cache_dir=base / "rolechain-cache",
        xdg_config_home=base / "xdg-config",
        xdg_cache_home=base / "xdg-cache",
    )
    for directory in (paths.home, paths.xdg_config_home, paths.xdg_cache_home):
        directory.mkdir(parents=True)
    # ROLECHAIN_CONFIG naming a missing file is an error, so start with an empty one.
    paths.rolechain_config.parent.mkdir(parents=True)
    paths.rolechain_config.write_text("")
    monkeypatch.setenv("HOME", str(paths.home))  # also hides ~/.aws/sso and ~/.aws/cli caches
    monkeypatch.setenv("AWS_CONFIG_FILE", str(paths.aws_config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(paths.aws_shared_credentials_file))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("ROLECHAIN_CONFIG", str(paths.rolechain_config))
    monkeypatch.setenv("ROLECHAIN_CACHE_DIR", str(paths.rolechain_cache_dir))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(paths.xdg_config_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(paths.xdg_cache_home))
    for name in ("NO_PROXY", "no_proxy"):
        existing = os.environ.get(name)
        loopback = "127.0.0.1,localhost,::1"
        monkeypatch.setenv(name, f"{existing},{loopback}" if existing else loopback)
    return paths


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The sdist and the wheel, built once per session (see tests/test_packaging.py)."""
    from tests.test_packaging import build_dist

    return build_dist(tmp_path_factory)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """One ``moto_server`` on 127.0.0.1 for the whole session (started on first use)."""
    try:
        server = start_moto_server(tmp_path_factory.mktemp("moto"))
    except RuntimeError as exc:
        pytest.fail(f"could not start moto_server: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto(moto_server: MotoServer) -> Iterator[MotoServer]:
    """The session's server with all state reset and a new, running recording."""
    moto_server.stop_recording()
    moto_server.reset()
    moto_server.reset_recording()
    moto_server.start_recording()
    yield moto_server
    moto_server.stop_recording()
