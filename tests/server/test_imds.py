"""The IMDSv2 routes on the shared listener, with a fake fetch and a fake clock: session
tokens (TTL bounds, expiry, forgery, their number), X-Forwarded-For, IMDSv1, the
documents the SDKs read, and secrets kept out of logs and reprs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.errors import TokenError
from resolver.server.imds import MAX_TTL, ImdsRoutes, Instance, SessionTokens, render, ttl_of
from resolver.server.listener import CredentialServer
from resolver.server.source import ProfileSource
from tests.server.support import FakeFetch, raw

ROLE = "deploy-role"
CREDENTIALS = f"/latest/meta-data/iam/security-credentials/{ROLE}"


class Clock:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def request(
    port: int, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one request."""
    lines = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    answer = raw(port, f"{method} {path} HTTP/1.1\r\nHost: x\r\n{lines}\r\n".encode())
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    found = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), {k.lower(): v for k, v in found.items()}, body


def token(port: int, ttl: str = "21600") -> str:
    status, headers, body = request(
        port, "PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
    )
    assert status == 200, body
    assert headers["x-aws-ec2-metadata-token-ttl-seconds"] == ttl
    return body.decode()


def get(port: int, path: str, session: str | None) -> tuple[int, bytes]:
    headers = {"X-aws-ec2-metadata-token": session} if session is not None else {}
    status, _, body = request(port, "GET", path, headers)
    return status, body


@contextmanager
def imds(
    fetch: FakeFetch | None = None, *, v1: bool = False, max_tokens: int = 4096, **kw: Any
) -> Iterator[tuple[int, Clock, ImdsRoutes]]:
    """An IMDS server for a fake profile: its port, its token clock and its routes."""
    import threading

    clock = Clock()
    source = ProfileSource("prod", fetch or FakeFetch(), render=render)
    routes = ImdsRoutes(
        source, Instance(ROLE, "eu-west-1", "210987654321"), v1=v1, clock=clock,
        max_tokens=max_tokens,
    )  # fmt: skip
    server = CredentialServer(("127.0.0.1", 0), routes, **kw)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1], clock, routes
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_credentials_as_the_sdks_read_them() -> None:
    with imds() as (port, _, _):
        session = token(port)
        listing = get(port, "/latest/meta-data/iam/security-credentials/", session)
        status, body = get(port, CREDENTIALS, session)
        region = get(port, "/latest/meta-data/placement/region", session)
        zone = get(port, "/latest/meta-data/placement/availability-zone/", session)
        identity = get(port, "/latest/dynamic/instance-identity/document", session)
    assert listing == (200, ROLE.encode())
    assert status == 200
    document = json.loads(body)
    assert list(document) == [
        "Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token",
        "Expiration", "AccountId",
    ]  # fmt: skip
    assert document["Code"] == "Success" and document["Type"] == "AWS-HMAC"
    assert document["AccessKeyId"] == "ASIAFAKE0001" and document["Token"] == "token"
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert stamp.fullmatch(document["Expiration"]) and stamp.fullmatch(document["LastUpdated"])
    assert region == (200, b"eu-west-1") and zone == (200, b"eu-west-1a")
    assert identity[0] == 200
    assert json.loads(identity[1]) == {
        "region": "eu-west-1", "availabilityZone": "eu-west-1a", "version": "2017-09-30",
        "accountId": "210987654321",
    }  # fmt: skip


def test_requests_without_a_live_token_get_401() -> None:
    with imds() as (port, clock, _), imds() as (other_port, _, _):
        session = token(port, "60")
        assert get(port, CREDENTIALS, None)[0] == 401  # missing
        assert get(port, CREDENTIALS, session + "x")[0] == 401  # forged
        assert get(port, CREDENTIALS, token(other_port))[0] == 401  # from another server
        two = {"X-aws-ec2-metadata-token": session}
        lines = f"GET {CREDENTIALS} HTTP/1.1\r\nX-aws-ec2-metadata-token: x\r\n"
        assert raw(port, f"{lines}X-aws-ec2-metadata-token: {session}\r\n\r\n".encode()).startswith(
            b"HTTP/1.1 401"
        )  # a second token header
        assert request(port, "GET", CREDENTIALS, two)[0] == 200
        clock.now += 59.9
        assert get(port, CREDENTIALS, session)[0] == 200
        clock.now += 0.1
        assert get(port, CREDENTIALS, session)[0] == 401  # expired at its TTL
        assert get(port, "/latest/meta-data/placement/region", session)[0] == 401


@pytest.mark.parametrize("ttl", ["0", "21601", "-1", "abc", "1.5", " ", "+60", "1" * 5000])
def test_a_bad_ttl_gets_400(ttl: str) -> None:
    with imds() as (port, _, _):
        status, _, _ = request(
            port, "PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
        )
        missing = request(port, "PUT", "/latest/api/token")[0]
    assert status == 400 and missing == 400


NUMBERS = st.tuples(st.text("0", max_size=12), st.integers(-5, MAX_TTL + 5))


@given(st.text(max_size=12) | NUMBERS.map(lambda padded: padded[0] + str(padded[1])))
def test_ttl_is_a_whole_number_from_1_to_21600(text: str) -> None:
    digits = text.isascii() and text.isdigit() and len(text) <= 10
    expected = int(text) if digits and 1 <= int(text) <= MAX_TTL else None
    assert ttl_of((text,)) == expected
    assert ttl_of((text, text)) is None


@pytest.mark.parametrize("method", ["PUT", "GET"])
def test_a_forwarded_request_is_refused(method: str) -> None:
    with imds(v1=True) as (port, _, _):
        session = token(port)
        headers = {
            "X-Forwarded-For": "10.0.0.1",
            "X-aws-ec2-metadata-token-ttl-seconds": "60",
            "X-aws-ec2-metadata-token": session,
        }
        path = "/latest/api/token" if method == "PUT" else CREDENTIALS
        status, _, body = request(port, method, path, headers)
    assert status == 403 and session.encode() not in body


def test_imds_v1_only_when_asked() -> None:
    with imds() as (port, _, _), imds(v1=True) as (v1_port, _, _):
        assert get(port, CREDENTIALS, None)[0] == 401
        assert get(v1_port, CREDENTIALS, None)[0] == 200
        assert get(v1_port, CREDENTIALS, "forged")[0] == 401  # a token given is checked


def test_methods_and_unknown_paths() -> None:
    with imds() as (port, _, _):
        session = token(port)
        assert get(port, "/latest/api/token", session)[0] == 405
        assert request(port, "POST", CREDENTIALS, {"X-aws-ec2-metadata-token": session})[0] == 405
        headers = {"X-aws-ec2-metadata-token-ttl-seconds": "60"}
        assert request(port, "PUT", "/latest/meta-data", headers)[0] == 405
        assert get(port, "/latest/meta-data/iam/security-credentials/other", session)[0] == 404
        assert get(port, "/latest/user-data", session)[0] == 404
        assert get(port, "//latest//meta-data/iam/", session) == (200, b"security-credentials/")


def test_live_tokens_are_bounded_oldest_dropped_first() -> None:
    with imds(max_tokens=3) as (port, clock, routes):
        first, second = token(port, "10"), token(port)
        clock.now += 20  # the first has expired: it makes room before any live one goes
        third, fourth = token(port), token(port)
        assert len(routes.tokens) == 3
        assert get(port, CREDENTIALS, second)[0] == 200
        fifth = token(port)  # full of live tokens: the oldest issued (second) goes
        assert len(routes.tokens) == 3
        assert [get(port, CREDENTIALS, t)[0] for t in (first, second, third, fourth, fifth)] == [
            401, 401, 200, 200, 200,
        ]  # fmt: skip


def test_tokens_are_random_and_kept_only_as_digests() -> None:
    tokens = SessionTokens(lambda: 0.0)
    issued = {tokens.issue(60) for _ in range(200)}
    assert len(issued) == 200 and all(len(t) >= 43 for t in issued)
    kept = repr(vars(tokens))
    assert not any(t in kept for t in issued) and not any(t in repr(tokens) for t in issued)


def test_a_refresh_needing_mfa_is_503_and_the_token_stays_out_of_the_log(
    capfd: pytest.CaptureFixture[str],
) -> None:
    fetch = FakeFetch()
    fetch.error = TokenError("no terminal to ask for the MFA code", reason="mfa-prompt-unavailable")
    with imds(fetch, verbose=True) as (port, _, routes):
        session = token(port)
        status, body = get(port, CREDENTIALS, session)
        assert get(port, CREDENTIALS, "forged-token-value")[0] == 401
        assert session not in repr(routes)
    document = json.loads(body)
    assert status == 503 and document["code"] == "MfaCodeUnavailable"
    err = capfd.readouterr().err
    assert f"GET '{CREDENTIALS}' 503" in err and "PUT '/latest/api/token' 200" in err
    assert session not in err and "forged-token-value" not in err
