"""The web identity base's token: a file named by ``web_identity_token_file`` (or
``AWS_WEB_IDENTITY_TOKEN_FILE``), read with the configuration's bounded reader. The STS
call itself is ``resolver.stscreds.web_identity.WebIdentityRoleProvider``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from resolver.config.sources.files import read_regular
from resolver.errors import ProviderError, remember
from resolver.providers.bases.built import GENERATED, Built, Inputs, StepKey

if TYPE_CHECKING:
    from resolver.chain.types import WebIdentitySource

MAX_TOKEN_FILE_BYTES = 64 * 1024  # STS takes tokens of up to 20,000 characters


class IdentityTokenFile:
    """A token file, re-read on every call because tokens rotate."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def __repr__(self) -> str:
        return f"IdentityTokenFile({self.path!r})"

    def get_identity_token(self) -> str:
        """The token in the file, stripped; ``ProviderError`` naming the path if unusable."""
        try:
            data = read_regular(self.path, MAX_TOKEN_FILE_BYTES)
        except FileNotFoundError:
            raise ProviderError("web identity token file not found", file=self.path) from None
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ProviderError(
                f"cannot read web identity token file: {reason}", file=self.path
            ) from None
        try:
            token = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ProviderError(
                "web identity token file is not valid UTF-8", file=self.path
            ) from None
        if not token:
            raise ProviderError("web identity token file is empty", file=self.path)
        remember(token)
        return token


def build(source: WebIdentitySource, inputs: Inputs) -> Built:
    """AssumeRoleWithWebIdentity with the token file, kept on disk under the token's
    digest: the file the key names is the file the provider reads."""
    from resolver.providers.sts.caller import CallerBoundStsClient
    from resolver.stscreds.web_identity import WebIdentityRoleProvider

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
