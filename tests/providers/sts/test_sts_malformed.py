"""Malformed STS answers through the real CLI: one line naming the hop and the operation,
no traceback and nothing of the response body (which may hold credentials)."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator

import pytest

from tests.cache.test_parallel_processes import INI, run_cli, write_ini
from tests.conftest import IsolatedEnv

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLESECRET"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE"
FULL = f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE99</AccessKeyId>
<SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken>
<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult>
</AssumeRoleResponse>"""
BODIES = {
    "empty 200": (200, ""),
    "empty 403": (403, ""),
    "html 200": (200, f"<html><body>portal {SECRET}</body></html>"),
    "truncated xml": (200, FULL[: FULL.index("</SessionToken>")]),
}


class FakeSts(http.server.BaseHTTPRequestHandler):
    status, body = 200, ""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        data = self.body.encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_sts() -> Iterator[tuple[str, type[FakeSts]]]:
    handler = type("Handler", (FakeSts,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("case", sorted(BODIES))
def test_malformed_sts_answer_is_one_line_without_the_body(
    case: str, fake_sts: tuple[str, type[FakeSts]], isolated_env: IsolatedEnv
) -> None:
    url, handler = fake_sts
    handler.status, handler.body = BODIES[case]
    write_ini(isolated_env, INI)
    isolated_env.rolechain_config.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.rolechain_config.write_text("version = 1\n")
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL_STS": url,
        "AWS_REGION": "us-east-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    result = run_cli(["export", "mid", "--format", "json"], env)
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("rolechain: error: ")
    assert "mid" in line and "AssumeRole" in line
    for secret in (SECRET, TOKEN, "portal", "<"):
        assert secret not in line
