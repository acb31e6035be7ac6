"""Container credentials over https are verified against the resolving environment's
``AWS_CA_BUNDLE`` (a regression test: once the Context was threaded through, the bundle
was no longer passed to the request)."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from benchmarks.tls import write_self_signed
from resolver.errors import ProviderError
from resolver.providers.bases.container import ContainerProvider

DOCUMENT = {
    "AccessKeyId": "ASIATLSEXAMPLE000001",
    "SecretAccessKey": "tls-secret-value-0000000000000000000000",
    "Token": "tls-session-token",
    "Expiration": "2099-01-01T00:00:00Z",
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(DOCUMENT).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    cert, key = write_self_signed(tmp_path / "tls")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/creds", cert
    finally:
        server.shutdown()
        server.server_close()


def test_container_https_is_verified_with_the_given_ca_bundle(tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url, "AWS_CA_BUNDLE": str(cert)}
    credentials = ContainerProvider(environ, attempts=1).retrieve()
    assert credentials.access_key_id == DOCUMENT["AccessKeyId"]


def test_container_https_without_the_bundle_is_refused(tls_server: tuple[str, Path]) -> None:
    url, _ = tls_server
    with pytest.raises(ProviderError) as caught:
        ContainerProvider({"AWS_CONTAINER_CREDENTIALS_FULL_URI": url}, attempts=1).retrieve()
    assert "\n" not in str(caught.value)
