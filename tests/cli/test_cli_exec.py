"""``rolechain exec`` and ``export --format env`` with the real CLI: no stale variables,
profile selection, exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import IsolatedEnv

ROLECHAIN = Path(sys.executable).parent / "rolechain"
PRINT_ENV = [sys.executable, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]
STALE = {
    "AWS_CREDENTIAL_EXPIRATION": "2001-01-01T00:00:00Z",
    "AWS_ACCOUNT_ID": "999999999999",
    "AWS_SESSION_TOKEN": "stale-session-token",
    "AWS_SECURITY_TOKEN": "stale-security-token",
}


@pytest.fixture
def two_static_profiles(isolated_env: IsolatedEnv) -> None:
    isolated_env.aws_shared_credentials_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_shared_credentials_file.write_text(
        "[role-a]\naws_access_key_id = AKIAROLEA\naws_secret_access_key = secret-a\n"
        "[role-b]\naws_access_key_id = AKIAROLEB\naws_secret_access_key = secret-b\n"
    )


def rolechain(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **extra}
    return subprocess.run(
        [str(ROLECHAIN), *argv], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.usefixtures("two_static_profiles")
def test_exec_leaves_no_stale_variable_from_the_caller() -> None:
    result = rolechain("exec", "role-a", "--", *PRINT_ENV, **STALE)

    assert result.returncode == 0, result.stderr
    child = json.loads(result.stdout)
    assert child["AWS_ACCESS_KEY_ID"] == "AKIAROLEA"
    assert not set(STALE) & set(child), "stale variables reached the child"


@pytest.mark.usefixtures("two_static_profiles")
def test_export_env_unsets_every_variable_it_does_not_set() -> None:
    result = rolechain("export", "role-a", "--format", "env", **STALE)

    assert result.returncode == 0, result.stderr
    script = result.stdout + "\n" + "env\n"
    shell = subprocess.run(
        ["sh", "-c", script], env={**os.environ, **STALE}, capture_output=True, text=True
    )
    names = {line.split("=", 1)[0] for line in shell.stdout.splitlines()}
    assert "AWS_ACCESS_KEY_ID=AKIAROLEA" in shell.stdout.splitlines()
    assert not set(STALE) & names
    assert not {"AWS_REGION", "AWS_DEFAULT_REGION"} & names  # no region anywhere: unset


@pytest.mark.usefixtures("two_static_profiles")
def test_exec_follows_aws_profile_when_no_profile_is_given() -> None:
    result = rolechain("exec", "--", *PRINT_ENV, AWS_PROFILE="role-b")

    assert result.returncode == 0, result.stderr
    child = json.loads(result.stdout)
    assert child["AWS_ACCESS_KEY_ID"] == "AKIAROLEB"
    assert "AWS_PROFILE" not in child


@pytest.mark.usefixtures("two_static_profiles")
def test_exec_with_a_profile_still_takes_it() -> None:
    result = rolechain("exec", "role-a", "--", *PRINT_ENV, AWS_PROFILE="role-b")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AWS_ACCESS_KEY_ID"] == "AKIAROLEA"


@pytest.mark.usefixtures("two_static_profiles")
def test_exec_exit_statuses_follow_the_shell(tmp_path: Path) -> None:
    missing = rolechain("exec", "role-a", "--", str(tmp_path / "no-such-command"))
    plain = tmp_path / "plain.txt"
    plain.write_text("not a program\n")
    not_executable = rolechain("exec", "role-a", "--", str(plain))

    assert missing.returncode == 127
    assert "command not found" in missing.stderr
    assert not_executable.returncode == 126
    assert "permission denied" in not_executable.stderr.lower()


def test_mfa_without_a_terminal_names_no_library_parameter(isolated_env: IsolatedEnv) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(
        "[profile mfa]\naws_access_key_id = AKIAMFA\naws_secret_access_key = s\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/user\n"
    )
    result = subprocess.run(
        [str(ROLECHAIN), "export", "mfa"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # no controlling terminal
        check=False,
    )

    assert result.returncode != 0
    assert "no terminal and no display to ask for an MFA code" in result.stderr
    assert "mfa_process" in result.stderr
    assert "token_provider" not in result.stderr
