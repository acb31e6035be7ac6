"""The lite STS client and a botocore client against one scripted local STS: crafted error
answers, throttling then success, 5xx, truncated and garbage bodies map to the same
exceptions, messages and attempts; timeouts and refused connections to the same one-line
errors; a huge body is bounded; the CA bundle and the proxy are honoured."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from benchmarks.tls import write_self_signed
from resolver.providers.sts.factory import StsTarget, make_sts_client, transport_environment
from resolver.providers.sts.lite import MAX_BODY, LiteStsClient
from resolver.stscreds.client import sts_error
from resolver.stscreds.credentials import Credentials
from tests.providers.sts.test_sts_lite_moto import shape

CALLER = Credentials("AKIACALLERKEY0000001", "caller-secret")
PARAMS = {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "sess"}
OK = (
    b'<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
    b"<SourceIdentity>alice</SourceIdentity><AssumedRoleUser>"
    b"<AssumedRoleId>AROA0:s</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn>"
    b"</AssumedRoleUser><Credentials><AccessKeyId>ASIAX</AccessKeyId>"
    b"<SecretAccessKey>sk</SecretAccessKey><SessionToken>tok</SessionToken>"
    b"<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>"
    b"<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>"
    b"<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></AssumeRoleResponse>"
)


def error(code: str, message: str = "went wrong", kind: str = "Sender") -> bytes:
    return (
        f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        f"<Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>req-e</RequestId></ErrorResponse>"
    ).encode()


Answer = tuple[int, bytes]


@dataclass
class Scripted:
    """A local STS answering each request with the next scripted answer (the last one
    repeats); ``truncate`` announces a longer body than it sends."""

    answers: list[Answer]
    truncate: bool = False
    seen: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    start: int = 0  # the script starts over after this many requests


def serve(script: Scripted, *, tls: tuple[Path, Path] | None = None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            script.seen.append({"path": self.path, **dict(self.headers.items())})
            index = min(len(script.seen) - script.start, len(script.answers)) - 1
            status, body = script.answers[index]
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body) + (100 if script.truncate else 0)))
            if script.truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            if script.truncate:
                self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if tls else "http"
    script.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    return server


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    servers: list[ThreadingHTTPServer] = []

    def start(answers: list[Answer], **kwargs: Any) -> Scripted:
        script = Scripted(answers, **{k: v for k, v in kwargs.items() if k == "truncate"})
        servers.append(serve(script, tls=kwargs.get("tls")))
        return script

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff delays asked for (not slept), from both clients."""
    asked: list[float] = []
    monkeypatch.setattr(time, "sleep", asked.append)
    return asked


def outcome(call: Callable[[], Any]) -> tuple[str, Any, Any]:
    """``(kind, shape of the answer or exception, the StsError's text)``."""
    try:
        answer = call()
    except Exception as exc:
        mapped = sts_error(exc, operation="AssumeRole", hop="hop")
        response = getattr(exc, "response", None)
        text = None if mapped is None else (str(mapped), mapped.code)
        return type(exc).__name__, (without_body(exc), shape(response)), text
    return "answer", shape(answer), None


def without_body(exc: BaseException) -> str:
    """The exception's message; for a ``ResponseParserError`` without the body botocore
    appends after a colon (the lite client never shows a body: it may hold secrets)."""
    if type(exc).__name__ != "ResponseParserError":
        return str(exc)
    head, _, tail = str(exc).partition(":\n")
    return head if tail.startswith(("b'", 'b"')) else str(exc)


def compare(target: StsTarget, script: Scripted) -> tuple[str, Any, Any]:
    """The lite client's outcome, asserted equal to botocore's, each client sending the
    same requests (the script starts over for botocore's)."""
    before = script.start = len(script.seen)
    ours = outcome(lambda: LiteStsClient(target, signed=True).call("AssumeRole", PARAMS, CALLER))
    middle = script.start = len(script.seen)
    theirs = outcome(lambda: make_sts_client(CALLER, target).assume_role(**PARAMS))
    if (ours[0], theirs[0]) == ("ResponseParserError", "KeyError"):
        # botocore's parser trips over the missing result element with a KeyError; the
        # lite parser names the malformed answer: the same one-line error for the user
        assert ours[2] == theirs[2] and ours[2] is not None
    else:
        assert ours == theirs
    paths = [request["path"] for request in script.seen]
    assert paths[before:middle] == paths[middle:]
    return ours


CASES = {
    "access denied": [(403, error("AccessDenied", "not  allowed\nat all"))],
    "modeled error": [(400, error("ExpiredTokenException", "The token expired"))],
    "region disabled": [(403, error("RegionDisabledException", "STS is not activated"))],
    "throttled, then ok": [(400, error("Throttling", "Rate exceeded")), (200, OK)],
    "throttled throughout": [(400, error("Throttling", "Rate exceeded"))],
    "500, then ok": [(500, error("InternalFailure", kind="Receiver")), (200, OK)],
    "503 throughout": [(503, error("ServiceUnavailable", kind="Receiver"))],
    "bare 502": [(502, b"")],
    "garbage 200": [(200, b"\x00\xffnot xml at all<<")],
    "html 200": [(200, b"<html><body>proxy login</body></html>")],
    "empty 200": [(200, b"")],
    "ok": [(200, OK)],
}


@pytest.mark.parametrize("answers", CASES.values(), ids=CASES.keys())
def test_an_answer_gives_what_botocore_gives(
    scripted: Callable[..., Scripted], sleeps: list[float], answers: list[Answer]
) -> None:
    script = scripted(answers)
    kind, _, _ = compare(StsTarget("us-east-1", script.url), script)
    assert script.seen
    retried = answers[0][0] in (500, 502, 503) or b"Throttling" in answers[0][1]
    assert len(script.seen) == 2 * (min(len(answers), 3) if retried else 1) or len(answers) == 1
    assert len(sleeps) == len(script.seen) - 2
    assert (kind == "answer") == (answers[-1][0] == 200 and answers[-1][1] == OK)


def test_a_truncated_body_fails_as_botocore_does(
    scripted: Callable[..., Scripted], sleeps: list[float]
) -> None:
    script = scripted([(200, OK[:-40])], truncate=True)
    kind, _, mapped = compare(StsTarget("us-east-1", script.url), script)
    assert kind == "ResponseParserError" and "not valid XML" in mapped[0]


def test_a_huge_body_is_not_read_past_the_bound(scripted: Callable[..., Scripted]) -> None:
    padded = OK.replace(b"<SourceIdentity>", b"<SourceIdentity>" + b" " * (2 * MAX_BODY))
    script = scripted([(200, padded)])
    client = LiteStsClient(StsTarget("us-east-1", script.url), signed=True)
    kind, (text, _), mapped = outcome(lambda: client.call("AssumeRole", PARAMS, CALLER))
    assert kind == "ResponseParserError" and f"larger than {MAX_BODY} bytes" in text
    assert mapped[0].endswith("AssumeRole failed: STS sent a response that is not valid XML")
    assert len(script.seen) == 1


def test_a_refused_connection_is_the_same_one_line_error(sleeps: list[float]) -> None:
    target = StsTarget("us-east-1", "http://127.0.0.1:9")
    kind, _, mapped = outcome(
        lambda: LiteStsClient(target, signed=True).call("AssumeRole", PARAMS, CALLER)
    )
    assert (kind, _, mapped) == outcome(
        lambda: make_sts_client(CALLER, target).assume_role(**PARAMS)
    )
    assert kind == "EndpointConnectionError" and mapped[0].endswith("connection failed")
    assert len(sleeps) == 2 * 2  # three attempts each


def test_a_read_timeout_is_the_same_one_line_error(sleeps: list[float]) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts (in the backlog) and never answers
    try:
        environ = {"ROLECHAIN_STS_READ_TIMEOUT": "0.3"}
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        target = StsTarget("us-east-1", url, transport_environment(environ))
        ours = outcome(
            lambda: LiteStsClient(target, signed=True).call("AssumeRole", PARAMS, CALLER)
        )
        theirs = outcome(lambda: make_sts_client(CALLER, target).assume_role(**PARAMS))
    finally:
        listener.close()
    assert ours == theirs
    assert ours[0] == "ReadTimeoutError" and ours[2][0].endswith("read timed out")


def test_https_is_verified_with_the_targets_ca_bundle(
    scripted: Callable[..., Scripted], tmp_path: Path, sleeps: list[float]
) -> None:
    cert, key = write_self_signed(tmp_path)
    script = scripted([(200, OK)], tls=(cert, key))
    trusted = StsTarget(
        "us-east-1", script.url, transport_environment({"AWS_CA_BUNDLE": str(cert)})
    )
    assert compare(trusted, script)[0] == "answer" and len(script.seen) == 2
    untrusted = StsTarget("us-east-1", script.url, transport_environment({}))
    kind, _, mapped = compare(untrusted, script)
    assert kind == "SSLError" and mapped[0].endswith("TLS error")
    assert len(script.seen) == 2


def test_the_proxy_of_the_targets_environment_carries_the_call(
    scripted: Callable[..., Scripted],
) -> None:
    proxy = scripted([(200, OK)])
    environ = {"HTTP_PROXY": proxy.url, "NO_PROXY": "localhost"}
    target = StsTarget("us-east-1", "http://sts.example.test", transport_environment(environ))
    assert compare(target, proxy)[0] == "answer"
    assert proxy.seen[0]["path"] == "http://sts.example.test/"
    bypassing = dict(environ, NO_PROXY="sts.example.test,127.0.0.1")
    direct = scripted([(200, OK)])
    target = StsTarget("us-east-1", direct.url, transport_environment(bypassing))
    assert compare(target, direct)[0] == "answer"
    assert len(proxy.seen) == 2


def test_a_model_on_the_targets_aws_data_path_is_the_one_used(
    tmp_path: Path, sleeps: list[float]
) -> None:
    """As botocore's loader: ``AWS_DATA_PATH`` first (here an STS model whose session
    names are at least 5 characters), then botocore's own data."""
    import gzip
    import json

    import botocore
    from botocore.exceptions import EndpointConnectionError, ParamValidationError

    shipped = Path(botocore.__file__).parent / "data" / "sts" / "2011-06-15" / "service-2.json.gz"
    model = json.loads(gzip.decompress(shipped.read_bytes()))
    model["shapes"]["roleSessionNameType"]["min"] = 5
    version = tmp_path / "sts" / "2011-06-15"
    version.mkdir(parents=True)
    (version / "service-2.json").write_text(json.dumps(model))
    environ = {"AWS_DATA_PATH": str(tmp_path)}
    target = StsTarget("us-east-1", "http://127.0.0.1:9", transport_environment(environ))
    with pytest.raises(ParamValidationError, match="valid min length: 5"):
        LiteStsClient(target, signed=True).call("AssumeRole", PARAMS, CALLER)
    shipped_model = StsTarget("us-east-1", "http://127.0.0.1:9")
    with pytest.raises(EndpointConnectionError):  # "sess" passes: the call is sent
        LiteStsClient(shipped_model, signed=True).call("AssumeRole", PARAMS, CALLER)


@pytest.mark.parametrize(
    ("proxy", "transport"),
    [
        ("https://proxy.example.test:8443", "BotocoreTransport"),
        ("http://proxy:8080", "HttpTransport"),
    ],
)
def test_a_proxy_the_stdlib_transport_does_not_speak_is_left_to_botocore(
    proxy: str, transport: str
) -> None:
    """TLS to the proxy (an ``https://`` proxy URL) goes through botocore's session."""
    environment = transport_environment({"HTTPS_PROXY": proxy})
    target = StsTarget("us-east-1", "https://sts.example.test", environment)
    client = LiteStsClient(target, signed=True)
    assert type(client._transport).__name__ == transport
    assert client.meta.config.proxies == {"https": proxy}
