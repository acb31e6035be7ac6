"""One answer to "which program does this command run, and does the working directory
decide it": the execution (``ProcessProvider``, run without a shell as botocore runs
``credential_process``), ``chain.paths``, the cache key's dependency stamp
(``resolver.cache.keys``) and ``mfa_process``'s provider all agree, for every kind of
command."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.chain.paths import (
    RELATIVE,
    command_argv,
    command_program,
    depends_on_working_directory,
    is_relative_program,
    program_location,
)
from resolver.chain.types import Chain, Hop, ProcessSource
from resolver.errors import ProviderError
from resolver.providers.bases.process import ProcessProvider
from resolver.providers.prompts.process import ProcessTokenProvider
from tests.hostile import fuzz_settings, hostile_text
from tests.stepkeys import dependency_names, dependency_stamp

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX programs")

ROLE = "arn:aws:iam::123456789012:role/r"
# {abs}: an absolute directory holding the programs; every program prints credentials.
COMMANDS = [
    "{abs}/creds --profile p",  # absolute
    "'{abs}/my creds' --x",  # absolute, quoted, with a space
    "./bin/creds",  # relative with a slash
    "bin/creds --flag 'a b'",  # relative without ./
    "~/bin/creds",  # no one expands ~: it is ./~/bin/creds
    "'./my dir/creds'",  # relative, quoted, with a space
    "rc-creds --profile p",  # a bare name, found on PATH
    "rc-missing",  # a bare name found nowhere
    "C:\\tools\\creds.exe --x",  # Windows-like: on POSIX shlex eats the backslashes
    '"C:\\Program Files\\creds.exe"',
    "",
]

SCRIPT = f"""#!{sys.executable}
import json
print(json.dumps({{"Version": 1, "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": "s"}}))
"""


def place(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCRIPT)
    path.chmod(0o755)


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    """(absolute program dir, a working directory with the relative programs, an empty one);
    PATH holds only absolute entries."""
    programs, here, elsewhere = tmp_path / "abs", tmp_path / "here", tmp_path / "elsewhere"
    for relative in ("creds", "my creds"):
        place(programs / relative)
    for relative in ("bin/creds", "~/bin/creds", "my dir/creds"):
        place(here / relative)
    place(tmp_path / "path" / "rc-creds")
    elsewhere.mkdir()
    monkeypatch.setenv("PATH", f"{tmp_path / 'path'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    return programs, here, elsewhere


def runs(command: str) -> bool:
    try:
        ProcessProvider(command, timeout=30, environ=os.environ).retrieve()
    except ProviderError:
        return False
    return True


@pytest.mark.parametrize("template", COMMANDS)
def test_every_consumer_agrees_with_the_execution(
    template: str, layout: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    programs, here, elsewhere = layout
    command = template.format(abs=programs)
    environ = dict(os.environ)
    source = ProcessSource("p", command)
    chain = Chain(profile="r", source=source, hops=(Hop(profile="r", role_arn=ROLE),))
    seen: dict[Path, tuple[bool, object]] = {}
    for directory in (here, elsewhere):
        monkeypatch.chdir(directory)
        seen[directory] = (runs(command), dependency_stamp(source, environ))
    execution_depends = seen[here][0] != seen[elsewhere][0]
    key_depends = seen[here][1] != seen[elsewhere][1]
    planned = depends_on_working_directory(chain, (), environ["PATH"])
    assert execution_depends == is_relative_program(command) == key_depends == planned
    program = command_program(command)
    assert ProcessProvider(command, environ=os.environ).program == program
    if command:
        assert ProcessTokenProvider(command).program == program
    if "~" in command:
        assert execution_depends  # the case the issue names


def test_the_table_covers_programs_that_run_and_that_do_not(
    layout: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    programs, here, _ = layout
    monkeypatch.chdir(here)
    outcomes = {t: runs(t.format(abs=programs)) for t in COMMANDS}
    assert outcomes["~/bin/creds"] and outcomes["rc-creds --profile p"]
    assert not outcomes["rc-missing"] and not outcomes[""]


@fuzz_settings()
@given(command=st.one_of(hostile_text, st.text(max_size=40)))
def test_every_parser_names_the_same_program_for_any_command(command: str) -> None:
    program = command_program(command)
    try:
        argv = command_argv(command)
    except ValueError:
        argv = []  # unbalanced quotes: it never runs, so it depends on nothing
        assert program == "" and not is_relative_program(command)
    assert program == (argv[0] if argv else "")
    assert ProcessProvider(command, environ=os.environ).program in (program, "(unparsable command)")
    if argv:
        assert ProcessTokenProvider(command).program == program
    relative = is_relative_program(command)
    assert relative == (bool(program) and program_location(program) == RELATIVE)
    assert relative == (
        ("cwd", "") in (dependency_names(ProcessSource("p", command), {}, None) or ())
    )
