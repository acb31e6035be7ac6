"""The kind of a profile, in the plan's vocabulary: what ``rolechain profiles`` lists and
``rolechain explain`` shows as the source's kind.

A kind is a base ``Source``'s ``kind`` (``static``, ``keyring``, ``environment``,
``ec2-instance-metadata``, ``ecs-container``, ``web-identity``, ``sso``, ``login``,
``credential-process``, ``default-chain``, ``saml``), or ``role`` for a profile that is an
``credential-process``, ``default-chain``, ``roles-anywhere``), or ``role`` for a profile that is an
AssumeRole hop of its own. ``profile_kind`` reads it from the keys a profile sets, in
the planner's order (``resolver.chain.planner``), without validating anything, so a
broken profile is still listed with the kind it asks for.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.chain.types import (
    ContainerSource,
    DefaultChainSource,
    EnvironmentSource,
    InstanceMetadataSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    RolesAnywhereSource,
    SamlSource,
    SsoSource,
    StaticSource,
    WebIdentitySource,
)

ROLE = "role"
INVALID = "invalid"
"""The kind of a ``credential_source`` value no SDK knows (``rolechain validate`` says why)."""

NAMED_SOURCES: Mapping[str, type[EnvironmentSource | InstanceMetadataSource | ContainerSource]] = {
    "Environment": EnvironmentSource,
    "Ec2InstanceMetadata": InstanceMetadataSource,
    "EcsContainer": ContainerSource,
}
"""Each ``credential_source`` value and the base it names (the planner builds these)."""

_SSO_KEYS = ("sso_session", "sso_start_url", "sso_account_id", "sso_role_name")
ROLES_ANYWHERE_KEYS = (
    "roles_anywhere_certificate",
    "roles_anywhere_private_key",
    "roles_anywhere_trust_anchor_arn",
    "roles_anywhere_profile_arn",
)
"""The keys that make a profile with ``role_arn`` a ``roles-anywhere`` base."""
_KEY_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


def _set(settings: Mapping[str, object], key: str) -> bool:
    """True when ``key`` has a value the planner acts on: not blank."""
    value = settings.get(key)
    return value is not None and not (isinstance(value, str) and not value.strip())


def profile_kind(settings: Mapping[str, object]) -> str:
    """The kind of the profile whose keys are ``settings``, selected on its own (as
    ``explain PROFILE`` plans it): ``role`` for a hop, else the kind of its base."""
    if _set(settings, "saml_process") and not _set(settings, "web_identity_token_file"):
        return SamlSource.kind  # a SAML base (without role_arn: an error that names it)
    roles_anywhere = any(_set(settings, key) for key in ROLES_ANYWHERE_KEYS)
    if settings.get("role_arn") is not None:
        if _set(settings, "web_identity_token_file"):
            return WebIdentitySource.kind
        return RolesAnywhereSource.kind if roles_anywhere else ROLE  # its role: no hop
    if roles_anywhere:
        return RolesAnywhereSource.kind  # without role_arn: the plan says it is missing
    if _set(settings, "credential_source"):
        named = NAMED_SOURCES.get(str(settings["credential_source"]).strip())
        return named.kind if named is not None else INVALID
    if any(_set(settings, key) for key in _SSO_KEYS):
        return SsoSource.kind
    if _set(settings, "login_session"):
        return LoginSource.kind
    if _set(settings, "credential_process"):
        return ProcessSource.kind
    if settings.get("credential_store") is not None:
        return KeyringSource.kind
    if any(_set(settings, key) for key in _KEY_KEYS):
        return StaticSource.kind  # an incomplete pair too: the plan names what is missing
    return DefaultChainSource.kind
