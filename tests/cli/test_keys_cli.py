"""``rolechain keys`` and the keyring base, with a file-backed test keyring (no system one)."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from resolver.cli.main import main
from tests.conftest import IsolatedEnv
from tests.keyring_backend import entry, file_keyring, put_entry, reads

__all__ = ["file_keyring"]

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYKEYRINGSECRET"
OTHER_SECRET = "otherSECRETvalue/ABCDEFGHIJKLMNOPQRSTUVWX"
CREDENTIALS = (
    "# my keys; keep this comment\n"
    "[default]\n"
    "aws_access_key_id = AKIADEFAULT0000\n"
    f"aws_secret_access_key = {OTHER_SECRET}\n"
    "\n"
    "[work]   \n"
    "; a comment inside work\n"
    "aws_access_key_id = AKIAWORK00000000\n"
    "region = eu-west-1\n"
    f"aws_secret_access_key={SECRET}\n"
    "output = json\n"
    "\n"
    "[zeta]\n"
    "aws_access_key_id = AKIAZETA00000000\n"
    "aws_secret_access_key = zeta-secret\n"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    return status, captured.out, captured.err


def write_credentials(env: IsolatedEnv, text: str = CREDENTIALS) -> Path:
    path = env.aws_shared_credentials_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, newline="")
    return path


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.bak.*"))


def test_add_from_stdin_stores_json_and_prints_the_config_line(
    file_keyring: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = {"AccessKeyId": "AKIANEW000000000", "SecretAccessKey": SECRET}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(payload)))
    status, out, _ = run(capsys, "keys", "add", "newp", "--stdin")
    assert status == 0
    assert entry(file_keyring, "newp") == {"Version": 1, **payload}
    assert "[profile newp]\ncredential_store = keyring" in out


def test_add_prompts_for_the_secret_without_echo(
    file_keyring: Path,
    isolated_env: IsolatedEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_credentials(isolated_env)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "AKIAWORK11111111")
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or SECRET)
    status, out, _ = run(capsys, "keys", "add", "work")
    assert status == 0 and len(asked) == 1
    assert entry(file_keyring, "work") == {
        "Version": 1,
        "AccessKeyId": "AKIAWORK11111111",
        "SecretAccessKey": SECRET,
    }
    assert "[profile work]" not in out  # the profile exists: no new section
    assert "does not use them yet: add credential_store = keyring" in out


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"AccessKeyId": "AKIA1"}',
        '{"AccessKeyId": "A B", "SecretAccessKey": "x"}',
    ],
)
def test_add_rejects_bad_input_in_one_line(
    file_keyring: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    status, out, err = run(capsys, "keys", "add", "p", "--stdin")
    assert status == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("rolechain: error: the JSON on stdin")
    assert entry(file_keyring, "p") is None


def test_import_without_the_flag_changes_no_file(
    file_keyring: Path, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_credentials(isolated_env)
    status, out, _ = run(capsys, "keys", "import", "work")
    assert status == 0
    assert path.read_bytes() == CREDENTIALS.encode() and backups(path) == []
    assert entry(file_keyring, "work") == {
        "Version": 1,
        "AccessKeyId": "AKIAWORK00000000",
        "SecretAccessKey": SECRET,
    }
    assert "unchanged" in out


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_import_remove_plaintext_keeps_every_other_byte_and_backs_up(
    file_keyring: Path,
    isolated_env: IsolatedEnv,
    capsys: pytest.CaptureFixture[str],
    newline: str,
) -> None:
    original = CREDENTIALS.replace("\n", newline)
    path = write_credentials(isolated_env, original)
    os.chmod(path, 0o640)
    status, out, _ = run(capsys, "keys", "import", "work", "--remove-plaintext")
    assert status == 0
    expected = original.replace(
        f"[work]   {newline}",
        f"[work]   {newline}credential_store = keyring{newline}",
    )
    expected = expected.replace(f"aws_access_key_id = AKIAWORK00000000{newline}", "")
    expected = expected.replace(f"aws_secret_access_key={SECRET}{newline}", "")
    assert path.read_bytes() == expected.encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    [backup] = backups(path)
    # Issue 19 item 6: the backup keeps every other byte, but not the secret it moved.
    assert (
        backup.read_bytes()
        == original.replace(f"aws_secret_access_key={SECRET}{newline}", "").encode()
    )
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not [
        f for f in path.parent.rglob("*") if f.is_file() and SECRET.encode() in f.read_bytes()
    ]
    assert str(backup) in out and str(path) in out and "OS keyring" in out
    # the profile now runs on the keyring, and explain never reads it
    before = reads(file_keyring)
    status, out, _ = run(capsys, "explain", "work")
    assert "keyring (profile work): keys in the OS keyring" in out
    assert reads(file_keyring) == before
    assert main(["export", "work", "--format", "json"]) == 0  # export prints the secret
    exported = json.loads(capsys.readouterr().out)
    assert exported["AWS_ACCESS_KEY_ID"] == "AKIAWORK00000000"
    assert exported["AWS_SECRET_ACCESS_KEY"] == SECRET
    assert reads(file_keyring) == [*before, "rolechain/work"]


def test_import_of_a_profile_without_keys_is_one_line_and_writes_nothing(
    file_keyring: Path, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_credentials(isolated_env)
    status, _, err = run(capsys, "keys", "import", "nope", "--remove-plaintext")
    assert status == 2 and err.count("\n") == 1 and "profile nope" in err
    assert path.read_bytes() == CREDENTIALS.encode() and backups(path) == []


def test_list_shows_profiles_and_key_ids_only(
    file_keyring: Path, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    write_credentials(isolated_env)
    run(capsys, "keys", "import", "work")
    # an entry made elsewhere, known to the config only through credential_store
    put_entry(file_keyring, "declared", "AKIADECLARED0000", SECRET)
    isolated_env.aws_config_file.write_text("[profile declared]\ncredential_store = keyring\n")
    status, out, _ = run(capsys, "keys", "list")
    assert status == 0
    assert out.split() == ["declared", "AKIADECLARED0000", "work", "AKIAWORK00000000"]


def test_remove_asks_first_and_yes_skips_the_question(
    file_keyring: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    put_entry(file_keyring, "p", "AKIAP00000000000", SECRET)
    status, _, err = run(capsys, "keys", "remove", "p")  # stdin is not a terminal
    assert status == 1 and "--yes" in err and entry(file_keyring, "p") is not None
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert run(capsys, "keys", "remove", "p")[0] == 1
    assert entry(file_keyring, "p") is not None
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert run(capsys, "keys", "remove", "p")[0] == 0
    assert entry(file_keyring, "p") is None
    put_entry(file_keyring, "p", "AKIAP00000000000", SECRET)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    status, out, _ = run(capsys, "keys", "remove", "p", "--yes")
    assert status == 0 and entry(file_keyring, "p") is None and "AKIAP00000000000" in out
    status, _, err = run(capsys, "keys", "remove", "p", "--yes")
    assert status == 1 and "no keys in the OS keyring" in err


KEYRING_INI = "[profile kr]\ncredential_store = keyring\nregion = us-east-1\n"


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        ("missing", "no keys in the OS keyring (service rolechain, user kr): store them with "
         "`rolechain keys add kr`"),
        ("locked", "the OS keyring is locked"),
        ("refuse", "the OS keyring refused to read the keys for profile kr (KeyringError: "
         "Can't get password from keychain: (-128, 'User canceled')): allow"),
        ("no-backend", "no OS keyring backend is available to read the keys for profile kr "
         "(NoKeyringError: No recommended backend was available."),
        ("bad-backend", "cannot load the OS keyring backend nope.Nope (PYTHON_KEYRING_BACKEND): "
         "ModuleNotFoundError: No module named 'nope'; install it"),
    ],
)  # fmt: skip
def test_keyring_errors_are_one_line_naming_the_profile_and_the_fix(
    file_keyring: Path,
    isolated_env: IsolatedEnv,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setup: str,
    fragment: str,
) -> None:
    import keyring
    from keyring.backends import fail

    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(KEYRING_INI)
    if setup != "missing":
        put_entry(file_keyring, "kr", "AKIAKR0000000000", SECRET)
    if setup in ("locked", "refuse"):
        (file_keyring / setup).write_text("")
    if setup == "no-backend":
        keyring.set_keyring(fail.Keyring())
    if setup == "bad-backend":
        monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "nope.Nope")
        monkeypatch.setattr("keyring.core._keyring_backend", None)
    status, out, err = run(capsys, "export", "kr")
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "profile kr" in err
    assert fragment in err


def test_explain_and_validate_of_a_keyring_profile_never_import_keyring(
    isolated_env: IsolatedEnv, file_keyring: Path
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(KEYRING_INI)
    root = Path(__file__).resolve().parents[2]
    for argv in (("explain", "kr"), ("validate",)):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "resolver", *argv],
            capture_output=True,
            text=True,
            check=False,
            cwd=root,
        )
        assert result.returncode == 0, result.stderr
        lines = result.stderr.splitlines()
        imported = {line.split("|")[-1].strip() for line in lines if "|" in line}
        assert "resolver.chain.planner" in imported
        assert not {name for name in imported if name.split(".")[0] == "keyring"}, argv
    assert reads(file_keyring) == []
