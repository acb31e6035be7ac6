"""Where STS calls go: environment over profile, regional vs global, no region at all."""

from __future__ import annotations

import pytest

from resolver.chain.types import StsSettings
from resolver.providers.sts.factory import GLOBAL_ENDPOINT, StsTarget, sts_target

PROFILE = StsSettings(region="eu-west-1", endpoint_url="http://profile.example")


@pytest.mark.parametrize(
    ("settings", "environ", "expected"),
    [
        (StsSettings(), {}, StsTarget("us-east-1", GLOBAL_ENDPOINT)),
        (StsSettings(region="eu-west-1"), {}, StsTarget("eu-west-1", None)),
        (PROFILE, {}, StsTarget("eu-west-1", "http://profile.example")),
        (PROFILE, {"AWS_ENDPOINT_URL": "http://all"}, StsTarget("eu-west-1", "http://all")),
        (
            PROFILE,
            {"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_STS": "http://sts"},
            StsTarget("eu-west-1", "http://sts"),
        ),
        (PROFILE, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, StsTarget("eu-west-1", None)),
        (
            PROFILE,
            {"AWS_DEFAULT_REGION": "ap-south-1"},
            StsTarget("ap-south-1", "http://profile.example"),
        ),
        (
            PROFILE,
            {"AWS_DEFAULT_REGION": "ap-south-1", "AWS_REGION": "us-west-2"},
            StsTarget("us-west-2", "http://profile.example"),
        ),
        (StsSettings(endpoint_url="http://local"), {}, StsTarget("us-east-1", "http://local")),
        (
            StsSettings(region="eu-west-1", sts_regional_endpoints="legacy"),
            {},
            StsTarget("us-east-1", GLOBAL_ENDPOINT),
        ),
        (
            StsSettings(region="af-south-1", sts_regional_endpoints="legacy"),
            {},
            StsTarget("af-south-1", None),
        ),
        (
            StsSettings(region="eu-west-1"),
            {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
            StsTarget("us-east-1", GLOBAL_ENDPOINT),
        ),
    ],
    ids=[
        "nothing: global STS signed for us-east-1",
        "profile region",
        "profile endpoint",
        "AWS_ENDPOINT_URL wins",
        "AWS_ENDPOINT_URL_STS wins over AWS_ENDPOINT_URL",
        "ignore configured endpoints",
        "AWS_DEFAULT_REGION",
        "AWS_REGION over AWS_DEFAULT_REGION",
        "endpoint without region",
        "legacy in a global region",
        "legacy in a newer region",
        "legacy from the environment",
    ],
)
def test_sts_target(settings: StsSettings, environ: dict[str, str], expected: StsTarget) -> None:
    assert sts_target(settings, environ) == expected


def test_a_client_builds_with_no_region_configured() -> None:
    from resolver.providers.sts.factory import make_sts_client
    from resolver.stscreds.credentials import Credentials

    client = make_sts_client(Credentials("AKID", "secret"), sts_target(StsSettings(), {}))
    assert client.meta.region_name == "us-east-1"
    assert client.meta.endpoint_url == GLOBAL_ENDPOINT
