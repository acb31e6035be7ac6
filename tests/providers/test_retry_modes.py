"""Every botocore client the bases make pins botocore's retry mode: before botocore 1.44 the
default was legacy (5 attempts, backoff up to 8 s), and aiobotocore, in the test extra,
holds CI to that line. The environment stands in for such a default here."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from resolver.providers.bases.login import LoginProvider
from resolver.providers.bases.sso import SsoProvider
from resolver.providers.bases.sso_device import _client as oidc_client

URL = "http://127.0.0.1:9"


def login() -> Any:
    return LoginProvider("s", environ=os.environ)._client("signin", endpoint_url=URL)


def sso_portal() -> Any:
    provider = SsoProvider(
        "https://x.awsapps.com/start", "us-east-1", "1", "r", endpoint_url=URL, environ=os.environ
    )
    return provider._client("sso")


def sso_oidc() -> Any:
    return oidc_client("us-east-1", os.environ)


CLIENTS: dict[str, Callable[[], Any]] = {
    "signin": login,
    "sso-portal": sso_portal,
    "sso-oidc": sso_oidc,
}


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_the_retry_mode_is_pinned_whatever_botocores_default(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "10")
    retries = CLIENTS[name]().meta.config.retries
    assert retries["mode"] == "standard", name
    assert retries["total_max_attempts"] == 3, name
