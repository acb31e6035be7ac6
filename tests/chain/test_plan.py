"""The planner as a table: profiles in, (base kind, base profile, hop profiles) or error out."""

from __future__ import annotations

from typing import Any

import pytest

from resolver.chain.planner import DEFAULT_MFA_SESSION_SECONDS, build_chain, plan_chain
from resolver.chain.types import Hop, KeyringSource, StaticSource, WebIdentitySource
from resolver.errors import ChainError, ConfigError, LimitError
from tests.plan_support import KEYS, profile_set

ROLE_A = "arn:aws:iam::111111111111:role/a"
ROLE_B = "arn:aws:iam::222222222222:role/b"
ROLE_C = "arn:aws:iam::333333333333:role/c"
OTHER_KEYS = {"aws_access_key_id": "AKIDOTHER", "aws_secret_access_key": "other-secret"}
SSO = {"sso_account_id": "123456789012", "sso_role_name": "Admin"}
KEYRING = {"credential_store": "keyring"}

# (id, profiles, selected, (source kind, source profile, [hop profiles]))
CHAINS: list[tuple[str, dict[str, dict[str, Any]], str, tuple[str, str | None, list[str]]]] = [
    ("static keys", {"base": KEYS}, "base", ("static", "base", [])),
    (
        "one role",
        {"base": KEYS, "a": {"role_arn": ROLE_A, "source_profile": "base"}},
        "a",
        ("static", "base", ["a"]),
    ),
    (
        "three hops",
        {
            "base": KEYS,
            "a": {"role_arn": ROLE_A, "source_profile": "base"},
            "b": {"role_arn": ROLE_B, "source_profile": "a"},
            "c": {"role_arn": ROLE_C, "source_profile": "b"},
        },
        "c",
        ("static", "base", ["a", "b", "c"]),
    ),
    (
        "rule 1: selected role ignores its own keys",
        {"base": KEYS, "a": {**OTHER_KEYS, "role_arn": ROLE_A, "source_profile": "base"}},
        "a",
        ("static", "base", ["a"]),
    ),
    (
        "rule 2: a later profile's keys win over its role_arn",
        {
            "base": KEYS,
            "a": {**OTHER_KEYS, "role_arn": ROLE_A, "source_profile": "base"},
            "b": {"role_arn": ROLE_B, "source_profile": "a"},
        },
        "b",
        ("static", "a", ["b"]),
    ),
    (
        "rule 3: self-reference uses own keys",
        {"a": {**KEYS, "role_arn": ROLE_A, "source_profile": "a"}},
        "a",
        ("static", "a", ["a"]),
    ),
    (
        "rule 4: credential_source Environment",
        {"a": {"role_arn": ROLE_A, "credential_source": "Environment"}},
        "a",
        ("environment", "a", ["a"]),
    ),
    (
        "rule 4: credential_source Ec2InstanceMetadata",
        {"a": {"role_arn": ROLE_A, "credential_source": "Ec2InstanceMetadata"}},
        "a",
        ("ec2-instance-metadata", "a", ["a"]),
    ),
    (
        "rule 4: credential_source EcsContainer",
        {"a": {"role_arn": ROLE_A, "credential_source": "EcsContainer"}},
        "a",
        ("ecs-container", "a", ["a"]),
    ),
    (
        "rule 5: web identity base",
        {"w": {"role_arn": ROLE_A, "web_identity_token_file": "/t"}},
        "w",
        ("web-identity", "w", []),
    ),
    (
        "rule 5: web identity reached as a source profile",
        {
            "w": {"role_arn": ROLE_A, "web_identity_token_file": "/t"},
            "b": {"role_arn": ROLE_B, "source_profile": "w"},
        },
        "b",
        ("web-identity", "w", ["b"]),
    ),
    (
        "rule 6: legacy SSO",
        {"s": {**SSO, "sso_start_url": "https://x.awsapps.com/start", "sso_region": "eu-west-1"}},
        "s",
        ("sso", "s", []),
    ),
    (
        "rule 6: SSO session, then a role",
        {
            "s": {**SSO, "sso_session": "corp"},
            "b": {"role_arn": ROLE_B, "source_profile": "s"},
        },
        "b",
        ("sso", "s", ["b"]),
    ),
    (
        "rule 6: aws login session",
        {"l": {"login_session": "arn:aws:iam::123456789012:user/alice"}},
        "l",
        ("login", "l", []),
    ),
    (
        "rule 6: aws login session, then a role",
        {
            "l": {"login_session": "alice", "credential_process": "ignored"},
            "b": {"role_arn": ROLE_B, "source_profile": "l"},
        },
        "b",
        ("login", "l", ["b"]),
    ),
    (
        "rule 6: a login session wins over static keys beside it (keys come last)",
        {"l": {**KEYS, "login_session": "alice"}},
        "l",
        ("login", "l", []),
    ),
    (
        "rule 7: credential_process",
        {"p": {"credential_process": "get-creds --json"}},
        "p",
        ("credential-process", "p", []),
    ),
    (
        "rule 7: credential_process as a source",
        {
            "p": {"credential_process": "get-creds"},
            "a": {"role_arn": ROLE_A, "source_profile": "p"},
        },
        "a",
        ("credential-process", "p", ["a"]),
    ),
    (
        "rule 4: a source profile holding only credential_source is a base",
        {
            "env": {"credential_source": "Environment"},
            "a": {"role_arn": ROLE_A, "source_profile": "env"},
        },
        "a",
        ("environment", "env", ["a"]),
    ),
    (
        "rule 4: a source profile holding only credential_source (instance metadata)",
        {
            "imds": {"credential_source": "Ec2InstanceMetadata", "region": "eu-west-1"},
            "a": {"role_arn": ROLE_A, "source_profile": "imds"},
            "b": {"role_arn": ROLE_B, "source_profile": "a"},
        },
        "b",
        ("ec2-instance-metadata", "imds", ["a", "b"]),
    ),
    (
        "order: credential_source first on the selected profile",
        {"s": {"credential_source": "EcsContainer", **SSO, "sso_session": "corp",
               "credential_process": "get", **KEYS}},
        "s",
        ("ecs-container", "s", []),
    ),
    (
        "order: SSO before credential_process and static keys",
        {"s": {**KEYS, "credential_process": "get", **SSO, "sso_session": "corp"}},
        "s",
        ("sso", "s", []),
    ),
    (
        "order: credential_process before static keys on the selected profile",
        {"p": {**KEYS, "credential_process": "get-creds"}},
        "p",
        ("credential-process", "p", []),
    ),
    (
        "order: static keys first on a profile reached through source_profile",
        {
            "p": {**KEYS, "credential_process": "get-creds"},
            "a": {"role_arn": ROLE_A, "source_profile": "p"},
        },
        "a",
        ("static", "p", ["a"]),
    ),
    (
        "settings only: the SDKs' default chain",
        {"default": {"region": "eu-west-1", "output": "json"}},
        "default",
        ("default-chain", "default", []),
    ),
    (
        "settings only: an empty profile too",
        {"empty": {}},
        "empty",
        ("default-chain", "empty", []),
    ),
    ("keyring base", {"k": KEYRING}, "k", ("keyring", "k", [])),
    (
        "keyring base under a role",
        {"k": KEYRING, "a": {"role_arn": ROLE_A, "source_profile": "k"}},
        "a",
        ("keyring", "k", ["a"]),
    ),
    (
        "rule 2: a later profile's keyring keys win over its role_arn",
        {
            "base": KEYS,
            "k": {**KEYRING, "role_arn": ROLE_A, "source_profile": "base"},
            "b": {"role_arn": ROLE_B, "source_profile": "k"},
        },
        "b",
        ("keyring", "k", ["b"]),
    ),
    (
        "rule 3: self-reference uses own keyring keys",
        {"k": {**KEYRING, "role_arn": ROLE_A, "source_profile": "k"}},
        "k",
        ("keyring", "k", ["k"]),
    ),
    (
        "keyring comes after credential_process on the selected profile",
        {"k": {**KEYRING, "credential_process": "x"}},
        "k",
        ("credential-process", "k", []),
    ),
]  # fmt: skip

SSO_SESSIONS = {
    "corp": {"sso_start_url": "https://corp.awsapps.com/start", "sso_region": "us-east-1"}
}

# (id, profiles, selected, error type, message fragment)
ERRORS: list[tuple[str, dict[str, dict[str, Any]], str, type[Exception], str]] = [
    (
        "loop",
        {
            "a": {"role_arn": ROLE_A, "source_profile": "b"},
            "b": {"role_arn": ROLE_B, "source_profile": "a"},
        },
        "a",
        ChainError,
        "a -> b -> a",
    ),
    (
        "loop through a selected profile that has keys",
        {
            "a": {**KEYS, "role_arn": ROLE_A, "source_profile": "b"},
            "b": {"role_arn": ROLE_B, "source_profile": "a"},
        },
        "a",
        ChainError,
        "a -> b -> a",
    ),
    (
        "missing source profile",
        {"a": {"role_arn": ROLE_A, "source_profile": "b"}},
        "a",
        ChainError,
        "'b' does not exist, referenced from a",
    ),
    (
        "source_profile with credential_source",
        {"base": KEYS, "a": {"role_arn": ROLE_A, "source_profile": "base",
                              "credential_source": "Environment"}},
        "a",
        ChainError,
        "not both",
    ),
    ("role_arn with no source", {"a": {"role_arn": ROLE_A}}, "a", ChainError,
     "needs source_profile or credential_source"),
    (
        "partial keys: secret missing",
        {"a": {"aws_access_key_id": "AKID"}},
        "a",
        ChainError,
        "aws_secret_access_key is missing",
    ),
    (
        "partial keys: id missing",
        {"a": {"aws_secret_access_key": "s"}},
        "a",
        ChainError,
        "aws_access_key_id is missing",
    ),
    ("settings-only profile used as a source", {"s": {"region": "eu-west-1"},
     "a": {"role_arn": ROLE_A, "source_profile": "s"}}, "a", ChainError,
     "profile a uses it as source_profile, but it has no credentials"),
    ("token file without role_arn", {"a": {"web_identity_token_file": "/t"}}, "a", ChainError,
     "web_identity_token_file needs role_arn"),
    ("no profiles at all", {}, "default", ChainError, "no profiles found"),
    ("unknown profile suggests", {"production": KEYS}, "prodution", ChainError,
     "did you mean production?"),
    (
        "invalid credential_source lists the valid ones",
        {"a": {"role_arn": ROLE_A, "credential_source": "Ec2"}},
        "a",
        ConfigError,
        "Environment, Ec2InstanceMetadata, EcsContainer",
    ),
    ("SSO without account id", {"s": {"sso_session": "corp", "sso_role_name": "R"}}, "s",
     ChainError, "sso_account_id"),
    ("SSO without role name", {"s": {"sso_session": "corp", "sso_account_id": "123456789012"}},
     "s", ChainError, "sso_role_name"),
    ("SSO session that does not exist", {"s": {**SSO, "sso_session": "nope"}}, "s", ChainError,
     "sso-session 'nope' does not exist"),
    ("keyring beside plaintext keys", {"k": {**KEYS, **KEYRING}}, "k", ChainError,
     "aws_access_key_id is set beside credential_store = keyring"),
    ("keyring beside a session token", {"k": {**KEYRING, "aws_session_token": "t"}}, "k",
     ChainError, "aws_session_token is set beside credential_store = keyring"),
    ("credential_store other than keyring", {"k": {"credential_store": "vault"}}, "k",
     ConfigError, "keyring"),
]  # fmt: skip


def _summary(chain: Any) -> tuple[str, str | None, list[str]]:
    return chain.source.kind, chain.source.profile, [hop.profile for hop in chain.hops]


@pytest.mark.parametrize(("profiles", "selected", "expected"), [c[1:] for c in CHAINS],
                         ids=[c[0] for c in CHAINS])  # fmt: skip
def test_chain_shape(profiles: dict[str, Any], selected: str, expected: Any) -> None:
    chain = build_chain(profile_set(profiles, sso_sessions=SSO_SESSIONS), selected)
    assert _summary(chain) == expected


@pytest.mark.parametrize(("profiles", "selected", "error", "fragment"), [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])  # fmt: skip
def test_chain_errors(
    profiles: dict[str, Any], selected: str, error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as caught:
        build_chain(profile_set(profiles, sso_sessions=SSO_SESSIONS), selected)
    assert fragment in str(caught.value)


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
