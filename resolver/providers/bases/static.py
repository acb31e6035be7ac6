"""Keys given directly: a profile's ``aws_access_key_id`` and ``aws_secret_access_key``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolver.errors import ProviderError
from resolver.providers.bases.built import Built, Inputs, StepKey, long_term
from resolver.stscreds.credentials import Credentials

if TYPE_CHECKING:
    from resolver.chain.types import StaticSource


class StaticProvider:
    """Returns the keys it was built with; ``label`` (a profile name) appears in errors."""

    name = "StaticProvider"

    def __init__(
        self,
        access_key_id: str,
        secret_access_key: str,
        session_token: str | None = None,
        *,
        label: str | None = None,
    ) -> None:
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._session_token = session_token or None
        self.label = label

    def __repr__(self) -> str:
        return f"StaticProvider(access_key_id={self._access_key_id!r}, label={self.label!r})"

    def retrieve(self) -> Credentials:
        """The static keys; ProviderError when the key id or the secret is empty."""
        missing = [
            key
            for key, value in (
                ("aws_access_key_id", self._access_key_id),
                ("aws_secret_access_key", self._secret_access_key),
            )
            if not value or not value.strip()
        ]
        if missing:
            raise ProviderError(
                f"static credentials are incomplete: empty {', '.join(missing)}",
                profile=self.label,
            )
        return Credentials(
            access_key_id=self._access_key_id,
            secret_access_key=self._secret_access_key,
            session_token=self._session_token,
            source=self.name,
        )


def build(source: StaticSource, inputs: Inputs) -> Built:
    """Static keys, named by their access key id (with ``mfa_serial``: their MFA session)."""
    keys = StaticProvider(
        source.access_key_id, source.secret_access_key, source.session_token, label=source.profile
    )
    key = StepKey(caller=f"static:{source.access_key_id}")
    return long_term(Built(keys, key), source, inputs, key_id=source.access_key_id)
