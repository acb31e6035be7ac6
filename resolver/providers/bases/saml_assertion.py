"""The SAML response a ``saml_process`` prints: decoded, bounded, and read for its roles.

The response is base64 (line breaks allowed) of at most ``MAX_ASSERTION_CHARS``, the
limit of AssumeRoleWithSAML's ``SAMLAssertion``. Its XML is parsed by expat (through
``xml.etree``) only after a scan refuses every markup declaration (``<!DOCTYPE``,
``<!ENTITY``...): without a DTD no entity can be external or expand, and elements nest
at most ``MAX_DEPTH`` deep. What is read: the values of the
``https://aws.amazon.com/SAML/Attributes/Role`` attributes, "role ARN,provider ARN"
pairs in either order. Problems are ``AssertionProblem``s naming sizes and ARNs (not
secrets), never the assertion's text. Stdlib only, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

MAX_ASSERTION_CHARS = 100_000
"""AssumeRoleWithSAML's limit on SAMLAssertion (base64 characters)."""
MAX_DEPTH = 64
MAX_LISTED_ROLES = 10
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
_FEED_BYTES = 16 * 1024
_DECLARATION = re.compile(r"<!(?!--|\[CDATA\[)")  # <!DOCTYPE, <!ENTITY, <!ELEMENT...
_SPACE = re.compile(rb"\s+")


class AssertionProblem(ValueError):
    """What is wrong with a SAML response, in words fit for a one-line error; ``reason``
    is the error's reason code."""

    def __init__(self, message: str, reason: str = "invalid-saml-assertion") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class RolePair:
    """One Role attribute value: the role and the IdP's SAML provider that may assume it."""

    role_arn: str
    principal_arn: str


@dataclass(frozen=True)
class Assertion:
    """A decoded SAML response: ``text`` (the base64 sent to STS, a secret, kept out of
    the repr), its ``sha256``, the roles it offers and whether it holds an encrypted
    assertion (whose roles cannot be read here)."""

    text: str = field(repr=False)
    sha256: str
    roles: tuple[RolePair, ...]
    encrypted: bool = False


def read_assertion(stdout: bytes) -> Assertion:
    """The SAML response in a helper's ``stdout``; ``AssertionProblem`` if it is not one."""
    compact = _SPACE.sub(b"", stdout)
    if not compact:
        raise AssertionProblem("printed nothing on stdout (expected a base64 SAML response)")
    if len(compact) > MAX_ASSERTION_CHARS:
        raise AssertionProblem(
            f"printed a SAML response of {len(compact)} characters; AssumeRoleWithSAML "
            f"takes at most {MAX_ASSERTION_CHARS}"
        )
    try:
        xml = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise AssertionProblem(
            f"printed no valid base64 ({len(compact)} characters on stdout, not shown)"
        ) from None
    roles, encrypted = _read_roles(xml)
    text = compact.decode("ascii")
    return Assertion(text, hashlib.sha256(compact).hexdigest(), roles, encrypted)


def _read_roles(xml: bytes) -> tuple[tuple[RolePair, ...], bool]:
    """The Role attribute's pairs in ``xml`` and whether it holds an EncryptedAssertion."""
    try:
        decoded = xml.decode("utf-8")
    except UnicodeDecodeError:
        raise AssertionProblem("printed base64 of something that is not UTF-8 XML") from None
    if _DECLARATION.search(decoded):
        raise AssertionProblem(
            "printed a SAML response with a DTD or entity declaration (<!DOCTYPE, <!ENTITY): "
            "refused, a SAML response has none"
        )
    reader = _RoleReader()
    try:
        for start in range(0, len(xml), _FEED_BYTES):
            reader.feed(xml[start : start + _FEED_BYTES])
        reader.close()
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise AssertionProblem(
            f"printed base64 of malformed XML (line {line}, column {column})"
        ) from None
    pairs = tuple(pair for value in reader.values if (pair := role_pair(value)) is not None)
    return tuple(dict.fromkeys(pairs)), reader.encrypted


class _RoleReader:
    """Streams the XML, refusing nesting past ``MAX_DEPTH``, and keeps the Role values."""

    def __init__(self) -> None:
        self._parser: XMLPullParser[Any] = XMLPullParser(events=("start", "end"))
        self._depth = 0
        self._in_role = False
        self.values: list[str] = []
        self.encrypted = False

    def feed(self, chunk: bytes) -> None:
        self._parser.feed(chunk)
        self._drain()

    def close(self) -> None:
        self._parser.close()
        self._drain()

    def _drain(self) -> None:
        events: Iterator[Any] = self._parser.read_events()
        for event, element in events:
            assert isinstance(element, Element)  # start and end events carry elements
            local = element.tag.rpartition("}")[2]
            if event == "start":
                self._depth += 1
                if self._depth > MAX_DEPTH:
                    raise AssertionProblem(f"printed XML nested deeper than {MAX_DEPTH} elements")
                self.encrypted |= local == "EncryptedAssertion"
                if local == "Attribute":
                    self._in_role = element.get("Name") == ROLE_ATTRIBUTE
                continue
            self._depth -= 1
            if local == "AttributeValue" and self._in_role:
                self.values.append((element.text or "").strip())
            elif local == "Attribute":
                self._in_role = False
                element.clear()  # read: keep memory flat however many attributes


def role_pair(value: str) -> RolePair | None:
    """The role and provider ARNs of one Role attribute value, in either order; None for
    a value that is not such a pair."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != 2:
        return None
    roles = [part for part in parts if ":role/" in part and part.startswith("arn:")]
    providers = [part for part in parts if ":saml-provider/" in part and part.startswith("arn:")]
    if len(roles) != 1 or len(providers) != 1:
        return None
    return RolePair(roles[0], providers[0])


def choose_principal(assertion: Assertion, role_arn: str, principal_arn: str | None) -> str:
    """The PrincipalArn to send for ``role_arn``: the provider the assertion pairs with
    it (which must be ``principal_arn`` when that is configured); ``AssertionProblem``
    naming the roles it offers when it does not offer ``role_arn``."""
    principals = [pair.principal_arn for pair in assertion.roles if pair.role_arn == role_arn]
    if principals and principal_arn is not None:
        if principal_arn in principals:
            return principal_arn
        raise AssertionProblem(
            f"printed a SAML response that pairs role {role_arn} with "
            f"{', '.join(principals)}, not with principal_arn {principal_arn}",
            reason="saml-role-not-offered",
        )
    if len(principals) == 1:
        return principals[0]
    if principals:
        raise AssertionProblem(
            f"printed a SAML response that pairs role {role_arn} with several providers "
            f"({', '.join(principals)}): set principal_arn to one of them",
            reason="saml-role-not-offered",
        )
    if not assertion.roles and assertion.encrypted and principal_arn is not None:
        return principal_arn  # STS decrypts it and checks the role itself
    raise AssertionProblem(_not_offered(assertion, role_arn), reason="saml-role-not-offered")


def _not_offered(assertion: Assertion, role_arn: str) -> str:
    if not assertion.roles:
        message = f"printed a SAML response with no {ROLE_ATTRIBUTE} attribute"
        if assertion.encrypted:
            message += " it can read (the assertion is encrypted: set principal_arn to send it)"
        return message
    offered = sorted({pair.role_arn for pair in assertion.roles})
    listed = ", ".join(offered[:MAX_LISTED_ROLES])
    if len(offered) > MAX_LISTED_ROLES:
        listed += f" and {len(offered) - MAX_LISTED_ROLES} more"
    return f"printed a SAML response that does not offer role {role_arn}; it offers: {listed}"
