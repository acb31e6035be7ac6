"""The keyring set-up the guide recommends (docs/guide/keyring.md): a backend that cannot
load says why, and an encrypted backend that asks for its password fails at once without
a terminal (as under ``credential_process``) and asks, not echoed, on one.

The backends are ``tests.keyring_backend``'s stand-ins for ``keyrings.alt``'s
``EncryptedKeyring`` (not installed in the test environment): ``NeedsCryptoKeyring``
fails to load as it does without pycryptodome, ``PromptingKeyring`` calls getpass.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from resolver.cli.main import main
from tests.conftest import IsolatedEnv
from tests.keyring_backend import PASSWORD_PROMPT, file_keyring, put_entry
from tests.terminal_support import run_on_terminal, run_without_terminal

__all__ = ["file_keyring"]

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX terminals")

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPROMPTSECRET"
PASSWORD = "keyring-password-1"
KEYRING_INI = "[profile kr]\ncredential_store = keyring\nregion = us-east-1\n"
EXPORT = ("export", "kr", "--format", "credential-process")


def use_backend(monkeypatch: pytest.MonkeyPatch, isolated_env: IsolatedEnv, backend: str) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(KEYRING_INI)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    monkeypatch.setattr("keyring.core._keyring_backend", None)


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["export", "kr"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    return captured.err


def test_a_backend_without_pycryptodome_names_its_own_cause_and_the_fix(
    file_keyring: Path,
    isolated_env: IsolatedEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_backend(monkeypatch, isolated_env, "tests.keyring_backend.NeedsCryptoKeyring")
    err = one_line_error(capsys)
    assert "tests.keyring_backend.NeedsCryptoKeyring" in err
    assert "RuntimeError: pycryptodome/x required" in err
    assert "pip install keyrings.alt pycryptodome" in err
    assert "pipx inject rolechain keyrings.alt pycryptodome" in err


def test_the_recommended_backend_when_keyrings_alt_is_missing_says_so(
    file_keyring: Path,
    isolated_env: IsolatedEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_backend(monkeypatch, isolated_env, "keyrings.alt.file.EncryptedKeyring")
    err = one_line_error(capsys)
    if importlib.util.find_spec("keyrings") is None:
        assert "ModuleNotFoundError: No module named 'keyrings'" in err
    elif not importlib.util.find_spec("Crypto") and not importlib.util.find_spec("Cryptodome"):
        assert "RuntimeError: pycryptodome/x required" in err  # keyrings.alt's own message
    assert "pip install keyrings.alt pycryptodome" in err


def test_a_backend_error_of_its_own_is_one_line_with_its_class_and_message(
    file_keyring: Path,
    isolated_env: IsolatedEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An exception that is no KeyringError (EncryptedKeyring's wrong password) and a
    message repeating the secret: the class, the message, the secret scrubbed."""
    use_backend(monkeypatch, isolated_env, "tests.keyring_backend.FileKeyring")

    def failing(self: object, service: str, user: str) -> str:
        raise ValueError(f"Incorrect Password; SecretAccessKey={SECRET}")

    monkeypatch.setattr("tests.keyring_backend.FileKeyring.get_password", failing)
    err = one_line_error(capsys)
    assert "ValueError: Incorrect Password" in err
    assert "tests.keyring_backend.FileKeyring" in err and "profile kr" in err
    assert SECRET not in err


def prompting_env(
    file_keyring: Path, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    use_backend(monkeypatch, isolated_env, "tests.keyring_backend.PromptingKeyring")
    put_entry(file_keyring, "kr", "AKIAPROMPT000000", SECRET)
    (file_keyring / "password").write_text(PASSWORD)
    return dict(os.environ)


def test_a_password_prompt_with_no_terminal_fails_at_once_in_one_line(
    file_keyring: Path, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As under credential_process from a GUI: no controlling terminal, and a stdin pipe
    that stays open (getpass would wait on it for ever)."""
    env = prompting_env(file_keyring, isolated_env, monkeypatch)
    status, out, err = run_without_terminal(EXPORT, env)
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "tests.keyring_backend.PromptingKeyring asked for its password" in err
    assert "there is no terminal to ask on" in err
    assert "PYTHON_KEYRING_BACKEND" in err and "rolechain export kr" in err
    assert SECRET not in err


def test_a_password_prompt_on_the_terminal_is_asked_not_echoed_and_unlocks(
    file_keyring: Path, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = prompting_env(file_keyring, isolated_env, monkeypatch)
    status, out, err, asked, shown = run_on_terminal(EXPORT, env, PASSWORD_PROMPT, PASSWORD)
    assert PASSWORD_PROMPT in asked
    assert status == 0, err
    assert '"AccessKeyId": "AKIAPROMPT000000"' in out.replace('":"', '": "')
    assert PASSWORD not in shown + err  # not echoed
