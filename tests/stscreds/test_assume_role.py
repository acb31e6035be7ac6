"""AssumeRoleProvider and the shared STS helpers (error mapping, response parsing)."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber

from resolver.demo.localsts import free_port
from resolver.errors import StsError, TokenError
from resolver.stscreds.assume_role import DEFAULT_DURATION, AssumeRoleProvider
from resolver.stscreds.client import (
    AssumeRoleClient,
    AssumeRoleWithWebIdentityClient,
    GetSessionTokenClient,
    parse_expiration,
    sts_error,
)
from resolver.stscreds.credentials import Credentials

ARN = "arn:aws:iam::123456789012:role/ops"
LABEL = f"profile ops ({ARN})"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE"
EXPIRES = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")


def response(expires: Any = EXPIRES, account: str = "123456789012") -> dict[str, Any]:
    return {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
            "SecretAccessKey": SECRET,
            "SessionToken": TOKEN,
            "Expiration": expires,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLEEXAMPLE01:s",
            "Arn": f"arn:aws:sts::{account}:assumed-role/ops/s",
        },
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


class RecordingClient:
    """A non-boto3 client returning plain dicts, recording each call's parameters."""

    def __init__(self, reply: Mapping[str, Any] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.reply = reply or response()

    def assume_role(self, **kwargs: Any) -> Mapping[str, Any]:
        self.calls.append(kwargs)
        return self.reply

    def assume_role_with_web_identity(self, **kwargs: Any) -> Mapping[str, Any]:
        raise AssertionError("not used")

    def get_session_token(self, **kwargs: Any) -> Mapping[str, Any]:
        raise AssertionError("not used")


def test_boto3_client_satisfies_protocol(sts: Any) -> None:
    for protocol in (AssumeRoleClient, AssumeRoleWithWebIdentityClient, GetSessionTokenClient):
        assert isinstance(sts, protocol)
        assert isinstance(RecordingClient(), protocol)


def test_minimal_call_sends_only_role_session_name_and_default_duration(
    sts: Any, stub: Stubber
) -> None:
    stub.add_response(
        "assume_role",
        response(),
        {"RoleArn": ARN, "RoleSessionName": ANY, "DurationSeconds": 900},
    )
    creds = AssumeRoleProvider(sts, ARN).retrieve()
    assert creds == Credentials(
        access_key_id="ASIAEXAMPLEEXAMPLE01",
        secret_access_key=SECRET,
        session_token=TOKEN,
        expires=EXPIRES,
        source="AssumeRoleProvider",
        account_id="123456789012",
    )
    assert timedelta(minutes=15) == DEFAULT_DURATION
    assert AssumeRoleProvider.name == "AssumeRoleProvider"


def test_every_option_is_sent(sts: Any, stub: Stubber) -> None:
    codes = iter(["123456"])
    stub.add_response(
        "assume_role",
        response(),
        {
            "RoleArn": ARN,
            "RoleSessionName": "alice@example.com",
            "DurationSeconds": 3600,
            "ExternalId": "ext-id-42",
            "Policy": '{"Version":"2012-10-17","Statement":[]}',
            "PolicyArns": [
                {"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                {"arn": "arn:aws:iam::123456789012:policy/extra"},
            ],
            "SerialNumber": "arn:aws:iam::123456789012:mfa/alice",
            "TokenCode": "123456",
            "SourceIdentity": "alice",
            "Tags": [{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "prod"}],
            "TransitiveTagKeys": ["team"],
        },
    )
    provider = AssumeRoleProvider(
        sts,
        ARN,
        role_session_name="alice@example.com",
        duration=timedelta(hours=1),
        external_id="ext-id-42",
        policy='{"Version":"2012-10-17","Statement":[]}',
        policy_arns=[
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::123456789012:policy/extra",
        ],
        serial_number="arn:aws:iam::123456789012:mfa/alice",
        token_provider=lambda: next(codes),
        source_identity="alice",
        tags={"team": "ops", "env": "prod"},
        transitive_tag_keys=("team",),
        label=LABEL,
    )
    assert provider.retrieve().account_id == "123456789012"


def test_tags_as_pairs_and_duration_as_int_seconds(sts: Any, stub: Stubber) -> None:
    stub.add_response(
        "assume_role",
        response(),
        {
            "RoleArn": ARN,
            "RoleSessionName": ANY,
            "DurationSeconds": 1800,
            "Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": ""}],
        },
    )
    AssumeRoleProvider(sts, ARN, duration=1800, tags=[("b", "2"), ("a", "")]).retrieve()


def test_duration_none_means_default() -> None:
    assert AssumeRoleProvider(RecordingClient(), ARN, duration=None).duration_seconds == 900


@pytest.mark.parametrize("bad", [0, -5, timedelta(seconds=900.5), timedelta(0)])
def test_invalid_duration_rejected(bad: Any) -> None:
    with pytest.raises(ValueError, match="duration"):
        AssumeRoleProvider(RecordingClient(), ARN, duration=bad)


def test_bool_duration_rejected() -> None:
    with pytest.raises(TypeError):
        AssumeRoleProvider(RecordingClient(), ARN, duration=True)


def test_generated_session_names_are_valid_unique_and_accepted_by_botocore(
    sts: Any, stub: Stubber
) -> None:
    client = RecordingClient()
    for _ in range(300):  # one name per provider (kept across its retrieves)
        AssumeRoleProvider(client, ARN).retrieve()
    names = [call["RoleSessionName"] for call in client.calls]
    assert len(set(names)) == 300
    assert all(SESSION_NAME.fullmatch(name) for name in names)
    assert all(name.startswith("rolechain-") for name in names)
    # A real boto3 client validates the generated name (min length etc.) before stubbing.
    stub.add_response(
        "assume_role", response(), {"RoleArn": ARN, "RoleSessionName": ANY, "DurationSeconds": 900}
    )
    AssumeRoleProvider(sts, ARN).retrieve()


def test_generated_names_unique_across_threads() -> None:
    client = RecordingClient()
    threads = [
        threading.Thread(
            target=lambda: [AssumeRoleProvider(client, ARN).retrieve() for _ in range(50)]
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = {call["RoleSessionName"] for call in client.calls}
    assert len(names) == 400


def test_mfa_token_provider_called_on_every_retrieve(sts: Any, stub: Stubber) -> None:
    serial = "GAHT12345678"
    for code in ("111111", "222222"):
        stub.add_response(
            "assume_role",
            response(),
            {
                "RoleArn": ARN,
                "RoleSessionName": ANY,
                "DurationSeconds": 900,
                "SerialNumber": serial,
                "TokenCode": code,
            },
        )
    codes = iter([" 111111\n", "222222"])
    provider = AssumeRoleProvider(
        sts, ARN, serial_number=serial, token_provider=lambda: next(codes)
    )
    provider.retrieve()
    provider.retrieve()


def test_token_provider_without_serial_is_ignored(sts: Any, stub: Stubber) -> None:
    def never() -> str:
        raise AssertionError("token provider must not be called without a serial")

    stub.add_response(
        "assume_role", response(), {"RoleArn": ARN, "RoleSessionName": ANY, "DurationSeconds": 900}
    )
    AssumeRoleProvider(sts, ARN, token_provider=never).retrieve()


def test_serial_without_token_provider_fails_at_construction() -> None:
    with pytest.raises(TokenError) as info:
        AssumeRoleProvider(RecordingClient(), ARN, serial_number="GAHT12345678", label=LABEL)
    assert "GAHT12345678" in str(info.value)
    assert "token_provider" in str(info.value)
    assert info.value.hop == LABEL


@pytest.mark.parametrize(
    "bad", ["24680", "2468013", "97a531", "٩٧٥٣١٠", "975 310", "", "9753108642"]
)
def test_bad_codes_rejected_before_sts_without_echo(sts: Any, stub: Stubber, bad: str) -> None:
    # No response is queued: any STS call would raise UnStubbedResponseError.
    provider = AssumeRoleProvider(
        sts, ARN, serial_number="GAHT12345678", token_provider=lambda: bad, label=LABEL
    )
    with pytest.raises(TokenError) as info:
        provider.retrieve()
    message = str(info.value)
    assert "6 digits" in message
    assert info.value.hop == LABEL
    if bad.strip():
        assert bad.strip() not in message


def test_non_string_code_rejected() -> None:
    provider = AssumeRoleProvider(
        RecordingClient(),
        ARN,
        serial_number="GAHT12345678",
        token_provider=lambda: 123456,  # type: ignore[arg-type,return-value]
    )
    with pytest.raises(TokenError, match="not a string"):
        provider.retrieve()


def test_failing_token_provider_becomes_token_error(sts: Any, stub: Stubber) -> None:
    def broken() -> str:
        raise RuntimeError("device unplugged")

    provider = AssumeRoleProvider(
        sts, ARN, serial_number="GAHT12345678", token_provider=broken, label=LABEL
    )
    with pytest.raises(TokenError) as info:
        provider.retrieve()
    assert "device unplugged" in str(info.value)
    assert info.value.hop == LABEL
    assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("AccessDenied", 403),
        ("ExpiredToken", 400),
        ("Throttling", 400),
        ("RegionDisabledException", 403),
    ],
)
def test_client_errors_map_to_sts_error(sts: Any, stub: Stubber, code: str, status: int) -> None:
    stub.add_client_error(
        "assume_role",
        service_error_code=code,
        service_message=f"something about {code}\nsecond line",
        http_status_code=status,
    )
    with pytest.raises(StsError) as info:
        AssumeRoleProvider(sts, ARN, label=LABEL).retrieve()
    err = info.value
    assert err.code == code
    assert err.hop == LABEL
    assert err.message == f"AssumeRole failed: something about {code} second line"
    assert str(err) == f"hop {LABEL}: {code}: AssumeRole failed: something about {code} second line"
    assert "\n" not in str(err)


def test_hop_defaults_to_role_arn(sts: Any, stub: Stubber) -> None:
    stub.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(StsError) as info:
        AssumeRoleProvider(sts, ARN).retrieve()
    assert info.value.hop == ARN


def _local_client(port: int, read_timeout: float = 2.0) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
        config=Config(
            retries={"total_max_attempts": 1}, connect_timeout=1, read_timeout=read_timeout
        ),
    )


def test_connection_refused_names_the_endpoint() -> None:
    port = free_port()
    with pytest.raises(StsError) as info:
        AssumeRoleProvider(_local_client(port), ARN, label=LABEL).retrieve()
    assert f"http://127.0.0.1:{port}" in str(info.value)
    assert "could not reach STS" in str(info.value)
    assert info.value.code is None
    assert info.value.hop == LABEL


def test_read_timeout_names_the_endpoint() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]  # accepts (backlog) but never answers
        with pytest.raises(StsError) as info:
            AssumeRoleProvider(_local_client(port, read_timeout=0.3), ARN).retrieve()
    assert f"127.0.0.1:{port}" in str(info.value)
    assert "read timed out" in str(info.value)


def test_dict_client_with_string_expiration() -> None:
    client = RecordingClient(response(expires="2030-01-01T12:00:00Z", account="210987654321"))
    creds = AssumeRoleProvider(client, ARN).retrieve()
    assert creds.expires == EXPIRES
    assert creds.account_id == "210987654321"


@pytest.mark.parametrize(
    "value",
    [
        EXPIRES,
        "2030-01-01T12:00:00Z",
        "2030-01-01T12:00:00+00:00",
        "2030-01-01T14:00:00+02:00",
        "2030-01-01T12:00:00",
        EXPIRES.timestamp(),
        datetime(2030, 1, 1, 12, 0),
    ],
)
def test_parse_expiration_forms(value: Any) -> None:
    parsed = parse_expiration(value)
    assert parsed == EXPIRES
    assert parsed.tzinfo is not None


def test_malformed_response_is_sts_error_without_secrets() -> None:
    bad = response(expires="not a date")
    with pytest.raises(StsError) as info:
        AssumeRoleProvider(RecordingClient(bad), ARN, label=LABEL).retrieve()
    assert "malformed" in str(info.value)
    missing = {"Credentials": {"SecretAccessKey": SECRET, "SessionToken": TOKEN}}
    with pytest.raises(StsError) as info2:
        AssumeRoleProvider(RecordingClient(missing), ARN).retrieve()
    assert "AccessKeyId" in str(info2.value)
    for err in (info.value, info2.value):
        for text in (str(err), repr(err)):
            assert SECRET not in text
            assert TOKEN not in text


def test_no_secrets_in_reprs() -> None:
    provider = AssumeRoleProvider(RecordingClient(), ARN, external_id="ext", label=LABEL)
    creds = provider.retrieve()
    for text in (repr(creds), str(creds), repr(provider)):
        assert SECRET not in text
        assert TOKEN not in text
    assert "ASIAEXAMPLEEXAMPLE01" in repr(creds)


def test_param_validation_is_sts_error() -> None:
    client = _local_client(free_port())  # validation fails before any connection
    with pytest.raises(StsError, match="invalid parameters") as info:
        AssumeRoleProvider(client, ARN, role_session_name="a", label=LABEL).retrieve()
    assert "RoleSessionName" in str(info.value)
    assert info.value.hop == LABEL


def test_missing_caller_credentials_and_foreign_errors() -> None:
    from botocore.exceptions import NoCredentialsError

    err = sts_error(NoCredentialsError(), operation="AssumeRole", hop=LABEL)
    assert err is not None
    assert str(err) == f"hop {LABEL}: AssumeRole failed: no credentials to sign the request"
    assert sts_error(KeyError("x"), operation="AssumeRole") is None

    class Broken(RecordingClient):
        def assume_role(self, **kwargs: Any) -> Mapping[str, Any]:
            raise KeyError("not botocore")

    with pytest.raises(KeyError):
        AssumeRoleProvider(Broken(), ARN).retrieve()
