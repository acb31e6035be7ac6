"""The Go SDK's ``credentials/stscreds`` for Python: AssumeRole, web identity and
GetSessionToken providers, MFA token providers, and a synchronized credentials cache.

Each name mirrors its Go counterpart: ``AssumeRoleProvider`` (``NewAssumeRoleProvider``),
``WebIdentityRoleProvider`` (``NewWebIdentityRoleProvider``), ``IdentityTokenFile``,
``IdentityTokenRetriever``, ``CredentialsCache`` / ``Credentials`` /
``CredentialsProvider`` / ``provider_func`` (``aws.CredentialsCache``,
``aws.Credentials``, ``aws.CredentialsProvider``, ``aws.CredentialsProviderFunc``),
``stdin_token_provider`` (``StdinTokenProvider``), ``AssumeRoleClient`` and
``AssumeRoleWithWebIdentityClient`` (``AssumeRoleAPIClient``,
``AssumeRoleWithWebIdentityAPIClient``), ``DEFAULT_DURATION`` (``DefaultDuration``),
``PROVIDER_NAME`` (``ProviderName``), ``WEB_IDENTITY_PROVIDER_NAME``
(``WebIdentityProviderName``). ``SessionTokenProvider`` / ``GetSessionTokenClient``
(GetSessionToken, for MFA sessions) and ``TerminalTokenPrompt`` / ``terminal_prompt``
(an MFA prompt on the controlling terminal) have no Go counterpart, nor have the bridges
``botocore_credentials`` and ``boto3_session`` (any provider or cache, to boto3) and
``resolver.stscreds.aio`` (asyncio, with aiobotocore clients).

Below every stage: it imports only ``resolver.errors`` (and botocore, lazily) and knows
nothing of profiles, files or the CLI. The names are imported on first use (PEP 562), so
importing this package imports none of its modules, nor botocore.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from resolver.stscreds.assume_role import (
        DEFAULT_DURATION,
        PROVIDER_NAME,
        AssumeRoleProvider,
    )
    from resolver.stscreds.bridges import boto3_session, botocore_credentials
    from resolver.stscreds.cache import CredentialsCache
    from resolver.stscreds.client import (
        AssumeRoleClient,
        AssumeRoleWithWebIdentityClient,
        GetSessionTokenClient,
    )
    from resolver.stscreds.credentials import Credentials, CredentialsProvider, provider_func
    from resolver.stscreds.session_token import SessionTokenProvider
    from resolver.stscreds.tokens import (
        TerminalTokenPrompt,
        TokenProvider,
        stdin_token_provider,
        terminal_prompt,
    )
    from resolver.stscreds.web_identity import (
        WEB_IDENTITY_PROVIDER_NAME,
        IdentityTokenFile,
        IdentityTokenRetriever,
        WebIdentityRoleProvider,
    )

_HOMES = {
    "AssumeRoleProvider": "assume_role",
    "DEFAULT_DURATION": "assume_role",
    "PROVIDER_NAME": "assume_role",
    "boto3_session": "bridges",
    "botocore_credentials": "bridges",
    "CredentialsCache": "cache",
    "AssumeRoleClient": "client",
    "AssumeRoleWithWebIdentityClient": "client",
    "GetSessionTokenClient": "client",
    "Credentials": "credentials",
    "CredentialsProvider": "credentials",
    "provider_func": "credentials",
    "SessionTokenProvider": "session_token",
    "TerminalTokenPrompt": "tokens",
    "TokenProvider": "tokens",
    "stdin_token_provider": "tokens",
    "terminal_prompt": "tokens",
    "IdentityTokenFile": "web_identity",
    "IdentityTokenRetriever": "web_identity",
    "WEB_IDENTITY_PROVIDER_NAME": "web_identity",
    "WebIdentityRoleProvider": "web_identity",
}
__all__ = [
    "DEFAULT_DURATION",
    "PROVIDER_NAME",
    "WEB_IDENTITY_PROVIDER_NAME",
    "AssumeRoleClient",
    "AssumeRoleProvider",
    "AssumeRoleWithWebIdentityClient",
    "Credentials",
    "CredentialsCache",
    "CredentialsProvider",
    "GetSessionTokenClient",
    "IdentityTokenFile",
    "IdentityTokenRetriever",
    "SessionTokenProvider",
    "TerminalTokenPrompt",
    "TokenProvider",
    "WebIdentityRoleProvider",
    "boto3_session",
    "botocore_credentials",
    "provider_func",
    "stdin_token_provider",
    "terminal_prompt",
]


def __getattr__(name: str) -> object:
    """A re-exported name, imported from its module on first use and then bound here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'resolver.stscreds' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"resolver.stscreds.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (what ``dir()``, ``help()`` and REPL completion list)."""
    return list(__all__)
