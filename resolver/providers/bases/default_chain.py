"""The SDKs' default chain for a settings-only profile: environment keys, then the
container credentials endpoint, then EC2 instance metadata; the first configured wins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from resolver.errors import ProviderError
from resolver.providers.bases.built import FETCHED, Built, Inputs
from resolver.providers.bases.environment import EnvironmentProvider, has_environment_credentials
from resolver.stscreds.credentials import Credentials, CredentialsProvider

if TYPE_CHECKING:
    from resolver.chain.types import DefaultChainSource


class DefaultChainProvider:
    """Like botocore's and aws-sdk-rust's default chain, after the profile steps.

    The environment wins when it holds keys, the container endpoint when one of its URI
    variables is set, and EC2 instance metadata otherwise (its own errors then explain
    why nothing was found, e.g. ``AWS_EC2_METADATA_DISABLED``).
    """

    name = "DefaultChainProvider"

    def __init__(self, environ: Mapping[str, str], label: str | None = None):
        self._environ = environ
        self.label = label

    def __repr__(self) -> str:
        return f"DefaultChainProvider(label={self.label!r})"

    def chosen(self) -> CredentialsProvider:
        """The provider the environment selects now."""
        from resolver.providers.bases.container import FULL_URI, RELATIVE_URI

        environ = self._environ
        if has_environment_credentials(environ):
            return EnvironmentProvider(environ)
        if environ.get(RELATIVE_URI) or environ.get(FULL_URI):
            from resolver.providers.bases.container import ContainerProvider

            return ContainerProvider(environ)
        from resolver.providers.bases.imds import InstanceMetadataProvider

        return InstanceMetadataProvider(environ)

    def retrieve(self) -> Credentials:
        """The chosen provider's credentials; when instance metadata, the last link, fails
        too, an error naming the profile and every link tried, with what to do."""
        chosen = self.chosen()
        try:
            return chosen.retrieve()
        except ProviderError as exc:
            if chosen.name != "InstanceMetadataProvider":
                raise
            raise ProviderError(
                "no credentials: the profile holds only settings, so the SDKs' default "
                "chain was tried: environment keys (AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY: not set), the container endpoint "
                "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI: not set), EC2 "
                f"instance metadata ({exc.message}); give the profile credentials "
                "(static keys, credential_store, sso_session, credential_process, or "
                "role_arn with source_profile), set the environment keys, or select "
                "another profile",
                profile=self.label,
                reason="no-credentials",
            ) from None


def build(source: DefaultChainSource, inputs: Inputs) -> Built:
    """The default chain, named by the credentials it finds (possibly fetched)."""
    return Built(DefaultChainProvider(inputs.ctx.environ, label=source.profile), FETCHED)
