"""A keyring base end to end against moto_server: MFA session, hops cached, one keyring read.

The keyring is ``tests.keyring_backend.FileKeyring``: every read appends to a log, so the
tests count reads across processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from resolver.cache.store import CacheStore
from tests.cache.test_parallel_processes import ROOT, cli_env, run_cli, run_parallel, write_ini
from tests.conftest import IsolatedEnv
from tests.keyring_backend import file_keyring, put_entry, reads
from tests.moto_support import REGION, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

__all__ = ["file_keyring"]

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX processes")

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
ROLE = "arn:aws:iam::123456789012:role/deploy"
EXPORT = ("export", "deploy", "--format", "credential-process")


def keyring_ini(mfa: str = "") -> str:
    return (
        f"[profile user]\ncredential_store = keyring\nregion = {REGION}\n{mfa}\n"
        f"[profile deploy]\nsource_profile = user\nrole_arn = {ROLE}\n"
        "role_session_name = deploy\n"
    )


def assert_no_long_term_secret(store: CacheStore) -> None:
    files = list(store.directory.iterdir())
    assert files
    for path in files:
        assert TEST_SECRET_ACCESS_KEY not in path.read_text(errors="replace"), path.name


def test_mfa_session_on_a_keyring_base_then_the_hop_all_cached(
    moto: MotoServer, isolated_env: IsolatedEnv, file_keyring: Path, tmp_path: Path
) -> None:
    put_entry(file_keyring, "user", TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY)
    script = tmp_path / "code.py"
    script.write_text("print('123456')\n")
    mfa = f"mfa_serial = {SERIAL}\nmfa_process = {sys.executable} {script}\n"
    write_ini(isolated_env, keyring_ini(mfa))
    env = cli_env(moto, isolated_env)
    first = run_cli(EXPORT, env)
    assert first.returncode == 0, first.stderr
    calls = moto.sts_calls()
    assert [call.action for call in calls] == ["GetSessionToken", "AssumeRole"]
    session, assume = calls
    assert session.access_key_id == TEST_ACCESS_KEY_ID  # signed by the keyring's key
    assert session.params["SerialNumber"] == SERIAL and session.params["TokenCode"] == "123456"
    assert reads(file_keyring) == ["rolechain/user"]
    store = CacheStore(isolated_env.rolechain_cache_dir)
    cached = next(e for e in store.entries() if e.role_arn is None)
    assert cached.profile == "user" and cached.hop == "MFA session of profile user"
    assert assume.access_key_id == cached.access_key_id  # signed by the MFA session
    assert "SerialNumber" not in assume.params  # one code for the chain
    assert_no_long_term_secret(store)
    second = subprocess.run(  # warm: neither STS nor the keyring, nor even `import keyring`
        [sys.executable, "-X", "importtime", "-m", "resolver", *EXPORT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert second.returncode == 0, second.stderr
    imported = {line.split("|")[-1].strip() for line in second.stderr.splitlines() if "|" in line}
    assert "resolver.cache.answers" in imported
    assert not {name for name in imported if name.split(".")[0] == "keyring"}
    second = subprocess.CompletedProcess(second.args, 0, second.stdout, "")
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert len(moto.sts_calls()) == 2
    assert reads(file_keyring) == ["rolechain/user"]
    assert TEST_SECRET_ACCESS_KEY not in first.stderr + second.stderr


def test_eight_parallel_cold_runs_read_the_keyring_exactly_once(
    moto: MotoServer, isolated_env: IsolatedEnv, file_keyring: Path, tmp_path: Path
) -> None:
    put_entry(file_keyring, "user", TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY)
    write_ini(isolated_env, keyring_ini())
    env = cli_env(moto, isolated_env)
    results = run_parallel([EXPORT] * 8, env, tmp_path / "run")
    assert [rc for rc, _, _ in results] == [0] * 8, [err for _, _, err in results]
    assert len({out for _, out, _ in results}) == 1
    assert reads(file_keyring) == ["rolechain/user"]
    [call] = moto.sts_calls()
    assert call.action == "AssumeRole" and call.access_key_id == TEST_ACCESS_KEY_ID
    assert_no_long_term_secret(CacheStore(isolated_env.rolechain_cache_dir))
    assert not any(TEST_SECRET_ACCESS_KEY in err for _, _, err in results)


def test_parallel_runs_on_a_bare_keyring_base_take_turns_at_the_keyring(
    isolated_env: IsolatedEnv, file_keyring: Path, tmp_path: Path, moto: MotoServer
) -> None:
    """No hop to cache: every run reads the keyring, one at a time behind the lock."""
    put_entry(file_keyring, "user", TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY)
    write_ini(isolated_env, keyring_ini())
    env = cli_env(moto, isolated_env)
    results = run_parallel([("export", "user", "--format", "json")] * 4, env, tmp_path / "run")
    assert [rc for rc, _, _ in results] == [0] * 4, [err for _, _, err in results]
    assert reads(file_keyring) == ["rolechain/user"] * 4
    assert (isolated_env.rolechain_cache_dir / "keyring.lock").exists()
    # the long-term secret went to stdout only: nothing was written to the cache
    assert not list(isolated_env.rolechain_cache_dir.glob("*.json"))


def test_new_keys_in_the_keyring_are_not_served_the_old_keys_sessions(
    moto: MotoServer, isolated_env: IsolatedEnv, file_keyring: Path
) -> None:
    write_ini(isolated_env, keyring_ini())
    env = cli_env(moto, isolated_env)

    def add(key_id: str) -> None:
        payload = json.dumps({"AccessKeyId": key_id, "SecretAccessKey": TEST_SECRET_ACCESS_KEY})
        result = subprocess.run(
            [sys.executable, "-m", "resolver", "keys", "add", "user", "--stdin"],
            input=payload,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert TEST_SECRET_ACCESS_KEY not in result.stdout + result.stderr

    add(TEST_ACCESS_KEY_ID)
    assert run_cli(EXPORT, env).returncode == 0
    assert run_cli(EXPORT, env).returncode == 0  # warm: the same session
    assert [call.access_key_id for call in moto.sts_calls()] == [TEST_ACCESS_KEY_ID]
    add("AKIAOTHERUSER000000")  # another IAM user's keys under the same profile
    assert run_cli(EXPORT, env).returncode == 0
    signers = [call.access_key_id for call in moto.sts_calls()]
    assert signers == [TEST_ACCESS_KEY_ID, "AKIAOTHERUSER000000"]
