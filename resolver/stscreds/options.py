"""The sequence options of the STS providers, checked and normalized at construction.

Go's options are typed slices; here a bare ``str`` or ``bytes`` (which Python would
iterate character by character) or a mapping where a sequence is expected is a
``TypeError`` at construction, as is an item of the wrong shape. Messages name the option
and the offending type, never a value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

Tags: TypeAlias = (
    Mapping[str, str] | Iterable[Mapping[str, str]] | Iterable[tuple[str, str] | list[str]]
)
"""A mapping, boto3's ``[{"Key": ..., "Value": ...}]`` or ``(key, value)`` pairs."""

PolicyArns: TypeAlias = Iterable[str] | Iterable[Mapping[str, str]]
"""ARN strings or boto3's ``[{"arn": ...}]``."""

_BOTO3_TAG = frozenset({"Key", "Value"})


def _items(option: str, value: object) -> list[object]:
    """The items of a sequence option; a bare string, bytes or a mapping is refused."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{option} takes a sequence, not a bare {type(value).__name__}")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{option} takes a sequence, not {type(value).__name__}")
    return list(value)


def _text(option: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{option} holds a {type(value).__name__} where a str is expected")
    return value


def string_list(option: str, value: Iterable[str]) -> tuple[str, ...]:
    """A sequence of strings (``transitive_tag_keys``)."""
    return tuple(_text(option, item) for item in _items(option, value))


def _policy_arn(item: object) -> str:
    if isinstance(item, Mapping):
        if set(item) != {"arn"}:
            raise TypeError('policy_arns items are ARN strings or {"arn": ...} mappings')
        item = item["arn"]
    return _text("policy_arns", item)


def policy_arn_list(value: PolicyArns) -> tuple[str, ...]:
    """The ARNs of ``policy_arns`` (see ``PolicyArns``)."""
    return tuple(_policy_arn(item) for item in _items("policy_arns", value))


def _tag(item: object) -> tuple[object, object]:
    if isinstance(item, Mapping):
        if set(item) != _BOTO3_TAG:
            raise TypeError('tags items are {"Key": ..., "Value": ...} mappings or pairs')
        return item["Key"], item["Value"]
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return item[0], item[1]
    raise TypeError(f"tags holds a {type(item).__name__} where a (key, value) pair is expected")


def tag_pairs(value: Tags) -> tuple[tuple[str, str], ...]:
    """``(key, value)`` pairs from ``tags`` (see ``Tags``).

    A mapping whose keys are exactly ``Key`` and ``Value`` is refused as ambiguous: it is
    almost surely one boto3 tag that was meant to be in a list.
    """
    if isinstance(value, Mapping):
        if set(value) == _BOTO3_TAG:
            raise TypeError('tags got one {"Key": ..., "Value": ...} mapping; pass a list of them')
        pairs: list[tuple[object, object]] = list(value.items())
    else:
        pairs = [_tag(item) for item in _items("tags", value)]
    return tuple((_text("tags", key), _text("tags", text)) for key, text in pairs)
