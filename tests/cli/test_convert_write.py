"""``convert --to toml --write [PROFILE ...]``: the profiles move into the TOML file
rolechain reads and out of the AWS files (every other byte kept), long-term keys into the
OS keyring, so that the result validates and resolves."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver.cli.main import main
from resolver.config.sources.ini import parse_ini, raw_config
from resolver.config.sources.ini_write import without_profiles
from tests.cache.test_parallel_processes import cli_env, run_cli
from tests.conftest import IsolatedEnv
from tests.keyring_backend import entry, file_keyring
from tests.moto_support import REGION, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

__all__ = ["file_keyring"]

ROLE = "arn:aws:iam::123456789012:role/dev"
CONFIG = (
    "# my AWS config\r\n[default]\r\nregion = eu-west-1\r\n\r\n"
    "[profile dev]\r\nsource_profile = keys\r\n"
    f"role_arn = {ROLE}\r\nrole_session_name = dev\r\n"
    "; introduces other\r\n[profile other]\r\nregion = us-east-1"  # no trailing newline
)
CREDENTIALS = (
    "[keys]\n"
    f"aws_access_key_id = {TEST_ACCESS_KEY_ID}\n"
    f"aws_secret_access_key = {TEST_SECRET_ACCESS_KEY}\n"
    f"region = {REGION}\n"
    "[temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = temp-secret\n"
    "aws_session_token = temp-token\n"
)


def write_files(env: IsolatedEnv, toml: str = "") -> None:
    env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    env.aws_config_file.write_bytes(CONFIG.encode())
    env.aws_shared_credentials_file.write_bytes(CREDENTIALS.encode())
    env.rolechain_config.parent.mkdir(parents=True, exist_ok=True)
    env.rolechain_config.write_text(toml)


def convert(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["convert", "--to", "toml", *argv])
    captured = capsys.readouterr()
    assert TEST_SECRET_ACCESS_KEY not in captured.out + captured.err
    return status, captured.out, captured.err


def test_write_moves_the_profiles_so_nothing_is_defined_twice(
    file_keyring: Path, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(isolated_env)
    status, out, _ = convert(capsys, "--write", "dev", "keys")
    assert status == 0, out
    assert f"moved to {isolated_env.rolechain_config}: dev, keys" in out
    assert entry(file_keyring, "keys") == {
        "Version": 1,
        "AccessKeyId": TEST_ACCESS_KEY_ID,
        "SecretAccessKey": TEST_SECRET_ACCESS_KEY,
    }
    toml = isolated_env.rolechain_config.read_text()
    assert '[profiles.keys]\nregion = "us-east-1"\ncredential_store = "keyring"\n' in toml
    assert TEST_ACCESS_KEY_ID not in toml and "[profiles.dev]" in toml
    # only the moved sections left the AWS files; CRLF, comments, the missing newline stay
    assert isolated_env.aws_config_file.read_bytes() == (
        b"# my AWS config\r\n[default]\r\nregion = eu-west-1\r\n\r\n"
        b"; introduces other\r\n[profile other]\r\nregion = us-east-1"
    )
    assert (
        isolated_env.aws_shared_credentials_file.read_text()
        == CREDENTIALS[CREDENTIALS.index("[temp]") :]
    )
    [backup] = isolated_env.aws_shared_credentials_file.parent.glob("credentials.bak.*")
    assert TEST_SECRET_ACCESS_KEY not in backup.read_text()  # the keyring holds the only copy
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert "defined in both" not in captured.out + captured.err


def test_write_then_export_resolves_the_chain_and_the_keys_against_moto(
    moto: MotoServer, file_keyring: Path, isolated_env: IsolatedEnv
) -> None:
    write_files(isolated_env)
    env = cli_env(moto, isolated_env)
    moved = run_cli(("convert", "--to", "toml", "--write"), env)
    assert moved.returncode == 0, moved.stderr
    assert "not moved: temp: its secret (aws_secret_access_key, aws_session_token)" in moved.stdout
    for argv in (("validate",), ("export", "dev", "--format", "json")):
        result = run_cli(argv, env)
        assert result.returncode == 0, result.stderr
        assert "defined in both" not in result.stdout + result.stderr
    [call] = moto.sts_calls()
    assert call.action == "AssumeRole" and call.params["RoleArn"] == ROLE
    assert call.access_key_id == TEST_ACCESS_KEY_ID  # the converted static profile's keys
    keys = run_cli(("export", "keys", "--format", "json"), env)
    assert keys.returncode == 0, keys.stderr
    assert json.loads(keys.stdout)["AWS_ACCESS_KEY_ID"] == TEST_ACCESS_KEY_ID


def test_a_profile_already_in_the_toml_file_is_refused_and_nothing_written(
    file_keyring: Path, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = 'version = 1\n\n[profiles.dev]\nregion = "eu-west-2"\n'
    write_files(isolated_env, toml)
    status, _, err = convert(capsys, "--write", "dev", "keys")
    assert status == 2 and "already in" in err and "dev" in err
    assert isolated_env.rolechain_config.read_text() == toml
    assert isolated_env.aws_config_file.read_bytes() == CONFIG.encode()
    assert entry(file_keyring, "keys") is None


def test_without_a_usable_keyring_static_keys_stay_with_the_next_step(
    file_keyring: Path, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    (file_keyring / "locked").write_text("")
    write_files(isolated_env, "version = 1\n")
    status, out, _ = convert(capsys, "--write", "dev", "keys")
    assert status == 0
    assert "not moved: keys: its keys need the OS keyring" in out
    assert "`rolechain keys import keys --remove-plaintext`" in out
    assert isolated_env.aws_shared_credentials_file.read_text() == CREDENTIALS
    assert isolated_env.rolechain_config.read_text().startswith("version = 1\n\n[profiles.dev]")
    assert main(["validate"]) == 0


def test_profile_selection_on_stdout_writes_only_those(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    write_files(isolated_env)
    status, out, _ = convert(capsys, "dev")
    assert status == 0
    assert "[profiles.dev]" in out and "[profiles.other]" not in out
    assert "[profiles.keys]" not in out
    status, _, err = convert(capsys, "nosuch")
    assert status == 2 and "profile nosuch" in err


def test_help_names_the_file_rolechain_reads(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["convert", "--help"])
    text = capsys.readouterr().out
    assert "profiles.toml" in text and "config.toml" not in text
    assert "--write" in text


def test_incomplete_static_keys_point_at_the_keyring(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated_env.rolechain_config.write_text(
        'version = 1\n[profiles.k]\naws_access_key_id = "AKIAONLY00000000"\n'
    )
    assert main(["export", "k"]) == 2
    err = capsys.readouterr().err
    assert "incomplete static credentials" in err
    assert "`rolechain keys add k`" in err and "credential_store = keyring" in err


# Generated files: only the moved sections change.

NAMES = st.sampled_from(["a", "b", "dev", "default", "x.y"])
COMMENT = st.sampled_from(["# note", "; other", "#", "# [profile a]"])
PROPERTY = st.sampled_from(["region = eu-west-1", "output=json", "s3 =\n  addressing = path"])
LINE = st.one_of(COMMENT, PROPERTY, st.just(""))
HEADER = st.one_of(
    NAMES.map(lambda n: f"[profile {n}]"),
    st.just("[default]"),
    NAMES.map(lambda n: f"[sso-session {n}]"),
    NAMES.map(lambda n: f"[profile {n}]   # trailing"),
)
SECTION = st.tuples(HEADER, st.lists(LINE, max_size=4))


def profiles_of(text: str) -> dict[str, dict[str, object]]:
    document = parse_ini(text, path="config", kind="config")
    raw = raw_config([document], [])
    out = {f"p:{n}": raw.profiles[n].plain() for n in raw.profiles}
    return out | {f"s:{n}": raw.sso_sessions[n].plain() for n in raw.sso_sessions}


@settings(max_examples=300, deadline=None)
@given(
    preamble=st.lists(COMMENT, max_size=2),
    sections=st.lists(SECTION, max_size=6),
    moved=st.sets(NAMES),
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
)
def test_only_the_moved_sections_change(
    preamble: list[str],
    sections: list[tuple[str, list[str]]],
    moved: set[str],
    newline: str,
    final_newline: bool,
) -> None:
    items = [(None, line) for line in preamble]
    for header, body in sections:
        name = _moved_name(header)
        items += [(name, header)] + [(name, line) for line in body]
    lines = [(name, part) for name, item in items for part in item.split("\n")]
    if lines and lines[-1][1] == "" and not final_newline:  # no line: the text ends before
        lines.pop()
        final_newline = True
    ends = [newline] * len(lines)
    if lines and not final_newline:
        ends[-1] = ""
    text = "".join(line + end for (_, line), end in zip(lines, ends, strict=True))
    removed = _removed(lines, moved)
    expected = "".join(
        line + end
        for i, ((_, line), end) in enumerate(zip(lines, ends, strict=True))
        if i not in removed
    )

    result = without_profiles(text, "config", moved)

    assert result == expected
    before, after = profiles_of(text), profiles_of(result)
    assert after == {
        key: values
        for key, values in before.items()
        if not (key.startswith("p:") and key[2:] in moved)
    }


def _moved_name(header: str) -> str | None:
    """The profile a generated header opens (None: an sso-session)."""
    if header.startswith("[profile "):
        return header[len("[profile ") : header.index("]")]
    return "default" if header == "[default]" else None


def _removed(lines: list[tuple[str | None, str]], moved: set[str]) -> set[int]:
    """The lines of moved sections, but the comment lines that end each."""
    removed: set[int] = set()
    starts = [i for i, (_, line) in enumerate(lines) if line.startswith("[")] + [len(lines)]
    for start, end in itertools.pairwise(starts):
        if lines[start][0] not in moved:
            continue
        while end > start + 1 and lines[end - 1][1][:1] in ("#", ";"):
            end -= 1
        removed.update(range(start, end))
    return removed
