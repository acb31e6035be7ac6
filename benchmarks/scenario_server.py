"""The credential servers answering warm requests: the container server
(``rolechain serve``) and the instance metadata server (``rolechain serve --imds``).

A real server process on 127.0.0.1 with the 3-hop chain's cache warm; N client processes
(N = 1, 8) each send request after request on a new connection, as SDKs do, pinned apart
from the server where the machine allows (server_load.py). Then a child process times
boto3's provider for that server loading credentials from it. STS calls are counted by
moto's recorder over the whole scenario (target: none).
"""

from __future__ import annotations

import json
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from harness import CommandFailed, progress
from report import Section, Target, at_most, fmt_ms, table
from server_load import Cpus, fetch, load, percentile, pinned, plan_cpus, provider_costs
from workspace import CHAIN_PROFILE, ROLECHAIN, Env, Options, Workspace, rolechain_export

CLIENTS = (1, 8)
REQUESTS = 400  # per client and N
P99_LIMIT = 2e-3
TOKEN_TTL = "21600"
# The children: time the provider's load() + frozen credentials, imports excluded.
CONTAINER_CHILD = """
import json, sys, time
from botocore.credentials import ContainerProvider
costs = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    ContainerProvider().load().get_frozen_credentials()
    costs.append(time.perf_counter() - start)
print(json.dumps(costs))
"""
IMDS_CHILD = """
import json, os, sys, time
from botocore.credentials import InstanceMetadataProvider
from botocore.utils import InstanceMetadataFetcher
config = {"ec2_metadata_service_endpoint": os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]}
costs = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    fetcher = InstanceMetadataFetcher(timeout=1, num_attempts=1, config=config)
    InstanceMetadataProvider(iam_role_fetcher=fetcher).load().get_frozen_credentials()
    costs.append(time.perf_counter() - start)
print(json.dumps(costs))
"""


@dataclass(frozen=True)
class Served:
    """A running server as the clients see it."""

    port: int
    request: str  # the raw request every client sends
    document_url: str  # where the credentials document is
    headers: dict[str, str]  # what it needs
    child_env: dict[str, str]  # the SDK provider child's environment


def start(
    argv: list[str], env: Env, variable: str, cpus: Cpus
) -> tuple[subprocess.Popen[str], str]:
    """Start the server pinned to ``cpus.server``; the URL it prints in ``variable``."""
    process = subprocess.Popen(
        pinned(cpus.server, argv), env=env.vars, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(f"export {variable}="):
            return process, line.split("=", 1)[1].strip()
    raise CommandFailed(f"{argv[1:]} exited {process.wait()} before printing {variable}")


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def container(env: Env, cpus: Cpus) -> tuple[subprocess.Popen[str], Served]:
    token_file = env.home / "server-token"
    argv = [ROLECHAIN, "serve", CHAIN_PROFILE, "--token-file", str(token_file)]
    process, url = start(argv, env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", cpus)
    token = token_file.read_text().strip()
    path = "/" + url.split("/", 3)[3]
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n\r\n"
    child_env = {
        **env.vars,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": url,
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
    }
    served = Served(_port(url), request, url, {"Authorization": token}, child_env)
    return process, served


def imds(env: Env, cpus: Cpus) -> tuple[subprocess.Popen[str], Served]:
    argv = [ROLECHAIN, "serve", "--imds", CHAIN_PROFILE]
    process, url = start(argv, env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", cpus)
    base = url.rstrip("/")
    ttl = {"X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL}
    token = fetch(f"{base}/latest/api/token", ttl, method="PUT")
    headers = {"X-aws-ec2-metadata-token": token}
    directory = "/latest/meta-data/iam/security-credentials/"
    role = fetch(base + directory, headers).strip()
    path = directory + role
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\nX-aws-ec2-metadata-token: {token}\r\n\r\n"
    child_env = {**env.vars, "AWS_EC2_METADATA_SERVICE_ENDPOINT": url}
    child_env.pop("AWS_EC2_METADATA_DISABLED", None)
    return process, Served(_port(url), request, base + path, headers, child_env)


Starter = Callable[[Env, Cpus], tuple[subprocess.Popen[str], Served]]
KINDS: dict[str, tuple[str, Starter, str, str]] = {
    "container": (
        "Container credential server",
        container,
        CONTAINER_CHILD,
        f"`rolechain serve {CHAIN_PROFILE}`; each request a GET of the profile's "
        "URL with the `Authorization` token; boto3's `ContainerProvider`",
    ),
    "imds": (
        "IMDS server",
        imds,
        IMDS_CHILD,
        f"`rolechain serve --imds {CHAIN_PROFILE}`; a session token is fetched once "
        "(`PUT /latest/api/token`), then each request is a GET of "
        "`/latest/meta-data/iam/security-credentials/ROLE` with "
        "`X-aws-ec2-metadata-token`; boto3's `InstanceMetadataProvider` (each load: "
        "PUT token, GET role, GET credentials)",
    ),
}


def _exported_key(env: Env) -> str:
    """Fill the cache with one cold ``export``; the access key it printed."""
    done = subprocess.run(rolechain_export(), env=env.vars, capture_output=True, text=True)
    if done.returncode != 0:
        raise CommandFailed(f"rolechain export failed: {done.stderr[-800:]}")
    return str(json.loads(done.stdout)["AccessKeyId"])


def server_scenario(kind: str) -> Callable[[Workspace, Options], Section]:
    """The scenario for one server kind (``container`` or ``imds``)."""
    title, starter, child, what = KINDS[kind]

    def scenario(ws: Workspace, options: Options) -> Section:
        progress(title)
        env, cpus = ws.env(10, f"server-{kind}"), plan_cpus()
        key = _exported_key(env)
        requests = max(REQUESTS * options.rounds // 9, 50)
        ws.start_recording()
        process, served = starter(env, cpus)
        try:
            served_key = json.loads(fetch(served.document_url, served.headers))["AccessKeyId"]
            if served_key != key:
                raise CommandFailed(f"{kind} served {served_key}, export printed {key}")
            load(served.port, served.request, 1, 20, cpus.clients)  # warm-up
            rows, p99_at = [], {}
            for clients in CLIENTS:
                progress(f"  {clients} clients x {requests} requests")
                latencies, wall = load(served.port, served.request, clients, requests, cpus.clients)
                p99_at[clients] = percentile(latencies, 0.99)
                rate = f"{len(latencies) / wall:,.0f}"
                p50 = fmt_ms(statistics.median(latencies))
                rows.append([clients, len(latencies), rate, p50, fmt_ms(p99_at[clients])])
            provider = provider_costs(child, served.child_env)
        finally:
            process.terminate()
            process.wait(30)
        calls = sum(ws.stop_recording().values())
        section = Section(title)
        section.body = [
            f"{what}. A separate server process, cache warm (one `export` before it started; "
            f"the server's answer carries the same access key). {cpus.note}. N client "
            f"processes each send {requests} requests, one new connection per request as "
            "SDKs do; latency is connect to close; requests/s is every request over the "
            "time from the first client's first request to the last client's last answer. "
            "The SDK provider, 50 loads from a child process (imports excluded): "
            f"median {fmt_ms(statistics.median(provider))}, "
            f"first {fmt_ms(provider[0])}. STS calls recorded during the scenario: {calls}.",
            "",
            table(["clients", "requests", "requests/s", "p50", "p99"], rows),
        ]
        section.targets = [
            Target(
                f"p99 ≤ {fmt_ms(P99_LIMIT)} at 8 clients",
                fmt_ms(p99_at[8]),
                at_most(p99_at[8], P99_LIMIT),
            ),
            Target("STS calls while serving warm = 0", str(calls), calls == 0),
        ]
        return section

    return scenario


credential_server = server_scenario("container")
imds_server = server_scenario("imds")
