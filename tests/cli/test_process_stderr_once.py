"""A failing credential_process: its stderr reaches the user once, as it runs (a prompt
must show before the child waits), and rolechain's error refers to it in one line."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import IsolatedEnv

# How the child fails after writing its stderr line (the placeholder is the line).
ENDINGS = {
    "exit-status": "sys.exit(3)",
    "signal": "os.kill(os.getpid(), signal.SIGTERM)",
    "invalid-json": "print('not json')",
    "missing-fields": "print(json.dumps({'Version': 1}))",
}
REFERENCE = "; see its stderr above"
LINES = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="\\"),
    min_size=12,
    max_size=60,
).map(lambda text: "reason " + text)


def export_with_failing_process(
    tmp_path: Path, isolated_env: IsolatedEnv, line: str, ending: str
) -> subprocess.CompletedProcess[str]:
    helper = tmp_path / "helper.py"
    helper.write_text(
        "import json, os, signal, sys\n"
        + textwrap.dedent(
            f"""
            sys.stderr.write({line!r} + "\\n")
            sys.stderr.flush()
            {ending}
            """
        )
    )
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(helper))}"
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(f"[profile helper]\ncredential_process = {command}\n")
    return subprocess.run(
        [sys.executable, "-m", "resolver", "--no-cache", "export", "helper"],
        env=dict(os.environ), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("kind", sorted(ENDINGS))
def test_the_childs_stderr_is_shown_once_and_the_error_refers_to_it(
    tmp_path: Path, isolated_env: IsolatedEnv, kind: str
) -> None:
    line = "error: the SSO session expired; run `corp-login`"

    result = export_with_failing_process(tmp_path, isolated_env, line, ENDINGS[kind])

    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count(line) == 1, result.stderr
    first, error = result.stderr.splitlines()
    assert first == line
    assert error.startswith("rolechain: error: profile helper: credential_process `")
    assert error.endswith(REFERENCE)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(line=LINES, kind=st.sampled_from(sorted(ENDINGS)))
def test_any_stderr_line_is_shown_once(
    tmp_path: Path, isolated_env: IsolatedEnv, line: str, kind: str
) -> None:
    result = export_with_failing_process(tmp_path, isolated_env, line, ENDINGS[kind])

    assert result.returncode == 1
    assert result.stderr.count(line) == 1, result.stderr
    assert result.stderr.splitlines()[-1].endswith(REFERENCE)
