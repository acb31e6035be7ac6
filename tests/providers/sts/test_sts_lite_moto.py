"""The lite STS client against a botocore client, call for call, on the same moto: the
same parsed answers (modulo ids and times), the same parameters sent, signed by the
caller's keys; moto's error answers raise the same exceptions."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from resolver.providers.sts.factory import StsTarget, make_sts_client
from resolver.providers.sts.lite import LiteStsClient, UnboundCallError
from resolver.stscreds.client import sts_error
from resolver.stscreds.credentials import Credentials
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer
from tests.saml_support import PROVIDER, encoded, role, saml_xml

CALLER = Credentials(TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY)
ROLE = role("lite")
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
ASSUME_ROLE = {
    "RoleArn": ROLE,
    "RoleSessionName": "lite-session",
    "DurationSeconds": 1800,
    "Policy": POLICY,
    "PolicyArns": [
        {"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        {"arn": "arn:aws:iam::123456789012:policy/p"},
    ],
    "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "a b&c=d"}],
    "TransitiveTagKeys": ["team", "env"],
    "ExternalId": "ext-123",
    "SerialNumber": "arn:aws:iam::123456789012:mfa/alice",
    "TokenCode": "123456",
    "SourceIdentity": "alice",
}
WEB_IDENTITY = {
    "RoleArn": ROLE,
    "RoleSessionName": "web",
    "WebIdentityToken": "header.payload.signature",
    "ProviderId": "www.amazon.com",
    "DurationSeconds": 900,
    "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
}
SAML = {
    "RoleArn": ROLE,
    "PrincipalArn": PROVIDER,
    "SAMLAssertion": encoded(saml_xml([[f"{PROVIDER},{ROLE}"]])),
    "DurationSeconds": 3600,
    "Policy": POLICY,
}
SESSION_TOKEN = {
    "DurationSeconds": 3600,
    "SerialNumber": "arn:aws:iam::123456789012:mfa/alice",
    "TokenCode": "654321",
}
# (operation, botocore method, parameters, signed)
CALLS = [
    ("AssumeRole", "assume_role", ASSUME_ROLE, True),
    ("AssumeRole", "assume_role", {"RoleArn": ROLE, "RoleSessionName": "bare"}, True),
    ("AssumeRoleWithWebIdentity", "assume_role_with_web_identity", WEB_IDENTITY, False),
    ("AssumeRoleWithSAML", "assume_role_with_saml", SAML, False),
    ("GetSessionToken", "get_session_token", SESSION_TOKEN, True),
    ("GetSessionToken", "get_session_token", {}, True),
    ("GetCallerIdentity", "get_caller_identity", {}, True),
]
VOLATILE = {"AccessKeyId", "SecretAccessKey", "SessionToken", "AssumedRoleId", "RequestId"}
VOLATILE_HEADERS = {"date", "x-amzn-requestid", "content-length", "server"}


def shape(value: Any, key: str = "") -> Any:
    """``value`` with ids, keys and times replaced by their types (and aware-ness)."""
    if isinstance(value, Mapping):
        return {k: shape(v, k) for k, v in value.items() if k not in VOLATILE_HEADERS}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, datetime.datetime):
        return ("datetime", value.tzinfo is not None)
    if key in VOLATILE or key == "UserId":
        return (type(value).__name__, bool(value))
    return value


def both(
    moto: MotoServer, operation: str, method: str, params: Mapping[str, Any], signed: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(lite's answer, botocore's answer)`` to the same call, in that order."""
    target = StsTarget("us-east-1", moto.url)
    caller = CALLER if signed else None
    lite = LiteStsClient(target, signed=signed).call(operation, dict(params), caller)
    botocore_client = make_sts_client(caller, target)
    return lite, getattr(botocore_client, method)(**params)


@pytest.mark.parametrize(("operation", "method", "params", "signed"), CALLS)
def test_the_same_answer_and_the_same_request_as_a_botocore_client(
    moto: MotoServer, operation: str, method: str, params: Mapping[str, Any], signed: bool
) -> None:
    moto.create_role("lite")
    lite, reference = both(moto, operation, method, params, signed)
    assert shape(lite) == shape(reference)
    assert lite["ResponseMetadata"]["HTTPStatusCode"] == 200
    if "Credentials" in lite:
        assert isinstance(lite["Credentials"]["Expiration"], datetime.datetime)
    ours, theirs = moto.sts_calls()
    assert ours.action == theirs.action == operation
    assert ours.params == theirs.params
    assert {name.split(".")[0] for name in ours.params} == set(params)
    expected_signer = TEST_ACCESS_KEY_ID if signed else None
    assert ours.access_key_id == theirs.access_key_id == expected_signer


def test_a_session_signs_with_its_token(moto: MotoServer) -> None:
    session = Credentials("ASIASESSIONKEY000001", "secret", "the-session-token")
    client = LiteStsClient(StsTarget("us-east-1", moto.url), signed=True)
    client.call("GetCallerIdentity", {}, session)
    (call,) = moto.sts_calls()
    assert (call.access_key_id, call.session_token) == ("ASIASESSIONKEY000001", "the-session-token")


def test_a_signed_client_sends_nothing_without_credentials(moto: MotoServer) -> None:
    client = LiteStsClient(StsTarget("us-east-1", moto.url), signed=True)
    with pytest.raises(UnboundCallError):
        client.call("AssumeRole", {"RoleArn": ROLE, "RoleSessionName": "x"}, None)
    assert moto.sts_calls() == []


def test_an_unsigned_client_never_signs_even_when_given_credentials(moto: MotoServer) -> None:
    client = LiteStsClient(StsTarget("us-east-1", moto.url), signed=False)
    client.call("AssumeRoleWithWebIdentity", WEB_IDENTITY, CALLER)
    (call,) = moto.sts_calls()
    assert call.access_key_id is None


def raised(call: Callable[[], Any]) -> BaseException:
    try:
        call()
    except Exception as exc:
        return exc
    raise AssertionError("no exception")


@pytest.mark.parametrize(
    "params",
    [
        {"RoleArn": ROLE, "RoleSessionName": "x", "DurationSeconds": 10},  # below the minimum
        {"RoleArn": ROLE},  # missing RoleSessionName
        {"RoleArn": ROLE, "RoleSessionName": "x", "Tags": "not-a-list"},
        {"RoleArn": ROLE, "RoleSessionName": "x", "Unknown": 1},
    ],
)
def test_invalid_parameters_fail_as_botocores_before_anything_is_sent(
    moto: MotoServer, params: dict[str, Any]
) -> None:
    target = StsTarget("us-east-1", moto.url)
    ours = raised(lambda: LiteStsClient(target, signed=True).call("AssumeRole", params, CALLER))
    theirs = raised(lambda: make_sts_client(CALLER, target).assume_role(**params))
    assert type(ours) is type(theirs) and str(ours) == str(theirs)
    assert moto.sts_calls() == []


def test_moto_failing_with_an_html_page_fails_as_botocore_does(moto: MotoServer) -> None:
    """moto answers an assertion that is not XML with a 500 HTML page."""
    target = StsTarget("us-east-1", moto.url)
    params = dict(SAML, SAMLAssertion="bm90LXhtbA==" + "A" * 12)
    lite = LiteStsClient(target, signed=False)
    ours = raised(lambda: lite.call("AssumeRoleWithSAML", params, None))
    sent_by_lite = len(moto.sts_calls())
    theirs = raised(lambda: make_sts_client(None, target).assume_role_with_saml(**params))
    # botocore's message, without the body botocore appends to it (a body may hold secrets)
    assert type(ours) is type(theirs) and str(theirs).startswith(str(ours))
    assert "html" not in str(ours) and "html" in str(theirs)
    assert sent_by_lite * 2 == len(moto.sts_calls()) and sent_by_lite >= 1
    mapped = [sts_error(exc, operation="AssumeRoleWithSAML", hop="h") for exc in (ours, theirs)]
    assert mapped[0] is not None and mapped[1] is not None
    assert str(mapped[0]) == str(mapped[1]) and "not valid XML" in str(mapped[0])
