"""``rolechain export``: credentials as shell lines (``resolver.cli.formats``), JSON,
credential_process or INI."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from resolver.api import Resolution, resolution
from resolver.cli.fastpath import EXPORT_FORMATS, request_of
from resolver.cli.formats import SHELL_FORMATS, render_ini, render_shell, shell_state
from resolver.context import Context
from resolver.stscreds.credentials import Credentials
from resolver.timefmt import rfc3339_seconds

if TYPE_CHECKING:
    from argparse import Namespace
    from types import SimpleNamespace

logger = logging.getLogger(__name__)


def effective_region(chain_region: str | None, environ: Mapping[str, str]) -> str | None:
    """The region the SDKs would use: ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the chain's."""
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or chain_region


def credential_variables(credentials: Credentials, region: str | None) -> dict[str, str]:
    """The environment variables that carry ``credentials`` (and the region, if known);
    the rest of ``formats.MANAGED_VARIABLES`` are to be unset."""
    variables = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
    }
    if credentials.session_token:
        variables["AWS_SESSION_TOKEN"] = credentials.session_token
    if credentials.expires:
        variables["AWS_CREDENTIAL_EXPIRATION"] = rfc3339_seconds(credentials.expires)
    if credentials.account_id:
        variables["AWS_ACCOUNT_ID"] = credentials.account_id
    if region:
        variables["AWS_REGION"] = variables["AWS_DEFAULT_REGION"] = region
    return variables


def render(credentials: Credentials, fmt: str, *, profile: str, region: str | None) -> str:
    """``credentials`` in one of the export formats."""
    if fmt == "credential-process":
        document: dict[str, object] = {
            "Version": 1,
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key,
        }
        if credentials.session_token:
            document["SessionToken"] = credentials.session_token
        if credentials.expires:
            document["Expiration"] = rfc3339_seconds(credentials.expires)
        if credentials.account_id:
            document["AccountId"] = credentials.account_id
        return json.dumps(document)
    variables = credential_variables(credentials, region)
    if fmt in SHELL_FORMATS:
        expires = variables.get("AWS_CREDENTIAL_EXPIRATION")
        return render_shell(fmt, {**variables, **shell_state(profile, expires)})
    if fmt == "json":
        return json.dumps(variables, indent=2)
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    return render_ini(profile, {k.lower(): variables[k] for k in keys if k in variables})


def run(args: Namespace | SimpleNamespace, ctx: Context) -> int:
    """Resolve and print; then save a ready answer for the next identical call."""
    from resolver.cli.overrides_args import overrides_from_args, token_from_args

    found = resolution(
        args.profile,
        config=args.config,
        token_provider=token_from_args(args),
        overrides=overrides_from_args(args, ctx.environ),
        dependencies=True,
        context=ctx,
    )
    chain, credentials = found.chain, found.credentials
    region = effective_region(chain.sts.region if chain else None, ctx.environ)
    name = chain.profile if chain else (args.profile or "default")
    print(render(credentials, args.format, profile=name, region=region))
    save_answer(args, found, region, ctx)
    return 0


def save_answer(
    args: Namespace | SimpleNamespace, found: Resolution, region: str | None, ctx: Context
) -> None:
    """Save every format's output as a ready answer (``resolver.cache.answers``), best effort.

    Only credentials that live in the disk cache anyway qualify (``found.persistent``,
    never with the cache off, never long-term keys), only when what the chain's base
    depends on can be re-checked when serving (``found.depends``), and only until their
    refresh window opens.
    """
    from resolver.cache.answers import Answer, request_key, request_text
    from resolver.cache.store import CacheStore
    from resolver.errors import CacheError, ResolverError
    from resolver.providers.executor import MIN_REFRESH_WINDOW

    credentials, chain = found.credentials, found.chain
    if chain is None or not found.persistent or credentials.expires is None:
        return
    if found.depends is None:  # e.g. a container or IMDS base: see resolver.cache.keys
        return
    refresh_at = (credentials.expires - MIN_REFRESH_WINDOW).timestamp()
    if refresh_at <= time.time():
        return
    outputs = {}
    for fmt in EXPORT_FORMATS:  # a format that refuses these values is not saved: the
        try:  # next request for it takes the full path and is refused again
            outputs[fmt] = render(credentials, fmt, profile=chain.profile, region=region)
        except ResolverError:
            continue
    profiles = [p for p in (chain.source.profile, *(hop.profile for hop in chain.hops)) if p]
    profile, config, _, overrides = request_of(vars(args))  # as the warm path reads argv
    request = request_text(profile, config, ctx.environ, overrides)
    expires = credentials.expires.timestamp()
    answer = Answer(request, profiles, refresh_at, expires, found.stamp, outputs, found.depends)
    try:
        data = answer.encode()
        CacheStore(Path(ctx.cache_dir)).write_answer(request_key(request), data)
    except (ValueError, CacheError) as exc:
        logger.debug("no ready answer saved: %s", exc)
