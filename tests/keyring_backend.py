"""A file-backed ``keyring`` backend for tests: no system keyring needed.

Chosen with ``PYTHON_KEYRING_BACKEND=tests.keyring_backend.FileKeyring`` and
``ROLECHAIN_TEST_KEYRING_DIR`` (the store). It appends one line per read to
``reads.log`` (``O_APPEND``: safe across processes), and fails on request: a file
``locked`` in the store raises ``KeyringLocked``, ``refuse`` raises the error macOS gives
when the user clicks Deny.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, KeyringLocked, PasswordDeleteError

ENV = "ROLECHAIN_TEST_KEYRING_DIR"
BACKEND = "tests.keyring_backend.FileKeyring"


def store_dir() -> Path:
    return Path(os.environ[ENV])


def reads(directory: Path) -> list[str]:
    """The ``service/user`` of each read so far."""
    log = directory / "reads.log"
    return log.read_text().splitlines() if log.exists() else []


class FileKeyring(KeyringBackend):
    """Entries in ``<dir>/entries.json``; every read is logged."""

    priority = 1  # type: ignore[assignment]

    def _entries(self) -> dict[str, str]:
        path = store_dir() / "entries.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def _save(self, entries: dict[str, str]) -> None:
        path = store_dir() / "entries.json"
        temp = path.with_suffix(".tmp")
        temp.write_text(json.dumps(entries))
        os.replace(temp, path)

    def _check(self) -> None:
        if (store_dir() / "locked").exists():
            raise KeyringLocked("Failed to unlock the collection!")
        if (store_dir() / "refuse").exists():
            raise KeyringError("Can't get password from keychain: (-128, 'User canceled')")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        fd = os.open(store_dir() / "reads.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{service}/{username}\n".encode())
        finally:
            os.close(fd)
        return self._entries().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        entries = self._entries()
        entries[f"{service}/{username}"] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        entries = self._entries()
        if entries.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("no such entry")
        self._save(entries)
