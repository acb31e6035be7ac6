"""Static STS checks of a whole chain, run before any network call.

``check_chain`` returns every ``Finding`` for a chain, source first and then each hop:
each value's own checks (``resolver.chain.checks``) plus what only the chain shows (the
one-hour cap on chained hops, transitive tags and the source identity carried along).
Pure: stdlib only, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from resolver.chain.checks.durations import (
    CHAINED,
    CHAINED_MAX_SECONDS,
    DURATION_KEY,
    ROLE_SECONDS,
    check_session_token_duration,
    over_hour,
    range_problem,
)
from resolver.chain.checks.names import (
    check_external_id,
    check_principal_arn,
    check_role_arn,
    check_roles_anywhere_arn,
    check_serial_number,
    check_session_name,
    check_source_identity,
    roles_anywhere_arn_parts,
)
from resolver.chain.checks.policies import POLICY_MAX_CHARS, check_policy, check_policy_arns
from resolver.chain.checks.tags import check_tags, check_transitive_tag_keys
from resolver.chain.checks.text import show
from resolver.chain.types import (
    LONG_TERM_KEY_SOURCES,
    Chain,
    ContainerSource,
    DefaultChainSource,
    EnvironmentSource,
    Hop,
    InstanceMetadataSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    RolesAnywhereSource,
    SamlSource,
    Source,
    SsoSource,
    StaticSource,
    WebIdentitySource,
    assert_never,
)
from resolver.config.findings import Finding, Location, Severity
from resolver.records import Record, field


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


class _Carried(Record, frozen=False):
    """What earlier hops fix for later ones: transitive tags and the source identity."""

    transitive: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower -> key, profile
    source_identity: tuple[str, str] | None = None  # value, profile


_ROLE_SESSION_SOURCES = {
    WebIdentitySource: "web identity",
    SsoSource: "IAM Identity Center (SSO)",
    InstanceMetadataSource: "EC2 instance metadata",
    ContainerSource: "the container credentials endpoint",
    RolesAnywhereSource: "IAM Roles Anywhere",
}
_ROLE_SESSION_SOURCES[SamlSource] = "SAML (AssumeRoleWithSAML)"


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
    match source:
        case StaticSource() | KeyringSource():
            if source.mfa_serial is not None:
                report.add("mfa_serial", check_serial_number(source.mfa_serial))
            if (mfa_seconds := source.mfa_duration_seconds) is not None:
                report.add("mfa_session_duration", check_session_token_duration(mfa_seconds))
        case WebIdentitySource():
            report.add("role_arn", check_role_arn(source.role_arn))
            if source.role_session_name is not None:
                report.add("role_session_name", check_session_name(source.role_session_name))
            if (seconds := source.duration_seconds) is not None:
                call = "AssumeRoleWithWebIdentity"
                problem = range_problem(DURATION_KEY, seconds, ROLE_SECONDS, call)
                report.add(DURATION_KEY, problem)
            _check_policies(source.policy, source.policy_arns, report)
        case SamlSource():
            _check_saml_source(source, report)
        case RolesAnywhereSource():
            _check_roles_anywhere(source, report)
        case (
            EnvironmentSource()
            | InstanceMetadataSource()
            | ContainerSource()
            | SsoSource()
            | LoginSource()
            | ProcessSource()
            | DefaultChainSource()
        ):
            pass  # nothing a profile sets for them reaches STS
        case _:
            assert_never(source)


def _check_saml_source(source: SamlSource, report: _Report) -> None:
    report.add("role_arn", check_role_arn(source.role_arn))
    if source.principal_arn is not None:
        report.add("principal_arn", check_principal_arn(source.principal_arn))
    if (seconds := source.duration_seconds) is not None:
        problem = range_problem(DURATION_KEY, seconds, ROLE_SECONDS, "AssumeRoleWithSAML")
        report.add(DURATION_KEY, problem)
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
    problem = range_problem(DURATION_KEY, seconds, ROLE_SECONDS, "AssumeRole")
    if problem is not None or seconds <= CHAINED_MAX_SECONDS:
        report.add(DURATION_KEY, problem)
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
    elif isinstance(source, LONG_TERM_KEY_SOURCES) and source.mfa_serial:
        reason = (
            "(roles assumed with an MFA session from GetSessionToken are capped at 1 hour); "
            + mfa_chain_advice(hop, source)
        )
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
        reason = CHAINED
    else:
        return  # long-term IAM user keys: not chained
    report.add(DURATION_KEY, over_hour(seconds, reason), severity)


def mfa_chain_advice(hop: Hop, source: StaticSource | KeyringSource) -> str:
    """How to avoid a chain that exists only for an MFA session: the serial on the role."""
    return (
        f"this hop is chained only because profile {source.profile} opens an MFA session; "
        f"to avoid the chain, set mfa_serial = {source.mfa_serial} on profile {hop.profile} "
        f"and remove mfa_serial from profile {source.profile}, so AssumeRole takes the code "
        "itself and the role may last up to its maximum session duration (at most 12h)"
    )


def _check_carried_tags(hop: Hop, carried: _Carried, report: _Report) -> None:
    for key, _ in hop.tags:
        earlier = carried.transitive.get(key.lower())
        if earlier is not None:
            earlier_key, profile = earlier
            report.add(
                "session_tags",
                f"tag {show(key)} conflicts with transitive tag {show(earlier_key)} "
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
            f"source_identity {show(value)} differs from {show(earlier)} set by profile "
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


ROLES_ANYWHERE_SECONDS = (900, 43200)  # CreateSession's durationSeconds


def _check_roles_anywhere(source: RolesAnywhereSource, report: _Report) -> None:
    """The role and the two Roles Anywhere ARNs (one partition and region), the duration."""
    report.add("role_arn", check_role_arn(source.role_arn))
    anchor_key, profile_key = "roles_anywhere_trust_anchor_arn", "roles_anywhere_profile_arn"
    report.add(
        anchor_key, check_roles_anywhere_arn(anchor_key, source.trust_anchor_arn, "trust-anchor")
    )
    report.add(profile_key, check_roles_anywhere_arn(profile_key, source.profile_arn, "profile"))
    anchor = roles_anywhere_arn_parts(source.trust_anchor_arn)
    profile = roles_anywhere_arn_parts(source.profile_arn)
    if anchor and profile and anchor[:2] != profile[:2]:
        report.add(
            profile_key,
            f"{profile_key} is in {profile[1]}, the trust anchor in {anchor[1]}: "
            "both must be in one partition and region",
        )
    if (seconds := source.session_duration) is not None:
        key = "roles_anywhere_session_duration"
        report.add(key, range_problem(key, seconds, ROLES_ANYWHERE_SECONDS, "CreateSession"))
