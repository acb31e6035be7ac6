"""Completion of hostile profile names in the real bash, zsh and fish (issue 19, item 1).

Profile names come from files anyone can hand a user (a cloned repository's TOML named by
``--config``, a shared ``~/.aws/config``). Completing them must run nothing, expand
nothing, and offer exactly the literal names: a name is never a shell word again.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.cli.cmd_completion import bash_script, commands, fish_script, zsh_script
from resolver.cli.main import build_parser
from resolver.cli.names import LISTING, profile_names, scan_names
from tests.conftest import IsolatedEnv
from tests.hostile import LINE_BREAKS, fuzz_settings, hostile_text

BIN = str(Path(sys.executable).parent)  # where the rolechain console script is
ATTACKS = ("$(touch${{IFS}}{mark}/1)", "`touch${{IFS}}{mark}/2`", "x;touch${{IFS}}{mark}/3")
PLAIN_HOSTILE = ["$HOME", "*", "a'b", 'a"b', "a\\b", "~root", "{a,b}", "!!", "a|b", "$'x'", "x=y"]
FORGED = "forged"


class Names:
    """Hostile names spread over the config file, the credentials file and a TOML file
    that only ``--config`` names; ``expected`` are the names to be offered."""

    def __init__(self, isolated_env: IsolatedEnv, tmp_path: Path) -> None:
        self.mark = tmp_path / "marks"
        self.mark.mkdir()
        attacks = [attack.format(mark=self.mark) for attack in ATTACKS]
        config = "".join(f"[profile {name}]\nregion = x\n" for name in attacks)
        config += "[profile ok]\nregion = eu-west-1\x0c[profile forged]\n"  # \x0c: no line
        isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
        isolated_env.aws_config_file.write_text(config)
        credentials = "".join(f"[{name}]\naws_access_key_id = A\n" for name in PLAIN_HOSTILE)
        Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(credentials)
        spaced = f"x $(touch {self.mark}/4) y"
        self.toml = tmp_path / "cloned" / "rolechain.toml"
        self.toml.parent.mkdir()
        toml = f"[profiles.'{spaced}']\n"
        toml += "".join(
            f'[profiles."tab{b}[profiles.{FORGED}]"]\n' for b in LINE_BREAKS if "\n" not in b
        )
        self.toml.write_text(toml, encoding="utf-8")
        self.expected = sorted([*attacks, *PLAIN_HOSTILE, "ok", spaced])
        # a working directory with files: a globbed '*' would offer them
        self.cwd = tmp_path / "cwd"
        self.cwd.mkdir()
        (self.cwd / "globbed-file").write_text("")

    def line(self, prefix: str) -> list[str]:
        return ["rolechain", "--config", str(self.toml), "export", prefix]

    def matching(self, prefix: str) -> list[str]:
        return sorted(name for name in self.expected if name.startswith(prefix))

    def assert_nothing_ran(self) -> None:
        assert list(self.mark.iterdir()) == []


@pytest.fixture
def names(isolated_env: IsolatedEnv, tmp_path: Path) -> Names:
    return Names(isolated_env, tmp_path)


PREFIXES = ["", "$", "a", "x", "*", "`"]


def run(program: list[str], cwd: Path) -> bytes:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(program, env=env, cwd=cwd, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def nul_split(data: bytes) -> list[str]:
    return data.decode().split("\0")[:-1]


def test_the_listing_offers_only_printable_names_split_on_newlines(names: Names) -> None:
    for _ in range(2):  # scanned, then from the saved listing
        listed = profile_names(str(names.toml), os.environ)
        assert listed == names.expected
        assert FORGED not in listed
    assert (Path(os.environ["ROLECHAIN_CACHE_DIR"]) / LISTING).exists()


def test_bash_offers_literal_words_and_runs_nothing(names: Names) -> None:
    script = bash_script(commands(build_parser()))
    for prefix in PREFIXES:
        for _ in range(2):  # scanned, then from the saved listing
            words = names.line(prefix)
            program = (
                f"{script}\nCOMP_WORDS=({shlex.join(words)}); COMP_CWORD={len(words) - 1}\n"
                "_rolechain\n"  # then what each inserted word means when the line is run:
                'for w in "${COMPREPLY[@]}"; do eval "set -- $w"; printf \'%s\\0\' "$#" "$1"; done'
            )
            out = nul_split(run(["/usr/bin/bash", "--norc", "-c", program], names.cwd))
            counts, offered = out[0::2], out[1::2]
            assert set(counts) <= {"1"}
            assert sorted(offered) == names.matching(prefix), prefix
    names.assert_nothing_ran()


def test_zsh_offers_literal_words_through_bashcompinit_and_runs_nothing(names: Names) -> None:
    script = zsh_script(commands(build_parser()))
    for prefix in PREFIXES:
        words = names.line(prefix)
        program = (
            "compdef() { : }  # compinit's; completing needs only the function\n"
            f"{script}\nCOMP_WORDS=({shlex.join(words)}); COMP_CWORD={len(words) - 1}\n"
            # what bashcompinit's _bash_complete hands compadd: each line, unquoted once
            f'for w in ${{(Q)${{(f)"$(compgen -F _rolechain -- {shlex.quote(prefix)})"}}}}; '
            "do printf '%s\\0' \"$w\"; done"
        )
        offered = nul_split(run(["/usr/bin/zsh", "-f", "-c", program], names.cwd))
        assert sorted(offered) == names.matching(prefix), prefix
    names.assert_nothing_ran()


def test_fish_offers_literal_words_and_runs_nothing(names: Names) -> None:
    script = fish_script(commands(build_parser()))
    escape = {"'": "\\'", "\\": "\\\\"}
    for prefix in PREFIXES:
        line = shlex.join(["rolechain", "export"]) + " " + shlex.quote(prefix) * bool(prefix)
        if not prefix:
            line += " "
        quoted = "".join(escape.get(c, c) for c in line)
        out = run(
            ["/usr/bin/fish", "--no-config", "-c", f"{script}\ncomplete -C '{quoted}'"], names.cwd
        ).decode()
        offered = sorted(item.split("\t")[0] for item in out.split("\n") if item)
        # fish reads no --config: the AWS files' names
        expected = [n for n in names.matching(prefix) if "touch " not in n]
        assert offered == expected, prefix
    names.assert_nothing_ran()


@fuzz_settings()
@given(st.lists(hostile_text, min_size=1, max_size=6))
def test_scanned_names_are_printable_and_each_on_its_own_line(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("scan")
    paths = [folder / "config", folder / "credentials", folder / "x.toml"]
    body = "".join(f'[profile {t}]\n[{t}]\n[profiles."{t}"]\n' for t in texts)
    for path in paths:
        path.write_bytes(body.encode("utf-8", "surrogatepass"))
    lines = body.split("\n")
    for name in scan_names([str(p) for p in paths]):
        assert name.isprintable()
        header = re.compile(r"\s*\[\s*(?:profiles?\s*\.?\s*[\"']?)?" + re.escape(name))
        assert any(header.match(line) for line in lines)  # a header that starts a line
