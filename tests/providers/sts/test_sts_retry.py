"""The stdlib standard retry mode against botocore's (the oracle): the handler
``register_retry_handler`` puts on an STS client, driven through the events the lite
client emits. Generated calls (statuses, error codes, every botocore exception class and
others, retry-after values, random draws, quota states, both of botocore's retry
generations) get the same decisions, delays, response metadata, ``max`` in the retries
context, attempts and quota."""

from __future__ import annotations

import inspect
import string
from types import SimpleNamespace
from typing import Any
from unittest import mock

import botocore.exceptions as botocore_errors
from botocore.hooks import HierarchicalEmitter, first_non_none_response
from botocore.loaders import Loader
from botocore.model import ServiceModel
from botocore.retries import standard
from hypothesis import given
from hypothesis import strategies as st

from resolver.providers.sts import retry
from tests.hostile import fuzz_settings

SERVICE_JSON = Loader().load_service_model("sts", "service-2")
SERVICE = ServiceModel(SERVICE_JSON, "sts")
MAX_ATTEMPTS = 3


class ConnectionError(Exception):
    """Named as botocore's transport error, from another module: not retried."""


class ProxiedEndpointError(botocore_errors.EndpointConnectionError):
    """A subclass of botocore's class, outside botocore: retried as its parent is."""


def botocore_exceptions() -> list[BaseException]:
    """One instance of every exception class botocore defines."""
    found: list[BaseException] = []
    for cls in vars(botocore_errors).values():
        if not (inspect.isclass(cls) and issubclass(cls, botocore_errors.BotoCoreError)):
            continue
        fields = [name for _, name, _, _ in string.Formatter().parse(cls.fmt) if name]
        try:
            found.append(cls(**{name: "x" for name in fields}))
        except Exception:  # a class whose constructor wants more: not a transport error
            continue
    return found


BOTOCORE_EXCEPTIONS = botocore_exceptions()
EXCEPTIONS = [
    *BOTOCORE_EXCEPTIONS,
    ProxiedEndpointError(endpoint_url="x"),
    ConnectionError("x"),
    TimeoutError("x"),
    OSError("x"),
    ValueError("x"),
]
CODES = sorted(
    retry.TRANSIENT_ERROR_CODES
    | retry.THROTTLING_ERROR_CODES
    | retry.STS_RETRYABLE_CODES
    | {"ExpiredTokenException", "AccessDenied", "RegionDisabledException", "Modeled", "Slow"}
)
MODELED = {"Modeled": False, "Slow": True, "RegionDisabledException": False}

responses = st.tuples(
    st.integers(min_value=200, max_value=599),
    st.one_of(st.none(), st.sampled_from(CODES), st.text(max_size=8)),
    st.one_of(st.none(), st.sampled_from(["0", "1500", "-5", "abc", " 250 ", "99999999"])),
)
outcomes = st.one_of(responses, st.sampled_from(EXCEPTIONS))
calls = st.lists(st.lists(outcomes, min_size=1, max_size=5), min_size=1, max_size=6)


def modeled_operation() -> Any:
    """An AssumeRole whose model marks a few errors retryable (STS marks none)."""
    shapes = [
        SimpleNamespace(name=name, metadata={"retryable": {"throttling": throttling}})
        for name, throttling in MODELED.items()
    ]
    shapes.append(SimpleNamespace(name="Modeled", metadata={"retryable": {"throttling": True}}))
    return SimpleNamespace(name="AssumeRole", error_shapes=shapes, service_model=SERVICE)


class Botocore:
    """botocore's handler as registered on a client, driven as the lite client does."""

    def __init__(self, operation: Any, draw: Any) -> None:
        self.events = HierarchicalEmitter()
        client = SimpleNamespace(meta=SimpleNamespace(service_model=SERVICE, events=self.events))
        handler = standard.register_retry_handler(client, max_attempts=MAX_ATTEMPTS)
        handler._retry_policy._retry_backoff._random = draw
        self.quota = handler._retry_quota._quota
        self.operation = operation

    def call(self, outcomes: list[Any]) -> list[Any]:
        context: dict[str, Any] = {"retries": {"attempt": 1, "invocation-id": "i"}}
        seen: list[Any] = []
        attempts = 1
        while True:
            outcome = outcomes[min(attempts, len(outcomes)) - 1]
            response, exception = None, outcome
            if isinstance(outcome, tuple):
                status, code, after = outcome
                headers = {} if after is None else {"x-amz-retry-after": after}
                parsed = {"Error": {"Code": code}} if code is not None else {}
                response, exception = (
                    (SimpleNamespace(status_code=status, headers=headers), parsed),
                    None,
                )
            delay = first_non_none_response(
                self.events.emit(
                    f"needs-retry.sts.{self.operation.name}",
                    response=response,
                    endpoint=None,
                    operation=self.operation,
                    attempts=attempts,
                    caught_exception=exception,
                    request_dict={"context": context},
                )
            )
            metadata = response[1].get("ResponseMetadata", {}) if response else None
            seen.append(
                (delay, metadata, "max" in context["retries"], self.quota.available_capacity)
            )
            if delay is None or delay is False:
                break
            attempts += 1
        if response is not None:
            self.events.emit(
                f"after-call.sts.{self.operation.name}",
                http_response=response[0],
                parsed=response[1],
                model=self.operation,
                context=context,
            )
        seen.append((attempts, self.quota.available_capacity))
        return seen


def ours_call(policy: retry.StandardRetry, outcomes: list[Any]) -> list[Any]:
    call = retry.CallRetries()
    seen: list[Any] = []
    while True:
        outcome = outcomes[min(call.attempts, len(outcomes)) - 1]
        if isinstance(outcome, tuple):
            status, code, after = outcome
            delay = policy.after_attempt(
                call, status=status, error_code=code, exception=None, retry_after=after
            )
            metadata: dict[str, bool] | None = call.metadata
        else:
            status, metadata = None, None
            delay = policy.after_attempt(call, status=None, error_code=None, exception=outcome)
        seen.append((delay, metadata, call.max_seen, policy.available_capacity))
        if delay is None:
            break
    policy.call_finished(call, status)
    seen.append((call.attempts, policy.available_capacity))
    return seen


@fuzz_settings(400)
@given(
    calls=calls,
    draws=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=8),
    available=st.one_of(st.just(retry.INITIAL_CAPACITY), st.integers(min_value=0, max_value=500)),
    modeled=st.booleans(),
    new=st.booleans(),
)
def test_generated_calls_are_retried_as_botocore_retries_them(
    calls: list[list[Any]], draws: list[float], available: int, modeled: bool, new: bool
) -> None:
    operation = modeled_operation() if modeled else SERVICE.operation_model("AssumeRole")
    theirs_draws, our_draws = iter(draws * 40), iter(draws * 40)
    with mock.patch.object(standard, "NEW_RETRIES_ENABLED", new):
        botocore = Botocore(operation, lambda: next(theirs_draws))
        botocore.quota._available_capacity = available
        policy = retry.StandardRetry(
            MAX_ATTEMPTS,
            modeled=MODELED if modeled else retry.modeled_retryable(SERVICE_JSON, "AssumeRole"),
            new_retries=new,
            random=lambda: next(our_draws),
        )
        policy._available = available
        for outcomes in calls:
            assert ours_call(policy, outcomes) == botocore.call(outcomes)


def test_the_codes_and_classes_are_botocores() -> None:
    assert (
        set(standard.TransientRetryableChecker._TRANSIENT_ERROR_CODES)
        == retry.TRANSIENT_ERROR_CODES
    )
    assert (
        set(standard.TransientRetryableChecker._TRANSIENT_STATUS_CODES)
        == retry.TRANSIENT_STATUS_CODES
    )
    assert (
        set(standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
        == retry.THROTTLING_ERROR_CODES
    )
    transient = {
        cls.__name__ for cls in standard.TransientRetryableChecker._TRANSIENT_EXCEPTION_CLS
    }
    assert transient == retry.TRANSIENT_EXCEPTIONS
    timeouts = {cls.__name__ for cls in standard.RetryQuotaChecker._TIMEOUT_EXCEPTIONS}
    assert timeouts == retry.TIMEOUT_EXCEPTIONS


def test_every_botocore_exception_is_classified_as_isinstance_does() -> None:
    assert len(BOTOCORE_EXCEPTIONS) > 40
    families = (botocore_errors.ConnectionError, botocore_errors.HTTPClientError)
    for exception in EXCEPTIONS:
        expected = isinstance(exception, families)
        assert retry.is_botocore_error(exception, retry.TRANSIENT_EXCEPTIONS) is expected, exception


def test_the_sdk_request_header_names_max_once_retries_were_decided() -> None:
    policy = retry.StandardRetry(3, random=lambda: 0.5)
    call = retry.CallRetries()
    assert policy.sdk_request(call) == "attempt=1"
    assert policy.after_attempt(call, status=503, error_code=None, exception=None) == 0.5
    assert policy.sdk_request(call) == "attempt=2; max=3"
    assert call.retry_attempts == 1
    assert retry.StandardRetry(3, new_retries=True).sdk_request(retry.CallRetries()) == (
        "attempt=1; max=3"
    )


def test_sts_models_no_retryable_error_and_idp_communication_is_retried() -> None:
    assert retry.modeled_retryable(SERVICE_JSON, "AssumeRoleWithWebIdentity") == {}
    policy = retry.StandardRetry(3)
    assert policy.retryable(400, "IDPCommunicationError", None)
    assert not policy.retryable(400, "IDPRejectedClaim", None)


def test_new_retries_follow_botocores_variable() -> None:
    assert retry.new_retries_enabled({"AWS_NEW_RETRIES_2026": "TRUE"})
    assert not retry.new_retries_enabled({"AWS_NEW_RETRIES_2026": "1"})
    assert not retry.new_retries_enabled({})
