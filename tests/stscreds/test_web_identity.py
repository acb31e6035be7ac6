"""WebIdentityRoleProvider (with the token file as its retriever)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from resolver.errors import ProviderError, StsError
from resolver.stscreds import web_identity
from resolver.stscreds.web_identity import IdentityTokenFile, WebIdentityRoleProvider

ARN = "arn:aws:iam::123456789012:role/ci"
LABEL = f"profile ci ({ARN})"
JWT_A = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmaXJzdCJ9.c2lnbmF0dXJlQQ"
JWT_B = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNvbmQifQ.c2lnbmF0dXJlQg"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
EXPIRES = datetime(2030, 1, 1, tzinfo=timezone.utc)


def response() -> dict[str, Any]:
    return {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE02",
            "SecretAccessKey": SECRET,
            "SessionToken": "FwoGZXIvYXdzEXAMPLEWEBTOKEN",
            "Expiration": EXPIRES,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLEEXAMPLE02:s",
            "Arn": "arn:aws:sts::123456789012:assumed-role/ci/s",
        },
    }


def expected(token: str, **extra: Any) -> dict[str, Any]:
    return {"RoleArn": ARN, "RoleSessionName": ANY, "WebIdentityToken": token, **extra}


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


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(JWT_A + "\n")
    return path


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(web_identity, "_sleep", slept.append)
    return slept


class CountingRetriever:
    def __init__(self, *tokens: str) -> None:
        self.tokens = list(tokens)
        self.calls = 0

    def get_identity_token(self) -> str:
        self.calls += 1
        return self.tokens[min(self.calls, len(self.tokens)) - 1]


def test_token_file_is_reread_on_every_retrieve(sts: Any, stub: Stubber, token_file: Path) -> None:
    stub.add_response("assume_role_with_web_identity", response(), expected(JWT_A))
    stub.add_response("assume_role_with_web_identity", response(), expected(JWT_B))
    provider = WebIdentityRoleProvider(sts, ARN, IdentityTokenFile(token_file))
    creds = provider.retrieve()
    token_file.write_text(JWT_B)  # the kubelet rotates the projected token
    provider.retrieve()
    assert creds.source == "WebIdentityCredentials"
    assert creds.account_id == "123456789012"
    assert creds.expires == EXPIRES
    assert WebIdentityRoleProvider.name == "WebIdentityCredentials"


def test_duration_not_sent_when_none(sts: Any, stub: Stubber, token_file: Path) -> None:
    stub.add_response("assume_role_with_web_identity", response(), expected(JWT_A))
    WebIdentityRoleProvider(sts, ARN, IdentityTokenFile(token_file), duration=None).retrieve()


def test_all_options_sent(sts: Any, stub: Stubber, token_file: Path) -> None:
    stub.add_response(
        "assume_role_with_web_identity",
        response(),
        {
            "RoleArn": ARN,
            "RoleSessionName": "gha-run-42",
            "WebIdentityToken": JWT_A,
            "DurationSeconds": 7200,
            "Policy": "{}",
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        },
    )
    WebIdentityRoleProvider(
        sts,
        ARN,
        IdentityTokenFile(str(token_file)),
        role_session_name="gha-run-42",
        duration=timedelta(hours=2),
        policy="{}",
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        label=LABEL,
    ).retrieve()


def test_generated_session_names_valid_and_unique(token_file: Path) -> None:
    names: list[str] = []

    class Client:
        def assume_role(self, **kwargs: Any) -> Any:
            raise AssertionError

        def get_session_token(self, **kwargs: Any) -> Any:
            raise AssertionError

        def assume_role_with_web_identity(self, **kwargs: Any) -> Any:
            names.append(kwargs["RoleSessionName"])
            return response()

    for _ in range(100):  # one name per provider (kept across its retrieves)
        WebIdentityRoleProvider(Client(), ARN, IdentityTokenFile(token_file)).retrieve()
    assert len(set(names)) == 100
    assert all(re.fullmatch(r"[\w+=,.@-]{2,64}", name) for name in names)


def test_missing_token_file_names_path_and_skips_sts(
    sts: Any, stub: Stubber, tmp_path: Path
) -> None:
    missing = tmp_path / "nope" / "token"
    provider = WebIdentityRoleProvider(sts, ARN, IdentityTokenFile(missing), label=LABEL)
    with pytest.raises(ProviderError) as info:
        provider.retrieve()
    assert str(missing) in str(info.value)
    assert "not found" in str(info.value)
    assert info.value.hop == LABEL


@pytest.mark.parametrize("content", ["", "\n", "   \n\t"])
def test_empty_token_file(sts: Any, stub: Stubber, tmp_path: Path, content: str) -> None:
    path = tmp_path / "token"
    path.write_text(content)
    with pytest.raises(ProviderError, match="is empty") as info:
        WebIdentityRoleProvider(sts, ARN, IdentityTokenFile(path)).retrieve()
    assert info.value.file == str(path)


def test_token_never_in_repr_or_errors(sts: Any, stub: Stubber, token_file: Path) -> None:
    stub.add_client_error(
        "assume_role_with_web_identity",
        service_error_code="AccessDenied",
        service_message="Not authorized to perform sts:AssumeRoleWithWebIdentity",
        http_status_code=403,
    )
    provider = WebIdentityRoleProvider(sts, ARN, IdentityTokenFile(token_file), label=LABEL)
    with pytest.raises(StsError) as info:
        provider.retrieve()
    assert info.value.code == "AccessDenied"
    assert info.value.hop == LABEL
    for text in (str(info.value), repr(info.value), repr(provider), repr(provider.token_retriever)):
        assert JWT_A not in text
    assert str(token_file) in repr(provider)


def test_invalid_identity_token_is_retried_with_a_fresh_token(
    sts: Any, stub: Stubber, no_sleep: list[float]
) -> None:
    stub.add_client_error(
        "assume_role_with_web_identity",
        service_error_code="InvalidIdentityToken",
        service_message="Couldn't retrieve verification key from your identity provider",
        http_status_code=400,
        expected_params=expected(JWT_A),
    )
    stub.add_response("assume_role_with_web_identity", response(), expected(JWT_B))
    retriever = CountingRetriever(JWT_A, JWT_B)
    creds = WebIdentityRoleProvider(sts, ARN, retriever).retrieve()
    assert creds.access_key_id == "ASIAEXAMPLEEXAMPLE02"
    assert retriever.calls == 2
    assert len(no_sleep) == 1


def test_retries_stop_after_max_attempts(sts: Any, stub: Stubber) -> None:
    for _ in range(3):
        stub.add_client_error(
            "assume_role_with_web_identity",
            service_error_code="InvalidIdentityToken",
            http_status_code=400,
        )
    retriever = CountingRetriever(JWT_A)
    with pytest.raises(StsError) as info:
        WebIdentityRoleProvider(sts, ARN, retriever, max_attempts=3).retrieve()
    assert info.value.code == "InvalidIdentityToken"
    assert retriever.calls == 3


def test_idp_communication_error_is_left_to_the_client(sts: Any, stub: Stubber) -> None:
    # botocore's retry handler retries it for STS; the provider must not multiply that.
    stub.add_client_error(
        "assume_role_with_web_identity",
        service_error_code="IDPCommunicationError",
        http_status_code=400,
    )
    retriever = CountingRetriever(JWT_A)
    with pytest.raises(StsError) as info:
        WebIdentityRoleProvider(sts, ARN, retriever).retrieve()
    assert info.value.code == "IDPCommunicationError"
    assert retriever.calls == 1


@pytest.mark.parametrize("code", ["AccessDenied", "ExpiredTokenException", "Throttling"])
def test_other_errors_not_retried(sts: Any, stub: Stubber, code: str) -> None:
    stub.add_client_error(
        "assume_role_with_web_identity", service_error_code=code, http_status_code=400
    )
    retriever = CountingRetriever(JWT_A)
    with pytest.raises(StsError) as info:
        WebIdentityRoleProvider(sts, ARN, retriever, label=LABEL).retrieve()
    assert info.value.code == code
    assert info.value.hop == LABEL
    assert retriever.calls == 1


def test_bad_max_attempts() -> None:
    with pytest.raises(ValueError):
        WebIdentityRoleProvider(object(), ARN, CountingRetriever(JWT_A), max_attempts=0)  # type: ignore[arg-type]
