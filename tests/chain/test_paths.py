"""Which chains resolve relative to the working directory (the in-process cache keys the
directory only for those, so a warm ``resolve()`` never pays for ``getcwd``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from resolver.chain.paths import depends_on_working_directory, is_relative_program
from resolver.chain.types import Chain, Hop, ProcessSource, StaticSource, WebIdentitySource
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer
from tests.test_e2e_chain import sts, use_config

__all__ = ["sts"]
ROLE = "arn:aws:iam::123456789012:role/r"


@pytest.mark.parametrize(
    ("command", "relative"),
    [
        ("./bin/creds --x", True),
        ("bin/creds", True),
        ("'./my creds' a", True),
        ("/usr/bin/creds", False),
        ("~/bin/creds", True),  # run without a shell, as botocore does: ./~/bin/creds
        ("creds --profile p", False),  # a bare name is looked up on PATH
        ("", False),
    ],
)
def test_relative_programs(command: str, relative: bool) -> None:
    assert is_relative_program(command) is relative


def chain_of(source: object, mfa_process: str | None = None) -> Chain:
    hop = Hop(profile="r", role_arn=ROLE, mfa_process=mfa_process)
    return Chain(profile="r", source=source, hops=(hop,))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("chain", "paths", "depends"),
    [
        (chain_of(StaticSource("s", "AKID", "secret")), (), False),
        (chain_of(StaticSource("s", "AKID", "secret")), ("/etc/aws/config", None), False),
        (chain_of(StaticSource("s", "AKID", "secret")), ("profiles.toml",), True),
        (chain_of(StaticSource("s", "AKID", "secret")), ("~/x.toml",), False),
        (chain_of(WebIdentitySource("w", ROLE, "token")), (), True),
        (chain_of(WebIdentitySource("w", ROLE, "/var/run/token")), (), False),
        (chain_of(ProcessSource("p", "./creds")), (), True),
        (chain_of(ProcessSource("p", "creds")), (), False),
        (chain_of(StaticSource("s", "AKID", "secret"), mfa_process="bin/otp"), (), True),
    ],
    ids=[
        "static", "absolute-files", "relative-config", "home-config", "relative-token",
        "absolute-token", "relative-process", "process-on-path", "relative-mfa-process",
    ],
)  # fmt: skip
def test_chains_that_depend_on_the_working_directory(
    chain: Chain, paths: tuple[str | None, ...], depends: bool
) -> None:
    assert depends_on_working_directory(chain, paths, "/usr/bin:/bin") is depends


def test_a_relative_entry_on_path_makes_every_command_depend() -> None:
    chain = chain_of(ProcessSource("p", "creds"))
    assert depends_on_working_directory(chain, (), f"/usr/bin{os.pathsep}bin")
    assert depends_on_working_directory(chain, (), f"/usr/bin{os.pathsep}")  # "" is the cwd
    assert not depends_on_working_directory(chain, (), f"/usr/bin{os.pathsep}/bin")
    assert not depends_on_working_directory(chain, (), "")  # unset: the absolute default


WEB_IDENTITY = """\
[profile wi]
role_arn = arn:aws:iam::123456789012:role/wi
web_identity_token_file = token
role_session_name = wi-session
"""


def test_resolve_in_another_directory_reads_that_directorys_token(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import resolver

    use_config(isolated_env, WEB_IDENTITY)
    monkeypatch.setenv("ROLECHAIN_NO_CACHE", "1")  # only the in-process cache is at stake
    first, second = tmp_path / "job1", tmp_path / "job2"
    for job in (first, second):
        job.mkdir()
        (job / "token").write_text(f"eyJ.{job.name}.sig")
    monkeypatch.chdir(first)
    one = resolver.resolve("wi")
    assert resolver.resolve("wi") == one  # warm, same directory: no second call
    monkeypatch.chdir(second)
    two = resolver.resolve("wi")
    tokens = [call.params["WebIdentityToken"] for call in sts.sts_calls()]
    assert tokens == ["eyJ.job1.sig", "eyJ.job2.sig"]
    assert two.access_key_id != one.access_key_id


def test_a_warm_resolve_of_an_absolute_chain_never_asks_for_the_directory(
    isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    import resolver
    from resolver import api

    api.clear()
    use_config(
        isolated_env, "[profile s]\naws_access_key_id = AKIDABS\naws_secret_access_key = x\n"
    )
    asked: list[int] = []
    real = api.current_directory
    monkeypatch.setattr(api, "current_directory", lambda: asked.append(1) or real())
    assert resolver.resolve("s").access_key_id == "AKIDABS"
    assert resolver.resolve("s").access_key_id == "AKIDABS"
    assert asked == []
