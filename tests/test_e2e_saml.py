"""The SAML base end to end: a ``saml_process`` helper script printing a generated SAML
response, AssumeRoleWithSAML on moto, then AssumeRole hops with session tags, each signed
by the step before (moto's recorder shows it). Every failure is one line from the CLI,
and no output, traceback or cache file ever holds the response."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resolver.api import clear
from resolver.cli.main import main
from resolver.providers.bases import saml
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer
from tests.saml_support import (
    ACCOUNT,
    OTHER_PROVIDER,
    PROVIDER,
    SIGNATURE,
    encoded,
    helper_command,
    helper_script,
    role,
    runs,
    saml_xml,
)

ADMIN, READER = role("saml-admin"), role("saml-reader")
CHAIN = """
[profile idp]
saml_process = {command}
role_arn = {role_arn}
{principal}
duration_seconds = 3600

[profile ops]
source_profile = idp
role_arn = arn:aws:iam::{account}:role/ops
role_session_name = alice-ops
session_tags = team=platform,project=atlas
transitive_session_tags = team

[profile deploy]
source_profile = ops
role_arn = arn:aws:iam::{account}:role/deploy
role_session_name = alice-deploy
session_tags = env=prod
"""


@pytest.fixture
def sts(moto: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return moto


def configure(
    env: IsolatedEnv,
    tmp_path: Path,
    stdout: str,
    *,
    role_arn: str = ADMIN,
    principal: str | None = PROVIDER,
    command: str | None = None,
) -> Path:
    """The CHAIN config with a helper printing ``stdout``; the file it prints."""
    response = tmp_path / "response.b64"
    response.write_text(stdout)
    line = f"principal_arn = {principal}" if principal else ""
    text = CHAIN.format(
        command=command or helper_command(helper_script(tmp_path), response),
        role_arn=role_arn,
        principal=line,
        account=ACCOUNT,
    )
    env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    env.aws_config_file.write_text(text)
    return response


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The CLI in this process, as a new process runs it: nothing kept in memory."""
    clear()
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def never_shown(text: str, response: str) -> None:
    compact = "".join(response.split())
    for secret in (compact, compact[:64], compact[-64:], SIGNATURE):
        assert secret not in text


def disk_holds(root: Path, needle: str) -> bool:
    return any(p.is_file() and needle.encode() in p.read_bytes() for p in root.rglob("*"))


def test_saml_base_then_tagged_hops_each_signed_by_the_step_before(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = encoded(saml_xml([[f"{READER},{OTHER_PROVIDER}"], [f"{PROVIDER},{ADMIN}"]]), wrap=76)
    response = configure(isolated_env, tmp_path, text + "\n")

    status, out, err = cli(capsys, "export", "deploy", "--format", "json")

    assert status == 0, err
    final = json.loads(out)
    saml_call, ops, deploy = sts.sts_calls()
    assert saml_call.action == "AssumeRoleWithSAML" and saml_call.access_key_id is None
    assert saml_call.params["RoleArn"] == ADMIN and saml_call.params["PrincipalArn"] == PROVIDER
    assert saml_call.params["SAMLAssertion"] == "".join(text.split())
    assert saml_call.params["DurationSeconds"] == "3600"
    assert (ops.action, deploy.action) == ("AssumeRole", "AssumeRole")
    assert ops.params["RoleSessionName"] == "alice-ops" and ops.params["RoleArn"].endswith("/ops")
    assert ops.tags == {"team": "platform", "project": "atlas"}
    assert ops.transitive_tag_keys == ["team"]
    assert deploy.tags == {"env": "prod"} and deploy.params["RoleSessionName"] == "alice-deploy"
    # the SAML session signs the first hop: the same keys the cache now serves for `idp`
    status, out, err = cli(capsys, "export", "idp", "--format", "json")
    assert status == 0, err
    saml_keys = json.loads(out)
    assert ops.access_key_id == saml_keys["AWS_ACCESS_KEY_ID"]
    assert ops.session_token == saml_keys["AWS_SESSION_TOKEN"]
    assert deploy.access_key_id not in (None, ops.access_key_id)
    assert deploy.access_key_id != final["AWS_ACCESS_KEY_ID"]
    assert runs(response) == 1  # `export idp` came from the disk cache: no helper, no STS
    assert len(sts.sts_calls()) == 3
    # a warm run of the whole chain runs no helper (it may open a browser) and calls no STS
    status, out, _ = cli(capsys, "export", "deploy", "--format", "json")
    assert status == 0 and json.loads(out) == final
    assert runs(response) == 1 and len(sts.sts_calls()) == 3
    # the response never reaches the disk, in any form
    compact = "".join(text.split())
    for root in (isolated_env.rolechain_cache_dir, isolated_env.xdg_cache_home, isolated_env.home):
        assert not disk_holds(root, compact[:40]) and not disk_holds(root, SIGNATURE)


def test_toml_saml_base_plans_and_runs_like_ini(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    response = tmp_path / "response.b64"
    response.write_text(encoded(saml_xml([[f"{ADMIN},{PROVIDER}"]])))
    command = helper_command(helper_script(tmp_path), response).replace("\\", "\\\\")
    isolated_env.rolechain_config.write_text(
        "version = 1\n[profiles.idp]\n"
        f'saml_process = "{command}"\nrole_arn = "{ADMIN}"\n'
        '[profiles.ops]\nsource_profile = "idp"\n'
        f'role_arn = "arn:aws:iam::{ACCOUNT}:role/ops"\nsession_tags = {{ team = "platform" }}\n'
    )
    status, out, err = cli(capsys, "explain", "ops", "--json")
    assert status == 0, err
    plan = json.loads(out)
    assert plan["source"] == {
        "kind": "saml", "profile": "idp", "role_arn": ADMIN, "principal_arn": None,
        "saml_process": command.split()[0], "duration_seconds": None, "policy": None,
        "policy_arns": [],
    }  # fmt: skip
    status, out, err = cli(capsys, "export", "ops", "--format", "json")
    assert status == 0, err
    saml_call, ops = sts.sts_calls()
    assert saml_call.params["PrincipalArn"] == PROVIDER  # from the response's pairing
    assert "DurationSeconds" not in saml_call.params
    assert ops.tags == {"team": "platform"} and ops.access_key_id is not None


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        (
            encoded(saml_xml([[f"{READER},{PROVIDER}"], [f"{role('viewer')},{PROVIDER}"]])),
            f"does not offer role {ADMIN}; it offers: {READER}, {role('viewer')}",
        ),
        ("this is not base64!\n", "printed no valid base64 (16 characters on stdout, not shown)"),
        (
            encoded(saml_xml([[f"{ADMIN},{PROVIDER}"]], head='<!DOCTYPE r [<!ENTITY x "y">]>')),
            "DTD or entity declaration",
        ),
        ("A" * 120_000, "printed a SAML response of 120000 characters; AssumeRoleWithSAML"),
        (
            encoded(saml_xml([[f"{ADMIN},{OTHER_PROVIDER}"]])),
            f"pairs role {ADMIN} with {OTHER_PROVIDER}, not with principal_arn {PROVIDER}",
        ),
    ],
    ids=["missing-role", "bad-base64", "doctype", "oversized", "other-provider"],
)
@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_a_bad_response_is_one_line_without_the_response(
    sts: MotoServer,
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stdout: str,
    expected: str,
    debug: bool,
) -> None:
    configure(isolated_env, tmp_path, stdout)
    status, out, err = cli(capsys, *(["--debug"] if debug else []), "export", "deploy")
    assert status == 1 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith("rolechain: error: profile idp: saml_process `") and expected in last
    if not debug:
        assert err.count("\n") == 1
    never_shown(err, stdout)
    assert sts.sts_calls() == []  # nothing reached STS


def test_oversized_output_and_a_hanging_helper_are_stopped(
    sts: MotoServer,
    isolated_env: IsolatedEnv,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    flood = tmp_path / "flood.py"
    flood.write_text("import sys\nsys.stdout.write('QUFB' * 600000)\n")
    configure(isolated_env, tmp_path, "", command=f"{sys.executable} {flood}")
    status, _, err = cli(capsys, "export", "deploy")
    assert status == 1
    assert err.strip().endswith("printed more than 1048576 bytes on stdout (killed)")
    assert "QUFBQUFB" not in err

    hang = tmp_path / "hang.py"
    hang.write_text("import time\ntime.sleep(600)\n")
    configure(isolated_env, tmp_path, "", command=f"{sys.executable} {hang}")
    monkeypatch.setattr(saml, "PROCESS_TIMEOUT_SECONDS", 0.5)
    status, _, err = cli(capsys, "export", "deploy")
    assert status == 1
    assert err.strip() == (
        f"rolechain: error: profile idp: saml_process `{sys.executable}` timed out after "
        "0.5s (killed)"
    )
    assert sts.sts_calls() == []


def test_sts_refusing_the_response_is_one_line_without_it(
    sts: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = saml_xml([[f"{ADMIN},{PROVIDER}"]]).replace("<saml:AttributeStatement>", "<x>", 1)
    xml = xml.replace("</saml:AttributeStatement>", "</x>", 1)  # moto cannot read it: 500
    stdout = encoded(xml)
    configure(isolated_env, tmp_path, stdout)
    for debug in ([], ["--debug"]):
        status, _, err = cli(capsys, *debug, "export", "deploy")
        assert status == 1 and "AssumeRoleWithSAML failed" in err.strip().splitlines()[-1]
        never_shown(err, stdout)


def test_explain_and_validate_show_the_program_never_its_arguments(
    isolated_env: IsolatedEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        isolated_env, tmp_path, "", command="saml2aws login --password hunter2-secret --quiet"
    )
    status, out, _ = cli(capsys, "explain", "deploy")
    assert status == 0
    assert f"base  saml (profile idp): role_arn {ADMIN}, principal_arn {PROVIDER}" in out
    assert "saml_process saml2aws" in out and "hunter2" not in out
    assert "chained: at most 1h" in out  # the first hop runs on a role session
    status, out, err = cli(capsys, "validate", "deploy")
    assert status == 0, out + err
    assert "hunter2" not in out + err
    status, out, _ = cli(capsys, "profiles", "--json")
    kinds = {entry["name"]: entry["kind"] for entry in json.loads(out)}
    assert kinds["idp"] == "saml" and "hunter2" not in out
