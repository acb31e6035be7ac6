"""``rolechain convert [FILE ...]``: every key kept, secrets only when asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver.cli.main import main
from resolver.config.sources.files import read_text
from resolver.config.sources.ini import parse_ini, raw_config
from tests.conftest import IsolatedEnv

SECRET = "wJalrXUtnFEMI/K7MDENG/CONVERTSECRETKEY"
CONFIG = """\
[default]
region = eu-west-1
output = json
cli_pager =
retry_mode = standard

[profile dev]
source_profile = keys
role_arn = arn:aws:iam::123456789012:role/dev
output = table
s3 =
  max_concurrent_requests = 20
  addressing_style = path
"""
CREDENTIALS = f"""\
[keys]
aws_access_key_id = AKIACONVERT
aws_secret_access_key = {SECRET}
"""


def ini_values(path: Path) -> dict[str, dict[str, object]]:
    kind = "credentials" if path.name == "credentials" else "config"
    document = parse_ini(read_text(path) or "", path=str(path), kind=kind)
    raw = raw_config([document], [])
    return {name: raw.profiles[name].plain() for name in raw.profiles}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "in").mkdir()
    config, credentials = tmp_path / "in" / "config", tmp_path / "in" / "credentials"
    config.write_text(CONFIG)
    credentials.write_text(CREDENTIALS)
    return config, credentials


def convert(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    assert main(["convert", *argv]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_round_trip_through_toml_keeps_every_key(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    isolated_env: IsolatedEnv,
) -> None:  # fmt: skip
    config, credentials = files
    toml_text, _ = convert(
        capsys, "--to", "toml", "--include-secrets", str(config), str(credentials)
    )
    toml_file = tmp_path / "converted.toml"
    toml_file.write_text(toml_text)
    # The configured AWS files hold the same names: only the given file is read.
    isolated_env.aws_config_file.parent.mkdir(parents=True)
    isolated_env.aws_config_file.write_text(CONFIG)

    ini_text, _ = convert(capsys, "--to", "ini", "--include-secrets", str(toml_file))
    back = tmp_path / "back"
    back.write_text(ini_text)

    original = ini_values(config)
    original["keys"] = ini_values(credentials)["keys"]
    assert ini_values(back) == original


def test_secrets_are_left_out_where_the_output_says(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    for target in ("toml", "ini"):
        out, err = convert(capsys, "--to", target, *map(str, files))

        assert SECRET not in out and SECRET not in err
        assert "# aws_secret_access_key: left out (a secret)" in out
        assert "AKIACONVERT" in out
        assert "profile keys: aws_secret_access_key" in err


def test_keys_rolechain_does_not_own_pass_through_to_toml(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out, _ = convert(capsys, "--to", "toml", str(files[0]))

    assert "[profiles.dev.aws]" in out
    assert 'output = "table"' in out
    assert 's3 = { max_concurrent_requests = "20", addressing_style = "path" }' in out
    assert 'retry_mode = "standard"' in out and 'cli_pager = ""' in out
    toml_file = tmp_path / "c.toml"
    toml_file.write_text(out)
    assert main(["--config", str(toml_file), "validate", "dev"]) in (0, 1)  # it loads
