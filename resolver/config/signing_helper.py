"""AWS's ``aws_signing_helper credential-process ...`` recognised in a
``credential_process``: the same Roles Anywhere session as the native ``roles-anywhere``
base, which ``explain`` points to and ``convert --to toml`` writes instead.

Only a command whose every option has a native key is recognised (certificate and key
files, no PKCS#11, TPM or certificate store). Stdlib only.
"""

from __future__ import annotations

import os
import shlex

PROGRAM = "aws_signing_helper"
FLAGS = {
    "--certificate": "roles_anywhere_certificate",
    "--private-key": "roles_anywhere_private_key",
    "--trust-anchor-arn": "roles_anywhere_trust_anchor_arn",
    "--profile-arn": "roles_anywhere_profile_arn",
    "--role-arn": "role_arn",
    "--intermediates": "roles_anywhere_certificate_chain",
    "--session-duration": "roles_anywhere_session_duration",
}
REQUIRED = ("--certificate", "--private-key", "--trust-anchor-arn", "--profile-arn", "--role-arn")
MAX_COMMAND_CHARS = 8192


def native_keys(command: str) -> dict[str, str] | None:
    """The native profile keys ``command`` stands for, or None when it is no
    ``aws_signing_helper credential-process`` with only options that have a native key."""
    if len(command) > MAX_COMMAND_CHARS:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if len(words) < 2 or os.path.basename(words[0]) != PROGRAM:
        return None
    if words[1] != "credential-process":
        return None
    found: dict[str, str] = {}
    rest = words[2:]
    while rest:
        flag, *rest = rest
        flag, equals, value = flag.partition("=")
        if flag not in FLAGS or flag in found:
            return None
        if not equals:
            if not rest:
                return None
            value, *rest = rest
        found[flag] = value
    if not all(found.get(flag) for flag in REQUIRED):
        return None
    return {FLAGS[flag]: value for flag, value in found.items()}
