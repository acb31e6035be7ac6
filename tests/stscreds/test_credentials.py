"""Credentials (Go's aws.Credentials) and provider_func (Go's aws.CredentialsProviderFunc)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from resolver.stscreds.cache import CredentialsCache
from resolver.stscreds.credentials import Credentials, CredentialsProvider, provider_func

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCREDSECRET"
T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("key", "secret", "has"),
    [("AKID", SECRET, True), ("", SECRET, False), ("AKID", "", False), ("", "", False)],
)
def test_has_keys_needs_both_the_key_id_and_the_secret(key: str, secret: str, has: bool) -> None:
    assert Credentials(key, secret).has_keys() is has


def test_gos_fields() -> None:
    creds = Credentials("AKID", SECRET, "tok", expires=T0, source="X", account_id="123456789012")
    assert (creds.source, creds.account_id, creds.expires, creds.can_expire) == (
        "X",
        "123456789012",
        T0,
        True,
    )
    assert not Credentials("AKID", SECRET).can_expire
    assert creds.expired(T0) and not creds.expired(T0 - timedelta(seconds=1))
    assert SECRET not in repr(creds) and "tok" not in repr(creds)


def test_provider_func_is_a_provider_that_a_cache_can_wrap() -> None:
    calls: list[int] = []

    def fetch() -> Credentials:
        calls.append(1)
        return Credentials(f"AKID{len(calls)}", SECRET, expires=T0 + timedelta(hours=1))

    provider = provider_func(fetch)
    assert isinstance(provider, CredentialsProvider)
    assert provider.name == "CredentialsProviderFunc"
    assert provider_func(fetch, name="mine").name == "mine"
    cache = CredentialsCache(provider, clock=lambda: T0)
    assert cache.retrieve().access_key_id == "AKID1"
    assert cache.retrieve().access_key_id == "AKID1"
    assert len(calls) == 1
    assert "fetch" in repr(provider)


def test_provider_func_refuses_what_is_not_credentials() -> None:
    with pytest.raises(TypeError, match="callable"):
        provider_func("not callable")  # type: ignore[arg-type]
    bad = provider_func(lambda: ("AKID", SECRET), name="tuple")  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match="tuple returned tuple") as info:
        bad.retrieve()
    assert SECRET not in str(info.value)
