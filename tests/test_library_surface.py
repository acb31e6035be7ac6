"""The library's surface renders no environment: ``help()`` and signatures show no secrets."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import pkgutil
import pydoc
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import resolver

CANARY = "wJalrXUtnFEMI/K7MDENG/SIGNATURECANARY"


def every_function() -> Iterator[tuple[str, Any]]:
    """Every function and method defined in the package's modules."""
    for info in pkgutil.walk_packages(resolver.__path__, "resolver."):
        if info.name == "resolver.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value):
                yield f"{module.__name__}.{name}", value
            elif inspect.isclass(value):
                for attr, member in vars(value).items():
                    if inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attr}", member


def test_no_signature_defaults_to_the_environment() -> None:
    offenders = [
        name
        for name, function in every_function()
        for parameter in inspect.signature(function).parameters.values()
        if parameter.default is os.environ
    ]
    assert offenders == []


@pytest.mark.parametrize("name", resolver.__all__)
def test_help_of_public_names_shows_no_environment_value(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CANARY)
    value = getattr(resolver, name)

    text = pydoc.render_doc(value, renderer=pydoc.plaintext)
    if callable(value) and not inspect.isclass(value):
        text += str(inspect.signature(value))

    assert CANARY not in text
    assert "environ({" not in text


# The pinned public surface of ``resolver`` and of the stscreds port (issue 21). A change
# here is a change to the library's contract: update docs/library/stscreds.md's table with it.

RESOLVER_NAMES = [
    "CacheError",
    "ChainError",
    "ConfigError",
    "LimitError",
    "ProviderError",
    "ResolverError",
    "StsError",
    "TokenError",
    "plan",
    "resolve",
    "serve",
    "session",
]
STSCREDS_NAMES = [
    "AssumeRoleClient",
    "AssumeRoleProvider",
    "AssumeRoleWithWebIdentityClient",
    "Credentials",
    "CredentialsCache",
    "CredentialsProvider",
    "DEFAULT_DURATION",
    "GetSessionTokenClient",
    "IdentityTokenFile",
    "IdentityTokenRetriever",
    "PROVIDER_NAME",
    "SessionTokenProvider",
    "TerminalTokenPrompt",
    "TokenProvider",
    "WEB_IDENTITY_PROVIDER_NAME",
    "WebIdentityRoleProvider",
    "boto3_session",
    "botocore_credentials",
    "provider_func",
    "stdin_token_provider",
    "terminal_prompt",
]
AIO_NAMES = [
    "AsyncAssumeRoleProvider",
    "AsyncCredentialsCache",
    "AsyncWebIdentityRoleProvider",
    "aiobotocore_credentials",
    "aiobotocore_session",
]
GO_ASSUME_ROLE_OPTIONS = [
    "role_session_name",
    "duration",
    "external_id",
    "policy",
    "policy_arns",
    "serial_number",
    "token_provider",
    "source_identity",
    "tags",
    "transitive_tag_keys",
]
GO_WEB_IDENTITY_OPTIONS = ["role_session_name", "duration", "policy", "policy_arns"]

# Names, kinds and defaults, without annotations (``mypy --strict`` on a user file pins the
# types: tests/test_packaging.py).
SIGNATURES = {
    "AssumeRoleProvider": (
        "(client, role_arn, *, role_session_name=None, duration=datetime.timedelta(seconds=900),"
        " external_id=None, policy=None, policy_arns=(), serial_number=None,"
        " token_provider=None, source_identity=None, tags=(), transitive_tag_keys=(),"
        " label=None, clock=None)"
    ),
    "WebIdentityRoleProvider": (
        "(client, role_arn, token_retriever, *, role_session_name=None, duration=None,"
        " policy=None, policy_arns=(), label=None, max_attempts=None, clock=None)"
    ),
    "SessionTokenProvider": (
        "(client, *, duration=datetime.timedelta(seconds=43200), serial_number=None,"
        " token_provider=None, label=None)"
    ),
    "CredentialsCache": (
        "(provider, *, expiry_window=datetime.timedelta(0), expiry_window_jitter_frac=0.0,"
        " clock=None, retry_backoff=datetime.timedelta(seconds=30), rand=None)"
    ),
    "Credentials": (
        "(access_key_id, secret_access_key, session_token=None, expires=None, source='',"
        " account_id=None)"
    ),
    "IdentityTokenFile": "(path)",
    "provider_func": "(fn, name='CredentialsProviderFunc')",
    "stdin_token_provider": "()",
    "botocore_credentials": "(provider_or_cache)",
    "boto3_session": "(provider_or_cache, region_name=None)",
}
AIO_SIGNATURES = {
    "AsyncAssumeRoleProvider": SIGNATURES["AssumeRoleProvider"],
    "AsyncWebIdentityRoleProvider": SIGNATURES["WebIdentityRoleProvider"],
    # Go's cache exactly: no retry_backoff, no serving after a failed refresh (the stscreds page).
    "AsyncCredentialsCache": (
        "(provider, *, expiry_window=datetime.timedelta(0), expiry_window_jitter_frac=0.0,"
        " clock=None)"
    ),
    "aiobotocore_credentials": "(provider_or_cache)",
    "aiobotocore_session": "(provider_or_cache)",
}


def bare_signature(value: Any) -> str:
    """``inspect.signature`` as a string, without annotations: names, kinds, defaults."""
    signature = inspect.signature(value)
    bare = signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=signature.empty,
    )
    return str(bare)


def stscreds() -> Any:
    return importlib.import_module("resolver.stscreds")


def aio() -> Any:
    return importlib.import_module("resolver.stscreds.aio")


def test_public_names_are_pinned() -> None:
    assert sorted(resolver.__all__) == RESOLVER_NAMES
    assert sorted(stscreds().__all__) == STSCREDS_NAMES
    assert sorted(aio().__all__) == AIO_NAMES


def test_bare_signature_drops_only_annotations() -> None:
    def probe(a: int, /, b: str = "x", *, c: float | None = None) -> bool:
        return True

    assert bare_signature(probe) == "(a, /, b='x', *, c=None)"


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signatures_are_pinned(name: str) -> None:
    assert bare_signature(getattr(stscreds(), name)) == SIGNATURES[name]


@pytest.mark.parametrize("name", sorted(AIO_SIGNATURES))
def test_aio_signatures_are_pinned(name: str) -> None:
    assert bare_signature(getattr(aio(), name)) == AIO_SIGNATURES[name]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("AssumeRoleProvider", GO_ASSUME_ROLE_OPTIONS),
        ("WebIdentityRoleProvider", GO_WEB_IDENTITY_OPTIONS),
        ("AsyncAssumeRoleProvider", GO_ASSUME_ROLE_OPTIONS),
        ("AsyncWebIdentityRoleProvider", GO_WEB_IDENTITY_OPTIONS),
    ],
)
def test_every_go_option_is_keyword_only(name: str, options: list[str]) -> None:
    module = aio() if name.startswith("Async") else stscreds()
    parameters = inspect.signature(getattr(module, name)).parameters
    kinds = {option: parameters[option].kind for option in options if option in parameters}
    assert kinds == dict.fromkeys(options, inspect.Parameter.KEYWORD_ONLY)


def test_constants_are_gos() -> None:
    from datetime import timedelta

    fifteen_minutes = stscreds().DEFAULT_DURATION
    assert fifteen_minutes == timedelta(minutes=15)
    assert stscreds().PROVIDER_NAME == "AssumeRoleProvider"
    assert stscreds().WEB_IDENTITY_PROVIDER_NAME == "WebIdentityCredentials"


SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/HELPSECRETCANARY"
SESSION_TOKEN = "FwoGZXIvYXdzEHELPTOKENCANARY//////////wEaDNoSuchToken"
TOKEN_CODE = "731904"
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJIRUxQQ0FOQVJZIn0.c2lnbmF0dXJl"
SECRETS = (SECRET_KEY, SESSION_TOKEN, TOKEN_CODE, WEB_TOKEN)


class StubClient:
    """A client that is never called: the instances below are only shown."""

    def assume_role(self, **params: Any) -> dict[str, Any]:
        raise AssertionError("not called")

    def assume_role_with_web_identity(self, **params: Any) -> dict[str, Any]:
        raise AssertionError("not called")

    def get_session_token(self, **params: Any) -> dict[str, Any]:
        raise AssertionError("not called")


class WebToken:
    def get_identity_token(self) -> str:
        return WEB_TOKEN


def instances_holding_secrets(tmp_path: Any) -> list[Any]:
    """Every public class, built with secret values where it takes any."""
    import functools

    module = stscreds()
    code = functools.partial(str, TOKEN_CODE)  # its repr shows the code
    token_file = tmp_path / "token"
    token_file.write_text(WEB_TOKEN)
    credentials = module.Credentials(
        access_key_id="ASIAHELPEXAMPLE", secret_access_key=SECRET_KEY, session_token=SESSION_TOKEN
    )
    assume = module.AssumeRoleProvider(
        StubClient(), "arn:aws:iam::123456789012:role/r", serial_number="s", token_provider=code
    )
    web = module.WebIdentityRoleProvider(
        StubClient(), "arn:aws:iam::123456789012:role/r", WebToken()
    )
    from_file = module.IdentityTokenFile(str(token_file))
    from_file.get_identity_token()
    return [
        credentials,
        assume,
        web,
        from_file,
        module.WebIdentityRoleProvider(StubClient(), "arn:aws:iam::1:role/r", from_file),
        module.SessionTokenProvider(StubClient(), serial_number="s", token_provider=code),
        module.CredentialsCache(assume),
        module.provider_func(lambda: credentials),
        aio().AsyncAssumeRoleProvider(
            StubClient(), "arn:aws:iam::1:role/r", serial_number="s", token_provider=code
        ),
        aio().AsyncWebIdentityRoleProvider(StubClient(), "arn:aws:iam::1:role/r", WebToken()),
        aio().AsyncCredentialsCache(
            aio().AsyncAssumeRoleProvider(StubClient(), "arn:aws:iam::1:role/r")
        ),
    ]


def shown(value: Any) -> str:
    """Everything a user sees of ``value``: ``help()``, ``repr`` and ``str``. (``help`` of
    a string looks the string up as a name: a string constant is shown as itself.)"""
    seen = repr(value) + str(value)
    if isinstance(value, str):
        return seen
    return pydoc.render_doc(value, renderer=pydoc.plaintext) + seen


@pytest.mark.parametrize("name", STSCREDS_NAMES)
def test_help_of_stscreds_names_shows_no_secret(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    text = shown(getattr(stscreds(), name))
    assert [secret for secret in SECRETS if secret in text] == []


def test_instances_built_with_secrets_show_none(tmp_path: Any) -> None:
    instances = instances_holding_secrets(tmp_path)
    leaks = [
        (type(instance).__name__, secret)
        for instance in instances
        for secret in SECRETS
        if secret in shown(instance)
    ]
    assert leaks == []
    assert len(instances) == 11


def test_help_of_aio_names_shows_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    for name in AIO_NAMES:
        text = shown(getattr(aio(), name))
        assert [secret for secret in SECRETS if secret in text] == [], name


HEAVY = ("botocore", "boto3", "aiobotocore", "aiohttp", "pydantic")


def modules_loaded_by(code: str) -> list[str]:
    """The heavy top-level modules loaded by ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return [name for name in done.stdout.split() if name in HEAVY]


def test_importing_stscreds_loads_no_sdk_and_no_pydantic() -> None:
    assert modules_loaded_by("import resolver.stscreds") == []


def test_every_public_name_resolves_without_loading_an_sdk() -> None:
    code = (
        "import resolver.stscreds as s, resolver.stscreds.aio as a\n"
        "[getattr(s, n) for n in s.__all__]; [getattr(a, n) for n in a.__all__]"
    )
    assert modules_loaded_by(code) == []


def test_the_probe_sees_an_sdk_import() -> None:
    assert modules_loaded_by("import botocore.session") == ["botocore"]


def test_dir_lists_the_public_names_before_first_use() -> None:
    code = "import resolver.stscreds as s\nprint(' '.join(dir(s)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(STSCREDS_NAMES) <= set(done.stdout.split())


GO_ITEMS = [
    "NewAssumeRoleProvider",
    "NewWebIdentityRoleProvider",
    "AssumeRoleOptions.RoleSessionName",
    "AssumeRoleOptions.Duration",
    "AssumeRoleOptions.ExternalID",
    "AssumeRoleOptions.Policy",
    "AssumeRoleOptions.PolicyARNs",
    "AssumeRoleOptions.SerialNumber",
    "AssumeRoleOptions.SourceIdentity",
    "AssumeRoleOptions.TokenProvider",
    "AssumeRoleOptions.Tags",
    "AssumeRoleOptions.TransitiveTagKeys",
    "WebIdentityRoleOptions.RoleSessionName",
    "IdentityTokenRetriever",
    "IdentityTokenFile",
    "StdinTokenProvider",
    "AssumeRoleAPIClient",
    "AssumeRoleWithWebIdentityAPIClient",
    "DefaultDuration",
    "ProviderName",
    "WebIdentityProviderName",
    "aws.NewCredentialsCache",
    "CredentialsCacheOptions.ExpiryWindow",
    "CredentialsCacheOptions.ExpiryWindowJitterFrac",
    "aws.Credentials",
    "aws.CredentialsProvider",
    "aws.CredentialsProviderFunc",
]


def library_section() -> str:
    """The guide's page on the port (docs/library/stscreds.md)."""
    return (Path(__file__).resolve().parent.parent / "docs/library/stscreds.md").read_text()


def test_the_guide_s_table_names_every_go_item_and_every_public_name() -> None:
    section = library_section()
    missing = [f"`{name}" for name in GO_ITEMS if f"`{name}" not in section]
    missing += [f"`{n}" for n in STSCREDS_NAMES + AIO_NAMES if f"`{n}" not in section]
    assert missing == []


def test_the_guide_s_python_snippets_compile() -> None:
    blocks = re.findall(r"```python\n(.*?)```", library_section(), flags=re.DOTALL)
    assert len(blocks) >= 6
    for block in blocks:
        compile(block, "docs/library/stscreds.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
