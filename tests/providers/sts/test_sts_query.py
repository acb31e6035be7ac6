"""The stdlib STS model and query request body against botocore's: for generated parameters
of every STS operation (and of a model with maps, flattened lists, blobs, timestamps), the
same body bytes, or botocore's ``ParamValidationError`` with botocore's message."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import create_request_object, prepare_request_dict
from botocore.exceptions import ParamValidationError
from botocore.loaders import Loader
from botocore.model import ServiceModel as BotocoreServiceModel
from botocore.serialize import create_serializer
from hypothesis import given
from hypothesis import strategies as st

from resolver.providers.sts.model import (
    ServiceModel,
    Shape,
    UnknownOperationError,
    load_service_data,
    sts_model,
)
from resolver.providers.sts.query import query_body
from tests.hostile import fuzz_settings, hostile_text


def botocore_model(data_path: str | None) -> BotocoreServiceModel:
    """The oracle: botocore's own loader's STS model for ``AWS_DATA_PATH`` = ``data_path``."""
    loader = Loader(extra_search_paths=[] if data_path is None else data_path.split(":"))
    return BotocoreServiceModel(loader.load_service_model("sts", "service-2"), "sts")


MODEL = sts_model(None)
OPERATIONS = sorted(MODEL.raw["operations"])
RESERVED = [*"&=+%/?#[]@!$'()*,;: ", "\u00e9", "\u4e2d", "\U0001f600", "a b", "%20"]
text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    hostile_text,
    st.lists(st.sampled_from(RESERVED), max_size=8).map("".join),
)
datetimes = st.datetimes(
    min_value=datetime.datetime(1970, 1, 2), max_value=datetime.datetime(9998, 1, 1)
)


def values(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid values of ``shape`` as botocore's validator sees them (min only, never max)."""
    kind, raw = shape.type_name, shape.raw
    low = int(raw.get("min", 0))
    if kind == "structure":
        members = shape.members
        required = set(raw.get("required", ()))
        return st.fixed_dictionaries(
            {name: values(members[name], depth + 1) for name in required},
            optional={
                name: values(member, depth + 1)
                for name, member in members.items()
                if name not in required and depth < 4
            },
        )
    if kind == "list":
        return st.lists(values(shape.member, depth + 1), min_size=low, max_size=low + 3)
    if kind == "map":
        return st.dictionaries(values(shape.key), values(shape.value), max_size=3)
    if kind == "string":
        return text.filter(lambda s: len(s) >= low) | st.text(min_size=low, max_size=low + 4)
    if kind in ("integer", "long"):
        numbers = st.integers(min_value=low, max_value=2**40)
        return numbers | st.just(True) if low <= 1 else numbers  # bool is an int to botocore
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double"):
        return st.floats(allow_nan=True) | st.integers(-5, 5)
    if kind == "blob":
        return st.binary(max_size=20) | st.text(max_size=10)
    if kind == "timestamp":
        return datetimes | datetimes.map(lambda d: d.replace(tzinfo=datetime.timezone.utc))
    raise AssertionError(kind)


def invalid(shape: Shape, valid: dict[str, Any], draw: Callable[..., Any]) -> dict[str, Any]:
    """``valid`` broken one way: a required member gone, an unknown member, a wrong type,
    a too short string or too small number (botocore may still accept some)."""
    broken = dict(valid)
    members = shape.members
    how = draw(st.sampled_from(["drop", "unknown", "type", "short", "none", "nested"]))
    if how == "drop" and shape.raw.get("required"):
        broken.pop(draw(st.sampled_from(shape.raw["required"])), None)
    elif how == "unknown":
        broken[draw(st.text(min_size=1, max_size=8))] = draw(text)
    elif how in ("type", "none") and members:
        name = draw(st.sampled_from(sorted(members)))
        broken[name] = None if how == "none" else draw(st.sampled_from([1, "x", [1], {}, 1.5]))
    elif how == "short" and members:
        name = draw(st.sampled_from(sorted(members)))
        kind = members[name].type_name
        broken[name] = "" if kind == "string" else (-1 if kind == "integer" else [])
    elif how == "nested" and "Tags" in members:
        broken["Tags"] = [{"Key": draw(text)}, "tag", {"Value": 1, "Other": 2}]
    return broken


def botocore_outcome(raw: dict[str, Any], operation: str, params: Any) -> tuple[str, Any]:
    """What botocore's validating serializer and request preparer make of ``params``."""
    model = BotocoreServiceModel(raw, "sts").operation_model(operation)
    try:
        request = create_serializer("query", include_validation=True).serialize_to_request(
            params, model
        )
    except ParamValidationError as exc:
        return "ParamValidationError", str(exc)
    prepare_request_dict(request, "https://sts.amazonaws.com")
    body = create_request_object(request).prepare().body
    return "body", body.encode("ascii") if isinstance(body, str) else body


def mine(model: ServiceModel, operation: str, params: Any) -> tuple[str, Any]:
    try:
        return "body", query_body(model, operation, params)
    except ParamValidationError as exc:
        return "ParamValidationError", str(exc)


@fuzz_settings(400)
@given(data=st.data())
def test_every_operation_s_valid_parameters_give_botocore_s_body(data: st.DataObject) -> None:
    operation = data.draw(st.sampled_from(OPERATIONS))
    shape = MODEL.operation(operation).input_shape
    assert shape is not None
    params = data.draw(values(shape))
    expected = botocore_outcome(MODEL.raw, operation, params)
    assert expected[0] == "body"
    assert mine(MODEL, operation, params) == expected


@fuzz_settings(400)
@given(data=st.data())
def test_invalid_parameters_raise_botocore_s_validation_error(data: st.DataObject) -> None:
    operation = data.draw(st.sampled_from(OPERATIONS))
    shape = MODEL.operation(operation).input_shape
    assert shape is not None
    params = invalid(shape, data.draw(values(shape)), data.draw)
    assert mine(MODEL, operation, params) == botocore_outcome(MODEL.raw, operation, params)


def test_a_validation_error_names_every_problem_as_botocore_does() -> None:
    params = {"RoleArn": "short", "Tags": [{"Key": 1}], "Bogus": 1, "DurationSeconds": "9"}
    kind, message = mine(MODEL, "AssumeRole", params)
    assert (kind, message) == botocore_outcome(MODEL.raw, "AssumeRole", params)
    for part in ("RoleSessionName", "Bogus", "Tags[0].Key", "DurationSeconds", "RoleArn"):
        assert part in message


WIDE = {
    "metadata": {"apiVersion": "2020-01-01", "protocol": "query", "serviceId": "Wide"},
    "operations": {
        "Put": {
            "name": "Put",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "In"},
        }
    },
    "shapes": {
        "In": {
            "type": "structure",
            "required": ["Name"],
            "members": {
                "Name": {"shape": "Str", "locationName": "TheName"},
                "Attrs": {"shape": "Attrs"},
                "Flat": {"shape": "FlatMap"},
                "Items": {"shape": "FlatList", "locationName": "Item"},
                "Named": {"shape": "NamedList"},
                "Plain": {"shape": "PlainFlat"},
                "Data": {"shape": "Blob"},
                "When": {"shape": "When"},
                "Ok": {"shape": "Bool"},
                "Ratio": {"shape": "Num"},
                "Big": {"shape": "Long"},
                "Inner": {"shape": "In2"},
            },
        },
        "In2": {"type": "structure", "members": {"Deep": {"shape": "NamedList"}}},
        "Str": {"type": "string", "min": 1},
        "Attrs": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
        "FlatMap": {
            "type": "map",
            "flattened": True,
            "key": {"shape": "Str", "locationName": "K"},
            "value": {"shape": "Long", "locationName": "V"},
        },
        "FlatList": {
            "type": "list",
            "flattened": True,
            "member": {"shape": "Str", "locationName": "Entry"},
        },
        "PlainFlat": {"type": "list", "flattened": True, "member": {"shape": "Bool"}},
        "NamedList": {"type": "list", "member": {"shape": "In2", "locationName": "row"}},
        "Blob": {"type": "blob"},
        "When": {"type": "timestamp"},
        "Bool": {"type": "boolean"},
        "Num": {"type": "double"},
        "Long": {"type": "long", "min": -3},
    },
}


@fuzz_settings(300)
@given(data=st.data())
def test_maps_flattened_lists_blobs_and_timestamps_serialize_as_botocore_does(
    data: st.DataObject,
) -> None:
    model = ServiceModel(json.loads(json.dumps(WIDE)), "sts")
    shape = model.operation("Put").input_shape
    assert shape is not None
    params = data.draw(values(shape))
    if data.draw(st.booleans()):
        params = invalid(shape, params, data.draw)
    assert mine(model, "Put", params) == botocore_outcome(WIDE, "Put", params)


@pytest.mark.parametrize(
    "params",
    [
        {"Name": "n", "When": "2030-01-01T00:00:00Z"},  # a string: botocore decides
        {"Name": "n", "When": 1700000000},
        {"Name": "n", "When": "not a time"},
        {"Name": "n", "Ratio": __import__("decimal").Decimal("1.5")},
        {"Name": "n", "Data": __import__("io").BytesIO(b"x")},
    ],
)
def test_what_the_check_does_not_cover_is_botocore_s_to_decide(params: dict[str, Any]) -> None:
    model = ServiceModel(json.loads(json.dumps(WIDE)), "sts")
    try:
        expected = botocore_outcome(WIDE, "Put", params)
    except Exception as exc:  # botocore's serializer fails: so must this module
        with pytest.raises(type(exc)):
            query_body(model, "Put", params)
        return
    assert mine(model, "Put", params) == expected


def test_an_unknown_operation_is_a_clear_error() -> None:
    with pytest.raises(UnknownOperationError, match=r"'AssumeRoleX'.*AssumeRole"):
        query_body(MODEL, "AssumeRoleX", {})


def test_the_model_is_botocore_s_model() -> None:
    ours, theirs = MODEL, botocore_model(None)
    assert ours.raw == theirs._service_description
    assert ours.api_version == theirs.api_version and ours.metadata == theirs.metadata
    for name in theirs.operation_names:
        op, expected = ours.operation(name), theirs.operation_model(name)
        assert (op.http_method, op.request_uri) == (expected.http["method"], "/")
        assert op.input_shape and op.input_shape.name == expected.input_shape.name
        assert (
            op.output_shape
            and op.output_shape.raw["resultWrapper"]
            == (expected.output_shape.serialization["resultWrapper"])
        )
        assert [s.name for s in op.error_shapes] == [s.name for s in expected.error_shapes]
    assert {code: s.name for code, s in ours.error_shapes.items()} == {
        s.error_code: s.name for s in theirs.error_shapes
    }
    assert ours.shape_for_error_code("IDPRejectedClaim") is not None
    assert ours.shape_for_error_code("IDPRejectedClaimException") is None


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_the_data_path_s_newest_version_and_extras_are_botocore_s(tmp_path: Path) -> None:
    raw = load_service_data("sts", None)
    newer = json.loads(json.dumps(raw))
    newer["metadata"]["apiVersion"] = "2099-01-01"
    first, second = tmp_path / "one", tmp_path / "two"
    _write(first / "sts" / "2098-01-01" / "service-2.json", raw)
    _write(second / "sts" / "2099-01-01" / "service-2.json", newer)
    extras = {"merge": {"metadata": {"serviceId": "STS-X"}, "shapes": {"Tag": {"min": 0}}}}
    _write(second / "sts" / "2099-01-01" / "service-2.sdk-extras.json", extras)
    (first / "sts" / "not-a-version").mkdir()
    data_path = f"{first}:{second}"
    ours = sts_model(data_path)
    assert ours.api_version == "2099-01-01" and ours.metadata["serviceId"] == "STS-X"
    assert ours.raw == botocore_model(data_path)._service_description
