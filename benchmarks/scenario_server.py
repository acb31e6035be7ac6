"""Scenario 7: the credential server (``rolechain serve``) answering warm GETs.

A real ``rolechain serve`` process on 127.0.0.1 with the 3-hop chain's cache warm; N
client processes (N = 1, 8, 32) each send GET after GET on a new connection, as SDKs do.
Then a child process times boto3's ``ContainerProvider`` loading from the server.
STS calls are counted by moto's recorder over the whole scenario (target: none).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from harness import Command, CommandFailed, progress, run_once
from report import Section, Target, at_most, fmt_ms, table
from workspace import CHAIN_PROFILE, PYTHON, ROLECHAIN, Options, Workspace, rolechain_export

CLIENTS = (1, 8, 32)
REQUESTS = 400  # per client and N
P99_LIMIT = 2e-3
# The child: times ContainerProvider().load() + frozen credentials, imports excluded.
PROVIDER_CHILD = """
import json, sys, time
from botocore.credentials import ContainerProvider
costs = []
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    ContainerProvider().load().get_frozen_credentials()
    costs.append(time.perf_counter() - start)
print(json.dumps(costs))
"""


# One client process: waits for a line on stdin, then sends argv[3] GETs (one new
# connection each, as SDKs do) to port argv[1] and prints every latency as JSON.
CLIENT = """
import json, socket, sys, time
port, request, count = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3])
sys.stdin.readline()
latencies = []
for _ in range(count):
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    latencies.append(time.perf_counter() - start)
    if not answer.startswith(b"HTTP/1.1 200"):
        sys.exit(f"server answered {answer[:40]!r}")
print(json.dumps(latencies))
"""


def load(port: int, request: str, clients: int, requests: int) -> tuple[list[float], float]:
    """Every request's latency from ``clients`` client processes, and the batch's wall time."""
    argv = [PYTHON, "-c", CLIENT, str(port), request, str(requests)]
    processes = [
        subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(clients)
    ]
    time.sleep(0.5)  # let every client start its interpreter before any begins
    start = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("\n")
        process.stdin.flush()
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    wall = time.perf_counter() - start
    if any(process.returncode for process in processes):
        raise CommandFailed("a client process failed (see stderr)")
    return [value for out in outputs for value in json.loads(out)], wall


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_server(env: dict[str, str], token_file: Path) -> tuple[subprocess.Popen[str], str]:
    argv = [ROLECHAIN, "serve", CHAIN_PROFILE, "--token-file", str(token_file)]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("export AWS_CONTAINER_CREDENTIALS_FULL_URI="):
            return process, line.split("=", 1)[1].strip()
    raise CommandFailed(f"rolechain serve exited {process.wait()} before printing its URL")


def credential_server(ws: Workspace, options: Options) -> Section:
    """Warm GET latency for each N, then boto3's ContainerProvider load time."""
    progress("credential server")
    env = ws.env(10, "server")
    run_once(Command("rolechain (filling the cache)", rolechain_export(), env.vars))
    token_file = env.home / "server-token"
    ws.start_recording()
    process, url = start_server(env.vars, token_file)
    try:
        token = token_file.read_text().strip()
        port, path = int(url.split(":")[2].split("/")[0]), "/" + url.split("/", 3)[3]
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n\r\n"
        load(port, request, 1, 20)  # warm-up
        requests = max(REQUESTS * options.rounds // 9, 50)
        rows, p99_at = [], {}
        for clients in CLIENTS:
            progress(f"  {clients} clients x {requests} requests")
            latencies, wall = load(port, request, clients, requests)
            p99_at[clients] = percentile(latencies, 0.99)
            rate = f"{len(latencies) / wall:,.0f}"
            p50 = fmt_ms(statistics.median(latencies))
            rows.append([clients, len(latencies), rate, p50, fmt_ms(p99_at[clients])])
        child_env = {**env.vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI": url,
                     "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}  # fmt: skip
        done = subprocess.run([PYTHON, "-c", PROVIDER_CHILD, "50"], env=child_env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        if done.returncode != 0:
            raise CommandFailed(f"ContainerProvider child failed: {done.stderr[-800:]}")
        provider = json.loads(done.stdout)
    finally:
        process.terminate()
        process.wait(30)
    calls = sum(ws.stop_recording().values())
    section = Section("Credential server")
    section.body = [
        f"`rolechain serve {CHAIN_PROFILE}` (a separate process, cache warm). N client processes "
        f"each send {requests} GETs, one new connection per request "
        "as SDKs do; latency is connect to close. Then boto3's `ContainerProvider().load()` "
        f"plus `get_frozen_credentials()` from a child process, 50 times (imports excluded): "
        f"median {fmt_ms(statistics.median(provider))}, first {fmt_ms(provider[0])}. "
        f"STS calls recorded during the scenario: {calls}.",
        "",
        table(["clients", "requests", "requests/s", "p50", "p99"], rows),
    ]
    section.targets = [
        Target(
            f"p99 ≤ {fmt_ms(P99_LIMIT)} at 8 clients",
            fmt_ms(p99_at[8]),
            at_most(p99_at[8], P99_LIMIT),
        ),
        Target("STS calls while serving = 0", str(calls), calls == 0),
    ]  # fmt: skip
    return section
