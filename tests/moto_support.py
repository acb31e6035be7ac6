"""A real local STS for end-to-end tests: ``moto_server`` in a subprocess, plus readers
for moto's request recorder.

The recorder (``/moto-api/recorder/*``) appends every request the server receives to a
JSON-lines file (``MOTO_RECORDER_FILEPATH``): method, url, headers (with the SigV4
``Authorization``) and the base64 body. ``recorded_sts_calls`` turns the STS entries
into ``StsCall`` values, so a test can assert exactly which AssumeRole parameters were
sent and with which access key each call was signed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from resolver.demo.localsts import LocalSts, start_local_sts
from resolver.demo.recording import (
    StsCall,
    sts_calls_from_recording,
)
from resolver.errors import ResolverError

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
# Caller keys for tests; moto accepts any key and does not check signatures.
TEST_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
