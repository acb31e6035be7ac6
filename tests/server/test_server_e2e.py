"""The credential server end to end: real clients (boto3, the AWS CLI) against moto."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import resolver
from resolver import api
from resolver.cli.main import main
from tests.conftest import IsolatedEnv
from tests.moto_support import TEST_ACCESS_KEY_ID, MotoServer
from tests.server.support import get
from tests.test_e2e_chain import THREE_HOPS, run_rolechain, use_config

# A child that prints its credentials' key id and caller ARN, using only the container
# provider (no keys in its environment).
BOTO3_CHILD = """
import os, sys, boto3
assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(os.environ)
session = boto3.Session()
credentials = session.get_credentials()
print(credentials.method, credentials.get_frozen_credentials().access_key)
print(os.environ["AWS_REGION"])
client = session.client("sts", endpoint_url=os.environ["AWS_ENDPOINT_URL_STS"])
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


def port_of(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def assert_each_hop_signed_by_its_caller(sts: MotoServer, final_key: str) -> None:
    calls = sts.sts_calls()
    roles = [call for call in calls if call.action == "AssumeRole"]
    assert [call.params["RoleArn"].rsplit("/", 1)[1] for call in roles] == [
        "ops",
        "deploy",
        "admin",
    ]
    assert roles[0].access_key_id == TEST_ACCESS_KEY_ID
    keys = [call.access_key_id for call in roles]
    assert keys[1] != keys[0] and keys[2] not in keys[:2]
    identity = [call for call in calls if call.action == "GetCallerIdentity"]
    assert [call.access_key_id for call in identity] == [final_key]


def test_exec_server_with_a_boto3_child(sts: MotoServer) -> None:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIASHADOW", "AWS_SECRET_ACCESS_KEY": "shadow"}
    result = run_rolechain(
        "exec", "--server", "admin", "--", sys.executable, "-c", BOTO3_CHILD, env=env
    )
    assert result.returncode == 0, result.stderr
    (method, key), region, arn = (line.split() for line in result.stdout.splitlines())
    assert method == "container-role" and key.startswith("ASIA")
    assert region == ["eu-west-1"] and arn[0].endswith(":assumed-role/admin/alice-admin")
    assert_each_hop_signed_by_its_caller(sts, key)


def test_exec_server_with_an_aws_cli_child(sts: MotoServer) -> None:
    aws = str(Path(sys.executable).with_name("aws"))
    argv = [aws, "sts", "get-caller-identity", "--endpoint-url", sts.url, "--output", "json"]
    result = run_rolechain("exec", "--server", "admin", "--", *argv)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"].endswith(":assumed-role/admin/alice-admin")
    final = [call for call in sts.sts_calls() if call.action == "GetCallerIdentity"]
    assert final and final[0].access_key_id
    assert_each_hop_signed_by_its_caller(sts, str(final[0].access_key_id))


def test_tokens_missing_wrong_or_from_another_server_are_refused(sts: MotoServer) -> None:
    with resolver.serve("admin") as first, resolver.serve("admin") as second:
        assert first.token not in repr(first) and len(first.token) >= 43
        port, path = port_of(first.url), "/profiles/admin"
        assert get(port, path, None)[0] == 401
        assert get(port, path, second.token)[0] == 403  # replayed from another server
        assert get(port, path, first.token + "x")[0] == 403
        status, body = get(port, path, first.token)
    assert status == 200 and body["AccessKeyId"].startswith("ASIA")
    assert body["AccountId"] == "123456789012" and body["Expiration"].endswith("Z")


def test_fifty_concurrent_requests_on_a_warm_cache_make_no_sts_call(sts: MotoServer) -> None:
    with resolver.serve("admin", prime=True) as endpoint:
        sts.reset_recording()
        port = port_of(endpoint.url)
        statuses: list[int] = []
        threads = [
            threading.Thread(
                target=lambda: statuses.append(get(port, "/profiles/admin", endpoint.token)[0])
            )
            for _ in range(50)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 50
    assert sts.sts_calls() == []


def test_exec_server_beside_eight_exports_makes_one_sts_call_per_hop(sts: MotoServer) -> None:
    child = (
        "import boto3; print(boto3.Session().get_credentials().get_frozen_credentials().access_key)"
    )
    command = [sys.executable, "-m", "resolver"]
    processes = [
        subprocess.Popen(
            [*command, "export", "admin", "--format", "json"], stdout=subprocess.PIPE, text=True
        )
        for _ in range(8)
    ]
    processes.append(
        subprocess.Popen(
            [*command, "exec", "--server", "admin", "--", sys.executable, "-c", child],
            stdout=subprocess.PIPE,
            text=True,
        )
    )
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0] * 9
    keys = {json.loads(out)["AWS_ACCESS_KEY_ID"] for out in outputs[:8]} | {outputs[8].strip()}
    assert len(keys) == 1
    assert [call.action for call in sts.sts_calls()] == ["AssumeRole"] * 3


def test_refresh_near_expiry_happens_once_and_a_running_child_sees_new_keys(
    sts: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime, timedelta, timezone
    from types import SimpleNamespace

    from resolver.cache import persistent
    from resolver.stscreds import cache

    offset = [0.0]  # the test hook: every clock of the caches and the server, shifted

    def now() -> float:
        return time.time() + offset[0]

    monkeypatch.setattr(cache, "time", SimpleNamespace(time=now))
    monkeypatch.setattr(
        cache, "utc_now", lambda: datetime.now(timezone.utc) + timedelta(seconds=offset[0])
    )
    monkeypatch.setattr(persistent, "utc_now", cache.utc_now)
    child_code = (
        "import sys, boto3\nsession = boto3.Session()\nfor _ in sys.stdin:\n"
        "    print(session.get_credentials().get_frozen_credentials().access_key, flush=True)\n"
    )
    with resolver.serve("admin", prime=True) as endpoint:
        assert endpoint.server is not None
        source = next(iter(endpoint.server.sources.values()))
        source.clock = now
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ACCESS")}
        child = subprocess.Popen(
            [sys.executable, "-c", child_code],
            env={**env, **endpoint.environment()},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write("\n")
        child.stdin.flush()
        before = child.stdout.readline().strip()
        sts.reset_recording()
        offset[0] = 11 * 60.0  # the admin session (15 minutes) has four minutes left
        port = port_of(endpoint.url)
        statuses = [get(port, "/profiles/admin", endpoint.token)[0] for _ in range(10)]
        flight = source._flight
        assert flight is not None and flight.done.wait(30)
        child.stdin.write("\n")
        child.stdin.flush()
        after = child.stdout.readline().strip()
        child.stdin.close()
        child.wait(30)
    assert statuses == [200] * 10
    assert before.startswith("ASIA") and after.startswith("ASIA") and after != before
    calls = sts.sts_calls()
    # deploy and admin last 15 minutes (the default and duration_seconds), ops an hour:
    # the two hops inside the margin are refreshed once each, ops is not.
    assert [call.params["RoleArn"].rsplit("/", 1)[1] for call in calls] == ["deploy", "admin"]


@pytest.mark.parametrize("ending", ["sys.exit(3)", "os.kill(os.getpid(), signal.SIGKILL)"])
def test_the_server_is_gone_after_the_child_exits(sts: MotoServer, ending: str) -> None:
    url = "os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI']"
    code = f"import os, sys, signal; print({url}, flush=True); {ending}"
    result = run_rolechain("exec", "--server", "ops", "--", sys.executable, "-c", code)
    assert result.returncode == (3 if "exit" in ending else 128 + signal.SIGKILL), result.stderr
    port = port_of(result.stdout.strip())
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


def test_mfa_without_a_terminal_gives_503_then_works_once_mfa_process_is_set(
    sts: MotoServer, isolated_env: IsolatedEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolver.stscreds import tokens

    monkeypatch.setattr(api, "RECHECK_SECONDS", 0.0)
    monkeypatch.setattr(tokens, "_open_tty", lambda: None)
    monkeypatch.setattr(tokens, "_stdin_is_tty", lambda: False)
    mfa_process = f"mfa_process = {sys.executable} -c \"print('123456')\"\n"
    use_config(isolated_env, THREE_HOPS.replace(mfa_process, ""))
    with resolver.serve("admin", "base") as endpoint:
        port = port_of(endpoint.url)
        status, body = get(port, "/profiles/admin", endpoint.token)
        assert status == 503 and body["code"] == "MfaCodeUnavailable" and body["profile"] == "admin"
        assert "mfa_process" in body["message"]
        assert get(port, "/profiles/base", endpoint.token)[0] == 200  # other profiles unaffected
        assert sts.sts_calls() == []
        use_config(isolated_env, THREE_HOPS)
        status, body = get(port, "/profiles/admin", endpoint.token)
    assert status == 200 and body["AccessKeyId"].startswith("ASIA")


def test_start_up_errors_are_one_line(sts: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "nope"]) == 2
    assert main(["serve", "admin", "--host", "0.0.0.0"]) == 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "admin", "--port", str(taken.getsockname()[1])]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3 and all(line.startswith("rolechain: error: ") for line in lines)
    assert "nope" in lines[0] and "loopback" in lines[1] and "in use" in lines[2]


def test_serve_prints_the_variables_logs_requests_and_stops_on_sigterm(sts: MotoServer) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "resolver", "serve", "admin", "ops", "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(7)]
    variables = dict(
        line.removeprefix("export ").strip().split("=", 1) for line in lines if "=" in line
    )
    url, token = (
        variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
        variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
    )
    port = port_of(url)
    status, body = get(port, "/profiles/ops", token)
    assert status == 200 and url.endswith("/profiles/ops")
    assert get(port, "/profiles/admin", "wrong")[0] == 403
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "GET '/profiles/ops' 200" in err and "GET '/profiles/admin' 403" in err
    assert token not in err and body["SecretAccessKey"] not in err and body["Token"] not in err


def test_exec_server_follows_aws_profile_without_a_profile_argument(sts: MotoServer) -> None:
    code = "import os; print(os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'])"
    env = {**os.environ, "AWS_PROFILE": "deploy"}
    result = run_rolechain("exec", "--server", "--", sys.executable, "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("/profiles/deploy")
