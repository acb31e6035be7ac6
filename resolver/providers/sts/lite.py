"""A query-protocol STS client made of botocore's parts, without a Session or client.

A call goes the way a botocore client sends it: parameters validated and serialized by
botocore's query serializer against the STS model, signed by botocore's SigV4 signer
(with exactly the credentials given for the call, never keys of the client's own), sent
over one ``URLLib3Session`` per client (CA bundle, proxies, timeouts, transport errors as
botocore's), parsed by botocore's query parser, and retried by botocore's standard retry
handler (``total_max_attempts``, quota, backoff). An error answer raises the modeled
``ClientError`` subclass a botocore client raises, with the same parsed dict. The body of
an answer is read up to ``MAX_BODY`` bytes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from resolver.context import STS_CONNECT_TIMEOUT, STS_READ_TIMEOUT, timeout_setting
from resolver.providers.sts import service
from resolver.providers.sts.factory import MAX_ATTEMPTS, StsTarget, proxies, target_environment

if TYPE_CHECKING:
    from resolver.stscreds.credentials import Credentials

MAX_BODY = 1024 * 1024
RETRIES = {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}


class UnboundCallError(RuntimeError):
    """A signed client was asked to send a call with no caller credentials."""


class LiteConfig:
    """What callers read of a botocore client's ``meta.config``."""

    __slots__ = ("connect_timeout", "proxies", "read_timeout", "region_name", "retries")

    def __init__(
        self,
        connect_timeout: float,
        read_timeout: float,
        region_name: str,
        proxies: dict[str, str],
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.proxies = proxies
        self.retries = dict(RETRIES)
        self.region_name = region_name


class LiteMeta:
    """What callers read of a botocore client's ``meta``."""

    __slots__ = ("config", "endpoint_url", "events", "region_name", "service_model")

    def __init__(self, endpoint_url: str, config: LiteConfig, events: Any, model: Any) -> None:
        self.endpoint_url = endpoint_url
        self.region_name = config.region_name
        self.config = config
        self.service_model = model
        self.events = events


class _Keys:
    """What botocore's signer reads of credentials."""

    __slots__ = ("access_key", "secret_key", "token")

    def __init__(self, credentials: Credentials) -> None:
        self.access_key = credentials.access_key_id
        self.secret_key = credentials.secret_access_key
        self.token = credentials.session_token

    def __repr__(self) -> str:
        return f"_Keys(access_key={self.access_key!r})"


def _verify(environ: Mapping[str, str]) -> str | bool:
    """The CA bundle (``AWS_CA_BUNDLE``, then ``REQUESTS_CA_BUNDLE``), else verify with
    botocore's default bundle; a blank path is botocore's ``InvalidConfigError``."""
    verify: str | bool = environ.get("AWS_CA_BUNDLE") or environ.get("REQUESTS_CA_BUNDLE") or True
    if isinstance(verify, str) and not verify.strip():
        from botocore.exceptions import InvalidConfigError

        raise InvalidConfigError(error_msg="Invalid CA bundle: a blank path")
    return verify


class LiteStsClient:
    """STS calls to one target: signed (every call by the credentials it is given) or
    unsigned (web identity, SAML)."""

    def __init__(self, target: StsTarget, *, signed: bool) -> None:
        from botocore.hooks import HierarchicalEmitter
        from botocore.parsers import create_parser
        from botocore.serialize import create_serializer

        environ = target_environment(target)
        config = LiteConfig(
            timeout_setting("ROLECHAIN_STS_CONNECT_TIMEOUT", STS_CONNECT_TIMEOUT, environ),
            timeout_setting("ROLECHAIN_STS_READ_TIMEOUT", STS_READ_TIMEOUT, environ),
            target.region,
            proxies(target, environ),
        )
        url, self._signing_region = service.resolved_endpoint(
            target.region, target.endpoint_url, environ
        )
        self._data_path = environ.get("AWS_DATA_PATH") or None
        model = service.service_model(self._data_path)
        self.meta = LiteMeta(url, config, HierarchicalEmitter(), model)
        self._signed = signed
        self._http = service.http_session(
            verify=_verify(environ),
            proxies=config.proxies,
            timeout=(config.connect_timeout, config.read_timeout),
        )
        self._serializer = create_serializer("query", include_validation=True)
        self._parser = create_parser("query")
        self._user_agent = service.user_agent()
        from botocore.retries import standard

        standard.register_retry_handler(cast(Any, self), max_attempts=MAX_ATTEMPTS)

    def call(
        self, operation: str, params: Mapping[str, Any], credentials: Credentials | None
    ) -> dict[str, Any]:
        """``operation`` (``AssumeRole``...) with ``params``, signed by ``credentials``
        (a signed client refuses to send without them); botocore's parsed answer."""
        if self._signed and credentials is None:
            raise UnboundCallError("a signed STS call had no caller credentials")
        from botocore.awsrequest import prepare_request_dict

        model = self.meta.service_model.operation_model(operation)
        request_dict = self._serializer.serialize_to_request(dict(params), model)
        context: dict[str, Any] = {"client_region": self.meta.region_name}
        context["client_config"] = self.meta.config
        prepare_request_dict(request_dict, self.meta.endpoint_url, context, self._user_agent)
        keys = _Keys(credentials) if self._signed and credentials is not None else None
        http, parsed = self._send_with_retries(request_dict, model, keys)
        self.meta.events.emit(
            f"after-call.sts.{operation}",
            http_response=http,
            parsed=parsed,
            model=model,
            context=context,
        )
        if http.status_code >= 300:
            code = parsed.get("Error", {}).get("Code")
            raise service.client_exceptions(self._data_path).from_code(code)(parsed, operation)
        return parsed

    def _send_with_retries(
        self, request_dict: dict[str, Any], model: Any, keys: _Keys | None
    ) -> tuple[Any, dict[str, Any]]:
        """botocore's ``Endpoint._send_request``: attempts until the retry handler stops."""
        retries = request_dict["context"].setdefault("retries", {})
        retries.update(attempt=1, **{"invocation-id": _invocation_id()})
        response, exception = self._attempt(request_dict, model, keys)
        attempts = 1
        while self._needs_retry(attempts, model, request_dict, response, exception):
            attempts += 1
            retries["attempt"] = attempts
            response, exception = self._attempt(request_dict, model, keys)
        if response is not None and "ResponseMetadata" in response[1]:
            response[1]["ResponseMetadata"]["RetryAttempts"] = attempts - 1
        if exception is not None:
            raise exception
        assert response is not None
        http, parsed = response
        return http, cast(dict[str, Any], parsed)

    def _needs_retry(
        self,
        attempts: int,
        model: Any,
        request_dict: dict[str, Any],
        response: Any,
        exception: BaseException | None,
    ) -> bool:
        from botocore.hooks import first_non_none_response

        delay = first_non_none_response(
            self.meta.events.emit(
                f"needs-retry.sts.{model.name}",
                response=response,
                endpoint=self,
                operation=model,
                attempts=attempts,
                caught_exception=exception,
                request_dict=request_dict,
            )
        )
        if delay is None or delay is False:
            return False
        time.sleep(delay)
        return True

    def _attempt(
        self, request_dict: dict[str, Any], model: Any, keys: _Keys | None
    ) -> tuple[Any, BaseException | None]:
        """One HTTP attempt: ``((http, parsed), None)`` or ``(None, transport error)``."""
        prepared = self._request(request_dict, model, keys)
        try:
            http = self._http.send(prepared)
            body = _bounded_body(http, prepared.url)
        except Exception as exc:  # botocore's transport errors, retried as botocore does
            return None, exc
        response_dict = {
            "headers": http.headers,
            "status_code": http.status_code,
            "body": body,
            "context": {"operation_name": model.name},
        }
        parsed: dict[str, Any] = self._parser.parse(response_dict, model.output_shape)
        if http.status_code >= 300:
            self._add_modeled_error_fields(response_dict, parsed)
        return (http, parsed), None

    def _request(self, request_dict: dict[str, Any], model: Any, keys: _Keys | None) -> Any:
        """The signed, prepared request of one attempt (a new signature each attempt)."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import create_request_object

        request = create_request_object(request_dict)
        request.stream_output = True  # read here, bounded (``_bounded_body``)
        self.meta.events.emit(f"request-created.sts.{model.name}", request=request)
        retries = request.context["retries"]
        request.headers["amz-sdk-invocation-id"] = retries["invocation-id"]
        request.headers["amz-sdk-request"] = "; ".join(
            f"{key}={retries[key]}" for key in ("attempt", "max") if key in retries
        )
        if keys is not None:
            SigV4Auth(cast(Any, keys), service.SIGNING_NAME, self._signing_region).add_auth(request)
        for name, value in request.headers.items():
            if isinstance(value, str):
                request.headers[name] = value.encode("utf-8")
        return request.prepare()

    def _add_modeled_error_fields(
        self, response_dict: dict[str, Any], parsed: dict[str, Any]
    ) -> None:
        """botocore's second pass over an error answer for its modeled fields."""
        code = parsed.get("Error", {}).get("Code")
        shape = self.meta.service_model.shape_for_error_code(code) if code else None
        if shape is not None:
            parsed.update(self._parser.parse(response_dict, shape))

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


def _invocation_id() -> str:
    """A random (version 4) UUID, as ``uuid.uuid4()`` makes it (``uuid`` imports
    ``platform``: a millisecond and a half of a cold start)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _bounded_body(http: Any, url: str) -> bytes:
    """At most ``MAX_BODY`` bytes of ``http``'s body; read errors as botocore's
    ``URLLib3Session.send`` raises them; a longer body is a ``ResponseParserError``."""
    from botocore import exceptions as errors
    from urllib3 import exceptions as raw

    try:
        data = bytes(http.raw.read(MAX_BODY + 1))
    except raw.SSLError as exc:
        raise errors.SSLError(endpoint_url=url, error=exc) from None
    except raw.ReadTimeoutError as exc:
        raise errors.ReadTimeoutError(endpoint_url=url, error=exc) from None
    except raw.ProtocolError as exc:
        raise errors.ConnectionClosedError(error=exc, endpoint_url=url) from None
    except Exception as exc:
        raise errors.HTTPClientError(error=exc) from None
    if len(data) > MAX_BODY:
        from botocore.parsers import ResponseParserError

        http.raw.close()  # the rest of the body is never read
        http.raw.release_conn()
        raise ResponseParserError(f"the STS response is larger than {MAX_BODY} bytes")
    http.raw.release_conn()
    return data
