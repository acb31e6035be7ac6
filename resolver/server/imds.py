"""The EC2 instance metadata service (IMDSv2) as the SDKs use it, serving one profile.

``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds`` (1 to 21600)
issues a session token; every ``GET`` must carry a live one in
``X-aws-ec2-metadata-token`` (401 otherwise; without a token only with ``v1``). A request
with ``X-Forwarded-For`` is refused (403), as the real service refuses proxied requests.
The credentials are at ``/latest/meta-data/iam/security-credentials/ROLE`` (the
directory lists ``ROLE``); the region, availability zone and instance identity document
(region and account) are there for SDKs that look them up.

Tokens are 256 random bits, kept only as a keyed digest (a lookup's timing depends on
a hash the client cannot compute, not on the token), live until their TTL on the
server's monotonic clock, and at most ``MAX_TOKENS`` at once (the oldest is dropped).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from resolver.server.protocol import TEXT, Reply, Request, error_body
from resolver.server.source import ProfileSource, credentials_document
from resolver.stscreds.credentials import Credentials
from resolver.timefmt import rfc3339_seconds

MAX_TTL = 21600
MAX_TOKENS = 4096
TOKEN_BYTES = 32
TOKEN_PATH = "/latest/api/token"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials"
IDENTITY_PATH = "/latest/dynamic/instance-identity/document"
TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aws-ec2-metadata-token"
_TTL = re.compile(r"[0-9]{1,10}")
_SLASHES = re.compile(r"/{2,}")
LISTINGS = {
    "/latest": "api\ndynamic\nmeta-data",
    "/latest/meta-data": "iam/\nplacement/",
    "/latest/meta-data/iam": "security-credentials/",
    "/latest/meta-data/placement": "availability-zone\nregion",
    "/latest/dynamic": "instance-identity/",
    "/latest/dynamic/instance-identity": "document",
}


@dataclass(frozen=True)
class Instance:
    """What the metadata says about the "instance": the role name listed, its region and
    its account (None: taken from the credentials, when they name it)."""

    role: str
    region: str
    account_id: str | None = None


def render(credentials: Credentials, now: float) -> tuple[bytes, float]:
    """The credentials document IMDS serves, and its expiry (POSIX seconds)."""
    fields, expires = credentials_document(credentials, now)
    document = {
        "Code": "Success",
        "LastUpdated": rfc3339_seconds(datetime.fromtimestamp(now, timezone.utc)),
        "Type": "AWS-HMAC",
        **fields,
    }
    return json.dumps(document).encode(), expires.timestamp()


class SessionTokens:
    """The live session tokens (see the module docstring); ``clock`` is monotonic seconds."""

    def __init__(self, clock: Callable[[], float], limit: int = MAX_TOKENS) -> None:
        self._clock = clock
        self._limit = limit
        self._key = secrets.token_bytes(32)
        self._expiry: dict[bytes, float] = {}  # digest -> expiry, oldest issued first
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SessionTokens(live={len(self._expiry)}, limit={self._limit})"

    def __len__(self) -> int:
        return len(self._expiry)

    def issue(self, ttl: int) -> str:
        """A new token valid for ``ttl`` seconds."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._clock()
        with self._lock:
            if len(self._expiry) >= self._limit:
                self._expiry = {k: t for k, t in self._expiry.items() if now < t}
            while len(self._expiry) >= self._limit:
                del self._expiry[next(iter(self._expiry))]
            self._expiry[self._digest(token)] = now + ttl
        return token

    def valid(self, token: str) -> bool:
        """Whether ``token`` was issued here and has not expired."""
        expiry = self._expiry.get(self._digest(token))
        return expiry is not None and self._clock() < expiry

    def _digest(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode(), hashlib.sha256).digest()


def ttl_of(values: tuple[str, ...]) -> int | None:
    """The one TTL header's seconds, if a whole number from 1 to ``MAX_TTL``."""
    if len(values) != 1 or not _TTL.fullmatch(values[0]):
        return None
    seconds = int(values[0])
    return seconds if 1 <= seconds <= MAX_TTL else None


def normal_path(path: str) -> str:
    """``path`` with repeated slashes merged and no trailing slash."""
    return _SLASHES.sub("/", path).rstrip("/") or "/"


def _refusal(status: int, code: str, message: str) -> Reply:
    return Reply(status, error_body(code, message))


class ImdsRoutes:
    """IMDSv2 for ``source``, described by ``instance``; ``v1`` also answers GETs without
    a token; ``clock`` (monotonic seconds) times the tokens."""

    def __init__(
        self,
        source: ProfileSource,
        instance: Instance,
        *,
        v1: bool = False,
        clock: Callable[[], float] = time.monotonic,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.instance = instance
        self.source = source
        self.sources = {f"{CREDENTIALS_PATH}/{instance.role}": source}
        self.v1 = v1
        self.tokens = SessionTokens(clock, max_tokens)

    def __repr__(self) -> str:
        return f"ImdsRoutes({self.source.profile!r}, role={self.instance.role!r}, v1={self.v1})"

    def check(self, request: Request) -> Reply | ProfileSource:
        """The reply to ``request``, or the source of the credentials it asks for."""
        if request.header("x-forwarded-for"):
            return _refusal(403, "Forbidden", "a forwarded request (X-Forwarded-For) is refused")
        path = normal_path(request.path)
        if request.method == "PUT" and path == TOKEN_PATH:
            return self._issue(request)
        if request.method != "GET" or path == TOKEN_PATH:
            return _refusal(405, "MethodNotAllowed", "PUT the token path, GET the others")
        given = request.header(TOKEN_HEADER)
        exempt = self.v1 and not given
        if not exempt and (len(given) != 1 or not self.tokens.valid(given[0])):
            return _refusal(401, "Unauthorized", "missing, expired or unknown session token")
        return self._get(path)

    def _issue(self, request: Request) -> Reply:
        ttl = ttl_of(request.header(TTL_HEADER))
        if ttl is None:
            message = f"{TTL_HEADER} must be one whole number of seconds from 1 to {MAX_TTL}"
            return _refusal(400, "BadRequest", message)
        token = self.tokens.issue(ttl)
        return Reply(
            200, token.encode(), TEXT, (("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", str(ttl)),)
        )

    def _get(self, path: str) -> Reply | ProfileSource:
        source = self.sources.get(path)
        if source is not None:
            return source
        text = self._metadata(path)
        if text is None:
            return _refusal(404, "NotFound", "no such metadata")
        return Reply(200, text.encode(), TEXT)

    def _metadata(self, path: str) -> str | None:
        instance = self.instance
        if path == CREDENTIALS_PATH:
            return instance.role
        if path == "/latest/meta-data/placement/region":
            return instance.region
        if path == "/latest/meta-data/placement/availability-zone":
            return instance.region + "a"
        if path == IDENTITY_PATH:
            return json.dumps(self.identity_document())
        return LISTINGS.get(path)

    def identity_document(self) -> dict[str, str]:
        """The instance identity document: region, zone and (when known) account."""
        document = {
            "region": self.instance.region,
            "availabilityZone": self.instance.region + "a",
            "version": "2017-09-30",
        }
        credentials = self.source.credentials
        account = self.instance.account_id or (credentials.account_id if credentials else None)
        if account:
            document["accountId"] = account
        return document
