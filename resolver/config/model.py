"""The pydantic model: one ``Profile`` type validates both INI strings and typed TOML.

INI values arrive as strings (``"k1=v1,k2=v2"``, ``"3600"``); TOML values arrive typed
(tables, arrays, ints). The model accepts the string spellings only when validated with
``context={"format": "ini"}``, so the JSON Schema describes the typed TOML format exactly.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from resolver.config.durations import parse_duration
from resolver.config.spellings import parse_tag_string as _parse_tag_string
from resolver.config.spellings import split_list as _split_list
from resolver.config.values import endpoint_problem, region_problem

CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")
CredentialSource = Literal["Environment", "Ec2InstanceMetadata", "EcsContainer"]
MfaPrompt = Literal["terminal", "zenity", "kdialog", "osascript", "pinentry", "ykman", "process"]
"""The MFA prompt drivers (``resolver.providers.prompts.DRIVERS``)."""


def _is_ini(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and info.context.get("format") == "ini"


class _Strict(BaseModel):
    # defer_build: a model's validator is built on first use, so a run pays only for the
    # models it uses (an INI-only plan never builds the TOML document's).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )


class Profile(_Strict):
    """One named profile: role options, base credentials and endpoint settings."""

    # Roles
    role_arn: str | None = Field(None, description="ARN of the role to assume.")
    source_profile: str | None = Field(
        None, description="Profile whose credentials call AssumeRole (may name itself)."
    )
    credential_source: CredentialSource | None = Field(
        None, description="Named base credentials for role_arn instead of source_profile."
    )
    web_identity_token_file: str | None = Field(
        None, description="OIDC token file for AssumeRoleWithWebIdentity (needs role_arn)."
    )
    role_session_name: str | None = Field(None, description="RoleSessionName to send.")
    external_id: str | None = Field(None, description="ExternalId to send.")
    mfa_serial: str | None = Field(None, description="MFA device serial number or ARN.")
    mfa_process: str | None = Field(None, description="Command that prints an MFA code.")
    mfa_prompt: MfaPrompt | None = Field(
        None, description="Where to ask for the MFA code (default: terminal, else a dialog)."
    )
    duration_seconds: int | None = Field(
        None,
        description="Session duration: seconds, or a string such as '1h' or '15m'.",
        json_schema_extra={"anyOf": [{"type": "integer"}, {"type": "string"}]},
    )
    mfa_session_duration: int | None = Field(
        None,
        description="GetSessionToken duration for an MFA session on long-term keys (12h).",
        json_schema_extra={"anyOf": [{"type": "integer"}, {"type": "string"}]},
    )
    session_tags: dict[str, str] = Field(
        default_factory=dict, description="Session tags sent on this profile's hop."
    )
    transitive_session_tags: list[str] = Field(
        default_factory=list, description="Keys of session_tags that later hops inherit."
    )
    source_identity: str | None = Field(None, description="SourceIdentity (set once a chain).")
    policy: str | None = Field(
        None, description="Inline session policy: JSON text, or a table in TOML."
    )
    policy_arns: list[str] = Field(default_factory=list, description="Managed policy ARNs.")
    # Base credentials
    credential_process: str | None = Field(None, description="Command printing credentials.")
    aws_access_key_id: str | None = Field(None, description="Access key id.")
    aws_secret_access_key: str | None = Field(None, description="Secret access key.", repr=False)
    aws_session_token: str | None = Field(None, description="Session token.", repr=False)
    sso_session: str | None = Field(None, description="Name of an sso-session section.")
    sso_start_url: str | None = Field(None, description="Legacy SSO start URL.")
    sso_region: str | None = Field(None, description="SSO region.")
    sso_account_id: str | None = Field(None, description="SSO account id.")
    sso_role_name: str | None = Field(None, description="SSO permission set (role) name.")
    login_session: str | None = Field(
        None, description="Session of `aws login`: its cached credentials are the base."
    )
    credential_store: Literal["keyring"] | None = Field(
        None,
        description="'keyring': the profile's long-term keys live in the OS keyring "
        "(service rolechain, user = profile name); see `rolechain keys`.",
    )
    # SAML base (resolver.providers.bases.saml)
    saml_process: str | None = Field(
        None,
        description="Command printing a base64 SAML response (run like credential_process); "
        "with role_arn, the profile is a saml base: AssumeRoleWithSAML.",
    )
    principal_arn: str | None = Field(
        None,
        description="ARN of the IdP's IAM SAML provider "
        "(arn:aws:iam::ACCOUNT:saml-provider/NAME); default: the one the assertion pairs "
        "with role_arn.",
    )
    # IAM Roles Anywhere base (TOML: the ``roles_anywhere`` table; see RolesAnywhereTable)
    roles_anywhere_certificate: str | None = Field(
        None, description="Roles Anywhere: the X.509 certificate (PEM file)."
    )
    roles_anywhere_private_key: str | None = Field(
        None, description="Roles Anywhere: the certificate's private key (PEM file)."
    )
    roles_anywhere_certificate_chain: str | None = Field(
        None, description="Roles Anywhere: intermediate CA certificates (PEM file)."
    )
    roles_anywhere_trust_anchor_arn: str | None = Field(
        None, description="Roles Anywhere: the trust anchor's ARN."
    )
    roles_anywhere_profile_arn: str | None = Field(
        None, description="Roles Anywhere: the Roles Anywhere profile's ARN."
    )
    roles_anywhere_session_duration: int | None = Field(
        None,
        description="Roles Anywhere: session duration (900 to 43200 seconds, or '1h').",
        json_schema_extra={"anyOf": [{"type": "integer"}, {"type": "string"}]},
    )
    roles_anywhere_passphrase_source: Literal["prompt", "keyring"] | None = Field(
        None,
        description="Roles Anywhere: where an encrypted key's passphrase comes from: "
        "'prompt' (the default: asked as mfa_prompt says, on the terminal, pinentry or a "
        "dialog) or 'keyring' (service rolechain, user roles-anywhere:PROFILE).",
    )
    # Console (TOML only: see TOML_ONLY_KEYS)
    console_browser: str | None = Field(
        None,
        description="TOML only: command that opens `rolechain console`, e.g. "
        "'firefox -P work --new-tab {url}' ({url}: one argument, no shell).",
    )
    # Endpoints
    region: str | None = Field(None, description="Region for STS calls and sessions.")
    sts_regional_endpoints: Literal["regional", "legacy"] | None = Field(
        None, description="'regional' or 'legacy' STS endpoint."
    )
    endpoint_url: str | None = Field(None, description="Endpoint URL for every service.")
    services: str | None = Field(None, description="Name of a services section.")

    @field_validator(
        "duration_seconds",
        "mfa_session_duration",
        "roles_anywhere_session_duration",
        mode="before",
    )
    @classmethod
    def _duration(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool):
            raise ValueError("expected seconds or a duration such as '1h'")
        if isinstance(value, (int, str)):
            return parse_duration(value)
        return value

    @field_validator("session_tags", mode="before")
    @classmethod
    def _tags(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and _is_ini(info):
            return _parse_tag_string(value)
        return value

    @field_validator("transitive_session_tags", "policy_arns", mode="before")
    @classmethod
    def _lists(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and _is_ini(info):
            return _split_list(value)
        return value

    @field_validator("policy", mode="before")
    @classmethod
    def _policy(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, dict) and not _is_ini(info):
            return json.dumps(value, separators=(",", ":"))
        return value

    @field_validator("console_browser")
    @classmethod
    def _browser(cls, value: str | None) -> str | None:
        if value is not None:
            import shlex

            words = shlex.split(value) if len(value) <= 4096 else []
            if not words or "{url}" in words[0]:
                raise ValueError("expected a command (at most 4096 chars), then {url}")
        return value

    @field_validator("credential_source", mode="before")
    @classmethod
    def _credential_source(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() not in CREDENTIAL_SOURCES:
            valid = ", ".join(CREDENTIAL_SOURCES)
            raise ValueError(f"invalid credential_source {value.strip()!r}; valid: {valid}")
        return value

    @field_validator("region", "sso_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and (problem := region_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and (problem := endpoint_problem(value)):
            raise ValueError(problem)
        return value

    @property
    def policy_json(self) -> Any:
        """The inline policy parsed, or None."""
        return json.loads(self.policy) if self.policy else None


class TomlProfile(Profile):
    """A profile as written in TOML: a profile plus ``extends`` (explicit inheritance)."""

    extends: str | list[str] | None = Field(
        None, description="Template name(s) whose keys this profile inherits."
    )
    policy: str | None = Field(
        None,
        description="Inline session policy: JSON text or a table.",
        json_schema_extra={"anyOf": [{"type": "string"}, {"type": "object"}]},
    )
    aws: dict[str, str | dict[str, str]] = Field(
        default_factory=dict,
        description="Settings for the AWS CLI and SDKs that rolechain does not use "
        "(output, cli_pager, s3 = ...): kept so that `rolechain convert --to ini` "
        "writes them back.",
    )
    roles_anywhere: RolesAnywhereTable | None = Field(
        None, description="IAM Roles Anywhere base: certificate, private_key, trust_anchor_arn..."
    )


class RolesAnywhereTable(_Strict):
    """A TOML profile's ``roles_anywhere`` table: the ``roles_anywhere_*`` INI keys."""

    certificate: str | None = Field(None, description="The X.509 certificate (PEM file).")
    private_key: str | None = Field(None, description="Its private key (PEM file).")
    certificate_chain: str | None = Field(None, description="Intermediate CAs (PEM file).")
    trust_anchor_arn: str | None = Field(None, description="The trust anchor's ARN.")
    profile_arn: str | None = Field(None, description="The Roles Anywhere profile's ARN.")
    session_duration: int | str | None = Field(
        None, description="Session duration: 900 to 43200 seconds, or a string such as '1h'."
    )
    passphrase_source: Literal["prompt", "keyring"] | None = Field(
        None,
        description="Where an encrypted key's passphrase comes from: 'prompt' (as "
        "mfa_prompt says) or 'keyring'.",
    )


ROLES_ANYWHERE_TABLE = "roles_anywhere"
ROLES_ANYWHERE_PREFIX = "roles_anywhere_"


class SsoSession(_Strict):
    """An ``[sso-session NAME]`` section."""

    sso_start_url: str | None = Field(None, description="IAM Identity Center start URL.")
    sso_region: str | None = Field(None, description="Region of the SSO portal.")
    sso_registration_scopes: list[str] = Field(default_factory=list, description="Scopes.")

    @field_validator("sso_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        if value is not None and (problem := region_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("sso_registration_scopes", mode="before")
    @classmethod
    def _scopes(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str) and _is_ini(info):
            return _split_list(value)
        return value


class TomlDocument(_Strict):
    """The whole TOML file: the source of ``schemas/rolechain.schema.json``."""

    model_config = ConfigDict(title="rolechain profiles", extra="forbid", defer_build=True)

    version: Literal[1] = Field(1, description="Format version.")
    profiles: dict[str, TomlProfile] = Field(default_factory=dict)
    templates: dict[str, TomlProfile] = Field(
        default_factory=dict, description="Shared settings that profiles name in 'extends'."
    )
    sso_sessions: dict[str, SsoSession] = Field(default_factory=dict)
    services: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict, description="services.NAME.SERVICE.endpoint_url and the like."
    )


PROFILE_KEYS = frozenset(Profile.model_fields)
# Commands only rolechain runs stay out of the AWS shared files other tools read.
TOML_ONLY_KEYS = frozenset({"console_browser"})
SSO_SESSION_KEYS = frozenset(SsoSession.model_fields)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the TOML format."""
    schema = TomlDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    toml_profile = schema.get("$defs", {}).get("TomlProfile", {}).get("properties", {})
    for key in [key for key in toml_profile if key.startswith(ROLES_ANYWHERE_PREFIX)]:
        del toml_profile[key]  # TOML writes them in the roles_anywhere table
    return schema
