"""Issue 19 item 16: a function given an environment uses that environment only.

The static half: no function with an ``environ`` parameter reads ``os.environ`` or
``os.getenv`` except to default a missing ``environ`` (``os.environ if environ is None else
environ``). The behavioural half: ``load_profiles``, ``plan`` and the STS client built for a
resolution follow the given environment while ``os.environ`` holds conflicting values.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from resolver.config.loading import load_profiles
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
    (home / ".aws" / "config").write_text("[profile ini-given]\nregion = eu-north-1\n")
    for name, value in HOSTILE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ROLECHAIN_CONFIG")
    return {"XDG_CONFIG_HOME": str(xdg), "HOME": str(home), "ROLECHAIN_STS_READ_TIMEOUT": "7"}


def test_load_profiles_and_plan_follow_the_given_environment(given: dict[str, str]) -> None:
    from resolver import api

    profiles = load_profiles(environ=given)
    assert {"given", "ini-given"} <= set(profiles.names())
    chain = api._plan("given", None, given, None)[0]
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
