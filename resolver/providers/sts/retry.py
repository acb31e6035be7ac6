"""botocore's *standard* retry mode for STS, as ``botocore.retries.standard.
register_retry_handler(client, max_attempts=...)`` decides it, with the standard library.

After each attempt: no retry once ``max_attempts`` attempts were made; else a retry for a
transient error (codes ``RequestTimeout``..., statuses 500/502/503/504, botocore's
``ConnectionError`` and ``HTTPClientError`` families), a throttling code, an error the
operation models as ``retryable``, or STS's ``IDPCommunicationError``; a retry needs
capacity from the client's retry quota (500, 5 a retry, 10 after a timeout; with
botocore's new retries, 5 after throttling and 14 otherwise), given back when the call
succeeds. The delay is ``random() * min(2 ** (attempt - 1), 20)`` seconds (new retries:
scaled by 1 when throttled, 0.05 otherwise, and ``x-amz-retry-after`` honoured).

A transport error is recognised by the names of botocore's classes along its MRO, so
deciding imports nothing: botocore need not be loaded unless it raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

TRANSIENT_ERROR_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
TRANSIENT_STATUS_CODES = frozenset({500, 502, 503, 504})
THROTTLING_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
STS_RETRYABLE_CODES = frozenset({"IDPCommunicationError"})  # botocore.retries.special
BOTOCORE_ERRORS = "botocore.exceptions"
TRANSIENT_EXCEPTIONS = frozenset({"ConnectionError", "HTTPClientError"})
TIMEOUT_EXCEPTIONS = frozenset({"ConnectTimeoutError", "ReadTimeoutError"})
INITIAL_CAPACITY = 500
RETRY_COST, TIMEOUT_RETRY_COST = 5, 10
RETRY_COST_V2, THROTTLING_RETRY_COST = 14, 5
NO_RETRY_INCREMENT = 1
MAX_BACKOFF = 20
THROTTLING_SCALE, NON_THROTTLING_SCALE = 1.0, 0.05
RETRY_AFTER_MAX_ADDITIONAL = 5


def is_botocore_error(exception: BaseException | None, names: frozenset[str]) -> bool:
    """Whether ``exception`` is an instance of one of botocore's exception classes named
    ``names`` (``isinstance`` without importing botocore)."""
    if exception is None:
        return False
    return any(
        cls.__module__ == BOTOCORE_ERRORS and cls.__name__ in names
        for cls in type(exception).__mro__
    )


def modeled_retryable(service: Mapping[str, Any], operation: str) -> dict[str, bool]:
    """The error codes ``operation`` of a service model (``service-2`` JSON) marks
    ``retryable``, each to whether it is a throttling error (botocore's first match)."""
    shapes = service.get("shapes", {})
    found: dict[str, bool] = {}
    for ref in service["operations"][operation].get("errors", []):
        shape = shapes.get(ref["shape"], {})
        if shape.get("retryable") is not None:
            code = shape.get("error", {}).get("code") or ref["shape"]
            found.setdefault(code, bool(shape["retryable"].get("throttling")))
    return found


def new_retries_enabled(environ: Mapping[str, str]) -> bool:
    """botocore's ``NEW_RETRIES_ENABLED`` as its environment variable sets it (its default,
    without botocore's internal customizations, is off)."""
    value = environ.get("AWS_NEW_RETRIES_2026")
    return value is not None and value.lower() == "true"


class CallRetries:
    """The retry state of one call: attempts made, the quota capacity last taken for it,
    and what botocore adds to the answer's ``ResponseMetadata`` after the last attempt."""

    __slots__ = ("attempts", "capacity", "max_seen", "metadata")

    def __init__(self) -> None:
        self.attempts = 1
        self.capacity: int | None = None
        self.max_seen = False
        self.metadata: dict[str, bool] = {}

    @property
    def retry_attempts(self) -> int:
        """``ResponseMetadata.RetryAttempts``: the retries made."""
        return self.attempts - 1


class StandardRetry:
    """One client's standard retry policy and retry quota."""

    __slots__ = ("_available", "_lock", "_random", "capacity", "max_attempts", "modeled", "new")

    def __init__(
        self,
        max_attempts: int = 3,
        *,
        modeled: Mapping[str, bool] | None = None,
        new_retries: bool = False,
        random: Callable[[], float] | None = None,
        capacity: int = INITIAL_CAPACITY,
    ) -> None:
        self.max_attempts = max_attempts
        self.modeled = dict(modeled or {})
        self.new = new_retries
        self._random = random
        self.capacity = capacity
        self._available = capacity
        self._lock = threading.Lock()

    @property
    def available_capacity(self) -> int:
        """What is left of the retry quota."""
        return self._available

    def sdk_request(self, call: CallRetries) -> str:
        """The ``amz-sdk-request`` header of the call's current attempt."""
        seen = call.max_seen or self.new
        return f"attempt={call.attempts}" + (f"; max={self.max_attempts}" if seen else "")

    def after_attempt(
        self,
        call: CallRetries,
        *,
        status: int | None,
        error_code: str | None,
        exception: BaseException | None,
        retry_after: str | None = None,
    ) -> float | None:
        """botocore's ``needs-retry`` handler after attempt ``call.attempts``: the delay
        before the next attempt (then counted), or None. Takes quota for a retry."""
        call.metadata = {}
        call.max_seen = True
        if call.attempts >= self.max_attempts:
            call.metadata["MaxAttemptsReached"] = True
            return None
        if not self.retryable(status, error_code, exception):
            return None
        cost = self._cost(error_code, exception)
        with self._lock:
            if cost > self._available:
                call.metadata["RetryQuotaReached"] = True
                return None
            self._available -= cost
        call.capacity = cost
        delay = self.delay(call.attempts, error_code, retry_after)
        call.attempts += 1
        return delay

    def call_finished(self, call: CallRetries, status: int | None) -> None:
        """botocore's ``after-call`` refund: a 2xx answer gives back the capacity the call
        last took (1 when it took none); anything else gives nothing."""
        if status is None or not 200 <= status < 300 or self._available == self.capacity:
            return
        amount = NO_RETRY_INCREMENT if call.capacity is None else call.capacity
        with self._lock:
            self._available += min(self.capacity - self._available, amount)

    def retryable(
        self, status: int | None, error_code: str | None, exception: BaseException | None
    ) -> bool:
        """Transient, throttled, modeled retryable, or STS's special case."""
        if error_code in TRANSIENT_ERROR_CODES or status in TRANSIENT_STATUS_CODES:
            return True
        if is_botocore_error(exception, TRANSIENT_EXCEPTIONS):
            return True
        return error_code is not None and (
            error_code in THROTTLING_ERROR_CODES
            or error_code in self.modeled
            or error_code in STS_RETRYABLE_CODES
        )

    def throttled(self, error_code: str | None) -> bool:
        """botocore's ``ThrottlingErrorDetector``: a throttling code, fixed or modeled."""
        if error_code is None:
            return False
        return error_code in THROTTLING_ERROR_CODES or self.modeled.get(error_code, False)

    def _cost(self, error_code: str | None, exception: BaseException | None) -> int:
        if self.new:
            return THROTTLING_RETRY_COST if self.throttled(error_code) else RETRY_COST_V2
        if is_botocore_error(exception, TIMEOUT_EXCEPTIONS):
            return TIMEOUT_RETRY_COST
        return RETRY_COST

    def delay(self, attempt: int, error_code: str | None, retry_after: str | None) -> float:
        """The backoff after ``attempt`` (1-based), with jitter."""
        draw = self._draw()
        growth: int = 2 ** (attempt - 1)
        if not self.new:
            return draw * min(growth, MAX_BACKOFF)
        scale = THROTTLING_SCALE if self.throttled(error_code) else NON_THROTTLING_SCALE
        jittered: float = draw * min(scale * growth, MAX_BACKOFF)
        after = _retry_after_seconds(retry_after)
        if after is None:
            return jittered
        return max(jittered, min(after, RETRY_AFTER_MAX_ADDITIONAL + jittered))

    def _draw(self) -> float:
        if self._random is None:
            import random

            return random.random()
        return self._random()


def _retry_after_seconds(value: str | None) -> float | None:
    """``x-amz-retry-after`` (milliseconds) in seconds; None when absent or invalid."""
    if value is None:
        return None
    try:
        seconds = int(value) / 1000.0
    except (ValueError, OverflowError):
        return None
    return None if seconds < 0 else seconds
