"""The body of a query-protocol request, byte for byte as botocore builds it.

botocore validates the parameters (``ParamValidator``), serializes them
(``QuerySerializer``: ``Action``, ``Version``, then the members flattened into
``A.B``, ``A.member.N``, ``A.entry.N.key``...) and form-encodes the pairs
(``AWSRequestPreparer``: each key and value UTF-8, then ``urlencode``). This module does
the same with the standard library. Its own check accepts only what botocore accepts;
on anything it refuses or does not cover, botocore's validating serializer (imported
then) decides: it raises botocore's ``ParamValidationError``, or builds the body.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from resolver.providers.sts.model import ServiceModel, Shape, botocore_service_model

ISO8601 = "%Y-%m-%dT%H:%M:%SZ"
ISO8601_MICRO = "%Y-%m-%dT%H:%M:%S.%fZ"
_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
    "float": (float, int),
    "double": (float, int),
    "blob": (bytes, bytearray, str),
    "timestamp": (datetime.datetime,),
}
_DEFERRED_TRAITS = ("union", "document", "jsonvalue", "hostLabel")


def query_body(model: ServiceModel, operation: str, params: Mapping[str, Any]) -> bytes:
    """The form-encoded body botocore sends for ``operation`` with ``params``; botocore's
    ``ParamValidationError`` for parameters it refuses."""
    op = model.operation(operation)
    values = dict(params)
    shape = op.input_shape
    if shape is not None and not accepted(values, shape):
        return _botocore_body(model, operation, values)
    body: dict[str, Any] = {"Action": op.name, "Version": model.api_version}
    if shape is not None:
        _serialize(body, values, shape, "")
    return encoded(body)


def encoded(body: Mapping[str, Any]) -> bytes:
    """``AWSRequestPreparer._prepare_body``: each str key and value UTF-8, then urlencoded."""
    pairs = [
        (
            key.encode("utf-8") if isinstance(key, str) else key,
            value.encode("utf-8") if isinstance(value, str) else value,
        )
        for key, value in body.items()
    ]
    return urlencode(pairs, doseq=True).encode("ascii")


def accepted(value: Any, shape: Shape) -> bool:
    """True when botocore's validator finds nothing wrong with ``value`` and this module
    serializes it as botocore does; False on any doubt (botocore then decides)."""
    raw = shape.raw
    if any(trait in raw for trait in _DEFERRED_TRAITS):
        return False
    kind = shape.type_name
    if kind == "structure":
        return _accepted_structure(value, shape)
    if kind == "list":
        return (
            isinstance(value, list | tuple)
            and _at_least(len(value), raw)
            and all(accepted(item, shape.member) for item in value)
        )
    if kind == "map":
        return isinstance(value, dict) and all(
            accepted(key, shape.key) and accepted(item, shape.value) for key, item in value.items()
        )
    if not isinstance(value, _SCALARS.get(kind, ())):
        return False
    if kind == "timestamp":
        return str(raw.get("timestampFormat", "iso8601")).lower() == "iso8601"
    if kind == "string":
        return isinstance(value, str) and _at_least(len(value), raw)
    if kind in ("integer", "long", "float", "double"):
        return _at_least(value, raw)
    return True


def _accepted_structure(value: Any, shape: Shape) -> bool:
    if not isinstance(value, dict):
        return False
    members = shape.members
    return (
        all(name in value for name in shape.raw.get("required", ()))
        and all(name in members for name in value)
        and all(accepted(item, members[name]) for name, item in value.items())
    )


def _at_least(value: Any, raw: Mapping[str, Any]) -> bool:
    """botocore's ``range_check``: only ``min`` is checked (never ``max``)."""
    return "min" not in raw or not bool(value < raw["min"])


def _serialize(body: dict[str, Any], value: Any, shape: Shape, prefix: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        for name, item in value.items():
            member = members[name]
            key = member.location_name or name
            _serialize(body, item, member, f"{prefix}.{key}" if prefix else key)
    elif kind == "list":
        _serialize_list(body, value, shape, prefix)
    elif kind == "map":
        _serialize_map(body, value, shape, prefix)
    else:
        body[prefix] = _scalar(value, kind)


def _serialize_list(body: dict[str, Any], value: Any, shape: Shape, prefix: str) -> None:
    if not value:
        body[prefix] = ""  # the query protocol sends an empty list as an empty value
        return
    member = shape.member
    if shape.flattened:
        name = member.location_name
        list_prefix = ".".join([*prefix.split(".")[:-1], name]) if name else prefix
    else:
        list_prefix = f"{prefix}.{member.location_name or 'member'}"
    for index, item in enumerate(value, 1):
        _serialize(body, item, member, f"{list_prefix}.{index}")


def _serialize_map(body: dict[str, Any], value: Any, shape: Shape, prefix: str) -> None:
    template = (prefix if shape.flattened else f"{prefix}.entry") + ".{i}.{suffix}"
    key_shape, value_shape = shape.key, shape.value
    key_suffix = key_shape.location_name or "key"
    value_suffix = value_shape.location_name or "value"
    for index, key in enumerate(value, 1):
        _serialize(body, key, key_shape, template.format(i=index, suffix=key_suffix))
        _serialize(body, value[key], value_shape, template.format(i=index, suffix=value_suffix))


def _scalar(value: Any, kind: str) -> Any:
    """A scalar as botocore's serializer leaves it for the encoder."""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return _iso8601(value)
    if kind == "blob":
        import base64

        data = value.encode("utf-8") if isinstance(value, str) else value
        return base64.b64encode(data).strip().decode("utf-8")
    if kind in ("float", "double"):
        return _float(value)
    return value


def _iso8601(value: datetime.datetime) -> str:
    """botocore's ISO 8601 form (default precision) of a datetime, naive meaning UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    else:
        value = value.astimezone(datetime.timezone.utc)
    return value.strftime(ISO8601_MICRO if value.microsecond > 0 else ISO8601)


def _float(value: float) -> Any:
    import math

    if value == float("Infinity"):
        return "Infinity"
    if value == float("-Infinity"):
        return "-Infinity"
    if math.isnan(value):
        return "NaN"
    return value


def _botocore_body(model: ServiceModel, operation: str, params: dict[str, Any]) -> bytes:
    """botocore's validating serializer decides: its ``ParamValidationError``, or the body
    of parameters this module's check did not accept but botocore does."""
    from botocore.serialize import create_serializer

    request = create_serializer("query", include_validation=True).serialize_to_request(
        params, botocore_service_model(model).operation_model(operation)
    )
    return encoded(request["body"])
