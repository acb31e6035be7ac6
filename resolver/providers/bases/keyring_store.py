"""Long-term keys in the OS keyring, through the ``keyring`` package.

One entry per profile: service ``rolechain``, user name = the profile name, value = JSON
``{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}``. ``keyring`` is imported
only here, inside the functions, so planning and a warm export never load it.

Every failure becomes one ``ProviderError`` line naming the profile and what to do; no
message ever carries the secret (backend messages are not repeated, only their type).
Callers serialize access across processes (``resolver.cache.keyring_lock``): macOS
Keychain and some Secret Service daemons fail under concurrent access.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.errors import ProviderError
from resolver.providers.bases.built import Built, Inputs, StepKey, long_term
from resolver.stscreds.credentials import Credentials

if TYPE_CHECKING:
    from resolver.chain.types import KeyringSource

SERVICE = "rolechain"
MAX_VALUE_CHARS = 4096
MAX_FIELD_CHARS = 1024
HEADLESS_HINT = (
    "on a headless host install keyrings.alt (`pip install keyrings.alt`) and set "
    "PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring, or run a Secret Service"
)

LockFactory = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class StoredKeys:
    """An access key pair; the secret stays out of ``repr``."""

    access_key_id: str
    secret_access_key: str = field(repr=False)

    def to_value(self) -> str:
        """The keyring value (JSON)."""
        data = {
            "Version": 1,
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key,
        }
        return json.dumps(data, separators=(",", ":"))


def parse_keys(text: str, *, what: str) -> StoredKeys:
    """Keys from JSON text (``AccessKeyId``/``SecretAccessKey``, or ``aws_access_key_id``/
    ``aws_secret_access_key``); ``ProviderError`` naming ``what`` otherwise."""
    if len(text) > MAX_VALUE_CHARS:
        raise ProviderError(f"{what} is over {MAX_VALUE_CHARS} characters")
    try:
        data: Any = json.loads(text)
    except ValueError:
        raise ProviderError(f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise ProviderError(f"{what} is not a JSON object")
    key_id = data.get("AccessKeyId", data.get("aws_access_key_id"))
    secret = data.get("SecretAccessKey", data.get("aws_secret_access_key"))
    return checked_keys(key_id, secret, what=what)


def checked_keys(key_id: object, secret: object, *, what: str) -> StoredKeys:
    """A ``StoredKeys`` if both values are sane strings; ``ProviderError`` naming ``what``."""
    for name, value in (("AccessKeyId", key_id), ("SecretAccessKey", secret)):
        if not isinstance(value, str) or not value.strip():
            raise ProviderError(f"{what} has no {name}")
        if len(value) > MAX_FIELD_CHARS or not value.strip().isprintable():
            raise ProviderError(f"{what}: {name} is not a plausible key")
    assert isinstance(key_id, str) and isinstance(secret, str)
    if any(c.isspace() for c in key_id.strip()):
        raise ProviderError(f"{what}: AccessKeyId contains whitespace")
    return StoredKeys(key_id.strip(), secret.strip())


def _backend_error(exc: BaseException, profile: str | None, action: str) -> ProviderError:
    """One line for a failing backend: locked, missing, or access refused."""
    from keyring import errors

    who = f" for profile {profile}" if profile else ""
    if isinstance(exc, errors.KeyringLocked):
        message = (
            f"the OS keyring is locked, so rolechain cannot {action} the keys{who}: unlock it "
            "(log in to the desktop session or unlock the login keychain) and run again"
        )
    elif isinstance(exc, (errors.NoKeyringError, errors.InitError)):
        message = f"no OS keyring backend is available to {action} the keys{who}: {HEADLESS_HINT}"
    else:
        message = (
            f"the OS keyring refused to {action} the keys{who} ({type(exc).__name__}): allow "
            "rolechain when the keyring asks, or check the entry's access control, then run again"
        )
    return ProviderError(message, profile=profile)


@contextmanager
def keyring_backend(profile: str | None, action: str) -> Iterator[Any]:
    """The configured keyring backend; its failures become one-line errors."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise ProviderError(
            "the keyring package is not installed: `pip install keyring`", profile=profile
        ) from None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a bad PYTHON_KEYRING_BACKEND or keyringrc.cfg
        from resolver.context import library_setting

        name = library_setting("PYTHON_KEYRING_BACKEND")  # what keyring itself read
        configured = f" (PYTHON_KEYRING_BACKEND={name})" if name else ""
        raise ProviderError(
            f"cannot load the OS keyring backend{configured} ({type(exc).__name__}); "
            f"{HEADLESS_HINT}",
            profile=profile,
        ) from None
    try:
        yield backend
    except KeyringError as exc:
        raise _backend_error(exc, profile, action) from None


def load_keys(profile: str) -> StoredKeys:
    """The profile's keys from the keyring; ``ProviderError`` when absent or unusable."""
    with keyring_backend(profile, "read") as backend:
        value = backend.get_password(SERVICE, profile)
    if value is None:
        raise ProviderError(
            f"no keys in the OS keyring (service {SERVICE}, user {profile}): store them with "
            f"`rolechain keys add {profile}` or `rolechain keys import {profile}`",
            profile=profile,
        )
    return parse_keys(value, what=f"the OS keyring entry (service {SERVICE}, user {profile})")


def find_keys(profile: str) -> StoredKeys | None:
    """The profile's keys, or None when it has no entry."""
    with keyring_backend(profile, "read") as backend:
        value = backend.get_password(SERVICE, profile)
    if value is None:
        return None
    return parse_keys(value, what=f"the OS keyring entry (service {SERVICE}, user {profile})")


def save_keys(profile: str, keys: StoredKeys) -> None:
    """Store (or replace) the profile's keys."""
    with keyring_backend(profile, "store") as backend:
        backend.set_password(SERVICE, profile, keys.to_value())


def delete_keys(profile: str) -> bool:
    """Delete the profile's entry; False if there was none."""
    from keyring.errors import PasswordDeleteError

    with keyring_backend(profile, "delete") as backend:
        if backend.get_password(SERVICE, profile) is None:
            return False
        try:
            backend.delete_password(SERVICE, profile)
        except PasswordDeleteError:
            return False
    return True


class KeyringProvider:
    """The keys of ``profile`` from the OS keyring, read under ``lock`` on each retrieve.

    Not caching (wrap it): the long-term secret lives in memory only, never on disk.
    """

    name = "KeyringProvider"

    def __init__(self, profile: str, *, lock: LockFactory | None = None) -> None:
        self.profile = profile
        self.label = profile
        self._lock: LockFactory = lock or nullcontext

    def __repr__(self) -> str:
        return f"KeyringProvider(profile={self.profile!r})"

    def retrieve(self) -> Credentials:
        """Read the keyring entry (serialized across processes by ``lock``)."""
        with self._lock():
            keys = load_keys(self.profile)
        return Credentials(
            access_key_id=keys.access_key_id,
            secret_access_key=keys.secret_access_key,
            source=self.name,
        )


def key_id_path(directory: str | os.PathLike[str], profile: str) -> Path:
    """Where ``rolechain keys`` records the access key id last stored for ``profile``
    (``resolver.cache.keyring_lock``): what names the keys without reading the keyring."""
    digest = hashlib.sha256(profile.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return Path(directory) / f"keyring-{digest}.id"


def build(source: KeyringSource, inputs: Inputs) -> Built:
    """The keyring entry, named by the key id file ``rolechain keys`` records (read by
    its digest, never the keyring); with ``mfa_serial``, their MFA session."""
    keys = KeyringProvider(source.profile, lock=inputs.keyring_lock)
    name = f"keyring:rolechain/{source.profile}"
    recorded = ("file", os.path.abspath(key_id_path(inputs.ctx.cache_dir, source.profile)))
    key = StepKey(depends=(recorded,), caller=name)
    return long_term(Built(keys, key), source, inputs, key_id=name)
