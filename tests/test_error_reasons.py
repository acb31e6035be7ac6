"""Every error has a stable ``reason``: one representative input per reason, and every
reason the code can raise is in this table and in docs/errors.md's table of reasons."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from resolver.cache.locks import KeyLock
from resolver.chain.overrides import Overrides, apply_overrides, parse_overrides
from resolver.errors import (
    CacheError,
    ChainError,
    ConfigError,
    LimitError,
    ProviderError,
    ResolverError,
    StsError,
    TokenError,
    invalid_reason,
)
from resolver.server.source import ProfileSource
from tests.chain.text_plan import plan_text

ROOT = Path(__file__).resolve().parent.parent
KEYS = ["aws_access_key_id = AKIDBASE", "aws_secret_access_key = base-secret"]
ROLE_A = "arn:aws:iam::111111111111:role/a"
ROLE_B = "arn:aws:iam::222222222222:role/b"
SSO_SESSION = [
    "[sso-session corp]",
    "sso_start_url = https://corp.awsapps.com/start",
    "sso_region = us-east-1",
]


def _long_chain() -> list[str]:
    lines = ["[profile p0]", *KEYS]
    for n in range(1, 35):
        lines += [f"[profile p{n}]", f"role_arn = {ROLE_A}", f"source_profile = p{n - 1}"]
    return lines


# (reason, error type, profile, files: ini / toml / credentials)
PLANNED: list[tuple[str, type[ResolverError], str, dict[str, Any]]] = [
    (
        "credential-loop",
        ChainError,
        "a",
        {
            "ini": [
                "[profile a]",
                f"role_arn = {ROLE_A}",
                "source_profile = b",
                "[profile b]",
                f"role_arn = {ROLE_B}",
                "source_profile = a",
            ]
        },
    ),
    ("missing-profile", ChainError, "prodution", {"ini": ["[profile production]", *KEYS]}),
    ("no-profiles", ChainError, "default", {}),
    (
        "missing-source-profile",
        ChainError,
        "a",
        {"ini": ["[profile a]", f"role_arn = {ROLE_A}", "source_profile = b"]},
    ),
    (
        "conflicting-sources",
        ChainError,
        "a",
        {
            "ini": [
                "[profile base]",
                *KEYS,
                "[profile a]",
                f"role_arn = {ROLE_A}",
                "source_profile = base",
                "credential_source = Environment",
            ]
        },
    ),
    ("chain-too-long", ChainError, "p34", {"ini": _long_chain()}),
    ("missing-source", ChainError, "a", {"ini": ["[profile a]", f"role_arn = {ROLE_A}"]}),
    (
        "token-file-without-role",
        ChainError,
        "w",
        {"ini": ["[profile w]", "web_identity_token_file = /t"]},
    ),
    ("incomplete-keys", ChainError, "a", {"ini": ["[profile a]", "aws_access_key_id = AKID"]}),
    (
        "keys-beside-keyring",
        ChainError,
        "k",
        {"ini": ["[profile k]", "credential_store = keyring", *KEYS]},
    ),
    (
        "no-credentials",
        ChainError,
        "a",
        {
            "ini": [
                "[profile s]",
                "region = eu-west-1",
                "[profile a]",
                f"role_arn = {ROLE_A}",
                "source_profile = s",
            ]
        },
    ),
    (
        "missing-sso-session",
        ChainError,
        "s",
        {
            "ini": [
                "[profile s]",
                "sso_session = nope",
                "sso_account_id = 123456789012",
                "sso_role_name = Admin",
            ]
        },
    ),
    (
        "conflicting-sso-settings",
        ChainError,
        "s",
        {
            "ini": [
                "[profile s]",
                "sso_session = corp",
                "sso_region = eu-west-1",
                "sso_account_id = 123456789012",
                "sso_role_name = Admin",
                *SSO_SESSION,
            ]
        },
    ),
    (
        "incomplete-sso",
        ChainError,
        "s",
        {"ini": ["[profile s]", "sso_session = corp", "sso_role_name = Admin", *SSO_SESSION]},
    ),
    (
        "invalid-role-arn",
        LimitError,
        "a",
        {
            "ini": [
                "[profile base]",
                *KEYS,
                "[profile a]",
                "role_arn = not-an-arn",
                "source_profile = base",
            ]
        },
    ),
    (
        "invalid-role-arn",
        ChainError,
        "a",
        {"ini": ["[profile base]", *KEYS, "[profile a]", "role_arn = ", "source_profile = base"]},
    ),
    (
        "invalid-duration-seconds",
        LimitError,
        "b",
        {
            "ini": [
                "[profile base]",
                *KEYS,
                "[profile a]",
                f"role_arn = {ROLE_A}",
                "source_profile = base",
                "[profile b]",
                f"role_arn = {ROLE_B}",
                "source_profile = a",
                "duration_seconds = 7200",
            ]
        },
    ),
    (
        "invalid-services",
        ConfigError,
        "a",
        {
            "ini": [
                "[profile a]",
                *KEYS,
                "services = local",
                "[services local]",
                "sts =",
                "  endpoint_url = ftp://nowhere",
            ]
        },
    ),
    (
        "invalid-credential-source",
        ConfigError,
        "a",
        {"ini": ["[profile a]", f"role_arn = {ROLE_A}", "credential_source = Ec2"]},
    ),
    ("invalid-region", ConfigError, "a", {"ini": ["[profile a]", *KEYS, "region = no such"]}),
    (
        "duplicate-profile",
        ConfigError,
        "a",
        {"ini": ["[profile a]", *KEYS], "toml": ["[profiles.a]", 'aws_access_key_id = "AKID"']},
    ),
    ("unknown-key", ConfigError, "a", {"toml": ["[profiles.a]", 'rol_arn = "x"']}),
    ("unknown-key", ConfigError, "a", {"toml": ['profile = "x"']}),
    ("invalid-toml", ConfigError, "a", {"toml": ["[profiles.a"]}),
    (
        "extends-loop",
        ConfigError,
        "a",
        {
            "toml": [
                "[templates.t]",
                'extends = "u"',
                "[templates.u]",
                'extends = "t"',
                "[profiles.a]",
                'extends = "t"',
            ]
        },
    ),
    ("missing-template", ConfigError, "a", {"toml": ["[profiles.a]", 'extends = "nope"']}),
    ("too-deep", ConfigError, "a", {"toml": ["x = " + "[" * 40 + "]" * 40]}),
    ("invalid-ini", ConfigError, "a", {"ini": ["[profile a", *KEYS]}),
    (
        "roles-anywhere-without-role",
        ChainError,
        "a",
        {"ini": ["[profile a]", "roles_anywhere_certificate = /pki/a.pem"]},
    ),
    (
        "incomplete-roles-anywhere",
        ChainError,
        "a",
        {"ini": ["[profile a]", f"role_arn = {ROLE_A}", "roles_anywhere_certificate = /a.pem"]},
    ),
]
# The SAML base (resolver.chain.sources.check_saml_keys)
SAML = ["[profile a]", f"role_arn = {ROLE_A}", "saml_process = saml-helper"]
PLANNED += [
    ("saml-without-role", ChainError, "a", {"ini": ["[profile a]", "saml_process = x"]}),
    (
        "principal-without-saml",
        ChainError,
        "a",
        {"ini": ["[profile a]", *KEYS, "principal_arn = arn:aws:iam::1:saml-provider/p"]},
    ),
    ("saml-unsent-key", ChainError, "a", {"ini": [*SAML, "external_id = x-1"]}),
    ("invalid-principal-arn", LimitError, "a", {"ini": [*SAML, "principal_arn = x"]}),
]


@pytest.mark.parametrize(
    ("reason", "error", "profile", "files"),
    PLANNED,
    ids=[f"{case[0]}-{n}" for n, case in enumerate(PLANNED)],
)
def test_each_planning_reason(
    tmp_path: Path, reason: str, error: type[ResolverError], profile: str, files: dict[str, Any]
) -> None:
    with pytest.raises(error) as caught:
        plan_text(tmp_path, profile, **files)
    assert caught.value.reason == reason, str(caught.value)


def test_missing_config_file_and_unreadable_file(tmp_path: Path) -> None:
    from resolver.config.loading import load_profiles

    with pytest.raises(ConfigError) as caught:
        load_profiles(str(tmp_path / "missing.toml"), {"HOME": str(tmp_path)})
    assert caught.value.reason == "missing-config-file"
    (tmp_path / "config").write_bytes(b"[profile a]\nregion = \xff\n")
    env = {"HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "config")}
    with pytest.raises(ConfigError) as caught:
        load_profiles(None, {**env, "ROLECHAIN_CONFIG": str(tmp_path / "missing.toml")})
    assert caught.value.reason == "missing-config-file"
    (tmp_path / "empty.toml").write_text("")
    with pytest.raises(ConfigError) as caught:
        load_profiles(str(tmp_path / "empty.toml"), env)
    assert caught.value.reason == "unreadable-file" and "UTF-8" in str(caught.value)


def test_override_reasons(tmp_path: Path) -> None:
    for flags in (
        {"tags": ["no-equals"]},
        {"duration": "soon"},
        {"tags": [f"k{n}=v" for n in range(60)]},
    ):
        with pytest.raises(ConfigError) as caught:
            parse_overrides(**flags, environ={})  # type: ignore[arg-type]
        assert caught.value.reason == "invalid-override", flags
    static = plan_text(tmp_path, "a", ini=["[profile a]", *KEYS])
    with pytest.raises(ChainError) as caught:
        apply_overrides(static, Overrides(source_identity="alice"))
    assert caught.value.reason == "no-hop-to-override"
    role = plan_text(
        tmp_path,
        "r",
        ini=["[profile a]", *KEYS, "[profile r]", f"role_arn = {ROLE_A}", "source_profile = a"],
    )
    with pytest.raises(ChainError) as caught:
        apply_overrides(role, Overrides(source_identity="alice", hop="nope"))
    assert caught.value.reason == "unknown-hop"


def test_lock_timeout_reason(tmp_path: Path) -> None:
    held = KeyLock(tmp_path / "k.lock", timeout=0)
    with held, pytest.raises(CacheError) as caught:
        KeyLock(tmp_path / "k.lock", timeout=0).acquire()
    assert caught.value.reason == "lock-timeout"


def test_an_invalid_sts_timeout_reason() -> None:
    """The STS client reads its timeouts with the Context's ``timeout_setting``."""
    from resolver.providers.sts.factory import StsTarget, make_sts_client, transport_environment

    environment = transport_environment({"ROLECHAIN_STS_CONNECT_TIMEOUT": "0"})
    with pytest.raises(ConfigError) as caught:
        make_sts_client(None, StsTarget("us-east-1", "http://127.0.0.1:9", environment))
    assert caught.value.reason == "invalid-sts-timeout"


def test_class_defaults_and_a_given_reason_wins() -> None:
    defaults = {
        ResolverError: "error",
        ConfigError: "config-error",
        ChainError: "chain-error",
        LimitError: "sts-limit",
        ProviderError: "provider-error",
        TokenError: "token-error",
        StsError: "sts-error",
        CacheError: "cache-error",
    }
    for cls, reason in defaults.items():
        assert cls("m").reason == reason
        assert cls("m", reason="given").reason == "given"
    assert StsError("denied", code="AccessDenied").reason == "sts-error"  # code stays AWS's
    assert str(ChainError("m", reason="credential-loop")) == "m"  # the text is unchanged
    assert invalid_reason("role_arn", "x") == "invalid-role-arn"
    assert invalid_reason(None, "x") == invalid_reason("Bad Key", "x") == "x"


def test_server_error_bodies_carry_the_reason() -> None:
    def fail(error: Exception) -> dict[str, Any]:
        def fetch() -> Any:
            raise error

        status, body = ProfileSource("prod", fetch).answer()
        assert status == 503
        document: dict[str, Any] = json.loads(body)
        return document

    loop = fail(ChainError("source_profile loop: a -> b -> a", reason="credential-loop"))
    assert (loop["code"], loop["reason"]) == ("RefreshFailed", "credential-loop")
    assert fail(TokenError("no terminal"))["reason"] == "token-error"
    assert fail(StsError("denied", code="AccessDenied"))["reason"] == "sts-error"


def _reasons_in_code() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "resolver").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'\breason(?:=| = )"([a-z0-9-]+)"', text))
    return found


def test_every_reason_is_documented_and_tested() -> None:
    code = _reasons_in_code()
    assert {"credential-loop", "missing-profile", "config-error", "lock-timeout"} <= code
    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9<>-]+)` \|", table, re.M))
    assert "invalid-<key>" in documented  # invalid-role-arn, invalid-services...
    assert {r for r in code - documented if not r.startswith("invalid-")} == set()
    tested = {case[0] for case in PLANNED} | {
        "missing-config-file",
        "unreadable-file",
        "invalid-override",
        "no-hop-to-override",
        "unknown-hop",
        "lock-timeout",
        "error",
        "config-error",
        "chain-error",
        "sts-limit",
        "provider-error",
        "token-error",
        "sts-error",
        "cache-error",
        "usage-error",
        "invalid-value",
        "invalid-sts-timeout",  # tests/test_context.py
        "mfa-prompt-unavailable",  # tests/cli/test_mfa_advice.py
        "invalid-saml-assertion",  # tests/test_e2e_saml.py
        "saml-role-not-offered",  # tests/test_e2e_saml.py
        "sso-portal-limit",  # tests/providers/bases/test_sso_portal.py
        "populate-collision",  # tests/cli/test_sso_populate.py
        "invalid-name-template",  # tests/cli/test_sso_populate.py
        "cryptography-missing",  # tests/providers/bases/test_roles_anywhere.py
        "passphrase-prompt-unavailable",  # tests/providers/bases/test_roles_anywhere_passphrase.py
        "passphrase-not-given",  # tests/providers/bases/test_roles_anywhere_passphrase.py
    }
    assert code - tested == set()
