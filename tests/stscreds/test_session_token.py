"""SessionTokenProvider: GetSessionToken with and without MFA."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from resolver.errors import StsError, TokenError
from resolver.stscreds.session_token import SessionTokenProvider

SERIAL = "arn:aws:iam::123456789012:mfa/alice"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN3"
EXPIRES = datetime(2030, 1, 1, tzinfo=timezone.utc)


def response() -> dict[str, Any]:
    return {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE03",
            "SecretAccessKey": SECRET,
            "SessionToken": TOKEN,
            "Expiration": EXPIRES,
        }
    }


@pytest.fixture
def sts() -> Any:
    return boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x"
    )


@pytest.fixture
def stub(sts: Any) -> Iterator[Stubber]:
    with Stubber(sts) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_default_duration_twelve_hours_and_no_mfa(sts: Any, stub: Stubber) -> None:
    stub.add_response("get_session_token", response(), {"DurationSeconds": 43200})
    creds = SessionTokenProvider(sts).retrieve()
    assert creds.source == "SessionTokenProvider"
    assert creds.secret_access_key == SECRET
    assert creds.session_token == TOKEN
    assert creds.expires == EXPIRES
    assert creds.account_id is None
    assert SessionTokenProvider.name == "SessionTokenProvider"


def test_duration_none_not_sent(sts: Any, stub: Stubber) -> None:
    stub.add_response("get_session_token", response(), {})
    SessionTokenProvider(sts, duration=None).retrieve()


def test_mfa_code_asked_on_every_retrieve(sts: Any, stub: Stubber) -> None:
    for code in ("135790", "246801"):
        stub.add_response(
            "get_session_token",
            response(),
            {"DurationSeconds": 3600, "SerialNumber": SERIAL, "TokenCode": code},
        )
    codes = iter(["135790", "246801\n"])
    provider = SessionTokenProvider(
        sts, duration=timedelta(hours=1), serial_number=SERIAL, token_provider=lambda: next(codes)
    )
    provider.retrieve()
    provider.retrieve()


def test_serial_without_token_provider() -> None:
    with pytest.raises(TokenError, match="token_provider") as info:
        SessionTokenProvider(object(), serial_number=SERIAL, label="mfa session")  # type: ignore[arg-type]
    assert info.value.hop == "mfa session"


def test_bad_code_never_reaches_sts(sts: Any, stub: Stubber) -> None:
    provider = SessionTokenProvider(sts, serial_number=SERIAL, token_provider=lambda: "97531")
    with pytest.raises(TokenError) as info:
        provider.retrieve()
    assert "97531" not in str(info.value)


@pytest.mark.parametrize("code", ["AccessDenied", "ExpiredToken", "Throttling"])
def test_errors_map_to_sts_error(sts: Any, stub: Stubber, code: str) -> None:
    stub.add_client_error(
        "get_session_token", service_error_code=code, service_message="nope", http_status_code=403
    )
    with pytest.raises(StsError) as info:
        SessionTokenProvider(sts, label="profile dev (mfa session)").retrieve()
    assert info.value.code == code
    assert info.value.hop == "profile dev (mfa session)"
    assert info.value.message == "GetSessionToken failed: nope"


def test_no_secrets_in_repr(sts: Any, stub: Stubber) -> None:
    stub.add_response("get_session_token", response(), {"DurationSeconds": 43200})
    provider = SessionTokenProvider(sts)
    creds = provider.retrieve()
    for text in (repr(provider), repr(creds)):
        assert SECRET not in text
        assert TOKEN not in text
