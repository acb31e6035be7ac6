"""Without a terminal (an IDE or terraform calling credential_process), the MFA code comes
from the first dialog on PATH; moto's recorder shows the code it typed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer
from tests.providers.prompts.test_prompts import calls, fake
from tests.test_e2e_chain import THREE_HOPS, sts, use_config

__all__ = ["sts"]


def run_detached(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """rolechain in a new session (no controlling terminal) with stdin from /dev/null."""
    return subprocess.run(
        [sys.executable, "-m", "resolver", *argv], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, start_new_session=True,
    )  # fmt: skip


def test_no_terminal_uses_the_dialog_on_path(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    use_config(isolated_env, THREE_HOPS.replace("mfa_process =", "# mfa_process ="))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = fake(bin_dir, "zenity", output="424242\n")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "DISPLAY": ":0"}
    env.pop("ROLECHAIN_MFA_PROMPT", None)
    done = run_detached("export", "ops", "--format", "credential-process", env=env)
    assert done.returncode == 0, done.stderr
    (call,) = sts.sts_calls()
    assert call.params["TokenCode"] == "424242"
    (asked,) = calls(log)
    assert "profile ops" in str(asked["argv"])
    assert "424242" not in done.stderr


def test_no_terminal_and_no_dialog_names_what_to_install(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    use_config(isolated_env, THREE_HOPS.replace("mfa_process =", "# mfa_process ="))
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "DISPLAY": ":0"}
    done = subprocess.run(
        [sys.executable, "-m", "resolver", "export", "ops"], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, start_new_session=True,
    )  # fmt: skip
    assert done.returncode != 0
    assert "install zenity or kdialog or pinentry" in done.stderr
    assert done.stderr.count("\n") == 1 and sts.sts_calls() == []
