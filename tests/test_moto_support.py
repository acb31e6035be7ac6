"""The local STS fixture and the recorder helpers see exactly what was sent."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from resolver.demo import localsts
from resolver.demo.recording import decode_list, decode_tags, sts_calls_from_recording
from tests import moto_support
from tests.conftest import IsolatedEnv
from tests.moto_support import (
    ACCOUNT_ID,
    TEST_ACCESS_KEY_ID,
    MotoServer,
    create_role,
    recorded_sts_calls,
)


def test_assume_role_parameters_and_signing_key_are_recorded(moto: MotoServer) -> None:
    sts = moto.client("sts")
    response = sts.assume_role(
        RoleArn="arn:aws:iam::111111111111:role/deploy",
        RoleSessionName="alice",
        ExternalId="ext-42",
        DurationSeconds=1800,
        Tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "prod"}],
        TransitiveTagKeys=["team"],
        SourceIdentity="alice@example.com",
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    )
    hop1 = response["Credentials"]
    # A second hop signed with the first hop's session credentials.
    chained = moto.client("sts", hop1["AccessKeyId"], hop1["SecretAccessKey"], hop1["SessionToken"])
    chained.assume_role(RoleArn="arn:aws:iam::222222222222:role/admin", RoleSessionName="bob")

    calls = recorded_sts_calls(moto)

    assert [call.action for call in calls] == ["AssumeRole", "AssumeRole"]
    first, second = calls
    assert first.access_key_id == TEST_ACCESS_KEY_ID
    assert first.session_token is None
    assert first.params["RoleArn"] == "arn:aws:iam::111111111111:role/deploy"
    assert first.params["RoleSessionName"] == "alice"
    assert first.params["ExternalId"] == "ext-42"
    assert first.params["DurationSeconds"] == "1800"
    assert first.params["SourceIdentity"] == "alice@example.com"
    assert first.params["Tags.member.1.Key"] == "team"
    assert first.tags == {"team": "blue", "env": "prod"}
    assert list(first.tags) == ["team", "env"]
    assert first.transitive_tag_keys == ["team"]
    assert first.policy_arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert second.access_key_id == hop1["AccessKeyId"]
    assert second.session_token == hop1["SessionToken"]
    assert second.tags == {}
    assert hop1["SessionToken"] not in repr(second)


def test_unsigned_web_identity_call_has_no_access_key(moto: MotoServer) -> None:
    client = boto3.session.Session().client(
        "sts",
        endpoint_url=moto.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    client.assume_role_with_web_identity(
        RoleArn="arn:aws:iam::333333333333:role/ci",
        RoleSessionName="github",
        WebIdentityToken="header.payload.signature",
    )

    (call,) = recorded_sts_calls(moto)

    assert call.action == "AssumeRoleWithWebIdentity"
    assert call.access_key_id is None
    assert call.params["RoleSessionName"] == "github"


def test_each_test_starts_with_an_empty_recording_and_fresh_state(moto: MotoServer) -> None:
    assert recorded_sts_calls(moto) == []
    assert moto.client("iam").list_roles()["Roles"] == []


def test_create_role_returns_an_arn_iam_knows(moto: MotoServer) -> None:
    arn = moto.create_role("deployer")

    assert arn == f"arn:aws:iam::{ACCOUNT_ID}:role/deployer"
    assert moto.client("iam").get_role(RoleName="deployer")["Role"]["Arn"] == arn
    assert create_role(moto, "auditor").endswith(":role/auditor")
    assert recorded_sts_calls(moto) == []  # IAM calls are not STS calls


def test_get_caller_identity_of_assumed_role(moto: MotoServer) -> None:
    arn = moto.create_role("reader")
    creds = moto.client("sts").assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    identity = moto.client(
        "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    ).get_caller_identity()

    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/reader/s1"
    actions = [call.action for call in recorded_sts_calls(moto)]
    assert actions == ["AssumeRole", "GetCallerIdentity"]


def test_decoders_order_members_numerically() -> None:
    params = {
        "Tags.member.10.Key": "k10",
        "Tags.member.10.Value": "v10",
        "Tags.member.2.Key": "k2",
        "Tags.member.2.Value": "",
        "TransitiveTagKeys.member.2": "b",
        "TransitiveTagKeys.member.1": "a",
    }

    assert list(decode_tags(params).items()) == [("k2", ""), ("k10", "v10")]
    assert decode_list(params, "TransitiveTagKeys") == ["a", "b"]


def test_recording_parser_ignores_non_sts_entries() -> None:
    text = (
        '{"method": "POST", "url": "http://x/", "headers": {"Content-Type": '
        '"application/x-www-form-urlencoded"}, "body": "Action=ListRoles&Version=2010-05-08",'
        ' "body_encoded": false}\n'
    )
    assert sts_calls_from_recording(text) == []


def test_isolated_env_hides_real_configuration(isolated_env: IsolatedEnv) -> None:
    assert os.environ["AWS_CONFIG_FILE"] == str(isolated_env.aws_config_file)
    assert not Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).exists()
    assert os.environ["ROLECHAIN_CONFIG"] == str(isolated_env.rolechain_config)
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
    assert os.environ["HOME"] == str(isolated_env.home)
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_ENDPOINT_URL"):
        assert name not in os.environ
    assert str(isolated_env.rolechain_cache_dir).startswith(str(isolated_env.home.parent))
    assert boto3.session.Session().get_credentials() is None  # nothing real leaks in


def test_a_server_that_cannot_start_is_reported_with_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(port: int) -> list[str]:
        return [sys.executable, "-c", "import sys; print('boom: no moto here'); sys.exit(3)"]

    monkeypatch.setattr(localsts, "server_command", broken)

    with pytest.raises(RuntimeError) as info:
        moto_support.start_moto_server(tmp_path / "broken", tries=2)

    assert "moto_server exited with code 3" in str(info.value)
    assert "boom: no moto here" in str(info.value)
