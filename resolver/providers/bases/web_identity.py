"""The web identity base: ``resolver.stscreds``' public ``WebIdentityRoleProvider`` with
its ``IdentityTokenFile``, the file named by ``web_identity_token_file`` (or
``AWS_WEB_IDENTITY_TOKEN_FILE``) with its leading "~" taken from the Context's home.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from resolver.providers.bases.built import GENERATED, Built, Inputs, StepKey

if TYPE_CHECKING:
    from resolver.chain.types import WebIdentitySource


def build(source: WebIdentitySource, inputs: Inputs) -> Built:
    """AssumeRoleWithWebIdentity with the token file, kept on disk under the token's
    digest: the file the key names is the file the provider reads."""
    from resolver.providers.sts.caller import CallerBoundStsClient
    from resolver.stscreds.web_identity import IdentityTokenFile, WebIdentityRoleProvider

    path = inputs.ctx.expand(source.web_identity_token_file)
    provider = WebIdentityRoleProvider(
        CallerBoundStsClient(None, inputs.target),
        source.role_arn,
        IdentityTokenFile(path),
        role_session_name=source.role_session_name,
        duration=source.duration_seconds,
        policy=source.policy,
        policy_arns=source.policy_arns,
        label=f"{source.profile} ({source.role_arn})" if source.profile else source.role_arn,
    )
    material = {
        "kind": "web-identity",
        "role_arn": source.role_arn,
        "role_session_name": source.role_session_name or GENERATED,
        "duration": source.duration_seconds,
        "policy": source.policy,
        "policy_arns": list(source.policy_arns),
        "target": inputs.target_material(),
    }
    token = ("file", os.path.normpath(os.path.join(inputs.ctx.cwd, path)))
    return Built(provider, StepKey(material, depends=(token,)))
