"""The declarative resolver builds its chains from resolver.stscreds' public classes (no
second copy), and a generated session name does not enter the cache key."""

from __future__ import annotations

from resolver.chain.types import Hop, StsSettings, WebIdentitySource
from resolver.context import Context
from resolver.providers.bases import web_identity
from resolver.providers.bases.built import GENERATED, Inputs
from resolver.providers.executor import build_hop
from resolver.providers.sts.factory import sts_target
from resolver.stscreds import (
    AssumeRoleProvider,
    IdentityTokenFile,
    WebIdentityRoleProvider,
    provider_func,
)
from resolver.stscreds.credentials import Credentials

ROLE = "arn:aws:iam::123456789012:role/ops"


def inputs() -> Inputs:
    ctx = Context.build({"AWS_REGION": "us-east-1"})
    return Inputs(ctx, sts_target(StsSettings(region="us-east-1"), ctx.environ))


def test_a_hop_is_the_public_assume_role_provider_and_its_key_ignores_the_generated_name() -> None:
    caller = provider_func(lambda: Credentials("AKID", "x" * 40), name="caller")
    hop = Hop(profile="ops", role_arn=ROLE, tags=(("team", "blue"),))
    first, second = build_hop(hop, caller, inputs()), build_hop(hop, caller, inputs())
    assert type(first.provider) is AssumeRoleProvider
    assert first.provider.role_session_name != second.provider.role_session_name  # type: ignore[attr-defined]
    assert first.key == second.key
    assert first.key.material is not None
    assert first.key.material["params"]["RoleSessionName"] == GENERATED
    named = build_hop(
        Hop(profile="ops", role_arn=ROLE, role_session_name="alice"), caller, inputs()
    )
    assert named.key.material is not None
    assert named.key.material["params"]["RoleSessionName"] == "alice"


def test_the_web_identity_base_is_the_public_provider_and_token_file() -> None:
    source = WebIdentitySource(profile="ci", role_arn=ROLE, web_identity_token_file="~/token")
    built = web_identity.build(source, inputs())
    provider = built.provider
    assert type(provider) is WebIdentityRoleProvider
    assert type(provider.token_retriever) is IdentityTokenFile
    assert not provider.token_retriever.path.startswith("~")  # expanded by the builder
    assert built.key.material is not None
    assert built.key.material["role_session_name"] == GENERATED
