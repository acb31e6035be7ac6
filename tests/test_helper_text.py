"""Issue 19 items 13-15: foreign text reaching terminals and helper programs.

13: ``sso login`` escapes what the server answers and opens only https URLs; 14: every
Assuan line to pinentry fits 1000 bytes and is %-escaped; 15: an ``mfa_serial`` starting
with ``-`` is refused, and helper programs get ``--`` before their positional argument.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.cli.main import main
from resolver.errors import printable
from resolver.providers.prompts import pinentry
from resolver.providers.prompts.request import PromptRequest
from tests.conftest import IsolatedEnv
from tests.hostile import CONTROLS, LINE_BREAKS, fuzz_settings, hostile_text
from tests.providers.bases.sso_fakes import Portal, serve_portal
from tests.providers.prompts.test_prompts import ask, calls, fake

START_URL = "https://corp.awsapps.com/start"
SSO_CONFIG = f"""[sso-session corp]
sso_start_url = {START_URL}
sso_region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
"""
TERMINAL_HOSTILE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}:/usr/bin:/bin")
    return directory


# --- item 15 ---------------------------------------------------------------------------


@pytest.mark.parametrize("serial", ["-arn:aws:iam::123456789012:mfa/a", "--help-me-please"])
def test_a_serial_starting_with_a_dash_is_refused_naming_profile_and_key(
    serial: str, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(
        "[profile base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cr3tvalue\n"
        "[profile p]\nsource_profile = base\nrole_arn = arn:aws:iam::123456789012:role/r\n"
        f"mfa_serial = {serial}\n"
    )
    assert main(["export", "p"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "profile p: mfa_serial" in err and "must not begin with '-'" in err
    assert main(["validate", "p"]) == 1
    out, _ = capsys.readouterr()
    assert "profile p: mfa_serial" in out and "must not begin with '-'" in out


@pytest.mark.parametrize("serial", ["-arn:aws:iam::1:mfa/x", "--version", "arn:aws:iam::1:mfa/x"])
def test_ykman_gets_the_serial_after_a_double_dash(bin_dir: Path, serial: str) -> None:
    """The serial a library caller passes unchecked still cannot be read as an option."""
    from resolver.providers.prompts.choose import prompt_provider
    from resolver.stscreds.tokens import get_token_code

    log = fake(bin_dir, "ykman", output="654321\n")
    provider = prompt_provider(serial, configured="ykman", environ=os.environ)
    assert get_token_code(provider, serial) == "654321"
    argv = calls(log)[0]["argv"]
    assert argv == ["oath", "accounts", "code", "--single", "--", serial]


def test_other_dialogs_take_the_text_only_as_an_option_value(bin_dir: Path) -> None:
    for driver in ("zenity", "kdialog", "osascript"):
        log = fake(bin_dir, driver)
        assert ask(driver) == "123456"
        argv = calls(log)[0]["argv"]
        assert isinstance(argv, list) and str(argv[0]).startswith("-")  # options first
        assert not any(str(word).startswith("-") and "MFA code for" in str(word)[:3]
                       for word in argv)  # fmt: skip


# --- item 14 ---------------------------------------------------------------------------

long_arn = st.integers(min_value=1, max_value=2048 - 40).map(
    lambda n: "arn:aws:iam::123456789012:role/" + "%" * n + "x"
)
serials = st.one_of(
    st.just("arn:aws:iam::123456789012:mfa/" + "%" * 226),
    st.text(alphabet="%\r\n/:=,.@-_aZ9", min_size=9, max_size=256),
)


@fuzz_settings()
@given(
    serial=serials,
    role=st.one_of(long_arn, hostile_text),
    profile=st.one_of(st.none(), hostile_text, st.text(min_size=500, max_size=3000)),
    waiting=st.integers(min_value=0, max_value=10**6),
)
def test_every_assuan_line_fits_and_is_escaped(
    serial: str, role: str, profile: str | None, waiting: int
) -> None:
    request = PromptRequest(serial=serial, profile=profile, role_arn=role, waiting=waiting)
    text = pinentry.conversation(request)
    lines = text.encode().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 7  # six commands, each ending in one newline
    for line in lines[:-1]:
        assert len(line) + 1 <= pinentry.MAX_LINE_BYTES
        assert b"\r" not in line
        assert re.fullmatch(rb"(?:[^%]|%[0-9A-F]{2})*", line)  # every % starts an escape
    desc = lines[1].decode()
    assert desc.startswith("SETDESC ")
    shown = unquote(desc.removeprefix("SETDESC "))
    expected = printable(request.description())
    if shown.endswith(pinentry.ELLIPSIS) and shown != expected:
        assert expected.startswith(shown.removesuffix(pinentry.ELLIPSIS))
    else:
        assert shown == expected


def test_a_maximal_role_arn_and_serial_reach_pinentry_in_bounded_lines(bin_dir: Path) -> None:
    role = "arn:aws:iam::123456789012:role/" + "%" * (2048 - 32) + "x"
    serial = "arn:aws:iam::123456789012:mfa/" + "%" * 226
    replies = "OK hi\nOK\nOK\nOK\nOK\nD 246135\nOK\nOK bye\n"
    log = fake(bin_dir, "pinentry", output=replies)
    request = PromptRequest(serial=serial, profile="p", role_arn=role)
    assert pinentry.ask("pinentry", request) == "246135"
    sent = str(calls(log)[0]["stdin"])
    assert all(len(line.encode()) + 1 <= 1000 for line in sent.split("\n"))
    assert sent.split("\n")[1].endswith(pinentry.ELLIPSIS)


# --- item 13 ---------------------------------------------------------------------------


@pytest.fixture
def portal(isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(SSO_CONFIG)
    fake_portal = Portal(
        reply=lambda: (200, {}, {}),
        token_reply=lambda: (200, {}, {"accessToken": "aoa-TOKEN-0123456789", "expiresIn": 600}),
    )
    fake_portal.post_replies["/client/register"] = lambda: (
        200, {}, {"clientId": "cid", "clientSecret": "csecret-0123456789"}
    )  # fmt: skip
    with serve_portal(fake_portal):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", fake_portal.url)
        yield fake_portal


def device_answer(url: str, code: str) -> object:
    return lambda: (
        200, {}, {"deviceCode": "dev-0123456789", "userCode": code, "verificationUri": url,
                  "expiresIn": 600, "interval": 1}
    )  # fmt: skip


function_scoped_fixture = HealthCheck.function_scoped_fixture
hostile_piece = st.sampled_from(CONTROLS + LINE_BREAKS + ["\u202e", "\u2066", "\x9b31m"])


@settings(
    fuzz_settings(default=20),
    suppress_health_check=[*fuzz_settings().suppress_health_check, function_scoped_fixture],
)
@given(piece=hostile_piece, noise=hostile_text)
def test_sso_login_prints_server_text_inert(
    portal: Portal, piece: str, noise: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib
    import io

    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, new=0: opened.append(url) or True)
    url = f"https://device.example/{piece}{noise}"
    portal.post_replies["/device_authorization"] = device_answer(url, f"AB{piece}{noise}CD")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["--no-cache", "sso", "login", "dev"]) == 0
    text = err.getvalue()
    assert TERMINAL_HOSTILE.search(text) is None
    assert "\u2028" not in text and "\u2029" not in text and "\x85" not in text
    assert text.count("\n") == 4  # two lines of instructions, the refusal, the outcome
    assert opened == []  # not a URL a browser may be handed


@pytest.mark.parametrize(
    ("url", "opens"),
    [
        ("https://device.sso.us-east-1.amazonaws.com/?user_code=AB", True),
        ("http://device.example/", False),
        ("javascript:alert(1)", False),
        ("file:///etc/passwd", False),
        ("https://device.example/\x1b]8;;x", False),
    ],
)
def test_sso_login_opens_only_https_urls(
    portal: Portal,
    url: str,
    opens: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, new=0: opened.append(url) or True)
    portal.post_replies["/device_authorization"] = device_answer(url, "WDDD-HRQV")
    assert main(["sso", "login", "dev"]) == 0
    _, err = capsys.readouterr()
    assert opened == ([url] if opens else [])
    assert ("not an https URL: not opened" in err) is not opens
