"""One credentials-JSON check: the container/IMDS answer and a credential_process's output
accept and refuse the same documents and make the same Credentials from them."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.errors import ProviderError
from resolver.providers.bases.container import credentials_from_metadata
from resolver.providers.bases.process import ProcessProvider
from resolver.stscreds.credentials import Credentials
from tests.hostile import fuzz_settings, hostile_text

MARK = "SeCrEtMaRk"
STAMPS = [
    "2030-01-02T03:04:05Z",
    "2030-01-02T03:04:05.123456789Z",
    "2030-01-02 03:04:05+02:00",
    "2030-01-02T03:04:05",
    "2030-13-02T03:04:05Z",
    "2030-01-02T03:04:05Z\n",
    "soon",
    "",
]
json_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), hostile_text
)
json_value = st.one_of(
    json_scalar, st.lists(json_scalar, max_size=3), st.dictionaries(hostile_text, json_scalar)
)
field_value = st.one_of(json_value, st.sampled_from(STAMPS))
secret_value = st.one_of(field_value, hostile_text.map(lambda text: MARK + text))
logical_document = st.fixed_dictionaries(
    {},
    optional={
        "AccessKeyId": field_value,
        "SecretAccessKey": secret_value,
        "Token": secret_value,
        "Expiration": field_value,
        "AccountId": field_value,
    },
)
"""What both sources may send, with the session token under ``Token``."""


def as_process(doc: dict[str, Any]) -> dict[str, Any]:
    process: dict[str, Any] = {"Version": 1}
    process.update({("SessionToken" if k == "Token" else k): v for k, v in doc.items()})
    return process


def outcome(parse: Any) -> Credentials | ProviderError:
    try:
        result: Credentials = parse()
    except ProviderError as exc:
        return exc
    return replace(result, source="")


def both(doc: Any) -> tuple[Credentials | ProviderError, Credentials | ProviderError]:
    container = outcome(
        lambda: credentials_from_metadata(
            json.loads(json.dumps(doc)), source="x", origin="container credentials endpoint"
        )
    )
    process_doc = as_process(doc) if isinstance(doc, dict) else doc
    provider = ProcessProvider("helper --flag", label="p", environ=os.environ)
    process = outcome(lambda: provider._parse(json.dumps(process_doc).encode()))
    return container, process


def assert_agree(doc: Any) -> None:
    container, process = both(doc)
    if isinstance(container, Credentials):
        assert container == process
        return
    assert isinstance(process, ProviderError), (container, process)
    for error in (container, process):
        assert MARK not in str(error)
    assert problem(container) == problem(process)  # the same, each in its own words


def problem(error: ProviderError) -> str:
    """The message from the problem on (``Token`` for ``SessionToken``)."""
    message = str(error).replace("SessionToken", "Token")
    for kind in PROBLEMS:
        if kind in message:
            return message[message.index(kind) :]
    raise AssertionError(message)


PROBLEMS = ("JSON that is not an object", "is missing", "has non-string", "a bad Expiration")


@fuzz_settings()
@given(logical_document)
def test_both_sources_agree_on_hostile_documents(doc: dict[str, Any]) -> None:
    assert_agree(doc)


@fuzz_settings(50)
@given(json_value)
def test_both_sources_refuse_what_is_not_an_object(doc: Any) -> None:
    if isinstance(doc, dict):
        return
    container, process = both(doc)
    assert isinstance(container, ProviderError) and "not an object" in str(container)
    assert isinstance(process, ProviderError) and "not an object" in str(process)


@pytest.mark.parametrize(
    "doc",
    [
        {"AccessKeyId": "AKIA", "SecretAccessKey": MARK, "Token": "t"},
        {"AccessKeyId": "AKIA", "SecretAccessKey": MARK, "Expiration": STAMPS[1]},
        {"AccessKeyId": "AKIA", "SecretAccessKey": MARK, "AccountId": "", "Token": ""},
        {"AccessKeyId": "AKIA"},
        {"AccessKeyId": "AKIA", "SecretAccessKey": MARK, "Token": 7},
        {"AccessKeyId": "AKIA", "SecretAccessKey": MARK, "Expiration": "soon"},
        {"AccessKeyId": ["AKIA"], "SecretAccessKey": MARK},
    ],
)
def test_table_of_documents(doc: dict[str, Any]) -> None:
    assert_agree(doc)


def test_accepted_documents_make_the_same_credentials() -> None:
    doc = {
        "AccessKeyId": "ASIA1",
        "SecretAccessKey": MARK,
        "Token": "tok",
        "Expiration": "2030-01-02T03:04:05Z",
        "AccountId": "123456789012",
    }
    container, process = both(doc)
    assert isinstance(container, Credentials)
    assert container == process
    assert (container.session_token, container.account_id) == ("tok", "123456789012")
    assert container.expires is not None and container.expires.year == 2030
