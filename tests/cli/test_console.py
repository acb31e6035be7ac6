"""``rolechain console``: a fake federation endpoint on 127.0.0.1 and moto's STS."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

import resolver
from resolver.api import clear
from resolver.cli.main import main
from tests.conftest import IsolatedEnv
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

SIGNIN_TOKEN = "SIGNINTOKENexample-0123456789abcdefghijklmnopqrstuvwxyz"
ACCOUNT = "123456789012"
KEYS = (
    f'aws_access_key_id = "{TEST_ACCESS_KEY_ID}"\n'
    f'aws_secret_access_key = "{TEST_SECRET_ACCESS_KEY}"\n'
)
PROFILES = f"""
[profiles.user]
{KEYS}
[profiles.admin]
source_profile = "user"
role_arn = "arn:aws:iam::{ACCOUNT}:role/admin"
role_session_name = "alice"
console_browser = "firefox -P 'work profile' --new-tab {{url}}"

[profiles.deeper]
source_profile = "admin"
role_arn = "arn:aws:iam::{ACCOUNT}:role/deeper"

[profiles.mfa-user]
{KEYS}mfa_serial = "arn:aws:iam::{ACCOUNT}:mfa/alice"
"""


@dataclass
class Federation:
    """The fake federation endpoint: records each query, answers with ``reply``."""

    url: str = ""
    queries: list[dict[str, list[str]]] = field(default_factory=list)
    reply: Callable[[], tuple[int, object]] = lambda: (200, {"SigninToken": SIGNIN_TOKEN})

    def session(self) -> dict[str, str]:
        (query,) = self.queries
        assert query["Action"] == ["getSigninToken"]
        (text,) = query["Session"]
        session: dict[str, str] = json.loads(text)
        return session


@pytest.fixture
def federation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Federation]:
    fake = Federation()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            assert parts.path == "/federation"
            fake.queries.append(parse_qs(parts.query))
            status, body = fake.reply()
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/federation"
    monkeypatch.setenv("ROLECHAIN_FEDERATION_ENDPOINT", fake.url)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def setup(
    moto: MotoServer, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> MotoServer:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    isolated_env.rolechain_config.write_text(PROFILES)
    clear()
    return moto


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def login_query(url: str, federation: Federation) -> dict[str, str]:
    parts = urlsplit(url.strip())
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == federation.url
    query = parse_qs(parts.query)
    assert all(len(values) == 1 for values in query.values())
    return {key: values[0] for key, values in query.items()}


def test_role_credentials_sign_in_with_the_exact_session_json(
    setup: MotoServer, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "console", "admin", "--print")

    assert status == 0, err
    credentials = resolver.resolve("admin")  # the same session, from the cache
    assert federation.session() == {
        "sessionId": credentials.access_key_id,
        "sessionKey": credentials.secret_access_key,
        "sessionToken": credentials.session_token,
    }
    assert "SessionDuration" not in federation.queries[0]
    assert login_query(out, federation) == {
        "Action": "login",
        "Issuer": "rolechain",
        "Destination": "https://console.aws.amazon.com/console/home",
        "SigninToken": SIGNIN_TOKEN,
    }
    assert [call.action for call in setup.sts_calls()] == ["AssumeRole"]
    assert credentials.secret_access_key not in out + err


def test_region_and_service_choose_the_page(
    setup: MotoServer, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(
        capsys, "console", "admin", "--print", "--service", "s3", "--region", "eu-west-1"
    )

    destination = login_query(out, federation)["Destination"]
    assert destination == "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"


def test_duration_is_sent_for_a_role_assumed_with_long_term_keys(
    setup: MotoServer, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "console", "admin", "--print", "--duration", "4h")

    assert status == 0, err
    assert federation.queries[0]["SessionDuration"] == ["14400"]


def test_duration_on_a_chained_role_is_explained_before_any_call(
    setup: MotoServer, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "console", "deeper", "--print", "--duration", "2h")

    assert status == 1 and out == ""
    assert err.startswith("rolechain: error: --duration: the federation endpoint refuses ")
    assert "role-chained" in err and f"arn:aws:iam::{ACCOUNT}:role/deeper" in err
    assert err.count("\n") == 1
    assert setup.sts_calls() == [] and federation.queries == []


def test_long_term_keys_use_get_federation_token(
    setup: MotoServer, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "console", "user", "--print", "--duration", "2h")

    assert status == 0, err
    identity, federate = setup.sts_calls()
    assert identity.action == "GetCallerIdentity"
    assert federate.action == "GetFederationToken"
    assert federate.access_key_id == TEST_ACCESS_KEY_ID
    assert federate.params["DurationSeconds"] == "7200"
    assert json.loads(federate.params["Policy"])["Statement"][0]["Action"] == "*"
    session = federation.session()
    assert session["sessionToken"]  # the federated session's, not bare long-term keys
    assert "SessionDuration" not in federation.queries[0]  # the token's own duration rules
    assert login_query(out, federation)["SigninToken"] == SIGNIN_TOKEN


def test_mfa_session_is_refused_with_the_reason(
    setup: MotoServer, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "console", "mfa-user", "--print")

    assert status == 1
    assert "MFA session (GetSessionToken)" in err and "through a role" in err
    assert setup.sts_calls() == [] and federation.queries == []


def test_refusal_by_the_endpoint_is_one_clean_line(
    setup: MotoServer, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    federation.reply = lambda: (400, {"echo": TEST_SECRET_ACCESS_KEY})

    status, out, err = run(capsys, "console", "admin", "--print", "--duration", "1h")

    assert status == 1 and out == ""
    assert "refused the credentials (HTTP 400)" in err and "try without --duration" in err
    assert TEST_SECRET_ACCESS_KEY not in err and err.count("\n") == 1


def test_browser_template_gets_the_url_as_one_argument(
    setup: MotoServer,
    federation: Federation,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(
        "resolver.console.browser.subprocess.Popen",
        lambda argv, **kwargs: started.append(argv),
    )
    caplog.set_level("DEBUG")

    status, out, err = run(capsys, "console", "admin")

    assert status == 0, err
    ((*command, url),) = started
    assert command == ["firefox", "-P", "work profile", "--new-tab"]
    assert login_query(url, federation)["SigninToken"] == SIGNIN_TOKEN
    assert out == "" and "opened the AWS console as profile admin" in err
    assert SIGNIN_TOKEN not in err + caplog.text


def test_default_browser_on_the_display(
    setup: MotoServer,
    federation: Federation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(
        "resolver.console.browser.subprocess.Popen", lambda argv, **kw: started.append(argv)
    )
    monkeypatch.setattr("resolver.console.browser.shutil.which", lambda name, path: "/b/" + name)
    monkeypatch.setenv("DISPLAY", ":0")

    status, out, err = run(capsys, "console", "user")

    assert status == 0 and out == ""
    ((program, url),) = started
    assert program == "/b/xdg-open"
    assert login_query(url, federation)["SigninToken"] == SIGNIN_TOKEN
    assert "federated user" in err and SIGNIN_TOKEN not in err

    monkeypatch.setattr("resolver.console.browser.shutil.which", lambda name, path: None)
    clear()
    status, out, err = run(capsys, "console", "deeper", "--region", "us-east-1")
    assert status == 1 and "use --print" in err and SIGNIN_TOKEN not in out + err


def test_console_browser_is_toml_only(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(
        "[profile x]\naws_access_key_id = AKIDX\naws_secret_access_key = s\n"
        "console_browser = sh -c 'evil {url}'\n"
    )
    from resolver.config.loading import load_profiles

    profiles = load_profiles(None, os.environ)
    entry = profiles.get("x")
    assert entry is not None and entry.data.console_browser is None
    (warning,) = profiles.unknown_keys("x")
    assert warning.message == "console_browser: TOML only, ignored in the AWS shared files"


def test_helpful_errors_before_any_network(
    isolated_env: IsolatedEnv, federation: Federation, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_env.rolechain_config.write_text(PROFILES)

    cases = {
        ("--region", "eu west"): "invalid region 'eu west'",
        ("--region", "cn-north-1"): "is in partition aws-cn, but role",
        ("--duration", "13h"): "outside the console's 15m to 12h",
        ("--destination", "https://evil.example/"): "--destination must be an https URL on",
        ("--service", "s3/../x"): "invalid --service",
    }
    for extra, expected in cases.items():
        status, _, err = run(capsys, "console", "admin", "--print", *extra)
        assert status == 1 and expected in err, (extra, err)
    assert federation.queries == []


def test_help_explains_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["console", "--help"])
    text = capsys.readouterr().out
    for fragment in ("--print", "--service", "GetFederationToken", "console_browser", "{url}"):
        assert fragment in text


def test_convert_to_ini_leaves_the_toml_only_browser_out(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_env.rolechain_config.write_text(PROFILES)

    assert main(["convert", "--to", "ini"]) == 0
    ini = capsys.readouterr().out
    assert "console_browser" not in ini and "role/admin" in ini
    assert main(["convert", "--to", "toml"]) == 0
    assert (
        "console_browser = \"firefox -P 'work profile' --new-tab {url}\"" in capsys.readouterr().out
    )


def test_environment_keys_without_a_profile_federate(
    setup: MotoServer,
    federation: Federation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRON0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")

    status, out, err = run(capsys, "console", "--print")

    assert status == 0, err
    identity, federate = setup.sts_calls()
    assert identity.action == "GetCallerIdentity"
    assert federate.action == "GetFederationToken"
    assert federate.access_key_id == "AKIDFROMENVIRON0001"
    assert federate.params["DurationSeconds"] == "3600"
    assert login_query(out, federation)["SigninToken"] == SIGNIN_TOKEN
