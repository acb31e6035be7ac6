"""Static STS checks, run before any network call (see /work/shared/STS-LIMITS.md).

``check_chain`` returns every ``Finding`` for a chain, source first and then each hop.
The ``check_*`` helpers test one value and return the problem as text (or a list of
problems for collections); messages name the INI key and never echo an MFA code.
Pure: stdlib only, no I/O.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from resolver.chain import (
    Chain,
    ContainerSource,
    EnvironmentSource,
    Finding,
    Hop,
    InstanceMetadataSource,
    Location,
    ProcessSource,
    Severity,
    Source,
    SsoSource,
    StaticSource,
    WebIdentitySource,
)

CHAINED_MAX_SECONDS = 3600
ROLE_SECONDS = (900, 43200)
SESSION_TOKEN_SECONDS = (900, 129600)
POLICY_MAX_CHARS = 2048
POLICY_ARNS_MAX = 10
TAGS_MAX = 50
TAG_KEY_CHARS = (1, 128)
TAG_VALUE_MAX_CHARS = 256

_ARN_CHARS = (20, 2048)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64}", re.A)
_POLICY_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,128}", re.A
)
_POLICY_TEXT = re.compile(r"[\t\n\r\x20-\xff]*")
_TOKEN_CODE = re.compile(r"[0-9]{6}")
_TAG_PUNCTUATION = frozenset("_.:/=+-@")
_TAG_CHARS = "letters, numbers, spaces and _ . : / = + - @"
_RESERVED_PREFIX = "aws:"
_DURATION = "duration_seconds"


def _text_problem(key: str, value: str, low: int, high: int, chars: str) -> str | None:
    """Length ``low``-``high`` and every character in the ASCII regex class ``chars``."""
    rule = f"{key} must be {low}-{high} characters of {chars}"
    if not low <= len(value) <= high:
        return f"{rule} (it has {len(value)})"
    allowed = re.compile(chars, re.ASCII)
    bad = next((char for char in value if not allowed.fullmatch(char)), None)
    if bad is None:
        return None
    ascii_note = r"; \w means ASCII letters, digits and _" if not bad.isascii() else ""
    return f"{rule} (found {bad!r}{ascii_note})"


def _show(text: str, limit: int = 60) -> str:
    """``repr`` of a value for a message, shortened when long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "..."


# ---- single values -------------------------------------------------------------------


def check_role_arn(value: str) -> str | None:
    """RoleArn: 20-2048 characters shaped ``arn:<partition>:iam::<account>:role/<name>``."""
    low, high = _ARN_CHARS
    if not low <= len(value) <= high:
        return f"role_arn must be {low}-{high} characters (it has {len(value)})"
    if _ROLE_ARN.fullmatch(value) is None:
        return (
            f"role_arn {_show(value)} is not an IAM role ARN "
            "(arn:<partition>:iam::<12-digit account>:role/[<path>/]<name>)"
        )
    return None


def check_session_name(value: str) -> str | None:
    """RoleSessionName: 2-64 characters of ``[\\w+=,.@-]`` (ASCII ``\\w``)."""
    return _text_problem("role_session_name", value, 2, 64, r"[\w+=,.@-]")


def check_external_id(value: str) -> str | None:
    """ExternalId: 2-1224 characters of ``[\\w+=,.@:/-]``."""
    return _text_problem("external_id", value, 2, 1224, r"[\w+=,.@:/-]")


def check_source_identity(value: str) -> str | None:
    """SourceIdentity: 2-64 characters of ``[\\w+=,.@-]``, not beginning with ``aws:``."""
    if value.lower().startswith(_RESERVED_PREFIX):
        return "source_identity must not begin with 'aws:' (reserved for AWS)"
    return _text_problem("source_identity", value, 2, 64, r"[\w+=,.@-]")


def check_serial_number(value: str) -> str | None:
    """SerialNumber (``mfa_serial``): 9-256 characters of ``[\\w+=/:,.@-]``."""
    return _text_problem("mfa_serial", value, 9, 256, r"[\w+=/:,.@-]")


def check_token_code(code: str) -> str | None:
    """TokenCode: exactly 6 ASCII digits. The message never repeats the code."""
    return None if _TOKEN_CODE.fullmatch(code) else "the MFA token code must be exactly 6 digits"


def _range_problem(key: str, seconds: int, limits: tuple[int, int], call: str) -> str | None:
    low, high = limits
    if low <= seconds <= high:
        return None
    return f"{key} {seconds} is outside the {low}-{high} second range {call} allows"


def check_duration(seconds: int, *, chained: bool) -> str | None:
    """AssumeRole DurationSeconds: 900-43200, and at most 3600 on a chained hop."""
    problem = _range_problem(_DURATION, seconds, ROLE_SECONDS, "AssumeRole")
    if problem is None and chained and seconds > CHAINED_MAX_SECONDS:
        return _over_hour(seconds, _CHAINED)
    return problem


def check_session_token_duration(seconds: int) -> str | None:
    """GetSessionToken DurationSeconds (INI ``mfa_session_duration``): 900-129600."""
    key = "mfa_session_duration"
    return _range_problem(key, seconds, SESSION_TOKEN_SECONDS, "GetSessionToken")


_CHAINED = "for a chained role (the caller holds role-session credentials)"


def _over_hour(seconds: int, reason: str) -> str:
    return f"duration_seconds {seconds} exceeds the {CHAINED_MAX_SECONDS}-second limit {reason}"


def check_policy(text: str) -> str | None:
    """Inline session policy: a JSON object, at most 2048 characters of tab/LF/CR/U+0020-U+00FF."""
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return f"policy is not valid JSON ({detail})"
    if not isinstance(document, dict):
        return f"policy must be a JSON object (a policy document), not {type(document).__name__}"
    bad = next((char for char in text if not _POLICY_TEXT.fullmatch(char)), None)
    if bad is not None:
        return (
            f"policy contains {bad!r}; STS accepts only tab, newline, carriage return "
            "and characters U+0020-U+00FF"
        )
    if len(text) > POLICY_MAX_CHARS:
        return (
            f"policy is {len(text)} characters; STS allows {POLICY_MAX_CHARS} characters "
            "of inline and managed session policy plaintext together"
        )
    return None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def check_policy_arns(arns: Sequence[str]) -> list[str]:
    """PolicyArns: at most 10, each a 20-2048 character IAM managed policy ARN."""
    problems: list[str] = []
    if len(arns) > POLICY_ARNS_MAX:
        problems.append(f"policy_arns lists {len(arns)} ARNs; STS allows {POLICY_ARNS_MAX}")
    low, high = _ARN_CHARS
    for arn in arns:
        if not low <= len(arn) <= high:
            problems.append(f"policy ARN {_show(arn)} must be {low}-{high} characters")
        elif _POLICY_ARN.fullmatch(arn) is None:
            problems.append(
                f"policy ARN {_show(arn)} is not an IAM policy ARN "
                "(arn:<partition>:iam::<12-digit account or aws>:policy/[<path>/]<name>)"
            )
    return problems


# ---- session tags --------------------------------------------------------------------


def _bad_tag_char(text: str) -> str | None:
    """The first character outside ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``, if any."""
    for char in text:
        if char not in _TAG_PUNCTUATION and unicodedata.category(char)[0] not in "LZN":
            return char
    return None


def check_tags(tags: Sequence[tuple[str, str]]) -> list[str]:
    """Session tags: at most 50, key/value lengths and characters, no ``aws:`` key, no
    two keys equal ignoring case."""
    problems: list[str] = []
    if len(tags) > TAGS_MAX:
        problems.append(f"{len(tags)} session tags exceed the limit of {TAGS_MAX} per call")
    seen: dict[str, str] = {}
    for key, value in tags:
        shown = _show(key)
        low, high = TAG_KEY_CHARS
        if not low <= len(key) <= high:
            problems.append(f"tag key {shown} must be {low}-{high} characters (it has {len(key)})")
        if (char := _bad_tag_char(key)) is not None:
            problems.append(f"tag key {shown} contains {char!r}; allowed are {_TAG_CHARS}")
        if key.lower().startswith(_RESERVED_PREFIX):
            problems.append(f"tag key {shown} begins with 'aws:', which is reserved for AWS")
        if len(value) > TAG_VALUE_MAX_CHARS:
            problems.append(
                f"tag {shown} value must be 0-{TAG_VALUE_MAX_CHARS} characters "
                f"(it has {len(value)})"
            )
        if (char := _bad_tag_char(value)) is not None:
            problems.append(f"tag {shown} value contains {char!r}; allowed are {_TAG_CHARS}")
        earlier = seen.get(key.lower())
        if earlier is None:
            seen[key.lower()] = key
        else:
            problems.append(
                f"tag key {shown} repeats {_show(earlier)} (tag keys are case-insensitive)"
            )
    return problems


def check_transitive_tag_keys(keys: Sequence[str], tags: Sequence[tuple[str, str]]) -> list[str]:
    """TransitiveTagKeys: at most 50, each one of the same call's tag keys (any case)."""
    problems: list[str] = []
    if len(keys) > TAGS_MAX:
        problems.append(f"{len(keys)} transitive tag keys exceed the limit of {TAGS_MAX}")
    tag_keys = {key.lower() for key, _ in tags}
    problems.extend(
        f"transitive tag key {_show(key)} is not one of this profile's session_tags"
        for key in keys
        if key.lower() not in tag_keys
    )
    return problems


# ---- whole chain ---------------------------------------------------------------------


class _Report:
    """Collects findings for one profile, locating each by its INI key."""

    def __init__(self, out: list[Finding], profile: str | None, where: Mapping[str, Location]):
        self._out = out
        self._profile = profile
        self._where = where

    def add(self, key: str, message: str | None, severity: Severity = "error") -> None:
        if message is None:
            return
        where = self._where
        location = where.get(key) or where.get("role_arn") or next(iter(where.values()), None)
        self._out.append(Finding(severity, message, self._profile, key, location))

    def add_all(self, key: str, messages: Sequence[str]) -> None:
        for message in messages:
            self.add(key, message)


@dataclass
class _Carried:
    """What earlier hops fix for later ones: transitive tags and the source identity."""

    transitive: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower -> key, profile
    source_identity: tuple[str, str] | None = None  # value, profile


_ROLE_SESSION_SOURCES = {
    WebIdentitySource: "web identity",
    SsoSource: "IAM Identity Center (SSO)",
    InstanceMetadataSource: "EC2 instance metadata",
    ContainerSource: "the container credentials endpoint",
}


def check_chain(chain: Chain) -> list[Finding]:
    """Every static STS finding for ``chain``, source first, then hops in order."""
    out: list[Finding] = []
    _check_source(chain.source, _Report(out, chain.source.profile, chain.source.where))
    carried = _Carried()
    for index, hop in enumerate(chain.hops):
        previous = chain.hops[index - 1] if index else None
        _check_hop(hop, chain.source, previous, carried, _Report(out, hop.profile, hop.where))
    return out


def _check_source(source: Source, report: _Report) -> None:
    if isinstance(source, StaticSource):
        if source.mfa_serial is not None:
            report.add("mfa_serial", check_serial_number(source.mfa_serial))
        if (mfa_seconds := source.mfa_duration_seconds) is not None:
            report.add("mfa_session_duration", check_session_token_duration(mfa_seconds))
    elif isinstance(source, WebIdentitySource):
        report.add("role_arn", check_role_arn(source.role_arn))
        if source.role_session_name is not None:
            report.add("role_session_name", check_session_name(source.role_session_name))
        if (seconds := source.duration_seconds) is not None:
            call = "AssumeRoleWithWebIdentity"
            report.add(_DURATION, _range_problem(_DURATION, seconds, ROLE_SECONDS, call))
        _check_policies(source.policy, source.policy_arns, report)


def _check_hop(
    hop: Hop, source: Source, previous: Hop | None, carried: _Carried, report: _Report
) -> None:
    report.add("role_arn", check_role_arn(hop.role_arn))
    if hop.role_session_name is not None:
        report.add("role_session_name", check_session_name(hop.role_session_name))
    if hop.external_id is not None:
        report.add("external_id", check_external_id(hop.external_id))
    if hop.mfa_serial is not None:
        report.add("mfa_serial", check_serial_number(hop.mfa_serial))
    if hop.duration_seconds is not None:
        _check_hop_duration(hop, hop.duration_seconds, source, previous, report)
    report.add_all("session_tags", check_tags(hop.tags))
    report.add_all(
        "transitive_session_tags", check_transitive_tag_keys(hop.transitive_tag_keys, hop.tags)
    )
    _check_carried_tags(hop, carried, report)
    if hop.source_identity is not None:
        _check_carried_identity(hop, hop.source_identity, carried, report)
    _check_policies(hop.policy, hop.policy_arns, report)


def _check_hop_duration(
    hop: Hop, seconds: int, source: Source, previous: Hop | None, report: _Report
) -> None:
    problem = _range_problem(_DURATION, seconds, ROLE_SECONDS, "AssumeRole")
    if problem is not None or seconds <= CHAINED_MAX_SECONDS:
        report.add(_DURATION, problem)
        return
    severity: Severity = "error"
    if previous is not None:
        reason = (
            "for a chained role (the caller holds role-session credentials "
            f"from profile {previous.profile})"
        )
    elif isinstance(source, StaticSource) and source.session_token:
        severity = "error" if hop.chained else "warning"
        reason = (
            "if the source's aws_session_token belongs to a role session or a "
            "GetSessionToken session (roles assumed with those are capped at 1 hour)"
        )
    elif isinstance(source, StaticSource) and source.mfa_serial:
        reason = "(roles assumed with an MFA session from GetSessionToken are capped at 1 hour)"
    elif isinstance(source, (EnvironmentSource, ProcessSource)):
        severity = "error" if hop.chained else "warning"
        origin = "environment" if isinstance(source, EnvironmentSource) else "credential_process"
        reason = (
            f"for a chained role if the {origin} credentials are session credentials "
            "(roles assumed with role-session or GetSessionToken credentials are capped "
            "at 1 hour)"
        )
    elif type(source) in _ROLE_SESSION_SOURCES:
        label = _ROLE_SESSION_SOURCES[type(source)]
        reason = f"for a chained role (the caller holds role-session credentials from {label})"
    elif hop.chained:
        reason = _CHAINED
    else:
        return  # long-term IAM user keys: not chained
    report.add(_DURATION, _over_hour(seconds, reason), severity)


def _check_carried_tags(hop: Hop, carried: _Carried, report: _Report) -> None:
    for key, _ in hop.tags:
        earlier = carried.transitive.get(key.lower())
        if earlier is not None:
            earlier_key, profile = earlier
            report.add(
                "session_tags",
                f"tag {_show(key)} conflicts with transitive tag {_show(earlier_key)} "
                f"set by profile {profile} (transitive tags pass to every later hop "
                "and cannot be set again)",
            )
    declared = {key.lower() for key in hop.transitive_tag_keys}
    for key, _ in hop.tags:
        if key.lower() in declared:
            carried.transitive.setdefault(key.lower(), (key, hop.profile))


def _check_carried_identity(hop: Hop, value: str, carried: _Carried, report: _Report) -> None:
    report.add("source_identity", check_source_identity(value))
    if carried.source_identity is None:
        carried.source_identity = (value, hop.profile)
        return
    earlier, profile = carried.source_identity
    if value != earlier:
        report.add(
            "source_identity",
            f"source_identity {_show(value)} differs from {_show(earlier)} set by profile "
            f"{profile}; once set, the source identity cannot change in later hops",
        )


def _check_policies(policy: str | None, arns: Sequence[str], report: _Report) -> None:
    if policy is not None:
        problem = check_policy(policy)
        report.add("policy", problem)
        arn_chars = sum(len(arn) for arn in arns)
        if problem is None and arns and len(policy) + arn_chars > POLICY_MAX_CHARS:
            report.add(
                "policy",
                f"policy ({len(policy)} characters) and policy_arns ({arn_chars}) together "
                f"exceed {POLICY_MAX_CHARS} characters, the STS limit for inline and managed "
                "session policy plaintext together",
                "warning",
            )
    report.add_all("policy_arns", check_policy_arns(arns))
