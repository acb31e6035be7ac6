"""The keyring entries ``rolechain keys`` manages, each access behind the keyring lock.

``keyring`` cannot list entries, so rolechain keeps an index beside them: service
``rolechain.index``, user ``profiles``, value = JSON ``{profile: access key id}`` (no
secrets). ``keys list`` reads the index, plus any profile declaring
``credential_store = keyring`` that the index does not know.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from resolver.cache.keyring_lock import keyring_lock, record_key_id
from resolver.context import Context
from resolver.errors import ProviderError
from resolver.providers.bases import keyring_store
from resolver.providers.bases.keyring_store import StoredKeys

INDEX_SERVICE = "rolechain.index"
INDEX_USER = "profiles"
MAX_INDEX_ENTRIES = 10_000


class KeyringEntries:
    """Locked reads and writes of rolechain's keyring entries and their index."""

    def __init__(self, ctx: Context) -> None:
        self._lock = keyring_lock(ctx)
        self._ctx = ctx

    def get(self, profile: str) -> StoredKeys | None:
        """The profile's keys, or None."""
        with self._lock():
            return keyring_store.find_keys(profile)

    def load(self, profile: str) -> StoredKeys:
        """The profile's keys; ``ProviderError`` (with what to do) when there are none."""
        with self._lock():
            return keyring_store.load_keys(profile)

    def put(self, profile: str, keys: StoredKeys) -> None:
        """Store the profile's keys and note the access key id in the index."""
        with self._lock():
            keyring_store.save_keys(profile, keys)
            index = self._index()
            index[profile] = keys.access_key_id
            self._save_index(index)
        record_key_id(profile, keys.access_key_id, self._ctx)

    def put_checked(self, profile: str, key_id: object, secret: object) -> StoredKeys:
        """Store a key pair found in a file (checked first), read back: ``ProviderError``
        unless the keyring kept it."""
        keys = keyring_store.checked_keys(key_id, secret, what=f"profile {profile}")
        self.put(profile, keys)
        if self.get(profile) != keys:
            raise ProviderError("the OS keyring did not keep the keys", profile=profile)
        return keys

    def remove(self, profile: str) -> bool:
        """Delete the profile's entry (and its index line); False if it had none."""
        with self._lock():
            removed = keyring_store.delete_keys(profile)
            index = self._index()
            if index.pop(profile, None) is not None:
                self._save_index(index)
        record_key_id(profile, None, self._ctx)
        return removed

    def listing(self, declared: Iterable[str]) -> dict[str, str]:
        """profile -> access key id, for the index and the ``declared`` keyring profiles."""
        with self._lock():
            index = self._index()
            for profile in declared:
                if profile not in index and (keys := keyring_store.find_keys(profile)):
                    index[profile] = keys.access_key_id
        return dict(sorted(index.items()))

    def _index(self) -> dict[str, str]:
        import keyring

        from resolver.providers.bases.keyring_store import keyring_backend

        with keyring_backend(None, "read") as backend:
            assert isinstance(backend, keyring.backend.KeyringBackend)
            text = backend.get_password(INDEX_SERVICE, INDEX_USER)
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        if not isinstance(data, dict) or len(data) > MAX_INDEX_ENTRIES:
            return {}
        return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

    def _save_index(self, index: Mapping[str, str]) -> None:
        from resolver.providers.bases.keyring_store import keyring_backend

        if len(index) > MAX_INDEX_ENTRIES:
            raise ProviderError(f"more than {MAX_INDEX_ENTRIES} keyring entries")
        with keyring_backend(None, "store") as backend:
            backend.set_password(INDEX_SERVICE, INDEX_USER, json.dumps(dict(index)))
