"""What the cache trusts on read: entries bound to their file name, a private directory,
and only regular files (a FIFO, socket, directory or device is skipped, never waited on)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.cache.answers import read_answer
from resolver.cache.store import CacheStore, Entry
from resolver.cli.fastpath import serve_export
from tests.cache.test_parallel_processes import EXPORT, ROOT, cli_env, run_cli, write_ini
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer

PROD_KEY, DEV_KEY = "a" * 64, "b" * 64
SOON = datetime.now(timezone.utc) + timedelta(hours=1)


def entry(profile: str) -> Entry:
    return Entry(
        profile=profile,
        hop=f"{profile} (arn:aws:iam::123456789012:role/{profile})",
        role_arn=f"arn:aws:iam::123456789012:role/{profile}",
        access_key_id=f"ASIA{profile.upper():0<16}",
        secret_access_key=f"{profile}-secret",
        session_token=f"{profile}-token",
        expiration=SOON,
    )


def test_an_entry_renamed_to_another_key_is_not_served(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    store.write(PROD_KEY, entry("prod"))
    assert store.read(PROD_KEY) is not None
    os.rename(store.entry_path(PROD_KEY), store.entry_path(DEV_KEY))  # prod.json -> dev.json
    assert store.read(DEV_KEY) is None
    assert store.entries() == []


@pytest.mark.parametrize("mode", [0o720, 0o702, 0o777])
def test_a_directory_others_can_write_is_refused_on_read(tmp_path: Path, mode: int) -> None:
    store = CacheStore(tmp_path / "cache")
    store.write(PROD_KEY, entry("prod"))
    os.chmod(store.directory, mode)
    assert store.read(PROD_KEY) is None
    assert store.entries() == []
    os.chmod(store.directory, 0o700)
    assert store.read(PROD_KEY) is not None


def test_a_warm_answer_is_not_served_from_a_directory_others_can_write(
    moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    assert run_cli(EXPORT, env).returncode == 0
    assert serve_export(list(EXPORT), env) is not None
    os.chmod(isolated_env.rolechain_cache_dir, 0o777)
    assert serve_export(list(EXPORT), env) is None


def make_fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def make_directory(path: Path) -> None:
    path.mkdir(mode=0o700)


def make_socket(path: Path) -> None:
    """Bound under a short name (AF_UNIX paths are short), then renamed into place."""
    short = Path(tempfile.mkdtemp(prefix="rc", dir=path.parent))
    server = socket.socket(socket.AF_UNIX)
    os.chdir(short)
    try:
        server.bind("s")
        os.rename(short / "s", path)
    finally:
        server.close()
        os.chdir(ROOT)
        short.rmdir()


def make_device_link(path: Path) -> None:
    path.symlink_to("/dev/zero")


NON_REGULAR: dict[str, Callable[[Path], None]] = {
    "fifo": make_fifo,
    "directory": make_directory,
    "socket": make_socket,
    "symlink to a device": make_device_link,
}


@pytest.mark.parametrize("kind", sorted(NON_REGULAR))
def test_non_regular_cache_files_are_skipped_with_a_warning(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = CacheStore(tmp_path / "cache")
    store.write(DEV_KEY, entry("dev"))
    NON_REGULAR[kind](store.entry_path(PROD_KEY))
    NON_REGULAR[kind](Path(store.answer_path("c" * 16)))
    with caplog.at_level(logging.WARNING):
        assert store.read(PROD_KEY) is None  # a FIFO without a writer: no hang
    assert [e.profile for e in store.entries()] == ["dev"]
    assert read_answer(store.answer_path("c" * 16)) is None
    assert store.answers() == []
    assert any("not a regular file" in r.getMessage() for r in caplog.records)


def test_cache_list_and_export_skip_a_fifo(moto: MotoServer, isolated_env: IsolatedEnv) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    cold = run_cli(EXPORT, env)
    assert cold.returncode == 0, cold.stderr
    cache = isolated_env.rolechain_cache_dir
    for path in [*cache.glob("*.json"), *cache.glob("*.answer")]:
        path.unlink()
        os.mkfifo(path, 0o600)
    listed = run_cli(("cache", "list"), env, timeout=30)
    assert listed.returncode == 0 and "no cached sessions" in listed.stdout
    warm = run_cli(EXPORT, env, timeout=30)  # a new session from STS, without hanging
    assert warm.returncode == 0, warm.stderr
    assert "not a regular file" in warm.stderr


KINDS = st.sampled_from(["regular", "empty", "garbage", *sorted(NON_REGULAR)])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=st.lists(st.tuples(st.booleans(), KINDS), min_size=1, max_size=6))
def test_fuzz_any_mix_of_files_never_hangs_or_raises(
    tmp_path: Path, kinds: list[tuple[bool, str]]
) -> None:
    store = CacheStore(tmp_path / "fuzz")
    shutil.rmtree(store.directory, ignore_errors=True)
    store.ensure_dir()
    written = 0
    for index, (is_answer, kind) in enumerate(kinds):
        key = format(index, "x").rjust(16 if is_answer else 64, "0")
        path = Path(store.answer_path(key)) if is_answer else store.entry_path(key)
        if kind == "regular" and not is_answer:
            store.write(key, entry(f"p{index}"))
            written += 1
        elif kind in ("empty", "garbage", "regular"):
            path.write_bytes(b"" if kind == "empty" else b"\xff{not json")
            os.chmod(path, 0o600)
        else:
            NON_REGULAR[kind](path)
    assert len(store.entries()) == written
    assert store.answers() == []
    store.prune()
    store.clear()
    leftovers = [p for p in store.directory.iterdir() if stat.S_ISREG(p.lstat().st_mode)]
    assert [p for p in leftovers if p.suffix in (".json", ".answer")] == []
