"""A real local STS for end-to-end tests: ``moto_server`` in a subprocess, plus readers
for moto's request recorder.

The recorder (``/moto-api/recorder/*``) appends every request the server receives to a
JSON-lines file (``MOTO_RECORDER_FILEPATH``): method, url, headers (with the SigV4
``Authorization``) and the base64 body. ``recorded_sts_calls`` turns the STS entries
into ``StsCall`` values, so a test can assert exactly which AssumeRole parameters were
sent and with which access key each call was signed.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from resolver.demo.localsts import LocalSts, start_local_sts
from resolver.errors import ResolverError

STS_API_VERSION = "2011-06-15"
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
# Caller keys for tests; moto accepts any key and does not check signatures.
TEST_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

_CREDENTIAL_IN_AUTH = re.compile(r"Credential=([^/,\s]+)/")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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


def recorded_sts_calls(server: MotoServer) -> list[StsCall]:
    """The STS calls the server recorded since the test's recording started."""
    return sts_calls_from_recording(server.download_recording())


def create_role(
    server: MotoServer, name: str, trust_policy: Mapping[str, Any] | None = None
) -> str:
    """Create an IAM role in moto and return its ARN (see ``MotoServer.create_role``)."""
    return server.create_role(name, trust_policy)


class MotoServer(LocalSts):
    """The local STS (``resolver.demo.localsts``) plus moto's reset and request recorder."""

    def __init__(self, server: LocalSts, workdir: Path) -> None:
        super().__init__(server.process, server.port, server.log_path)
        self.workdir = workdir
        self.recording_path = workdir / "recording.jsonl"

    def __repr__(self) -> str:
        return f"MotoServer({self.url!r})"

    def reset(self) -> None:
        """Forget every resource in every service (IAM roles, STS sessions...)."""
        self.api("/moto-api/reset")

    def reset_recording(self) -> None:
        self.api("/moto-api/recorder/reset-recording")

    def start_recording(self) -> None:
        self.api("/moto-api/recorder/start-recording")

    def stop_recording(self) -> None:
        self.api("/moto-api/recorder/stop-recording")

    def download_recording(self) -> str:
        """The raw recording (JSON lines); empty before anything was recorded."""
        try:
            return self.api("/moto-api/recorder/download-recording", method="GET").decode()
        except urllib.error.HTTPError:  # moto 500s while the file doesn't exist yet
            return ""

    def sts_calls(self) -> list[StsCall]:
        return recorded_sts_calls(self)

    def endpoint_env(self) -> dict[str, str]:
        """Environment variables that send SDK calls (any service) to this server."""
        return {"AWS_ENDPOINT_URL": self.url, "AWS_REGION": REGION}

    def client(
        self,
        service: str,
        access_key_id: str = TEST_ACCESS_KEY_ID,
        secret_access_key: str = TEST_SECRET_ACCESS_KEY,
        session_token: str | None = None,
    ) -> Any:
        """A boto3 client for ``service`` against this server."""
        import boto3

        session: Any = boto3.session.Session()
        return session.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
        )

    def create_role(self, name: str, trust_policy: Mapping[str, Any] | None = None) -> str:
        """Create an IAM role (trusting the account root by default); returns its ARN.

        moto's AssumeRole does not require the role to exist; create one when a test
        needs IAM to know it (e.g. ``get_role``) or to mirror real setups.
        """
        policy = trust_policy or {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                    "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                }
            ],
        }
        response = self.client("iam").create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(policy)
        )
        return str(response["Role"]["Arn"])


def start_moto_server(workdir: Path, *, timeout: float = 60.0, tries: int = 3) -> MotoServer:
    """Start ``moto_server`` with its recorder writing to ``workdir`` (see ``start_local_sts``).

    Raises RuntimeError with the server's output if it exits or does not answer in time.
    """
    recording = {"MOTO_RECORDER_FILEPATH": str(workdir / "recording.jsonl")}
    try:
        server = start_local_sts(workdir, env=recording, timeout=timeout, tries=tries)
    except ResolverError as exc:
        raise RuntimeError(str(exc)) from None
    return MotoServer(server, workdir)
