"""The server's HTTP side without AWS: statuses, bounds, garbage, and the answer's shape."""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import timedelta

import pytest

from resolver.errors import ResolverError, TokenError
from resolver.server.lifecycle import loopback_address, new_token, token_from_file
from resolver.server.protocol import MAX_HEAD, BadRequest, parse_head
from resolver.server.source import ProfileSource
from tests.server.support import FakeFetch, get, raw, running

TOKEN = "t" * 43
PATH = "/profiles/prod"


@pytest.fixture
def fetch() -> FakeFetch:
    return FakeFetch()


def test_statuses_for_missing_wrong_token_method_and_path(fetch: FakeFetch) -> None:
    with running({PATH: ProfileSource("prod", fetch)}, TOKEN) as server:
        port = server.server_address[1]
        assert get(port, PATH, None)[0] == 401
        assert get(port, PATH, "u" * 43)[0] == 403
        assert get(port, PATH, TOKEN[:-1])[0] == 403
        assert get(port, PATH, TOKEN, method="POST")[0] == 405
        assert get(port, "/profiles/other", TOKEN)[0] == 404
        status, body = get(port, PATH, TOKEN)
    assert status == 200
    assert set(body) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId"}
    assert body["Expiration"].endswith("Z") and body["AccountId"] == "123456789012"
    assert fetch.calls == 1


def test_a_duplicated_authorization_header_is_refused(fetch: FakeFetch) -> None:
    with running({PATH: ProfileSource("prod", fetch)}, TOKEN) as server:
        request = f"GET {PATH} HTTP/1.1\r\nAuthorization: {TOKEN}\r\nAuthorization: {TOKEN}\r\n\r\n"
        assert raw(server.server_address[1], request.encode()).startswith(b"HTTP/1.1 403")


def test_repeated_requests_are_answered_from_memory(fetch: FakeFetch) -> None:
    with running({PATH: ProfileSource("prod", fetch)}, TOKEN) as server:
        keys = {get(server.server_address[1], PATH, TOKEN)[1]["AccessKeyId"] for _ in range(20)}
    assert keys == {"ASIAFAKE0001"} and fetch.calls == 1


@pytest.mark.parametrize(
    "garbage",
    [
        os.urandom(3000),
        b"GET / HTTP/1.1\r\nX: " + b"a" * (MAX_HEAD + 100) + b"\r\n\r\n",
        b"\xff\xfe\r\n\r\n",
        b"GET " + b"/" * (MAX_HEAD * 2),
        b"GET /profiles/prod HTTP/1.1\r\nbroken header\r\n\r\n",
    ],
)
def test_garbage_gets_400_and_a_later_request_works(fetch: FakeFetch, garbage: bytes) -> None:
    with running({PATH: ProfileSource("prod", fetch)}, TOKEN) as server:
        port = server.server_address[1]
        answer = raw(port, garbage, shut=True)
        assert answer.startswith(b"HTTP/1.1 400")
        assert get(port, PATH, TOKEN)[0] == 200


def test_slow_and_half_closed_clients_do_not_block_others(
    fetch: FakeFetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolver.server import protocol

    monkeypatch.setattr(protocol, "READ_TIMEOUT", 0.5)
    with running({PATH: ProfileSource("prod", fetch)}, TOKEN, max_connections=4) as server:
        port = server.server_address[1]
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            assert get(port, PATH, TOKEN)[0] == 200  # one slot left, and it serves
            assert raw(port, b"GET /x HTTP/1.1\r\n", shut=True).startswith(b"HTTP/1.1 400")
            for sock in idle:  # each idle client is answered 408 and closed
                assert sock.recv(100).startswith(b"HTTP/1.1 408")
        finally:
            for sock in idle:
                sock.close()
        assert get(port, PATH, TOKEN)[0] == 200


def test_parse_head_bounds_and_hides_the_token() -> None:
    request = parse_head(b"GET /profiles/a?x=1 HTTP/1.1\r\nauthorization: secret-token")
    assert request.path == "/profiles/a" and request.authorization == ("secret-token",)
    assert "secret-token" not in repr(request)
    with pytest.raises(BadRequest):
        parse_head(b"GET /a HTTP/1.1\r\n" + b"X: y\r\n" * 100)


def test_refresh_inside_the_margin_is_single_flight_and_serves_the_old_answer() -> None:
    fetch = FakeFetch(lifetime=timedelta(hours=1))
    offset = [0.0]
    source = ProfileSource("prod", fetch, clock=lambda: time.time() + offset[0])
    assert source.answer()[0] == 200 and fetch.calls == 1
    offset[0] = 56 * 60.0  # the test hook: four minutes left, inside the 5-minute margin
    fetch.gate.clear()  # the refresh blocks until released
    statuses = [source.answer() for _ in range(10)]
    assert {status for status, _ in statuses} == {200}
    assert all(b"ASIAFAKE0001" in body for _, body in statuses)
    fetch.gate.set()
    flight = source._flight
    assert flight is not None and flight.done.wait(10)
    assert fetch.calls == 2  # ten requests inside the margin, one refresh
    assert b"ASIAFAKE0002" in source.answer()[1]


def test_mfa_that_cannot_be_asked_for_gives_503_without_spinning() -> None:
    fetch = FakeFetch()
    fetch.error = TokenError("no terminal to prompt for the MFA code of arn:mfa")
    source = ProfileSource("prod", fetch)
    status, body = source.answer()
    assert status == 503 and b"MfaCodeUnavailable" in body and b"mfa_process" in body
    assert b"prod" in body and fetch.calls == 1
    fetch.error = None
    assert source.answer()[0] == 200 and fetch.calls == 2


def test_only_loopback_hosts_are_accepted() -> None:
    assert loopback_address("localhost")[1] == "127.0.0.1"
    assert loopback_address("127.0.0.2")[1] == "127.0.0.2"
    assert loopback_address("::1")[0] == socket.AF_INET6
    for host in ("0.0.0.0", "10.0.0.1", "example.com", "::"):
        with pytest.raises(ResolverError, match="not a loopback"):
            loopback_address(host)


def test_a_port_out_of_range_is_one_clear_error() -> None:
    from resolver.server.container import ContainerRoutes
    from resolver.server.lifecycle import bind

    with pytest.raises(ResolverError, match="not a TCP port"):
        bind("127.0.0.1", 70000, ContainerRoutes({}, TOKEN), False)


def test_token_file_is_created_private_and_refused_when_readable(
    tmp_path: os.PathLike[str],
) -> None:
    path = os.path.join(tmp_path, "token")
    from pathlib import Path

    token = token_from_file(Path(path))
    assert os.stat(path).st_mode & 0o777 == 0o600 and len(token) >= 43
    assert token_from_file(Path(path)) == token
    os.chmod(path, 0o644)
    with pytest.raises(ResolverError, match="0600"):
        token_from_file(Path(path))
    assert len(new_token()) >= 43 and new_token() != new_token()


def test_concurrent_requests_share_one_fetch() -> None:
    fetch = FakeFetch()
    fetch.gate.clear()
    source = ProfileSource("prod", fetch)
    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(source.answer()[0])) for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    fetch.gate.set()
    for thread in threads:
        thread.join()
    assert results == [200] * 20 and fetch.calls == 1


def test_a_profile_waiting_for_its_fetch_does_not_block_another() -> None:
    slow, fast = FakeFetch(), FakeFetch()
    slow.gate.clear()
    sources = {PATH: ProfileSource("prod", slow), "/profiles/dev": ProfileSource("dev", fast)}
    with running(sources, TOKEN) as server:
        port = server.server_address[1]
        waiting: list[int] = []
        thread = threading.Thread(target=lambda: waiting.append(get(port, PATH, TOKEN)[0]))
        thread.start()
        assert get(port, "/profiles/dev", TOKEN)[0] == 200
        assert waiting == []  # still waiting for its fetch
        slow.gate.set()
        thread.join()
    assert waiting == [200]
