"""A file-backed ``keyring`` backend for tests: no system keyring needed.

Chosen with ``PYTHON_KEYRING_BACKEND=tests.keyring_backend.FileKeyring`` and
``ROLECHAIN_TEST_KEYRING_DIR`` (the store). It appends one line per read to
``reads.log`` (``O_APPEND``: safe across processes), and fails on request: a file
``locked`` in the store raises ``KeyringLocked``, ``refuse`` raises the error macOS gives
when the user clicks Deny.

Two more behave as ``keyrings.alt``'s ``EncryptedKeyring`` does: ``NeedsCryptoKeyring``
fails to load as it does without pycryptodome, and ``PromptingKeyring`` asks for its
password with ``getpass.getpass`` on first use (the password is the store's ``password``
file; a wrong one raises ``ValueError("Incorrect Password")``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from jaraco.classes import properties
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


class NeedsCryptoKeyring(FileKeyring):
    """Unloadable, as ``EncryptedKeyring`` without pycryptodome: its priority raises."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("pycryptodome/x required")


PASSWORD_PROMPT = "Please enter password for encrypted keyring: "


class PromptingKeyring(FileKeyring):
    """Asks for its password (``getpass``) before its first read or write."""

    unlocked = False

    def _check(self) -> None:
        if not self.unlocked:
            import getpass

            answer = getpass.getpass(PASSWORD_PROMPT)
            if answer != (store_dir() / "password").read_text():
                raise ValueError("Incorrect Password")
            self.unlocked = True
        super()._check()


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This backend in ``tmp_path/keyring``, for this process and its children."""
    import keyring
    from keyring.backends import fail

    directory = tmp_path / "keyring"
    directory.mkdir()
    monkeypatch.setenv(ENV, str(directory))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", BACKEND)
    root = str(Path(__file__).resolve().parent.parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    )
    keyring.set_keyring(FileKeyring())
    yield directory
    keyring.set_keyring(fail.Keyring())


def put_entry(directory: Path, profile: str, key_id: str, secret: str) -> None:
    """Write an entry as ``rolechain keys add`` would (without the index)."""
    path = directory / "entries.json"
    entries = json.loads(path.read_text()) if path.exists() else {}
    value = {"Version": 1, "AccessKeyId": key_id, "SecretAccessKey": secret}
    entries[f"rolechain/{profile}"] = json.dumps(value)
    path.write_text(json.dumps(entries))


def entry(directory: Path, profile: str) -> dict[str, str] | None:
    """The stored JSON of ``profile``, or None."""
    path = directory / "entries.json"
    entries = json.loads(path.read_text()) if path.exists() else {}
    value = entries.get(f"rolechain/{profile}")
    return json.loads(value) if value else None
