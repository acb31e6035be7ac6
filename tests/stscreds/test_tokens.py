"""MFA token providers: validation, stdin, terminal prompt."""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from resolver.errors import TokenError
from resolver.stscreds import tokens
from resolver.stscreds.tokens import (
    PROMPT_LOCK,
    STDIN_PROMPT,
    TerminalTokenPrompt,
    get_token_code,
    stdin_token_provider,
    terminal_prompt,
    validate_token_code,
)

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
PY = shlex.quote(sys.executable)
ROOT = Path(__file__).resolve().parents[2]


class FakeTty(io.StringIO):
    """A terminal: reads the given answer, records what was written."""

    def __init__(self, answer: str) -> None:
        super().__init__(answer)
        self.written: list[str] = []
        self.closed_by_prompt = False

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def close(self) -> None:
        self.closed_by_prompt = True
        super().close()


class TtyStdin(io.StringIO):
    def isatty(self) -> bool:
        return True


# -- validation ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["000000", "123456", " 654321\n", "\t999999\r\n"])
def test_valid_codes(code: str) -> None:
    assert validate_token_code(code, SERIAL) == code.strip()


@pytest.mark.parametrize(
    "code", ["", "97531", "9753108", "97531a", "٩٧٥٣١٠", "975 310", "97531\n0"]
)
def test_invalid_codes_never_echoed(code: str) -> None:
    with pytest.raises(TokenError) as info:
        validate_token_code(code, SERIAL)
    assert SERIAL in str(info.value)
    if code.strip():
        assert code.strip() not in str(info.value)


def test_get_token_code_sets_hop_and_wraps_exceptions() -> None:
    with pytest.raises(TokenError) as info:
        get_token_code(lambda: "12", SERIAL, hop="profile ops")
    assert info.value.hop == "profile ops"

    def boom() -> str:
        raise OSError("usb gone")

    with pytest.raises(TokenError, match="usb gone") as info2:
        get_token_code(boom, SERIAL, hop="profile ops")
    assert info2.value.hop == "profile ops"
    assert get_token_code(lambda: "024680\n", SERIAL) == "024680"


# -- stdin -----------------------------------------------------------------------------


def test_stdin_prompt_goes_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("482910\n"))
    assert stdin_token_provider() == "482910"
    out, err = capsys.readouterr()
    assert out == ""
    assert err == STDIN_PROMPT == "Assume Role MFA token code: "


def test_stdin_eof_is_token_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(TokenError, match="end of input"):
        stdin_token_provider()


def test_stdin_prompt_is_serialized(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("482910\n"))
    result: list[str] = []
    with PROMPT_LOCK:
        thread = threading.Thread(target=lambda: result.append(stdin_token_provider()))
        thread.start()
        thread.join(0.3)
        assert thread.is_alive()  # waiting for the lock another prompt holds
        assert result == []
    thread.join(5)
    assert result == ["482910"]


# -- terminal prompt -------------------------------------------------------------------


def test_terminal_prompt_uses_tty_and_names_serial(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tty = FakeTty("135791\n")
    monkeypatch.setattr(tokens, "_open_tty", lambda: tty)
    prompt = terminal_prompt(SERIAL)
    assert prompt() == "135791"
    assert "".join(tty.written) == f"MFA code for {SERIAL}: "
    assert tty.closed_by_prompt
    assert capsys.readouterr() == ("", "")


def test_terminal_prompt_eof(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_open_tty", lambda: FakeTty(""))
    with pytest.raises(TokenError, match="end of input"):
        TerminalTokenPrompt(SERIAL)()


def test_terminal_prompt_falls_back_to_stdin_tty(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tokens, "_open_tty", lambda: None)
    monkeypatch.setattr(sys, "stdin", TtyStdin("864200\n"))
    assert TerminalTokenPrompt(SERIAL)() == "864200"
    out, err = capsys.readouterr()
    assert out == ""
    assert SERIAL in err


def test_the_port_without_a_terminal_names_no_profile_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """stscreds knows nothing of profiles: its hint names no profile key (rolechain's
    terminal driver adds ``mfa_process``: tests/providers/prompts/test_terminal_prompt.py)."""
    monkeypatch.setattr(tokens, "_open_tty", lambda: None)
    with open(os.devnull) as devnull:
        monkeypatch.setattr(sys, "stdin", devnull)
        with pytest.raises(TokenError) as info:
            TerminalTokenPrompt(SERIAL)()
    assert (
        str(info.value)
        == f"no terminal to prompt for the MFA code of {SERIAL}; run from a terminal"
    )


def test_no_controlling_terminal_in_real_process() -> None:
    """A new session has no /dev/tty; with stdin from /dev/null the prompt must fail fast."""
    code = (
        "from resolver.stscreds.tokens import TerminalTokenPrompt\n"
        "from resolver.errors import TokenError\n"
        "try:\n"
        "    TerminalTokenPrompt('GAHT12345678')()\n"
        "except TokenError as exc:\n"
        "    print('ERR', exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        start_new_session=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ERR no terminal to prompt for the MFA code of GAHT12345678")
