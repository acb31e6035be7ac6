"""End to end against a real local STS (moto_server): what each hop sent, and who signed it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import resolver
from resolver.chain.planner import plan_chain
from resolver.config.loading import load_profiles
from resolver.errors import StsError
from resolver.providers.executor import Step, build_provider, memory_cache
from resolver.providers.sts.factory import StsTarget, make_sts_client
from resolver.stscreds.credentials import Credentials, CredentialsProvider
from tests.conftest import IsolatedEnv
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

ACCOUNT = "123456789012"
VIEW_ONLY = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
BASE = (
    f"aws_access_key_id = {TEST_ACCESS_KEY_ID}\naws_secret_access_key = {TEST_SECRET_ACCESS_KEY}\n"
)
THREE_HOPS = f"""
[profile base]
{BASE}
[profile ops]
source_profile = base
role_arn = arn:aws:iam::{ACCOUNT}:role/ops
role_session_name = alice-ops
duration_seconds = 3600
source_identity = alice
session_tags =
  team = platform
  project = atlas
transitive_session_tags = team
mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/alice
mfa_process = {sys.executable} -c "print('123456')"

[profile deploy]
source_profile = ops
role_arn = arn:aws:iam::{ACCOUNT}:role/deploy
role_session_name = alice-deploy
external_id = ext-42
policy = {{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:*"}}]}}
policy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess,{VIEW_ONLY}

[profile admin]
source_profile = deploy
role_arn = arn:aws:iam::{ACCOUNT}:role/admin
role_session_name = alice-admin
session_tags = env=prod
duration_seconds = 900
"""


def use_config(env: IsolatedEnv, text: str) -> None:
    env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    env.aws_config_file.write_text(text)


@pytest.fixture
def sts(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    resolver_api_clear()
    return moto


def resolver_api_clear() -> None:
    from resolver.api import clear

    clear()


def caller_arn(moto: MotoServer, credentials: Credentials) -> str:
    client = make_sts_client(credentials, StsTarget("us-east-1", moto.url))
    return str(client.get_caller_identity()["Arn"])


def test_three_hops_send_their_own_options_signed_by_the_previous_hop(
    sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    use_config(isolated_env, THREE_HOPS)
    chain = plan_chain(load_profiles(None, os.environ), "admin")
    seen: list[Credentials] = []

    def recording(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
        cached = memory_cache(provider, step)

        class Recorder:
            name = cached.name

            def retrieve(self) -> Credentials:
                credentials = cached.retrieve()
                if credentials not in seen:
                    seen.append(credentials)
                return credentials

        return Recorder()

    final = build_provider(chain, wrap=recording).retrieve()
    calls = sts.sts_calls()
    assert [call.action for call in calls] == ["AssumeRole"] * 3
    ops, deploy, admin = (call.params for call in calls)
    assert ops["RoleArn"].endswith("role/ops") and ops["RoleSessionName"] == "alice-ops"
    assert ops["DurationSeconds"] == "3600" and ops["SourceIdentity"] == "alice"
    assert calls[0].tags == {"team": "platform", "project": "atlas"}
    assert calls[0].transitive_tag_keys == ["team"]
    assert ops["SerialNumber"].endswith("mfa/alice") and ops["TokenCode"] == "123456"
    assert "ExternalId" not in ops and "Policy" not in ops
    assert deploy["ExternalId"] == "ext-42" and json.loads(deploy["Policy"])["Version"]
    assert calls[1].policy_arns == [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        VIEW_ONLY,
    ]
    assert deploy["DurationSeconds"] == "900"  # the 15-minute default
    assert not calls[1].tags and "SerialNumber" not in deploy and "SourceIdentity" not in deploy
    assert calls[2].tags == {"env": "prod"} and admin["DurationSeconds"] == "900"
    # who signed: the base's keys, then each previous hop's session
    base, ops_creds, deploy_creds, admin_creds = seen
    assert base.access_key_id == TEST_ACCESS_KEY_ID
    assert [call.access_key_id for call in calls] == [
        TEST_ACCESS_KEY_ID,
        ops_creds.access_key_id,
        deploy_creds.access_key_id,
    ]
    assert calls[1].session_token == ops_creds.session_token
    assert final == admin_creds
    assert caller_arn(sts, final) == f"arn:aws:sts::{ACCOUNT}:assumed-role/admin/alice-admin"


def test_resolve_reuses_the_chain_and_returns_the_last_role(
    sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    use_config(isolated_env, THREE_HOPS)
    first = resolver.resolve("admin")
    assert resolver.resolve("admin") == first
    assert len(sts.sts_calls()) == 3
    assert first.source == "AssumeRoleProvider" and first.account_id == ACCOUNT
    assert first.expires is not None and first.can_expire
    assert caller_arn(sts, first).endswith(":assumed-role/admin/alice-admin")
    assert "session_token" not in repr(first) or first.session_token not in repr(first)


def test_web_identity_base_then_a_role(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ.sig")
    use_config(
        isolated_env,
        f"[profile pod]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/pod\n"
        f"web_identity_token_file = {token}\nrole_session_name = pod\n"
        "[profile deployer]\nsource_profile = pod\n"
        f"role_arn = arn:aws:iam::{ACCOUNT}:role/deployer\nrole_session_name = deployer\n",
    )
    credentials = resolver.resolve("deployer")
    web, hop = sts.sts_calls()
    assert web.action == "AssumeRoleWithWebIdentity" and web.access_key_id is None
    assert web.params["WebIdentityToken"] == token.read_text()
    assert "DurationSeconds" not in web.params
    assert hop.action == "AssumeRole" and hop.access_key_id not in (None, TEST_ACCESS_KEY_ID)
    assert caller_arn(sts, credentials).endswith(":assumed-role/deployer/deployer")


def test_credential_process_base(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    script = tmp_path / "creds.py"
    script.write_text(
        "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': 'AKIDPROCESS0000001',"
        " 'SecretAccessKey': 'process-secret'}))\n"
    )
    use_config(
        isolated_env,
        f"[profile proc]\ncredential_process = {sys.executable} {script}\n"
        f"[profile role]\nsource_profile = proc\nrole_arn = arn:aws:iam::{ACCOUNT}:role/r\n",
    )
    resolver.resolve("role")
    (call,) = sts.sts_calls()
    assert call.access_key_id == "AKIDPROCESS0000001"


def test_environment_base(
    sts: MotoServer, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRON0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    use_config(
        isolated_env,
        f"[profile r]\ncredential_source = Environment\nrole_arn = arn:aws:iam::{ACCOUNT}:role/r\n",
    )
    resolver.resolve("r")
    (call,) = sts.sts_calls()
    assert call.access_key_id == "AKIDFROMENVIRON0001"
    # no profile named and no AWS_PROFILE: environment keys win, no STS call
    assert resolver.resolve().access_key_id == "AKIDFROMENVIRON0001"
    assert len(sts.sts_calls()) == 1


def test_chain_from_toml_on_top_of_an_ini_profile(
    sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    use_config(isolated_env, f"[profile base]\n{BASE}")
    isolated_env.rolechain_config.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.rolechain_config.write_text(
        f'[profiles.ops]\nsource_profile = "base"\nrole_arn = "arn:aws:iam::{ACCOUNT}:role/ops"\n'
        'role_session_name = "toml-ops"\ntransitive_session_tags = ["team"]\n'
        '[profiles.ops.session_tags]\nteam = "platform"\n'
    )
    credentials = resolver.resolve("ops")
    (call,) = sts.sts_calls()
    assert call.tags == {"team": "platform"} and call.transitive_tag_keys == ["team"]
    assert call.access_key_id == TEST_ACCESS_KEY_ID
    assert caller_arn(sts, credentials).endswith(":assumed-role/ops/toml-ops")


def test_session_gives_a_refreshing_boto3_session(
    sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    use_config(
        isolated_env, THREE_HOPS.replace("[profile admin]", "[profile admin]\nregion = eu-west-1")
    )
    session = resolver.session("admin")
    assert session.region_name == "eu-west-1"
    identity = session.client("sts", endpoint_url=sts.url).get_caller_identity()
    assert identity["Arn"].endswith(":assumed-role/admin/alice-admin")
    frozen = session.get_credentials().get_frozen_credentials()
    assert frozen.access_key == resolver.resolve("admin").access_key_id


def test_no_region_anywhere_still_works(sts: MotoServer, isolated_env: IsolatedEnv) -> None:
    use_config(isolated_env, THREE_HOPS)
    assert "AWS_REGION" not in os.environ and "AWS_DEFAULT_REGION" not in os.environ
    resolver.resolve("ops")
    assert len(sts.sts_calls()) == 1


def test_dead_endpoint_gives_one_clean_error(
    isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolver.demo.localsts import free_port

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    use_config(isolated_env, THREE_HOPS)
    resolver_api_clear()
    with pytest.raises(StsError) as caught:
        resolver.resolve("ops")
    message = str(caught.value)
    assert "ops" in message and "role/ops" in message and "\n" not in message
    assert TEST_SECRET_ACCESS_KEY not in message


def test_static_limits_stop_the_cli_before_any_sts_call(
    sts: MotoServer, isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    from resolver.cli.main import main

    use_config(
        isolated_env,
        f"[profile base]\n{BASE}[profile bad]\nsource_profile = base\n"
        f"role_arn = arn:aws:iam::{ACCOUNT}:role/bad\nrole_session_name = x\n",
    )
    status = main(["export", "bad"])
    err = capsys.readouterr().err
    assert status == 2 and "role_session_name" in err  # caught before any STS call
    assert sts.sts_calls() == []


def run_rolechain(
    *argv: str, env: dict[str, str] | None = None, **kw: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "resolver", *argv],
        capture_output=True, text=True, env=env or dict(os.environ), timeout=120, **kw,
    )  # fmt: skip


def test_export_formats(sts: MotoServer, isolated_env: IsolatedEnv) -> None:
    use_config(
        isolated_env, THREE_HOPS.replace("[profile admin]", "[profile admin]\nregion = eu-west-1")
    )
    process = json.loads(run_rolechain("export", "admin", "--format", "credential-process").stdout)
    assert process["Version"] == 1 and process["AccessKeyId"].startswith("ASIA")
    assert process["Expiration"].endswith("Z") and process["SessionToken"]
    env_lines = run_rolechain("export", "admin", "--format", "env").stdout.splitlines()
    assert any(line.startswith("export AWS_SESSION_TOKEN=") for line in env_lines)
    assert "export AWS_REGION=eu-west-1" in env_lines
    as_json = json.loads(run_rolechain("export", "admin", "--format", "json").stdout)
    assert as_json["AWS_ACCESS_KEY_ID"].startswith("ASIA") and as_json["AWS_REGION"] == "eu-west-1"
    ini = run_rolechain("export", "admin", "--format", "ini").stdout
    assert ini.startswith("[admin]\naws_access_key_id = ASIA")


def test_exec_runs_the_command_with_credentials(sts: MotoServer, isolated_env: IsolatedEnv) -> None:
    use_config(isolated_env, THREE_HOPS)
    env = {**os.environ, "AWS_PROFILE": "something-else"}
    code = (
        "import os, sys; print(os.environ.get('AWS_PROFILE'));"
        "print(os.environ['AWS_ACCESS_KEY_ID']); sys.exit(7)"
    )
    result = run_rolechain("exec", "ops", "--", sys.executable, "-c", code, env=env)
    assert result.returncode == 7, result.stderr
    profile, key = result.stdout.split()
    assert profile == "None" and key.startswith("ASIA")


@pytest.mark.parametrize("before", [None, "0"])
def test_exec_no_cache_flag_does_not_reach_the_child(
    before: str | None, sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    use_config(isolated_env, THREE_HOPS)
    env = {**os.environ}
    if before is not None:
        env["ROLECHAIN_NO_CACHE"] = before
    code = "import os; print(os.environ.get('ROLECHAIN_NO_CACHE'))"
    result = run_rolechain("--no-cache", "exec", "ops", "--", sys.executable, "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(before)
    assert not isolated_env.rolechain_cache_dir.exists()  # and the flag did apply to us


def test_real_aws_cli_uses_rolechain_as_credential_process(
    sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    rolechain = Path(sys.executable).with_name("rolechain")
    aws = Path(sys.executable).with_name("aws")
    use_config(
        isolated_env,
        f"{THREE_HOPS}\n[profile via-rolechain]\n"
        f"credential_process = {rolechain} export admin --format credential-process\n",
    )
    result = subprocess.run(
        [str(aws), "sts", "get-caller-identity", "--profile", "via-rolechain",
         "--endpoint-url", sts.url, "--region", "us-east-1", "--output", "json"],
        capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].endswith(":assumed-role/admin/alice-admin")


def test_resolve_rereads_configuration_when_a_file_changes(
    sts: MotoServer, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolver import api

    monkeypatch.setattr(api, "RECHECK_SECONDS", 0.0)
    use_config(isolated_env, THREE_HOPS)
    first = resolver.resolve("deploy")
    assert caller_arn(sts, first).endswith(":assumed-role/deploy/alice-deploy")
    use_config(isolated_env, THREE_HOPS.replace("alice-deploy", "bob-deploy"))
    second = resolver.resolve("deploy")
    assert caller_arn(sts, second).endswith(":assumed-role/deploy/bob-deploy")


def test_exec_forwards_signals_and_returns_the_child_status(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    import signal
    import time

    use_config(isolated_env, THREE_HOPS)
    ready = tmp_path / "ready"
    child = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
        f"pathlib.Path({str(ready)!r}).write_text('up')\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "resolver", "exec", "ops", "--", sys.executable, "-c", child],
        env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 42


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a pseudo-terminal")
def test_exec_child_gets_one_ctrl_c_from_the_terminal(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    import pty
    import time

    use_config(isolated_env, THREE_HOPS)
    ready, counted = tmp_path / "ready", tmp_path / "count"
    child = (
        "import pathlib, signal, time\n"
        "hits = []\n"
        "signal.signal(signal.SIGINT, lambda *a: hits.append(1))\n"
        f"pathlib.Path({str(ready)!r}).write_text('up')\n"
        "deadline = time.monotonic() + 30\n"
        "while not hits and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "time.sleep(0.5)  # room for a second, forwarded SIGINT\n"
        f"pathlib.Path({str(counted)!r}).write_text(str(len(hits)))\n"
    )
    argv = [sys.executable, "-m", "resolver", "exec", "ops", "--", sys.executable, "-c", child]
    pid, terminal = pty.fork()  # rolechain in the foreground of its own terminal
    if pid == 0:
        try:
            os.execve(sys.executable, argv, dict(os.environ))
        finally:
            os._exit(127)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists()
        os.write(terminal, b"\x03")  # Ctrl-C: the terminal signals the foreground group
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(terminal)
    assert counted.read_text() == "1"
    assert os.waitstatus_to_exitcode(status) == 0


def test_demo_resolves_every_hop_against_its_own_local_sts() -> None:
    result = run_rolechain("demo")
    assert result.returncode == 0, result.stderr
    for arn in (
        "assumed-role/ops/demo-ops",
        "assumed-role/deploy/demo-deploy",
        "assumed-role/pod/demo-pod",
        "assumed-role/pod-admin/demo-pod-admin",
    ):
        assert f"arn:aws:sts::{ACCOUNT}:{arn}" in result.stdout
    assert "wJalrXUtnFEMI" not in result.stdout + result.stderr
    assert "local STS stopped" in result.stdout
    # What STS received for each hop, from its own record: the per-hop options were sent,
    # and each hop was signed with the key of the hop before it.
    out = result.stdout
    deploy = out.split("  demo-deploy ", 1)[1].split("\n\n", 1)[0]
    ops_key = out.split("  demo-ops ", 1)[1].split("(key ", 1)[1].split(")", 1)[0]
    assert "STS received AssumeRole signed with key AKIAIOSFODNN7EXAMPLE" in out
    assert f"STS received AssumeRole signed with key {ops_key}" in deploy
    for line in (
        "tags: team=platform, project=demo",
        "transitive keys: team",
        "source identity: demo-user",
        "external id: demo-external-id",
        f"mfa serial: arn:aws:iam::{ACCOUNT}:mfa/demo-user",
        "mfa code: sent (6 digits, not shown)",
    ):
        assert line in deploy
    assert "STS received AssumeRoleWithWebIdentity signed with key (unsigned)" in out
    assert "TokenCode" not in out and "123456\n" not in out  # the MFA code is never shown


def test_export_in_every_shell_format_sets_the_same_credentials_and_shell_state(
    sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    use_config(isolated_env, THREE_HOPS)
    as_json = json.loads(run_rolechain("export", "admin", "--format", "json").stdout)
    env_out = run_rolechain("export", "admin", "--format", "env").stdout
    env = {"PATH": os.environ["PATH"], "AWS_REGION": "stale", "AWS_PROFILE": "x"}
    shown = subprocess.run(
        ["sh", "-c", env_out + '\nprintf "%s|%s|%s|%s" "$AWS_ACCESS_KEY_ID" '
         '"${AWS_REGION-unset}" "$ROLECHAIN_PROFILE" "$ROLECHAIN_EXPIRES"'],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split("|")  # fmt: skip
    assert shown[:3] == [as_json["AWS_ACCESS_KEY_ID"], "unset", "admin"]
    assert shown[3] == as_json["AWS_CREDENTIAL_EXPIRATION"]
    for fmt in ("fish", "powershell", "cmd", "dotenv"):
        out = run_rolechain("export", "admin", "--format", fmt).stdout
        assert as_json["AWS_SECRET_ACCESS_KEY"] in out and "ROLECHAIN_PROFILE" in out, fmt
    if shutil.which("fish"):
        fish_out = run_rolechain("export", "admin", "--format", "fish").stdout
        back = subprocess.run(
            ["fish", "-c", fish_out + "\necho $AWS_SESSION_TOKEN; echo $ROLECHAIN_PROFILE"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert back == [as_json["AWS_SESSION_TOKEN"], "admin"]
