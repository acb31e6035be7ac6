"""MFA prompt drivers, each driven against a fake program first on PATH that records its
arguments and stdin, then prints a code or refuses."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import get_args

import pytest

from resolver.config.model import MfaPrompt
from resolver.errors import ConfigError, TokenError
from resolver.providers.prompts import pinentry
from resolver.providers.prompts.choose import DRIVERS, choose_driver, prompt_provider
from resolver.providers.prompts.request import PromptRequest
from resolver.stscreds.tokens import get_token_code

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
ROLE = "arn:aws:iam::210987654321:role/admin"
FAKE = """#!{python}
import json, sys
stdin = "" if sys.stdin.isatty() else sys.stdin.read()
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": stdin}}) + "\\n")
sys.stdout.write({output!r})
sys.exit({status})
"""


def fake(directory: Path, name: str, output: str = "123456\n", status: int = 0) -> Path:
    """A program ``name`` in ``directory`` that logs its call and prints ``output``."""
    log = directory / f"{name}.log"
    program = directory / name
    text = FAKE.format(python=sys.executable, log=str(log), output=output, status=status)
    program.write_text(text)
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return log


def calls(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("ROLECHAIN_MFA_PROMPT", raising=False)
    return directory


def ask(driver: str) -> str:
    provider = prompt_provider(
        SERIAL, profile="prod", role_arn=ROLE, configured=driver, environ=os.environ
    )
    return get_token_code(provider, SERIAL)


def test_the_config_model_accepts_exactly_the_drivers() -> None:
    assert set(get_args(MfaPrompt)) == set(DRIVERS)


def test_zenity_gets_a_hidden_entry_naming_profile_role_and_serial(bin_dir: Path) -> None:
    log = fake(bin_dir, "zenity")
    assert ask("zenity") == "123456"
    (call,) = calls(log)
    argv = call["argv"]
    assert isinstance(argv, list) and argv[:2] == ["--entry", "--hide-text"]
    text = next(a for a in argv if a.startswith("--text="))
    assert "prod" in text and ROLE in text and SERIAL in text
    assert "--timeout=120" in argv


def test_kdialog_gets_a_password_dialog(bin_dir: Path) -> None:
    log = fake(bin_dir, "kdialog")
    assert ask("kdialog") == "123456"
    argv = calls(log)[0]["argv"]
    assert isinstance(argv, list) and argv[:3] == ["--title", "rolechain", "--password"]
    assert SERIAL in argv[3] and ROLE in argv[3]


def test_osascript_gets_a_hidden_answer_dialog_with_quoted_text(bin_dir: Path) -> None:
    log = fake(bin_dir, "osascript")
    provider = prompt_provider(
        SERIAL, profile='a "quoted" one', configured="osascript", environ=os.environ
    )
    assert get_token_code(provider, SERIAL) == "123456"
    argv = calls(log)[0]["argv"]
    assert (
        isinstance(argv, list) and argv[0] == "-e" and argv[2:] == ["-e", "text returned of result"]
    )
    assert 'display dialog "MFA code for' in argv[1] and 'a \\"quoted\\" one' in argv[1]
    assert "with hidden answer" in argv[1] and "giving up after 120" in argv[1]


def test_ykman_asks_the_yubikey_for_the_serials_oath_code(bin_dir: Path) -> None:
    log = fake(bin_dir, "ykman", output="654321\n")
    assert ask("ykman") == "654321"
    assert calls(log)[0]["argv"] == ["oath", "accounts", "code", "--single", "--", SERIAL]


def test_pinentry_conversation(bin_dir: Path) -> None:
    replies = "OK Pleased to meet you\nOK\nOK\nOK\nOK\nD 246%3135\nOK\nOK closing connection\n"
    log = fake(bin_dir, "pinentry", output=replies)
    assert ask("pinentry") == "246135"
    stdin = str(calls(log)[0]["stdin"]).splitlines()
    assert stdin[0] == "SETTITLE rolechain"
    assert stdin[1].startswith("SETDESC MFA code for ") and SERIAL in stdin[1]
    assert stdin[2:] == ["SETPROMPT MFA code:", "SETTIMEOUT 120", "GETPIN", "BYE"]


def test_pinentry_cancel_and_escaping() -> None:
    request = PromptRequest(serial=SERIAL)
    with pytest.raises(TokenError, match="cancelled"):
        pinentry.read_pin("OK hi\nOK\nERR 83886179 Operation cancelled <Pinentry>\n", request)
    with pytest.raises(TokenError, match="no MFA code"):
        pinentry.read_pin("OK hi\nOK\n", request)
    assert pinentry.escape("50%\nnext") == "50%25%0Anext"


@pytest.mark.parametrize("driver", ["zenity", "kdialog", "osascript", "ykman", "pinentry"])
def test_a_refusal_is_one_line_and_never_shows_output(bin_dir: Path, driver: str) -> None:
    fake(bin_dir, driver, output="987654", status=1)
    with pytest.raises(TokenError) as caught:
        ask(driver)
    message = str(caught.value)
    assert "\n" not in message and "987654" not in message and SERIAL in message


def test_a_non_six_digit_answer_is_refused_without_echo(bin_dir: Path) -> None:
    fake(bin_dir, "zenity", output="12345x\n")
    with pytest.raises(TokenError, match="6 digits") as caught:
        ask("zenity")
    assert "12345x" not in str(caught.value)


def test_a_prompt_that_hangs_times_out(bin_dir: Path) -> None:
    from resolver.providers.prompts import dialogs

    program = bin_dir / "zenity"
    program.write_text("#!/bin/sh\nexec sleep 30\n")
    program.chmod(0o755)
    with pytest.raises(TokenError, match=r"within 0\.3s"):
        dialogs.ask("zenity", str(program), PromptRequest(serial=SERIAL, timeout=0.3))


def test_without_a_terminal_the_first_dialog_on_path_is_chosen(bin_dir: Path) -> None:
    env = {"PATH": str(bin_dir), "DISPLAY": ":0"}
    with pytest.raises(TokenError, match="install zenity or kdialog or pinentry"):
        choose_driver(None, environ=env, terminal=False, platform="linux")
    fake(bin_dir, "pinentry")
    assert choose_driver(None, environ=env, terminal=False, platform="linux") == "pinentry"
    fake(bin_dir, "kdialog")
    assert choose_driver(None, environ=env, terminal=False, platform="linux") == "kdialog"
    fake(bin_dir, "osascript")
    assert choose_driver(None, environ=env, terminal=False, platform="darwin") == "osascript"
    assert choose_driver(None, environ=env, terminal=True, platform="linux") == "terminal"


def test_without_a_display_no_dialog_is_chosen_on_linux(bin_dir: Path) -> None:
    """zenity and kdialog cannot open, and pinentry falls back to curses, which needs the
    terminal there is none of: say so instead of running one that fails."""
    fake(bin_dir, "zenity")
    fake(bin_dir, "pinentry")
    with pytest.raises(TokenError, match="no terminal and no display"):
        choose_driver(None, environ={"PATH": str(bin_dir)}, terminal=False, platform="linux")
    wayland = {"PATH": str(bin_dir), "WAYLAND_DISPLAY": "wayland-0"}
    assert choose_driver(None, environ=wayland, terminal=False, platform="linux") == "zenity"
    darwin = {"PATH": str(bin_dir)}
    fake(bin_dir, "osascript")
    assert choose_driver(None, environ=darwin, terminal=False, platform="darwin") == "osascript"


def test_the_environment_beats_the_profile_and_unknown_names_list_the_valid(
    bin_dir: Path,
) -> None:
    env = {"PATH": str(bin_dir), "ROLECHAIN_MFA_PROMPT": "ykman"}
    assert choose_driver("zenity", environ=env, terminal=True) == "ykman"
    with pytest.raises(ConfigError, match="valid: terminal, zenity, kdialog"):
        choose_driver(None, environ={"ROLECHAIN_MFA_PROMPT": "dialog"})


def test_mfa_prompt_is_a_profile_key_with_a_listing_error(tmp_path: Path) -> None:
    from resolver.api import plan

    config = tmp_path / "c.toml"
    config.write_text(
        '[profiles.keys]\naws_access_key_id = "AKIAEXAMPLE"\naws_secret_access_key = "x"\n'
        f'[profiles.role]\nrole_arn = "{ROLE}"\nsource_profile = "keys"\n'
        f'mfa_serial = "{SERIAL}"\nmfa_prompt = "ykman"\n'
    )
    assert plan("role", config=str(config)).hops[0].mfa_prompt == "ykman"
    from resolver.cli.cmd_explain import render

    assert f"mfa: {SERIAL} (asked with ykman)" in render(plan("role", config=str(config)))
    config.write_text(config.read_text().replace('"ykman"', '"yubikey"'))
    with pytest.raises(ConfigError, match="zenity"):
        plan("role", config=str(config))


def test_the_prompt_says_how_many_other_processes_wait_for_it(
    bin_dir: Path, tmp_path: Path
) -> None:
    import subprocess
    import time

    from resolver.cache.locks import KeyLock
    from resolver.stscreds.tokens import counting_waiters

    path = tmp_path / "key.lock"
    lock = KeyLock(path, timeout=0)
    lock.acquire()
    code = f"from resolver.cache.locks import KeyLock; KeyLock({str(path)!r}, timeout=60).acquire()"
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30
        while lock.waiters() != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock.waiters() == 1
        log = fake(bin_dir, "zenity")
        with counting_waiters(lock.waiters):
            assert ask("zenity") == "123456"
        argv = calls(log)[0]["argv"]
        assert isinstance(argv, list)
        assert any("(1 other process waits on this prompt)" in arg for arg in argv)
    finally:
        lock.release()
        child.wait(timeout=60)
    assert lock.waiters() == 0 and not list(tmp_path.glob("key.lock.waiting-*"))
