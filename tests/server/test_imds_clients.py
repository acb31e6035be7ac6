"""The IMDSv2 server end to end: a three-hop chain resolved on moto, served to the clients
that know only the instance metadata service: botocore (boto3), the AWS CLI and the AWS SDK
for JavaScript v3 (``tests/js``: ``npm ci --prefix tests/js``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from resolver import api
from resolver.cli.main import main
from resolver.server.imds_lifecycle import ENDPOINT_VARIABLE, ImdsEndpoint, serve_imds
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer
from tests.server.test_imds import get, token
from tests.server.test_server_e2e import assert_each_hop_signed_by_its_caller, port_of
from tests.test_e2e_chain import THREE_HOPS, run_rolechain, use_config

JS = Path(__file__).resolve().parent.parent / "js"
CREDENTIALS = "/latest/meta-data/iam/security-credentials/admin"
# botocore's own instance metadata providers (credentials, and the region it reads from the
# availability zone) and boto3's default chain, with no keys and no region set.
BOTO3_CLIENT = """
import os, boto3
from botocore.credentials import InstanceMetadataProvider
from botocore.utils import InstanceMetadataFetcher, InstanceMetadataRegionFetcher
assert not {"AWS_ACCESS_KEY_ID", "AWS_REGION", "AWS_DEFAULT_REGION"} & set(os.environ)
config = {"ec2_metadata_service_endpoint": os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]}
provider = InstanceMetadataProvider(InstanceMetadataFetcher(config=config))
print(provider.load().get_frozen_credentials().access_key)
region = InstanceMetadataRegionFetcher(config=config).retrieve_region()
session = boto3.Session()
credentials = session.get_credentials()
print(credentials.method, credentials.get_frozen_credentials().access_key, region)
client = session.client("sts", region, endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"])
print(client.get_caller_identity()["Arn"])
"""


@pytest.fixture
def sts(moto: MotoServer, monkeypatch: pytest.MonkeyPatch, isolated_env: IsolatedEnv) -> MotoServer:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    use_config(
        isolated_env, THREE_HOPS.replace("[profile admin]", "[profile admin]\nregion = eu-west-1")
    )
    api.clear()
    return moto


@pytest.fixture
def served(sts: MotoServer) -> Iterator[ImdsEndpoint]:
    with serve_imds("admin") as endpoint:
        yield endpoint


def clean_environment(endpoint: str, isolated_env: IsolatedEnv) -> dict[str, str]:
    """Only what a process on an instance would have: the endpoint, no keys, no region,
    no profile files, IMDS enabled."""
    missing = str(isolated_env.home / "no-such-file")
    keep = ("PATH", "HOME", "NO_PROXY", "no_proxy", "PYTHONPATH", "AWS_ENDPOINT_URL_STS")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        {ENDPOINT_VARIABLE: endpoint},
        AWS_CONFIG_FILE=missing,
        AWS_SHARED_CREDENTIALS_FILE=missing,
    )
    return env


def test_botocore_and_boto3_default_chain(
    served: ImdsEndpoint, sts: MotoServer, isolated_env: IsolatedEnv
) -> None:
    sts.reset_recording()
    result = subprocess.run(
        [sys.executable, "-c", BOTO3_CLIENT],
        env=clean_environment(served.url, isolated_env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (direct,), (method, key, region), (arn,) = (line.split() for line in result.stdout.splitlines())
    assert method == "iam-role" and key == direct and key.startswith("ASIA")
    assert region == "eu-west-1" and arn.endswith(":assumed-role/admin/alice-admin")
    calls = sts.sts_calls()
    assert [call.action for call in calls] == ["GetCallerIdentity"]  # the chain was warm
    assert calls[0].access_key_id == key


@pytest.mark.parametrize("mode", ["imds", "default"])
def test_the_javascript_sdk(served: ImdsEndpoint, isolated_env: IsolatedEnv, mode: str) -> None:
    node = shutil.which("node")
    installed = JS / "node_modules" / "@aws-sdk" / "credential-providers"
    assert node and installed.is_dir(), "needs node and `npm ci --prefix tests/js` (.ci/run)"
    session = token(port_of(served.url))
    expected = json.loads(get(port_of(served.url), CREDENTIALS, session)[1])
    result = subprocess.run(
        [node, str(JS / "instance_metadata.mjs"), mode],
        env=clean_environment(served.url, isolated_env),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected["AccessKeyId"], "123456789012"]


def test_exec_imds_with_the_aws_cli(sts: MotoServer) -> None:
    aws = str(Path(sys.executable).with_name("aws"))
    argv = [aws, "sts", "get-caller-identity", "--endpoint-url", sts.url, "--output", "json"]
    result = run_rolechain("exec", "--imds", "admin", "--", *argv)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].endswith(":assumed-role/admin/alice-admin")
    (final,) = [call for call in sts.sts_calls() if call.action == "GetCallerIdentity"]
    assert_each_hop_signed_by_its_caller(sts, str(final.access_key_id))


SHADOWED_CHILD = """
import os, boto3
credentials = boto3.Session().get_credentials()
print(credentials.method, sorted(n for n in os.environ if n.startswith("AWS_")))
"""


@pytest.mark.parametrize(
    ("flag", "method"), [("--imds", "iam-role"), ("--server", "container-role")]
)
def test_exec_removes_what_would_shadow_the_server(
    sts: MotoServer, isolated_env: IsolatedEnv, flag: str, method: str
) -> None:
    identity_file = isolated_env.home / "web-identity-token"
    identity_file.write_text("eyJhbGciOiJub25lIn0.e30.")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIASHADOW",
        "AWS_SECRET_ACCESS_KEY": "shadow",
        "AWS_SESSION_TOKEN": "shadow",
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(identity_file),
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/elsewhere",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x",
        "AWS_PROFILE": "base",
    }
    if flag == "--imds":
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://127.0.0.1:9/elsewhere"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "shadow"
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"  # the isolated environment's
    result = run_rolechain(
        "exec", flag, "admin", "--", sys.executable, "-c", SHADOWED_CHILD, env=env
    )
    assert result.returncode == 0, result.stderr
    got, names = result.stdout.split(" ", 1)
    assert got == method, result.stdout
    left = {"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"}
    assert not left & set(eval(names))


def test_fifty_concurrent_clients_on_a_warm_cache_make_no_sts_call(
    served: ImdsEndpoint, sts: MotoServer
) -> None:
    sts.reset_recording()
    port = port_of(served.url)
    keys: list[str] = []

    def client() -> None:
        session = token(port)
        status, role = get(port, "/latest/meta-data/iam/security-credentials/", session)
        status, body = get(
            port, f"/latest/meta-data/iam/security-credentials/{role.decode()}", session
        )
        keys.append(json.loads(body)["AccessKeyId"] if status == 200 else str(status))

    threads = [threading.Thread(target=client) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 50 and len(set(keys)) == 1 and keys[0].startswith("ASIA")
    assert sts.sts_calls() == []


def test_serve_imds_prints_the_endpoint_logs_without_secrets_and_stops(sts: MotoServer) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "resolver", "serve", "--imds", "admin", "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(3)]
    assert lines[0] == "# admin (role admin)\n" and lines[2].startswith("# serving")
    name, url = lines[1].removeprefix("export ").strip().split("=", 1)
    assert name == ENDPOINT_VARIABLE and url.startswith("http://127.0.0.1:") and url.endswith("/")
    port = port_of(url)
    session = token(port)
    status, body = get(port, CREDENTIALS, session)
    assert get(port, CREDENTIALS, None)[0] == 401
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and status == 200
    assert f"GET '{CREDENTIALS}' 200" in err and f"GET '{CREDENTIALS}' 401" in err
    document = json.loads(body)
    assert session not in err and document["SecretAccessKey"] not in err
    assert document["Token"] not in err


def test_serve_imds_usage_errors_are_one_line(
    sts: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--imds", "admin", "ops"]) == 1
    assert main(["serve", "--imds", "admin", "--token-file", "/tmp/x"]) == 1
    assert main(["serve", "--imds", "admin", "--host", "0.0.0.0"]) == 1
    assert main(["serve", "--imds", "nope"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4 and all(line.startswith("rolechain: error: ") for line in lines)
    assert "one profile" in lines[0] and "one profile" in lines[1] and "loopback" in lines[2]


V1_CHILD = """
import json, os, urllib.request
base = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
path = "latest/meta-data/iam/security-credentials/"
role = urllib.request.urlopen(base + path, timeout=10).read().decode()
print(json.load(urllib.request.urlopen(base + path + role, timeout=10))["Code"], role)
"""


def test_exec_imds_v1_answers_a_client_without_a_token(sts: MotoServer) -> None:
    v1 = run_rolechain("exec", "--imds-v1", "admin", "--", sys.executable, "-c", V1_CHILD)
    v2 = run_rolechain("exec", "--imds", "admin", "--", sys.executable, "-c", V1_CHILD)
    assert v1.returncode == 0, v1.stderr
    assert v1.stdout.split() == ["Success", "admin"]
    assert v2.returncode == 1 and "HTTP Error 401" in v2.stderr
