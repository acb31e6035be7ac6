"""The stdlib SigV4 signer against botocore's ``SigV4Auth`` (the oracle): generated
requests (methods, odd paths and queries, header names and values with whitespace and
unicode, binary bodies, tokens or none, regions, times) get the same headers, and the
request's headers after signing are botocore's, in botocore's order."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from hypothesis import given
from hypothesis import strategies as st

from resolver.providers.sts import sigv4
from tests.hostile import fuzz_settings

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


def botocore_signed(
    request: dict[str, Any], credentials: dict[str, Any], now: datetime.datetime
) -> tuple[dict[str, str], list[tuple[str, str]]] | str:
    """What botocore's signer sets (the added headers, and all headers after signing), or
    the name of what it raises."""
    aws = AWSRequest(
        method=request["method"],
        url=request["url"],
        headers=dict(request["headers"]),
        data=request["body"],
    )
    keys = SimpleNamespace(
        access_key=credentials["access_key"],
        secret_key=credentials["secret_key"],
        token=credentials["token"],
    )
    clock = sigv4._utc(now)
    try:
        with mock.patch("botocore.auth.get_current_datetime", return_value=clock):
            SigV4Auth(keys, credentials["service"], credentials["region"]).add_auth(aws)
    except Exception as exc:
        return type(exc).__name__
    after = list(aws.headers.items())
    appended = 3 if credentials["token"] else 2  # the date header, the token, Authorization
    return dict(after[-appended:]), after


def ours(
    request: dict[str, Any], credentials: dict[str, Any], now: datetime.datetime
) -> tuple[dict[str, str], list[tuple[str, str]]] | str:
    try:
        added = sigv4.sigv4_headers(**request, **credentials, now=now)
    except Exception as exc:
        return type(exc).__name__
    return added, list(sigv4.signed_request_headers(request["headers"], added).items())


HEADER_NAMES = [
    "Content-Type",
    "content-type",
    "Host",
    "HOST",
    "User-Agent",
    "X-Amz-Date",
    "x-amz-date",
    "X-Amz-Security-Token",
    "Authorization",
    "Expect",
    "Transfer-Encoding",
    "X-Amzn-Trace-Id",
    "Date",
    "X-Amz-Content-SHA256",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    " Spaced ",
    "Tab\tName",
    "Ünïcode",
]
header_values = st.one_of(
    text,
    st.lists(
        st.sampled_from([" ", "\t", "a", "b c", "\u00a0", "\u2028", "é", "\x0b", "  x  "])
    ).map("".join),
)
path_piece = st.sampled_from(
    ["/", "//", ".", "..", "a", "%2F", "%", " ", "~", "é", "=", ";", "+", "*"]
)
query_piece = st.sampled_from(["a", "B", "=", "&", "%20", "+", "~", "é", " ", "==", "x=1", "&&"])
hosts = st.sampled_from(
    [
        "sts.amazonaws.com",
        "STS.US-EAST-1.AMAZONAWS.COM",
        "127.0.0.1",
        "[::1]",
        "[fe80::1%25eth0]",
        "user:pw@sts.example.test",
        "xn--bcher-kva.example",
    ]
)
ports = st.sampled_from(["", ":80", ":443", ":8443", ":1"])
urls = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https"]),
    hosts,
    ports,
    st.one_of(st.just(""), st.lists(path_piece, max_size=8).map(lambda p: "/" + "".join(p))),
    st.one_of(st.just(""), st.lists(query_piece, max_size=6).map(lambda p: "?" + "".join(p))),
    st.sampled_from(["", "#frag", "#"]),
)
requests = st.fixed_dictionaries(
    {
        "method": st.one_of(st.sampled_from(["GET", "POST", "put", "Head", "DELETE"]), text),
        "url": urls,
        "headers": st.dictionaries(
            st.one_of(st.sampled_from(HEADER_NAMES), text), header_values, max_size=6
        ),
        "body": st.one_of(
            st.just(b""), st.binary(max_size=64), st.just(b"Action=AssumeRole&Version=2011-06-15")
        ),
    }
)
credentials = st.fixed_dictionaries(
    {
        "access_key": st.one_of(st.just("AKIDEXAMPLE"), text),
        "secret_key": st.one_of(st.just(SECRET), text),
        "token": st.one_of(st.none(), st.just(""), text),
        "region": st.one_of(st.sampled_from(["us-east-1", "eu-west-1", "cn-north-1"]), text),
        "service": st.one_of(st.just("sts"), text),
    }
)
times = st.datetimes(
    min_value=datetime.datetime(1971, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.one_of(st.none(), st.timezones()),
)


@fuzz_settings(600)
@given(request=requests, credentials=credentials, now=times)
def test_generated_requests_are_signed_as_botocore_signs_them(
    request: dict[str, Any], credentials: dict[str, Any], now: datetime.datetime
) -> None:
    assert ours(request, credentials, now) == botocore_signed(request, credentials, now)


def test_the_aws_test_suite_vanilla_examples() -> None:
    """``get-vanilla`` and ``get-vanilla-query-order-key-case`` of AWS's SigV4 suite."""
    now = datetime.datetime(2015, 8, 30, 12, 36, tzinfo=datetime.timezone.utc)
    expected = {
        "/": "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "/?Param2=value2&Param1=value1": (
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        ),
    }
    for path, signature in expected.items():
        added = sigv4.sigv4_headers(
            method="GET",
            url=f"https://example.amazonaws.com{path}",
            headers={"Host": "example.amazonaws.com"},
            body=b"",
            access_key="AKIDEXAMPLE",
            secret_key=SECRET,
            token=None,
            region="us-east-1",
            service="service",
            now=now,
        )
        assert added == {
            "X-Amz-Date": "20150830T123600Z",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
            f"service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}",
        }


def test_a_token_is_sent_and_signed() -> None:
    added = sigv4.sigv4_headers(
        method="POST",
        url="https://sts.amazonaws.com/",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        body=b"Action=GetCallerIdentity&Version=2011-06-15",
        access_key="AKID",
        secret_key="secret",
        token="the-token",
        region="us-east-1",
        service="sts",
        now=datetime.datetime(2024, 2, 29, 23, 59, 59),
    )
    assert added["X-Amz-Security-Token"] == "the-token"
    assert (
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token," in added["Authorization"]
    )


def test_an_unencodable_secret_is_an_error_without_the_secret() -> None:
    secret = "top-secret-\udc80-value"
    try:
        sigv4.sigv4_headers(
            method="GET",
            url="https://sts.amazonaws.com/",
            headers={},
            body=b"",
            access_key="AKID",
            secret_key=secret,
            token=None,
            region="us-east-1",
            service="sts",
            now=datetime.datetime(2024, 1, 1),
        )
    except ValueError as exc:
        assert "top-secret" not in repr(exc) and exc.__context__ is None
    else:
        raise AssertionError("an unencodable secret was used")


def test_the_ipv6_pattern_is_botocores() -> None:
    from botocore.compat import IPV6_ADDRZ_RE

    assert sigv4.IPV6_HOST.pattern == IPV6_ADDRZ_RE.pattern


def test_the_unsigned_headers_are_botocores() -> None:
    from botocore.auth import SIGNED_HEADERS_BLACKLIST

    assert frozenset(SIGNED_HEADERS_BLACKLIST) == sigv4.UNSIGNED_HEADERS
