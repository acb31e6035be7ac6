"""The Roles Anywhere tests' local CA and session endpoint (shared by their modules)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.providers.bases import rolesanywhere_fakes as fakes


@pytest.fixture(scope="module")
def ca() -> fakes.Authority:
    return fakes.new_ca()


@pytest.fixture
def endpoint(ca: fakes.Authority, monkeypatch: pytest.MonkeyPatch) -> Iterator[fakes.Endpoint]:
    with fakes.create_session_endpoint(ca) as found:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ROLESANYWHERE", found.url)
        yield found
