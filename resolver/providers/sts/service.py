"""Where an STS call goes, and botocore's pieces for the rare paths of the lite client.

The endpoint of a region is read from botocore's rule set and partitions without botocore
(``endpoints``) when the rules are the ones that reading was made from; otherwise, and for
FIPS, dual-stack and pseudo-regions, botocore decides (its ``EndpointProvider``, or a
botocore client stopped before signing). An error answer raises the modeled exception
classes a botocore STS client raises, built from botocore's STS model. Each is loaded
once per process, and only when needed.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

SERVICE = "sts"
SIGNING_NAME = "sts"


@functools.lru_cache(maxsize=4)
def client_exceptions(data_path: str | None = None) -> Any:
    """The modeled exception classes a botocore STS client raises (``client.exceptions``),
    built from the model the lite client parses with (read once per process)."""
    from botocore.errorfactory import ClientExceptionsFactory

    from resolver.providers.sts.model import botocore_service_model, sts_model

    model = botocore_service_model(sts_model(data_path))
    return ClientExceptionsFactory().create_client_exceptions(model)


@functools.lru_cache(maxsize=1)
def _endpoint_provider() -> Any:
    """botocore's evaluator of STS's endpoint rule set, with botocore's partitions."""
    from botocore.endpoint_provider import EndpointProvider

    from resolver.providers.sts.loader import DirectLoader

    loader = DirectLoader()  # botocore's own search path (its data, ~/.aws/models)
    return EndpointProvider(
        loader.load_service_model(SERVICE, "endpoint-rule-set-1"), loader.load_data("partitions")
    )


def _flag(environ: Mapping[str, str], name: str) -> bool:
    """A boolean setting as botocore reads it from the environment (``true``, any case)."""
    return environ.get(name, "").strip().lower() == "true"


def resolved_endpoint(
    region: str, endpoint_url: str | None, environ: Mapping[str, str]
) -> tuple[str, str]:
    """``(url, signing region)`` of an STS call, as a botocore client in ``environ`` (no
    config file) resolves them: ``endpoint_url`` as given (botocore then ignores FIPS and
    dual-stack); for a region, STS's rule set; with FIPS or dual-stack asked for, or a
    pseudo-region (``aws-global``, ``fips-...``), where botocore's legacy endpoint data
    still has a say, a botocore client's own resolution."""
    if endpoint_url is not None:
        return endpoint_url, region
    fips = _flag(environ, "AWS_USE_FIPS_ENDPOINT")
    dualstack = _flag(environ, "AWS_USE_DUALSTACK_ENDPOINT")
    legacy = environ.get("AWS_STS_REGIONAL_ENDPOINTS", "").lower() == "legacy"
    if fips or dualstack or "fips" in region.lower() or region == "aws-global":
        return _botocore_resolved(region, fips=fips, dualstack=dualstack, legacy=legacy)
    from resolver.providers.sts.endpoints import regional_endpoint

    read_here = regional_endpoint(region, legacy_global=legacy)
    if read_here is not None:
        return read_here
    endpoint = _endpoint_provider().resolve_endpoint(
        Region=region, UseFIPS=False, UseDualStack=False, UseGlobalEndpoint=legacy
    )
    schemes = endpoint.properties.get("authSchemes") or [{}]
    return str(endpoint.url), str(schemes[0].get("signingRegion") or region)


class _Resolved(Exception):
    """Stops a botocore call at signing, with where it would go and its signing region."""

    def __init__(self, url: str, region: str) -> None:
        super().__init__(url, region)
        self.url, self.region = url, region


def _stop_at_signing(request: Any, region_name: str, **_: Any) -> None:
    """``before-sign`` handler: what the signer would use, before anything is signed."""
    region = request.context.get("signing", {}).get("region") or region_name
    raise _Resolved(str(request.url), str(region))


def _botocore_resolved(
    region: str, *, fips: bool, dualstack: bool, legacy: bool
) -> tuple[str, str]:
    """Where an unsigned botocore client for ``region`` with these settings sends a call
    and for which region it signs: the call is stopped before it is signed or sent."""
    import os

    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config

    session = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    for name, value in (
        ("config_file", os.devnull),
        ("credentials_file", os.devnull),
        ("use_fips_endpoint", fips),
        ("use_dualstack_endpoint", dualstack),
        ("sts_regional_endpoints", "legacy" if legacy else "regional"),
    ):
        session.set_config_variable(name, value)
    config = Config(signature_version=UNSIGNED)
    client: Any = session.create_client("sts", region_name=region, config=config)
    client.meta.events.register("before-sign.sts", _stop_at_signing)
    try:
        client.get_caller_identity()
    except _Resolved as found:
        return found.url.removesuffix("/"), found.region
    raise AssertionError("botocore sent an STS call it was to stop")  # pragma: no cover
