"""``rolechain completion``: the scripts, run by the shells, and the cheap name listing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from resolver.cli.cmd_completion import bash_script, commands, fish_script, zsh_script
from resolver.cli.main import build_parser
from resolver.cli.names import LISTING, profile_names
from tests.conftest import IsolatedEnv

CONFIG = """\
[default]
region = eu-west-1
[profile prod-admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = default
[sso-session corp]
sso_region = eu-west-1
"""
CREDENTIALS = "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n[keys]\n"
TOML = '[profiles.ci]\nrole_arn = "arn:aws:iam::123456789012:role/ci"\n[profiles."team.x"]\n'
BIN = str(Path(sys.executable).parent)  # where the rolechain console script is


@pytest.fixture
def profiles(isolated_env: IsolatedEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(CONFIG)
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(CREDENTIALS)
    toml = tmp_path / "rolechain.toml"
    toml.write_text(TOML)
    monkeypatch.setenv("ROLECHAIN_CONFIG", str(toml))
    return toml


def complete_in_bash(script: str, line: str) -> list[str]:
    words = line.split(" ")
    program = (
        f"{script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); "
        f"COMP_CWORD={len(words) - 1}; _rolechain; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", program], env=env, capture_output=True, text=True,
                          check=True, timeout=60)  # fmt: skip
    return sorted(done.stdout.split())


def test_names_are_listed_cheaply_and_served_from_the_cache_directory(
    profiles: Path, isolated_env: IsolatedEnv
) -> None:
    code = (
        "import sys; from resolver.cli import run; run(['__complete-profiles']);"
        "heavy = {'pydantic', 'boto3', 'botocore', 'argparse'} & set(sys.modules);"
        "sys.exit(f'imported {heavy}' if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ci", "default", "keys", "prod-admin", "team.x"]
    listing = Path(os.environ["ROLECHAIN_CACHE_DIR"]) / LISTING
    assert listing.stat().st_mode & 0o777 == 0o600
    saved = listing.read_text()
    assert saved.endswith("\nend\n")  # a listing cut short is scanned again
    listing.write_text(saved[: -len("end\n")] + "name from-the-listing\nend\n")
    assert "from-the-listing" in profile_names(None, os.environ)  # served, not scanned again
    profiles.write_text(TOML + "[profiles.added]\n")
    names = profile_names(None, os.environ)
    assert "added" in names and "from-the-listing" not in names  # a changed file: rescanned


def test_bash_completes_commands_flags_formats_and_profiles(profiles: Path) -> None:
    script = bash_script(commands(build_parser()))
    assert complete_in_bash(script, "rolechain ex") == ["exec", "explain", "export"]
    assert "--format" in complete_in_bash(script, "rolechain export --f")
    assert complete_in_bash(script, "rolechain export --format f") == ["fish"]
    assert complete_in_bash(script, "rolechain export p") == ["prod-admin"]
    assert complete_in_bash(script, "rolechain exec --hop c") == ["ci"]
    assert complete_in_bash(script, "rolechain cache clear t") == ["team.x"]
    assert complete_in_bash(script, "rolechain completion z") == ["zsh"]


def test_zsh_loads_the_bash_function_through_bashcompinit() -> None:
    script = zsh_script(commands(build_parser()))
    assert script.splitlines()[1] == "autoload -U +X bashcompinit && bashcompinit"
    assert "complete -F _rolechain rolechain" in script


def test_fish_completes_commands_and_profiles(profiles: Path) -> None:
    script = fish_script(commands(build_parser()))
    assert 'complete -c rolechain -n "__fish_use_subcommand" -a "profiles explain' in script
    if not shutil.which("fish"):
        return  # .ci/run installs fish; the line check above still holds
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}

    def complete(line: str) -> list[str]:
        program = f"{script}\ncomplete -C '{line}'"
        done = subprocess.run(["fish", "-c", program], env=env, capture_output=True, text=True,
                              check=True, timeout=60)  # fmt: skip
        return sorted(item.split("\t")[0] for item in done.stdout.splitlines())

    assert {"explain", "export", "exec"} <= set(complete("rolechain ex"))
    assert complete("rolechain export pro") == ["prod-admin"]
    assert "fish" in complete("rolechain export --format ")
