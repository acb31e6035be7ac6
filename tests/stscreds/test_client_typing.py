"""The per-operation client protocols accept a boto3 client, a typed mypy_boto3_sts
client and stubs under mypy --strict, and reject what lacks the method."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CHECKED = Path(__file__).with_name("typed_clients.py")


def test_mypy_strict_accepts_boto3_typed_and_stub_clients() -> None:
    root = Path(__file__).parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(CHECKED)],
        capture_output=True,
        text=True,
        cwd=root,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    lines = CHECKED.read_text().splitlines()
    wanted = {n for n, line in enumerate(lines, 1) if "  # error:" in line}
    flagged = {int(m.group(1)) for e in errors if (m := re.search(r":(\d+): error:", e))}
    assert flagged == wanted, result.stdout
