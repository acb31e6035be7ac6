"""Static checks of names and identifiers: role ARN, session name, external id,
source identity, MFA serial and token code. Pure: stdlib only."""

from __future__ import annotations

import re

from resolver.chain.checks.text import show, text_problem

ARN_CHARS = (20, 2048)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}", re.A)
_TOKEN_CODE = re.compile(r"[0-9]{6}")
RESERVED_PREFIX = "aws:"


def check_role_arn(value: str) -> str | None:
    """RoleArn: 20-2048 characters shaped ``arn:<partition>:iam::<account>:role/<name>``."""
    low, high = ARN_CHARS
    if not low <= len(value) <= high:
        return f"role_arn must be {low}-{high} characters (it has {len(value)})"
    if _ROLE_ARN.fullmatch(value) is None:
        return (
            f"role_arn {show(value)} is not an IAM role ARN "
            "(arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>)"
        )
    return None


def check_session_name(value: str) -> str | None:
    """RoleSessionName: 2-64 characters of ``[\\w+=,.@-]`` (ASCII ``\\w``)."""
    return text_problem("role_session_name", value, 2, 64, r"[\w+=,.@-]")


def check_external_id(value: str) -> str | None:
    """ExternalId: 2-1224 characters of ``[\\w+=,.@:/-]``."""
    return text_problem("external_id", value, 2, 1224, r"[\w+=,.@:/-]")


def check_source_identity(value: str) -> str | None:
    """SourceIdentity: 2-64 characters of ``[\\w+=,.@-]``, not beginning with ``aws:``."""
    if value.lower().startswith(RESERVED_PREFIX):
        return "source_identity must not begin with 'aws:' (reserved for AWS)"
    return text_problem("source_identity", value, 2, 64, r"[\w+=,.@-]")


def check_serial_number(value: str) -> str | None:
    """SerialNumber (``mfa_serial``): 9-256 characters of ``[\\w+=/:,.@-]``, not beginning
    with ``-`` (a helper program such as ``ykman`` would read it as an option)."""
    if value.startswith("-"):
        return f"mfa_serial {show(value)} must not begin with '-'"
    return text_problem("mfa_serial", value, 9, 256, r"[\w+=/:,.@-]")


def check_token_code(code: str) -> str | None:
    """TokenCode: exactly 6 ASCII digits. The message never repeats the code."""
    return None if _TOKEN_CODE.fullmatch(code) else "the MFA token code must be exactly 6 digits"


_SAML_PROVIDER_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:saml-provider/[\w.+=,@-]{1,128}", re.A)


def check_principal_arn(value: str) -> str | None:
    """PrincipalArn of AssumeRoleWithSAML: an IAM SAML provider's ARN (20-2048 chars)."""
    low, high = ARN_CHARS
    if not low <= len(value) <= high or _SAML_PROVIDER_ARN.fullmatch(value) is None:
        return (
            f"principal_arn {show(value)} is not an IAM SAML provider ARN "
            "(arn:<partition>:iam::<12-digit account>:saml-provider/<name>)"
        )
    return None


_ROLES_ANYWHERE_ARN = re.compile(
    r"arn:(aws[a-z-]*):rolesanywhere:([a-z0-9-]{1,32}):\d{12}:([a-z-]+)/[\w-]{1,128}", re.A
)


def roles_anywhere_arn_parts(value: str) -> tuple[str, str, str] | None:
    """(partition, region, resource type) of a Roles Anywhere ARN, or None."""
    found = _ROLES_ANYWHERE_ARN.fullmatch(value)
    return (found[1], found[2], found[3]) if found else None


def check_roles_anywhere_arn(key: str, value: str, resource: str) -> str | None:
    """A trust anchor or Roles Anywhere profile ARN:
    ``arn:<partition>:rolesanywhere:<region>:<account>:<resource>/<id>``."""
    parts = roles_anywhere_arn_parts(value)
    if parts is None or parts[2] != resource:
        return (
            f"{key} {show(value)} is not a Roles Anywhere {resource} ARN "
            f"(arn:<partition>:rolesanywhere:<region>:<12-digit account>:{resource}/<id>)"
        )
    return None
