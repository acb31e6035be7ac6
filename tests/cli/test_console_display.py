"""``rolechain console`` starts only a graphical browser, and none without a display: a
text browser (www-browser, lynx... which ``webbrowser`` falls back to) would take the
terminal and show the sign-in URL. Fake browsers on a fake PATH record being run."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resolver.console.browser import TERMINAL, open_default
from resolver.errors import ResolverError
from tests.cli.test_console import (  # noqa: F401
    SIGNIN_TOKEN,
    Federation,
    federation,
    login_query,
    setup,
)
from tests.moto_support import MotoServer

TEXT_BROWSERS = sorted(TERMINAL)
RECORDER = """#!{python}
import json, os, sys
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "browser": os.environ.get("BROWSER")}}) + "\\n")
"""


def fake_browsers(directory: Path, *names: str) -> Path:
    """Programs ``names`` in ``directory`` that append their argv to ``directory/runs``."""
    directory.mkdir(exist_ok=True)
    log = directory / "runs"
    for name in names:
        program = directory / name
        program.write_text(RECORDER.format(python=sys.executable, log=str(log)))
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return log


def console(profile: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "resolver", "console", profile],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def environment(bin_dir: Path, **extra: str) -> dict[str, str]:
    unset = ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(PATH=str(bin_dir), TERM="xterm", **extra)
    return env


def assert_refused(result: subprocess.CompletedProcess[str], log: Path, words: str) -> None:
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert words in line and "use --print" in line
    assert "opened the AWS console" not in result.stderr and SIGNIN_TOKEN not in line
    assert not log.exists(), log.read_text()  # no browser ran


def test_without_a_display_no_browser_is_started(
    setup: MotoServer,  # noqa: F811
    federation: Federation,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = fake_browsers(tmp_path / "bin", *TEXT_BROWSERS, "xdg-open", "firefox")

    result = console("deeper", environment(tmp_path / "bin", BROWSER="lynx"))

    assert_refused(result, log, "no display")


@pytest.mark.parametrize("display", ["DISPLAY", "WAYLAND_DISPLAY"])
def test_with_a_display_a_text_browser_is_never_started(
    setup: MotoServer,  # noqa: F811
    federation: Federation,  # noqa: F811
    tmp_path: Path,
    display: str,
) -> None:
    log = fake_browsers(tmp_path / "bin", *TEXT_BROWSERS)
    env = environment(tmp_path / "bin", BROWSER=os.pathsep.join(TEXT_BROWSERS), **{display: ":0"})

    assert_refused(console("deeper", env), log, "no graphical browser")


def wait_for_runs(log: Path) -> list[dict[str, object]]:
    """The recorded runs, once the detached browser has written them (bounded wait)."""
    deadline = time.monotonic() + 30
    while not log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_with_a_display_a_graphical_browser_gets_the_url(
    setup: MotoServer,  # noqa: F811
    federation: Federation,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = fake_browsers(tmp_path / "bin", *TEXT_BROWSERS, "xdg-open")
    env = environment(tmp_path / "bin", DISPLAY=":0")

    result = console("deeper", env)

    assert result.returncode == 0, result.stderr
    assert "opened the AWS console as profile deeper" in result.stderr
    ((run,),) = [wait_for_runs(log)]
    (url,) = run["argv"]  # type: ignore[misc]
    assert login_query(url, federation)["SigninToken"] == SIGNIN_TOKEN
    # xdg-open without a desktop falls back to $BROWSER: text browsers left out.
    assert isinstance(run["browser"], str)
    assert not set(run["browser"].split(os.pathsep)) & TERMINAL


def test_browser_names_a_graphical_one_first_and_percent_s_is_the_url(tmp_path: Path) -> None:
    log = fake_browsers(tmp_path / "bin", "lynx", "my-browser", "xdg-open")
    browser = os.pathsep.join(["lynx", "my-browser --new-window %s"])
    env = {"PATH": str(tmp_path / "bin"), "DISPLAY": ":0", "BROWSER": browser}

    open_default("https://signin.example/x", env, platform="linux")

    (run,) = wait_for_runs(log)
    assert run["argv"] == ["--new-window", "https://signin.example/x"]


def test_the_contexts_environment_decides_not_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_browsers(tmp_path / "bin", "xdg-open", "lynx")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))

    with pytest.raises(ResolverError, match="no display"):
        open_default("https://signin.example/x", {"PATH": str(tmp_path / "bin")}, "linux")
    assert not log.exists()
