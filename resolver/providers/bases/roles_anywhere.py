"""The IAM Roles Anywhere base: CreateSession signed with an X.509 certificate.

``POST /sessions`` on ``rolesanywhere.<region>.amazonaws.com`` (the trust anchor's
region; ``AWS_ENDPOINT_URL_ROLESANYWHERE`` or ``AWS_ENDPOINT_URL`` in the resolving
environment overrides it, as the SDKs do), signed with SigV4-X509
(``resolver.providers.x509_signing``). The certificate, its chain and the private key are
read on each ``retrieve`` (``resolver.providers.x509``): the key once per run, never
cached, and an encrypted key's passphrase is asked through the MFA prompt drivers
(``mfa_prompt``: the terminal, pinentry or a dialog) or read from the OS keyring
(``roles_anywhere_passphrase_source``). One deadline bounds the call, the answer
is at most ``MAX_ANSWER_BYTES``, and an HTTP error is one line with the service's own
message and code, never a secret.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from resolver.chain.checks.names import roles_anywhere_arn_parts
from resolver.errors import ProviderError, remember
from resolver.providers import outbound, x509
from resolver.providers.bases.built import Built, Inputs, StepKey
from resolver.stscreds.credentials import Credentials, account_id_from_arn

if TYPE_CHECKING:
    from resolver.chain.types import RolesAnywhereSource

REQUEST_SECONDS = 30.0
MAX_ANSWER_BYTES = 64 * 1024
DEFAULT_DURATION_SECONDS = 3600
KEYRING_USER = "roles-anywhere:{profile}"
_ERROR_CHARS = 300


def endpoint(trust_anchor_arn: str, environ: Mapping[str, str]) -> str:
    """The CreateSession endpoint: the environment's override, else the trust anchor's
    region's ``rolesanywhere`` host."""
    from resolver.config.values import environment_endpoint

    configured = environment_endpoint(environ, "ROLESANYWHERE")
    if configured:
        return configured.rstrip("/")
    partition, region = region_of(trust_anchor_arn)
    suffix = ".amazonaws.com.cn" if partition == "aws-cn" else ".amazonaws.com"
    return f"https://rolesanywhere.{region}{suffix}"


def region_of(trust_anchor_arn: str) -> tuple[str, str]:
    """(partition, region) of a trust anchor ARN; ProviderError when it is not one."""
    parts = roles_anywhere_arn_parts(trust_anchor_arn)
    if parts is None or parts[2] != "trust-anchor":
        raise ProviderError("roles_anywhere_trust_anchor_arn is not a trust anchor ARN")
    return parts[0], parts[1]


class RolesAnywhereProvider:
    """Role credentials from CreateSession for ``source``'s certificate and role."""

    name = "RolesAnywhereProvider"

    def __init__(
        self,
        source: RolesAnywhereSource,
        *,
        paths: Mapping[str, str | None],
        environ: Mapping[str, str],
        passphrase: x509.Passphrase | None = None,
    ) -> None:
        self.source = source
        self.paths = paths
        self._environ = environ
        self._passphrase = passphrase

    def __repr__(self) -> str:
        return (
            f"RolesAnywhereProvider(role_arn={self.source.role_arn!r}, "
            f"certificate={self.paths['certificate']!r})"
        )

    def _fail(self, message: str, **context: Any) -> ProviderError:
        return ProviderError(
            f"Roles Anywhere CreateSession: {message}", profile=self.source.profile, **context
        )

    def _signed_request(self, url: str, body: bytes, now: datetime) -> dict[str, str]:
        """The headers of the request: the key is loaded, checked against the
        certificate and used here, then dropped."""
        from resolver.providers.x509_signing import signed_headers

        certificate_path, key_path = self.paths["certificate"], self.paths["private_key"]
        assert certificate_path and key_path
        certificate = x509.load_certificate(certificate_path)
        chain_path = self.paths.get("certificate_chain")
        chain = x509.load_chain(chain_path) if chain_path else []
        if (problem := x509.validity_problem(certificate, now)) is not None:
            raise ProviderError(problem, file=certificate_path, profile=self.source.profile)
        key = x509.load_private_key(key_path, self._passphrase)
        if not x509.key_matches(certificate, key):
            raise ProviderError(
                f"the private key does not belong to the certificate {self.paths['certificate']}",
                file=key_path,
                profile=self.source.profile,
            )
        _, region = region_of(self.source.trust_anchor_arn)
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        return signed_headers(
            url=url,
            body=body,
            headers=headers,
            certificate=certificate,
            chain=chain,
            key=key,
            region=region,
            now=now,
        )

    def request_body(self) -> bytes:
        """The CreateSession JSON."""
        document = {
            "durationSeconds": self.source.session_duration or DEFAULT_DURATION_SECONDS,
            "profileArn": self.source.profile_arn,
            "roleArn": self.source.role_arn,
            "trustAnchorArn": self.source.trust_anchor_arn,
        }
        return json.dumps(document, separators=(",", ":")).encode("utf-8")

    def retrieve(self) -> Credentials:
        """Credentials from CreateSession; ProviderError on any failure, in one line."""
        x509.cryptography_module()
        base = endpoint(self.source.trust_anchor_arn, self._environ)
        url = f"{base}/sessions"
        body = self.request_body()
        headers = self._signed_request(url, body, datetime.now(timezone.utc))
        try:
            status, answer_headers, answer = outbound.request(
                "POST",
                url,
                headers,
                seconds=REQUEST_SECONDS,
                body=body,
                max_bytes=MAX_ANSWER_BYTES,
                proxy=outbound.environment_proxy(url, self._environ),
                ca_bundle=self._environ.get("AWS_CA_BUNDLE") or None,
            )
        except outbound.TransportError as exc:
            raise self._fail(f"no answer from {base}: {exc.reason}") from None
        if status not in (200, 201):
            raise self._http_error(status, answer_headers, answer)
        return self._credentials(answer)

    def _http_error(self, status: int, headers: Mapping[str, str], body: bytes) -> ProviderError:
        """One line: the status, the service's error code and message."""
        lowered = {key.lower(): value for key, value in headers.items()}
        code = lowered.get("x-amzn-errortype", "").split(":")[0] or None
        message = ""
        try:
            document = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            document = None
        if isinstance(document, dict):
            message = str(document.get("message") or document.get("Message") or "")
            code = code or (str(document["__type"]) if document.get("__type") else None)
        text = " ".join(message.split())[:_ERROR_CHARS] or "no message"
        return self._fail(f"HTTP {status}: {text}", code=code)

    def _credentials(self, body: bytes) -> Credentials:
        """The first credential set of the answer; its secrets are remembered at once."""
        try:
            document = json.loads(body.decode("utf-8"))
            found = document["credentialSet"][0]["credentials"]
            key_id, secret = found["accessKeyId"], found["secretAccessKey"]
            token, expiration = found["sessionToken"], found["expiration"]
        except (ValueError, UnicodeDecodeError, RecursionError, LookupError, TypeError):
            raise self._fail("the answer is not a credential set (not shown)") from None
        values = (key_id, secret, token, expiration)
        if not all(isinstance(value, str) and value for value in values):
            raise self._fail("the answer's credentials are incomplete (not shown)")
        remember(secret, token)
        from resolver.timefmt import parse_expiration

        try:
            expires = parse_expiration(expiration)
        except ValueError:
            raise self._fail("the answer's expiration is not a time") from None
        return Credentials(
            access_key_id=key_id,
            secret_access_key=secret,
            session_token=token,
            expires=expires,
            source=self.name,
            account_id=account_id_from_arn(self.source.role_arn),
        )


def passphrase_for(
    source: RolesAnywhereSource, key_path: str, environ: Mapping[str, str]
) -> x509.Passphrase:
    """Where an encrypted key's passphrase comes from: the OS keyring (service
    ``rolechain``, user ``roles-anywhere:PROFILE``), else a prompt driver."""
    if source.passphrase_source == "keyring":
        return lambda: _keyring_passphrase(source.profile)
    return lambda: _prompted_passphrase(source, key_path, environ)


def _keyring_passphrase(profile: str) -> str:
    from resolver.providers.bases.keyring_store import SERVICE, keyring_backend

    user = KEYRING_USER.format(profile=profile)
    with keyring_backend(profile, "read") as backend:
        value = backend.get_password(SERVICE, user)
    if not value:
        raise ProviderError(
            f"no passphrase in the OS keyring (service {SERVICE}, user {user}) for the "
            f"encrypted private key; store it with `keyring set {SERVICE} {user}`",
            profile=profile,
        )
    remember(value)
    return str(value)


def _prompted_passphrase(
    source: RolesAnywhereSource, key_path: str, environ: Mapping[str, str]
) -> str:
    """The passphrase asked as ``mfa_prompt`` (or ``ROLECHAIN_MFA_PROMPT``) says; each
    failure one line: nothing can ask (the way to the keyring), or none was given."""
    from resolver.errors import TokenError
    from resolver.providers.prompts.request import Asked, SecretRequest
    from resolver.providers.prompts.secret import ask_secret

    user = KEYRING_USER.format(profile=source.profile)
    asked = Asked(
        name="passphrase",
        article="a",
        label="Passphrase:",
        reason="passphrase-prompt-unavailable",
        advice="set roles_anywhere_passphrase_source = keyring and store it with "
        f"`keyring set rolechain {user}`",
    )
    request = SecretRequest(
        subject=f"the private key {key_path}",
        text=f"Passphrase of the private key {key_path} (profile {source.profile}, "
        "IAM Roles Anywhere)",
        asked=asked,
    )
    try:
        return ask_secret(request, configured=source.mfa_prompt, environ=environ)
    except TokenError as exc:
        message = f"the private key is encrypted: {exc.message}"
        if exc.reason == asked.reason:
            raise ProviderError(message, profile=source.profile, reason=asked.reason) from None
        raise ProviderError(
            message, profile=source.profile, reason="passphrase-not-given"
        ) from None


def build(source: RolesAnywhereSource, inputs: Inputs) -> Built:
    """CreateSession for the role, kept on disk under the ARNs, the duration, the
    endpoint and the certificate (its file's digest: a new certificate, a new session)."""
    ctx = inputs.ctx

    def where(path: str | None) -> str | None:
        return os.path.normpath(os.path.join(ctx.cwd, ctx.expand(path))) if path else None

    paths = {
        "certificate": where(source.certificate),
        "private_key": where(source.private_key),
        "certificate_chain": where(source.certificate_chain),
    }
    assert paths["private_key"]
    passphrase = passphrase_for(source, paths["private_key"], ctx.environ)
    provider = RolesAnywhereProvider(
        source, paths=paths, environ=ctx.environ, passphrase=passphrase
    )
    material = {
        "kind": "roles-anywhere",
        "role_arn": source.role_arn,
        "trust_anchor_arn": source.trust_anchor_arn,
        "profile_arn": source.profile_arn,
        "duration": source.session_duration or DEFAULT_DURATION_SECONDS,
        "endpoint": endpoint(source.trust_anchor_arn, ctx.environ),
        "certificate": paths["certificate"],
        "certificate_chain": paths["certificate_chain"],
    }
    files = [paths["certificate"], paths["certificate_chain"]]
    depends = tuple(("file", path) for path in files if path)
    return Built(provider, StepKey(material, depends=depends))
