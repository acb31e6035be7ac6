"""StaticProvider, EnvironmentProvider, web identity from the environment, RFC 3339."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from resolver.errors import ProviderError
from resolver.providers.bases.environment import (
    EnvironmentProvider,
    has_environment_credentials,
    web_identity_from_env,
)
from resolver.providers.bases.static import StaticProvider
from resolver.stscreds.credentials import CredentialsProvider
from resolver.timefmt import parse_expiration as parse_rfc3339

KEY_ID = "AKIAEXAMPLEKEYID0001"
SECRET = "s3cr3t/SECRET+value/abcdefghijklmnopqrstu"
TOKEN = "FwoGZXIvYXdzSESSIONTOKENexample//token=="


# --- StaticProvider ---------------------------------------------------------------


def test_static_provider_returns_its_keys() -> None:
    provider = StaticProvider(KEY_ID, SECRET, TOKEN, label="dev")

    creds = provider.retrieve()

    assert isinstance(provider, CredentialsProvider)
    assert provider.name == "StaticProvider"
    assert (creds.access_key_id, creds.secret_access_key, creds.session_token) == (
        KEY_ID,
        SECRET,
        TOKEN,
    )
    assert creds.source == "StaticProvider"
    assert creds.expires is None
    for text in (repr(creds), repr(provider)):
        assert SECRET not in text and TOKEN not in text


def test_static_provider_empty_token_means_none() -> None:
    assert StaticProvider(KEY_ID, SECRET, "").retrieve().session_token is None


@pytest.mark.parametrize(
    ("key_id", "secret", "missing"),
    [
        ("", SECRET, "aws_access_key_id"),
        (KEY_ID, "", "aws_secret_access_key"),
        ("  ", "", "aws_access_key_id, aws_secret_access_key"),
    ],
)
def test_static_provider_rejects_empty_values(key_id: str, secret: str, missing: str) -> None:
    with pytest.raises(ProviderError) as info:
        StaticProvider(key_id, secret, TOKEN, label="dev").retrieve()

    message = str(info.value)
    assert missing in message
    assert message.startswith("profile dev: ")
    assert TOKEN not in message and "\n" not in message


# --- EnvironmentProvider ----------------------------------------------------------


def test_environment_provider_reads_all_variables() -> None:
    env = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_CREDENTIAL_EXPIRATION": "2030-01-02T03:04:05Z",
        "AWS_ACCOUNT_ID": "123456789012",
    }

    creds = EnvironmentProvider(env).retrieve()

    assert creds.access_key_id == KEY_ID
    assert creds.secret_access_key == SECRET
    assert creds.session_token == TOKEN
    assert creds.expires == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert creds.account_id == "123456789012"
    assert creds.source == "EnvironmentProvider"
    assert SECRET not in repr(creds) and TOKEN not in repr(creds)


def test_environment_provider_reads_os_environ_at_retrieve_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider = EnvironmentProvider(os.environ)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)

    creds = provider.retrieve()

    assert creds.access_key_id == KEY_ID
    assert creds.session_token is None and creds.expires is None


def test_environment_provider_accepts_legacy_security_token() -> None:
    env = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
    env["AWS_SECURITY_TOKEN"] = TOKEN
    assert EnvironmentProvider(env).retrieve().session_token == TOKEN
    env["AWS_SESSION_TOKEN"] = "newer-token"
    assert EnvironmentProvider(env).retrieve().session_token == "newer-token"


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"AWS_SECRET_ACCESS_KEY": SECRET}, "AWS_ACCESS_KEY_ID not set"),
        ({"AWS_ACCESS_KEY_ID": KEY_ID}, "AWS_SECRET_ACCESS_KEY not set"),
        ({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": ""}, "AWS_SECRET_ACCESS_KEY"),
        ({}, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set"),
    ],
)
def test_environment_provider_names_missing_variable(env: dict[str, str], missing: str) -> None:
    env["AWS_SESSION_TOKEN"] = TOKEN
    with pytest.raises(ProviderError) as info:
        EnvironmentProvider(env).retrieve()

    assert missing in str(info.value)
    assert SECRET not in str(info.value) and TOKEN not in str(info.value)


def test_environment_provider_rejects_bad_expiration() -> None:
    env = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_CREDENTIAL_EXPIRATION": "next tuesday",
    }
    with pytest.raises(ProviderError) as info:
        EnvironmentProvider(env).retrieve()

    assert "AWS_CREDENTIAL_EXPIRATION" in str(info.value)
    assert SECRET not in str(info.value) and TOKEN not in str(info.value)


def test_has_environment_credentials_follows_access_key_id() -> None:
    assert has_environment_credentials({"AWS_ACCESS_KEY_ID": KEY_ID})
    assert not has_environment_credentials({"AWS_ACCESS_KEY_ID": ""})
    assert not has_environment_credentials({"AWS_SECRET_ACCESS_KEY": SECRET})
    assert not has_environment_credentials({})


def test_has_environment_credentials_defaults_to_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not has_environment_credentials(os.environ)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    assert has_environment_credentials(os.environ)


# --- web identity from the environment -------------------------------------------


def test_web_identity_from_env() -> None:
    env = {
        "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token",
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/ci",
        "AWS_ROLE_SESSION_NAME": "build-7",
    }
    assert web_identity_from_env(env) == (
        "arn:aws:iam::123456789012:role/ci",
        "/var/run/token",
        "build-7",
    )
    del env["AWS_ROLE_SESSION_NAME"]
    assert web_identity_from_env(env) == (
        "arn:aws:iam::123456789012:role/ci",
        "/var/run/token",
        None,
    )


def test_web_identity_absent_without_token_file() -> None:
    assert web_identity_from_env({}) is None
    assert web_identity_from_env({"AWS_ROLE_ARN": "arn:aws:iam::1:role/x"}) is None
    assert web_identity_from_env(os.environ) is None  # the isolated os.environ


def test_web_identity_token_file_without_role_arn_is_an_error() -> None:
    with pytest.raises(ProviderError, match="AWS_ROLE_ARN is not"):
        web_identity_from_env({"AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"})


# --- parse_rfc3339 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("2030-01-02t03:04:05z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("2030-01-02T03:04:05.5Z", datetime(2030, 1, 2, 3, 4, 5, 500000, tzinfo=timezone.utc)),
        (
            "2030-01-02T03:04:05.123456789Z",
            datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc),
        ),
        ("2030-01-02T03:04:05+00:00", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        (
            "2030-01-02T05:04:05+02:00",
            datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        ),
        ("2030-01-01T22:04:05-0500", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
        ("2030-01-02 03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ],
)
def test_parse_rfc3339(text: str, expected: datetime) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == expected
    assert parsed.utcoffset() is not None


def test_parse_rfc3339_keeps_the_offset() -> None:
    parsed = parse_rfc3339("2030-01-02T05:04:05+02:00")
    assert parsed.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "text", ["", "2030-01-02", "2030-13-02T03:04:05Z", "1700000000", "2030-01-02T03:04:05+25:00"]
)
def test_parse_rfc3339_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)
