"""Shell formats of ``export``, evaluated by the shell itself where it is installed.

fish comes from the system packages (``.ci/run`` installs it); PowerShell is in no
registry this project reaches, so its lines are read back by a small parser of the only
statement forms they may use.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from resolver.cli.formats import MANAGED_VARIABLES, render_shell, shell_state
from resolver.errors import ResolverError

TRICKY = {
    "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "se'cr\"et $HOME `x` \\n; rm -rf /",
    "AWS_REGION": "eu-west-1",
    "ROLECHAIN_PROFILE": "team's prod",
}
STALE = {name: "stale" for name in MANAGED_VARIABLES}


def read_back(program: list[str], script: str) -> dict[str, str]:
    """Run ``script`` in a shell that starts with every managed variable set to stale,
    then print the environment as NUL-separated NAME=VALUE."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], **STALE}
    done = subprocess.run([*program, script], env=env, capture_output=True, check=True, timeout=60)
    pairs = (item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
    return {name: value for name, value in pairs if name in MANAGED_VARIABLES}


def test_env_format_is_evaluated_by_sh_and_clears_stale_variables() -> None:
    script = render_shell("env", TRICKY) + "\nenv -0"
    assert read_back(["sh", "-c"], script) == TRICKY


def fish_parse(script: str) -> dict[str, str | None]:
    """The effect of ``set -gx NAME '...'`` and ``set -e NAME`` lines (fish quoting)."""
    effect: dict[str, str | None] = {}
    for line in script.splitlines():
        if match := re.fullmatch(r"set -gx ([A-Z_]+) '((?:[^'\\]|\\.)*)'", line):
            effect[match[1]] = re.sub(r"\\(.)", r"\1", match[2])
        elif match := re.fullmatch(r"set -e ([A-Z_]+)", line):
            effect[match[1]] = None
        else:
            raise AssertionError(f"not a fish line rolechain writes: {line!r}")
    return effect


def test_fish_format_is_evaluated_by_fish() -> None:
    script = render_shell("fish", TRICKY)
    if shutil.which("fish"):
        assert read_back(["fish", "-c"], script + "\nenv -0") == TRICKY
    parsed = fish_parse(script)
    assert {k: v for k, v in parsed.items() if v is not None} == TRICKY
    assert {k for k, v in parsed.items() if v is None} == set(MANAGED_VARIABLES) - set(TRICKY)


def powershell_parse(script: str) -> dict[str, str | None]:
    """PowerShell's meaning of the two statement forms the format writes: a verbatim
    (single-quoted, '' for ') string assigned to ``$Env:NAME``, and Remove-Item of one."""
    effect: dict[str, str | None] = {}
    for line in script.splitlines():
        if match := re.fullmatch(r"\$Env:([A-Z_]+) = '((?:[^']|'')*)'", line):
            effect[match[1]] = match[2].replace("''", "'")
        elif match := re.fullmatch(
            r"Remove-Item -Path Env:([A-Z_]+) -ErrorAction SilentlyContinue", line
        ):
            effect[match[1]] = None
        else:
            raise AssertionError(f"not a PowerShell statement rolechain writes: {line!r}")
    return effect


def test_powershell_format_parses_to_the_values_and_removes_the_rest() -> None:
    parsed = powershell_parse(render_shell("powershell", TRICKY))
    assert {k: v for k, v in parsed.items() if v is not None} == TRICKY
    assert {k for k, v in parsed.items() if v is None} == set(MANAGED_VARIABLES) - set(TRICKY)


def test_cmd_format_sets_quoted_and_clears_and_refuses_what_cmd_would_expand() -> None:
    plain = {"AWS_ACCESS_KEY_ID": "ASIA1", "AWS_SECRET_ACCESS_KEY": "a/b+c=&|<>"}
    lines = render_shell("cmd", plain).splitlines()
    assert lines[:2] == ['set "AWS_ACCESS_KEY_ID=ASIA1"', 'set "AWS_SECRET_ACCESS_KEY=a/b+c=&|<>"']
    assert 'set "AWS_SESSION_TOKEN="' in lines
    for bad in ("50%", "a!b", 'a"b', "a\nb"):
        with pytest.raises(ResolverError, match="AWS_SECRET_ACCESS_KEY") as caught:
            render_shell("cmd", {"AWS_SECRET_ACCESS_KEY": bad})
        assert bad not in str(caught.value)


def test_dotenv_format_is_read_by_bash_as_an_env_file_and_clears_the_rest() -> None:
    values = {"AWS_ACCESS_KEY_ID": "ASIA1", "AWS_SECRET_ACCESS_KEY": "a/b+c=", "AWS_REGION": "x"}
    script = render_shell("dotenv", values)
    assert "AWS_SESSION_TOKEN=" in script.splitlines()
    back = read_back(["bash", "-c"], f"set -a\n{script}\nset +a\nenv -0")
    assert {k: v for k, v in back.items() if v} == values
    quoted = render_shell("dotenv", {"ROLECHAIN_PROFILE": 'a b"$c'})
    assert quoted.splitlines()[0] == "ROLECHAIN_PROFILE='a b\"$c'"


def test_shell_state_names_the_profile_and_its_expiry() -> None:
    assert shell_state("prod", "2026-12-03T08:00:00Z") == {
        "ROLECHAIN_PROFILE": "prod",
        "ROLECHAIN_EXPIRES": "2026-12-03T08:00:00Z",
    }
    assert shell_state("keys", None) == {"ROLECHAIN_PROFILE": "keys"}
