"""The CLI pauses the garbage collector for its run, and puts it back for in-process callers."""

from __future__ import annotations

import gc
import subprocess
import sys
from argparse import Namespace

import pytest

import resolver.cli.cmd_schema as cmd_schema
from resolver.cli.main import main


def test_a_command_runs_with_the_collector_paused_and_it_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(cmd_schema, "run", lambda args, ctx: seen.append(gc.isenabled()) or 0)
    assert gc.isenabled()
    assert main(["schema"]) == 0
    assert seen == [False] and gc.isenabled()


def test_an_error_still_restores_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(args: Namespace, ctx: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cmd_schema, "run", boom)
    assert main(["schema"]) == 70  # the last line of defence: one line, status 70
    assert gc.isenabled()

    def leave(args: Namespace, ctx: object) -> int:
        raise SystemExit(3)  # what no handler takes: it passes through the pause

    monkeypatch.setattr(cmd_schema, "run", leave)
    with pytest.raises(SystemExit):
        main(["schema"])
    assert gc.isenabled()


def test_library_callers_keep_their_collector() -> None:
    code = "import gc, resolver, resolver.api; print(gc.isenabled())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True"
