"""Issue 19 item 16, issue 20 item 3: a function given an environment uses that environment only.

The static half: no function with an ``environ`` parameter reads ``os.environ`` or
``os.getenv`` except to default a missing ``environ`` (``os.environ if environ is None else
environ``; tests/test_layout.py goes further: no module but the Context reads it at all).
The behavioural half: ``load_profiles``, ``plan``, ``resolve``, ``session`` and the STS
client built for a resolution follow the given environment while ``os.environ`` holds
conflicting, generated hostile values; the CLI builds one ``Context`` and never writes
the process environment (``--no-cache`` is a flag of the context).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from resolver.config.loading import load_profiles
from resolver.context import Context
from tests.conftest import IsolatedEnv

ROOT = Path(__file__).resolve().parent.parent


def _defaulting(node: ast.AST, parameter: str) -> bool:
    """``os.environ if PARAMETER is None else PARAMETER`` (either way round)."""
    if not isinstance(node, ast.IfExp) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    return (
        isinstance(test.left, ast.Name)
        and test.left.id == parameter
        and isinstance(test.ops[0], ast.Is | ast.IsNot)
    )


def _process_reads(function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str) -> list[int]:
    """Lines reading the process environment, but for defaulting ``parameter`` and asking
    whether it *is* the process environment (``environ is os.environ``)."""
    allowed: set[int] = set()
    for node in ast.walk(function):
        identity = isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Is | ast.IsNot)
        if _defaulting(node, parameter) or identity:
            allowed.update(id(inner) for inner in ast.walk(node))
    return [
        node.lineno
        for node in ast.walk(function)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and node.attr in ("environ", "getenv", "environb")
        and id(node) not in allowed
    ]


def test_no_function_given_an_environment_reads_the_process_one() -> None:
    found = []
    for path in sorted((ROOT / "resolver").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            names = [a.arg for a in (*node.args.args, *node.args.kwonlyargs)]
            for parameter in {"environ"} & set(names):
                for line in _process_reads(node, parameter):
                    found.append(f"{path.relative_to(ROOT)}:{line} {node.name}")
    assert found == []


def test_the_static_check_sees_a_process_read() -> None:
    tree = ast.parse(
        "def f(environ=None):\n    environ = os.environ if environ is None else environ\n"
        "    return os.environ.get('X')\n"
    )
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    assert _process_reads(function, "environ") == [3]


HOSTILE = {
    "XDG_CONFIG_HOME": "/nonexistent/hostile-xdg",
    "HOME": "/nonexistent/hostile-home",
    "AWS_CONFIG_FILE": "/nonexistent/hostile-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/hostile-credentials",
    "ROLECHAIN_CONFIG": "",
    "AWS_PROFILE": "hostile",
    "ROLECHAIN_STS_CONNECT_TIMEOUT": "not a number",
    "ROLECHAIN_STS_READ_TIMEOUT": "-1",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "AWS_CA_BUNDLE": "/nonexistent/hostile-ca.pem",
}


@pytest.fixture
def given(
    tmp_path: Path, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """An environment naming a TOML by XDG_CONFIG_HOME and a home of its own, while the
    process environment names other, hostile places and invalid settings."""
    xdg = tmp_path / "given-xdg"
    (xdg / "rolechain").mkdir(parents=True)
    (xdg / "rolechain" / "profiles.toml").write_text(
        '[profiles.given]\naws_access_key_id = "AKIAGIVEN"\naws_secret_access_key = "s"\n'
        'region = "eu-west-1"\n'
    )
    home = tmp_path / "given-home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "[default]\nregion = eu-north-1\n[profile ini-given]\nregion = eu-north-1\n"
    )
    for name, value in HOSTILE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ROLECHAIN_CONFIG")
    return {"XDG_CONFIG_HOME": str(xdg), "HOME": str(home), "ROLECHAIN_STS_READ_TIMEOUT": "7"}


def test_load_profiles_and_plan_follow_the_given_environment(given: dict[str, str]) -> None:
    from resolver import api

    profiles = load_profiles(None, given)
    assert {"given", "ini-given"} <= set(profiles.names())
    chain = api._plan("given", None, Context.build(given), None)[0]
    assert chain.sts.region == "eu-west-1"
    assert api.resolve("given", environ=given).access_key_id == "AKIAGIVEN"


def test_the_sts_client_is_built_from_the_given_environment(given: dict[str, str]) -> None:
    from resolver.chain.types import StsSettings
    from resolver.providers.sts import pool as sts_pool
    from resolver.providers.sts.factory import sts_target

    sts_pool.clear()
    target = sts_target(StsSettings(region="eu-west-1"), given)
    client = sts_pool.shared_sts_client(target, signed=True)
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (5.0, 7.0)
    assert config.proxies == {}
    other = sts_target(StsSettings(region="eu-west-1"), {**given, "HTTPS_PROXY": "http://p:1"})
    assert sts_pool.shared_sts_client(other, signed=True) is not client
    assert (
        sts_pool.shared_sts_client(sts_target(StsSettings(region="eu-west-1"), given), signed=True)
        is client
    )
    sts_pool.clear()


def test_the_warm_path_expands_home_from_the_given_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ready answer's cache directory and request key take ``~`` from the given
    ``HOME``, as the full path does, never from the process's."""
    from resolver.cache.answers import request_text
    from resolver.context import cache_directory

    monkeypatch.setenv("HOME", "/process/home")
    given = {"HOME": str(tmp_path), "ROLECHAIN_CACHE_DIR": "~/c", "AWS_CONFIG_FILE": "~/cfg"}
    assert cache_directory(given) == f"{tmp_path}/c"
    assert cache_directory({"HOME": str(tmp_path)}) == f"{tmp_path}/.cache/rolechain"
    request = request_text("p", "~/x.toml", given)
    assert f"config {tmp_path}/x.toml" in request.splitlines()
    assert f"env AWS_CONFIG_FILE={tmp_path}/cfg" in request.splitlines()
    assert "/process/home" not in request


# What a resolution reads from its surroundings: files, home, cache, STS, proxies, locks.
READ_VARIABLES = (
    *HOSTILE,
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "ROLECHAIN_CACHE_DIR",
    "ROLECHAIN_NO_CACHE",
    "ROLECHAIN_LOCK_TIMEOUT",
    "ROLECHAIN_SESSION_TAGS",
    "XDG_CACHE_HOME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)
HOSTILE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00="), max_size=40
)


@contextmanager
def process_environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored afterwards."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@hypothesis.given(
    hostile=st.dictionaries(st.sampled_from(READ_VARIABLES), HOSTILE_TEXT, max_size=12)
)
def test_resolve_and_plan_follow_the_given_environment_whatever_the_process_holds(
    given: dict[str, str], hostile: dict[str, str]
) -> None:
    """Generated hostile values in ``os.environ`` (any of the variables a resolution
    reads) change nothing for a call given its environment, and the call writes none."""
    from resolver import api

    with process_environment(hostile):
        before = dict(os.environ)
        api.clear()
        assert api.resolve("given", environ=given).access_key_id == "AKIAGIVEN"
        assert api.plan("given", environ=given).sts.region == "eu-west-1"
        found = api.resolution(environ={**given, "AWS_PROFILE": "given"})
        assert found.credentials.access_key_id == "AKIAGIVEN"
        assert dict(os.environ) == before
    api.clear()


def test_a_session_follows_the_given_environment(given: dict[str, str]) -> None:
    from resolver import api

    session = api.session("given", environ=given)
    assert session.region_name == "eu-west-1"
    assert session.get_credentials().access_key == "AKIAGIVEN"
    api.clear()


def test_the_cli_builds_one_context_and_never_writes_the_environment(
    given: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--no-cache`` used to be written into ``os.environ`` (read back when a chain was
    built); the CLI now passes it, with everything else it read, in one ``Context``."""
    from resolver.cli.main import main

    for name, value in given.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ROLECHAIN_NO_CACHE", raising=False)
    before = dict(os.environ)
    assert main(["--no-cache", "export", "given", "--format", "json"]) == 0
    assert '"AWS_ACCESS_KEY_ID": "AKIAGIVEN"' in capsys.readouterr().out
    assert dict(os.environ) == before


def test_sso_and_login_token_caches_follow_the_given_home(
    given: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token caches take ``~`` (and ``AWS_LOGIN_CACHE_DIRECTORY``) from the resolving
    environment, not from the process's ``HOME``, as botocore would."""
    from resolver.providers.bases.login import LoginProvider
    from resolver.providers.bases.sso import SsoProvider
    from resolver.providers.bases.sso_device import SsoLoginTarget, token_path

    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", "/nonexistent/hostile-login")
    home = given["HOME"]
    sso = SsoProvider("https://x.awsapps.com/start", "eu-west-1", "1", "r", environ=given)
    assert sso.cache_dir() == f"{home}/.aws/sso/cache"
    assert LoginProvider("s", environ=given).cache_dir() == f"{home}/.aws/login/cache"
    moved = {**given, "AWS_LOGIN_CACHE_DIRECTORY": "$XDG_CONFIG_HOME/login"}
    assert LoginProvider("s", environ=moved).cache_dir() == given["XDG_CONFIG_HOME"] + "/login"
    target = SsoLoginTarget("https://x.awsapps.com/start", "eu-west-1", "corp", ())
    assert token_path(target, None, given).startswith(f"{home}/.aws/sso/cache/")


def test_sso_and_login_clients_take_endpoints_from_the_given_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore would read ``AWS_ENDPOINT_URL_<SERVICE>`` from the process: the clients
    are told to ignore it and given the resolving environment's instead."""
    from resolver.providers.bases.login import LoginProvider
    from resolver.providers.bases.sso import SsoProvider
    from resolver.providers.bases.sso_device import _client as oidc_client

    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/hostile")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", "http://127.0.0.1:9/hostile")
    given = {"AWS_ENDPOINT_URL": "http://127.0.0.1:8/given"}
    sso = SsoProvider("https://x.awsapps.com/start", "eu-west-1", "1", "r", environ=given)
    for client in (
        sso._client("sso"),
        sso._client("sso-oidc"),
        oidc_client("eu-west-1", given),
        LoginProvider("s", environ=given)._client("signin"),
    ):
        assert client.meta.endpoint_url == "http://127.0.0.1:8/given"
    assert oidc_client("eu-west-1", {}).meta.endpoint_url.startswith("https://oidc.eu-west-1.")
