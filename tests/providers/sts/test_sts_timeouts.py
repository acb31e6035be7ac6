"""STS connect and read timeouts suited to a credential call, configurable and bounded."""

from __future__ import annotations

import pytest

from resolver.context import STS_CONNECT_TIMEOUT, STS_READ_TIMEOUT
from resolver.errors import ConfigError
from resolver.providers.sts.factory import (
    StsTarget,
    make_sts_client,
    transport_environment,
)

CONNECT_TIMEOUT, READ_TIMEOUT = STS_CONNECT_TIMEOUT, STS_READ_TIMEOUT


def target_in(environ: dict[str, str]) -> StsTarget:
    """A target resolved in ``environ``: its client's settings come from there only."""
    return StsTarget("us-east-1", "http://127.0.0.1:9", transport_environment(environ))


def test_defaults_are_seconds_not_botocores_minute() -> None:
    config = make_sts_client(None, target_in({})).meta.config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT, READ_TIMEOUT)
    assert READ_TIMEOUT < 60


def test_timeouts_come_from_the_environment() -> None:
    given = {"ROLECHAIN_STS_CONNECT_TIMEOUT": "1.5", "ROLECHAIN_STS_READ_TIMEOUT": "4"}
    config = make_sts_client(None, target_in(given)).meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.5, 4.0)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "121", "nan", "inf"])
def test_a_bad_timeout_is_a_config_error_naming_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="ROLECHAIN_STS_READ_TIMEOUT"):
        make_sts_client(None, target_in({"ROLECHAIN_STS_READ_TIMEOUT": value}))


def test_a_throttled_call_is_sent_max_attempts_times_in_all() -> None:
    """botocore's ``max_attempts`` counts retries (3 meant 4 calls, 4 x 20 s against a hung
    STS); the bound documented per hop is ``MAX_ATTEMPTS`` calls in all."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from botocore.exceptions import ClientError

    from resolver.providers.sts.factory import MAX_ATTEMPTS

    seen: list[str] = []

    class Throttling(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(self.path)
            body = (
                b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                b"<Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>"
            )
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ClientError, match="Throttling"):
            make_sts_client(None, StsTarget("us-east-1", url)).get_caller_identity()
    finally:
        server.shutdown()
        server.server_close()
    assert len(seen) == MAX_ATTEMPTS == 3
