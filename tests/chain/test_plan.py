"""The planner: what its table (``test_cases.py``, data in ``cases/``) does not show."""

from __future__ import annotations

from typing import Any

import pytest

from resolver.chain.planner import DEFAULT_MFA_SESSION_SECONDS, build_chain, plan_chain
from resolver.chain.types import Hop, KeyringSource, StaticSource, WebIdentitySource
from resolver.errors import ChainError, LimitError
from tests.plan_support import KEYS, profile_set

ROLE_A = "arn:aws:iam::111111111111:role/a"
ROLE_B = "arn:aws:iam::222222222222:role/b"
ROLE_C = "arn:aws:iam::333333333333:role/c"
SSO = {"sso_account_id": "123456789012", "sso_role_name": "Admin"}
KEYRING = {"credential_store": "keyring"}

SSO_SESSIONS = {
    "corp": {"sso_start_url": "https://corp.awsapps.com/start", "sso_region": "us-east-1"}
}


def test_errors_name_the_file_line_and_profile() -> None:
    profiles = profile_set({"a": {"region": "x", "aws_access_key_id": "AKID"}})
    with pytest.raises(ChainError) as caught:
        build_chain(profiles, "a")
    error = caught.value
    assert (error.file, error.line, error.profile, error.key) == (
        "config",
        3,
        "a",
        "aws_access_key_id",
    )
    assert str(error).startswith("config:3: profile a: aws_access_key_id: ")
    assert error.reason == "incomplete-keys"


def test_each_hop_carries_only_its_own_options() -> None:
    profiles = profile_set(
        {
            "base": KEYS,
            "ops": {
                "role_arn": ROLE_A,
                "source_profile": "base",
                "session_tags": {"team": "ops", "cost": "7"},
                "transitive_session_tags": "team",
                "source_identity": "alice",
                "mfa_serial": "arn:aws:iam::111111111111:mfa/alice",
                "duration_seconds": "1h",
            },
            "prod": {
                "role_arn": ROLE_B,
                "source_profile": "ops",
                "external_id": "ext-123",
                "policy": '{"Version":"2012-10-17","Statement":[]}',
                "policy_arns": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "role_session_name": "alice-prod",
            },
        }
    )
    chain = plan_chain(profiles, "prod")
    ops, prod = chain.hops
    assert ops == Hop(
        profile="ops",
        role_arn=ROLE_A,
        mfa_serial="arn:aws:iam::111111111111:mfa/alice",
        duration_seconds=3600,
        tags=(("team", "ops"), ("cost", "7")),
        transitive_tag_keys=("team",),
        source_identity="alice",
        chained=False,
    )
    assert prod == Hop(
        profile="prod",
        role_arn=ROLE_B,
        role_session_name="alice-prod",
        external_id="ext-123",
        policy='{"Version":"2012-10-17","Statement":[]}',
        policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        chained=True,
    )
    assert ops.where["session_tags"].line == 103 + 1


@pytest.mark.parametrize(
    ("base", "first_chained"),
    [
        ({"b": KEYS}, False),
        ({"b": {**KEYS, "aws_session_token": "tok"}}, False),
        ({"b": {**KEYS, "mfa_serial": "GAHT12345678"}}, True),
        ({"b": {"role_arn": ROLE_C, "web_identity_token_file": "/t"}}, True),
        ({"b": {**SSO, "sso_session": "corp"}}, True),
        ({"b": {"credential_process": "x"}}, False),
        ({"b": {"login_session": "alice"}}, False),
        ({"b": KEYRING}, False),
        ({"b": {**KEYRING, "mfa_serial": "GAHT12345678"}}, True),
    ],
    ids=[
        "long-term keys",
        "session keys",
        "mfa session",
        "web identity",
        "sso",
        "process",
        "login",
        "keyring keys",
        "keyring mfa session",
    ],
)
def test_which_hops_are_chained(base: dict[str, Any], first_chained: bool) -> None:
    profiles = profile_set(
        {
            **base,
            "r1": {"role_arn": ROLE_A, "source_profile": "b"},
            "r2": {"role_arn": ROLE_B, "source_profile": "r1"},
        },
        sso_sessions=SSO_SESSIONS,
    )
    chain = build_chain(profiles, "r2")
    assert [hop.chained for hop in chain.hops] == [first_chained, True]


def test_mfa_session_on_long_term_keys() -> None:
    profiles = profile_set({"user": {**KEYS, "mfa_serial": "GAHT12345678", "mfa_process": "otp"}})
    source = build_chain(profiles, "user").source
    assert isinstance(source, StaticSource)
    assert (source.mfa_serial, source.mfa_process) == ("GAHT12345678", "otp")
    assert source.mfa_duration_seconds == DEFAULT_MFA_SESSION_SECONDS
    sessionless = profile_set(
        {"user": {**KEYS, "aws_session_token": "t", "mfa_serial": "GAHT12345678"}}
    )
    assert build_chain(sessionless, "user").source.to_json().get("mfa_serial") is None


def test_web_identity_source_options() -> None:
    profiles = profile_set(
        {"w": {"role_arn": ROLE_A, "web_identity_token_file": "/var/run/token",
               "role_session_name": "pod", "duration_seconds": "900"}}
    )  # fmt: skip
    source = build_chain(profiles, "w").source
    assert source == WebIdentitySource(
        profile="w", role_arn=ROLE_A, web_identity_token_file="/var/run/token",
        role_session_name="pod", duration_seconds=900,
    )  # fmt: skip


def test_sts_settings_from_selected_profile_and_services() -> None:
    profiles = profile_set(
        {
            "base": {**KEYS, "region": "eu-west-1"},
            "a": {"role_arn": ROLE_A, "source_profile": "base", "region": "us-west-2",
                  "sts_regional_endpoints": "regional", "services": "local",
                  "endpoint_url": "http://global.example"},
        },
        services={"local": {"sts": {"endpoint_url": "http://127.0.0.1:5000"}}},
    )  # fmt: skip
    sts = build_chain(profiles, "a").sts
    assert (sts.region, sts.sts_regional_endpoints, sts.endpoint_url) == (
        "us-west-2", "regional", "http://127.0.0.1:5000",
    )  # fmt: skip


def test_plan_chain_enforces_the_chained_duration_limit() -> None:
    profiles = profile_set(
        {
            "base": KEYS,
            "a": {"role_arn": ROLE_A, "source_profile": "base", "duration_seconds": "7200"},
            "b": {"role_arn": ROLE_B, "source_profile": "a", "duration_seconds": "7200"},
        }
    )
    assert plan_chain(profiles, "a").hops[0].duration_seconds == 7200
    with pytest.raises(LimitError) as caught:
        plan_chain(profiles, "b")
    assert caught.value.profile == "b" and caught.value.key == "duration_seconds"
    assert "3600" in str(caught.value)
    assert caught.value.reason == "invalid-duration-seconds"


def test_chain_json_never_contains_secrets() -> None:
    profiles = profile_set({"s": {**KEYS, "aws_session_token": "session-token-value"}})
    text = str(build_chain(profiles, "s").to_json()) + repr(build_chain(profiles, "s"))
    assert "AKIDBASE" in text
    assert "base-secret" not in text and "session-token-value" not in text


def test_keyring_base_plans_an_mfa_session_and_no_secret() -> None:
    profiles = profile_set({"k": {**KEYRING, "mfa_serial": "GAHT12345678", "mfa_process": "otp"}})
    source = build_chain(profiles, "k").source
    assert isinstance(source, KeyringSource)
    assert (source.mfa_serial, source.mfa_process) == ("GAHT12345678", "otp")
    assert source.mfa_duration_seconds == DEFAULT_MFA_SESSION_SECONDS
    assert source.to_json() == {
        "kind": "keyring",
        "profile": "k",
        "keys": "in the OS keyring (service rolechain, user k)",
        "mfa_serial": "GAHT12345678",
        "mfa_duration_seconds": DEFAULT_MFA_SESSION_SECONDS,
    }


def test_keyring_profile_with_role_keeps_mfa_on_the_hop() -> None:
    profiles = profile_set(
        {"k": {**KEYRING, "role_arn": ROLE_A, "source_profile": "k", "mfa_serial": "GAHT1"}}
    )
    chain = build_chain(profiles, "k")
    assert isinstance(chain.source, KeyringSource) and chain.source.mfa_serial is None
    assert chain.hops[0].mfa_serial == "GAHT1"
