"""The web identity provider never multiplies the client's retries: HTTP requests counted
by a fake STS on 127.0.0.1 that answers every call with an STS error, through a real boto3
client in each retry mode."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config

from resolver.errors import StsError
from resolver.stscreds import web_identity
from resolver.stscreds.web_identity import (
    WebIdentityRoleProvider,
    client_max_attempts,
)

ARN = "arn:aws:iam::123456789012:role/ci"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXRyeSJ9.c2lnbmF0dXJlUg"
ERROR_XML = """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>fake</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"""


class FakeSts(ThreadingHTTPServer):
    """Answers every request with the STS error ``code`` and counts the requests."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.code = "InvalidIdentityToken"
        self.requests = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeSts

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.requests += 1
        body = ERROR_XML.format(code=self.server.code).encode()
        self.send_response(400)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_sts(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSts]:
    monkeypatch.setattr(time, "sleep", lambda _: None)  # botocore's backoff: counts only
    monkeypatch.setattr(web_identity, "_sleep", lambda _: None)
    server = FakeSts()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


class Token:
    def __init__(self) -> None:
        self.reads = 0

    def get_identity_token(self) -> str:
        self.reads += 1
        return JWT


def client(server: FakeSts, retries: dict[str, Any] | None) -> Any:
    config = Config(retries=retries) if retries is not None else None  # type: ignore[arg-type]
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=server.url,
        config=config,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
    )


MODES = {"default": None, "legacy": {"mode": "legacy"}, "standard": {"mode": "standard"}}
MODE_ATTEMPTS = {"legacy": 5, "standard": 3}
# botocore's default mode (no config file, no AWS_RETRY_MODE) is legacy up to 1.43 and
# standard from 1.44: read it from the installed botocore.
DEFAULT_MODE = str(botocore.session.get_session().get_config_variable("retry_mode"))
ATTEMPTS = {"default": MODE_ATTEMPTS[DEFAULT_MODE], **MODE_ATTEMPTS}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("code", ["IDPCommunicationError", "InvalidIdentityToken"])
def test_requests_stay_within_the_clients_attempts(fake_sts: FakeSts, mode: str, code: str) -> None:
    fake_sts.code = code
    sts = client(fake_sts, MODES[mode])
    assert client_max_attempts(sts) == ATTEMPTS[mode]
    token = Token()
    with pytest.raises(StsError) as info:
        WebIdentityRoleProvider(sts, ARN, token).retrieve()
    assert info.value.code == code
    assert fake_sts.requests == ATTEMPTS[mode]
    # IDPCommunicationError: botocore retries with the same request (one token read);
    # InvalidIdentityToken: the provider retries, reading the token again each time.
    assert token.reads == (1 if code == "IDPCommunicationError" else ATTEMPTS[mode])


@pytest.mark.parametrize("code", ["IDPCommunicationError", "InvalidIdentityToken"])
def test_an_explicit_attempt_count_is_the_ceiling(fake_sts: FakeSts, code: str) -> None:
    fake_sts.code = code
    sts = client(fake_sts, {"mode": "standard", "total_max_attempts": 2})
    with pytest.raises(StsError):
        WebIdentityRoleProvider(sts, ARN, Token()).retrieve()
    assert fake_sts.requests == 2


def test_the_error_keeps_botocores_response_and_cause(fake_sts: FakeSts) -> None:
    from botocore.exceptions import ClientError

    fake_sts.code = "InvalidIdentityToken"
    sts = client(fake_sts, {"mode": "standard", "total_max_attempts": 1})
    with pytest.raises(StsError) as info:
        WebIdentityRoleProvider(sts, ARN, Token()).retrieve()
    error = info.value
    assert isinstance(error.__cause__, ClientError)
    assert error.response == error.__cause__.response
    assert error.response is not None
    assert error.response["Error"]["Code"] == "InvalidIdentityToken"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for text in (str(error), repr(error)):
        assert "ResponseMetadata" not in text and "c6104cbe" not in text and JWT not in text


class Stub:
    def assume_role_with_web_identity(self, **kwargs: Any) -> Any:
        raise AssertionError("not called")


def test_a_client_without_botocore_meta_gets_gos_default_attempts() -> None:
    assert client_max_attempts(Stub()) == 3
    assert client_max_attempts(object()) == web_identity.DEFAULT_MAX_ATTEMPTS == 3
