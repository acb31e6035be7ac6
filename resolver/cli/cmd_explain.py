"""``rolechain explain``: the plan, as a readable chain or as fixed JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from resolver.api import plan
from resolver.chain.types import (
    LONG_TERM_KEY_SOURCES,
    Chain,
    Hop,
    ProcessSource,
    Source,
    mfa_session_serial,
)
from resolver.config.durations import format_duration
from resolver.config.secrets import helper_program as program  # never its arguments
from resolver.context import Context
from resolver.errors import printable


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Print the chain for ``args.profile``."""
    from resolver.cli.overrides_args import overrides_from_args

    overrides = overrides_from_args(args, ctx.environ)
    chain = plan(args.profile, config=args.config, overrides=overrides, context=ctx)
    from resolver.cli import roles_anywhere_notes

    if args.json:
        document = plan_json(chain, ctx.environ)
        roles_anywhere_notes.explain_json(chain, ctx, document)
        print(json.dumps(document, indent=2))
    else:
        # values come from the user's files: no terminal escapes reach the terminal
        lines = [*render(chain).split("\n"), *roles_anywhere_notes.explain_lines(chain, ctx)]
        print("\n".join(printable(line) for line in lines))
    return 0


def sts_json(chain: Chain, environ: Mapping[str, str]) -> dict[str, Any]:
    """Where STS calls will go, the environment applied: region and endpoint."""
    from resolver.providers.sts.factory import sts_target

    target = sts_target(chain.sts, environ)
    endpoint = target.endpoint_url
    if endpoint is None:
        suffix = ".amazonaws.com.cn" if target.region.startswith("cn-") else ".amazonaws.com"
        endpoint = f"https://sts.{target.region}{suffix}"
    return {
        "region": target.region,
        "endpoint_url": endpoint,
        "configured_region": chain.sts.region,
        "sts_regional_endpoints": chain.sts.sts_regional_endpoints,
    }


def plan_json(chain: Chain, environ: Mapping[str, str]) -> dict[str, Any]:
    """The plan's fixed JSON, plus the STS target and which helpers run (programs only)."""
    out = chain.to_json()
    source = chain.source
    if isinstance(source, ProcessSource):
        out["source"]["command"] = program(source.command)
    if isinstance(source, LONG_TERM_KEY_SOURCES) and source.mfa_serial:
        out["source"]["mfa_process"] = program(source.mfa_process)
    for hop, hop_json in zip(chain.hops, out["hops"], strict=True):
        hop_json["mfa_process"] = program(hop.mfa_process)
    out["sts"] = sts_json(chain, environ)
    return out


def render(chain: Chain) -> str:
    """The human form: base first, then each hop with its options."""
    lines = [f"profile {chain.profile}: {len(chain.hops)} role hop(s)"]
    lines.append(f"  base  {_describe_source(chain.source)}")
    source = chain.source
    session_serial = mfa_session_serial(source)
    for number, hop in enumerate(chain.hops, 1):
        lines.append(f"  {number}.    profile {hop.profile}: AssumeRole {hop.role_arn}")
        options = _mark_overridden(hop, _hop_options(hop, session_serial))
        lines.extend(f"          {name}: {value}" for name, value in options)
    sts = chain.sts
    where = [f"region {sts.region}" if sts.region else "region from environment or global"]
    if sts.endpoint_url:
        where.append(f"endpoint {sts.endpoint_url}")
    if sts.sts_regional_endpoints:
        where.append(f"sts_regional_endpoints {sts.sts_regional_endpoints}")
    lines.append(f"  sts   {', '.join(where)}")
    return "\n".join(lines)


def _describe_source(source: Source) -> str:
    detail = {key: value for key, value in source.to_json().items() if key not in ("kind",)}
    if isinstance(source, ProcessSource):
        detail["command"] = program(source.command)
    profile = detail.pop("profile", None)
    text = source.kind + (f" (profile {profile})" if profile else "")
    if isinstance(source, LONG_TERM_KEY_SOURCES) and source.mfa_serial:
        detail.pop("mfa_duration_seconds", None)
        duration = format_duration(source.mfa_duration_seconds or 0)
        detail["mfa session"] = f"GetSessionToken with {source.mfa_serial} for {duration}"
        detail.pop("mfa_serial", None)
    extras = ", ".join(
        f"{_OPTION_OF_KEY.get(key, key)} {_shown(key, value)}"
        for key, value in detail.items()
        if value
    )
    return f"{text}: {extras}" if extras else text


def _shown(key: str, value: object) -> str:
    """A source detail as ``explain`` prints it: lists joined, durations as ``2h``."""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if key in ("duration_seconds", "session_duration") and isinstance(value, int):
        return format_duration(value)
    return str(value)


_OPTION_OF_KEY = {
    "session_tags": "tags",
    "transitive_session_tags": "transitive",
    "source_identity": "source identity",
    "duration_seconds": "duration",
}


def _mark_overridden(hop: Hop, options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Options this run's overrides changed, marked as such."""
    marked = {_OPTION_OF_KEY[key] for key in hop.overridden if key in _OPTION_OF_KEY}
    return [(name, value + " (override)" if name in marked else value) for name, value in options]


def _hop_options(hop: Hop, session_serial: str | None) -> list[tuple[str, str]]:
    options: list[tuple[str, str]] = []
    if hop.role_session_name:
        options.append(("session name", hop.role_session_name))
    duration = format_duration(hop.duration_seconds) if hop.duration_seconds else "15m (default)"
    options.append(("duration", duration + (", chained: at most 1h" if hop.chained else "")))
    if hop.external_id:
        options.append(("external id", hop.external_id))
    if hop.mfa_serial:
        via = f" (code from {program(hop.mfa_process)})" if hop.mfa_process else ""
        if hop.mfa_prompt and hop.mfa_prompt != "process":
            via = f" (asked with {hop.mfa_prompt})"
        if hop.mfa_serial == session_serial:
            via = " (satisfied by the MFA session: no second code)"
        options.append(("mfa", hop.mfa_serial + via))
    if hop.tags:
        options.append(("tags", ", ".join(f"{k}={v}" for k, v in hop.tags)))
    if hop.transitive_tag_keys:
        options.append(("transitive", ", ".join(hop.transitive_tag_keys)))
    if hop.source_identity:
        options.append(("source identity", hop.source_identity))
    if hop.policy:
        options.append(("policy", hop.policy))
    if hop.policy_arns:
        options.append(("policy arns", ", ".join(hop.policy_arns)))
    return options
