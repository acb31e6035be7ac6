"""An encrypted Roles Anywhere key's passphrase, asked through the MFA prompt drivers.

Fake ``pinentry``, ``zenity``, ``kdialog`` and ``osascript`` programs first on ``PATH``
record their argv and stdin and answer; the key unlocks and the local CreateSession
endpoint verifies the signature. The passphrase is never in an argv, an output, an
error or a ``--debug`` traceback; a cancel or a refusal is one line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.errors import ProviderError, scrub
from tests.conftest import IsolatedEnv
from tests.hostile import fuzz_settings
from tests.providers.bases import rolesanywhere_fakes as fakes
from tests.providers.bases.test_roles_anywhere import profile_lines, run, use_config
from tests.providers.prompts.test_prompts import calls, fake
from tests.terminal_support import run_on_terminal, run_without_terminal

PASSPHRASE = fakes.PASSPHRASE  # "correct horse battery": its spaces are part of it


def pin_replies(secret: str) -> bytes:
    """pinentry's answer to our conversation, as libassuan sends data: ``%``, CR and LF
    escaped, cut into ``D`` lines of at most 1000 bytes by bytes (an escape is never cut,
    a character may be)."""
    escaped = b"".join(
        b"%%%02X" % byte if byte in b"%\r\n" else bytes([byte]) for byte in secret.encode()
    )
    lines = []
    while escaped:
        cut = min(len(escaped), 997)
        while b"%" in escaped[cut - 2 : cut] and cut < len(escaped):
            cut -= 1
        lines.append(b"D " + escaped[:cut])
        escaped = escaped[cut:]
    return (
        b"\n".join([b"OK Pleased to meet you", b"OK", b"OK", b"OK", b"OK", *lines, b"OK", b"OK"])
        + b"\n"
    )


BYTES_FAKE = """#!{python}
import json, sys
stdin = sys.stdin.read()
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": stdin}}) + "\\n")
sys.stdout.buffer.write({output!r})
"""


def fake_pinentry(directory: Path, replies: bytes) -> Path:
    """A pinentry that logs its call and answers ``replies`` byte for byte."""
    log, program = directory / "pinentry.log", directory / "pinentry"
    program.write_text(BYTES_FAKE.format(python=sys.executable, log=str(log), output=replies))
    program.chmod(0o755)
    return log


CANCEL_REPLIES = "OK hi\nOK\nOK\nOK\nOK\nERR 83886179 Operation cancelled <Pinentry>\n"
DIALOGS = ("zenity", "kdialog", "osascript", "pinentry")


def prompt_program(directory: Path, driver: str, secret: str = PASSPHRASE) -> Path:
    """A fake ``driver`` that answers ``secret``."""
    if driver == "pinentry":
        return fake_pinentry(directory, pin_replies(secret))
    return fake(directory, driver, output=secret + "\n")


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory of fake prompt programs, alone on PATH (a real zenity or pinentry on
    this machine must not be chosen)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", str(directory))
    return directory


@pytest.fixture
def locked(tmp_path: Path, ca: fakes.Authority, isolated_env: IsolatedEnv) -> fakes.Identity:
    """An RSA key encrypted with ``PASSPHRASE``, in a directory whose name needs quoting."""
    identity = fakes.write_identity(
        tmp_path / 'pki "q"', ca, fakes.rsa_key(), passphrase=PASSPHRASE
    )
    use_config(isolated_env, profile_lines(identity))
    return identity


def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """As under credential_process from an IDE: no terminal, a display."""
    monkeypatch.setattr("resolver.providers.prompts.choose.has_terminal", lambda: False)
    monkeypatch.setenv("DISPLAY", ":0")


def export(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    return run(capsys, *flags, "export", "ra", "--format", "credential-process")


def one_line(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    status, out, err = export(capsys, *flags)
    assert status != 0 and out == "", (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def what_was_shown(driver: str, call: dict[str, object]) -> str:
    """The description the fake driver was given, and check its entry is hidden."""
    argv = call["argv"]
    assert isinstance(argv, list)
    if driver == "zenity":
        assert argv[:2] == ["--entry", "--hide-text"]
        return next(arg for arg in argv if arg.startswith("--text="))
    if driver == "kdialog":
        assert argv[:3] == ["--title", "rolechain", "--password"]
        return str(argv[3])
    if driver == "osascript":
        assert argv[0] == "-e" and argv[2:] == ["-e", "text returned of result"]
        assert "default answer" in argv[1] and "with hidden answer" in argv[1]
        return str(argv[1]).replace('\\"', '"')  # AppleScript's quoting, undone
    commands = str(call["stdin"]).splitlines()
    assert argv == [] and commands[2:] == [
        "SETPROMPT Passphrase:",
        "SETTIMEOUT 120",
        "GETPIN",
        "BYE",
    ]  # no SETKEYINFO: pinentry offers no caching
    return unquote(commands[1].removeprefix("SETDESC "))


@pytest.mark.parametrize("driver", DIALOGS)
def test_each_driver_unlocks_the_key_and_create_session_verifies(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    bin_dir: Path,
    locked: fakes.Identity,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
    driver: str,
) -> None:
    monkeypatch.setattr("resolver.errors._SEEN", {})  # nothing remembered before this run
    log = prompt_program(bin_dir, driver)
    use_config(isolated_env, profile_lines(locked, mfa_prompt=driver))
    status, out, err = export(capsys)
    assert status == 0, err
    [request] = endpoint.requests
    assert request["problem"] is None  # signed with the unlocked key, verified
    assert json.loads(out)["AccessKeyId"] == endpoint.sessions[0].access_key_id
    [call] = calls(log)  # asked once: the key is read once per run
    shown = what_was_shown(driver, call)
    assert "profile ra" in shown and str(locked.private_key) in shown
    assert PASSPHRASE not in json.dumps(call["argv"]) + out + err
    # remembered: a --debug traceback that showed it would show <redacted>
    assert scrub(f"a traceback showing {PASSPHRASE}!") == "a traceback showing <redacted>!"
    # the session is cached: a second run neither asks nor reads the key
    assert export(capsys)[0] == 0
    assert len(calls(log)) == 1 and len(endpoint.requests) == 1


@pytest.mark.parametrize("driver", DIALOGS)
def test_a_cancel_is_one_line_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    bin_dir: Path,
    locked: fakes.Identity,
    endpoint: fakes.Endpoint,
    driver: str,
) -> None:
    if driver == "pinentry":
        fake(bin_dir, driver, output=CANCEL_REPLIES)
    else:  # a refusing dialog's stdout is never shown, even when it holds the secret
        fake(bin_dir, driver, output=PASSPHRASE, status=1)
    use_config(isolated_env, profile_lines(locked, mfa_prompt=driver))
    line = one_line(capsys)
    assert "profile ra" in line and "the private key is encrypted" in line
    assert "cancelled" in line and "passphrase of the private key" in line
    assert PASSPHRASE not in line and endpoint.requests == []
    from resolver.api import clear, resolve

    clear()
    with pytest.raises(ProviderError) as caught:
        resolve("ra")
    assert caught.value.reason == "passphrase-not-given"


def test_without_a_terminal_the_dialog_on_path_asks(
    capsys: pytest.CaptureFixture[str],
    bin_dir: Path,
    locked: fakes.Identity,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_terminal(monkeypatch)
    log = prompt_program(bin_dir, "kdialog")
    assert export(capsys)[0] == 0 and len(calls(log)) == 1
    assert [request["problem"] for request in endpoint.requests] == [None]


@pytest.mark.parametrize(
    ("where", "code_only"),
    [("profile", "ykman"), ("profile", "process"), ("environment", "ykman")],
)
def test_code_only_drivers_fall_back_to_a_dialog(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    bin_dir: Path,
    locked: fakes.Identity,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    code_only: str,
) -> None:
    """ykman and mfa_process make MFA codes, not passphrases: the choice goes on."""
    no_terminal(monkeypatch)
    ykman = fake(bin_dir, "ykman", output="123456\n")
    zenity = prompt_program(bin_dir, "zenity")
    if where == "profile":
        use_config(isolated_env, profile_lines(locked, mfa_prompt=code_only))
    else:
        monkeypatch.setenv("ROLECHAIN_MFA_PROMPT", code_only)
    assert export(capsys)[0] == 0
    assert len(calls(zenity)) == 1 and not ykman.exists()


def test_the_environment_names_the_driver_as_for_mfa(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    bin_dir: Path,
    locked: fakes.Identity,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zenity = prompt_program(bin_dir, "zenity")
    pinentry = prompt_program(bin_dir, "pinentry")
    use_config(isolated_env, profile_lines(locked, mfa_prompt="zenity"))
    monkeypatch.setenv("ROLECHAIN_MFA_PROMPT", "pinentry")
    assert export(capsys)[0] == 0
    assert len(calls(pinentry)) == 1 and not zenity.exists()


def test_nothing_to_ask_with_is_one_line_naming_the_keyring(
    capsys: pytest.CaptureFixture[str],
    bin_dir: Path,
    locked: fakes.Identity,
    endpoint: fakes.Endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from resolver.api import clear, resolve

    monkeypatch.setattr("resolver.providers.prompts.choose.has_terminal", lambda: False)
    prompt_program(bin_dir, "zenity")
    line = one_line(capsys)  # no DISPLAY: no dialog can open
    assert "no terminal and no display to ask for a passphrase" in line
    assert "roles_anywhere_passphrase_source = keyring" in line
    assert "`keyring set rolechain roles-anywhere:ra`" in line and "--mfa-token" not in line
    clear()
    with pytest.raises(ProviderError) as caught:
        resolve("ra")
    assert caught.value.reason == "passphrase-prompt-unavailable"
    assert endpoint.requests == []


def test_the_passphrase_is_bounded_to_what_openssl_takes(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    bin_dir: Path,
    ca: fakes.Authority,
    endpoint: fakes.Endpoint,
) -> None:
    longest = "é" * 510 + "xyz"  # 1023 bytes in UTF-8, in two D lines cutting an é
    identity = fakes.write_identity(tmp_path / "long", ca, fakes.ec_key(), passphrase=longest)
    use_config(isolated_env, profile_lines(identity, mfa_prompt="pinentry"))
    prompt_program(bin_dir, "pinentry", longest)
    status, _, err = export(capsys)
    assert status == 0, err
    prompt_program(bin_dir, "pinentry", longest + "z")
    line = one_line(capsys, "--no-cache")
    assert "longer than 1023 bytes" in line and longest not in line
    assert len(endpoint.requests) == 1


def test_the_passphrase_is_in_no_debug_traceback(
    capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
    bin_dir: Path,
    locked: fakes.Identity,
    endpoint: fakes.Endpoint,
) -> None:
    use_config(isolated_env, profile_lines(locked, mfa_prompt="zenity"))
    wrong = "not the passphrase, but close"
    prompt_program(bin_dir, "zenity", wrong)
    status, out, err = export(capsys, "--debug")
    assert status != 0 and "Traceback" in err and "wrong passphrase" in err
    assert wrong not in out + err and PASSPHRASE not in out + err
    prompt_program(bin_dir, "zenity")
    endpoint.mode = "deny"  # fails after the key is unlocked and used
    status, out, err = export(capsys, "--debug")
    assert status != 0 and "Traceback" in err and "HTTP 403" in err
    assert PASSPHRASE not in out + err


EXPORT_RA = ("export", "ra", "--format", "credential-process")


def test_a_program_without_a_terminal_gets_a_dialog(
    bin_dir: Path, locked: fakes.Identity, endpoint: fakes.Endpoint
) -> None:
    """rolechain as an IDE's credential_process: no controlling terminal, a stdin pipe
    that stays open, a display: the dialog asks, and the call succeeds."""
    log = prompt_program(bin_dir, "zenity")
    status, out, err = run_without_terminal(EXPORT_RA, {**os.environ, "DISPLAY": ":0"})
    assert status == 0, err
    assert json.loads(out)["AccessKeyId"] == endpoint.sessions[0].access_key_id
    assert len(calls(log)) == 1 and PASSPHRASE not in out + err


def test_the_terminal_asks_without_echo(
    bin_dir: Path, locked: fakes.Identity, endpoint: fakes.Endpoint
) -> None:
    question = f"Passphrase of the private key {locked.private_key} (profile ra"
    prompt = "IAM Roles Anywhere): "
    status, out, err, asked, shown = run_on_terminal(
        EXPORT_RA, dict(os.environ), prompt, PASSPHRASE
    )
    assert question in asked
    assert status == 0, err
    assert json.loads(out)["AccessKeyId"] == endpoint.sessions[0].access_key_id
    assert PASSPHRASE not in shown + out + err  # not echoed, not shown


secrets = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"),
    min_size=1,
    max_size=300,
)


@fuzz_settings()
@given(secret=secrets, text=st.text(min_size=0, max_size=3000))
def test_any_secret_comes_back_whole_and_every_assuan_line_fits(secret: str, text: str) -> None:
    """Spaces, percent signs and any character come back as typed, from a dialog's
    stdout and from pinentry's escaped D lines; the description stays within Assuan."""
    from resolver.providers.prompts import pinentry
    from resolver.providers.prompts.request import MFA_CODE, SecretRequest, answer_of

    request = SecretRequest(subject="the key", text=text, asked=MFA_CODE)
    assert answer_of(f"{secret}\n".encode(), request) == secret
    assert pinentry.read_pin(answer_of(pin_replies(secret), request), request) == secret
    lines = pinentry.conversation(request).encode().split(b"\n")
    assert all(len(line) + 1 <= pinentry.MAX_LINE_BYTES for line in lines)


def test_the_toml_profile_names_the_prompt_beside_its_table(tmp_path: Path) -> None:
    from resolver.api import plan

    config = tmp_path / "c.toml"
    config.write_text(
        f'[profiles.ra]\nrole_arn = "{fakes.ROLE}"\nmfa_prompt = "kdialog"\n'
        '[profiles.ra.roles_anywhere]\ncertificate = "c.pem"\nprivate_key = "k.pem"\n'
        f'trust_anchor_arn = "{fakes.TRUST_ANCHOR}"\nprofile_arn = "{fakes.PROFILE}"\n'
        'passphrase_source = "prompt"\n'
    )
    source = plan("ra", config=str(config)).source
    assert (source.kind, getattr(source, "mfa_prompt", None)) == ("roles-anywhere", "kdialog")
