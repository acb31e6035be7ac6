"""Starting and stopping the instance metadata server: ``serve_imds()`` and what
``exec --imds`` needs.

It shares the container server's start-up checks (loopback only, the chain planned
before anything listens, a port in use), its listener and its ``ProfileSource``. The
chain is always fetched before the server listens: SDKs give the metadata service one
second, and a cold chain (or an MFA prompt) takes longer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from resolver.server.imds import ImdsRoutes, Instance, render
from resolver.server.lifecycle import (
    SHADOWING,
    TOKEN_VARIABLE,
    URI_VARIABLE,
    base_url,
    bind,
    fetcher,
    loopback_address,
    running,
)
from resolver.server.listener import CredentialServer
from resolver.server.source import DEFAULT_MARGIN, ProfileSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from resolver.chain.overrides import Overrides
    from resolver.chain.types import Chain
    from resolver.context import Context
    from resolver.stscreds.tokens import TokenProvider

ENDPOINT_VARIABLE = "AWS_EC2_METADATA_SERVICE_ENDPOINT"
DEFAULT_REGION = "us-east-1"
# What would shadow (or switch off) the metadata service in an SDK's chain: the
# container server's list, and the container endpoint itself, which comes first.
IMDS_SHADOWING = (
    *SHADOWING,
    URI_VARIABLE,
    TOKEN_VARIABLE,
    "AWS_EC2_METADATA_DISABLED",
)
_NOT_IN_ROLE_NAME = re.compile(r"[^\w+=,.@-]")


@dataclass(frozen=True)
class ImdsEndpoint:
    """A running metadata server: its ``url`` (what ``ENDPOINT_VARIABLE`` takes) and
    what it says about the instance."""

    url: str
    instance: Instance
    server: CredentialServer | None = field(default=None, repr=False, compare=False)

    def environment(self) -> dict[str, str]:
        """The variable that points an SDK at this server."""
        return {ENDPOINT_VARIABLE: self.url}


def instance_of(chain: Chain, environ: Mapping[str, str]) -> Instance:
    """The role name, region and account a chain's metadata shows: the last role's name
    and account (else the profile's name), the region the SDKs would use."""
    arn = chain.hops[-1].role_arn if chain.hops else getattr(chain.source, "role_arn", None)
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) == 6 and parts[5].startswith("role/"):
        role, account = parts[5].rsplit("/", 1)[1], parts[4] or None
    else:
        role, account = chain.profile, None
    region = (
        environ.get("AWS_REGION")
        or environ.get("AWS_DEFAULT_REGION")
        or chain.sts.region
        or DEFAULT_REGION
    )
    return Instance(_NOT_IN_ROLE_NAME.sub("-", role)[:64] or "rolechain", region, account)


@contextmanager
def serve_imds(
    profile: str = "default",
    *,
    config: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    v1: bool = False,
    verbose: bool = False,
    margin: timedelta = DEFAULT_MARGIN,
    overrides: Overrides | None = None,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
    context: Context | None = None,
    clock: Callable[[], float] | None = None,
) -> Iterator[ImdsEndpoint]:
    """Serve ``profile`` as an IMDSv2 endpoint on ``host:port`` (0: a free port) until
    the block ends. The profile is planned and its credentials fetched first (errors
    raise); ``v1`` answers requests without a session token too; ``clock`` (monotonic
    seconds) times the session tokens."""
    from resolver import api

    loopback_address(host)  # refused before anything is fetched
    ctx = api.context_of(environ, context)
    chain = api.plan(profile, config=config, overrides=overrides, context=ctx)
    fetch = fetcher(profile, config, overrides, token_provider, ctx)
    source = ProfileSource(profile, fetch, margin=margin, render=render)
    source.prime()
    instance = instance_of(chain, ctx.environ)
    routes = ImdsRoutes(source, instance, v1=v1, clock=clock or time.monotonic)
    server = bind(host, port, routes, verbose)
    with running(server):
        yield ImdsEndpoint(base_url(server) + "/", instance, server)
