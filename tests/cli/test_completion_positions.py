"""What each position completes, in the real bash, zsh and fish: profile names wherever a
command or action takes a profile, the actions of ``keys``, ``sso`` and ``cache``, and
after ``exec PROFILE --`` the command to run (command names, then its own arguments),
never profile names there; names stay literal words and nothing runs."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from resolver.cli.cmd_completion import bash_script, commands, fish_script, zsh_script
from resolver.cli.main import build_parser
from tests.conftest import IsolatedEnv

BIN = str(Path(sys.executable).parent)  # where the rolechain console script is
SHELLS = ("bash", "zsh", "fish")
PROGRAM = "rc-probe-cmd"  # a command on PATH that nothing else is named like
HOSTILE_FILE = "a$(touch${IFS}ran)`touch ran2`"


class Shells:
    """Profiles in the AWS config; a working directory with files; ``PROGRAM`` on PATH."""

    def __init__(self, isolated_env: IsolatedEnv, tmp_path: Path) -> None:
        config = "".join(f"[profile {n}]\nregion = eu-west-1\n" for n in ("prod-admin", "pa"))
        isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
        isolated_env.aws_config_file.write_text(config)
        self.cwd = tmp_path / "cwd"
        self.cwd.mkdir()
        for name in ("a-file", HOSTILE_FILE, "prod-admin-file"):
            (self.cwd / name).write_text("")
        programs = tmp_path / "programs"
        programs.mkdir()
        (programs / PROGRAM).write_text("#!/bin/sh\n")
        (programs / PROGRAM).chmod(0o755)
        path = os.pathsep.join([BIN, str(programs), os.environ["PATH"]])
        self.env = {**os.environ, "PATH": path}
        table = commands(build_parser())
        self.scripts = {"bash": bash_script(table), "zsh": zsh_script(table)}
        self.scripts["fish"] = fish_script(table)

    def run(self, argv: list[str]) -> str:
        done = subprocess.run(
            argv, env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def complete(self, shell: str, line: str) -> list[str]:
        """The words ``shell`` offers for the last (maybe empty) word of ``line``."""
        words = line.split(" ")
        script, prefix = self.scripts[shell], words[-1]
        setup = f"{script}\nCOMP_WORDS=({shlex.join(words)}); COMP_CWORD={len(words) - 1}\n"
        if shell == "bash":
            out = self.run(
                ["/usr/bin/bash", "--norc", "-c", setup + "_rolechain\n"
                 'for w in "${COMPREPLY[@]}"; do printf \'%s\\0\' "$w"; done']
            )  # fmt: skip
        elif shell == "zsh":  # what bashcompinit hands compadd, which keeps the prefix's
            program = (
                "compdef() { : }\n" + setup
                + f'for w in ${{(Q)${{(f)"$(compgen -F _rolechain -- {shlex.quote(prefix)})"}}}}; '
                "do printf '%s\\0' \"$w\"; done"
            )  # fmt: skip
            out = self.run(["/usr/bin/zsh", "-f", "-c", program])
        else:
            quoted = line.replace("\\", "\\\\").replace("'", "\\'")
            program = f"{script}\ncomplete -C '{quoted}'"
            lines = self.run(["/usr/bin/fish", "--no-config", "-c", program]).splitlines()
            out = "".join(f"{item.split(chr(9))[0]}\0" for item in lines)
        offered = {word for word in out.split("\0")[:-1] if word.startswith(prefix)}
        return sorted(offered)

    def assert_nothing_ran(self) -> None:
        assert not (self.cwd / "ran").exists() and not (self.cwd / "ran2").exists()


@pytest.fixture
def shells(isolated_env: IsolatedEnv, tmp_path: Path) -> Shells:
    return Shells(isolated_env, tmp_path)


PROFILES = ["pa", "prod-admin"]
EXPECTED = {
    "rolechain setup p": PROFILES,
    "rolechain console p": PROFILES,
    "rolechain serve pa p": PROFILES,
    "rolechain export p": PROFILES,
    "rolechain keys ": ["add", "import", "list", "remove", "rotate"],
    "rolechain keys r": ["remove", "rotate"],
    "rolechain keys add p": PROFILES,
    "rolechain keys import p": PROFILES,
    "rolechain keys remove p": PROFILES,
    "rolechain keys rotate p": PROFILES,
    "rolechain sso ": ["login", "populate"],
    "rolechain sso login p": PROFILES,
    "rolechain cache ": ["clear", "list"],
    "rolechain cache clear p": PROFILES,
    "rolechain exec p": PROFILES,
    f"rolechain exec prod-admin -- {PROGRAM[:6]}": [PROGRAM],
    f"rolechain exec -- {PROGRAM[:6]}": [PROGRAM],
    f"rolechain exec prod-admin -- {PROGRAM} a-": ["a-file"],
    f"rolechain exec prod-admin -- {PROGRAM} p": ["prod-admin-file"],
}


@pytest.mark.parametrize("shell", SHELLS)
def test_each_position_completes_what_the_command_takes(shells: Shells, shell: str) -> None:
    for line, expected in EXPECTED.items():
        assert shells.complete(shell, line) == expected, (shell, line)
    shells.assert_nothing_ran()


@pytest.mark.parametrize("shell", SHELLS)
def test_after_exec_dashdash_no_profile_is_offered(shells: Shells, shell: str) -> None:
    offered = shells.complete(shell, "rolechain exec prod-admin -- p")
    assert "prod-admin" not in offered and "pa" not in offered
    assert offered  # commands named p... (python, printf, ...)
    shells.assert_nothing_ran()


@pytest.mark.parametrize("shell", SHELLS)
def test_a_hostile_file_name_after_exec_is_offered_literally(shells: Shells, shell: str) -> None:
    offered = shells.complete(shell, f"rolechain exec pa -- {PROGRAM} a")
    assert offered == sorted(["a-file", HOSTILE_FILE]), offered
    shells.assert_nothing_ran()
