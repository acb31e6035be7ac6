"""Where the lite STS client sends a call and for which region it signs, against what a
botocore client resolves, over regions of every partition and the settings that decide
the endpoint (FIPS, dual-stack, legacy global STS), so the two cannot drift apart."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import botocore.session
import pytest

from resolver.chain.types import StsSettings
from resolver.providers.sts.factory import StsTarget, make_sts_client, sts_target
from resolver.providers.sts.lite import LiteStsClient
from resolver.providers.sts.service import resolved_endpoint

REGIONS = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "me-central-1",
    "aws-global",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "eusc-de-east-1",
    "xx-future-1",  # a region no partition lists yet: the aws partition's
    "cn-future-9",
    "fips-us-east-1",
    "us-west-2-fips",
]
SETTINGS = {
    "AWS_USE_FIPS_ENDPOINT": ("true", "false", ""),
    "AWS_USE_DUALSTACK_ENDPOINT": ("true", ""),
    "AWS_STS_REGIONAL_ENDPOINTS": ("legacy", "regional"),
}
COMBINATIONS = [
    dict(zip(SETTINGS, values, strict=True)) for values in itertools.product(*SETTINGS.values())
]
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/sts/")


def botocore_resolves(region: str) -> tuple[str, str]:
    """``(url, signing region)`` of a botocore client's call (never sent), in the
    process environment as the test set it."""
    session = botocore.session.Session()
    client = session.create_client(
        "sts", region_name=region, aws_access_key_id="AKID", aws_secret_access_key="secret"
    )
    seen: dict[str, Any] = {}

    def capture(request: Any, **_: Any) -> None:
        seen["url"], seen["auth"] = request.url, request.headers["Authorization"]
        raise KeyboardInterrupt  # stops the call before anything is sent

    client.meta.events.register("before-send", capture)
    with pytest.raises(KeyboardInterrupt):
        client.get_caller_identity()
    scope = _SCOPE.search(seen["auth"].decode())
    assert scope is not None
    return seen["url"].removesuffix("/"), scope.group(1)


def outcome(resolve: Callable[[], tuple[str, str]]) -> tuple[str, str] | str:
    """What ``resolve`` returns, or the name of what it raises."""
    try:
        return resolve()
    except Exception as exc:
        return type(exc).__name__


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_and_setting_resolves_as_botocore_does(
    region: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    for combination in COMBINATIONS:
        for name, value in combination.items():
            monkeypatch.setenv(name, value)
        ours = outcome(partial(resolved_endpoint, region, None, combination))
        assert ours == outcome(partial(botocore_resolves, region)), combination


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"])
def test_an_endpoint_url_is_used_as_given_and_signed_for_the_region(region: str) -> None:
    url = "https://sts.example.test:8443/base"
    for combination in COMBINATIONS:
        assert resolved_endpoint(region, url, combination) == (url, region)


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_a_planned_target_is_sent_where_the_botocore_client_sends_it(
    combination: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in combination.items():
        monkeypatch.setenv(name, value)
    for region in ("us-east-1", "eu-west-1", "ap-east-1", "cn-north-1", None):
        environ = dict(combination, AWS_REGION=region) if region else dict(combination)
        target = sts_target(StsSettings(), environ)
        lite = LiteStsClient(target, signed=True)
        assert lite.meta.endpoint_url == make_sts_client(None, target).meta.endpoint_url


def test_the_settings_come_from_the_targets_environment_not_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    target = StsTarget("eu-west-1", None, (("AWS_USE_DUALSTACK_ENDPOINT", "true"),))
    assert LiteStsClient(target, signed=True).meta.endpoint_url == "https://sts.eu-west-1.api.aws"
