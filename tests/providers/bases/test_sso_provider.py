"""SsoProvider: botocore's token cache in tmp_path and a fake SSO portal on 127.0.0.1
(``tests/providers/bases/sso_fakes.py``: ``GET /federation/credentials`` as the real portal)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from resolver.errors import ProviderError
from resolver.providers.bases.sso import SsoProvider
from tests.conftest import IsolatedEnv
from tests.providers.bases.sso_fakes import Portal, serve_portal

START_URL = "https://example.awsapps.com/start"
ACCESS_TOKEN = "aoaAAAAAGSSOACCESSTOKENexample0123456789"
SECRET = "sso/SECRET+key/0123456789abcdefghijklmnop"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjSSOROLESESSIONTOKEN=="
EXPIRATION_MS = 1_893_456_000_000  # 2030-01-01T00:00:00Z
ROLE_CREDENTIALS = {
    "roleCredentials": {
        "accessKeyId": "ASIASSOEXAMPLE000001",
        "secretAccessKey": SECRET,
        "sessionToken": SESSION_TOKEN,
        "expiration": EXPIRATION_MS,
    }
}


@pytest.fixture
def portal() -> Iterator[Portal]:
    with serve_portal(Portal(reply=lambda: (200, {}, ROLE_CREDENTIALS))) as fake:
        yield fake


def write_token(
    cache_dir: Path,
    key: str,
    *,
    expires: datetime | None = None,
    access_token: str | None = ACCESS_TOKEN,
    raw: str | None = None,
) -> Path:
    """A token file as ``aws sso login`` writes it (named by sha1 of session or URL)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / (hashlib.sha1(key.encode()).hexdigest() + ".json")
    if raw is None:
        stamp = expires or datetime.now(timezone.utc) + timedelta(hours=8)
        doc: dict[str, str] = {
            "startUrl": START_URL,
            "region": "eu-west-1",
            "expiresAt": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if access_token is not None:
            doc["accessToken"] = access_token
        raw = json.dumps(doc)
    path.write_text(raw)
    return path


def provider(portal: Portal, cache_dir: Path | None, **kwargs: str) -> SsoProvider:
    return SsoProvider(
        START_URL,
        "eu-west-1",
        "111122223333",
        "ReadOnly",
        token_cache_dir=cache_dir,
        endpoint_url=portal.url,
        environ=os.environ,
        **kwargs,  # type: ignore[arg-type]
    )


def error_of(sso: SsoProvider) -> str:
    with pytest.raises(ProviderError) as info:
        sso.retrieve()
    message = str(info.value)
    for secret in (ACCESS_TOKEN, SECRET, SESSION_TOKEN):
        assert secret not in message
    assert "\n" not in message
    return message


def test_role_credentials_with_start_url_token(portal: Portal, tmp_path: Path) -> None:
    write_token(tmp_path, START_URL)
    sso = provider(portal, tmp_path)

    creds = sso.retrieve()

    assert sso.name == "SsoProvider"
    assert creds.access_key_id == "ASIASSOEXAMPLE000001"
    assert creds.secret_access_key == SECRET
    assert creds.session_token == SESSION_TOKEN
    assert creds.expires == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert creds.account_id == "111122223333"
    assert creds.source == "SsoProvider"
    ((path, query, headers),) = portal.requests
    assert path == "/federation/credentials"
    assert query == {"account_id": ["111122223333"], "role_name": ["ReadOnly"]}
    assert headers["x-amz-sso_bearer_token"] == ACCESS_TOKEN
    assert "authorization" not in headers  # unsigned
    for text in (repr(creds), repr(sso)):
        assert SECRET not in text and SESSION_TOKEN not in text and ACCESS_TOKEN not in text


def test_sso_session_token_is_keyed_by_session_name(portal: Portal, tmp_path: Path) -> None:
    write_token(tmp_path, START_URL, access_token="token-for-the-start-url")
    write_token(tmp_path, "corp")

    provider(portal, tmp_path, sso_session="corp").retrieve()

    assert portal.requests[0][2]["x-amz-sso_bearer_token"] == ACCESS_TOKEN


def test_missing_token_tells_how_to_log_in(portal: Portal, tmp_path: Path) -> None:
    write_token(tmp_path, START_URL)  # a legacy token does not serve an sso-session

    message = error_of(provider(portal, tmp_path, sso_session="corp", label="dev"))

    assert message == (
        f"profile dev: SSO session for {START_URL} has no valid token (no usable token in "
        "the cache); run `rolechain sso login dev` (or `aws sso login --sso-session corp`)"
    )
    assert portal.requests == []


def test_expired_token(portal: Portal, tmp_path: Path) -> None:
    write_token(tmp_path, START_URL, expires=datetime(2020, 5, 1, 12, 0, tzinfo=timezone.utc))

    message = error_of(provider(portal, tmp_path, label="dev"))

    assert "has no valid token (it expired at 2020-05-01T12:00:00Z)" in message
    assert message.endswith("run `rolechain sso login dev` (or `aws sso login --profile dev`)")
    assert portal.requests == []


@pytest.mark.parametrize(
    ("raw", "access_token", "reason"),
    [
        ("{not json", ACCESS_TOKEN, "unreadable"),
        (None, None, "no usable token in the cache"),  # botocore: accessToken is required
        ('{"accessToken": "x", "expiresAt": "someday"}', ACCESS_TOKEN, "unreadable expiresAt"),
    ],
)
def test_broken_token_files(
    portal: Portal, tmp_path: Path, raw: str | None, access_token: str | None, reason: str
) -> None:
    write_token(tmp_path, START_URL, raw=raw, access_token=access_token)

    message = error_of(provider(portal, tmp_path))

    assert reason in message
    assert message.endswith("run `rolechain sso login` (or `aws sso login`)")


def test_portal_rejecting_the_token_means_log_in_again(portal: Portal, tmp_path: Path) -> None:
    write_token(tmp_path, "corp")
    portal.reply = lambda: (
        401,
        {"x-amzn-ErrorType": "UnauthorizedException"},
        {"message": "Session token not found or invalid"},
    )

    message = error_of(provider(portal, tmp_path, sso_session="corp"))

    assert "no valid token (the SSO portal rejected it)" in message
    assert message.endswith(
        "run `rolechain sso login --sso-session corp` (or `aws sso login --sso-session corp`)"
    )


def test_portal_forbidden_is_reported_with_its_code(portal: Portal, tmp_path: Path) -> None:
    write_token(tmp_path, START_URL)
    portal.reply = lambda: (
        403,
        {"x-amzn-ErrorType": "ForbiddenException"},
        {"message": f"No access for {ACCESS_TOKEN}"},
    )

    message = error_of(provider(portal, tmp_path, label="dev"))

    assert message.startswith("profile dev: ForbiddenException: SSO GetRoleCredentials for role")
    assert "ReadOnly in account 111122223333 failed: No access for <redacted>" in message
    assert len(portal.requests) == 1


def test_default_cache_dir_is_under_home(portal: Portal, isolated_env: IsolatedEnv) -> None:
    write_token(isolated_env.home / ".aws" / "sso" / "cache", START_URL)
    sso = provider(portal, None)

    assert sso.cache_dir() == str(isolated_env.home / ".aws" / "sso" / "cache")
    assert sso.retrieve().access_key_id == "ASIASSOEXAMPLE000001"


def test_works_when_aws_profile_names_an_unknown_profile(
    portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "only-in-rolechain-config")
    write_token(tmp_path, START_URL)

    assert provider(portal, tmp_path).retrieve().session_token == SESSION_TOKEN


def test_login_hints() -> None:
    def hint(**kwargs: str) -> str:
        return SsoProvider(START_URL, "us-east-1", "1", "r", environ={}, **kwargs).login_hint()  # type: ignore[arg-type]

    assert hint() == "run `rolechain sso login` (or `aws sso login`)"
    assert hint(label="dev") == ("run `rolechain sso login dev` (or `aws sso login --profile dev`)")
    assert hint(sso_session="corp") == (
        "run `rolechain sso login --sso-session corp` (or `aws sso login --sso-session corp`)"
    )
    assert hint(label="dev", sso_session="corp") == (
        "run `rolechain sso login dev` (or `aws sso login --sso-session corp`)"
    )


# --- refreshing an sso-session token ------------------------------------------------------

REFRESH_TOKEN = "aorAAAAAGSSOREFRESHTOKENexample0123456789"
CLIENT_SECRET = "eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0.CLIENTSECRET"
NEW_ACCESS_TOKEN = "aoaAAAAAGSSONEWACCESSTOKENexample012345678"
NEW_REFRESH_TOKEN = "aorAAAAAGSSONEWREFRESHTOKENexample01234567"


def write_session_token(cache_dir: Path, *, expires_in: timedelta, registered: bool = True) -> Path:
    """An sso-session token as ``aws sso login`` writes it, with its client registration."""
    now = datetime.now(timezone.utc)
    registration = now + (timedelta(days=60) if registered else -timedelta(days=1))
    path = write_token(cache_dir, "corp", expires=now + expires_in)
    doc = json.loads(path.read_text())
    doc.update(
        refreshToken=REFRESH_TOKEN,
        clientId="client-id-0123",
        clientSecret=CLIENT_SECRET,
        registrationExpiresAt=registration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def oidc(portal: Portal, monkeypatch: pytest.MonkeyPatch) -> Portal:
    """The portal also answers sso-oidc (AWS_ENDPOINT_URL_SSO_OIDC points at it)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", portal.url)
    return portal


def test_expiring_session_token_is_refreshed_and_saved(oidc: Portal, tmp_path: Path) -> None:
    path = write_session_token(tmp_path, expires_in=timedelta(minutes=5))
    oidc.token_reply = lambda: (
        200,
        {},
        {"accessToken": NEW_ACCESS_TOKEN, "expiresIn": 28800, "refreshToken": NEW_REFRESH_TOKEN},
    )

    provider(oidc, tmp_path, sso_session="corp").retrieve()

    assert oidc.token_requests == [
        {
            "grantType": "refresh_token",
            "clientId": "client-id-0123",
            "clientSecret": CLIENT_SECRET,
            "refreshToken": REFRESH_TOKEN,
        }
    ]
    assert oidc.requests[0][2]["x-amz-sso_bearer_token"] == NEW_ACCESS_TOKEN
    saved = json.loads(path.read_text())
    assert (saved["accessToken"], saved["refreshToken"]) == (NEW_ACCESS_TOKEN, NEW_REFRESH_TOKEN)
    assert saved["clientSecret"] == CLIENT_SECRET and saved["startUrl"] == START_URL
    expires = datetime.strptime(saved["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")
    left = expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)
    assert timedelta(hours=7, minutes=58) < left <= timedelta(hours=8)


def test_refreshed_token_expiry_is_written_in_utc_whatever_the_clock_zone(
    oidc: Portal, tmp_path: Path
) -> None:
    path = write_session_token(tmp_path, expires_in=timedelta(minutes=5))
    oidc.token_reply = lambda: (200, {}, {"accessToken": NEW_ACCESS_TOKEN, "expiresIn": 28800})
    eastern = datetime.now(timezone(timedelta(hours=5)))

    assert provider(oidc, tmp_path, sso_session="corp").load_token(now=eastern)

    saved = json.loads(path.read_text())
    assert saved["expiresAt"] == (eastern + timedelta(hours=8)).astimezone(timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def test_token_outside_the_window_is_not_refreshed(oidc: Portal, tmp_path: Path) -> None:
    write_session_token(tmp_path, expires_in=timedelta(minutes=30))

    provider(oidc, tmp_path, sso_session="corp").retrieve()

    assert oidc.token_requests == []
    assert oidc.requests[0][2]["x-amz-sso_bearer_token"] == ACCESS_TOKEN


def test_failed_refresh_serves_a_still_valid_token_and_logs_no_secret(
    oidc: Portal, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_session_token(tmp_path, expires_in=timedelta(minutes=5))
    before = path.read_text()
    oidc.token_reply = lambda: (400, {"x-amzn-ErrorType": "InvalidGrantException"}, {})
    caplog.set_level("DEBUG", logger="resolver.providers.bases.sso")

    provider(oidc, tmp_path, sso_session="corp").retrieve()

    assert len(oidc.token_requests) == 1
    assert oidc.requests[0][2]["x-amz-sso_bearer_token"] == ACCESS_TOKEN
    assert path.read_text() == before
    assert "InvalidGrantException" in caplog.text
    for secret in (ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in caplog.text


@pytest.mark.parametrize("registered", [True, False])
def test_expired_token_that_cannot_be_refreshed_asks_for_a_login(
    registered: bool, oidc: Portal, tmp_path: Path
) -> None:
    write_session_token(tmp_path, expires_in=-timedelta(minutes=1), registered=registered)
    oidc.token_reply = lambda: (400, {"x-amzn-ErrorType": "InvalidGrantException"}, {})

    message = error_of(provider(oidc, tmp_path, sso_session="corp", label="dev"))

    assert "expired at" in message and "rolechain sso login dev" in message
    assert len(oidc.token_requests) == (1 if registered else 0)  # a lapsed registration: no try
    for secret in (REFRESH_TOKEN, CLIENT_SECRET):
        assert secret not in message
    assert oidc.requests == []


def test_legacy_start_url_tokens_are_never_refreshed(oidc: Portal, tmp_path: Path) -> None:
    write_token(tmp_path, START_URL, expires=datetime.now(timezone.utc) + timedelta(minutes=5))

    provider(oidc, tmp_path).retrieve()

    assert oidc.token_requests == []
