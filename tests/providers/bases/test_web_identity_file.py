"""IdentityTokenFile: the web identity base's token, read from its file on every call."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from resolver.errors import ProviderError
from resolver.providers.bases.web_identity import MAX_TOKEN_FILE_BYTES, IdentityTokenFile
from resolver.stscreds.web_identity import IdentityTokenRetriever
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
