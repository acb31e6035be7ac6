"""Console sign-in URLs, purely: partitions, destinations and the federation endpoint.

The federation endpoint (``getSigninToken``, then ``login``) and the console host follow
the partition: ``aws`` (signin.aws.amazon.com, console.aws.amazon.com), ``aws-us-gov``
(signin.amazonaws-us-gov.com, console.amazonaws-us-gov.com) and ``aws-cn``
(signin.amazonaws.cn, console.amazonaws.cn). ``ROLECHAIN_FEDERATION_ENDPOINT``
replaces the endpoint (tests, private endpoints); it must be https, or http on loopback.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlencode, urlsplit

from resolver.config.values import endpoint_problem
from resolver.errors import ResolverError

FEDERATION_ENDPOINT_VARIABLE = "ROLECHAIN_FEDERATION_ENDPOINT"
ISSUER = "rolechain"
MIN_SESSION_SECONDS = 900
MAX_SESSION_SECONDS = 43200  # the federation endpoint's SessionDuration bounds
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_SERVICE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_ARN_PARTITION = re.compile(r"arn:(aws[a-z-]*):")


@dataclass(frozen=True)
class Partition:
    """One AWS partition's sign-in and console hosts."""

    name: str
    signin_host: str
    console_host: str

    @property
    def federation_endpoint(self) -> str:
        return f"https://{self.signin_host}/federation"


PARTITIONS = {
    "aws": Partition("aws", "signin.aws.amazon.com", "console.aws.amazon.com"),
    "aws-us-gov": Partition(
        "aws-us-gov", "signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com"
    ),
    "aws-cn": Partition("aws-cn", "signin.amazonaws.cn", "console.amazonaws.cn"),
}
# Hosts a --destination may name, per partition (the console and its service subdomains).
_DESTINATION_DOMAINS = {
    "aws": ("aws.amazon.com",),
    "aws-us-gov": ("amazonaws-us-gov.com",),
    "aws-cn": ("amazonaws.cn",),
}


def check_region(region: str) -> str:
    """``region`` if it looks like an AWS region name; it ends up in a host name."""
    if not _REGION.fullmatch(region):
        raise ResolverError(f"invalid region {region!r}; expected a name such as eu-west-1")
    return region


def partition_of_region(region: str | None) -> Partition:
    """The partition a region belongs to (``aws`` when unknown or absent)."""
    if region and region.startswith("us-gov-"):
        return PARTITIONS["aws-us-gov"]
    if region and region.startswith("cn-"):
        return PARTITIONS["aws-cn"]
    return PARTITIONS["aws"]


def choose_partition(role_arn: str | None, region: str | None) -> Partition:
    """The partition of ``role_arn`` (the final role), else of ``region``; they must agree."""
    by_region = partition_of_region(region)
    match = _ARN_PARTITION.match(role_arn or "")
    if match is None:
        return by_region
    by_arn = PARTITIONS.get(match.group(1))
    if by_arn is None:
        raise ResolverError(f"unknown partition {match.group(1)!r} in {role_arn}")
    if region and by_arn != by_region:
        raise ResolverError(
            f"region {region} is in partition {by_region.name}, but role {role_arn} is in "
            f"{by_arn.name}: pick a region of {by_arn.name} with --region"
        )
    return by_arn


def federation_endpoint(partition: Partition, environ: Mapping[str, str]) -> str:
    """The endpoint for ``getSigninToken`` and ``login`` (the override, checked, first)."""
    override = environ.get(FEDERATION_ENDPOINT_VARIABLE, "").strip()
    if not override:
        return partition.federation_endpoint
    why = "the request carries the session's secret key"
    problem = endpoint_problem(override)  # checked before any request is built
    if problem is not None:
        why = problem
    elif _https_or_loopback(urlsplit(override)):
        if urlsplit(override).query or urlsplit(override).fragment:
            raise ResolverError(f"{FEDERATION_ENDPOINT_VARIABLE} must not have a query")
        return override
    raise ResolverError(
        f"{FEDERATION_ENDPOINT_VARIABLE} must be an https URL (http only on loopback): {why}"
    )


def _https_or_loopback(parts: SplitResult) -> bool:
    """True for an https URL with a host, or an http one to a loopback address."""
    if parts.scheme == "https" and parts.hostname:
        return True
    try:
        loopback = parts.hostname is not None and ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        loopback = parts.hostname == "localhost"
    return parts.scheme == "http" and loopback


def destination_url(
    partition: Partition,
    *,
    region: str | None = None,
    service: str | None = None,
    destination: str | None = None,
) -> str:
    """Where the console opens: ``destination`` (checked), else the service's or the
    console's home page, in ``region`` when one is given."""
    if destination is not None:
        parts = urlsplit(destination)
        host = (parts.hostname or "").lower()
        domains = _DESTINATION_DOMAINS[partition.name]
        if parts.scheme != "https" or not any(
            host == domain or host.endswith("." + domain) for domain in domains
        ):
            raise ResolverError(
                f"--destination must be an https URL on {' or '.join(domains)} "
                f"(partition {partition.name}), got {destination!r}"
            )
        if any(ord(char) < 0x21 for char in destination):
            raise ResolverError("--destination must not contain spaces or control characters")
        return destination
    if service is not None and not _SERVICE.fullmatch(service):
        raise ResolverError(f"invalid --service {service!r}; expected a name such as s3")
    path = f"{service}/home" if service else "console/home"
    if region:
        return f"https://{region}.{partition.console_host}/{path}?region={region}"
    return f"https://{partition.console_host}/{path}"


def signin_token_query(session_json: str, session_duration: int | None) -> str:
    """The ``getSigninToken`` query string."""
    params = {"Action": "getSigninToken"}
    if session_duration is not None:
        params["SessionDuration"] = str(session_duration)
    params["Session"] = session_json
    return urlencode(params)


def login_url(endpoint: str, destination: str, signin_token: str) -> str:
    """The sign-in URL: a bearer secret for 15 minutes (print it only when asked)."""
    query = urlencode(
        {
            "Action": "login",
            "Issuer": ISSUER,
            "Destination": destination,
            "SigninToken": signin_token,
        }
    )
    return f"{endpoint}?{query}"
