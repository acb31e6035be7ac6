"""Per-run overrides end to end: what STS receives (moto recorder), the checks before any
call, explain's marks, and the cache and ready answers kept apart from plain runs."""

from __future__ import annotations

import os
import sys

import pytest

from resolver.cli.main import main
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer
from tests.test_e2e_chain import THREE_HOPS, run_rolechain, sts, use_config

__all__ = ["sts"]


def test_flags_reach_the_final_hop_and_env_tags_too(
    sts: MotoServer, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    use_config(isolated_env, THREE_HOPS)
    argv = ["export", "admin", "--tag", "ChangeTicket=CHG-7", "--transitive-tag", "ChangeTicket",
            "--duration", "30m"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    ops, deploy, admin = (c for c in sts.sts_calls() if c.action == "AssumeRole")
    assert "ChangeTicket" not in ops.tags and "ChangeTicket" not in deploy.tags
    assert admin.tags == {"env": "prod", "ChangeTicket": "CHG-7"}
    assert admin.transitive_tag_keys == ["ChangeTicket"]
    assert admin.params["DurationSeconds"] == "1800"


def test_hop_and_environment_choose_and_fill_another_hop(
    sts: MotoServer, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_config(isolated_env, THREE_HOPS.replace("source_identity = alice\n", ""))
    monkeypatch.setenv("ROLECHAIN_SESSION_TAGS", "ticket=CHG-9")
    monkeypatch.setenv("ROLECHAIN_SOURCE_IDENTITY", "carol")
    assert main(["export", "admin", "--hop", "deploy"]) == 0
    ops, deploy, admin = (c for c in sts.sts_calls() if c.action == "AssumeRole")
    assert deploy.tags == {"ticket": "CHG-9"} and deploy.params["SourceIdentity"] == "carol"
    assert "ticket" not in admin.tags and "SourceIdentity" not in ops.params


def test_an_override_over_a_limit_fails_before_any_call(
    sts: MotoServer, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    use_config(isolated_env, THREE_HOPS)
    for flags, fragment in (
        (["--duration", "2h"], "3600-second limit"),
        (["--tag", "bad*key=v"], "bad*key"),
        (["--hop", "deploy", "--tag", "team=other"], "transitive"),
    ):
        assert main(["export", "admin", *flags]) == 2
        err = capsys.readouterr().err
        assert fragment in err and "command line" in err, err
    assert sts.sts_calls() == []


def test_explain_shows_the_overrides_marked(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    use_config(isolated_env, THREE_HOPS)
    assert main(["explain", "admin", "--tag", "ticket=1", "--duration", "20m"]) == 0
    out = capsys.readouterr().out
    assert (
        "tags: env=prod, ticket=1 (override)" in out
        and "duration: 20m, chained: at most 1h (override)" in out
    )
    assert out.count("(override)") == 2


def test_mfa_token_answers_the_prompt_once(
    sts: MotoServer, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    config = THREE_HOPS.replace("mfa_process =", "# mfa_process =")
    use_config(isolated_env, config)
    assert main(["export", "ops", "--mfa-token", "654321"]) == 0, capsys.readouterr().err
    (ops,) = sts.sts_calls()
    assert ops.params["TokenCode"] == "654321"
    assert main(["export", "ops", "--mfa-token", "12345"]) == 1
    err = capsys.readouterr().err
    assert "6 digits" in err and "12345" not in err


def test_overridden_runs_never_share_entries_or_answers_with_plain_ones(
    sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    use_config(isolated_env, THREE_HOPS)
    env = dict(os.environ)
    plain = run_rolechain("export", "admin", "--format", "json", env=env)
    assert plain.returncode == 0, plain.stderr
    assert len(sts.sts_calls()) == 3
    tagged_argv = ("export", "admin", "--format", "json", "--tag", "ticket=1")
    tagged = run_rolechain(*tagged_argv, env=env)
    assert tagged.returncode == 0 and tagged.stdout != plain.stdout
    calls = sts.sts_calls()
    assert len(calls) == 4 and calls[3].tags == {"env": "prod", "ticket": "1"}  # 2 hops cached
    assert run_rolechain(*tagged_argv, env=env).stdout == tagged.stdout  # its own answer
    assert run_rolechain("export", "admin", "--format", "json", env=env).stdout == plain.stdout
    retagged = run_rolechain("export", "admin", "--format", "json", "--tag", "ticket=2", env=env)
    assert retagged.stdout not in (plain.stdout, tagged.stdout)
    assert len(sts.sts_calls()) == 5


@pytest.mark.parametrize(
    "argv",
    [
        ["exec", "--tag", "ChangeTicket=CHG-8", "admin", "--"],  # flags first
        ["exec", "admin", "--tag", "ChangeTicket=CHG-8", "--"],  # flags after the profile
        ["exec", "--server", "admin", "--tag", "ChangeTicket=CHG-8", "--"],  # and the server
    ],
    ids=["flags-first", "flags-after-profile", "server"],
)
def test_exec_takes_overrides_before_or_after_the_profile(
    sts: MotoServer, isolated_env: IsolatedEnv, argv: list[str]
) -> None:
    use_config(isolated_env, THREE_HOPS)
    code = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
    env = {**os.environ, "AWS_REGION": "us-east-1"}
    result = run_rolechain(*argv, sys.executable, "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    admin = [c for c in sts.sts_calls() if c.action == "AssumeRole"][-1]
    assert admin.tags == {"env": "prod", "ChangeTicket": "CHG-8"}
    assert ":assumed-role/" in result.stdout
