"""The plan as a value: one base ``Source`` and ordered AssumeRole ``Hop``s.

Pure data: no I/O, no boto3. Secrets are excluded from ``repr`` and from ``to_json``.
Locations (``where``) record the file:line of each key and take no part in equality,
so the same chain parsed from INI or TOML compares equal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, NoReturn

from resolver.config.findings import Location
from resolver.records import Record, field


def _where() -> Any:
    """A ``where`` field: key -> Location, ignored by equality and repr."""
    return field(default_factory=dict, compare=False, repr=False)


class StaticSource(Record):
    """Long-term or session keys written in a profile.

    With ``mfa_serial`` set (long-term keys only) the source first gets an MFA session
    through GetSessionToken, lasting ``mfa_duration_seconds``.
    """

    kind: ClassVar[str] = "static"
    profile: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    mfa_serial: str | None = None
    mfa_process: str | None = None
    mfa_prompt: str | None = None
    mfa_duration_seconds: int | None = None
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "profile": self.profile}
        out["access_key_id"] = self.access_key_id
        if self.mfa_serial:
            out["mfa_serial"] = self.mfa_serial
            out["mfa_duration_seconds"] = self.mfa_duration_seconds
        return out


class KeyringSource(Record):
    """``credential_store = keyring``: long-term keys kept in the OS keyring (service
    ``rolechain``, user = the profile name), read only when the chain runs.

    With ``mfa_serial`` the keys first get an MFA session, exactly as static keys do.
    """

    kind: ClassVar[str] = "keyring"
    profile: str
    mfa_serial: str | None = None
    mfa_process: str | None = None
    mfa_prompt: str | None = None
    mfa_duration_seconds: int | None = None
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "profile": self.profile}
        out["keys"] = f"in the OS keyring (service rolechain, user {self.profile})"
        if self.mfa_serial:
            out["mfa_serial"] = self.mfa_serial
            out["mfa_duration_seconds"] = self.mfa_duration_seconds
        return out


class EnvironmentSource(Record):
    """``AWS_ACCESS_KEY_ID`` and friends, read when the chain runs."""

    kind: ClassVar[str] = "environment"
    profile: str | None
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "profile": self.profile}


class InstanceMetadataSource(Record):
    """The EC2 instance role, from IMDS (v2 token first)."""

    kind: ClassVar[str] = "ec2-instance-metadata"
    profile: str | None
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "profile": self.profile}


class ContainerSource(Record):
    """The ECS/EKS container role, from ``AWS_CONTAINER_CREDENTIALS_*_URI``."""

    kind: ClassVar[str] = "ecs-container"
    profile: str | None
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "profile": self.profile}


def _session_options(
    duration_seconds: int | None, policy: str | None, policy_arns: tuple[str, ...]
) -> dict[str, Any]:
    """The session options a base that assumes its own role sends (shown by ``explain``)."""
    return {
        "duration_seconds": duration_seconds,
        "policy": policy,
        "policy_arns": list(policy_arns),
    }


class WebIdentitySource(Record):
    """AssumeRoleWithWebIdentity using a token file (EKS/IRSA, CI OIDC)."""

    kind: ClassVar[str] = "web-identity"
    profile: str | None
    role_arn: str
    web_identity_token_file: str
    role_session_name: str | None = None
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "profile": self.profile,
            "role_arn": self.role_arn,
            "web_identity_token_file": self.web_identity_token_file,
            "role_session_name": self.role_session_name,
            **_session_options(self.duration_seconds, self.policy, self.policy_arns),
        }


class SsoSource(Record):
    """IAM Identity Center: a role credential fetched with the cached SSO token."""

    kind: ClassVar[str] = "sso"
    profile: str
    sso_start_url: str
    sso_region: str
    sso_account_id: str
    sso_role_name: str
    sso_session: str | None = None
    sso_registration_scopes: tuple[str, ...] = ()
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "profile": self.profile,
            "sso_session": self.sso_session,
            "sso_start_url": self.sso_start_url,
            "sso_region": self.sso_region,
            "sso_account_id": self.sso_account_id,
            "sso_role_name": self.sso_role_name,
        }


class LoginSource(Record):
    """``login_session``: the credentials ``aws login`` cached for that session."""

    kind: ClassVar[str] = "login"
    profile: str
    login_session: str
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "profile": self.profile, "login_session": self.login_session}


class ProcessSource(Record):
    """``credential_process``: a command printing Version 1 credentials JSON."""

    kind: ClassVar[str] = "credential-process"
    profile: str
    command: str
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "profile": self.profile, "command": self.command}


class DefaultChainSource(Record):
    """A settings-only profile (say ``[default]`` with ``region`` and ``output``): its
    credentials come from the SDKs' default chain, in their order: environment keys, then
    the container credentials endpoint, then EC2 instance metadata."""

    kind: ClassVar[str] = "default-chain"
    profile: str | None
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        order = "environment, then ecs-container, then ec2-instance-metadata"
        return {"kind": self.kind, "profile": self.profile, "order": order}


class SamlSource(Record):
    """AssumeRoleWithSAML with the base64 SAML response ``saml_process`` prints (an IdP
    helper such as saml2aws). ``principal_arn`` (the IdP's SAML provider) None: the one
    the assertion pairs with ``role_arn``. The command's arguments stay out of the JSON."""

    kind: ClassVar[str] = "saml"
    profile: str
    role_arn: str
    saml_process: str
    principal_arn: str | None = None
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        from resolver.config.secrets import helper_program

        return {
            "kind": self.kind,
            "profile": self.profile,
            "role_arn": self.role_arn,
            "principal_arn": self.principal_arn,
            "saml_process": helper_program(self.saml_process),
            **_session_options(self.duration_seconds, self.policy, self.policy_arns),
        }


class RolesAnywhereSource(Record):
    """IAM Roles Anywhere: CreateSession signed with an X.509 certificate's private key
    (SigV4-X509) for ``role_arn`` through a trust anchor and a Roles Anywhere profile.

    The files are read when the chain runs; the key never enters the plan.
    """

    kind: ClassVar[str] = "roles-anywhere"
    profile: str
    role_arn: str
    certificate: str
    private_key: str
    trust_anchor_arn: str
    profile_arn: str
    certificate_chain: str | None = None
    session_duration: int | None = None
    passphrase_source: str | None = None
    mfa_prompt: str | None = None  # the prompt driver that asks for the key's passphrase
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "profile": self.profile,
            "role_arn": self.role_arn,
            "certificate": self.certificate,
            "private_key": self.private_key,
            "certificate_chain": self.certificate_chain,
            "trust_anchor_arn": self.trust_anchor_arn,
            "profile_arn": self.profile_arn,
            "session_duration": self.session_duration,
        }


Source = (
    StaticSource
    | KeyringSource
    | EnvironmentSource
    | InstanceMetadataSource
    | ContainerSource
    | WebIdentitySource
    | SsoSource
    | LoginSource
    | ProcessSource
    | DefaultChainSource
    | SamlSource
    | RolesAnywhereSource
)


LONG_TERM_KEY_SOURCES = (StaticSource, KeyringSource)
"""Bases that may carry ``mfa_serial`` for an MFA session (GetSessionToken)."""


def assert_never(value: NoReturn) -> NoReturn:
    """The end of every ``match`` on a ``Source``: mypy reports a kind left unhandled
    (``typing.assert_never`` is Python 3.11+)."""
    raise AssertionError(f"unhandled kind: {type(value).__name__}")


def mfa_session_serial(source: Source) -> str | None:
    """The ``mfa_serial`` of a base whose long-term keys get an MFA session first."""
    match source:
        case StaticSource() | KeyringSource():
            return source.mfa_serial
        case (
            EnvironmentSource()
            | InstanceMetadataSource()
            | ContainerSource()
            | WebIdentitySource()
            | SsoSource()
            | LoginSource()
            | ProcessSource()
            | DefaultChainSource()
            | SamlSource()
            | RolesAnywhereSource()
        ):
            return None
        case _:
            assert_never(source)


class Hop(Record):
    """One AssumeRole call, with exactly the options its profile declares.

    ``chained`` is True when the caller holds role-session credentials (STS then caps
    the duration at one hour). ``tags`` keeps declaration order as (key, value) pairs.
    ``overridden`` names the keys this run's overrides changed.
    """

    profile: str
    role_arn: str
    role_session_name: str | None = None
    external_id: str | None = None
    mfa_serial: str | None = None
    mfa_process: str | None = None
    mfa_prompt: str | None = None
    duration_seconds: int | None = None
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    chained: bool = False
    overridden: tuple[str, ...] = ()
    where: Mapping[str, Location] = _where()

    def to_json(self) -> dict[str, Any]:
        out = {
            "profile": self.profile,
            "role_arn": self.role_arn,
            "role_session_name": self.role_session_name,
            "external_id": self.external_id,
            "mfa_serial": self.mfa_serial,
            "duration_seconds": self.duration_seconds,
            "tags": dict(self.tags),
            "transitive_tag_keys": list(self.transitive_tag_keys),
            "source_identity": self.source_identity,
            "policy": self.policy,
            "policy_arns": list(self.policy_arns),
        }
        if self.overridden:  # per-run overrides (``resolver.chain.overrides``)
            out["overridden"] = list(self.overridden)
        return out


class StsSettings(Record):
    """Where STS calls go, as configured on the selected profile (env applied later)."""

    region: str | None = None
    sts_regional_endpoints: str | None = None
    endpoint_url: str | None = None


class Chain(Record):
    """A resolved plan: the base source, then each AssumeRole hop in order."""

    profile: str
    source: Source
    hops: tuple[Hop, ...] = ()
    sts: StsSettings = field(default_factory=StsSettings)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "source": self.source.to_json(),
            "hops": [hop.to_json() for hop in self.hops],
        }
