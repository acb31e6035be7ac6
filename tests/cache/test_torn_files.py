"""A cache file torn by a crash is a miss, and writing the cache costs no fsync.

The cache writes its files atomically but without fsync (``resolver.cache.atomic``): after
a power loss a name may hold an empty, truncated, zero-filled or stale file. Every kind
of file the cache writes (a step's entry, a failure record, a ready answer, the
completion listing), torn at any byte, zero-filled or replaced by garbage, is never
served and never raises, and the next command replaces it. Only the entry of an MFA
session is fsynced; files the user owns keep fsync of the file and its directory.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.cache.answers import Answer, read_answer
from resolver.cache.failures import failure_id, failure_path, record_failure, shared_failure
from resolver.cache.store import CacheStore
from resolver.cli.names import LISTING, profile_names
from resolver.config.credentials_rewrite import create_file
from resolver.errors import StsError
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.tokens import get_token_code
from tests.cache.test_cache_files import entry
from tests.cache.test_diskcache import NOW
from tests.cache.test_parallel_processes import EXPORT, MID, PROD, cli_env, run_cli, write_ini
from tests.cache.test_shared_failures import SERIAL, disk
from tests.conftest import IsolatedEnv
from tests.hostile import HOSTILE_PIECES
from tests.moto_support import MotoServer

KEY, ANSWER_KEY = "c" * 64, "d" * 16
PROFILES = ("alpha", "beta", "legend")  # a line and a path may end in "end"


@dataclass(frozen=True)
class Kind:
    """A kind of cache file: ``write`` puts a valid one in the store and returns its
    path; ``missed`` is True when its reader finds nothing usable in that path now."""

    name: str
    write: Callable[[CacheStore], Path]
    missed: Callable[[CacheStore], bool]


def write_entry(store: CacheStore) -> Path:
    store.write(KEY, entry("prod"))
    return store.entry_path(KEY)


def entry_missed(store: CacheStore) -> bool:
    return store.read(KEY) is None and store.entries() == []


def write_failure(store: CacheStore) -> Path:
    error = StsError("AssumeRole failed: Rate exceeded", code="Throttling", hop="prod")
    record_failure(store, KEY, error, NOW, profiles=("prod",))
    return failure_path(store, KEY)


def failure_missed(store: CacheStore) -> bool:
    return failure_id(store, KEY) is None and shared_failure(store, KEY, NOW, None) is None


def write_answer(store: CacheStore) -> Path:
    stamp = (("/etc/aws-config", "/etc/aws-config", 10, 11, 12, 13, 14),)
    outputs = {"env": "export AWS_ACCESS_KEY_ID=ASIAPROD", "json": '{"Version": 1}'}
    when = NOW.timestamp()
    answer = Answer("rolechain answer\nprofile prod", ["user", "prod"], when, when, stamp, outputs)
    store.write_answer(ANSWER_KEY, answer.encode())
    return Path(store.answer_path(ANSWER_KEY))


def answer_missed(store: CacheStore) -> bool:
    return read_answer(store.answer_path(ANSWER_KEY)) is None and store.answers() == []


def listing_environ(store: CacheStore) -> dict[str, str]:
    config = store.directory.parent / "aws-config"
    if not config.exists():
        config.write_text("".join(f"[profile {name}]\nregion = us-east-1\n" for name in PROFILES))
    return {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(store.directory.parent / "none"),
        "ROLECHAIN_CONFIG": str(store.directory.parent / "legend"),
        "ROLECHAIN_CACHE_DIR": str(store.directory),
    }


def write_listing(store: CacheStore) -> Path:
    assert profile_names(None, listing_environ(store)) == list(PROFILES)
    return store.directory / LISTING


def listing_missed(store: CacheStore) -> bool:
    """The listing is read as a miss when the names come out whole all the same."""
    path = store.directory / LISTING
    before = path.read_bytes()
    names = profile_names(None, listing_environ(store))
    return names == list(PROFILES) and path.read_bytes() != before  # scanned and rewritten


KINDS = [
    Kind("entry", write_entry, entry_missed),
    Kind("failure record", write_failure, failure_missed),
    Kind("ready answer", write_answer, answer_missed),
    Kind("completion listing", write_listing, listing_missed),
]


def replace_bytes(path: Path, data: bytes) -> None:
    """What a crash may leave: ``data`` in ``path``, still 0600 and ours."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def torn_versions(data: bytes) -> Iterator[bytes]:
    """Every truncation (the empty file too) and the zero-filled file XFS may leave."""
    yield from (data[:end] for end in range(len(data)))
    yield b"\0" * len(data)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_torn_version_of_every_cache_file_is_a_miss(kind: Kind, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    path = kind.write(store)
    data = path.read_bytes()
    assert not kind.missed(store)  # the whole file is served: the check below could fail
    for torn in torn_versions(data):
        replace_bytes(path, torn)
        assert kind.missed(store), (kind.name, len(torn), len(data))


GARBAGE = st.one_of(
    st.binary(max_size=2048),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=40).map(lambda p: "".join(p).encode()),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.sampled_from(KINDS), cut=st.floats(0, 1), tail=GARBAGE, whole=st.booleans())
def test_garbage_in_any_cache_file_is_a_miss(
    tmp_path_factory: pytest.TempPathFactory, kind: Kind, cut: float, tail: bytes, whole: bool
) -> None:
    """Garbage, or a valid start followed by garbage (blocks of another file)."""
    store = CacheStore(tmp_path_factory.mktemp("garbage") / "cache")
    path = kind.write(store)
    data = path.read_bytes()
    start = b"" if whole else data[: int(cut * (len(data) - 1))]
    replace_bytes(path, start + tail)
    assert kind.missed(store)


def test_prune_removes_torn_entries_and_answers(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    for path in (write_entry(store), write_answer(store)):
        replace_bytes(path, path.read_bytes()[:40])
    store.prune()
    assert not store.entry_path(KEY).exists()
    assert not Path(store.answer_path(ANSWER_KEY)).exists()


# --- end to end: the real CLI against moto, every file torn at once or one kind alone ----


def tear(path: Path, how: str) -> None:
    data = path.read_bytes()
    torn = {
        "empty": b"",
        "truncated": data[: len(data) // 2],
        "zero-filled": b"\0" * len(data),
        "garbage": os.urandom(len(data)),
    }[how]
    replace_bytes(path, torn)


def export_after(
    moto: MotoServer, env: dict[str, str], expected_roles: list[str]
) -> dict[str, Any]:
    """Run the export; it succeeds with at most one line on stderr, calling STS for
    exactly ``expected_roles``; its credentials."""
    moto.reset_recording()
    again = run_cli(EXPORT, env)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr and len(again.stderr.splitlines()) <= 1
    assert [c.params.get("RoleArn") for c in moto.sts_calls()] == expected_roles
    output: dict[str, Any] = json.loads(again.stdout)
    assert output["AccessKeyId"].startswith("ASIA") and output["SessionToken"]
    return output


@pytest.mark.parametrize("how", ["empty", "truncated", "zero-filled", "garbage"])
def test_export_replaces_every_torn_cache_file(
    moto: MotoServer, isolated_env: IsolatedEnv, how: str
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    assert run_cli(EXPORT, env).returncode == 0
    store = CacheStore(isolated_env.rolechain_cache_dir)
    keys = [e.key for e in store.entries()]
    assert len(keys) == 2 and len(store.answers()) == 1
    for key in keys:  # a failure record each, as a process that failed would leave
        failure_path(store, key).write_bytes(b'{"key": "' + key.encode() + b'"}')
        os.chmod(failure_path(store, key), 0o600)
    files = [*store.directory.glob("*.json"), *store.directory.glob("*.answer")]
    for path in [*files, *store.directory.glob("*.fail")]:
        tear(path, how)
    export_after(moto, env, [MID, PROD])
    assert len(store.entries()) == 2 and len(store.answers()) == 1  # replaced
    export_after(moto, env, [])


def test_a_torn_file_costs_only_what_it_held(moto: MotoServer, isolated_env: IsolatedEnv) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    assert run_cli(EXPORT, env).returncode == 0
    store = CacheStore(isolated_env.rolechain_cache_dir)
    answer = next(store.directory.glob("*.answer"))
    tear(answer, "truncated")
    export_after(moto, env, [])  # the answer is rebuilt from the entries: no STS call
    (prod,) = [e for e in store.entries() if e.role_arn == PROD]
    tear(store.entry_path(prod.key), "zero-filled")
    tear(next(store.directory.glob("*.answer")), "empty")
    export_after(moto, env, [PROD])  # one hop again, from the cached first hop


# --- fsync: none on a cold export, two for an MFA session's entry, user files keep theirs --


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each fsync or fdatasync from now on synced: "file" or "directory"."""
    synced: list[str] = []
    real_fsync = os.fsync

    def counting(fd: int) -> None:
        synced.append("directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting)
    monkeypatch.setattr(os, "fdatasync", counting, raising=False)
    return synced


def test_a_cold_export_makes_no_fsync(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    fsyncs: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from resolver.cli.main import main

    write_ini(isolated_env)
    for name, value in cli_env(moto, isolated_env).items():
        monkeypatch.setenv(name, value)
    moto.reset_recording()
    assert main(list(EXPORT)) == 0
    assert json.loads(capsys.readouterr().out)["AccessKeyId"].startswith("ASIA")
    assert len(moto.sts_calls()) == 2  # it was cold
    store = CacheStore(isolated_env.rolechain_cache_dir)
    assert len(store.entries()) == 2 and len(store.answers()) == 1  # and wrote its files
    assert fsyncs == []


class MfaSts:
    """A provider whose call sends an MFA code (through the real ``get_token_code``)."""

    name = "MfaSts"

    def __init__(self, code: str | None) -> None:
        self.code = code

    def retrieve(self) -> Credentials:
        if self.code is not None:
            get_token_code(lambda: str(self.code), SERIAL)
        return Credentials("ASIAOK", "secret", "token", expires=NOW + timedelta(hours=1))


@pytest.mark.parametrize(("code", "expected"), [(None, []), ("123456", ["file", "directory"])])
def test_only_an_mfa_sessions_entry_is_fsynced(
    tmp_path: Path, fsyncs: list[str], code: str | None, expected: list[str]
) -> None:
    store = CacheStore(tmp_path / "cache")
    assert disk(store, MfaSts(code)).retrieve().access_key_id == "ASIAOK"
    assert [e.access_key_id for e in store.entries()] == ["ASIAOK"]
    assert fsyncs == expected


def test_files_the_user_owns_keep_fsync_of_file_and_directory(
    tmp_path: Path, fsyncs: list[str]
) -> None:
    create_file(tmp_path / "credentials", "[default]\n")
    assert fsyncs == ["file", "directory"]
