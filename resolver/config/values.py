"""Checks of setting values that the AWS SDKs would reject late (with a traceback): region
names and endpoint URLs. Stdlib only; shared by the model and the STS target."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

# botocore's rule for a region name (botocore.utils.validate_region_name).
_REGION = re.compile(r"(?![0-9]+$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?", re.ASCII)


def region_problem(value: str) -> str | None:
    """Why ``value`` is not a region name (letters, digits and hyphens, not digits alone:
    botocore's rule), or None."""
    if _REGION.fullmatch(value):
        return None
    return f"invalid region {value!r}: expected letters, digits and hyphens such as 'us-east-1'"


def endpoint_problem(value: str) -> str | None:
    """Why ``value`` is not an http(s) URL with a host and a valid port, or None."""
    start = f"invalid endpoint URL {value!r}"
    if any(char.isspace() or not char.isprintable() for char in value):
        return f"{start}: it contains whitespace or control characters"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises for a port outside 0-65535 or not a number
    except ValueError as exc:
        return f"{start}: {exc}"
    if parts.scheme not in ("http", "https"):
        return f"{start}: expected http:// or https://"
    if not parts.hostname:
        return f"{start}: no host"
    if port == 0:
        return f"{start}: port 0"
    return None


def checked_endpoint(value: str | None, name: str) -> str | None:
    """``value`` (None when unset or empty) if ``endpoint_problem`` finds nothing in it;
    else a one-line ConfigError naming ``name``: checked before any request is built."""
    from resolver.errors import ConfigError

    if value and (problem := endpoint_problem(value)) is not None:
        raise ConfigError(f"{name}: {problem}", key=name)
    return value or None


def environment_endpoint(environ: Mapping[str, str], service: str) -> str | None:
    """The endpoint botocore would take from the environment for ``service`` (such as
    ``SSO_OIDC``): ``AWS_ENDPOINT_URL_<SERVICE>``, else ``AWS_ENDPOINT_URL``, checked."""
    for name in (f"AWS_ENDPOINT_URL_{service}", "AWS_ENDPOINT_URL"):
        if found := checked_endpoint(environ.get(name), f"{name} (environment variable)"):
            return found
    return None


MAX_NESTING_DEPTH = 32  # brackets and braces in a TOML value or a JSON policy
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[{]|[\]}]', re.DOTALL)


def json_nesting_problem(text: str, limit: int = MAX_NESTING_DEPTH) -> str | None:
    """Why JSON ``text`` nests too deep to parse safely, or None (strings are skipped).

    Counted before ``json.loads``, which would otherwise raise RecursionError.
    """
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return f"nests deeper than {limit} levels of brackets"
        elif char in "]}":
            depth = max(depth - 1, 0)
    return None


def load_json(raw: bytes) -> Any:
    """JSON from a file's bytes; ValueError, never RecursionError, when it nests deeper
    than ``MAX_NESTING_DEPTH`` (see ``json_nesting_problem``) or is not UTF-8 JSON."""
    import json

    text = raw.decode("utf-8")
    problem = json_nesting_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return json.loads(text)
