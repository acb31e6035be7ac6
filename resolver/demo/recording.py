"""What the local STS received: moto's request recorder, read back as ``StsCall`` values.

``moto_server`` started with ``MOTO_RECORDER_FILEPATH`` writes each request it serves
(method, url, headers with the SigV4 ``Authorization``, base64 body) as a JSON line.
``sts_calls_from_recording`` turns the STS entries into ``StsCall`` values, so the demo
and the tests can show exactly which parameters each hop sent, signed with which key.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

STS_API_VERSION = "2011-06-15"
_CREDENTIAL_IN_AUTH = re.compile(r"Credential=([^/,\s]+)/")


@dataclass(frozen=True)
class StsCall:
    """One STS request as moto received it."""

    action: str
    params: dict[str, str]
    access_key_id: str | None  # from the SigV4 Credential=; None when unsigned
    session_token: str | None = field(default=None, repr=False)  # X-Amz-Security-Token

    @property
    def tags(self) -> dict[str, str]:
        """The session tags sent (``Tags.member.N.Key/Value``)."""
        return decode_tags(self.params)

    @property
    def transitive_tag_keys(self) -> list[str]:
        return decode_list(self.params, "TransitiveTagKeys")

    @property
    def policy_arns(self) -> list[str]:
        return decode_policy_arns(self.params)


def decode_list(params: Mapping[str, str], name: str) -> list[str]:
    """``Name.member.1``, ``Name.member.2``... in member order."""
    pattern = re.compile(rf"^{re.escape(name)}\.member\.(\d+)$")
    found = {int(m.group(1)): value for key, value in params.items() if (m := pattern.match(key))}
    return [found[index] for index in sorted(found)]


def decode_tags(params: Mapping[str, str], name: str = "Tags") -> dict[str, str]:
    """``Tags.member.N.Key`` / ``.Value`` pairs as a dict, in member order."""
    pattern = re.compile(rf"^{re.escape(name)}\.member\.(\d+)\.(Key|Value)$")
    members: dict[int, dict[str, str]] = {}
    for key, value in params.items():
        if m := pattern.match(key):
            members.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return {members[i]["Key"]: members[i].get("Value", "") for i in sorted(members)}


def decode_policy_arns(params: Mapping[str, str]) -> list[str]:
    """``PolicyArns.member.N.arn`` in member order."""
    pattern = re.compile(r"^PolicyArns\.member\.(\d+)\.arn$")
    found = {int(m.group(1)): value for key, value in params.items() if (m := pattern.match(key))}
    return [found[index] for index in sorted(found)]


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def parse_recording(text: str) -> list[dict[str, Any]]:
    """The recorder's JSON lines, each with ``params`` (query + form body) added."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        entry: dict[str, Any] = json.loads(line)
        body = entry.get("body") or ""
        raw = base64.b64decode(body) if entry.get("body_encoded") else str(body).encode()
        params = dict(parse_qsl(urlsplit(entry.get("url", "")).query, keep_blank_values=True))
        content_type = _header(entry.get("headers") or {}, "Content-Type") or ""
        if raw and "x-www-form-urlencoded" in content_type:
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        entry["params"] = params
        entries.append(entry)
    return entries


def sts_calls_from_recording(text: str) -> list[StsCall]:
    """The STS calls (Query protocol, Version 2011-06-15) in a recording, in order."""
    calls = []
    for entry in parse_recording(text):
        params: dict[str, str] = entry["params"]
        if params.get("Version") != STS_API_VERSION or "Action" not in params:
            continue
        headers = entry.get("headers") or {}
        auth = _header(headers, "Authorization") or ""
        match = _CREDENTIAL_IN_AUTH.search(auth)
        key_id = match.group(1) if match else None
        if key_id is None and "X-Amz-Credential" in params:  # presigned
            key_id = params["X-Amz-Credential"].split("/", 1)[0]
        token = _header(headers, "X-Amz-Security-Token") or params.get("X-Amz-Security-Token")
        action = params["Action"]
        rest = {k: v for k, v in params.items() if k not in ("Action", "Version")}
        calls.append(StsCall(action, rest, key_id, token))
    return calls
