"""ContainerProvider and InstanceMetadataProvider against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from resolver.errors import ProviderError
from resolver.providers.bases.container import ContainerProvider, check_full_uri
from resolver.providers.bases.imds import InstanceMetadataProvider

SECRET = "metadata/SECRET+key/0123456789abcdefghijkl"
TOKEN = "IQoJb3JpZ2luX2VjMETADATASESSIONTOKEN=="
AUTH = "container-auth-token-value-0123456789"
CREDS = {
    "Code": "Success",
    "AccessKeyId": "ASIAMETADATAEXAMPLE1",
    "SecretAccessKey": SECRET,
    "Token": TOKEN,
    "Expiration": "2030-02-03T04:05:06Z",
}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


Reply = tuple[int, object]  # status and a body (dict -> JSON, str/bytes as is)


@dataclass
class FakeServer:
    """A threaded HTTP server whose answers come from ``reply(request)``."""

    reply: Callable[[Seen], Reply] = lambda seen: (404, "")
    requests: list[Seen] = field(default_factory=list)
    url: str = ""

    def header(self, index: int, name: str) -> str | None:
        return self.requests[index].headers.get(name.lower())


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
            fake.requests.append(seen)
            status, body = fake.reply(seen)
            if isinstance(body, dict | list):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode()
            else:
                assert isinstance(body, bytes)
                data = body
            try:
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "/redirected")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        do_GET = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def assert_no_secrets(text: str) -> None:
    for secret in (SECRET, TOKEN, AUTH):
        assert secret not in text
    assert "\n" not in text


def error_of(provider: ContainerProvider | InstanceMetadataProvider) -> str:
    with pytest.raises(ProviderError) as info:
        provider.retrieve()
    message = str(info.value)
    assert_no_secrets(message)
    return message


# --- container --------------------------------------------------------------------


def container(env: dict[str, str], **kwargs: object) -> ContainerProvider:
    kwargs.setdefault("retry_delay", 0)
    return ContainerProvider(env, **kwargs)  # type: ignore[arg-type]


def test_container_relative_uri(server: FakeServer) -> None:
    server.reply = lambda seen: (200, dict(CREDS, AccountId="123456789012"))
    provider = container(
        {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc?x=1"}, ecs_host=server.url
    )

    creds = provider.retrieve()

    assert provider.name == "ContainerProvider"
    assert (creds.access_key_id, creds.secret_access_key) == ("ASIAMETADATAEXAMPLE1", SECRET)
    assert creds.session_token == TOKEN
    assert creds.expires == datetime(2030, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert creds.account_id == "123456789012"
    assert creds.source == "ContainerProvider"
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/v2/credentials/abc?x=1")]
    assert server.header(0, "Accept") == "application/json"
    assert server.header(0, "Authorization") is None
    assert_no_secrets(repr(creds) + repr(provider))


def test_container_relative_uri_defaults_to_the_ecs_host() -> None:
    provider = ContainerProvider({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds"})
    assert provider.url() == "http://169.254.170.2/v2/creds"


def test_container_relative_uri_wins_over_full_uri(server: FakeServer) -> None:
    env = {
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/rel",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/full",
    }
    assert container(env, ecs_host=server.url).url() == server.url + "/rel"


def test_container_relative_uri_must_be_a_path() -> None:
    env = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "@evil.example/creds"}
    assert "must start with '/'" in error_of(container(env))


def test_container_full_uri_with_auth_token(server: FakeServer) -> None:
    server.reply = lambda seen: (200, CREDS)
    env = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/get-credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH,
    }

    container(env).retrieve()

    assert server.requests[0].path == "/get-credentials"
    assert server.header(0, "Authorization") == AUTH


def test_container_auth_token_file_is_reread_and_wins(server: FakeServer, tmp_path: Path) -> None:
    server.reply = lambda seen: (200, CREDS)
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text("first-token\n")
    env = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/v1/credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
    }
    provider = container(env)

    provider.retrieve()
    token_file.write_text("rotated-token")
    provider.retrieve()

    assert [r.headers.get("authorization") for r in server.requests] == [
        "first-token",
        "rotated-token",
    ]


def test_container_unreadable_token_file(server: FakeServer, tmp_path: Path) -> None:
    missing = tmp_path / "absent-token"
    env = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(missing),
    }

    message = error_of(container(env))

    assert f"cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {missing}" in message
    assert server.requests == []


def test_container_token_with_line_break_is_refused(server: FakeServer) -> None:
    env = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH + "\r\nX-Injected: 1",
    }

    assert "line break" in error_of(container(env))
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/creds",
        "http://127.5.6.7/creds",
        "http://[::1]:9000/creds",
        "http://localhost/creds",
        "http://169.254.170.2/v2/creds",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "https://credentials.example.com/creds",
    ],
)
def test_container_allowed_full_uris(url: str) -> None:
    check_full_uri(url)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://credentials.example.com/creds", "not allowed over http"),
        ("http://169.254.169.254/latest", "not allowed over http"),
        ("http://10.0.0.5/creds", "not allowed over http"),
        ("file:///etc/passwd", "must be an http or https URL"),
        ("ftp://127.0.0.1/creds", "must be an http or https URL"),
        ("https:///creds", "must be an http or https URL"),
    ],
)
def test_container_disallowed_full_uris(url: str, why: str) -> None:
    message = error_of(container({"AWS_CONTAINER_CREDENTIALS_FULL_URI": url}))
    assert why in message


def test_container_needs_a_uri() -> None:
    assert "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" in error_of(container({}))


def test_container_retries_server_errors(server: FakeServer) -> None:
    answers = iter([(500, "busy"), (503, ""), (200, CREDS)])
    server.reply = lambda seen: next(answers)
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"}

    assert container(env, attempts=3).retrieve().session_token == TOKEN
    assert len(server.requests) == 3


def test_container_gives_up_after_attempts(server: FakeServer) -> None:
    server.reply = lambda seen: (503, "agent not ready")
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"}

    message = error_of(container(env, attempts=2))

    assert "failed after 2 attempts: HTTP 503: agent not ready" in message
    assert len(server.requests) == 2


def test_container_client_error_is_not_retried_and_token_is_redacted(
    server: FakeServer,
) -> None:
    server.reply = lambda seen: (403, {"message": f"bad token {AUTH}"})
    env = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH,
    }

    message = error_of(container(env))

    assert "returned HTTP 403" in message
    assert "<redacted>" in message
    assert len(server.requests) == 1


def test_container_does_not_follow_redirects(server: FakeServer) -> None:
    server.reply = lambda seen: (302, "") if seen.path == "/creds" else (200, CREDS)
    env = {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": AUTH,
    }

    assert "HTTP 302" in error_of(container(env))
    assert [r.path for r in server.requests] == ["/creds"]


def test_container_connection_refused(closed_port_url: str) -> None:
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": closed_port_url + "/creds"}

    message = error_of(container(env, attempts=2))

    assert f"container credentials endpoint {closed_port_url}/creds failed after 2" in message
    assert "refused" in message.lower()


def test_container_timeout_is_bounded(server: FakeServer) -> None:
    def slow(seen: Seen) -> Reply:
        time.sleep(1.5)
        return 200, CREDS

    server.reply = slow
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"}
    started = time.monotonic()

    message = error_of(container(env, timeout=0.3, attempts=1))

    assert time.monotonic() - started < 1.4
    assert "timed out" in message


def test_container_invalid_json_is_not_echoed(server: FakeServer) -> None:
    server.reply = lambda seen: (200, f"AccessKeyId: x SecretAccessKey: {SECRET}")
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"}

    assert "invalid JSON (not shown)" in error_of(container(env))


def test_container_deeply_nested_json_is_invalid_json(server: FakeServer) -> None:
    server.reply = lambda seen: (200, "[" * 100_000)
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"}

    assert "invalid JSON (not shown)" in error_of(container(env))


def test_container_missing_fields(server: FakeServer) -> None:
    server.reply = lambda seen: (200, {"Token": TOKEN, "AccessKeyId": "ASIA"})
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"}

    assert "missing SecretAccessKey" in error_of(container(env))


# --- IMDS -------------------------------------------------------------------------


def imds_answers(token_status: int = 200, role: str = "web-role") -> Callable[[Seen], Reply]:
    def reply(seen: Seen) -> Reply:
        if seen.method == "PUT" and seen.path == "/latest/api/token":
            return token_status, "imds-session-token" if token_status == 200 else ""
        if seen.path == "/latest/meta-data/iam/security-credentials/":
            return (200, role + "\n") if role else (404, "")
        if seen.path == f"/latest/meta-data/iam/security-credentials/{role}":
            return 200, CREDS
        return 404, ""

    return reply


def imds(
    server_url: str, env: dict[str, str] | None = None, **kw: float
) -> InstanceMetadataProvider:
    return InstanceMetadataProvider(env or {}, endpoint=server_url, **kw)  # type: ignore[arg-type]


def test_imds_v2_token_flow(server: FakeServer) -> None:
    server.reply = imds_answers()
    provider = imds(server.url)

    creds = provider.retrieve()

    assert provider.name == "InstanceMetadataProvider"
    assert creds.access_key_id == "ASIAMETADATAEXAMPLE1"
    assert creds.session_token == TOKEN
    assert creds.expires == datetime(2030, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert creds.source == "InstanceMetadataProvider"
    assert [(r.method, r.path) for r in server.requests] == [
        ("PUT", "/latest/api/token"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", "/latest/meta-data/iam/security-credentials/web-role"),
    ]
    assert server.header(0, "X-aws-ec2-metadata-token-ttl-seconds") == "21600"
    assert server.header(1, "X-aws-ec2-metadata-token") == "imds-session-token"
    assert server.header(2, "X-aws-ec2-metadata-token") == "imds-session-token"
    assert_no_secrets(repr(creds))


@pytest.mark.parametrize("status", [403, 404, 405])
def test_imds_falls_back_to_v1(server: FakeServer, status: int) -> None:
    server.reply = imds_answers(token_status=status)

    creds = imds(server.url).retrieve()

    assert creds.secret_access_key == SECRET
    assert [r.method for r in server.requests] == ["PUT", "GET", "GET"]
    assert all(r.headers.get("x-aws-ec2-metadata-token") is None for r in server.requests)


def test_imds_token_timeout_falls_back_to_v1(server: FakeServer) -> None:
    answers = imds_answers()

    def reply(seen: Seen) -> Reply:
        if seen.method == "PUT":
            time.sleep(1.0)  # as when the hop limit drops the PUT response
        return answers(seen)

    server.reply = reply

    creds = imds(server.url, timeout=0.3).retrieve()

    assert creds.access_key_id == "ASIAMETADATAEXAMPLE1"
    assert server.requests[1].headers.get("x-aws-ec2-metadata-token") is None


def test_imds_v1_disabled(server: FakeServer) -> None:
    server.reply = imds_answers(token_status=403)

    message = error_of(imds(server.url, {"AWS_EC2_METADATA_V1_DISABLED": "true"}))

    assert "IMDSv1 is disabled" in message
    assert [r.method for r in server.requests] == ["PUT"]


def test_imds_disabled_makes_no_request(server: FakeServer) -> None:
    server.reply = imds_answers()

    message = error_of(imds(server.url, {"AWS_EC2_METADATA_DISABLED": "TRUE"}))

    assert "disabled (AWS_EC2_METADATA_DISABLED=true)" in message
    assert server.requests == []


def test_imds_disabled_by_the_isolated_test_environment() -> None:
    assert "disabled" in error_of(InstanceMetadataProvider(os.environ))


def test_imds_endpoint_from_environment(server: FakeServer) -> None:
    server.reply = imds_answers()
    provider = InstanceMetadataProvider({"AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url + "/"})

    assert provider.retrieve().access_key_id == "ASIAMETADATAEXAMPLE1"
    assert server.requests[0].path == "/latest/api/token"


def test_imds_endpoint_selection() -> None:
    ipv6 = {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}
    assert InstanceMetadataProvider({}).endpoint() == "http://169.254.169.254"
    assert InstanceMetadataProvider(ipv6).endpoint() == "http://[fd00:ec2::254]"
    both = dict(ipv6, AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9")
    assert InstanceMetadataProvider(both).endpoint() == "http://127.0.0.1:9"
    assert InstanceMetadataProvider(both, endpoint="http://[::1]:8").endpoint() == "http://[::1]:8"


def test_imds_bad_endpoint_settings() -> None:
    with pytest.raises(ProviderError, match="must be IPv4 or IPv6"):
        InstanceMetadataProvider({"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv5"}).retrieve()
    with pytest.raises(ProviderError, match="not an http"):
        InstanceMetadataProvider({}, endpoint="169.254.169.254").retrieve()


def test_imds_no_role_attached(server: FakeServer) -> None:
    server.reply = imds_answers(role="")

    assert "no IAM role is attached" in error_of(imds(server.url))


def test_imds_error_document(server: FakeServer) -> None:
    answers = imds_answers()

    def reply(seen: Seen) -> Reply:
        if seen.path.endswith("/web-role"):
            return 200, {"Code": "AssumeRoleUnauthorizedAccess", "Message": "EC2 is not trusted"}
        return answers(seen)

    server.reply = reply

    message = error_of(imds(server.url))

    assert "returned AssumeRoleUnauthorizedAccess: EC2 is not trusted" in message
    assert "role web-role" in message


def test_imds_invalid_json_is_not_echoed(server: FakeServer) -> None:
    answers = imds_answers()
    server.reply = lambda seen: (
        (200, f"{{SecretAccessKey: {SECRET}") if seen.path.endswith("/web-role") else answers(seen)
    )

    assert "invalid JSON (not shown)" in error_of(imds(server.url))


def test_imds_deeply_nested_json_is_invalid_json(server: FakeServer) -> None:
    answers = imds_answers()
    server.reply = lambda seen: (
        (200, "{" * 100_000) if seen.path.endswith("/web-role") else answers(seen)
    )

    assert "invalid JSON (not shown)" in error_of(imds(server.url))


def test_imds_bad_token_request(server: FakeServer) -> None:
    server.reply = imds_answers(token_status=400)

    assert "rejected the token request" in error_of(imds(server.url))


def test_imds_server_error_is_retried_up_to_attempts(server: FakeServer) -> None:
    answers = imds_answers()
    failures = iter([True, False])

    def reply(seen: Seen) -> Reply:
        if seen.path.endswith("/web-role") and next(failures):
            return 500, "oops"
        return answers(seen)

    server.reply = reply

    assert imds(server.url, attempts=2).retrieve().session_token == TOKEN
    assert [r.path.rsplit("/", 1)[-1] for r in server.requests][-2:] == ["web-role", "web-role"]


def test_imds_unreachable(closed_port_url: str) -> None:
    message = error_of(imds(closed_port_url))

    assert f"cannot reach EC2 instance metadata at {closed_port_url}" in message


def test_hops_from_a_container_role_are_keyed_by_its_credentials(
    server: FakeServer, tmp_path: Path
) -> None:
    """Two hosts sharing a cache directory must not share hops their roles assumed."""
    from resolver.cache.persistent import make_persistent_cache
    from resolver.cache.store import CacheStore
    from resolver.chain.types import (
        Chain,
        ContainerSource,
        Hop,
        StsSettings,
    )
    from resolver.providers.executor import build_provider

    key_id = {"value": "ASIAHOSTAAAAAAAAAAAA"}
    server.reply = lambda seen: (200, dict(CREDS, AccessKeyId=key_id["value"]))
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds"}
    value = Chain(
        "prod",
        ContainerSource("prod"),
        (Hop("prod", "arn:aws:iam::123456789012:role/prod"),),
        StsSettings("us-east-1", endpoint_url="http://127.0.0.1:9"),
    )

    def hop_key() -> str:
        wrap = make_persistent_cache(CacheStore(tmp_path / "cache"))
        final = build_provider(value, environ=environ, wrap=wrap)
        return str(final.provider.key())  # type: ignore[attr-defined]

    host_a = hop_key()
    assert hop_key() == host_a  # the same role's credentials: the same entry
    key_id["value"] = "ASIAHOSTBBBBBBBBBBBB"
    assert hop_key() != host_a
    assert len(server.requests) == 3  # fetched locally to name the caller, no STS call
