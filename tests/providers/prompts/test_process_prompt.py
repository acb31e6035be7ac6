"""The ``process`` prompt driver: ``mfa_process`` runs, its stdout is the code."""

from __future__ import annotations

import os
import shlex
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from resolver.errors import TokenError
from resolver.providers.prompts.process import ProcessTokenProvider
from resolver.stscreds.tokens import PROMPT_LOCK

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
PY = shlex.quote(sys.executable)


def test_process_prints_code() -> None:
    provider = ProcessTokenProvider(f"{PY} -c \"print('  314159  ')\"", serial=SERIAL)
    assert provider() == "314159"
    assert provider.program == sys.executable


def test_process_accepts_argv_sequence() -> None:
    assert ProcessTokenProvider([sys.executable, "-c", "print(271828)"])() == "271828"


def test_process_runs_without_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    # A shell would expand $MFA_TEST_CODE to a valid code; without one, argv[1] is literal.
    monkeypatch.setenv("MFA_TEST_CODE", "161803")
    provider = ProcessTokenProvider(f"{PY} -c 'import sys; print(sys.argv[1])' $MFA_TEST_CODE")
    with pytest.raises(TokenError, match="did not print a 6-digit"):
        provider()


def test_process_nonzero_exit_includes_stderr_not_code_or_args() -> None:
    script = (
        "import sys; print('707070'); "
        "sys.stderr.write('token expired: 707070\\nplease re-enroll\\n'); sys.exit(3)"
    )
    provider = ProcessTokenProvider(f"{PY} -c {shlex.quote(script)} --password hunter2")
    with pytest.raises(TokenError) as info:
        provider()
    message = str(info.value)
    assert "exited with status 3" in message
    assert "token expired: *** please re-enroll" in message
    assert "707070" not in message
    assert "hunter2" not in message
    assert sys.executable in message
    assert "\n" not in message


def test_process_bad_output_not_echoed() -> None:
    with pytest.raises(TokenError, match="did not print a 6-digit") as info:
        ProcessTokenProvider(f"{PY} -c \"print('80808')\"")()
    assert "80808" not in str(info.value)


def test_process_empty_output() -> None:
    with pytest.raises(TokenError, match="printed nothing"):
        ProcessTokenProvider(f"{PY} -c pass")()


def test_process_timeout() -> None:
    provider = ProcessTokenProvider(f"{PY} -c 'import time; time.sleep(30)'", timeout=0.5)
    start = time.monotonic()
    with pytest.raises(TokenError, match=r"timed out after 0\.5s"):
        provider()
    assert time.monotonic() - start < 10
    assert not PROMPT_LOCK.locked()


def test_process_not_found(tmp_path: Path) -> None:
    with pytest.raises(TokenError, match="could not run"):
        ProcessTokenProvider(str(tmp_path / "no-such-program"))()


@pytest.mark.parametrize("command", ["", "   "])
def test_empty_command(command: str) -> None:
    with pytest.raises(TokenError, match="empty"):
        ProcessTokenProvider(command)


def test_process_holds_prompt_lock() -> None:
    result: list[str] = []
    provider = ProcessTokenProvider([sys.executable, "-c", "print(112358)"])
    with PROMPT_LOCK:
        thread = threading.Thread(target=lambda: result.append(provider()))
        thread.start()
        thread.join(0.3)
        assert thread.is_alive()
    thread.join(30)
    assert result == ["112358"]


def test_repr_hides_arguments() -> None:
    provider: Any = ProcessTokenProvider(f"{PY} -c pass --secret s3cr3t")
    assert "s3cr3t" not in repr(provider)


def test_process_background_child_holding_stdout_does_not_delay_the_code(tmp_path: Path) -> None:
    # The helper prints the code and exits, leaving a child that keeps stdout open.
    script = (
        "import subprocess, sys; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(424242, flush=True)"
    )
    provider = ProcessTokenProvider([sys.executable, "-c", script], timeout=8)

    assert provider() == "424242"


def test_process_timeout_kills_its_background_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(120)"
    )
    with pytest.raises(TokenError, match="timed out"):
        ProcessTokenProvider([sys.executable, "-c", script], timeout=1.5)()

    pid = int(pid_file.read_text())
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
