"""The table of bases: every ``Source`` kind has a builder that returns its provider and
its ``StepKey``, and the disk cache and the ready answer read the same ``StepKey``."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import get_args

import pytest

from resolver import api
from resolver.cache import keys
from resolver.cache.stamps import file_digest
from resolver.chain.types import (
    Chain,
    ContainerSource,
    DefaultChainSource,
    EnvironmentSource,
    Hop,
    InstanceMetadataSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    RolesAnywhereSource,
    SamlSource,
    Source,
    SsoSource,
    StaticSource,
    WebIdentitySource,
)
from resolver.context import Context
from resolver.providers.bases import table
from resolver.providers.bases.built import Inputs, StepKey
from resolver.providers.executor import Step, build_provider
from resolver.providers.sts.factory import StsTarget
from resolver.stscreds.credentials import CredentialsProvider
from tests.cache.test_parallel_processes import cli_env, write_ini
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX programs")

ROLE = "arn:aws:iam::123456789012:role/r"
SERIAL = "arn:aws:iam::123456789012:mfa/u"


def samples(tmp_path: Path) -> dict[type, list[Source]]:
    """One source or more of every kind, with each dependency a kind can have."""
    return {
        StaticSource: [
            StaticSource("s", "AKIDSTATIC", "x"),
            StaticSource("m", "AKID", "x", None, SERIAL),
        ],
        KeyringSource: [KeyringSource("k"), KeyringSource("km", SERIAL)],
        EnvironmentSource: [EnvironmentSource(None)],
        InstanceMetadataSource: [InstanceMetadataSource(None)],
        ContainerSource: [ContainerSource(None)],
        WebIdentitySource: [WebIdentitySource("w", ROLE, str(tmp_path / "token"))],
        SsoSource: [SsoSource("o", "https://example.awsapps.com/start", "eu-west-1", "1", "R")],
        LoginSource: [LoginSource("l", "arn:aws:iam::123456789012:user/u")],
        ProcessSource: [ProcessSource("p", "rc-table-creds --x"), ProcessSource("q", "./creds")],
        DefaultChainSource: [DefaultChainSource("d")],
        SamlSource: [SamlSource("a", ROLE, "rc-table-saml --x"), SamlSource("b", ROLE, "./saml")],
        RolesAnywhereSource: [
            RolesAnywhereSource(
                "ra",
                ROLE,
                str(tmp_path / "pki" / "cert.pem"),
                str(tmp_path / "pki" / "key.pem"),
                "arn:aws:rolesanywhere:eu-west-1:123456789012:trust-anchor/ta",
                "arn:aws:rolesanywhere:eu-west-1:123456789012:profile/pr",
                certificate_chain=str(tmp_path / "pki" / "chain.pem"),
            )
        ],
    }


def context(tmp_path: Path, **environ: str) -> Context:
    env = {"PATH": str(tmp_path / "bin"), "HOME": str(tmp_path), **environ}
    return Context.build(env, cwd=str(tmp_path))


def test_every_source_kind_has_a_builder_and_a_step_key(tmp_path: Path) -> None:
    kinds = samples(tmp_path)
    assert set(kinds) == set(get_args(Source))
    inputs = Inputs(context(tmp_path), StsTarget("us-east-1", None))
    for sources in kinds.values():
        for source in sources:
            built = table.build(source, inputs)
            assert isinstance(built.key, StepKey), source
            assert isinstance(built.provider, CredentialsProvider), source
            assert (
                built.key.material is not None
                or built.key.depends is None
                or (built.key.caller is not None or isinstance(source, EnvironmentSource))
            ), source  # a base kept in memory is named by its key or its credentials


def change(dependency: tuple[str, str], tmp_path: Path, ctx: Context, n: int) -> Context:
    """Change what ``dependency`` names: a file's bytes, the program ``PATH`` finds, the
    working directory."""
    kind, name = dependency
    if kind == "file":
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(f"token {n}\n")
        return ctx
    if kind == "program":
        directory = tmp_path / f"bin{n}"
        directory.mkdir()
        program = directory / name
        program.write_text("#!/bin/sh\n")
        program.chmod(program.stat().st_mode | stat.S_IXUSR)
        environ = {**ctx.environ, "PATH": f"{directory}{os.pathsep}{ctx.environ['PATH']}"}
        return Context.build(environ, cwd=ctx.cwd)
    assert kind == "cwd", kind
    directory = tmp_path / f"cwd{n}"
    directory.mkdir()
    os.chdir(directory)
    return ctx


def names(source: Source, ctx: Context) -> tuple[object, object]:
    """What the disk cache (the base's key, or the identity the next hop's key names it
    by) and the ready answer see of ``source`` in ``ctx``."""
    steps: list[Step] = []

    def record(provider: CredentialsProvider, step: Step) -> CredentialsProvider:
        steps.append(step)
        return provider

    chain = Chain(profile="p", source=source, hops=(Hop(profile="h", role_arn=ROLE),))
    build_provider(chain, ctx=ctx, wrap=record)
    base = steps[0]
    material = keys.step_material(base)
    named = material() if material is not None else keys.base_identity(base)(None)  # type: ignore[arg-type]
    return named, api_stamp(chain, ctx)


def api_stamp(chain: Chain, ctx: Context) -> object:
    from resolver.providers.executor import base_key

    return keys.dependency_stamp(base_key(chain, ctx), ctx.environ)


def test_the_disk_key_and_the_ready_answer_change_with_every_dependency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bin").mkdir()
    (tmp_path / "token").write_text("token 0\n")
    n = 0
    for sources in samples(tmp_path).values():
        for source in sources:
            ctx = context(tmp_path)
            key = table.build(source, Inputs(ctx, StsTarget("us-east-1", None))).key
            if key.depends is None:
                assert api_stamp(Chain("p", source), ctx) is None, source
                continue
            if isinstance(source, (SsoSource, EnvironmentSource, StaticSource)):
                assert key.depends == (), source
            for dependency in key.depends:
                n += 1
                disk, ready = names(source, ctx)
                ctx = change(dependency, tmp_path, ctx, n)
                assert names(source, ctx)[0] != disk, (source, dependency)
                assert names(source, ctx)[1] != ready, (source, dependency)


def test_the_token_file_the_ready_answer_stamps_is_the_one_the_provider_read(
    moto: MotoServer, isolated_env: IsolatedEnv, tmp_path: Path
) -> None:
    """With ``environ`` naming another home, ``~/token`` is that home's token for the
    provider, the hop cache and the ready answer alike (the stamp once expanded ``~``
    from the process's home: it vouched for a file the provider never read)."""
    home = tmp_path / "elsewhere"
    home.mkdir()
    (home / "token").write_text("eyJhbGciOiJub25lIn0.elsewhere.sig\n")
    write_ini(isolated_env, f"[profile wi]\nrole_arn = {ROLE}\nweb_identity_token_file = ~/token\n")
    environ = {**cli_env(moto, isolated_env), "HOME": str(home)}
    found = api.resolution("wi", environ=environ, dependencies=True)
    assert found.persistent
    token = str(home / "token")
    assert found.depends == (("file", token, file_digest(token)),)
