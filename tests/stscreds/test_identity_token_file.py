"""IdentityTokenFile (Go's IdentityTokenFile): a bounded regular file, read on every call."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from resolver.errors import ProviderError
from resolver.stscreds.web_identity import (
    MAX_TOKEN_FILE_BYTES,
    IdentityTokenFile,
    IdentityTokenRetriever,
)
from tests.stscreds.test_web_identity import JWT_A


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(JWT_A + "\n")
    return path


def test_unreadable_token_file_is_provider_error(tmp_path: Path) -> None:
    with pytest.raises(ProviderError, match="cannot read") as info:
        IdentityTokenFile(tmp_path).get_identity_token()  # a directory
    assert str(tmp_path) in str(info.value)


def test_non_utf8_token_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes(b"\xff\xfe" + JWT_A.encode())
    with pytest.raises(ProviderError, match="UTF-8") as info:
        IdentityTokenFile(path).get_identity_token()
    assert JWT_A not in str(info.value)


def test_token_file_strips_whitespace(token_file: Path) -> None:
    assert IdentityTokenFile(token_file).get_identity_token() == JWT_A
    assert isinstance(IdentityTokenFile(token_file), IdentityTokenRetriever)


def test_a_token_fifo_or_oversized_file_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "token.fifo"
    os.mkfifo(fifo)
    with pytest.raises(ProviderError, match="not a regular file"):
        IdentityTokenFile(fifo).get_identity_token()
    big = tmp_path / "token.big"
    big.write_text("x" * (MAX_TOKEN_FILE_BYTES + 1))
    with pytest.raises(ProviderError, match="larger than"):
        IdentityTokenFile(big).get_identity_token()


def test_a_device_is_refused_without_blocking() -> None:
    with pytest.raises(ProviderError, match="not a regular file") as info:
        IdentityTokenFile("/dev/zero").get_identity_token()
    assert info.value.file == "/dev/zero"


def test_a_file_of_exactly_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("y" * MAX_TOKEN_FILE_BYTES)
    assert IdentityTokenFile(path).get_identity_token() == "y" * MAX_TOKEN_FILE_BYTES


def test_the_token_is_reread_and_never_shown(token_file: Path) -> None:
    retriever = IdentityTokenFile(token_file)
    assert retriever.get_identity_token() == JWT_A
    token_file.write_text("  rotated-token-value\n")
    assert retriever.get_identity_token() == "rotated-token-value"
    assert "rotated" not in repr(retriever) and str(token_file) in repr(retriever)


def test_the_declarative_base_has_no_copy_of_the_reader() -> None:
    import resolver.providers.bases.web_identity as base

    assert not hasattr(base, "IdentityTokenFile")
    assert not hasattr(base, "read_regular")
