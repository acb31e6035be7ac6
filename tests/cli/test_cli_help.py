"""What the CLI tells a new user: --version, each command's --help, explain --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import resolver
from resolver.cli.main import build_parser, main
from tests.conftest import IsolatedEnv

COMMANDS = (
    "profiles", "explain", "validate", "convert", "schema", "export", "exec", "setup",
    "demo", "cache", "console",
)  # fmt: skip


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"rolechain {resolver.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = capsys.readouterr().out

    assert "example" in text
    example = text.split("example", 1)[1]
    assert f"rolechain {command}" in example
    assert "\n  " in example  # the example keeps its own layout


def test_explain_json_shows_the_sts_target_and_helper_programs_only(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True)
    isolated_env.aws_config_file.write_text(
        "[profile base]\ncredential_process = /opt/bin/creds --password hunter2\n"
        "[profile role]\nsource_profile = base\nrole_arn = arn:aws:iam::123456789012:role/r\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/u\n"
        "mfa_process = /usr/bin/ykman oath accounts code --password s3cr3t\n"
        "region = eu-west-1\n"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5999")

    assert main(["explain", "role", "--json"]) == 0
    out = capsys.readouterr().out
    plan = json.loads(out)

    assert plan["sts"]["region"] == "eu-west-1"
    assert plan["sts"]["endpoint_url"] == "http://127.0.0.1:5999"
    assert plan["hops"][0]["mfa_process"] == "/usr/bin/ykman"
    assert plan["source"]["command"] == "/opt/bin/creds"
    assert "s3cr3t" not in out and "hunter2" not in out

    assert main(["explain", "role"]) == 0
    human = capsys.readouterr().out
    assert "/usr/bin/ykman" in human
    assert "s3cr3t" not in human and "hunter2" not in human


def test_explain_json_names_the_regional_endpoint(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    isolated_env.aws_config_file.parent.mkdir(parents=True)
    isolated_env.aws_config_file.write_text(
        "[profile k]\naws_access_key_id = AKIAK\naws_secret_access_key = s\nregion = us-west-2\n"
    )
    assert main(["explain", "k", "--json"]) == 0
    sts = json.loads(capsys.readouterr().out)["sts"]
    assert (sts["region"], sts["endpoint_url"]) == (
        "us-west-2",
        "https://sts.us-west-2.amazonaws.com",
    )
