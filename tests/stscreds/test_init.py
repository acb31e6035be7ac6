"""resolver.stscreds re-exports the sync public surface lazily (PEP 562); dir() lists it."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import resolver.stscreds as stscreds

GO_NAMES = {
    "AssumeRoleProvider": "NewAssumeRoleProvider",
    "WebIdentityRoleProvider": "NewWebIdentityRoleProvider",
    "IdentityTokenFile": "IdentityTokenFile",
    "IdentityTokenRetriever": "IdentityTokenRetriever",
    "CredentialsCache": "aws.NewCredentialsCache",
    "Credentials": "aws.Credentials",
    "CredentialsProvider": "aws.CredentialsProvider",
    "provider_func": "aws.CredentialsProviderFunc",
    "stdin_token_provider": "StdinTokenProvider",
    "AssumeRoleClient": "AssumeRoleAPIClient",
    "AssumeRoleWithWebIdentityClient": "AssumeRoleWithWebIdentityAPIClient",
}
SYNC_SURFACE = {
    *GO_NAMES,
    "TokenProvider",
    "GetSessionTokenClient",
    "SessionTokenProvider",
    "DEFAULT_DURATION",
    "PROVIDER_NAME",
    "WEB_IDENTITY_PROVIDER_NAME",
}


def test_every_sync_name_is_exported_from_its_module() -> None:
    assert set(stscreds.__all__) >= SYNC_SURFACE
    assert stscreds.__all__ == sorted(stscreds.__all__, key=lambda n: (not n.isupper(), n))
    for name in stscreds.__all__:
        value = getattr(stscreds, name)
        home = stscreds._HOMES[name]
        assert value is getattr(sys.modules[f"resolver.stscreds.{home}"], name)


def test_dir_lists_the_surface() -> None:
    assert dir(stscreds) == sorted(stscreds.__all__)


def test_docstrings_name_the_go_counterpart() -> None:
    for name, go in GO_NAMES.items():
        doc = inspect.getdoc(getattr(stscreds, name)) or ""
        assert go.split(".")[-1] in doc, name
    assert str(stscreds.DEFAULT_DURATION) == "0:15:00"
    assert stscreds.PROVIDER_NAME == "AssumeRoleProvider"
    assert stscreds.WEB_IDENTITY_PROVIDER_NAME == "WebIdentityCredentials"


def test_importing_the_package_imports_no_module_of_it_nor_botocore() -> None:
    code = (
        "import sys, resolver.stscreds; prefixes = ('resolver.stscreds.', 'botocore', 'pydantic'); "
        "print(sorted(m for m in sys.modules if m.startswith(prefixes)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_library_speaks_no_cli() -> None:
    root = Path(stscreds.__file__).parent
    cli = re.compile(r"--[a-z][a-z-]+|\brolechain [a-z]+\b|\bsee `rolechain")
    for path in root.glob("*.py"):
        assert not cli.findall(path.read_text()), path.name
