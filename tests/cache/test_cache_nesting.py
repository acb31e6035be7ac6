"""Deeply nested JSON in a cache file is a corrupt entry, never a RecursionError, and the
cache reader neither raises nor hangs on any shape of file: bytes, entries with bad
fields, deep nesting, FIFOs, sockets, directories and symlinks (issue 10, "fix the class":
every recursive structure is bounded; issue 10.9's non-regular files in the fuzz test)."""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.cache.answers import answer_path, read_answer
from resolver.cache.failures import failure_path, record_failure, shared_failure
from resolver.cache.store import CacheStore, make_key
from resolver.errors import StsError
from tests.cache.test_diskcache import NOW, entry

KEY = make_key({"profile": "prod"})
ANSWER_KEY = "0123456789abcdef"

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes, FIFOs and sockets")


def finishes(action: Callable[[], object]) -> object:
    """``action()`` in a thread that must not hang (a FIFO opened blocking would)."""
    result: list[object] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            result.append(action())
        except BaseException as exc:  # re-raised in the test's thread
            failed.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "the cache reader hung"
    if failed:
        raise failed[0]
    return result[0]


@pytest.mark.parametrize("depth", [33, 1_000, 10_000])
def test_a_deeply_nested_entry_reads_as_corrupt_and_is_replaced(depth: int, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    store.write(KEY, entry())
    store.entry_path(KEY).write_text('{"a":' * depth + "1" + "}" * depth)
    assert store.read(KEY) is None
    assert store.entries() == []
    store.write(KEY, entry())
    assert store.read(KEY) == entry()


def test_a_deeply_nested_failure_record_is_ignored(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    error = StsError("AssumeRole failed: Rate exceeded", code="Throttling")
    record_failure(store, KEY, error, NOW)
    assert shared_failure(store, KEY, NOW, None) is not None
    failure_path(store, KEY).write_text("[" * 5_000 + "]" * 5_000)
    assert shared_failure(store, KEY, NOW, None) is None


def _shape(kind: str, path: Path, data: bytes) -> None:
    if kind == "bytes":
        path.write_bytes(data)
    elif kind == "json-entry":
        doc = json.loads(json.dumps(entry(key=KEY).to_json()))
        doc["expiration"] = data.decode("latin-1")[:30] or doc["expiration"]
        path.write_text(json.dumps(doc))
    elif kind == "nested":
        depth = 20 + len(data) * 200
        path.write_text("[" * depth + "]" * depth)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "symlink":
        target = path.with_name(path.name + ".target")
        target.write_bytes(data)
        target.chmod(0o600)
        path.symlink_to(target)
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        try:
            server.bind(str(path))
        except OSError:  # path too long for AF_UNIX: a FIFO stands in
            os.mkfifo(path)
        finally:
            server.close()
    if path.is_file() and not path.is_symlink():
        path.chmod(0o600)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(
        ["bytes", "json-entry", "nested", "fifo", "directory", "symlink", "socket"]
    ),
    data=st.binary(max_size=200),
)
def test_the_cache_reader_never_raises_or_hangs(kind: str, data: bytes, tmp_path: Path) -> None:
    directory = tmp_path / os.urandom(4).hex()
    store = CacheStore(directory)
    store.ensure_dir()
    _shape(kind, store.entry_path(KEY), data)
    _shape(kind, Path(answer_path(str(directory), ANSWER_KEY)), data)
    _shape(kind, failure_path(store, KEY), data)
    found = finishes(lambda: store.read(KEY))
    assert found is None or kind == "json-entry"
    assert finishes(lambda: read_answer(answer_path(str(directory), ANSWER_KEY))) is None
    assert finishes(lambda: shared_failure(store, KEY, NOW, None)) is None
    finishes(store.entries)
    finishes(store.answers)
    finishes(store.prune)
