"""When nothing can ask for an MFA code, each command's error says what works for it:
``export``, ``exec`` and ``console`` take ``--mfa-token CODE``; ``serve`` (a code is
single-use, a server refreshes many times) asks for ``rolechain export PROFILE
--mfa-token CODE``, which fills the cache it reads. A pinentry that cannot ask under
``DISPLAY`` (pinentry-curses without a terminal) gets the same advice as no display."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import resolver
from resolver import api
from resolver.errors import TokenError
from resolver.providers.prompts.choose import NO_PROMPT, prompt_provider
from resolver.stscreds.tokens import get_token_code
from tests.cli.test_console import SIGNIN_TOKEN, Federation, federation  # noqa: F401
from tests.conftest import IsolatedEnv
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer
from tests.server.support import get

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
PROFILES = f"""[profile base]
aws_access_key_id = {TEST_ACCESS_KEY_ID}
aws_secret_access_key = {TEST_SECRET_ACCESS_KEY}
[profile admin]
source_profile = base
role_arn = arn:aws:iam::123456789012:role/admin
mfa_serial = {SERIAL}
"""
# pinentry-curses run with DISPLAY set and no terminal, as it answers (status 0).
CURSES_REPLIES = (
    "OK Pleased to meet you\nOK\nOK\nOK\nOK\nS ERROR curses.isatty 83918950 \n"
    "ERR 83918950 Inappropriate ioctl for device <Pinentry>\nOK closing connection\n"
)
CANCEL_REPLIES = "OK Pleased to meet you\nOK\nOK\nOK\nOK\nERR 83886179 Operation cancelled\n"


@pytest.fixture
def sts(moto: MotoServer, monkeypatch: pytest.MonkeyPatch, isolated_env: IsolatedEnv) -> MotoServer:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(PROFILES)
    api.clear()
    return moto


def rolechain(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI with no terminal (a session of its own, stdin from /dev/null)."""
    return subprocess.run(
        [sys.executable, "-m", "resolver", *argv],
        env=env or dict(os.environ), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120, start_new_session=True,
    )  # fmt: skip


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.splitlines()
    return line


@pytest.mark.parametrize(
    "argv",
    [["export", "admin"], ["exec", "admin", "--", sys.executable, "-c", "pass"]],
    ids=["export", "exec"],
)
def test_export_and_exec_advise_their_mfa_token_flag_which_works(
    sts: MotoServer, argv: list[str]
) -> None:
    line = error_line(rolechain(*argv))

    assert "no terminal and no display" in line and "mfa_process" in line
    assert line.endswith("; or pass --mfa-token CODE")
    assert rolechain(*argv[:2], "--mfa-token", "123456", *argv[2:]).returncode == 0
    (call,) = sts.sts_calls()
    assert call.params["SerialNumber"] == SERIAL and call.params["TokenCode"] == "123456"


def test_console_advises_its_mfa_token_flag_which_works(
    sts: MotoServer,
    federation: Federation,  # noqa: F811
) -> None:
    line = error_line(rolechain("console", "admin", "--print"))

    assert line.endswith("; or pass --mfa-token CODE") and federation.queries == []
    result = rolechain("console", "admin", "--print", "--mfa-token", "123456")
    assert result.returncode == 0, result.stderr
    assert SIGNIN_TOKEN in result.stdout
    (call,) = sts.sts_calls()
    assert call.params["TokenCode"] == "123456"


def test_serve_advises_filling_its_cache_with_export_which_works(
    sts: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolver.stscreds import tokens

    monkeypatch.setattr(api, "RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(tokens, "_open_tty", lambda: None)
    monkeypatch.setattr(tokens, "_stdin_is_tty", lambda: False)
    with resolver.serve("admin") as endpoint:
        port = int(endpoint.url.split(":")[2].split("/")[0])
        status, body = get(port, "/profiles/admin", endpoint.token)
        assert status == 503 and body["reason"] == NO_PROMPT
        assert "pass --mfa-token" not in body["message"]
        assert "Run `rolechain export admin --mfa-token CODE`" in body["message"]
        assert rolechain("export", "admin", "--mfa-token", "123456").returncode == 0
        status, body = get(port, "/profiles/admin", endpoint.token)
    assert status == 200 and body["AccessKeyId"].startswith("ASIA")
    assert [call.action for call in sts.sts_calls()] == ["AssumeRole"]  # the export's


def fake_pinentry(directory: Path, replies: str, status: int = 0, stderr: str = "") -> Path:
    """A pinentry that reads the conversation, answers ``replies`` and exits ``status``."""
    directory.mkdir(exist_ok=True)
    program = directory / "pinentry"
    program.write_text(
        f"#!{sys.executable}\nimport sys\nsys.stdin.read()\n"
        f"sys.stdout.write({replies!r})\nsys.stderr.write({stderr!r})\nsys.exit({status})\n"
    )
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


PINENTRIES = {
    "curses-without-a-terminal": (CURSES_REPLIES, 0, ""),
    "exits-with-an-error": ("OK Pleased to meet you\n", 1, "pinentry: cannot open display\n"),
    "no-pin": ("OK Pleased to meet you\nOK\nOK\nOK\nOK\nOK\n", 0, ""),
}


@pytest.mark.parametrize("kind", sorted(PINENTRIES))
def test_a_pinentry_that_cannot_ask_under_display_gets_the_no_display_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from resolver.stscreds import tokens

    monkeypatch.setattr(tokens, "has_terminal", lambda: False)
    monkeypatch.setattr("resolver.providers.prompts.choose.has_terminal", lambda: False)
    fake_pinentry(tmp_path / "bin", *PINENTRIES[kind])
    environ = {"PATH": str(tmp_path / "bin"), "DISPLAY": ":0"}
    provider = prompt_provider(SERIAL, profile="admin", environ=environ)

    with pytest.raises(TokenError) as caught:
        get_token_code(provider, SERIAL)

    message = caught.value.message
    assert caught.value.reason == NO_PROMPT, message
    assert message.split()[0].endswith("pinentry")
    assert "set mfa_process, or mfa_prompt (or ROLECHAIN_MFA_PROMPT) to ykman" in message
    assert "graphical pinentry" in message and "\n" not in message


def test_a_cancel_is_not_a_missing_prompt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("resolver.providers.prompts.choose.has_terminal", lambda: False)
    fake_pinentry(tmp_path / "bin", CANCEL_REPLIES)
    environ = {"PATH": str(tmp_path / "bin"), "DISPLAY": ":0"}

    with pytest.raises(TokenError) as caught:
        get_token_code(prompt_provider(SERIAL, environ=environ), SERIAL)

    assert caught.value.reason == "token-error", caught.value.message
    assert "was cancelled" in caught.value.message


def test_the_cli_adds_its_flag_to_a_failed_pinentry(sts: MotoServer, tmp_path: Path) -> None:
    fake_pinentry(tmp_path / "bin", CURSES_REPLIES)
    env = {**os.environ, "DISPLAY": ":0", "PATH": f"{tmp_path / 'bin'}{os.pathsep}/usr/bin:/bin"}

    line = error_line(rolechain("export", "admin", env=env))

    assert "pinentry failed" in line and "Inappropriate ioctl for device" in line
    assert "mfa_process" in line and line.endswith("; or pass --mfa-token CODE")
    assert sts.sts_calls() == []
