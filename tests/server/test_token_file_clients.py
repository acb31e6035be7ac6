"""``rolechain serve --token-file`` with the three clients users run through
``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``: botocore (boto3), the AWS CLI and the AWS SDK
for JavaScript v3 (``tests/js``: ``npm ci --prefix tests/js`` installs it, as .ci/run does).

Each client gets the URL and the token file's path only, never the token itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from resolver.server.lifecycle import token_from_file
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer
from tests.server.support import get
from tests.test_e2e_chain import THREE_HOPS, use_config

JS = Path(__file__).resolve().parent.parent / "js"
BOTO3_CLIENT = """
import boto3, os
session = boto3.Session()
credentials = session.get_credentials()
client = session.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"])
print(credentials.method, credentials.get_frozen_credentials().access_key)
print(client.get_caller_identity()["Arn"])
"""


def client_environment(url: str, token_file: Path, isolated_env: IsolatedEnv) -> dict[str, str]:
    """The process environment with the server's URL and token file, and no other source
    of credentials (no token variable, no profile files)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_CONTAINER_") and name != "AWS_PROFILE"
    }
    missing = str(isolated_env.home / "no-such-file")
    env.update(
        AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file),
        AWS_CONFIG_FILE=missing,
        AWS_SHARED_CREDENTIALS_FILE=missing,
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
    )
    return env


@pytest.fixture
def served(
    moto: MotoServer, monkeypatch: pytest.MonkeyPatch, isolated_env: IsolatedEnv
) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """``rolechain serve admin --token-file FILE`` running: its URL, the token file, and the
    answer a request with the file's token gets."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    use_config(isolated_env, THREE_HOPS)
    token_file = isolated_env.home / "server-token"
    process = subprocess.Popen(
        [sys.executable, "-m", "resolver", "serve", "admin", "--token-file", str(token_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        printed = dict(
            line.removeprefix("export ").strip().split("=", 1) for line in lines if "=" in line
        )
        url = printed["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        port = int(url.split(":")[2].split("/")[0])
        status, answer = get(port, "/profiles/admin", token_file.read_text().strip())
        assert status == 200, answer
        yield url, token_file, {**answer, "printed": printed}
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def test_the_token_file_holds_the_token_alone_and_its_variable_is_printed(
    served: tuple[str, Path, dict[str, Any]],
) -> None:
    url, token_file, answer = served
    assert answer["printed"] == {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file),
    }
    data = token_file.read_bytes()
    assert data == data.strip() and len(data) >= 43 and b"\n" not in data
    assert token_file.stat().st_mode & 0o777 == 0o600


def test_botocore_reads_the_token_file(
    served: tuple[str, Path, dict[str, Any]], isolated_env: IsolatedEnv
) -> None:
    url, token_file, answer = served
    result = subprocess.run(
        [sys.executable, "-c", BOTO3_CLIENT],
        env=client_environment(url, token_file, isolated_env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (method, key), (arn,) = (line.split() for line in result.stdout.splitlines())
    assert (method, key) == ("container-role", answer["AccessKeyId"])
    assert arn.endswith(":assumed-role/admin/alice-admin")


def test_the_aws_cli_reads_the_token_file(
    served: tuple[str, Path, dict[str, Any]], isolated_env: IsolatedEnv, moto: MotoServer
) -> None:
    url, token_file, answer = served
    aws = str(Path(sys.executable).with_name("aws"))
    argv = [aws, "sts", "get-caller-identity", "--endpoint-url", moto.url, "--output", "json"]
    env = client_environment(url, token_file, isolated_env)
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].endswith(":assumed-role/admin/alice-admin")
    (call,) = [call for call in moto.sts_calls() if call.action == "GetCallerIdentity"]
    assert call.access_key_id == answer["AccessKeyId"]


def test_the_javascript_sdk_reads_the_token_file(
    served: tuple[str, Path, dict[str, Any]], isolated_env: IsolatedEnv
) -> None:
    node = shutil.which("node")
    installed = JS / "node_modules" / "@aws-sdk" / "credential-provider-http"
    assert node and installed.is_dir(), "needs node and `npm ci --prefix tests/js` (.ci/run)"
    url, token_file, answer = served
    result = subprocess.run(
        [node, str(JS / "container_credentials.mjs")],
        env=client_environment(url, token_file, isolated_env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == answer["AccessKeyId"]


def test_a_token_file_with_a_newline_is_rewritten_without_it(tmp_path: Path) -> None:
    folder = tmp_path / "tokens"
    folder.mkdir()
    path = folder / "token"
    token = "t" * 50
    path.write_text(f"{token}\n")
    path.chmod(0o600)

    assert token_from_file(path) == token
    assert path.read_bytes() == token.encode()
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in folder.iterdir()] == ["token"]  # no temporary file left
