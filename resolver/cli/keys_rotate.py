"""``rolechain keys rotate``: a new access key, proven, stored, then the old one deleted.

1. ``create``: IAM CreateAccessKey, signed by the current key.
2. ``wait``: STS GetCallerIdentity with the new key until it answers as the same IAM
   user (IAM is eventually consistent), with bounded retries.
3. ``store``: the new key goes where the old one was (keyring, or the credentials file
   rewritten atomically after a backup).
4. ``delete``: IAM DeleteAccessKey of the old key, signed by the new one.

A failure in steps 1 to 3 leaves the old key working and stored (a new key already
created is deleted again, best effort); a failure in step 4 leaves the new key stored and
the old one still valid. Every error names its step; none carries a secret.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from resolver.chain.types import StsSettings
from resolver.errors import ProviderError, ResolverError
from resolver.providers.bases.keyring_store import StoredKeys
from resolver.stscreds.credentials import Credentials

WAIT_ATTEMPTS = 10
WAIT_SECONDS = 2.0
Store = Callable[[StoredKeys], None]


def iam_endpoint(settings: StsSettings, environ: Mapping[str, str]) -> str | None:
    """``AWS_ENDPOINT_URL_IAM``, else ``AWS_ENDPOINT_URL``, else the profile's endpoint_url."""
    from resolver.config.values import environment_endpoint

    return environment_endpoint(environ, "IAM") or settings.endpoint_url


def _iam_region(settings: StsSettings, environ: Mapping[str, str]) -> str:
    region = settings.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    return region if region and region.startswith(("cn-", "us-gov-")) else "us-east-1"


class Rotation:
    """One rotation of ``profile``'s key ``old``; ``store`` saves the new key in place."""

    def __init__(
        self,
        profile: str,
        old: StoredKeys,
        store: Store,
        settings: StsSettings,
        environ: Mapping[str, str],
        *,
        attempts: int | None = None,
        pause: float | None = None,
    ) -> None:
        self.profile = profile
        self.old = old
        self.store = store
        self.settings = settings
        self.environ = environ
        self.attempts = WAIT_ATTEMPTS if attempts is None else max(1, attempts)
        self.pause = WAIT_SECONDS if pause is None else pause
        self._owner: str | None = None

    def owner(self) -> str:
        """The ARN the current key answers as (STS GetCallerIdentity): the IAM user whose
        key is rotated, named before anything changes."""
        from botocore.exceptions import BotoCoreError, ClientError

        if self._owner is None:
            try:
                self._owner = self._identity(self.old)
            except (ClientError, BotoCoreError, ResolverError) as exc:
                raise self._error(
                    "identify", "STS GetCallerIdentity with the current key", exc
                ) from None
        return self._owner

    def _error(self, step: str, what: str, exc: BaseException) -> ProviderError:
        from botocore.exceptions import ClientError

        detail = type(exc).__name__
        if isinstance(exc, ClientError):
            detail = str(exc.response.get("Error", {}).get("Code", detail))
        elif isinstance(exc, ResolverError):
            detail = exc.message
        return ProviderError(
            f"rotation failed at step {step}: {what}: {detail}", profile=self.profile
        )

    def _iam(self, keys: StoredKeys) -> Any:
        from botocore.config import Config

        from resolver.providers.sts.factory import _botocore_session

        config = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"})
        return _botocore_session().create_client(
            "iam",
            region_name=_iam_region(self.settings, self.environ),
            endpoint_url=iam_endpoint(self.settings, self.environ),
            config=config,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
        )

    def _identity(self, keys: StoredKeys) -> str:
        from resolver.providers.sts.factory import make_sts_client, sts_target

        credentials = Credentials(keys.access_key_id, keys.secret_access_key, source="rotate")
        client = make_sts_client(credentials, sts_target(self.settings, self.environ))
        arn: str = client.get_caller_identity()["Arn"]
        return arn

    def create(self) -> StoredKeys:
        """Step 1: CreateAccessKey with the current key."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            key = self._iam(self.old).create_access_key()["AccessKey"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "LimitExceeded":
                raise ProviderError(
                    "rotation failed at step create: the IAM user already has two access keys "
                    "and IAM refuses a third; delete the unused one (aws iam "
                    "delete-access-key) and run again",
                    profile=self.profile,
                ) from None
            raise self._error("create", "IAM CreateAccessKey", exc) from None
        except BotoCoreError as exc:
            raise self._error("create", "IAM CreateAccessKey", exc) from None
        return StoredKeys(key["AccessKeyId"], key["SecretAccessKey"])

    def wait(self, new: StoredKeys) -> None:
        """Step 2: GetCallerIdentity with the new key until it answers as the old key's user."""
        from botocore.exceptions import BotoCoreError, ClientError

        expected = self.owner()
        last: BaseException | None = None
        for attempt in range(self.attempts):
            try:
                if self._identity(new) == expected:
                    return
                last = ProviderError("the new key answers as another identity")
            except (ClientError, BotoCoreError, ResolverError) as exc:
                last = exc
            if attempt + 1 < self.attempts:
                time.sleep(self.pause)
        assert last is not None
        what = f"the new key {new.access_key_id} did not work after {self.attempts} tries"
        raise self._error("wait", what, last)

    def delete(self, new: StoredKeys) -> None:
        """Step 4: DeleteAccessKey of the old key, signed by the new one."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._iam(new).delete_access_key(AccessKeyId=self.old.access_key_id)
        except (ClientError, BotoCoreError) as exc:
            raise ProviderError(
                f"rotation failed at step delete: the new key {new.access_key_id} is stored and "
                f"works, but IAM DeleteAccessKey of the old key {self.old.access_key_id} failed "
                f"({self._error('delete', '', exc).message.rsplit(': ', 1)[-1]}); delete it "
                f"with `aws iam delete-access-key --access-key-id {self.old.access_key_id}`",
                profile=self.profile,
            ) from None

    def _discard(self, new: StoredKeys) -> str:
        """Best effort: delete a new key that will not be used (signed by the old key)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._iam(self.old).delete_access_key(AccessKeyId=new.access_key_id)
        except (ClientError, BotoCoreError):
            return f"; the new key {new.access_key_id} could not be deleted: delete it by hand"
        return f"; the new key {new.access_key_id} was deleted again"

    def run(self) -> StoredKeys:
        """All four steps; returns the new key (already stored)."""
        new = self.create()
        try:
            self.wait(new)
            try:
                self.store(new)
            except ResolverError as exc:
                raise self._error("store", "saving the new key", exc) from None
            except OSError as exc:
                raise self._error("store", "saving the new key", exc) from None
        except ProviderError as exc:
            exc.message += " (the old key is still stored and works)" + self._discard(new)
            raise
        self.delete(new)
        return new
