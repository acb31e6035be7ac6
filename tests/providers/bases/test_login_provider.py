"""The ``login_session`` base: the token ``aws login`` cached, read through botocore."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import resolver
from resolver.api import clear
from resolver.errors import ProviderError
from resolver.providers.bases.login import LoginProvider
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer
from tests.providers.bases.sso_fakes import Portal, serve_portal

SESSION = "arn:aws:iam::123456789012:user/alice"
SECRET = "login/SECRET+key/0123456789abcdefghijklmn"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjLOGINSESSIONTOKEN=="
REFRESH_TOKEN = "login-refresh-token-0123456789"


def write_login_token(
    cache_dir: Path, *, expires_in: timedelta = timedelta(hours=1), drop: str | None = None
) -> Path:
    """A token file as ``aws login`` writes it (named by sha256 of the session name)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp = (datetime.now(timezone.utc) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc: dict[str, Any] = {
        "accessToken": {
            "accessKeyId": "ASIALOGINEXAMPLE0001",
            "secretAccessKey": SECRET,
            "sessionToken": SESSION_TOKEN,
            "accountId": "123456789012",
            "expiresAt": stamp,
        },
        "refreshToken": REFRESH_TOKEN,
        "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n",
        "clientId": "arn:aws:signin:::devtools/same-device",
        "signInRegion": "eu-west-1",
    }
    doc.pop(drop or "", None)
    path = cache_dir / (hashlib.sha256(SESSION.encode()).hexdigest() + ".json")
    path.write_text(json.dumps(doc))
    return path


def error_of(provider: LoginProvider) -> str:
    with pytest.raises(ProviderError) as info:
        provider.retrieve()
    message = str(info.value)
    for secret in (SECRET, SESSION_TOKEN, REFRESH_TOKEN):
        assert secret not in message
    assert "\n" not in message
    return message


def test_cached_credentials_are_used(isolated_env: IsolatedEnv) -> None:
    write_login_token(isolated_env.home / ".aws" / "login" / "cache")
    provider = LoginProvider(SESSION, environ=os.environ, label="dev")

    creds = provider.retrieve()

    assert provider.cache_dir() == str(isolated_env.home / ".aws" / "login" / "cache")
    assert (creds.access_key_id, creds.secret_access_key) == ("ASIALOGINEXAMPLE0001", SECRET)
    assert creds.session_token == SESSION_TOKEN and creds.account_id == "123456789012"
    assert creds.expires is not None and creds.expires > datetime.now(timezone.utc)
    assert SECRET not in repr(provider) + repr(creds)


def test_cache_directory_variable_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", str(tmp_path / "elsewhere"))
    write_login_token(tmp_path / "elsewhere")

    assert (
        LoginProvider(SESSION, environ=os.environ).retrieve().access_key_id
        == "ASIALOGINEXAMPLE0001"
    )


def test_missing_token_names_aws_login(tmp_path: Path) -> None:
    message = error_of(
        LoginProvider(SESSION, environ=os.environ, label="dev", token_cache_dir=tmp_path)
    )

    assert message == (
        f"profile dev: login session '{SESSION}' has no valid credentials (no token in the "
        "cache); run `aws login --profile dev`"
    )


def test_token_missing_a_field(tmp_path: Path) -> None:
    write_login_token(tmp_path, drop="refreshToken")

    message = error_of(LoginProvider(SESSION, environ=os.environ, token_cache_dir=tmp_path))

    assert "missing required fields: refreshToken" in message
    assert message.endswith("run `aws login`")


def test_expired_token_without_the_crt_names_aws_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("botocore.compat.EC", None)
    write_login_token(tmp_path, expires_in=-timedelta(minutes=1))

    message = error_of(
        LoginProvider(SESSION, environ=os.environ, label="dev", token_cache_dir=tmp_path)
    )

    assert "they expired at" in message and "botocore[crt]" in message
    assert message.endswith("run `aws login --profile dev`")


@pytest.fixture
def signin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    """A fake signin service (CreateOAuth2Token is ``POST /v1/token``) on 127.0.0.1.

    The DPoP proof needs the CRT (``botocore[crt]``), which the tests do without: the
    key loading and the signature are stubbed, everything else is botocore's renewal.
    """
    import botocore.credentials

    monkeypatch.setattr("botocore.compat.EC", object())
    monkeypatch.setattr(
        botocore.credentials.LoginCredentialFetcher,
        "_load_private_key",
        staticmethod(lambda token: "key"),
    )
    monkeypatch.setattr(botocore.credentials, "_build_dpop_header", lambda key, uri: "dpop-proof")
    renewed = {
        "accessToken": {
            "accessKeyId": "ASIARENEWED000000001",
            "secretAccessKey": "renewed-secret",
            "sessionToken": "renewed-token",
        },
        "tokenType": "aws_sigv4",
        "refreshToken": "renewed-refresh-token",
        "expiresIn": 900,
    }
    fake = Portal(reply=lambda: (404, {}, {}))
    fake.post_replies["/v1/token"] = lambda: (200, {}, renewed)
    with serve_portal(fake):
        monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", fake.url)
        yield fake


def test_expiring_token_is_renewed_by_botocore_and_saved(signin: Portal, tmp_path: Path) -> None:
    path = write_login_token(tmp_path, expires_in=timedelta(minutes=2))

    creds = LoginProvider(SESSION, environ=os.environ, token_cache_dir=tmp_path).retrieve()

    assert (creds.access_key_id, creds.session_token) == ("ASIARENEWED000000001", "renewed-token")
    assert creds.expires is not None and creds.expires.tzinfo is timezone.utc
    assert signin.posted("/v1/token") == [
        {
            "clientId": "arn:aws:signin:::devtools/same-device",
            "refreshToken": REFRESH_TOKEN,
            "grantType": "refresh_token",
        }
    ]
    assert signin.post_headers[0]["dpop"] == "dpop-proof"
    assert "authorization" not in signin.post_headers[0]  # unsigned, as botocore sends it
    saved = json.loads(path.read_text())
    assert saved["accessToken"]["accessKeyId"] == "ASIARENEWED000000001"
    assert saved["refreshToken"] == "renewed-refresh-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_renewal_refused_names_aws_login(signin: Portal, tmp_path: Path) -> None:
    write_login_token(tmp_path, expires_in=-timedelta(minutes=2))
    signin.post_replies["/v1/token"] = lambda: (
        400,
        {"x-amzn-ErrorType": "AccessDeniedException"},
        {"error": "TOKEN_EXPIRED", "message": "expired"},
    )

    message = error_of(
        LoginProvider(SESSION, environ=os.environ, label="dev", token_cache_dir=tmp_path)
    )

    assert "(the session has expired or its credentials changed)" in message
    assert message.endswith("run `aws login --profile dev`")


def test_login_session_base_then_a_role_end_to_end(
    moto: MotoServer, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    write_login_token(isolated_env.home / ".aws" / "login" / "cache")
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(
        f"[profile me]\nlogin_session = {SESSION}\nregion = eu-west-1\n"
        "[profile ops]\nsource_profile = me\nrole_arn = arn:aws:iam::123456789012:role/ops\n"
    )
    clear()

    chain = resolver.plan("ops")
    resolver.resolve("ops")

    assert chain.source.to_json() == {"kind": "login", "profile": "me", "login_session": SESSION}
    (call,) = moto.sts_calls()
    assert call.action == "AssumeRole" and call.access_key_id == "ASIALOGINEXAMPLE0001"
    assert call.session_token == SESSION_TOKEN


def test_explain_json_names_the_login_base(
    isolated_env: IsolatedEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    from resolver.cli.main import main

    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(f"[profile me]\nlogin_session = {SESSION}\n")

    assert main(["explain", "me", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["source"] == {"kind": "login", "profile": "me", "login_session": SESSION}
    assert main(["validate", "me"]) == 0
    assert "unknown key" not in capsys.readouterr().out
