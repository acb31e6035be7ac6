"""A failed STS call shared with the processes that waited for it (``resolver.cache.failures``),
and never with anyone else: not a later retry, not a call with another MFA code.

Unit tests run the leader and its waiters as threads (the cache lock is an ``flock`` per
open file, so threads wait on each other as processes do); a store that signals when a
waiter starts waiting on the lock makes the order certain without sleeping. The end-to-end
tests run the real CLI against a small STS fake in front of moto that refuses one MFA code.
"""

from __future__ import annotations

import os
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from resolver.cache.failures import failure_path
from resolver.cache.locks import KeyLock
from resolver.cache.persistent import DiskCachedProvider
from resolver.cache.store import CacheStore, make_key
from resolver.errors import StsError
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.tokens import get_token_code
from tests.cache.test_diskcache import NOW, Clock
from tests.cache.test_parallel_processes import INI, PROD, cli_env, run_cli, write_ini
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer

pytestmark = pytest.mark.skipif(os.name == "nt", reason="flock between threads")

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
REPLAYED = "(the same call failed in another rolechain process"
KEY = make_key({"step": "prod"})  # the key of ``disk``'s step


class WaitingStore(CacheStore):
    """A store that sets ``waiting`` when a process is about to wait on an entry's lock
    (after it noted the failure record it saw)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.waiting = threading.Event()

    def lock(self, key: str, *, timeout: float, label: str = "") -> KeyLock:
        self.waiting.set()
        return super().lock(key, timeout=timeout, label=label)


class GatedSts:
    """A provider that asks for an MFA code (when ``code`` is set, through the real
    ``get_token_code``), holds its first call until ``go``, and fails with ``fail``."""

    name = "GatedSts"

    def __init__(self, fail: StsError | None) -> None:
        self.fail = fail
        self.entered, self.go = threading.Event(), threading.Event()
        self.calls: list[str | None] = []  # the code each call sent
        self._lock = threading.Lock()

    def provider(self, code: str | None = None) -> Any:
        outer = self

        class Call:
            name = "GatedSts"

            def retrieve(self) -> Credentials:
                sent = get_token_code(lambda: code, SERIAL) if code else None
                with outer._lock:
                    outer.calls.append(sent)
                    first = len(outer.calls) == 1
                if first:
                    outer.entered.set()
                    assert outer.go.wait(30)
                if outer.fail is not None:
                    raise outer.fail
                return Credentials("ASIAOK", "secret", "token", expires=NOW + timedelta(hours=1))

        return Call()


def disk(store: CacheStore, provider: Any) -> DiskCachedProvider:
    meta = {"profile": "prod", "hop": "prod (role)", "through": "user\nprod"}
    return DiskCachedProvider(
        provider, lambda: {"step": "prod"}, store=store, meta=meta, clock=Clock(NOW), timeout=60
    )


def in_thread(action: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(action())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def leader_and_waiters(
    tmp_path: Path, sts: GatedSts, leader_code: str | None, waiter_codes: list[str | None]
) -> tuple[object, list[object]]:
    """The leader calls (and is held), each waiter starts waiting, then the leader's call
    ends; returns the leader's outcome and each waiter's."""
    directory = tmp_path / "cache"
    leader, lead_out = in_thread(
        lambda: disk(CacheStore(directory), sts.provider(leader_code)).retrieve()
    )
    assert sts.entered.wait(30)
    waiters = []
    for code in waiter_codes:
        store = WaitingStore(directory)
        waiters.append(in_thread(lambda s=store, c=code: disk(s, sts.provider(c)).retrieve()))
        assert store.waiting.wait(30)
    sts.go.set()
    for thread in (leader, *(t for t, _ in waiters)):
        thread.join(60)
        assert not thread.is_alive()
    return lead_out[0], [out[0] for _, out in waiters]


def test_waiters_share_the_leaders_failure_and_say_it_is_replayed(tmp_path: Path) -> None:
    sts = GatedSts(StsError("AssumeRole failed: Rate exceeded", code="Throttling", hop="prod"))
    leader, waiters = leader_and_waiters(tmp_path, sts, None, [None, None, None])
    assert isinstance(leader, StsError) and REPLAYED not in str(leader)
    assert len(sts.calls) == 1  # the waiters took the lock in turn: none called STS again
    for outcome in waiters:
        assert isinstance(outcome, StsError) and outcome.code == "Throttling"
        assert str(outcome).startswith(str(leader)) and REPLAYED in str(outcome)
    # A process that starts after the failure calls STS itself, at once (not 10 s later).
    sts.fail = None
    assert disk(CacheStore(tmp_path / "cache"), sts.provider()).retrieve().access_key_id
    assert len(sts.calls) == 2
    assert not failure_path(CacheStore(tmp_path / "cache"), KEY).exists()  # forgotten


def test_a_retry_after_a_refused_mfa_code_reaches_sts(tmp_path: Path) -> None:
    sts = GatedSts(
        StsError("AssumeRole failed: MultiFactorAuthentication failed", code="AccessDenied")
    )
    sts.go.set()
    store = CacheStore(tmp_path / "cache")
    with pytest.raises(StsError, match="MultiFactorAuthentication") as refused:
        disk(store, sts.provider("111111")).retrieve()
    assert REPLAYED not in str(refused.value)
    record = failure_path(store, KEY).read_text()
    assert "111111" not in record  # the code is never written
    sts.fail = None
    assert disk(store, sts.provider("222222")).retrieve().access_key_id == "ASIAOK"
    assert sts.calls == ["111111", "222222"]


@pytest.mark.parametrize(("code", "replayed"), [("111111", True), ("222222", False)])
def test_a_waiter_replays_only_a_failure_of_its_own_mfa_code(
    code: str, replayed: bool, tmp_path: Path
) -> None:
    sts = GatedSts(
        StsError("AssumeRole failed: MultiFactorAuthentication failed", code="AccessDenied")
    )
    leader, (waiter,) = leader_and_waiters(tmp_path, sts, "111111", [code])
    assert isinstance(leader, StsError) and REPLAYED not in str(leader)
    assert isinstance(waiter, StsError)  # replayed, or refused by STS on its own account
    assert (REPLAYED in str(waiter)) is replayed
    assert sts.calls == ["111111"] if replayed else ["111111", code]


def test_cache_clear_removes_failure_records(moto: MotoServer, isolated_env: IsolatedEnv) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    store = CacheStore(isolated_env.rolechain_cache_dir)
    store.ensure_dir()
    key = "ab" * 32
    error = StsError("AssumeRole failed: Rate exceeded", code="Throttling")
    from resolver.cache.failures import record_failure

    record_failure(store, key, error, NOW, profiles=("user", "mid", "prod"))
    result = run_cli(["cache", "clear", "mid"], env)
    assert result.returncode == 0, result.stderr
    assert not failure_path(store, key).exists()
    record_failure(store, key, error, NOW, profiles=("other",))
    assert run_cli(["cache", "clear", "mid"], env).returncode == 0
    assert failure_path(store, key).exists()  # another chain's
    assert run_cli(["cache", "clear"], env).returncode == 0
    assert not failure_path(store, key).exists()


# --- end to end: the real CLI, an STS that refuses one MFA code ------------------------

WRONG = "111111"
RIGHT = "222222"
MFA_INI = INI.replace("[profile prod]\n", f"[profile prod]\nmfa_serial = {SERIAL}\n")


@pytest.fixture
def picky_sts(moto: MotoServer) -> Iterator[tuple[str, list[str]]]:
    """An STS on 127.0.0.1 that refuses TokenCode ``WRONG`` with AccessDenied, as AWS
    does, and forwards every other call to moto; yields its URL and the codes it saw."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            code = urllib.parse.parse_qs(body.decode()).get("TokenCode", [""])[0]
            seen.append(code)
            if code == WRONG:
                status, answer = (
                    403,
                    (
                        b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                        b"<Message>MultiFactorAuthentication failed with invalid MFA one time "
                        b"pass code.</Message></Error><RequestId>r</RequestId></ErrorResponse>"
                    ),
                )
            else:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = urllib.request.Request(moto.url + self.path, body, headers)
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                with opener.open(request, timeout=30) as response:
                    status, answer = response.status, response.read()
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_corrected_mfa_code_reaches_sts_end_to_end(
    moto: MotoServer, isolated_env: IsolatedEnv, picky_sts: tuple[str, list[str]]
) -> None:
    url, seen = picky_sts
    write_ini(isolated_env, MFA_INI)
    env = cli_env(moto, isolated_env, AWS_ENDPOINT_URL_STS=url)
    args = ["export", "prod", "--format", "credential-process", "--mfa-token"]
    wrong = run_cli([*args, WRONG], env)
    assert wrong.returncode != 0 and "AccessDenied" in wrong.stderr
    assert REPLAYED not in wrong.stderr
    right = run_cli([*args, RIGHT], env)  # within the 10 s a failure is shared
    assert right.returncode == 0, right.stderr
    assert seen.count(RIGHT) == 1  # it reached STS
    assert [c.params.get("RoleArn") for c in moto.sts_calls() if c.action == "AssumeRole"][
        -1
    ] == PROD
