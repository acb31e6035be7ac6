"""The stdlib reading of STS's endpoint rule set against botocore's ``EndpointProvider``
(the oracle): every region of every partition and generated region-like text, with the
legacy global endpoint on and off, give the same URL and signing region."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.endpoint_provider import EndpointProvider
from botocore.loaders import Loader
from hypothesis import given
from hypothesis import strategies as st

from resolver.providers.sts import data, endpoints
from tests.hostile import fuzz_settings

LOADER = Loader()
PARTITIONS = LOADER.load_data("partitions")
RULE_SET = LOADER.load_service_model("sts", "endpoint-rule-set-1")
PROVIDER = EndpointProvider(RULE_SET, PARTITIONS)
ALL_REGIONS = sorted(
    {region for partition in PARTITIONS["partitions"] for region in partition["regions"]}
)


def botocore_endpoint(region: str, legacy: bool) -> tuple[str, str]:
    """``(url, signing region)`` as the lite client reads botocore's provider today."""
    endpoint = PROVIDER.resolve_endpoint(
        Region=region, UseFIPS=False, UseDualStack=False, UseGlobalEndpoint=legacy
    )
    schemes = endpoint.properties.get("authSchemes") or [{}]
    return str(endpoint.url), str(schemes[0].get("signingRegion") or region)


@pytest.mark.parametrize("legacy", [True, False])
def test_every_region_of_every_partition_resolves_as_botocore(legacy: bool) -> None:
    assert len(ALL_REGIONS) > 40
    for region in ALL_REGIONS:
        ours = endpoints.regional_endpoint(region, legacy_global=legacy)
        assert ours == botocore_endpoint(region, legacy), region


def region_like(regex: str) -> st.SearchStrategy[str]:
    return st.from_regex(regex, fullmatch=True)


regions = st.one_of(
    *(region_like(partition["regionRegex"]) for partition in PARTITIONS["partitions"]),
    st.builds(
        "{}-{}-{}".format,
        st.sampled_from(["us", "eu", "cn", "us-gov", "us-iso", "eusc-de", "zz", "US", "aws"]),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0é", min_size=0, max_size=8),
        st.integers(min_value=0, max_value=99),
    ),
    st.sampled_from(ALL_REGIONS).map(lambda r: r.upper()),
    st.sampled_from(ALL_REGIONS).map(lambda r: r + "\n"),
    st.sampled_from(ALL_REGIONS).map(lambda r: " " + r),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
)


@fuzz_settings(300)
@given(region=regions, legacy=st.booleans())
def test_generated_regions_resolve_as_botocore(region: str, legacy: bool) -> None:
    assert endpoints.regional_endpoint(region, legacy_global=legacy) == botocore_endpoint(
        region, legacy
    )


def test_the_legacy_global_regions_are_the_rule_sets() -> None:
    """The regions the rule set's legacy tree sends to the global endpoint."""
    legacy_tree = RULE_SET["rules"][0]
    named = {
        rule["conditions"][0]["argv"][1]
        for rule in legacy_tree["rules"]
        if rule["conditions"] and rule["endpoint"]["url"] == endpoints.GLOBAL_URL
    }
    assert named == endpoints.LEGACY_GLOBAL


def test_botocores_rule_set_is_read_here_or_left_to_botocore() -> None:
    """The installed botocore's rules are either the ones specialised here (then they are
    answered here) or not (then botocore is asked): a newer botocore never gets a guess."""
    path = endpoints.rule_set_path(None)
    assert path is not None
    answer = endpoints.regional_endpoint("eu-west-1", legacy_global=False)
    if endpoints.rules_digest(data.read_json(path)) in endpoints.KNOWN_RULES:
        assert answer == ("https://sts.eu-west-1.amazonaws.com", "eu-west-1")
    else:
        assert answer is None


def write_rule_set(root: Path, version: str, rule_set: Any) -> None:
    folder = root / "sts" / version
    folder.mkdir(parents=True)
    (folder / "endpoint-rule-set-1.json.gz").write_bytes(
        gzip.compress(json.dumps(rule_set).encode())
    )


def test_an_unknown_rule_set_is_left_to_botocore(tmp_path: Path) -> None:
    changed = json.loads(json.dumps(RULE_SET))
    changed["rules"][2]["rules"][0]["rules"][-1]["endpoint"]["url"] = "https://other.{Region}"
    write_rule_set(tmp_path, "2099-01-01", changed)
    assert (
        endpoints.regional_endpoint("eu-west-1", legacy_global=False, data_path=str(tmp_path))
        is None
    )


def test_a_newer_copy_of_the_same_rules_is_still_read(tmp_path: Path) -> None:
    write_rule_set(tmp_path, "2099-01-01", RULE_SET)
    found = endpoints.regional_endpoint("eu-west-1", legacy_global=False, data_path=str(tmp_path))
    assert found == ("https://sts.eu-west-1.amazonaws.com", "eu-west-1")
    assert endpoints.rule_set_path(str(tmp_path)) == (
        tmp_path / "sts" / "2099-01-01" / "endpoint-rule-set-1.json.gz"
    )


def test_partitions_on_the_data_path_come_first(tmp_path: Path) -> None:
    mine = json.loads(json.dumps(PARTITIONS))
    mine["partitions"][0]["outputs"]["dnsSuffix"] = "example.test"
    (tmp_path / "partitions.json").write_text(json.dumps(mine))
    found = endpoints.regional_endpoint("zz-west-9", legacy_global=False, data_path=str(tmp_path))
    assert found == ("https://sts.zz-west-9.example.test", "zz-west-9")
    (tmp_path / "partitions.json").write_text('{"partitions": [{"id": "x"}]}')
    endpoints._partitions.cache_clear()
    assert (
        endpoints.regional_endpoint("zz-west-9", legacy_global=False, data_path=str(tmp_path))
        is None
    )
