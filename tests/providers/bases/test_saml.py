"""The SAML base's pieces: reading a SAML response (bounds, refused XML, role pairs) and
``SamlRoleProvider`` choosing the role and provider it sends, against a stub STS."""

from __future__ import annotations

import base64
import string
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.errors import ProviderError, remember, scrub
from resolver.providers.bases.saml import SamlProcess, SamlRoleProvider
from resolver.providers.bases.saml_assertion import (
    MAX_ASSERTION_CHARS,
    MAX_DEPTH,
    Assertion,
    AssertionProblem,
    RolePair,
    choose_principal,
    read_assertion,
    role_pair,
)
from tests.saml_support import (
    OTHER_PROVIDER,
    PROVIDER,
    SIGNATURE,
    encoded,
    helper_command,
    helper_script,
    role,
    saml_xml,
)

ADMIN, READER = role("admin"), role("reader")


def assertion_of(xml: str) -> Assertion:
    return read_assertion(encoded(xml).encode())


def test_role_pairs_in_either_order_one_or_many_values_per_attribute() -> None:
    xml = saml_xml(
        [[f"{ADMIN},{PROVIDER}", f"{OTHER_PROVIDER} , {READER}"], [f"{role('ops')},{PROVIDER}"]]
    )
    assertion = assertion_of(xml)
    assert assertion.roles == (
        RolePair(ADMIN, PROVIDER),
        RolePair(READER, OTHER_PROVIDER),
        RolePair(role("ops"), PROVIDER),
    )
    assert not assertion.encrypted
    assert assertion.text == encoded(xml)


def test_wrapped_base64_lines_are_joined() -> None:
    xml = saml_xml([[f"{ADMIN},{PROVIDER}"]])
    assert read_assertion((encoded(xml, wrap=76) + "\n").encode()).text == encoded(xml)


def test_values_that_are_not_a_role_and_a_provider_are_skipped() -> None:
    xml = saml_xml([[ADMIN, f"{ADMIN},{READER}", f"{PROVIDER},{OTHER_PROVIDER}", "x,y,z"]])
    assert assertion_of(xml).roles == ()


@pytest.mark.parametrize(
    ("stdout", "fragment"),
    [
        (b"", "printed nothing"),
        (b"  \n", "printed nothing"),
        (b"not base64 at all!", "no valid base64"),
        (b"QUJ", "no valid base64"),
        (base64.b64encode(b"<a><b></a>"), "malformed XML (line 1"),
        (base64.b64encode(b"\xff\xfe<a/>"), "not UTF-8"),
        (base64.b64encode(b"<a>&undefined;</a>"), "malformed XML"),
        (base64.b64encode(b"A" * (MAX_ASSERTION_CHARS)), f"at most {MAX_ASSERTION_CHARS}"),
    ],
)
def test_a_response_that_is_not_one_is_a_problem(stdout: bytes, fragment: str) -> None:
    with pytest.raises(AssertionProblem) as caught:
        read_assertion(stdout)
    assert fragment in str(caught.value)
    assert caught.value.reason == "invalid-saml-assertion"


@pytest.mark.parametrize(
    "head",
    [
        '<!DOCTYPE r [<!ENTITY x "y">]>',
        '<!DOCTYPE r SYSTEM "file:///etc/passwd">',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x"> %p;]>',
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
    ],
)
def test_dtds_and_entities_are_refused_before_parsing(head: str) -> None:
    xml = saml_xml([[f"{ADMIN},{PROVIDER}"]], head=head)
    with pytest.raises(AssertionProblem, match="DTD or entity declaration"):
        assertion_of(xml)


def test_comments_and_cdata_are_not_declarations() -> None:
    xml = saml_xml([[f"{ADMIN},{PROVIDER}"]], head="<!-- signed by the IdP -->")
    xml = xml.replace("alice@example.com", "<![CDATA[alice@example.com]]>")
    assert assertion_of(xml).roles == (RolePair(ADMIN, PROVIDER),)


def test_nesting_is_bounded() -> None:
    deep = "<a>" * (MAX_DEPTH + 1) + "</a>" * (MAX_DEPTH + 1)
    with pytest.raises(AssertionProblem, match=f"deeper than {MAX_DEPTH}"):
        read_assertion(base64.b64encode(deep.encode()))
    shallow = "<a>" * (MAX_DEPTH - 1) + "</a>" * (MAX_DEPTH - 1)
    assert read_assertion(base64.b64encode(shallow.encode())).roles == ()


def test_an_encrypted_assertion_is_noticed() -> None:
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
        "<saml:EncryptedAssertion><x/></saml:EncryptedAssertion></samlp:Response>"
    )
    assertion = assertion_of(xml)
    assert assertion.encrypted and assertion.roles == ()
    assert choose_principal(assertion, ADMIN, PROVIDER) == PROVIDER
    with pytest.raises(AssertionProblem, match="encrypted: set principal_arn"):
        choose_principal(assertion, ADMIN, None)


def test_choosing_the_role_and_its_provider() -> None:
    assertion = assertion_of(
        saml_xml([[f"{ADMIN},{PROVIDER}", f"{READER},{PROVIDER}", f"{READER},{OTHER_PROVIDER}"]])
    )
    assert choose_principal(assertion, ADMIN, None) == PROVIDER
    assert choose_principal(assertion, ADMIN, PROVIDER) == PROVIDER
    assert choose_principal(assertion, READER, OTHER_PROVIDER) == OTHER_PROVIDER
    with pytest.raises(AssertionProblem, match="several providers") as several:
        choose_principal(assertion, READER, None)
    with pytest.raises(AssertionProblem, match=f"not with principal_arn {OTHER_PROVIDER}") as other:
        choose_principal(assertion, ADMIN, OTHER_PROVIDER)
    with pytest.raises(AssertionProblem) as missing:
        choose_principal(assertion, role("ops"), None)
    assert str(missing.value) == (
        f"printed a SAML response that does not offer role {role('ops')}; "
        f"it offers: {ADMIN}, {READER}"
    )
    for caught in (several, other, missing):
        assert caught.value.reason == "saml-role-not-offered"


def test_a_long_list_of_offered_roles_is_cut() -> None:
    names = [role(f"r{n:02}") for n in range(25)]
    assertion = assertion_of(saml_xml([[f"{name},{PROVIDER}" for name in names]]))
    with pytest.raises(AssertionProblem) as caught:
        choose_principal(assertion, ADMIN, None)
    assert str(caught.value).endswith(f"{names[9]} and 15 more")


def test_no_role_attribute_at_all() -> None:
    with pytest.raises(AssertionProblem, match=r"no https://aws\.amazon\.com/SAML/Attributes/Role"):
        choose_principal(assertion_of(saml_xml([])), ADMIN, None)


@given(st.binary(max_size=512))
def test_any_stdout_gives_an_assertion_or_a_problem_never_another_error(data: bytes) -> None:
    try:
        read_assertion(data)
    except AssertionProblem as problem:
        assert "\n" not in str(problem)


@given(st.text(alphabet=string.printable, max_size=300))
def test_any_xml_text_gives_an_assertion_or_a_problem(text: str) -> None:
    try:
        read_assertion(base64.b64encode(text.encode()))
    except AssertionProblem as problem:
        assert text.strip() not in str(problem) or len(text.strip()) < 4


@given(st.sampled_from([ADMIN, READER]), st.sampled_from([PROVIDER, OTHER_PROVIDER]))
def test_a_pair_reads_the_same_in_either_order(role_arn: str, provider: str) -> None:
    assert role_pair(f"{role_arn},{provider}") == role_pair(f" {provider} ,{role_arn} ")
    assert role_pair(f"{role_arn},{provider}") == RolePair(role_arn, provider)


class StubSts:
    """Records AssumeRoleWithSAML calls and answers with fixed credentials."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def assume_role_with_saml(self, **kwargs: Any) -> Mapping[str, Any]:
        from datetime import datetime, timedelta, timezone

        self.calls.append(kwargs)
        expires = datetime.now(timezone.utc) + timedelta(hours=1)
        credentials = {
            "AccessKeyId": "ASIASAMLSTUB0000001",
            "SecretAccessKey": "saml-stub-secret-key",
            "SessionToken": "saml-stub-session-token",
            "Expiration": expires,
        }
        arn = f"arn:aws:sts::123456789012:assumed-role/{kwargs['RoleArn'].split('/')[-1]}/a"
        return {"Credentials": credentials, "AssumedRoleUser": {"Arn": arn}}


def test_the_provider_sends_the_chosen_pair_and_the_options(tmp_path: Path) -> None:
    xml = saml_xml([[f"{READER},{OTHER_PROVIDER}"], [f"{ADMIN},{PROVIDER}"]])
    response = tmp_path / "response"
    response.write_text(encoded(xml, wrap=64) + "\n")
    helper = SamlProcess(helper_command(helper_script(tmp_path), response), environ={}, label="idp")
    sts = StubSts()
    provider = SamlRoleProvider(
        sts, READER, helper, duration=7200, policy='{"Version":"2012-10-17"}',
        policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"], label="idp (reader)",
    )  # fmt: skip
    credentials = provider.retrieve()
    assert credentials.access_key_id == "ASIASAMLSTUB0000001"
    assert credentials.source == "AssumeRoleWithSAMLProvider"
    assert sts.calls == [
        {
            "RoleArn": READER,
            "PrincipalArn": OTHER_PROVIDER,
            "SAMLAssertion": encoded(xml),
            "DurationSeconds": 7200,
            "Policy": '{"Version":"2012-10-17"}',
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        }
    ]
    assert provider.last_sha256 is not None and len(provider.last_sha256) == 64
    for shown in (repr(provider), repr(helper), scrub(f"sent {encoded(xml)}")):
        assert encoded(xml) not in shown and SIGNATURE not in shown


def test_a_role_the_response_does_not_offer_is_one_line_before_any_call(tmp_path: Path) -> None:
    response = tmp_path / "response"
    response.write_text(encoded(saml_xml([[f"{READER},{PROVIDER}"]])))
    helper = SamlProcess(helper_command(helper_script(tmp_path), response), environ={}, label="p")
    sts = StubSts()
    with pytest.raises(ProviderError) as caught:
        SamlRoleProvider(sts, ADMIN, helper).retrieve()
    assert str(caught.value) == (
        f"profile p: saml_process `{sys.executable}` printed a SAML response that does not "
        f"offer role {ADMIN}; it offers: {READER}"
    )
    assert caught.value.reason == "saml-role-not-offered" and sts.calls == []


def test_a_remembered_response_is_scrubbed_in_every_form() -> None:
    text = encoded(saml_xml([[f"{ADMIN},{PROVIDER}"]]))
    remember(text)
    from urllib.parse import quote_plus

    for form in (text, quote_plus(text), repr(text)):
        assert text not in scrub(f"SAMLAssertion={form}&x=1")
        assert form not in scrub(f"body: {form}")
