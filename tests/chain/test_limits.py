"""Static STS limits: each rule's pass and fail boundaries, on chains built directly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from resolver.chain.checks.durations import check_duration, check_session_token_duration
from resolver.chain.checks.names import (
    check_external_id,
    check_role_arn,
    check_serial_number,
    check_session_name,
    check_source_identity,
    check_token_code,
)
from resolver.chain.checks.policies import check_policy, check_policy_arns
from resolver.chain.checks.tags import check_tags, check_transitive_tag_keys
from resolver.chain.limits import check_chain
from resolver.chain.types import (
    Chain,
    ContainerSource,
    EnvironmentSource,
    Hop,
    InstanceMetadataSource,
    ProcessSource,
    Source,
    SsoSource,
    StaticSource,
    WebIdentitySource,
)
from resolver.config.findings import Finding, Location

KEYS = (
    "role_arn",
    "role_session_name",
    "external_id",
    "mfa_serial",
    "duration_seconds",
    "session_tags",
    "transitive_session_tags",
    "source_identity",
    "policy",
    "policy_arns",
    "mfa_session_duration",
)
ARN = "arn:aws:iam::123456789012:role/demo"
DUPLICATE = "tag key 'Team' repeats 'team' (tag keys are case-insensitive)"
FROM_A = " (the caller holds role-session credentials from profile a)"
POLICY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def where_for(profile: str | None) -> dict[str, Location]:
    """A distinct file:line for every key of ``profile``."""
    return {key: Location(f"/cfg/{profile}", line) for line, key in enumerate(KEYS, start=10)}


def static(**options: Any) -> StaticSource:
    return StaticSource("base", "AKIAEXAMPLE", "secret", where=where_for("base"), **options)


def hop(profile: str = "a", **options: Any) -> Hop:
    options.setdefault("role_arn", ARN)
    return Hop(profile, where=where_for(profile), **options)


def chain(*hops: Hop, source: Source | None = None) -> Chain:
    return Chain(hops[-1].profile if hops else "base", source or static(), hops)


def web_identity(**options: Any) -> WebIdentitySource:
    options.setdefault("role_arn", ARN)
    return WebIdentitySource(
        "base", web_identity_token_file="/t", where=where_for("base"), **options
    )


def tags(count: int) -> tuple[tuple[str, str], ...]:
    return tuple((f"k{n}", "v") for n in range(count))


def policy_of(length: int) -> str:
    """A JSON object policy text of exactly ``length`` characters."""
    text = json.dumps({"Version": "2012-10-17", "Pad": ""})
    return text[:-2] + "x" * (length - len(text)) + text[-2:]


def assert_findings(findings: list[Finding], *expected: tuple[str, str, str, str]) -> None:
    """Findings match (severity, profile, key, message fragment) in order, each located
    at its own key's line."""
    assert len(findings) == len(expected), [str(f) for f in findings]
    for finding, (severity, profile, key, fragment) in zip(findings, expected, strict=True):
        assert (finding.severity, finding.profile, finding.key) == (severity, profile, key)
        assert fragment in finding.message, (finding.message, fragment)
        assert finding.location == where_for(profile)[key]


P = pytest.param
INI_KEY = {"tags": "session_tags", "transitive_tag_keys": "transitive_session_tags"}
NAME_RULE = r"role_session_name must be 2-64 characters of [\w+=,.@-]"
ROLE = "arn:aws:iam::123456789012:role/"

HOP_VALUES = [
    # RoleArn
    P("role_arn", ROLE + "team/ops/deploy", None, id="arn-path"),
    P("role_arn", "arn:aws-cn:iam::123456789012:role/x", None, id="arn-aws-cn"),
    P("role_arn", "arn:aws-us-gov:iam::123456789012:role/x", None, id="arn-us-gov"),
    P("role_arn", "arn:aws-iso-b:iam::123456789012:role/x", None, id="arn-iso-b"),
    P("role_arn", "arn:aws:iam::12345678901:role/x", "not an IAM role ARN", id="arn-11-digits"),
    P("role_arn", "arn:aws:iam::123456789012:user/x", "not an IAM role ARN", id="arn-user"),
    P("role_arn", ROLE, "not an IAM role ARN", id="arn-no-name"),
    P("role_arn", "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/x", "not an IAM", id="arn-unicode-digits"),
    P("role_arn", ARN + "\n", "not an IAM role ARN", id="arn-newline"),
    P("role_arn", "arn:gcp:iam::123456789012:role/x", "not an IAM", id="arn-bad-partition"),
    P("role_arn", ROLE + "p" * 1952 + "/" + "x" * 64, None, id="arn-2048"),
    P(
        "role_arn",
        ROLE + "p" * 1953 + "/" + "x" * 64,
        "20-2048 characters (it has 2049)",
        id="arn-2049",
    ),
    P("role_arn", "arn:aws:iam::1:role", "20-2048 characters (it has 19)", id="arn-19"),
    # RoleSessionName
    P("role_session_name", "a", NAME_RULE + " (it has 1)", id="name-1"),
    P("role_session_name", "ab", None, id="name-2"),
    P("role_session_name", "n" * 64, None, id="name-64"),
    P("role_session_name", "n" * 65, NAME_RULE + " (it has 65)", id="name-65"),
    P("role_session_name", "a_Z9+=,.@-", None, id="name-punctuation"),
    P("role_session_name", "my name", "(found ' ')", id="name-space"),
    P("role_session_name", "", "(it has 0)", id="name-empty"),
    P("role_session_name", "café", r"\w means ASCII", id="name-unicode"),
    # ExternalId
    P("external_id", "x", "2-1224 characters of [\\w+=,.@:/-] (it has 1)", id="extid-1"),
    P("external_id", "xy", None, id="extid-2"),
    P("external_id", "x" * 1224, None, id="extid-1224"),
    P("external_id", "x" * 1225, "(it has 1225)", id="extid-1225"),
    P("external_id", "urn:a/b@c=d", None, id="extid-colon-slash"),
    P("external_id", "a b", "(found ' ')", id="extid-space"),
    # SerialNumber
    P("mfa_serial", "GAHT1234", "9-256 characters", id="serial-8"),
    P("mfa_serial", "GAHT12345", None, id="serial-9"),
    P("mfa_serial", "s" * 256, None, id="serial-256"),
    P("mfa_serial", "s" * 257, "(it has 257)", id="serial-257"),
    P("mfa_serial", "arn:aws:iam::123456789012:mfa/alice", None, id="serial-arn"),
    P("mfa_serial", "GAHT 12345", "(found ' ')", id="serial-space"),
    # SourceIdentity
    P("source_identity", "a", "2-64 characters", id="si-1"),
    P("source_identity", "ab", None, id="si-2"),
    P("source_identity", "s" * 64, None, id="si-64"),
    P("source_identity", "s" * 65, "(it has 65)", id="si-65"),
    P("source_identity", "aws:alice", "must not begin with 'aws:'", id="si-aws-prefix"),
    P("source_identity", "AWS:alice", "'aws:'", id="si-AWS-prefix"),
    # Policy
    P("policy", '{"Version": "2012-10-17", "Statement": []}', None, id="policy-object"),
    P("policy", "{not json", "not valid JSON", id="policy-invalid"),
    P("policy", "", "not valid JSON", id="policy-empty"),
    P("policy", '{"a": NaN}', "not valid JSON", id="policy-nan"),
    P("policy", "[]", "must be a JSON object", id="policy-list"),
    P("policy", policy_of(2048), None, id="policy-2048"),
    P("policy", policy_of(2049), "2049 characters; STS allows 2048", id="policy-2049"),
    P("policy", '{"a": "café"}', None, id="policy-latin1"),
    P("policy", '{"a": "日本"}', "U+0020-U+00FF", id="policy-beyond-latin1"),
    # PolicyArns
    P("policy_arns", (POLICY_ARN,) * 10, None, id="arns-10"),
    P("policy_arns", (POLICY_ARN,) * 11, "lists 11 ARNs; STS allows 10", id="arns-11"),
    P("policy_arns", ("arn:aws:iam::123456789012:policy/team/Deploy",), None, id="arns-customer"),
    P("policy_arns", (ARN,), "not an IAM policy ARN", id="arns-role-not-policy"),
    P("policy_arns", ("arn:aws:iam::aws",), "20-2048 characters", id="arns-short"),
    # Tags
    P("tags", tags(50), None, id="tags-50"),
    P("tags", tags(51), "51 session tags exceed the limit of 50", id="tags-51"),
    P("tags", (("k" * 128, "v"),), None, id="tag-key-128"),
    P("tags", (("k" * 129, "v"),), "1-128 characters (it has 129)", id="tag-key-129"),
    P("tags", (("", "v"),), "1-128 characters (it has 0)", id="tag-key-empty"),
    P("tags", (("k", "v" * 256),), None, id="tag-value-256"),
    P("tags", (("k", "v" * 257),), "0-256 characters (it has 257)", id="tag-value-257"),
    P("tags", (("k", ""),), None, id="tag-value-empty"),
    P("tags", (("Équipe", "日本語 ٣"), ("a_.:/=+-@ 1", "x y")), None, id="tag-unicode"),
    P("tags", (("cost#center", "v"),), "contains '#'", id="tag-key-hash"),
    P("tags", (("k", "a\tb"),), "value contains '\\t'", id="tag-value-tab"),
    P("tags", (("aws:team", "v"),), "begins with 'aws:'", id="tag-aws-prefix"),
    P("tags", (("AWS:Team", "v"),), "begins with 'aws:'", id="tag-AWS-prefix"),
    P("tags", (("team", "a"), ("Team", "b")), DUPLICATE, id="tag-case-duplicate"),
    P("tags", (("team", "a"), ("team", "b")), "repeats 'team'", id="tag-exact-duplicate"),
]


@pytest.mark.parametrize("field, value, fragment", HOP_VALUES)
def test_hop_value(field: str, value: Any, fragment: str | None) -> None:
    findings = check_chain(chain(hop(**{field: value})))
    key = INI_KEY.get(field, field)
    assert_findings(findings, *([("error", "a", key, fragment)] if fragment else []))


LONG_TERM = static()
MFA = static(mfa_serial="GAHT12345678")
CHAINED = "exceeds the 3600-second limit for a chained role"
MFA_CAP = "(roles assumed with an MFA session from GetSessionToken are capped at 1 hour)"
BASES = {
    "env": EnvironmentSource(None),
    "process": ProcessSource("base", "x"),
    "token": static(session_token="t"),
    "web": web_identity(),
    "sso": SsoSource("base", "u", "r", "1", "n"),
    "imds": InstanceMetadataSource(None),
    "ecs": ContainerSource(None),
}

DURATIONS = [
    # first hop on long-term keys: not chained
    P(LONG_TERM, False, 899, "error", "outside the 900-43200 second range", id="899"),
    P(LONG_TERM, False, 900, None, "", id="900"),
    P(LONG_TERM, False, 3600, None, "", id="3600"),
    P(LONG_TERM, False, 3601, None, "", id="3601"),
    P(LONG_TERM, False, 43200, None, "", id="43200"),
    P(LONG_TERM, False, 43201, "error", "900-43200", id="43201"),
    P(LONG_TERM, True, 7200, "error", CHAINED + " (the caller holds", id="flagged-chained"),
    # base credentials that may be session credentials: warn
    P(BASES["env"], False, 3600, None, "", id="env-3600"),
    P(BASES["env"], False, 3601, "warning", "if the environment credentials", id="env-3601"),
    P(BASES["env"], True, 3601, "error", "if the environment credentials", id="env-flagged"),
    P(BASES["process"], False, 7200, "warning", "credential_process", id="process-7200"),
    P(BASES["token"], False, 7200, "warning", "aws_session_token", id="static-token-7200"),
    # base credentials that are role sessions, or an MFA session: error
    P(MFA, True, 3600, None, "", id="mfa-3600"),
    P(MFA, True, 3601, "error", "3600-second limit " + MFA_CAP, id="mfa-3601"),
    P(BASES["web"], True, 3601, "error", "credentials from web identity", id="web-3601"),
    P(BASES["sso"], True, 3601, "error", "from IAM Identity Center (SSO)", id="sso-3601"),
    P(BASES["imds"], False, 3601, "error", "from EC2 instance metadata", id="imds-3601"),
    P(BASES["ecs"], False, 3601, "error", "container credentials", id="ecs-3601"),
    P(BASES["web"], True, 43201, "error", "900-43200", id="web-43201"),
]


@pytest.mark.parametrize("source, chained, seconds, severity, fragment", DURATIONS)
def test_first_hop_duration(
    source: Source, chained: bool, seconds: int, severity: str | None, fragment: str
) -> None:
    findings = check_chain(chain(hop(duration_seconds=seconds, chained=chained), source=source))
    assert_findings(
        findings, *([(severity, "a", "duration_seconds", fragment)] if severity else [])
    )


@pytest.mark.parametrize(
    "seconds, chained, fragment",
    [
        P(899, True, "900-43200", id="899"),
        P(900, True, None, id="900"),
        P(3600, True, None, id="3600"),
        P(3601, True, "3601 " + CHAINED + FROM_A, id="3601"),
        P(43200, True, CHAINED, id="43200"),
        P(43201, True, "900-43200", id="43201"),
        P(7200, False, CHAINED + FROM_A, id="unflagged-later-hop-is-chained-anyway"),
    ],
)
def test_second_hop_duration(seconds: int, chained: bool, fragment: str | None) -> None:
    findings = check_chain(chain(hop("a"), hop("b", duration_seconds=seconds, chained=chained)))
    assert_findings(findings, *([("error", "b", "duration_seconds", fragment)] if fragment else []))


SOURCE_VALUES = [
    P(web_identity(role_session_name="ci", duration_seconds=43200), None, "", id="wi-valid"),
    P(web_identity(role_arn="arn:aws:iam::123:role/x"), "role_arn", "role ARN", id="wi-arn"),
    P(web_identity(role_session_name="a b"), "role_session_name", "' '", id="wi-name"),
    P(web_identity(duration_seconds=899), "duration_seconds", "WithWebIdentity", id="wi-899"),
    P(web_identity(duration_seconds=43201), "duration_seconds", "900-43200", id="wi-43201"),
    P(web_identity(policy="nope"), "policy", "not valid JSON", id="wi-policy"),
    P(web_identity(policy_arns=(POLICY_ARN,) * 11), "policy_arns", "11 ARNs", id="wi-arns"),
    P(static(mfa_serial="12345678"), "mfa_serial", "9-256", id="mfa-serial-8"),
    P(static(mfa_duration_seconds=899), "mfa_session_duration", "GetSessionToken", id="mfa-899"),
    P(static(mfa_duration_seconds=900), None, "", id="mfa-900"),
    P(static(mfa_duration_seconds=129600), None, "", id="mfa-129600"),
    P(static(mfa_duration_seconds=129601), "mfa_session_duration", "900-129600", id="mfa-129601"),
]


@pytest.mark.parametrize("source, key, fragment", SOURCE_VALUES)
def test_source_value(source: Source, key: str | None, fragment: str) -> None:
    findings = check_chain(chain(source=source))
    assert_findings(findings, *([("error", "base", key, fragment)] if key else []))


TEAM = (("Team", "x"),)
SPREAD = "set by profile a (transitive tags pass to every later hop"
CHAINS = [
    P((hop(tags=TEAM, transitive_tag_keys=("team",)),), [], id="transitive-other-case"),
    P(
        (hop(tags=TEAM, transitive_tag_keys=("project",)),),
        [("error", "a", "transitive_session_tags", "'project' is not one of this profile's")],
        id="transitive-not-a-tag",
    ),
    P(
        (hop(tags=tags(51), transitive_tag_keys=tuple(key for key, _ in tags(51))),),
        [
            ("error", "a", "session_tags", "51 session tags"),
            ("error", "a", "transitive_session_tags", "51 transitive tag keys exceed the limit"),
        ],
        id="transitive-51",
    ),
    P(
        (hop(tags=TEAM, transitive_tag_keys=("TEAM",)), hop("b", tags=(("team", "y"),))),
        [
            (
                "error",
                "b",
                "session_tags",
                "tag 'team' conflicts with transitive tag 'Team' " + SPREAD,
            )
        ],
        id="inherited-conflict",
    ),
    P(
        (hop(tags=TEAM, transitive_tag_keys=("Team",)), hop("b"), hop("c", tags=(("TEAM", "z"),))),
        [("error", "c", "session_tags", SPREAD)],
        id="inherited-two-hops-later",
    ),
    P(
        (hop(tags=TEAM, transitive_tag_keys=("Team",)), hop("b", tags=(("project", "y"),))),
        [],
        id="inherited-other-key",
    ),
    P((hop(tags=TEAM), hop("b", tags=TEAM)), [], id="non-transitive-resent"),
    P((hop(source_identity="al"), hop("b", source_identity="al")), [], id="si-same-later"),
    P((hop(), hop("b", source_identity="al")), [], id="si-set-later-only"),
    P(
        (hop(source_identity="alice"), hop("b"), hop("c", source_identity="bob")),
        [("error", "c", "source_identity", "'bob' differs from 'alice' set by profile a")],
        id="si-changed-later",
    ),
    P(
        (hop(policy=policy_of(2040), policy_arns=(POLICY_ARN,)),),
        [("warning", "a", "policy", "together exceed 2048 characters")],
        id="policy-plus-arns",
    ),
]


@pytest.mark.parametrize("hops, expected", CHAINS)
def test_chain(hops: tuple[Hop, ...], expected: list[tuple[str, str, str, str]]) -> None:
    assert_findings(check_chain(chain(*hops)), *expected)


def test_findings_come_in_chain_order() -> None:
    findings = check_chain(
        chain(
            hop("a", role_session_name="x"),
            hop("b", role_session_name="y", chained=True),
            source=static(mfa_serial="short"),
        )
    )
    assert [(f.profile, f.key) for f in findings] == [
        ("base", "mfa_serial"),
        ("a", "role_session_name"),
        ("b", "role_session_name"),
    ]


def test_location_falls_back_to_role_arn_then_any_key_then_none() -> None:
    arn_line = Location("/cfg", 3)
    other = Location("/cfg", 7)
    only_arn = Hop("a", ARN, role_session_name="x", where={"role_arn": arn_line})
    only_other = Hop("a", ARN, role_session_name="x", where={"source_profile": other})
    nowhere = Hop("a", ARN, role_session_name="x")
    assert check_chain(chain(only_arn))[0].location == arn_line
    assert check_chain(chain(only_other))[0].location == other
    assert check_chain(chain(nowhere))[0].location is None


def test_finding_renders_file_line_profile_and_message() -> None:
    (finding,) = check_chain(chain(hop(role_session_name="x")))
    assert str(finding).startswith("/cfg/a:11: profile a: role_session_name must be 2-64")


def test_warning_renders_as_warning() -> None:
    (finding,) = check_chain(chain(hop(duration_seconds=7200), source=EnvironmentSource(None)))
    assert "warning: " in str(finding)


# ---- single-value checkers -----------------------------------------------------------


@pytest.mark.parametrize(
    "code, valid",
    [
        ("123456", True),
        ("000000", True),
        ("12345", False),
        ("1234567", False),
        ("12345a", False),
        (" 123456", False),
        ("123456\n", False),
        ("١٢٣٤٥٦", False),  # Arabic-Indic digits
        ("", False),
    ],
    ids=["6", "zeros", "5", "7", "letter", "space", "newline", "unicode-digits", "empty"],
)
def test_token_code(code: str, valid: bool) -> None:
    problem = check_token_code(code)
    assert (problem is None) is valid
    if problem is not None:
        assert "6 digits" in problem
        assert code.strip() not in problem or not code.strip()


def test_token_code_message_never_echoes_the_code() -> None:
    for code in ("98765", "9876543", "98765x"):
        message = check_token_code(code)
        assert message is not None
        assert "9876" not in message


@pytest.mark.parametrize(
    "seconds, chained, fragment",
    [
        (899, False, "900-43200"),
        (900, False, None),
        (43200, False, None),
        (43201, False, "900-43200"),
        (3600, True, None),
        (3601, True, "3600-second limit for a chained role"),
        (43201, True, "900-43200"),
    ],
    ids=["899", "900", "43200", "43201", "chained-3600", "chained-3601", "chained-43201"],
)
def test_check_duration(seconds: int, chained: bool, fragment: str | None) -> None:
    problem = check_duration(seconds, chained=chained)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None and fragment in problem


def test_single_value_checkers_accept_good_values() -> None:
    assert check_role_arn(ARN) is None
    assert check_session_name("ci-run") is None
    assert check_external_id("ext:id/1") is None
    assert check_source_identity("alice@example.com") is None
    assert check_serial_number("GAHT12345678") is None
    assert check_session_token_duration(129600) is None
    assert check_policy("{}") is None
    assert check_policy_arns([POLICY_ARN]) == []
    assert check_tags([("Team", "ops")]) == []
    assert check_transitive_tag_keys(["team"], [("Team", "ops")]) == []


def test_collection_checkers_report_every_problem() -> None:
    problems = check_tags([("aws:x#", "v" * 300)])
    assert len(problems) == 3
    assert len(check_policy_arns(["bad", "arn:aws:iam::123456789012:role/not-a-policy"])) == 2
