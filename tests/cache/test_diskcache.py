"""The persistent cache: entries, keys, private atomic writes, pruning, and the wrapper."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from resolver.cache.locks import KeyLock
from resolver.cache.persistent import (
    CachedStep,
    DiskCachedProvider,
    make_persistent_cache,
    step_wrapper,
)
from resolver.cache.store import CacheStore, Entry, cache_dir, make_key, parse_rfc3339
from resolver.chain.types import (
    Chain,
    EnvironmentSource,
    Hop,
    ProcessSource,
    StaticSource,
    StsSettings,
    WebIdentitySource,
)
from resolver.context import cache_disabled
from resolver.errors import CacheError, StsError
from resolver.providers.executor import build_provider, memory_cache
from resolver.records import replace
from resolver.stscreds.credentials import Credentials
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

ROOT = Path(__file__).resolve().parents[2]
KEY = "a" * 64
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=5)
SPEC_FIELDS = {
    "version", "profile", "hop", "role_arn", "access_key_id", "secret_access_key",
    "session_token", "expiration", "account_id", "written_at", "key", "through", "caller",
}  # fmt: skip


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def entry(expiration: datetime = NOW + timedelta(hours=1), **changes: Any) -> Entry:
    base = Entry(
        profile="prod",
        hop="prod (arn:aws:iam::123456789012:role/prod)",
        role_arn="arn:aws:iam::123456789012:role/prod",
        access_key_id="ASIAEXAMPLEEXAMPLE01",
        secret_access_key="session-secret-1",
        session_token="session-token-1",
        expiration=expiration,
        account_id="123456789012",
        written_at=NOW,
    )
    return replace(base, **changes)


# --- settings and keys ------------------------------------------------------------------


def test_cache_dir_env_first_then_the_user_cache_dir(tmp_path: Path) -> None:
    assert cache_dir({"ROLECHAIN_CACHE_DIR": str(tmp_path / "c")}) == tmp_path / "c"
    xdg = os.environ["XDG_CACHE_HOME"]
    assert cache_dir({"XDG_CACHE_HOME": xdg}) == Path(xdg) / "rolechain"


@pytest.mark.parametrize(("value", "off"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_cache_disabled(value: str, off: bool) -> None:
    assert cache_disabled({"ROLECHAIN_NO_CACHE": value}) is off
    assert (step_wrapper({"ROLECHAIN_NO_CACHE": value}) is memory_cache) is off


def test_make_key_is_canonical() -> None:
    assert make_key({"a": 1, "b": [1, 2]}) == make_key({"b": [1, 2], "a": 1})
    assert make_key({"a": 1}) != make_key({"a": 2})
    assert len(make_key({})) == 64


# --- entries on disk --------------------------------------------------------------------


def test_roundtrip_private_files_and_spec_fields(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    written = entry()
    store.write(KEY, written)
    assert store.read(KEY) == written
    assert stat.S_IMODE(os.stat(store.directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(store.entry_path(KEY)).st_mode) == 0o600
    data = json.loads(store.entry_path(KEY).read_text())
    assert set(data) == SPEC_FIELDS
    assert data["expiration"] == "2030-01-01T13:00:00Z"
    assert "session-secret-1" not in repr(written)
    assert os.listdir(store.directory) == [f"{KEY}.json"]  # no temp file left


def test_private_even_with_open_umask_and_loose_existing_dir(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o755)
    os.chmod(directory, 0o755)
    old = os.umask(0)
    try:
        store = CacheStore(directory)
        store.write(KEY, entry())
        with store.lock(KEY, timeout=1):
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    for name in os.listdir(directory):
        assert stat.S_IMODE(os.stat(directory / name).st_mode) == 0o600, name


def test_cache_path_that_is_a_file_is_a_cache_error(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("")
    with pytest.raises(CacheError, match=r"not a directory|cannot create"):
        CacheStore(tmp_path / "cache").write(KEY, entry())


def test_replacement_is_atomic_for_concurrent_readers(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    versions = [entry(access_key_id=f"ASIAEXAMPLEVERSION{i:02d}") for i in range(2)]
    store.write(KEY, versions[0])
    inode = os.stat(store.entry_path(KEY)).st_ino
    store.write(KEY, versions[0])
    assert os.stat(store.entry_path(KEY)).st_ino != inode  # replaced by rename, not rewritten
    done = threading.Event()
    seen: list[Entry | None] = []

    def reader() -> None:
        while not done.is_set():
            seen.append(store.read(KEY))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(150):
            store.write(KEY, versions[i % 2])
    finally:
        done.set()
        thread.join()
    assert seen and all(found in versions for found in seen)
    assert sorted(os.listdir(tmp_path / "c")) == [f"{KEY}.json"]


KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from datetime import datetime, timezone
from resolver.cache.store import CacheStore, Entry
def hang(src, dst):  # the new entry is complete in its temp file, not yet in place
    Path(sys.argv[2]).write_text(Path(src).read_text())
    time.sleep(60)
os.replace = hang
expires = datetime(2030, 1, 1, 14, tzinfo=timezone.utc)
CacheStore(sys.argv[1]).write("a" * 64, Entry(
    profile="prod", hop="new", role_arn=None, access_key_id="ASIANEWNEWNEWNEWNEW1",
    secret_access_key="new-secret", session_token="new-token", expiration=expires))
"""


def test_writer_sigkilled_mid_write_leaves_old_entry_intact(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache")
    store.write(KEY, entry())
    marker = tmp_path / "writing"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(store.directory), str(marker)], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 20
        while not marker.exists() or "ASIANEWNEWNEWNEWNEW1" not in marker.read_text():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert store.read(KEY) == entry()  # the old entry, whole
    temps = [name for name in os.listdir(store.directory) if name.startswith(".tmp-")]
    assert len(temps) == 1
    store.prune(NOW)
    assert (store.directory / temps[0]).exists()  # too young: may belong to a live writer
    os.utime(store.directory / temps[0], (0, 0))
    store.prune(NOW)
    assert not (store.directory / temps[0]).exists()
    assert store.read(KEY) == entry()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"version": 1, "profile": "prod", "hop": "x", "access_key_id": "AS',  # truncated
        b"\xff\xfe garbage",
        b"[]",
        b'{"version": 2}',
        json.dumps({**entry().to_json(), "secret_access_key": None}).encode(),
        json.dumps({**entry().to_json(), "expiration": "tomorrow"}).encode(),
        json.dumps({**entry().to_json(), "expiration": "2030-01-01T13:00:00"}).encode(),
        json.dumps({**entry().to_json(), "written_at": 5}).encode(),
        json.dumps({**entry().to_json(), "hop": ""}).encode(),
        b" " * 70_000,
    ],
    ids=lambda content: repr(content[:24]),
)
def test_corrupt_entries_read_as_missing_and_are_replaced(tmp_path: Path, content: bytes) -> None:
    store = CacheStore(tmp_path / "c")
    store.ensure_dir()
    store.entry_path(KEY).write_bytes(content)
    assert store.read(KEY) is None
    store.write(KEY, entry())
    assert store.read(KEY) == entry()


def test_unreadable_entries_read_as_missing(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    store.ensure_dir()
    store.entry_path(KEY).mkdir()  # a directory where the entry should be
    assert store.read(KEY) is None
    other = "b" * 64
    (tmp_path / "real.json").write_text(json.dumps(entry().to_json()))
    store.entry_path(other).symlink_to(tmp_path / "real.json")  # never followed
    assert store.read(other) is None
    assert store.read("c" * 64) is None  # missing
    store.write("c" * 64, entry())
    store.entry_path("c" * 64).chmod(0o640)  # readable by others: not trusted, not served
    assert store.read("c" * 64) is None


def test_fresh_and_expired_clock_edges() -> None:
    expires = NOW + timedelta(hours=1)
    cached = entry(expires, written_at=NOW)
    edge = expires - WINDOW
    assert cached.fresh(edge - timedelta(microseconds=1), WINDOW)
    assert not cached.fresh(edge, WINDOW)  # the window starts: refresh
    assert not cached.expired(expires - timedelta(microseconds=1))
    assert cached.expired(expires) and not cached.fresh(expires, WINDOW)
    # Issued already inside the window: served for the first half of its life only.
    short = entry(NOW + timedelta(minutes=4), written_at=NOW)
    assert short.fresh(NOW + timedelta(minutes=2) - timedelta(microseconds=1), WINDOW)
    assert not short.fresh(NOW + timedelta(minutes=2), WINDOW)
    # A written_at in the future (clock skew) does not extend the life.
    skewed = entry(NOW + timedelta(minutes=4), written_at=NOW + timedelta(hours=5))
    assert not skewed.fresh(NOW + timedelta(minutes=2, seconds=1), WINDOW)


def test_rfc3339_parsing() -> None:
    assert parse_rfc3339("2030-01-01T12:00:00Z") == NOW
    assert parse_rfc3339("2030-01-01T13:00:00+01:00") == NOW
    with pytest.raises(ValueError):
        parse_rfc3339("2030-01-01T12:00:00")


def test_prune_removes_only_expired_unusable_and_idle(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    fresh, expired, corrupt, busy = (c * 64 for c in "abcd")
    store.write(fresh, entry())
    store.write(expired, entry(NOW - timedelta(seconds=1)))
    store.entry_path(corrupt).write_text("{")
    store.write(busy, entry(NOW - timedelta(hours=1)))
    idle_lock = "e" * 64
    store.lock_path(idle_lock).touch()
    with KeyLock(store.lock_path(busy)):
        assert store.prune(NOW) == 2
    assert store.read(fresh) is not None
    assert not store.entry_path(expired).exists() and not store.lock_path(expired).exists()
    assert not store.entry_path(corrupt).exists()
    assert store.entry_path(busy).exists()  # its lock was held: left for later
    assert not store.lock_path(idle_lock).exists()
    assert store.prune(NOW) == 1


def test_entries_and_clear(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    store.write("a" * 64, entry())
    store.write("b" * 64, entry(profile="dev"))
    store.write("c" * 64, entry(profile="dev", expiration=NOW + timedelta(minutes=1)))
    store.entry_path("d" * 64).write_text("junk")
    assert [e.profile for e in store.entries()] == ["dev", "dev", "prod"]
    assert store.clear("dev") == 2
    assert [e.profile for e in store.entries()] == ["prod"]
    assert store.clear() == 2  # prod and the junk entry
    assert os.listdir(tmp_path / "c") == []
    assert CacheStore(tmp_path / "missing").clear() == 0


# --- the wrapper, with a fake provider ----------------------------------------------------


class FakeProvider:
    name = "FakeProvider"

    def __init__(self, clock: Clock, life: timedelta = timedelta(minutes=15)) -> None:
        self.clock, self.life = clock, life
        self.calls = 0
        self.fail: Exception | None = None

    def retrieve(self) -> Credentials:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return Credentials(
            f"ASIAFAKE{self.calls:012d}",
            f"secret-{self.calls}",
            f"token-{self.calls}",
            expires=self.clock() + self.life if self.life else None,
            source=self.name,
        )


def disk(store: CacheStore, provider: FakeProvider, clock: Clock, **kw: Any) -> DiskCachedProvider:
    meta = {"profile": "prod", "hop": "prod (role)", "role_arn": "arn:aws:iam::1:role/prod"}
    return DiskCachedProvider(
        provider, lambda: {"step": "prod"}, store=store, meta=meta, clock=clock, **kw
    )


def test_wrapper_serves_fresh_entry_and_refreshes_inside_window(tmp_path: Path) -> None:
    clock = Clock(NOW)
    provider = FakeProvider(clock)
    store = CacheStore(tmp_path / "c")
    first = disk(store, provider, clock).retrieve()
    assert provider.calls == 1
    other_process = disk(store, provider, clock)
    clock.now = NOW + timedelta(minutes=10) - timedelta(microseconds=1)
    assert other_process.retrieve() == first and provider.calls == 1
    assert other_process.retrieve() is other_process.retrieve()  # stable object
    clock.now = NOW + timedelta(minutes=10)  # expires - window
    refreshed = disk(store, provider, clock).retrieve()
    assert provider.calls == 2 and refreshed.access_key_id != first.access_key_id
    assert store.read(other_process.key()) is not None


def test_failed_refresh_serves_valid_entry_but_never_an_expired_one(tmp_path: Path) -> None:
    clock = Clock(NOW)
    provider = FakeProvider(clock)
    store = CacheStore(tmp_path / "c")
    first = disk(store, provider, clock).retrieve()
    provider.fail = StsError("AssumeRole failed: throttled", code="Throttling")
    clock.now = NOW + timedelta(minutes=14)
    assert disk(store, provider, clock).retrieve() == first
    clock.now = NOW + timedelta(minutes=15)
    with pytest.raises(StsError):
        disk(store, provider, clock).retrieve()
    assert provider.calls == 3


def test_lock_timeout_serves_valid_entry_else_cache_error(tmp_path: Path) -> None:
    clock = Clock(NOW)
    provider = FakeProvider(clock)
    store = CacheStore(tmp_path / "c")
    wrapper = disk(store, provider, clock, timeout=0.2)
    with store.lock(wrapper.key(), timeout=1):
        with pytest.raises(CacheError, match=r"timed out after 0\.2s .*prod \(role\)"):
            wrapper.retrieve()
        assert provider.calls == 0
    first = wrapper.retrieve()
    clock.now = NOW + timedelta(minutes=12)  # inside the window, not expired
    with store.lock(wrapper.key(), timeout=1):
        assert disk(store, provider, clock, timeout=0.2).retrieve() == first
    assert provider.calls == 1


def test_a_valid_entry_is_served_at_once_while_another_process_refreshes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(NOW)
    provider = FakeProvider(clock)
    store = CacheStore(tmp_path / "c")
    wrapper = disk(store, provider, clock, timeout=60)
    first = wrapper.retrieve()
    clock.now = NOW + timedelta(minutes=12)  # inside the refresh window, still valid
    provider.fail = StsError("AssumeRole failed: Rate exceeded", code="Throttling")
    lock = store.lock(wrapper.key(), timeout=1)
    assert lock.try_acquire()  # another process is calling STS (and being throttled)
    releaser = threading.Timer(0.5, lock.release)  # it gives up without a new entry
    releaser.start()
    try:
        assert disk(store, provider, clock, timeout=60).retrieve() == first
    finally:
        releaser.join()
    assert provider.calls == 1  # never queued behind the lock to call STS again
    with caplog.at_level(logging.WARNING):
        assert disk(store, provider, clock, timeout=60).retrieve() == first  # lock free: tries
    assert provider.calls == 2
    assert any("Throttling" in r.getMessage() or "Rate" in r.getMessage() for r in caplog.records)


def test_unusable_cache_dir_degrades_to_no_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "file").write_text("")
    clock = Clock(NOW)
    provider = FakeProvider(clock)
    wrapper = disk(CacheStore(tmp_path / "file"), provider, clock)
    with caplog.at_level(logging.WARNING):
        assert wrapper.retrieve().access_key_id == "ASIAFAKE000000000001"
    assert "not using the credentials cache" in caplog.text


def test_credentials_without_expiry_are_not_written(tmp_path: Path) -> None:
    clock = Clock(NOW)
    provider = FakeProvider(clock, life=timedelta(0))
    disk(CacheStore(tmp_path / "c"), provider, clock).retrieve()
    assert not list((tmp_path / "c").glob("*.json"))


# --- the wrapper on a real chain (moto) -------------------------------------------------

MID = "arn:aws:iam::123456789012:role/mid"
PROD = "arn:aws:iam::123456789012:role/prod"
SERIAL = "arn:aws:iam::123456789012:mfa/alice"


def chain(moto: MotoServer, **prod: Any) -> Chain:
    source = StaticSource("user", TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY)
    hops = (
        Hop("mid", MID, role_session_name="mid", duration_seconds=3600),
        Hop(**{"profile": "prod", "role_arn": PROD, "duration_seconds": 900, **prod}),
    )
    return Chain("prod", source, hops, StsSettings("us-east-1", endpoint_url=moto.url))


def build(value: Chain, store: CacheStore, clock: Clock) -> Any:
    return build_provider(value, environ={}, wrap=make_persistent_cache(store, clock=clock))


def final_key(value: Chain, store: CacheStore) -> str:
    final = build(value, store, Clock(NOW))
    assert isinstance(final, CachedStep) and isinstance(final.provider, DiskCachedProvider)
    return final.provider.key()


def test_only_stale_hops_are_called_again(moto: MotoServer, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    clock = Clock(datetime.now(timezone.utc))
    cold = build(chain(moto), store, clock).retrieve()
    assert [c.params["RoleArn"] for c in moto.sts_calls()] == [MID, PROD]
    mid = next(e for e in store.entries() if e.role_arn == MID)
    assert not any(TEST_SECRET_ACCESS_KEY in p.read_text() for p in (tmp_path / "c").iterdir())

    moto.reset_recording()
    assert build(chain(moto), store, clock).retrieve() == cold  # a new "process", warm
    assert moto.sts_calls() == []

    store.entry_path(final_key(chain(moto), store)).unlink()  # only the last hop is cold
    warm = build(chain(moto), store, clock).retrieve()
    assert [(c.params["RoleArn"], c.access_key_id) for c in moto.sts_calls()] == [
        (PROD, mid.access_key_id)
    ]

    moto.reset_recording()
    prod = next(e for e in store.entries() if e.role_arn == PROD)
    clock.now = prod.expiration - WINDOW - timedelta(seconds=1)
    assert build(chain(moto), store, clock).retrieve() == warm
    assert moto.sts_calls() == []
    clock.now = prod.expiration - WINDOW  # the 15-minute hop enters its window; mid's is far
    build(chain(moto), store, clock).retrieve()
    assert [(c.params["RoleArn"], c.access_key_id) for c in moto.sts_calls()] == [
        (PROD, mid.access_key_id)
    ]


def test_warm_last_hop_does_not_touch_upstream(moto: MotoServer, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    clock = Clock(datetime.now(timezone.utc))
    cold = build(chain(moto), store, clock).retrieve()
    for found in store.entries():
        if found.role_arn == MID:
            store.remove(found.key)
    moto.reset_recording()
    assert build(chain(moto), store, clock).retrieve() == cold
    assert moto.sts_calls() == []  # mid's entry is gone, yet nobody asked for it


def test_key_covers_every_parameter_and_the_caller(moto: MotoServer, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    base = final_key(chain(moto), store)
    assert final_key(chain(moto), store) == base  # generated session names: same key
    variants = [
        {"role_arn": MID + "2"},
        {"role_session_name": "named"},
        {"duration_seconds": 1800},
        {"external_id": "ext-1"},
        {"policy": '{"Version":"2012-10-17","Statement":[]}'},
        {"policy_arns": ("arn:aws:iam::aws:policy/ReadOnlyAccess",)},
        {"tags": (("team", "a"),)},
        {"tags": (("team", "a"),), "transitive_tag_keys": ("team",)},
        {"source_identity": "alice"},
    ]
    keys = {final_key(chain(moto, **change), store) for change in variants}
    assert len(keys) == len(variants) and base not in keys
    upstream = replace(chain(moto), hops=(replace(chain(moto).hops[0], duration_seconds=1800),))
    upstream = replace(upstream, hops=(*upstream.hops, chain(moto).hops[1]))
    other_key = replace(chain(moto), source=StaticSource("user", "AKIAOTHEROTHEROTHER1", "x"))
    elsewhere = replace(chain(moto), sts=StsSettings("eu-west-1", endpoint_url=moto.url))
    others = {final_key(value, store) for value in (upstream, other_key, elsewhere)}
    assert len(others) == 3 and not others & (keys | {base})


def test_mfa_session_key_and_token_code_not_in_it(moto: MotoServer, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    codes = iter(["111111", "222222", "333333"])

    def session_step(duration: int) -> Any:
        source = StaticSource(
            "user", TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, mfa_serial=SERIAL,
            mfa_duration_seconds=duration,
        )  # fmt: skip
        steps: list[Any] = []
        inner = make_persistent_cache(store)

        def wrap(provider: Any, step: Any) -> Any:
            steps.append(inner(provider, step))
            return steps[-1]

        value = replace(chain(moto), source=source)
        build_provider(value, environ={}, token_provider=lambda: next(codes), wrap=wrap)
        return steps[0]

    first = session_step(43200)
    first.retrieve()
    assert [c.action for c in moto.sts_calls()] == ["GetSessionToken"]
    key = first.provider.key()
    assert store.read(key) is not None
    store.clear()
    session_step(43200).retrieve()  # another code, same key
    assert store.read(key) is not None
    assert session_step(3600).provider.key() != key


def test_web_identity_base_is_cached_without_its_token(moto: MotoServer, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.c2lnbmF0dXJl")
    source = WebIdentitySource("pod", "arn:aws:iam::123456789012:role/pod", str(token))
    value = Chain(
        "prod", source, (Hop("prod", PROD),), StsSettings("us-east-1", endpoint_url=moto.url)
    )
    store = CacheStore(tmp_path / "c")
    clock = Clock(datetime.now(timezone.utc))
    cold = build(value, store, clock).retrieve()
    assert [c.action for c in moto.sts_calls()] == ["AssumeRoleWithWebIdentity", "AssumeRole"]
    assert {e.profile for e in store.entries()} == {"pod", "prod"}
    assert not any(token.read_text() in p.read_text() for p in store.directory.iterdir())
    moto.reset_recording()
    assert build(value, store, clock).retrieve() == cold
    assert moto.sts_calls() == []


def test_web_identity_is_keyed_by_the_token_not_its_path(moto: MotoServer, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqb2IxIn0.c2lnbmF0dXJl")
    source = WebIdentitySource("ci", "arn:aws:iam::123456789012:role/ci", str(token))
    value = Chain("ci", source, (), StsSettings("us-east-1", endpoint_url=moto.url))
    store = CacheStore(tmp_path / "c")
    clock = Clock(datetime.now(timezone.utc))
    first = build(value, store, clock).retrieve()
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqb2IyIn0.c2lnbmF0dXJl")  # job 2, same path
    moto.reset_recording()
    second = build(value, store, clock).retrieve()
    assert [c.action for c in moto.sts_calls()] == ["AssumeRoleWithWebIdentity"]
    assert second.access_key_id != first.access_key_id
    assert len(store.entries()) == 2
    on_disk = "".join(p.read_text() for p in store.directory.iterdir() if p.suffix == ".json")
    assert "eyJ" not in on_disk


def test_memory_only_bases_and_their_identity(moto: MotoServer, tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "c")
    hops = (Hop("prod", PROD),)
    sts = StsSettings("us-east-1", endpoint_url=moto.url)

    def key(source: Any, environ: dict[str, str]) -> str:
        final = build_provider(
            Chain("prod", source, hops, sts),
            environ=environ,
            wrap=make_persistent_cache(store),
        )
        return str(final.provider.key())  # type: ignore[attr-defined]

    env_a = {"AWS_ACCESS_KEY_ID": "AKIAENVIRONMENTAAAAA", "AWS_SECRET_ACCESS_KEY": "x"}
    env_b = {**env_a, "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENTBBBBB"}
    keys = {
        key(EnvironmentSource(None), env_a),
        key(EnvironmentSource(None), env_b),
        key(ProcessSource("p", "print-credentials --a"), {}),
        key(ProcessSource("p", "print-credentials --b"), {}),
        key(StaticSource("user", TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY), {}),
    }
    assert len(keys) == 5
    here = key(ProcessSource("p", "./bin/creds --a"), {})
    assert key(ProcessSource("p", "./bin/creds --a"), {}) == here
    bare = key(ProcessSource("p", "print-credentials --a"), {})
    os.chdir(tmp_path)  # the same relative program elsewhere is another program
    try:
        assert key(ProcessSource("p", "./bin/creds --a"), {}) != here
        assert key(ProcessSource("p", "print-credentials --a"), {}) == bare
    finally:
        os.chdir(ROOT)
    base = build_provider(
        Chain("prod", EnvironmentSource(None), hops, sts),
        environ=env_a,
        wrap=make_persistent_cache(store),
    )
    base.retrieve()
    assert [e.profile for e in store.entries()] == ["prod"]  # the environment keys stay in memory
