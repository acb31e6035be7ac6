"""KeyLock: exclusive across processes and threads, bounded waits, dies with its holder."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from resolver.cache import locks
from resolver.cache.locks import DEFAULT_LOCK_TIMEOUT, KeyLock, lock_timeout
from resolver.errors import CacheError

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX flock semantics")

HOLDER = """
import sys, time
from pathlib import Path
from resolver.cache.locks import KeyLock
lock = KeyLock(Path(sys.argv[1]), timeout=5)
lock.acquire()
Path(sys.argv[2]).write_text("held")
time.sleep(60)
"""


def wait_for(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, DEFAULT_LOCK_TIMEOUT),
        ("", DEFAULT_LOCK_TIMEOUT),
        ("2.5", 2.5),
        ("0", 0.0),
        ("abc", DEFAULT_LOCK_TIMEOUT),
        ("-1", DEFAULT_LOCK_TIMEOUT),
    ],
)
def test_lock_timeout_from_environment(value: str | None, expected: float) -> None:
    environ = {} if value is None else {"ROLECHAIN_LOCK_TIMEOUT": value}
    assert lock_timeout(environ) == expected


def test_acquire_release_and_private_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "k.lock"
    lock = KeyLock(path, timeout=1)
    with lock:
        assert lock.held
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not KeyLock(path).try_acquire(0)
    assert not lock.held
    lock.release()  # idempotent
    assert KeyLock(path).try_acquire(0)


def test_bounded_wait_raises_cache_error_naming_the_label(tmp_path: Path) -> None:
    path = tmp_path / "k.lock"
    with KeyLock(path):
        waiter = KeyLock(path, timeout=0.3, label="profile prod")
        started = time.monotonic()
        with pytest.raises(CacheError, match=r"timed out after 0\.3s .*profile prod") as info:
            waiter.acquire()
        elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 2.0
    assert "ROLECHAIN_LOCK_TIMEOUT" in str(info.value)
    assert info.value.reason == "lock-timeout"
    assert not waiter.held


def test_waiter_gets_the_lock_once_released(tmp_path: Path) -> None:
    path = tmp_path / "k.lock"
    holder = KeyLock(path)
    holder.acquire()
    threading.Timer(0.2, holder.release).start()
    started = time.monotonic()
    with KeyLock(path, timeout=5):
        assert time.monotonic() - started < 3


def test_threads_are_mutually_excluded(tmp_path: Path) -> None:
    path, counter = tmp_path / "k.lock", tmp_path / "counter"
    counter.write_text("0")

    def bump() -> None:
        for _ in range(20):
            with KeyLock(path, timeout=10):
                value = int(counter.read_text())
                time.sleep(0.0005)
                counter.write_text(str(value + 1))

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.read_text() == "120"


def test_sigkilled_holder_does_not_deadlock(tmp_path: Path) -> None:
    path, ready = tmp_path / "k.lock", tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(ready)], cwd=ROOT)
    try:
        wait_for(ready)
        assert not KeyLock(path).try_acquire(0.1)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        started = time.monotonic()
        with KeyLock(path, timeout=5):
            assert time.monotonic() - started < 1
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_children_do_not_inherit_the_lock(tmp_path: Path) -> None:
    """mfa_process runs while a lock is held: the lock must not outlive its holder in it."""
    path = tmp_path / "k.lock"
    lock = KeyLock(path)
    lock.acquire()
    child = subprocess.Popen(["sleep", "30"], close_fds=False)
    try:
        lock.release()
        assert KeyLock(path).try_acquire(0.5)
    finally:
        child.kill()
        child.wait()


def test_lock_file_replaced_under_a_waiter_is_locked_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A waiter that opened a lock file the pruner then unlinked must lock the new one."""
    path = tmp_path / "k.lock"
    stale = tmp_path / "stale.lock"
    stale.touch()
    opened: list[int] = []
    real_open = locks._open_lock_file

    def open_stale_first(target: Path) -> int:
        opened.append(1)
        return real_open(stale if len(opened) == 1 else target)

    monkeypatch.setattr(locks, "_open_lock_file", open_stale_first)
    lock = KeyLock(path)
    assert lock.try_acquire(1)
    assert len(opened) == 2
    monkeypatch.setattr(locks, "_open_lock_file", real_open)
    assert not KeyLock(path).try_acquire(0)  # the lock is on the file the path names
    assert KeyLock(stale).try_acquire(0)
    lock.release()


def test_unlink_while_held_then_others_lock_the_new_file(tmp_path: Path) -> None:
    path = tmp_path / "k.lock"
    pruner = KeyLock(path)
    assert pruner.try_acquire(0)
    pruner.unlink()
    assert not path.exists()
    with KeyLock(path, timeout=1):
        assert path.exists()
    pruner.release()


def test_unopenable_lock_file_is_a_cache_error(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.touch()
    (tmp_path / "k.lock").symlink_to(target)  # O_NOFOLLOW refuses symlinks
    with pytest.raises(CacheError, match="cannot open cache lock"):
        KeyLock(tmp_path / "k.lock").acquire()
