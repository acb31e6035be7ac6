"""``rolechain keys rotate`` against moto's IAM and STS on 127.0.0.1.

The happy path for a keyring base and for plaintext keys, then a failure injected at each
step (create, wait, store, delete): after each, the stored key still authenticates.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from resolver.cli import keys_rotate
from resolver.cli.keys_rotate import Rotation
from resolver.cli.main import main
from resolver.errors import ProviderError
from tests.conftest import IsolatedEnv
from tests.keyring_backend import entry, file_keyring, put_entry
from tests.moto_support import REGION, MotoServer

__all__ = ["file_keyring"]

USER_ARN = "arn:aws:iam::123456789012:user/alice"


@pytest.fixture
def alice(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An IAM user with one access key; IAM and STS calls go to moto."""
    iam = moto.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", moto.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setattr(keys_rotate, "WAIT_SECONDS", 0.0)
    monkeypatch.setattr(keys_rotate, "WAIT_ATTEMPTS", 2)
    return {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def iam_keys(moto: MotoServer) -> list[str]:
    listed = moto.client("iam").list_access_keys(UserName="alice")["AccessKeyMetadata"]
    return sorted(item["AccessKeyId"] for item in listed)


def authenticates(moto: MotoServer, key_id: str, secret: str) -> bool:
    """True when STS knows the key as alice's (moto answers unknown keys as user/moto)."""
    arn = moto.client("sts", key_id, secret).get_caller_identity()["Arn"]
    return bool(arn == USER_ARN)


def keyring_setup(isolated_env: IsolatedEnv, keyring_dir: Path, alice: dict[str, str]) -> None:
    put_entry(keyring_dir, "alice", alice["id"], alice["secret"])
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(
        "[profile alice]\ncredential_store = keyring\n\n"
        "[profile admin]\nsource_profile = alice\nrole_arn = arn:aws:iam::123456789012:role/a\n"
    )


def rotate(capsys: pytest.CaptureFixture[str], profile: str, secret: str) -> tuple[int, str, str]:
    status = main(["keys", "rotate", profile, "--yes"])
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err
    return status, captured.out, captured.err


def test_rotate_a_keyring_key(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    file_keyring: Path,
    alice: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    keyring_setup(isolated_env, file_keyring, alice)
    status, out, err = rotate(capsys, "admin", alice["secret"])  # the role's base is rotated
    assert status == 0, err
    stored = entry(file_keyring, "alice")
    assert stored is not None and stored["AccessKeyId"] != alice["id"]
    assert iam_keys(moto) == [stored["AccessKeyId"]]  # the old key is gone
    assert authenticates(moto, stored["AccessKeyId"], stored["SecretAccessKey"])
    assert stored["SecretAccessKey"] not in out + err
    assert f"new access key {stored['AccessKeyId']}" in out and alice["id"] in out


CREDENTIALS = (
    "# personal keys\n[other]\naws_access_key_id = AKIAOTHER0000000\n"
    "aws_secret_access_key = other-secret ; not a comment\n\n"
    "[alice]\n; rotated by rolechain\naws_access_key_id   =   {id}\n"
    "aws_secret_access_key={secret}\nregion = us-east-1\n"
)


def test_rotate_plaintext_keys_rewrites_only_their_values(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    file_keyring: Path,
    alice: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = isolated_env.aws_shared_credentials_file
    path.parent.mkdir(parents=True, exist_ok=True)
    before = CREDENTIALS.format(**alice)
    path.write_text(before)
    status, _, err = rotate(capsys, "alice", alice["secret"])
    assert status == 0, err
    [new_id] = iam_keys(moto)
    assert new_id != alice["id"]
    after = path.read_text()
    new_secret = after.split("aws_secret_access_key=")[1].split("\n")[0]
    assert after == CREDENTIALS.format(id=new_id, secret=new_secret)
    assert authenticates(moto, new_id, new_secret)
    [backup] = path.parent.glob("credentials.bak.*")
    assert backup.read_text() == before and stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_step_create_refused_when_the_user_has_two_keys(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    file_keyring: Path,
    alice: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    keyring_setup(isolated_env, file_keyring, alice)
    moto.client("iam").create_access_key(UserName="alice")
    status, _, err = rotate(capsys, "alice", alice["secret"])
    assert status == 1 and err.count("\n") == 1
    assert "step create" in err and "already has two access keys" in err and "third" in err
    assert entry(file_keyring, "alice") == {
        "Version": 1,
        "AccessKeyId": alice["id"],
        "SecretAccessKey": alice["secret"],
    }
    assert authenticates(moto, alice["id"], alice["secret"])


def fail_for_new_key(original: Any) -> Any:
    def identity(self: Rotation, keys: Any) -> str:
        if keys.access_key_id != self.old.access_key_id:
            raise ProviderError("InvalidClientTokenId")
        result: str = original(self, keys)
        return result

    return identity


def test_steps_wait_and_store_failing_keep_the_old_key_and_drop_the_new(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    file_keyring: Path,
    alice: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring_setup(isolated_env, file_keyring, alice)
    stored = {"Version": 1, "AccessKeyId": alice["id"], "SecretAccessKey": alice["secret"]}
    with monkeypatch.context() as patch:  # wait: the new key never works
        patch.setattr(Rotation, "_identity", fail_for_new_key(Rotation._identity))
        status, _, err = rotate(capsys, "alice", alice["secret"])
    assert status == 1 and err.count("\n") == 1
    assert "step wait" in err and "after 2 tries" in err and "was deleted again" in err
    assert entry(file_keyring, "alice") == stored and iam_keys(moto) == [alice["id"]]
    assert authenticates(moto, alice["id"], alice["secret"])

    original_wait = Rotation.wait

    def wait_then_refuse(self: Rotation, new: Any) -> None:
        original_wait(self, new)
        (file_keyring / "refuse").write_text("")  # the keyring refuses the write

    with monkeypatch.context() as patch:
        patch.setattr(Rotation, "wait", wait_then_refuse)
        status, _, err = rotate(capsys, "alice", alice["secret"])
    (file_keyring / "refuse").unlink()
    assert status == 1 and err.count("\n") == 1
    assert "step store" in err and "the old key is still stored and works" in err
    assert entry(file_keyring, "alice") == stored and iam_keys(moto) == [alice["id"]]
    assert authenticates(moto, alice["id"], alice["secret"])


def test_step_store_in_a_credentials_file_edited_meanwhile_writes_nothing(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    file_keyring: Path,
    alice: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = isolated_env.aws_shared_credentials_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CREDENTIALS.format(**alice))
    original_wait = Rotation.wait

    def wait_then_edit(self: Rotation, new: Any) -> None:
        original_wait(self, new)
        with path.open("a") as handle:
            handle.write("# edited by the user meanwhile\n")

    monkeypatch.setattr(Rotation, "wait", wait_then_edit)
    status, _, err = rotate(capsys, "alice", alice["secret"])
    assert status == 1 and "step store" in err and "changed while" in err
    assert path.read_text() == CREDENTIALS.format(**alice) + "# edited by the user meanwhile\n"
    assert list(path.parent.glob("credentials.bak.*")) == []
    assert iam_keys(moto) == [alice["id"]]
    assert authenticates(moto, alice["id"], alice["secret"])


def test_step_delete_failing_leaves_the_new_key_stored_and_working(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    file_keyring: Path,
    alice: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botocore.exceptions import ClientError

    keyring_setup(isolated_env, file_keyring, alice)

    def refuse(self: Rotation, new: Any) -> None:
        error = {"Error": {"Code": "AccessDenied", "Message": "no"}}
        raise ClientError(error, "DeleteAccessKey")  # type: ignore[arg-type]

    original_iam = Rotation._iam

    def iam(self: Rotation, keys: Any) -> Any:
        client = original_iam(self, keys)
        if keys.access_key_id != self.old.access_key_id:
            client.delete_access_key = lambda **kwargs: refuse(self, keys)
        return client

    monkeypatch.setattr(Rotation, "_iam", iam)
    status, _, err = rotate(capsys, "alice", alice["secret"])
    assert status == 1 and err.count("\n") == 1
    assert "step delete" in err and "AccessDenied" in err
    assert f"aws iam delete-access-key --access-key-id {alice['id']}" in err
    stored = entry(file_keyring, "alice")
    assert stored is not None and stored["AccessKeyId"] != alice["id"]
    assert authenticates(moto, stored["AccessKeyId"], stored["SecretAccessKey"])
    assert iam_keys(moto) == sorted([alice["id"], stored["AccessKeyId"]])


def test_rotate_refuses_a_base_without_long_term_keys(
    isolated_env: IsolatedEnv, file_keyring: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text("[profile p]\ncredential_process = true\n")
    status, _, err = rotate(capsys, "p", "no-secret-here")
    assert status == 1 and "long-term IAM user keys" in err and "credential-process" in err
