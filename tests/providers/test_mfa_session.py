"""One MFA session (GetSessionToken) for many roles, prompted once across processes.

The profiles here are TOML (``ROLECHAIN_CONFIG``); ``mfa_process`` is a script that
appends a line to a count file per run, so the test counts prompts across processes.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from resolver.cache.locks import KeyLock
from resolver.cache.persistent import make_persistent_cache
from resolver.cache.store import CacheStore
from resolver.chain.types import StaticSource
from resolver.providers.executor import Step, build_provider
from resolver.records import replace
from resolver.stscreds.credentials import CredentialsProvider
from tests.cache.test_parallel_processes import (
    cli_env,
    run_cli,
    run_parallel,
    start_launcher,
    wait_for,
)
from tests.conftest import IsolatedEnv
from tests.moto_support import REGION, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX processes and signals")

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
OTHER_SERIAL = "arn:aws:iam::123456789012:mfa/alice-backup"
ROLES = [f"arn:aws:iam::123456789012:role/r{i}" for i in range(1, 5)]
OTHER_ROLE = "arn:aws:iam::123456789012:role/guarded"

MFA_SCRIPT = """
import os, sys, time
count, code = sys.argv[1], sys.argv[2]
with open(count, "a") as log:
    log.write(f"{os.getpid()}\\n")
if os.path.exists(count + ".hang"):
    time.sleep(60)
time.sleep(0.5)  # a slow human: the other processes arrive while this one prompts
print(code)
"""


def write_profiles(paths: IsolatedEnv, tmp_path: Path, duration: str | None = "8h") -> Path:
    script = tmp_path / "mfa.py"
    script.write_text(MFA_SCRIPT)
    counts = tmp_path / "mfa-runs"
    lines = [
        "version = 1",
        "[profiles.alice]",
        f'aws_access_key_id = "{TEST_ACCESS_KEY_ID}"',
        f'aws_secret_access_key = "{TEST_SECRET_ACCESS_KEY}"',
        f'mfa_serial = "{SERIAL}"',
        f'mfa_process = "{sys.executable} {script} {counts} 123456"',
        f'region = "{REGION}"',
    ]
    if duration:
        lines.append(f'mfa_session_duration = "{duration}"')
    for index, role in enumerate(ROLES, 1):
        lines += [f"[profiles.r{index}]", 'source_profile = "alice"', f'role_arn = "{role}"']
        if index % 2:  # r1 and r3 name the session's device: no second code
            lines.append(f'mfa_serial = "{SERIAL}"')
    lines += [
        "[profiles.guarded]",
        'source_profile = "alice"',
        f'role_arn = "{OTHER_ROLE}"',
        f'mfa_serial = "{OTHER_SERIAL}"',
        f'mfa_process = "{sys.executable} {script} {counts}-other 654321"',
    ]
    paths.rolechain_config.parent.mkdir(parents=True, exist_ok=True)
    paths.rolechain_config.write_text("\n".join(lines) + "\n")
    return counts


def kill_orphan(counts: Path) -> None:
    """End the hung mfa_process this test started (the first pid logged), if still alive."""
    if not counts.exists():
        return
    pid = int(counts.read_text().split()[0])
    try:
        if b"mfa.py" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


def runs(counts: Path) -> int:
    return len(counts.read_text().splitlines()) if counts.exists() else 0


def test_four_parallel_roles_share_one_code_and_one_session(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    counts = write_profiles(isolated_env, tmp_path)
    env = cli_env(moto, isolated_env)
    argvs = [("export", f"r{i}", "--format", "credential-process") for i in range(1, 5)]
    results = run_parallel(argvs, env, tmp_path / "run")
    assert [rc for rc, _, _ in results] == [0] * 4, [err for _, _, err in results]
    assert runs(counts) == 1  # the user typed ONE code

    calls = moto.sts_calls()
    sessions = [c for c in calls if c.action == "GetSessionToken"]
    assert len(sessions) == 1
    assert sessions[0].params == {
        "DurationSeconds": "28800",
        "SerialNumber": SERIAL,
        "TokenCode": "123456",
    }
    assert sessions[0].access_key_id == TEST_ACCESS_KEY_ID
    store = CacheStore(isolated_env.rolechain_cache_dir)
    session = next(e for e in store.entries() if e.role_arn is None)
    assert session.profile == "alice" and "MFA session" in session.hop
    assume = [c for c in calls if c.action == "AssumeRole"]
    assert sorted(c.params["RoleArn"] for c in assume) == ROLES
    for call in assume:
        assert call.access_key_id == session.access_key_id  # signed by the session's key
        assert "SerialNumber" not in call.params and "TokenCode" not in call.params
    exported = {json.loads(out)["AccessKeyId"] for _, out, _ in results}
    assert len(exported) == 4
    for path in store.directory.iterdir():
        assert TEST_SECRET_ACCESS_KEY not in path.read_text(errors="replace")

    # A role behind another device asks for that device's code, on the same session.
    moto.reset_recording()
    guarded = run_cli(("export", "guarded", "--format", "credential-process"), env)
    assert guarded.returncode == 0, guarded.stderr
    assert runs(counts) == 1 and runs(Path(f"{counts}-other")) == 1
    (call,) = moto.sts_calls()
    assert call.action == "AssumeRole" and call.access_key_id == session.access_key_id
    assert call.params["SerialNumber"] == OTHER_SERIAL and call.params["TokenCode"] == "654321"

    # Warm: nobody is asked for anything.
    moto.reset_recording()
    assert run_cli(("export", "r2"), env).returncode == 0
    assert moto.sts_calls() == [] and runs(counts) == 1


def test_prompt_runs_under_the_session_lock_default_twelve_hours(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    from resolver.api import plan

    write_profiles(isolated_env, tmp_path, duration=None)
    store = CacheStore(isolated_env.rolechain_cache_dir)
    steps: list[Any] = []
    inner = make_persistent_cache(store)
    held_while_prompting: list[bool] = []

    def wrap(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
        steps.append(inner(provider, step))
        return steps[-1]  # type: ignore[no-any-return]

    def token() -> str:
        session_key = steps[0].provider.key()
        held_while_prompting.append(not KeyLock(store.lock_path(session_key)).try_acquire(0))
        return "123456"

    environ = {"AWS_ENDPOINT_URL_STS": moto.url, "AWS_REGION": REGION}
    chain = plan("r2")
    assert isinstance(chain.source, StaticSource) and chain.source.mfa_process
    chain = replace(chain, source=replace(chain.source, mfa_process=None))  # prompt: token()
    build_provider(chain, environ=environ, token_provider=token, wrap=wrap).retrieve()
    assert held_while_prompting == [True]
    (session,) = [c for c in moto.sts_calls() if c.action == "GetSessionToken"]
    assert session.params["DurationSeconds"] == "43200"


def test_killed_while_prompting_does_not_block_the_next_run(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    counts = write_profiles(isolated_env, tmp_path)
    env = cli_env(moto, isolated_env, ROLECHAIN_LOCK_TIMEOUT="30")
    Path(f"{counts}.hang").touch()
    stuck = start_launcher(("export", "r1"), env, tmp_path / "ready")
    try:
        wait_for(counts, stuck)  # mfa_process is running: the session lock is held
        orphan = int(counts.read_text().split()[0])
        os.kill(stuck.pid, signal.SIGKILL)  # the prompt (mfa_process) outlives it
        stuck.wait(timeout=10)
        Path(f"{counts}.hang").unlink()
        started = time.monotonic()
        result = run_cli(("export", "r1"), env)
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started < 15
    finally:
        if stuck.poll() is None:
            stuck.kill()
            stuck.wait()
        kill_orphan(counts)
    assert runs(counts) == 2 and orphan > 0
    assert [c.action for c in moto.sts_calls()] == ["GetSessionToken", "AssumeRole"]
