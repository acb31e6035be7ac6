"""Real ``rolechain`` processes sharing the disk cache, against moto_server.

Parallel runs go through a launcher that imports everything first, then waits at a gate
file, then runs the CLI's ``main``: all processes reach the cache at the same moment,
which is the hardest case for single-flight.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from resolver.cache.store import CacheStore, Entry
from resolver.timefmt import rfc3339_exact as rfc3339
from tests.conftest import IsolatedEnv
from tests.moto_support import (
    REGION,
    TEST_ACCESS_KEY_ID,
    TEST_SECRET_ACCESS_KEY,
    MotoServer,
    StsCall,
)

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX processes and signals")

ROOT = Path(__file__).resolve().parents[2]
MID = "arn:aws:iam::123456789012:role/mid"
PROD = "arn:aws:iam::123456789012:role/prod"
EXPORT = ("export", "prod", "--format", "credential-process")

INI = f"""\
[profile user]
aws_access_key_id = {TEST_ACCESS_KEY_ID}
aws_secret_access_key = {TEST_SECRET_ACCESS_KEY}
region = {REGION}

[profile mid]
source_profile = user
role_arn = {MID}
role_session_name = mid-session
duration_seconds = 3600

[profile prod]
source_profile = mid
role_arn = {PROD}
duration_seconds = 900
"""

LAUNCHER = """
import os, sys, time
from pathlib import Path
import botocore.session, botocore.client  # noqa: F401  (import before the gate)
import resolver.api, resolver.config.loading, resolver.chain.planner  # noqa: F401
import resolver.cache.persistent, resolver.config.sources.files  # noqa: F401
import resolver.config.sources.tomlfile, resolver.cli.cmd_export  # noqa: F401
from resolver.cli.main import main
Path(os.environ["TEST_READY"]).write_text("ready")
gate = os.environ.get("TEST_GATE")
while gate and not os.path.exists(gate):
    time.sleep(0.002)
if os.environ.get("TEST_HANG_BEFORE_RENAME"):
    # the moment a write is complete in its temp file and not yet renamed into place
    def hang(src, dst):
        Path(os.environ["TEST_HANG_BEFORE_RENAME"]).write_text(Path(src).read_text())
        time.sleep(120)
    os.replace = hang
sys.exit(main(sys.argv[1:]))
"""


def rolechain_command() -> list[str]:
    script = Path(sys.executable).with_name("rolechain")
    return [str(script)] if script.exists() else [sys.executable, "-m", "resolver"]


def cli_env(moto: MotoServer, paths: IsolatedEnv, **extra: str) -> dict[str, str]:
    """The test's isolated environment, STS sent to moto, and an empty rolechain TOML."""
    paths.rolechain_config.parent.mkdir(parents=True, exist_ok=True)
    if not paths.rolechain_config.exists():
        paths.rolechain_config.write_text("version = 1\n")
    return {**os.environ, "AWS_ENDPOINT_URL_STS": moto.url, "AWS_REGION": REGION, **extra}


def write_ini(paths: IsolatedEnv, text: str = INI) -> None:
    paths.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.aws_config_file.write_text(text)


def run_cli(
    args: Sequence[str], env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*rolechain_command(), *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_launcher(
    args: Sequence[str], env: Mapping[str, str], ready: Path, **extra: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *args],
        env={**env, "TEST_READY": str(ready), **extra},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, process: subprocess.Popen[str] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited early: {process.communicate()}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def run_parallel(
    argvs: Sequence[Sequence[str]], env: Mapping[str, str], workdir: Path, timeout: float = 120
) -> list[tuple[int, str, str]]:
    """Start every argv, wait until all are ready, open the gate; (rc, stdout, stderr)."""
    workdir.mkdir(parents=True, exist_ok=True)
    gate = workdir / "gate"
    processes = []
    try:
        for index, argv in enumerate(argvs):
            ready = workdir / f"ready-{index}"
            processes.append(start_launcher(argv, env, ready, TEST_GATE=str(gate)))
        for index, process in enumerate(processes):
            wait_for(workdir / f"ready-{index}", process)
        gate.write_text("go")
        results = []
        for process in processes:
            out, err = process.communicate(timeout=timeout)
            results.append((process.returncode, out, err))
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def assume_role_calls(moto: MotoServer) -> list[StsCall]:
    return [call for call in moto.sts_calls() if call.action == "AssumeRole"]


def entry_for(store: CacheStore, role_arn: str | None) -> Entry:
    return next(e for e in store.entries() if e.role_arn == role_arn)


def rewrite_expiry(store: CacheStore, entry: Entry, expiration: datetime) -> None:
    data = json.loads(store.entry_path(entry.key).read_text())
    data["expiration"] = rfc3339(expiration)
    data["written_at"] = rfc3339(expiration - timedelta(minutes=15))
    store.write(entry.key, Entry.from_json(data, entry.key))


def assert_private(store: CacheStore) -> None:
    assert stat.S_IMODE(os.stat(store.directory).st_mode) == 0o700
    for path in store.directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        assert TEST_SECRET_ACCESS_KEY not in path.read_text(errors="replace")


def test_eight_cold_processes_one_call_per_hop_then_warm_then_last_hop(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    results = run_parallel([EXPORT] * 8, env, tmp_path / "run")
    assert [rc for rc, _, _ in results] == [0] * 8, [err for _, _, err in results]
    outputs = {out for _, out, _ in results}
    assert len(outputs) == 1  # all 8 print the same session
    session = json.loads(outputs.pop())
    calls = assume_role_calls(moto)
    assert sorted(call.params["RoleArn"] for call in calls) == [MID, PROD]
    store = CacheStore(isolated_env.rolechain_cache_dir)
    mid = entry_for(store, MID)
    by_role = {call.params["RoleArn"]: call for call in calls}
    assert by_role[MID].access_key_id == TEST_ACCESS_KEY_ID
    assert by_role[PROD].access_key_id == mid.access_key_id
    assert entry_for(store, PROD).access_key_id == session["AccessKeyId"]
    assert_private(store)

    moto.reset_recording()
    warm = run_cli(EXPORT, env)
    assert warm.returncode == 0, warm.stderr
    assert json.loads(warm.stdout) == session
    assert moto.sts_calls() == []

    now = datetime.now(timezone.utc)
    for expiration in (now - timedelta(minutes=1), now + timedelta(minutes=2)):
        # expired, then inside the refresh window: only the last hop is called again
        rewrite_expiry(store, entry_for(store, PROD), expiration)
        for answer in store.directory.glob("*.answer"):  # they fall due on the same clock
            answer.unlink()
        moto.reset_recording()
        refreshed = run_cli(EXPORT, env)
        assert refreshed.returncode == 0, refreshed.stderr
        calls = moto.sts_calls()
        assert [(c.action, c.params["RoleArn"], c.access_key_id) for c in calls] == [
            ("AssumeRole", PROD, mid.access_key_id)
        ]
        assert json.loads(refreshed.stdout)["AccessKeyId"] == entry_for(store, PROD).access_key_id
        assert entry_for(store, PROD).expiration > now + timedelta(minutes=10)


def test_killed_mid_write_while_holding_locks_next_run_succeeds(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env, ROLECHAIN_LOCK_TIMEOUT="30")
    writing = tmp_path / "writing"
    killed = start_launcher(EXPORT, env, tmp_path / "ready", TEST_HANG_BEFORE_RENAME=str(writing))
    try:
        wait_for(writing, killed)  # inside the first write: it holds mid's and prod's locks
        deadline = time.monotonic() + 10
        while '"access_key_id"' not in writing.read_text():  # the entry, written in full
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=10)
    finally:
        if killed.poll() is None:
            killed.kill()
            killed.wait()
    store = CacheStore(isolated_env.rolechain_cache_dir)
    assert store.entries() == []
    assert [p.name for p in store.directory.iterdir() if p.name.startswith(".tmp-")]
    started = time.monotonic()
    result = run_cli(EXPORT, env)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 15  # no wait for a dead holder
    assert [c.params["RoleArn"] for c in assume_role_calls(moto)] == [MID, MID, PROD]
    assert {e.role_arn for e in store.entries()} == {MID, PROD}
    assert json.loads(result.stdout)["AccessKeyId"] == entry_for(store, PROD).access_key_id


@pytest.mark.parametrize("how", ["flag", "env"])
def test_no_cache_calls_sts_every_time_and_writes_nothing(
    moto: MotoServer, isolated_env: IsolatedEnv, how: str
) -> None:
    write_ini(isolated_env)
    if how == "flag":
        env, args = cli_env(moto, isolated_env), ("--no-cache", *EXPORT)
    else:
        env, args = cli_env(moto, isolated_env, ROLECHAIN_NO_CACHE="1"), EXPORT
    for _ in range(2):
        result = run_cli(args, env)
        assert result.returncode == 0, result.stderr
    assert len(assume_role_calls(moto)) == 4
    assert not isolated_env.rolechain_cache_dir.exists()


def test_cache_list_and_clear(moto: MotoServer, isolated_env: IsolatedEnv) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    empty = run_cli(("cache", "list"), env)
    assert empty.returncode == 0 and "no cached sessions" in empty.stdout
    exported = json.loads(run_cli(EXPORT, env).stdout)
    listed = run_cli(("cache", "list"), env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["PROFILE", "HOP", "CALLER", "EXPIRES"]
    rows = [line.split() for line in lines[1:-1]]
    assert [row[0] for row in rows] == ["mid", "prod"]
    assert [row[3:5] for row in rows] == [["profile", "user"], ["profile", "mid"]]
    assert lines[-1] == "and 1 ready export answer"
    assert listed.stdout.count(PROD) == 1 and "(in 14m)" in listed.stdout
    store = CacheStore(isolated_env.rolechain_cache_dir)
    for secret in (exported["AccessKeyId"], exported["SecretAccessKey"], exported["SessionToken"]):
        assert secret not in listed.stdout
    for found in store.entries():
        assert found.access_key_id not in listed.stdout
        assert found.key not in listed.stdout
    cleared = run_cli(("cache", "clear", "prod"), env)
    assert cleared.stdout.strip() == "removed 1 cached session of profile prod"
    assert [e.profile for e in store.entries()] == ["mid"]
    unknown = run_cli(("cache", "clear", "nosuch"), env)
    assert unknown.returncode != 0 and unknown.stdout == ""
    assert "nosuch" in unknown.stderr and len(unknown.stderr.splitlines()) == 1
    assert [e.profile for e in store.entries()] == ["mid"]
    cleared = run_cli(("cache", "clear"), env)
    assert cleared.stdout.strip() == "removed 1 cached session"
    assert list(store.directory.iterdir()) == []


def test_cache_clear_of_a_base_profile_removes_the_chains_built_on_it(
    moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    assert run_cli(EXPORT, env).returncode == 0
    store = CacheStore(isolated_env.rolechain_cache_dir)
    assert [e.profile for e in store.entries()] == ["mid", "prod"]
    cleared = run_cli(("cache", "clear", "user"), env)
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.strip() == "removed 2 cached sessions of profile user"
    assert store.entries() == [] and store.answers() == []


def test_lock_wait_is_bounded_with_a_clear_error(
    moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    from resolver.api import plan
    from resolver.cache.persistent import step_wrapper
    from resolver.providers.executor import build_provider

    write_ini(isolated_env)
    env = cli_env(moto, isolated_env, ROLECHAIN_LOCK_TIMEOUT="0.5")
    final = build_provider(plan("prod"), environ=env, wrap=step_wrapper(env))
    key = final.provider.key()  # type: ignore[attr-defined]
    store = CacheStore(isolated_env.rolechain_cache_dir)
    with store.lock(key, timeout=1):
        started = time.monotonic()
        result = run_cli(EXPORT, env)
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert "CacheError" not in result.stderr  # one line, no traceback
    assert "timed out after 0.5s waiting for the cache lock for prod" in result.stderr
    assert moto.sts_calls() == []
    assert run_cli(EXPORT, env).returncode == 0
    assert store.read(key) is not None  # the CLI and the library agree on the key
