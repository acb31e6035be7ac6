"""The ready answer re-checks what the chain's base depends on (``resolver.cache.keys``):
a web identity token rewritten at the same path, a credential_process program that
``PATH`` now finds elsewhere, or a cache directory that others could write all send
``export`` back to STS, end to end against moto."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import given

from resolver.cache.answers import Answer
from resolver.cache.stamps import file_digest
from resolver.chain.types import (
    ContainerSource,
    InstanceMetadataSource,
    ProcessSource,
    StaticSource,
    WebIdentitySource,
)
from tests.cache.test_parallel_processes import PROD, cli_env, run_cli, write_ini
from tests.conftest import IsolatedEnv
from tests.hostile import fuzz_settings, hostile_text
from tests.moto_support import MotoServer

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX modes and scripts")

EXPORT = ("export", "prod", "--format", "credential-process")
WI_ROLE = "arn:aws:iam::123456789012:role/wi"


def answers(paths: IsolatedEnv) -> list[Path]:
    return sorted(paths.rolechain_cache_dir.glob("*.answer"))


def actions(moto: MotoServer) -> list[str]:
    return [call.action for call in moto.sts_calls()]


def test_a_token_rewritten_at_the_same_path_is_not_answered_with_the_old_session(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJub25lIn0.job-one.sig\n")
    write_ini(
        isolated_env,
        f"[profile wi]\nrole_arn = {WI_ROLE}\nweb_identity_token_file = {token}\n"
        f"role_session_name = wi\n\n[profile prod]\nsource_profile = wi\nrole_arn = {PROD}\n",
    )
    env = cli_env(moto, isolated_env)
    first = run_cli(EXPORT, env)
    assert first.returncode == 0, first.stderr
    assert len(answers(isolated_env)) == 1
    assert actions(moto) == ["AssumeRoleWithWebIdentity", "AssumeRole"]
    assert run_cli(EXPORT, env).stdout == first.stdout  # warm, same token: no STS call
    assert len(actions(moto)) == 2
    token.write_text("eyJhbGciOiJub25lIn0.job-two.sig\n")  # another CI job's token, same size
    second = run_cli(EXPORT, env)
    assert second.returncode == 0, second.stderr
    assert actions(moto)[2:] == ["AssumeRoleWithWebIdentity", "AssumeRole"]
    assert json.loads(second.stdout)["AccessKeyId"] != json.loads(first.stdout)["AccessKeyId"]
    assert run_cli(EXPORT, env).stdout == second.stdout  # and the new answer serves it
    assert len(actions(moto)) == 4


def test_a_cache_directory_others_could_write_serves_nothing(
    moto: MotoServer, isolated_env: IsolatedEnv
) -> None:
    write_ini(isolated_env)
    env = cli_env(moto, isolated_env)
    first = run_cli(EXPORT, env)
    assert first.returncode == 0, first.stderr
    assert len(actions(moto)) == 2 and answers(isolated_env)
    isolated_env.rolechain_cache_dir.chmod(0o777)
    second = run_cli(EXPORT, env)
    assert second.returncode == 0, second.stderr
    assert "not private" in second.stderr or "writable by others" in second.stderr
    assert actions(moto)[2:] == ["AssumeRole", "AssumeRole"]  # nothing served from it
    assert json.loads(second.stdout)["AccessKeyId"] != json.loads(first.stdout)["AccessKeyId"]
    assert stat.S_IMODE(isolated_env.rolechain_cache_dir.stat().st_mode) == 0o700


def write_program(directory: Path, key_id: str) -> None:
    """A ``creds`` credential_process in ``directory`` printing static keys ``key_id``."""
    directory.mkdir()
    program = directory / "creds"
    document = {"Version": 1, "AccessKeyId": key_id, "SecretAccessKey": "secret-" + key_id}
    program.write_text(f"#!{sys.executable}\nprint({json.dumps(json.dumps(document))})\n")
    program.chmod(0o755)


def test_a_program_path_finds_elsewhere_is_not_answered_with_the_old_session(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    write_program(tmp_path / "one", "AKIAPROGRAMONE000000")
    write_program(tmp_path / "two", "AKIAPROGRAMTWO000000")
    write_ini(
        isolated_env,
        "[profile proc]\ncredential_process = creds --quiet\n\n"
        f"[profile prod]\nsource_profile = proc\nrole_arn = {PROD}\n",
    )
    env = cli_env(moto, isolated_env)
    path = os.environ.get("PATH", "/usr/bin:/bin")
    first = run_cli(EXPORT, {**env, "PATH": f"{tmp_path / 'one'}{os.pathsep}{path}"})
    assert first.returncode == 0, first.stderr
    assert [c.access_key_id for c in moto.sts_calls()] == ["AKIAPROGRAMONE000000"]
    assert len(answers(isolated_env)) == 1
    second = run_cli(EXPORT, {**env, "PATH": f"{tmp_path / 'two'}{os.pathsep}{path}"})
    assert second.returncode == 0, second.stderr
    signed_by = [c.access_key_id for c in moto.sts_calls()]
    assert signed_by == ["AKIAPROGRAMONE000000", "AKIAPROGRAMTWO000000"]
    assert json.loads(second.stdout)["AccessKeyId"] != json.loads(first.stdout)["AccessKeyId"]


def test_bases_named_by_fetched_credentials_have_no_stamp(tmp_path: Path) -> None:
    from tests.stepkeys import dependency_names, dependency_stamp

    environ = {"PATH": "/usr/bin:/bin"}
    for source in (ContainerSource("c"), InstanceMetadataSource("i")):
        assert dependency_names(source, environ, tmp_path) is None
        assert dependency_stamp(source, environ, tmp_path) is None
    assert dependency_stamp(StaticSource("s", "AKID", "x"), environ, tmp_path) == ()
    token = tmp_path / "token"
    token.write_text("a")
    [(kind, name, first)] = dependency_stamp(
        WebIdentitySource("w", WI_ROLE, str(token)), environ, tmp_path
    ) or [("", "", "")]
    token.write_text("b")
    assert (kind, name) == ("file", str(token))
    assert dependency_stamp(WebIdentitySource("w", WI_ROLE, str(token)), environ, tmp_path) != (
        (kind, name, first),
    )
    assert dependency_stamp(ProcessSource("p", "/usr/bin/env x"), environ, tmp_path) == ()


@fuzz_settings()
@given(name=hostile_text, value=hostile_text, other=hostile_text)
def test_dependencies_round_trip_or_are_refused_and_any_change_is_seen(
    name: str, value: str, other: str
) -> None:
    answer = Answer("request", ["p"], 2e9, 2e9, (), {"env": "x"}, [("file", name, value)])
    try:
        data = answer.encode()
    except ValueError:  # a line break or NUL: no answer is written
        assert any(c in name + value for c in "\n\r\0")
        return
    decoded = Answer.decode(data)
    assert decoded.depends == (("file", name, value),)
    # the value a file dependency can have now is a digest or a word: never ``value``
    # unless they are equal, so an answer is served only while the file is unchanged
    assert decoded.servable("request", 0.0, {}) is (file_digest(name) == value)
    changed = Answer("request", ["p"], 2e9, 2e9, (), {}, [("file", name, other)])
    if other != value and not any(c in other for c in "\n\r\0"):
        assert Answer.decode(changed.encode()).depends != decoded.depends
