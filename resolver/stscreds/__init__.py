"""The Go SDK's ``credentials/stscreds`` for Python: AssumeRole, web identity and
GetSessionToken providers, MFA token providers, and a synchronized credentials cache.

Below every stage: it imports only ``resolver.errors`` (and botocore, lazily) and knows
nothing of profiles, files or the CLI. The names below are imported on first use
(PEP 562), so importing one module of this package does not import its siblings.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from resolver.stscreds.assume_role import AssumeRoleProvider
    from resolver.stscreds.bridges import boto3_session, botocore_credentials
    from resolver.stscreds.cache import CredentialsCache
    from resolver.stscreds.client import StsClient
    from resolver.stscreds.credentials import Credentials, CredentialsProvider
    from resolver.stscreds.session_token import SessionTokenProvider
    from resolver.stscreds.tokens import (
        TerminalTokenPrompt,
        TokenProvider,
        stdin_token_provider,
        terminal_prompt,
    )
    from resolver.stscreds.web_identity import IdentityTokenRetriever, WebIdentityRoleProvider

_HOMES = {
    "AssumeRoleProvider": "assume_role",
    "boto3_session": "bridges",
    "botocore_credentials": "bridges",
    "CredentialsCache": "cache",
    "StsClient": "client",
    "Credentials": "credentials",
    "CredentialsProvider": "credentials",
    "SessionTokenProvider": "session_token",
    "TerminalTokenPrompt": "tokens",
    "TokenProvider": "tokens",
    "stdin_token_provider": "tokens",
    "terminal_prompt": "tokens",
    "IdentityTokenRetriever": "web_identity",
    "WebIdentityRoleProvider": "web_identity",
}
__all__ = [
    "AssumeRoleProvider",
    "Credentials",
    "CredentialsCache",
    "CredentialsProvider",
    "IdentityTokenRetriever",
    "SessionTokenProvider",
    "StsClient",
    "TerminalTokenPrompt",
    "TokenProvider",
    "WebIdentityRoleProvider",
    "boto3_session",
    "botocore_credentials",
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
