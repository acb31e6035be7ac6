"""The providers' sequence options (resolver.stscreds.options): a bare str or bytes, a
mapping where a sequence is expected, or an item of the wrong shape is a TypeError at
construction; every accepted shape sends exactly the STS parameters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.stscreds.assume_role import AssumeRoleProvider
from resolver.stscreds.web_identity import WebIdentityRoleProvider
from tests.hostile import fuzz_settings, hostile_text
from tests.moto_support import MotoServer, recorded_sts_calls
from tests.stscreds.test_assume_role import ARN, RecordingClient

text = st.one_of(st.text(max_size=20), hostile_text)
not_text = st.one_of(
    st.integers(), st.binary(), st.none(), st.booleans(), st.floats(allow_nan=False)
)
bare = st.one_of(text, st.binary(), st.binary().map(bytearray))


class WebClient:
    def assume_role_with_web_identity(self, **kwargs: Any) -> Any:
        raise AssertionError("not called")


class Token:
    def get_identity_token(self) -> str:
        raise AssertionError("not read")


def assume_role(option: str) -> Callable[[Any], object]:
    return lambda value: AssumeRoleProvider(RecordingClient(), ARN, **{option: value})


def web_identity(value: Any) -> object:
    return WebIdentityRoleProvider(WebClient(), ARN, Token(), policy_arns=value)


SEQUENCE_OPTIONS = {
    "policy_arns": assume_role("policy_arns"),
    "tags": assume_role("tags"),
    "transitive_tag_keys": assume_role("transitive_tag_keys"),
    "web identity policy_arns": web_identity,
}

wrong_items = {
    "policy_arns": st.one_of(
        not_text,
        st.dictionaries(text, text).filter(lambda d: set(d) != {"arn"}),
        st.fixed_dictionaries({"arn": not_text}),
        st.lists(text, min_size=1).map(tuple),
    ),
    "tags": st.one_of(
        not_text,
        text,  # a 2-character str would unpack as a pair
        st.lists(text, min_size=3).map(tuple),
        st.lists(text, max_size=1).map(tuple),
        st.tuples(not_text, text),
        st.tuples(text, not_text),
        st.dictionaries(text, text).filter(lambda d: set(d) != {"Key", "Value"}),
        st.fixed_dictionaries({"Key": text, "Value": not_text}),
        st.fixed_dictionaries({"Key": not_text, "Value": text}),
    ),
    "transitive_tag_keys": st.one_of(
        not_text, st.lists(text).map(tuple), st.dictionaries(text, text)
    ),
}
wrong_items["web identity policy_arns"] = wrong_items["policy_arns"]

wrong_whole = {
    "policy_arns": st.dictionaries(text, text),  # a mapping (e.g. one {"arn": ...} unwrapped)
    "tags": st.one_of(
        st.fixed_dictionaries({"Key": text, "Value": text}),  # one boto3 tag, unwrapped
        st.dictionaries(text, not_text, min_size=1),
        st.dictionaries(not_text, text, min_size=1),
    ),
    "transitive_tag_keys": st.dictionaries(text, text),
}
wrong_whole["web identity policy_arns"] = wrong_whole["policy_arns"]


@pytest.mark.parametrize("option", sorted(SEQUENCE_OPTIONS))
@fuzz_settings(100)
@given(data=st.data())
def test_wrong_shapes_are_type_errors_at_construction(option: str, data: st.DataObject) -> None:
    build = SEQUENCE_OPTIONS[option]
    wrong = st.one_of(
        bare,
        wrong_whole[option],
        st.tuples(st.lists(st.just("ok")), wrong_items[option], st.lists(st.just("ok"))),
    )
    value = data.draw(wrong)
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], list):
        good: list[Any] = [("k", "v")] if option == "tags" else ["ok"]
        value = [*good * len(value[0]), value[1], *good * len(value[2])]
    with pytest.raises(TypeError) as info:
        build(value)
    assert option.split()[-1] in str(info.value)


def sent(**options: Any) -> dict[str, Any]:
    client = RecordingClient()
    AssumeRoleProvider(client, ARN, role_session_name="s", duration=900, **options).retrieve()
    (call,) = client.calls
    return call


pairs = st.lists(st.tuples(text, text), max_size=6, unique_by=lambda pair: pair[0])


@fuzz_settings(100)
@given(pairs=pairs, shape=st.sampled_from(["dict", "boto3", "tuples", "lists", "generator"]))
def test_every_tag_shape_sends_the_same_tags(pairs: list[tuple[str, str]], shape: str) -> None:
    shapes: dict[str, Callable[[], Any]] = {
        "dict": lambda: dict(pairs),
        "boto3": lambda: [{"Key": key, "Value": value} for key, value in pairs],
        "tuples": lambda: tuple(pairs),
        "lists": lambda: [[key, value] for key, value in pairs],
        "generator": lambda: ((key, value) for key, value in pairs),
    }
    call = sent(tags=shapes[shape]())
    expected = [{"Key": key, "Value": value} for key, value in pairs]
    assert call.get("Tags", []) == expected
    assert ("Tags" in call) == bool(pairs)


@fuzz_settings(100)
@given(arns=st.lists(text, max_size=5), keys=st.lists(text, max_size=5), boto3=st.booleans())
def test_policy_arns_and_transitive_keys_are_sent_as_given(
    arns: list[str], keys: list[str], boto3: bool
) -> None:
    call = sent(
        policy_arns=[{"arn": arn} for arn in arns] if boto3 else iter(arns),
        transitive_tag_keys=tuple(keys),
    )
    assert call.get("PolicyArns", []) == [{"arn": arn} for arn in arns]
    assert call.get("TransitiveTagKeys", []) == keys
    provider = WebIdentityRoleProvider(WebClient(), ARN, Token(), policy_arns=arns)
    assert provider.request().get("PolicyArns", []) == [{"arn": arn} for arn in arns]


@pytest.mark.parametrize("bad", ["900", b"900", 900.0, True, -1, timedelta(seconds=-1)])
def test_duration_rejects_str_bool_float_and_negative(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        AssumeRoleProvider(RecordingClient(), ARN, duration=bad)


def test_every_option_reaches_sts_and_the_session_name_is_kept(moto: MotoServer) -> None:
    role = moto.create_role("deploy")
    codes = iter(["123456", "654321"])
    provider = AssumeRoleProvider(
        moto.client("sts"),
        role,
        duration=timedelta(minutes=30),
        external_id="ext-42",
        policy_arns=[{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        serial_number="arn:aws:iam::123456789012:mfa/alice",
        token_provider=lambda: next(codes),
        source_identity="alice",
        tags=[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "prod"}],
        transitive_tag_keys=["team"],
    )
    provider.retrieve()
    provider.retrieve()  # a refresh
    first, second = recorded_sts_calls(moto)
    assert first.params["RoleSessionName"] == second.params["RoleSessionName"]
    assert first.params["RoleSessionName"].startswith("rolechain-")
    assert first.tags == {"team": "blue", "env": "prod"}
    assert first.transitive_tag_keys == ["team"]
    assert first.policy_arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert first.params["SerialNumber"] == "arn:aws:iam::123456789012:mfa/alice"
    assert [first.params["TokenCode"], second.params["TokenCode"]] == ["123456", "654321"]
    assert first.params["ExternalId"] == "ext-42"
    assert first.params["SourceIdentity"] == "alice"
    assert first.params["DurationSeconds"] == "1800"


def test_generated_session_name_uses_the_clock() -> None:
    from datetime import datetime, timezone

    moment = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
    provider = AssumeRoleProvider(RecordingClient(), ARN, clock=lambda: moment)
    nanos = int(moment.timestamp()) * 10**9 + 678901000
    assert provider.role_session_name.startswith(f"rolechain-{nanos}-")
    assert isinstance(provider.request()["RoleSessionName"], str)
    assert not isinstance(provider.tags, Mapping)
