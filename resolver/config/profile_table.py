"""Generated from ``resolver.config.model`` by ``python -m resolver.config.fastgen``.

Do not edit: a test fails when this table and the model disagree.
"""

FAST = True
PROFILE_KEYS = frozenset(
    {
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "console_browser",
        "credential_process",
        "credential_source",
        "credential_store",
        "duration_seconds",
        "endpoint_url",
        "external_id",
        "login_session",
        "mfa_process",
        "mfa_prompt",
        "mfa_serial",
        "mfa_session_duration",
        "policy",
        "policy_arns",
        "principal_arn",
        "region",
        "role_arn",
        "role_session_name",
        "roles_anywhere_certificate",
        "roles_anywhere_certificate_chain",
        "roles_anywhere_passphrase_source",
        "roles_anywhere_private_key",
        "roles_anywhere_profile_arn",
        "roles_anywhere_session_duration",
        "roles_anywhere_trust_anchor_arn",
        "saml_process",
        "services",
        "session_tags",
        "source_identity",
        "source_profile",
        "sso_account_id",
        "sso_region",
        "sso_role_name",
        "sso_session",
        "sso_start_url",
        "sts_regional_endpoints",
        "transitive_session_tags",
        "web_identity_token_file",
    }
)
SSO_SESSION_KEYS = frozenset(
    {
        "sso_region",
        "sso_registration_scopes",
        "sso_start_url",
    }
)
TOML_ONLY_KEYS = frozenset(
    {
        "console_browser",
    }
)
# Fields the model leaves out of its repr (secrets).
HIDDEN = frozenset(
    {
        "aws_secret_access_key",
        "aws_session_token",
    }
)
# Profile fields in the model's order: (kind, choices).
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "role_arn": ("str", ()),
    "source_profile": ("str", ()),
    "credential_source": ("choice", ("Environment", "Ec2InstanceMetadata", "EcsContainer")),
    "web_identity_token_file": ("str", ()),
    "role_session_name": ("str", ()),
    "external_id": ("str", ()),
    "mfa_serial": ("str", ()),
    "mfa_process": ("str", ()),
    "mfa_prompt": ("choice", ("terminal", "zenity", "kdialog", "osascript", "pinentry", "ykman", "process")),
    "duration_seconds": ("duration", ()),
    "mfa_session_duration": ("duration", ()),
    "session_tags": ("tags", ()),
    "transitive_session_tags": ("list", ()),
    "source_identity": ("str", ()),
    "policy": ("str", ()),
    "policy_arns": ("list", ()),
    "credential_process": ("str", ()),
    "aws_access_key_id": ("str", ()),
    "aws_secret_access_key": ("str", ()),
    "aws_session_token": ("str", ()),
    "sso_session": ("str", ()),
    "sso_start_url": ("str", ()),
    "sso_region": ("region", ()),
    "sso_account_id": ("str", ()),
    "sso_role_name": ("str", ()),
    "login_session": ("str", ()),
    "credential_store": ("choice", ("keyring",)),
    "saml_process": ("str", ()),
    "principal_arn": ("str", ()),
    "roles_anywhere_certificate": ("str", ()),
    "roles_anywhere_private_key": ("str", ()),
    "roles_anywhere_certificate_chain": ("str", ()),
    "roles_anywhere_trust_anchor_arn": ("str", ()),
    "roles_anywhere_profile_arn": ("str", ()),
    "roles_anywhere_session_duration": ("duration", ()),
    "roles_anywhere_passphrase_source": ("choice", ("prompt", "keyring")),
    "console_browser": ("defer", ()),
    "region": ("region", ()),
    "sts_regional_endpoints": ("choice", ("regional", "legacy")),
    "endpoint_url": ("endpoint", ()),
    "services": ("str", ()),
}
