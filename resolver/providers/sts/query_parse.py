"""A query-protocol answer parsed as botocore's ``QueryParser`` parses it, stdlib only.

The dict is the one today's lite client returns: the operation's output shape (or, for
an error status, the ``Error`` dict), ``ResponseMetadata`` (``RequestId``,
``HTTPStatusCode``, lowercased ``HTTPHeaders``; the caller adds ``RetryAttempts``), and
for an error the modeled error shape's fields (botocore's second pass). Elements are
matched by local name, unknown ones ignored, as botocore does (the tree: ``query_xml``).

What botocore fails on with an exception other than its ``ResponseParserError`` (a
missing result element, a non-numeric number, a repeated element read as one value, an
``Error`` that is not a structure) is a ``ResponseParserError`` here, as is what
``query_xml`` refuses. Timestamps in forms other than ISO 8601 and epoch seconds go to
botocore's parser; a model using what this module does not read (tagged unions, event
streams, documents) is parsed by botocore's parser.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from typing import Any, Literal

from resolver.providers.sts.model import ServiceModel, Shape, botocore_service_model
from resolver.providers.sts.query_xml import Node, XmlNode, by_name, refused, xml_root

KNOWN_LOCATIONS = ("header", "headers", "statusCode")
SCALARS = ("string", "character", "boolean", "integer", "long", "float", "double")
PLAIN_TYPES = ("structure", "list", "map", "timestamp", "blob", *SCALARS)
UNPLAIN_TRAITS = ("union", "eventstream", "document")


def _text(node: XmlNode) -> str:
    if isinstance(node, list):
        refused("a repeated element where one value was expected")
    return node.text or ""


def _structure(shape: Shape, node: XmlNode) -> dict[str, Any]:
    if shape.is_exception:
        node = _error_root(node)
    children = by_name(node)
    parsed: dict[str, Any] = {}
    for name, member in shape.members.items():
        raw = member.raw
        if raw.get("location") in KNOWN_LOCATIONS or raw.get("eventheader"):
            continue
        child = children.get(_member_key_name(member, name))
        if child is not None:
            parsed[name] = parse_shape(member, child)
        elif raw.get("xmlAttribute"):
            _attribute(parsed, name, member, node)
    return parsed


def _attribute(parsed: dict[str, Any], name: str, member: Shape, node: XmlNode) -> None:
    if isinstance(node, list):
        refused("attributes of a repeated element")
    location = str(member.location_name)
    prefix = location.split(":")[0] + ":"
    for key, value in node.attrib.items():
        start, end = key.find("{"), key.rfind("}")
        if start >= 0 and end > start:
            key = key[:start] + prefix + key[end + 1 :]
        if key == location:
            parsed[name] = value


def _error_root(node: XmlNode) -> Node:
    if isinstance(node, list):
        refused("a repeated error element")
    if node.tag == "ErrorResponse":
        for child in node.children:
            if child.tag == "Error":
                return child
    return node


def _member_key_name(member: Shape, name: str) -> str:
    if member.type_name == "list" and member.flattened:
        item_name = member.member.location_name
        if item_name is not None:
            return item_name
    return member.location_name or name


def _list(shape: Shape, node: XmlNode) -> list[Any]:
    items = [node] if shape.flattened and not isinstance(node, list) else node
    if isinstance(items, Node):
        items = items.children
    return [parse_shape(shape.member, item) for item in items]


def _map(shape: Shape, node: XmlNode) -> dict[Any, Any]:
    key_shape, value_shape = shape.key, shape.value
    key_tag = key_shape.location_name or "key"
    value_tag = value_shape.location_name or "value"
    entries = [node] if shape.flattened and not isinstance(node, list) else node
    parsed: dict[Any, Any] = {}
    unset = object()
    key, value = unset, unset  # botocore keeps both from one entry to the next
    for entry in entries.children if isinstance(entries, Node) else entries:
        for pair in entry.children:
            if pair.tag == key_tag:
                key = parse_shape(key_shape, pair)
            elif pair.tag == value_tag:
                value = parse_shape(value_shape, pair)
            else:
                refused(f"Unknown tag: {pair.tag}")
        if key is unset or value is unset:
            refused("a map entry without its key or value")
        parsed[key] = value
    return parsed


def parse_shape(shape: Shape, node: XmlNode) -> Any:
    """``node`` read as ``shape`` (botocore's ``_parse_shape``)."""
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, node)
    if kind == "list":
        return _list(shape, node)
    if kind == "map":
        return _map(shape, node)
    return _scalar(kind, _text(node))


def _scalar(kind: str, text: str) -> Any:
    try:
        if kind == "boolean":
            return text == "true"
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "blob":
            import base64

            return base64.b64decode(text)
    except ValueError as exc:
        refused(f"a {kind} value that is not one ({type(exc).__name__})")
    if kind == "timestamp":
        return parse_timestamp(text)
    return text


def parse_timestamp(text: str) -> datetime.datetime:
    """botocore's default timestamp parser: ISO 8601 (``Z`` and offsets as aware UTC or
    fixed-offset datetimes, none as naive), epoch seconds (aware UTC); any other form is
    left to botocore's parser."""
    found = _iso8601(text)
    if found is None:
        found = _epoch(text)
    if found is None:
        from botocore.utils import parse_timestamp as botocore_parse_timestamp

        found = botocore_parse_timestamp(text)
    return found


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _iso8601(text: str) -> datetime.datetime | None:
    """``YYYY-MM-DDTHH:MM:SS[.f{1,6}][Z|+HH:MM|-HH:MM]``; None for anything else."""
    head, rest = text[:19], text[19:]
    if len(head) != 19 or [head[i] for i in (4, 7, 10, 13, 16)] != ["-", "-", "T", ":", ":"]:
        return None
    fields = (head[0:4], head[5:7], head[8:10], head[11:13], head[14:16], head[17:19])
    if not all(_digits(field) for field in fields):
        return None
    micro = 0
    if rest.startswith("."):
        fraction = _leading_digits(rest[1:])
        if not 1 <= len(fraction) <= 6:
            return None
        micro, rest = int(fraction.ljust(6, "0")), rest[1 + len(fraction) :]
    zone = _zone(rest)
    if zone is False:
        return None
    year, month, day, hour, minute, second = (int(field) for field in fields)
    try:
        return datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone or None)
    except ValueError:
        return None


def _leading_digits(text: str) -> str:
    end = 0
    while end < len(text) and text[end] in "0123456789":
        end += 1
    return text[:end]


def _zone(text: str) -> datetime.tzinfo | Literal[False] | None:
    """``Z`` -> UTC, ``+HH:MM`` -> a fixed offset, empty -> None; anything else False."""
    if text == "Z":
        return datetime.timezone.utc
    if not text:
        return None
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return False
    hours, minutes = text[1:3], text[4:6]
    if not (_digits(hours) and _digits(minutes)) or int(hours) > 23 or int(minutes) > 59:
        return False
    offset = datetime.timedelta(hours=int(hours), minutes=int(minutes))
    return datetime.timezone(-offset if text[0] == "-" else offset)


def _epoch(text: str) -> datetime.datetime | None:
    """Epoch seconds (up to ten digits, an optional fraction) as an aware UTC datetime."""
    whole, dot, fraction = text.partition(".")
    if not (_digits(whole) and len(whole) <= 10) or (dot and not _digits(fraction)):
        return None
    return datetime.datetime.fromtimestamp(float(text), datetime.timezone.utc)


def parse_answer(
    model: ServiceModel, operation: str, status: int, headers: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """The answer to ``operation`` as today's lite client has it: botocore's parse of the
    output shape (or error), then for ``status`` >= 300 the modeled error's fields."""
    op = model.operation(operation)
    if not _plain(model, operation):
        return _botocore_answer(model, operation, status, headers, body)
    answer = Answer(status, headers, body)
    parsed = answer.parse(op.output_shape)
    if status >= 300:
        shape = _modeled_error(model, parsed)
        if shape is not None:
            parsed.update(answer.parse(shape))
    return parsed


def _modeled_error(model: ServiceModel, parsed: dict[str, Any]) -> Shape | None:
    """The error shape of the answer's ``Error.Code`` (lite's second pass)."""
    error = parsed.get("Error", {})
    if not isinstance(error, dict):
        refused("an error answer whose Error is not a structure")
    code = error.get("Code")
    if not code:
        return None
    if not isinstance(code, str):
        refused("an error answer whose Code is not a value")
    return model.shape_for_error_code(code)


class Answer:
    """One HTTP answer, its XML read at most once (botocore's ``ResponseParser.parse``)."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body
        self._root: Node | None = None

    def root(self) -> Node:
        if self._root is None:
            self._root = xml_root(self.body)
        return self._root

    def parse(self, shape: Shape | None) -> dict[str, Any]:
        """The parse of the answer as ``shape``, with ``ResponseMetadata``."""
        if self.status >= 301:
            if self._generic():
                parsed = self._generic_error()
            elif shape is not None and shape.is_exception:
                return self._body_as(shape, inject_metadata=False)
            else:
                parsed = self._error()
        else:
            parsed = self._body_as(shape, inject_metadata=True)
        metadata = parsed.get("ResponseMetadata", {})
        if not isinstance(metadata, dict):
            refused("an answer whose ResponseMetadata is not a structure")
        metadata["HTTPStatusCode"] = self.status
        metadata["HTTPHeaders"] = {key.lower(): self.headers[key] for key in self.headers}
        parsed["ResponseMetadata"] = metadata
        return parsed

    def _generic(self) -> bool:
        """A 5xx answer with an empty or HTML body (a proxy's, a load balancer's)."""
        body = self.body.strip()
        return self.status >= 500 and (body.startswith(b"<html>") or not body)

    def _generic_error(self) -> dict[str, Any]:
        import http.client

        message = http.client.responses.get(self.status, "")
        return {"Error": {"Code": str(self.status), "Message": message}, "ResponseMetadata": {}}

    def _error(self) -> dict[str, Any]:
        """botocore's ``QueryParser._do_error_parse``: the whole document as dicts."""
        parsed = _replaced(by_name(self.root()))
        if "Errors" in parsed:
            errors = parsed.pop("Errors")
            if not isinstance(errors, dict):
                refused("an error answer whose Errors is not a structure")
            parsed.update(errors)
        if "RequestId" in parsed:
            parsed["ResponseMetadata"] = {"RequestId": parsed.pop("RequestId")}
        return parsed

    def _body_as(self, shape: Shape | None, *, inject_metadata: bool) -> dict[str, Any]:
        root = self.root()
        parsed: dict[str, Any] = {}
        if shape is not None:
            start: XmlNode = root
            wrapper = shape.raw.get("resultWrapper")
            if wrapper is not None:
                found = by_name(root).get(wrapper)
                if found is None:
                    refused(f"the answer has no {wrapper} element")
                start = found
            parsed = parse_shape(shape, start)
        if inject_metadata:
            found = by_name(root).get("ResponseMetadata")
            if found is not None:
                parsed["ResponseMetadata"] = {
                    key: _element_text(value) for key, value in by_name(found).items()
                }
        return parsed


def _element_text(node: XmlNode) -> str | None:
    if isinstance(node, list):
        refused("a repeated element where one value was expected")
    return node.text


def _replaced(nodes: dict[str, XmlNode]) -> dict[str, Any]:
    """botocore's ``_replace_nodes``: elements with children as dicts, others as text."""
    replaced: dict[str, Any] = {}
    for key, node in nodes.items():
        if isinstance(node, list) or node.children:
            replaced[key] = _replaced(by_name(node))
        else:
            replaced[key] = node.text
    return replaced


@functools.lru_cache(maxsize=64)
def _plain(model: ServiceModel, operation: str) -> bool:
    """True when the operation's output and the model's errors use only what this
    module reads as botocore does."""
    shapes = [model.operation(operation).output_shape, *model.error_shapes.values()]
    seen: set[str] = set()
    return all(_plain_shape(shape, seen) for shape in shapes if shape is not None)


def _plain_shape(shape: Shape, seen: set[str]) -> bool:
    if shape.type_name not in PLAIN_TYPES or any(t in shape.raw for t in UNPLAIN_TRAITS):
        return False
    if shape.name in seen:
        return True
    seen.add(shape.name)
    if shape.type_name == "structure":
        return all(_plain_shape(member, seen) for member in shape.members.values())
    if shape.type_name == "list":
        return _plain_shape(shape.member, seen)
    if shape.type_name == "map":
        return _plain_shape(shape.key, seen) and _plain_shape(shape.value, seen)
    return True


def _botocore_answer(
    model: ServiceModel, operation: str, status: int, headers: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """botocore's query parser and lite's second pass, for a model this module does not
    read itself (a document type declaration still refused)."""
    from botocore.parsers import create_parser

    if b"<!DOCTYPE" in body:
        refused("a document type declaration is not accepted")
    op = botocore_service_model(model).operation_model(operation)
    parser = create_parser("query")
    response = {"headers": dict(headers), "status_code": status, "body": body, "context": {}}
    parsed: dict[str, Any] = parser.parse(response, op.output_shape)
    if status >= 300:
        code = parsed.get("Error", {}).get("Code")
        shape = op.service_model.shape_for_error_code(code) if code else None
        if shape is not None:
            parsed.update(parser.parse(response, shape))
    return parsed
