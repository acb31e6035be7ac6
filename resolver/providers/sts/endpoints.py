"""Where an STS call goes without a configured endpoint, as botocore's STS endpoint rule set
decides for a region with FIPS and dual-stack off, read from botocore's data without
importing botocore.

For these inputs the rule set (``sts/<version>/endpoint-rule-set-1.json``) comes down to:
the region's partition is the first in ``partitions.json`` that lists it or whose
``regionRegex`` matches it (else the first partition); with the legacy global endpoint
(``UseGlobalEndpoint``) the regions the rule set names go to ``https://sts.amazonaws.com``
signed for ``us-east-1``; without it only ``aws-global`` does; any other region goes to
``https://sts.{region}.{dnsSuffix}`` signed for itself. That reading holds for the rules it
was made from only: a rule set whose rules differ (another botocore, a model of the user's)
gives None, and the caller asks botocore.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from resolver.providers.sts import data

GLOBAL_URL = "https://sts.amazonaws.com"
GLOBAL_SIGNING_REGION = "us-east-1"
RULE_SET = "endpoint-rule-set-1"
# sha256 of the rules (canonical JSON) this module specialises, and of botocore's file.
KNOWN_RULES = frozenset({"6c375170a602d4b23d3f0a5e405bc1a99fd0edd19a5bb2acc5582e8e37e1bbe0"})
KNOWN_FILES = frozenset({"dd8a5ce42a1b41ee8a1db1925877817ee3c2ac488cc086c7dbd93cb474255406"})
# The regions the rule set sends to the global endpoint when asked to (botocore's list).
LEGACY_GLOBAL = frozenset(
    {
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "aws-global",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)


class Partition:
    """One partition of ``partitions.json``: what decides a region belongs to it, and
    its DNS suffix."""

    __slots__ = ("dns_suffix", "name", "regex", "regions")

    def __init__(self, entry: dict[str, Any]) -> None:
        import re

        self.name = str(entry["id"])
        self.regex = re.compile(str(entry["regionRegex"]))
        self.regions = frozenset(entry["regions"])
        self.dns_suffix = str(entry["outputs"]["dnsSuffix"])

    def matches(self, region: str) -> bool:
        """botocore's ``is_partition_match``: listed, or matched by the regex."""
        return region in self.regions or self.regex.match(region) is not None


def regional_endpoint(
    region: str, *, legacy_global: bool, data_path: str | None = None
) -> tuple[str, str] | None:
    """``(url, signing region)`` of an STS call for ``region`` (FIPS and dual-stack off;
    ``legacy_global``: ``sts_regional_endpoints = legacy``), as botocore's rule set and
    partitions on botocore's data search path (``data_path``: ``AWS_DATA_PATH``) give it;
    None when the rule set is not the one this reading was made from, or its data is
    missing: then ask botocore."""
    if not _known_rule_set(data_path):
        return None
    partitions = _partitions(data_path)
    if not partitions:
        return None
    if region in LEGACY_GLOBAL and (legacy_global or region == "aws-global"):
        return GLOBAL_URL, GLOBAL_SIGNING_REGION
    partition = next((p for p in partitions if p.matches(region)), partitions[0])
    return f"https://sts.{region}.{partition.dns_suffix}", region


@functools.lru_cache(maxsize=4)
def _partitions(data_path: str | None) -> tuple[Partition, ...]:
    """The partitions in botocore's order (empty when missing or not as expected)."""
    path = data.find_data_file("partitions.json", data_path)
    if path is None:
        return ()
    try:
        return tuple(Partition(entry) for entry in data.read_json(path)["partitions"])
    except (KeyError, TypeError, ValueError):
        return ()


def rule_set_path(data_path: str | None) -> Path | None:
    """STS's rule set as botocore's loader picks it: the newest API version on any search
    path, from the first path that has it."""
    return data.model_file("sts", RULE_SET, data_path)


def rules_digest(rule_set: Any) -> str:
    """sha256 of a rule set's ``rules`` as canonical JSON (what decides an endpoint)."""
    import json

    text = json.dumps(rule_set["rules"], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=4)
def _known_rule_set(data_path: str | None) -> bool:
    """Whether the rule set botocore would load is the one this module specialises."""
    path = rule_set_path(data_path)
    if path is None:
        return False
    if hashlib.sha256(path.read_bytes()).hexdigest() in KNOWN_FILES:
        return True
    try:
        return rules_digest(data.read_json(path)) in KNOWN_RULES
    except (KeyError, TypeError, ValueError, OSError):
        return False
