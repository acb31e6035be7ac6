"""What an IAM Identity Center token can reach: the SSO portal's ListAccounts and
ListAccountRoles, for ``rolechain sso populate``.

The cached token and the unsigned botocore ``sso`` client are ``SsoProvider``'s, as for
GetRoleCredentials: ``AWS_ENDPOINT_URL_SSO`` (else ``AWS_ENDPOINT_URL``) of the resolving
environment redirects the portal, botocore's standard retries retry a throttled call
(``TooManyRequestsException``, at most 3 attempts) and every HTTP call has one deadline
and a 1 MiB answer bound (``outbound``). Both listings are paginated (``nextToken``).
What the portal returns is checked before use: 12-digit account ids, role names of IAM
Identity Center's characters, account names of at most 256 characters (any characters:
callers neutralise them); the number of accounts, of roles per account and of pages and
the total time are bounded, each a one-line ProviderError (``sso-portal-limit``). No
token ever reaches a message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from resolver.errors import ProviderError
from resolver.providers.bases.sso import SsoProvider

MAX_ACCOUNTS = 5000
MAX_ROLES_PER_ACCOUNT = 500
MAX_ROLES = 20_000  # in all: the profiles file stays a few MiB
MAX_PAGES = 1000  # per listing: ListAccounts, or one account's ListAccountRoles
MAX_SECONDS = 600.0  # every call of one populate run
MAX_ACCOUNT_NAME_CHARS = 256
PAGE_SIZE = 100  # maxResults
LIMIT_REASON = "sso-portal-limit"
_ACCOUNT_ID = re.compile(r"[0-9]{12}", re.ASCII)
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)


@dataclass(frozen=True, order=True)
class Assignment:
    """One role the token may use: its account (id, name as the portal gives it) and name."""

    account_id: str
    account_name: str
    role_name: str


@dataclass(frozen=True)
class PortalLimits:
    """Bounds of one listing run (see the module docstring)."""

    accounts: int = MAX_ACCOUNTS
    roles_per_account: int = MAX_ROLES_PER_ACCOUNT
    roles: int = MAX_ROLES
    pages: int = MAX_PAGES
    seconds: float = MAX_SECONDS


def list_assignments(
    start_url: str,
    sso_region: str,
    sso_session: str,
    *,
    environ: Mapping[str, str],
    limits: PortalLimits = PortalLimits(),
    clock: Callable[[], float] = time.monotonic,
) -> list[Assignment]:
    """Every (account, role) the sso-session's cached token can reach, sorted; the token is
    refreshed first when it is about to expire, as for GetRoleCredentials. ProviderError
    with the login to run when there is no valid token or the portal rejects it."""
    provider = SsoProvider(start_url, sso_region, "", "", sso_session=sso_session, environ=environ)
    token = provider.load_token()
    lister = _Lister(provider, token, limits, clock)
    found: list[Assignment] = []
    for account_id, name in lister.accounts().items():
        found += [Assignment(account_id, name, role) for role in lister.roles(account_id)]
        if len(found) > limits.roles:
            raise _limit(f"the token reaches more than {limits.roles} roles in all")
    return sorted(found)


class _Lister:
    """The portal calls of one run, under one deadline."""

    def __init__(
        self,
        provider: SsoProvider,
        token: str,
        limits: PortalLimits,
        clock: Callable[[], float],
    ) -> None:
        self._provider = provider
        self._client = provider.portal_client()
        self._token = token
        self._limits = limits
        self._clock = clock
        self._deadline = clock() + limits.seconds

    def accounts(self) -> dict[str, str]:
        """Account id -> name, in the portal's order (an account listed twice once)."""
        found: dict[str, str] = {}
        for items in self._pages("list_accounts", "ListAccounts", "accountList"):
            for item in items:
                account_id, name = _account(item)
                found.setdefault(account_id, name)
            if len(found) > self._limits.accounts:
                raise _limit(f"the token reaches more than {self._limits.accounts} accounts")
        return found

    def roles(self, account_id: str) -> list[str]:
        """The role names of ``account_id``, sorted, each once."""
        found: set[str] = set()
        what = f"ListAccountRoles of account {account_id}"
        for items in self._pages("list_account_roles", what, "roleList", accountId=account_id):
            found.update(_role(item, account_id) for item in items)
            if len(found) > self._limits.roles_per_account:
                limit = self._limits.roles_per_account
                raise _limit(f"account {account_id} has more than {limit} roles for the token")
        return sorted(found)

    def _pages(self, operation: str, what: str, key: str, **params: str) -> Iterator[list[Any]]:
        """Each page's ``key`` list, following ``nextToken`` (at most ``pages`` pages)."""
        next_token: str | None = None
        for _ in range(self._limits.pages):
            if self._clock() > self._deadline:
                seconds = f"{self._limits.seconds:g}"
                raise _limit(f"listing the SSO portal took more than {seconds}s (at {what})")
            call = {**params, "accessToken": self._token, "maxResults": PAGE_SIZE}
            if next_token:
                call["nextToken"] = next_token
            page = self._call(operation, what, call)
            items = page.get(key)
            if not isinstance(items, list):
                raise ProviderError(f"SSO {what}: the portal's answer has no {key} list")
            yield items
            next_token = page.get("nextToken")
            if not isinstance(next_token, str) or not next_token:
                return
        raise _limit(f"SSO {what} took more than {self._limits.pages} pages")

    def _call(self, operation: str, what: str, params: dict[str, Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self._client, operation)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "")
            if code == "UnauthorizedException":
                raise ProviderError(
                    f"the SSO portal rejected the token of sso-session "
                    f"{self._provider.sso_session}; {self._provider.login_hint()}"
                ) from None
            detail = str(error.get("Message") or code or "unknown error")
            message = f"SSO {what} failed: {detail}".replace(self._token, "<redacted>")
            raise ProviderError(message.splitlines()[0][:300], code=code or None) from None
        except BotoCoreError as exc:
            reason = exc.kwargs.get("error")  # outbound's reason: too large, refused...
            detail = reason if isinstance(reason, str) else str(exc)
            message = f"SSO {what} failed: {detail}".replace(self._token, "<redacted>")
            raise ProviderError(message.splitlines()[0][:300]) from None
        except (AttributeError, TypeError, ValueError, KeyError):  # botocore's parser
            raise ProviderError(f"SSO {what}: the portal's answer is malformed") from None


def _limit(message: str) -> ProviderError:
    return ProviderError(message, reason=LIMIT_REASON)


def _account(item: Any) -> tuple[str, str]:
    """(id, name) of a ListAccounts entry; ProviderError for one that is malformed."""
    account_id = item.get("accountId") if isinstance(item, dict) else None
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise ProviderError("SSO ListAccounts returned an account without a 12-digit accountId")
    name = item.get("accountName")
    name = name if isinstance(name, str) else ""
    if len(name) > MAX_ACCOUNT_NAME_CHARS:
        raise _limit(
            f"SSO ListAccounts returned a name over {MAX_ACCOUNT_NAME_CHARS} characters "
            f"for account {account_id}"
        )
    return account_id, name


def _role(item: Any, account_id: str) -> str:
    """The role name of a ListAccountRoles entry; ProviderError for one that is malformed."""
    name = item.get("roleName") if isinstance(item, dict) else None
    if not isinstance(name, str) or not _ROLE_NAME.fullmatch(name):
        raise ProviderError(
            f"SSO ListAccountRoles returned a role name that is not 1-64 characters of "
            f"[\\w+=,.@-] in account {account_id}"
        )
    return name
