"""``rolechain setup PROFILE [--write]``: a working section, never a lost byte."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from resolver.cli.main import main
from tests.conftest import IsolatedEnv

ROLECHAIN = Path(sys.executable).parent / "rolechain"
EXISTING = (
    "# my settings, kept byte for byte\n[default]\nregion = eu-west-1\noutput = json\n"
    "[profile keys]\naws_access_key_id = AKIASETUP\naws_secret_access_key = s\n"
    "region = eu-central-1"  # no final newline
)


@pytest.fixture
def config(isolated_env: IsolatedEnv) -> Path:
    path = isolated_env.aws_config_file
    path.parent.mkdir(parents=True)
    path.write_text(EXISTING)
    path.chmod(0o640)
    return path


def test_prints_a_section_with_the_absolute_path(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["setup", "keys"]) == 0
    out = capsys.readouterr().out

    lines = out.splitlines()
    assert lines[0] == "[profile keys-via-rolechain]"
    argv = shlex.split(lines[1].split(" = ", 1)[1])
    assert os.path.isabs(argv[0]) and os.access(argv[0], os.X_OK)
    assert argv[-4:] == ["export", "keys", "--format", "credential-process"]
    assert "region = eu-central-1" in lines
    assert config.read_text() == EXISTING  # printing writes nothing


def test_write_appends_after_a_backup_and_the_section_works(config: Path) -> None:
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # the venv is not on PATH
    result = subprocess.run(
        [str(ROLECHAIN), "setup", "keys", "--write"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

    text = config.read_text()
    assert text.startswith(EXISTING + "\n")
    assert "[profile keys-via-rolechain]" in text
    assert config.stat().st_mode & 0o777 == 0o640
    backups = list(config.parent.glob("config.rolechain-*.bak"))
    assert [b.read_text() for b in backups] == [EXISTING]
    assert backups[0].stat().st_mode & 0o777 == 0o600

    # The section's credential_process, run as the AWS CLI would (no shell, no PATH).
    command = text.split("credential_process = ", 1)[1].splitlines()[0]
    served = subprocess.run(
        [*shlex.split(command)], env={**env, "ROLECHAIN_NO_CACHE": "1"}, capture_output=True,
        text=True,
    )  # fmt: skip
    assert served.returncode == 0, served.stderr
    assert '"AccessKeyId": "AKIASETUP"' in served.stdout


def test_write_never_replaces_an_existing_section(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["setup", "keys", "--write"]) == 0
    once = config.read_bytes()
    backups = set(config.parent.glob("*.bak"))

    assert main(["setup", "keys", "--write"]) == 2
    assert "already exists; not changed" in capsys.readouterr().err
    assert config.read_bytes() == once
    assert set(config.parent.glob("*.bak")) == backups


def test_write_follows_a_symlink_and_creates_a_missing_file(
    isolated_env: IsolatedEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "keys.toml").write_text(
        '[profiles.keys]\naws_access_key_id = "AKIATOML"\naws_secret_access_key = "s"\n'
    )
    real = tmp_path / "dotfiles" / "aws-config"
    link = tmp_path / "link-config"
    real.parent.mkdir()
    link.symlink_to(real)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(link))

    assert main(["--config", str(tmp_path / "keys.toml"), "setup", "keys", "--write"]) == 0

    assert link.is_symlink()
    assert "[profile keys-via-rolechain]" in real.read_text()
    assert real.stat().st_mode & 0o777 == 0o600


def test_parallel_writes_each_add_their_section(config: Path, tmp_path: Path) -> None:
    """Issue 19 item 11: eight parallel ``setup --write`` runs, eight sections; every byte that
    was there stays (they take turns under the edit lock, each re-reading the file)."""
    names = [f"p{n}" for n in range(8)]
    toml = tmp_path / "many.toml"
    toml.write_text(
        "".join(
            f'[profiles.{name}]\naws_access_key_id = "AKIA{name.upper()}"\n'
            'aws_secret_access_key = "s"\n'
            for name in names
        )
    )
    argv = [sys.executable, "-m", "resolver", "--config", str(toml), "setup"]
    runs = [
        subprocess.Popen([*argv, name, "--write"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name in names
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    text = config.read_text()
    assert text.startswith(EXISTING + "\n\n")
    added = text[len(EXISTING) + 2 :]
    block = re.compile(
        r"\[profile (\w+)-via-rolechain\]\ncredential_process = [^\n]* export \1 "
        r"--format credential-process\n"
    )
    matches = [block.fullmatch(part + "\n") for part in added.rstrip("\n").split("\n\n")]
    assert sorted(m.group(1) for m in matches if m) == names  # eight whole sections, nothing else
    assert len(list(config.parent.glob("config.rolechain-*.bak"))) == 8
    assert [p.name for p in config.parent.iterdir() if "lock" in p.name] == []
