"""Console URLs and browser commands, purely: partitions, destinations, templates."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from resolver.console.browser import browser_argv
from resolver.console.urls import (
    PARTITIONS,
    choose_partition,
    destination_url,
    federation_endpoint,
    login_url,
    signin_token_query,
)
from resolver.errors import ResolverError

HOSTILE_URL = "https://signin.aws.amazon.com/federation?a=1&b=$(touch pwn);`id`|x 'q' \"d\""


@pytest.mark.parametrize(
    ("role_arn", "region", "partition", "endpoint", "home"),
    [
        (None, None, "aws", "https://signin.aws.amazon.com/federation",
         "https://console.aws.amazon.com/console/home"),
        (None, "eu-west-1", "aws", "https://signin.aws.amazon.com/federation",
         "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"),
        (None, "us-gov-west-1", "aws-us-gov", "https://signin.amazonaws-us-gov.com/federation",
         "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"),
        (None, "cn-north-1", "aws-cn", "https://signin.amazonaws.cn/federation",
         "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1"),
        ("arn:aws-us-gov:iam::123456789012:role/r", None, "aws-us-gov",
         "https://signin.amazonaws-us-gov.com/federation",
         "https://console.amazonaws-us-gov.com/console/home"),
        ("arn:aws-cn:iam::123456789012:role/r", "cn-northwest-1", "aws-cn",
         "https://signin.amazonaws.cn/federation",
         "https://cn-northwest-1.console.amazonaws.cn/console/home?region=cn-northwest-1"),
    ],
)  # fmt: skip
def test_partition_mapping(
    role_arn: str | None, region: str | None, partition: str, endpoint: str, home: str
) -> None:
    chosen = choose_partition(role_arn, region)

    assert chosen is PARTITIONS[partition]
    assert federation_endpoint(chosen, {}) == endpoint
    assert destination_url(chosen, region=region) == home


def test_partition_conflict_and_unknown_partition() -> None:
    with pytest.raises(ResolverError, match="region eu-west-1 is in partition aws, but role"):
        choose_partition("arn:aws-cn:iam::123456789012:role/r", "eu-west-1")
    with pytest.raises(ResolverError, match="unknown partition 'aws-moon'"):
        choose_partition("arn:aws-moon:iam::123456789012:role/r", None)


def test_federation_endpoint_override_must_be_safe() -> None:
    aws = PARTITIONS["aws"]
    for good in ("http://127.0.0.1:8080/federation", "https://signin.corp.example/federation"):
        assert federation_endpoint(aws, {"ROLECHAIN_FEDERATION_ENDPOINT": good}) == good
    for bad in ("http://signin.corp.example/federation", "ftp://127.0.0.1/", "https:///x"):
        with pytest.raises(ResolverError, match="must be an https URL"):
            federation_endpoint(aws, {"ROLECHAIN_FEDERATION_ENDPOINT": bad})


def test_destinations() -> None:
    aws, gov = PARTITIONS["aws"], PARTITIONS["aws-us-gov"]
    assert destination_url(aws, service="s3") == "https://console.aws.amazon.com/s3/home"
    page = "https://eu-west-1.console.aws.amazon.com/lambda/home?region=eu-west-1#/functions"
    assert destination_url(aws, destination=page) == page
    for bad in (
        "http://console.aws.amazon.com/",
        "https://console.aws.amazon.com.evil.example/",
        "https://console.amazonaws-us-gov.com/",
    ):
        with pytest.raises(ResolverError, match="--destination must be an https URL"):
            destination_url(aws, destination=bad)
    assert destination_url(gov, destination="https://console.amazonaws-us-gov.com/x")


def test_signin_and_login_queries_are_encoded() -> None:
    query = parse_qs(signin_token_query('{"sessionId":"A&B=C"}', 3600))
    assert query == {
        "Action": ["getSigninToken"],
        "SessionDuration": ["3600"],
        "Session": ['{"sessionId":"A&B=C"}'],
    }
    url = login_url("https://signin.aws.amazon.com/federation", "https://x/?a=1&b=2", "T+/=")
    parts = urlsplit(url)
    assert parse_qs(parts.query)["Destination"] == ["https://x/?a=1&b=2"]
    assert parse_qs(parts.query)["SigninToken"] == ["T+/="]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("firefox -P work --new-tab {url}", ["firefox", "-P", "work", "--new-tab", HOSTILE_URL]),
        ("'/Applications/Google Chrome.app/Contents/MacOS/Google Chrome' "
         "--profile-directory='Profile 1' {url}",
         ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
          "--profile-directory=Profile 1", HOSTILE_URL]),
        ("open -a Firefox", ["open", "-a", "Firefox", HOSTILE_URL]),
        ("firefox 'ext+container:name=prod&url={url}'",
         ["firefox", f"ext+container:name=prod&url={HOSTILE_URL}"]),
        ("browser {0} {url.__class__} {url}",
         ["browser", "{0}", "{url.__class__}".replace("{url}", HOSTILE_URL), HOSTILE_URL]),
    ],
)  # fmt: skip
def test_browser_template_keeps_the_url_in_one_argument(template: str, expected: list[str]) -> None:
    assert browser_argv(template, HOSTILE_URL) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("", "empty"),
        ("firefox 'unclosed {url}", "cannot be split"),
        ("{url}", "must start with a command"),
        ("x" * 5000, "longer than"),
    ],
)
def test_bad_browser_templates(template: str, message: str) -> None:
    with pytest.raises(ResolverError, match=message) as info:
        browser_argv(template, HOSTILE_URL)
    assert HOSTILE_URL not in str(info.value)


def test_an_sso_base_in_govcloud_signs_in_to_govcloud() -> None:
    from resolver.chain.types import Chain, SsoSource
    from resolver.console.signin import home_region

    source = SsoSource("p", "https://x.awsapps.com/start", "us-gov-west-1", "1", "R")
    region = home_region(Chain("p", source))

    assert choose_partition(None, region) is PARTITIONS["aws-us-gov"]
    assert home_region(None) is None


def test_unreachable_federation_endpoint_is_one_line_without_secrets() -> None:
    import socket

    from resolver.console.federation import get_signin_token
    from resolver.errors import ProviderError
    from resolver.stscreds.credentials import Credentials

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    credentials = Credentials("ASIAEXAMPLE", "the-secret-key/xyz", "the-session-token")

    with pytest.raises(ProviderError) as info:
        get_signin_token(f"http://127.0.0.1:{port}/federation", credentials, environ={})

    message = str(info.value)
    assert message.startswith("getSigninToken: could not reach the federation endpoint")
    assert "the-secret-key" not in message and "the-session-token" not in message
