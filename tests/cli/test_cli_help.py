"""What the CLI tells a new user: --version, each command's --help, explain --json."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import resolver
from resolver.cli.fastpath import EXPORT_FORMATS
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


def every_parser(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("rolechain",)
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The parser and each of its subcommands' parsers, named by the words that run them."""
    yield " ".join(path), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from every_parser(sub, (*path, name))


def test_every_command_and_subcommand_has_a_description_and_an_example() -> None:
    found = dict(every_parser(build_parser()))
    assert {"rolechain keys rotate", "rolechain cache clear", "rolechain sso login"} <= set(found)
    for path, parser in found.items():
        assert parser.description and parser.description.strip(), path
        epilog = parser.epilog or ""
        heading = re.search(r"^examples?:\n", epilog, re.M)
        assert heading, path
        examples = epilog[heading.end() :].splitlines()
        assert any(line.startswith("  ") and path in line for line in examples), path
        text = f"{parser.description}\n{epilog}"
        assert max(map(len, text.splitlines())) <= 90, path  # laid out as written


def test_export_help_lists_every_format() -> None:
    (export,) = (p for path, p in every_parser(build_parser()) if path == "rolechain export")
    listed = re.findall(r"^  (\S+)  ", export.format_help(), re.M)
    assert [name for name in listed if name in EXPORT_FORMATS] == list(EXPORT_FORMATS)


def test_no_command_prints_the_command_list_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from resolver.cli import run

    assert run([]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    commands = {path.split()[1] for path, _ in every_parser(build_parser()) if " " in path}
    for command in commands:
        assert re.search(rf"^    {command}\s", captured.out, re.M), command
    assert "rolechain COMMAND --help" in captured.out
