"""Long-term keys in the OS keyring, through the ``keyring`` package.

One entry per profile: service ``rolechain``, user name = the profile name, value = JSON
``{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...}``. ``keyring`` is imported
only here, inside the functions, so planning and a warm export never load it.

Every failure becomes one ``ProviderError`` line naming the profile, the backend's own
cause (its exception's class and message, on one line, scrubbed of secrets) and what to
do. A backend that asks for its password (``keyrings.alt``'s ``EncryptedKeyring``) asks
on the terminal within a bounded time, or fails at once without one (``keyring_prompt``).
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

from resolver.errors import ProviderError, ResolverError, remember
from resolver.providers.bases.built import Built, Inputs, StepKey, long_term
from resolver.providers.bases.keyring_prompt import NoPasswordPrompt, bounded_password_prompts
from resolver.stscreds.credentials import Credentials

if TYPE_CHECKING:
    from resolver.chain.types import KeyringSource

SERVICE = "rolechain"
MAX_VALUE_CHARS = 4096
MAX_FIELD_CHARS = 1024
INSTALL_HINT = (
    "install it where rolechain runs: `pip install keyrings.alt pycryptodome` "
    "(a pipx install: `pipx inject rolechain keyrings.alt pycryptodome`)"
)
HEADLESS_HINT = (
    "on a headless host run a Secret Service, or set "
    f"PYTHON_KEYRING_BACKEND=keyrings.alt.file.EncryptedKeyring and {INSTALL_HINT}"
)
MAX_CAUSE_CHARS = 160

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


def backend_cause(exc: BaseException) -> str:
    """``Class: message`` of a backend's exception: one line, printable, no secret."""
    from resolver.errors import printable, scrub

    message = " ".join(str(exc).split())
    if len(message) > MAX_CAUSE_CHARS:
        message = message[: MAX_CAUSE_CHARS - 3] + "..."
    return printable(scrub(f"{type(exc).__name__}: {message}" if message else type(exc).__name__))


def _backend_name(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _backend_error(
    exc: BaseException, backend: object, profile: str | None, action: str
) -> ProviderError:
    """One line for a failing backend: locked, missing, access refused, or its own error."""
    from keyring import errors

    who = f" for profile {profile}" if profile else ""
    cause = backend_cause(exc)
    if isinstance(exc, errors.KeyringLocked):
        message = (
            f"the OS keyring is locked, so rolechain cannot {action} the keys{who} ({cause}): "
            "unlock it (log in to the desktop session or unlock the login keychain) and run again"
        )
    elif isinstance(exc, (errors.NoKeyringError, errors.InitError)):
        message = (
            f"no OS keyring backend is available to {action} the keys{who} ({cause}); "
            f"{HEADLESS_HINT}"
        )
    elif isinstance(exc, errors.KeyringError):
        message = (
            f"the OS keyring refused to {action} the keys{who} ({cause}): allow rolechain "
            "when the keyring asks, or check the entry's access control, then run again"
        )
    else:
        message = (
            f"the OS keyring backend {_backend_name(backend)} failed to {action} the "
            f"keys{who} ({cause})"
        )
    return ProviderError(message, profile=profile)


def _no_prompt_error(
    exc: NoPasswordPrompt, backend: object, profile: str | None, action: str
) -> ProviderError:
    who = f" for profile {profile}" if profile else ""
    first = f"`rolechain export {profile}`" if profile else "rolechain"
    return ProviderError(
        f"the OS keyring backend {_backend_name(backend)} asked for its password to {action} "
        f"the keys{who}, and {exc.why} (as under credential_process): run {first} once "
        "from a terminal to unlock it (the sessions it makes are cached), or set "
        "PYTHON_KEYRING_BACKEND to a backend that asks no password (a Secret Service)",
        profile=profile,
    )


@contextmanager
def keyring_backend(profile: str | None, action: str) -> Iterator[Any]:
    """The configured keyring backend; its failures become one-line errors, and a password
    it asks for is asked on the terminal, bounded in time (``keyring_prompt``)."""
    try:
        import keyring
    except ImportError:
        raise ProviderError(
            "the keyring package is not installed: `pip install keyring`", profile=profile
        ) from None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a bad PYTHON_KEYRING_BACKEND or keyringrc.cfg
        raise _load_error(exc, profile) from None
    try:
        with bounded_password_prompts():
            yield backend
    except NoPasswordPrompt as exc:
        raise _no_prompt_error(exc, backend, profile, action) from None
    except ResolverError:
        raise
    except Exception as exc:  # the backend's own failure (Incorrect Password, a D-Bus error)
        raise _backend_error(exc, backend, profile, action) from None


def _load_error(exc: Exception, profile: str | None) -> ProviderError:
    from resolver.context import library_setting

    name = library_setting("PYTHON_KEYRING_BACKEND")  # what keyring itself read
    configured = f" {name} (PYTHON_KEYRING_BACKEND)" if name else ""
    return ProviderError(
        f"cannot load the OS keyring backend{configured}: {backend_cause(exc)}; "
        + (INSTALL_HINT if name else HEADLESS_HINT),
        profile=profile,
    )


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
    remember(keys.secret_access_key)  # a backend error repeating it is scrubbed
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
