"""ProcessProvider against real child processes (small Python scripts in tmp_path)."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from resolver.errors import ProviderError
from resolver.providers.bases.process import ProcessProvider

SECRET = "proc/SECRET+key/0123456789abcdefghijklmn"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEPROCESSTOKEN=="
GOOD = {
    "Version": 1,
    "AccessKeyId": "ASIAPROCESSEXAMPLE01",
    "SecretAccessKey": SECRET,
    "SessionToken": TOKEN,
    "Expiration": "2030-05-06T07:08:09Z",
    "AccountId": "210987654321",
}


def script(tmp_path: Path, body: str, name: str = "helper.py") -> str:
    """Write a Python script and return the command line that runs it."""
    path = tmp_path / name
    path.write_text("import json, os, sys, time\n" + textwrap.dedent(body))
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(path))}"


def printing(tmp_path: Path, doc: object, stderr: str = "", code: int = 0) -> str:
    """A command printing ``doc`` (as JSON unless it is a str) and ``stderr``."""
    out = doc if isinstance(doc, str) else json.dumps(doc)
    return script(
        tmp_path,
        f"""
        sys.stderr.write({stderr!r})
        sys.stdout.write({out!r})
        sys.exit({code})
        """,
    )


def assert_no_secrets(text: str) -> None:
    assert SECRET not in text
    assert TOKEN not in text
    assert "\n" not in text


class BrokenStream:
    """A stderr that cannot be written (closed, or a broken pipe)."""

    def write(self, text: str) -> int:
        raise OSError("broken pipe")

    def flush(self) -> None:
        raise OSError("broken pipe")


def failure(command: str, timeout: float = 60, stderr: object = None) -> str:
    """The message of the ProviderError running ``command`` raises (``stderr``: where the
    child's stderr is passed through; default ours)."""
    with pytest.raises(ProviderError) as info:
        ProcessProvider(
            command,
            label="build",
            timeout=timeout,
            stderr=stderr,  # type: ignore[arg-type]
            environ=os.environ,
        ).retrieve()
    message = str(info.value)
    assert_no_secrets(message)
    assert message.startswith("profile build: credential_process `")
    return message


def test_full_version_1_output(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    provider = ProcessProvider(
        printing(tmp_path, GOOD, stderr="note: using cached login\n"), environ=os.environ
    )

    creds = provider.retrieve()

    assert provider.name == "ProcessProvider"
    assert creds.access_key_id == "ASIAPROCESSEXAMPLE01"
    assert creds.secret_access_key == SECRET
    assert creds.session_token == TOKEN
    assert creds.expires == datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert creds.account_id == "210987654321"
    assert creds.source == "ProcessProvider"
    assert_no_secrets(repr(creds))
    # The child's stderr is passed on once the command succeeded.
    assert "note: using cached login" in capfd.readouterr().err


def test_minimal_output_long_term_keys(tmp_path: Path) -> None:
    doc = {"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": SECRET}

    creds = ProcessProvider(printing(tmp_path, doc), environ=os.environ).retrieve()

    assert creds.session_token is None
    assert creds.expires is None
    assert creds.account_id is None


def test_command_is_split_like_the_cli_and_not_run_by_a_shell(tmp_path: Path) -> None:
    folder = tmp_path / "dir with space"
    folder.mkdir()
    command = script(
        folder,
        """
        doc = {"Version": 1, "AccessKeyId": "|".join(sys.argv[1:]), "SecretAccessKey": "x"}
        print(json.dumps(doc))
        """,
    )
    command += " --profile 'two words' \"dq arg\" $HOME ';' a\\ b"

    creds = ProcessProvider(command, environ=os.environ).retrieve()

    assert creds.access_key_id == "--profile|two words|dq arg|$HOME|;|a b"


def test_child_inherits_stdin_so_it_can_prompt(tmp_path: Path) -> None:
    command = script(
        tmp_path,
        """
        sys.stderr.write("MFA code: ")
        code = sys.stdin.readline().strip()
        doc = {"Version": 1, "AccessKeyId": "AKIA" + code, "SecretAccessKey": "x"}
        print(json.dumps(doc))
        """,
    )
    typed = tmp_path / "typed.txt"
    typed.write_text("123456\n")
    with redirected_stdin(typed):
        creds = ProcessProvider(command, environ=os.environ).retrieve()

    assert creds.access_key_id == "AKIA123456"


@contextlib.contextmanager
def redirected_stdin(path: Path) -> Iterator[None]:
    """Point file descriptor 0 at a file for the duration (what a terminal would type)."""
    saved = os.dup(0) if _fd_open(0) else -1
    with open(path, "rb") as handle:
        os.dup2(handle.fileno(), 0)
    try:
        yield
    finally:
        if saved >= 0:
            os.dup2(saved, 0)
            os.close(saved)
        else:
            os.close(0)


def _fd_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_nonzero_exit_reports_code_and_refers_to_the_stderr_shown(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    command = printing(tmp_path, GOOD, stderr="error: SSO session expired\n", code=3)

    message = failure(command)

    assert message.endswith("exited with code 3; see its stderr above")
    assert f"credential_process `{sys.executable}` exited" in message
    assert capfd.readouterr().err.count("error: SSO session expired") == 1


def test_stderr_not_shown_goes_into_the_message(tmp_path: Path) -> None:
    command = printing(tmp_path, GOOD, stderr="error: SSO session expired\n", code=3)

    message = failure(command, stderr=BrokenStream())

    assert message.endswith("exited with code 3; stderr: error: SSO session expired")


def test_no_stderr_no_reference_to_it(tmp_path: Path) -> None:
    assert failure(printing(tmp_path, GOOD, code=3)).endswith("exited with code 3")


def test_killed_by_signal(tmp_path: Path) -> None:
    command = script(tmp_path, "import signal\nos.kill(os.getpid(), signal.SIGTERM)\n")

    assert "killed by signal 15" in failure(command)


def test_invalid_json_is_not_echoed(tmp_path: Path) -> None:
    command = printing(tmp_path, f"AccessKeyId={GOOD['AccessKeyId']} Secret={SECRET}", "warn\n")

    message = failure(command)

    assert "invalid JSON" in message
    assert "not shown" in message
    assert message.endswith("; see its stderr above")
    assert "ASIAPROCESSEXAMPLE01" not in message


def test_json_that_is_not_an_object(tmp_path: Path) -> None:
    assert "not an object" in failure(printing(tmp_path, [1, 2]))


@pytest.mark.parametrize(
    ("version", "shown"), [(2, "Version 2"), ("1", "Version '1'"), (None, "Version missing")]
)
def test_unsupported_version(tmp_path: Path, version: object, shown: str) -> None:
    doc = dict(GOOD)
    if version is None:
        del doc["Version"]
    else:
        doc["Version"] = version

    message = failure(printing(tmp_path, doc))

    assert f"unsupported {shown} (expected 1)" in message


def test_missing_fields_are_named(tmp_path: Path) -> None:
    doc = {"Version": 1, "SessionToken": TOKEN}

    message = failure(printing(tmp_path, doc))

    assert "missing AccessKeyId, SecretAccessKey" in message


def test_missing_secret_only(tmp_path: Path) -> None:
    doc = {"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": ""}

    message = failure(printing(tmp_path, doc))

    assert "missing SecretAccessKey" in message
    assert "AccessKeyId," not in message


def test_non_string_fields(tmp_path: Path) -> None:
    doc = dict(GOOD, SessionToken=12345, Expiration=1700000000)

    message = failure(printing(tmp_path, doc))

    assert "non-string SessionToken, Expiration" in message


def test_bad_expiration(tmp_path: Path) -> None:
    assert "bad Expiration" in failure(printing(tmp_path, dict(GOOD, Expiration="soon")))


def test_timeout_kills_the_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    command = script(
        tmp_path,
        f"""
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        sys.stderr.write("waiting for approval on your phone\\n")
        sys.stderr.flush()
        time.sleep(60)
        """,
    )
    started = time.monotonic()

    message = failure(command, timeout=1.5)

    assert time.monotonic() - started < 15
    assert message.endswith("timed out after 1.5s (killed); see its stderr above")
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_command_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-helper"

    message = failure(f"{missing} --flag")

    assert f"command not found: {missing}" in message


def test_not_executable(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("not a program")

    assert "permission denied" in failure(str(path))


def test_unbalanced_quotes(tmp_path: Path) -> None:
    assert "cannot be parsed" in failure("helper 'unterminated")


def test_empty_command() -> None:
    with pytest.raises(ProviderError, match="credential_process is empty"):
        ProcessProvider("   ", environ=os.environ).retrieve()


def test_stderr_in_errors_is_trimmed_to_its_tail(tmp_path: Path) -> None:
    noise = "".join(f"line {i}\n" for i in range(400)) + "FINAL REASON\n"
    command = printing(tmp_path, GOOD, stderr=noise, code=1)

    message = failure(command, stderr=BrokenStream())

    tail = message.split("stderr: ", 1)[1]
    assert tail.endswith("FINAL REASON")
    assert "line 0 " not in tail
    assert len(tail) < 700
    assert " | " in tail  # lines are joined, the message stays on one line


def test_stderr_goes_to_the_given_stream_on_success(tmp_path: Path) -> None:
    class Sink:
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> int:
            self.parts.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    sink = Sink()
    ProcessProvider(printing(tmp_path, GOOD, "hello\n"), stderr=sink, environ=os.environ).retrieve()  # type: ignore[arg-type]

    assert "".join(sink.parts) == "hello\n"


def test_output_with_extra_fields_is_accepted(tmp_path: Path) -> None:
    doc = dict(GOOD, Extra={"nested": True})

    assert (
        ProcessProvider(printing(tmp_path, doc), environ=os.environ).retrieve().account_id
        == "210987654321"
    )


def test_repr_shows_program_not_output(tmp_path: Path) -> None:
    command = printing(tmp_path, GOOD)
    provider = ProcessProvider(command, label="build", environ=os.environ)
    provider.retrieve()

    assert repr(provider) == f"ProcessProvider(program={sys.executable!r}, label='build')"
    assert_no_secrets(repr(provider))


class PromptAnswerer:
    """A stderr stream that 'answers' once it sees the prompt, by creating a file."""

    def __init__(self, prompt: str, answer_file: Path) -> None:
        self.prompt = prompt
        self.answer_file = answer_file
        self.seen = ""

    def write(self, text: str) -> int:
        self.seen += text
        if self.prompt in self.seen and not self.answer_file.exists():
            self.answer_file.write_text("654321")
        return len(text)

    def flush(self) -> None:
        pass


def test_stderr_reaches_the_user_while_the_child_waits(tmp_path: Path) -> None:
    answer = tmp_path / "answer"
    command = script(
        tmp_path,
        f"""
        sys.stderr.write("Enter MFA code: ")
        sys.stderr.flush()
        deadline = time.time() + 20
        while not os.path.exists({str(answer)!r}) and time.time() < deadline:
            time.sleep(0.02)
        code = open({str(answer)!r}).read()
        print(json.dumps({{"Version": 1, "AccessKeyId": "AKIA" + code, "SecretAccessKey": "x"}}))
        """,
    )
    sink = PromptAnswerer("Enter MFA code: ", answer)

    creds = ProcessProvider(command, timeout=15, stderr=sink, environ=os.environ).retrieve()  # type: ignore[arg-type]

    assert creds.access_key_id == "AKIA654321"
    assert sink.seen == "Enter MFA code: "


def test_stderr_is_passed_through_on_failure_too(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    failure(printing(tmp_path, GOOD, stderr="token expired, run login\n", code=2))

    assert "token expired, run login" in capfd.readouterr().err


def test_split_utf8_in_stderr_is_forwarded_intact(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    command = script(
        tmp_path,
        """
        data = "héllo ✓\\n".encode()
        for i in range(len(data)):
            sys.stderr.buffer.write(data[i : i + 1])
            sys.stderr.buffer.flush()
            time.sleep(0.005)
        print(json.dumps({"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "x"}))
        """,
    )

    ProcessProvider(command, environ=os.environ).retrieve()

    assert "héllo ✓" in capfd.readouterr().err


def test_timeout_with_a_grandchild_holding_the_pipes(tmp_path: Path) -> None:
    command = script(
        tmp_path,
        """
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
        sys.stderr.write("spawned a helper\\n")
        sys.stderr.flush()
        time.sleep(30)
        """,
    )
    started = time.monotonic()

    message = failure(command, timeout=1)

    assert time.monotonic() - started < 6
    assert message.endswith("timed out after 1s (killed); see its stderr above")


def test_a_background_grandchild_does_not_hold_up_success(tmp_path: Path) -> None:
    command = script(
        tmp_path,
        """
        import subprocess
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
        print(json.dumps({"Version": 1, "AccessKeyId": "AKIABG", "SecretAccessKey": "x"}))
        """,
    )
    started = time.monotonic()

    creds = ProcessProvider(command, timeout=30, environ=os.environ).retrieve()

    assert creds.access_key_id == "AKIABG"
    assert time.monotonic() - started < 3


def test_errors_and_repr_show_the_program_not_its_arguments(tmp_path: Path) -> None:
    command = printing(tmp_path, GOOD, stderr="bad login\n", code=1) + " --password hunter2"
    provider = ProcessProvider(command, label="build", environ=os.environ)

    message = failure(command)

    assert "hunter2" not in message
    assert "hunter2" not in repr(provider)
    assert f"`{sys.executable}` exited with code 1" in message


def test_stdout_is_scrubbed_from_stderr_in_messages(tmp_path: Path) -> None:
    command = script(
        tmp_path,
        f"""
        doc = {json.dumps(GOOD)!r}
        print(doc)
        sys.stderr.write("debug: got " + json.loads(doc)["SecretAccessKey"] + "\\n")
        sys.stderr.write("debug: token " + json.loads(doc)["SessionToken"] + "\\n")
        sys.exit(4)
        """,
    )

    message = failure(command, stderr=BrokenStream())

    assert "exited with code 4" in message
    assert "debug: got ***" in message
    assert "debug: token ***" in message


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    grandchild_pid = tmp_path / "grandchild.pid"
    command = script(
        tmp_path,
        f"""
        import subprocess
        child = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(120)"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        open({str(grandchild_pid)!r}, "w").write(str(child.pid))
        time.sleep(120)
        """,
    )

    assert "timed out after 1.5s (killed)" in failure(command, timeout=1.5)

    pid = int(grandchild_pid.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_profile_already_resolving_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    command = script(tmp_path, f"open({str(marker)!r}, 'w').write('ran')")
    monkeypatch.setenv("ROLECHAIN_RESOLVING", json.dumps(["top", "selfref"]))

    with pytest.raises(ProviderError, match="credential_process loop: selfref -> selfref"):
        ProcessProvider(command, label="selfref", profile="selfref", environ=os.environ).retrieve()
    assert not marker.exists()


def test_the_child_learns_which_profiles_are_resolving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = tmp_path / "seen"
    command = script(
        tmp_path,
        f"""
        open({str(seen)!r}, "w").write(os.environ["ROLECHAIN_RESOLVING"])
        print(json.dumps({{"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "x"}}))
        """,
    )
    monkeypatch.setenv("ROLECHAIN_RESOLVING", json.dumps(["outer"]))

    ProcessProvider(command, profile="inner", environ=os.environ).retrieve()

    assert json.loads(seen.read_text()) == ["outer", "inner"]
