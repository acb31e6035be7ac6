"""``credentials_from_json``: the credentials document a base receives, checked once.

The container endpoint and IMDS send ``AccessKeyId``, ``SecretAccessKey``, ``Token``,
``Expiration``, ``AccountId``; a ``credential_process`` prints the same with
``SessionToken`` and ``Version: 1``. One check for both, so they accept and refuse
the same documents; each names its source its own way (``Dialect``). Values are never
shown in errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resolver.errors import ProviderError
from resolver.stscreds.credentials import Credentials
from resolver.timefmt import parse_expiration


@dataclass(frozen=True)
class Dialect:
    """How a source spells its document and its errors.

    ``printed`` starts a sentence about what the source sent ("... returned"), ``output``
    one about the document ("... response"); ``error`` makes the exception from the
    message. ``version``: the ``Version`` the document must carry (None: not checked).
    """

    token_key: str
    printed: str
    output: str
    error: Callable[[str], ProviderError] = ProviderError
    version: int | None = None


def credentials_from_json(doc: Any, dialect: Dialect, *, source: str) -> Credentials:
    """Credentials from a decoded JSON document; ``dialect.error`` on any problem."""
    if not isinstance(doc, dict):
        raise dialect.error(f"{dialect.printed} JSON that is not an object")
    _check_version(doc, dialect)
    missing = [key for key in ("AccessKeyId", "SecretAccessKey") if not doc.get(key)]
    if missing:
        raise dialect.error(f"{dialect.output} is missing {', '.join(missing)}")
    keys = ("AccessKeyId", "SecretAccessKey", dialect.token_key, "Expiration", "AccountId")
    wrong = [key for key in keys if doc.get(key) is not None and not isinstance(doc[key], str)]
    if wrong:
        raise dialect.error(f"{dialect.output} has non-string {', '.join(wrong)}")
    expires = None
    if doc.get("Expiration"):
        try:
            expires = parse_expiration(doc["Expiration"])
        except ValueError as exc:
            raise dialect.error(f"{dialect.printed} a bad Expiration: {exc}") from None
    return Credentials(
        access_key_id=doc["AccessKeyId"],
        secret_access_key=doc["SecretAccessKey"],
        session_token=doc.get(dialect.token_key) or None,
        expires=expires,
        source=source,
        account_id=doc.get("AccountId") or None,
    )


def _check_version(doc: dict[str, Any], dialect: Dialect) -> None:
    if dialect.version is None:
        return
    version = doc.get("Version")
    if version != dialect.version:
        shown = "missing" if version is None else repr(version)[:20]
        raise dialect.error(
            f"{dialect.printed} unsupported Version {shown} (expected {dialect.version})"
        )
