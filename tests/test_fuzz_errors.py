"""Issue 19's fuzz run over the error paths: generated hostile profile names, role ARNs,
session names, tag values, endpoints, credential values (from a credential_process) and
environment values go through ``export``, ``explain``, ``validate`` and ``console
--print`` in-process. No run may crash, show a traceback, print more than one line on
stderr when it fails, or show a generated secret (outside a successful export's stdout).

A local STS and federation stand-in on 127.0.0.1 refuses every call at once, so valid
chains reach the network path without retries. Scale with ``ROLECHAIN_FUZZ_EXAMPLES``.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver import cli
from resolver.api import clear
from tests.conftest import IsolatedEnv
from tests.hostile import fuzz_settings, hostile_text

DENIED = (
    b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
    b"<Message>denied</Message></Error><RequestId>r</RequestId></ErrorResponse>"
)


@pytest.fixture
def refusing() -> Iterator[str]:
    """STS and federation at once: every request gets 403 AccessDenied."""

    class Handler(BaseHTTPRequestHandler):
        def _deny(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            self.send_response(403)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(DENIED)))
            self.end_headers()
            self.wfile.write(DENIED)

        do_GET = do_POST = _deny

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


secret = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=12).map(
    "q7Z!".__add__
)  # printable ASCII that no ordinary output happens to contain
names = st.one_of(hostile_text, st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True))
valid_arn = st.builds("arn:aws:iam::123456789012:role/{}".format, names)
arns = st.one_of(hostile_text, valid_arn, valid_arn)
endpoints = st.one_of(
    hostile_text,
    st.builds("http://127.0.0.1:{}/{}".format, st.integers(-5, 70000), hostile_text),
    st.none(),
    st.none(),
    st.none(),
)
maybe_hostile = st.one_of(st.none(), st.none(), hostile_text)


def toml(value: str) -> str:
    return json.dumps(value)  # a TOML basic string for any text without surrogates


def forms(value: str) -> list[str]:
    inner = json.dumps(value)[1:-1]
    return [value, quote(value, safe=""), quote_plus(value), quote_plus(inner), inner]


@settings(
    fuzz_settings(default=25),
    suppress_health_check=[
        *fuzz_settings().suppress_health_check,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    profile=names,
    role=arns,
    session=maybe_hostile,
    tag=maybe_hostile,
    endpoint=endpoints,
    federation=endpoints,
    region=maybe_hostile,
    key=secret,
    token=secret,
    debug=st.booleans(),
)
def test_error_paths_never_crash_trace_or_leak(
    isolated_env: IsolatedEnv,
    refusing: str,
    tmp_path: Path,
    profile: str,
    role: str,
    session: str | None,
    tag: str | None,
    endpoint: str | None,
    federation: str | None,
    region: str | None,
    key: str,
    token: str,
    debug: bool,
) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(
        json.dumps(
            {"Version": 1, "AccessKeyId": "ASIAFUZZEXAMPLE00000", "SecretAccessKey": key,
             "SessionToken": token}
        )
    )  # fmt: skip
    lines = [
        '[profiles.base]\ncredential_process = "/bin/cat ' + str(creds) + '"',
        f"[profiles.{toml(profile)}]",
        'source_profile = "base"',
        f"role_arn = {toml(role)}",
    ]
    if session is not None:
        lines.append(f"role_session_name = {toml(session)}")
    if tag is not None:
        lines.append(f"session_tags = {{ team = {toml(tag)} }}")
    isolated_env.rolechain_config.write_text("\n".join(lines) + "\n")
    environment = {
        "AWS_ENDPOINT_URL_STS": endpoint if endpoint is not None else refusing,
        "ROLECHAIN_FEDERATION_ENDPOINT": federation
        if federation is not None
        else refusing + "/federation",
        "AWS_REGION": region if region is not None else "eu-west-1",
    }
    for command in (
        ["export", "--", profile],  # a name may begin with "-"
        ["explain", "--", profile],
        ["validate", "--", profile],
        ["console", "--print", "--", profile],
    ):
        argv = ["--no-cache", *(["--debug"] if debug else []), *command]
        status, out, err = run(argv, environment)
        assert "internal error (" not in err, (argv, err)
        if not debug:
            assert "Traceback" not in err
            if status != 0:
                assert err.count("\n") == 1, (argv, err)
        exported = command[0] == "export" and status == 0
        shown = err if exported else out + err
        assert not any(form in shown for value in (key, token) for form in forms(value))


def run(argv: list[str], environment: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        for name, value in environment.items():
            if "\x00" in value:
                patch.delenv(name, raising=False)  # no process environment can hold NUL
            else:
                patch.setenv(name, value)
        clear()
        status = cli.run(argv)
    return status, out.getvalue(), err.getvalue()
